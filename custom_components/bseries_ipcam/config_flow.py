"""Config flow of the B-Series IP Camera integration.

Every path ends in a real login and verify against the camera, whose camera id (its MAC address)
is the unique id of the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .const import (
    CONF_H264_STREAM,
    CONF_KEEP_CLOCK,
    CONF_PAN_TILT,
    CONF_PREROLL_SECONDS,
    CONF_RESTREAM,
    CONNECT_TIMEOUT,
    DEFAULT_KEEP_CLOCK,
    DEFAULT_PAN_TILT,
    DEFAULT_PORT,
    DOMAIN,
    entry_title,
)
from .controls import pan_tilt_enabled
from .discovery import CONF_CAMERA_ID
from .media.preroll import MAX_PREROLL_SECONDS
from .media.restream import (
    RESTREAM_USER,
    async_ensure_secret,
    restream_enabled,
    restream_paths,
    restream_secret,
)
from .protocol import (
    BadPasswordError,
    BadUserError,
    BSeriesError,
    CameraClient,
    CameraInfo,
    CameraTimeoutError,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
    TooManyConnectionsError,
)
from .protocol.cgi import CgiClient
from .protocol.controls import CameraControls, read_alias

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
    from homeassistant.helpers.typing import DiscoveryInfoType

_LOGGER = logging.getLogger(__name__)

USERNAME_SELECTOR: Final = TextSelector(TextSelectorConfig(autocomplete="username"))
PASSWORD_SELECTOR: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)

ADDRESS_FIELDS: Final = {
    probatio.Required(CONF_HOST): str,
    probatio.Required(CONF_PORT, default=DEFAULT_PORT): cv.port,
}
# The password may be empty: the factory account is `admin` without one (a repair then says to
# set one, see security.py); a required field would make the frontend refuse it.
CREDENTIAL_FIELDS: Final = {
    probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
    probatio.Optional(CONF_PASSWORD, default=""): PASSWORD_SELECTOR,
}

USER_SCHEMA: Final = probatio.Schema({**ADDRESS_FIELDS, **CREDENTIAL_FIELDS})
RECONFIGURE_SCHEMA: Final = probatio.Schema(ADDRESS_FIELDS)
REAUTH_SCHEMA: Final = probatio.Schema(CREDENTIAL_FIELDS)
OPTIONS_SCHEMA: Final = probatio.Schema(
    {
        probatio.Required(CONF_PAN_TILT, default=DEFAULT_PAN_TILT): BooleanSelector(),
        probatio.Required(CONF_PREROLL_SECONDS, default=0): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_PREROLL_SECONDS,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="s",
            )
        ),
        probatio.Required(CONF_RESTREAM, default=False): BooleanSelector(),
        probatio.Required(CONF_KEEP_CLOCK, default=DEFAULT_KEEP_CLOCK): BooleanSelector(),
        probatio.Required(CONF_H264_STREAM, default=False): BooleanSelector(),
    }
)
CONF_REGENERATE_SECRET: Final = "regenerate_secret"  # noqa: S105 - a form field, no secret
DHCP_CONFIRM_SCHEMA: Final = probatio.Schema(
    {probatio.Required(CONF_PORT, default=DEFAULT_PORT): cv.port, **CREDENTIAL_FIELDS}
)
DISCOVERY_CONFIRM_SCHEMA: Final = REAUTH_SCHEMA


async def _async_check_camera(
    host: str,
    port: int,
    username: str,
    password: str,
    *,
    alias_from: aiohttp.ClientSession | None = None,
) -> tuple[CheckedCamera | None, dict[str, str]]:
    """Log in and verify once; the camera's info, or the form errors that explain the failure.

    With `alias_from` (an HTTP session), the camera's alias is read too: `CheckedCamera.alias`.
    """
    try:
        camera = CameraClient(host, port, username, password, timeout=CONNECT_TIMEOUT)
    except InvalidCredentialsError:
        return None, {"base": "invalid_credentials_format"}
    try:
        info = await camera.connect()
        alias = None
        if alias_from is not None:
            alias = await _async_read_alias(
                camera, alias_from, host=host, port=port, username=username, password=password
            )
        return CheckedCamera(info, alias), {}
    except BadUserError:
        return None, {"base": "invalid_user"}
    except BadPasswordError:
        return None, {"base": "invalid_password"}
    except TooManyConnectionsError:
        return None, {"base": "too_many_connections"}
    except InsufficientPrivilegeError:
        return None, {"base": "insufficient_privilege"}
    except CameraTimeoutError:
        return None, {"base": "timeout"}
    except BSeriesError as err:
        _LOGGER.debug("Cannot connect to %s:%s: %s", host, port, err)
        return None, {"base": "cannot_connect"}
    except Exception:
        _LOGGER.exception("Unexpected error while connecting to %s:%s", host, port)
        return None, {"base": "unknown"}
    finally:
        await camera.close()


# --- the camera's own name --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedCamera:
    """A camera that answered the check: its login info and, when read, its alias."""

    info: CameraInfo
    alias: str | None = None

    @property
    def camera_id(self) -> str:
        """The camera id (MAC address)."""
        return self.info.camera_id

    @property
    def title(self) -> str:
        """The entry's title: the camera's alias, else "B-Series camera <id>"."""
        return self.alias or entry_title(self.info.camera_id)


async def _async_read_alias(
    camera: CameraClient,
    http: aiohttp.ClientSession,
    *,
    host: str,
    port: int,
    username: str,
    password: str,
) -> str | None:
    """The camera's alias: op 0x0101 (with op 17) or get_params.cgi's `alias`, else None."""
    cgi = CgiClient(http, host, port, username, password, timeout=CONNECT_TIMEOUT)
    controls = CameraControls(camera.control, cgi)
    try:
        return await read_alias(controls, cgi)
    finally:
        controls.close()


class BSeriesOptionsFlow(OptionsFlow):
    """Options: pan and tilt, pre-roll, restream, keeping the camera's clock, the H.264 stream.

    With restream on, its endpoints and password follow the form (step `restream_endpoints`), so
    they show right after switching it on; a new secret is asked for in the form and confirmed (step
    `regenerate_secret`) before it replaces the old one, since the NVR streams opened with the old one end. The entry reloads
    when the options change (its update listener, see `__init__`).
    """

    _options: dict[str, Any]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options with their current values (FI8904W and FI8905W do not pan or tilt)."""
        entry = self.config_entry
        secret = restream_secret(entry)
        restream_on = restream_enabled(entry) and secret is not None
        if user_input is not None:
            self._options = {
                **entry.options,
                CONF_PAN_TILT: user_input[CONF_PAN_TILT],
                CONF_PREROLL_SECONDS: int(user_input[CONF_PREROLL_SECONDS]),
                CONF_RESTREAM: user_input[CONF_RESTREAM],
                CONF_KEEP_CLOCK: user_input[CONF_KEEP_CLOCK],
                CONF_H264_STREAM: user_input[CONF_H264_STREAM],
            }
            if not user_input[CONF_RESTREAM]:
                return self.async_create_entry(data=self._options)
            if user_input.get(CONF_REGENERATE_SECRET):
                return await self.async_step_regenerate_secret()
            async_ensure_secret(self.hass, entry)
            return await self.async_step_restream_endpoints()
        schema = OPTIONS_SCHEMA
        if restream_on:
            schema = schema.extend(
                {probatio.Optional(CONF_REGENERATE_SECRET, default=False): BooleanSelector()}
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, {**entry.options, CONF_PAN_TILT: pan_tilt_enabled(entry)}
            ),
        )

    async def async_step_regenerate_secret(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the new secret: NVR streams opened with the old one end at once."""
        if user_input is not None:
            async_ensure_secret(self.hass, self.config_entry, renew=True)
            return await self.async_step_restream_endpoints()
        return self.async_show_form(
            step_id="regenerate_secret",
            description_placeholders={"name": self.config_entry.title},
        )

    async def async_step_restream_endpoints(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The endpoints as full URLs, the user and the password, to copy into the NVR."""
        if user_input is not None:
            return self.async_create_entry(data=self._options)
        entry = self.config_entry
        base = _internal_url(self.hass)
        paths = restream_paths(entry)
        # The H.264 endpoint is there only with the option; it may be switched on in this very form.
        ts = f"\n- MPEG-TS (H.264 + AAC): `{base}{paths['mkv'].removesuffix('mkv')}ts`"
        return self.async_show_form(
            step_id="restream_endpoints",
            description_placeholders={
                "mjpeg_url": base + paths["mjpeg"],
                "mkv_url": base + paths["mkv"],
                "ts_endpoint": ts if self._options.get(CONF_H264_STREAM) else "",
                "user": RESTREAM_USER,
                "password": restream_secret(entry) or "",
            },
        )


def _internal_url(hass: HomeAssistant) -> str:
    """Home Assistant's URL on the home network, "" when none is known (paths stay relative)."""
    try:
        return get_url(hass, allow_external=False)
    except NoURLAvailableError:
        return ""


class BSeriesConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a B-Series camera: by hand, from DHCP discovery, reauth and reconfigure."""

    VERSION = 1
    MINOR_VERSION = 1

    _discovered_host: str
    _discovered_port: int

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> BSeriesOptionsFlow:
        """The camera's options: pan/tilt, pre-roll and restream."""
        return BSeriesOptionsFlow()

    # The two camera ids of the last wrong_camera error.
    _wrong_camera: dict[str, str] | None = None

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the camera's address and an account on it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            info, errors = await _async_check_camera(
                user_input[CONF_HOST],
                user_input[CONF_PORT],
                user_input[CONF_USERNAME],
                user_input[CONF_PASSWORD],
                alias_from=async_get_clientsession(self.hass),
            )
            if info is not None:
                return await self._async_create_or_update(info, user_input)
        return self.async_show_form(
            step_id="user",
            # What the user typed stays after an error, the password too (masked), as in core's
            # reolink and imap flows: a wrong host should not cost retyping the password.
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    @override
    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A camera showed up on the network: update a known one, offer a new one."""
        camera_id = discovery_info.macaddress.replace(":", "").upper()
        await self.async_set_unique_id(camera_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        # A camera whose DHCP address belongs to another interface (wired and wireless MAC
        # addresses differ) is still known by its address.
        self._async_abort_entries_match({CONF_HOST: discovery_info.ip})
        self._discovered_host = discovery_info.ip
        self.context["title_placeholders"] = {"name": entry_title(camera_id)}
        self.context["configuration_url"] = f"http://{discovery_info.ip}/"
        return await self.async_step_dhcp_confirm()

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for an account on the discovered camera."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_HOST: self._discovered_host, **user_input}
            info, errors = await _async_check_camera(
                self._discovered_host,
                user_input[CONF_PORT],
                user_input[CONF_USERNAME],
                user_input[CONF_PASSWORD],
                alias_from=async_get_clientsession(self.hass),
            )
            if info is not None:
                return await self._async_create_or_update(info, data)
        return self.async_show_form(
            step_id="dhcp_confirm",
            data_schema=self.add_suggested_values_to_schema(DHCP_CONFIRM_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"host": self._discovered_host},
        )

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """A camera answered the UDP search: update a known one, offer a new one."""
        camera_id: str = discovery_info[CONF_CAMERA_ID]
        host: str = discovery_info[CONF_HOST]
        port: int = discovery_info[CONF_PORT]
        await self.async_set_unique_id(camera_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        self._discovered_host = host
        self._discovered_port = port
        name = discovery_info[CONF_NAME]
        title = entry_title(camera_id)
        self.context["title_placeholders"] = {"name": f"{name} ({title})" if name else title}
        self.context["configuration_url"] = f"http://{host}:{port}/"
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for an account on the camera that answered; its address and port are known."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                CONF_HOST: self._discovered_host,
                CONF_PORT: self._discovered_port,
                **user_input,
            }
            info, errors = await _async_check_camera(
                self._discovered_host,
                self._discovered_port,
                user_input[CONF_USERNAME],
                user_input[CONF_PASSWORD],
                alias_from=async_get_clientsession(self.hass),
            )
            if info is not None:
                return await self._async_create_or_update(info, data)
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(DISCOVERY_CONFIRM_SCHEMA, user_input),
            errors=errors,
            description_placeholders={
                "name": self.context["title_placeholders"]["name"],
                "address": f"{self._discovered_host}:{self._discovered_port}",
            },
        )

    async def _async_create_or_update(
        self, info: CheckedCamera, data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """A new entry for a new camera; a known one only gets its new address."""
        await self.async_set_unique_id(info.camera_id, raise_on_progress=False)
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        )
        return self.async_create_entry(
            title=info.title,
            data={
                CONF_HOST: data[CONF_HOST],
                CONF_PORT: data[CONF_PORT],
                CONF_USERNAME: data[CONF_USERNAME],
                CONF_PASSWORD: data[CONF_PASSWORD],
            },
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The camera rejected the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password again (and the user name, in case that changed too)."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            result, errors = await self._async_update_same_camera(
                entry,
                {
                    CONF_USERNAME: user_input[CONF_USERNAME],
                    CONF_PASSWORD: user_input[CONF_PASSWORD],
                },
            )
            if result is not None:
                return result
            if errors.get("base") == "wrong_camera":
                # New credentials cannot fix the address: only reconfigure can.
                return self.async_abort(reason="wrong_camera")
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                REAUTH_SCHEMA, user_input or {CONF_USERNAME: entry.data[CONF_USERNAME]}
            ),
            errors=errors,
            description_placeholders={
                "address": f"{entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}"
            },
        )

    async def _async_update_same_camera(
        self, entry: ConfigEntry, data_updates: dict[str, Any]
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Check the entry's camera with `data_updates` applied.

        When it answers and is the same camera, the entry is updated and reloaded (the result
        ends the flow); otherwise the errors to show. Another camera is the `wrong_camera` error,
        with the two camera ids in `self._wrong_camera`.
        """
        data = {**entry.data, **data_updates}
        info, errors = await _async_check_camera(
            data[CONF_HOST], data[CONF_PORT], data[CONF_USERNAME], data[CONF_PASSWORD]
        )
        if info is None:
            return None, errors
        if info.camera_id != entry.unique_id:
            self._wrong_camera = {"expected": str(entry.unique_id), "actual": info.camera_id}
            return None, {"base": "wrong_camera"}
        return self.async_update_reload_and_abort(entry, data_updates=data_updates), errors

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the camera's address; it must still be the same camera."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            result, errors = await self._async_update_same_camera(
                entry,
                {CONF_HOST: user_input[CONF_HOST], CONF_PORT: user_input[CONF_PORT]},
            )
            if result is not None:
                return result
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, user_input or entry.data
            ),
            errors=errors,
            description_placeholders=self._wrong_camera_placeholders(),
        )

    def _wrong_camera_placeholders(self) -> dict[str, str]:
        """The camera ids the wrong_camera error names (empty before that error)."""
        return self._wrong_camera or {}
