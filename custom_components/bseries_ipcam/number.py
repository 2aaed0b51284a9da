"""Numbers: image settings, alarm sensitivities, pan/tilt and patrol speeds, patrol rounds.

The sensitivities stay on the camera's own 0-9 scale (see alarm_settings.py for why); the speeds
on its 0-100 scale (see protocol/upkeep.py: which end is fast is unsure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import EntityCategory

from .alarm_settings import MOTION_SENSITIVITY, SOUND_SENSITIVITY, BSeriesAlarmSettingEntity
from .controls import BSeriesControlsEntity
from .protocol.controls import CameraParam
from .protocol.upkeep import (
    DOWN_RATE,
    H_ROUNDS,
    LEFT_RATE,
    MISC_RANGES,
    PATROL_RATE,
    RIGHT_RATE,
    UP_RATE,
    V_ROUNDS,
)
from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesNumberDescription(NumberEntityDescription):
    """An image setting with its camera parameter number."""

    param: CameraParam


NUMBERS: Final = (
    BSeriesNumberDescription(
        key="brightness",
        translation_key="brightness",
        param=CameraParam.BRIGHTNESS,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=255,
        native_step=1,
        mode=NumberMode.SLIDER,
    ),
    BSeriesNumberDescription(
        key="contrast",
        translation_key="contrast",
        param=CameraParam.CONTRAST,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=6,
        native_step=1,
        mode=NumberMode.SLIDER,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the brightness and contrast numbers, and the sensitivities the firmware has."""
    controls = entry.runtime_data.controls
    async_add_entities(BSeriesSettingNumber(controls, description) for description in NUMBERS)
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmNumber(settings, description, description.field)
        for description in ALARM_NUMBERS
        if settings.has(description.field)
    )
    # Speeds and rounds: only a camera that pans and tilts, with the settings and an administrator.
    upkeep = entry.runtime_data.upkeep
    if controls.pan_tilt:
        async_add_entities(
            BSeriesUpkeepNumber(upkeep, description)
            for description in UPKEEP_NUMBERS
            if all(upkeep.has(name) for name in description.fields)
        )


class BSeriesSettingNumber(BSeriesControlsEntity, NumberEntity):
    """One image setting, read at each connect and kept current by the camera's op 18."""

    entity_description: BSeriesNumberDescription

    @property
    @override
    def native_value(self) -> float | None:
        """The camera's value."""
        settings = self.controls.settings
        return None if settings is None else settings.get(self.entity_description.param)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Change the setting on the camera."""
        await self.controls.async_set_param(self.entity_description.param, round(value))


# --- alarm sensitivities ------------------------------------------------------------------------


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


# --- pan/tilt and patrol (get_misc.cgi) ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BSeriesUpkeepNumberDescription(NumberEntityDescription):
    """A get_misc.cgi setting: its fields (written together, shown from the first)."""

    fields: tuple[str, ...]


def _upkeep_number(*fields: str, translation_key: str) -> BSeriesUpkeepNumberDescription:
    valid = MISC_RANGES[fields[0]]
    return BSeriesUpkeepNumberDescription(
        key=translation_key,
        translation_key=translation_key,
        entity_category=EntityCategory.CONFIG,
        native_min_value=valid.start,
        native_max_value=valid.stop - 1,
        native_step=1,
        mode=NumberMode.BOX,
        fields=fields,
    )


UPKEEP_NUMBERS: Final = (
    _upkeep_number(PATROL_RATE, translation_key="patrol_speed"),
    # One speed per axis, as the camera's web page sets them; the camera stores each direction.
    _upkeep_number(LEFT_RATE, RIGHT_RATE, translation_key="pan_speed"),
    _upkeep_number(UP_RATE, DOWN_RATE, translation_key="tilt_speed"),
    _upkeep_number(H_ROUNDS, translation_key="patrol_rounds_horizontal"),
    _upkeep_number(V_ROUNDS, translation_key="patrol_rounds_vertical"),
)


class BSeriesUpkeepNumber(BSeriesUpkeepEntity, NumberEntity):
    """A speed or a number of patrol rounds (0: forever), as the camera stores it."""

    entity_description: BSeriesUpkeepNumberDescription

    @property
    @override
    def native_value(self) -> int | None:
        """The camera's value."""
        return self.coordinator.value(self.entity_description.fields[0])

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Store it on the camera (every field of the description at once)."""
        number = round(value)
        await self.coordinator.async_set(dict.fromkeys(self.entity_description.fields, number))
