"""The control session of one camera: connect, keep it up, fan out alarms and its state.

The camera pushes everything over one TCP control session, so there is nothing to poll. The
coordinator owns that session (a protocol `CameraClient`): it connects at setup, dispatches Alarm_Notify
to its listeners, notices when the session ends, and reconnects on its own with exponential
backoff (1, 2, 4, ... s, at most 60 s apart) through HA's scheduler. Every timer and task belongs
to the config entry, so unloading it stops them all and closes every socket.

Later platforms (the camera entity, talk) take `coordinator.camera` while `coordinator.connected`
and listen with `async_add_listener`; a new `CameraClient` object stands for every new session.

A blip is no news: a session that is back within AVAILABILITY_GRACE s leaves every entity
(`available`) available with its state, and nothing is logged above DEBUG; only past the grace do
they go unavailable, with one warning. The connectivity sensor shows `connected`, the immediate
truth. Alarms are not reset by a loss: the new session asks the camera (`get_status.cgi`'s
`alarm_status`) which alarm, if any, is still on, and turns off the others.
"""

from __future__ import annotations

import asyncio
from functools import partial
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later

from .backoff import Backoff
from .const import (
    CONNECT_TIMEOUT,
    DOMAIN,
    MODEL,
    RECONNECT_MAX_DELAY,
    RECONNECT_MIN_DELAY,
    entry_title,
    manufacturer_for,
)
from .errors import WrongCameraError
from .protocol import (
    AlarmNotify,
    AlarmType,
    AuthenticationError,
    BSeriesError,
    CameraClient,
    CameraInfo,
    FrameInterval,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
)
from .protocol.cgi import CgiClient
from .protocol.listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from homeassistant.config_entries import ConfigEntry

_LOGGER = logging.getLogger(__package__)

# Errors that no retry can fix: the user has to give other credentials.
AUTH_ERRORS: Final = (AuthenticationError, InsufficientPrivilegeError, InvalidCredentialsError)

ALARM_TYPES: Final = (AlarmType.MOTION, AlarmType.INPUT, AlarmType.SOUND)

# Long enough for a Wi-Fi roam or a camera that drops its socket and takes the reconnect at the
# first or second attempt (1 s, then 2 s later), short enough that a real outage shows soon.
AVAILABILITY_GRACE: Final = 10.0
ALARM_STATUS_FIELD: Final = "alarm_status"


class BSeriesCoordinator:
    """Owns the control session of one camera and tells its listeners about every change."""

    def __init__(self, hass: HomeAssistant, config_entry: ConfigEntry[Any]) -> None:
        """Take the connection details from the config entry; nothing connects yet."""
        self.hass = hass
        self.config_entry = config_entry
        self.host: str = config_entry.data[CONF_HOST]
        self.port: int = config_entry.data[CONF_PORT]
        self._username: str = config_entry.data[CONF_USERNAME]
        self._password: str = config_entry.data[CONF_PASSWORD]
        # The camera's one HTTP client (controls, alarm settings, later features): what it learns of
        # the firmware's HTTP quirks and accepted auth is learnt once per camera.
        self.cgi = CgiClient(
            async_get_clientsession(hass),
            self.host,
            self.port,
            self._username,
            self._password,
            timeout=CONNECT_TIMEOUT,
        )
        self._camera: CameraClient | None = None
        self._camera_unsubs: list[Callable[[], None]] = []
        self.info: CameraInfo | None = None
        self.alarms: dict[AlarmType, bool] = dict.fromkeys(ALARM_TYPES, False)
        self._listeners: Listeners[[]] = Listeners()
        self._alarm_listeners: Listeners[[AlarmType]] = Listeners(_LOGGER)
        self._backoff = Backoff(RECONNECT_MIN_DELAY, RECONNECT_MAX_DELAY)
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._shutdown = False
        # A restart asked from Home Assistant: the session's end is expected, not a fault.
        self.restart_expected = False
        self._cancel_grace: CALLBACK_TYPE | None = None
        self._in_grace = False
        self._loss_told = False
        self.reconnect_attempts = 0
        self.last_error: str | None = None
        self.auth_failed = False
        # The camera forgets its frame interval at every video start and every new session; this
        # is the one the user chose, re-applied each time. The select entity restores it.
        self.frame_interval = FrameInterval.MS_0

    # --- state for entities and later platforms ------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the control session is up."""
        return self._camera is not None

    @property
    def available(self) -> bool:
        """Whether the camera's entities are available: up, or lost less than the grace ago."""
        return self._camera is not None or self._in_grace

    @property
    def camera(self) -> CameraClient | None:
        """The connected camera, or None while the session is down."""
        return self._camera

    @property
    def camera_id(self) -> str:
        """The camera id (its MAC address as 12 hex digits), known after setup."""
        assert self.info is not None
        return self.info.camera_id

    async def async_set_frame_interval(self, interval: FrameInterval) -> None:
        """Choose the frame interval: applied now if video runs, and at every video start."""
        self.frame_interval = interval
        if self._camera is not None:
            await self._camera.set_frame_interval(interval)
        self.async_update_listeners()

    def expect_restart(self, *, expected: bool = True) -> None:
        """A restart was asked for (or, `expected=False`, failed): the next loss is no fault."""
        self.restart_expected = expected

    @property
    def retry_delay(self) -> float:
        """Seconds before the next reconnect attempt after this one."""
        return self._backoff.delay

    def require_camera(self) -> CameraClient:
        """The connected camera; a translated `HomeAssistantError` while it is offline."""
        if self._camera is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders={"name": self.config_entry.title},
            )
        return self._camera

    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Call `update_callback` on every change of state; returns a function that removes it."""
        return self._listeners.add(update_callback)

    @callback
    def async_add_alarm_listener(
        self, alarm_callback: Callable[[AlarmType], None]
    ) -> CALLBACK_TYPE:
        """Call `alarm_callback` with the kind of every alarm the camera reports."""
        return self._alarm_listeners.add(alarm_callback)

    @callback
    def async_update_listeners(self) -> None:
        """Tell every listener that something changed."""
        self._listeners()

    # --- lifecycle -----------------------------------------------------------------------------

    async def async_setup(self) -> None:
        """Connect for the first time.

        Raises `ConfigEntryAuthFailed` when the camera rejects the credentials and
        `ConfigEntryNotReady` when it cannot be reached, so that HA retries the setup.
        """
        try:
            await self._async_connect()
        except AUTH_ERRORS as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"address": self._address, "error": str(err)},
            ) from err
        except WrongCameraError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="wrong_camera",
                translation_placeholders={
                    "address": self._address,
                    "expected": str(err.expected),
                    "actual": err.actual,
                },
            ) from err
        except BSeriesError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"address": self._address, "error": str(err)},
            ) from err
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )

    async def async_shutdown(self) -> None:
        """Stop reconnecting and close the session; the coordinator is done after this."""
        self._shutdown = True
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        self._end_grace()
        if (task := self._reconnect_task) is not None:
            self._reconnect_task = None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if (camera := self._detach()) is not None:
            await camera.close()

    async def _async_on_hass_stop(self, _event: Event) -> None:
        """Free the camera's client slot when HA stops."""
        self._unsub_stop = None  # a one-time listener is gone once it has fired
        await self.async_shutdown()

    @property
    def _address(self) -> str:
        return f"{self.host}:{self.port}"

    async def _async_connect(self) -> None:
        """Open a new session and make it the current one; a `BSeriesError` when it fails."""
        camera = CameraClient(
            self.host, self.port, self._username, self._password, timeout=CONNECT_TIMEOUT
        )
        camera.frame_interval = self.frame_interval
        info = await camera.connect()
        expected = self.config_entry.unique_id
        if expected is not None and info.camera_id != expected:
            await camera.close()
            raise WrongCameraError(expected, info.camera_id)
        if self.info is not None and self.info.firmware != info.firmware:
            self._async_update_firmware(info.firmware)
        first = self.info is None
        self.info = info
        self._camera = camera
        self._camera_unsubs = [
            camera.add_alarm_listener(self._async_on_alarm),
            camera.add_close_listener(partial(self._async_on_camera_closed, camera)),
        ]
        if not camera.control.connected:
            # The session ended before the close listener was in place.
            self._async_on_camera_closed(camera, None)
        elif not first:
            self.config_entry.async_create_background_task(
                self.hass, self._async_read_alarm_status(camera), f"{DOMAIN} alarm status"
            )

    async def _async_read_alarm_status(self, camera: CameraClient) -> None:
        """After a new session: keep on only the alarm the camera says is on (if any)."""
        try:
            values = await self.cgi.get("get_status.cgi", fields=(ALARM_STATUS_FIELD,))
            active = int(values.get(ALARM_STATUS_FIELD, "0"))
        except (BSeriesError, ValueError) as err:
            _LOGGER.debug("Alarm status of %s unreadable (%s): all off", self._address, err)
            active = AlarmType.STOPPED
        if camera is not self._camera:
            return  # that session is gone already
        alarms = {kind: on and kind == active for kind, on in self.alarms.items()}
        if alarms != self.alarms:
            self.alarms = alarms
            self.async_update_listeners()

    def _detach(self) -> CameraClient | None:
        """Forget the current session (without closing it) and return it."""
        camera, self._camera = self._camera, None
        for unsub in self._camera_unsubs:
            unsub()
        self._camera_unsubs = []
        return camera

    @callback
    def _async_update_firmware(self, firmware: str) -> None:
        """Keep the device's firmware version current after the camera was upgraded."""
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.camera_id), self.config_entry.entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, sw_version=firmware)

    # --- events from the camera --------------------------------------------------------------

    @callback
    def _async_on_alarm(self, alarm: AlarmNotify) -> None:
        """Alarm_Notify: 1/2/3 switch that alarm on, 0 switches them all off."""
        if alarm.alarm_type == AlarmType.STOPPED:
            self.alarms = dict.fromkeys(ALARM_TYPES, False)
        elif alarm.alarm_type in self.alarms:
            self.alarms[AlarmType(alarm.alarm_type)] = True
            self._alarm_listeners(AlarmType(alarm.alarm_type))
        else:
            _LOGGER.debug("Ignored alarm of unknown type %d", alarm.alarm_type)
            return
        self.async_update_listeners()

    @callback
    def _async_on_camera_closed(self, camera: CameraClient, error: BSeriesError | None) -> None:
        """The session ended: mark everything unavailable and start reconnecting."""
        if camera is not self._camera or self._shutdown:
            return
        # The protocol closes its own sockets when a session ends; only forget it here.
        self._detach()
        self.last_error = str(error) if error is not None else "connection closed"
        if not self._in_grace and not self._loss_told:
            _LOGGER.debug(
                "Lost the connection to %s (%s); entities stay available for %g s",
                self._address,
                self.last_error,
                AVAILABILITY_GRACE,
            )
            self._in_grace = True
            self._cancel_grace = async_call_later(
                self.hass,
                AVAILABILITY_GRACE,
                HassJob(partial(self._async_grace_over, self.last_error), cancel_on_shutdown=True),
            )
        self._backoff.reset()
        self._async_schedule_reconnect()
        self.async_update_listeners()

    @callback
    def _async_grace_over(self, error: str, _now: datetime) -> None:
        """Still no session after the grace: now the entities go, and the user is told once."""
        self._cancel_grace = None
        self._in_grace = False
        if self._camera is not None:
            return
        self._loss_told = True
        if self.restart_expected:
            _LOGGER.info(
                "%s at %s is restarting as asked; reconnecting when it is back",
                self.config_entry.title,
                self._address,
            )
        else:
            _LOGGER.warning(
                "Lost the connection to %s at %s (%s); reconnecting in the background",
                self.config_entry.title,
                self._address,
                error,
            )
        self.async_update_listeners()

    def _end_grace(self) -> None:
        self._in_grace = False
        if self._cancel_grace is not None:
            self._cancel_grace()
            self._cancel_grace = None

    # --- reconnecting --------------------------------------------------------------------------

    @callback
    def _async_schedule_reconnect(self) -> None:
        self._cancel_retry = async_call_later(
            self.hass,
            self._backoff.next(),
            HassJob(self._async_reconnect_due, cancel_on_shutdown=True),
        )

    @callback
    def _async_reconnect_due(self, _now: datetime) -> None:
        self._cancel_retry = None
        self._reconnect_task = self.config_entry.async_create_background_task(
            self.hass,
            self._async_reconnect(),
            f"{DOMAIN} reconnect {entry_title(self.config_entry.unique_id or self.host)}",
            eager_start=False,
        )

    async def _async_reconnect(self) -> None:
        self.reconnect_attempts += 1
        try:
            await self._async_connect()
        except AUTH_ERRORS as err:
            self.last_error = str(err)
            self.auth_failed = True
            _LOGGER.warning(
                "%s at %s rejected the credentials (%s); log in again (reauthenticate) to reconnect",
                self.config_entry.title,
                self._address,
                err,
            )
            self.config_entry.async_start_reauth(self.hass)
            self.async_update_listeners()
        except BSeriesError as err:
            self.last_error = str(err)
            _LOGGER.debug(
                "Reconnecting to %s failed (%s); next attempt in %g s",
                self._address,
                err,
                self._backoff.delay,
            )
            self._async_schedule_reconnect()
        except Exception as err:
            # A bug, not the network: say so, but keep trying as for any other failure.
            self.last_error = str(err)
            _LOGGER.exception("Unexpected error while reconnecting to %s", self._address)
            self._async_schedule_reconnect()
        else:
            if self._loss_told:
                _LOGGER.info(
                    "Connection to %s at %s restored", self.config_entry.title, self._address
                )
            else:
                _LOGGER.debug("Connection to %s restored within the grace", self._address)
            self._loss_told = False
            self._end_grace()
            self._backoff.reset()
            self.last_error = None
            self.restart_expected = False
            self.async_update_listeners()
        finally:
            self._reconnect_task = None

    # --- device --------------------------------------------------------------------------------

    @property
    def device_info(self) -> dr.DeviceInfo:
        """The device the entities of this camera belong to."""
        info = self.info
        assert info is not None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return dr.DeviceInfo(
            identifiers={(DOMAIN, info.camera_id)},
            connections={(dr.CONNECTION_NETWORK_MAC, dr.format_mac(info.mac))},
            manufacturer=manufacturer_for(info.camera_id),
            model=MODEL,
            name=self.config_entry.title,
            serial_number=info.camera_id,
            sw_version=info.firmware or None,
            configuration_url=f"http://{host}:{self.port}/",
        )
