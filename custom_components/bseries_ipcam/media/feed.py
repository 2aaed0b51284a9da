"""One video feed per camera, shared by every viewer and every still request.

This layer sits between the protocol's `CameraClient` and Home Assistant's camera entity; its logic
uses nothing of Home Assistant. The first viewer (or still request) starts video over the camera's one
AV connection; every frame then goes to all viewers at once; after the last viewer leaves, the
feed stays warm for an idle period and then stops video, which closes the AV connection.

Viewers never hold each other back: each frame replaces the previous one, and a viewer asks for
"a frame newer than the one I have", so a slow viewer skips frames instead of queueing them, and
memory does not grow with its backlog.

Faults are noticed here, on the video path, not by the connections' two-minute watchdogs: a feed
whose camera sends no frame for `stall_after` seconds (a few frame intervals of the chosen rate)
closes the AV connection and starts video again; when that start gets no answer either, the whole
session is ended, so that the coordinator reconnects at once. `fault` says why video cannot be had
now (a stall, a refusal by the camera, no answer), and is cleared by the next frame.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import logging
from typing import TYPE_CHECKING, Final

from ..backoff import Backoff
from ..errors import FeedUnavailableError
from ..protocol import (
    BSeriesError,
    CameraClient,
    CameraTimeoutError,
    ConnectionClosedError,
    InsufficientPrivilegeError,
    NotSupportedError,
    TooManyConnectionsError,
    VideoData,
)
from ..protocol.listeners import Listeners
from .timeline import Timeline

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

_LOGGER = logging.getLogger(__name__)

BOUNDARY: Final = "frame"
_BOUNDARY: Final = BOUNDARY.encode()
# Longer than the frontend's 10 s thumbnail refresh, so an open dashboard keeps video warm instead
# of starting and stopping it (and flipping the camera's state) every few seconds.
IDLE_TIMEOUT: Final = 15.0
RESTART_MIN_DELAY: Final = 1.0
RESTART_MAX_DELAY: Final = 10.0
# Video counts as stalled after STALL_GRACE s plus STALL_FRAMES frame intervals without a frame:
# 2 s at full speed, 4 s at 1000 ms, 12 s at 5000 ms between frames. The grace covers a camera's
# hiccups (a Wi-Fi retry, a slow JPEG) without keeping a dead feed on screen for long.
STALL_GRACE: Final = 2.0
STALL_FRAMES: Final = 2
# Answers of the camera that no retry of ours changes: the user has to act.
REFUSALS: Final = (TooManyConnectionsError, NotSupportedError, InsufficientPrivilegeError)

type FeedFault = BSeriesError | FeedUnavailableError


def stall_after(interval: float) -> float:
    """Seconds without a frame after which video counts as stalled, at `interval` s per frame."""
    return STALL_GRACE + STALL_FRAMES * interval


@dataclass(slots=True)
class FeedFrame:
    """A JPEG from the camera: sequence number, arrival (loop clock), time (`timeline`, 10 ms)."""

    seq: int
    jpeg: bytes
    received_at: float
    timestamp: int
    _part: bytes | None = field(default=None, repr=False)
    _chunk: bytes | None = field(default=None, repr=False)

    @property
    def multipart(self) -> bytes:
        """The frame as one part of a multipart/x-mixed-replace body, built once for all viewers."""
        if self._part is None:
            # One join: the JPEG is copied once, not once per concatenation.
            self._part = b"".join((self._part_head(), self.jpeg, b"\r\n"))
        return self._part

    @property
    def chunk(self) -> bytes:
        """`multipart` as one HTTP/1.1 chunk (chunked transfer coding), built once."""
        if self._chunk is None:
            head = self._part_head()
            size = len(head) + len(self.jpeg) + 2
            self._chunk = b"".join((b"%x\r\n" % size, head, self.jpeg, b"\r\n\r\n"))
        return self._chunk

    def _part_head(self) -> bytes:
        return b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (
            _BOUNDARY,
            len(self.jpeg),
        )


class VideoFeed:
    """Starts and stops a camera's video on demand and fans its frames out to viewers."""

    def __init__(
        self,
        get_camera: Callable[[], CameraClient | None],
        *,
        get_interval: Callable[[], float] = lambda: 0.0,
        idle_timeout: float | None = None,
        name: str = "camera",
        timeline: Timeline | None = None,
    ) -> None:
        """`get_camera` gives the currently connected camera (None while it is offline).

        `get_interval` gives the chosen seconds between frames (0 for full speed). `timeline`
        times the frames: share the camera's one with its audio feed.
        """
        self._get_camera = get_camera
        self.timeline = timeline or Timeline()
        self._get_interval = get_interval
        self.idle_timeout = IDLE_TIMEOUT if idle_timeout is None else idle_timeout
        self.name = name
        self._loop = asyncio.get_running_loop()
        self._latest: FeedFrame | None = None
        self._seq = 0
        # One future per waiting viewer, all resolved by the next frame.
        self._waiters: list[asyncio.Future[FeedFrame]] = []
        self._users = 0
        self._camera: CameraClient | None = None
        self._unsubs: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._idle_handle: asyncio.TimerHandle | None = None
        self._restart_backoff = Backoff(RESTART_MIN_DELAY, RESTART_MAX_DELAY)
        self._closed = False
        self._fault: FeedFault | None = None
        self._attempting = False
        self._backing_off = False
        self._last_frame_at = 0.0
        self._stall_handle: asyncio.TimerHandle | None = None
        self._session: CameraClient | None = None
        self._listeners: Listeners[[]] = Listeners()
        # Called with every frame as it arrives, and with None when the feed closes.
        self._sinks: Listeners[[FeedFrame | None]] = Listeners(_LOGGER)
        self.starts = 0
        self.stalls = 0

    @property
    def streaming(self) -> bool:
        """Whether frames are flowing from the camera."""
        return self._camera is not None

    @property
    def fault(self) -> FeedFault | None:
        """Why video cannot be had now (the last start's refusal, a stall); None when it can."""
        return self._fault

    @property
    def refusal(self) -> BSeriesError | None:
        """`fault` when the camera refused video (too many connections, not supported, rights)."""
        fault = self._fault
        return fault if isinstance(fault, REFUSALS) else None

    @property
    def stall_after(self) -> float:
        """Seconds without a frame after which video counts as stalled, at the chosen rate."""
        return stall_after(self._get_interval())

    @property
    def viewers(self) -> int:
        """Viewers and still requests holding the feed open now."""
        return self._users

    @property
    def latest(self) -> FeedFrame | None:
        """The newest frame while streaming."""
        return self._latest if self.streaming else None

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever `fault` changes; returns a function that removes it.

        Not at on-demand starts and stops: those are no news to anybody.
        """
        return self._listeners.add(listener)

    def add_sink(self, sink: Callable[[FeedFrame | None], None]) -> Callable[[], None]:
        """Call `sink` with every frame, in the frame's callback, and with None at close.

        For viewers that write frames straight to their connection: no task wakes up per
        viewer and frame.
        """
        return self._sinks.add(sink)

    # --- demand -------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Hold the feed open; video starts if it is not running."""
        if self._closed:
            raise FeedUnavailableError(f"the {self.name} feed is closed")
        self._users += 1
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        self._ensure_running()

    def release(self) -> None:
        """Let go; video stops after the idle period once nobody holds the feed."""
        self._users -= 1
        if self._users == 0 and not self._closed:
            self._idle_handle = self._loop.call_later(self.idle_timeout, self._on_idle)

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[VideoFeed]:
        """`acquire` for the duration of a block."""
        self.acquire()
        try:
            yield self
        finally:
            self.release()

    async def next_frame(self, after: int = 0, wait: float | None = None) -> FeedFrame:
        """A frame with a sequence number above `after`: the newest one, or the next to come."""
        latest = self._latest
        if latest is not None and latest.seq > after and self.streaming:
            return latest
        if self._closed:
            raise ConnectionClosedError(f"the {self.name} feed closed")
        # A future of its own (not a shield around a shared one) and a plain timer (not
        # asyncio.timeout): this runs for every viewer and every frame.
        waiter: asyncio.Future[FeedFrame] = self._loop.create_future()
        self._waiters.append(waiter)
        timer = None if wait is None else self._loop.call_later(wait, self._expire, waiter)
        try:
            return await waiter
        except BaseException:
            # Timed out or cancelled: the next frame need not visit this waiter.
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: asyncio.Future[FeedFrame]) -> None:
        if not waiter.done():
            waiter.set_exception(FeedUnavailableError(f"no video from the {self.name} in time"))

    async def still(self, wait: float = 10.0) -> bytes:
        """A JPEG no older than `stall_after`: the newest frame, or the next one to come.

        Fails at once while the camera is offline or refuses video, and within `stall_after`
        while it stalls: never an old frame served as a new one.
        """
        max_age = self.stall_after
        latest = self.latest
        if latest is not None and self._loop.time() - latest.received_at <= max_age:
            return latest.jpeg
        if self._get_camera() is None:
            raise FeedUnavailableError(f"the {self.name} is not connected")
        if self._fault is not None or latest is not None:
            wait = min(wait, max_age)
        async with self.hold():
            if self.refusal is not None and self._backing_off:
                # The camera answers a refusal at once: ask it now, not after the backoff, so
                # that the request fails (or succeeds) in one round trip.
                self._retry_now()
            return (await self.next_frame(self._seq, wait)).jpeg

    def camera_changed(self) -> None:
        """The session may be new: start video at once for waiting viewers (no backoff)."""
        camera = self._get_camera()
        if camera is None or camera is self._session:
            return
        self._session = camera
        if self._fault is not None and self.refusal is None:
            # The stall or the silence belonged to the session that ended.
            self._set_fault(None)
        if self._users > 0 and self._camera is None and not self._attempting:
            self._retry_now()

    def _retry_now(self) -> None:
        """Start video now instead of at the end of the backoff."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._restart_backoff.reset()
        self._task = self._loop.create_task(self._start(), name=f"{self.name} feed start")

    # --- running the camera's video ----------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._camera is None and (self._task is None or self._task.done()):
            self._task = self._loop.create_task(self._start(), name=f"{self.name} feed start")

    async def _start(self) -> None:
        delay = 0.0
        while self._users > 0 and not self._closed and self._camera is None:
            if delay:
                self._backing_off = True
                try:
                    await asyncio.sleep(delay)
                finally:
                    self._backing_off = False
            camera = self._get_camera()
            if camera is not None:
                async with self._lock:
                    self._attempting = True
                    try:
                        await self._start_on(camera)
                    except BSeriesError as err:
                        self._on_start_failed(camera, err)
                    else:
                        self._restart_backoff.reset()
                        return
                    finally:
                        self._attempting = False
            delay = self._restart_backoff.next()

    def _on_start_failed(self, camera: CameraClient, err: BSeriesError) -> None:
        _LOGGER.debug("Could not start video on the %s: %s", self.name, err)
        self._set_fault(err)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(err)
        if isinstance(err, CameraTimeoutError):
            # No answer to Video_Start: the control session is as silent as the video was. End
            # it now so that the coordinator reconnects, instead of its watchdog minutes later.
            _LOGGER.debug("The %s does not answer; ending its session", self.name)
            camera.abort(err)

    async def _start_on(self, camera: CameraClient) -> None:
        unsubs = [
            camera.add_video_listener(self._on_frame),
            camera.add_av_close_listener(self._on_av_closed),
        ]
        try:
            await camera.start_video()
        except BaseException:
            for unsub in unsubs:
                unsub()
            raise
        self._camera = camera
        self._unsubs = unsubs
        self.starts += 1
        if self.refusal is not None:
            self._set_fault(None)
        self._last_frame_at = self._loop.time()
        self._watch_for_stall()
        _LOGGER.debug("Video started on the %s", self.name)

    def _set_fault(self, fault: FeedFault | None) -> None:
        if fault is self._fault:
            return
        changed = (fault is None) != (self._fault is None) or type(fault) is not type(self._fault)
        self._fault = fault
        if changed:
            self._listeners()

    def _watch_for_stall(self) -> None:
        self._stall_handle = self._loop.call_at(
            self._last_frame_at + self.stall_after, self._check_stall
        )

    def _check_stall(self) -> None:
        self._stall_handle = None
        camera = self._camera
        if camera is None:
            return
        silence = self._loop.time() - self._last_frame_at
        if silence < self.stall_after:
            self._watch_for_stall()  # frames came, or the interval changed
            return
        self.stalls += 1
        error = CameraTimeoutError(f"no video frame for {silence:.2f} s")
        _LOGGER.info("Video from the %s stalled (%s); starting it again", self.name, error)
        self._set_fault(error)
        camera.abort_av(error)

    def _on_frame(self, packet: VideoData) -> None:
        self._seq += 1
        now = self._loop.time()
        time = self.timeline.time_of("video", packet.timestamp, now)
        frame = FeedFrame(self._seq, packet.image, now, time)
        self._latest = frame
        self._last_frame_at = now
        if self._fault is not None:
            self._set_fault(None)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(frame)
        self._sinks(frame)

    def _on_av_closed(self, error: BSeriesError | None) -> None:
        self._detach()
        if error is not None:
            _LOGGER.debug("Video on the %s ended: %s", self.name, error)
        if self._users > 0 and not self._closed:
            self._ensure_running()

    def _detach(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        self._camera = None
        self._latest = None
        if self._stall_handle is not None:
            self._stall_handle.cancel()
            self._stall_handle = None

    def _on_idle(self) -> None:
        self._idle_handle = None
        if self._users == 0 and self._camera is not None:
            self._task = self._loop.create_task(self._stop(), name=f"{self.name} feed stop")

    async def _stop(self) -> None:
        async with self._lock:
            camera = self._camera
            self._detach()
            if camera is not None:
                with contextlib.suppress(BSeriesError):
                    await camera.stop_video()
                _LOGGER.debug("Video stopped on the %s", self.name)

    async def close(self) -> None:
        """Stop video and wake every waiting viewer with an error."""
        self._closed = True
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionClosedError(f"the {self.name} feed closed"))
        self._sinks(None)
