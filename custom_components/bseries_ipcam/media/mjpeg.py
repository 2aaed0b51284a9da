"""The one MJPEG writer: a feed's frames to an HTTP client as multipart/x-mixed-replace.

The camera entity's live view and the restream's `/mjpeg` both use it. Frames go from the feed's
frame callback straight to the client's socket, as one buffer built once per frame for all
clients with the same framing: no task wakes up per client and frame. A client that reads slowly
only delays itself: while its socket holds more than `SLOW_VIEWER_BUFFER` unsent bytes it skips
frames instead of queueing them, so memory does not grow with its backlog.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

from aiohttp import hdrs, web

if TYPE_CHECKING:
    from collections.abc import Callable

    from .feed import FeedFrame, VideoFeed

# A client whose socket holds more than this (about four VGA frames) unsent skips frames.
SLOW_VIEWER_BUFFER: Final = 256 * 1024
# A client whose stream has had no frame this long is ended; it reconnects.
STREAM_STALL: Final = 30.0


def multipart_part(boundary: bytes, jpeg: bytes, *, chunked: bool = False) -> bytes:
    """One part of a multipart/x-mixed-replace body; with `chunked`, as one HTTP/1.1 chunk.

    One join: the JPEG is copied once, not once per concatenation.
    """
    head = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (
        boundary,
        len(jpeg),
    )
    if not chunked:
        return b"".join((head, jpeg, b"\r\n"))
    size = len(head) + len(jpeg) + 2
    return b"".join((b"%x\r\n" % size, head, jpeg, b"\r\n\r\n"))


def http_chunk(data: bytes) -> bytes:
    """`data` as one HTTP/1.1 chunk (chunked transfer coding)."""
    return b"".join((b"%x\r\n" % len(data), data, b"\r\n"))


class SocketViewer:
    """One HTTP client written to from stream callbacks, straight to its socket.

    `write` skips what a slow client cannot take; `run` returns when the client left, `end` was
    called, or nothing came for `STREAM_STALL` seconds.
    """

    def __init__(self, transport: asyncio.Transport, *, chunked: bool) -> None:
        """Write to `transport`; `chunked` when the response uses chunked transfer coding."""
        self.transport = transport
        self.chunked = chunked
        self._loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[None] = self._loop.create_future()
        self._last_item = self._loop.time()

    @classmethod
    async def prepare(
        cls, request: web.Request, response: web.StreamResponse
    ) -> SocketViewer | None:
        """Send the response's head; the viewer of its socket, or None if the client left."""
        await response.prepare(request)
        transport = request.transport
        if transport is None:  # the client left before the stream began
            return None
        # HTTP/1.1 bodies of unknown length are chunked by aiohttp; HTTP/1.0 ones are not.
        chunked = response.headers.get(hdrs.TRANSFER_ENCODING) == "chunked"
        return cls(transport, chunked=chunked)

    def write(self, data: bytes, *, framed: bool = False, alive: bool = True) -> None:
        """Write `data` unless the client is slow.

        `framed`: already an HTTP chunk where the response is chunked. `alive`: this counts as
        the stream being alive (video does; sound beside stalled video does not).
        """
        if self.transport.is_closing():
            self.end()
            return
        if alive:
            self._last_item = self._loop.time()
        if self.transport.get_write_buffer_size() <= SLOW_VIEWER_BUFFER:
            self.transport.write(data if framed or not self.chunked else http_chunk(data))

    def end(self) -> None:
        """End the stream."""
        if not self._ended.done():
            self._ended.set_result(None)

    async def run(self) -> None:
        """Until the client leaves, `end` is called, or the stream stalls."""
        while not self._ended.done() and not self.transport.is_closing():
            await asyncio.wait((self._ended,), timeout=STREAM_STALL / 2)
            if self._loop.time() - self._last_item > STREAM_STALL:
                break  # nothing for a long time: the client will reconnect


async def serve_mjpeg(
    request: web.Request,
    feed: VideoFeed,
    *,
    boundary: str,
    first: FeedFrame | None = None,
    authorized: Callable[[], bool] = lambda: True,
) -> web.StreamResponse:
    """Stream `feed` to the client as multipart MJPEG until it leaves (or `authorized` fails).

    `first`: a frame to send at once (the one the caller waited for before answering).
    """
    response = web.StreamResponse()
    response.content_type = f"multipart/x-mixed-replace;boundary={boundary}"
    key = boundary.encode()
    async with feed.hold():
        viewer = await SocketViewer.prepare(request, response)
        if viewer is None:
            return response

        def push(frame: FeedFrame | None) -> None:
            if frame is None or not authorized():
                viewer.end()
                return
            viewer.write(frame.part(key, chunked=viewer.chunked), framed=True)

        if first is not None:
            push(first)
        remove = feed.add_sink(push)
        try:
            await viewer.run()
        finally:
            remove()
    return response
