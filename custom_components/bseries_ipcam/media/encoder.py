"""One H.264 encoder per camera: the shared feeds into H.264 + AAC in MPEG-TS, for every reader.

Home Assistant's `stream` (HLS, `camera.record`, casting), go2rtc (WebRTC), HomeKit with
`video_codec: copy` and NVRs all want H.264; the camera sends JPEGs. With the `h264_stream` option
a camera gets one ffmpeg that turns the shared video and sound (no camera connection of its own)
into H.264 + AAC (16 kHz mono) in MPEG-TS, whatever the number of readers:

- a kind of the one on-demand stream shape (`on_demand.OnDemandStream`, its source the video
  feed): started by the first reader, stopped `idle_timeout` seconds after the last one left,
  started again with a growing delay after a failure (ffmpeg missing or crashing: a start counts
  once ffmpeg gives its first packets) while readers remain; a camera that stalls, or changes its
  resolution, ends the run, and the next starts at once (a clean new stream);
- a key frame every second, no B-frames, `zerolatency`: a reader joining mid-stream waits at most
  a second for a picture, and frames leave as soon as they are encoded. A new reader is given the
  stream from a key frame on, after the newest PAT and PMT, so that its demuxer starts at once;
- a reader that does not keep up only loses its own data (its sink drops what it cannot take);
- the stream of the last `history_seconds` (whole groups of pictures, from a key frame on) is kept
  while it runs, so that a clip (`bseries_ipcam.record`) can copy it, with its lookback, instead
  of encoding the camera a second time;
- the encoder is chosen once per ffmpeg binary (`probe_encoder`): a working hardware H.264 encoder
  (VAAPI, QSV, V4L2 M2M) or libx264; a hardware encoder that fails later falls back to libx264.

Picture and sound leave ffmpeg by two outputs, each an MPEG-TS of its own, joined here packet by
packet under one program map (`mpegts.with_stream`): one muxer for both would hold every picture
until the sound has reached its time (it interleaves by time, and AAC comes in 64 ms frames a
frame behind), which added a frame interval or more to every picture's latency. Each output
keeps its true times (`-avoid_negative_ts disabled`), so the two stay in sync as one muxer keeps
them; a packet of sound simply leaves a little after the pictures of its time.

Frames go to ffmpeg as the restream's Matroska (`matroska.MatroskaWriter`) at the times the feeds'
timeline gave them (the camera's clock while it keeps time, arrival times once it stands still or
jumps: timeline.py). HA-free: the binary's path is given.
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextlib
from dataclasses import dataclass, field
import logging
import os
from typing import TYPE_CHECKING, Any, Final, override

from ..errors import BSeriesIntegrationError
from ..protocol import BSeriesError
from .audio_feed import SAMPLE_RATE
from .feed import VideoFeed
from .matroska import MatroskaWriter, jpeg_size
from .mpegts import PACKET, STREAM_TYPE_AAC, pes_start, pid, with_stream
from .on_demand import OnDemandStream
from .timeline import ticks_after

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from .audio_feed import AudioChunk, AudioFeed
    from .feed import FeedFrame

_LOGGER = logging.getLogger(__name__)

IDLE_TIMEOUT: Final = 10.0
# A start counts once ffmpeg gives its first packets (a crashing ffmpeg is a failed start).
FIRST_OUTPUT_WAIT: Final = 20.0
RESTART_MIN_DELAY: Final = 2.0
RESTART_MAX_DELAY: Final = 60.0
FIRST_FRAME_WAIT: Final = 10.0
# No frame for this long: the camera is gone for now; the encoder restarts (with backoff).
FRAME_STALL: Final = 12.0
# ffmpeg's stdout is read in whole TS packets.
TS_PACKET: Final = PACKET
READ_SIZE: Final = TS_PACKET * 64
# Bytes waiting for ffmpeg's stdin before frames are dropped (it does not keep up): ~10 s of VGA.
MAX_BACKLOG: Final = 8 * 1024 * 1024
# The camera's microphone is 8 kHz: AAC at 16 kHz keeps all of it (and is a rate every AAC
# decoder has) for a third of the encoding of 48 kHz.
AAC_RATE: Final = 16000
AAC_BITRATE: Final = "32k"
PMT_PID: Final = 0x1000
# The sound's output: its PES on AUDIO_PID (the picture's is ffmpeg's first, 0x100), its own PAT
# and PMT (on AUDIO_PMT_PID) dropped.
AUDIO_PID: Final = 0x101
AUDIO_PMT_PID: Final = 0x1001
STDERR_KEEP: Final = 2048
# Hardware encoders after this many failures in a row give way to libx264.
HARDWARE_FAILURES: Final = 2
PROBE_TIMEOUT: Final = 20.0
SOFTWARE: Final = "libx264"
# What libx264 is given: the camera's JPEGs as they are decoded, 4:2:0 in the full range, and
# flagged so in the stream (as most IP cameras' own H.264 is). Converting them to the TV range
# would cost about a sixth of the encoder's CPU and drop levels of the picture for nothing.
PIXEL_FORMAT: Final = "yuvj420p"


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


def encoder_args(choice: EncoderChoice, *, audio_fd: int | None) -> list[str]:
    """The arguments of ffmpeg: the restream's Matroska on stdin to H.264 in MPEG-TS on stdout.

    With `audio_fd`, the sound too: as AAC in an MPEG-TS of its own on that file descriptor.
    """
    args = [
        *("-nostdin", "-hide_banner", "-loglevel", "error", *choice.input_args),
        # The header gives the tracks; one frame is enough to learn the picture's format.
        # (`-fflags +nobuffer` is not given: measured, it added 130-140 ms to every frame.)
        *("-probesize", "65536", "-analyzeduration", "0"),
        *("-f", "matroska", "-i", "pipe:0", "-map", "0:v:0"),
    ]
    if choice.filter is not None:
        args += ["-vf", choice.filter]
    # Each frame keeps its own time: the encoder counts in the input's milliseconds, not in
    # ticks of a frame rate guessed from the first frames (which rounds, and merges, frame times).
    args += ["-c:v", choice.codec, "-enc_time_base:v", "-1", "-bf", "0", "-fps_mode", "passthrough"]
    if not choice.hardware:
        args += ["-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", PIXEL_FORMAT]
        # One thread: a VGA frame takes a few milliseconds of one core, and `zerolatency`'s
        # threads (a slice each) hand every frame over and back, which cost about a tenth more
        # CPU per camera; cameras of a host share its cores by having an encoder each.
        args += ["-threads:v", "1"]
    # A key frame every second of stream time, whatever the frame rate.
    args += ["-force_key_frames", "expr:gte(t,n_forced)"]
    args += [
        *("-avoid_negative_ts", "disabled", "-flush_packets", "1"),
        *("-f", "mpegts", "-mpegts_pmt_start_pid", str(PMT_PID), "pipe:1"),
    ]
    if audio_fd is not None:
        # A second output (see the module's docstring), each AAC frame a PES of its own: by
        # default the muxer gathers up to 350 ms of sound before it writes any.
        args += [
            *("-map", "0:a:0", "-c:a", "aac", "-ar", str(AAC_RATE), "-b:a", AAC_BITRATE),
            *("-avoid_negative_ts", "disabled", "-flush_packets", "1", "-pes_payload_size", "0"),
            *("-f", "mpegts", "-mpegts_start_pid", str(AUDIO_PID)),
            *("-mpegts_pmt_start_pid", str(AUDIO_PMT_PID), f"pipe:{audio_fd}"),
        ]
    return args


class StreamClock:
    """Stream times in 10 ms ticks from a run's first frame: never negative, rising per track.

    The packets' times come from the feeds' `Timeline` (timeline.py decides what time a packet has,
    camera clock or arrival); this only moves them to the stream's origin.
    """

    def __init__(self, origin: int) -> None:
        """Time zero is the timeline's time `origin`."""
        self.origin = origin
        self._last: dict[int, int] = {}

    def ticks(self, track: int, timestamp: int) -> int:
        """The stream time of a frame or chunk of `track` at timeline time `timestamp`."""
        result = max(ticks_after(timestamp, self.origin), self._last.get(track, -1) + 1)
        self._last[track] = result
        return result


class EncoderError(Exception):
    """ffmpeg failed: its own last words, or what we saw."""


class H264Encoder(OnDemandStream[bytes, VideoFeed]):
    """One camera's shared H.264 + AAC MPEG-TS stream, running while it has readers.

    Items are whole TS packets as ffmpeg gives them; readers (`open_reader`) get them from a key
    frame on.
    """

    label = "H.264 encoder"
    start_errors = (BSeriesError, BSeriesIntegrationError, OSError, EncoderError)

    def __init__(
        self,
        binary: str,
        video: VideoFeed,
        audio: AudioFeed,
        *,
        name: str = "camera",
        idle_timeout: float = IDLE_TIMEOUT,
        history_seconds: float = 0.0,
    ) -> None:
        """Encode `video` (and `audio` where the camera has a microphone) with ffmpeg `binary`.

        `history_seconds`: how much of the stream to keep for clips that copy it (the pre-roll).
        """
        super().__init__(
            lambda: video,
            idle_timeout=idle_timeout,
            name=name,
            restart_delays=(RESTART_MIN_DELAY, RESTART_MAX_DELAY),
        )
        self.binary = binary
        self.video = video
        self.audio = audio
        self._run: _Run | None = None
        # Runs being stopped (awaited by the next start and by `close`, even when cancelled).
        self._stops: set[asyncio.Task[None]] = set()
        self._pat: bytes | None = None
        self._pmt: bytes | None = None
        self._logged_failure = False
        self._hardware_failures = 0
        self.choice: EncoderChoice | None = None
        self.restarts = 0
        self.last_error: str | None = None
        self.resolution: tuple[int, int] | None = None
        self.audio_track = False
        self.bytes_out = 0
        self.history_seconds = history_seconds
        # The run's recent stream in groups of pictures: the loop time its key frame left ffmpeg,
        # and the TS packets from that key frame to the next one.
        self._history: deque[tuple[float, bytearray]] = deque()

    @property
    def running(self) -> bool:
        """Whether ffmpeg runs now."""
        return self.streaming

    @property
    def readers(self) -> int:
        """Readers of the stream now."""
        return self.users

    @property
    def stream_origin(self) -> int | None:
        """The timeline time of the running stream's time zero (its first frame), if it runs.

        A frame at timeline time t leaves ffmpeg with PTS = the first PTS + (t - origin) * 900.
        """
        run = self._run
        return run.clock.origin if run is not None and run.clock is not None else None

    def kept_seconds(self) -> float | None:
        """How far back the kept stream reaches (from its oldest key frame); None: nothing kept."""
        if not self._history or self._run is None:
            return None
        return self._loop.time() - self._history[0][0]

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
            # How often the camera's clock was left for arrival times (timeline.py).
            "clock_rebased": self.video.timeline.rebases,
            "bytes_out": self.bytes_out,
        }

    # --- readers ------------------------------------------------------------------------------

    def open_reader(
        self, write: Callable[[bytes | None], None], *, since: float | None = None
    ) -> Callable[[], None]:
        """Read the stream: `write` gets whole TS packets from a key frame on, None at the end.

        By default from the next key frame; with `since`, from the kept stream's newest key frame
        that left ffmpeg at least `since` seconds ago (its oldest when none is that old; nothing
        kept: the next key frame). Returns the function that ends the reading. `write` runs in
        the loop and must not block: a reader that cannot keep up drops what it cannot take.
        """
        started = False
        if since is not None and self._history and self._pat is not None and self._pmt is not None:
            horizon = self._loop.time() - since
            first = 0
            for index, (left_at, _) in enumerate(self._history):
                if left_at <= horizon:
                    first = index
            kept = [bytes(group) for _, group in list(self._history)[first:]]
            write(b"".join((self._pat, self._pmt, *kept)))
            started = True

        def gate(data: bytes | None) -> None:
            nonlocal started
            if data is None or started:
                write(data)
                return
            start = self._key_frame(data)
            if start is not None and self._pat is not None and self._pmt is not None:
                started = True
                write(b"".join((self._pat, self._pmt, data[start:])))

        return self.subscribe(gate)

    def _key_frame(self, data: bytes) -> int | None:
        """The offset of the first packet in `data` where a video key frame starts, if any."""
        for offset in range(0, len(data), TS_PACKET):
            if data[offset + 1] & 0x40 and (start := pes_start(data, offset)) and start.key:
                return offset
        return None

    def _deliver(self, data: bytes) -> None:
        """Whole TS packets from ffmpeg: keep the newest PAT and PMT and the history; to readers."""
        self.bytes_out += len(data)
        now = self._loop.time()
        history = self._history
        kept = 0
        for offset in range(0, len(data), TS_PACKET):
            number = pid(data, offset)
            if number == 0:
                self._pat = data[offset : offset + TS_PACKET]
            elif number == PMT_PID:
                self._pmt = data[offset : offset + TS_PACKET]
            elif data[offset + 1] & 0x40 and (start := pes_start(data, offset)) and start.key:
                if history:
                    history[-1][1].extend(data[kept:offset])
                history.append((now, bytearray()))
                kept = offset
        if history:
            history[-1][1].extend(data[kept:])
            # Keep a key frame at least `history_seconds` old, and nothing older.
            horizon = now - self.history_seconds
            while len(history) > 1 and history[1][0] <= horizon:
                history.popleft()
        self._emit(data)

    # --- the shape's steps --------------------------------------------------------------------

    @override
    def _subscribe(self, source: VideoFeed) -> list[Callable[[], None]]:
        return []  # the run subscribes to the feeds once it has ffmpeg

    @override
    async def _begin(self, source: VideoFeed) -> None:
        await self._stopped()
        if self.choice is None:
            self.choice = await probe_encoder(self.binary)
        audio = self.audio if await self.audio.probe() else None
        run = _Run(self, self.choice, audio)
        self._history.clear()
        try:
            await run.start()
        except BaseException:
            await run.stop()
            raise
        self._run = run
        self.resolution = run.size
        self.audio_track = audio is not None
        self._recovered()

    @override
    async def _finish(self, source: VideoFeed) -> None:
        self._history.clear()
        run, self._run = self._run, None
        if run is not None:
            self._stop_run(run)
        await self._stopped()

    def _stop_run(self, run: _Run) -> None:
        task = self._loop.create_task(run.stop(), name=f"{self.name} encoder stop")
        self._stops.add(task)
        task.add_done_callback(self._stops.discard)

    async def _stopped(self) -> None:
        if self._stops:
            await asyncio.wait(tuple(self._stops))

    @override
    async def close(self) -> None:
        """Stop ffmpeg for good; readers get None."""
        await super().close()
        await self._stopped()

    @override
    def _start_failed(self, source: VideoFeed, err: Exception) -> bool:
        self.restarts += 1
        self._failed(err)
        return super()._start_failed(source, err)

    def _run_ended(self, run: _Run, error: Exception | None) -> None:
        """The run ended by itself (ffmpeg exited, the camera stalled, a new resolution)."""
        if run is not self._run:
            return
        self._run = None
        self._history.clear()
        self.restarts += 1
        if error is not None:
            self._failed(error)
        self._stop_run(run)
        self._ended(error)

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
        self._hardware_failures = 0
        self._set_fault(None)
        if self._logged_failure:
            _LOGGER.info("The H.264 stream of the %s works again", self.name)
            self._logged_failure = False
        if self.last_error is not None:
            self.last_error = None
            self._listeners()


# A TS packet starting a section on the PMT's PID.
_PMT_START: Final = bytes((0x47, 0x40 | PMT_PID >> 8, PMT_PID & 0xFF))


class _Run:
    """One ffmpeg process: frames and sound in, TS packets out, until it ends or is stopped."""

    def __init__(
        self, encoder: H264Encoder, choice: EncoderChoice, audio: AudioFeed | None
    ) -> None:
        self.encoder = encoder
        self.choice = choice
        self.audio = audio
        self.loop = asyncio.get_running_loop()
        self.process: asyncio.subprocess.Process | None = None
        self.size = (0, 0)
        self.clock: StreamClock | None = None
        self.mkv: MatroskaWriter | None = None
        # ffmpeg's stdin once it runs; what comes before waits in `pending`.
        self.stdin: asyncio.StreamWriter | None = None
        self.pending: list[bytes] = []
        self.dropped = 0
        self.last_frame_at = self.loop.time()
        self.stderr_tail = bytearray()
        self.undo: list[Callable[[], None]] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.reading: asyncio.Task[None] | None = None
        self.last_words: asyncio.Task[None] | None = None
        self.first_output = asyncio.Event()
        self.stopped = False
        # The picture's PMT packets (they differ only in their continuity counter) joined.
        self.pmts: dict[bytes, bytes] = {}

    async def start(self) -> None:
        """Hold the feeds, start ffmpeg; returns once it gave its first packets."""
        video = self.encoder.video
        self.undo.append(video.subscribe(self.on_frame))
        first = await video.next_frame(wait=FIRST_FRAME_WAIT)
        self.size = jpeg_size(first.jpeg) or (640, 480)
        self.clock = StreamClock(first.timestamp)
        self.mkv = MatroskaWriter(
            0,
            width=self.size[0],
            height=self.size[1],
            audio_rate=SAMPLE_RATE if self.audio is not None else None,
        )
        # The header first: frames that come while ffmpeg starts queue behind it.
        self._put(self.mkv.header())
        self._put(self.mkv.video(0, first.jpeg))
        sound: asyncio.StreamReader | None = None
        if self.audio is not None:
            readable, writable = os.pipe()
            try:
                sound = await self._read_pipe(readable)
            except BaseException:
                os.close(writable)
                raise
            try:
                self.process = await self._spawn(writable)
            finally:
                os.close(writable)  # ffmpeg has its own copy
        else:
            self.process = await self._spawn(None)
        process = self.process
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        self.stdin = process.stdin
        process.stdin.write(b"".join(self.pending))
        self.pending.clear()
        if self.audio is not None:
            with contextlib.suppress(BSeriesIntegrationError):
                self.undo.append(self.audio.subscribe(self.on_chunk))
        self.reading = reading = asyncio.create_task(self._read(process.stdout))
        self.last_words = asyncio.create_task(read_tail(process.stderr, self.stderr_tail))
        self.tasks = [reading, self.last_words]
        if sound is not None:
            self.tasks.append(asyncio.create_task(self._read_sound(sound)))
        output = asyncio.create_task(self.first_output.wait())
        try:
            await asyncio.wait(
                (output, reading), timeout=FIRST_OUTPUT_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            output.cancel()
        if not self.first_output.is_set():
            raise EncoderError(await self._last_words())
        self.tasks.append(asyncio.create_task(self._watch()))

    async def _spawn(self, audio_fd: int | None) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            self.encoder.binary,
            *encoder_args(self.choice, audio_fd=audio_fd),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=() if audio_fd is None else (audio_fd,),
        )

    async def _read_pipe(self, fd: int) -> asyncio.StreamReader:
        """A reader of the pipe's end `fd` (closed with the run)."""
        reader = asyncio.StreamReader(limit=READ_SIZE)
        # An fd, not a file on disk: nothing blocks; the file, then its transport, closes it.
        pipe = os.fdopen(fd, "rb", buffering=0)
        try:
            transport, _ = await self.loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), pipe
            )
        except BaseException:
            pipe.close()
            raise
        self.undo.append(transport.close)
        return reader

    def _put(self, data: bytes) -> None:
        """Straight into the pipe's transport (one write, no task to wake per block)."""
        stdin = self.stdin
        if stdin is None:
            self.pending.append(data)
        elif stdin.transport.is_closing():
            return  # ffmpeg is gone: the watch ends the run
        elif stdin.transport.get_write_buffer_size() + len(data) > MAX_BACKLOG:
            self.dropped += 1
        else:
            stdin.write(data)

    def on_frame(self, frame: FeedFrame | None) -> None:
        if self.stopped or self.mkv is None or self.clock is None:
            return
        if frame is None:
            self._end(EncoderError("the video feed closed"))
            return
        self.last_frame_at = frame.received_at
        size = jpeg_size(frame.jpeg)
        if size is not None and size != self.size:
            _LOGGER.debug("The picture of the %s changed to %s", self.encoder.name, size)
            self._end(None)
            return
        ticks = self.clock.ticks(1, frame.timestamp)
        self._put(self.mkv.video(ticks, frame.jpeg))

    def on_chunk(self, chunk: AudioChunk | None) -> None:
        if chunk is None or self.stopped or self.mkv is None or self.clock is None:
            return
        ticks = self.clock.ticks(2, chunk.timestamp)
        self._put(self.mkv.audio(ticks, chunk.pcm))

    def _stopping(self) -> bool:
        # A method, not the attribute: `stop` sets it while this run's tasks wait.
        return self.stopped

    def _end(self, error: Exception | None) -> None:
        if not self.stopped:
            self.encoder._run_ended(self, error)  # noqa: SLF001 - the run belongs to its encoder

    async def _watch(self) -> None:
        """End the run when ffmpeg stops, or the camera sends nothing for a long time."""
        reading = self.reading
        assert reading is not None
        while not self.stopped:
            await asyncio.wait((reading,), timeout=1.0)
            if self._stopping():
                return
            if reading.done():
                self._end(EncoderError(await self._last_words()))
                return
            if self.loop.time() - self.last_frame_at > FRAME_STALL:
                self._end(EncoderError("no video from the camera"))
                return

    async def _last_words(self) -> str:
        process = self.process
        code = None
        if process is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    code = await process.wait()
            if self.last_words is not None:
                await asyncio.wait((self.last_words,), timeout=2.0)
        lines = [line.strip() for line in self.stderr_tail.decode(errors="replace").splitlines()]
        kept = [line for line in lines if line][-2:]
        return "; ".join(kept) or f"ffmpeg exited with code {code}"

    async def _whole_packets(self, pipe: asyncio.StreamReader) -> AsyncIterator[bytes]:
        """What ffmpeg writes to `pipe`, in whole TS packets (b"" for a read that ended none)."""
        rest = b""
        while chunk := await pipe.read(READ_SIZE):
            if self.stopped:
                return
            data = rest + chunk
            whole = len(data) - len(data) % TS_PACKET
            rest = data[whole:]
            yield data[:whole]

    async def _read(self, stdout: asyncio.StreamReader) -> None:
        """The picture's output: to the readers, its PMT naming the sound's stream too."""
        async for packets in self._whole_packets(stdout):
            self.first_output.set()
            if packets:
                joined = packets if self.audio is None else self._join_pmt(packets)
                self.encoder._deliver(joined)  # noqa: SLF001

    def _join_pmt(self, data: bytes) -> bytes:
        """`data` with each PMT naming the sound's stream too (the same few PMTs, cached)."""
        found = data.find(_PMT_START)
        if found < 0:
            return data
        out = bytearray(data)
        while found >= 0:
            if found % TS_PACKET == 0:
                packet = data[found : found + TS_PACKET]
                if (joined := self.pmts.get(packet)) is None:
                    joined = with_stream(packet, STREAM_TYPE_AAC, AUDIO_PID)
                    self.pmts[packet] = joined
                out[found : found + TS_PACKET] = joined
            found = data.find(_PMT_START, found + 1)
        return bytes(out)

    async def _read_sound(self, pipe: asyncio.StreamReader) -> None:
        """The sound's output: its AAC packets to the readers (its own PAT, PMT and SDT not)."""
        async for data in self._whole_packets(pipe):
            sound = b"".join(
                data[offset : offset + TS_PACKET]
                for offset in range(0, len(data), TS_PACKET)
                if pid(data, offset) == AUDIO_PID
            )
            if sound:
                self.encoder._deliver(sound)  # noqa: SLF001

    async def stop(self) -> None:
        """Let go of the feeds and end ffmpeg (at once: nobody waits for its last packets)."""
        self.stopped = True
        for step in reversed(self.undo):
            step()
        self.undo.clear()
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        if process is not None:
            await asyncio.shield(process.wait())
        current = asyncio.current_task()
        tasks = [task for task in self.tasks if task is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


async def read_tail(stream: asyncio.StreamReader, tail: bytearray, keep: int = STDERR_KEEP) -> None:
    """Keep the last `keep` bytes of a process's stderr in `tail` (its last words) until it ends."""
    while chunk := await stream.read(keep):
        tail += chunk
        del tail[:-keep]
