"""The control session (MO_O): login, verify, requests matched to responses, alarms, keepalive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging

from .connection import CommandConnection, open_connection
from .const import (
    DEAD_AFTER,
    KEEPALIVE_INTERVAL,
    Channel,
    FrameInterval,
    Privilege,
    ResultCode,
)
from .exceptions import (
    BSeriesError,
    CameraTimeoutError,
    ConnectionClosedError,
    error_for_result,
)
from .listeners import Listeners
from .messages import (
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    Command,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamsFetchReq,
    ParamsResp,
    PeerCameraList,
    TalkEnd,
    TalkStartReq,
    TalkStartResp,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
    VideoStartResp,
    encode_credential,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0

type CommandListener = Callable[[Command], None]
type CloseListener = Callable[[BSeriesError | None], None]


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """What the camera tells about itself at login."""

    camera_id: str
    firmware: str
    protocol_version: int
    privilege: int

    @property
    def mac(self) -> str:
        """The camera id as a MAC address, aa:bb:cc:dd:ee:ff."""
        raw = self.camera_id.lower()
        return ":".join(raw[i : i + 2] for i in range(0, 12, 2))

    @property
    def privilege_name(self) -> str:
        """visitor, operator, administrator (or the number)."""
        try:
            return Privilege(self.privilege).name.lower()
        except ValueError:
            return str(self.privilege)


def check_credentials(user: str, password: str) -> None:
    """Raise `InvalidCredentialsError` for a user or password the camera cannot take."""
    encode_credential("user name", user)
    encode_credential("password", password)


class ControlSession:
    """One logged-in control connection to a camera."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        """Check the credentials now, so that bad input fails before any connection."""
        check_credentials(user, password)
        self.host = host
        self.port = port
        self._user = user
        self._password = password
        self.timeout = timeout
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._connection: CommandConnection | None = None
        self._waiters: dict[int, asyncio.Future[Command]] = {}
        self._request_lock = asyncio.Lock()
        self._listeners: Listeners[[Command]] = Listeners(_LOGGER)
        self._close_listeners: Listeners[[BSeriesError | None]] = Listeners(_LOGGER)
        self._closed: asyncio.Future[BSeriesError | None] | None = None
        self.info: CameraInfo | None = None

    def __repr__(self) -> str:
        """Never the password."""
        return f"ControlSession({self.host}:{self.port}, user={self._user!r})"

    @property
    def connected(self) -> bool:
        """Whether the session is logged in and open."""
        return self.info is not None and self._closed is not None and not self._closed.done()

    async def connect(self) -> CameraInfo:
        """Connect, log in and verify. Raises a typed `BSeriesError` for every failure."""
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        self._connection = await open_connection(
            self.host,
            self.port,
            Channel.CONTROL,
            on_command=self._dispatch,
            on_close=self._finish,
            timeout=self.timeout,
            keepalive_interval=self._keepalive_interval,
            dead_after=self._dead_after,
            name=f"control {self.host}:{self.port}",
        )
        try:
            self.info = await self._login()
        except BaseException:
            await self.close()
            raise
        self._connection.start_keepalive()
        _LOGGER.debug(
            "Logged in to %s as %s (%s)", self.info.camera_id, self._user, self.info.privilege_name
        )
        return self.info

    async def _login(self) -> CameraInfo:
        login = await self._request(LoginReq(), LoginResp)
        if not login.ok or login.camera_id is None:
            raise error_for_result(login.result)
        verify = await self._request(VerifyReq(self._user, self._password), VerifyResp)
        if not verify.ok:
            raise error_for_result(verify.result)
        return CameraInfo(
            camera_id=login.camera_id,
            firmware=login.firmware or "",
            protocol_version=login.protocol_version or 0,
            privilege=verify.privilege if verify.privilege is not None else Privilege.VISITOR,
        )

    # --- requests ---------------------------------------------------------------------------

    async def _request[R: Command](self, command: Command, response_type: type[R]) -> R:
        """Send a command and wait for the response of the given type."""
        connection = self._require_connection()
        async with self._request_lock:
            waiter: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
            self._waiters[response_type.OPCODE] = waiter
            try:
                await connection.send(command)
                async with asyncio.timeout(self.timeout):
                    response = await waiter
            except TimeoutError:
                raise CameraTimeoutError(
                    f"no {response_type.NAME} from the camera within {self.timeout:g} s"
                ) from None
            finally:
                self._waiters.pop(response_type.OPCODE, None)
        assert isinstance(response, response_type)
        return response

    async def send(self, command: Command) -> None:
        """Send a command that has no response."""
        await self._require_connection().send(command)

    def _require_connection(self) -> CommandConnection:
        if self._connection is None or self._connection.closed:
            raise ConnectionClosedError("the control session is not connected")
        return self._connection

    async def start_video(self) -> int | None:
        """Video_Start: the data connection id, or None when an AV connection already exists."""
        response = await self._request(VideoStartReq(1), VideoStartResp)
        return self._connection_id(response.result, response.connection_id)

    async def stop_video(self) -> None:
        """Video_End."""
        await self.send(VideoEnd())

    async def set_frame_interval(self, interval: FrameInterval) -> None:
        """Video_FrameInterval; the camera forgets it at the next video start."""
        await self.send(VideoFrameInterval(interval.value))

    async def start_audio(self) -> int | None:
        """Audio_Start: as `start_video`."""
        response = await self._request(AudioStartReq(1), AudioStartResp)
        return self._connection_id(response.result, response.connection_id)

    async def stop_audio(self) -> None:
        """Audio_End."""
        await self.send(AudioEnd())

    async def start_talk(self, buffer_seconds: int = 1) -> int | None:
        """Talk_Start with the camera's playback buffer in seconds: as `start_video`."""
        response = await self._request(TalkStartReq(buffer_seconds), TalkStartResp)
        return self._connection_id(response.result, response.connection_id)

    async def stop_talk(self) -> None:
        """Talk_End."""
        await self.send(TalkEnd())

    async def fetch_params(self) -> ParamsResp:
        """The camera's image parameters (op 16 -> 17)."""
        return await self._request(ParamsFetchReq(), ParamsResp)

    @staticmethod
    def _connection_id(result: int, connection_id: int | None) -> int | None:
        if result != ResultCode.OK:
            raise error_for_result(result)
        return connection_id

    # --- incoming ----------------------------------------------------------------------------

    def add_listener(self, listener: CommandListener) -> Callable[[], None]:
        """Call `listener` with every unsolicited command (alarms, param changes); returns remove."""
        return self._listeners.add(listener)

    def add_close_listener(self, listener: CloseListener) -> Callable[[], None]:
        """Call `listener` once when the session ends: the error, or None for a local close."""
        return self._close_listeners.add(listener)

    async def wait_closed(self) -> BSeriesError | None:
        """Wait until the session ends; the error that ended it, or None for a local close."""
        if self._closed is None:
            return None
        return await asyncio.shield(self._closed)

    def _dispatch(self, command: Command) -> None:
        if isinstance(command, UnknownCommand):
            _LOGGER.debug(
                "Skipped unknown control command op %d (%d bytes)",
                command.opcode,
                len(command.text),
            )
            return
        if isinstance(command, KeepAlive):
            return
        waiter = self._waiters.get(command.OPCODE)
        if waiter is not None and not waiter.done():
            waiter.set_result(command)
            return
        if isinstance(command, PeerCameraList):
            # It holds other cameras' passwords in plain text: dropped unread, never logged.
            _LOGGER.debug("Dropped a peer camera list (op 28, %d bytes)", len(command.data))
            return
        self._listeners(command)

    def _finish(self, error: BSeriesError | None) -> None:
        if self._closed is None or self._closed.done():
            return
        self._closed.set_result(error)
        failure = error or ConnectionClosedError("the control session was closed")
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(failure)
        self._waiters.clear()
        if error is not None:
            _LOGGER.debug("Control session to %s:%s ended: %s", self.host, self.port, error)
        self._close_listeners(error)

    def abort(self, error: BSeriesError) -> None:
        """End the session now, with `error` as the reason its close listeners get."""
        if self._connection is not None:
            self._connection.abort(error)
        self._finish(error)

    async def close(self) -> None:
        """Close the session and its socket; safe to call more than once."""
        if self._connection is not None:
            await self._connection.close()
        self._finish(None)
