"""Tests of the event entities: one per alarm kind, firing once per Alarm_Notify."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, EventDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_FRIENDLY_NAME, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from custom_components.bseries_ipcam.protocol import AlarmType

from .helpers import CAMERA_ID, TITLE, MockConfigEntry, wait_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

EVENTS = {
    AlarmType.MOTION: ("motion_event", "Motion alarm", "motion_detected"),
    AlarmType.INPUT: ("input_event", "Input alarm", "input_triggered"),
    AlarmType.SOUND: ("sound_event", "Sound alarm", "sound_detected"),
}


def event_entity_id(hass: HomeAssistant, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id("event", "bseries_ipcam", f"{CAMERA_ID}_{key}")
    assert found is not None
    return found


def record_events(hass: HomeAssistant) -> dict[AlarmType, list[str]]:
    """The event types each event entity fires from now on, in order."""
    fired: dict[AlarmType, list[str]] = {alarm: [] for alarm in EVENTS}
    by_entity = {event_entity_id(hass, key): alarm for alarm, (key, _, _) in EVENTS.items()}

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        assert state is not None
        fired[by_entity[event.data["entity_id"]]].append(state.attributes[ATTR_EVENT_TYPE])

    async_track_state_change_event(hass, list(by_entity), changed)
    return fired


async def test_entities(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """One event entity per alarm kind, named, with its one event type; nothing fired yet."""
    for key, name, event_type in EVENTS.values():
        state = hass.states.get(event_entity_id(hass, key))
        assert state is not None
        assert state.state == STATE_UNKNOWN
        assert state.attributes[ATTR_FRIENDLY_NAME] == f"{TITLE} {name}"
        assert state.attributes[ATTR_EVENT_TYPES] == [event_type]
    motion = hass.states.get(event_entity_id(hass, "motion_event"))
    assert motion is not None
    assert motion.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.MOTION


async def test_each_alarm_fires_once_with_its_type(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Every Alarm_Notify fires its kind's entity once; "alarm stopped" fires nothing."""
    fired = record_events(hass)
    simulator.trigger_alarm(AlarmType.MOTION)
    simulator.trigger_alarm(AlarmType.MOTION)
    simulator.trigger_alarm(AlarmType.STOPPED)
    simulator.trigger_alarm(AlarmType.SOUND)
    simulator.trigger_alarm(AlarmType.INPUT)
    await wait_until(lambda: fired[AlarmType.INPUT])
    await hass.async_block_till_done()
    assert fired == {
        AlarmType.MOTION: ["motion_detected", "motion_detected"],
        AlarmType.INPUT: ["input_triggered"],
        AlarmType.SOUND: ["sound_detected"],
    }
