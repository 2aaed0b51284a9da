"""Selects: the frame interval (the choice survives restarts) and the alarm settings with choices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .alarm_settings import ALARM_PRESET, INPUT_LEVEL, BSeriesAlarmSettingEntity
from .entity import BSeriesEntity
from .protocol import FrameInterval

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1

FRAME_INTERVAL_SELECT: Final = SelectEntityDescription(
    key="frame_interval",
    translation_key="frame_interval",
    entity_category=EntityCategory.CONFIG,
    options=[str(interval.milliseconds) for interval in FrameInterval],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the frame interval select, and the alarm selects the camera's firmware has."""
    async_add_entities(
        [BSeriesFrameIntervalSelect(entry.runtime_data.coordinator, FRAME_INTERVAL_SELECT)]
    )
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmSelect(settings, description, description.field)
        for description in ALARM_SELECTS
        if settings.has(description.field)
    )


class BSeriesFrameIntervalSelect(BSeriesEntity, SelectEntity, RestoreEntity):
    """Time between two video frames, in ms ("0" is full speed)."""

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last choice; the camera itself forgets it at every video start."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state not in self.options:
            return
        interval = FrameInterval.from_milliseconds(int(last.state))
        if interval is not self.coordinator.frame_interval:
            await self.coordinator.async_set_frame_interval(interval)

    @property
    @override
    def current_option(self) -> str:
        """The chosen interval."""
        return str(self.coordinator.frame_interval.milliseconds)

    @override
    async def async_select_option(self, option: str) -> None:
        """Choose an interval."""
        await self.coordinator.async_set_frame_interval(
            FrameInterval.from_milliseconds(int(option))
        )


# --- alarm settings with choices ---------------------------------------------------------------

# Presets 1-16 of pan/tilt cameras; 0 means "stay where it is".
PRESET_COUNT: Final = 16
NO_PRESET: Final = "none"


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmSelectDescription(SelectEntityDescription):
    """An alarm setting with named choices: its field and each choice's value, in order."""

    field: str
    values: dict[str, int]


ALARM_SELECTS: tuple[BSeriesAlarmSelectDescription, ...] = (
    BSeriesAlarmSelectDescription(
        key="alarm_input_level",
        translation_key="alarm_input_level",
        entity_category=EntityCategory.CONFIG,
        options=["low", "high"],
        field=INPUT_LEVEL,
        values={"low": 0, "high": 1},
    ),
    BSeriesAlarmSelectDescription(
        key="alarm_preset",
        translation_key="alarm_preset",
        entity_category=EntityCategory.CONFIG,
        options=[NO_PRESET, *(str(n) for n in range(1, PRESET_COUNT + 1))],
        field=ALARM_PRESET,
        values={NO_PRESET: 0, **{str(n): n for n in range(1, PRESET_COUNT + 1)}},
    ),
)


class BSeriesAlarmSelect(BSeriesAlarmSettingEntity, SelectEntity):
    """One of the camera's alarm settings that takes a few named values."""

    entity_description: BSeriesAlarmSelectDescription

    @property
    @override
    def current_option(self) -> str | None:
        """The choice the camera holds (None for a value without a name)."""
        value = self.setting
        for option, option_value in self.entity_description.values.items():
            if option_value == value:
                return option
        return None

    @override
    async def async_select_option(self, option: str) -> None:
        """Store the choice on the camera."""
        await self.coordinator.async_set(self.field, self.entity_description.values[option])
