"""Binary sensors of a B-Series camera: its alarms, and whether its control session is up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory

from .entity import BSeriesEntity
from .protocol import AlarmType

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

# Everything arrives by push; no entity sends requests to the camera.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmSensorDescription(BinarySensorEntityDescription):
    """An alarm the camera reports with Alarm_Notify."""

    alarm_type: AlarmType


ALARM_SENSORS: tuple[BSeriesAlarmSensorDescription, ...] = (
    BSeriesAlarmSensorDescription(
        key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        alarm_type=AlarmType.MOTION,
    ),
    BSeriesAlarmSensorDescription(
        key="input",
        translation_key="alarm_input",
        device_class=BinarySensorDeviceClass.SAFETY,
        alarm_type=AlarmType.INPUT,
    ),
    BSeriesAlarmSensorDescription(
        key="sound",
        device_class=BinarySensorDeviceClass.SOUND,
        alarm_type=AlarmType.SOUND,
    ),
)

CONNECTIVITY_SENSOR = BinarySensorEntityDescription(
    key="connection",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the alarm and connectivity sensors of a camera."""
    coordinator = entry.runtime_data.coordinator
    entities: list[BinarySensorEntity] = [
        BSeriesAlarmSensor(coordinator, description) for description in ALARM_SENSORS
    ]
    entities.append(BSeriesConnectivitySensor(coordinator, CONNECTIVITY_SENSOR))
    async_add_entities(entities)


class BSeriesAlarmSensor(BSeriesEntity, BinarySensorEntity):
    """On while the camera reports this alarm; all go off when it reports "alarm stopped"."""

    entity_description: BSeriesAlarmSensorDescription

    @property
    @override
    def is_on(self) -> bool:
        """Whether the alarm is active."""
        return self.coordinator.alarms[self.entity_description.alarm_type]


class BSeriesConnectivitySensor(BSeriesEntity, BinarySensorEntity):
    """On while the control session to the camera is up; always available."""

    @property
    @override
    def available(self) -> bool:
        """Always: this sensor is what tells that the camera is offline."""
        return True

    @property
    @override
    def is_on(self) -> bool:
        """Whether the control session is up."""
        return self.coordinator.connected
