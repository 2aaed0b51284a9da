"""Fixtures shared by every test folder.

pytest-homeassistant-custom-component is loaded for the whole session. Custom integrations are
enabled for every test that runs a Home Assistant (the tests of the protocol package, the simulator
and the CLI do not, and get no `hass` for it). `simulator` is a simulated camera on 127.0.0.1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/ in every test that has a `hass`."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """The simulated camera's settings; override in a test module to change them."""
    return SimulatorConfig()


@pytest.fixture
async def simulator(
    socket_enabled: None, simulator_config: SimulatorConfig
) -> AsyncGenerator[CameraSimulator]:
    """A simulated camera listening on 127.0.0.1, on a free port."""
    async with CameraSimulator(simulator_config) as sim:
        yield sim
