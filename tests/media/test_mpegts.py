"""Reading the encoder's MPEG-TS, and a copied clip's cut of it, on packets built here."""

from __future__ import annotations

from typing import Any, cast

from custom_components.bseries_ipcam.media.mpegts import (
    CLOCK_HZ,
    PACKET,
    PTS_WRAP,
    pes_start,
    pid,
    pts_after,
)
from custom_components.bseries_ipcam.media.recording import CopyClip

VIDEO, AUDIO = 0x100, 0x101
FRAME = CLOCK_HZ // 15


def _pts(value: int) -> bytes:
    return bytes(
        (
            ((value >> 29) & 0x0E) | 0x21,
            (value >> 22) & 0xFF,
            ((value >> 14) & 0xFE) | 1,
            (value >> 7) & 0xFF,
            ((value << 1) & 0xFE) | 1,
        )
    )


def packet(
    number: int,
    *,
    stream_id: int | None = None,
    pts: int | None = None,
    key: bool = False,
    start: bool = True,
    payload: bool = True,
) -> bytes:
    """One TS packet: a PES start of `stream_id` (with `pts`), or a continuation."""
    flags = (0x10 if payload else 0) | (0x20 if key else 0)
    data = bytearray((0x47, (0x40 if start else 0) | number >> 8, number & 0xFF, flags))
    if key:
        data += b"\x01\x40"  # adaptation field: random access indicator
    if stream_id is not None:
        data += b"\x00\x00\x01" + bytes((stream_id, 0, 0, 0x80))
        data += b"\x80\x05" + _pts(pts) if pts is not None else b"\x00\x00"
    return bytes(data.ljust(PACKET, b"\xff"))


def test_pes_start_reads_kind_time_and_key() -> None:
    """A video key frame, sound, and packets that start no PES."""
    key = pes_start(packet(VIDEO, stream_id=0xE0, pts=123456789, key=True))
    assert key is not None
    assert (key.pid, key.video, key.pts, key.key) == (VIDEO, True, 123456789, True)
    sound = pes_start(packet(AUDIO, stream_id=0xC0, pts=PTS_WRAP - 1, key=True))
    assert sound is not None
    assert (sound.video, sound.pts, sound.key) == (False, PTS_WRAP - 1, False)
    untimed = pes_start(packet(VIDEO, stream_id=0xE0))
    assert untimed is not None
    assert untimed.pts is None
    assert pes_start(packet(VIDEO, start=False)) is None
    assert pes_start(packet(VIDEO, stream_id=0xE0, payload=False)) is None
    assert pes_start(packet(0, stream_id=None)) is None  # a table, not a PES
    assert pes_start(packet(0x102, stream_id=0xBD, pts=0)) is None  # private data
    assert pid(packet(0x1FFF)) == 0x1FFF


def test_pts_after_crosses_the_wrap() -> None:
    """Times just after the 33-bit wrap are after those just before it."""
    assert pts_after(5, PTS_WRAP - 5) == 10
    assert pts_after(0, 10) == -10


def _stream(first: int, frames: int) -> list[bytes]:
    """Sound that starts before the first picture, then frames each with sound, all from a key."""
    packets = [packet(AUDIO, stream_id=0xC0, pts=first - FRAME)]
    for number in range(frames):
        time = first + number * FRAME
        packets.append(packet(VIDEO, stream_id=0xE0, pts=time, key=number % 15 == 0))
        packets.append(packet(VIDEO, start=False))
        packets.append(packet(AUDIO, stream_id=0xC0, pts=time))
    return packets


async def test_a_copied_clip_keeps_its_span_of_the_stream() -> None:
    """One second: sound before the first picture and everything past the end are left out."""
    clip = CopyClip(cast("Any", None), cast("Any", None), "/clip.mp4", 1.0)
    clip._audio_done = False
    packets = _stream(PTS_WRAP - 2 * FRAME, 20)  # across the wrap, too
    clip.on_data(b"".join(packets[:10]))
    clip.on_data(b"".join(packets[10:]))
    kept = b""
    while not clip._queue.empty():
        kept += cast("bytes", clip._queue.get_nowait())
    starts = [pes_start(kept, offset) for offset in range(0, len(kept), PACKET)]
    video = [s for s in starts if s is not None and s.video]
    audio = [s for s in starts if s is not None and not s.video]
    assert len(video) == clip.frames == 15
    assert len(audio) == 15
    assert clip._finished.is_set()
    assert clip._failure is None
    clip.on_data(packets[0])  # after the end: nothing more
    assert clip._queue.empty()


async def test_a_copied_clip_ends_when_the_stream_starts_again() -> None:
    """Times going back (the encoder started again) or the end of the stream end the clip."""
    clip = CopyClip(cast("Any", None), cast("Any", None), "/clip.mp4", 5.0)
    clip.on_data(b"".join(_stream(90_000, 3)))
    clip.on_data(b"".join(_stream(1_000, 3)))
    assert clip._failure == ("record_camera_lost", "the H.264 stream started again")
    ended = CopyClip(cast("Any", None), cast("Any", None), "/clip.mp4", 5.0)
    ended.on_data(packet(VIDEO, stream_id=0xE0))  # untimed before the first picture: left out
    assert ended._queue.empty()
    ended.on_data(None)
    assert ended._failure == ("record_camera_lost", "the H.264 stream ended")
