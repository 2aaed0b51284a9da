"""The integration in a real Home Assistant, driven only through its HTTP and WebSocket APIs.

The tests share one Home Assistant and one simulator (see conftest.py) and run in this order,
first of the end-to-end modules; each also works alone (the `entities` fixture adds the camera
when it is missing).
"""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import time
from typing import TYPE_CHECKING, Any, Final

from PIL import Image
import pytest

from bseries_sim import SimulatorConfig
from devtools.hass_server import HassApiError

from .conftest import (
    CAMERA_ID,
    DOMAIN,
    FFMPEG,
    TONE_NAME,
    TONE_SECONDS,
    add_camera,
    set_h264_stream,
)

if TYPE_CHECKING:
    from pathlib import Path

    from devtools.hass_server import HassApi
    from devtools.simulator import SimulatorClient

    from .conftest import Entities, Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("module_log_mark"),
]

FFPROBE: Final = shutil.which("ffprobe") or "/usr/bin/ffprobe"
STREAM_FRAMES: Final = 30
# Integrations that would reach beyond this machine (discovery, go2rtc, cloud, onboarding's
# radio and weather): none may be loaded.
NOT_LOADED: Final = {"dhcp", "zeroconf", "ssdp", "bluetooth", "usb", "go2rtc", "cloud"}
ONBOARDING_EXTRAS: Final = {"radio_browser", "met", "google_translate", "shopping_list"}
# 40 ms of audio per talk packet.
PACKETS_PER_SECOND: Final = 25


async def test_search_at_start_lists_the_simulator(api: HassApi, stack: Stack) -> None:
    """The integration's UDP search, directed at the simulator by devtools, finds it at start.

    First in the module: once the camera is added, it is no longer offered.
    """
    deadline = time.monotonic() + 60
    while True:
        flows = await api.ws_command("config_entries/flow/progress")
        found = [flow for flow in flows if flow["handler"] == DOMAIN]
        if found or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    (flow,) = found
    assert flow["context"]["source"] == "integration_discovery"
    assert flow["context"]["unique_id"] == CAMERA_ID
    assert flow["step_id"] == "discovery_confirm"


async def test_config_flow_reports_wrong_password_and_recovers(api: HassApi, stack: Stack) -> None:
    """A wrong password shows invalid_password; the same flow then takes the right one."""
    for entry in await api.config_entries(DOMAIN):
        await api.delete_entry(entry["entry_id"])
    flow = await api.start_flow(DOMAIN)
    assert flow["type"] == "form"
    assert flow["step_id"] == "user"
    fields = {"host": "127.0.0.1", "port": stack.sim.port, "username": stack.sim.user}

    wrong = await api.flow_step(flow["flow_id"], {**fields, "password": "not-secret"})
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_password"}
    assert wrong["flow_id"] == flow["flow_id"]

    right = await api.flow_step(flow["flow_id"], {**fields, "password": stack.sim.password})
    assert right["type"] == "create_entry", right
    # Titled with the camera's own name (the simulator's alias, from get_params.cgi).
    assert right["title"] == SimulatorConfig().alias
    entries = await api.config_entries(DOMAIN)
    assert [entry["state"] for entry in entries] == ["loaded"]

    # The same camera again: refused, even through a new flow.
    again = await add_camera(api, stack)
    assert again["type"] == "abort"
    assert again["reason"] == "already_configured"


async def test_runs_on_loopback_without_discovery(
    api: HassApi, stack: Stack, entities: Entities
) -> None:
    """Only what the development configuration asks for is loaded; the integration is."""
    components = set((await api.request("GET", "/api/config"))["components"])
    assert DOMAIN in components
    assert not components & NOT_LOADED
    assert not components & ONBOARDING_EXTRAS
    assert stack.hass.url.startswith("http://127.0.0.1:")
    # The HTTP settings are confirmed loopback ones: nothing pending that could revert to
    # listening on every interface.
    http = await api.ws_command("http/config")
    assert http["stable"]["server_host"] == ["127.0.0.1"]
    assert http["pending"] is None
    assert http["revert_at"] is None


async def test_frontend_and_service_descriptions_load(api: HassApi, entities: Entities) -> None:
    """What the frontend needs at start works (a failing get_services leaves it "Loading...")."""
    async with api.session.get(f"{api.url}/") as resp:
        assert resp.status == 200
        assert "<title>Home Assistant</title>" in await resp.text()
    services = await api.ws_command("get_services")
    assert {"talk", "set_frame_interval"} <= set(services[DOMAIN])


async def test_diagnostics_download_hides_credentials(
    api: HassApi, stack: Stack, entities: Entities
) -> None:
    """The diagnostics a user would attach to an issue carry no password, host or camera id."""
    (entry,) = await api.config_entries(DOMAIN)
    diagnostics = await api.request("GET", f"/api/diagnostics/config_entry/{entry['entry_id']}")
    data = diagnostics["data"]
    assert data["connection"]["connected"] is True
    text = json.dumps(data)
    assert stack.sim.password not in text
    assert CAMERA_ID not in text.upper().replace(":", "")
    assert "127.0.0.1" not in text


async def test_snapshot_is_a_jpeg(api: HassApi, entities: Entities) -> None:
    """/api/camera_proxy serves a whole JPEG of the simulator's size, or scaled on request."""
    status, content_type, body = await api.get_bytes(f"/api/camera_proxy/{entities.camera}")
    assert status == 200
    assert content_type == "image/jpeg"
    assert body[:2] == b"\xff\xd8"
    assert body[-2:] == b"\xff\xd9"
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.size == (640, 480)

    # Home Assistant scales stills for its dashboards (with libturbojpeg).
    path = f"/api/camera_proxy/{entities.camera}?width=320&height=240"
    status, content_type, body = await api.get_bytes(path)
    assert status == 200
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (320, 240)


async def test_mjpeg_stream_decodes_in_ffmpeg(api: HassApi, entities: Entities) -> None:
    """ffmpeg, an independent client, decodes 30 frames of /api/camera_proxy_stream."""
    path = f"/api/camera_proxy_stream/{entities.camera}"
    async with api.session.get(f"{api.url}{path}", headers=api.headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].replace(" ", "") == (
            "multipart/x-mixed-replace;boundary=frame"
        )
        assert (await resp.content.readexactly(7)) == b"--frame"

    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-headers",
        f"Authorization: Bearer {api.token}\r\n",
        "-f",
        "mpjpeg",
        "-i",
        f"{api.url}{path}",
        "-frames:v",
        str(STREAM_FRAMES),
        "-f",
        "null",
        "-progress",
        "pipe:1",
        "-",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode(errors="replace")
    progress = dict(
        line.split("=", 1) for line in stdout.decode().splitlines() if "=" in line
    )  # the last value of each key wins: the final report
    assert progress["progress"] == "end"
    assert int(progress["frame"]) == STREAM_FRAMES


async def test_motion_alarm_turns_the_sensor_on_then_off(
    api: HassApi, entities: Entities, sim_client: SimulatorClient
) -> None:
    """A motion alarm of the camera switches the binary sensor on; "stopped" switches it off."""
    assert (await api.get_state(entities.motion) or {}).get("state") == "off"
    assert "sent to 1 session" in await sim_client.alarm("motion")
    await api.wait_for_state(entities.motion, "on", within=10)
    await sim_client.alarm("stopped")
    await api.wait_for_state(entities.motion, "off", within=10)


async def _talk_packets(sim_client: SimulatorClient) -> int:
    return (await sim_client.status())["talk_packets_received"]


async def test_talk_service_plays_a_file_on_the_camera(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """bseries_ipcam.talk with a WAV in the media folder reaches the camera as talk packets."""
    before = await _talk_packets(sim_client)
    started = time.monotonic()
    await api.call_service(
        DOMAIN,
        "talk",
        {
            "entity_id": entities.camera,
            "media": {"media_content_id": str(stack.tone), "media_content_type": "audio/wav"},
        },
    )
    elapsed = time.monotonic() - started
    received = await _talk_packets(sim_client) - before
    # Played at real time: the call returns once the second of audio was sent.
    assert received >= 0.8 * TONE_SECONDS * PACKETS_PER_SECOND, received
    assert elapsed >= 0.5 * TONE_SECONDS


async def test_talk_refuses_a_file_outside_the_allowed_folders(
    api: HassApi, entities: Entities
) -> None:
    """A path Home Assistant may not read is refused before anything is sent."""
    with pytest.raises(HassApiError) as err:
        await api.call_service(
            DOMAIN,
            "talk",
            {
                "entity_id": entities.camera,
                "media": {"media_content_id": "/etc/passwd", "media_content_type": "audio/wav"},
            },
        )
    assert err.value.status == 400


async def test_speaker_plays_media_source_audio(
    api: HassApi, entities: Entities, sim_client: SimulatorClient
) -> None:
    """media_player.play_media with a media-source id: fetched from HA over HTTP, then talked."""
    assert (await api.get_state(entities.speaker) or {}).get("state") == "idle"
    before = await _talk_packets(sim_client)
    await api.call_service(
        "media_player",
        "play_media",
        {
            "entity_id": entities.speaker,
            "media_content_id": f"media-source://media_source/local/{TONE_NAME}",
            "media_content_type": "audio/wav",
        },
    )
    received = await _talk_packets(sim_client) - before
    assert received >= 0.8 * TONE_SECONDS * PACKETS_PER_SECOND, received
    await api.wait_for_state(entities.speaker, "idle", within=10)


async def test_record_action_writes_a_clip(api: HassApi, entities: Entities, stack: Stack) -> None:
    """bseries_ipcam.record through the REST API: an MP4 (H.264 + AAC) of the asked length."""
    path = stack.hass.media_dir / "e2e-clip.mp4"
    answer = await api.request(
        "POST",
        "/api/services/bseries_ipcam/record?return_response",
        json_data={"entity_id": entities.camera, "filename": str(path), "duration": 3},
    )
    clip = answer["service_response"][entities.camera]
    assert clip["path"] == str(path)
    assert clip["duration"] == 3.0
    info = await _ffprobe(path)
    codecs = {s["codec_type"]: s["codec_name"] for s in info["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert abs(float(info["format"]["duration"]) - 3.0) <= 0.5
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert int(video["nb_read_frames"]) == clip["frames"]
    assert abs(clip["frames"] - 45) <= 4  # the simulator's 15 fps


async def _ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's findings about a media file (streams with counted frames, format)."""
    process = await asyncio.create_subprocess_exec(
        FFPROBE,
        *("-v", "error", "-count_frames", "-print_format", "json"),
        *("-show_streams", "-show_format", str(path)),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    info: dict[str, Any] = json.loads(out)
    return info


async def _camera_record(api: HassApi, camera: str, path: Path, duration: float) -> None:
    """Home Assistant's own camera.record; returns once the clip is written."""
    started = time.monotonic()
    await api.call_service(
        "camera", "record", {"entity_id": camera, "filename": str(path), "duration": duration}
    )
    # HA's recorder writes the file once the clip is complete.
    while not await asyncio.to_thread(path.exists):
        assert time.monotonic() - started < 90, "no clip from camera.record"
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)


async def test_camera_record_reads_the_default_stream_source(
    api: HassApi, entities: Entities, stack: Stack
) -> None:
    """Option off: HA's own `stream` reads the default source (the camera's MJPEG, nothing
    encoded) and camera.record writes it as an MP4 of MJPEG frames, without the STREAM feature.
    """
    state = await api.get_state(entities.camera)
    assert state is not None
    assert not state["attributes"]["supported_features"] & 2  # no CameraEntityFeature.STREAM
    path = stack.hass.media_dir / "e2e-camera-record-mjpeg.mp4"
    await _camera_record(api, entities.camera, path, 3)
    info = await _ffprobe(path)
    # `stream` keeps AAC or MP3 sound only: the source's PCM is left out.
    (video,) = info["streams"]
    assert video["codec_type"] == "video"
    assert video["codec_name"] == "mjpeg"
    assert (video["width"], video["height"]) == (640, 480)
    # HA's recorder keeps whole segments (about 2 s each with every frame a key frame) from the
    # first one on: the asked 3 s and up to a segment more.
    duration = float(info["format"]["duration"])
    assert 2.5 <= duration <= 6.0, duration
    assert abs(int(video["nb_read_frames"]) - 15 * duration) <= 8  # the simulator's 15 fps


async def test_h264_stream_option_lets_camera_record_work(
    api: HassApi, entities: Entities, stack: Stack
) -> None:
    """With h264_stream on: the STREAM feature, and HA's own camera.record writes H.264 + AAC."""
    await set_h264_stream(api, entities, on=True)  # waits for the STREAM feature
    try:
        path = stack.hass.media_dir / "e2e-camera-record.mp4"
        await _camera_record(api, entities.camera, path, 5)
        info = await _ffprobe(path)
        codecs = {s["codec_type"]: s["codec_name"] for s in info["streams"]}
        assert codecs == {"video": "h264", "audio": "aac"}
        assert abs(float(info["format"]["duration"]) - 5.0) <= 1.5
    finally:
        await set_h264_stream(api, entities, on=False)


async def test_camera_restart_recovers_without_any_action(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """The camera dies: unavailable. It comes back on the same port: available again, alarms too."""
    stack.sim.kill()
    await api.wait_for_state(entities.camera, "unavailable", within=30)
    await api.wait_for_state(entities.motion, "unavailable", within=5)
    await api.wait_for_state(entities.speaker, "unavailable", within=5)
    await api.wait_for_state(entities.connectivity, "off", within=5)

    stack.sim.start()
    # Reconnects back off 1, 2, 4, ... s: the first attempts after the restart succeed.
    await api.wait_for_state(entities.connectivity, "on", within=60)
    await api.wait_for_state(entities.motion, "off", within=5)
    await api.wait_for_state(entities.camera, lambda state: state not in {None, "unavailable"})
    await sim_client.alarm("motion")
    await api.wait_for_state(entities.motion, "on", within=10)
    await sim_client.alarm("stopped")
    await api.wait_for_state(entities.motion, "off", within=10)
    status, _content_type, body = await api.get_bytes(f"/api/camera_proxy/{entities.camera}")
    assert status == 200
    assert body[:2] == b"\xff\xd8"


async def test_restart_button_restarts_the_camera_and_everything_comes_back(
    api: HassApi, stack: Stack, entities: Entities, module_log_mark: int
) -> None:
    """The restart button: the camera goes away and comes back; logged once each way, at info."""
    restart = (await api.entity_ids(DOMAIN))[f"{CAMERA_ID}_restart"]
    await api.call_service("button", "press", {"entity_id": restart})
    await api.wait_for_state(entities.connectivity, "off", within=30)
    await api.wait_for_state(entities.connectivity, "on", within=60)
    await api.wait_for_state(entities.camera, lambda state: state not in {None, "unavailable"})
    await api.wait_for_state(restart, lambda state: state not in {None, "unavailable"})
    going = [
        line
        for line in stack.log_lines("INFO", since=module_log_mark)
        if "restarting as asked" in line
    ]
    assert len(going) == 1, going


async def test_nothing_went_wrong_in_the_log(
    api: HassApi, stack: Stack, module_log_mark: int
) -> None:
    """No error in Home Assistant's log, and no warning from the integration but the lost camera."""
    errors = stack.log_lines("ERROR", "CRITICAL", since=module_log_mark)
    assert not errors, "\n".join(errors)
    warnings = [
        line
        for line in stack.log_lines("WARNING", since=module_log_mark)
        if "custom_components.bseries_ipcam" in line and "Lost the connection" not in line
    ]
    assert not warnings, "\n".join(warnings)
