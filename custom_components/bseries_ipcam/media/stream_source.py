"""The cameras' stream source: a loopback-only HTTP server that ffmpeg (and PyAV) can read.

Everything Home Assistant does with a camera beyond the browser's MJPEG (HomeKit, `camera.record`,
`camera.play_stream`, go2rtc, the `stream` component) starts from `Camera.stream_source()`, a URL
that ffmpeg opens. HA's own HTTP server cannot be that URL on every installation: it may be
HTTPS-only, bound to another address, behind `ip_ban`, or behind a base URL. So the integration
runs a small server of its own, shared by all its cameras, on 127.0.0.1 with a port the system
chooses. It starts when a stream source is first asked for and stops with Home Assistant (or when
the last camera is unloaded).

Its URLs carry a token drawn at each start (`/<entry id>/<kind>?auth=<token>`): only what HA
handed the URL to can read it. A request without the right token gets a bare 404 and starts
nothing. The token is never logged (the server keeps no access log; HA's `stream` redacts the
`auth` query parameter in what it logs) and is in no diagnostics. Streams opened
with a token end when the server stops; the next start draws a new token.

Kinds:
- `mkv`: the shared feeds as the restream's Matroska (the camera's JPEGs and its sound as PCM),
  nothing encoded: the default source, read by HomeKit's ffmpeg (which encodes anyway);
- `ts`: with the `h264_stream` option, the camera's one H.264 + AAC encoder (`encoder.py`) in
  MPEG-TS: what HA's `stream`, go2rtc and casting need.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..errors import BSeriesIntegrationError
from .live_audio import loaded_entry
from .restream import RestreamStream

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import Event, HomeAssistant

    from ..data import BSeriesConfigEntry
    from .encoder import H264Encoder

_LOGGER = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"
TOKEN_BYTES: Final = 32
# The query parameter HA's stream component redacts in its logs (`redact_credentials`).
TOKEN_PARAMETER: Final = "auth"  # noqa: S105 - the parameter's name, not a secret
KINDS: Final = ("mkv", "ts")
# Streams end when the server stops; their handlers then return at once.
SHUTDOWN_WAIT: Final = 5.0
# How long `stream_source()` waits for the encoder's first packets: under HA's own 10 s limit
# (CAMERA_STREAM_SOURCE_TIMEOUT); ffmpeg that fails does so within a second or two.
ENCODER_CHECK: Final = 8.0
CHECK_INTERVAL: Final = 0.1

STREAM_SOURCE_SERVER: Final[HassKey[StreamSourceServer]] = HassKey(f"{DOMAIN}_stream_source")


class StreamSourceServer:
    """The loopback HTTP server behind every camera's `stream_source()` (one per Home Assistant)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing listens until the first `async_url`."""
        self.hass = hass
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._token = ""
        self._lock = asyncio.Lock()
        self._streams: set[RestreamStream] = set()
        self.requests = 0
        self.refused = 0

    @property
    def running(self) -> bool:
        """Whether the server listens now."""
        return self._runner is not None

    @property
    def readers(self) -> int:
        """Streams being read now."""
        return len(self._streams)

    async def async_url(self, entry_id: str, kind: str) -> str:
        """The URL of a camera's stream of `kind`; the server starts if it is not running."""
        if kind not in KINDS:
            raise ValueError(kind)
        async with self._lock:
            if self._runner is None:
                await self._start()
        return f"http://{LOOPBACK}:{self._port}/{entry_id}/{kind}?{TOKEN_PARAMETER}={self._token}"

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/{entry_id}/{kind}", self._handle)
        # No access log: the URLs hold the token.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_WAIT)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, 0)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._token = secrets.token_urlsafe(TOKEN_BYTES)
        self._port = int(runner.addresses[0][1])
        self._runner = runner
        _LOGGER.debug("Stream source server listening on %s port %d", LOOPBACK, self._port)

    async def async_stop(self) -> None:
        """Stop listening and end every stream; a later `async_url` starts anew (new token)."""
        async with self._lock:
            runner, self._runner = self._runner, None
            self._token = ""
            # Open streams end at their next frame: their token is no longer the server's.
            if runner is not None:
                await runner.cleanup()
                _LOGGER.debug("Stream source server stopped")

    def _authorized(self, token: str) -> bool:
        current = self._token
        return bool(current) and hmac.compare_digest(token.encode(), current.encode())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get(TOKEN_PARAMETER, "")
        entry = loaded_entry(self.hass, request.match_info["entry_id"])
        kind = request.match_info["kind"]
        if not self._authorized(token) or entry is None or kind not in KINDS:
            self.refused += 1
            return web.Response(status=404)
        self.requests += 1
        stream = RestreamStream(entry, lambda: self._authorized(token))
        self._streams.add(stream)
        try:
            return await self._serve(stream, request)
        except BSeriesIntegrationError as err:
            return web.Response(status=503, text=f"No video: {err}\n")
        finally:
            self._streams.discard(stream)

    async def _serve(self, stream: RestreamStream, request: web.Request) -> web.StreamResponse:
        if request.match_info["kind"] == "ts":
            encoder = stream.entry.runtime_data.encoder
            if encoder is None:
                return web.Response(status=404)
            return await stream.mpegts(request, encoder)
        return await stream.matroska(request)


def stream_source_server(hass: HomeAssistant) -> StreamSourceServer:
    """The stream source server of `hass` (made on first use; it stops with Home Assistant)."""
    server = hass.data.get(STREAM_SOURCE_SERVER)
    if server is None:
        server = hass.data[STREAM_SOURCE_SERVER] = StreamSourceServer(hass)

        async def stop(_: Event) -> None:
            await server.async_stop()

        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    return server


async def async_encoder_works(encoder: H264Encoder, wait: float = ENCODER_CHECK) -> bool:
    """Whether the camera's encoder gives its stream now.

    It starts for this, then lingers for the reader that follows. False when a start fails, or
    when it is failing and does not recover within `wait` seconds; a start that is only slow
    counts as working.
    """
    if encoder.running:
        return True
    loop = asyncio.get_running_loop()
    failures = encoder.restarts
    packets = asyncio.Event()
    close = encoder.open_reader(lambda data: packets.set() if data is not None else None)
    try:
        deadline = loop.time() + wait
        while not packets.is_set() and encoder.restarts == failures:
            if loop.time() >= deadline:
                return encoder.last_error is None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CHECK_INTERVAL):
                    await packets.wait()
        return packets.is_set()
    finally:
        close()


async def async_stream_source(hass: HomeAssistant, entry: BSeriesConfigEntry) -> str | None:
    """The URL `Camera.stream_source()` gives for `entry`'s camera.

    Its H.264 stream with the `h264_stream` option, else its MJPEG (and sound) as they are.
    None while the encoder fails (ffmpeg missing or crashing: its log line and repair issue say
    so): HA's `stream` would wait for packets that never come, the frontend's player with it;
    without a stream the dialog shows the camera's MJPEG at once.
    """
    encoder = entry.runtime_data.encoder
    if encoder is not None and not await async_encoder_works(encoder):
        return None
    kind = "ts" if encoder is not None else "mkv"
    return await stream_source_server(hass).async_url(entry.entry_id, kind)


def stream_source_diagnostics(hass: HomeAssistant, entry: BSeriesConfigEntry) -> dict[str, Any]:
    """What `stream_source()` gives and who reads it (never the URL: it holds the token)."""
    server = hass.data.get(STREAM_SOURCE_SERVER)
    encoder = entry.runtime_data.encoder
    return {
        "source": "h264" if encoder is not None else "mjpeg",
        "server_running": server is not None and server.running,
        "server_readers": server.readers if server is not None else 0,
        "encoder": encoder.diagnostics() if encoder is not None else None,
    }


def async_watch_encoder(hass: HomeAssistant, entry: BSeriesConfigEntry) -> Callable[[], None]:
    """Raise a repair issue while the camera's encoder fails (its log says so once).

    Returns the function that stops watching and removes the issue.
    """
    encoder = entry.runtime_data.encoder
    issue_id = f"h264_stream_failed_{entry.entry_id}"
    if encoder is None:
        return lambda: None

    def changed() -> None:
        if encoder.last_error is None:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="h264_stream_failed",
            translation_placeholders={"name": entry.title, "error": encoder.last_error},
        )

    remove = encoder.add_listener(changed)

    def stop() -> None:
        remove()
        ir.async_delete_issue(hass, DOMAIN, issue_id)

    return stop


async def async_release_stream_source(hass: HomeAssistant, entry: BSeriesConfigEntry) -> None:
    """`entry` is unloading: stop the server when no other camera of the integration is loaded."""
    server = hass.data.get(STREAM_SOURCE_SERVER)
    if server is None:
        return
    others = [
        other
        for other in hass.config_entries.async_loaded_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ]
    if not others:
        with contextlib.suppress(OSError):
            await server.async_stop()
