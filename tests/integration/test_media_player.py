"""Tests of the speaker: a media player that plays through the camera's talk engine."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    DOMAIN as MP_DOMAIN,
    SERVICE_BROWSE_MEDIA,
    SERVICE_PLAY_MEDIA,
    MediaPlayerDeviceClass,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.components.tts import TextToSpeechEntity
from homeassistant.config_entries import ConfigFlow
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_MEDIA_STOP,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

from custom_components.bseries_ipcam import coordinator as coordinator_module
from custom_components.bseries_ipcam.protocol.messages import TalkEnd

from .helpers import TITLE, MockConfigEntry, coordinator_of, wait_until
from .talk_helpers import MIN_SNR_DB, OUT_RATE, fit_tone, speaker_id, write_tone

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from bseries_sim import CameraSimulator


# Every test here plays files from the local media folder.
pytestmark = pytest.mark.usefixtures("audio_dir")


def state_of(hass: HomeAssistant) -> str:
    """The speaker's state."""
    state = hass.states.get(speaker_id(hass))
    assert state is not None
    return state.state


async def play(hass: HomeAssistant, media_id: str, **extra: Any) -> None:
    """media_player.play_media on the speaker, waiting until it has played."""
    await hass.services.async_call(
        MP_DOMAIN,
        SERVICE_PLAY_MEDIA,
        {
            ATTR_ENTITY_ID: speaker_id(hass),
            ATTR_MEDIA_CONTENT_ID: media_id,
            ATTR_MEDIA_CONTENT_TYPE: "music",
            **extra,
        },
        blocking=True,
    )


async def test_entity(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """One speaker per camera, idle, with its translated name and features."""
    assert speaker_id(hass) == "media_player.b_series_camera_00626e4e72bf_speaker"
    state = hass.states.get(speaker_id(hass))
    assert state is not None
    assert state.state == MediaPlayerState.IDLE
    assert state.attributes[ATTR_FRIENDLY_NAME] == f"{TITLE} Speaker"
    assert state.attributes[ATTR_DEVICE_CLASS] == MediaPlayerDeviceClass.SPEAKER
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.BROWSE_MEDIA
        | MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        | MediaPlayerEntityFeature.STOP
    )


async def test_play_media(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """An announcement plays through the camera; the speaker is playing meanwhile, then idle."""
    tone = write_tone(audio_dir / "tone.wav", 440.0, 0.6)
    states: list[str] = []
    task = asyncio.create_task(play(hass, str(tone), **{ATTR_MEDIA_ANNOUNCE: True}))
    await wait_until(lambda: state_of(hass) == MediaPlayerState.PLAYING)
    states.append(state_of(hass))
    await task
    states.append(state_of(hass))
    assert states == [MediaPlayerState.PLAYING, MediaPlayerState.IDLE]
    assert fit_tone(simulator.talk_samples[320:4480], 440.0).snr_db >= MIN_SNR_DB


async def test_play_media_error(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """A file that is no audio: the service call fails with the translated message."""
    bad = audio_dir / "bad.mp3"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(HomeAssistantError, match=f"Could not read the audio {bad}"):
        await play(hass, str(bad))
    assert state_of(hass) == MediaPlayerState.IDLE


async def test_media_stop(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """Stop ends the talk (while its play_media call still runs); the call then returns."""
    tone = write_tone(audio_dir / "long.wav", seconds=5.0)
    task = asyncio.create_task(play(hass, str(tone)))
    await simulator.wait_for(lambda: len(simulator.talk_samples) >= 1600)
    assert state_of(hass) == MediaPlayerState.PLAYING
    await hass.services.async_call(
        MP_DOMAIN, SERVICE_MEDIA_STOP, {ATTR_ENTITY_ID: speaker_id(hass)}, blocking=True
    )
    assert state_of(hass) == MediaPlayerState.IDLE
    await task
    assert len(simulator.talk_samples) < 5 * OUT_RATE // 2
    await simulator.wait_for(lambda: len(simulator.commands(TalkEnd)) == 1)


async def test_browse_media(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, audio_dir: Path
) -> None:
    """Browsing shows audio and folders, not other media."""
    write_tone(audio_dir / "tone.wav", seconds=0.1)
    (audio_dir / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (audio_dir / "clip.mp4").write_bytes(b"")
    (audio_dir / "more").mkdir()
    response = await hass.services.async_call(
        MP_DOMAIN,
        SERVICE_BROWSE_MEDIA,
        {
            ATTR_ENTITY_ID: speaker_id(hass),
            ATTR_MEDIA_CONTENT_ID: "media-source://media_source/local/.",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    result: Any = response[speaker_id(hass)]
    children = {
        child.title: (child.can_expand, child.media_content_type) for child in result.children
    }
    assert children == {"more": (True, ""), "tone.wav": (False, "audio/x-wav")}
    assert result.not_shown == 2


async def test_unavailable_while_offline(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The speaker is unavailable while the control session is down (past the grace)."""
    monkeypatch.setattr(coordinator_module, "AVAILABILITY_GRACE", 0.05)
    simulator.force_login_result(2)
    simulator.drop_all()
    await wait_until(lambda: not coordinator_of(loaded_entry).connected)
    await wait_until(lambda: state_of(hass) == STATE_UNAVAILABLE, rounds=2_000_000)


class ToneTTS(TextToSpeechEntity):
    """A text-to-speech engine that says everything as a short 440 Hz tone."""

    _attr_name = "Tone"
    _attr_supported_languages = ["en"]  # noqa: RUF012 - HA's own attribute
    _attr_default_language = "en"

    def __init__(self, wav: bytes) -> None:
        """Say `wav`."""
        self._wav = wav

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> tuple[str, bytes]:
        """The tone, whatever the message."""
        return "wav", self._wav


async def test_tts_speak(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    audio_dir: Path,
    hass_client: Callable[[], Any],
) -> None:
    """tts.speak speaks through the camera: HA's TTS proxy URL, read over HA's HTTP server."""
    wav = write_tone(audio_dir / "speech.wav", 440.0, 0.5, rate=16000, channels=1).read_bytes()

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, [Platform.TTS])
        return True

    async def unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        return await hass.config_entries.async_unload_platforms(entry, [Platform.TTS])

    async def setup_platform(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        add([ToneTTS(wav)])

    mock_integration(
        hass,
        MockModule("tone_tts", async_setup_entry=setup_entry, async_unload_entry=unload_entry),
    )
    mock_platform(hass, "tone_tts.tts", MockPlatform(async_setup_entry=setup_platform))
    mock_platform(hass, "tone_tts.config_flow")
    assert await async_setup_component(hass, "tts", {})
    tts_entry = MockConfigEntry(domain="tone_tts")
    tts_entry.add_to_hass(hass)
    with mock_config_flow("tone_tts", ConfigFlow):
        assert await hass.config_entries.async_setup(tts_entry.entry_id)
    await hass.async_block_till_done()
    # HA's HTTP server for ffmpeg to read from (its routes are frozen from now on).
    client = await hass_client()
    hass.config.internal_url = str(client.make_url("")).rstrip("/")

    await hass.services.async_call(
        "tts",
        "speak",
        {
            ATTR_ENTITY_ID: "tts.tone",
            "media_player_entity_id": speaker_id(hass),
            "message": "Hello",
        },
        blocking=True,
    )
    # HA's TTS hands the audio on re-encoded (as MP3: ~50 ms of encoder delay lead it in).
    fit = fit_tone(simulator.talk_samples[800:4000], 440.0)
    assert fit.snr_db >= MIN_SNR_DB
    assert fit.amplitude == pytest.approx(0.5, rel=0.03)
    assert await hass.config_entries.async_unload(tts_entry.entry_id)
