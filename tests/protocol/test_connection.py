"""CommandConnection against a raw peer on 127.0.0.1: the transport-level edge cases.

The sessions' tests (against the simulator) cover the ordinary life of a connection; here a bare
socket server plays a peer that misbehaves in ways a camera may: one that never reads, closes in
the middle of a command, resets, or goes silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import sys
from typing import TYPE_CHECKING

import pytest

from custom_components.bseries_ipcam.protocol import connection as connection_module
from custom_components.bseries_ipcam.protocol.connection import (
    CommandConnection,
    open_connection,
)
from custom_components.bseries_ipcam.protocol.const import Channel
from custom_components.bseries_ipcam.protocol.exceptions import (
    BSeriesError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    ProtocolError,
)
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    AudioData,
    AvKeepAlive,
    AvLoginReq,
    Command,
    KeepAlive,
    UnknownCommand,
    VideoData,
)

from .test_client import AvRecorder

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Peer:
    """A one-connection TCP server whose behaviour is a coroutine."""

    def __init__(self, server: asyncio.Server) -> None:
        self.server = server
        self.port: int = server.sockets[0].getsockname()[1]


@contextlib.asynccontextmanager
async def peer(handler: Handler) -> AsyncIterator[Peer]:
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield Peer(server)
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


class Recorder:
    """What a connection hands over (to `on_command` as well, when one is given)."""

    def __init__(self, on_command: Callable[[Command], None] | None = None) -> None:
        self.commands: list[Command] = []
        self.closed: list[BSeriesError | None] = []
        self.done = asyncio.Event()
        self._on_command = on_command

    def on_command(self, command: Command) -> None:
        self.commands.append(command)
        if self._on_command is not None:
            self._on_command(command)

    def on_close(self, error: BSeriesError | None) -> None:
        self.closed.append(error)
        self.done.set()

    async def open(
        self,
        port: int,
        channel: Channel = Channel.CONTROL,
        *,
        keepalive_interval: float = 60.0,
        dead_after: float = 120.0,
    ) -> CommandConnection:
        return await open_connection(
            "127.0.0.1",
            port,
            channel,
            on_command=self.on_command,
            on_close=self.on_close,
            timeout=5.0,
            keepalive_interval=keepalive_interval,
            dead_after=dead_after,
        )

    async def ended(self) -> BSeriesError | None:
        async with asyncio.timeout(5):
            await self.done.wait()
        assert len(self.closed) == 1
        return self.closed[0]


async def _wait_for(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - conditions on lists that callbacks fill
            await asyncio.sleep(0.01)


async def test_commands_handed_over_however_the_bytes_arrive(socket_enabled: None) -> None:
    alarms = [AlarmNotify(alarm_type=kind).to_bytes() for kind in (1, 2, 3)]

    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(alarms[0] + alarms[1])  # two in one read
        await writer.drain()
        for byte in alarms[2]:  # one a byte at a time
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0)
        await asyncio.sleep(10)

    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port)
        await _wait_for(lambda: len(recorder.commands) == 3)
        assert [c.alarm_type for c in recorder.commands if isinstance(c, AlarmNotify)] == [1, 2, 3]
        await connection.close()
    assert recorder.closed == [None]
    assert connection.closed


async def test_a_clean_close_by_the_peer(socket_enabled: None) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(KeepAlive().to_bytes())
        writer.close()

    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port)
        error = await recorder.ended()
    assert isinstance(error, ConnectionClosedError)
    assert "the camera closed the MO_O connection" in str(error)
    assert recorder.commands == [KeepAlive()]
    with pytest.raises(ConnectionClosedError):
        await connection.send(KeepAlive())


async def test_closing_inside_a_command_is_a_protocol_error(socket_enabled: None) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(KeepAlive().to_bytes() + AlarmNotify(alarm_type=1).to_bytes()[:10])
        writer.close()

    recorder = Recorder()
    async with peer(handler) as server:
        await recorder.open(server.port)
        error = await recorder.ended()
    assert isinstance(error, ProtocolError)
    assert "stream ends inside a command (10 bytes left over)" in str(error)
    assert error.offset == 23


async def test_garbage_is_a_protocol_error_naming_the_offset(socket_enabled: None) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(KeepAlive().to_bytes() + b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await asyncio.sleep(10)

    recorder = Recorder()
    async with peer(handler) as server:
        await recorder.open(server.port)
        error = await recorder.ended()
    assert isinstance(error, ProtocolError)
    assert error.offset == 23


async def test_a_reset_is_reported_with_its_reason(socket_enabled: None) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await asyncio.sleep(0.05)
        writer.transport.abort()

    recorder = Recorder()
    async with peer(handler) as server:
        await recorder.open(server.port)
        error = await recorder.ended()
    assert isinstance(error, ConnectionClosedError)
    assert str(error) == "MO_O connection lost: Connection reset by peer"


async def test_silence_declares_the_peer_dead_but_any_byte_keeps_it_alive(
    socket_enabled: None,
) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(6):  # alive for 0.6 s, three times the dead_after period
            writer.write(KeepAlive().to_bytes())
            await writer.drain()
            await asyncio.sleep(0.1)
        await asyncio.sleep(10)

    recorder = Recorder()
    loop = asyncio.get_running_loop()
    async with peer(handler) as server:
        start = loop.time()
        await recorder.open(server.port, dead_after=0.2)
        error = await recorder.ended()
    assert isinstance(error, CameraTimeoutError)
    assert loop.time() - start >= 0.6
    assert len(recorder.commands) == 6


async def test_keepalive_when_nothing_else_was_sent(socket_enabled: None) -> None:
    received = asyncio.Queue[bytes]()

    async def handler(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            await received.put(data)

    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port, Channel.AV, keepalive_interval=0.05)
        connection.start_keepalive()
        connection.start_keepalive()  # idempotent
        async with asyncio.timeout(5):
            assert await received.get() == AvKeepAlive().to_bytes()
        await connection.close()
        await connection.close()
    assert recorder.closed == [None]
    connection.start_keepalive()  # after close: nothing happens


async def test_a_failing_callback_ends_the_connection(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(KeepAlive().to_bytes())
        await asyncio.sleep(10)

    def broken(_command: Command) -> None:
        raise ValueError("bug")

    recorder = Recorder(broken)
    async with peer(handler) as server:
        await recorder.open(server.port)
        error = await recorder.ended()
    assert isinstance(error, ProtocolError)
    assert "unexpected error: ValueError" in str(error)
    assert "Unexpected error handling a command" in caplog.text


async def test_a_callback_that_closes_stops_the_rest_of_the_read(socket_enabled: None) -> None:
    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(KeepAlive().to_bytes() * 3)
        await asyncio.sleep(10)

    connection: CommandConnection | None = None

    def close_at_once(_command: Command) -> None:
        assert connection is not None
        connection.abort(None)

    recorder = Recorder(close_at_once)
    async with peer(handler) as server:
        connection = await recorder.open(server.port)
        assert await recorder.ended() is None
    assert recorder.commands == [KeepAlive()]


async def test_send_waits_for_a_peer_that_reads_slowly_and_fails_when_it_goes(
    socket_enabled: None,
) -> None:
    gone = asyncio.Event()

    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await gone.wait()
        writer.transport.abort()

    big = VideoData(image=bytes(4 * 1024 * 1024 - 13))
    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port, Channel.AV)
        sending = asyncio.create_task(_send_until_blocked(connection, big))
        await asyncio.sleep(0.2)
        assert not sending.done()  # waiting for room in the socket buffer
        gone.set()
        with pytest.raises(ConnectionClosedError):
            async with asyncio.timeout(5):
                await sending
    assert isinstance(recorder.closed[0], ConnectionClosedError)


async def test_send_resumes_when_a_slow_peer_catches_up(socket_enabled: None) -> None:
    reading = asyncio.Event()
    total = 0

    async def handler(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        nonlocal total
        await reading.wait()
        while data := await reader.read(1 << 20):
            total += len(data)

    big = VideoData(image=bytes(4 * 1024 * 1024 - 13))
    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port, Channel.AV)
        sending = asyncio.create_task(_send_times(connection, big, 4))
        await asyncio.sleep(0.2)
        assert not sending.done()  # the peer reads nothing yet
        reading.set()
        async with asyncio.timeout(5):
            await sending
        await _wait_for(lambda: total == 4 * len(big.to_bytes()))
        await connection.close()
    assert recorder.closed == [None]


async def _send_times(connection: CommandConnection, command: Command, times: int) -> None:
    for _ in range(times):
        await connection.send(command)


async def _send_until_blocked(connection: CommandConnection, command: Command) -> None:
    while True:
        await connection.send(command)


async def test_close_gives_up_on_a_peer_that_never_reads(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection_module, "CLOSE_TIMEOUT", 0.2)

    async def handler(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port, Channel.AV)
        big = VideoData(image=bytes(4 * 1024 * 1024 - 13))
        for _ in range(4):  # far more than the socket buffers hold
            connection.send_nowait(big)
        async with asyncio.timeout(5):
            await connection.close()
    assert recorder.closed == [None]


async def test_connect_timeout_and_bad_host_names(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()

    async def never(*_args: object, **_kwargs: object) -> None:
        await asyncio.sleep(10)

    async def bad_name(*_args: object, **_kwargs: object) -> None:
        raise ValueError("label empty or too long")

    recorder = Recorder()
    monkeypatch.setattr(loop, "create_connection", never)
    with pytest.raises(CameraTimeoutError, match=r"within 0\.05 s"):
        await open_connection(
            "127.0.0.1",
            1,
            Channel.CONTROL,
            on_command=recorder.commands.append,
            on_close=recorder.on_close,
            timeout=0.05,
        )
    monkeypatch.setattr(loop, "create_connection", bad_name)
    with pytest.raises(ConnectionFailedError, match="invalid host name"):
        await recorder.open(1)
    assert recorder.closed == []


async def test_a_command_in_many_segments_is_read_once_it_is_whole(socket_enabled: None) -> None:
    frames = [VideoData(timestamp=n, image=bytes([n]) * 60_000).to_bytes() for n in (1, 2)]
    pieces = [frame[i : i + 1448] for frame in frames for i in range(0, len(frame), 1448)]

    async def handler(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # As a camera on a real network sends: one TCP segment at a time.
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.002)
        await asyncio.sleep(10)

    recorder = Recorder()
    async with peer(handler) as server:
        connection = await recorder.open(server.port, Channel.AV)
        await _wait_for(lambda: len(recorder.commands) == 2)
        await connection.close()
    assert [c.timestamp for c in recorder.commands if isinstance(c, VideoData)] == [1, 2]
    assert len(pieces) == 84
    if sys.platform == "linux":
        # A header, then the rest of its frame, per frame; not one read per segment.
        assert connection.reads <= 6


async def test_av_session_skips_what_is_not_video_or_audio(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.bseries_ipcam.protocol")

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(len(AvLoginReq(7).to_bytes()))
        writer.write(
            UnknownCommand(Channel.AV, 9, b"?").to_bytes()
            + AvKeepAlive().to_bytes()
            + AvLoginReq(7).to_bytes()
            + AudioData(data=bytes(160)).to_bytes()
            + VideoData(image=b"\xff\xd8jpeg").to_bytes()
        )
        await asyncio.sleep(10)

    recorder = AvRecorder()
    async with peer(handler) as server:
        av = recorder.session_at("127.0.0.1", server.port, 7)
        await av.connect()
        await _wait_for(lambda: bool(recorder.video))
        await av.close()
    assert [frame.image for frame in recorder.video] == [b"\xff\xd8jpeg"]
    assert len(recorder.audio) == 1
    assert "Skipped unknown AV command op 9" in caplog.text
    assert "Ignored login_req on the AV connection" in caplog.text
    assert recorder.closed == [None]
