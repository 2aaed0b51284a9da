"""A TCP connection that carries framed commands of one channel: keepalive and watchdog included.

Both the control and the AV session stand on this: it opens the socket with errors mapped to the
package's own, reads whole commands (framing bounded per channel), sends Keep_Alive when 60 s have
passed since the last send, and declares the peer dead after 120 s without receiving anything.
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextlib
import logging
import socket

from .const import DEAD_AFTER, KEEPALIVE_INTERVAL, Channel
from .exceptions import (
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
)
from .framing import FrameDecoder
from .messages import AvKeepAlive, Command, KeepAlive, decode_command

_LOGGER = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024


async def open_tcp(
    host: str,
    port: int,
    timeout: float,  # noqa: ASYNC109 - one budget for connect, mapped to our error
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a TCP connection, mapping every failure to this package's errors."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, limit=READ_CHUNK)
    except TimeoutError:
        raise CameraTimeoutError(f"no answer from {host}:{port} within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise ConnectionRefusedByCameraError(f"{host}:{port} refused the connection") from None
    except socket.gaierror as err:
        raise ConnectionFailedError(f"cannot resolve {host}: {err.strerror}") from None
    except OSError as err:
        raise ConnectionFailedError(
            f"cannot connect to {host}:{port}: {err.strerror or err}"
        ) from None
    except ValueError as err:  # a host name IDNA cannot encode, or one with a NUL in it
        raise ConnectionFailedError(f"invalid host name {host!r}: {err}") from None
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


class CommandConnection:
    """Reads and writes whole commands of one channel over an open TCP connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        channel: Channel,
        *,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
        name: str = "",
    ) -> None:
        """Take over the streams; call `start_keepalive` once the session is established."""
        self._reader = reader
        self._writer = writer
        self._channel = channel
        self._decoder = FrameDecoder(channel)
        self._pending: deque[Command] = deque()
        self._keepalive: Command = KeepAlive() if channel is Channel.CONTROL else AvKeepAlive()
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._loop = asyncio.get_running_loop()
        self.last_received = self.last_sent = self._loop.time()
        self._keepalive_task: asyncio.Task[None] | None = None
        self._closed = False
        self.name = name or channel.value

    @property
    def closed(self) -> bool:
        """Whether `close` was called or the peer went away."""
        return self._closed

    async def read(self) -> Command:
        """The next command, keepalives included.

        Raises `ConnectionClosedError` at end of stream, `CameraTimeoutError` after `dead_after`
        seconds without a byte, `ProtocolError` on malformed input.
        """
        pending = self._pending
        while not pending:
            if self._closed:
                raise ConnectionClosedError(f"{self.name} connection is closed")
            deadline = self.last_received + self._dead_after
            try:
                async with asyncio.timeout_at(deadline):
                    data = await self._reader.read(READ_CHUNK)
            except TimeoutError:
                raise CameraTimeoutError(
                    f"no data from the camera on the {self.name} connection for "
                    f"{self._dead_after:g} s"
                ) from None
            except OSError as err:
                raise ConnectionClosedError(
                    f"{self.name} connection lost: {err.strerror or err}"
                ) from None
            if not data:
                self._decoder.close()
                raise ConnectionClosedError(f"the camera closed the {self.name} connection")
            self.last_received = self._loop.time()
            offset = self._decoder.offset
            for frame in self._decoder.feed(data):
                pending.append(decode_command(frame, offset))
                offset += 23 + len(frame.text)
        return pending.popleft()

    def send_nowait(self, command: Command) -> None:
        """Queue a command for sending."""
        if self._closed or self._writer.is_closing():
            raise ConnectionClosedError(f"{self.name} connection is closed")
        self._writer.write(command.to_bytes())
        self.last_sent = self._loop.time()

    async def send(self, command: Command) -> None:
        """Send a command and wait until the socket buffer has room again."""
        self.send_nowait(command)
        try:
            await self._writer.drain()
        except (OSError, RuntimeError) as err:
            raise ConnectionClosedError(f"{self.name} connection lost: {err}") from None

    def start_keepalive(self) -> None:
        """Send Keep_Alive whenever `keepalive_interval` has passed since the last send."""
        if self._keepalive_task is None:
            self._keepalive_task = asyncio.create_task(
                self._keepalive_loop(), name=f"bseries {self.name} keepalive"
            )

    async def _keepalive_loop(self) -> None:
        while not self._closed:
            due = self.last_sent + self._keepalive_interval
            now = self._loop.time()
            if now < due:
                await asyncio.sleep(due - now)
                continue
            try:
                self.send_nowait(self._keepalive)
            except ConnectionClosedError:
                return
            _LOGGER.debug("Sent keepalive on %s", self.name)

    async def close(self) -> None:
        """Close the socket and stop the keepalive; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        # The socket closes first, so that a cancelled close() still leaves no socket open.
        self._writer.close()
        if self._keepalive_task is not None:
            self._keepalive_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive_task
        with contextlib.suppress(OSError, ConnectionError):
            await self._writer.wait_closed()
