"""What the simulated camera sees and hears: JPEG frames and an ADPCM tone.

Frames are drawn with Pillow once per cycle position (lazily, cached across simulators with the
same settings) and reused: a cycle of `cycle_seconds` worth of frames, each carrying its counter
within the cycle and the cycle time, so that consecutive frames always differ while the CPU cost
stays near zero once the cycle has been drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
import io
import math
from typing import TYPE_CHECKING, Final

from PIL import Image, ImageDraw, ImageFont

from custom_components.bseries_ipcam.protocol.adpcm import AdpcmEncoder
from custom_components.bseries_ipcam.protocol.const import SAMPLE_RATE, SAMPLES_PER_PACKET

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

_SILENCE: Final = (0,) * SAMPLES_PER_PACKET
# Texture cell size in pixels: noise this coarse gives JPEGs of a real camera's size (tens of KB).
_TEXTURE_CELL = 12


@cache
def _background(width: int, height: int) -> Image.Image:
    """A textured gradient, so the JPEGs are about the size a real camera's are."""
    horizontal = Image.linear_gradient("L").rotate(90).resize((width, height))
    vertical = Image.linear_gradient("L").resize((width, height))
    cells = (max(1, width // _TEXTURE_CELL), max(1, height // _TEXTURE_CELL))
    noise = Image.effect_noise(cells, 50).resize((width, height), Image.Resampling.BICUBIC)
    return Image.merge("RGB", (horizontal, noise, vertical))


@lru_cache(maxsize=512)
def render_frame(
    width: int, height: int, index: int, count: int, *, fps: float, label: str, quality: int
) -> bytes:
    """Frame `index` of a cycle of `count`: label, counter, cycle time and a moving bar."""
    image = _background(width, height).copy()
    draw = ImageDraw.Draw(image)
    size = max(8, height // 14)
    font = ImageFont.load_default(size=size)
    seconds = index / fps
    lines = (label, f"frame {index + 1:04d}/{count:04d}", f"t+{seconds:05.2f}s")
    for row, text in enumerate(lines):
        draw.text(
            (size // 2, size // 2 + row * size * 5 // 4),
            text,
            font=font,
            fill=(255, 255, 255),
            stroke_width=max(1, size // 16),
            stroke_fill=(0, 0, 0),
        )
    bar = max(4, width // 16)
    left = (width - bar) * index // max(1, count - 1)
    draw.rectangle((left, height - 2 * bar, left + bar, height - bar), fill=(255, 220, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class FrameView:
    """What the camera's settings make of a frame: where it looks and how the picture is set.

    `x`, `y`: the viewport's top left corner in a scene twice the frame's width and height;
    `size`: the JPEG's size (smaller than the frame at a lower resolution); `flip` bit 0 turns
    the picture upside down, bit 1 mirrors it; `grey`: IR on (night picture); `brightness`
    0-255 (128 leaves the picture as drawn).
    """

    x: int
    y: int
    size: tuple[int, int]
    flip: int = 0
    grey: bool = False
    brightness: int = 128


_NEUTRAL_BRIGHTNESS = 128


@lru_cache(maxsize=512)
def render_view(
    width: int,
    height: int,
    index: int,
    count: int,
    view: FrameView,
    *,
    fps: float,
    label: str,
    quality: int,
) -> bytes:
    """Frame `index` of a cycle as the camera's `view` shows it (the text is not flipped)."""
    scene = _background(2 * width, 2 * height)
    image = scene.crop((view.x, view.y, view.x + width, view.y + height))
    if view.size != (width, height):
        image = image.resize(view.size, Image.Resampling.BILINEAR)
    if view.flip & 1:
        image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if view.flip & 2:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if view.brightness != _NEUTRAL_BRIGHTNESS:
        offset = view.brightness - _NEUTRAL_BRIGHTNESS
        image = image.point(lambda value: min(255, max(0, value + offset)))
    if view.grey:
        image = image.convert("L").convert("RGB")
    out_height = view.size[1]
    draw = ImageDraw.Draw(image)
    size = max(8, out_height // 14)
    font = ImageFont.load_default(size=size)
    draw.text(
        (size // 2, size // 2),
        f"{label} {index + 1:04d}/{count:04d}",
        font=font,
        fill=(255, 255, 255),
        stroke_width=max(1, size // 16),
        stroke_fill=(0, 0, 0),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


class JpegSource:
    """A cycle of JPEG frames: drawn on first use, or fixed bytes given by the caller."""

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        fps: float = 15.0,
        *,
        label: str = "",
        frames: Sequence[bytes] | None = None,
        cycle_seconds: float = 2.0,
        quality: int = 75,
    ) -> None:
        """Draw `cycle_seconds * fps` frames of `width` x `height`, unless `frames` is given."""
        self.width = width
        self.height = height
        self.fps = fps
        self.label = label
        self.quality = quality
        self._fixed = tuple(frames) if frames is not None else None
        self._count = len(self._fixed) if self._fixed else max(2, round(cycle_seconds * fps))

    def __len__(self) -> int:
        """Frames in one cycle."""
        return self._count

    @property
    def fixed(self) -> bool:
        """Whether the frames were given rather than drawn."""
        return self._fixed is not None

    def frame(self, counter: int, view: FrameView | None = None) -> bytes:
        """The JPEG for a frame counter (taken modulo the cycle), as `view` shows it if given."""
        index = counter % self._count
        if self._fixed is not None:
            return self._fixed[index]
        if view is not None:
            return render_view(
                self.width,
                self.height,
                index,
                self._count,
                view,
                fps=self.fps,
                label=self.label,
                quality=self.quality,
            )
        return render_frame(
            self.width,
            self.height,
            index,
            self._count,
            fps=self.fps,
            label=self.label,
            quality=self.quality,
        )


class ToneSource:
    """A sine tone as the camera's ADPCM packets (320 samples = 160 bytes = 40 ms each)."""

    def __init__(self, frequency: float = 440.0, amplitude: int = 8000) -> None:
        """A tone of `frequency` Hz and peak `amplitude` (16-bit scale)."""
        self.frequency = frequency
        self.amplitude = amplitude

    def pcm(self, packet: int) -> list[int]:
        """The 16-bit samples of packet number `packet` (phase continuous across packets)."""
        step = 2 * math.pi * self.frequency / SAMPLE_RATE
        first = packet * SAMPLES_PER_PACKET
        amplitude = self.amplitude
        return [round(amplitude * math.sin(step * (first + n))) for n in range(SAMPLES_PER_PACKET)]

    def packets(self, silent: Callable[[], bool] | None = None) -> Iterator[bytes]:
        """Endless ADPCM packets from a fresh encoder: state (0, 0), as at every audio start.

        A packet for which `silent()` is true is silence instead of the tone (a marker).
        """
        encoder = AdpcmEncoder()
        packet = 0
        while True:
            quiet = silent is not None and silent()
            yield encoder.encode(_SILENCE if quiet else self.pcm(packet))
            packet += 1
