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

import logging
from typing import TYPE_CHECKING, Final, override

from homeassistant.helpers.update_coordinator import UpdateFailed

from .cgi_coordinator import SET_ERROR_KEYS, CgiSettingsCoordinator, CgiSettingsEntity
from .const import DOMAIN
from .errors import translate_errors
from .protocol import BSeriesError, CgiAuthenticationError

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity import EntityDescription

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry

_LOGGER = logging.getLogger(__name__)

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


class AlarmSettingsCoordinator(CgiSettingsCoordinator[dict[str, int] | None]):
    """The alarm fields of one camera, by get_params.cgi name, as numbers.

    None while never read, and for an account that may not read them (get_params.cgi is for
    administrators): that account is the user's choice, not a fault, so it is said once at info
    level instead of the coordinator's error at every setup.
    """

    def __init__(
        self, hass: HomeAssistant, entry: BSeriesConfigEntry, control: BSeriesCoordinator
    ) -> None:
        """Read through the camera's one CgiClient."""
        super().__init__(hass, entry, control, logger=_LOGGER, what="alarm settings")
        self._told_not_administrator = False

    @override
    async def _async_update_data(self) -> dict[str, int] | None:
        try:
            values = await self._cgi.get_params(ALARM_FIELDS)
        except CgiAuthenticationError as err:
            if self.data is not None:  # they were readable: the password changed, say, a fault
                raise self._failed(err) from err
            if not self._told_not_administrator:
                self._told_not_administrator = True
                _LOGGER.info(
                    "%s: this account may not read the alarm settings (an administrator may); "
                    "their entities are not added",
                    self.config_entry.title,
                )
            return None
        except BSeriesError as err:
            raise self._failed(err) from err
        settings: dict[str, int] = {}
        for name, value in values.items():
            try:
                settings[name] = int(value)
            except ValueError:
                _LOGGER.debug("Ignored %s of %s: not a number", name, self.config_entry.title)
        return settings

    def _failed(self, err: BSeriesError) -> UpdateFailed:
        """The translated failure of a read."""
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="alarm_settings_failed",
            translation_placeholders={"name": self.config_entry.title, "error": str(err)},
        )

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


class BSeriesAlarmSettingEntity(CgiSettingsEntity[AlarmSettingsCoordinator]):
    """A setting of the camera's alarms; belongs to the camera's device."""

    def __init__(
        self, settings: AlarmSettingsCoordinator, description: EntityDescription, field: str
    ) -> None:
        """Show and change `field` of the camera's alarm settings."""
        super().__init__(settings, description)
        self.field = field

    @property
    def setting(self) -> int | None:
        """The setting's value, None while unknown."""
        return self.coordinator.value(self.field)
