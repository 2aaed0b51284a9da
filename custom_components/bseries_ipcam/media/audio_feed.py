"""One live audio feed per camera, shared by every listener and recording, beside video.

Like `feed.VideoFeed` it is an `on_demand.OnDemandStream` and uses nothing of Home Assistant. The first listener starts audio on
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
from typing import TYPE_CHECKING, ClassVar, Final, override

from ..protocol import AudioData, CameraClient, NotSupportedError
from .on_demand import CameraStream
from .timeline import Timeline

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
NO_MICROPHONE: Final = "the camera has no microphone (it answers Audio_Start with 'not supported')"


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """40 ms of the camera's sound: its time (10 ms units, `timeline`) and 320 samples as s16le."""

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


class AudioFeed(CameraStream[AudioChunk]):
    """Starts and stops a camera's audio on demand and fans its packets out."""

    label: ClassVar[str] = "audio feed"
    camera_calls = (CameraClient.start_audio, CameraClient.stop_audio)

    def __init__(
        self,
        get_camera: Callable[[], CameraClient | None],
        *,
        idle_timeout: float = AUDIO_IDLE_TIMEOUT,
        name: str = "camera",
        timeline: Timeline | None = None,
    ) -> None:
        """`get_camera` gives the currently connected camera (None while it is offline).

        `timeline` times the packets: share the camera's one with its video feed.
        """
        super().__init__(get_camera, idle_timeout=idle_timeout, name=name)
        self.timeline = timeline or Timeline()
        self.microphone: bool | None = None
        self._decided = asyncio.Event()
        self.packets = 0

    @property
    def listeners(self) -> int:
        """Listeners and recordings holding the feed open now."""
        return self._users

    @contextlib.asynccontextmanager
    async def listen(self, size: int = LISTENER_QUEUE) -> AsyncIterator[AudioListener]:
        """Hold the feed and receive its chunks in a queue of its own for the block."""
        listener = AudioListener(size)
        unsubscribe = self.subscribe(listener.put)
        try:
            yield listener
        finally:
            unsubscribe()

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

    @override
    def _listen(self, camera: CameraClient) -> Callable[[], None]:
        return camera.add_audio_listener(self._on_packet)

    @override
    def _started(self) -> None:
        self.microphone = True
        self._decided.set()

    @override
    def _start_failed(self, source: CameraClient, err: Exception) -> bool:
        if not isinstance(err, NotSupportedError):
            _LOGGER.debug("Could not start audio on the %s: %s", self.name, err)
            return False
        _LOGGER.info("The %s has no microphone: no live audio", self.name)
        self.microphone = False
        self._decided.set()
        self._give_up(NO_MICROPHONE)
        return True

    def _on_packet(self, packet: AudioData, samples: list[int]) -> None:
        self.packets += 1
        time = self.timeline.time_of("audio", packet.timestamp, self._loop.time())
        self._emit(AudioChunk(time, pcm_s16le(samples)))

    @override
    def _closed_now(self) -> None:
        self._decided.set()
