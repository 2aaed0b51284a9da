"""The floor's relay: the same bytes to viewers as Home Assistant's stream, framing by length."""

from __future__ import annotations

import asyncio
from typing import override

from benchmarks.relay import AvProtocol, Viewers, chunk
from custom_components.bseries_ipcam.media.feed import FeedFrame
from custom_components.bseries_ipcam.protocol.messages import AvKeepAlive, VideoData

JPEG = b"\xff\xd8" + bytes(range(256)) * 300 + b"MO_V" * 10 + b"\xff\xd9"


class Recorder(Viewers):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []

    @override
    def send(self, data: bytes) -> None:
        self.sent.append(data)


def test_a_chunk_is_what_the_feed_writes_to_a_viewer() -> None:
    assert chunk(JPEG) == FeedFrame(1, JPEG, 0.0, 0).chunk


async def test_frames_cut_anywhere_come_out_whole() -> None:
    recorder = Recorder()
    protocol = AvProtocol(recorder)
    other = JPEG[::-1]
    stream = (
        VideoData(1, 2, JPEG).to_bytes()
        + AvKeepAlive().to_bytes()
        + VideoData(3, 4, other).to_bytes()
    )
    for start in range(0, len(stream), 1000):
        piece = stream[start : start + 1000]
        buffer = protocol.get_buffer(len(piece))
        buffer[: len(piece)] = piece
        protocol.buffer_updated(len(piece))
    assert recorder.sent == [chunk(JPEG), chunk(other)]
    assert protocol.first_frame.done()
    protocol.connection_lost(None)
    assert protocol.closed.done()
    await asyncio.sleep(0)
