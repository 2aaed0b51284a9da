"""Entries of many cameras set up together: none waits for another camera's answers."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.setup import async_setup_component
import pytest

from bseries_sim import CameraSimulator, SimulatorConfig
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.discovery import CONF_DISCOVERY_ADDRESSES
from custom_components.bseries_ipcam.protocol.messages import LoginReq

from .helpers import HOST, MockConfigEntry

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

CAMERAS = 4
# Each camera holds back its answers this long: entries set up one after another would reach
# the last camera only after the others' answers, far beyond WAIT_FOR_ALL.
ANSWER_DELAY = 3.0
WAIT_FOR_ALL = 2.0


@pytest.fixture(autouse=True)
def direct_discovery() -> None:
    """Not set up before the test: the test's own setup of the domain is what sets the entries up."""


def _asked_to_log_in(sim: CameraSimulator) -> Callable[[], bool]:
    return lambda: bool(sim.commands(LoginReq))


async def test_entries_log_in_at_once_at_start(
    hass: HomeAssistant, discovery_addresses: list[str]
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sims = [
            await stack.enter_async_context(
                CameraSimulator(SimulatorConfig(camera_id=f"00626E0D{n:04d}"))
            )
            for n in range(CAMERAS)
        ]
        entries = []
        for sim in sims:
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=f"Camera {sim.config.camera_id}",
                unique_id=sim.config.camera_id,
                data={
                    CONF_HOST: HOST,
                    CONF_PORT: sim.port,
                    CONF_USERNAME: DEFAULT_USER,
                    CONF_PASSWORD: DEFAULT_PASSWORD,
                },
            )
            entry.add_to_hass(hass)
            entries.append(entry)
            sim.set_response_delay(ANSWER_DELAY)
        # Home Assistant's start: the integration's setup sets up every entry of the domain.
        # The search goes to a loopback port nobody answers, as everywhere in the tests.
        config = {DOMAIN: {CONF_DISCOVERY_ADDRESSES: discovery_addresses}}
        setup = asyncio.create_task(async_setup_component(hass, DOMAIN, config))
        for sim in sims:
            await sim.wait_for(_asked_to_log_in(sim), WAIT_FOR_ALL)
        # Every camera was asked before any had answered.
        assert not setup.done()
        assert all(entry.state is not ConfigEntryState.LOADED for entry in entries)
        for sim in sims:
            sim.set_response_delay(0)
        assert await setup
        await hass.async_block_till_done()
        assert all(entry.state is ConfigEntryState.LOADED for entry in entries)
        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
