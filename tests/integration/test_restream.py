"""Restream for NVRs: MJPEG and Matroska from the one camera connection, behind a secret."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import encode_basic_auth
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
import yarl

from custom_components.bseries_ipcam.config_flow import CONF_REGENERATE_SECRET as REGENERATE
from custom_components.bseries_ipcam.const import (
    CONF_H264_STREAM,
    CONF_KEEP_CLOCK,
    CONF_PAN_TILT,
    CONF_PREROLL_SECONDS,
    CONF_RESTREAM,
    CONF_RESTREAM_SECRET,
    DOMAIN,
)
from custom_components.bseries_ipcam.media import feed as feed_module
from custom_components.bseries_ipcam.media.restream import restream_paths, restream_secret
from custom_components.bseries_ipcam.protocol import ResultCode
from custom_components.bseries_ipcam.protocol.messages import VideoStartReq

from .helpers import (
    CAMERA_ID,
    MockConfigEntry,
    get_diagnostics_for_config_entry,
    set_up_with_options,
)
from .media_helpers import FFMPEG, decode_audio, needs_ffmpeg, probe, stream_of, video_and_audio
from .talk_helpers import MIN_SNR_DB, fit_tone

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

pytestmark = needs_ffmpeg

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"


@pytest.fixture
async def restream_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The camera with restream on."""
    # As the options flow saves them: saving them again changes nothing (no reload).
    options = {
        CONF_PAN_TILT: True,
        CONF_PREROLL_SECONDS: 0,
        CONF_RESTREAM: True,
        CONF_KEEP_CLOCK: True,
        CONF_H264_STREAM: False,
    }
    entry = await set_up_with_options(hass, config_entry, options)
    yield entry
    assert await hass.config_entries.async_unload(entry.entry_id)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": encode_basic_auth(user, password)}


def _auth(entry: MockConfigEntry) -> dict[str, str]:
    secret = restream_secret(entry)
    assert secret is not None
    return _basic("nvr", secret)


def _nvr_url(client: Any, entry: MockConfigEntry, kind: str) -> str:
    """The URL an NVR is given: the secret as the password."""
    secret = restream_secret(entry)
    assert secret is not None
    url = yarl.URL(str(client.make_url(restream_paths(entry)[kind])))
    return str(url.with_user("nvr").with_password(secret))


async def _ffmpeg_copy(url: str, out: Path, seconds: float) -> None:
    assert FFMPEG is not None
    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        *("-hide_banner", "-loglevel", "error", "-y", "-i", url),
        *("-t", str(seconds), "-map", "0", "-c", "copy", str(out)),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()


async def test_matroska_read_by_ffmpeg_beside_a_viewer(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    restream_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """ffmpeg (as an NVR) reads video and sound while HA shows the camera: one AV connection."""
    client = await hass_client()
    viewer = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert viewer.status == HTTPStatus.OK
    await viewer.content.read(1000)
    out = tmp_path / "nvr.mkv"
    await _ffmpeg_copy(_nvr_url(client, restream_entry, "mkv"), out, 3)
    info = await probe(out)
    video, audio = video_and_audio(info)
    assert video["codec_name"] == "mjpeg"
    assert (video["width"], video["height"]) == (640, 480)
    assert int(video["nb_read_frames"]) == pytest.approx(45, abs=5)
    assert audio["codec_name"] == "pcm_s16le"
    fit = fit_tone((await decode_audio(out, start=0.5))[:8000], 440.0)
    assert fit.snr_db >= MIN_SNR_DB, fit
    assert simulator.stats.av_connections_accepted == 1
    assert len(simulator.commands(VideoStartReq)) == 1
    viewer.close()


async def test_mjpeg_as_videostream_cgi(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    restream_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    client = await hass_client_no_auth()
    path = restream_paths(restream_entry)["mjpeg"]
    response = await client.get(path, headers=_auth(restream_entry))
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"] == "multipart/x-mixed-replace;boundary=ipcamera"
    head = await response.content.readexactly(60)
    assert head.startswith(b"--ipcamera\r\nContent-Type: image/jpeg\r\nContent-Length: ")
    response.close()
    # ffmpeg reads it as an MJPEG source, as go2rtc and Frigate do.
    out = tmp_path / "nvr.mkv"
    await _ffmpeg_copy(_nvr_url(client, restream_entry, "mjpeg"), out, 1)
    video = stream_of(await probe(out), "video")
    assert video is not None
    assert video["codec_name"] == "mjpeg"
    assert simulator.stats.av_connections_accepted == 1


async def test_wrong_or_missing_secret(
    hass: HomeAssistant,
    *,
    hass_client: Any,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    restream_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """401 and nothing else: no body, no video started, the secret in no log."""
    caplog.set_level("DEBUG")
    secret = restream_entry.data[CONF_RESTREAM_SECRET]
    # Diagnostics first: its HTTP view must be registered before the test server starts.
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, restream_entry)
    assert secret not in json.dumps(diagnostics)
    client = await hass_client_no_auth()
    base = f"/api/{DOMAIN}/restream/{restream_entry.entry_id}"
    for url, headers in (
        (f"{base}/mjpeg", {}),
        (f"{base}/mkv", {"Authorization": "Basic !!!"}),
        (f"{base}/mkv", _basic("nvr", "")),
        (f"{base}/mkv", _basic("nvr", "wrong")),
        (f"{base}/mjpeg", _basic("nvr", secret[:-1])),
        (f"{base}/mjpeg?secret={secret}", {}),
        (
            f"/api/{DOMAIN}/restream/nope/mjpeg",
            _basic("nvr", secret),
        ),
    ):
        response = await client.get(url, headers=headers)
        assert response.status == HTTPStatus.UNAUTHORIZED, url
        assert response.headers["WWW-Authenticate"] == 'Basic realm="bseries_ipcam"'
        assert await response.read() == b""
    other = await client.get(f"{base}/other", headers=_auth(restream_entry))
    assert other.status == HTTPStatus.NOT_FOUND
    assert not simulator.commands(VideoStartReq)
    assert secret not in caplog.text.replace(f"secret={secret}", "")  # our own test's query


async def test_off_by_default(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    assert CONF_RESTREAM_SECRET not in loaded_entry.data
    client = await hass_client_no_auth()
    response = await client.get(
        f"/api/{DOMAIN}/restream/{loaded_entry.entry_id}/mjpeg", headers=_basic("nvr", "")
    )
    assert response.status == HTTPStatus.UNAUTHORIZED
    button = er.async_get(hass).async_get_entity_id(
        "button", DOMAIN, f"{CAMERA_ID}_regenerate_restream_secret"
    )
    assert button is None


async def test_options_regenerate_the_secret_after_a_confirmation(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    restream_entry: MockConfigEntry,
) -> None:
    """A new secret, confirmed: the old one is refused and the stream opened with it ends."""
    client = await hass_client_no_auth()
    paths = restream_paths(restream_entry)
    old = _auth(restream_entry)
    stream = await client.get(paths["mjpeg"], headers=old)
    assert stream.status == HTTPStatus.OK
    await stream.content.read(1000)
    options = hass.config_entries.options
    result = await options.async_init(restream_entry.entry_id)
    result = await options.async_configure(
        result["flow_id"], {CONF_RESTREAM: True, REGENERATE: True}
    )
    assert result["step_id"] == "regenerate_secret"
    assert _auth(restream_entry) == old  # nothing changes before the confirmation
    result = await options.async_configure(result["flow_id"], {})
    assert result["step_id"] == "restream_endpoints"
    new = _auth(restream_entry)
    assert new != old
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["password"] == restream_secret(restream_entry)
    result = await options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The open stream ends at its next frame.
    while await stream.content.read(65536):
        pass
    assert (await client.get(paths["mkv"], headers=old)).status == HTTPStatus.UNAUTHORIZED
    response = await client.get(paths["mkv"], headers=new)
    assert response.status == HTTPStatus.OK
    assert (await response.content.readexactly(4)) == b"\x1a\x45\xdf\xa3"  # EBML
    response.close()


async def test_switching_restream_on_shows_full_urls_and_the_password(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Right after switching it on: HA's internal URL with the paths, the user, the password."""
    await async_process_ha_core_config(hass, {"internal_url": "http://homeassistant.local:8123"})
    options = hass.config_entries.options
    result = await options.async_init(loaded_entry.entry_id)
    assert result["data_schema"] is not None
    assert REGENERATE not in str(result["data_schema"].schema)  # no secret yet to replace
    result = await options.async_configure(result["flow_id"], {CONF_RESTREAM: True})
    assert result["step_id"] == "restream_endpoints"
    paths = restream_paths(loaded_entry)
    secret = restream_secret(loaded_entry)
    assert secret
    assert result["description_placeholders"] == {
        "mjpeg_url": f"http://homeassistant.local:8123{paths['mjpeg']}",
        "mkv_url": f"http://homeassistant.local:8123{paths['mkv']}",
        "ts_endpoint": "",
        "user": "nvr",
        "password": secret,
    }
    result = await options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The secret shown is the one the endpoints take.
    assert restream_secret(loaded_entry) == secret


async def test_without_a_known_url_the_paths_stay_relative(
    hass: HomeAssistant, simulator: CameraSimulator, restream_entry: MockConfigEntry
) -> None:
    hass.config.api = None  # no URL at all: neither configured nor served
    options = hass.config_entries.options
    result = await options.async_init(restream_entry.entry_id)
    assert result["data_schema"] is not None
    assert REGENERATE in str(result["data_schema"].schema)
    result = await options.async_configure(result["flow_id"], {CONF_RESTREAM: True})
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["mkv_url"] == restream_paths(restream_entry)["mkv"]
    result = await options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_the_old_secret_button_is_removed(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The one-tap button of earlier versions leaves no orphan behind."""
    config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "button",
        DOMAIN,
        f"{CAMERA_ID}_regenerate_restream_secret",
        config_entry=config_entry,
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    removed = entity_registry.async_get_entity_id(
        "button", DOMAIN, f"{CAMERA_ID}_regenerate_restream_secret"
    )
    assert removed is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.fixture
def quick_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The feed tries video again within a tenth of a second."""
    monkeypatch.setattr(feed_module, "RESTART_MIN_DELAY", 0.05)
    monkeypatch.setattr(feed_module, "RESTART_MAX_DELAY", 0.1)


@pytest.mark.usefixtures("quick_restarts")
async def test_a_refusal_is_a_503_with_the_reason(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    restream_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Too many connections: Matroska says so (503), MJPEG shows it; one warning in all."""
    simulator.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)
    client = await hass_client_no_auth()
    paths = restream_paths(restream_entry)
    for _ in range(2):
        response = await client.get(paths["mkv"], headers=_auth(restream_entry))
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        text = await response.text()
        assert "no free connection slot" in text, text
    # The MJPEG endpoint is a live view: the reason as a picture (test_live_view).
    response = await client.get(paths["mjpeg"], headers=_auth(restream_entry))
    assert response.status == HTTPStatus.OK
    response.close()
    assert "Error handling request" not in caplog.text
    assert "Traceback" not in caplog.text
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "refuses video" in warnings[0].getMessage()

    # Video back: the endpoints stream again.
    simulator.force_video_result(None)
    response = await client.get(paths["mkv"], headers=_auth(restream_entry))
    assert response.status == HTTPStatus.OK
    response.close()


async def test_h264_as_mpegts_beside_a_stalled_reader(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """With h264_stream, /ts gives H.264 + AAC from the one encoder; a reader that never reads
    holds nobody back; the options show the URL.
    """
    entry = await set_up_with_options(
        hass, config_entry, {CONF_RESTREAM: True, CONF_H264_STREAM: True}
    )
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    result = await options.async_configure(
        result["flow_id"], {CONF_RESTREAM: True, CONF_H264_STREAM: True}
    )
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert restream_paths(entry)["ts"] in placeholders["ts_endpoint"]
    result = await options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    # A stalled reader: opens the stream and never reads from it.
    stalled = await client.get(restream_paths(entry)["ts"], headers=_auth(entry))
    assert stalled.status == HTTPStatus.OK
    assert stalled.headers["Content-Type"] == "video/mp2t"
    out = tmp_path / "nvr.ts"
    await _ffmpeg_copy(_nvr_url(client, entry, "ts"), out, 3)
    info = await probe(out)
    video, audio = video_and_audio(info)
    assert video["codec_name"] == "h264"
    assert audio["codec_name"] == "aac"
    assert int(video["nb_read_frames"]) >= 20
    encoder = entry.runtime_data.encoder
    assert encoder is not None
    assert encoder.starts == 1
    assert simulator.stats.av_connections_accepted == 1
    stalled.close()
    assert await hass.config_entries.async_unload(entry.entry_id)
