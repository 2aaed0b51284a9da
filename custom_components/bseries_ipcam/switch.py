"""Switches of a B-Series camera: arming its alarms, as stored in the camera's own settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory

from .alarm_settings import (
    INPUT_ARMED,
    MOTION_ARMED,
    OUTPUT_LINKAGE,
    SOUND_ARMED,
    BSeriesAlarmSettingEntity,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

# The camera's web server answers one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmSwitchDescription(SwitchEntityDescription):
    """An on/off alarm setting: its get_params.cgi field."""

    field: str


ALARM_SWITCHES: tuple[BSeriesAlarmSwitchDescription, ...] = (
    BSeriesAlarmSwitchDescription(
        key="motion_detection",
        translation_key="motion_detection",
        entity_category=EntityCategory.CONFIG,
        field=MOTION_ARMED,
    ),
    BSeriesAlarmSwitchDescription(
        key="sound_detection",
        translation_key="sound_detection",
        entity_category=EntityCategory.CONFIG,
        field=SOUND_ARMED,
    ),
    BSeriesAlarmSwitchDescription(
        key="alarm_input_armed",
        translation_key="alarm_input_armed",
        entity_category=EntityCategory.CONFIG,
        field=INPUT_ARMED,
    ),
    BSeriesAlarmSwitchDescription(
        key="alarm_output_linkage",
        translation_key="alarm_output_linkage",
        entity_category=EntityCategory.CONFIG,
        field=OUTPUT_LINKAGE,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for each alarm setting the camera's firmware has."""
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmSwitch(settings, description, description.field)
        for description in ALARM_SWITCHES
        if settings.has(description.field)
    )


class BSeriesAlarmSwitch(BSeriesAlarmSettingEntity, SwitchEntity):
    """On while the camera has this alarm armed (or this linkage on)."""

    entity_description: BSeriesAlarmSwitchDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the setting is on."""
        value = self.setting
        return None if value is None else value == 1

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Arm (switch on) on the camera."""
        await self.coordinator.async_set(self.field, 1)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Disarm (switch off) on the camera."""
        await self.coordinator.async_set(self.field, 0)
