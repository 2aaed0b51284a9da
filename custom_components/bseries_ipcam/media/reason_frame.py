"""A picture that says why there is no live picture, for viewers of a live MJPEG stream.

A viewer of the live stream (the camera dialog, live cards, the restream's MJPEG) whose camera
refuses video, stalls or is offline would otherwise see a broken image or a frozen picture with no
sign. `ReasonFrames` draws the translated reason into a JPEG of the camera's resolution, which the
MJPEG writer sends in place of frames (once a second while it lasts, so a count of seconds moves),
and the camera's own frames take over again as soon as they come. Only live streams get it: a still
(`camera.snapshot`, card thumbnails) keeps failing with the error, never a made-up picture.

Pillow (a dependency of Home Assistant itself) draws; the drawing runs in a worker thread, and the
last picture is kept, so that any number of viewers cost one drawing per change of text.
"""

from __future__ import annotations

import asyncio
import io
from typing import Final

from PIL import Image, ImageDraw, ImageFont

DEFAULT_SIZE: Final = (640, 480)
BACKGROUND: Final = (40, 40, 48)
FOREGROUND: Final = (240, 240, 240)
JPEG_QUALITY: Final = 70
# In the JPEG's comment: tells a reason picture from a camera frame (the end-to-end tests look).
REASON_COMMENT: Final = b"bseries_ipcam reason"
_MARGIN_FRACTION: Final = 0.06


def render_reason(text: str, width: int, height: int) -> bytes:
    """A JPEG of `width` x `height` with `text` centred, wrapped to fit (blocking: a thread's)."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, height // 18))
    margin = round(width * _MARGIN_FRACTION)
    lines = _wrap(draw, text, font, width - 2 * margin)
    body = "\n".join(lines)
    left, top, right, bottom = draw.multiline_textbbox((0, 0), body, font=font, align="center")
    origin = ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top)
    draw.multiline_text(origin, body, fill=FOREGROUND, font=font, align="center")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, comment=REASON_COMMENT)
    return buffer.getvalue()


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    room: float,
) -> list[str]:
    """Words into lines no wider than `room` (a longer word stands alone)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and draw.textlength(candidate, font=font) > room:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


class ReasonFrames:
    """The reason picture of one camera, drawn once per text and size."""

    def __init__(self) -> None:
        """Nothing drawn yet."""
        self._key: tuple[str, int, int] | None = None
        self._jpeg = b""
        self._lock = asyncio.Lock()

    async def jpeg(self, text: str, size: tuple[int, int] | None) -> bytes:
        """The picture for `text` at `size` (the camera's resolution; VGA when unknown)."""
        width, height = size or DEFAULT_SIZE
        key = (text, width, height)
        async with self._lock:
            if key != self._key:
                self._jpeg = await asyncio.to_thread(render_reason, text, width, height)
                self._key = key
            return self._jpeg
