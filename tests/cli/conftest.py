"""Fixtures for the command-line tests: captures, a simulated camera, and a way to run the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import sys
from typing import TYPE_CHECKING

import pytest

from bseries_cli.main import main_async
from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.protocol.const import Privilege

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ENTRY_POINT = Path(sys.executable).parent / "bseries-ipcam"

USER = "admin"
PASSWORD = "s3cr3t-Pw"
VIEWER = "viewer"
VIEWER_PASSWORD = "look"


@dataclass
class Run:
    """What one CLI run printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    """A small, fast simulated camera on 127.0.0.1."""
    config = SimulatorConfig(
        users={
            USER: SimUser(PASSWORD),
            VIEWER: SimUser(VIEWER_PASSWORD, Privilege.VISITOR),
        },
        width=160,
        height=120,
        fps=20,
    )
    async with CameraSimulator(config) as simulator:
        yield simulator


def login(sim: CameraSimulator, user: str = USER, password: str = PASSWORD) -> list[str]:
    """HOST:PORT and the login options for the simulator."""
    return [f"{sim.host}:{sim.port}", "--user", user, "--password", password, "--timeout", "5"]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run the CLI in the test's event loop; returns its exit code and output."""

    async def run(*argv: str) -> Run:
        code = await main_async(list(argv))
        captured = capsys.readouterr()
        return Run(int(code), captured.out, captured.err)

    return run
