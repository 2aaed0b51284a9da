"""The shared H.264 encoder against the simulated camera and the real ffmpeg."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import shutil
from typing import TYPE_CHECKING, Any

from PIL import Image
import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.media import encoder as encoder_module
from custom_components.bseries_ipcam.media.audio_feed import AudioChunk, AudioFeed
from custom_components.bseries_ipcam.media.encoder import (
    EncoderChoice,
    H264Encoder,
    StreamClock,
    probe_encoder,
)
from custom_components.bseries_ipcam.media.feed import VideoFeed
from custom_components.bseries_ipcam.media.mpegts import (
    CLOCK_HZ,
    PACKET,
    STREAM_TYPE_AAC,
    pes_start,
    pts_after,
    with_stream,
)
from custom_components.bseries_ipcam.protocol import CameraClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
pytestmark = pytest.mark.skipif(
    FFMPEG is None or FFPROBE is None, reason="needs ffmpeg and ffprobe (scripts/setup installs)"
)

USER, PASSWORD = "admin", "secret"


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """The simulated camera: VGA at 15 fps with a microphone."""
    return SimulatorConfig(users={USER: SimUser(PASSWORD)})


@pytest.fixture
async def sim(socket_enabled: None, sim_config: SimulatorConfig) -> AsyncIterator[CameraSimulator]:
    """The simulated camera on 127.0.0.1."""
    async with CameraSimulator(sim_config) as simulator:
        yield simulator


@pytest.fixture
async def feeds(sim: CameraSimulator) -> AsyncIterator[tuple[VideoFeed, AudioFeed]]:
    """The shared video and audio feeds of the simulated camera."""
    async with CameraClient(sim.host, sim.port, USER, PASSWORD) as camera:
        video = VideoFeed(lambda: camera, idle_timeout=0.5)
        audio = AudioFeed(lambda: camera, idle_timeout=0.5)
        yield video, audio
        await video.close()
        await audio.close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after 0.2 s, not seconds: the tests watch several of them."""
    monkeypatch.setattr(encoder_module, "RESTART_MIN_DELAY", 0.2)
    monkeypatch.setattr(encoder_module, "RESTART_MAX_DELAY", 0.4)


async def _read(encoder: H264Encoder, seconds: float) -> bytes:
    """What one reader receives in `seconds` of stream after its first packet."""
    data = bytearray()
    first = asyncio.Event()

    def write(chunk: bytes | None) -> None:
        if chunk is not None:
            data.extend(chunk)
            first.set()

    close = encoder.open_reader(write)
    try:
        async with asyncio.timeout(60):
            await first.wait()
        await asyncio.sleep(seconds)
    finally:
        close()
    return bytes(data)


async def _probe(data: bytes, tmp_path: Path, name: str) -> dict[str, Any]:
    path = tmp_path / name
    await asyncio.to_thread(path.write_bytes, data)
    assert FFPROBE is not None
    process = await asyncio.create_subprocess_exec(
        FFPROBE,
        *("-v", "error", "-count_frames", "-print_format", "json"),
        *("-show_streams", "-show_format", str(path)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


def _streams(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {stream["codec_type"]: stream for stream in info["streams"]}


async def _until(predicate: Callable[[], object], seconds: float = 60.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - the encoder reports by counters
            await asyncio.sleep(0.05)


async def test_readers_share_one_encoder_that_stops_after_the_last(
    sim: CameraSimulator, feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    """Two readers, one ffmpeg and one camera connection; H.264 + AAC; stopped when idle."""
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.5)
    first, second = await asyncio.gather(_read(encoder, 3), _read(encoder, 2))
    for data in (first, second):
        streams = _streams(await _probe(data, tmp_path, "stream.ts"))
        assert streams["video"]["codec_name"] == "h264"
        assert (streams["video"]["width"], streams["video"]["height"]) == (640, 480)
        assert streams["video"].get("has_b_frames", 0) == 0
        assert streams["audio"]["codec_name"] == "aac"
        # Each reader starts at a key frame: every frame decodes.
        assert int(streams["video"]["nb_read_frames"]) >= 10
    assert encoder.starts == 1
    assert encoder.choice is not None
    assert encoder.choice.codec == "libx264"
    assert not encoder.choice.hardware
    assert sim.stats.av_connections_accepted == 1
    await _until(lambda: not encoder.running, 10)
    assert encoder.readers == 0
    assert encoder.diagnostics()["starts"] == 1
    await encoder.close()


async def test_picture_and_sound_keep_their_times_in_the_joined_stream(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    """The two outputs joined: one PMT naming both, and the sound at its own time.

    The first AAC packet (ffmpeg starts it 1024 samples, 64 ms, before the sound) must start at
    a chunk's time on the picture's clock: an output shifting its times would be off by 64 ms.
    """
    assert FFMPEG is not None
    video, audio = feeds
    chunks: set[int] = set()
    raw = bytearray()

    def chunk_came(chunk: AudioChunk | None) -> None:
        if chunk is not None:
            chunks.add(chunk.timestamp)

    def packets_came(data: bytes | None) -> None:
        if data is not None:
            raw.extend(data)

    stop_listening = audio.subscribe(chunk_came)
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
    stop_raw = encoder.subscribe(packets_came)
    origin: int | None = None
    first: dict[bool, int] = {}

    def both_started() -> bool:
        nonlocal origin
        origin = encoder.stream_origin
        for offset in range(0, len(raw) - len(raw) % PACKET, PACKET):
            if (
                start := pes_start(bytes(raw[offset : offset + PACKET]))
            ) is not None and start.pts is not None:
                first.setdefault(start.video, start.pts)
        return len(first) == 2

    await _until(both_started)
    stop_raw()
    stop_listening()
    await encoder.close()
    assert origin is not None
    priming = 1024 * CLOCK_HZ // encoder_module.AAC_RATE
    ticks = pts_after(first[False] + priming, first[True]) / 900
    assert min(abs(origin + ticks - chunk) for chunk in chunks) < 0.5
    streams = _streams(await _probe(bytes(raw), tmp_path, "joined.ts"))
    assert streams["audio"]["codec_name"] == "aac"
    assert streams["video"]["codec_name"] == "h264"


def test_a_program_map_gets_one_more_stream() -> None:
    """The PMT joined as one muxer writes it for both streams (ffmpeg's own, byte for byte)."""
    video_only = bytes.fromhex("475000100002b0120001c10000e100f0001be100f00015bd4d56").ljust(
        PACKET, b"\xff"
    )
    both = bytes.fromhex("475000100002b0170001c10000e100f0001be100f0000fe101f0002f44b99b").ljust(
        PACKET, b"\xff"
    )
    assert with_stream(video_only, STREAM_TYPE_AAC, encoder_module.AUDIO_PID) == both
    with pytest.raises(ValueError, match="section"):
        with_stream(video_only[:100], STREAM_TYPE_AAC, 0x101)
    with pytest.raises(ValueError, match="program map"):
        with_stream(b"\x47\x40\x00\x10\x00\x00" + video_only[6:], STREAM_TYPE_AAC, 0x101)


@pytest.mark.parametrize(
    "sim_config",
    [SimulatorConfig(users={USER: SimUser(PASSWORD)}, microphone=False)],
)
async def test_a_camera_without_microphone_gives_video_only(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
    streams = _streams(await _probe(await _read(encoder, 2), tmp_path, "video.ts"))
    assert streams["video"]["codec_name"] == "h264"
    assert "audio" not in streams
    assert not encoder.audio_track
    await encoder.close()


async def test_the_picture_keeps_the_cameras_full_range(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    """The JPEGs' levels 0-255 go into H.264 as they are, flagged full range (not squeezed to
    16-235, which would cost the encoder a conversion of every frame)."""
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
    data = await _read(encoder, 1.5)
    jpeg = video.latest
    assert jpeg is not None
    # The camera's picture spans them.
    camera_luma = Image.open(io.BytesIO(jpeg.jpeg)).convert("L").tobytes()
    assert min(camera_luma) < 8
    assert max(camera_luma) > 247
    streams = _streams(await _probe(data, tmp_path, "range.ts"))
    assert streams["video"]["color_range"] == "pc"
    path = tmp_path / "range.ts"
    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        *("-hide_banner", "-loglevel", "error", "-i", str(path), "-frames:v", "1"),
        *("-f", "rawvideo", "-pix_fmt", "yuvj420p", "pipe:1"),
        stdout=asyncio.subprocess.PIPE,
    )
    picture, _ = await process.communicate()
    luma = picture[: 640 * 480]
    assert len(luma) == 640 * 480
    assert min(luma) < 8
    assert max(luma) > 247
    await encoder.close()


async def test_a_reader_from_the_kept_stream_starts_that_far_back(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    """The encoder keeps `history_seconds` of whole groups of pictures, and no more."""
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2, history_seconds=2)
    assert encoder.kept_seconds() is None
    close = encoder.open_reader(lambda _: None)
    await _until(lambda: (encoder.kept_seconds() or 0) >= 2)
    assert encoder.stream_origin is not None
    # Long after, still no more than the span and the groups of pictures around it (an encoder
    # that kept everything would hold 8 s by then).
    await asyncio.sleep(6)
    kept = encoder.kept_seconds()
    assert kept is not None
    assert 2 <= kept < 6
    replayed = bytearray()

    def write(data: bytes | None) -> None:
        if data is not None:
            replayed.extend(data)

    close_replay = encoder.open_reader(write, since=2)
    # At once: the kept stream from a key frame at least 2 s old, ready to decode.
    streams = _streams(await _probe(bytes(replayed), tmp_path, "kept.ts"))
    assert int(streams["video"]["nb_read_frames"]) >= 2 * 15 - 3
    assert streams["audio"]["codec_name"] == "aac"
    close_replay()
    close()
    await _until(lambda: not encoder.running, 10)
    assert encoder.kept_seconds() is None
    await encoder.close()


async def test_missing_ffmpeg_retries_logs_once_and_mjpeg_keeps_working(
    feeds: tuple[VideoFeed, AudioFeed], caplog: pytest.LogCaptureFixture
) -> None:
    video, audio = feeds
    encoder = H264Encoder("/nonexistent/ffmpeg", video, audio, idle_timeout=0.2)
    close = encoder.open_reader(lambda _: None)
    await _until(lambda: encoder.restarts >= 3)
    assert encoder.last_error is not None
    assert "nonexistent" in encoder.last_error
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    # The camera's MJPEG is unaffected.
    assert (await video.still()).startswith(b"\xff\xd8")
    close()
    await encoder.close()


async def test_crashing_ffmpeg_says_why(feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path) -> None:
    script = tmp_path / "ffmpeg"
    script.write_text("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 1\n")
    script.chmod(0o755)
    video, audio = feeds
    encoder = H264Encoder(str(script), video, audio, idle_timeout=0.2)
    encoder.choice = encoder_module.LIBX264
    close = encoder.open_reader(lambda _: None)
    await _until(lambda: encoder.restarts >= 2)
    assert encoder.last_error == "Unknown encoder libx264"
    close()
    await encoder.close()


async def test_hardware_probe_fails_cleanly_to_libx264() -> None:
    """No hardware here: devices that are missing, or there but not encoders, give libx264."""
    assert FFMPEG is not None
    choice = await probe_encoder(FFMPEG)
    assert choice.codec == "libx264"
    assert not choice.hardware
    assert set(choice.probe) == {"h264_vaapi", "h264_qsv", "h264_v4l2m2m"}
    fake = (("h264_vaapi", "/dev/null", ("-vaapi_device", "/dev/null"), "format=nv12,hwupload"),)
    choice = await _probe_fresh(fake)
    assert choice.codec == "libx264"
    assert choice.probe["h264_vaapi"] not in ("works", "")


async def _probe_fresh(
    candidates: tuple[tuple[str, str, tuple[str, ...], str], ...],
) -> EncoderChoice:
    assert FFMPEG is not None
    encoder_module._probed.pop(FFMPEG, None)
    try:
        return await probe_encoder(FFMPEG, candidates)
    finally:
        encoder_module._probed.pop(FFMPEG, None)


async def test_hardware_encoder_failing_after_the_probe_falls_back(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
    encoder.choice = EncoderChoice(
        "h264_vaapi", True, ("-vaapi_device", "/dev/null"), "format=nv12,hwupload"
    )
    streams = _streams(await _probe(await _read(encoder, 1), tmp_path, "fallback.ts"))
    assert streams["video"]["codec_name"] == "h264"
    assert encoder.choice.codec == "libx264"
    assert encoder.restarts >= 2
    assert "h264_vaapi" in caplog.text
    await encoder.close()


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    "sim_config",
    [
        SimulatorConfig(
            users={USER: SimUser(PASSWORD)},
            frames=[_jpeg(640, 480)] * 30 + [_jpeg(320, 240)] * 30,
            microphone=False,
        )
    ],
)
async def test_a_new_resolution_restarts_the_encoder_cleanly(
    feeds: tuple[VideoFeed, AudioFeed], tmp_path: Path
) -> None:
    assert FFMPEG is not None
    video, audio = feeds
    encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
    seen: set[tuple[int, int]] = set()

    def watch() -> bool:
        if encoder.resolution is not None:
            seen.add(encoder.resolution)
        return len(seen) == 2

    close = encoder.open_reader(lambda _: None)
    await _until(watch)
    assert seen == {(640, 480), (320, 240)}
    assert encoder.restarts >= 1
    assert encoder.last_error is None
    # After the restart the stream decodes at the new size.
    streams = _streams(await _probe(await _read(encoder, 1), tmp_path, "size.ts"))
    assert streams["video"]["codec_name"] == "h264"
    close()
    await encoder.close()


@pytest.mark.parametrize("clock", ["frozen", "jumping"])
async def test_broken_camera_clocks_play_at_arrival_speed(
    socket_enabled: None, clock: str, tmp_path: Path
) -> None:
    """A frozen or jumping camera clock: the stream lasts as long as it was read."""
    assert FFMPEG is not None
    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, video_clock=clock, microphone=False)
    async with (
        CameraSimulator(config) as sim,
        CameraClient(sim.host, sim.port, USER, PASSWORD) as camera,
    ):
        video = VideoFeed(lambda: camera, idle_timeout=0.2)
        audio = AudioFeed(lambda: camera, idle_timeout=0.2)
        encoder = H264Encoder(FFMPEG, video, audio, idle_timeout=0.2)
        info = await _probe(await _read(encoder, 3), tmp_path, f"{clock}.ts")
        await encoder.close()
        await video.close()
        await audio.close()
    assert float(info["format"]["duration"]) == pytest.approx(3, abs=1.2)
    assert video.timeline.rebases > 0


def test_stream_clock_counts_from_the_first_frame_on_the_timeline() -> None:
    clock = StreamClock(1000)
    assert clock.ticks(1, 1007) == 7
    assert clock.ticks(2, 1007) == 7  # audio at the same time
    assert clock.ticks(2, 990) == 8  # never back within a track, never before zero
    assert clock.ticks(1, 1014) == 14
    assert clock.ticks(1, 1000 + (1 << 32) - 5) == 15  # across the 32-bit wrap: still forward
