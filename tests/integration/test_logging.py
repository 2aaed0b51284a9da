"""A whole session logged at DEBUG never shows the password or another camera's credentials."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.data_entry_flow import FlowResultType
import pytest

from bseries_sim import PEER_LIST_PASSWORD, PEER_LIST_USER, SimUser
from bseries_sim.config import DEFAULT_USER
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.protocol import AlarmType

from .helpers import HOST, advance, coordinator_of, wait_until

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

PASSWORD = "Zq7-kW9!xP"


@pytest.fixture
def sim_users() -> dict[str, SimUser]:
    """An account whose password cannot turn up in a log by chance."""
    return {DEFAULT_USER: SimUser(PASSWORD)}


async def test_debug_log_never_shows_credentials(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Config flow (a wrong password included), setup, op 28, alarms, reconnect and unload."""
    caplog.set_level(logging.DEBUG)
    simulator.send_peer_list()
    simulator.send_unknown_opcode()

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    form = {
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_USERNAME: DEFAULT_USER,
        CONF_PASSWORD: PASSWORD[::-1],
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "invalid_password"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    coordinator = coordinator_of(entry)
    assert coordinator.connected
    # The camera sent its peer list after verify; let the client read it.
    await wait_until(lambda: "Dropped a peer camera list" in caplog.text)

    simulator.trigger_alarm(AlarmType.MOTION)
    await wait_until(lambda: coordinator.alarms[AlarmType.MOTION])
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    await advance(hass, freezer, 1)
    assert coordinator.connected
    await wait_until(lambda: caplog.text.count("Dropped a peer camera list") >= 3)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    ours = [r for r in caplog.records if not r.name.startswith("bseries_sim")]
    assert any(r.name.startswith("custom_components.bseries_ipcam") for r in ours)
    for record in ours:
        text = record.getMessage() + (record.exc_text or "")
        for secret in (PASSWORD, PASSWORD[::-1], PEER_LIST_USER, PEER_LIST_PASSWORD):
            assert secret not in text, f"{record.name} logged a credential: {text!r}"
