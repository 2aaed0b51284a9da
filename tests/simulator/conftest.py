"""Fixtures and a raw-socket client for the simulator tests."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.protocol.const import Channel, Privilege
from custom_components.bseries_ipcam.protocol.exceptions import ProtocolError
from custom_components.bseries_ipcam.protocol.framing import FrameDecoder
from custom_components.bseries_ipcam.protocol.messages import (
    AvLoginReq,
    Command,
    LoginReq,
    LoginResp,
    VerifyReq,
    VerifyResp,
    VideoStartReq,
    VideoStartResp,
    decode_command,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

USER = "admin"
PASSWORD = "secret"
TIMEOUT = 5.0


def make_config(**overrides: Any) -> SimulatorConfig:
    """A small, fast configuration for tests."""
    values: dict[str, Any] = {
        "users": {
            USER: SimUser(PASSWORD),
            "viewer": SimUser("view", Privilege.VISITOR),
            "oper": SimUser("oper", Privilege.OPERATOR),
        },
        "width": 160,
        "height": 120,
        "fps": 25.0,
        "cycle_seconds": 0.4,
    }
    values.update(overrides)
    return SimulatorConfig(**values)


class RawClient:
    """A client on raw sockets that speaks one channel with the protocol codec."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, channel: Channel
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.channel = channel
        self.decoder = FrameDecoder(channel)
        self.pending: list[Command] = []

    @classmethod
    async def open(cls, sim: CameraSimulator, channel: Channel = Channel.CONTROL) -> RawClient:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        return cls(reader, writer, channel)

    async def send(self, command: Command) -> None:
        self.writer.write(command.to_bytes())
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read(self, within: float = TIMEOUT) -> Command:
        """The next command; AssertionError if the connection closes first."""
        async with asyncio.timeout(within):
            while not self.pending:
                data = await self.reader.read(1 << 20)
                assert data, "connection closed"
                self.pending.extend(decode_command(f) for f in self.decoder.feed(data))
        return self.pending.pop(0)

    async def read_type[C: Command](self, command_type: type[C], within: float = TIMEOUT) -> C:
        """The next command of `command_type`, skipping others."""
        async with asyncio.timeout(within):
            while True:
                command = await self.read(within)
                if isinstance(command, command_type):
                    return command

    async def read_until_error(self) -> ProtocolError:
        """Read commands until the codec rejects the stream; that error."""
        try:
            while True:
                await self.read()
        except ProtocolError as err:
            return err

    async def read_raw(self, size: int, within: float = TIMEOUT) -> bytes:
        async with asyncio.timeout(within):
            return await self.reader.readexactly(size)

    async def expect_closed(self, within: float = TIMEOUT) -> bytes:
        """Read until the server closes; returns what came before."""
        data = bytearray()
        async with asyncio.timeout(within):
            while True:
                try:
                    chunk = await self.reader.read(1 << 20)
                except ConnectionResetError:
                    return bytes(data)
                if not chunk:
                    return bytes(data)
                data += chunk

    async def nothing_for(self, seconds: float) -> bool:
        """Whether nothing at all arrives within `seconds`."""
        if self.pending:
            return False
        try:
            async with asyncio.timeout(seconds):
                data = await self.reader.read(1)
        except TimeoutError:
            return True
        if data:
            self.pending.extend(decode_command(f) for f in self.decoder.feed(data))
        return False

    async def drain(self, quiet: float = 0.05) -> None:
        """Discard everything until nothing arrives for `quiet` seconds."""
        while not await self.nothing_for(quiet):
            self.pending.clear()
        self.pending.clear()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def login(
    sim: CameraSimulator, user: str = USER, password: str = PASSWORD
) -> tuple[RawClient, LoginResp, VerifyResp]:
    """A control connection after Login and Verify."""
    client = await RawClient.open(sim)
    await client.send(LoginReq())
    login_resp = await client.read_type(LoginResp)
    verify_resp = VerifyResp(-1)
    if login_resp.ok:
        await client.send(VerifyReq(user, password))
        verify_resp = await client.read_type(VerifyResp)
    return client, login_resp, verify_resp


async def open_av(sim: CameraSimulator, connection_id: int) -> RawClient:
    """An AV connection logged in with `connection_id`."""
    av = await RawClient.open(sim, Channel.AV)
    await av.send(AvLoginReq(connection_id))
    return av


async def start_video(sim: CameraSimulator, client: RawClient) -> tuple[VideoStartResp, RawClient]:
    """Video_Start, then the AV connection with the id it gave."""
    await client.send(VideoStartReq(1))
    response = await client.read_type(VideoStartResp)
    assert response.ok
    assert response.connection_id is not None
    av = await open_av(sim, response.connection_id)
    return response, av


@pytest.fixture(autouse=True)
def _allow_loopback_sockets(socket_enabled: None) -> None:
    """The simulator and its clients use real sockets on 127.0.0.1."""


@pytest.fixture
async def sim() -> AsyncIterator[CameraSimulator]:
    """A running simulator with the test configuration."""
    async with CameraSimulator(make_config()) as simulator:
        yield simulator


@pytest.fixture
async def make_sim() -> AsyncIterator[Callable[..., Awaitable[CameraSimulator]]]:
    """Start simulators with configuration overrides; all stopped at the end."""
    started: list[CameraSimulator] = []

    async def factory(**overrides: Any) -> CameraSimulator:
        simulator = CameraSimulator(make_config(**overrides))
        await simulator.start()
        started.append(simulator)
        return simulator

    yield factory
    for simulator in started:
        await simulator.stop()


@pytest.fixture
async def clients() -> AsyncIterator[list[RawClient]]:
    """Raw clients registered here are closed at the end."""
    opened: list[RawClient] = []
    yield opened
    for client in opened:
        await client.close()
