"""Measure how a camera's view moved between two JPEGs, by matching their content.

The simulator's scene is textured noise; a move of the view shifts the content the other way.
`view_shift` finds the shift that lines the two pictures up best (column and row profiles of
the green channel, the text overlay at the top left left out) and returns the view's move in
picture terms: dx < 0 is a move to the left of the picture, dy < 0 a move up.
"""

from __future__ import annotations

import io

from PIL import Image

MAX_SHIFT = 80


def _profiles(jpeg: bytes) -> tuple[list[float], list[float], tuple[int, int]]:
    with Image.open(io.BytesIO(jpeg)) as image:
        green = image.convert("RGB").getchannel("G")
        width, height = green.size
        body = green.crop((0, height // 4, width, height))
        columns = body.resize((width, 1), Image.Resampling.BOX).tobytes()
        left = green.crop((width // 2, 0, width, height))
        rows = left.resize((1, height), Image.Resampling.BOX).tobytes()
    return [float(v) for v in columns], [float(v) for v in rows], (width, height)


def _best_shift(before: list[float], after: list[float]) -> int:
    """s such that after[i] ~ before[i - s] (content moved by +s)."""
    size = len(before)
    limit = min(MAX_SHIFT, size // 2)
    best, best_error = 0, float("inf")
    for shift in range(-limit, limit + 1):
        pairs = [
            (after[i], before[i - shift]) for i in range(max(0, shift), min(size, size + shift))
        ]
        error = sum(abs(a - b) for a, b in pairs) / len(pairs)
        if error < best_error:
            best, best_error = shift, error
    return best


def view_shift(before: bytes, after: bytes) -> tuple[int, int]:
    """How far the view moved from `before` to `after`, in picture pixels (dx, dy)."""
    columns_before, rows_before, size_before = _profiles(before)
    columns_after, rows_after, size_after = _profiles(after)
    assert size_before == size_after, "compare pictures of one size"
    return (
        -_best_shift(columns_before, columns_after),
        -_best_shift(rows_before, rows_after),
    )


def picture_size(jpeg: bytes) -> tuple[int, int]:
    """Width and height of a JPEG."""
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.size


def is_greyscale(jpeg: bytes) -> bool:
    """Whether the picture has (next to) no colour."""
    with Image.open(io.BytesIO(jpeg)) as image:
        red, _green, blue = image.convert("RGB").split()
        pairs = zip(red.tobytes(), blue.tobytes(), strict=True)
        return max(abs(r - b) for r, b in pairs) <= 8
