"""The CGI client against the simulator over 127.0.0.1: auth both ways, the clone's header, errors."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
from hypothesis import given, strategies as st
import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from bseries_sim.params import SECRET_FIELDS, WIFI_KEY, render_vars, secret_values
from custom_components.bseries_ipcam.protocol.cgi import CgiClient, parse_http_reply, parse_vars
from custom_components.bseries_ipcam.protocol.const import Privilege
from custom_components.bseries_ipcam.protocol.exceptions import (
    AuthenticationError,
    CameraResponseError,
    CameraTimeoutError,
    CgiAuthenticationError,
    CgiNotFoundError,
    CgiResponseError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
    NotSupportedError,
    ProtocolError,
)

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def start_sim(
    socket_enabled: None,
) -> AsyncIterator[Callable[..., Awaitable[CameraSimulator]]]:
    started: list[CameraSimulator] = []

    async def factory(**overrides: object) -> CameraSimulator:
        config = SimulatorConfig(
            users={
                USER: SimUser(PASSWORD),
                "oper": SimUser("op-pass", Privilege.OPERATOR),
                "viewer": SimUser("look", Privilege.VISITOR),
            },
            width=160,
            height=120,
            **overrides,  # type: ignore[arg-type]
        )
        simulator = CameraSimulator(config)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield factory
    for simulator in started:
        await simulator.stop()


def client(
    http: aiohttp.ClientSession, sim: CameraSimulator, user: str = USER, password: str = PASSWORD
) -> CgiClient:
    return CgiClient(http, sim.host, sim.port, user, password, timeout=5)


@pytest.mark.parametrize("malformed", [False, True], ids=["foscam", "clone-header"])
async def test_get_params_keeps_only_named_fields(
    start_sim, http: aiohttp.ClientSession, malformed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    sim = await start_sim(alias="Front door", http_malformed_header=malformed)
    cgi = client(http, sim)
    caplog.set_level(logging.DEBUG)
    assert await cgi.get_params(["alias", "id", "no_such_field"]) == {
        "alias": "Front door",
        "id": "00626E4E72BF",
    }
    assert cgi.tolerant_http is malformed
    # The clone is read raw from then on; the reply is still whole and right.
    assert (await cgi.get_params(["alias"]))["alias"] == "Front door"
    assert "alias" in caplog.text
    for secret in [PASSWORD, WIFI_KEY, *secret_values(sim._state.params)]:
        assert secret not in caplog.text
        assert secret not in repr(cgi)


async def test_query_authentication_when_basic_is_refused(
    start_sim, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(http_basic_auth=False)
    cgi = client(http, sim)
    assert await cgi.get_params(["alias"]) == {"alias": "Simulated camera"}
    assert await cgi.get_params(["id"]) == {"id": "00626E4E72BF"}


async def test_camera_control_and_read_back(start_sim, http: aiohttp.ClientSession) -> None:
    sim = await start_sim()
    cgi = client(http, sim)
    await cgi.camera_control(1, 200)
    await cgi.camera_control(5, 3)
    params = await cgi.get_camera_params()
    assert params["brightness"] == "200"
    assert params["flip"] == "3"
    assert sim._state.image.brightness == 200
    with pytest.raises(CgiResponseError, match=r"camera_control\.cgi answered: error: illegal"):
        await cgi.camera_control(2, 99)
    assert sim._state.image.contrast == 0


async def test_decoder_control(start_sim, http: aiohttp.ClientSession) -> None:
    sim = await start_sim()
    cgi = client(http, sim, "oper", "op-pass")
    await cgi.decoder_control(25)
    await cgi.decoder_control(6, onestep=True)
    assert sim._state.decoder_commands == [25, 6]
    with pytest.raises(CgiResponseError):
        await cgi.call("decoder_control.cgi", command=999)
    with pytest.raises(CgiResponseError):
        await cgi.call("decoder_control.cgi")


async def test_errors_never_carry_the_password(start_sim, http: aiohttp.ClientSession) -> None:
    sim = await start_sim()
    wrong = client(http, sim, USER, "not-the-password")
    with pytest.raises(CgiAuthenticationError) as info:
        await wrong.get_params(["alias"])
    assert isinstance(info.value, AuthenticationError)
    assert "not-the-password" not in str(info.value)
    assert "not-the-password" not in repr(info.value)
    # A visitor may not read get_params.cgi nor move the camera.
    viewer = client(http, sim, "viewer", "look")
    with pytest.raises(CgiAuthenticationError):
        await viewer.get_params(["alias"])
    with pytest.raises(CgiAuthenticationError):
        await viewer.decoder_control(0)
    with pytest.raises(CgiNotFoundError) as missing:
        await client(http, sim).get("set_nothing.cgi")
    assert isinstance(missing.value, NotSupportedError)
    assert isinstance(missing.value, CameraResponseError)
    assert "set_nothing.cgi" in str(missing.value)


async def fake_camera(reply: bytes, *, silent: bool = False) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if silent:
            await reader.read()  # until the client gives up and closes
        writer.write(reply)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def port_of(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        (b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", CgiResponseError, "HTTP status 500"),
        (b"HTTP/1.1 200 OK\r\n\r\nerror: busy\r\nmore", CgiResponseError, "answered: error: busy"),
        (b"HTTP/1.1 200 OK\r\n\r\n", CgiResponseError, "answered: empty reply"),
        (b"HTTP/1.1 200 OK\r\nBroken line\r\n\r\nnope", CgiResponseError, "answered: nope"),
        (b"", ConnectionClosedError, "connection lost"),
        (b"HTTP/1.1 200 OK\r\nBroken line\r\n", ProtocolError, "end of its head"),
        (b"garbage\r\nBroken\r\n\r\n", ProtocolError, "status line"),
    ],
)
async def test_bad_replies(
    socket_enabled: None,
    http: aiohttp.ClientSession,
    reply: bytes,
    error: type[Exception],
    text: str,
) -> None:
    server = await fake_camera(reply)
    async with server:
        cgi = CgiClient(http, "127.0.0.1", port_of(server), USER, PASSWORD, timeout=5)
        with pytest.raises(error, match=text) as info:
            await cgi.call("camera_control.cgi", param=1, value=2)
    assert PASSWORD not in str(info.value)


async def test_timeout_and_refused(socket_enabled: None, http: aiohttp.ClientSession) -> None:
    server = await fake_camera(b"", silent=True)
    async with server:
        cgi = CgiClient(http, "127.0.0.1", port_of(server), USER, PASSWORD, timeout=0.2)
        with pytest.raises(CameraTimeoutError, match=r"within 0\.2 s"):
            await cgi.get_camera_params()
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = port_of(closed)
    closed.close()
    await closed.wait_closed()
    cgi = CgiClient(http, "127.0.0.1", port, USER, PASSWORD)
    with pytest.raises(ConnectionRefusedByCameraError) as info:
        await cgi.get_camera_params()
    assert isinstance(info.value, ConnectionFailedError)
    # The tolerant path maps a refusal the same way.
    cgi._raw_http = True
    with pytest.raises(ConnectionRefusedByCameraError):
        await cgi.get_camera_params()


def test_parse_vars() -> None:
    text = (
        "var id='00626E4E72BF';\nvar alias='It\\'s \"mine\"; really';\r\nvar port=80;\n"
        "var dq=\"two\";var bare=abc\nnot a statement\nvar empty='';\nvar 1bad=3;\nvar tail=7"
    )
    assert parse_vars(text) == {
        "id": "00626E4E72BF",
        "alias": 'It\'s "mine"; really',
        "port": "80",
        "dq": "two",
        "bare": "abc",
        "empty": "",
        "tail": "7",
    }
    assert parse_vars(text, ["alias", "port"]) == {"alias": 'It\'s "mine"; really', "port": "80"}
    assert parse_vars("var x") == {}
    # Of a password only whether it is set leaves the parser.
    assert parse_vars(text, ["port"], set_only=["alias", "empty", "absent"]) == {
        "port": "80",
        "alias": "1",
        "empty": "0",
    }
    assert parse_vars(text, set_only=["alias"])["alias"] == "1"
    assert parse_vars("var x='unterminated") == {"x": "unterminated"}


@given(
    st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True),
        st.one_of(
            st.integers(0, 2**31), st.text(st.characters(codec="utf-8", exclude_characters="\0"))
        ),
    )
)
def test_parse_vars_round_trips_what_the_camera_writes(values: dict[str, int | str]) -> None:
    assert parse_vars(render_vars(values.items())) == {k: str(v) for k, v in values.items()}


@given(st.text())
def test_parse_vars_never_fails(text: str) -> None:
    for name, value in parse_vars(text).items():
        assert name.isidentifier()
        assert isinstance(value, str)


def test_parse_http_reply() -> None:
    assert parse_http_reply(b"HTTP/1.0 200 OK\nX: 1\nweird\nContent-Length: 3\n\nok.extra") == (
        200,
        b"ok.",
    )
    assert parse_http_reply(b"HTTP/1.1 401 Unauthorized\r\n\r\nbody") == (401, b"body")
    for bad in (b"HTTP/1.1\r\n\r\n", b"ICY 200 OK\r\n\r\n", b"HTTP/1.1 2x0 OK\r\n\r\n"):
        with pytest.raises(ProtocolError):
            parse_http_reply(bad)


def test_secret_fields_are_listed() -> None:
    assert "wifi_key1" in SECRET_FIELDS
    assert "user1_pwd" in SECRET_FIELDS
