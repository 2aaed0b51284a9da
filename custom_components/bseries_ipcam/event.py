"""Event entities of a B-Series camera: one per alarm kind, firing on every Alarm_Notify.

The binary sensors say whether an alarm is on now; these say that one happened, once per
notification, for automations that react to each alarm (the binary sensor stays on across
repeated alarms and would not trigger again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, override

from homeassistant.components.event import (
    EventDeviceClass,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import callback

from .alarm_settings import INPUT_ARMED, MOTION_ARMED, SOUND_ARMED
from .entity import BSeriesEntity
from .protocol import AlarmType

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

# Alarms arrive by push; nothing is requested from the camera.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmEventDescription(EventEntityDescription):
    """An alarm kind the camera reports with Alarm_Notify; its one event type."""

    alarm_type: AlarmType
    # The alarm setting that says the camera has this kind of alarm at all.
    armed_field: str


ALARM_EVENTS: tuple[BSeriesAlarmEventDescription, ...] = (
    BSeriesAlarmEventDescription(
        key="motion_event",
        translation_key="motion_alarm",
        device_class=EventDeviceClass.MOTION,
        event_types=["motion_detected"],
        alarm_type=AlarmType.MOTION,
        armed_field=MOTION_ARMED,
    ),
    BSeriesAlarmEventDescription(
        key="input_event",
        translation_key="input_alarm",
        event_types=["input_triggered"],
        alarm_type=AlarmType.INPUT,
        armed_field=INPUT_ARMED,
    ),
    BSeriesAlarmEventDescription(
        key="sound_event",
        translation_key="sound_alarm",
        event_types=["sound_detected"],
        alarm_type=AlarmType.SOUND,
        armed_field=SOUND_ARMED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an event entity per alarm kind of the camera.

    A kind whose arming field the camera's settings lack is one its firmware does not have
    (older firmware has no sound detection). Without readable settings, all three are added.
    """
    data = entry.runtime_data
    settings = data.alarm_settings
    async_add_entities(
        BSeriesAlarmEvent(data.coordinator, description)
        for description in ALARM_EVENTS
        if settings.data is None or settings.has(description.armed_field)
    )


class BSeriesAlarmEvent(BSeriesEntity, EventEntity):
    """Fires its event type each time the camera reports this alarm."""

    entity_description: BSeriesAlarmEventDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for the camera's alarms."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_alarm_listener(self._async_on_alarm))

    @callback
    def _async_on_alarm(self, alarm_type: AlarmType) -> None:
        if alarm_type is self.entity_description.alarm_type:
            self._trigger_event(self.event_types[0])
            self.async_write_ha_state()
