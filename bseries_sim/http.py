"""HTTP on the camera's port: snapshot, MJPEG stream, status, and the simulator's own endpoints.

A minimal HTTP/1.0-1.1 server on the asyncio stream, one request per connection (the response
says `Connection: close`), as the cameras do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from email.utils import formatdate
import json
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from custom_components.bseries_ipcam.protocol.const import Privilege

from .alarm import apply_set_alarm
from .params import render_vars
from .recording import FrameEvent
from .speaker import talk_report
from .upkeep import apply_set_datetime, apply_set_misc

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .config import SimUser
    from .peer import Peer
    from .state import SimState

_LOGGER = logging.getLogger(__name__)

HTTP_PREFIXES = frozenset({b"GET ", b"HEAD", b"POST", b"PUT ", b"DELE", b"OPTI", b"PATC"})
MAX_HEAD_BYTES = 16 * 1024
SERVER_NAME = "Netwave IP Camera"
REALM = "ipcamera"
# The header line some clone firmwares send: no colon, which strict HTTP parsers reject.
MALFORMED_HEADER_LINE = "Netwave IP Camera Web Server"

type ControlCommand = Callable[[str], str]


class HttpError(Exception):
    """A request that gets an error response."""

    def __init__(self, status: int, reason: str, body: str = "") -> None:
        """Status line and an optional text body."""
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.body = body or f"{status} {reason}\n"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A parsed request head."""

    method: str
    target: str
    path: str
    query: Mapping[str, str]
    version: str
    headers: Mapping[str, str]


def parse_request(head: bytes) -> HttpRequest:
    """Parse a request line and headers; `HttpError` 400 if malformed."""
    try:
        text = head.decode("latin-1")
        lines = text.replace("\r\n", "\n").split("\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise HttpError(400, "Bad Request") from None
    if not version.startswith("HTTP/1."):
        raise HttpError(400, "Bad Request")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(400, "Bad Request")
        headers[name.strip().lower()] = value.strip()
    url = urlsplit(target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    return HttpRequest(method, target, unquote(url.path), query, version, headers)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """User and password from an `Authorization: Basic` header."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("latin-1")
    except binascii.Error, ValueError:
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def response_head(
    status: int, reason: str, headers: Mapping[str, str], *, malformed: bool = False
) -> bytes:
    """Status line and headers, with Server, Date and Connection: close added.

    `malformed` adds the clone firmware's header line without a colon.
    """
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"Server: {SERVER_NAME}",
        f"Date: {formatdate(usegmt=True)}",
        "Connection: close",
    ]
    if malformed:
        lines.append(MALFORMED_HEADER_LINE)
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class HttpHandler:
    """Serves one HTTP request on an accepted connection."""

    def __init__(self, state: SimState, peer: Peer, control: ControlCommand | None = None) -> None:
        """`control` runs a simulator command line (the `/sim/...` endpoints) when given."""
        self._state = state
        self._peer = peer
        self._control = control

    async def run(self, prefix: bytes) -> None:
        """Read one request (starting with `prefix`) and answer it."""
        self._state.stats.http_connections_accepted += 1
        head = await self._read_head(prefix)
        if head is None:
            return
        try:
            await self._route(parse_request(head))
        except HttpError as err:
            await self._send_text(err.status, err.reason, err.body, _auth_header(err.status))

    async def _read_head(self, prefix: bytes) -> bytes | None:
        buffer = bytearray(prefix)
        try:
            async with asyncio.timeout(self._state.config.handshake_timeout):
                while True:
                    for separator in (b"\r\n\r\n", b"\n\n"):
                        end = buffer.find(separator)
                        if end >= 0:
                            return bytes(buffer[:end])
                    if len(buffer) > MAX_HEAD_BYTES:
                        await self._send_text(431, "Request Header Fields Too Large", "")
                        return None
                    data = await self._peer.read()
                    if not data:
                        return None
                    buffer += data
        except TimeoutError:
            return None

    async def _route(self, request: HttpRequest) -> None:
        if request.method not in {"GET", "HEAD"}:
            raise HttpError(405, "Method Not Allowed")
        path = request.path
        if path.startswith("/sim/"):
            await self._sim_endpoint(request)
            return
        routes = {
            "/snapshot.cgi": self._snapshot,
            "/videostream.cgi": self._videostream,
            "/get_status.cgi": self._status,
            # --- camera settings CGIs (params, image settings, decoder control) ---
            "/get_params.cgi": self._get_params,
            "/get_camera_params.cgi": self._get_camera_params,
            "/camera_control.cgi": self._camera_control,
            "/decoder_control.cgi": self._decoder_control,
            # --- alarm settings ---
            "/set_alarm.cgi": self._set_alarm,
            # --- upkeep: misc settings, clock, reboot ---
            "/get_misc.cgi": self._get_misc,
            "/set_misc.cgi": self._set_misc,
            "/set_datetime.cgi": self._set_datetime,
            "/reboot.cgi": self._reboot,
        }
        handler = routes.get(path)
        if path in _MISC_CGIS and not self._state.config.misc_settings:
            handler = None
        if handler is None:
            raise HttpError(404, "Not Found")
        user = self._authenticate(request)
        needed = _PRIVILEGE_NEEDED.get(path, Privilege.VISITOR)
        if user.privilege < needed:
            raise HttpError(401, "Unauthorized", "401 Unauthorized\n")
        await handler(request)

    def _authenticate(self, request: HttpRequest) -> SimUser:
        credentials = None
        if self._state.config.http_basic_auth:
            credentials = basic_credentials(request.headers.get("authorization"))
        if "user" in request.query:
            credentials = (request.query["user"], request.query.get("pwd", ""))
        if credentials is not None:
            _result, user = self._state.config.check_login(*credentials)
            if user is not None:
                return user
        raise HttpError(401, "Unauthorized", "401 Unauthorized\n")

    async def _send_text(
        self,
        status: int,
        reason: str,
        body: str,
        extra: Mapping[str, str] | None = None,
        content_type: str = "text/plain",
    ) -> None:
        data = body.encode()
        headers = {"Content-Type": content_type, "Content-Length": str(len(data)), **(extra or {})}
        malformed = self._state.config.http_malformed_header
        await self._peer.send(response_head(status, reason, headers, malformed=malformed) + data)

    async def _snapshot(self, request: HttpRequest) -> None:
        _counter, image = self._state.next_snapshot()
        headers = {
            "Content-Type": "image/jpeg",
            "Content-Length": str(len(image)),
            "Cache-Control": "no-cache",
        }
        body = image if request.method == "GET" else b""
        await self._peer.send(response_head(200, "OK", headers) + body)

    async def _status(self, request: HttpRequest) -> None:
        config = self._state.config
        lines = [
            f"var id='{config.camera_id}';",
            f"var sys_ver='{config.firmware}';",
            f"var app_ver='{config.app_version}';",
            f"var alias='{config.alias}';",
            f"var now={self._state.clock.now()};",
            f"var tz={self._state.params.get('tz', 0)};",
            f"var alarm_status={self._state.alarm_status};",
            "var ddns_status=0;",
            "var ddns_host='';",
            "var upnp_status=0;",
        ]
        body = "\n".join(lines) + "\n"
        await self._send_text(200, "OK", body if request.method == "GET" else "")

    # --- camera settings CGIs ----------------------------------------------------------------

    async def _get_params(self, request: HttpRequest) -> None:
        await self._send_text(200, "OK", render_vars(self._state.params.items()))

    async def _get_camera_params(self, request: HttpRequest) -> None:
        await self._send_text(200, "OK", render_vars(self._state.image.as_vars().items()))

    async def _camera_control(self, request: HttpRequest) -> None:
        param = _int_arg(request.query, "param")
        value = _int_arg(request.query, "value")
        if param is None or value is None or not self._state.image.set(param, value):
            await self._send_text(200, "OK", "error: illegal params.\n")
            return
        await self._send_text(200, "OK", "ok.\n")

    async def _decoder_control(self, request: HttpRequest) -> None:
        command = _int_arg(request.query, "command")
        if command is None or not 0 <= command <= 255:
            await self._send_text(200, "OK", "error: illegal params.\n")
            return
        self._state.decoder_control(command, onestep=request.query.get("onestep") == "1")
        await self._send_text(200, "OK", "ok.\n")

    # --- alarm settings ----------------------------------------------------------------------

    async def _set_alarm(self, request: HttpRequest) -> None:
        changed = apply_set_alarm(self._state.config, self._state.params, request.query)
        if changed is None:
            await self._send_text(200, "OK", "error: illegal params.\n")
            return
        _LOGGER.debug("set_alarm.cgi changed %s", ", ".join(changed))
        await self._send_text(200, "OK", "ok.\n")

    # --- upkeep ---------------------------------------------------------------------------------

    async def _get_misc(self, request: HttpRequest) -> None:
        await self._send_text(200, "OK", render_vars(self._state.misc.items()))

    async def _set_misc(self, request: HttpRequest) -> None:
        changed = apply_set_misc(self._state.misc, request.query)
        if changed is None:
            await self._send_text(200, "OK", "error: illegal params.\n")
            return
        _LOGGER.debug("set_misc.cgi changed %s", ", ".join(changed))
        await self._send_text(200, "OK", "ok.\n")

    async def _set_datetime(self, request: HttpRequest) -> None:
        state = self._state
        if not apply_set_datetime(state.clock, state.params, request.query):
            await self._send_text(200, "OK", "error: illegal params.\n")
            return
        state.stats.clock_sets += 1
        await self._send_text(200, "OK", "ok.\n")

    async def _reboot(self, request: HttpRequest) -> None:
        if self._state.config.reboot_reply:
            await self._send_text(200, "OK", "ok.\n")
        on_reboot = self._state.on_reboot
        if on_reboot is not None:
            on_reboot()

    async def _videostream(self, request: HttpRequest) -> None:
        state = self._state
        stats = state.stats
        peer = self._peer
        boundary = state.config.http_boundary
        source = state.jpeg
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Type": f"multipart/x-mixed-replace;boundary={boundary}",
        }
        stats.http_stream_connections += 1
        stats.http_streams_open += 1
        try:
            await peer.send(response_head(200, "OK", headers))
            if request.method != "GET":
                return
            loop = asyncio.get_running_loop()
            delay = 1.0 / state.config.fps
            due = loop.time()
            counter = 0
            while True:
                now = loop.time()
                if due > now:
                    await asyncio.sleep(due - now)
                elif now - due >= delay:
                    due = now  # behind (e.g. after a stall): no burst of late frames
                image = state.video_frame(counter)
                part = (
                    f"--{boundary}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(image)}\r\n\r\n"
                ).encode("ascii")
                sent_at = await peer.send(part + image + b"\r\n")
                stats.http_frames_sent += 1
                state.frame_sent(
                    FrameEvent(
                        "http",
                        peer.connection_id,
                        None,
                        counter,
                        counter % len(source),
                        len(image),
                        sent_at,
                    )
                )
                counter += 1
                due += delay
        finally:
            stats.http_streams_open -= 1

    async def _sim_endpoint(self, request: HttpRequest) -> None:
        if self._control is None:
            raise HttpError(404, "Not Found")
        self._peer.exempt = True  # answers even when stalled, survives drops
        query = request.query
        match request.path:
            case "/sim/alarm":
                line = query.get("type", "motion")
                if "area" in query:
                    line = f"{line} {query['area']}"
            case "/sim/fault":
                line = f"{query.get('name', '')} {query.get('value', '')}".strip()
            case "/sim/command":
                line = query.get("line", "")
            case "/sim/param":
                line = f"param {query.get('name', '')} {query.get('value', '')}"
            case "/sim/status":
                body = json.dumps(self._state.stats.as_dict(), indent=2) + "\n"
                await self._send_text(200, "OK", body, content_type="application/json")
                return
            case "/sim/audio" | "/sim/talk":
                await self._send_text(
                    200, "OK", self._records(request.path, query), content_type="application/json"
                )
                return
            case _:
                raise HttpError(404, "Not Found")
        try:
            message = self._control(line)
        except ValueError as err:
            raise HttpError(400, "Bad Request", f"{err}\n") from None
        await self._send_text(200, "OK", message + "\n")

    def _records(self, path: str, query: Mapping[str, str]) -> str:
        """A benchmark's records as JSON, from `since` on.

        `/sim/audio`: the audio packets sent since `since` (wall clock, s) as [timestamp, serial,
        sent_at, marked]; `/sim/talk`: the beeps heard from sample `since` on (`talk_report`).
        """
        state = self._state
        try:
            since = float(query.get("since", "0"))
        except ValueError:
            raise HttpError(400, "Bad Request", "since: a number\n") from None
        if path == "/sim/talk":
            report = talk_report(state.talk_samples, state.talk_arrivals, max(0, int(since)))
            return json.dumps(report) + "\n"
        events = [
            [e.timestamp, e.serial, e.sent_at, e.marked]
            for e in state.audio_events
            if e.sent_at >= since
        ]
        return json.dumps({"packets": events}) + "\n"


# The least privilege each settings CGI takes (the others: any user).
_PRIVILEGE_NEEDED: Final = {
    "/get_params.cgi": Privilege.ADMINISTRATOR,
    "/camera_control.cgi": Privilege.OPERATOR,
    "/decoder_control.cgi": Privilege.OPERATOR,
    "/set_alarm.cgi": Privilege.ADMINISTRATOR,
    "/set_misc.cgi": Privilege.ADMINISTRATOR,
    "/set_datetime.cgi": Privilege.ADMINISTRATOR,
    "/reboot.cgi": Privilege.ADMINISTRATOR,
}
# The CGIs of firmware with misc settings (SimulatorConfig.misc_settings).
_MISC_CGIS: Final = frozenset({"/get_misc.cgi", "/set_misc.cgi"})


def _int_arg(query: Mapping[str, str], name: str) -> int | None:
    try:
        return int(query[name])
    except KeyError, ValueError:
        return None


def _auth_header(status: int) -> dict[str, str]:
    return {"WWW-Authenticate": f'Basic realm="{REALM}"'} if status == 401 else {}
