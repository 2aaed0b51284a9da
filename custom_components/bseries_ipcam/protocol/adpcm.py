"""The camera's IMA ADPCM variant, exact to the bit.

Reconstruction is not the textbook shift-and-add: the camera computes the difference with integer
division, `step * (code & 7) // 4 + step // 8`, which drifts from audioop/ffmpeg by a little per
sample. Codes are 4 bits, high nibble first. State (sample, index) carries across packets and is
reset to (0, 0) when audio starts.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

STEP_TABLE: Final = (
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
    73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449,
    494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272,
    2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493,
    10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
)  # fmt: skip
INDEX_ADJUST: Final = (-1, -1, -1, -1, 2, 4, 6, 8)

_MAX_INDEX = len(STEP_TABLE) - 1

# Per (index, code): the signed difference and the next index. Precomputed so that decoding is
# a table lookup and a clamp per sample.
_DIFF: Final = tuple(
    tuple((-1 if code & 8 else 1) * ((step * (code & 7)) // 4 + step // 8) for code in range(16))
    for step in STEP_TABLE
)
_NEXT_INDEX: Final = tuple(
    tuple(min(_MAX_INDEX, max(0, index + INDEX_ADJUST[code & 7])) for code in range(16))
    for index in range(len(STEP_TABLE))
)


@dataclass(slots=True)
class AdpcmState:
    """Predictor state carried from one packet to the next."""

    sample: int = 0
    index: int = 0


class AdpcmDecoder:
    """Decodes a stream of packets; one instance per audio session."""

    def __init__(self) -> None:
        """Start from (0, 0), as the camera does when audio starts."""
        self.state = AdpcmState()

    def reset(self) -> None:
        """Back to (0, 0): call when audio (re)starts."""
        self.state = AdpcmState()

    def decode(self, data: bytes) -> list[int]:
        """Two samples per byte, high nibble first."""
        sample = self.state.sample
        index = self.state.index
        diff_table = _DIFF
        next_index = _NEXT_INDEX
        out: list[int] = []
        append = out.append
        for byte in data:
            for code in (byte >> 4, byte & 0x0F):
                sample += diff_table[index][code]
                if sample > 32767:
                    sample = 32767
                elif sample < -32768:
                    sample = -32768
                index = next_index[index][code]
                append(sample)
        self.state.sample = sample
        self.state.index = index
        return out

    def decode_to_pcm(self, data: bytes, byteorder: Literal["little", "big"] = "little") -> bytes:
        """Decode to signed 16-bit PCM bytes."""
        samples = self.decode(data)
        fmt = "<" if byteorder == "little" else ">"
        return struct.pack(f"{fmt}{len(samples)}h", *samples)


class AdpcmEncoder:
    """Encodes PCM for talk, mirroring the decoder; one instance per talk session."""

    def __init__(self) -> None:
        """Start from (0, 0)."""
        self.state = AdpcmState()
        self._pending: int | None = None  # a high nibble waiting for its low half

    def encode(self, samples: Sequence[int]) -> bytes:
        """Two samples per byte, high nibble first; an odd last sample waits for the next call."""
        sample = self.state.sample
        index = self.state.index
        pending = self._pending
        out = bytearray()
        for value in samples:
            delta = value - sample
            code = 0
            if delta < 0:
                code = 8
                delta = -delta
            code |= min(7, (4 * delta) // STEP_TABLE[index])
            sample += _DIFF[index][code]
            if sample > 32767:
                sample = 32767
            elif sample < -32768:
                sample = -32768
            index = _NEXT_INDEX[index][code]
            if pending is None:
                pending = code
            else:
                out.append((pending << 4) | code)
                pending = None
        self.state.sample = sample
        self.state.index = index
        self._pending = pending
        return bytes(out)

    def flush(self) -> bytes:
        """The byte holding a waiting odd sample, completed with a silent code (or nothing)."""
        if self._pending is None:
            return b""
        return self.encode([self.state.sample])
