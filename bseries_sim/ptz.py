"""The simulated pan/tilt head: a viewport over a larger drawn scene, presets, patrol and IR.

The scene is twice the frame's width and height; the viewport (the frame) starts in its center
and moves at `SPEED` of the frame size per second until stopped or at a limit. As on FI89xx
firmware, code 4 (documented "left") turns the view right and 6 turns it left; moves work in the
camera's own frame of reference and do not follow flip/mirror (the picture is flipped after the
viewport is cut out). Positions are computed from the clock, so nothing runs between frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
import time
from typing import Final

_LOGGER = logging.getLogger(__name__)

# Fractions of the frame size: speed per second, and one step (`onestep=1`).
SPEED: Final = 0.5
ONE_STEP: Final = 0.125
PATROL_SPEED: Final = 0.5

# Camera directions of the codes (scene x to the right, y down), FI89xx reversal included.
_MOVES: Final[dict[int, tuple[int, int]]] = {
    0: (0, -1),
    2: (0, 1),
    4: (1, 0),
    6: (-1, 0),
    90: (1, -1),
    91: (-1, -1),
    92: (1, 1),
    93: (-1, 1),
}
_STOPS: Final = frozenset({1, 3, 5, 7})
CENTER: Final = 25
VERTICAL_PATROL: Final = 26
VERTICAL_PATROL_STOP: Final = 27
HORIZONTAL_PATROL: Final = 28
HORIZONTAL_PATROL_STOP: Final = 29
PRESET_FIRST: Final = 30
PRESET_LAST: Final = 61
IR_OFF: Final = 94
IR_ON: Final = 95


def _clamp(value: float, high: float) -> float:
    return min(max(value, 0.0), high)


def _bounce(start: float, distance: float, high: float) -> float:
    """Where a patrol that started at `start` is after `distance`, going back and forth."""
    if high <= 0:
        return 0.0
    position = (start + distance) % (2 * high)
    return position if position <= high else 2 * high - position


@dataclass(slots=True)
class PanTilt:
    """The head of a camera whose frames are `width` x `height`."""

    width: int
    height: int
    x: float = 0.0
    y: float = 0.0
    velocity: tuple[int, int] = (0, 0)
    since: float = 0.0
    horizontal_patrol: bool = False
    vertical_patrol: bool = False
    ir: bool = False
    presets: dict[int, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Start in the center."""
        self.x, self.y = self.center

    @property
    def center(self) -> tuple[float, float]:
        """The center position (the viewport's top left corner in the scene)."""
        return self.width / 2, self.height / 2

    @property
    def limits(self) -> tuple[float, float]:
        """The largest x and y."""
        return float(self.width), float(self.height)

    def position(self, now: float | None = None) -> tuple[int, int]:
        """The viewport's top left corner in the scene now."""
        x, y = self._at(time.monotonic() if now is None else now)
        return round(x), round(y)

    def _at(self, now: float) -> tuple[float, float]:
        elapsed = max(0.0, now - self.since)
        high_x, high_y = self.limits
        dx, dy = self.velocity
        x = _clamp(self.x + dx * SPEED * self.width * elapsed, high_x)
        y = _clamp(self.y + dy * SPEED * self.height * elapsed, high_y)
        if self.horizontal_patrol:
            x = _bounce(self.x, PATROL_SPEED * self.width * elapsed, high_x)
        if self.vertical_patrol:
            y = _bounce(self.y, PATROL_SPEED * self.height * elapsed, high_y)
        return x, y

    def _settle(self, now: float) -> None:
        """Fix the position reached so far as the new starting point."""
        self.x, self.y = self._at(now)
        self.since = now

    def command(self, code: int, *, onestep: bool = False, now: float | None = None) -> bool:
        """Carry out a decoder command; whether this head knows it."""
        now = time.monotonic() if now is None else now
        self._settle(now)
        if code in _MOVES:
            dx, dy = _MOVES[code]
            if onestep:
                high_x, high_y = self.limits
                self.x = _clamp(self.x + dx * ONE_STEP * self.width, high_x)
                self.y = _clamp(self.y + dy * ONE_STEP * self.height, high_y)
                self.velocity = (0, 0)
            else:
                self.velocity = (dx, dy)
            self.horizontal_patrol = self.vertical_patrol = False
        elif code in _STOPS:
            self.velocity = (0, 0)
        elif code == CENTER:
            self.velocity = (0, 0)
            self.horizontal_patrol = self.vertical_patrol = False
            self.x, self.y = self.center
        elif code in (HORIZONTAL_PATROL, HORIZONTAL_PATROL_STOP):
            self.velocity = (0, 0)
            self.horizontal_patrol = code == HORIZONTAL_PATROL
        elif code in (VERTICAL_PATROL, VERTICAL_PATROL_STOP):
            self.velocity = (0, 0)
            self.vertical_patrol = code == VERTICAL_PATROL
        elif PRESET_FIRST <= code <= PRESET_LAST:
            self._preset(code)
        elif code in (IR_OFF, IR_ON):
            self.ir = code == IR_ON
        else:
            return False
        return True

    def _preset(self, code: int) -> None:
        preset = (code - PRESET_FIRST) // 2 + 1
        if (code - PRESET_FIRST) % 2 == 0:
            self.presets[preset] = (self.x, self.y)
            _LOGGER.debug("Preset %d saved at %.0f,%.0f", preset, self.x, self.y)
        elif preset in self.presets:
            self.velocity = (0, 0)
            self.horizontal_patrol = self.vertical_patrol = False
            self.x, self.y = self.presets[preset]
