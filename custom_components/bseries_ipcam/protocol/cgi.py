"""The camera's CGIs on its one port: a small typed asyncio client over the caller's aiohttp session.

`CgiClient` sends `GET /<name>.cgi` with HTTP Basic authentication; a camera that refuses Basic
gets the same request once more with `user=&pwd=` in the query, and the client keeps to the form
that worked. Some clone firmwares send a header line that aiohttp (like every strict HTTP parser)
rejects; the client then reads that camera's replies from a socket of its own, with a tolerant
parser, for the rest of its life.

Replies are either `var name=value;` lines (`parse_vars`) or a body that is `ok.` for success and
names the error otherwise (`call`). `get_params.cgi`'s reply holds every account's password and
the Wi-Fi key: `get_params` keeps only the fields the caller names, and nothing here logs a value
(a debug line names fields only). The password never appears in a log line, an exception text or
a repr, and no aiohttp exception (whose text carries the URL) leaves this module.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

import aiohttp

from .exceptions import (
    CameraTimeoutError,
    CgiAuthenticationError,
    CgiNotFoundError,
    CgiResponseError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
    ProtocolError,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

_LOGGER = logging.getLogger(__name__)

DEFAULT_CGI_TIMEOUT: Final = 10.0
MAX_REPLY_BYTES: Final = 256 * 1024
OK_BODY: Final = "ok."
_ERROR_TEXT_CHARS: Final = 60
_HTTP_OK: Final = 200
_HTTP_UNAUTHORIZED: Final = 401
_HTTP_NOT_FOUND: Final = 404

type QueryValue = str | int


class CgiClient:
    """Calls one camera's CGIs (`get_params.cgi`, `camera_control.cgi`, ...) over HTTP.

    `session` is the caller's (Home Assistant's shared one); this client never closes it.
    `timeout` bounds each request from connect to the last byte.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        timeout: float = DEFAULT_CGI_TIMEOUT,
    ) -> None:
        """A client for the camera at `host:port` with these credentials."""
        self._session = session
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self._timeout = timeout
        self._basic = "Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1")).decode()
        self._query_auth = False
        self._raw_http = False

    def __repr__(self) -> str:
        """Host, port and user; never the password."""
        return f"CgiClient({self.host}:{self.port}, user={self.user!r})"

    @property
    def tolerant_http(self) -> bool:
        """Whether this camera's replies are read with the tolerant parser (clone header quirk)."""
        return self._raw_http

    # --- typed calls -------------------------------------------------------------------------

    async def get_params(
        self, fields: Collection[str], *, set_only: Collection[str] = ()
    ) -> dict[str, str]:
        """The named fields of `get_params.cgi` (those the camera has); nothing else is kept.

        The full reply holds every account's password and the Wi-Fi key: name only the fields
        you need, and never store the reply whole. Of a field in `set_only` (a password) only
        whether it is set leaves the parser: "1" or "0", never its value.
        """
        return await self.get("get_params.cgi", fields=fields, set_only=set_only)

    async def get_camera_params(self) -> dict[str, str]:
        """`get_camera_params.cgi`: resolution, brightness, contrast, mode, flip (as text)."""
        return await self.get("get_camera_params.cgi")

    async def camera_control(self, param: int, value: int) -> None:
        """`camera_control.cgi?param=P&value=V`: change one image setting."""
        await self.call("camera_control.cgi", param=param, value=value)

    async def decoder_control(self, command: int, *, onestep: bool = False) -> None:
        """`decoder_control.cgi?command=N` (pan/tilt, patrol, presets, IR); `onestep`: one step."""
        if onestep:
            await self.call("decoder_control.cgi", command=command, onestep=1)
        else:
            await self.call("decoder_control.cgi", command=command)

    async def get_misc(self) -> dict[str, str]:
        """`get_misc.cgi`: LED mode, pan/tilt and patrol speeds, patrol rounds, start-up position.

        `CgiNotFoundError` on firmware without it.
        """
        return await self.get("get_misc.cgi")

    async def set_misc(self, **values: int) -> None:
        """`set_misc.cgi?<field>=<value>...`: change some of `get_misc.cgi`'s fields."""
        await self.call("set_misc.cgi", **values)

    async def get_status(self) -> dict[str, str]:
        """`get_status.cgi`: id, firmware, alias, camera time (`now`) and time zone (`tz`)."""
        return await self.get("get_status.cgi")

    async def set_datetime(
        self, *, now: int, tz: int, ntp_enable: bool, ntp_server: str, daylight_saving: bool
    ) -> None:
        """`set_datetime.cgi`: the camera's clock (UTC seconds), `tz` (seconds WEST of UTC), NTP."""
        await self.call(
            "set_datetime.cgi",
            now=now,
            tz=tz,
            ntp_enable=int(ntp_enable),
            ntp_svr=ntp_server,
            daylight_saving_time=int(daylight_saving),
        )

    async def reboot(self) -> None:
        """`reboot.cgi`: restart the camera; it drops every connection, maybe before it answers."""
        await self.call("reboot.cgi")

    # --- generic calls -----------------------------------------------------------------------

    async def get(
        self,
        cgi: str,
        *,
        fields: Collection[str] | None = None,
        set_only: Collection[str] = (),
        **query: QueryValue,
    ) -> dict[str, str]:
        """The `var name=value;` reply of `cgi`, only `fields` when given (`set_only`: see above)."""
        body = await self.request(cgi, **query)
        values = parse_vars(body, fields, set_only=set_only)
        _LOGGER.debug("%s answered fields %s", cgi, ", ".join(sorted(values)))
        return values

    async def call(self, cgi: str, **query: QueryValue) -> None:
        """Call `cgi`; `CgiResponseError` unless the camera answers `ok.`."""
        body = await self.request(cgi, **query)
        if body.strip() != OK_BODY:
            raise CgiResponseError(cgi, _error_text(body))

    async def request(self, cgi: str, **query: QueryValue) -> str:
        """The body of a successful (200) reply to `GET /<cgi>?<query>`.

        `CgiAuthenticationError` on 401, `CgiNotFoundError` on 404, `CgiResponseError` on any other
        status; connection errors and timeouts as the protocol's other errors.
        """
        status, body = await self._authenticated(cgi, query)
        if status == _HTTP_UNAUTHORIZED and not self._query_auth:
            # Some firmwares only read credentials from the query: try that form once.
            status, body = await self._authenticated(cgi, query, query_auth=True)
            if status != _HTTP_UNAUTHORIZED:
                self._query_auth = True
        if status == _HTTP_UNAUTHORIZED:
            raise CgiAuthenticationError(cgi)
        if status == _HTTP_NOT_FOUND:
            raise CgiNotFoundError(cgi)
        if status != _HTTP_OK:
            raise CgiResponseError(cgi, f"HTTP status {status}")
        return body.decode("utf-8", "replace")

    # --- transport ---------------------------------------------------------------------------

    async def _authenticated(
        self, cgi: str, query: Mapping[str, QueryValue], *, query_auth: bool | None = None
    ) -> tuple[int, bytes]:
        params = {name: str(value) for name, value in query.items()}
        headers = {"Authorization": self._basic}
        if self._query_auth if query_auth is None else query_auth:
            params = {"user": self.user, "pwd": self._password, **params}
        target = f"/{cgi.lstrip('/')}" + (f"?{urlencode(params)}" if params else "")
        try:
            async with asyncio.timeout(self._timeout):
                if not self._raw_http:
                    try:
                        return await self._via_session(target, headers)
                    except aiohttp.ClientResponseError:
                        # aiohttp raises this for a reply it cannot parse (we never ask it to
                        # raise for a status): the clone's header line. Read this camera raw.
                        _LOGGER.debug(
                            "%s:%d sends HTTP that aiohttp rejects; reading it tolerantly",
                            self.host,
                            self.port,
                        )
                        self._raw_http = True
                return await self._via_socket(target, headers)
        except TimeoutError:
            raise CameraTimeoutError(
                f"{cgi}: no complete answer within {self._timeout:g} s"
            ) from None
        except aiohttp.ClientConnectorError as err:
            error = (
                ConnectionRefusedByCameraError
                if isinstance(err.os_error, ConnectionRefusedError)
                else ConnectionFailedError
            )
            raise error(f"{cgi}: cannot connect to {self.host}:{self.port}") from None
        except ConnectionRefusedError:
            raise ConnectionRefusedByCameraError(
                f"{cgi}: cannot connect to {self.host}:{self.port}"
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            raise ConnectionClosedError(f"{cgi}: connection lost ({type(err).__name__})") from None

    async def _via_session(self, target: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        url = f"http://{self.host}:{self.port}{target}"
        async with self._session.get(url, headers=headers, allow_redirects=False) as response:
            body = await response.content.read(MAX_REPLY_BYTES)
            return response.status, body

    async def _via_socket(self, target: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            lines = [f"GET {target} HTTP/1.0", f"Host: {self.host}:{self.port}"]
            lines.extend(f"{name}: {value}" for name, value in headers.items())
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            data = bytearray()
            while len(data) <= MAX_REPLY_BYTES:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            writer.close()
        if not data:
            # Closed without a byte, as a camera that goes away (reboot.cgi) may do.
            raise ConnectionClosedError(f"{target.partition('?')[0]}: closed without a reply")
        return parse_http_reply(bytes(data[: MAX_REPLY_BYTES + 1]))


def parse_http_reply(data: bytes) -> tuple[int, bytes]:
    """Status and body of a whole HTTP/1.x reply, tolerant of header lines without a colon.

    `ProtocolError` if there is no status line or no end of the head.
    """
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = data.find(separator)
        if end >= 0:
            head, body = data[:end], data[end + len(separator) :]
            break
    else:
        raise ProtocolError("HTTP reply without the end of its head")
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError("HTTP reply without a status line")
    length: int | None = None
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    if length is not None:
        body = body[:length]
    return int(parts[1]), body


def parse_vars(
    text: str, fields: Collection[str] | None = None, *, set_only: Collection[str] = ()
) -> dict[str, str]:
    """The `var name=value;` statements of a CGI reply, values decoded (quotes and escapes).

    Only the names in `fields` (and `set_only`) are kept when `fields` is given. Of a name in
    `set_only` only "1" (non-empty) or "0" (empty) is kept: a password's presence, not the
    password. Anything that is not such a statement is skipped. Numbers stay text: the caller
    knows which fields are numbers.
    """
    presence = frozenset(set_only)
    wanted = None if fields is None else frozenset(fields) | presence
    values: dict[str, str] = {}
    position = 0
    size = len(text)
    while True:
        start = text.find("var ", position)
        if start < 0:
            return values
        equals = text.find("=", start)
        if equals < 0:
            return values
        name = text[start + 4 : equals].strip()
        value, position = _read_value(text, equals + 1, size)
        if name.isidentifier() and (wanted is None or name in wanted):
            values[name] = ("1" if value else "0") if name in presence else value


def _read_value(text: str, position: int, size: int) -> tuple[str, int]:
    """One value from `position`: a quoted string (escapes decoded) or text up to `;`/newline."""
    while position < size and text[position] in " \t":
        position += 1
    if position < size and text[position] in "'\"":
        quote = text[position]
        out: list[str] = []
        position += 1
        while position < size and text[position] != quote:
            char = text[position]
            if char == "\\" and position + 1 < size:
                position += 1
                char = text[position]
            out.append(char)
            position += 1
        end = _statement_end(text, position + 1, size)
        return "".join(out), end
    end = _statement_end(text, position, size)
    return text[position:end].strip().rstrip(";").strip(), end


def _statement_end(text: str, position: int, size: int) -> int:
    for index in range(position, size):
        if text[index] in ";\n":
            return index + 1
    return size


def _error_text(body: str) -> str:
    """A short printable summary of an error body (its first line)."""
    first = body.strip().splitlines()[0] if body.strip() else "empty reply"
    printable = "".join(char for char in first if char.isprintable())
    return printable[:_ERROR_TEXT_CHARS]
