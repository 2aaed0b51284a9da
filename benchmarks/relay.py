"""The floor: a bare asyncio relay from one camera to MJPEG viewers, with no Home Assistant.

`python -m benchmarks.relay '<json>'` logs in to the camera, starts video, opens the one AV
connection and serves `multipart/x-mixed-replace` to every HTTP client on 127.0.0.1, chunked as
aiohttp chunks Home Assistant's stream (HTTP/1.1). It does the least a relay can do in Python:
one socket read into a preallocated buffer per wake-up (`asyncio.BufferedProtocol`), the header
parsed with one `struct` call, the socket waking the loop once a frame is whole (SO_RCVLOWAT, as
the integration's connection does), the part built with one join (the JPEG copied once), one
`transport.write` per viewer and frame, a viewer that holds more than `SLOW_VIEWER_BUFFER` unsent
bytes skipped. The benchmark charges this process's CPU per delivered frame exactly as it charges
Home Assistant's: what is left above it in our figure is what Home Assistant and this
integration add.

Prints `{"event": "listening", "port": N}` once logged in. Then, per phase, a `start` line on
stdin starts video (`{"event": "ready"}` once the first frame has arrived) and a `stop` line
stops it (`{"event": "stopped"}`); the process ends with stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import sys
from typing import Any, Final, override

from bseries_cli.launcher import load_protocol_alone

HEADER_SIZE: Final = 23
_HEADER: Final = struct.Struct("<4sHB8sI")  # magic, opcode, reserved, key, text length
_VIDEO: Final = struct.Struct("<IIBI")  # timestamp, capture time, reserved, image length
_VIDEO_DATA: Final = 1
_AV_MAGIC: Final = b"MO_V"
_READ_SPACE: Final = 128 * 1024
SLOW_VIEWER_BUFFER: Final = 256 * 1024
_RESPONSE_HEAD: Final = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: multipart/x-mixed-replace;boundary=frame\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
)


def chunk(jpeg: bytes | memoryview) -> bytes:
    """One multipart part as one HTTP/1.1 chunk, the JPEG copied once (as `FeedFrame.chunk`)."""
    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
    size = len(head) + len(jpeg) + 2
    return b"".join((b"%x\r\n" % size, head, jpeg, b"\r\n\r\n"))


class Viewers:
    """The viewers' transports."""

    def __init__(self) -> None:
        """None yet."""
        self.transports: set[asyncio.WriteTransport] = set()

    def send(self, data: bytes) -> None:
        """Write `data` to every viewer that is not behind."""
        for transport in self.transports:
            if transport.get_write_buffer_size() <= SLOW_VIEWER_BUFFER:
                transport.write(data)


class ViewerProtocol(asyncio.Protocol):
    """An HTTP client: any request head gets the stream."""

    def __init__(self, viewers: Viewers) -> None:
        """Serve frames from `viewers`' fan-out."""
        self._viewers = viewers
        self._transport: asyncio.WriteTransport | None = None
        self._head = b""

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self._transport = transport

    @override
    def data_received(self, data: bytes) -> None:
        if self._transport is None or self._transport in self._viewers.transports:
            return
        self._head += data
        if b"\r\n\r\n" in self._head:
            self._transport.write(_RESPONSE_HEAD)
            self._viewers.transports.add(self._transport)

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._viewers.transports.discard(self._transport)


class AvProtocol(asyncio.BufferedProtocol):
    """The AV connection: frames out of a preallocated buffer, each sent on at once."""

    def __init__(self, viewers: Viewers) -> None:
        """Send every frame to `viewers`."""
        self._viewers = viewers
        self._buffer = bytearray(2 * _READ_SPACE)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._sock: socket.socket | None = None
        self._low_water = 1
        self.first_frame: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._sock = transport.get_extra_info("socket")

    @override
    def get_buffer(self, sizehint: int) -> memoryview:
        if self._start == self._end:
            self._start = self._end = 0
        elif len(self._buffer) - self._end < _READ_SPACE:
            pending = self._end - self._start
            size = max(len(self._buffer), 2 * (pending + _READ_SPACE))
            buffer = bytearray(size)
            buffer[:pending] = self._view[self._start : self._end]
            self._buffer, self._view = buffer, memoryview(buffer)
            self._start, self._end = 0, pending
        return self._view[self._end :]

    @override
    def buffer_updated(self, nbytes: int) -> None:
        self._end += nbytes
        view, start, end = self._view, self._start, self._end
        while end - start >= HEADER_SIZE:
            magic, opcode, _, _, length = _HEADER.unpack_from(view, start)
            if magic != _AV_MAGIC:
                raise RuntimeError(f"not an AV command at {start}")
            if end - start < HEADER_SIZE + length:
                break
            text = start + HEADER_SIZE
            if opcode == _VIDEO_DATA:
                image_length = _VIDEO.unpack_from(view, text)[3]
                image = text + _VIDEO.size
                self._viewers.send(chunk(view[image : image + image_length]))
                if not self.first_frame.done():
                    self.first_frame.set_result(None)
            start = text + length
        self._start = start
        self._wake_when_complete(view, start, end)

    def _wake_when_complete(self, view: memoryview, start: int, end: int) -> None:
        # As the integration's connection does: the socket wakes the loop once the next command
        # is whole, not at every TCP segment (SO_RCVLOWAT, honoured by epoll on Linux).
        pending = end - start
        if pending >= HEADER_SIZE:
            missing = HEADER_SIZE + _HEADER.unpack_from(view, start)[4] - pending
        else:
            missing = HEADER_SIZE - pending
        low_water = max(1, min(missing, _READ_SPACE))
        if low_water != self._low_water and self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, low_water)
            self._low_water = low_water

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _stdin_line() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def _emit(event: str, **data: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


async def run(config: dict[str, Any]) -> None:
    """Serve viewers; `start` and `stop` lines on stdin start and stop video, EOF ends it."""
    # Only to log in and start video; after that, nothing of the protocol package runs here.
    from custom_components.bseries_ipcam.protocol.control import ControlSession  # noqa: PLC0415
    from custom_components.bseries_ipcam.protocol.messages import AvLoginReq  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    host, port = "127.0.0.1", int(config["port"])
    control = ControlSession(host, port, str(config["username"]), str(config["password"]))
    await control.connect()
    viewers = Viewers()
    server = await loop.create_server(lambda: ViewerProtocol(viewers), "127.0.0.1", 0)
    transport: asyncio.BaseTransport | None = None
    try:
        _emit("listening", port=server.sockets[0].getsockname()[1])
        while command := await _stdin_line():
            if command == "start":
                connection_id = await control.start_video()
                if connection_id is None:
                    raise RuntimeError("the camera gave no data connection id")
                transport, av = await loop.create_connection(
                    lambda: AvProtocol(viewers), host, port
                )
                assert isinstance(transport, asyncio.WriteTransport)
                transport.write(AvLoginReq(connection_id).to_bytes())
                async with asyncio.timeout(10):
                    await av.first_frame
                _emit("ready")
            elif command == "stop":
                if transport is not None:
                    transport.close()
                    transport = None
                with contextlib.suppress(Exception):
                    await control.stop_video()
                for viewer in list(viewers.transports):
                    viewer.close()
                _emit("stopped")
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await control.close()


def main() -> None:
    """Entry point: the JSON configuration is the first argument."""
    load_protocol_alone()
    asyncio.run(run(json.loads(sys.argv[1])))


if __name__ == "__main__":
    main()
