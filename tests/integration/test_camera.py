"""The camera entity through HA's real HTTP views: stills and MJPEG over one AV connection."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from custom_components.bseries_ipcam import camera as camera_module
from custom_components.bseries_ipcam.camera import FULL_SPEED_INTERVAL, BSeriesCamera
from custom_components.bseries_ipcam.media import feed as feed_module, mjpeg as mjpeg_module
from custom_components.bseries_ipcam.protocol.messages import VideoEnd, VideoStartReq

from .helpers import CAMERA_ID, MockConfigEntry, wait_until

if TYPE_CHECKING:
    from homeassistant.core import Event, EventStateChangedData, HomeAssistant

    from bseries_sim import CameraSimulator

CAMERA = "camera.b_series_camera_00626e4e72bf"


@pytest.fixture(autouse=True)
def short_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Video stops 0.3 s after the last viewer instead of 10 s."""
    monkeypatch.setattr(feed_module, "IDLE_TIMEOUT", 0.3)


async def _read_parts(response: Any, count: int) -> list[bytes]:
    """Read `count` JPEGs from a multipart/x-mixed-replace response."""
    jpegs: list[bytes] = []
    buffer = b""
    while len(jpegs) < count:
        buffer += await response.content.readany()
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                break
            head = buffer[:head_end].decode()
            length = int(head.split("Content-Length: ")[1].split("\r\n")[0])
            end = head_end + 4 + length + 2
            if len(buffer) < end:
                break
            jpegs.append(buffer[head_end + 4 : head_end + 4 + length])
            buffer = buffer[end:]
    return jpegs


async def test_entity(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    state = hass.states.get(CAMERA)
    assert state is not None
    assert state.attributes["friendly_name"] == f"B-Series camera {CAMERA_ID}"
    assert state.attributes["brand"] == "Foscam"
    entry = er.async_get(hass).async_get(CAMERA)
    assert entry is not None
    assert entry.unique_id == f"{CAMERA_ID}_camera"


async def test_still_image_cold_then_warm(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    first = await response.read()
    assert first.startswith(b"\xff\xd8")
    assert _state(hass) == "streaming"  # warm for the idle period
    # Warm: the feed stays up for the idle period, so a second still needs no new connection.
    second = await (await client.get(f"/api/camera_proxy/{CAMERA}")).read()
    assert second.startswith(b"\xff\xd8")
    assert simulator.stats.av_connections_accepted == 1
    await simulator.wait_for(lambda: len(simulator.commands(VideoEnd)) == 1, timeout=5)
    await simulator.wait_for(lambda: simulator.stats.av_connections_open == 0, timeout=5)
    # The on-demand stop is no change of state (nothing for the logbook).
    assert _state(hass) == "streaming"


async def test_viewers_and_stills_share_one_av_connection(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    client = await hass_client()
    viewers = [await client.get(f"/api/camera_proxy_stream/{CAMERA}") for _ in range(3)]
    for response in viewers:
        assert response.status == HTTPStatus.OK
        assert response.content_type == "multipart/x-mixed-replace"
    parts = await asyncio.gather(*(_read_parts(r, 5) for r in viewers))
    still = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert (await still.read()).startswith(b"\xff\xd8")
    for jpegs in parts:
        assert all(j.startswith(b"\xff\xd8") and j.endswith(b"\xff\xd9") for j in jpegs)
        assert len(set(jpegs)) == len(jpegs)  # every frame differs
    assert simulator.stats.av_connections_accepted == 1
    assert len(simulator.commands(VideoStartReq)) == 1
    for response in viewers:
        response.close()
    # After the last viewer leaves and the idle period passes, video stops.
    await simulator.wait_for(lambda: len(simulator.commands(VideoEnd)) == 1, timeout=5)
    await simulator.wait_for(lambda: simulator.stats.av_connections_open == 0, timeout=5)


async def test_stalled_viewer_does_not_hold_back_others(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    client = await hass_client()
    stalled = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert stalled.status == HTTPStatus.OK  # and never read from again
    fast = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    loop = asyncio.get_running_loop()
    start = loop.time()
    jpegs = await _read_parts(fast, 30)
    elapsed = loop.time() - start
    # 30 frames at the simulator's 15 fps take about 2 s; a held-back viewer would take far longer.
    assert elapsed < 4
    assert len(set(jpegs)) == 30
    stalled.close()
    fast.close()


async def test_frame_interval_property(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    camera = _entity(hass)
    assert camera.frame_interval == FULL_SPEED_INTERVAL
    await hass.services.async_call(
        "bseries_ipcam",
        "set_frame_interval",
        {"interval": 500},
        target={"entity_id": CAMERA},
        blocking=True,
    )
    assert camera.frame_interval == 0.5


async def test_unavailable_while_offline_and_still_fails(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(camera_module, "STILL_WAIT", 0.2)
    simulator.drop_all()
    await wait_until(lambda: _state(hass) == STATE_UNAVAILABLE)
    with pytest.raises(HomeAssistantError) as caught:
        await _entity(hass).async_camera_image()
    assert caught.value.translation_key == "no_video"


def _state(hass: HomeAssistant) -> str:
    state = hass.states.get(CAMERA)
    assert state is not None
    return state.state


def _entity(hass: HomeAssistant) -> BSeriesCamera:
    component = hass.data["camera"]
    entity = component.get_entity(CAMERA)
    assert isinstance(entity, BSeriesCamera)
    return entity


async def test_stalled_viewer_skips_frames_while_its_socket_is_full(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Any unsent byte counts as full here, so the stalled viewer skips almost every frame.
    monkeypatch.setattr(mjpeg_module, "SLOW_VIEWER_BUFFER", 0)
    client = await hass_client()
    stalled = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    fast = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    jpegs = await _read_parts(fast, 20)
    assert len(set(jpegs)) == 20
    stalled.close()
    fast.close()


async def test_http_10_viewer_gets_an_unchunked_stream(
    hass: HomeAssistant,
    hass_client: Any,
    hass_access_token: str,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_client()  # starts HA's HTTP server on 127.0.0.1
    url = client.make_url(f"/api/camera_proxy_stream/{CAMERA}")
    reader, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(
        f"GET {url.path} HTTP/1.0\r\nAuthorization: Bearer {hass_access_token}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200"))
    assert b"chunked" not in head.lower()
    body = await reader.readexactly(2000)
    assert body.startswith(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ")
    writer.close()
    await writer.wait_closed()


async def test_stream_ends_when_video_stalls(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mjpeg_module, "STREAM_STALL", 0.4)
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    await _read_parts(response, 2)
    simulator.stall()
    async with asyncio.timeout(5):
        while await response.content.readany():
            pass  # the server ends the response: the loop stops at end of stream
    simulator.resume()


async def test_stream_ends_when_the_entry_unloads(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    await _read_parts(response, 2)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    async with asyncio.timeout(5):
        while await response.content.readany():
            pass


@pytest.fixture
def dashboard_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live viewers keep today's 15 s idle period; a still shares another's frame for 0.1 s."""
    monkeypatch.setattr(feed_module, "IDLE_TIMEOUT", 15.0)
    monkeypatch.setattr(feed_module, "STILL_SHARE", 0.1)


@pytest.mark.usefixtures("dashboard_timing", "loaded_entry")
async def test_dashboard_thumbnails_cost_a_frame_not_a_stream(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator
) -> None:
    """Stills alone: the AV connection opens per still and closes soon, with no state change."""
    changes: list[Event[EventStateChangedData]] = []
    async_track_state_change_event(hass, CAMERA, changes.append)
    client = await hass_client()
    for _ in range(3):
        response = await client.get(f"/api/camera_proxy/{CAMERA}")
        assert (await response.read()).startswith(b"\xff\xd8")
        await simulator.wait_for(lambda: simulator.stats.av_connections_open == 0, timeout=5)
        await asyncio.sleep(0.15)  # the next refresh gets a frame of its own
    spans = simulator.av_spans
    assert len(spans) == 3
    assert all(span.closed_at is not None and span.seconds(0.0) < 5 for span in spans)
    await hass.async_block_till_done()
    assert changes == []  # the starts and stops are nothing for the logbook
    assert _state(hass) == "streaming"


@pytest.mark.usefixtures("dashboard_timing", "loaded_entry")
async def test_a_live_viewer_keeps_one_av_connection_through_thumbnails(
    hass_client: Any, simulator: CameraSimulator
) -> None:
    client = await hass_client()
    viewer = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    await _read_parts(viewer, 2)
    for _ in range(4):
        response = await client.get(f"/api/camera_proxy/{CAMERA}")
        assert (await response.read()).startswith(b"\xff\xd8")
        await asyncio.sleep(0.15)  # longer than a still shares its frame
    spans = simulator.av_spans
    assert len(spans) == 1
    assert spans[0].closed_at is None
    viewer.close()
