"""Media source: each camera's "Live audio" in Home Assistant's media browser.

`media-source://bseries_ipcam/<entry id>/live_audio` resolves to a signed URL of the camera's live
MP3 (`live_audio.LiveAudioView`), which any media player, Cast or Sonos device and the frontend
play. A camera without a microphone has no such item: its entry says why instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)

from .const import DOMAIN
from .media.live_audio import live_audio_path, loaded_entry

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import BSeriesConfigEntry

LIVE_AUDIO: Final = "live_audio"
# Browsing waits at most this long for a camera to say whether it has a microphone.
BROWSE_PROBE_WAIT: Final = 3.0
# Long enough for a player that reconnects during a long listen.
SIGNED_URL_LIFETIME: Final = timedelta(hours=1)


async def async_get_media_source(hass: HomeAssistant) -> BSeriesMediaSource:
    """The integration's media source."""
    return BSeriesMediaSource(hass)


class BSeriesMediaSource(MediaSource):
    """Live audio of every loaded camera."""

    name = "B-Series IP Camera"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the cameras of `hass`."""
        super().__init__(DOMAIN)
        self.hass = hass

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """A signed URL of the camera's live MP3."""
        entry_id, _, kind = item.identifier.partition("/")
        entry = loaded_entry(self.hass, entry_id)
        if entry is None or kind != LIVE_AUDIO:
            raise Unresolvable(f"No such camera audio: {item.identifier}")
        feed = entry.runtime_data.audio
        if not await feed.probe():
            raise Unresolvable(f"{entry.title} has no live audio: {feed.unavailable_reason}")
        return PlayMedia(
            async_sign_path(self.hass, live_audio_path(entry_id), SIGNED_URL_LIFETIME),
            "audio/mpeg",
        )

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """The cameras, each with its live audio (or the reason it has none)."""
        if item.identifier:
            raise Unresolvable(f"Nothing to browse at {item.identifier}")
        entries: list[BSeriesConfigEntry] = [
            entry
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if loaded_entry(self.hass, entry.entry_id) is not None
        ]
        children = [await self._async_camera_item(entry) for entry in entries]
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=None,
            media_class=MediaClass.DIRECTORY,
            media_content_type=MediaType.MUSIC,
            title=self.name,
            can_play=False,
            can_expand=True,
            children=sorted(children, key=lambda child: child.title),
            children_media_class=MediaClass.MUSIC,
        )

    async def _async_camera_item(self, entry: BSeriesConfigEntry) -> BrowseMediaSource:
        feed = entry.runtime_data.audio
        if await feed.probe(BROWSE_PROBE_WAIT):
            return BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{entry.entry_id}/{LIVE_AUDIO}",
                media_class=MediaClass.MUSIC,
                media_content_type="audio/mpeg",
                title=f"{entry.title}: Live audio",
                can_play=True,
                can_expand=False,
            )
        # Not playable and not a live audio item: the title is the reason.
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=entry.entry_id,
            media_class=MediaClass.DIRECTORY,
            media_content_type=MediaType.MUSIC,
            title=f"{entry.title}: no live audio, {feed.unavailable_reason}",
            can_play=False,
            can_expand=False,
        )
