"""Restream: the camera for NVRs (go2rtc, Frigate, Blue Iris, iSpy) from the integration's connection.

Opt-in per camera (options flow). Two endpoints, both fed by the shared feeds, so an NVR costs the
camera no connection of its own:

- `/api/bseries_ipcam/restream/<entry id>/mjpeg`: multipart MJPEG exactly as the camera's
  `videostream.cgi` sends it (boundary `ipcamera`, one JPEG per part);
- `/api/bseries_ipcam/restream/<entry id>/mkv`: Matroska with the JPEGs as they are and the
  microphone as 8 kHz PCM, timed by the camera (`matroska.MatroskaWriter`).

The secret is per camera, in the entry's data, and travels as the password of HTTP Basic
authentication (`http://nvr:<secret>@host:8123/...`): headers, unlike a query string, appear in no
access log. It is compared in constant time, never logged, redacted in diagnostics, and replaced by
the "Regenerate restream secret" button (which ends the streams opened with the old one). A request
without the right secret gets a bare 401 (with the Basic challenge ffmpeg waits for) and starts
nothing. NVR clients that read slowly skip frames instead of holding anyone back.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
from typing import TYPE_CHECKING, Final

from aiohttp import hdrs, web
from homeassistant.helpers.http import HomeAssistantView

from ..const import CONF_RESTREAM, CONF_RESTREAM_SECRET, DOMAIN
from ..errors import BSeriesIntegrationError
from .audio_feed import SAMPLE_RATE
from .live_audio import loaded_entry
from .matroska import MatroskaWriter, jpeg_size
from .mjpeg import SocketViewer, serve_mjpeg
from .preroll import ticks_after

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from ..data import BSeriesConfigEntry
    from .audio_feed import AudioChunk
    from .feed import FeedFrame

RESTREAM_URL: Final = f"/api/{DOMAIN}/restream"
# What the camera's own videostream.cgi uses.
MJPEG_BOUNDARY: Final = "ipcamera"
FIRST_FRAME_WAIT: Final = 10.0
SECRET_BYTES: Final = 24
CHALLENGE: Final = f'Basic realm="{DOMAIN}"'


def new_secret() -> str:
    """A fresh restream secret."""
    return secrets.token_urlsafe(SECRET_BYTES)


def restream_enabled(entry: BSeriesConfigEntry) -> bool:
    """Whether the camera's options turn restream on."""
    return bool(entry.options.get(CONF_RESTREAM, False))


def restream_paths(entry: BSeriesConfigEntry) -> dict[str, str]:
    """The paths of the restream endpoints."""
    base = f"{RESTREAM_URL}/{entry.entry_id}"
    return {kind: f"{base}/{kind}" for kind in ("mjpeg", "mkv")}


def restream_secret(entry: BSeriesConfigEntry) -> str | None:
    """The camera's restream secret (for the owner's eyes only)."""
    secret = entry.data.get(CONF_RESTREAM_SECRET)
    return str(secret) if secret else None


def async_ensure_secret(
    hass: HomeAssistant, entry: BSeriesConfigEntry, *, renew: bool = False
) -> None:
    """Give the entry a restream secret if it has none (or a new one with `renew`)."""
    if renew or not entry.data.get(CONF_RESTREAM_SECRET):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_RESTREAM_SECRET: new_secret()}
        )


def _authorized(entry: BSeriesConfigEntry, authorization: str | None) -> str | None:
    """The entry's secret when the Basic credentials' password is it (constant time), else None."""
    secret = restream_secret(entry)
    if secret is None or authorization is None:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        credentials = base64.b64decode(encoded.strip(), validate=True).decode()
    except ValueError:
        return None
    given = credentials.partition(":")[2]
    if hmac.compare_digest(given.encode(), secret.encode()):
        return secret
    return None


class RestreamView(HomeAssistantView):
    """The camera's video (and sound) for NVRs; the secret in the query authenticates."""

    url = RESTREAM_URL + "/{entry_id}/{kind}"
    name = f"api:{DOMAIN}:restream"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the cameras of `hass`."""
        self.hass = hass

    async def get(self, request: web.Request, entry_id: str, kind: str) -> web.StreamResponse:
        """Check the secret, then stream until the client leaves."""
        entry = loaded_entry(self.hass, entry_id)
        authorization = request.headers.get(hdrs.AUTHORIZATION)
        secret = None if entry is None else _authorized(entry, authorization)
        if entry is None or secret is None:
            return web.Response(status=401, headers={hdrs.WWW_AUTHENTICATE: CHALLENGE})
        if not restream_enabled(entry) or kind not in ("mjpeg", "mkv"):
            return web.Response(status=404)
        stream = _Stream(entry, secret)
        try:
            if kind == "mjpeg":
                return await stream.mjpeg(request)
            return await stream.matroska(request)
        except BSeriesIntegrationError as err:
            return web.Response(status=503, text=f"No video: {err}\n")


class _Stream:
    """One NVR client's stream."""

    def __init__(self, entry: BSeriesConfigEntry, secret: str) -> None:
        self.entry = entry
        self.secret = secret

    def still_authorized(self) -> bool:
        # The button replaces the secret: streams opened with the old one end.
        return self.entry.data.get(CONF_RESTREAM_SECRET) == self.secret

    async def mjpeg(self, request: web.Request) -> web.StreamResponse:
        """Multipart MJPEG as the camera's videostream.cgi sends it."""
        feed = self.entry.runtime_data.feed
        async with feed.hold():
            first = await feed.next_frame(wait=FIRST_FRAME_WAIT)
            return await serve_mjpeg(
                request,
                feed,
                boundary=MJPEG_BOUNDARY,
                first=first,
                authorized=self.still_authorized,
            )

    async def matroska(self, request: web.Request) -> web.StreamResponse:
        """Matroska: the camera's JPEGs and its sound as PCM, on the camera's clock."""
        data = self.entry.runtime_data
        feed = data.feed
        audio = data.audio if await data.audio.probe() else None
        response = web.StreamResponse()
        response.content_type = "video/x-matroska"
        async with feed.hold():
            first = await feed.next_frame(wait=FIRST_FRAME_WAIT)
            width, height = jpeg_size(first.jpeg) or (640, 480)
            mkv = MatroskaWriter(
                first.timestamp,
                width=width,
                height=height,
                audio_rate=SAMPLE_RATE if audio is not None else None,
            )
            viewer = await SocketViewer.prepare(request, response)
            if viewer is None:  # pragma: no cover - the client left before the stream began
                return response

            def push(frame: FeedFrame | None) -> None:
                if frame is None or not self.still_authorized():
                    viewer.end()
                elif ticks_after(frame.timestamp, mkv.origin) > 0:
                    viewer.write(mkv.video(frame.timestamp, frame.jpeg))

            def hear(chunk: AudioChunk | None) -> None:
                if chunk is not None and ticks_after(chunk.timestamp, mkv.origin) >= 0:
                    viewer.write(mkv.audio(chunk.timestamp, chunk.pcm), alive=False)

            viewer.write(mkv.header() + mkv.video(first.timestamp, first.jpeg))
            undo = [feed.add_sink(push)]
            if audio is not None:
                with contextlib.suppress(BSeriesIntegrationError):
                    undo.append(audio.subscribe(hear))
            try:
                await viewer.run()
            finally:
                for step in reversed(undo):
                    step()
        return response
