"""Buttons: pan/tilt in picture terms, restart and set clock.

Each pan/tilt press moves the view for `BUTTON_TRAVEL_TIME` and stops. The directions are those of
the picture: the FI89xx reversal of left and right and the current flip/mirror are corrected in
`protocol.controls.move_command`. The diagonals are disabled by default.

Restart and set clock need an administrator account (upkeep.py tells); the camera is away for
about a minute after a restart and its entities come back with the reconnect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .controls import BUTTON_TRAVEL_TIME, BSeriesControlsEntity
from .protocol.controls import Direction
from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesButtonDescription(ButtonEntityDescription):
    """A pan/tilt button: a direction, or None for center."""

    direction: Direction | None = None


BUTTONS: Final = (
    BSeriesButtonDescription(
        key="ptz_up",
        translation_key="ptz_up",
        direction=Direction.UP,
    ),
    BSeriesButtonDescription(
        key="ptz_down",
        translation_key="ptz_down",
        direction=Direction.DOWN,
    ),
    BSeriesButtonDescription(
        key="ptz_left",
        translation_key="ptz_left",
        direction=Direction.LEFT,
    ),
    BSeriesButtonDescription(
        key="ptz_right",
        translation_key="ptz_right",
        direction=Direction.RIGHT,
    ),
    BSeriesButtonDescription(
        key="ptz_up_left",
        translation_key="ptz_up_left",
        direction=Direction.UP_LEFT,
        entity_registry_enabled_default=False,
    ),
    BSeriesButtonDescription(
        key="ptz_up_right",
        translation_key="ptz_up_right",
        direction=Direction.UP_RIGHT,
        entity_registry_enabled_default=False,
    ),
    BSeriesButtonDescription(
        key="ptz_down_left",
        translation_key="ptz_down_left",
        direction=Direction.DOWN_LEFT,
        entity_registry_enabled_default=False,
    ),
    BSeriesButtonDescription(
        key="ptz_down_right",
        translation_key="ptz_down_right",
        direction=Direction.DOWN_RIGHT,
        entity_registry_enabled_default=False,
    ),
    BSeriesButtonDescription(key="ptz_center", translation_key="ptz_center"),
)

RESTART_BUTTON: Final = ButtonEntityDescription(
    key="restart",
    device_class=ButtonDeviceClass.RESTART,
    entity_category=EntityCategory.CONFIG,
)
SET_CLOCK_BUTTON: Final = ButtonEntityDescription(
    key="set_clock",
    translation_key="set_clock",
    entity_category=EntityCategory.CONFIG,
)
# The restream secret's one-tap button of earlier versions: a new secret is now an options-flow
# step with a confirmation (it cuts open NVR streams). Its registry entry is removed.
REMOVED_SECRET_BUTTON_KEY: Final = "regenerate_restream_secret"  # noqa: S105 - a key, no secret


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the pan/tilt buttons (unless the camera is fixed), restart and set clock."""
    controls = entry.runtime_data.controls
    registry = er.async_get(hass)
    unique_id = f"{controls.coordinator.camera_id}_{REMOVED_SECRET_BUTTON_KEY}"
    if old := registry.async_get_entity_id(Platform.BUTTON, DOMAIN, unique_id):
        registry.async_remove(old)
    if controls.pan_tilt:
        async_add_entities(BSeriesPanTiltButton(controls, description) for description in BUTTONS)
    upkeep = entry.runtime_data.upkeep
    if upkeep.administrator:
        async_add_entities([BSeriesRestartButton(upkeep, RESTART_BUTTON)])
        if upkeep.clock is not None:
            async_add_entities([BSeriesSetClockButton(upkeep, SET_CLOCK_BUTTON)])


class BSeriesPanTiltButton(BSeriesControlsEntity, ButtonEntity):
    """Moves the camera's view one way for a moment, or centers it."""

    entity_description: BSeriesButtonDescription
    _needs_settings = False

    @override
    async def async_press(self) -> None:
        """Move (then stop) or center."""
        direction = self.entity_description.direction
        if direction is None:
            await self.controls.async_center()
        else:
            await self.controls.async_move(direction, BUTTON_TRAVEL_TIME)


class BSeriesRestartButton(BSeriesUpkeepEntity, ButtonEntity):
    """Restart the camera (reboot.cgi); it drops every connection and comes back by itself."""

    @override
    async def async_press(self) -> None:
        """Restart."""
        await self.coordinator.async_restart()


class BSeriesSetClockButton(BSeriesUpkeepEntity, ButtonEntity):
    """Set the camera's clock and time zone from Home Assistant's now."""

    @override
    async def async_press(self) -> None:
        """Set the clock."""
        await self.coordinator.async_set_clock()
