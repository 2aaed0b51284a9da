"""The camera's speaker as a media player: text-to-speech and any audio media play through it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components import media_source
from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    MediaPlayerDeviceClass,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.helpers.entity import EntityDescription

from .entity import BSeriesEntity

if TYPE_CHECKING:
    from homeassistant.components.media_player.browse_media import BrowseMedia
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry
    from .talk import TalkEngine

# Unlimited: a stop has to reach the speaker while its play_media call is still running (talks
# themselves wait in turn in the talk engine's queue).
PARALLEL_UPDATES = 0

SPEAKER_DESCRIPTION: Final = EntityDescription(key="speaker", translation_key="speaker")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the camera's speaker."""
    data = entry.runtime_data
    async_add_entities([BSeriesSpeaker(data.coordinator, data.talk)])


def _is_audio(item: BrowseMedia) -> bool:
    return item.media_content_type.startswith("audio/")


class BSeriesSpeaker(BSeriesEntity, MediaPlayerEntity):
    """Plays media through the camera's speaker (talk); playing while a talk runs."""

    _attr_device_class = MediaPlayerDeviceClass.SPEAKER
    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.BROWSE_MEDIA
        | MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        | MediaPlayerEntityFeature.STOP
    )

    def __init__(self, coordinator: BSeriesCoordinator, talk: TalkEngine) -> None:
        """Speak through the camera's talk engine."""
        super().__init__(coordinator, SPEAKER_DESCRIPTION)
        self._talk = talk

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the talk engine as well as the camera."""
        await super().async_added_to_hass()
        self.async_on_remove(self._talk.async_add_listener(self.async_write_ha_state))

    @property
    @override
    def state(self) -> MediaPlayerState:
        """Playing while a talk runs, idle otherwise."""
        return MediaPlayerState.PLAYING if self._talk.talking else MediaPlayerState.IDLE

    @override
    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play the media through the camera (announcements too); returns once it was heard.

        A talk in progress is finished first: talks wait in turn.
        """
        await self._talk.async_talk(media_id, entity_id=self.entity_id)

    @override
    async def async_media_stop(self) -> None:
        """End the talk that is playing."""
        await self._talk.async_stop()

    @override
    async def async_browse_media(
        self,
        media_content_type: MediaType | str | None = None,
        media_content_id: str | None = None,
    ) -> BrowseMedia:
        """Browse the media sources, audio only."""
        return await media_source.async_browse_media(
            self.hass, media_content_id, content_filter=_is_audio
        )
