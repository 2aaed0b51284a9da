"""Reading the encoder's MPEG-TS: which packet starts a key frame, and a PES packet's time.

The encoder hands its readers whole 188-byte TS packets as ffmpeg writes them. Cutting that
stream (a reader starts at a key frame, a clip copies a span of it) needs only a little of each
packet's header: its PID, whether a PES packet starts in it, the random access indicator, the
PES stream id (video 0xE0-0xEF, audio 0xC0-0xDF) and the PTS. Joining the encoder's two
outputs (picture and sound, muxed apart so that neither waits for the other) into one stream
needs one more thing: the program map table naming both (`with_stream`). Pure functions; no I/O.
"""

from __future__ import annotations

from typing import Final, NamedTuple

PACKET: Final = 188
SYNC: Final = 0x47
# PTS are 33-bit counts of a 90 kHz clock.
CLOCK_HZ: Final = 90_000
PTS_WRAP: Final = 1 << 33
# ISO/IEC 13818-1 stream type of AAC in ADTS frames (what ffmpeg's MPEG-TS muxer writes).
STREAM_TYPE_AAC: Final = 0x0F


class PesStart(NamedTuple):
    """A PES packet starting in a TS packet: its PID, its kind and its time."""

    pid: int
    video: bool
    pts: int | None
    key: bool


def pid(data: bytes, offset: int = 0) -> int:
    """The PID of the TS packet at `offset`."""
    return ((data[offset + 1] & 0x1F) << 8) | data[offset + 2]


def pes_start(data: bytes, offset: int = 0) -> PesStart | None:
    """The PES packet (audio or video) that starts in the TS packet at `offset`, if one does."""
    if not data[offset + 1] & 0x40:  # payload unit start indicator
        return None
    flags = data[offset + 3]
    if not flags & 0x10:  # no payload
        return None
    start = offset + 4
    key = False
    if flags & 0x20:  # an adaptation field first
        length = data[offset + 4]
        key = length > 0 and bool(data[offset + 5] & 0x40)  # random access indicator
        start += 1 + length
    end = offset + PACKET
    if start + 9 > end or data[start : start + 3] != b"\x00\x00\x01":
        return None
    stream_id = data[start + 3]
    video = 0xE0 <= stream_id <= 0xEF
    if not video and not 0xC0 <= stream_id <= 0xDF:
        return None
    pts = None
    if data[start + 7] & 0x80 and start + 14 <= end:
        b = data[start + 9 : start + 14]
        pts = ((b[0] >> 1) & 0x07) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1
    return PesStart(pid(data, offset), video, pts, key and video)


def pts_after(pts: int, origin: int) -> int:
    """90 kHz ticks from `origin` to `pts`, across the 33-bit wrap (negative: before it)."""
    delta = (pts - origin) % PTS_WRAP
    return delta - PTS_WRAP if delta >= PTS_WRAP // 2 else delta


def crc32_mpeg(data: bytes) -> int:
    """The CRC-32/MPEG-2 of a PSI section (polynomial 0x04C11DB7, no reflection, no final xor)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def with_stream(pmt: bytes, stream_type: int, stream_pid: int) -> bytes:
    """A TS packet holding a PMT section (starting in it, as ffmpeg writes it) with one more stream.

    The header (PID, continuity counter) stays; the section gets the entry (no descriptors) at
    the end of its stream loop, its length and its CRC again.
    """
    if len(pmt) != PACKET or not pmt[1] & 0x40:
        raise ValueError("not a TS packet that starts a section")
    start = 5 + pmt[4]  # after the pointer field
    length = ((pmt[start + 1] & 0x0F) << 8) | pmt[start + 2]
    end = start + 3 + length  # the section's end, its CRC included
    if pmt[start] != 0x02 or end + 5 > PACKET:
        raise ValueError("not a program map section with room for one more stream")
    entry = bytes((stream_type, 0xE0 | stream_pid >> 8, stream_pid & 0xFF, 0xF0, 0x00))
    body = bytearray(pmt[start : end - 4] + entry)
    body[1] = (body[1] & 0xF0) | (length + 5) >> 8
    body[2] = (length + 5) & 0xFF
    section = bytes(body) + crc32_mpeg(bytes(body)).to_bytes(4, "big")
    return pmt[:start] + section + b"\xff" * (PACKET - start - len(section))
