"""The B-Series IP Camera integration: Foscam MJPEG (FI8904W..FI8918W) cameras and clones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv

from .const import DOMAIN
from .coordinator import BSeriesCoordinator
from .data import BSeriesRuntimeData
from .feed import VideoFeed
from .refusals import RefusalNotifier
from .services import async_setup_services
from .talk import TalkEngine

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .data import BSeriesConfigEntry

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CAMERA,
    Platform.MEDIA_PLAYER,
    Platform.SELECT,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's service actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: BSeriesConfigEntry) -> bool:
    """Connect to the camera and set up its entities."""
    coordinator = BSeriesCoordinator(hass, entry)
    await coordinator.async_setup()
    entry.async_on_unload(coordinator.async_shutdown)
    feed = VideoFeed(
        lambda: coordinator.camera,
        get_interval=lambda: coordinator.frame_interval.milliseconds / 1000,
        name=entry.title,
    )
    entry.async_on_unload(feed.close)
    entry.async_on_unload(coordinator.async_add_listener(feed.camera_changed))
    entry.async_on_unload(RefusalNotifier(hass, entry, feed).async_start())
    talk = TalkEngine(hass, coordinator)
    entry.async_on_unload(talk.async_shutdown)
    entry.runtime_data = BSeriesRuntimeData(coordinator=coordinator, feed=feed, talk=talk)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: BSeriesConfigEntry) -> bool:
    """Remove the entities; the coordinator's shutdown then closes the session."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
