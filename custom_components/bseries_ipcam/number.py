"""Numbers of a B-Series camera: the sensitivity of its motion and sound detection.

Both stay on the camera's own 0-9 scale (see alarm_settings.py for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, override

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import EntityCategory

from .alarm_settings import MOTION_SENSITIVITY, SOUND_SENSITIVITY, BSeriesAlarmSettingEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

# The camera's web server answers one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmNumberDescription(NumberEntityDescription):
    """A numeric alarm setting: its get_params.cgi field."""

    field: str


ALARM_NUMBERS: tuple[BSeriesAlarmNumberDescription, ...] = (
    BSeriesAlarmNumberDescription(
        key="motion_sensitivity",
        translation_key="motion_sensitivity",
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=9,
        native_step=1,
        mode=NumberMode.SLIDER,
        field=MOTION_SENSITIVITY,
    ),
    BSeriesAlarmNumberDescription(
        key="sound_sensitivity",
        translation_key="sound_sensitivity",
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=9,
        native_step=1,
        mode=NumberMode.SLIDER,
        field=SOUND_SENSITIVITY,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a number for each sensitivity the camera's firmware has."""
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmNumber(settings, description, description.field)
        for description in ALARM_NUMBERS
        if settings.has(description.field)
    )


class BSeriesAlarmNumber(BSeriesAlarmSettingEntity, NumberEntity):
    """A sensitivity, as the camera stores it."""

    entity_description: BSeriesAlarmNumberDescription

    @property
    @override
    def native_value(self) -> int | None:
        """The camera's value."""
        return self.setting

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Store a new value on the camera."""
        await self.coordinator.async_set(self.field, int(value))
