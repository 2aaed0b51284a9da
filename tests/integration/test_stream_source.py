"""The default stream source: the shared feeds on a loopback server, read by HomeKit's ffmpeg."""

from __future__ import annotations

import ast
import asyncio
import contextlib
from http import HTTPStatus
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.components import camera
from homeassistant.components.camera.const import CameraEntityFeature
import pytest
import yarl

from custom_components.bseries_ipcam.media.stream_source import STREAM_SOURCE_SERVER
from custom_components.bseries_ipcam.protocol.messages import VideoStartReq

from .helpers import CAMERA_ID, get_diagnostics_for_config_entry
from .media_helpers import FFMPEG, needs_ffmpeg, probe, stream_of

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

    from .helpers import MockConfigEntry

pytestmark = needs_ffmpeg

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"


def _homekit_constants(module: str) -> dict[str, Any]:
    """The constants of one of HA's HomeKit modules, read from its source.

    The homekit package needs HAP-python, which the tests do not install; its ffmpeg templates
    and defaults are plain values.
    """
    spec = importlib.util.find_spec("homeassistant.components.homekit")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    folder = Path(next(iter(spec.submodule_search_locations)))
    constants: dict[str, Any] = {}
    for node in ast.parse((folder / f"{module}.py").read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Name) and value.id in constants:
                constants[node.targets[0].id] = constants[value.id]
                continue
            try:
                constants[node.targets[0].id] = ast.literal_eval(value)
            except ValueError:
                continue
    return constants


def homekit_command(source: str, out_dir: Path, *, seconds: float) -> list[str]:
    """The ffmpeg command HomeKit runs on a stream source (its defaults, the codec part of its
    output templates), writing to files instead of SRTP to an iPhone.
    """
    templates = _homekit_constants("type_cameras")
    defaults = _homekit_constants("const")
    variables: dict[str, Any] = {
        "v_map": defaults["DEFAULT_VIDEO_MAP"],
        "v_codec": defaults["DEFAULT_VIDEO_CODEC"],
        "v_profile": f"-profile:v {defaults['DEFAULT_VIDEO_PROFILE_NAMES'][0]} ",
        "fps": 15,
        "v_max_bitrate": 299,
        "v_bufsize": 299 * 4,
        "a_map": defaults["DEFAULT_AUDIO_MAP"],
        "a_encoder": defaults["DEFAULT_AUDIO_CODEC"],
        "a_application": "-application lowdelay ",
        "a_sample_rate": 16,
        "a_max_bitrate": 24,
        "a_bufsize": 24 * 4,
        "a_frame_duration": "-frame_duration 20 ",
    }
    outputs = []
    for name, target in (("VIDEO_OUTPUT", "video.mkv"), ("AUDIO_OUTPUT", "audio.mka")):
        codec_part = templates[name].split("-payload_type")[0]
        outputs.append(codec_part.format(**variables).split())
        outputs[-1] += ["-t", str(seconds), "-y", str(out_dir / target)]
    assert FFMPEG is not None
    # As type_cameras.py: "-i " + source, then HAFFmpeg's "-hide_banner -nostats".
    return [FFMPEG, "-hide_banner", "-nostats", "-i", source, *outputs[0], *outputs[1]]


async def _run(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]


async def test_homekit_encodes_h264_and_opus_from_the_default_source(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """Without the option: no STREAM feature, and HomeKit's ffmpeg gets video and sound."""
    state = hass.states.get(CAMERA)
    assert state is not None
    assert not state.attributes["supported_features"] & CameraEntityFeature.STREAM
    assert simulator.stats.av_connections_accepted == 0
    source = await camera.async_get_stream_source(hass, CAMERA)
    assert source is not None
    url = yarl.URL(source)
    assert url.host == "127.0.0.1"
    # Asking for the URL starts nothing on the camera.
    assert simulator.stats.av_connections_accepted == 0
    await _run(homekit_command(source, tmp_path, seconds=3))
    video = stream_of(await probe(tmp_path / "video.mkv"), "video")
    audio_info = await probe(tmp_path / "audio.mka")
    audio = stream_of(audio_info, "audio")
    assert video is not None
    assert audio is not None
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 480)
    assert int(video["nb_read_frames"]) == pytest.approx(45, abs=8)
    assert audio["codec_name"] == "opus"
    assert float(audio_info["format"]["duration"]) == pytest.approx(3, abs=0.5)
    assert simulator.stats.av_connections_accepted == 1


async def test_requests_without_the_token_get_404_and_start_nothing(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A wrong or missing token (or a stream that is off): 404, no video; the token is in no log
    and no diagnostics.
    """
    caplog.set_level("DEBUG")
    source = yarl.URL(await camera.async_get_stream_source(hass, CAMERA) or "")
    token = source.query["auth"]
    base = source.with_path("/").with_query(None)
    entry_id = loaded_entry.entry_id
    async with aiohttp.ClientSession() as session:
        for path in (
            f"/{entry_id}/mkv?auth={'x' * len(token)}",
            f"/{entry_id}/mkv",
            f"/{entry_id}/mkv?token={token}",
            f"/not-an-entry/mkv?auth={token}",
            f"/{entry_id}/mjpeg?auth={token}",
            f"/{entry_id}/ts?auth={token}",  # the H.264 stream is off
            f"/{token}/{entry_id}/mkv",
            "/",
        ):
            async with session.get(str(base) + path.lstrip("/")) as response:
                assert response.status == HTTPStatus.NOT_FOUND, path
                assert len(await response.read()) < 100  # a bare 404, no stream
    assert simulator.stats.av_connections_accepted == 0
    assert not simulator.commands(VideoStartReq)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert token not in json.dumps(diagnostics)
    assert token not in caplog.text


async def test_new_token_per_start_and_streams_end_at_stop(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Unloading the last camera stops the server and ends its streams; the next start has a new
    token, and the old URL is refused.
    """
    first = await camera.async_get_stream_source(hass, CAMERA)
    assert first is not None
    assert await camera.async_get_stream_source(hass, CAMERA) == first
    async with aiohttp.ClientSession() as session:
        response = await session.get(first)
        assert response.status == HTTPStatus.OK
        assert response.headers["Content-Type"] == "video/x-matroska"
        assert (await response.content.readexactly(4)) == b"\x1a\x45\xdf\xa3"
        server = hass.data[STREAM_SOURCE_SERVER]
        assert server.readers == 1
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)
        assert not server.running
        # The stream ended with the server.
        async with asyncio.timeout(10):
            while await response.content.read(65536):
                pass
        response.close()
        assert await hass.config_entries.async_setup(loaded_entry.entry_id)
        await hass.async_block_till_done()
        second = await camera.async_get_stream_source(hass, CAMERA)
        assert second is not None
        assert second != first
        assert yarl.URL(second).query["auth"] != yarl.URL(first).query["auth"]
        # The old port is closed (or, if reused, the old token is unknown there).
        with contextlib.suppress(aiohttp.ClientConnectionError):
            async with session.get(first) as old:
                assert old.status == HTTPStatus.NOT_FOUND
