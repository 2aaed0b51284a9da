"""The frame interval: select entity, service action, re-applied at every video start, restored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.select import ATTR_OPTION, ATTR_OPTIONS, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.bseries_ipcam.protocol import FrameInterval
from custom_components.bseries_ipcam.protocol.messages import VideoFrameInterval

from .helpers import MockConfigEntry, coordinator_of, mock_restore_cache

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

SELECT = "select.b_series_camera_00626e4e72bf_frame_interval"
CAMERA = "camera.b_series_camera_00626e4e72bf"


def _option(hass: HomeAssistant) -> str:
    state = hass.states.get(SELECT)
    assert state is not None
    return state.state


async def test_select_entity(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    state = hass.states.get(SELECT)
    assert state is not None
    assert state.state == "0"
    assert state.attributes[ATTR_OPTIONS] == [str(i.milliseconds) for i in FrameInterval]
    assert state.attributes["friendly_name"] == "B-Series camera 00626E4E72BF Frame interval"
    entry = er.async_get(hass).async_get(SELECT)
    assert entry is not None
    assert entry.entity_category is EntityCategory.CONFIG


async def test_select_applies_now_and_at_every_video_start(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    camera = coordinator_of(loaded_entry).camera
    assert camera is not None
    await camera.start_video()
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: "500"},
        blocking=True,
    )
    assert _option(hass) == "500"
    await simulator.wait_for(lambda: len(simulator.commands(VideoFrameInterval)) == 1)
    # The camera forgets it at the next video start: the integration sends it again.
    await camera.stop_video()
    await camera.start_video()
    await simulator.wait_for(lambda: len(simulator.commands(VideoFrameInterval)) == 2)
    assert [c.code for c in simulator.commands(VideoFrameInterval)] == [140, 140]
    await camera.stop_video()


async def test_service_sets_interval_and_select_follows(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "bseries_ipcam",
        "set_frame_interval",
        {"interval": 1000},
        target={ATTR_ENTITY_ID: CAMERA},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _option(hass) == "1000"
    assert coordinator_of(loaded_entry).frame_interval is FrameInterval.MS_1000
    camera = coordinator_of(loaded_entry).camera
    assert camera is not None
    await camera.start_video()
    await simulator.wait_for(lambda: len(simulator.commands(VideoFrameInterval)) == 1)
    assert simulator.commands(VideoFrameInterval)[0].code == 150
    await camera.stop_video()


@pytest.mark.parametrize("interval", [1, 55, 6000, -10])
async def test_service_rejects_unknown_intervals(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, interval: int
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "bseries_ipcam",
            "set_frame_interval",
            {"interval": interval},
            target={ATTR_ENTITY_ID: CAMERA},
            blocking=True,
        )
    assert caught.value.translation_key == "invalid_frame_interval"
    assert caught.value.translation_placeholders is not None
    assert caught.value.translation_placeholders["interval"] == str(interval)
    assert _option(hass) == "0"


async def test_choice_survives_restart(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    mock_restore_cache(hass, [State(SELECT, "2000")])
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _option(hass) == "2000"
    coordinator = coordinator_of(config_entry)
    assert coordinator.frame_interval is FrameInterval.MS_2000
    camera = coordinator.camera
    assert camera is not None
    await camera.start_video()
    await simulator.wait_for(lambda: len(simulator.commands(VideoFrameInterval)) == 1)
    assert simulator.commands(VideoFrameInterval)[0].code == 170
    await camera.stop_video()
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_invalid_restored_state_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    mock_restore_cache(hass, [State(SELECT, "unavailable")])
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _option(hass) == "0"
    assert await hass.config_entries.async_unload(config_entry.entry_id)
