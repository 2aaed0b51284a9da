"""The camera's own alarm settings (arming, sensitivity, linkage), read and written over its CGIs.

A camera sends Alarm_Notify only for the alarms armed in its settings, so these settings decide
whether any alarm automation works. `get_params.cgi` holds them, and also every account's
password, the Wi-Fi key and the mail/FTP/DDNS/PPPoE passwords: only ALARM_FIELDS are kept (the
CGI client drops the rest while parsing) and nothing here logs a value.

The settings are read when the entry is set up, after every change made from Home Assistant,
when the control session comes back after a loss (the camera may have rebooted), and every
SETTINGS_REFRESH: another client (the camera's web page, an app, an NVR) may change them and the
camera tells nobody. A field the firmware lacks means it lacks the function: its entity is not
created. Writes go through `set_alarm.cgi`, one parameter per call (the form every firmware
takes), named as in get_params.cgi without the `alarm_` prefix.

`alarm_motion_sensitivity` and `alarm_sounddetect_sensitivity` are kept on the camera's own
0-9 scale: the sources disagree on which end is the most sensitive, and no vendor text we could
check settles it, so Home Assistant shows the number the camera stores.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Final, override

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
    UpdateFailed,
)

from .const import DOMAIN
from .errors import translate_errors
from .protocol import BSeriesError, CgiAuthenticationError

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity import EntityDescription

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry

_LOGGER = logging.getLogger(__name__)

# Often enough that a change made in the camera's web page shows within minutes, seldom enough
# that the camera's small web server (one request at a time) is not kept busy.
SETTINGS_REFRESH: Final = timedelta(minutes=5)

MOTION_ARMED: Final = "alarm_motion_armed"
MOTION_SENSITIVITY: Final = "alarm_motion_sensitivity"
SOUND_ARMED: Final = "alarm_sounddetect_armed"
SOUND_SENSITIVITY: Final = "alarm_sounddetect_sensitivity"
INPUT_ARMED: Final = "alarm_input_armed"
INPUT_LEVEL: Final = "alarm_ioin_level"
OUTPUT_LINKAGE: Final = "alarm_iolinkage"
ALARM_PRESET: Final = "alarm_preset"
ALARM_FIELDS: Final = (
    MOTION_ARMED,
    MOTION_SENSITIVITY,
    SOUND_ARMED,
    SOUND_SENSITIVITY,
    INPUT_ARMED,
    INPUT_LEVEL,
    OUTPUT_LINKAGE,
    ALARM_PRESET,
)
FIELD_PREFIX: Final = "alarm_"
SET_ALARM_CGI: Final = "set_alarm.cgi"
# set_alarm.cgi needs an administrator account; say so rather than "camera failed".
SET_ERROR_KEYS: Final[dict[type[Exception], str]] = {
    CgiAuthenticationError: "insufficient_privilege"
}


class AlarmSettingsCoordinator(DataUpdateCoordinator[dict[str, int]]):
    """The alarm fields of one camera, by get_params.cgi name, as numbers."""

    config_entry: BSeriesConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: BSeriesConfigEntry, control: BSeriesCoordinator
    ) -> None:
        """Read through HA's shared HTTP session with the entry's account."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{entry.title} alarm settings",
            update_interval=SETTINGS_REFRESH,
            always_update=False,
        )
        self.control = control
        self._cgi = control.cgi
        self._was_connected = control.connected
        entry.async_on_unload(control.async_add_listener(self._async_on_control_change))

    @override
    async def _async_update_data(self) -> dict[str, int]:
        try:
            values = await self._cgi.get_params(ALARM_FIELDS)
        except BSeriesError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="alarm_settings_failed",
                translation_placeholders={"name": self.config_entry.title, "error": str(err)},
            ) from err
        settings: dict[str, int] = {}
        for name, value in values.items():
            try:
                settings[name] = int(value)
            except ValueError:
                _LOGGER.debug("Ignored %s of %s: not a number", name, self.config_entry.title)
        return settings

    def has(self, field: str) -> bool:
        """Whether the camera's firmware has this setting (as far as the last read tells)."""
        return self.data is not None and field in self.data

    def value(self, field: str) -> int | None:
        """A setting's value, None while unknown."""
        return None if self.data is None else self.data.get(field)

    async def async_set(self, field: str, value: int) -> None:
        """Change one setting on the camera, then read the settings back."""
        with translate_errors(self.config_entry.title, keys=SET_ERROR_KEYS):
            await self._cgi.call(SET_ALARM_CGI, **{field.removeprefix(FIELD_PREFIX): value})
        _LOGGER.debug("%s set %s on %s", SET_ALARM_CGI, field, self.config_entry.title)
        await self.async_refresh()

    @callback
    def _async_on_control_change(self) -> None:
        """After the control session comes back, the camera may have rebooted: read again."""
        connected = self.control.connected
        if connected and not self._was_connected:
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} alarm settings after reconnect"
            )
        self._was_connected = connected


class BSeriesAlarmSettingEntity(CoordinatorEntity[AlarmSettingsCoordinator]):
    """A setting of the camera's alarms; belongs to the camera's device."""

    _attr_has_entity_name = True

    def __init__(
        self, settings: AlarmSettingsCoordinator, description: EntityDescription, field: str
    ) -> None:
        """Show and change `field` of the camera's alarm settings."""
        super().__init__(settings)
        self.entity_description = description
        self.field = field
        control = settings.control
        self._attr_unique_id = f"{control.camera_id}_{description.key}"
        self._attr_device_info = control.device_info

    @property
    def setting(self) -> int | None:
        """The setting's value, None while unknown."""
        return self.coordinator.value(self.field)
