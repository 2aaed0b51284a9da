"""Fixtures for session tests: a simulated camera on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.protocol.const import Privilege

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

USER = "admin"
PASSWORD = "secret"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    config = SimulatorConfig(
        users={
            USER: SimUser(PASSWORD),
            "viewer": SimUser("look", Privilege.VISITOR),
        },
        fps=25,
        width=320,
        height=240,
    )
    async with CameraSimulator(config) as simulator:
        yield simulator
