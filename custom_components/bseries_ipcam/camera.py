"""The camera entity: still images and live MJPEG from the camera's one shared AV connection."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components.camera import Camera
from homeassistant.components.camera.const import CameraEntityFeature
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util import dt as dt_util

from .alarm_settings import MOTION_ARMED
from .const import DOMAIN
from .entity import BSeriesEntity
from .errors import translate_errors
from .live_view import reason_picture
from .media.feed import BOUNDARY
from .media.mjpeg import serve_mjpeg
from .media.recording import default_path
from .media.stream_source import async_stream_source
from .presets import async_preset_action
from .protocol import FrameInterval
from .protocol.controls import Direction

if TYPE_CHECKING:
    from aiohttp import web
    from homeassistant.core import HomeAssistant, ServiceResponse
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.template import Template

    from .alarm_settings import AlarmSettingsCoordinator
    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry
    from .media.feed import VideoFeed
    from .media.recording import Recorder
    from .talk import TalkEngine

# Video starts on demand over the shared feed; entities do not poll.
PARALLEL_UPDATES = 0

STILL_WAIT: Final = 10.0
# HA's still-image stream polls at `frame_interval`; at full speed the camera gives ~15-30 fps.
FULL_SPEED_INTERVAL: Final = 1 / 15

CAMERA_DESCRIPTION: Final = EntityDescription(key="camera", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the camera entity."""
    data = entry.runtime_data
    async_add_entities([BSeriesCamera(data.coordinator, data.feed, data.talk, data.alarm_settings)])


class BSeriesCamera(BSeriesEntity, Camera):
    """The camera's video; named after the device."""

    def __init__(
        self,
        coordinator: BSeriesCoordinator,
        feed: VideoFeed,
        talk: TalkEngine,
        alarm_settings: AlarmSettingsCoordinator,
    ) -> None:
        """Serve video from the shared feed; motion detection is the camera's own arming."""
        BSeriesEntity.__init__(self, coordinator, CAMERA_DESCRIPTION)
        Camera.__init__(self)
        self._feed = feed
        self._talk = talk
        self.alarm_settings = alarm_settings
        self._attr_brand = coordinator.device_info.get("manufacturer")
        self._attr_model = coordinator.device_info.get("model")
        if coordinator.config_entry.runtime_data.encoder is not None:
            # HLS and WebRTC in the frontend, preload, casting: HA's stream needs H.264.
            self._attr_supported_features = CameraEntityFeature.STREAM

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the feed's faults (not its on-demand starts and stops)."""
        await super().async_added_to_hass()
        self.async_on_remove(self._feed.add_listener(self.async_write_ha_state))
        self.async_on_remove(self._recorder.add_listener(self.async_write_ha_state))
        self.async_on_remove(self.alarm_settings.async_add_listener(self.async_write_ha_state))
        encoder = self.coordinator.config_entry.runtime_data.encoder
        if encoder is not None:
            # HA looked for a WebRTC provider (go2rtc) as the entity was added, by asking for the
            # stream source; while the encoder fails there is none, and HA would not look again
            # until a restart. Once the encoder works again, it is asked to.
            failed = encoder.last_error is not None

            def encoder_changed() -> None:
                nonlocal failed
                if failed and encoder.last_error is None:
                    self.hass.async_create_task(self.async_refresh_providers())
                failed = encoder.last_error is not None

            self.async_on_remove(encoder.add_listener(encoder_changed))

    @property
    @override
    def is_streaming(self) -> bool:
        """Whether the camera gives video on request ("streaming"), or refuses or stalls ("idle").

        Video itself starts and stops with its viewers; that is no state change, so that the
        logbook does not fill with every dashboard visit.
        """
        return self._feed.fault is None

    @property
    @override
    def frame_interval(self) -> float:
        """Seconds between frames: the chosen interval, or the camera's full speed."""
        milliseconds = self.coordinator.frame_interval.milliseconds
        return milliseconds / 1000 if milliseconds else FULL_SPEED_INTERVAL

    @override
    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The newest frame while video runs; otherwise video starts for the first frame."""
        with translate_errors(self.coordinator.config_entry.title, default="no_video"):
            return await self._feed.still(STILL_WAIT)

    @override
    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse:
        """Every frame of the shared feed as multipart MJPEG (`mjpeg`); without video, why.

        A refusal, a stall or a lost camera shows as a picture of the translated reason on the
        same stream (`live_view`), and the live picture comes back by itself.
        """
        entry = self.coordinator.config_entry
        return await serve_mjpeg(
            request, self._feed, boundary=BOUNDARY, reason=partial(reason_picture, entry)
        )

    @override
    async def stream_source(self) -> str | None:
        """A URL ffmpeg reads, on the integration's loopback server; nothing runs until read.

        By default the shared MJPEG and sound as they are, without the STREAM feature (the
        frontend keeps showing MJPEG; HomeKit Bridge encodes it). With the `h264_stream` option
        the camera's H.264 + AAC MPEG-TS, and the STREAM feature.
        """
        return await async_stream_source(self.hass, self.coordinator.config_entry)

    async def async_set_frame_interval(self, interval: int) -> None:
        """Service action: choose the time between frames, in ms."""
        try:
            chosen = FrameInterval.from_milliseconds(interval)
        except ValueError:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_frame_interval",
                translation_placeholders={
                    "interval": str(interval),
                    "allowed": ", ".join(str(i.milliseconds) for i in FrameInterval),
                },
            ) from None
        await self.coordinator.async_set_frame_interval(chosen)

    async def async_talk(self, media: dict[str, Any]) -> None:
        """Service action: play audio through the camera's speaker."""
        await self._talk.async_talk(media["media_content_id"], entity_id=self.entity_id)

    # --- camera controls: the ptz and ptz_preset actions ---------------------------------------

    async def async_ptz(self, movement: str, travel_time: float) -> None:
        """Move the view in picture terms for `travel_time` seconds, then stop."""
        controls = self.coordinator.config_entry.runtime_data.controls
        await controls.async_move(Direction(movement), travel_time)

    async def async_ptz_preset(
        self, action: str, preset: int | None = None, name: str | None = None
    ) -> ServiceResponse:
        """Go to, save, rename or delete a named preset; returns the presets saved after it."""
        presets = self.coordinator.config_entry.runtime_data.presets
        number = await async_preset_action(presets, action, preset, name)
        return {"preset": number, "presets": presets.as_list()}

    # --- recording -----------------------------------------------------------------------------

    @property
    def _recorder(self) -> Recorder:
        recorder: Recorder = self.coordinator.config_entry.runtime_data.recorder
        return recorder

    @property
    @override
    def is_recording(self) -> bool:
        """Whether a clip is being recorded now."""
        return self._recorder.recording

    async def async_record(
        self, duration: float, lookback: float, filename: Template | None = None
    ) -> ServiceResponse:
        """Service action: record an MP4 clip from the shared feed; returns when it is done."""
        if filename is None:
            path = default_path(self.hass, self.coordinator.camera_id, dt_util.now())
        else:
            path = str(filename.async_render(variables={"entity_id": self}))
        clip = await self._recorder.async_record(path, duration, lookback, entity_id=self.entity_id)
        return {
            "path": clip.path,
            "duration": clip.duration,
            "frames": clip.frames,
            "copied": clip.copied,
        }

    # --- motion detection: the camera's own arming, so camera.enable_motion_detection works --

    @property
    @override
    def motion_detection_enabled(self) -> bool:
        """Whether the camera has motion detection armed (it sends motion alarms only then)."""
        return self.alarm_settings.value(MOTION_ARMED) == 1

    @override
    async def async_enable_motion_detection(self) -> None:
        """Arm the camera's motion detection."""
        await self.alarm_settings.async_set(MOTION_ARMED, 1)

    @override
    async def async_disable_motion_detection(self) -> None:
        """Disarm the camera's motion detection."""
        await self.alarm_settings.async_set(MOTION_ARMED, 0)
