"""The camera's controls for Home Assistant: pan/tilt, presets, patrol, IR, image settings, alias.

One `BSeriesControls` per config entry follows the coordinator's sessions: for each new session
it builds a protocol `CameraControls` (the control session plus the CGIs over HA's shared aiohttp
session), reads the image settings and the camera's alias, and then keeps the settings current
from op 18, which the camera pushes when any client changes one. Entities listen here; the
coordinator knows nothing of it.

The camera reports no IR or patrol state: those are what was last asked for (the IR switch
restores its last state across restarts). A changed alias renames the device (a name the user
gave it stays in front) and the entry, unless the user renamed the entry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import CONF_PAN_TILT, DEFAULT_PAN_TILT, DOMAIN, entry_title
from .entity import BSeriesEntity
from .errors import translate_errors
from .protocol import BSeriesError
from .protocol.controls import (
    CameraControls,
    CameraParam,
    Direction,
    ImageSettings,
    read_alias,
)
from .protocol.listeners import Listeners
from .upkeep import PAN_TILT_KEYS as UPKEEP_PAN_TILT_KEYS

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.helpers.entity import EntityDescription

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry
    from .protocol import CameraClient

_LOGGER = logging.getLogger(__package__)

# How long a pan/tilt button moves the camera before it stops.
BUTTON_TRAVEL_TIME: Final = 0.5
PATROL_OPTIONS: Final = ("off", "horizontal", "vertical", "both")
# Keys of the entities that only a camera that pans and tilts has.
PAN_TILT_KEYS: Final = frozenset(
    {
        *(f"ptz_{direction.value}" for direction in Direction),
        "ptz_center",
        "ptz_preset",
        "ptz_patrol",
        *UPKEEP_PAN_TILT_KEYS,
    }
)


def pan_tilt_enabled(entry: BSeriesConfigEntry) -> bool:
    """Whether the user says this camera pans and tilts (the options flow)."""
    return bool(entry.options.get(CONF_PAN_TILT, DEFAULT_PAN_TILT))


@callback
def async_remove_pan_tilt_entities(hass: HomeAssistant, entry: BSeriesConfigEntry) -> None:
    """Remove the pan/tilt entities of a camera the user says is fixed."""
    registry = er.async_get(hass)
    for registry_entry in er.async_entries_for_config_entry(registry, entry.entry_id):
        key = registry_entry.unique_id.partition("_")[2]
        if key in PAN_TILT_KEYS:
            registry.async_remove(registry_entry.entity_id)


class BSeriesControls:
    """Pan/tilt, presets, patrol, IR and image settings of one camera, over its sessions."""

    def __init__(
        self, hass: HomeAssistant, entry: BSeriesConfigEntry, coordinator: BSeriesCoordinator
    ) -> None:
        """Follow `coordinator`'s sessions; nothing is read until `async_start`."""
        self.hass = hass
        self._entry = entry
        self.coordinator = self._coordinator = coordinator
        self._camera: CameraClient | None = None
        self._controls: CameraControls | None = None
        self._unsubs: list[Callable[[], None]] = []
        self._listeners: Listeners[[]] = Listeners(_LOGGER)
        self.settings: ImageSettings | None = None
        self.alias: str | None = None
        self.ir_on: bool | None = None
        self.patrol = "off"
        self._unsub_coordinator: Callable[[], None] | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Attach to the current session and read the settings and alias once."""
        self._unsub_coordinator = self._coordinator.async_add_listener(self._async_on_change)
        if (controls := self._attach()) is not None:
            await self._async_read(controls)

    async def async_shutdown(self) -> None:
        """Stop following the coordinator."""
        if self._unsub_coordinator is not None:
            self._unsub_coordinator()
            self._unsub_coordinator = None
        self._detach()

    @callback
    def _async_on_change(self) -> None:
        """The coordinator changed: a new session gets new controls, a lost one none."""
        camera = self._coordinator.camera
        if camera is self._camera:
            return
        controls = self._attach()
        if controls is not None:
            self._entry.async_create_background_task(
                self.hass, self._async_read(controls), f"{DOMAIN} read camera settings"
            )
        self._listeners()

    def _attach(self) -> CameraControls | None:
        self._detach()
        camera = self._camera = self._coordinator.camera
        if camera is None:
            return None
        controls = self._controls = CameraControls(camera.control, self._coordinator.cgi)
        self._unsubs = [
            controls.add_listener(self._on_settings),
            controls.add_alias_listener(self._async_on_alias),
            controls.close,
        ]
        return controls

    def _detach(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        self._camera = None
        self._controls = None
        # The settings stay: they are shown through the coordinator's grace, and a new session
        # reads them again.

    async def _async_read(self, controls: CameraControls) -> None:
        """The alias (op 0x0101 comes with op 17, else get_params.cgi) and the settings."""
        try:
            alias = await read_alias(controls, controls.cgi)
            if controls.settings is None:
                await controls.read_settings()
        except BSeriesError as err:
            _LOGGER.debug("Reading the settings of %s failed: %s", self._entry.title, err)
            return
        if alias is not None:
            self._async_on_alias(alias)

    # --- state for entities -------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """Whether the camera is available (see the coordinator's grace) with known settings."""
        return self._coordinator.available and self.settings is not None

    @property
    def connected(self) -> bool:
        """Whether a session is up (decoder commands can go out)."""
        return self._controls is not None

    @property
    def pan_tilt(self) -> bool:
        """Whether the camera pans and tilts (the user's option)."""
        return pan_tilt_enabled(self._entry)

    def diagnostics(self) -> dict[str, Any]:
        """The settings, the paths chosen and what was last asked for (no secrets)."""
        controls = self._controls
        settings = self.settings
        cgi = controls.cgi if controls is not None else None
        return {
            "alias": self.alias,
            "pan_tilt": self.pan_tilt,
            "settings": None
            if settings is None
            else {
                "resolution": settings.resolution,
                "brightness": settings.brightness,
                "contrast": settings.contrast,
                "mode": settings.mode,
                "flip": settings.flip_value,
                "unknown": settings.unknown,
                "extra": settings.extra.hex(),
            },
            "settings_path": controls.settings_path.value if controls is not None else None,
            "decoder_path": controls.decoder_path.value if controls is not None else None,
            "tolerant_http": cgi.tolerant_http if cgi is not None else None,
            "ir_on": self.ir_on,
            "patrol": self.patrol,
        }

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` on every change of settings or state; returns remove."""
        return self._listeners.add(listener)

    def _on_settings(self, settings: ImageSettings) -> None:
        self.settings = settings
        self._listeners()

    @callback
    def _async_on_alias(self, alias: str) -> None:
        """The camera's own name: rename the device and the entry unless the user renamed them."""
        if alias == self.alias:
            return
        self.alias = alias
        entry = self._entry
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self._coordinator.camera_id), entry.entry_id
        )
        old_name = device.name if device is not None else None
        if device is not None and device.name != alias:
            # A name the user gave (name_by_user) stays in front of this one.
            registry.async_update_device(device.id, name=alias)
        if entry.title in {old_name, entry_title(str(entry.unique_id))}:
            self.hass.config_entries.async_update_entry(entry, title=alias)
        self._listeners()

    # --- actions ------------------------------------------------------------------------------

    def _require(self, *, pan_tilt: bool = False) -> CameraControls:
        if pan_tilt and not self.pan_tilt:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="pan_tilt_disabled",
                translation_placeholders={"name": self._entry.title},
            )
        if self._controls is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders={"name": self._entry.title},
            )
        return self._controls

    async def async_move(self, direction: Direction, seconds: float | None) -> None:
        """Move the view in picture terms for `seconds`, then stop (None: until `async_stop`)."""
        controls = self._require(pan_tilt=True)
        with translate_errors(self._entry.title):
            await controls.move(direction, seconds)

    async def async_stop(self) -> None:
        """Stop any move."""
        controls = self._require(pan_tilt=True)
        with translate_errors(self._entry.title):
            await controls.stop()

    async def async_center(self) -> None:
        """Go to the center position."""
        controls = self._require(pan_tilt=True)
        with translate_errors(self._entry.title):
            await controls.center()

    async def async_preset(self, preset: int, *, save: bool = False) -> None:
        """Go to (or save) preset 1-16; `presets.PresetBook` names them and keeps the last."""
        controls = self._require(pan_tilt=True)
        with translate_errors(self._entry.title):
            if save:
                await controls.save_preset(preset)
            else:
                await controls.go_to_preset(preset)

    async def async_patrol(self, option: str) -> None:
        """Patrol off, horizontal, vertical or both."""
        controls = self._require(pan_tilt=True)
        with translate_errors(self._entry.title):
            await controls.patrol(
                horizontal=option in {"horizontal", "both"},
                vertical=option in {"vertical", "both"},
            )
        self.patrol = option
        self._listeners()

    async def async_set_ir(self, on: bool) -> None:
        """IR on (auto) or off."""
        controls = self._require()
        with translate_errors(self._entry.title):
            await controls.set_ir(on)
        self.ir_on = on
        self._listeners()

    async def async_set_param(self, param: CameraParam, value: int) -> None:
        """Change one image setting over the path this camera honours."""
        controls = self._require()
        with translate_errors(self._entry.title):
            await controls.set_param(param, value)


class BSeriesControlsEntity(BSeriesEntity):
    """An entity of the camera's controls: updated by them, available with their settings."""

    # Settings entities need the settings read; decoder entities (buttons) only the session.
    _needs_settings = True

    def __init__(self, controls: BSeriesControls, description: EntityDescription) -> None:
        """Bind the entity to its camera's controls."""
        super().__init__(controls.coordinator, description)
        self.controls = controls

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the controls as well as to the coordinator."""
        await super().async_added_to_hass()
        self.async_on_remove(self.controls.async_add_listener(self.async_write_ha_state))

    @property
    @override
    def available(self) -> bool:
        """Whether the session is up (and, for settings, the settings are known)."""
        if self._needs_settings:
            return self.controls.available
        return self.coordinator.available
