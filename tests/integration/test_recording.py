"""The record action: MP4 clips (H.264 + AAC) from the shared feed, probed with real ffprobe."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from PIL import Image
import pytest

from custom_components.bseries_ipcam.const import CONF_PREROLL_SECONDS, DOMAIN
from custom_components.bseries_ipcam.media import feed as feed_module
from custom_components.bseries_ipcam.media.recording import EVENT_CLIP_RECORDED
from custom_components.bseries_ipcam.protocol.messages import VideoStartReq

from .helpers import (
    CAMERA_ID,
    MockConfigEntry,
    get_diagnostics_for_config_entry,
    set_up_with_options,
    wait_until,
)
from .media_helpers import FFMPEG, decode_audio, needs_ffmpeg, probe, stream_of, video_and_audio
from .talk_helpers import fit_tone

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from homeassistant.core import Event, HomeAssistant

    from bseries_sim import CameraSimulator

pytestmark = needs_ffmpeg

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"
FPS = 15
# AAC of the camera's ADPCM tone comes out at least this clean (measured ~30 dB).
CLIP_TONE_MIN_SNR_DB = 20.0


@pytest.fixture
def clip_events(hass: HomeAssistant) -> list[Event]:
    """Every bseries_ipcam_clip_recorded event."""
    events: list[Event] = []
    hass.bus.async_listen(EVENT_CLIP_RECORDED, events.append)
    return events


async def _record(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "record",
        {ATTR_ENTITY_ID: CAMERA, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    result: dict[str, Any] = response[CAMERA]  # type: ignore[assignment]
    return result


def _state(hass: HomeAssistant) -> str:
    state = hass.states.get(CAMERA)
    assert state is not None
    return state.state


async def test_record_clip(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    clip_events: list[Event],
) -> None:
    """3 s of the simulator: H.264 at its frame rate, AAC with its tone, in sync."""
    path = media_dir / "clip.mp4"
    called_at = time.monotonic()
    task = asyncio.create_task(_record(hass, filename=str(path), duration=3))
    await wait_until(lambda: _state(hass) == "recording")
    result = await task
    assert result["path"] == str(path)
    assert result["duration"] == 3.0
    info = await probe(path)
    video, audio = video_and_audio(info)
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 480)
    assert audio["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.5)
    frames = int(video["nb_read_frames"])
    assert frames == result["frames"]
    # Every frame the camera sent in the clip's 3 s: at its frame rate while the test's event
    # loop (which the in-process simulator shares) keeps up, fewer when load makes it skip
    # frames as a real camera does; either way none lost and none repeated.
    sent = [
        e.sent_at for e in simulator.frame_events if e.transport == "av" and e.sent_at >= called_at
    ]
    in_clip = sum(1 for at in sent if at < sent[0] + 3.0)
    assert frames == pytest.approx(in_clip, abs=2)
    assert in_clip > 3 * FPS // 2
    # Picture and sound start together and last as long (AAC's 21 ms encoder delay aside).
    assert float(video["start_time"]) == pytest.approx(float(audio["start_time"]), abs=0.1)
    assert float(audio["duration"]) == pytest.approx(3.0, abs=0.1)
    samples = await decode_audio(path, start=0.5)
    fit = fit_tone(samples[:16000], 440.0)
    assert fit.snr_db >= CLIP_TONE_MIN_SNR_DB, fit
    assert _state(hass) != "recording"
    await hass.async_block_till_done()
    assert [e.data for e in clip_events] == [
        {
            "entity_id": CAMERA,
            "path": str(path),
            "duration": 3.0,
            "frames": frames,
            "copied": False,
            "error": None,
        }
    ]


@pytest.mark.parametrize("clock", ["frozen", "jumping"])
async def test_record_whatever_the_camera_clock_says(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    clock: str,
) -> None:
    """A clock that stands still or leaps 20 s each second: the clip still lasts its duration."""
    simulator.set_clock(clock)
    path = media_dir / f"{clock}.mp4"
    # Trusting the camera's clock, a frozen one never ended the clip (and a jumping one at random).
    async with asyncio.timeout(60):
        result = await _record(hass, filename=str(path), duration=3)
    assert 2.5 <= result["duration"] <= 3.0
    info = await probe(path)
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.5)
    video = stream_of(info, "video")
    assert video is not None
    assert int(video["nb_read_frames"]) == pytest.approx(3 * FPS, abs=6)


async def test_two_recordings_share_one_feed(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
) -> None:
    first, second = await asyncio.gather(
        _record(hass, filename=str(media_dir / "a.mp4"), duration=2),
        _record(hass, filename=str(media_dir / "{{ entity_id.entity_id }}.mp4"), duration=1),
    )
    assert first["path"] == str(media_dir / "a.mp4")
    assert second["path"] == str(media_dir / f"{CAMERA}.mp4")
    for result in (first, second):
        info = await probe(Path(result["path"]))
        assert float(info["format"]["duration"]) == pytest.approx(result["duration"], abs=0.5)
    assert simulator.stats.av_connections_accepted == 1
    assert len(simulator.commands(VideoStartReq)) == 1


async def test_default_path(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, media_dir: Path
) -> None:
    result = await _record(hass, duration=1)
    path = Path(result["path"])
    assert path.parent == media_dir / DOMAIN / CAMERA_ID
    assert path.suffix == ".mp4"
    assert await hass.async_add_executor_job(path.is_file)


async def test_refusals(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    outside = tmp_path / "elsewhere" / "clip.mp4"
    with pytest.raises(ServiceValidationError) as caught:
        await _record(hass, filename=str(outside), duration=1)
    assert caught.value.translation_key == "record_path_not_allowed"
    assert not outside.parent.exists()
    with pytest.raises(ServiceValidationError) as caught:
        await _record(hass, filename="relative.mp4", duration=1)
    assert caught.value.translation_key == "record_path_not_allowed"
    with pytest.raises(ServiceValidationError) as caught:
        await _record(hass, filename=str(media_dir / "x.mp4"), duration=1, lookback=5)
    assert caught.value.translation_key == "record_lookback_unavailable"
    assert "0 s of pre-roll" in str(caught.value)
    assert not simulator.commands(VideoStartReq)


async def test_camera_lost_mid_recording(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    clip_events: list[Event],
) -> None:
    """The camera drops: a translated error, and the partial file plays."""
    path = media_dir / "cut.mp4"
    task = asyncio.create_task(_record(hass, filename=str(path), duration=20))
    sent = simulator.stats.video_frames_sent
    await simulator.wait_for(lambda: simulator.stats.video_frames_sent > sent + 2 * FPS, timeout=20)
    simulator.drop_all()
    with pytest.raises(HomeAssistantError) as caught:
        await task
    assert caught.value.translation_key == "record_camera_lost"
    assert str(path) in str(caught.value)
    info = await probe(path)
    video = stream_of(info, "video")
    assert video is not None
    assert video["codec_name"] == "h264"
    assert int(video["nb_read_frames"]) >= FPS
    assert 1.0 <= float(info["format"]["duration"]) < 20
    await hass.async_block_till_done()
    assert clip_events[-1].data["error"]
    assert clip_events[-1].data["path"] == str(path)
    assert _state(hass) != "recording"


async def test_ffmpeg_missing(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
) -> None:
    manager = type("Manager", (), {"binary": "/nonexistent/ffmpeg"})()
    with (
        patch(
            "custom_components.bseries_ipcam.media.recording.get_ffmpeg_manager",
            return_value=manager,
        ),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await _record(hass, filename=str(media_dir / "x.mp4"), duration=1)
    assert caught.value.translation_key == "record_ffmpeg_missing"
    assert "ffmpeg does not run" in str(caught.value)
    assert _state(hass) != "recording"
    # Nothing else broke.
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert (await response.read()).startswith(b"\xff\xd8")


async def test_disk_full(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    clip_events: list[Event],
) -> None:
    """ffmpeg cannot write (/dev/full): a translated error with ffmpeg's reason."""
    hass.config.allowlist_external_dirs = {"/dev"}
    with pytest.raises(HomeAssistantError) as caught:
        await _record(hass, filename="/dev/full", duration=5)
    assert caught.value.translation_key == "record_failed"
    assert "No space left on device" in str(caught.value)
    await hass.async_block_till_done()
    assert clip_events[-1].data["error"]


@pytest.mark.parametrize("sim_overrides", [{"microphone": False}])
class TestNoMicrophone:
    """A camera without a microphone records video-only clips."""

    async def test_video_only_clip(
        self,
        hass: HomeAssistant,
        simulator: CameraSimulator,
        loaded_entry: MockConfigEntry,
        media_dir: Path,
    ) -> None:
        path = media_dir / "silent.mp4"
        await _record(hass, filename=str(path), duration=2)
        info = await probe(path)
        assert stream_of(info, "audio") is None
        video = stream_of(info, "video")
        assert video is not None
        assert video["codec_name"] == "h264"
        assert int(video["nb_read_frames"]) == pytest.approx(2 * FPS, abs=3)


def _gray_frames(count: int) -> list[bytes]:
    """Frames of distinct grey levels (8 apart), to tell from a decoded clip which one it is."""
    frames = []
    for index in range(count):
        out = io.BytesIO()
        level = 4 + index * 8
        Image.new("RGB", (320, 240), (level, level, level)).save(out, "JPEG", quality=95)
        frames.append(out.getvalue())
    return frames


GRAY_FRAMES = 30


async def _first_frame_level(path: Path) -> int:
    assert FFMPEG is not None
    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        *("-hide_banner", "-loglevel", "error", "-i", str(path), "-frames:v", "1"),
        *("-vf", "scale=1:1", "-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert len(out) == 1
    return out[0]


class TestPreroll:
    """With pre-roll, lookback starts a clip with frames from before the call."""

    @pytest.fixture
    def sim_overrides(self) -> dict[str, Any]:
        return {"frames": _gray_frames(GRAY_FRAMES), "fps": FPS}

    @pytest.fixture
    async def preroll_entry(
        self, hass: HomeAssistant, config_entry: MockConfigEntry
    ) -> AsyncGenerator[MockConfigEntry]:
        entry = await set_up_with_options(hass, config_entry, {CONF_PREROLL_SECONDS: 3})
        yield entry
        assert await hass.config_entries.async_unload(entry.entry_id)

    async def test_lookback(
        self,
        hass: HomeAssistant,
        hass_client: Any,
        simulator: CameraSimulator,
        preroll_entry: MockConfigEntry,
        media_dir: Path,
    ) -> None:
        preroll = preroll_entry.runtime_data.preroll
        assert preroll is not None
        await simulator.wait_for(lambda: preroll.buffer.frames >= 2 * FPS, timeout=20)
        assert preroll.buffer.size > 0
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, preroll_entry)
        assert diagnostics["recording"]["preroll_seconds"] == 3
        assert diagnostics["recording"]["preroll_frames"] >= 2 * FPS
        called_at = time.monotonic()
        path = media_dir / "lookback.mp4"
        result = await _record(hass, filename=str(path), duration=2, lookback=1)
        assert result["duration"] == 2.0
        info = await probe(path)
        assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.5)
        # The first frame of the clip: which grey, so which frame counter, sent when?
        index = round((await _first_frame_level(path) - 4) / 8) % GRAY_FRAMES
        sent_before = [e for e in simulator.frame_events if e.sent_at < called_at]
        assert sent_before
        last = sent_before[-1].counter
        counter = next(c for c in range(last, last - GRAY_FRAMES, -1) if c % GRAY_FRAMES == index)
        event = next(e for e in simulator.frame_events if e.counter == counter)
        assert event.sent_at < called_at
        # About one second (15 frames) before the call, not just the frame before it.
        assert last - counter >= FPS // 2
        # Lookback beyond the pre-roll is refused.
        with pytest.raises(ServiceValidationError) as caught:
            await _record(hass, filename=str(path), duration=1, lookback=10)
        assert caught.value.translation_key == "record_lookback_unavailable"


@pytest.fixture
def quick_stills(monkeypatch: pytest.MonkeyPatch) -> None:
    """Video started for stills alone stops 0.05 s after them (before the entry is set up)."""
    monkeypatch.setattr(feed_module, "STILL_IDLE_TIMEOUT", 0.05)


@pytest.mark.usefixtures("quick_stills", "loaded_entry")
async def test_thumbnails_during_a_recording_share_its_av_connection(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator, media_dir: Path
) -> None:
    """A recording holds video: the stills of an open dashboard start nothing of their own."""
    client = await hass_client()
    task = asyncio.create_task(_record(hass, filename=str(media_dir / "t.mp4"), duration=2))
    await wait_until(lambda: _state(hass) == "recording")
    stills = 0
    while not task.done():
        response = await client.get(f"/api/camera_proxy/{CAMERA}")
        assert (await response.read()).startswith(b"\xff\xd8")
        stills += 1
        await asyncio.sleep(0.2)  # longer than the stills' idle period
    assert (await task)["duration"] == 2.0
    assert stills >= 3
    assert len(simulator.av_spans) == 1
    assert len(simulator.commands(VideoStartReq)) == 1
