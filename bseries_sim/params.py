"""The simulated camera's stored settings, as `get_params.cgi` reports them: one place for every field.

`default_params` builds the table a fresh camera holds; CGIs that change settings update
`SimState.params` in place, so every reader (`get_params.cgi`, the control session's alias) sees
one truth. A new CGI adds its fields to `default_params`, in a block of its own.

The table holds secrets on purpose (every account's password, the Wi-Fi key, the mail, FTP, DDNS
and PPPoE passwords): the real reply does, and tests prove that the integration never leaks them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.const import Privilege

from .alarm import alarm_params

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .config import SimulatorConfig

type ParamValue = int | str

USER_SLOTS: Final = 8
WIFI_KEY: Final = "wifi-secret-key-1234"
MAIL_PASSWORD: Final = "mail-secret"  # noqa: S105 - a simulated secret that must never leak
FTP_PASSWORD: Final = "ftp-secret"  # noqa: S105 - a simulated secret that must never leak
DDNS_PASSWORD: Final = "ddns-secret"  # noqa: S105 - a simulated secret that must never leak
PPPOE_PASSWORD: Final = "pppoe-secret"  # noqa: S105 - a simulated secret that must never leak

# The fields whose values are secrets (tests look for these values in logs and diagnostics).
SECRET_FIELDS: Final = (
    *(f"user{n}_pwd" for n in range(1, USER_SLOTS + 1)),
    "wifi_key1",
    "wifi_key2",
    "wifi_key3",
    "wifi_key4",
    "wifi_wpa_psk",
    "mail_pwd",
    "ftp_pwd",
    "ddns_pwd",
    "adsl_pwd",
)


def default_params(config: SimulatorConfig) -> dict[str, ParamValue]:
    """Every field of a fresh camera's `get_params.cgi` reply, in the camera's order."""
    params: dict[str, ParamValue] = {
        "id": config.camera_id,
        "sys_ver": config.firmware,
        "app_ver": config.app_version,
        "alias": config.alias,
        "tz": 0,
        "ntp_enable": int(config.ntp),
        "ntp_svr": "time.nist.gov",
        "daylight_saving_time": 0,
        "dhcpen": 1,
        "ip": config.host,
        "mask": "255.255.255.0",
        "gateway": "",
        "dns": "",
        "port": config.port,
    }
    users = list(config.users.items())[:USER_SLOTS]
    for slot in range(1, USER_SLOTS + 1):
        name, user = users[slot - 1] if slot <= len(users) else ("", None)
        params[f"user{slot}_name"] = name
        params[f"user{slot}_pwd"] = user.password if user is not None else ""
        params[f"user{slot}_pri"] = int(user.privilege if user is not None else Privilege.VISITOR)
    params.update(
        {
            "wifi_enable": 1,
            "wifi_ssid": "home-network",
            "wifi_encrypt": 3,
            "wifi_defkey": 0,
            "wifi_key1": WIFI_KEY,
            "wifi_key2": "",
            "wifi_key3": "",
            "wifi_key4": "",
            "wifi_authtype": 0,
            "wifi_keyformat": 0,
            "wifi_wpa_psk": WIFI_KEY,
            "adsl_enable": 0,
            "adsl_user": "",
            "adsl_pwd": PPPOE_PASSWORD,
            "mail_svr": "smtp.example.invalid",
            "mail_user": "camera",
            "mail_pwd": MAIL_PASSWORD,
            "mail_sender": "camera@example.invalid",
            "ftp_svr": "ftp.example.invalid",
            "ftp_port": 21,
            "ftp_user": "camera",
            "ftp_pwd": FTP_PASSWORD,
            "ddns_service": 1 if config.ddns else 0,
            "ddns_user": "camera",
            "ddns_pwd": DDNS_PASSWORD,
            "ddns_host": "camera.example.invalid" if config.ddns else "",
            "upnp_enable": int(config.upnp),
        }
    )
    # --- alarm settings (alarm.py: set_alarm.cgi, arming) ---
    params.update(alarm_params(config))
    return params


def render_vars(values: Iterable[tuple[str, ParamValue]]) -> str:
    """`var name=value;` lines as the camera writes them: numbers bare, text in single quotes."""
    lines = []
    for name, value in values:
        if isinstance(value, int):
            lines.append(f"var {name}={value};")
        else:
            escaped = value.replace("\\", "\\\\").replace("'", "\\'")
            lines.append(f"var {name}='{escaped}';")
    return "\n".join(lines) + "\n"


def secret_values(params: Mapping[str, ParamValue]) -> list[str]:
    """The non-empty secret values in `params` (what must never appear in a log or diagnostics)."""
    return [str(params[name]) for name in SECRET_FIELDS if params.get(name)]
