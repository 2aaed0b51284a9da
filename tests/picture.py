"""Measure how a camera's view moved between two JPEGs, by matching their content.

The simulator's scene is textured noise; a move of the view shifts the content the other way.
`view_shift` tries every shift (on pictures halved in size, the text overlay at the top left
left out) and keeps the one that lines the two pictures up best. It returns the view's move in
picture terms: dx < 0 is a move to the left of the picture, dy < 0 a move up.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageStat

SCALE = 2


def _green(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as image:
        green = image.convert("RGB").getchannel("G")
        return green.resize((green.width // SCALE, green.height // SCALE), Image.Resampling.BOX)


def view_shift(before: bytes, after: bytes) -> tuple[int, int]:
    """How far the view moved from `before` to `after`, in picture pixels (dx, dy)."""
    first, second = _green(before), _green(after)
    assert first.size == second.size, "compare pictures of one size"
    width, height = first.size
    top = height // 4
    best, best_error = (0, 0), float("inf")
    for shift_y in range(-height // 3, height // 3 + 1):
        for shift_x in range(-width // 3, width // 3 + 1):
            # after[x, y] ~ before[x - shift_x, y - shift_y]: the content moved by the shift.
            left, right = max(0, shift_x), min(width, width + shift_x)
            upper, lower = max(top, shift_y + top), min(height, height + shift_y)
            if right - left < width // 3 or lower - upper < height // 4:
                continue
            region = second.crop((left, upper, right, lower))
            source = first.crop((left - shift_x, upper - shift_y, right - shift_x, lower - shift_y))
            error = ImageStat.Stat(ImageChops.difference(region, source)).mean[0]
            if error < best_error:
                best, best_error = (shift_x, shift_y), error
    return -best[0] * SCALE, -best[1] * SCALE


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
