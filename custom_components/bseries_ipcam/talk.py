"""Talk: play any audio Home Assistant can reach through the camera's speaker.

`TalkEngine` (one per config entry) takes a media-source id, an http(s) URL or a local file,
lets HA's ffmpeg convert it to what the camera plays (8 kHz mono 16-bit PCM, encoded to ADPCM by
the protocol package) and streams it to the camera at real time, chunk by chunk: nothing is read
into memory as a whole and nothing blocks the event loop.

One talk at a time per camera. A second talk **waits** for the one before it to finish (a FIFO
queue) instead of failing or cutting the first one off: several automations or a burst of
text-to-speech messages are all heard, in order, and none is lost. `async_stop` ends only the
talk that is playing (a stopped talk returns quietly, as a stopped media player does); the next
one in the queue then starts. `async_shutdown` (at unload) ends the one playing and turns every
waiting one away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import media_source
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import yarl

from .const import DOMAIN
from .errors import translate_errors
from .protocol import BSeriesError, NotSupportedError, TooManyConnectionsError
from .protocol.listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterable, Callable, Coroutine

    from .coordinator import BSeriesCoordinator
    from .protocol import CameraClient

_LOGGER = logging.getLogger(__name__)

# What the camera plays: raw 16-bit little-endian PCM, 8 kHz, mono.
SAMPLE_RATE: Final = 8000
# Bytes read from ffmpeg at a time: a quarter of a second of audio.
READ_CHUNK: Final = SAMPLE_RATE * 2 // 4
# How much of ffmpeg's error output is kept for the message (its end is what tells).
STDERR_KEEP: Final = 4096
ERROR_MAX_LENGTH: Final = 300
# ffmpeg gives up on a network source that sends nothing for this long (microseconds).
NETWORK_TIMEOUT_US: Final = 15_000_000
URL_PROTOCOLS: Final = "http,https,tcp,tls,crypto,httpproxy"
FILE_PROTOCOLS: Final = "file"
# Talk's own words for the camera's refusals, and for every other failure while talking.
TALK_ERROR_KEYS: Final[dict[type[Exception], str]] = {
    TooManyConnectionsError: "talk_busy",
    NotSupportedError: "talk_not_supported",
    BSeriesError: "talk_failed",
}

# The query of a URL (where HA puts its authSig token) inside ffmpeg's messages.
# ffmpeg writes "URL: message", so a colon before a space ends the URL.
_URL_QUERY: Final = re.compile(r"(https?://[^\s?#'\"]*)[?#][^\s'\"]*?(?=:?(?:[\s'\"]|$))")


def safe_media_name(source: str) -> str:
    """The source as it may appear in messages and logs: no query, fragment or credentials."""
    if not source.startswith(("http://", "https://")):
        return source
    try:
        url = yarl.URL(source)
    except ValueError:
        return _URL_QUERY.sub(r"\1", source)
    return str(url.with_user(None).with_query(None).with_fragment(None))


def _redact(text: str) -> str:
    """Drop the query string of every URL in `text`."""
    return _URL_QUERY.sub(r"\1", text)


class TalkEngine:
    """Speaks audio through one camera: one talk at a time, the others wait in turn."""

    def __init__(self, hass: HomeAssistant, coordinator: BSeriesCoordinator) -> None:
        """Bind the engine to the camera's coordinator; nothing runs until a talk."""
        self.hass = hass
        self.coordinator = coordinator
        self._queue = asyncio.Lock()  # FIFO: waiters get it in the order they asked
        self._current: asyncio.Task[None] | None = None
        self._listeners: Listeners[[]] = Listeners()
        self._shutdown = False

    @property
    def talking(self) -> bool:
        """Whether a talk is playing now (queued ones not counted)."""
        return self._current is not None

    @property
    def _name(self) -> str:
        return self.coordinator.config_entry.title

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> Callable[[], None]:
        """Call `update_callback` whenever `talking` changes; returns a function that removes it."""
        return self._listeners.add(update_callback)

    @callback
    def _async_update_listeners(self) -> None:
        self._listeners()

    # --- talking ---------------------------------------------------------------------------

    async def async_talk(self, media_content_id: str, *, entity_id: str | None = None) -> None:
        """Play the media through the camera's speaker; returns when it has been played.

        `media_content_id` is a media-source id, an http(s) URL or an absolute path of a local
        file in a folder Home Assistant may read. Waits for a talk in progress to finish first.
        Returns quietly when `async_stop` ends it; raises a translated `HomeAssistantError`
        when the media cannot be read or the camera cannot play it, and a
        `ServiceValidationError` for a path outside the allowed folders.
        """
        source, name = await self._async_resolve(media_content_id, entity_id)
        async with self._queue:
            await self._async_run(lambda camera: self._async_play(camera, source, name))

    async def async_talk_live(self, pcm: AsyncIterable[bytes]) -> float:
        """Speak live 8 kHz mono s16le PCM (a browser's microphone) now; returns seconds sent.

        Push-to-talk cannot wait its turn: while another talk plays or waits this raises the
        translated "speaker busy" error at once, as the camera does for a second client.
        """
        self.raise_if_busy()
        seconds = 0.0

        async def speak(camera: CameraClient) -> None:
            nonlocal seconds
            with translate_errors(self._name, keys=TALK_ERROR_KEYS):
                seconds = await camera.talk(pcm)

        async with self._queue:
            await self._async_run(speak)
        return seconds

    def raise_if_busy(self) -> None:
        """The translated "speaker busy" error while a talk plays or waits."""
        if self._queue.locked():
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="talk_busy",
                translation_placeholders={"name": self._name},
            )

    async def _async_run(self, play: Callable[[CameraClient], Coroutine[Any, Any, None]]) -> None:
        """Play one talk (the queue held by the caller) as the talk that `async_stop` ends."""
        if self._shutdown:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders={"name": self._name},
            )
        camera = self.coordinator.require_camera()
        task: asyncio.Task[None] = self.coordinator.config_entry.async_create_background_task(
            self.hass, play(camera), f"{DOMAIN} talk {self._name}", eager_start=False
        )
        self._current = task
        self._async_update_listeners()
        try:
            try:
                await asyncio.wait((task,))
            except asyncio.CancelledError:
                # The caller gave up: end the talk before the next one may start.
                task.cancel()
                await asyncio.wait((task,))
                raise
        finally:
            self._current = None
            self._async_update_listeners()
        if not task.cancelled():
            task.result()  # the talk's error, if any

    async def async_stop(self) -> None:
        """End the talk that is playing (the camera still gets Talk_End); waiting ones go on."""
        if (task := self._current) is not None:
            task.cancel()
            await asyncio.wait((task,))

    async def async_shutdown(self) -> None:
        """End the talk that is playing and turn every waiting one away (at unload)."""
        self._shutdown = True
        await self.async_stop()

    # --- media -----------------------------------------------------------------------------

    async def _async_resolve(self, media_content_id: str, entity_id: str | None) -> tuple[str, str]:
        """What ffmpeg reads (a URL or `file:` path), and the name to show for it."""
        if media_source.is_media_source_id(media_content_id):
            play = await media_source.async_resolve_media(self.hass, media_content_id, entity_id)
            return async_process_play_media_url(self.hass, play.url), media_content_id
        if media_content_id.startswith(("http://", "https://")):
            url = async_process_play_media_url(self.hass, media_content_id)
            return url, safe_media_name(media_content_id)
        if os.path.isabs(media_content_id):
            if await self.hass.async_add_executor_job(
                self.hass.config.is_allowed_path, media_content_id
            ):
                return f"file:{media_content_id}", media_content_id
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="talk_path_not_allowed",
                translation_placeholders={"media": media_content_id},
            )
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="talk_media_unsupported",
            translation_placeholders={"media": safe_media_name(media_content_id)},
        )

    def _media_error(self, name: str, error: str) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="talk_media_failed",
            translation_placeholders={"media": name, "error": error},
        )

    async def _async_play(self, camera: CameraClient, source: str, name: str) -> None:
        """Run ffmpeg on the source and stream its PCM to the camera; always reap ffmpeg."""
        is_file = source.startswith("file:")
        args = [
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            FILE_PROTOCOLS if is_file else URL_PROTOCOLS,
        ]
        if not is_file:
            args += ["-rw_timeout", str(NETWORK_TIMEOUT_US)]
        args += ["-i", source, "-vn", "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"]
        try:
            process = await asyncio.create_subprocess_exec(
                get_ffmpeg_manager(self.hass).binary,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            raise self._media_error(name, f"cannot run ffmpeg: {err}") from err
        assert process.stdout is not None
        assert process.stderr is not None
        stdout = process.stdout
        stderr_tail = bytearray()
        stderr_task = asyncio.create_task(_read_tail(process.stderr, stderr_tail))

        def ffmpeg_error(default: str) -> HomeAssistantError:
            lines = stderr_tail.decode(errors="replace").strip().splitlines()
            message = _redact(lines[-1].strip()) if lines else default
            return self._media_error(name, message[:ERROR_MAX_LENGTH])

        try:
            _LOGGER.debug("Talking %s through %s", name, self._name)
            first = await stdout.read(READ_CHUNK)
            if not first:
                code = await process.wait()
                await stderr_task
                raise ffmpeg_error(
                    f"ffmpeg exited with code {code}" if code else "it holds no audio"
                )

            async def pcm() -> AsyncGenerator[bytes]:
                yield first
                while chunk := await stdout.read(READ_CHUNK):
                    yield chunk

            with translate_errors(self._name, keys=TALK_ERROR_KEYS):
                async with contextlib.aclosing(pcm()) as chunks:
                    seconds = await camera.talk(chunks)
            code = await process.wait()
            await stderr_task
            if code:
                # Part of it may have played: the rest could not be read.
                raise ffmpeg_error(f"ffmpeg exited with code {code}")
            _LOGGER.debug("Talked %.1f s of %s through %s", seconds, name, self._name)
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            # Reap it even when cancelled: no zombie, no open pipes.
            await asyncio.shield(process.wait())
            stderr_task.cancel()  # done by now unless ffmpeg left its stderr open
            await asyncio.wait((stderr_task,))


async def _read_tail(stream: asyncio.StreamReader, tail: bytearray) -> None:
    """Read the stream to its end, keeping only its last `STDERR_KEEP` bytes."""
    while chunk := await stream.read(STDERR_KEEP):
        tail += chunk
        del tail[:-STDERR_KEEP]
