"""One H.264 encoder per camera: the shared feeds into H.264 + AAC in MPEG-TS, for every reader.

Home Assistant's `stream` (HLS, `camera.record`, casting), go2rtc (WebRTC), HomeKit with
`video_codec: copy` and NVRs all want H.264; the camera sends JPEGs. With the `h264_stream` option
a camera gets one ffmpeg that turns the shared video and sound (no camera connection of its own)
into H.264 + AAC in MPEG-TS, whatever the number of readers:

- started by the first reader, stopped `idle_timeout` seconds after the last one left;
- restarted with a growing delay after a failure (ffmpeg missing, crashing, a frozen camera) while
  readers remain; a camera that changes its resolution restarts it at once (a clean new stream);
- a key frame every second, no B-frames, `zerolatency`: a reader joining mid-stream waits at most
  a second for a picture, and frames leave as soon as they are encoded. A new reader is given the
  stream from a key frame on, after the newest PAT and PMT, so that its demuxer starts at once;
- a reader that does not keep up only loses its own data (its sink drops what it cannot take);
- the encoder is chosen once per ffmpeg binary (`probe_encoder`): a working hardware H.264 encoder
  (VAAPI, QSV, V4L2 M2M) or libx264; a hardware encoder that fails later falls back to libx264.

Frames go to ffmpeg as the restream's Matroska (`matroska.MatroskaWriter`) on a `StreamClock`:
the camera's own timestamps while they keep time with the arrival times, arrival times once they
stand still or jump. HA-free: the binary's path is given.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import logging
import os
from typing import TYPE_CHECKING, Any, Final

from ..backoff import Backoff
from ..errors import BSeriesIntegrationError, FeedUnavailableError
from ..protocol import BSeriesError
from ..protocol.listeners import Listeners
from .audio_feed import SAMPLE_RATE
from .matroska import MatroskaWriter, jpeg_size
from .preroll import ticks_after

if TYPE_CHECKING:
    from collections.abc import Callable

    from .audio_feed import AudioChunk, AudioFeed
    from .feed import FeedFrame, VideoFeed

_LOGGER = logging.getLogger(__name__)

IDLE_TIMEOUT: Final = 10.0
RESTART_MIN_DELAY: Final = 2.0
RESTART_MAX_DELAY: Final = 60.0
FIRST_FRAME_WAIT: Final = 10.0
# No frame for this long: the camera is gone for now; the encoder restarts (with backoff).
FRAME_STALL: Final = 12.0
# ffmpeg's stdout is read in whole TS packets.
TS_PACKET: Final = 188
READ_SIZE: Final = TS_PACKET * 64
# Bytes waiting for ffmpeg's stdin before frames are dropped (it does not keep up): ~10 s of VGA.
MAX_BACKLOG: Final = 8 * 1024 * 1024
# Camera and arrival clocks may drift apart by this much (10 ms ticks) before arrival times win.
CLOCK_TOLERANCE: Final = 50
AAC_RATE: Final = 48000
PMT_PID: Final = 0x1000
STDERR_KEEP: Final = 2048
# Hardware encoders after this many failures in a row give way to libx264.
HARDWARE_FAILURES: Final = 2
PROBE_TIMEOUT: Final = 20.0
SOFTWARE: Final = "libx264"


@dataclass(frozen=True, slots=True)
class EncoderChoice:
    """The H.264 encoder ffmpeg uses, and why (the probe's findings per hardware encoder)."""

    codec: str
    hardware: bool
    input_args: tuple[str, ...] = ()
    filter: str | None = None
    probe: dict[str, str] = field(default_factory=dict)


LIBX264: Final = EncoderChoice(SOFTWARE, hardware=False)

# Hardware encoders in the order tried: codec, the device it needs, ffmpeg's input arguments and
# the filter that uploads frames to it.
_RENDER_NODE: Final = "/dev/dri/renderD128"
HARDWARE_CANDIDATES: Final = (
    (
        "h264_vaapi",
        _RENDER_NODE,
        ("-vaapi_device", _RENDER_NODE),
        "format=nv12,hwupload",
    ),
    ("h264_qsv", _RENDER_NODE, ("-init_hw_device", "qsv=hw"), "format=nv12"),
    ("h264_v4l2m2m", "/dev/video11", (), "format=yuv420p"),
)

_probed: dict[str, EncoderChoice] = {}


async def _run_quietly(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            _, err = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return -1, "timed out"
    return process.returncode or 0, err.decode(errors="replace")


async def probe_encoder(
    binary: str,
    candidates: tuple[tuple[str, str, tuple[str, ...], str], ...] = HARDWARE_CANDIDATES,
) -> EncoderChoice:
    """The H.264 encoder to use with `binary`: the first hardware one that encodes, or libx264.

    Probed once per binary (a second of test pattern per candidate whose device exists).
    """
    if (known := _probed.get(binary)) is not None:
        return known
    findings: dict[str, str] = {}
    choice: EncoderChoice | None = None
    for codec, device, input_args, upload in candidates:
        if not await asyncio.to_thread(os.path.exists, device):
            findings[codec] = f"no {device}"
            continue
        try:
            code, said = await _run_quietly(
                binary,
                *("-hide_banner", "-loglevel", "error", *input_args),
                *("-f", "lavfi", "-i", "testsrc=size=640x480:rate=15", "-frames:v", "15"),
                *("-vf", upload, "-c:v", codec, "-f", "null", "-"),
            )
        except OSError as err:
            findings[codec] = f"cannot run ffmpeg: {err}"
            break
        if code == 0:
            findings[codec] = "works"
            choice = EncoderChoice(codec, True, input_args, upload, findings)
            break
        lines = [line for line in said.splitlines() if line.strip()]
        findings[codec] = (lines[-1] if lines else f"exit code {code}")[:200]
    if choice is None:
        choice = EncoderChoice(SOFTWARE, hardware=False, probe=findings)
    _probed[binary] = choice
    _LOGGER.debug("H.264 encoder for %s: %s (%s)", binary, choice.codec, findings)
    return choice


def encoder_args(choice: EncoderChoice, *, audio: bool) -> list[str]:
    """The arguments of ffmpeg: the restream's Matroska on stdin to H.264 (+ AAC) in MPEG-TS on stdout."""
    args = [
        *("-nostdin", "-hide_banner", "-loglevel", "error", *choice.input_args),
        # The header gives the tracks; one frame is enough to learn the picture's format.
        *("-probesize", "65536", "-analyzeduration", "0", "-fflags", "+nobuffer"),
        *("-f", "matroska", "-i", "pipe:0", "-map", "0:v:0"),
    ]
    if choice.filter is not None:
        args += ["-vf", choice.filter]
    args += ["-c:v", choice.codec, "-bf", "0", "-fps_mode", "passthrough"]
    if not choice.hardware:
        args += ["-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p"]
    # A key frame every second of stream time, whatever the frame rate.
    args += ["-force_key_frames", "expr:gte(t,n_forced)"]
    if audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-ar", str(AAC_RATE), "-b:a", "64k"]
    args += [
        *("-max_interleave_delta", "500000", "-flush_packets", "1"),
        *("-f", "mpegts", "-mpegts_pmt_start_pid", str(PMT_PID), "pipe:1"),
    ]
    return args


class StreamClock:
    """Stream times in 10 ms ticks from zero, strictly increasing per track.

    The camera's timestamps while they keep time with the arrival times (within
    CLOCK_TOLERANCE); once they stand still, go back or jump, arrival times for the rest of the
    run, so that a camera with a frozen or jumping clock still gives a stream that plays at the
    right speed.
    """

    def __init__(self, timestamp: int, arrival: float) -> None:
        """Time zero is camera time `timestamp`, arriving at loop time `arrival`."""
        self._timestamp = timestamp
        self._arrival = arrival
        self._last: dict[int, int] = {}
        self.rebased = 0

    def ticks(self, track: int, timestamp: int, arrival: float) -> int:
        """The stream time of a frame or chunk of `track` with camera time `timestamp`."""
        elapsed = round((arrival - self._arrival) * 100)
        result = elapsed
        if not self.rebased:
            camera = ticks_after(timestamp, self._timestamp)
            if camera >= 0 and abs(camera - elapsed) <= CLOCK_TOLERANCE:
                result = camera
            else:
                self.rebased = 1
        result = max(result, self._last.get(track, -1) + 1)
        self._last[track] = result
        return result


class _RestartError(Exception):
    """The encoder must restart now (a new resolution), without counting a failure."""


class _Reader:
    """One reader: gets the stream from a key frame on, then every packet as it comes."""

    __slots__ = ("started", "write")

    def __init__(self, write: Callable[[bytes | None], None]) -> None:
        self.write = write
        self.started = False


class H264Encoder:
    """One camera's shared H.264 + AAC MPEG-TS stream, running while it has readers."""

    def __init__(
        self,
        binary: str,
        video: VideoFeed,
        audio: AudioFeed,
        *,
        name: str = "camera",
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        """Encode `video` (and `audio` where the camera has a microphone) with ffmpeg `binary`."""
        self.binary = binary
        self.video = video
        self.audio = audio
        self.name = name
        self.idle_timeout = idle_timeout
        self._loop = asyncio.get_running_loop()
        self._readers: list[_Reader] = []
        self._task: asyncio.Task[None] | None = None
        self._idle_handle: asyncio.TimerHandle | None = None
        self._backoff = Backoff(RESTART_MIN_DELAY, RESTART_MAX_DELAY)
        self._closed = False
        self._pat: bytes | None = None
        self._pmt: bytes | None = None
        self._listeners: Listeners[[]] = Listeners(_LOGGER)
        self._logged_failure = False
        self._hardware_failures = 0
        self.choice: EncoderChoice | None = None
        self.running = False
        self.starts = 0
        self.restarts = 0
        self.last_error: str | None = None
        self.resolution: tuple[int, int] | None = None
        self.audio_track = False
        self.clock_rebased = 0
        self.bytes_out = 0

    @property
    def readers(self) -> int:
        """Readers of the stream now."""
        return len(self._readers)

    def diagnostics(self) -> dict[str, Any]:
        """The encoder chosen, its readers, its restarts and its last error."""
        choice = self.choice
        return {
            "codec": choice.codec if choice is not None else None,
            "hardware": choice.hardware if choice is not None else None,
            "hardware_probe": dict(choice.probe) if choice is not None else None,
            "running": self.running,
            "readers": self.readers,
            "starts": self.starts,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "resolution": list(self.resolution) if self.resolution is not None else None,
            "audio": self.audio_track,
            "clock_rebased": self.clock_rebased,
            "bytes_out": self.bytes_out,
        }

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when the encoder fails or recovers (`last_error` changes)."""
        return self._listeners.add(listener)

    # --- readers ------------------------------------------------------------------------------

    def open_reader(self, write: Callable[[bytes | None], None]) -> Callable[[], None]:
        """Read the stream: `write` gets whole TS packets from a key frame on, None at the end.

        Returns the function that ends the reading. `write` runs in the loop and must not block:
        a reader that cannot keep up drops what it cannot take.
        """
        if self._closed:
            raise FeedUnavailableError(f"the {self.name} encoder is closed")
        reader = _Reader(write)
        self._readers.append(reader)
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._supervise(), name=f"{self.name} encoder")

        def close() -> None:
            with contextlib.suppress(ValueError):
                self._readers.remove(reader)
            if not self._readers and not self._closed and self._idle_handle is None:
                self._idle_handle = self._loop.call_later(self.idle_timeout, self._on_idle)

        return close

    def _on_idle(self) -> None:
        self._idle_handle = None
        if not self._readers and self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        """Stop the encoder and end every reader."""
        self._closed = True
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for reader in self._readers:
            reader.write(None)
        self._readers.clear()

    # --- running ------------------------------------------------------------------------------

    async def _choose(self) -> EncoderChoice:
        if self.choice is None:
            self.choice = await probe_encoder(self.binary)
        return self.choice

    async def _supervise(self) -> None:
        try:
            while self._readers and not self._closed:
                try:
                    await self._run_once()
                except _RestartError as err:
                    _LOGGER.debug("Restarting the %s encoder: %s", self.name, err)
                    self.restarts += 1
                    continue
                except (OSError, BSeriesError, BSeriesIntegrationError, EncoderError) as err:
                    self._failed(err)
                else:
                    # ffmpeg ended without an error while readers remain: start it again.
                    self._failed(EncoderError("ffmpeg ended"))
                if self._readers:
                    self.restarts += 1
                    await asyncio.sleep(self._backoff.next())
        finally:
            self.running = False

    def _failed(self, err: Exception) -> None:
        message = str(err) or type(err).__name__
        choice = self.choice
        if choice is not None and choice.hardware:
            self._hardware_failures += 1
            if self._hardware_failures >= HARDWARE_FAILURES:
                _LOGGER.warning(
                    "The hardware encoder %s fails for the %s (%s); using %s",
                    choice.codec,
                    self.name,
                    message,
                    SOFTWARE,
                )
                self.choice = EncoderChoice(SOFTWARE, hardware=False, probe=choice.probe)
        if not self._logged_failure:
            # Once until it works again: a camera away for hours does not fill the log.
            _LOGGER.warning("The H.264 stream of the %s fails: %s", self.name, message)
            self._logged_failure = True
        else:
            _LOGGER.debug("The H.264 stream of the %s fails: %s", self.name, message)
        if message != self.last_error:
            self.last_error = message
            self._listeners()

    def _recovered(self) -> None:
        self._backoff.reset()
        self._hardware_failures = 0
        if self._logged_failure:
            _LOGGER.info("The H.264 stream of the %s works again", self.name)
            self._logged_failure = False
        if self.last_error is not None:
            self.last_error = None
            self._listeners()

    async def _run_once(self) -> None:
        choice = await self._choose()
        audio = self.audio if await self.audio.probe() else None
        async with self.video.hold():
            first = await self.video.next_frame(wait=FIRST_FRAME_WAIT)
            size = jpeg_size(first.jpeg) or (640, 480)
            process = await asyncio.create_subprocess_exec(
                self.binary,
                *encoder_args(choice, audio=audio is not None),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            run = _Run(self, process, first, size, audio)
            self.starts += 1
            self.running = True
            self.resolution = size
            self.audio_track = audio is not None
            self._pat = self._pmt = None
            for reader in self._readers:
                reader.started = False
            try:
                await run.run()
            finally:
                self.running = False
                self.clock_rebased += run.clock.rebased
                await run.stop()

    # --- ffmpeg's output, to the readers --------------------------------------------------------

    def _deliver(self, data: bytes) -> None:
        """Whole TS packets from ffmpeg to the readers.

        Readers that have started get them all; those still waiting get the stream from the
        first key frame on, after the newest PAT and PMT.
        """
        self.bytes_out += len(data)
        waiting = [reader for reader in self._readers if not reader.started]
        if waiting:
            start = self._scan(data)
            if start is not None and self._pat is not None and self._pmt is not None:
                head = b"".join((self._pat, self._pmt, data[start:]))
                for reader in waiting:
                    reader.started = True
                    reader.write(head)
        for reader in self._readers:
            if reader.started and reader not in waiting:
                reader.write(data)

    def _scan(self, data: bytes) -> int | None:
        """Keep the newest PAT and PMT; the offset of the first key frame's packet, if any."""
        for offset in range(0, len(data), TS_PACKET):
            packet = data[offset : offset + TS_PACKET]
            pid = ((packet[1] & 0x1F) << 8) | packet[2]
            if pid == 0:
                self._pat = packet
            elif pid == PMT_PID:
                self._pmt = packet
            elif (
                packet[3] & 0x20  # an adaptation field
                and packet[4] > 0
                and packet[5] & 0x40  # random access indicator: a key frame starts here
                and self._pat is not None
                and self._pmt is not None
            ):
                return offset
        return None


class EncoderError(Exception):
    """ffmpeg failed: its own last words, or what we saw."""


class _Run:
    """One ffmpeg process: frames and sound in, TS packets out, until it fails or is stopped."""

    def __init__(
        self,
        encoder: H264Encoder,
        process: asyncio.subprocess.Process,
        first: FeedFrame,
        size: tuple[int, int],
        audio: AudioFeed | None,
    ) -> None:
        self.encoder = encoder
        self.process = process
        self.size = size
        self.audio = audio
        self.loop = asyncio.get_running_loop()
        self.clock = StreamClock(first.timestamp, first.received_at)
        self.mkv = MatroskaWriter(
            0, width=size[0], height=size[1], audio_rate=SAMPLE_RATE if audio else None
        )
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.backlog = 0
        self.dropped = 0
        self.last_frame_at = self.loop.time()
        self.restart: str | None = None
        self.ended = asyncio.Event()
        self.stderr_tail = bytearray()
        self.undo: list[Callable[[], None]] = []
        self.tasks: list[asyncio.Task[None]] = []
        self._put(self.mkv.header())
        self._put(self.mkv.video(0, first.jpeg))

    def _put(self, data: bytes) -> None:
        if self.backlog + len(data) > MAX_BACKLOG:
            self.dropped += 1
            return
        self.backlog += len(data)
        self.queue.put_nowait(data)

    def on_frame(self, frame: FeedFrame | None) -> None:
        if frame is None:
            self.ended.set()
            return
        self.last_frame_at = frame.received_at
        size = jpeg_size(frame.jpeg)
        if size is not None and size != self.size:
            self.restart = f"the picture changed from {self.size} to {size}"
            self.ended.set()
            return
        ticks = self.clock.ticks(1, frame.timestamp, frame.received_at)
        self._put(self.mkv.video(ticks, frame.jpeg))

    def on_chunk(self, chunk: AudioChunk | None) -> None:
        if chunk is None:
            return
        ticks = self.clock.ticks(2, chunk.timestamp, self.loop.time())
        self._put(self.mkv.audio(ticks, chunk.pcm))

    async def run(self) -> None:
        encoder = self.encoder
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.tasks = tasks = [
            asyncio.create_task(self._write(self.process.stdin)),
            asyncio.create_task(self._read(self.process.stdout)),
            asyncio.create_task(_read_tail(self.process.stderr, self.stderr_tail)),
        ]
        self.undo.append(encoder.video.add_sink(self.on_frame))
        if self.audio is not None:
            with contextlib.suppress(BSeriesIntegrationError):
                self.audio.acquire()
                self.undo.append(self.audio.release)
                self.undo.append(self.audio.add_sink(self.on_chunk))
        ended = asyncio.create_task(self.ended.wait())
        try:
            while not self.ended.is_set():
                await asyncio.wait(
                    (ended, tasks[0], tasks[1]), timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
                if tasks[1].done() or tasks[0].done():
                    break
                if self.loop.time() - self.last_frame_at > FRAME_STALL:
                    raise EncoderError("no video from the camera")
        finally:
            ended.cancel()
            for step in reversed(self.undo):
                step()
            self.undo.clear()
        if self.restart is not None:
            raise _RestartError(self.restart)
        if not self.ended.is_set() or tasks[1].done():
            await asyncio.wait((tasks[2],), timeout=2.0)
            code = await self._exit_code()
            lines = [
                line.strip() for line in self.stderr_tail.decode(errors="replace").splitlines()
            ]
            kept = [line for line in lines if line][-2:]
            raise EncoderError("; ".join(kept) or f"ffmpeg exited with code {code}")
        raise EncoderError("the video feed closed")

    async def _exit_code(self) -> int | None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                return await self.process.wait()
        return self.process.returncode

    async def _write(self, stdin: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while (data := await self.queue.get()) is not None:
                self.backlog -= len(data)
                stdin.write(data)
                await stdin.drain()

    async def _read(self, stdout: asyncio.StreamReader) -> None:
        rest = b""
        first = True
        while chunk := await stdout.read(READ_SIZE):
            if first:
                # Encoded output: the camera, ffmpeg and the encoder work.
                self.encoder._recovered()  # noqa: SLF001 - the run belongs to its encoder
                first = False
            data = rest + chunk
            whole = len(data) - len(data) % TS_PACKET
            rest = data[whole:]
            if whole:
                self.encoder._deliver(data[:whole])  # noqa: SLF001

    async def stop(self) -> None:
        """End ffmpeg (at once: nobody waits for the rest of its output)."""
        for step in reversed(self.undo):
            step()
        self.undo.clear()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await asyncio.shield(self.process.wait())
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks)


async def _read_tail(stream: asyncio.StreamReader, tail: bytearray) -> None:
    while chunk := await stream.read(STDERR_KEEP):
        tail += chunk
        del tail[:-STDERR_KEEP]
