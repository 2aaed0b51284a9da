"""Switches: flip, mirror and IR; and the arming of the camera's alarms (its own settings).

Flip and mirror are image settings the camera reports; IR is not.

The camera has no way to tell its IR state, so the IR switch shows what was last asked for
(`assumed_state`), restored across restarts; its first state after setup is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .alarm_settings import (
    INPUT_ARMED,
    MOTION_ARMED,
    OUTPUT_LINKAGE,
    SOUND_ARMED,
    BSeriesAlarmSettingEntity,
)
from .controls import BSeriesControlsEntity
from .protocol.controls import FLIP_BIT, MIRROR_BIT, CameraParam
from .protocol.upkeep import CENTER_ON_START
from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesFlipDescription(SwitchEntityDescription):
    """A bit of the camera's flip parameter."""

    bit: int


FLIP_SWITCHES: Final = (
    BSeriesFlipDescription(
        key="flip", translation_key="flip", bit=FLIP_BIT, entity_category=EntityCategory.CONFIG
    ),
    BSeriesFlipDescription(
        key="mirror",
        translation_key="mirror",
        bit=MIRROR_BIT,
        entity_category=EntityCategory.CONFIG,
    ),
)
IR_SWITCH: Final = SwitchEntityDescription(key="infrared", translation_key="infrared")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the flip, mirror and IR switches."""
    controls = entry.runtime_data.controls
    async_add_entities(
        [
            *(BSeriesFlipSwitch(controls, description) for description in FLIP_SWITCHES),
            BSeriesInfraredSwitch(controls, IR_SWITCH),
        ]
    )
    settings = entry.runtime_data.alarm_settings
    async_add_entities(
        BSeriesAlarmSwitch(settings, description, description.field)
        for description in ALARM_SWITCHES
        if settings.has(description.field)
    )
    upkeep = entry.runtime_data.upkeep
    if controls.pan_tilt and upkeep.has(CENTER_ON_START):
        async_add_entities([BSeriesCenterOnStartSwitch(upkeep, CENTER_ON_START_SWITCH)])


class BSeriesFlipSwitch(BSeriesControlsEntity, SwitchEntity):
    """Flip (upside down) or mirror (left to right), from the camera's settings."""

    entity_description: BSeriesFlipDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the camera's picture is flipped / mirrored."""
        settings = self.controls.settings
        return None if settings is None else bool(settings.flip_value & self.entity_description.bit)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Set the bit."""
        await self._async_set(on=True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Clear the bit."""
        await self._async_set(on=False)

    async def _async_set(self, *, on: bool) -> None:
        settings = self.controls.settings
        current = settings.flip_value if settings is not None else 0
        bit = self.entity_description.bit
        value = current | bit if on else current & ~bit
        await self.controls.async_set_param(CameraParam.FLIP, value)


class BSeriesInfraredSwitch(BSeriesControlsEntity, SwitchEntity, RestoreEntity):
    """IR LEDs on (auto) or off: what was last asked for, since the camera cannot tell."""

    _attr_assumed_state = True
    _needs_settings = False

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last state; it is not sent again (the camera keeps its own)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if self.controls.ir_on is None and last is not None and last.state in {STATE_ON, STATE_OFF}:
            self.controls.ir_on = last.state == STATE_ON

    @property
    @override
    def is_on(self) -> bool | None:
        """What was last asked for (None before anything was)."""
        return self.controls.ir_on

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """IR on (auto: the camera switches the LEDs by its light sensor)."""
        await self.controls.async_set_ir(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """IR off (e.g. behind a window)."""
        await self.controls.async_set_ir(False)


# --- alarm arming ---------------------------------------------------------------------------------


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


# --- start-up position (get_misc.cgi) ------------------------------------------------------------

CENTER_ON_START_SWITCH: Final = SwitchEntityDescription(
    key="center_on_start",
    translation_key="center_on_start",
    entity_category=EntityCategory.CONFIG,
)


class BSeriesCenterOnStartSwitch(BSeriesUpkeepEntity, SwitchEntity):
    """On while the camera swings to the center after every start (ptz_center_onstart)."""

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the camera centers at start."""
        value = self.coordinator.value(CENTER_ON_START)
        return None if value is None else value == 1

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Center at every start."""
        await self.coordinator.async_set({CENTER_ON_START: 1})

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stay where it was."""
        await self.coordinator.async_set({CENTER_ON_START: 0})
