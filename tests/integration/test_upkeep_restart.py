"""A restart from Home Assistant while the camera streams and records (real ffmpeg).

The camera drops everything: the live viewer's stream waits and resumes with new frames once the
camera is back; the recording ends with its reason (the camera was lost), its partial clip kept.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from homeassistant.components.button.const import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.bseries_ipcam.const import DOMAIN

from .helpers import CAMERA_ID, MockConfigEntry
from .media_helpers import needs_ffmpeg, probe, read_mjpeg_parts as _read_parts, stream_of

if TYPE_CHECKING:
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

pytestmark = needs_ffmpeg

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"
RESTART = f"button.b_series_camera_{CAMERA_ID.lower()}_restart"
FPS = 15


@pytest.fixture
def sim_overrides() -> dict[str, Any]:
    return {"fps": FPS, "restart_delay": 0.5}


async def test_restart_mid_stream(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
) -> None:
    client = await hass_client()
    viewer = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    before = await _read_parts(viewer, 3)
    path = media_dir / "restart.mp4"
    recording = asyncio.create_task(
        hass.services.async_call(
            DOMAIN,
            "record",
            {ATTR_ENTITY_ID: CAMERA, "filename": str(path), "duration": 30},
            blocking=True,
            return_response=True,
        )
    )
    sent = simulator.stats.video_frames_sent
    await simulator.wait_for(lambda: simulator.stats.video_frames_sent > sent + FPS, timeout=20)
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: RESTART}, blocking=True
    )
    with pytest.raises(HomeAssistantError) as caught:
        await asyncio.wait_for(recording, 20)
    assert caught.value.translation_key == "record_camera_lost"
    video = stream_of(await probe(path), "video")
    assert video is not None
    assert int(video["nb_read_frames"]) >= 1

    # The viewer's stream is still open and carries the restarted camera's frames.
    async with asyncio.timeout(30):
        await simulator.wait_restarted()
        after = await _read_parts(viewer, 3)
    assert simulator.stats.restarts == 1
    assert all(jpeg.startswith(b"\xff\xd8") for jpeg in after)
    assert not set(after) & set(before)
    viewer.close()
