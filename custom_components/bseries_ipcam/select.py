"""Selects: frame interval, image settings, pan/tilt preset and patrol, alarm settings, upkeep.

The status LED's options are named for what is sure: `off` (2) and the camera's two blinking
modes by number (sources disagree on which blinks when; see protocol/upkeep.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .alarm_settings import ALARM_PRESET, INPUT_LEVEL, BSeriesAlarmSettingEntity
from .controls import PATROL_OPTIONS, BSeriesControlsEntity
from .entity import BSeriesEntity
from .protocol import FrameInterval
from .protocol.controls import PRESETS, CameraParam, PowerMode, Resolution
from .protocol.upkeep import LED_MODE, LED_OFF, PRESET_ON_START
from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry
    from .presets import PresetBook

PARALLEL_UPDATES = 1

FRAME_INTERVAL_SELECT: Final = SelectEntityDescription(
    key="frame_interval",
    translation_key="frame_interval",
    entity_category=EntityCategory.CONFIG,
    options=[str(interval.milliseconds) for interval in FrameInterval],
)


def option_named(values: Mapping[str, int], value: int | None) -> str | None:
    """The option whose camera value is `value` (None for a value without a name)."""
    return next((option for option, option_value in values.items() if option_value == value), None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the frame interval select, and the alarm selects the camera's firmware has."""
    async_add_entities(
        [BSeriesFrameIntervalSelect(entry.runtime_data.coordinator, FRAME_INTERVAL_SELECT)]
    )
    # Camera controls: resolution and power-line mode; preset and patrol on pan/tilt cameras.
    controls = entry.runtime_data.controls
    entities: list[SelectEntity] = [
        BSeriesSettingSelect(controls, description) for description in SETTING_SELECTS
    ]
    if controls.pan_tilt:
        entities += [
            BSeriesPresetSelect(controls, PRESET_SELECT),
            BSeriesPatrolSelect(controls, PATROL_SELECT),
        ]
    async_add_entities(entities)
    # Alarm settings the firmware has; the preset on alarm only on pan/tilt cameras.
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmSelect(settings, description, description.field)
        for description in ALARM_SELECTS
        if settings.has(description.field) and (controls.pan_tilt or not description.pan_tilt)
    )
    # Status LED and go-to-preset-on-start (get_misc.cgi; an administrator account).
    upkeep = entry.runtime_data.upkeep
    async_add_entities(
        BSeriesUpkeepSelect(upkeep, description)
        for description in UPKEEP_SELECTS
        if upkeep.has(description.field) and (controls.pan_tilt or not description.pan_tilt)
    )


@dataclass(frozen=True, kw_only=True)
class BSeriesSettingSelectDescription(SelectEntityDescription):
    """An image setting whose camera values have option names."""

    param: CameraParam
    values: Mapping[str, int]


SETTING_SELECTS: Final = (
    BSeriesSettingSelectDescription(
        key="resolution",
        translation_key="resolution",
        entity_category=EntityCategory.CONFIG,
        param=CameraParam.RESOLUTION,
        values={"320x240": Resolution.QVGA, "640x480": Resolution.VGA},
        options=["320x240", "640x480"],
    ),
    BSeriesSettingSelectDescription(
        key="power_line_mode",
        translation_key="power_line_mode",
        entity_category=EntityCategory.CONFIG,
        param=CameraParam.MODE,
        values={"50hz": PowerMode.HZ_50, "60hz": PowerMode.HZ_60, "outdoor": PowerMode.OUTDOOR},
        options=["50hz", "60hz", "outdoor"],
    ),
)
PRESET_SELECT: Final = SelectEntityDescription(key="ptz_preset", translation_key="ptz_preset")
PATROL_SELECT: Final = SelectEntityDescription(
    key="ptz_patrol", translation_key="ptz_patrol", options=list(PATROL_OPTIONS)
)


class BSeriesSettingSelect(BSeriesControlsEntity, SelectEntity):
    """Resolution or power-line mode, from the camera's settings."""

    entity_description: BSeriesSettingSelectDescription

    @property
    @override
    def current_option(self) -> str | None:
        """The camera's value by name (None for a value without one)."""
        settings = self.controls.settings
        if settings is None:
            return None
        value = settings.get(self.entity_description.param)
        return option_named(self.entity_description.values, value)

    @override
    async def async_select_option(self, option: str) -> None:
        """Change the setting on the camera."""
        description = self.entity_description
        await self.controls.async_set_param(description.param, description.values[option])


class BSeriesPresetSelect(BSeriesControlsEntity, SelectEntity):
    """Go to a saved preset, by its name; shows the one last gone to (kept across restarts)."""

    _needs_settings = False

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the preset book as well (saves, renames, deletes, goes)."""
        await super().async_added_to_hass()
        self.async_on_remove(self._presets.async_add_listener(self.async_write_ha_state))

    @property
    def _presets(self) -> PresetBook:
        presets: PresetBook = self.coordinator.config_entry.runtime_data.presets
        return presets

    @property
    @override
    def options(self) -> list[str]:
        """The names of the saved presets."""
        return self._presets.names

    @property
    @override
    def current_option(self) -> str | None:
        """The preset last gone to."""
        return self._presets.last_name

    @override
    async def async_select_option(self, option: str) -> None:
        """Go to the preset."""
        await self._presets.async_go_to(name=option)


class BSeriesPatrolSelect(BSeriesControlsEntity, SelectEntity):
    """Patrol off, horizontal, vertical or both: what was last asked for (no read-back)."""

    _attr_assumed_state = True
    _needs_settings = False

    @property
    @override
    def current_option(self) -> str:
        """The patrol last asked for."""
        return self.controls.patrol

    @override
    async def async_select_option(self, option: str) -> None:
        """Start or stop the patrol."""
        await self.controls.async_patrol(option)


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

# alarm_preset 0 means "stay where it is"; 1-16 are the pan/tilt presets.
NO_PRESET: Final = "none"


@dataclass(frozen=True, kw_only=True)
class BSeriesAlarmSelectDescription(SelectEntityDescription):
    """An alarm setting with named choices: its field and each choice's value, in order."""

    field: str
    values: dict[str, int]
    # Only on cameras that pan and tilt (the entry's pan/tilt option).
    pan_tilt: bool = False


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
        options=[NO_PRESET, *(str(n) for n in PRESETS)],
        field=ALARM_PRESET,
        values={NO_PRESET: 0, **{str(n): n for n in PRESETS}},
        pan_tilt=True,
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
        return option_named(self.entity_description.values, value)

    @override
    async def async_select_option(self, option: str) -> None:
        """Store the choice on the camera."""
        await self.coordinator.async_set(self.field, self.entity_description.values[option])


# --- upkeep settings with choices (get_misc.cgi) -------------------------------------------------

# ptz_preset_onstart 0: stay where the camera was; 1-16 the saved presets.
STAY: Final = "stay"


@dataclass(frozen=True, kw_only=True)
class BSeriesUpkeepSelectDescription(SelectEntityDescription):
    """A get_misc.cgi setting with named choices: its field and each choice's value, in order."""

    field: str
    values: dict[str, int]
    pan_tilt: bool = False


UPKEEP_SELECTS: tuple[BSeriesUpkeepSelectDescription, ...] = (
    BSeriesUpkeepSelectDescription(
        key="status_led",
        translation_key="status_led",
        entity_category=EntityCategory.CONFIG,
        options=["mode_0", "mode_1", "off"],
        field=LED_MODE,
        values={"mode_0": 0, "mode_1": 1, "off": LED_OFF},
    ),
    BSeriesUpkeepSelectDescription(
        key="preset_on_start",
        translation_key="preset_on_start",
        entity_category=EntityCategory.CONFIG,
        options=[STAY, *(str(n) for n in PRESETS)],
        field=PRESET_ON_START,
        values={STAY: 0, **{str(n): n for n in PRESETS}},
        pan_tilt=True,
    ),
)


class BSeriesUpkeepSelect(BSeriesUpkeepEntity, SelectEntity):
    """The status LED's mode, or where the camera goes at start."""

    entity_description: BSeriesUpkeepSelectDescription

    @property
    @override
    def current_option(self) -> str | None:
        """The choice the camera holds (None for a value without a name)."""
        value = self.coordinator.value(self.entity_description.field)
        return option_named(self.entity_description.values, value)

    @override
    async def async_select_option(self, option: str) -> None:
        """Store the choice on the camera."""
        description = self.entity_description
        await self.coordinator.async_set({description.field: description.values[option]})
