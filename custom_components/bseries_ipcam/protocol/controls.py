"""Camera controls: pan/tilt, presets, patrol, IR (decoder control) and the image settings.

Two paths reach the same functions: the control session (op 14 Decoder_Control, op 16/17 image
parameters, op 19 set, op 18 pushed changes, op 0x0101 alias) and the CGIs on the same port
(`decoder_control.cgi`, `get_camera_params.cgi`, `camera_control.cgi`, `get_params.cgi`).
Cameras differ in which they honour, so `CameraControls` chooses per camera, at run time, from
what the camera shows, and keeps the choice for the session:

- a setting goes over op 19 first; it counts when op 18 echoes it or a re-read (op 16) shows it.
  Otherwise it goes over `camera_control.cgi` and is re-read; from then on this session uses the
  CGI for settings.
- decoder commands (moves, presets, patrol, IR) have no answer over op 14, so the one path that
  confirms them is preferred: `decoder_control.cgi` (its body is `ok.`). Only a camera without
  that CGI (404), or a client without an HTTP session, gets op 14.

Directions are in picture terms: on FI89xx firmware code 4 (documented "left") turns the view to
the right and 6 to the left, and moves do not follow flip/mirror; `move_command` corrects both.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
import logging
from typing import TYPE_CHECKING, Final

from .exceptions import BSeriesError, CameraResponseError, CgiNotFoundError
from .listeners import Listeners
from .messages import CameraAlias, Command, DecoderControl, ParamChanged, ParamSet, ParamsResp

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .cgi import CgiClient
    from .control import ControlSession

_LOGGER = logging.getLogger(__name__)

# How long an op 19 change waits for its op 18 echo before it is re-read.
ECHO_TIMEOUT: Final = 1.0
PRESETS: Final = range(1, 17)


class DecoderCommand(IntEnum):
    """`decoder_control.cgi` / op 14 command codes (names as the vendor document has them)."""

    UP = 0
    UP_STOP = 1  # also stops any move
    DOWN = 2
    DOWN_STOP = 3
    LEFT = 4  # on FI89xx: the view turns right
    LEFT_STOP = 5
    RIGHT = 6  # on FI89xx: the view turns left
    RIGHT_STOP = 7
    CENTER = 25
    VERTICAL_PATROL = 26
    VERTICAL_PATROL_STOP = 27
    HORIZONTAL_PATROL = 28
    HORIZONTAL_PATROL_STOP = 29
    PRESET_SET_1 = 30
    PRESET_GO_1 = 31
    LEFT_UP = 90
    RIGHT_UP = 91
    LEFT_DOWN = 92
    RIGHT_DOWN = 93
    IR_OFF = 94
    IR_ON = 95


class Direction(StrEnum):
    """A move in picture terms."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    UP_LEFT = "up_left"
    UP_RIGHT = "up_right"
    DOWN_LEFT = "down_left"
    DOWN_RIGHT = "down_right"


# A direction as (dx, dy) in the picture: x to the right, y downwards.
_VECTORS: Final[dict[Direction, tuple[int, int]]] = {
    Direction.UP: (0, -1),
    Direction.DOWN: (0, 1),
    Direction.LEFT: (-1, 0),
    Direction.RIGHT: (1, 0),
    Direction.UP_LEFT: (-1, -1),
    Direction.UP_RIGHT: (1, -1),
    Direction.DOWN_LEFT: (-1, 1),
    Direction.DOWN_RIGHT: (1, 1),
}
# The code that turns the view of an unflipped FI89xx that way (x reversed against the document).
_COMMANDS: Final[dict[tuple[int, int], DecoderCommand]] = {
    (0, -1): DecoderCommand.UP,
    (0, 1): DecoderCommand.DOWN,
    (1, 0): DecoderCommand.LEFT,
    (-1, 0): DecoderCommand.RIGHT,
    (1, -1): DecoderCommand.LEFT_UP,
    (-1, -1): DecoderCommand.RIGHT_UP,
    (1, 1): DecoderCommand.LEFT_DOWN,
    (-1, 1): DecoderCommand.RIGHT_DOWN,
}
_STOPS: Final = {
    DecoderCommand.UP: DecoderCommand.UP_STOP,
    DecoderCommand.DOWN: DecoderCommand.DOWN_STOP,
    DecoderCommand.LEFT: DecoderCommand.LEFT_STOP,
    DecoderCommand.RIGHT: DecoderCommand.RIGHT_STOP,
}


def move_command(direction: Direction, *, flip: bool = False, mirror: bool = False) -> int:
    """The code that moves the picture's view in `direction` on this camera's settings."""
    dx, dy = _VECTORS[direction]
    return _COMMANDS[(-dx if mirror else dx, -dy if flip else dy)]


def stop_command(command: int) -> int:
    """The stop code for a move code (1 stops diagonals and anything else)."""
    return _STOPS.get(DecoderCommand(command), DecoderCommand.UP_STOP)


def preset_command(preset: int, *, save: bool) -> int:
    """The code that saves (30 + 2(n-1)) or goes to (31 + 2(n-1)) preset n, 1-16."""
    if preset not in PRESETS:
        raise ValueError(f"preset {preset} is not 1-16")
    first = DecoderCommand.PRESET_SET_1 if save else DecoderCommand.PRESET_GO_1
    return first + 2 * (preset - 1)


class CameraParam(IntEnum):
    """Image parameter numbers of `camera_control.cgi`, op 18 and op 19."""

    RESOLUTION = 0
    BRIGHTNESS = 1
    CONTRAST = 2
    MODE = 3
    FLIP = 5


class Resolution(IntEnum):
    """Resolution codes."""

    QQVGA = 2  # 160x120, some firmware
    QVGA = 8  # 320x240
    VGA = 32  # 640x480


class PowerMode(IntEnum):
    """The `mode` parameter: power-line frequency, or outdoor."""

    HZ_50 = 0
    HZ_60 = 1
    OUTDOOR = 2


FLIP_BIT: Final = 1
MIRROR_BIT: Final = 2
RESOLUTION_SIZES: Final = {
    Resolution.QQVGA: (160, 120),
    Resolution.QVGA: (320, 240),
    Resolution.VGA: (640, 480),
}


@dataclass(frozen=True, slots=True)
class ImageSettings:
    """The camera's image settings; `unknown` and `extra` are op 17's bytes of unknown meaning."""

    resolution: int
    brightness: int
    contrast: int
    mode: int
    flip_value: int
    unknown: int | None = None
    extra: bytes = b""

    @classmethod
    def from_params(cls, params: ParamsResp) -> ImageSettings:
        """From op 17."""
        return cls(
            params.resolution,
            params.brightness,
            params.contrast,
            params.mode,
            params.flip,
            params.unknown,
            params.extra,
        )

    @classmethod
    def from_vars(cls, values: Mapping[str, str]) -> ImageSettings:
        """From `get_camera_params.cgi`; `ValueError` when a field is missing or not a number."""
        try:
            return cls(
                int(values["resolution"]),
                int(values["brightness"]),
                int(values["contrast"]),
                int(values["mode"]),
                int(values["flip"]),
            )
        except (KeyError, ValueError) as err:
            raise ValueError(f"get_camera_params.cgi lacks a field or number: {err}") from None

    @property
    def flip(self) -> bool:
        """Whether the picture is flipped upside down."""
        return bool(self.flip_value & FLIP_BIT)

    @property
    def mirror(self) -> bool:
        """Whether the picture is mirrored left to right."""
        return bool(self.flip_value & MIRROR_BIT)

    def get(self, param: CameraParam) -> int:
        """A parameter's value by number."""
        return {
            CameraParam.RESOLUTION: self.resolution,
            CameraParam.BRIGHTNESS: self.brightness,
            CameraParam.CONTRAST: self.contrast,
            CameraParam.MODE: self.mode,
            CameraParam.FLIP: self.flip_value,
        }[param]

    def with_param(self, param: int, value: int) -> ImageSettings:
        """A copy with one parameter changed (unknown numbers change nothing)."""
        try:
            known = CameraParam(param)
        except ValueError:
            return self
        values = {p: self.get(p) for p in CameraParam}
        values[known] = value
        return ImageSettings(
            values[CameraParam.RESOLUTION],
            values[CameraParam.BRIGHTNESS],
            values[CameraParam.CONTRAST],
            values[CameraParam.MODE],
            values[CameraParam.FLIP],
            self.unknown,
            self.extra,
        )


class Path(StrEnum):
    """Which way a kind of request reaches the camera."""

    UNKNOWN = "unknown"
    BINARY = "binary"
    CGI = "cgi"


type SettingsListener = Callable[[ImageSettings], None]
type AliasListener = Callable[[str], None]


class CameraControls:
    """Decoder control and image settings of one session, over the path the camera honours.

    `cgi` is optional: without it every request uses the control session. Listen with
    `add_listener` for settings (read, set, or pushed by op 18 when any client changes them)
    and `add_alias_listener` for op 0x0101's alias.
    """

    def __init__(
        self,
        control: ControlSession,
        cgi: CgiClient | None = None,
        *,
        echo_timeout: float = ECHO_TIMEOUT,
    ) -> None:
        """Watch `control` for op 18 and op 0x0101; nothing is sent yet."""
        self._control = control
        self._cgi = cgi
        self._echo_timeout = echo_timeout
        self.settings: ImageSettings | None = None
        self.alias: str | None = None
        self.settings_path = Path.UNKNOWN if cgi is not None else Path.BINARY
        self.decoder_path = Path.CGI if cgi is not None else Path.BINARY
        self._listeners: Listeners[[ImageSettings]] = Listeners(_LOGGER)
        self._alias_listeners: Listeners[[str]] = Listeners(_LOGGER)
        self._echo: asyncio.Future[None] | None = None
        self._echo_expected: tuple[int, int] | None = None
        self._lock = asyncio.Lock()
        self._unsub = control.add_listener(self._on_command)

    @property
    def cgi(self) -> CgiClient | None:
        """The CGI client, if there is one."""
        return self._cgi

    def close(self) -> None:
        """Stop watching the session."""
        self._unsub()

    def add_listener(self, listener: SettingsListener) -> Callable[[], None]:
        """Call `listener` with the settings each time they are known anew; returns remove."""
        return self._listeners.add(listener)

    def add_alias_listener(self, listener: AliasListener) -> Callable[[], None]:
        """Call `listener` with the alias op 0x0101 carries; returns remove."""
        return self._alias_listeners.add(listener)

    # --- image settings -----------------------------------------------------------------------

    async def read_settings(self) -> ImageSettings:
        """Read the settings (op 16 -> 17; `get_camera_params.cgi` once the CGI is the path)."""
        if self.settings_path is Path.CGI and self._cgi is not None:
            try:
                settings = ImageSettings.from_vars(await self._cgi.get_camera_params())
            except ValueError as err:
                raise CameraResponseError(-1, str(err)) from None
            if self.settings is not None:
                # The CGI reply has no unknown bytes: keep those op 17 gave.
                settings = replace(
                    settings, unknown=self.settings.unknown, extra=self.settings.extra
                )
        else:
            settings = ImageSettings.from_params(await self._control.fetch_params())
        self._set_settings(settings)
        return settings

    async def set_param(self, param: CameraParam, value: int) -> ImageSettings:
        """Change one setting over the path this camera honours; the settings after it."""
        async with self._lock:
            if self.settings_path is not Path.CGI:
                if await self._set_binary(param, value):
                    if self.settings_path is Path.UNKNOWN:
                        _LOGGER.debug("%s takes settings over op 19", self._control.host)
                        self.settings_path = Path.BINARY
                    assert self.settings is not None
                    return self.settings
                if self._cgi is None:
                    raise CameraResponseError(-1, f"the camera ignored setting {param.name}")
                _LOGGER.debug(
                    "%s ignored op 19; settings go over camera_control.cgi", self._control.host
                )
                self.settings_path = Path.CGI
            assert self._cgi is not None
            await self._cgi.camera_control(param, value)
            return await self.read_settings()

    async def _set_binary(self, param: CameraParam, value: int) -> bool:
        """Op 19, then the op 18 echo or a re-read: whether the camera took the value."""
        loop = asyncio.get_running_loop()
        self._echo = loop.create_future()
        self._echo_expected = (int(param), value)
        try:
            await self._control.send(ParamSet(int(param), value))
            async with asyncio.timeout(self._echo_timeout):
                await self._echo
        except TimeoutError:
            settings = await self.read_settings()
            return settings.get(param) == value
        finally:
            self._echo = None
            self._echo_expected = None
        return True

    def _set_settings(self, settings: ImageSettings) -> None:
        self.settings = settings
        self._listeners(settings)

    def _on_command(self, command: Command) -> None:
        if isinstance(command, ParamChanged):
            if self.settings is not None:
                self._set_settings(self.settings.with_param(command.param, command.value))
            echo = self._echo
            if (
                echo is not None
                and not echo.done()
                and self._echo_expected == (command.param, command.value)
            ):
                echo.set_result(None)
        elif isinstance(command, CameraAlias):
            alias = command.alias
            if alias is not None and alias != self.alias:
                self.alias = alias
                self._alias_listeners(alias)

    # --- decoder control ----------------------------------------------------------------------

    async def decoder(self, command: int, *, onestep: bool = False) -> None:
        """Send a decoder control code over the path this camera honours."""
        if self.decoder_path is Path.CGI and self._cgi is not None:
            try:
                await self._cgi.decoder_control(command, onestep=onestep)
            except CgiNotFoundError:
                _LOGGER.debug("%s has no decoder_control.cgi; using op 14", self._control.host)
                self.decoder_path = Path.BINARY
            else:
                return
        await self._control.send(DecoderControl(command))

    async def move(
        self, direction: Direction, seconds: float | None = None, *, onestep: bool = False
    ) -> None:
        """Move the view in picture terms; stop after `seconds` when given."""
        settings = self.settings
        code = move_command(
            direction,
            flip=settings.flip if settings else False,
            mirror=settings.mirror if settings else False,
        )
        await self.decoder(code, onestep=onestep)
        if seconds is not None:
            await asyncio.sleep(seconds)
            await self.decoder(stop_command(code))

    async def stop(self) -> None:
        """Stop any move."""
        await self.decoder(DecoderCommand.UP_STOP)

    async def center(self) -> None:
        """Go to the center position."""
        await self.decoder(DecoderCommand.CENTER)

    async def go_to_preset(self, preset: int) -> None:
        """Go to preset 1-16."""
        await self.decoder(preset_command(preset, save=False))

    async def save_preset(self, preset: int) -> None:
        """Save the current position as preset 1-16."""
        await self.decoder(preset_command(preset, save=True))

    async def patrol(self, *, horizontal: bool, vertical: bool) -> None:
        """Start or stop the horizontal and vertical patrol."""
        await self.decoder(
            DecoderCommand.HORIZONTAL_PATROL
            if horizontal
            else DecoderCommand.HORIZONTAL_PATROL_STOP
        )
        await self.decoder(
            DecoderCommand.VERTICAL_PATROL if vertical else DecoderCommand.VERTICAL_PATROL_STOP
        )

    async def set_ir(self, on: bool) -> None:
        """IR on (auto) or off; the camera reports no IR state."""
        await self.decoder(DecoderCommand.IR_ON if on else DecoderCommand.IR_OFF)


async def read_alias(controls: CameraControls, cgi: CgiClient | None) -> str | None:
    """The camera's alias: op 0x0101 (sent by clones before op 17), else `get_params.cgi`."""
    if controls.alias is None:
        try:
            await controls.read_settings()
        except BSeriesError as err:
            _LOGGER.debug("Reading the settings for the alias failed: %s", err)
    if controls.alias is not None or cgi is None:
        return controls.alias
    try:
        alias = (await cgi.get_params(["alias"])).get("alias", "").strip()
    except BSeriesError as err:
        _LOGGER.debug("get_params.cgi gave no alias: %s", err)
        return None
    return alias or None
