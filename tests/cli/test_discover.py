"""`discover`: a search directed at the simulated camera on 127.0.0.1 (never a broadcast)."""

from __future__ import annotations

import argparse
import json
import socket
from typing import TYPE_CHECKING

import pytest

from bseries_cli.discover import BROADCAST, parse_search_target
from custom_components.bseries_ipcam.protocol.const import DISCOVERY_PORT

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bseries_sim import CameraSimulator

    from .conftest import Run

    type RunCli = Callable[..., Awaitable[Run]]


def target(sim: CameraSimulator) -> str:
    return f"{sim.host}:{sim.discovery_port}"


async def test_discover_lists_the_camera(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("discover", "--target", target(sim), "--seconds", "1")
    assert (run.code, run.err) == (0, "")
    assert run.out == (
        f"{sim.config.camera_id}  127.0.0.1:{sim.port}  'Simulated camera'  "
        f"firmware {sim.config.firmware} / {sim.config.app_version}\n"
    )


async def test_discover_json(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("discover", "-t", target(sim), "-t", target(sim), "-s", "1", "--json")
    assert run.code == 0
    (line,) = run.out.splitlines()  # two searches, one camera
    assert json.loads(line) == {
        "camera_id": sim.config.camera_id,
        "name": "Simulated camera",
        "host": "127.0.0.1",
        "port": sim.port,
        "system_firmware": sim.config.firmware,
        "app_firmware": sim.config.app_version,
        "dhcp": False,
    }


async def test_discover_nobody_answers(socket_enabled: None, run_cli: RunCli) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        run = await run_cli("discover", "--target", f"127.0.0.1:{port}", "--seconds", "0.2")
    assert (run.code, run.out) == (0, "")
    assert run.err == "no camera answered within 0.2 s\n"


async def test_discover_bad_arguments(run_cli: RunCli) -> None:
    for argv in (["--target", ":80"], ["--target", "127.0.0.1:99999"], ["--seconds", "0"]):
        run = await run_cli("discover", *argv)
        assert run.code == 2, argv


def test_search_targets() -> None:
    assert parse_search_target("192.0.2.255") == ("192.0.2.255", DISCOVERY_PORT)
    assert parse_search_target("127.0.0.1:10001") == ("127.0.0.1", 10001)
    assert BROADCAST == "255.255.255.255"
    with pytest.raises(argparse.ArgumentTypeError, match="port"):
        parse_search_target("127.0.0.1:x")
