"""One video feed per camera, shared by every viewer and every still request.

This layer sits between the protocol's `CameraClient` and Home Assistant's camera entity; its logic
uses nothing of Home Assistant. It is a kind of `on_demand.OnDemandStream`: the first viewer (or
still request) starts video over the camera's one AV connection; every frame then goes to all
viewers at once; after the last viewer leaves, the feed stays warm for an idle period and then
stops video, which closes the AV connection. Video that only stills asked for stops right after
their frame (a dashboard thumbnail costs the camera a frame, not a stream).

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

import contextlib
from dataclasses import dataclass, field
import logging
from typing import TYPE_CHECKING, ClassVar, Final, cast, override

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
from .mjpeg import multipart_part
from .on_demand import RESTART_MAX_DELAY, RESTART_MIN_DELAY, CameraStream

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

BOUNDARY: Final = "frame"
_BOUNDARY: Final = BOUNDARY.encode()
# Longer than the frontend's 10 s thumbnail refresh, so an open dashboard keeps video warm instead
# of starting and stopping it (and flipping the camera's state) every few seconds.
IDLE_TIMEOUT: Final = 15.0
# Video that only stills asked for stops this long after the last one's frame: at once, so that
# an open dashboard costs the camera a frame per refresh (about what a snapshot.cgi costs it), not
# a stream that never stops.
STILL_IDLE_TIMEOUT: Final = 0.0
# A still asked for this soon after another one's frame is served that frame: a burst of stills
# (the cards of one dashboard refreshing together) shares one start.
STILL_SHARE: Final = 1.0
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
    """A JPEG from the camera with its sequence number and arrival time (loop clock)."""

    seq: int
    jpeg: bytes
    received_at: float
    timestamp: int
    _parts: dict[tuple[bytes, bool], bytes] = field(default_factory=dict, repr=False)

    def part(self, boundary: bytes = _BOUNDARY, *, chunked: bool = False) -> bytes:
        """The frame as one multipart part (`chunked`: as one HTTP/1.1 chunk), built once."""
        key = (boundary, chunked)
        data = self._parts.get(key)
        if data is None:
            data = self._parts[key] = multipart_part(boundary, self.jpeg, chunked=chunked)
        return data

    @property
    def multipart(self) -> bytes:
        """The frame as one part of a multipart/x-mixed-replace body, built once for all viewers."""
        return self.part()

    @property
    def chunk(self) -> bytes:
        """`multipart` as one HTTP/1.1 chunk (chunked transfer coding), built once."""
        return self.part(chunked=True)


class VideoFeed(CameraStream[FeedFrame]):
    """Starts and stops a camera's video on demand and fans its frames out to viewers.

    Stills are brief users: video started only for them stops `STILL_IDLE_TIMEOUT` after the
    last one, while a live viewer, a recording, the pre-roll or the restream keeps it warm for
    `idle_timeout` after leaving.
    """

    label: ClassVar[str] = "feed"
    camera_calls = (CameraClient.start_video, CameraClient.stop_video)

    def __init__(
        self,
        get_camera: Callable[[], CameraClient | None],
        *,
        get_interval: Callable[[], float] = lambda: 0.0,
        idle_timeout: float | None = None,
        still_idle_timeout: float | None = None,
        name: str = "camera",
    ) -> None:
        """`get_camera` gives the currently connected camera (None while it is offline).

        `get_interval` gives the chosen seconds between frames (0 for full speed).
        """
        super().__init__(
            get_camera,
            idle_timeout=IDLE_TIMEOUT if idle_timeout is None else idle_timeout,
            brief_idle_timeout=(
                STILL_IDLE_TIMEOUT if still_idle_timeout is None else still_idle_timeout
            ),
            name=name,
            # Read now, from this module: tests shorten them here.
            restart_delays=(RESTART_MIN_DELAY, RESTART_MAX_DELAY),
        )
        self._get_interval = get_interval
        self._latest: FeedFrame | None = None
        # The frame the last still started video for.
        self._still: FeedFrame | None = None
        self._seq = 0
        # One future per waiting viewer, all resolved by the next frame.
        self._waiters: list[asyncio.Future[FeedFrame]] = []
        self._last_frame_at = 0.0
        self._stall_handle: asyncio.TimerHandle | None = None
        self._session: CameraClient | None = None
        self.stalls = 0

    @property
    @override
    def fault(self) -> FeedFault | None:
        """Why video cannot be had now (the last start's refusal, a stall); None when it can."""
        return cast("FeedFault | None", self._fault)

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
        while it stalls: never an old frame served as a new one. Video started for a still
        stops right after it (`STILL_IDLE_TIMEOUT`), and the stills of the next `STILL_SHARE`
        seconds get its frame; running video serves a still without a start.
        """
        max_age = self.stall_after
        latest = self.latest
        now = self._loop.time()
        if latest is not None and now - latest.received_at <= max_age:
            return latest.jpeg
        if self._get_source() is None:
            raise FeedUnavailableError(f"the {self.name} is not connected")
        shared = self._still
        if shared is not None and now - shared.received_at <= STILL_SHARE and self._fault is None:
            return shared.jpeg
        if self._fault is not None or latest is not None:
            wait = min(wait, max_age)
        async with self.hold(brief=True):
            if self.refusal is not None and self._backing_off:
                # The camera answers a refusal at once: ask it now, not after the backoff, so
                # that the request fails (or succeeds) in one round trip.
                self._retry_now()
            frame = await self.next_frame(self._seq, wait)
        self._still = frame
        return frame.jpeg

    @override
    def release(self, *, brief: bool = False) -> None:
        if not brief:
            # Its video stays warm for the idle period and serves stills; after that, the next
            # still asks the camera again instead of sharing a frame from before.
            self._still = None
        super().release(brief=brief)

    def camera_changed(self) -> None:
        """The session may be new: start video at once for waiting viewers (no backoff)."""
        camera = self._get_source()
        if camera is None or camera is self._session:
            return
        self._session = camera
        if self._fault is not None and self.refusal is None:
            # The stall or the silence belonged to the session that ended.
            self._set_fault(None)
        if self._users > 0 and self._source is None and not self._attempting:
            self._retry_now()

    # --- running the camera's video ----------------------------------------------------------

    @override
    def _listen(self, camera: CameraClient) -> Callable[[], None]:
        return camera.add_video_listener(self._on_frame)

    @override
    def _started(self) -> None:
        if self.refusal is not None:
            self._set_fault(None)
        self._last_frame_at = self._loop.time()
        self._watch_for_stall()

    @override
    def _start_failed(self, source: CameraClient, err: Exception) -> bool:
        super()._start_failed(source, err)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(err)
        if isinstance(err, CameraTimeoutError):
            # No answer to Video_Start: the control session is as silent as the video was. End
            # it now so that the coordinator reconnects, instead of its watchdog minutes later.
            _LOGGER.debug("The %s does not answer; ending its session", self.name)
            source.abort(err)
        return False

    def _watch_for_stall(self) -> None:
        self._stall_handle = self._loop.call_at(
            self._last_frame_at + self.stall_after, self._check_stall
        )

    def _check_stall(self) -> None:
        self._stall_handle = None
        camera = self._source
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
        frame = FeedFrame(self._seq, packet.image, now, packet.timestamp)
        self._latest = frame
        self._last_frame_at = now
        if self._fault is not None:
            self._set_fault(None)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(frame)
        self._emit(frame)

    @override
    def _detached(self) -> None:
        self._latest = None
        if self._stall_handle is not None:
            self._stall_handle.cancel()
            self._stall_handle = None

    @override
    def _closed_now(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionClosedError(f"the {self.name} feed closed"))
