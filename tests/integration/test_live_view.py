"""Live view tells why: a viewer without a picture sees the reason, and the picture comes back."""

from __future__ import annotations

from http import HTTPStatus
import io
from typing import TYPE_CHECKING, Any

from homeassistant.components.camera import async_get_image
from homeassistant.exceptions import HomeAssistantError
from PIL import Image
import pytest

from custom_components.bseries_ipcam import (
    camera as camera_module,
    coordinator as coordinator_module,
)
from custom_components.bseries_ipcam.const import CONF_RESTREAM
from custom_components.bseries_ipcam.errors import translated_error, translated_message
from custom_components.bseries_ipcam.live_view import reason_text
from custom_components.bseries_ipcam.media import feed as feed_module, mjpeg as mjpeg_module
from custom_components.bseries_ipcam.media.reason_frame import (
    REASON_COMMENT,
    ReasonFrames,
    render_reason,
)
from custom_components.bseries_ipcam.media.restream import restream_paths, restream_secret
from custom_components.bseries_ipcam.protocol import ResultCode, TooManyConnectionsError

from .helpers import CAMERA_ID, MockConfigEntry, wait_until
from .media_helpers import mjpeg_parts

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries within a tenth of a second, reasons every tenth."""
    monkeypatch.setattr(feed_module, "RESTART_MIN_DELAY", 0.05)
    monkeypatch.setattr(feed_module, "RESTART_MAX_DELAY", 0.1)
    monkeypatch.setattr(mjpeg_module, "REASON_INTERVAL", 0.1)
    monkeypatch.setattr(camera_module, "STILL_WAIT", 0.5)


def test_the_reason_is_drawn_at_the_cameras_size() -> None:
    text = "A reason long enough to need more than one line on a small picture, " * 3
    for width, height in ((640, 480), (320, 240), (160, 120)):
        with Image.open(io.BytesIO(render_reason(text, width, height))) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (width, height)
            # Text on the background, not a blank picture.
            grey = picture.convert("L").tobytes()
            assert max(grey) - min(grey) > 100


async def test_one_drawing_per_text() -> None:
    frames = ReasonFrames()
    first = await frames.jpeg("offline", (320, 240))
    assert await frames.jpeg("offline", (320, 240)) is first
    assert await frames.jpeg("offline", None) != first  # VGA when the size is unknown
    assert await frames.jpeg("no video for 3 s", (320, 240)) != first


async def _next_frames(parts: AsyncIterator[bytes], reason: bytes, *, camera: bool) -> bytes:
    """The next part that is (or is not) `reason`."""
    async for jpeg in parts:
        if (jpeg != reason) == camera:
            return jpeg
    raise AssertionError("the stream ended")


async def test_a_refusal_is_told_in_the_live_view_and_the_picture_comes_back(
    hass: HomeAssistant, hass_client: Any, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Dialog and cards: the reason at the camera's resolution, then video, on one stream."""
    simulator.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert response.status == HTTPStatus.OK
    reason = str(
        translated_error(
            TooManyConnectionsError(ResultCode.TOO_MANY_CONNECTIONS), loaded_entry.title
        )
    )
    assert "no free connection slot" in reason
    expected = render_reason(reason, 640, 480)
    parts = mjpeg_parts(response)
    assert await _next_frames(parts, expected, camera=False) == expected
    # A still still fails: never the reason picture in camera.snapshot.
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, CAMERA)

    simulator.force_video_result(None)
    frame = await _next_frames(parts, expected, camera=True)
    with Image.open(io.BytesIO(frame)) as picture:
        assert picture.size == (640, 480)
    response.close()


async def test_an_offline_camera_is_told_and_comes_back(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(coordinator_module, "AVAILABILITY_GRACE", 60)
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    parts = mjpeg_parts(response)
    first = await anext(parts)
    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    simulator.drop_all()
    expected = render_reason(translated_message("live_offline", name=loaded_entry.title), 640, 480)
    assert await _next_frames(parts, expected, camera=False) == expected
    simulator.clear_faults()
    frame = await _next_frames(parts, expected, camera=True)
    with Image.open(io.BytesIO(frame)) as picture, Image.open(io.BytesIO(first)) as before:
        assert picture.size == before.size
    response.close()


async def test_the_restream_mjpeg_tells_why_too(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    hass.config_entries.async_update_entry(loaded_entry, options={CONF_RESTREAM: True})
    await hass.async_block_till_done()
    await wait_until(lambda: restream_secret(loaded_entry) is not None)
    from aiohttp import encode_basic_auth

    headers = {"Authorization": encode_basic_auth("nvr", restream_secret(loaded_entry) or "")}
    simulator.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)
    client = await hass_client_no_auth()
    response = await client.get(restream_paths(loaded_entry)["mjpeg"], headers=headers)
    assert response.status == HTTPStatus.OK
    parts = mjpeg_parts(response)
    reason = await anext(parts)
    assert reason == render_reason(
        str(
            translated_error(
                TooManyConnectionsError(ResultCode.TOO_MANY_CONNECTIONS), loaded_entry.title
            )
        ),
        640,
        480,
    )
    simulator.force_video_result(None)
    await _next_frames(parts, reason, camera=True)
    response.close()


async def test_a_stall_is_told_with_its_seconds(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera silent without closing: "no video for N s", N counting up, then video again."""
    monkeypatch.setattr(feed_module, "STALL_GRACE", 0.3)
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    parts = mjpeg_parts(response)
    await anext(parts)
    simulator.stall()
    await wait_until(lambda: reason_text(loaded_entry) is not None, rounds=5_000_000)
    reason = await _next_frames(parts, b"", camera=True)  # the next part: a reason picture
    assert REASON_COMMENT in reason[:100]
    text = reason_text(loaded_entry) or ""
    prefix = translated_message("live_no_video", name=loaded_entry.title, seconds="999").split(
        "999"
    )[0]
    assert text.startswith(prefix), text
    simulator.resume()
    response.close()
