"""Recording clips: the camera's H.264 stream copied, or the shared feeds encoded, into an MP4.

Home Assistant's own `camera.record` needs an H.264 stream and cannot record these MJPEG cameras.
Here a `Clip` takes frames and sound from the shared feeds (so any number of clips, viewers and
listeners use the one AV connection), writes them as a live Matroska stream with their packet
times (`matroska.MatroskaWriter`, times from `timeline`) into HA's ffmpeg, which encodes H.264 and AAC into a
fragmented MP4: a clip that ends early (camera lost, disk full) is still playable up to its last
second. A clip lasts `duration` seconds of packet time, starting `lookback` seconds in the past
when the pre-roll buffer holds them; whatever the times say, it ends at the latest `WALL_SLACK` s
of wall time after `duration` seconds from its first frame.

With the `h264_stream` option, while the camera's encoder runs (something reads it) and has kept
the asked lookback (it keeps as much as the pre-roll holds), a `CopyClip` copies its stream into
the MP4 instead (ffmpeg `-c copy`: nothing is encoded a second time). That clip starts at the
encoder's key frame at or before `lookback` seconds ago (key frames come every second) and has the
encoder's sound (AAC at 16 kHz). When the encoder does not run, or started too recently to hold
the lookback, the clip is encoded from the feeds and the pre-roll as without the option: copying
a shorter lookback, or joining an encoded pre-roll to the copied stream (two H.264 streams with
different parameters in one MP4 that not every player follows), would not be the clip asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..const import DOMAIN
from ..errors import FeedUnavailableError, translate_errors
from ..protocol.listeners import Listeners
from .audio_feed import SAMPLE_RATE
from .encoder import PIXEL_FORMAT, read_tail
from .feed import FeedFrame
from .matroska import MatroskaWriter, jpeg_size
from .mpegts import CLOCK_HZ, PACKET, pes_start, pid, pts_after
from .timeline import ticks_after

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from homeassistant.core import HomeAssistant

    from ..coordinator import BSeriesCoordinator
    from .audio_feed import AudioChunk, AudioFeed
    from .encoder import H264Encoder
    from .feed import VideoFeed
    from .preroll import Preroll

_LOGGER = logging.getLogger(__name__)

EVENT_CLIP_RECORDED: Final = f"{DOMAIN}_clip_recorded"
MAX_DURATION: Final = 600
FIRST_FRAME_WAIT: Final = 10.0
# Longer than the slowest frame interval (5 s): no frame for this long means the camera is gone.
FRAME_STALL: Final = 12.0
# After the video has reached the end, sound may trail by this long before the clip closes anyway.
AUDIO_TRAIL: Final = 2.0
# Wall time a clip may run beyond its duration (from its first frame) before it ends anyway.
WALL_SLACK: Final = 2.0
# Bytes waiting for ffmpeg before the clip gives up (ffmpeg cannot keep up): ~40 s of VGA.
MAX_BACKLOG: Final = 32 * 1024 * 1024
FFMPEG_EXIT_WAIT: Final = 30.0
STDERR_KEEP: Final = 4096
ERROR_MAX_LENGTH: Final = 300
AAC_RATE: Final = 48000


@dataclass(frozen=True, slots=True)
class ClipResult:
    """A finished clip: its file, its length, how many frames it holds, whether it was copied."""

    path: str
    duration: float
    frames: int
    copied: bool = False


class ClipError(Exception):
    """A clip ended early: the translation key, and what to tell (the file may still play)."""

    def __init__(self, key: str, error: str, partial: ClipResult | None) -> None:
        """Keep the key, the message and what was written."""
        super().__init__(error)
        self.key = key
        self.partial = partial


def ffmpeg_args(path: str, *, audio: bool) -> list[str]:
    """Ffmpeg's arguments: Matroska on stdin to a fragmented MP4 of H.264 (+ AAC) at `path`."""
    args = [
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "matroska", "-i", "pipe:0", "-map", "0"),
        # No B-frames: no reordering delay between picture and sound; a key frame every second,
        # so every second of a clip cut short is playable; the camera's frame times as they are.
        *("-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-pix_fmt", PIXEL_FORMAT),
        *("-force_key_frames", "expr:gte(t,n_forced)", "-fps_mode", "passthrough"),
        # In the input's milliseconds, not ticks of a guessed frame rate (which round frame times).
        *("-enc_time_base:v", "-1"),
    ]
    if audio:
        # 48 kHz: AAC's encoder delay (1024 samples, not trimmed in fragmented MP4) is 21 ms.
        args += ["-c:a", "aac", "-ar", str(AAC_RATE), "-b:a", "64k"]
    args += ["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", path]
    return args


def copy_args(path: str, duration: float) -> list[str]:
    """Ffmpeg's arguments: the encoder's MPEG-TS on stdin copied into a fragmented MP4 at `path`."""
    return [
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "mpegts", "-i", "pipe:0", "-map", "0", "-c", "copy", "-bsf:a", "aac_adtstoasc"),
        # The clip's end to the frame (sound included); the feeding stops at the same time.
        *("-t", f"{duration:.3f}"),
        *("-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", path),
    ]


class Clip:
    """One recording in progress."""

    #: Whether the clip is copied from the H.264 stream (`CopyClip`), not encoded.
    copied: ClassVar[bool] = False

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: BSeriesCoordinator,
        path: str,
        duration: float,
    ) -> None:
        """Record `duration` seconds to `path` (`run` does it)."""
        self.hass = hass
        self.coordinator = coordinator
        self.path = path
        self.duration = duration
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._backlog = 0
        self._writer: MatroskaWriter | None = None
        self._end_ms = round(duration * 1000)
        self._video_done = False
        self._audio_done = True
        self._last_ms = 0
        self.frames = 0
        self._last_frame_at = self._loop.time()
        self._deadline: float | None = None
        self._failure: tuple[str, str] | None = None
        self._finished = asyncio.Event()
        self._trail: asyncio.TimerHandle | None = None
        self._writer_task: asyncio.Task[None] | None = None

    @property
    def _name(self) -> str:
        return self.coordinator.config_entry.title

    # --- input from the feeds (frame callbacks, in the event loop) ----------------------------

    def _put(self, data: bytes) -> None:
        self._backlog += len(data)
        if self._backlog > MAX_BACKLOG:
            self._fail("record_failed", "ffmpeg does not keep up with the camera")
            return
        self._queue.put_nowait(data)

    def _begin(self, first: FeedFrame, audio: bool) -> MatroskaWriter:
        width, height = jpeg_size(first.jpeg) or (640, 480)
        writer = MatroskaWriter(
            first.timestamp,
            width=width,
            height=height,
            audio_rate=SAMPLE_RATE if audio else None,
        )
        self._writer = writer
        self._deadline = self._loop.time() + self.duration + WALL_SLACK
        self._audio_done = not audio
        self._put(writer.header())
        return writer

    def on_frame(self, frame: FeedFrame | None) -> None:
        """A frame from the video feed (None: the feed closed)."""
        if self._finished.is_set():
            return
        if frame is None:
            self._fail("record_camera_lost", "the video feed closed")
            return
        self._last_frame_at = self._loop.time()
        writer = self._writer
        if writer is None or self._video_done:
            return
        if ticks_after(frame.timestamp, writer.origin) < 0:
            return
        position = writer.milliseconds(frame.timestamp)
        if position >= self._end_ms:
            self._video_done = True
            self._check_done()
            return
        self._put(writer.video(frame.timestamp, frame.jpeg))
        self.frames += 1
        self._last_ms = max(self._last_ms, position)

    def on_chunk(self, chunk: AudioChunk | None) -> None:
        """A chunk of sound from the audio feed (None: no more sound)."""
        if self._finished.is_set() or self._audio_done:
            return
        writer = self._writer
        if chunk is None:
            self._audio_done = True
            self._check_done()
            return
        if writer is None or ticks_after(chunk.timestamp, writer.origin) < 0:
            return
        position = writer.milliseconds(chunk.timestamp)
        remaining = (self._end_ms - position) * SAMPLE_RATE // 1000 * 2
        if remaining <= 0:
            self._audio_done = True
            self._check_done()
            return
        self._put(writer.audio(chunk.timestamp, chunk.pcm[:remaining]))

    def _check_done(self) -> None:
        if self._video_done and self._audio_done:
            if self._trail is not None:
                self._trail.cancel()
            self._finished.set()
        elif self._video_done and self._trail is None:
            # The sound trails the picture: give it a moment, then close anyway.
            self._trail = self._loop.call_later(AUDIO_TRAIL, self._finished.set)

    def _fail(self, key: str, error: str) -> None:
        if self._failure is None:
            self._failure = (key, error)
        self._finished.set()

    def on_connection(self) -> None:
        """The coordinator's state changed: a lost camera ends the clip."""
        if not self.coordinator.connected:
            self._fail("record_camera_lost", self.coordinator.last_error or "connection lost")

    # --- running ---------------------------------------------------------------------------

    async def run(
        self,
        video: VideoFeed,
        audio: AudioFeed | None,
        lookback: list[FeedFrame],
        sound: list[AudioChunk],
    ) -> ClipResult:
        """Record until the clip is complete or fails; `ClipError` for a failure."""
        return await self._run_ffmpeg(
            ffmpeg_args(self.path, audio=audio is not None),
            partial(self._from_feeds, video, audio, lookback, sound),
        )

    async def _run_ffmpeg(self, args: list[str], feed: Callable[[], Awaitable[None]]) -> ClipResult:
        """Run ffmpeg with `args` while `feed` gives it the clip; its result, or `ClipError`."""
        binary = get_ffmpeg_manager(self.hass).binary
        try:
            process = await asyncio.create_subprocess_exec(
                binary,
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            raise ClipError("record_ffmpeg_missing", f"cannot run {binary}: {err}", None) from err
        assert process.stdin is not None
        assert process.stderr is not None
        stderr_tail = bytearray()
        stderr_task = asyncio.create_task(read_tail(process.stderr, stderr_tail, STDERR_KEEP))
        writer_task = self._writer_task = asyncio.create_task(self._write(process.stdin))
        try:
            await feed()
        finally:
            if self._trail is not None:
                self._trail.cancel()
            self._queue.put_nowait(None)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FFMPEG_EXIT_WAIT):
                    await asyncio.shield(writer_task)
            writer_task.cancel()
            with contextlib.suppress(ProcessLookupError, TimeoutError):
                async with asyncio.timeout(FFMPEG_EXIT_WAIT):
                    await asyncio.shield(process.wait())
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await asyncio.shield(process.wait())
            await asyncio.wait((stderr_task,))
        length = self._end_ms if self._video_done else self._last_ms
        result = ClipResult(self.path, length / 1000, self.frames, self.copied)
        if process.returncode:
            # ffmpeg says the cause first and its consequences after: keep its last few lines.
            lines = [line.strip() for line in stderr_tail.decode(errors="replace").splitlines()]
            kept = [line for line in lines if line][-3:]
            message = "; ".join(kept) or f"ffmpeg exited with code {process.returncode}"
            raise ClipError("record_failed", message[:ERROR_MAX_LENGTH], result)
        if self._failure is not None:
            raise ClipError(self._failure[0], self._failure[1], result)
        return result

    async def _from_feeds(
        self,
        video: VideoFeed,
        audio: AudioFeed | None,
        lookback: list[FeedFrame],
        sound: list[AudioChunk],
    ) -> None:
        """Give ffmpeg the buffered and live frames and sound until the clip is complete."""
        undo: list[Callable[[], None]] = []
        try:
            async with video.hold():
                undo.append(self.coordinator.async_add_listener(self.on_connection))
                if audio is not None:
                    with contextlib.suppress(FeedUnavailableError):
                        audio.acquire()
                        undo.append(audio.release)
                # Buffered and live items are joined in one step, without a gap or an overlap.
                if lookback:
                    writer = self._begin(lookback[0], audio is not None)
                    for item in _by_time(lookback, sound, writer.origin):
                        if isinstance(item, FeedFrame):
                            self.on_frame(item)
                        else:
                            self.on_chunk(item)
                else:
                    with translate_errors(self._name, default="no_video"):
                        first = await video.next_frame(wait=FIRST_FRAME_WAIT)
                    self._begin(first, audio is not None)
                    self.on_frame(first)
                undo.append(video.add_sink(self.on_frame))
                if audio is not None:
                    undo.append(audio.add_sink(self.on_chunk))
                self.on_connection()
                await self._watch()
        finally:
            for step in reversed(undo):
                step()

    async def _watch(self) -> None:
        """Wait for the end; a camera that sends nothing for a long time has gone."""
        writer_task = self._writer_task
        assert writer_task is not None
        finished = asyncio.create_task(self._finished.wait())
        try:
            while not self._finished.is_set():
                await asyncio.wait(
                    (finished, writer_task), timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
                if writer_task.done():
                    self._fail("record_failed", "ffmpeg stopped reading")
                elif self._loop.time() - self._last_frame_at > FRAME_STALL:
                    self._fail("record_camera_lost", "no video from the camera")
                elif self._deadline is not None and self._loop.time() > self._deadline:
                    _LOGGER.debug("%s: clip ended by wall time at %d ms", self._name, self._last_ms)
                    self._finished.set()
        finally:
            finished.cancel()

    async def _write(self, stdin: asyncio.StreamWriter) -> None:
        try:
            while (data := await self._queue.get()) is not None:
                self._backlog -= len(data)
                stdin.write(data)
                await stdin.drain()
            stdin.close()
        except ConnectionError:
            return  # ffmpeg ended; its exit code and message tell why


class CopyClip(Clip):
    """A clip copied from the camera's running H.264 encoder: nothing is encoded a second time.

    The encoder's reader hands it the TS packets from a key frame on; it passes them to ffmpeg
    (`-c copy` into the MP4) until the picture reaches `duration` from that key frame, dropping
    sound from before the first picture or beyond the end.
    """

    copied = True

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: BSeriesCoordinator,
        path: str,
        duration: float,
    ) -> None:
        """Copy `duration` seconds to `path` (`copy` does it)."""
        super().__init__(hass, coordinator, path, duration)
        self._end_pts = round(duration * CLOCK_HZ)
        self._origin: int | None = None
        self._last_video = -1
        # PIDs whose PES packet now is left out of the clip (before its start, after its end).
        self._skipping: set[int] = set()

    async def copy(self, encoder: H264Encoder, lookback: float) -> ClipResult:
        """Copy from `encoder`, starting `lookback` seconds back, until complete or failed."""
        self._audio_done = not encoder.audio_track
        # Held from now on: the encoder keeps running (and its kept stream) while ffmpeg starts.
        async with encoder.hold():
            return await self._run_ffmpeg(
                copy_args(self.path, self.duration), partial(self._from_encoder, encoder, lookback)
            )

    async def _from_encoder(self, encoder: H264Encoder, lookback: float) -> None:
        self._deadline = self._loop.time() + self.duration + WALL_SLACK
        undo = [self.coordinator.async_add_listener(self.on_connection)]
        try:
            undo.append(encoder.open_reader(self.on_data, since=lookback))
            self.on_connection()
            await self._watch()
        finally:
            for step in reversed(undo):
                step()

    def on_data(self, data: bytes | None) -> None:
        """TS packets from the encoder (None: it closed)."""
        if self._finished.is_set():
            return
        if data is None:
            self._fail("record_camera_lost", "the H.264 stream ended")
            return
        kept = bytearray()
        for offset in range(0, len(data), PACKET):
            number = pid(data, offset)
            if data[offset + 1] & 0x40 and (start := pes_start(data, offset)) is not None:
                if self._admit(start.video, start.pts):
                    self._skipping.discard(number)
                else:
                    self._skipping.add(number)
                if self._finished.is_set():
                    break
            if number not in self._skipping:
                kept += data[offset : offset + PACKET]
        if kept:
            self._put(bytes(kept))

    def _admit(self, video: bool, pts: int | None) -> bool:
        """Whether the PES packet of this kind and time belongs in the clip."""
        if pts is None:
            return self._origin is not None
        if self._origin is None:
            if not video:
                return False  # sound before the first picture
            self._origin = pts
        position = pts_after(pts, self._origin)
        if not video:
            if position < 0:
                return False
            if position >= self._end_pts:
                self._audio_done = True
                if self._video_done:
                    self._check_done()
                return False
            return not self._audio_done
        if position < self._last_video:
            # The encoder started again (the camera stalled, or changed its picture).
            self._fail("record_camera_lost", "the H.264 stream started again")
            return False
        self._last_video = position
        self._last_frame_at = self._loop.time()
        if position >= self._end_pts:
            if not self._video_done:
                self._video_done = True
                self._check_done()
            return False
        self.frames += 1
        self._last_ms = position * 1000 // CLOCK_HZ
        return True


def _by_time(
    frames: list[FeedFrame], chunks: list[AudioChunk], origin: int
) -> list[FeedFrame | AudioChunk]:
    """Buffered frames and chunks merged in the order of their timestamps."""
    items: list[FeedFrame | AudioChunk] = [*frames, *chunks]
    items.sort(key=lambda item: ticks_after(item.timestamp, origin))
    return items


def default_path(hass: HomeAssistant, camera_id: str, now: datetime) -> str:
    """Where a clip goes without a filename: the local media folder, a folder per camera."""
    media = hass.config.media_dirs.get("local") or hass.config.path("media")
    return str(Path(media) / DOMAIN / camera_id / f"{now:%Y%m%d-%H%M%S}.mp4")


def _prepare_path(hass: HomeAssistant, path: str) -> bool:
    """In the executor: whether HA may write `path`; its folder is made when it may."""
    if not os.path.isabs(path) or not hass.config.is_allowed_path(path):
        return False
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return True


class Recorder:
    """The recordings of one camera: any number at once, all from the shared feeds."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: BSeriesCoordinator,
        video: VideoFeed,
        audio: AudioFeed,
        preroll: Preroll | None,
        *,
        encoder: H264Encoder | None = None,
    ) -> None:
        """Nothing records until `async_record`; clips copy `encoder` while it runs."""
        self.hass = hass
        self.coordinator = coordinator
        self.video = video
        self.audio = audio
        self.preroll = preroll
        self.encoder = encoder
        self._active: set[Clip] = set()
        self._listeners: Listeners[[]] = Listeners()

    @property
    def recording(self) -> bool:
        """Whether a clip is being recorded now."""
        return bool(self._active)

    @property
    def preroll_seconds(self) -> int:
        """The pre-roll buffer's span (0: off)."""
        return self.preroll.seconds if self.preroll is not None else 0

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever `recording` changes."""
        return self._listeners.add(listener)

    async def async_record(
        self, path: str, duration: float, lookback: float, *, entity_id: str | None = None
    ) -> ClipResult:
        """Record a clip to `path`; a translated error for a failure.

        A `ServiceValidationError` for a path outside the allowed folders or a lookback
        beyond the pre-roll (the action's schema bounds the duration by `MAX_DURATION`). Fires `bseries_ipcam_clip_recorded` with the
        file whenever one was written, with `error` set when the clip ended early.
        """
        name = self.coordinator.config_entry.title
        if lookback > self.preroll_seconds or lookback < 0:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="record_lookback_unavailable",
                translation_placeholders={
                    "name": name,
                    "lookback": str(lookback),
                    "preroll": str(self.preroll_seconds),
                },
            )
        if not await self.hass.async_add_executor_job(_prepare_path, self.hass, path):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="record_path_not_allowed",
                translation_placeholders={"path": path},
            )
        self.coordinator.require_camera()
        clip: Clip
        recording: Awaitable[ClipResult]
        encoder = self.encoder
        kept = encoder.kept_seconds() if encoder is not None else None
        if encoder is not None and kept is not None and kept >= lookback:
            # The encoder runs and holds the lookback: copy it.
            clip = copy = CopyClip(self.hass, self.coordinator, path, duration)
            recording = copy.copy(encoder, lookback)
        else:
            audio = self.audio if await self.audio.probe() else None
            frames: list[FeedFrame] = []
            sound: list[AudioChunk] = []
            if lookback and self.preroll is not None:
                frames, sound = self.preroll.buffer.since(lookback)
            clip = Clip(self.hass, self.coordinator, path, duration)
            recording = clip.run(self.video, audio, frames, sound)
        self._active.add(clip)
        self._listeners()
        try:
            result = await recording
        except ClipError as err:
            error = HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=err.key,
                translation_placeholders={"name": name, "path": path, "error": str(err)},
            )
            if err.partial is not None:
                self._fire(entity_id, err.partial, str(err))
            _LOGGER.warning("Recording %s of %s ended early: %s", path, name, err)
            raise error from err
        finally:
            self._active.discard(clip)
            self._listeners()
        self._fire(entity_id, result, None)
        _LOGGER.debug(
            "Recorded %s: %.2f s, %d frames (%s)",
            path,
            result.duration,
            result.frames,
            "copied from the H.264 stream" if result.copied else "encoded",
        )
        return result

    def _fire(self, entity_id: str | None, result: ClipResult, error: str | None) -> None:
        self.hass.bus.async_fire(
            EVENT_CLIP_RECORDED,
            {
                "entity_id": entity_id,
                "path": result.path,
                "duration": round(result.duration, 2),
                "frames": result.frames,
                "copied": result.copied,
                "error": error,
            },
        )
