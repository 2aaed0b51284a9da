"""One accepted TCP connection: counted sends behind the stall gate, child tasks, keepalive."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from .faults import Gate
    from .recording import PeerKind, SimStats

_LOGGER = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024


class PeerClosedError(Exception):
    """The connection is closed (by either side): nothing more can be sent."""


class Peer:
    """A client connection of one kind (control, AV or HTTP)."""

    def __init__(
        self,
        kind: PeerKind,
        connection_id: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        gate: Gate,
        stats: SimStats,
        dead_after: float,
        tasks: set[asyncio.Task[None]] | None = None,
    ) -> None:
        """Take over the streams of an accepted connection."""
        self.kind: PeerKind = kind
        self.connection_id = connection_id
        self._reader = reader
        self._writer = writer
        self._gate = gate
        self._stats = stats
        self._dead_after = dead_after
        self._loop = asyncio.get_running_loop()
        self.last_received = self.last_sent = self._loop.time()
        self.bytes_sent = 0
        # Exempt connections (the simulator's own /sim endpoints) ignore stalls and drops.
        self.exempt = False
        self._children: set[asyncio.Task[None]] = set()
        self._registry = tasks if tasks is not None else set()
        peername = writer.get_extra_info("peername")
        self.address = f"{peername[0]}:{peername[1]}" if peername else "?"

    def __repr__(self) -> str:
        """Kind, id and address."""
        return f"Peer({self.kind} #{self.connection_id} {self.address})"

    def set_kind(self, kind: PeerKind) -> None:
        """Fix the kind once the first bytes told what the client speaks."""
        self.kind = kind

    async def read_prefix(self, size: int, timeout: float) -> bytes:  # noqa: ASYNC109
        """The first `size` bytes, or b"" if they do not come within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.readexactly(size)
        except TimeoutError, asyncio.IncompleteReadError, OSError:
            return b""
        self.last_received = self._loop.time()
        return data

    async def read(self) -> bytes:
        """The next bytes; b"" at end of stream, on error, or after `dead_after` of silence."""
        deadline = self.last_received + self._dead_after
        try:
            async with asyncio.timeout_at(deadline):
                data = await self._reader.read(READ_CHUNK)
        except TimeoutError:
            _LOGGER.debug("%r: nothing received for %g s, dropping it", self, self._dead_after)
            return b""
        except OSError:
            return b""
        self.last_received = self._loop.time()
        return data

    async def send(self, data: bytes) -> float:
        """Write `data` once the stall gate is open and wait for buffer room.

        Returns `time.monotonic()` taken right after the write. Raises `PeerClosedError` if the
        connection is closed.
        """
        if not self.exempt:
            await self._gate.wait()
        if self._writer.is_closing():
            raise PeerClosedError(repr(self))
        self._writer.write(data)
        written_at = time.monotonic()
        self.last_sent = self._loop.time()
        self.bytes_sent += len(data)
        self._stats.add_sent(self.kind, len(data))
        try:
            await self._writer.drain()
        except (OSError, RuntimeError) as err:
            raise PeerClosedError(f"{self!r}: {err}") from None
        return written_at

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `coro` as a child task, cancelled when the connection ends."""
        task = asyncio.create_task(coro, name=f"bseries_sim {self!r} {name}")
        self._children.add(task)
        self._registry.add(task)
        task.add_done_callback(self._child_done)
        return task

    def _child_done(self, task: asyncio.Task[None]) -> None:
        self._children.discard(task)
        self._registry.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None and not isinstance(error, PeerClosedError):
            _LOGGER.error("Error in task %s", task.get_name(), exc_info=error)

    def start_keepalive(self, message: bytes, interval: float, on_sent: Callable[[], None]) -> None:
        """Send `message` whenever `interval` seconds have passed since the last send.

        `on_sent` is called after each one (to count them).
        """
        self.spawn(self._keepalive(message, interval, on_sent), "keepalive")

    async def _keepalive(
        self, message: bytes, interval: float, on_sent: Callable[[], None]
    ) -> None:
        while True:
            delay = self.last_sent + interval - self._loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            await self.send(message)
            on_sent()

    def abort(self) -> None:
        """Drop the connection at once, discarding unsent data."""
        transport = self._writer.transport
        if not transport.is_closing() or transport.get_write_buffer_size():
            transport.abort()

    def hang_up(self) -> None:
        """Close without waiting; abort instead if unsent data is stuck or sends are stalled."""
        transport = self._writer.transport
        if transport.get_write_buffer_size() or not (self._gate.is_open or self.exempt):
            transport.abort()
        else:
            transport.close()

    async def close(self) -> None:
        """End the connection: stop the child tasks, then close (abort if data is stuck)."""
        current = asyncio.current_task()
        children = [task for task in self._children if task is not current]
        for task in children:
            task.cancel()
        if children:
            await asyncio.gather(*children, return_exceptions=True)
        self.hang_up()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()
