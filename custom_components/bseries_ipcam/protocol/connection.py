"""A TCP connection that carries framed commands of one channel: keepalive and watchdog included.

Both the control and the AV session stand on this. It is an asyncio protocol: the socket is read
into the frame decoder's own buffer, and every whole command is handed to the session's callback
as soon as its last byte arrives, with no reader task (the AV connection carries 15-30 JPEGs a
second, and a task wake-up per read cost more than the decoding). It sends Keep_Alive when 60 s
have passed since the last send, and declares the peer dead after 120 s without receiving anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import socket
import sys
from typing import cast, override

from .const import DEAD_AFTER, HEADER_SIZE, KEEPALIVE_INTERVAL, Channel
from .exceptions import (
    BSeriesError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
    ProtocolError,
)
from .framing import MIN_READ_SPACE, FrameDecoder
from .messages import AvKeepAlive, Command, KeepAlive, decode_text

_LOGGER = logging.getLogger(__name__)

type CommandCallback = Callable[[Command], None]
type CloseCallback = Callable[[BSeriesError | None], None]

# How long `close` waits for unsent bytes to leave before dropping them.
CLOSE_TIMEOUT = 5.0


async def open_connection(
    host: str,
    port: int,
    channel: Channel,
    *,
    on_command: CommandCallback,
    on_close: CloseCallback,
    timeout: float,  # noqa: ASYNC109 - one budget for connect, mapped to our error
    keepalive_interval: float = KEEPALIVE_INTERVAL,
    dead_after: float = DEAD_AFTER,
    name: str = "",
) -> CommandConnection:
    """Connect; every failure is mapped to this package's errors.

    `on_command` gets every command received, keepalives included; `on_close` is called once
    when the connection ends: with the error, or None after `close`.
    """
    loop = asyncio.get_running_loop()

    def connection() -> CommandConnection:
        return CommandConnection(
            channel,
            on_command,
            on_close,
            keepalive_interval=keepalive_interval,
            dead_after=dead_after,
            name=name,
        )

    try:
        async with asyncio.timeout(timeout):
            _transport, protocol = await loop.create_connection(connection, host, port)
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
    return protocol


class CommandConnection(asyncio.BufferedProtocol):
    """Reads and writes whole commands of one channel; made by `open_connection`."""

    def __init__(
        self,
        channel: Channel,
        on_command: CommandCallback,
        on_close: CloseCallback,
        *,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
        name: str = "",
    ) -> None:
        """Wait for `connection_made`."""
        self._channel = channel
        self._on_command = on_command
        self._on_close: CloseCallback | None = on_close
        self._decoder = FrameDecoder(channel)
        self._keepalive: Command = KeepAlive() if channel is Channel.CONTROL else AvKeepAlive()
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._loop = asyncio.get_running_loop()
        self.last_received = self.last_sent = self._loop.time()
        self._transport: asyncio.Transport | None = None
        self._keepalive_handle: asyncio.TimerHandle | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._writing_paused = False
        self._sock: socket.socket | None = None
        self._low_water = 1  # the kernel's default SO_RCVLOWAT
        self.reads = 0  # socket reads so far
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._lost: asyncio.Future[None] = self._loop.create_future()
        self.name = name or channel.value

    @property
    def closed(self) -> bool:
        """Whether `close` was called or the connection ended."""
        return self._on_close is None

    # --- asyncio protocol ------------------------------------------------------------------------

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if sys.platform == "linux":  # where epoll honours SO_RCVLOWAT
                self._sock = sock
        self.last_received = self.last_sent = self._loop.time()
        self._watchdog = self._loop.call_at(
            self.last_received + self._dead_after, self._check_alive
        )

    @override
    def get_buffer(self, sizehint: int) -> memoryview:
        return self._decoder.get_buffer(sizehint)

    @override
    def buffer_updated(self, nbytes: int) -> None:
        self.last_received = self._loop.time()
        self.reads += 1
        offset = self._decoder.offset
        try:
            for channel, opcode, text in self._decoder.buffer_updated_views(nbytes):
                if self._on_close is None:
                    return  # closed by a callback of an earlier command
                self._on_command(decode_text(channel, opcode, text, offset))
                offset += HEADER_SIZE + len(text)
        except ProtocolError as err:
            self.abort(err)
        except Exception as err:
            _LOGGER.exception("Unexpected error handling a command from the camera")
            self.abort(ProtocolError(f"unexpected error: {type(err).__name__}"))
        else:
            self._wake_when_complete(self._decoder.missing)

    def _wake_when_complete(self, missing: int) -> None:
        # A JPEG crosses the network as dozens of TCP segments, and an idle event loop would
        # wake up for nearly each of them: the socket's low-water mark makes it wake up once the
        # command is whole (the end of the stream and errors still wake it at once).
        low_water = min(missing, MIN_READ_SPACE)
        if low_water == self._low_water or self._sock is None:
            return
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, low_water)
        except OSError:
            self._sock = None  # not supported here: read the bytes as they come
        else:
            self._low_water = low_water

    @override
    def eof_received(self) -> bool:
        try:
            self._decoder.close()
        except ProtocolError as err:
            self.abort(err)
        else:
            self.abort(ConnectionClosedError(f"the camera closed the {self.name} connection"))
        return False

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None:
            self.abort(ConnectionClosedError(f"the camera closed the {self.name} connection"))
        else:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.abort(ConnectionClosedError(f"{self.name} connection lost: {reason}"))
        self._release_senders()
        if not self._lost.done():
            self._lost.set_result(None)

    @override
    def pause_writing(self) -> None:
        self._writing_paused = True

    @override
    def resume_writing(self) -> None:
        self._writing_paused = False
        self._release_senders()

    def _release_senders(self) -> None:
        """Wake every `send` waiting for room in the socket buffer."""
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters.clear()

    # --- sending ---------------------------------------------------------------------------------

    def send_nowait(self, command: Command) -> None:
        """Queue a command for sending."""
        transport = self._transport
        if self._on_close is None or transport is None or transport.is_closing():
            raise ConnectionClosedError(f"{self.name} connection is closed")
        transport.write(command.to_bytes())
        self.last_sent = self._loop.time()

    async def send(self, command: Command) -> None:
        """Send a command and wait until the socket buffer has room again."""
        self.send_nowait(command)
        if self._writing_paused:
            waiter: asyncio.Future[None] = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter
            if self._on_close is None:
                raise ConnectionClosedError(f"{self.name} connection lost") from None

    def start_keepalive(self) -> None:
        """Send Keep_Alive whenever `keepalive_interval` has passed since the last send."""
        if self._keepalive_handle is None and self._on_close is not None:
            self._keepalive_handle = self._loop.call_at(
                self.last_sent + self._keepalive_interval, self._send_keepalive
            )

    def _send_keepalive(self) -> None:
        # A timer that looks again when it fires, rather than one re-armed at every send.
        due = self.last_sent + self._keepalive_interval
        if self._loop.time() >= due:
            try:
                self.send_nowait(self._keepalive)
            except ConnectionClosedError:
                return
            _LOGGER.debug("Sent keepalive on %s", self.name)
            due = self.last_sent + self._keepalive_interval
        self._keepalive_handle = self._loop.call_at(due, self._send_keepalive)

    def _check_alive(self) -> None:
        deadline = self.last_received + self._dead_after
        if self._loop.time() < deadline:
            self._watchdog = self._loop.call_at(deadline, self._check_alive)
            return
        self.abort(
            CameraTimeoutError(
                f"no data from the camera on the {self.name} connection for {self._dead_after:g} s"
            )
        )

    # --- ending ----------------------------------------------------------------------------------

    def abort(self, error: BSeriesError | None) -> None:
        """Close the socket now and tell the session, once, with `error` as the reason."""
        on_close, self._on_close = self._on_close, None
        if on_close is None:
            return
        for handle in (self._keepalive_handle, self._watchdog):
            if handle is not None:
                handle.cancel()
        if self._transport is not None:
            self._transport.close()
        else:  # never connected
            self._lost.set_result(None)
        on_close(error)

    async def close(self) -> None:
        """Close the socket and wait until it is closed; safe to call more than once."""
        self.abort(None)
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await asyncio.shield(self._lost)
        except TimeoutError:
            # A peer that reads nothing must not hold a close forever: drop what is unsent.
            if self._transport is not None:
                self._transport.abort()
