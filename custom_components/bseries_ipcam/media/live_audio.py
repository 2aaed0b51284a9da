"""Live audio over HTTP: the camera's microphone as MP3, encoded by Home Assistant's ffmpeg.

`LiveAudioView` serves `/api/bseries_ipcam/live_audio/<entry id>`; the media source hands out
signed URLs of it. Each listener gets an ffmpeg of its own that turns the shared feed's PCM into
MP3 (a few percent of one core for 8 kHz mono); all of them share the camera's one audio start.
A listener whose client stops reading backs up only its own ffmpeg and its own queue, which then
drops that listener's packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Final

from aiohttp import web
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers.http import HomeAssistantView

from ..const import DOMAIN
from ..errors import BSeriesIntegrationError
from .audio_feed import SAMPLE_RATE

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from ..data import BSeriesConfigEntry
    from .audio_feed import AudioChunk, AudioFeed, AudioListener

_LOGGER = logging.getLogger(__name__)

LIVE_AUDIO_URL: Final = f"/api/{DOMAIN}/live_audio"
# Browsers start an MP3 stream only once about 32 KB arrived: at 32 kbit/s that took 8-9 s here
# (about 25 s on a user's machine) and left the player that far behind live. At 192 kbit/s and
# 44.1 kHz it is under 2 s, with no burst and so no extra delay; 44.1 kHz MP3 is also what every
# media player takes (8 kHz is MPEG 2.5, which some refuse). 24 KB/s per listener on the LAN.
MP3_BITRATE: Final = "192k"
MP3_SAMPLE_RATE: Final = 44100
READ_CHUNK: Final = 4096
# Seconds to wait for the first sound before answering that there is none.
FIRST_SOUND_WAIT: Final = 10.0


def live_audio_path(entry_id: str) -> str:
    """The (unsigned) path of a camera's live audio."""
    return f"{LIVE_AUDIO_URL}/{entry_id}"


def loaded_entry(hass: HomeAssistant, entry_id: str) -> BSeriesConfigEntry | None:
    """The loaded config entry of this integration with this id."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        return None
    return entry


class LiveAudioView(HomeAssistantView):
    """The live MP3 of one camera's microphone (authenticated; the media source signs it)."""

    url = LIVE_AUDIO_URL + "/{entry_id}"
    name = f"api:{DOMAIN}:live_audio"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the cameras of `hass`."""
        self.hass = hass

    async def get(self, request: web.Request, entry_id: str) -> web.StreamResponse:
        """Stream MP3 until the client leaves or the feed ends."""
        entry = loaded_entry(self.hass, entry_id)
        if entry is None:
            return web.Response(status=404, text="No such camera\n")
        feed = entry.runtime_data.audio
        if not await feed.probe():
            return web.Response(status=404, text=f"No live audio: {feed.unavailable_reason}\n")
        try:
            async with feed.listen() as listener:
                return await self._stream(request, feed, listener)
        except BSeriesIntegrationError as err:
            return web.Response(status=503, text=f"No live audio: {err}\n")

    async def _stream(
        self, request: web.Request, feed: AudioFeed, listener: AudioListener
    ) -> web.StreamResponse:
        try:
            async with asyncio.timeout(FIRST_SOUND_WAIT):
                first = await listener.get()
        except TimeoutError:
            first = None
        if first is None:
            reason = feed.unavailable_reason or "no sound from the camera in time"
            return web.Response(status=503, text=f"No live audio: {reason}\n")
        try:
            process = await asyncio.create_subprocess_exec(
                get_ffmpeg_manager(self.hass).binary,
                *("-nostdin", "-hide_banner", "-loglevel", "error"),
                *("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"),
                *("-ar", str(MP3_SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", MP3_BITRATE),
                *("-flush_packets", "1"),
                *("-f", "mp3", "pipe:1"),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as err:
            _LOGGER.error("Cannot run ffmpeg for live audio of %s: %s", feed.name, err)
            return web.Response(status=500, text=f"Cannot run ffmpeg: {err}\n")
        assert process.stdin is not None
        assert process.stdout is not None
        stdin = process.stdin
        stdout = process.stdout

        async def feed_ffmpeg() -> None:
            chunk: AudioChunk | None = first
            with contextlib.suppress(ConnectionError):
                while chunk is not None:
                    stdin.write(chunk.pcm)
                    await stdin.drain()
                    chunk = await listener.get()
            stdin.close()

        response = web.StreamResponse(
            headers={"Content-Type": "audio/mpeg", "Cache-Control": "no-store"}
        )
        feeder = asyncio.create_task(feed_ffmpeg())
        try:
            await response.prepare(request)
            while data := await stdout.read(READ_CHUNK):
                await response.write(data)
        except ConnectionError:
            pass  # the listener left
        finally:
            feeder.cancel()
            await asyncio.wait((feeder,))
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await asyncio.shield(process.wait())
            if listener.dropped:
                _LOGGER.debug(
                    "A slow live audio listener of %s lost %d packets", feed.name, listener.dropped
                )
        return response
