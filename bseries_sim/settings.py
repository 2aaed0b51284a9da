"""The simulated camera's image settings (resolution, brightness, contrast, mode, flip).

One object holds them for every path that reads or changes them: op 16/17 and op 19 on the
control session, `get_camera_params.cgi` / `camera_control.cgi` over HTTP, and the `/sim/...`
commands. A change calls every subscriber (each control session pushes op 18 from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

# camera_control.cgi's parameter numbers, which op 18 and op 19 share.
PARAM_RESOLUTION: Final = 0
PARAM_BRIGHTNESS: Final = 1
PARAM_CONTRAST: Final = 2
PARAM_MODE: Final = 3
PARAM_FLIP: Final = 5

RESOLUTION_QQVGA: Final = 2
RESOLUTION_QVGA: Final = 8
RESOLUTION_VGA: Final = 32
RESOLUTION_SIZES: Final = {
    RESOLUTION_QQVGA: (160, 120),
    RESOLUTION_QVGA: (320, 240),
    RESOLUTION_VGA: (640, 480),
}
FLIP_VERTICAL: Final = 1
FLIP_MIRROR: Final = 2

_NAMES: Final = {
    PARAM_RESOLUTION: "resolution",
    PARAM_BRIGHTNESS: "brightness",
    PARAM_CONTRAST: "contrast",
    PARAM_MODE: "mode",
    PARAM_FLIP: "flip",
}
_VALID: Final[dict[int, range | frozenset[int]]] = {
    PARAM_RESOLUTION: frozenset(RESOLUTION_SIZES),
    PARAM_BRIGHTNESS: range(256),
    PARAM_CONTRAST: range(7),
    PARAM_MODE: range(3),
    PARAM_FLIP: range(4),
}

type SettingHook = Callable[[int, int], None]


@dataclass(slots=True)
class ImageSettings:
    """The camera's image settings, by `camera_control.cgi` parameter number."""

    resolution: int = RESOLUTION_VGA
    brightness: int = 163
    contrast: int = 0
    mode: int = 2
    flip: int = 0
    # The byte at op 17 offset 4 and the two trailing bytes: meaning unknown, kept as seen.
    unknown: int = 2
    trailer: bytes = b"\x00\x00"
    subscribers: list[SettingHook] = field(default_factory=list)

    def get(self, param: int) -> int:
        """The value of a parameter; `ValueError` if the camera has no such parameter."""
        name = _NAMES.get(param)
        if name is None:
            raise ValueError(f"no camera parameter {param}")
        value: int = getattr(self, name)
        return value

    def set(self, param: int, value: int) -> bool:
        """Change a parameter and tell the subscribers; whether the value was valid."""
        name = _NAMES.get(param)
        if name is None or value not in _VALID[param]:
            return False
        setattr(self, name, value)
        _LOGGER.debug("Camera parameter %s set to %d", name, value)
        for hook in list(self.subscribers):
            hook(param, value)
        return True

    def as_vars(self) -> dict[str, int]:
        """The settings as `get_camera_params.cgi` names them."""
        return {
            "resolution": self.resolution,
            "brightness": self.brightness,
            "contrast": self.contrast,
            "mode": self.mode,
            "flip": self.flip,
            "fps": 0,
        }

    @property
    def size(self) -> tuple[int, int]:
        """The frame size the resolution stands for."""
        return RESOLUTION_SIZES[self.resolution]
