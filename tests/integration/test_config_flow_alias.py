"""A new entry is titled with the camera's own name: op 0x0101 (clone) or get_params.cgi."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.personas import PERSONAS
from custom_components.bseries_ipcam.const import DOMAIN

from .helpers import CAMERA_ID, HOST

if TYPE_CHECKING:
    from collections.abc import Generator
    from unittest.mock import AsyncMock

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    from unittest.mock import patch

    with patch("custom_components.bseries_ipcam.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture(params=["foscam", "clone"])
def simulator_config(
    request: pytest.FixtureRequest, sim_users: dict[str, SimUser]
) -> SimulatorConfig:
    """A Foscam (alias in get_params.cgi) and a clone (alias in op 0x0101)."""
    values = dict(PERSONAS[request.param])
    values.update(users=sim_users, camera_id=CAMERA_ID, alias=f"Porch {request.param}")
    return SimulatorConfig(**values)


async def test_user_flow_titles_the_entry_with_the_alias(
    hass: HomeAssistant, simulator: CameraSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: HOST,
            CONF_PORT: simulator.port,
            CONF_USERNAME: DEFAULT_USER,
            CONF_PASSWORD: DEFAULT_PASSWORD,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == simulator.config.alias
    await simulator.wait_for(lambda: simulator.stats.control_connections_open == 0)


async def test_dhcp_flow_titles_the_entry_with_the_alias(
    hass: HomeAssistant, simulator: CameraSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip=HOST, hostname="ipcam", macaddress="00626e4e72bf"),
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_PORT: simulator.port, CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == simulator.config.alias
