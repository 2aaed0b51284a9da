"""Sensors: the offset of the camera's clock from Home Assistant's (diagnostic).

The camera stamps its alarm schedule and the time in every frame with its own clock, which clone
firmware resets to 2000-01-01 at every power cut. The offset is read with the upkeep settings
(every 5 minutes and after each reconnect); see upkeep.py for keeping it set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime

from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 0

CLOCK_OFFSET_SENSOR: Final = SensorEntityDescription(
    key="clock_offset",
    translation_key="clock_offset",
    entity_category=EntityCategory.DIAGNOSTIC,
    device_class=SensorDeviceClass.DURATION,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    suggested_display_precision=0,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the clock offset sensor where the camera tells its time."""
    upkeep = entry.runtime_data.upkeep
    if upkeep.clock is not None:
        async_add_entities([BSeriesClockOffsetSensor(upkeep, CLOCK_OFFSET_SENSOR)])


class BSeriesClockOffsetSensor(BSeriesUpkeepEntity, SensorEntity):
    """Seconds the camera's clock is ahead of Home Assistant's (negative: behind)."""

    @property
    @override
    def native_value(self) -> int | None:
        """The offset at the last read, in whole seconds."""
        clock = self.coordinator.clock
        return None if clock is None else round(clock.offset)
