"""The options flow: pre-roll seconds and restream; the entry reloads with them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType

from custom_components.bseries_ipcam.const import CONF_PAN_TILT, CONF_PREROLL_SECONDS, CONF_RESTREAM

from .helpers import wait_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator
    from custom_components.bseries_ipcam.media.preroll import Preroll

    from .helpers import MockConfigEntry


def _preroll(entry: MockConfigEntry) -> Preroll | None:
    preroll: Preroll | None = entry.runtime_data.preroll
    return preroll


async def test_options_turn_preroll_on_and_off(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    assert _preroll(loaded_entry) is None
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PREROLL_SECONDS: 5.0, CONF_RESTREAM: True}
    )
    # Restream on: its endpoints and password come next, then the options are saved.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "restream_endpoints"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The camera still pans and tilts: that option keeps its default.
    assert loaded_entry.options == {
        CONF_PAN_TILT: True,
        CONF_PREROLL_SECONDS: 5,
        CONF_RESTREAM: True,
    }
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    preroll = _preroll(loaded_entry)
    assert preroll is not None
    assert preroll.seconds == 5
    # Pre-roll keeps video and audio running into its buffer.
    await wait_until(lambda: preroll.buffer.frames >= 3, rounds=2_000_000)
    assert loaded_entry.runtime_data.feed.streaming
    await wait_until(lambda: loaded_entry.runtime_data.audio.streaming, rounds=2_000_000)

    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PREROLL_SECONDS: 0, CONF_RESTREAM: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert _preroll(loaded_entry) is None
