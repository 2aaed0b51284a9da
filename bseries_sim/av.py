"""The camera's side of the AV channel (MO_V): video and audio out, talk in, on one connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from custom_components.bseries_ipcam.protocol.const import PACKET_DURATION, Channel
from custom_components.bseries_ipcam.protocol.exceptions import ProtocolError
from custom_components.bseries_ipcam.protocol.framing import FrameDecoder
from custom_components.bseries_ipcam.protocol.messages import (
    AudioData,
    AvKeepAlive,
    AvLoginReq,
    Command,
    TalkData,
    VideoData,
    decode_command,
)

from .recording import ConnectionSpan, FrameEvent

if TYPE_CHECKING:
    from .peer import Peer
    from .state import SimSession, SimState

_LOGGER = logging.getLogger(__name__)

_KEEPALIVE = AvKeepAlive().to_bytes()

# After a stall, audio falls this far behind before the packet clock starts again from now.
_AUDIO_MAX_LAG = 1.0


class AvHandler:
    """Serves one AV connection: waits for its login, then streams what its session asked for."""

    def __init__(self, state: SimState, peer: Peer) -> None:
        """Wait for the login of `peer`."""
        self._state = state
        self.peer = peer
        self.session: SimSession | None = None
        self._video_task: asyncio.Task[None] | None = None
        self._audio_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def run(self, prefix: bytes) -> None:
        """Handle the login (first command) and then talk data, until the end."""
        state = self._state
        state.stats.av_connections_accepted += 1
        state.stats.av_connections_open += 1
        self._span = ConnectionSpan(self.peer.connection_id, time.monotonic())
        state.av_spans.append(self._span)
        decoder = FrameDecoder(Channel.AV)
        data = prefix
        try:
            while data:
                try:
                    offset = decoder.offset
                    commands = [decode_command(frame, offset) for frame in decoder.feed(data)]
                except ProtocolError as err:
                    _LOGGER.debug("AV connection #%d: %s; closing", self.peer.connection_id, err)
                    return
                for command in commands:
                    if not self._handle(command):
                        return
                data = await self._read()
        finally:
            self._end()

    async def _read(self) -> bytes:
        if self.session is not None:
            return await self.peer.read()
        try:
            async with asyncio.timeout(self._state.config.handshake_timeout):
                return await self.peer.read()
        except TimeoutError:
            _LOGGER.debug("AV connection #%d sent no login", self.peer.connection_id)
            return b""

    def _end(self) -> None:
        state = self._state
        state.stats.av_connections_open -= 1
        self._span.closed_at = time.monotonic()
        for task in (self._video_task, self._audio_task):
            if task is not None:
                task.cancel()
        self._video_task = self._audio_task = None
        session = self.session
        if session is not None and session.av is self:
            session.av = None
            state.release_av_id(session)

    def _handle(self, command: Command) -> bool:
        """Act on one command; False closes the connection."""
        state = self._state
        session = self.session
        if session is None:
            if isinstance(command, AvLoginReq):
                session = state.av_ids.get(command.connection_id)
            state.record(session.session_id if session else None, Channel.AV, command)
            if session is None or session.av is not None:
                _LOGGER.debug("AV connection #%d: bad login; closing", self.peer.connection_id)
                return False
            self._attach(session)
            return True
        state.record(session.session_id, Channel.AV, command)
        if isinstance(command, TalkData):
            if session.talk:
                state.add_talk(session, session.talk_decoder.decode(command.data))
            else:
                _LOGGER.debug("Ignored talk data while talk is off")
        elif not isinstance(command, AvKeepAlive):
            _LOGGER.debug("Ignored %s on the AV connection", command.NAME)
        return True

    def _attach(self, session: SimSession) -> None:
        self.session = session
        session.av = self
        config = self._state.config
        self.peer.start_keepalive(_KEEPALIVE, config.keepalive_interval, self._keepalive_sent)
        self.sync()

    def _keepalive_sent(self) -> None:
        self._state.stats.keepalives_sent += 1

    # --- streams ---------------------------------------------------------------------------

    def sync(self) -> None:
        """Start or stop the video and audio senders to match the session's requests."""
        session = self.session
        assert session is not None, "sync() before the AV login"
        if session.video and self._video_task is None:
            self._video_task = self.peer.spawn(self._send_video(session), "video")
        elif not session.video and self._video_task is not None:
            self._video_task.cancel()
            self._video_task = None
        if session.audio and self._audio_task is None:
            self._audio_task = self.peer.spawn(self._send_audio(), "audio")
        elif not session.audio and self._audio_task is not None:
            self._audio_task.cancel()
            self._audio_task = None

    def restart_audio(self) -> None:
        """Audio (re)starts: a fresh encoder, as the camera's state resets at each start."""
        if self._audio_task is not None:
            self._audio_task.cancel()
            self._audio_task = None
        self.sync()

    def wake(self) -> None:
        """The frame interval changed: reconsider when the next frame is due."""
        self._wake.set()

    def _frame_delay(self, session: SimSession) -> float:
        return max(1.0 / self._state.config.fps, session.frame_interval.milliseconds / 1000)

    async def _send_video(self, session: SimSession) -> None:
        state = self._state
        source = state.jpeg
        loop = asyncio.get_running_loop()
        peer = self.peer
        last: float | None = None
        counter = 0
        while True:
            delay = self._frame_delay(session)
            now = loop.time()
            slot = now
            if last is not None:
                due = last + delay
                if due > now:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(due - now):
                            await self._wake.wait()
                    continue
                if now - due < delay:
                    slot = due  # on time: keep the deadline clock, no drift
            image = state.video_frame(counter)
            frame = VideoData(state.video_timestamp(counter), int(time.time()) & 0xFFFFFFFF, image)
            sent_at = await peer.send(frame.to_bytes())
            state.stats.video_frames_sent += 1
            state.frame_sent(
                FrameEvent(
                    "av",
                    peer.connection_id,
                    session.session_id,
                    counter,
                    counter % len(source),
                    len(image),
                    sent_at,
                )
            )
            last = slot
            counter += 1

    async def _send_audio(self) -> None:
        state = self._state
        loop = asyncio.get_running_loop()
        start = loop.time()
        uptime = state.true_uptime_10ms()
        serial = state.audio_serial()
        marked = False

        def silent() -> bool:
            nonlocal marked
            marked = state.take_audio_mark()
            return marked

        for number, packet in enumerate(state.tone.packets(silent)):
            now = loop.time()
            due = start + number * PACKET_DURATION
            if now - due > _AUDIO_MAX_LAG:
                start = now - number * PACKET_DURATION
            elif due > now:
                await asyncio.sleep(due - now)
            audio = AudioData(
                timestamp=state.uptime_10ms(uptime + 4 * number),
                serial=(serial + number) & 0xFFFFFFFF,
                capture_time=int(time.time()) & 0xFFFFFFFF,
                data=packet,
            )
            written_at = await self.peer.send(audio.to_bytes())
            state.audio_sent(audio.timestamp, audio.serial, written_at, marked)
