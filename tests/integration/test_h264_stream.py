"""The `h264_stream` option: one encoder per camera, read by HA's own `stream` component."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import io
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.components import camera
from homeassistant.components.camera.const import (
    DATA_COMPONENT as CAMERA_COMPONENT,
    DOMAIN as CAMERA_DOMAIN,
    SERVICE_PLAY_STREAM,
    SERVICE_RECORD,
    CameraEntityFeature,
    StreamType,
)
from homeassistant.components.camera.webrtc import (
    CameraWebRTCProvider,
    async_register_webrtc_provider,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_mock_service,
)
import yarl

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from custom_components.bseries_ipcam.const import CONF_H264_STREAM, CONF_PREROLL_SECONDS, DOMAIN
from custom_components.bseries_ipcam.media.encoder import LIBX264
from custom_components.bseries_ipcam.protocol.messages import VideoStartReq

from .helpers import (
    CAMERA_ID,
    MockConfigEntry,
    get_diagnostics_for_config_entry,
    set_up_with_options,
)
from .media_helpers import FFMPEG, needs_ffmpeg, probe, stream_of, video_and_audio

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator
    from custom_components.bseries_ipcam.media.feed import FeedFrame

pytestmark = [needs_ffmpeg, pytest.mark.usefixtures("socket_enabled")]

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"


@pytest.fixture
async def h264_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, tmp_path: Path
) -> AsyncGenerator[MockConfigEntry]:
    """The camera with the H.264 stream on, and HA's stream component."""
    await async_process_ha_core_config(hass, {"internal_url": "http://127.0.0.1:8123"})
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    assert await async_setup_component(hass, "stream", {})
    entry = await set_up_with_options(hass, config_entry, {CONF_H264_STREAM: True})
    yield entry
    # HA's stream (HLS) keeps reading for its idle period: stop it as HA does at shutdown.
    entity = hass.data[CAMERA_COMPONENT].get_entity(CAMERA)
    if entity is not None and entity.stream is not None:
        for provider in list(entity.stream.outputs().values()):
            await entity.stream.remove_provider(provider)
        await entity.stream.stop()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def _wait_for_file(hass: HomeAssistant, path: Path) -> None:
    """HA's recorder writes the file when the clip is complete, and tells nobody."""
    async with asyncio.timeout(60):
        while not await hass.async_add_executor_job(path.exists):  # noqa: ASYNC110 - no event
            await asyncio.sleep(0.5)


async def test_camera_record_makes_an_h264_aac_mp4(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    h264_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """HA's camera.record on the encoder's stream: H.264 + AAC of the asked duration."""
    state = hass.states.get(CAMERA)
    assert state is not None
    assert state.attributes["supported_features"] & CameraEntityFeature.STREAM
    source = await camera.async_get_stream_source(hass, CAMERA)
    assert source is not None
    assert yarl.URL(source).path.endswith("/ts")
    clip = tmp_path / "clip.mp4"
    await hass.services.async_call(
        CAMERA_DOMAIN,
        SERVICE_RECORD,
        {"entity_id": CAMERA, "filename": str(clip), "duration": 5},
        blocking=True,
    )
    await _wait_for_file(hass, clip)
    await asyncio.sleep(1)  # the recorder writes the file in one go; let it finish
    info = await probe(clip)
    video, audio = video_and_audio(info)
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 480)
    assert audio["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(5, abs=1.5)
    encoder = h264_entry.runtime_data.encoder
    assert encoder is not None
    assert encoder.choice is not None
    assert encoder.choice.codec == LIBX264.codec
    assert simulator.stats.av_connections_accepted == 1


async def _hls_segment(client: Any, url: str, out: Path) -> None:
    """The init section and the first media segment of an HLS stream, as one MP4 file."""
    master = await client.get(url)
    assert master.status == HTTPStatus.OK
    playlist_url = yarl.URL(url).join(
        yarl.URL(next(line for line in (await master.text()).splitlines() if line[:1] != "#"))
    )
    async with asyncio.timeout(60):
        while True:
            playlist = await (await client.get(str(playlist_url))).text()
            segments = [line for line in playlist.splitlines() if line.endswith(".m4s")]
            if segments:
                break
            await asyncio.sleep(0.5)
    init = await client.get(str(playlist_url.join(yarl.URL("init.mp4"))))
    assert init.status == HTTPStatus.OK
    segment = await client.get(str(playlist_url.join(yarl.URL(segments[0]))))
    assert segment.status == HTTPStatus.OK
    data = await init.read() + await segment.read()
    await asyncio.to_thread(out.write_bytes, data)


async def test_hls_from_camera_stream_decodes(
    hass: HomeAssistant,
    *,
    hass_ws_client: Any,
    hass_client: Any,
    simulator: CameraSimulator,
    h264_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """The frontend's camera/stream gives an HLS playlist whose segments are H.264 + AAC."""
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "camera/stream", "entity_id": CAMERA})
    answer = await ws.receive_json()
    assert answer["success"], answer
    out = tmp_path / "segment.mp4"
    await _hls_segment(await hass_client(), answer["result"]["url"], out)
    info = await probe(out)
    video, audio = video_and_audio(info)
    assert video["codec_name"] == "h264"
    assert audio["codec_name"] == "aac"
    assert int(video["nb_read_frames"]) > 0
    assert simulator.stats.av_connections_accepted == 1
    assert len(simulator.commands(VideoStartReq)) == 1


async def test_play_stream_gives_a_media_player_an_hls_url_that_plays(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    h264_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """camera.play_stream hands a media player an HLS URL; the URL serves H.264."""
    calls = async_mock_service(hass, "media_player", "play_media")
    await hass.services.async_call(
        CAMERA_DOMAIN,
        SERVICE_PLAY_STREAM,
        {"entity_id": CAMERA, "media_player": "media_player.kitchen", "format": "hls"},
        blocking=True,
    )
    assert len(calls) == 1
    url = yarl.URL(calls[0].data["media_content_id"])
    assert url.path.endswith(".m3u8")
    assert calls[0].data["media_content_type"] == "application/vnd.apple.mpegurl"
    out = tmp_path / "cast.mp4"
    await _hls_segment(await hass_client(), url.path_qs, out)
    video = stream_of(await probe(out), "video")
    assert video is not None
    assert video["codec_name"] == "h264"


async def test_diagnostics_say_the_stream_and_the_encoder(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    h264_entry: MockConfigEntry,
) -> None:
    """Source kind, encoder (libx264 here: the hardware probe fails cleanly), no token."""
    source = await camera.async_get_stream_source(hass, CAMERA)
    assert source is not None
    token = yarl.URL(source).query["auth"]
    encoder = h264_entry.runtime_data.encoder
    assert encoder is not None
    assert encoder.readers == 0
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, h264_entry)
    stream = diagnostics["stream"]
    assert stream["source"] == "h264"
    assert stream["encoder"]["readers"] == 0
    assert token not in str(diagnostics)


async def test_missing_ffmpeg_raises_a_repair_and_mjpeg_keeps_working(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No ffmpeg: no stream source (the frontend shows MJPEG instead of waiting for HLS), one
    warning, a translated repair issue, stills still served; the issue is gone at unload.
    """
    entry = await set_up_with_options(hass, config_entry, {CONF_H264_STREAM: True})
    encoder = entry.runtime_data.encoder
    assert encoder is not None
    # As if HA's ffmpeg integration pointed at a binary that is not there.
    encoder.binary = "/no/ffmpeg"
    issue_id = f"h264_stream_failed_{entry.entry_id}"
    registry = ir.async_get(hass)
    # Asked again while it fails (another viewer): still none, still one warning.
    for _ in range(2):
        assert await camera.async_get_stream_source(hass, CAMERA) is None
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "h264_stream_failed"
    assert issue.translation_placeholders is not None
    assert "/no/ffmpeg" in issue.translation_placeholders["error"]
    image = await camera.async_get_image(hass, CAMERA)
    assert image.content.startswith(b"\xff\xd8")
    warnings = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and "H.264" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


class _HttpWebRTCProvider(CameraWebRTCProvider):
    """A WebRTC provider that, as go2rtc's, takes stream sources over HTTP (no offer is made)."""

    @property
    def domain(self) -> str:
        return "test"

    def async_is_supported(self, stream_source: str) -> bool:
        return yarl.URL(stream_source).scheme == "http"

    async def async_handle_async_webrtc_offer(self, *_: Any) -> None:
        raise NotImplementedError

    async def async_on_webrtc_candidate(self, *_: Any) -> None:
        raise NotImplementedError


async def test_webrtc_comes_back_once_the_encoder_works_again(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """HA looks for a WebRTC provider by asking for the stream source: none while ffmpeg fails.
    Once the encoder works again (here: a viewer asked for HLS), the camera has WebRTC again,
    without a restart."""
    entry = await set_up_with_options(hass, config_entry, {CONF_H264_STREAM: True})
    encoder = entry.runtime_data.encoder
    assert encoder is not None
    entity = hass.data[CAMERA_COMPONENT].get_entity(CAMERA)
    assert entity is not None
    working_binary = encoder.binary
    encoder.binary = "/no/ffmpeg"
    remove_provider = async_register_webrtc_provider(hass, _HttpWebRTCProvider())
    await hass.async_block_till_done()
    assert encoder.last_error is not None
    assert entity.camera_capabilities.frontend_stream_types == {StreamType.HLS}

    encoder.binary = working_binary
    assert await camera.async_get_stream_source(hass, CAMERA) is not None
    await hass.async_block_till_done()
    assert encoder.last_error is None
    assert entity.camera_capabilities.frontend_stream_types == {StreamType.HLS, StreamType.WEB_RTC}
    remove_provider()
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)


# Frames of one grey each (20, 22, ... 198), sent in turn: a clip's first picture tells which
# frame it is, so how far back it starts.
GREYS = 90


def _grey_frames() -> list[bytes]:
    frames = []
    for index in range(GREYS):
        out = io.BytesIO()
        Image.new("RGB", (640, 480), (20 + 2 * index,) * 3).save(out, "JPEG", quality=90)
        frames.append(out.getvalue())
    return frames


GREY_FRAMES = _grey_frames()


def _grey_index(level: float) -> int:
    return round((level - 20) / 2)


async def _first_picture_grey(path: Path) -> float:
    """The mean luma of a video file's first picture, decoded by ffmpeg."""
    assert FFMPEG is not None
    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        *("-hide_banner", "-loglevel", "error", "-i", str(path), "-frames:v", "1"),
        *("-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert len(out) == 640 * 480
    return sum(out) / len(out)


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The argument lists of every process started from now on (they still start for real)."""
    started: list[tuple[str, ...]] = []
    real = asyncio.create_subprocess_exec

    async def spawn(program: str, *args: str, **kwargs: Any) -> asyncio.subprocess.Process:
        started.append((program, *args))
        return await real(program, *args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spawn)
    return started


async def _drain(response: aiohttp.ClientResponse) -> None:
    while await response.content.read(65536):
        pass


@pytest.mark.parametrize(
    "simulator_config",
    [
        SimulatorConfig(
            users={DEFAULT_USER: SimUser(DEFAULT_PASSWORD)},
            camera_id=CAMERA_ID,
            alias="",
            frames=GREY_FRAMES,
        )
    ],
)
async def test_record_copies_the_running_encoder_with_its_lookback(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    tmp_path: Path,
    processes: list[tuple[str, ...]],
) -> None:
    """While something reads the encoder, bseries_ipcam.record copies it: no second encoder.

    The clip is H.264 + AAC of the asked length and starts `lookback` seconds before the call
    (at the key frame at or up to a second before); once the encoder has stopped, a clip is
    encoded from the feeds as without the option.
    """
    await async_process_ha_core_config(hass, {"internal_url": "http://127.0.0.1:8123"})
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = await set_up_with_options(
        hass, config_entry, {CONF_H264_STREAM: True, CONF_PREROLL_SECONDS: 5}
    )
    encoder = entry.runtime_data.encoder
    assert encoder is not None
    assert encoder.history_seconds == 5
    index = {jpeg: number for number, jpeg in enumerate(GREY_FRAMES)}
    encoder.idle_timeout = 1.0  # the end of the test waits for it to stop
    latest: list[FeedFrame] = []

    def seen(frame: FeedFrame | None) -> None:
        if frame is not None:
            latest.append(frame)

    remove = entry.runtime_data.feed.add_sink(seen)
    source = await camera.async_get_stream_source(hass, CAMERA)
    assert source is not None
    clip = tmp_path / "copied.mp4"
    async with aiohttp.ClientSession() as session, session.get(source) as response:
        reading = asyncio.create_task(_drain(response))
        async with asyncio.timeout(60):
            while (encoder.kept_seconds() or 0) < 3:  # noqa: ASYNC110 - the encoder has no event
                await asyncio.sleep(0.1)
        called_at = index[latest[-1].jpeg]
        try:
            answer = await hass.services.async_call(
                DOMAIN,
                "record",
                {ATTR_ENTITY_ID: CAMERA, "filename": str(clip), "duration": 3, "lookback": 2},
                blocking=True,
                return_response=True,
            )
        finally:
            reading.cancel()
    remove()
    assert answer is not None
    result: dict[str, Any] = answer[CAMERA]  # type: ignore[assignment]
    assert result["copied"] is True
    info = await probe(clip)
    video = stream_of(info, "video")
    audio = stream_of(info, "audio")
    assert video is not None
    assert audio is not None
    assert video["codec_name"] == "h264"
    assert audio["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.5)
    assert int(video["nb_read_frames"]) == result["frames"]
    # 15 fps for 3 s; the simulator shares the test's event loop, which the encoder's start and
    # the probes above keep busy in the seconds copied: it may send a few frames late.
    assert result["frames"] == pytest.approx(45, abs=6)
    # It starts 2 s (30 frames) before the call, or up to a second more (the key frame before);
    # a few frames of slack for the encoder's own delay.
    back = (called_at - _grey_index(await _first_picture_grey(clip))) % GREYS
    assert 24 <= back <= 50, back
    # One encoder (the stream's) and one copying ffmpeg: nothing encoded a second time.
    ffmpegs = [args for args in processes if "-i" in args and "pipe:0" in args]
    assert [args for args in ffmpegs if "libx264" in args] == [ffmpegs[0]]
    assert [args for args in ffmpegs if "copy" in args] == [ffmpegs[1]]
    assert len(ffmpegs) == 2
    assert encoder.starts == 1
    assert simulator.stats.av_connections_accepted == 1

    # Nobody reads the encoder any more: once it has stopped, the clip is encoded as before.
    async with asyncio.timeout(60):
        while encoder.running:  # noqa: ASYNC110 - the encoder has no event
            await asyncio.sleep(0.1)
    assert encoder.kept_seconds() is None
    encoded = tmp_path / "encoded.mp4"
    answer = await hass.services.async_call(
        DOMAIN,
        "record",
        {ATTR_ENTITY_ID: CAMERA, "filename": str(encoded), "duration": 1, "lookback": 1},
        blocking=True,
        return_response=True,
    )
    assert answer is not None
    encoded_result: dict[str, Any] = answer[CAMERA]  # type: ignore[assignment]
    assert encoded_result["copied"] is False
    assert "libx264" in processes[-1]
    assert stream_of(await probe(encoded), "video") is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
