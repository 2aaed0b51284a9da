"""Pre-roll: the last N seconds of a camera's frames and sound, so a clip can start in the past.

With the option on, `Preroll` keeps video (and audio, where the camera has a microphone) running on
the shared feeds and holds a bounded ring buffer of what came, by the packets' times (`timeline`: the camera's clock
while it is sane, arrival otherwise). A
recording's `lookback` draws from it. Memory is about what the camera sends per second (VGA at
15 fps: roughly 0.5-0.8 MB of JPEGs and 16 KB of PCM) times N; the buffer never holds more than
N seconds, nor more than `MAX_FPS` frames a second of it, whatever the timestamps say.
"""

from __future__ import annotations

from collections import deque
import contextlib
import logging
from typing import TYPE_CHECKING, Final

from ..errors import FeedUnavailableError
from .timeline import TICKS_PER_SECOND, ticks_after

if TYPE_CHECKING:
    from collections.abc import Callable

    from .audio_feed import AudioChunk, AudioFeed
    from .feed import FeedFrame, VideoFeed

_LOGGER = logging.getLogger(__name__)

MAX_FPS: Final = 30
PACKETS_PER_SECOND: Final = 25
MAX_PREROLL_SECONDS: Final = 30


class PrerollBuffer:
    """A ring buffer of the last `seconds` of frames and audio chunks."""

    def __init__(self, seconds: int) -> None:
        """Empty; holds at most `seconds` of camera time."""
        self.seconds = seconds
        self._frames: deque[FeedFrame] = deque(maxlen=seconds * MAX_FPS + 1)
        self._chunks: deque[AudioChunk] = deque(maxlen=seconds * PACKETS_PER_SECOND + 1)

    @property
    def frames(self) -> int:
        """Frames held now."""
        return len(self._frames)

    @property
    def size(self) -> int:
        """Bytes of JPEG and PCM held now."""
        return sum(len(f.jpeg) for f in self._frames) + sum(len(c.pcm) for c in self._chunks)

    def add_frame(self, frame: FeedFrame | None) -> None:
        """Keep a frame; forget what is now older than the buffer's span."""
        if frame is None:
            return
        if self._frames and ticks_after(frame.timestamp, self._frames[-1].timestamp) < 0:
            self.clear()  # the camera restarted: its clock began again
        self._frames.append(frame)
        self._evict(frame.timestamp)

    def add_chunk(self, chunk: AudioChunk | None) -> None:
        """Keep an audio chunk."""
        if chunk is None:
            return
        if self._chunks and ticks_after(chunk.timestamp, self._chunks[-1].timestamp) < 0:
            self._chunks.clear()
        self._chunks.append(chunk)
        self._evict(chunk.timestamp)

    def _evict(self, newest: int) -> None:
        span = self.seconds * TICKS_PER_SECOND
        while self._frames and ticks_after(newest, self._frames[0].timestamp) > span:
            self._frames.popleft()
        while self._chunks and ticks_after(newest, self._chunks[0].timestamp) > span:
            self._chunks.popleft()

    def since(self, seconds: float) -> tuple[list[FeedFrame], list[AudioChunk]]:
        """The frames of the last `seconds` (by the newest frame's time), and the sound from then."""
        if not self._frames:
            return [], []
        newest = self._frames[-1].timestamp
        span = round(seconds * TICKS_PER_SECOND)
        frames = [f for f in self._frames if ticks_after(newest, f.timestamp) <= span]
        start = frames[0].timestamp
        chunks = [c for c in self._chunks if ticks_after(c.timestamp, start) >= 0]
        return frames, chunks

    def clear(self) -> None:
        """Forget everything."""
        self._frames.clear()
        self._chunks.clear()


class Preroll:
    """Keeps a camera's feeds running into a `PrerollBuffer` while started."""

    def __init__(self, seconds: int, video: VideoFeed, audio: AudioFeed) -> None:
        """Nothing runs until `async_start`."""
        self.buffer = PrerollBuffer(seconds)
        self._video = video
        self._audio = audio
        self._undo: list[Callable[[], None]] = []
        self._stopped = False

    @property
    def seconds(self) -> int:
        """The span of the buffer."""
        return self.buffer.seconds

    async def async_start(self) -> None:
        """Hold video, and audio where there is a microphone, and buffer them."""
        self._video.acquire()
        self._undo.append(self._video.release)
        self._undo.append(self._video.add_sink(self.buffer.add_frame))
        if await self._audio.probe() and not self._stopped:
            with contextlib.suppress(FeedUnavailableError):
                self._audio.acquire()
                self._undo.append(self._audio.release)
                self._undo.append(self._audio.add_sink(self.buffer.add_chunk))
        _LOGGER.debug("Pre-roll of %d s running on the %s", self.seconds, self._video.name)

    def stop(self) -> None:
        """Let the feeds go and forget the buffer."""
        self._stopped = True
        undo, self._undo = self._undo, []
        for step in reversed(undo):
            step()
        self.buffer.clear()
