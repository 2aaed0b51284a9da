"""The benchmark's JPEG frames: real 640x480 JPEGs, each able to carry a unique stamp.

Frames are rendered once with Pillow (a textured scene with text and a moving bar, at a few
qualities so that sizes spread over ~40-65 KB, like a real VGA camera's). Each frame has a JPEG
comment (COM) segment right after its start-of-image marker, holding a magic and a 64-bit stamp:
the simulator writes a new stamp into every frame it sends, so that a viewer can tell exactly
which emission it received, whatever the integration in between did with the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import TYPE_CHECKING, Final

from bseries_sim.frames import render_frame

if TYPE_CHECKING:
    from collections.abc import Sequence

WIDTH: Final = 640
HEIGHT: Final = 480
FRAME_COUNT: Final = 24
QUALITIES: Final = (75, 80, 85, 90)

_SOI: Final = b"\xff\xd8"
_COM: Final = b"\xff\xfe"
STAMP_MAGIC: Final = b"BSBENCH:"
_STAMP: Final = struct.Struct(">Q")
# SOI, COM marker, 2-byte segment length, magic, then the stamp.
STAMP_OFFSET: Final = len(_SOI) + len(_COM) + 2 + len(STAMP_MAGIC)
_SEGMENT_LENGTH: Final = 2 + len(STAMP_MAGIC) + _STAMP.size


@dataclass(frozen=True, slots=True)
class StampableJpeg:
    """A JPEG split around its stamp: `head + stamp + tail` is a valid JPEG."""

    head: bytes
    tail: bytes

    def stamped(self, stamp: int) -> bytes:
        """The JPEG carrying `stamp`."""
        return self.head + _STAMP.pack(stamp) + self.tail

    def __len__(self) -> int:
        """Size of the JPEG in bytes."""
        return len(self.head) + _STAMP.size + len(self.tail)


def with_comment(jpeg: bytes) -> StampableJpeg:
    """Insert the stamp's COM segment right after the start-of-image marker."""
    if not jpeg.startswith(_SOI):
        raise ValueError("not a JPEG: no start-of-image marker")
    head = _SOI + _COM + struct.pack(">H", _SEGMENT_LENGTH) + STAMP_MAGIC
    return StampableJpeg(head, jpeg[len(_SOI) :])


def read_stamp(jpeg: bytes | bytearray | memoryview) -> int | None:
    """The stamp a frame carries, or None if it carries none."""
    if bytes(jpeg[STAMP_OFFSET - len(STAMP_MAGIC) : STAMP_OFFSET]) != STAMP_MAGIC:
        return None
    stamp: int = _STAMP.unpack_from(jpeg, STAMP_OFFSET)[0]
    return stamp


def render_frames(count: int = FRAME_COUNT) -> list[StampableJpeg]:
    """`count` distinct VGA frames (rendered once; Pillow's output is deterministic)."""
    return [
        with_comment(
            render_frame(
                WIDTH,
                HEIGHT,
                index,
                count,
                fps=15.0,
                label="bseries benchmark",
                quality=QUALITIES[index % len(QUALITIES)],
            )
        )
        for index in range(count)
    ]


def plain_frames(frames: Sequence[StampableJpeg]) -> list[bytes]:
    """The frames with stamp 0 (for `SimulatorConfig.frames`)."""
    return [frame.stamped(0) for frame in frames]
