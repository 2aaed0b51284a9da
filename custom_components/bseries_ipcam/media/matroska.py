"""A live Matroska writer: the camera's JPEGs and PCM with their packet times.

Both the recorder (which hands the stream to ffmpeg) and the restream endpoint (which hands it to
an NVR) need video and sound in one container, timed by the camera's clock (`timeline`). Matroska
carries MJPEG as it is (`V_MJPEG`) and PCM (`A_PCM/INT/LIT`) with a timestamp on every block, and
ffmpeg, go2rtc and Frigate read it from a pipe or an HTTP body. Every block goes out as a cluster
of its own (a few bytes of overhead), so nothing waits in this writer.

Timestamps are the packets' times from `timeline.Timeline` (10 ms units: the camera's uptime
while its clock is sane, arrival otherwise), written in milliseconds since `origin`. Pure functions and a small class; no I/O.
"""

from __future__ import annotations

import struct
from typing import Final

from .timeline import WRAP

TIMESTAMP_SCALE_NS: Final = 1_000_000  # block timestamps in ms
VIDEO_TRACK: Final = 1
AUDIO_TRACK: Final = 2
_UNKNOWN_SIZE: Final = b"\x01\xff\xff\xff\xff\xff\xff\xff"

# Element ids (with their length marker bits, as written).
_EBML: Final = 0x1A45DFA3
_SEGMENT: Final = 0x18538067
_INFO: Final = 0x1549A966
_TRACKS: Final = 0x1654AE6B
_TRACK_ENTRY: Final = 0xAE
_CLUSTER: Final = 0x1F43B675
_CLUSTER_TIMESTAMP: Final = 0xE7
_SIMPLE_BLOCK: Final = 0xA3


def _id(element_id: int) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")


_CLUSTER_ID: Final = _id(_CLUSTER)
_BLOCK_ID: Final = _id(_SIMPLE_BLOCK)


def _size(size: int) -> bytes:
    """An EBML variable-length size, in as few bytes as hold it."""
    for length in range(1, 9):
        if size < (1 << (7 * length)) - 1:
            return (size | (1 << (7 * length))).to_bytes(length, "big")
    raise ValueError("element too large")


def element(element_id: int, payload: bytes) -> bytes:
    """One EBML element."""
    return b"".join((_id(element_id), _size(len(payload)), payload))


def _uint(element_id: int, value: int) -> bytes:
    return element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _text(element_id: int, value: str) -> bytes:
    return element(element_id, value.encode("ascii"))


def jpeg_size(jpeg: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's start-of-frame marker; None if it has none."""
    position = 2
    while position + 9 <= len(jpeg):
        if jpeg[position] != 0xFF:
            return None
        marker = jpeg[position + 1]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack_from(">HH", jpeg, position + 5)
            return width, height
        (length,) = struct.unpack_from(">H", jpeg, position + 2)
        position += 2 + length
    return None


class MatroskaWriter:
    """The bytes of one live Matroska stream: `header`, then one `video` or `audio` per block."""

    def __init__(
        self,
        origin: int,
        *,
        width: int,
        height: int,
        audio_rate: int | None,
        app: str = "bseries_ipcam",
    ) -> None:
        """Time zero is camera timestamp `origin`; `audio_rate` None means a video-only stream."""
        self.origin = origin
        self.width = width
        self.height = height
        self.audio_rate = audio_rate
        self.app = app

    def header(self) -> bytes:
        """The EBML header, the start of the (open-ended) segment, its info and its tracks."""
        ebml = element(
            _EBML,
            b"".join(
                (
                    _uint(0x4286, 1),  # EBMLVersion
                    _uint(0x42F7, 1),  # EBMLReadVersion
                    _uint(0x42F2, 4),  # EBMLMaxIDLength
                    _uint(0x42F3, 8),  # EBMLMaxSizeLength
                    _text(0x4282, "matroska"),  # DocType
                    _uint(0x4287, 4),  # DocTypeVersion
                    _uint(0x4285, 2),  # DocTypeReadVersion
                )
            ),
        )
        info = element(
            _INFO,
            b"".join(
                (
                    _uint(0x2AD7B1, TIMESTAMP_SCALE_NS),
                    _text(0x4D80, self.app),  # MuxingApp
                    _text(0x5741, self.app),  # WritingApp
                )
            ),
        )
        video = element(
            _TRACK_ENTRY,
            b"".join(
                (
                    _uint(0xD7, VIDEO_TRACK),  # TrackNumber
                    _uint(0x73C5, VIDEO_TRACK),  # TrackUID
                    _uint(0x83, 1),  # TrackType: video
                    _uint(0x9C, 0),  # FlagLacing
                    _text(0x86, "V_MJPEG"),  # CodecID
                    element(0xE0, _uint(0xB0, self.width) + _uint(0xBA, self.height)),
                )
            ),
        )
        tracks = video
        if self.audio_rate is not None:
            tracks += element(
                _TRACK_ENTRY,
                b"".join(
                    (
                        _uint(0xD7, AUDIO_TRACK),
                        _uint(0x73C5, AUDIO_TRACK),
                        _uint(0x83, 2),  # TrackType: audio
                        _uint(0x9C, 0),
                        _text(0x86, "A_PCM/INT/LIT"),
                        element(
                            0xE1,
                            element(0xB5, struct.pack(">d", float(self.audio_rate)))
                            + _uint(0x9F, 1)  # Channels
                            + _uint(0x6264, 16),  # BitDepth
                        ),
                    )
                ),
            )
        return b"".join((ebml, _id(_SEGMENT), _UNKNOWN_SIZE, info, element(_TRACKS, tracks)))

    def milliseconds(self, timestamp: int) -> int:
        """A camera timestamp as milliseconds since `origin` (across the 32-bit wrap)."""
        return ((timestamp - self.origin) % WRAP) * 10

    def video(self, timestamp: int, jpeg: bytes) -> bytes:
        """A cluster holding one frame."""
        return self._cluster(VIDEO_TRACK, timestamp, jpeg)

    def audio(self, timestamp: int, pcm: bytes) -> bytes:
        """A cluster holding one packet of s16le PCM."""
        if self.audio_rate is None:
            raise ValueError("this stream has no audio track")
        return self._cluster(AUDIO_TRACK, timestamp, pcm)

    def _cluster(self, track: int, timestamp: int, data: bytes) -> bytes:
        # Block header: track number (vint), timestamp relative to the cluster's, flags (key).
        # Built around `data` in one join: a frame is copied once, not once per element.
        block = b"".join((_BLOCK_ID, _size(4 + len(data)), bytes((0x80 | track, 0, 0, 0x80))))
        time = _uint(_CLUSTER_TIMESTAMP, self.milliseconds(timestamp))
        size = _size(len(time) + len(block) + len(data))
        return b"".join((_CLUSTER_ID, size, time, block, data))
