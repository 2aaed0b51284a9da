"""One video feed per camera, shared by every viewer and every still request.

This layer sits between the protocol's `CameraClient` and Home Assistant's camera entity; its logic
uses nothing of Home Assistant. The first viewer (or still request) starts video over the camera's one
AV connection; every frame then goes to all viewers at once; after the last viewer leaves, the
feed stays warm for an idle period and then stops video, which closes the AV connection.

Viewers never hold each other back: each frame replaces the previous one, and a viewer asks for
"a frame newer than the one I have", so a slow viewer skips frames instead of queueing them, and
memory does not grow with its backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import logging
from typing import TYPE_CHECKING, Final

from .backoff import Backoff
from .errors import FeedUnavailableError
from .protocol import BSeriesError, CameraClient, ConnectionClosedError, VideoData
from .protocol.listeners import Listeners

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


@dataclass(slots=True)
class FeedFrame:
    """A JPEG from the camera with its sequence number and arrival time (loop clock)."""

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
        idle_timeout: float | None = None,
        name: str = "camera",
    ) -> None:
        """`get_camera` gives the currently connected camera (None while it is offline)."""
        self._get_camera = get_camera
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
        self._listeners: Listeners[[]] = Listeners()
        # Called with every frame as it arrives, and with None when the feed closes.
        self._sinks: Listeners[[FeedFrame | None]] = Listeners(_LOGGER)
        self.starts = 0

    @property
    def streaming(self) -> bool:
        """Whether frames are flowing from the camera."""
        return self._camera is not None

    @property
    def viewers(self) -> int:
        """Viewers and still requests holding the feed open now."""
        return self._users

    @property
    def latest(self) -> FeedFrame | None:
        """The newest frame while streaming."""
        return self._latest if self.streaming else None

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever video starts or stops; returns a function that removes it."""
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
        """A JPEG: the newest frame while streaming, else the first after starting video."""
        latest = self.latest
        if latest is not None:
            return latest.jpeg
        async with self.hold():
            return (await self.next_frame(self._seq, wait)).jpeg

    # --- running the camera's video ----------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._camera is None and (self._task is None or self._task.done()):
            self._task = self._loop.create_task(self._start(), name=f"{self.name} feed start")

    async def _start(self) -> None:
        delay = 0.0
        while self._users > 0 and not self._closed and self._camera is None:
            if delay:
                await asyncio.sleep(delay)
            camera = self._get_camera()
            if camera is not None:
                async with self._lock:
                    try:
                        await self._start_on(camera)
                    except BSeriesError as err:
                        _LOGGER.debug("Could not start video on the %s: %s", self.name, err)
                    else:
                        self._restart_backoff.reset()
                        return
            delay = self._restart_backoff.next()

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
        self._listeners()
        _LOGGER.debug("Video started on the %s", self.name)

    def _on_frame(self, packet: VideoData) -> None:
        self._seq += 1
        frame = FeedFrame(self._seq, packet.image, self._loop.time(), packet.timestamp)
        self._latest = frame
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
        was_streaming, self._camera = self._camera is not None, None
        self._latest = None
        if was_streaming:
            self._listeners()

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
