"""Restream: the camera for NVRs (go2rtc, Frigate, Blue Iris, iSpy) from the integration's connection.

Opt-in per camera (options flow). Two endpoints (three with the `h264_stream` option), all fed by
the shared feeds, so an NVR costs the camera no connection of its own:

- `/api/bseries_ipcam/restream/<entry id>/mjpeg`: multipart MJPEG exactly as the camera's
  `videostream.cgi` sends it (boundary `ipcamera`, one JPEG per part);
- `/api/bseries_ipcam/restream/<entry id>/mkv`: Matroska with the JPEGs as they are and the
  microphone as 8 kHz PCM, timed by the camera (`matroska.MatroskaWriter`);
- `/api/bseries_ipcam/restream/<entry id>/ts`: with the `h264_stream` option, the camera's one
  H.264 + AAC encoder (`encoder.H264Encoder`) in MPEG-TS, for NVRs that record H.264 as it is
  (Frigate with `-c copy`, go2rtc's WebRTC).

The secret is per camera, in the entry's data, and travels as the password of HTTP Basic
authentication (`http://nvr:<secret>@host:8123/...`): headers, unlike a query string, appear in no
access log. It is compared in constant time, never logged, redacted in diagnostics, and replaced by
a new one from the options flow (which ends the streams opened with the old one). A request
without the right secret gets a bare 401 (with the Basic challenge ffmpeg waits for) and starts
nothing. A camera that refuses video, stalls or is offline gets a 503 with the translated reason.
NVR clients that read slowly skip frames instead of holding anyone back.
"""

from __future__ import annotations

import base64
import contextlib
from functools import partial
import hmac
import secrets
from typing import TYPE_CHECKING, Final

from aiohttp import hdrs, web
from homeassistant.helpers.http import HomeAssistantView

from ..const import CONF_H264_STREAM, CONF_RESTREAM, CONF_RESTREAM_SECRET, DOMAIN
from ..errors import BSeriesIntegrationError, translated_error
from ..live_view import reason_picture
from ..protocol import BSeriesError
from .audio_feed import SAMPLE_RATE
from .live_audio import loaded_entry
from .matroska import MatroskaWriter, jpeg_size
from .mjpeg import SocketViewer, serve_mjpeg
from .timeline import ticks_after

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

    from ..data import BSeriesConfigEntry
    from .audio_feed import AudioChunk
    from .encoder import H264Encoder
    from .feed import FeedFrame

RESTREAM_URL: Final = f"/api/{DOMAIN}/restream"
# What the camera's own videostream.cgi uses.
MJPEG_BOUNDARY: Final = "ipcamera"
FIRST_FRAME_WAIT: Final = 10.0
SECRET_BYTES: Final = 24
# The user name NVRs give with the secret (any name is accepted; this is the one shown).
RESTREAM_USER: Final = "nvr"
CHALLENGE: Final = f'Basic realm="{DOMAIN}"'


def new_secret() -> str:
    """A fresh restream secret."""
    return secrets.token_urlsafe(SECRET_BYTES)


def restream_enabled(entry: BSeriesConfigEntry) -> bool:
    """Whether the camera's options turn restream on."""
    return bool(entry.options.get(CONF_RESTREAM, False))


def restream_paths(entry: BSeriesConfigEntry) -> dict[str, str]:
    """The paths of the restream endpoints (`ts` with the `h264_stream` option)."""
    base = f"{RESTREAM_URL}/{entry.entry_id}"
    kinds = ["mjpeg", "mkv"]
    if entry.options.get(CONF_H264_STREAM, False):
        kinds.append("ts")
    return {kind: f"{base}/{kind}" for kind in kinds}


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
        if not restream_enabled(entry) or kind not in restream_paths(entry):
            return web.Response(status=404)
        stream = RestreamStream(entry, partial(_secret_unchanged, entry, secret))
        try:
            if kind == "mjpeg":
                return await stream.mjpeg(request)
            if kind == "ts" and entry.runtime_data.encoder is not None:
                return await stream.mpegts(request, entry.runtime_data.encoder)
            return await stream.matroska(request)
        except (BSeriesError, BSeriesIntegrationError) as err:
            # Refused, stalled or offline: the reason, as the camera entity gives it. The
            # refusal notifier (refusals.py) logs the episode once; nothing is logged here.
            message = translated_error(err, entry.title, default="no_video")
            return web.Response(status=503, text=f"{message}\n")


def _secret_unchanged(entry: BSeriesConfigEntry, secret: str) -> bool:
    # A new secret (options flow): streams opened with the old one end.
    return entry.data.get(CONF_RESTREAM_SECRET) == secret


class RestreamStream:
    """One client's stream of the camera (an NVR here, the stream source's readers too).

    `still_authorized` is asked at every frame; the stream ends once it says no.
    """

    def __init__(self, entry: BSeriesConfigEntry, still_authorized: Callable[[], bool]) -> None:
        """A stream of `entry`'s camera for as long as `still_authorized()`."""
        self.entry = entry
        self.still_authorized = still_authorized

    async def mjpeg(self, request: web.Request) -> web.StreamResponse:
        """Multipart MJPEG as the camera's videostream.cgi sends it; without video, why.

        As the camera entity's live view: a refusal, a stall or a lost camera shows as a picture
        of the translated reason on the same stream, and the picture comes back by itself.
        """
        feed = self.entry.runtime_data.feed
        return await serve_mjpeg(
            request,
            feed,
            boundary=MJPEG_BOUNDARY,
            authorized=self.still_authorized,
            reason=partial(reason_picture, self.entry),
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

    async def mpegts(self, request: web.Request, encoder: H264Encoder) -> web.StreamResponse:
        """The camera's H.264 + AAC in MPEG-TS, from its one shared encoder.

        A client that stalls loses whole chunks (its demuxer resynchronises on the next
        packet); it never holds the encoder or the other readers back.
        """
        response = web.StreamResponse()
        response.content_type = "video/mp2t"
        viewer = await SocketViewer.prepare(request, response)
        if viewer is None:  # pragma: no cover - the client left before the stream began
            return response

        def push(data: bytes | None) -> None:
            if data is None or not self.still_authorized():
                viewer.end()
            else:
                viewer.write(data)

        close = encoder.open_reader(push)
        try:
            await viewer.run()
        finally:
            close()
        return response
