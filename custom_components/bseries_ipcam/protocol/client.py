"""A camera client: one control session plus, on demand, the one AV connection it shares.

Video, audio and talk all travel over a single AV connection. The client opens it with the first
stream that needs it (using the data connection id of that start response), hands every video frame
and audio packet to the registered listeners, and closes it when the last stream stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable, Iterable
import contextlib
from enum import StrEnum
import logging
import struct
from typing import Self

from .adpcm import AdpcmDecoder, AdpcmEncoder
from .av import AvSession
from .const import DEAD_AFTER, KEEPALIVE_INTERVAL, SAMPLES_PER_PACKET, FrameInterval
from .control import DEFAULT_TIMEOUT, CameraInfo, CloseListener, CommandListener, ControlSession
from .exceptions import (
    BSeriesError,
    CameraTimeoutError,
    ConnectionClosedError,
    ProtocolError,
)
from .listeners import Listeners
from .messages import AlarmNotify, AudioData, Command, VideoData

_LOGGER = logging.getLogger(__name__)

type VideoListener = Callable[[VideoData], None]
type AudioListener = Callable[[AudioData, list[int]], None]
type AlarmListener = Callable[[AlarmNotify], None]


class Stream(StrEnum):
    """What the AV connection is carrying."""

    VIDEO = "video"
    AUDIO = "audio"
    TALK = "talk"


class CameraClient:
    """A B-Series camera: connect once, then start and stop streams as needed."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        """Check the credentials now; nothing connects until `connect`."""
        self.control = ControlSession(
            host,
            port,
            user,
            password,
            timeout=timeout,
            keepalive_interval=keepalive_interval,
            dead_after=dead_after,
        )
        self._timeout = timeout
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._av: AvSession | None = None
        self._streams: set[Stream] = set()
        self._stream_lock = asyncio.Lock()
        self._talk_lock = asyncio.Lock()
        # With a logger: a listener that raises must not end the AV connection.
        self._video_listeners: Listeners[[VideoData]] = Listeners(_LOGGER)
        self._audio_listeners: Listeners[[AudioData, list[int]]] = Listeners(_LOGGER)
        self._av_close_listeners: Listeners[[BSeriesError | None]] = Listeners(_LOGGER)
        self._audio_decoder = AdpcmDecoder()
        self.frame_interval = FrameInterval.MS_0

    def __repr__(self) -> str:
        """Never the password."""
        return f"CameraClient({self.control.host}:{self.control.port})"

    @property
    def info(self) -> CameraInfo | None:
        """What the camera said at login."""
        return self.control.info

    @property
    def streams(self) -> frozenset[Stream]:
        """The streams running now."""
        return frozenset(self._streams)

    async def connect(self) -> CameraInfo:
        """Log in; a typed `BSeriesError` for every failure."""
        info = await self.control.connect()
        self.control.add_close_listener(self._on_control_closed)
        return info

    async def __aenter__(self) -> Self:
        """Connect."""
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close everything."""
        await self.close()

    # --- listeners ----------------------------------------------------------------------------

    def add_alarm_listener(self, listener: AlarmListener) -> Callable[[], None]:
        """Call `listener` with every Alarm_Notify; returns a function that removes it."""

        def on_command(command: Command) -> None:
            if isinstance(command, AlarmNotify):
                listener(command)

        return self.control.add_listener(on_command)

    def add_listener(self, listener: CommandListener) -> Callable[[], None]:
        """Every unsolicited control command."""
        return self.control.add_listener(listener)

    def add_close_listener(self, listener: CloseListener) -> Callable[[], None]:
        """Called once when the control session ends (None for a local close)."""
        return self.control.add_close_listener(listener)

    def add_video_listener(self, listener: VideoListener) -> Callable[[], None]:
        """Called with every video frame, in the event loop, while video runs."""
        return self._video_listeners.add(listener)

    def add_audio_listener(self, listener: AudioListener) -> Callable[[], None]:
        """Called with every audio packet and its decoded samples while audio runs."""
        return self._audio_listeners.add(listener)

    def add_av_close_listener(self, listener: CloseListener) -> Callable[[], None]:
        """Called when the AV connection ends: its error, or None when it was stopped."""
        return self._av_close_listeners.add(listener)

    # --- streams --------------------------------------------------------------------------------

    async def start_video(self) -> None:
        """Start video (idempotent), and re-apply the frame interval the camera just forgot."""
        await self._start(Stream.VIDEO)

    async def stop_video(self) -> None:
        """Stop video; the AV connection closes when nothing else uses it."""
        await self._stop(Stream.VIDEO)

    async def start_audio(self) -> None:
        """Start audio (idempotent); the decoder starts again from (0, 0)."""
        await self._start(Stream.AUDIO)

    async def stop_audio(self) -> None:
        """Stop audio."""
        await self._stop(Stream.AUDIO)

    async def set_frame_interval(self, interval: FrameInterval) -> None:
        """Remember the interval, and apply it now if video runs."""
        self.frame_interval = interval
        if Stream.VIDEO in self._streams:
            await self.control.set_frame_interval(interval)

    async def _start(self, stream: Stream, talk_buffer_seconds: int = 1) -> None:
        async with self._stream_lock:
            if stream in self._streams:
                return
            # A new AV connection's TCP handshake runs while the camera answers the start
            # request: only its login needs the data connection id from that answer.
            av = self._new_av() if self._av is None else None
            opening = None if av is None else asyncio.ensure_future(av.open())
            try:
                connection_id = await self._send_start(stream, talk_buffer_seconds)
            except BaseException:
                if av is not None and opening is not None:
                    await _discard(av, opening)
                raise
            try:
                if av is not None and opening is not None:
                    await self._attach_av(av, opening, connection_id)
            except BaseException:
                await self._send_stop(stream)
                raise
            self._streams.add(stream)
            if stream is Stream.VIDEO and self.frame_interval is not FrameInterval.MS_0:
                await self.control.set_frame_interval(self.frame_interval)

    async def _send_start(self, stream: Stream, talk_buffer_seconds: int) -> int | None:
        if stream is Stream.VIDEO:
            return await self.control.start_video()
        if stream is Stream.AUDIO:
            self._audio_decoder.reset()
            return await self.control.start_audio()
        return await self.control.start_talk(talk_buffer_seconds)

    def _new_av(self) -> AvSession:
        """An AV session not yet connected; it becomes the client's once logged in."""

        def on_closed(error: BSeriesError | None) -> None:
            if self._av is not av:
                return  # never logged in, or already replaced: nothing ran on it
            # The connection died under its streams: they are gone with it.
            self._av = None
            self._streams.clear()
            self._av_close_listeners(error)

        av = AvSession(
            self.control.host,
            self.control.port,
            0,  # the data connection id comes with the start response, before the login
            on_video=self._video_listeners,
            on_audio=self._on_audio,
            on_close=on_closed,
            timeout=self._timeout,
            keepalive_interval=self._keepalive_interval,
            dead_after=self._dead_after,
        )
        return av

    async def _attach_av(
        self, av: AvSession, opening: asyncio.Future[None], connection_id: int | None
    ) -> None:
        try:
            await opening
            if connection_id is None:
                raise ProtocolError(  # noqa: TRY301 - the socket is discarded either way
                    "the camera gave no data connection id for a new AV connection"
                )
        except BaseException:
            await _discard(av, opening)
            raise
        self._av = av
        # A failed login closes the connection, which clears `_av` and tells the listeners.
        await av.login(connection_id)

    async def _stop(self, stream: Stream) -> None:
        async with self._stream_lock:
            if stream not in self._streams:
                return
            self._streams.discard(stream)
            with contextlib.suppress(BSeriesError):
                await self._send_stop(stream)
            if not self._streams:
                await self._close_av()

    async def _send_stop(self, stream: Stream) -> None:
        if stream is Stream.VIDEO:
            await self.control.stop_video()
        elif stream is Stream.AUDIO:
            await self.control.stop_audio()
        else:
            await self.control.stop_talk()

    def _on_audio(self, packet: AudioData) -> None:
        if self._audio_listeners:
            self._audio_listeners(packet, self._audio_decoder.decode(packet.data))

    async def _close_av(self) -> None:
        av, self._av = self._av, None
        if av is not None:
            await av.close()

    def _on_control_closed(self, error: BSeriesError | None) -> None:
        if self._av is not None:
            self._av.abort(error)

    def abort_av(self, error: BSeriesError) -> None:
        """Close the AV connection now (it went silent): its streams end, its listeners get `error`."""
        if self._av is not None:
            self._av.abort(error)

    def abort(self, error: BSeriesError) -> None:
        """End the whole session now (the camera stopped answering), with `error` as the reason."""
        self.control.abort(error)

    # --- conveniences -----------------------------------------------------------------------

    async def snapshot(self, wait: float | None = None) -> VideoData:
        """The next video frame; starts video for it and stops it again if it was not running."""
        loop = asyncio.get_running_loop()
        frame: asyncio.Future[VideoData] = loop.create_future()

        def on_frame(packet: VideoData) -> None:
            if not frame.done():
                frame.set_result(packet)

        def on_av_closed(error: BSeriesError | None) -> None:
            if not frame.done():
                frame.set_exception(error or ConnectionClosedError("video stopped"))

        remove_frame = self.add_video_listener(on_frame)
        remove_closed = self.add_av_close_listener(on_av_closed)
        was_running = Stream.VIDEO in self._streams
        try:
            await self.start_video()
            async with asyncio.timeout(wait or self._timeout):
                return await frame
        except TimeoutError:
            raise CameraTimeoutError("no video frame arrived in time") from None
        finally:
            remove_frame()
            remove_closed()
            if not was_running:
                await self.stop_video()

    async def talk(
        self, pcm: AsyncIterable[bytes] | Iterable[bytes] | bytes, *, buffer_seconds: int = 1
    ) -> float:
        """Speak 8 kHz mono s16le PCM through the camera's speaker; returns seconds sent.

        One talk at a time: a second call waits for the first to finish.
        """
        async with self._talk_lock:
            await self._start(Stream.TALK, buffer_seconds)
            try:
                assert self._av is not None
                self._av.reset_talk()
                packets = _adpcm_packets(_chunks(pcm))
                count = await self._av.send_talk(packets)
            finally:
                await self._stop(Stream.TALK)
        return count * SAMPLES_PER_PACKET / 8000

    async def close(self) -> None:
        """Stop every stream and close every socket."""
        async with self._stream_lock:
            self._streams.clear()
            await self._close_av()
        await self.control.close()


async def _discard(av: AvSession, opening: asyncio.Future[None]) -> None:
    """Close an AV connection that will not be used, whether or not it has opened yet."""
    opening.cancel()
    with contextlib.suppress(BSeriesError, asyncio.CancelledError):
        await opening
    await av.close()


async def _chunks(pcm: AsyncIterable[bytes] | Iterable[bytes] | bytes) -> AsyncIterable[bytes]:
    if isinstance(pcm, bytes):
        yield pcm
    elif isinstance(pcm, AsyncIterable):
        async for chunk in pcm:
            yield chunk
    else:
        for chunk in pcm:
            yield chunk


async def _adpcm_packets(chunks: AsyncIterable[bytes]) -> AsyncIterable[bytes]:
    """Re-chunk s16le PCM into 320-sample blocks and encode each to a 160-byte packet."""
    encoder = AdpcmEncoder()
    block = SAMPLES_PER_PACKET * 2
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= block:
            samples = struct.unpack_from(f"<{SAMPLES_PER_PACKET}h", pending)
            del pending[:block]
            yield encoder.encode(samples)
    if pending:
        pending += bytes(block - len(pending))  # the last packet padded with silence
        yield encoder.encode(struct.unpack_from(f"<{SAMPLES_PER_PACKET}h", pending))
