"""What a loaded config entry holds, and the typed config entry of this integration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .alarm_settings import AlarmSettingsCoordinator
    from .controls import BSeriesControls
    from .coordinator import BSeriesCoordinator
    from .media.audio_feed import AudioFeed
    from .media.encoder import H264Encoder
    from .media.feed import VideoFeed
    from .media.preroll import Preroll
    from .media.recording import Recorder
    from .presets import PresetBook
    from .talk import TalkEngine
    from .upkeep import UpkeepCoordinator


@dataclass(slots=True)
class BSeriesRuntimeData:
    """The camera's control session, its shared video feed, its talk queue, its alarm settings."""

    coordinator: BSeriesCoordinator
    feed: VideoFeed
    talk: TalkEngine
    # Pan/tilt, presets, patrol, IR and image settings.
    controls: BSeriesControls
    audio: AudioFeed
    recorder: Recorder
    preroll: Preroll | None
    alarm_settings: AlarmSettingsCoordinator
    # Restart, clock, status LED, speeds and start-up position (get_misc.cgi, get_status.cgi).
    upkeep: UpkeepCoordinator
    # Named presets (HA's storage) and the one last gone to.
    presets: PresetBook
    # The H.264 stream (the `h264_stream` option); None without it.
    encoder: H264Encoder | None = None


type BSeriesConfigEntry = ConfigEntry[BSeriesRuntimeData]
