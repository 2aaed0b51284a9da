"""The integration's network search, end to end: UDP on 127.0.0.1 to the simulated camera.

The search goes where `discovery_addresses` says (here: the simulator's discovery port); the
integration is set up with it before each test (conftest). Nothing here broadcasts.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.data_entry_flow import FlowResultType
import probatio
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from custom_components.bseries_ipcam import discovery
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.discovery import (
    DATA_DISCOVERY,
    DISCOVERY_INTERVAL,
    CameraDiscovery,
    async_broadcast_targets,
    search_target,
)
from custom_components.bseries_ipcam.protocol.const import DISCOVERY_PORT
from custom_components.bseries_ipcam.protocol.messages import SearchResp

from .helpers import CAMERA_ID, HOST, OTHER_CAMERA_ID, TITLE, MockConfigEntry, advance, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator


ALIAS = "Porch"


@pytest.fixture
def simulator_config(sim_users: dict[str, SimUser]) -> SimulatorConfig:
    """The simulated camera, named: its search answer carries the name."""
    return SimulatorConfig(users=sim_users, camera_id=CAMERA_ID, alias=ALIAS)


@pytest.fixture
def configured_as(
    request: pytest.FixtureRequest, free_port: Callable[[], int]
) -> dict[str, Any] | None:
    """Entry data changes for a camera configured before the search starts (None: none).

    A port given as "unused" becomes one where nothing listens on 127.0.0.1.
    """
    changes: dict[str, Any] | None = getattr(request, "param", None)
    if changes is not None and changes.get(CONF_PORT) == "unused":
        changes = {**changes, CONF_PORT: free_port()}
    return changes


@pytest.fixture
def discovery_addresses(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    configured_as: dict[str, Any] | None,
) -> list[str]:
    """The search goes to the simulator, after the entry of `configured_as` is in place."""
    if configured_as is not None:
        config_entry.add_to_hass(hass)
        hass.config_entries.async_update_entry(
            config_entry, data={**config_entry.data, **configured_as}
        )
    return [f"{HOST}:{simulator.discovery_port}"]


def searcher(hass: HomeAssistant) -> CameraDiscovery:
    return hass.data[DATA_DISCOVERY]


def discovery_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def test_search_at_start_offers_the_camera(
    hass: HomeAssistant, simulator: CameraSimulator
) -> None:
    """The simulator answers the first search: "Add integration" lists it, filled in."""
    await wait_until(lambda: discovery_flows(hass))
    (flow,) = discovery_flows(hass)
    assert flow["step_id"] == "discovery_confirm"
    assert flow["context"]["title_placeholders"] == {"name": f"{ALIAS} ({TITLE})"}
    assert flow["context"]["unique_id"] == CAMERA_ID

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == ALIAS  # the camera's own name titles new entries
    assert result["data"] == {
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_USERNAME: DEFAULT_USER,
        CONF_PASSWORD: DEFAULT_PASSWORD,
    }
    await hass.async_block_till_done()
    assert hass.config_entries.async_entries(DOMAIN)[0].unique_id == CAMERA_ID
    assert simulator.stats.discovery_searches_received == 1


@pytest.mark.parametrize("configured_as", [{}], indirect=True)
async def test_configured_camera_is_not_offered(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A camera that is set up already answers every search, and is never offered."""
    await wait_until(lambda: searcher(hass).answers == 1)
    await advance(hass, freezer, DISCOVERY_INTERVAL.total_seconds())
    await wait_until(lambda: searcher(hass).answers == 2)
    await hass.async_block_till_done()
    assert simulator.stats.discovery_searches_received == 2
    assert discovery_flows(hass) == []
    assert config_entry.data[CONF_PORT] == simulator.port


@pytest.mark.parametrize("configured_as", [{CONF_PORT: "unused"}], indirect=True)
async def test_moved_camera_is_followed(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """A configured camera answers from a new port: the entry follows it and connects again.

    The entry, set up with the integration, could not reach the camera at its old port.
    """
    await wait_until(lambda: config_entry.data[CONF_PORT] == simulator.port)
    await wait_until(lambda: config_entry.state is ConfigEntryState.LOADED)
    assert config_entry.data[CONF_HOST] == HOST
    assert discovery_flows(hass) == []


async def test_garbage_and_truncated_answers_are_ignored(
    hass: HomeAssistant, simulator: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Bytes that are no whole answer leave a debug line and start nothing."""
    caplog.set_level(logging.DEBUG, "custom_components.bseries_ipcam.protocol.discovery")
    await wait_until(lambda: searcher(hass).answers == 1)
    port = searcher(hass).local_port
    assert port is not None
    other = SearchResp(camera_id=OTHER_CAMERA_ID, name="Other", ip=HOST, port=8081).to_bytes()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"MO_I garbage, not a command", (HOST, port))
        sender.sendto(other[:40], (HOST, port))
        sender.sendto(other, (HOST, port))
    await wait_until(lambda: searcher(hass).answers == 2)
    await hass.async_block_till_done()
    assert {flow["context"]["unique_id"] for flow in discovery_flows(hass)} == {
        CAMERA_ID,
        OTHER_CAMERA_ID,
    }
    ignored = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Ignored a")]
    assert len(ignored) == 2, ignored
    assert "text length" in ignored[0] or "left over" in ignored[0]
    assert "left over" in ignored[1]


async def test_socket_closes_when_home_assistant_stops(hass: HomeAssistant) -> None:
    """The UDP socket and the timer end with Home Assistant."""
    assert searcher(hass).local_port is not None
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert searcher(hass).local_port is None
    await searcher(hass).async_search()  # nothing to search with: does nothing
    assert searcher(hass).searches == 1


async def test_setup_twice_keeps_one_searcher(hass: HomeAssistant) -> None:
    """The search belongs to the integration, not to an entry: one per Home Assistant run."""
    first = searcher(hass)
    await discovery.async_setup_discovery(hass, [])
    assert searcher(hass) is first


async def test_empty_address_list_turns_the_search_off(hass: HomeAssistant) -> None:
    """`discovery_addresses: []` opens no socket."""
    off = CameraDiscovery(hass, [])
    await off.async_start()
    assert off.local_port is None
    off.async_stop()


async def test_default_targets_are_the_broadcast_addresses(hass: HomeAssistant) -> None:
    """Without addresses, the search goes to HA's broadcast addresses (computed, never sent)."""
    targets = await async_broadcast_targets(hass)
    assert ("255.255.255.255", DISCOVERY_PORT) in targets
    assert all(port == DISCOVERY_PORT for _host, port in targets)


@pytest.mark.parametrize(
    ("text", "target"),
    [("192.0.2.255", ("192.0.2.255", DISCOVERY_PORT)), (" 127.0.0.1:1234 ", (HOST, 1234))],
)
def test_search_target(text: str, target: tuple[str, int]) -> None:
    assert search_target(text) == target


@pytest.mark.parametrize("text", ["camera.local", "192.0.2.1:port", "192.0.2.1:0", "::1"])
def test_search_target_refuses(text: str) -> None:
    with pytest.raises(probatio.Invalid, match=r"address|port"):
        search_target(text)
