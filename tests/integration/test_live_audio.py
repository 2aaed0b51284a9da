"""Live audio: the media source lists each camera's microphone, which plays as MP3 via ffmpeg."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.components import media_source
from homeassistant.components.media_source import Unresolvable
from homeassistant.exceptions import HomeAssistantError
import pytest
import yarl

from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.protocol.messages import AudioEnd, AudioStartReq

from .helpers import CAMERA_ID
from .media_helpers import decode_audio, needs_ffmpeg
from .talk_helpers import MIN_SNR_DB, fit_tone

if TYPE_CHECKING:
    from aiohttp import ClientResponse
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

    from .helpers import MockConfigEntry

pytestmark = needs_ffmpeg

ROOT = f"media-source://{DOMAIN}"
CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"
# 2.5 s of 192 kbit/s MP3.
MP3_BYTES = 60_000


async def _live_item(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    browsed = await media_source.async_browse_media(hass, ROOT)
    ids = [child.media_content_id for child in browsed.children or []]
    expected = f"{ROOT}/{entry.entry_id}/live_audio"
    assert expected in ids
    return expected


async def _read(response: ClientResponse, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = await response.content.read(size - len(data))
        assert chunk, "the live audio ended"
        data += chunk
    return data


async def test_live_audio_plays_the_tone(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The signed URL of the item streams MP3 that decodes to the simulator's 440 Hz tone."""
    item = await _live_item(hass, loaded_entry)
    played = await media_source.async_resolve_media(hass, item, None)
    assert played.mime_type == "audio/mpeg"
    url = yarl.URL(played.url)
    assert url.path == f"/api/{DOMAIN}/live_audio/{loaded_entry.entry_id}"
    assert "authSig" in url.query
    client = await hass_client_no_auth()
    # Unsigned: refused.
    assert (await client.get(url.path)).status == HTTPStatus.UNAUTHORIZED
    response = await client.get(played.url)
    assert response.status == HTTPStatus.OK
    assert response.content_type == "audio/mpeg"
    mp3 = await _read(response, MP3_BYTES)
    response.close()
    samples = await decode_audio(mp3)
    fit = fit_tone(samples[2000:10000], 440.0)
    assert fit.snr_db >= MIN_SNR_DB, fit
    assert fit.amplitude == pytest.approx(8000 / 32767, rel=0.1), fit
    # Audio stops a short while after the last listener left.
    await simulator.wait_for(lambda: len(simulator.commands(AudioEnd)) == 1, timeout=15)


async def test_listeners_and_a_viewer_share_one_av_connection(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    item = await _live_item(hass, loaded_entry)
    played = await media_source.async_resolve_media(hass, item, None)
    viewer_client = await hass_client()
    viewer = await viewer_client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert viewer.status == HTTPStatus.OK
    await viewer.content.read(1000)
    client = await hass_client_no_auth()
    listeners = [await client.get(played.url) for _ in range(3)]
    streams = await asyncio.gather(*(_read(r, MP3_BYTES) for r in listeners))
    for mp3 in streams:
        fit = fit_tone((await decode_audio(mp3))[2000:10000], 440.0)
        assert fit.snr_db >= MIN_SNR_DB, fit
    assert simulator.stats.av_connections_accepted == 1
    assert len(simulator.commands(AudioStartReq)) == 1
    for response in (*listeners, viewer):
        response.close()


async def test_ffmpeg_missing(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Without ffmpeg the stream answers 500 and says why; the camera goes on working."""
    item = await _live_item(hass, loaded_entry)
    played = await media_source.async_resolve_media(hass, item, None)
    client = await hass_client_no_auth()
    manager = type("Manager", (), {"binary": "/nonexistent/ffmpeg"})()
    with patch(
        "custom_components.bseries_ipcam.media.live_audio.get_ffmpeg_manager", return_value=manager
    ):
        response = await client.get(played.url)
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Cannot run ffmpeg" in await response.text()
    response = await client.get(played.url)
    assert response.status == HTTPStatus.OK
    assert len(await _read(response, 1000)) == 1000
    response.close()


async def test_unknown_camera(
    hass: HomeAssistant, hass_client: Any, loaded_entry: MockConfigEntry
) -> None:
    client = await hass_client()
    response = await client.get(f"/api/{DOMAIN}/live_audio/nope")
    assert response.status == HTTPStatus.NOT_FOUND
    with pytest.raises(Unresolvable):
        await media_source.async_resolve_media(hass, f"{ROOT}/nope/live_audio", None)
    with pytest.raises(Unresolvable):
        await media_source.async_resolve_media(hass, f"{ROOT}/{loaded_entry.entry_id}/video", None)
    with pytest.raises(HomeAssistantError):
        await media_source.async_browse_media(hass, f"{ROOT}/{loaded_entry.entry_id}")


@pytest.mark.parametrize("sim_overrides", [{"microphone": False}])
class TestNoMicrophone:
    """A camera that answers Audio_Start with result 7."""

    async def test_no_live_audio_item_and_the_reason(
        self,
        hass: HomeAssistant,
        hass_client: Any,
        simulator: CameraSimulator,
        loaded_entry: MockConfigEntry,
    ) -> None:
        browsed = await media_source.async_browse_media(hass, ROOT)
        children = browsed.children or []
        assert [c.media_content_id for c in children] == [f"{ROOT}/{loaded_entry.entry_id}"]
        assert not children[0].can_play
        assert "no microphone" in children[0].title
        with pytest.raises(Unresolvable, match="no microphone"):
            await media_source.async_resolve_media(
                hass, f"{ROOT}/{loaded_entry.entry_id}/live_audio", None
            )
        client = await hass_client()
        response = await client.get(f"/api/{DOMAIN}/live_audio/{loaded_entry.entry_id}")
        assert response.status == HTTPStatus.NOT_FOUND
        assert "no microphone" in await response.text()
        assert len(simulator.commands(AudioStartReq)) == 1
