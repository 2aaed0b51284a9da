"""The pre-roll ring buffer: bounded by the camera's timestamps."""

from __future__ import annotations

from custom_components.bseries_ipcam.media.audio_feed import AudioChunk
from custom_components.bseries_ipcam.media.feed import FeedFrame
from custom_components.bseries_ipcam.media.preroll import PrerollBuffer
from custom_components.bseries_ipcam.media.timeline import ticks_after


def _frame(seq: int, timestamp: int) -> FeedFrame:
    return FeedFrame(seq, b"\xff\xd8" + bytes(98), 0.0, timestamp)


def _chunk(timestamp: int) -> AudioChunk:
    return AudioChunk(timestamp, bytes(640))


def test_ticks_after_across_the_wrap() -> None:
    assert ticks_after(5, 0xFFFFFFFB) == 10
    assert ticks_after(0xFFFFFFFB, 5) == -10


def test_holds_only_its_span() -> None:
    buffer = PrerollBuffer(2)
    for n in range(100):  # 10 s at 10 fps
        buffer.add_frame(_frame(n, 1000 + 10 * n))
    for n in range(250):
        buffer.add_chunk(_chunk(1000 + 4 * n))
    buffer.add_frame(None)
    buffer.add_chunk(None)
    assert buffer.frames == 20  # 2 s before the newest chunk
    assert buffer.size == 20 * 100 + 51 * 640
    frames, chunks = buffer.since(1)
    assert [f.seq for f in frames] == list(range(89, 100))
    assert chunks[0].timestamp >= frames[0].timestamp
    assert len(chunks) == 27


def test_never_more_than_its_bound() -> None:
    buffer = PrerollBuffer(1)
    for n in range(100):  # a camera whose clock stands still
        buffer.add_frame(_frame(n, 1000))
    assert buffer.frames == 31


def test_a_camera_restart_clears_it() -> None:
    buffer = PrerollBuffer(5)
    assert buffer.since(1) == ([], [])
    buffer.add_frame(_frame(1, 5000))
    buffer.add_chunk(_chunk(5000))
    buffer.add_frame(_frame(2, 10))  # uptime began again
    buffer.add_chunk(_chunk(10))
    frames, chunks = buffer.since(5)
    assert [f.seq for f in frames] == [2]
    assert [c.timestamp for c in chunks] == [10]
    buffer.clear()
    assert buffer.frames == 0
