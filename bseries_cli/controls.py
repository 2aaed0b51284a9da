"""The commands that steer a camera: `ptz` (pan/tilt, presets) and `settings` (image settings).

Both use the camera's control session and, when aiohttp is installed, its CGIs on the same
port, choosing per camera the path it honours (see `protocol.controls`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import TYPE_CHECKING, Any, Final

from custom_components.bseries_ipcam.protocol.controls import (
    FLIP_BIT,
    MIRROR_BIT,
    RESOLUTION_SIZES,
    CameraControls,
    CameraParam,
    Direction,
    ImageSettings,
    PowerMode,
    Resolution,
)

from .camera import PASSWORD_ENV, make_camera
from .output import CliError, ExitCode, info
from .upkeep import misc_lines

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from custom_components.bseries_ipcam.protocol import CameraClient
    from custom_components.bseries_ipcam.protocol.cgi import CgiClient

PTZ_ACTIONS: Final = ("up", "down", "left", "right", "center", "preset-go", "preset-set")
DEFAULT_SECONDS: Final = 0.5
RESOLUTIONS: Final = {"320x240": Resolution.QVGA, "640x480": Resolution.VGA}
MODES: Final = {"50hz": PowerMode.HZ_50, "60hz": PowerMode.HZ_60, "outdoor": PowerMode.OUTDOOR}
_ON_OFF: Final = ("on", "off")


def preset_number(text: str) -> int:
    """An argparse type: a preset, 1-16."""
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a preset (1-16)")
    return int(text)


def ranged(low: int, high: int) -> Any:
    """An argparse type: an integer from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not {low}-{high}")
        return value

    return parse


@contextlib.asynccontextmanager
async def connected_controls(args: argparse.Namespace) -> AsyncIterator[CameraControls]:
    """The camera of the command line, logged in, with its controls over both paths."""
    camera: CameraClient = make_camera(args)
    async with camera, contextlib.AsyncExitStack() as stack:
        cgi = await _cgi_client(args, stack)
        controls = CameraControls(camera.control, cgi)
        stack.callback(controls.close)
        await controls.read_settings()
        yield controls


async def _cgi_client(
    args: argparse.Namespace, stack: contextlib.AsyncExitStack
) -> CgiClient | None:
    try:
        import aiohttp  # noqa: PLC0415 - only these commands need it

        from custom_components.bseries_ipcam.protocol.cgi import CgiClient  # noqa: PLC0415
    except ImportError:  # pragma: no cover - aiohttp is installed with the project
        return None
    session = await stack.enter_async_context(aiohttp.ClientSession())
    host, port = args.target
    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV, "")
    return CgiClient(session, host, port, args.user, password, timeout=args.timeout)


async def run_ptz(args: argparse.Namespace) -> int:
    """Move, center, or go to / save a preset."""
    action: str = args.action
    if action.startswith("preset") and args.preset is None:
        raise CliError(f"{action} needs a preset number (1-16)")
    async with connected_controls(args) as controls:
        if action == "center":
            await controls.center()
        elif action == "preset-go":
            await controls.go_to_preset(args.preset)
        elif action == "preset-set":
            await controls.save_preset(args.preset)
        else:
            await controls.move(Direction(action), args.seconds)
    info(f"{action}{'' if args.preset is None else f' {args.preset}'}: done")
    return ExitCode.OK


async def run_settings(args: argparse.Namespace) -> int:
    """Change the given settings, then print them all."""
    async with connected_controls(args) as controls:
        settings = controls.settings
        assert settings is not None
        changes: list[tuple[CameraParam, int]] = []
        if args.brightness is not None:
            changes.append((CameraParam.BRIGHTNESS, args.brightness))
        if args.contrast is not None:
            changes.append((CameraParam.CONTRAST, args.contrast))
        if args.resolution is not None:
            changes.append((CameraParam.RESOLUTION, RESOLUTIONS[args.resolution]))
        if args.mode is not None:
            changes.append((CameraParam.MODE, MODES[args.mode]))
        flip = _bit(settings.flip_value, FLIP_BIT, args.flip)
        flip = _bit(flip, MIRROR_BIT, args.mirror)
        if flip != settings.flip_value:
            changes.append((CameraParam.FLIP, flip))
        for param, value in changes:
            settings = await controls.set_param(param, value)
        for line in describe_settings(settings):
            info(line)
        if controls.cgi is not None:
            for line in await misc_lines(controls.cgi, args.misc):
                info(line)
    return ExitCode.OK


def _bit(value: int, bit: int, switch: str | None) -> int:
    if switch is None:
        return value
    return value | bit if switch == "on" else value & ~bit


def describe_settings(settings: ImageSettings) -> list[str]:
    """The settings as `name: value` lines."""
    try:
        width, height = RESOLUTION_SIZES[Resolution(settings.resolution)]
        resolution = f"{width}x{height}"
    except ValueError:
        resolution = f"code {settings.resolution}"
    modes = {int(value): name for name, value in MODES.items()}
    return [
        f"resolution: {resolution}",
        f"brightness: {settings.brightness}",
        f"contrast: {settings.contrast}",
        f"mode: {modes.get(settings.mode, f'code {settings.mode}')}",
        f"flip: {'on' if settings.flip else 'off'}",
        f"mirror: {'on' if settings.mirror else 'off'}",
    ]


def add_ptz_arguments(parser: argparse.ArgumentParser) -> None:
    """`ptz`'s own arguments (after HOST[:PORT] and the login options)."""
    parser.add_argument("action", choices=PTZ_ACTIONS, help="the move, in picture terms")
    parser.add_argument(
        "preset", nargs="?", type=preset_number, help="the preset (1-16) for preset-go/-set"
    )
    parser.add_argument(
        "-s",
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        metavar="S",
        help=f"how long a move lasts before it stops (default: {DEFAULT_SECONDS:g})",
    )


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """`settings`' own arguments: each given one is changed."""
    parser.add_argument("--brightness", type=ranged(0, 255), metavar="N", help="0-255")
    parser.add_argument("--contrast", type=ranged(0, 6), metavar="N", help="0-6")
    parser.add_argument("--resolution", choices=list(RESOLUTIONS))
    parser.add_argument("--mode", choices=list(MODES), help="power-line frequency or outdoor")
    parser.add_argument("--flip", choices=_ON_OFF, help="upside down")
    parser.add_argument("--mirror", choices=_ON_OFF, help="left to right")
