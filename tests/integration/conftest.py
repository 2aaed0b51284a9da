"""Fixtures for the integration's tests: a config entry for the simulated camera, set up or not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.setup import async_setup_component
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.discovery import CONF_DISCOVERY_ADDRESSES

from .helpers import CAMERA_ID, HOST, TITLE, MockConfigEntry

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator


@pytest.fixture
def discovery_addresses(socket_enabled: None) -> list[str]:
    """Where the integration's network search goes: a UDP port on 127.0.0.1 that nobody answers.

    Discovery tests override it to point at the simulator. Nothing in a test ever broadcasts.
    """
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        port = int(sock.getsockname()[1])
    return [f"{HOST}:{port}"]


@pytest.fixture(autouse=True)
async def direct_discovery(
    request: pytest.FixtureRequest, hass: HomeAssistant, discovery_addresses: list[str]
) -> None:
    """Set the integration up first with its search directed at `discovery_addresses`."""
    if "audio_dir" in request.fixturenames:
        request.getfixturevalue("audio_dir")  # media folders are read when media_source starts
    assert await async_setup_component(
        hass, DOMAIN, {DOMAIN: {CONF_DISCOVERY_ADDRESSES: discovery_addresses}}
    )


def _local_media(hass: HomeAssistant, folder: Path) -> Path:
    """Make a new `folder` HA's local media source, which HA may read and write."""
    folder.mkdir()
    hass.config.allowlist_external_dirs = {str(folder)}
    hass.config.media_dirs = {"local": str(folder)}
    return folder


@pytest.fixture
def audio_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A folder HA may read and serve as the local media source (set before the entry loads)."""
    return _local_media(hass, tmp_path / "audio")


@pytest.fixture
def media_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """HA's local media folder, which HA may write (recordings)."""
    return _local_media(hass, tmp_path / "media")


@pytest.fixture
def sim_users() -> dict[str, SimUser]:
    """The simulated camera's accounts; tests change passwords in place."""
    return {DEFAULT_USER: SimUser(DEFAULT_PASSWORD)}


@pytest.fixture
def sim_overrides() -> dict[str, Any]:
    """What differs from the default simulated camera (tests override or parametrize it)."""
    return {}


@pytest.fixture
def simulator_config(
    sim_users: dict[str, SimUser], sim_overrides: dict[str, Any]
) -> SimulatorConfig:
    """The simulated camera, with accounts the test can change, and `sim_overrides`."""
    # No alias: the entry keeps its "B-Series camera <id>" title (test_controls gives one).
    return SimulatorConfig(users=sim_users, camera_id=CAMERA_ID, alias="", **sim_overrides)


@pytest.fixture
def config_entry(simulator: CameraSimulator) -> MockConfigEntry:
    """A config entry for the simulated camera (not yet added to hass)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=CAMERA_ID,
        data={
            CONF_HOST: HOST,
            CONF_PORT: simulator.port,
            CONF_USERNAME: DEFAULT_USER,
            CONF_PASSWORD: DEFAULT_PASSWORD,
        },
    )


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The config entry, set up against the simulator; unloaded at the end of the test."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    yield config_entry
    if config_entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def free_port(socket_enabled: None) -> Callable[[], int]:
    """A TCP port on 127.0.0.1 that nothing listens on."""

    def get() -> int:
        import socket

        with socket.socket() as sock:
            sock.bind((HOST, 0))
            return int(sock.getsockname()[1])

    return get
