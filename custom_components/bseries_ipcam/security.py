"""The camera's own security holes, pointed out as repair issues the owner can act on or ignore.

These cameras have holes no update of ours can close: the factory account is `admin` with an empty
password; firmware 11.37.2.x before .49 hands the admin and Wi-Fi passwords to anyone who asks
(CVE-2013-2560, `/proc/kcore` through a directory traversal); 11.37.2.54 lets anyone in who presses
OK at an empty login prompt (fixed in .55); and a camera that opened a port on the router (UPnP) or
publishes itself by DDNS offers all of that to the internet. Each condition is one repair issue
(ignorable, with what to do), raised while it holds and removed when it no longer does.

Checked at setup, when the control session comes back (the firmware may have been upgraded: the
version comes from the login response) and every SETTINGS_REFRESH (another client may change the
settings and the camera tells nobody). The accounts and network settings come from
`get_params.cgi`, an administrator's CGI: of each password only whether it is set leaves the
parser (`CgiClient.get_params(set_only=...)`). An account that may not read it leaves those three
checks unknown (their issues as they were); the configured account and the firmware are still
checked.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
import re
from typing import TYPE_CHECKING, Final

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval

from .cgi_coordinator import SETTINGS_REFRESH, async_on_reconnect
from .const import DOMAIN
from .protocol import BSeriesError
from .protocol.const import Privilege

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from homeassistant.config_entries import ConfigEntry

    from .coordinator import BSeriesCoordinator

_LOGGER = logging.getLogger(__name__)

USER_SLOTS: Final = 8
ACCOUNT_FIELDS: Final = tuple(
    f"user{slot}_{part}" for slot in range(1, USER_SLOTS + 1) for part in ("name", "pri")
)
PASSWORD_FIELDS: Final = tuple(f"user{slot}_pwd" for slot in range(1, USER_SLOTS + 1))
UPNP_FIELD: Final = "upnp_enable"
DDNS_FIELD: Final = "ddns_service"
SETTINGS_FIELDS: Final = (*ACCOUNT_FIELDS, UPNP_FIELD, DDNS_FIELD)

# The issues, by translation key; the issue id adds the entry id.
OPEN_ACCOUNT: Final = "empty_password"
OPEN_ADMINS: Final = "admin_empty_password"
FIRMWARE_LEAK: Final = "firmware_password_leak"
FIRMWARE_OPEN_LOGIN: Final = "firmware_open_login"
UPNP_PORT_MAPPING: Final = "upnp_port_mapping"
DDNS_ENABLED: Final = "ddns_enabled"
ISSUE_KEYS: Final = (
    OPEN_ACCOUNT,
    OPEN_ADMINS,
    FIRMWARE_LEAK,
    FIRMWARE_OPEN_LOGIN,
    UPNP_PORT_MAPPING,
    DDNS_ENABLED,
)

_FOSCAM_11_37_2: Final = re.compile(r"11\.37\.2\.(\d+)")
FIRST_WITHOUT_LEAK: Final = 49
OPEN_LOGIN_BUILD: Final = 54


def firmware_hole(version: str | None) -> str | None:
    """The issue key of a known hole of this system firmware, None for none known."""
    match = _FOSCAM_11_37_2.fullmatch(version or "")
    if match is None:
        return None
    build = int(match.group(1))
    if build < FIRST_WITHOUT_LEAK:
        return FIRMWARE_LEAK
    if build == OPEN_LOGIN_BUILD:
        return FIRMWARE_OPEN_LOGIN
    return None


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """What `get_params.cgi` tells about the camera's exposure (no password, only yes/no)."""

    empty_password_admins: tuple[str, ...]
    upnp: bool
    ddns: bool

    @classmethod
    def from_params(cls, values: Mapping[str, str]) -> CameraSettings:
        """From the fields read with `SETTINGS_FIELDS` and `set_only=PASSWORD_FIELDS`."""
        admins = []
        for slot in range(1, USER_SLOTS + 1):
            name = values.get(f"user{slot}_name", "")
            if (
                name
                and values.get(f"user{slot}_pri") == str(int(Privilege.ADMINISTRATOR))
                and values.get(f"user{slot}_pwd") == "0"
            ):
                admins.append(name)
        return cls(
            empty_password_admins=tuple(admins),
            upnp=values.get(UPNP_FIELD, "0") not in ("", "0"),
            ddns=values.get(DDNS_FIELD, "0") not in ("", "0"),
        )


def issue_id(key: str, entry: ConfigEntry) -> str:
    """The id of one security issue of one camera."""
    return f"{key}_{entry.entry_id}"


class SecurityCheck:
    """Keeps the security issues of one camera true to what the camera says."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, control: BSeriesCoordinator
    ) -> None:
        """Check the camera of `entry` through its control session and CGI client."""
        self.hass = hass
        self._entry = entry
        self._control = control

    @callback
    def async_start(self) -> None:
        """Check now in the background, again after each reconnect and every SETTINGS_REFRESH."""
        entry = self._entry
        # A new session may run new firmware (and a rebooted camera other settings).
        async_on_reconnect(entry, self._control, self._async_schedule_check)
        entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_check_due, SETTINGS_REFRESH)
        )
        self._async_schedule_check()

    @callback
    def _async_schedule_check(self) -> None:
        self._entry.async_create_background_task(
            self.hass, self.async_check(), f"{DOMAIN} security check", eager_start=False
        )

    @callback
    def _async_check_due(self, _now: datetime) -> None:
        self._async_schedule_check()

    async def async_check(self) -> None:
        """Raise or remove each issue by what the entry and the camera say now."""
        entry = self._entry
        user = entry.data[CONF_USERNAME]
        self._set(OPEN_ACCOUNT, not entry.data.get(CONF_PASSWORD), {"user": user})
        firmware = self._control.info.firmware if self._control.info is not None else None
        hole = firmware_hole(firmware)
        for key in (FIRMWARE_LEAK, FIRMWARE_OPEN_LOGIN):
            self._set(key, hole == key, {"version": firmware or ""})
        try:
            values = await self._control.cgi.get_params(SETTINGS_FIELDS, set_only=PASSWORD_FIELDS)
        except BSeriesError as err:
            # Operator accounts may not read the settings: these checks stay as they were.
            _LOGGER.debug("Security settings of %s unreadable: %s", entry.title, err)
            return
        settings = CameraSettings.from_params(values)
        # The configured account has its own issue; the others are named here.
        others = [name for name in settings.empty_password_admins if name != user]
        self._set(OPEN_ADMINS, bool(others), {"accounts": ", ".join(others)})
        self._set(UPNP_PORT_MAPPING, settings.upnp, {})
        self._set(DDNS_ENABLED, settings.ddns, {})

    def _set(self, key: str, holds: bool, placeholders: dict[str, str]) -> None:
        if not holds:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(key, self._entry))
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(key, self._entry),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=key,
            translation_placeholders={"name": self._entry.title, **placeholders},
            learn_more_url=LEARN_MORE_URL,
        )


LEARN_MORE_URL: Final = "https://github.com/bseries-ipcam/bseries-ipcam#security-repairs"


@callback
def async_remove_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove every security issue of a camera whose entry is removed."""
    for key in ISSUE_KEYS:
        ir.async_delete_issue(hass, DOMAIN, issue_id(key, entry))
