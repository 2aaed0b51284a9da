"""The AV session (MO_V): one connection that carries video, audio and talk together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
import logging
import time
from typing import TYPE_CHECKING

from .connection import CloseCallback, CommandConnection, open_connection
from .const import AUDIO_PACKET_BYTES, DEAD_AFTER, KEEPALIVE_INTERVAL, PACKET_DURATION, Channel
from .messages import (
    AudioData,
    AvKeepAlive,
    AvLoginReq,
    Command,
    TalkData,
    UnknownCommand,
    VideoData,
)

if TYPE_CHECKING:
    from .exceptions import BSeriesError

_LOGGER = logging.getLogger(__name__)

# Talk packets go out this far ahead of real time, so that scheduling jitter never empties the
# camera's playback buffer (which holds at least one second).
TALK_LEAD = 0.2


class AvSession:
    """A logged-in AV connection: hands over video frames and audio packets, sends talk data."""

    def __init__(
        self,
        host: str,
        port: int,
        connection_id: int,
        *,
        on_video: Callable[[VideoData], None],
        on_audio: Callable[[AudioData], None],
        on_close: CloseCallback,
        timeout: float = 10.0,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        """Remember where to connect and whom to tell; `connect` (or `open` + `login`) does it.

        `on_video` and `on_audio` are called in the event loop as each packet arrives;
        `on_close` once when the connection ends, with its error or None after `close`.
        `connection_id` may be a placeholder when `login` is given the real one.
        """
        self.host = host
        self.port = port
        self.connection_id = connection_id
        self.timeout = timeout
        self._on_video = on_video
        self._on_audio = on_audio
        self._on_close = on_close
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._connection: CommandConnection | None = None
        self._talk_serial = 0

    async def connect(self) -> None:
        """Open the second connection and log in with the data connection id (no reply comes)."""
        await self.open()
        await self.login(self.connection_id)

    async def open(self) -> None:
        """Open the TCP connection only; `login` follows once the data connection id is known.

        The handshake needs no id, so it can run while the camera answers the start request.
        """
        self._connection = await open_connection(
            self.host,
            self.port,
            Channel.AV,
            on_command=self._dispatch,
            on_close=self._on_close,
            timeout=self.timeout,
            keepalive_interval=self._keepalive_interval,
            dead_after=self._dead_after,
            name=f"AV {self.host}:{self.port}",
        )

    async def login(self, connection_id: int) -> None:
        """Log in on the open connection with the id from a start response (no reply comes)."""
        self.connection_id = connection_id
        connection = self.connection
        try:
            await connection.send(AvLoginReq(connection_id))
        except BaseException:
            await connection.close()
            raise
        connection.start_keepalive()

    @property
    def connection(self) -> CommandConnection:
        """The open connection (after `connect`)."""
        if self._connection is None:
            raise RuntimeError("AvSession.connect() was not called")
        return self._connection

    def _dispatch(self, command: Command) -> None:
        # Video first: it is nearly all of the traffic.
        if type(command) is VideoData:
            self._on_video(command)
        elif type(command) is AudioData:
            self._on_audio(command)
        elif isinstance(command, UnknownCommand):
            _LOGGER.debug("Skipped unknown AV command op %d", command.opcode)
        elif not isinstance(command, AvKeepAlive):
            _LOGGER.debug("Ignored %s on the AV connection", command.NAME)

    async def send_talk(self, packets: AsyncIterable[bytes] | Iterable[bytes]) -> int:
        """Send ADPCM packets as Talk_Data, paced at real time on the monotonic clock.

        Packet i leaves at start + i x its duration (less a small lead), never drifting however
        long the talk. Returns the number of packets sent.
        """
        connection = self.connection
        loop = asyncio.get_running_loop()
        start = loop.time()
        sent_duration = 0.0
        count = 0
        async for data in _aiter(packets):
            due = start + sent_duration - TALK_LEAD
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await connection.send(
                TalkData(
                    timestamp=int(time.monotonic() * 1000) & 0xFFFFFFFF,
                    serial=self._talk_serial,
                    capture_time=int(time.time()) & 0xFFFFFFFF,
                    data=data,
                )
            )
            self._talk_serial = (self._talk_serial + 1) & 0xFFFFFFFF
            sent_duration += PACKET_DURATION * len(data) / AUDIO_PACKET_BYTES
            count += 1
        # Return when the camera has had time to play what was sent.
        remaining = start + sent_duration - loop.time()
        if remaining > 0:
            await asyncio.sleep(remaining)
        return count

    def reset_talk(self) -> None:
        """Talk serials start again from 0 (call at each talk start)."""
        self._talk_serial = 0

    def abort(self, error: BSeriesError | None) -> None:
        """Close now, with `error` as the reason given to `on_close`."""
        if self._connection is not None:
            self._connection.abort(error)

    async def close(self) -> None:
        """Close the connection; safe to call more than once."""
        if self._connection is not None:
            await self._connection.close()


async def _aiter(items: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
