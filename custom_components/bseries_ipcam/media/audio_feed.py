"""One live audio feed per camera, shared by every listener and recording, beside video.

Like `feed.VideoFeed` this layer uses nothing of Home Assistant. The first listener starts audio on
the camera's one AV connection (which video, audio and talk share); every packet, decoded once to
PCM, then goes to all listeners; a short while after the last one leaves, audio stops. A camera
without a microphone answers Audio_Start with result 7: the feed remembers that (`microphone` is
False, `unavailable_reason` says why) and never asks again.

Listeners never hold each other back: each `AudioListener` has a bounded queue, and a listener that
does not keep up loses its own newest packets (counted in `dropped`), never anyone else's.
"""

from __future__ import annotations

from array import array
import asyncio
import contextlib
from dataclasses import dataclass
import logging
import sys
from typing import TYPE_CHECKING, Final

from ..backoff import Backoff
from ..errors import FeedUnavailableError
from ..protocol import AudioData, BSeriesError, CameraClient, NotSupportedError
from ..protocol.listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE: Final = 8000
# Audio goes on this long after the last listener left: a player that reconnects (a Cast
# device buffering, a browser seeking) finds it still running.
AUDIO_IDLE_TIMEOUT: Final = 5.0
# Packets of 40 ms a listener may fall behind before it loses packets: 2 s.
LISTENER_QUEUE: Final = 50
START_WAIT: Final = 10.0
RESTART_MIN_DELAY: Final = 1.0
RESTART_MAX_DELAY: Final = 10.0
NO_MICROPHONE: Final = "the camera has no microphone (it answers Audio_Start with 'not supported')"


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """40 ms of the camera's sound: its uptime stamp (10 ms units) and 320 samples as s16le."""

    timestamp: int
    pcm: bytes


def pcm_s16le(samples: list[int]) -> bytes:
    """Samples as 16-bit little-endian PCM."""
    data = array("h", samples)
    if sys.byteorder == "big":  # pragma: no cover - every supported host is little-endian
        data.byteswap()
    return data.tobytes()


class AudioListener:
    """One listener's bounded queue of chunks; None at the end of the feed."""

    def __init__(self, size: int = LISTENER_QUEUE) -> None:
        """An empty queue of at most `size` chunks."""
        self._queue: asyncio.Queue[AudioChunk | None] = asyncio.Queue(size + 1)
        self._size = size
        self.dropped = 0

    def put(self, chunk: AudioChunk | None) -> None:
        """Queue a chunk; a full queue drops it (the end, None, always gets in)."""
        if chunk is None:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)
            return
        if self._queue.qsize() >= self._size:
            self.dropped += 1
            return
        self._queue.put_nowait(chunk)

    @property
    def pending(self) -> int:
        """Chunks waiting in the queue (a live listener skips ahead when there are many)."""
        return self._queue.qsize()

    async def get(self) -> AudioChunk | None:
        """The next chunk, or None when the feed ended."""
        return await self._queue.get()


class AudioFeed:
    """Starts and stops a camera's audio on demand and fans its packets out."""

    def __init__(
        self,
        get_camera: Callable[[], CameraClient | None],
        *,
        idle_timeout: float = AUDIO_IDLE_TIMEOUT,
        name: str = "camera",
    ) -> None:
        """`get_camera` gives the currently connected camera (None while it is offline)."""
        self._get_camera = get_camera
        self.idle_timeout = idle_timeout
        self.name = name
        self._loop = asyncio.get_running_loop()
        self.microphone: bool | None = None
        self._users = 0
        self._camera: CameraClient | None = None
        self._unsubs: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._idle_handle: asyncio.TimerHandle | None = None
        self._backoff = Backoff(RESTART_MIN_DELAY, RESTART_MAX_DELAY)
        self._closed = False
        self._decided = asyncio.Event()
        self._sinks: Listeners[[AudioChunk | None]] = Listeners(_LOGGER)
        self.starts = 0
        self.packets = 0

    @property
    def streaming(self) -> bool:
        """Whether sound is flowing from the camera."""
        return self._camera is not None

    @property
    def listeners(self) -> int:
        """Listeners and recordings holding the feed open now."""
        return self._users

    @property
    def unavailable_reason(self) -> str | None:
        """Why there is no live audio, when the camera said it has none."""
        return NO_MICROPHONE if self.microphone is False else None

    def add_sink(self, sink: Callable[[AudioChunk | None], None]) -> Callable[[], None]:
        """Call `sink` with every chunk, and with None when the feed ends or has no sound."""
        return self._sinks.add(sink)

    # --- demand -------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Hold the feed open; audio starts if it is not running."""
        if self._closed:
            raise FeedUnavailableError(f"the {self.name} audio feed is closed")
        if self.microphone is False:
            raise FeedUnavailableError(f"no audio from the {self.name}: {NO_MICROPHONE}")
        self._users += 1
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        self._ensure_running()

    def release(self) -> None:
        """Let go; audio stops a short while after nobody holds the feed."""
        self._users -= 1
        if self._users == 0 and not self._closed:
            self._idle_handle = self._loop.call_later(self.idle_timeout, self._on_idle)

    @contextlib.asynccontextmanager
    async def listen(self, size: int = LISTENER_QUEUE) -> AsyncIterator[AudioListener]:
        """Hold the feed and receive its chunks in a queue of its own for the block."""
        listener = AudioListener(size)
        self.acquire()
        remove = self.add_sink(listener.put)
        try:
            yield listener
        finally:
            remove()
            self.release()

    async def probe(self, wait: float = START_WAIT) -> bool:
        """Whether the camera has a microphone; starts audio once to find out if not yet known."""
        if self.microphone is None and not self._closed:
            self.acquire()
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._decided.wait()
            finally:
                self.release()
        return self.microphone is not False

    # --- running the camera's audio ---------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._camera is None and (self._task is None or self._task.done()):
            self._task = self._loop.create_task(self._start(), name=f"{self.name} audio start")

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
                    except NotSupportedError:
                        self._no_microphone()
                        return
                    except BSeriesError as err:
                        _LOGGER.debug("Could not start audio on the %s: %s", self.name, err)
                    else:
                        self._backoff.reset()
                        return
            delay = self._backoff.next()

    async def _start_on(self, camera: CameraClient) -> None:
        unsubs = [
            camera.add_audio_listener(self._on_packet),
            camera.add_av_close_listener(self._on_av_closed),
        ]
        try:
            await camera.start_audio()
        except BaseException:
            for unsub in unsubs:
                unsub()
            raise
        self._camera = camera
        self._unsubs = unsubs
        self.starts += 1
        self.microphone = True
        self._decided.set()
        _LOGGER.debug("Audio started on the %s", self.name)

    def _no_microphone(self) -> None:
        _LOGGER.info("The %s has no microphone: no live audio", self.name)
        self.microphone = False
        self._decided.set()
        self._sinks(None)

    def _on_packet(self, packet: AudioData, samples: list[int]) -> None:
        self.packets += 1
        self._sinks(AudioChunk(packet.timestamp, pcm_s16le(samples)))

    def _on_av_closed(self, error: BSeriesError | None) -> None:
        self._detach()
        if error is not None:
            _LOGGER.debug("Audio on the %s ended: %s", self.name, error)
        if self._users > 0 and not self._closed:
            self._ensure_running()

    def _detach(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        self._camera = None

    def _on_idle(self) -> None:
        self._idle_handle = None
        if self._users == 0 and self._camera is not None:
            self._task = self._loop.create_task(self._stop(), name=f"{self.name} audio stop")

    async def _stop(self) -> None:
        async with self._lock:
            camera = self._camera
            self._detach()
            if camera is not None:
                with contextlib.suppress(BSeriesError):
                    await camera.stop_audio()
                _LOGGER.debug("Audio stopped on the %s", self.name)

    async def close(self) -> None:
        """Stop audio and end every listener."""
        self._closed = True
        self._decided.set()
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop()
        self._sinks(None)
