"""Tests of the binary sensors: alarms pushed by the camera, and the connectivity sensor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    EntityCategory,
)
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.bseries_ipcam.coordinator import AVAILABILITY_GRACE
from custom_components.bseries_ipcam.protocol import AlarmType, ResultCode
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify

from .helpers import (
    TITLE,
    MockConfigEntry,
    advance,
    coordinator_of,
    entity_id,
    state_of,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import Event, EventStateChangedData, HomeAssistant

    from bseries_sim import CameraSimulator

ALARMS = {AlarmType.MOTION: "motion", AlarmType.INPUT: "input", AlarmType.SOUND: "sound"}


def is_state(hass: HomeAssistant, key: str, state: str) -> Callable[[], bool]:
    """A predicate: the sensor with this key is in this state."""
    return lambda: state_of(hass, key) == state


async def test_entities(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Four sensors with translated names and device classes; connectivity is diagnostic."""
    expected = {
        "motion": ("Motion", BinarySensorDeviceClass.MOTION),
        "input": ("Alarm input", BinarySensorDeviceClass.SAFETY),
        "sound": ("Sound", BinarySensorDeviceClass.SOUND),
        "connection": ("Connectivity", BinarySensorDeviceClass.CONNECTIVITY),
    }
    for key, (name, device_class) in expected.items():
        state = hass.states.get(entity_id(hass, key))
        assert state is not None
        assert state.attributes[ATTR_FRIENDLY_NAME] == f"{TITLE} {name}"
        assert state.attributes[ATTR_DEVICE_CLASS] == device_class
        entry = entity_registry.async_get(entity_id(hass, key))
        assert entry is not None
        assert entry.entity_category == (EntityCategory.DIAGNOSTIC if key == "connection" else None)
    assert entity_id(hass, "input") == "binary_sensor.b_series_camera_00626e4e72bf_alarm_input"


async def test_alarms(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Each alarm type turns its sensor on; "alarm stopped" turns them all off."""
    for alarm_type, key in ALARMS.items():
        assert simulator.trigger_alarm(alarm_type) == 1
        await wait_until(is_state(hass, key, STATE_ON))
    assert all(state_of(hass, key) == STATE_ON for key in ALARMS.values())

    simulator.trigger_alarm(AlarmType.STOPPED)
    await wait_until(lambda: all(state_of(hass, key) == STATE_OFF for key in ALARMS.values()))

    # Only the alarm reported goes on.
    simulator.trigger_alarm(AlarmType.SOUND)
    await wait_until(lambda: state_of(hass, "sound") == STATE_ON)
    assert state_of(hass, "motion") == STATE_OFF
    assert state_of(hass, "input") == STATE_OFF


async def test_unknown_alarm_type_is_ignored(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An alarm type the integration does not know changes nothing."""
    coordinator = coordinator_of(loaded_entry)
    session = simulator.sessions[0]
    await session.peer.send(AlarmNotify(7, (0, 0, 0, 0)).to_bytes())
    simulator.trigger_alarm(AlarmType.MOTION)
    await wait_until(lambda: state_of(hass, "motion") == STATE_ON)
    assert coordinator.alarms == {
        AlarmType.MOTION: True,
        AlarmType.INPUT: False,
        AlarmType.SOUND: False,
    }


async def test_connection_lost(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Alarm sensors keep their state through the grace, then go; connectivity tells at once."""
    simulator.trigger_alarm(AlarmType.MOTION)
    await wait_until(lambda: state_of(hass, "motion") == STATE_ON)
    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    simulator.drop_all()
    await wait_until(lambda: state_of(hass, "connection") == STATE_OFF)
    assert state_of(hass, "motion") == STATE_ON
    await advance(hass, freezer, AVAILABILITY_GRACE)
    for key in ALARMS.values():
        assert state_of(hass, key) == STATE_UNAVAILABLE
    assert state_of(hass, "connection") == STATE_OFF
    simulator.clear_faults()
    await advance(hass, freezer, 8)
    await wait_until(lambda: state_of(hass, "connection") == STATE_ON)


@pytest.mark.parametrize("still_on", [True, False])
async def test_alarms_through_a_blip(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    still_on: bool,
) -> None:
    """A 1 s drop: the alarm stays, or goes if the camera says on the new session it ended."""
    coordinator = coordinator_of(loaded_entry)
    simulator.trigger_alarm(AlarmType.MOTION)
    await wait_until(lambda: state_of(hass, "motion") == STATE_ON)
    changes: list[str] = []
    # The clock offset is a measurement, read again on the new session (a sensor with a unit:
    # the logbook never lists its changes).
    clock_offset = er.async_get(hass).async_get_entity_id(
        "sensor", "bseries_ipcam", f"{coordinator.camera_id}_clock_offset"
    )

    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] != clock_offset:
            changes.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", record)
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    if not still_on:
        simulator.trigger_alarm(AlarmType.STOPPED)  # ended while nobody listened
    await advance(hass, freezer, 1)
    assert coordinator.connected
    await hass.async_block_till_done(wait_background_tasks=True)
    await wait_until(lambda: state_of(hass, "motion") == (STATE_ON if still_on else STATE_OFF))
    connection = entity_id(hass, "connection")
    motion = entity_id(hass, "motion")
    # Only the connectivity sensor changed (off and on), and the alarm if it really ended.
    assert sorted(changes) == sorted([connection, connection] + ([] if still_on else [motion]))
