"""The B-Series IP Camera integration: Foscam MJPEG (FI8904W..FI8918W) cameras and clones."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.const import Platform
import probatio

from .alarm_settings import AlarmSettingsCoordinator
from .const import CONF_H264_STREAM, CONF_PREROLL_SECONDS, DOMAIN
from .controls import BSeriesControls, async_remove_pan_tilt_entities, pan_tilt_enabled
from .coordinator import BSeriesCoordinator
from .data import BSeriesRuntimeData
from .discovery import CONF_DISCOVERY_ADDRESSES, DISCOVERY_CONFIG, async_setup_discovery
from .frontend import async_register_card
from .media.audio_feed import AudioFeed
from .media.encoder import H264Encoder
from .media.feed import VideoFeed
from .media.live_audio import LiveAudioView
from .media.preroll import Preroll
from .media.recording import Recorder
from .media.restream import RestreamView, async_ensure_secret, restream_enabled
from .media.stream_source import async_release_stream_source, async_watch_encoder
from .media.timeline import Timeline
from .presets import PresetBook, async_remove_presets
from .refusals import RefusalNotifier
from .security import SecurityCheck, async_remove_issues
from .services import async_setup_services
from .talk import TalkEngine
from .upkeep import UpkeepCoordinator
from .websocket_api import async_setup_websocket_api

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .data import BSeriesConfigEntry

# Cameras are set up in the UI; the YAML key only points the network search elsewhere.
CONFIG_SCHEMA = probatio.Schema(
    {probatio.Optional(DOMAIN): probatio.Any(None, probatio.Schema(DISCOVERY_CONFIG))},
    extra=probatio.ALLOW_EXTRA,
)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.MEDIA_PLAYER,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's service actions and start searching for cameras."""
    async_setup_services(hass)
    async_setup_websocket_api(hass)
    await async_register_card(hass)
    hass.http.register_view(LiveAudioView(hass))
    hass.http.register_view(RestreamView(hass))
    await async_setup_discovery(hass, (config.get(DOMAIN) or {}).get(CONF_DISCOVERY_ADDRESSES))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: BSeriesConfigEntry) -> bool:
    """Connect to the camera and set up its entities."""
    coordinator = BSeriesCoordinator(hass, entry)
    await coordinator.async_setup()
    entry.async_on_unload(coordinator.async_shutdown)
    # One clock for the camera's frames and sound, so that they stay in step.
    timeline = Timeline()
    feed = VideoFeed(
        lambda: coordinator.camera,
        get_interval=lambda: coordinator.frame_interval.milliseconds / 1000,
        name=entry.title,
        timeline=timeline,
    )
    entry.async_on_unload(feed.close)
    entry.async_on_unload(coordinator.async_add_listener(feed.camera_changed))
    entry.async_on_unload(RefusalNotifier(hass, entry, feed).async_start())
    talk = TalkEngine(hass, coordinator)
    entry.async_on_unload(talk.async_shutdown)
    # Camera controls: settings and alias read once here, then kept current by op 18.
    controls = BSeriesControls(hass, entry, coordinator)
    entry.async_on_unload(controls.async_shutdown)
    await controls.async_start()
    presets = PresetBook(hass, entry, controls)
    await presets.async_load()
    if not pan_tilt_enabled(entry):
        async_remove_pan_tilt_entities(hass, entry)
    options = dict(entry.options)
    entry.async_on_unload(entry.add_update_listener(partial(_async_options_updated, options)))
    audio = AudioFeed(lambda: coordinator.camera, name=entry.title, timeline=timeline)
    entry.async_on_unload(audio.close)
    preroll_seconds = int(entry.options.get(CONF_PREROLL_SECONDS, 0))
    preroll = Preroll(preroll_seconds, feed, audio) if preroll_seconds else None
    # Unreadable alarm settings (e.g. an operator account: get_params.cgi is for administrators)
    # leave the camera usable; their entities are then not created.
    alarm_settings = AlarmSettingsCoordinator(hass, entry, coordinator)
    await alarm_settings.async_refresh()
    # Likewise the upkeep settings: without get_misc.cgi or an administrator, no entities.
    upkeep = UpkeepCoordinator(hass, entry, coordinator)
    await upkeep.async_refresh()
    encoder = None
    if entry.options.get(CONF_H264_STREAM, False):
        # It keeps as much of its stream as the pre-roll holds: clips copy it, lookback included.
        encoder = H264Encoder(
            get_ffmpeg_manager(hass).binary,
            feed,
            audio,
            name=entry.title,
            history_seconds=preroll_seconds,
        )
        entry.async_on_unload(encoder.close)
    recorder = Recorder(hass, coordinator, feed, audio, preroll, encoder=encoder)
    entry.runtime_data = BSeriesRuntimeData(
        coordinator=coordinator,
        feed=feed,
        talk=talk,
        controls=controls,
        audio=audio,
        recorder=recorder,
        preroll=preroll,
        alarm_settings=alarm_settings,
        upkeep=upkeep,
        encoder=encoder,
        presets=presets,
    )
    upkeep.async_start_clock_keeping()
    entry.async_on_unload(async_watch_encoder(hass, entry))
    SecurityCheck(hass, entry, coordinator).async_start()
    if restream_enabled(entry):
        async_ensure_secret(hass, entry)
    if preroll is not None:
        entry.async_on_unload(preroll.stop)
        entry.async_create_background_task(hass, preroll.async_start(), f"{DOMAIN} pre-roll")
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_options_updated(
    options: dict[str, object], hass: HomeAssistant, entry: BSeriesConfigEntry
) -> None:
    """Reload when the options changed (not for a new title, e.g. from the camera's alias)."""
    if dict(entry.options) != options:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: BSeriesConfigEntry) -> bool:
    """Remove the entities; the coordinator's shutdown then closes the session."""
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    await async_release_stream_source(hass, entry)
    return True


async def async_remove_entry(hass: HomeAssistant, entry: BSeriesConfigEntry) -> None:
    """Forget what the removed camera left: its security issues, its named presets."""
    async_remove_issues(hass, entry)
    await async_remove_presets(hass, entry.entry_id)
