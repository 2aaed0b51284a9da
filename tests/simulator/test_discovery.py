"""The simulated camera's side of UDP discovery: it answers searches with who it is."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig
from custom_components.bseries_ipcam.protocol.discovery import (
    SEARCH_REQUEST,
    decode_search_response,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

LOOPBACK = "127.0.0.1"


@pytest.fixture
async def udp(socket_enabled: None) -> AsyncIterator[socket.socket]:
    """A plain non-blocking UDP socket on 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, 0))
    sock.setblocking(False)
    yield sock
    sock.close()


async def test_answers_a_search(sim: CameraSimulator, udp: socket.socket) -> None:
    assert sim.discovery_port is not None
    loop = asyncio.get_running_loop()
    await loop.sock_sendto(udp, SEARCH_REQUEST, (LOOPBACK, sim.discovery_port))
    async with asyncio.timeout(10):
        data, sender = await loop.sock_recvfrom(udp, 1024)
    assert sender == (LOOPBACK, sim.discovery_port)
    camera = decode_search_response(data, sender[0])
    assert camera.camera_id == sim.config.camera_id
    assert camera.name == sim.config.alias
    assert (camera.host, camera.port) == (LOOPBACK, sim.port)
    assert camera.system_firmware == sim.config.firmware
    assert (sim.stats.discovery_searches_received, sim.stats.discovery_answers_sent) == (1, 1)


async def test_ignores_what_is_no_search(
    sim: CameraSimulator, udp: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "bseries_sim.discovery")
    assert sim.discovery_port is not None
    loop = asyncio.get_running_loop()
    target = (LOOPBACK, sim.discovery_port)
    await loop.sock_sendto(udp, b"not a command at all", target)
    await loop.sock_sendto(udp, SEARCH_REQUEST[:10], target)
    await loop.sock_sendto(udp, SEARCH_REQUEST, target)
    async with asyncio.timeout(10):
        await loop.sock_recvfrom(udp, 1024)
    assert sim.stats.discovery_answers_sent == 1
    assert sum("Discovery: ignored" in r.getMessage() for r in caplog.records) == 2


async def test_without_discovery(socket_enabled: None) -> None:
    async with CameraSimulator(SimulatorConfig(discovery_port=None)) as sim:
        assert sim.discovery_port is None
    async with CameraSimulator() as sim:
        assert sim.discovery_port is not None
    assert sim.discovery_port is None  # closed with the simulator


def test_command_line_discovery_port() -> None:
    from bseries_sim.cli import build_parser, config_from_args

    assert config_from_args(build_parser().parse_args([])).discovery_port == 0
    assert (
        config_from_args(build_parser().parse_args(["--discovery-port", "10010"])).discovery_port
        == 10010
    )
    assert (
        config_from_args(build_parser().parse_args(["--discovery-port", "-1"])).discovery_port
        is None
    )


async def test_banner_names_the_discovery_port(sim: CameraSimulator) -> None:
    from bseries_sim.cli import banner

    assert f"bseries-ipcam discover --target 127.0.0.1:{sim.discovery_port}" in banner(sim)
