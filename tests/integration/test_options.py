"""The options flow: pre-roll seconds, restream, keeping the clock; the entry reloads with them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.camera.const import CameraEntityFeature
from homeassistant.config_entries import ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType

from custom_components.bseries_ipcam.const import (
    CONF_H264_STREAM,
    CONF_KEEP_CLOCK,
    CONF_PAN_TILT,
    CONF_PREROLL_SECONDS,
    CONF_RESTREAM,
)

from .helpers import wait_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator
    from custom_components.bseries_ipcam.media.encoder import H264Encoder
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
    # The camera still pans and tilts and its clock is kept: those options keep their default.
    assert loaded_entry.options == {
        CONF_PAN_TILT: True,
        CONF_PREROLL_SECONDS: 5,
        CONF_RESTREAM: True,
        CONF_KEEP_CLOCK: True,
        CONF_H264_STREAM: False,
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


async def test_options_turn_keeping_the_clock_off(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PREROLL_SECONDS: 0, CONF_RESTREAM: False, CONF_KEEP_CLOCK: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_KEEP_CLOCK] is False
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.upkeep.diagnostics()["keep_clock"] is False


def _encoder(entry: MockConfigEntry) -> H264Encoder | None:
    encoder: H264Encoder | None = entry.runtime_data.encoder
    return encoder


async def test_h264_stream_option_gives_the_stream_feature(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Off by default; on, the camera gets an encoder (idle until read) and STREAM."""
    camera = f"camera.b_series_camera_{loaded_entry.unique_id.lower()}"
    state = hass.states.get(camera)
    assert state is not None
    assert not state.attributes["supported_features"] & CameraEntityFeature.STREAM
    assert _encoder(loaded_entry) is None
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_H264_STREAM: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_H264_STREAM] is True
    await hass.async_block_till_done()
    encoder = _encoder(loaded_entry)
    assert encoder is not None
    assert not encoder.running
    state = hass.states.get(camera)
    assert state is not None
    assert state.attributes["supported_features"] & CameraEntityFeature.STREAM
    # Nothing is encoded, and the camera sends nothing, until a reader comes.
    assert simulator.stats.av_connections_accepted == 0
