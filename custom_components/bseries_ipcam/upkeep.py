"""Looking after the camera: restart, its clock, status LED, speeds and start-up position.

One `UpkeepCoordinator` per camera reads, over the camera's one `CgiClient`:
- `get_misc.cgi` (LED mode, pan/tilt and patrol speeds, patrol rounds, start-up position); a
  firmware that answers 404 (or 401 to this account) gets no entities (logged at debug only);
- `get_params.cgi`'s NTP fields, which only an administrator may read: the account is taken as
  an administrator when that read works (clone firmware reports privilege 0 at login even for an
  administrator, so the login cannot tell), and only then are the settings' entities made;
- `get_status.cgi`'s clock (`now`, `tz`), for the clock offset sensor and for keeping it set.

It reads at setup, after a change from Home Assistant, when the control session comes back (the
camera may have rebooted, its clock back in the year 2000), and every SETTINGS_REFRESH, as the
alarm settings do. With the `keep_clock` option (on by default) the clock and time zone are set
from Home Assistant's at setup, after each reconnect and daily, whenever the camera is off by
more than CLOCK_TOLERANCE or in another zone; a camera whose NTP keeps it right is never touched.

A restart from Home Assistant tells the control coordinator first, so that the session's end is
logged as expected (one line) and the reconnect brings every entity back by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Final, override

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .cgi_coordinator import SET_ERROR_KEYS, CgiSettingsCoordinator, CgiSettingsEntity
from .const import CONF_KEEP_CLOCK, DEFAULT_KEEP_CLOCK, DOMAIN
from .errors import translate_errors
from .protocol import (
    BSeriesError,
    CameraTimeoutError,
    CgiAuthenticationError,
    CgiNotFoundError,
    ConnectionClosedError,
)
from .protocol.upkeep import CameraClock, camera_tz, in_range, parse_clock, parse_misc

if TYPE_CHECKING:
    from datetime import datetime

    from homeassistant.core import HomeAssistant

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry

_LOGGER = logging.getLogger(__name__)

CLOCK_CHECK_INTERVAL: Final = timedelta(days=1)
# Keys of the upkeep entities that only a camera that pans and tilts has (removed with the option).
PAN_TILT_KEYS: Final = frozenset(
    {
        "patrol_speed",
        "pan_speed",
        "tilt_speed",
        "patrol_rounds_horizontal",
        "patrol_rounds_vertical",
        "center_on_start",
        "preset_on_start",
    }
)
NTP_FIELDS: Final = ("ntp_enable", "ntp_svr")


def keep_clock_enabled(entry: BSeriesConfigEntry) -> bool:
    """Whether the user wants the camera's clock kept set from Home Assistant (the options)."""
    return bool(entry.options.get(CONF_KEEP_CLOCK, DEFAULT_KEEP_CLOCK))


def ha_camera_tz() -> int:
    """Home Assistant's time zone now (daylight saving included), as the camera's `tz`."""
    offset = dt_util.now().utcoffset()
    return camera_tz(offset if offset is not None else timedelta())


@dataclass(slots=True)
class Upkeep:
    """What one read of the camera found."""

    # get_misc.cgi's numeric fields; empty where the firmware has no get_misc.cgi.
    misc: dict[str, int] = field(default_factory=dict)
    # Whether get_params.cgi answered: the account may change settings.
    administrator: bool = False
    clock: CameraClock | None = None


class UpkeepCoordinator(CgiSettingsCoordinator[Upkeep]):
    """The camera's upkeep settings and clock, read over its CGIs."""

    def __init__(
        self, hass: HomeAssistant, entry: BSeriesConfigEntry, control: BSeriesCoordinator
    ) -> None:
        """Read through the camera's one CgiClient."""
        super().__init__(hass, entry, control, logger=_LOGGER, what="upkeep settings")
        self.clock_sets = 0

    # --- reading ------------------------------------------------------------------------------

    @override
    async def _async_update_data(self) -> Upkeep:
        found = Upkeep()
        try:
            try:
                found.misc = parse_misc(await self._cgi.get_misc())
            except CgiNotFoundError, CgiAuthenticationError:
                _LOGGER.debug("%s has no get_misc.cgi (for this account)", self.config_entry.title)
            try:
                ntp = await self._cgi.get_params(NTP_FIELDS)
            except CgiAuthenticationError:
                ntp = None
            read = parse_clock(await self._cgi.get_status(), dt_util.utcnow().timestamp())
        except BSeriesError as err:
            if not self.control.connected and self.data is not None:
                # The camera is away (restarting, say): keep the last read, log no error.
                _LOGGER.debug("%s is away: %s", self.config_entry.title, err)
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="upkeep_settings_failed",
                translation_placeholders={"name": self.config_entry.title, "error": str(err)},
            ) from err
        found.administrator = ntp is not None
        if read is not None and ntp is not None:
            read = CameraClock(
                now=read.now,
                tz=read.tz,
                read_at=read.read_at,
                ntp_enable=ntp.get("ntp_enable") == "1",
                ntp_server=ntp.get("ntp_svr", ""),
            )
        found.clock = read
        return found

    def has(self, name: str) -> bool:
        """Whether the camera has this setting and the account may change it."""
        data = self.data
        return data is not None and data.administrator and name in data.misc

    def value(self, name: str) -> int | None:
        """A setting's value, None while unknown."""
        return None if self.data is None else self.data.misc.get(name)

    @property
    def clock(self) -> CameraClock | None:
        """The camera's clock as last read."""
        return None if self.data is None else self.data.clock

    @property
    def administrator(self) -> bool:
        """Whether the last read showed an administrator account."""
        return self.data is not None and self.data.administrator

    # --- changing -----------------------------------------------------------------------------

    async def async_set(self, values: dict[str, int]) -> None:
        """Change settings on the camera (refused before sending if out of range), read back."""
        for name, value in values.items():
            if not in_range(name, value):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="value_out_of_range",
                    translation_placeholders={
                        "name": self.config_entry.title,
                        "field": name,
                        "value": str(value),
                    },
                )
        with translate_errors(self.config_entry.title, keys=SET_ERROR_KEYS):
            await self._cgi.set_misc(**values)
        _LOGGER.debug("set_misc.cgi set %s on %s", ", ".join(values), self.config_entry.title)
        await self.async_refresh()

    async def async_restart(self) -> None:
        """Restart the camera; the session's end is expected and logged once."""
        title = self.config_entry.title
        self.control.expect_restart()
        try:
            with translate_errors(title, keys=SET_ERROR_KEYS):
                await self._cgi.reboot()
        except HomeAssistantError as err:
            # A camera that drops the connection before it answers is restarting all the same.
            if not isinstance(err.__cause__, ConnectionClosedError | CameraTimeoutError):
                self.control.expect_restart(expected=False)
                raise

    async def async_set_clock(self) -> None:
        """Set the camera's clock and time zone from Home Assistant's (keeping its NTP choice)."""
        clock = self.clock
        tz = ha_camera_tz()
        with translate_errors(self.config_entry.title, keys=SET_ERROR_KEYS):
            await self._cgi.set_datetime(
                now=round(dt_util.utcnow().timestamp()),
                tz=tz,
                ntp_enable=bool(clock is not None and clock.ntp_enable),
                ntp_server=(clock.ntp_server if clock is not None else None) or "",
                # The zone's daylight saving is in `tz` already (checked daily).
                daylight_saving=False,
            )
        self.clock_sets += 1
        _LOGGER.info(
            "Set the clock of %s from Home Assistant (it was %s s off, time zone %s, now %s)",
            self.config_entry.title,
            "?" if clock is None else f"{clock.offset:+.0f}",
            "?" if clock is None else clock.tz,
            tz,
        )
        await self.async_refresh()

    # --- keeping the clock --------------------------------------------------------------------

    @callback
    def async_start_clock_keeping(self) -> None:
        """Check the clock now and then daily (only while the option is on)."""
        if not keep_clock_enabled(self.config_entry):
            return
        self.config_entry.async_on_unload(
            async_track_time_interval(
                self.hass, self._async_clock_due, CLOCK_CHECK_INTERVAL, cancel_on_shutdown=True
            )
        )
        self._async_schedule_clock_check()

    @callback
    def _async_clock_due(self, _now: datetime) -> None:
        self._async_schedule_clock_check()

    @callback
    def _async_schedule_clock_check(self) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_keep_clock(), f"{DOMAIN} camera clock check"
        )

    async def async_keep_clock(self) -> None:
        """Read the clock; set it if it is off or in another zone. Errors stay at debug."""
        await self.async_refresh()
        clock = self.clock
        if not self.administrator or clock is None or not clock.needs_setting(ha_camera_tz()):
            return
        try:
            await self.async_set_clock()
        except HomeAssistantError as err:
            _LOGGER.debug("Setting the clock of %s failed: %s", self.config_entry.title, err)

    @callback
    @override
    def _async_on_reconnect(self) -> None:
        """The camera may have rebooted (its clock back in 2000): check the clock, or read again."""
        if keep_clock_enabled(self.config_entry):
            self._async_schedule_clock_check()
        else:
            super()._async_on_reconnect()

    def diagnostics(self) -> dict[str, object]:
        """The settings, the clock and whether the account may change them (no secrets)."""
        clock = self.clock
        return {
            "last_read_ok": self.last_update_success,
            "administrator": self.administrator,
            "misc": None if self.data is None else self.data.misc,
            "clock": None
            if clock is None
            else {
                "offset_s": round(clock.offset),
                "tz": clock.tz,
                "ntp_enable": clock.ntp_enable,
                "ntp_server": clock.ntp_server,
            },
            "keep_clock": keep_clock_enabled(self.config_entry),
            "clock_sets": self.clock_sets,
        }


class BSeriesUpkeepEntity(CgiSettingsEntity[UpkeepCoordinator]):
    """An upkeep setting or action of the camera; belongs to the camera's device."""

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the control session too: the camera's settings are away while it is."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.control.async_add_listener(self.async_write_ha_state))

    @property
    @override
    def available(self) -> bool:
        """While the camera is (see the control coordinator's grace) and the last read worked."""
        return self.coordinator.control.available and super().available
