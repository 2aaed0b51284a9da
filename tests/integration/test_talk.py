"""Tests of the talk engine: media to ffmpeg to the camera's speaker, one talk at a time."""

from __future__ import annotations

import asyncio
import contextlib
import stat
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.bseries_ipcam.protocol import CameraClient, NotSupportedError
from custom_components.bseries_ipcam.protocol.messages import TalkData, TalkEnd, TalkStartReq
from custom_components.bseries_ipcam.talk import safe_media_name

from .helpers import HOST, coordinator_of, wait_until
from .talk_helpers import (
    HIGH_TONE_MIN_SNR_DB,
    MIN_SNR_DB,
    OUT_RATE,
    PacingMonitor,
    engine_of,
    fit_tone,
    write_tone,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

    from .helpers import MockConfigEntry


# Every test here plays files from the local media folder.
pytestmark = pytest.mark.usefixtures("audio_dir")


@pytest.fixture
def ffmpeg_argv() -> list[list[str]]:
    """The command line of every ffmpeg the engine starts (with `ffmpeg_processes`)."""
    return []


@pytest.fixture
def ffmpeg_processes(ffmpeg_argv: list[list[str]]) -> Iterator[list[asyncio.subprocess.Process]]:
    """Every ffmpeg the engine starts, to check that it was reaped."""
    started: list[asyncio.subprocess.Process] = []
    original = asyncio.create_subprocess_exec

    async def spy(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        ffmpeg_argv.append([str(arg) for arg in args])
        process = await original(*args, **kwargs)
        started.append(process)
        return process

    with patch("custom_components.bseries_ipcam.talk.asyncio.create_subprocess_exec", spy):
        yield started


def fake_ffmpeg(folder: Path, script: str) -> AbstractContextManager[Any]:
    """Run a shell script instead of ffmpeg (for failures real ffmpeg will not show on cue)."""
    path = folder / "fake-ffmpeg"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return patch(
        "custom_components.bseries_ipcam.talk.get_ffmpeg_manager",
        return_value=type("Manager", (), {"binary": str(path)})(),
    )


async def test_talk_local_file(
    hass: HomeAssistant,
    *,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    ffmpeg_processes: list[asyncio.subprocess.Process],
    ffmpeg_argv: list[list[str]],
) -> None:
    """A 44.1 kHz stereo WAV reaches the camera as 8 kHz ADPCM, clean and paced at real time."""
    tone = write_tone(audio_dir / "tone.wav", 440.0, 1.0)
    engine = engine_of(loaded_entry)
    monitor = PacingMonitor(simulator)
    monitor_task = asyncio.create_task(monitor.run())
    loop = asyncio.get_running_loop()
    start = loop.time()
    await engine.async_talk(str(tone))
    elapsed = loop.time() - start
    monitor_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await monitor_task

    samples = simulator.talk_samples
    # 8000 samples, padded with silence to whole 320-sample packets.
    assert OUT_RATE - 320 <= len(samples) <= OUT_RATE + 320
    assert len(simulator.commands(TalkData)) == len(samples) // 320
    # Leave out the first and last 40 ms: the encoder starts from (0, 0), the end is padded.
    fit = fit_tone(samples[320:7680], 440.0)
    assert fit.snr_db >= MIN_SNR_DB, fit
    assert fit.amplitude == pytest.approx(0.5, rel=0.03), fit
    # Paced at real time: the call lasts as long as the audio, the camera never gets far ahead.
    assert elapsed >= 1.0 - 0.3
    assert monitor.max_ahead <= 0.4  # the 0.2 s lead of the protocol, not the whole second
    assert monitor.start is not None
    assert monitor.end is not None
    assert monitor.end - monitor.start >= 1.0 - 0.3 - 0.2
    assert len(simulator.commands(TalkStartReq)) == len(simulator.commands(TalkEnd)) == 1
    assert not engine.talking
    assert [p.returncode for p in ffmpeg_processes] == [0]
    argv = ffmpeg_argv[0]
    assert argv[argv.index("-i") + 1] == f"file:{tone}"
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"
    assert argv[-7:] == ["-f", "s16le", "-ac", "1", "-ar", "8000", "-"]


async def test_talk_media_source_over_http(
    hass: HomeAssistant,
    *,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    hass_client: Callable[[], Any],
    ffmpeg_processes: list[asyncio.subprocess.Process],
    ffmpeg_argv: list[list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A media-source id resolves to a signed URL on HA's own HTTP server, which ffmpeg reads."""
    write_tone(audio_dir / "tone.wav", 880.0, 0.5, rate=22050, channels=1)
    client = await hass_client()
    base = str(client.make_url("")).rstrip("/")
    hass.config.internal_url = base
    engine = engine_of(loaded_entry)

    await engine.async_talk("media-source://media_source/local/tone.wav")
    fit = fit_tone(simulator.talk_samples[320:3680], 880.0)
    assert fit.snr_db >= HIGH_TONE_MIN_SNR_DB, fit
    assert fit.amplitude == pytest.approx(0.5, rel=0.03), fit
    assert [p.returncode for p in ffmpeg_processes] == [0]
    source = ffmpeg_argv[0][ffmpeg_argv[0].index("-i") + 1]
    assert source.startswith(f"{base}/media/local/tone.wav?authSig=")

    # A file missing on the server: the error names the URL without its authSig token.
    caplog.set_level("DEBUG", "custom_components.bseries_ipcam")
    with pytest.raises(HomeAssistantError) as caught:
        await engine.async_talk(f"{base}/media/local/missing.wav")
    assert caught.value.translation_key == "talk_media_failed"
    message = str(caught.value)
    assert message.startswith(f"Could not read the audio {base}/media/local/missing.wav: ")
    assert "404" in message
    assert "authSig" not in message
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    assert not [line for line in ours if "authSig" in line]


async def test_talks_wait_in_turn(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """A second talk waits for the first: both are heard, one after the other, never mixed."""
    low = write_tone(audio_dir / "low.wav", 440.0, 0.6)
    high = write_tone(audio_dir / "high.wav", 1000.0, 0.6)
    engine = engine_of(loaded_entry)
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = asyncio.create_task(engine.async_talk(str(low)))
    await wait_until(lambda: engine.talking)
    second = asyncio.create_task(engine.async_talk(str(high)))
    await asyncio.gather(first, second)
    assert loop.time() - start >= 1.2 - 0.3

    control = [
        type(c).__name__
        for c in simulator.commands()
        if isinstance(c, (TalkStartReq, TalkEnd, TalkData))
    ]
    packets = len(simulator.commands(TalkData)) // 2
    assert control == [
        "TalkStartReq",
        *["TalkData"] * packets,
        "TalkEnd",
        "TalkStartReq",
        *["TalkData"] * packets,
        "TalkEnd",
    ]
    samples = simulator.talk_samples
    half = len(samples) // 2
    assert fit_tone(samples[320 : half - 320], 440.0).snr_db >= MIN_SNR_DB
    assert fit_tone(samples[half + 320 : -320], 1000.0).snr_db >= HIGH_TONE_MIN_SNR_DB
    assert not engine.talking


async def test_busy(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """Another client holds the camera's speaker: a translated "busy" error."""
    tone = write_tone(audio_dir / "tone.wav", seconds=0.2)
    other = CameraClient(HOST, simulator.port, "admin", "secret")
    await other.connect()
    try:
        await other.control.start_talk(1)
        with pytest.raises(HomeAssistantError, match="is already talking") as caught:
            await engine_of(loaded_entry).async_talk(str(tone))
        assert caught.value.translation_key == "talk_busy"
    finally:
        await other.close()
    assert not engine_of(loaded_entry).talking


async def test_not_supported(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """A camera without a speaker answers talk with "not supported"."""
    tone = write_tone(audio_dir / "tone.wav", seconds=0.2)
    camera = coordinator_of(loaded_entry).camera
    assert camera is not None
    with (
        patch.object(camera, "talk", side_effect=NotSupportedError(7)),
        pytest.raises(HomeAssistantError, match="has no speaker") as caught,
    ):
        await engine_of(loaded_entry).async_talk(str(tone))
    assert caught.value.translation_key == "talk_not_supported"


async def test_connection_lost_while_talking(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    ffmpeg_processes: list[asyncio.subprocess.Process],
) -> None:
    """The camera drops off mid-talk: a translated error, and ffmpeg is ended."""
    tone = write_tone(audio_dir / "tone.wav", seconds=3.0)
    engine = engine_of(loaded_entry)
    simulator.force_login_result(2)  # stay offline
    talk = asyncio.create_task(engine.async_talk(str(tone)))
    await simulator.wait_for(lambda: len(simulator.talk_samples) >= 1600)
    simulator.drop_all()
    with pytest.raises(HomeAssistantError, match="Could not play the audio through") as caught:
        await talk
    assert caught.value.translation_key == "talk_failed"
    assert ffmpeg_processes[0].returncode is not None
    assert not engine.talking

    # Offline: a talk fails at once, before ffmpeg runs.
    await wait_until(lambda: not coordinator_of(loaded_entry).connected)
    with pytest.raises(HomeAssistantError, match="is not connected"):
        await engine.async_talk(str(tone))
    assert len(ffmpeg_processes) == 1


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEthis is not audio at all", "Invalid data"),
        (None, "No such file"),
    ],
)
async def test_unreadable_file(
    hass: HomeAssistant,
    *,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    content: bytes | None,
    error: str,
) -> None:
    """A broken or missing file: a translated error naming it; the camera is not disturbed."""
    path = audio_dir / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(HomeAssistantError) as caught:
        await engine_of(loaded_entry).async_talk(str(path))
    assert caught.value.translation_key == "talk_media_failed"
    assert str(caught.value).startswith(f"Could not read the audio {path}: ")
    assert error in str(caught.value)
    assert not simulator.commands(TalkStartReq)


async def test_file_without_audio(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """A valid file with nothing in it."""
    path = write_tone(audio_dir / "empty.wav", seconds=0)
    with pytest.raises(HomeAssistantError, match="holds no audio"):
        await engine_of(loaded_entry).async_talk(str(path))
    assert not simulator.commands(TalkStartReq)


async def test_not_allowed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, tmp_path: Path
) -> None:
    """Paths outside the allowed folders and sources ffmpeg must not open are refused."""
    elsewhere = write_tone(tmp_path / "elsewhere.wav", seconds=0.1)
    engine = engine_of(loaded_entry)
    with pytest.raises(ServiceValidationError, match="is not in a folder") as caught:
        await engine.async_talk(str(elsewhere))
    assert caught.value.translation_key == "talk_path_not_allowed"
    for media in ("tone.wav", "ftp://192.0.2.1/tone.wav", "file:///etc/passwd"):
        with pytest.raises(ServiceValidationError, match="Cannot play") as caught:
            await engine.async_talk(media)
        assert caught.value.translation_key == "talk_media_unsupported"


async def test_stop(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    ffmpeg_processes: list[asyncio.subprocess.Process],
) -> None:
    """Stop ends the talk that plays (the caller returns quietly); the next one then plays."""
    long = write_tone(audio_dir / "long.wav", seconds=5.0)
    short = write_tone(audio_dir / "short.wav", seconds=0.2)
    engine = engine_of(loaded_entry)
    await engine.async_stop()  # nothing to stop
    changes: list[bool] = []
    remove = engine.async_add_listener(lambda: changes.append(engine.talking))
    first = asyncio.create_task(engine.async_talk(str(long)))
    await simulator.wait_for(lambda: len(simulator.talk_samples) >= 1600)
    second = asyncio.create_task(engine.async_talk(str(short)))
    await asyncio.sleep(0.05)
    await engine.async_stop()
    await first  # no error
    assert ffmpeg_processes[0].returncode is not None
    await second
    remove()
    assert changes == [True, False, True, False]
    assert len(simulator.talk_samples) < 5 * OUT_RATE // 2
    assert len(simulator.commands(TalkEnd)) == 2


async def test_caller_cancelled(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    ffmpeg_processes: list[asyncio.subprocess.Process],
) -> None:
    """A caller that gives up ends its talk: ffmpeg killed and reaped, Talk_End sent."""
    tone = write_tone(audio_dir / "tone.wav", seconds=5.0)
    engine = engine_of(loaded_entry)
    talk = asyncio.create_task(engine.async_talk(str(tone)))
    await simulator.wait_for(lambda: len(simulator.talk_samples) >= 1600)
    talk.cancel()
    with pytest.raises(asyncio.CancelledError):
        await talk
    assert not engine.talking
    assert ffmpeg_processes[0].returncode is not None
    await simulator.wait_for(lambda: len(simulator.commands(TalkEnd)) == 1)


async def test_unload_ends_talks(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """Unloading ends the talk that plays and turns the waiting ones away."""
    tone = write_tone(audio_dir / "tone.wav", seconds=5.0)
    engine = engine_of(loaded_entry)
    first = asyncio.create_task(engine.async_talk(str(tone)))
    await simulator.wait_for(lambda: len(simulator.talk_samples) >= 800)
    second = asyncio.create_task(engine.async_talk(str(tone)))
    await asyncio.sleep(0.05)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    await first
    with pytest.raises(HomeAssistantError, match="is not connected"):
        await second
    assert not engine.talking


async def test_ffmpeg_failures(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    tmp_path: Path,
) -> None:
    """ffmpeg missing, failing half-way or silently; its messages never leak URL tokens."""
    tone = str(write_tone(audio_dir / "tone.wav", seconds=0.1))
    engine = engine_of(loaded_entry)
    with (
        patch(
            "custom_components.bseries_ipcam.talk.get_ffmpeg_manager",
            return_value=type("Manager", (), {"binary": str(tmp_path / "missing")})(),
        ),
        pytest.raises(HomeAssistantError, match="cannot run ffmpeg"),
    ):
        await engine.async_talk(tone)

    # Half a second of audio, then an error: the audio played, then the error.
    script = (
        "head -c 6400 /dev/zero; "
        "echo 'https://example.com/a.mp3?authSig=SECRET: Connection reset by peer' >&2; exit 1"
    )
    with (
        fake_ffmpeg(tmp_path, script),
        pytest.raises(HomeAssistantError, match="Connection reset by peer") as caught,
    ):
        await engine.async_talk(tone)
    assert "SECRET" not in str(caught.value)
    assert "https://example.com/a.mp3: Connection" in str(caught.value)
    assert len(simulator.talk_samples) == 3200

    with fake_ffmpeg(tmp_path, "exit 3"), pytest.raises(HomeAssistantError, match="code 3"):
        await engine.async_talk(tone)
    with (
        fake_ffmpeg(tmp_path, "head -c 640 /dev/zero; exit 4"),
        pytest.raises(HomeAssistantError, match="code 4"),
    ):
        await engine.async_talk(tone)
    assert not engine.talking


def test_safe_media_name() -> None:
    """Names shown for media keep no query, fragment or credentials."""
    assert (
        safe_media_name("http://user:pw@example.com:8123/api/x.mp3?authSig=abc#t=1")
        == "http://example.com:8123/api/x.mp3"
    )
    assert safe_media_name("https://example.com/x.mp3") == "https://example.com/x.mp3"
    assert safe_media_name("/media/x.mp3") == "/media/x.mp3"
    assert safe_media_name("http://[::1/x?authSig=abc") == "http://[::1/x"


async def test_plain_url_from_elsewhere(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    socket_enabled: None,
) -> None:
    """An http URL not of HA is read as it is (served here by a small server of the test)."""
    from aiohttp import web

    tone = write_tone(audio_dir / "tone.wav", 440.0, 0.5)
    app = web.Application()

    async def serve(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(tone)

    app.router.add_get("/tone.wav", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await engine_of(loaded_entry).async_talk(f"http://{HOST}:{port}/tone.wav?x=1")
    finally:
        await runner.cleanup()
    assert fit_tone(simulator.talk_samples[320:3680], 440.0).snr_db >= MIN_SNR_DB


async def test_unknown_media_source(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """An unknown media source gives the media source's own (translated) error."""
    with pytest.raises(HomeAssistantError) as caught:
        await engine_of(loaded_entry).async_talk("media-source://nothing/here.wav")
    assert caught.value.translation_domain == "media_source"
    assert not engine_of(loaded_entry).talking


async def test_talk_action_on_the_camera_entity(
    hass: HomeAssistant,
    *,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
) -> None:
    """`bseries_ipcam.talk` on the camera entity plays a media item through the speaker."""
    tone = write_tone(audio_dir / "action.wav", 440.0, 0.5)
    await hass.services.async_call(
        "bseries_ipcam",
        "talk",
        {"media": {"media_content_id": str(tone), "media_content_type": "audio/wav"}},
        target={"entity_id": "camera.b_series_camera_00626e4e72bf"},
        blocking=True,
    )
    samples = simulator.talk_samples
    assert OUT_RATE // 2 - 320 <= len(samples) <= OUT_RATE // 2 + 320
    fit = fit_tone(samples[320:3680], 440.0)
    assert fit.snr_db >= MIN_SNR_DB, fit
    assert len(simulator.commands(TalkStartReq)) == len(simulator.commands(TalkEnd)) == 1
