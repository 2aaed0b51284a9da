"""Buttons: pan/tilt in picture terms, the restream secret's renewal, restart and set clock.

Each pan/tilt press moves the view for `BUTTON_TRAVEL_TIME` and stops. The directions are those of
the picture: the FI89xx reversal of left and right and the current flip/mirror are corrected in
`protocol.controls.move_command`. The diagonals are disabled by default.

A new restream secret ends every NVR stream opened with the old one.

Restart and set clock need an administrator account (upkeep.py tells); the camera is away for
about a minute after a restart and its entities come back with the reconnect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory

from .controls import BUTTON_TRAVEL_TIME, BSeriesControlsEntity
from .entity import BSeriesEntity
from .media.restream import async_ensure_secret, restream_enabled
from .protocol.controls import Direction
from .upkeep import BSeriesUpkeepEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import BSeriesCoordinator
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

REGENERATE_SECRET_BUTTON: Final = ButtonEntityDescription(
    key="regenerate_restream_secret",
    translation_key="regenerate_restream_secret",
    entity_category=EntityCategory.CONFIG,
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the pan/tilt buttons (unless the camera is fixed) and the restream secret's button."""
    controls = entry.runtime_data.controls
    if controls.pan_tilt:
        async_add_entities(BSeriesPanTiltButton(controls, description) for description in BUTTONS)
    if restream_enabled(entry):
        async_add_entities([BSeriesRegenerateSecretButton(entry.runtime_data.coordinator, entry)])
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


class BSeriesRegenerateSecretButton(BSeriesEntity, ButtonEntity):
    """Replace the camera's restream secret; the new URLs are in the camera's options."""

    def __init__(self, coordinator: BSeriesCoordinator, entry: BSeriesConfigEntry) -> None:
        """A button for the entry's secret."""
        super().__init__(coordinator, REGENERATE_SECRET_BUTTON)
        self._entry = entry

    @property
    @override
    def available(self) -> bool:
        """Always: the secret is HA's, not the camera's."""
        return True

    @override
    async def async_press(self) -> None:
        """Make a new secret."""
        async_ensure_secret(self.hass, self._entry, renew=True)


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
