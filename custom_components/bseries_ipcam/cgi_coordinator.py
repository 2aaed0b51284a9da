"""What the camera's settings read over its CGIs share: when they are read, and their entities.

The alarm settings, the upkeep settings and the security check all read `*.cgi` settings that
another client (the camera's web page, an app, an NVR) may change while the camera tells nobody,
and that a camera may lose in a reboot or change in a firmware upgrade. So each is read at setup,
every SETTINGS_REFRESH, and again whenever the control session comes back after a loss.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .const import DOMAIN
from .protocol import CgiAuthenticationError

if TYPE_CHECKING:
    from collections.abc import Callable
    import logging

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity import EntityDescription

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry

# Often enough that a change made in the camera's web page shows within minutes, seldom enough
# that the camera's small web server (one request at a time) is not kept busy.
SETTINGS_REFRESH: Final = timedelta(minutes=5)
# The camera's set_*.cgi and reboot.cgi need an administrator account; say so rather than
# "camera failed".
SET_ERROR_KEYS: Final[dict[type[Exception], str]] = {
    CgiAuthenticationError: "insufficient_privilege"
}


@callback
def async_on_reconnect(
    entry: ConfigEntry[Any], control: BSeriesCoordinator, action: Callable[[], None]
) -> None:
    """Call `action` each time the control session comes back after a loss, until unload."""
    was_connected = control.connected

    @callback
    def on_control_change() -> None:
        nonlocal was_connected
        connected = control.connected
        if connected and not was_connected:
            action()
        was_connected = connected

    entry.async_on_unload(control.async_add_listener(on_control_change))


class CgiSettingsCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Settings of one camera, read through its one CgiClient as the module docstring says."""

    config_entry: BSeriesConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: BSeriesConfigEntry,
        control: BSeriesCoordinator,
        *,
        logger: logging.Logger,
        what: str,
    ) -> None:
        """`what` the settings are, as in "{title} {what}" (the coordinator's name)."""
        super().__init__(
            hass,
            logger,
            config_entry=entry,
            name=f"{entry.title} {what}",
            update_interval=SETTINGS_REFRESH,
            always_update=False,
        )
        self.control = control
        self._cgi = control.cgi
        self._what = what
        async_on_reconnect(entry, control, self._async_on_reconnect)

    @callback
    def _async_on_reconnect(self) -> None:
        """The camera may have rebooted: read again."""
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} {self._what} after reconnect"
        )


class CgiSettingsEntity[CoordinatorT: CgiSettingsCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """A setting (or action) read over the camera's CGIs; belongs to the camera's device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, description: EntityDescription) -> None:
        """Bind to the settings' coordinator and the camera's device."""
        super().__init__(coordinator)
        self.entity_description = description
        control = coordinator.control
        self._attr_unique_id = f"{control.camera_id}_{description.key}"
        self._attr_device_info = control.device_info
