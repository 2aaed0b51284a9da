"""The commands that look after a camera: `reboot`, `clock`, and `settings`' misc part.

They use the camera's CGIs only (no control session): `reboot.cgi`, `get_status.cgi` /
`set_datetime.cgi` and `get_misc.cgi` / `set_misc.cgi` (see `protocol.upkeep`).
"""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime, timedelta
import os
import time
from typing import TYPE_CHECKING

from custom_components.bseries_ipcam.protocol import CgiNotFoundError
from custom_components.bseries_ipcam.protocol.upkeep import (
    MISC_RANGES,
    camera_tz,
    in_range,
    parse_clock,
    parse_misc,
)

from .camera import PASSWORD_ENV
from .output import CliError, ExitCode, info

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from custom_components.bseries_ipcam.protocol.cgi import CgiClient


@contextlib.asynccontextmanager
async def cgi_client(args: argparse.Namespace) -> AsyncIterator[CgiClient]:
    """A CGI client for the camera of the command line (its own HTTP session)."""
    import aiohttp  # noqa: PLC0415 - only these commands need it

    from custom_components.bseries_ipcam.protocol.cgi import CgiClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        host, port = args.target
        password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV, "")
        yield CgiClient(session, host, port, args.user, password, timeout=args.timeout)


def misc_assignment(text: str) -> tuple[str, int]:
    """An argparse type: FIELD=VALUE with a get_misc.cgi field and a value in its range."""
    name, sep, value = text.partition("=")
    if not sep or name not in MISC_RANGES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not FIELD=VALUE with FIELD one of {', '.join(MISC_RANGES)}"
        )
    if not value.isdigit() or not in_range(name, int(value)):
        valid = MISC_RANGES[name]
        raise argparse.ArgumentTypeError(f"{name} takes {valid.start}-{valid.stop - 1}")
    return name, int(value)


async def misc_lines(cgi: CgiClient, changes: list[tuple[str, int]]) -> list[str]:
    """Apply `changes` (set_misc.cgi), then the misc settings as `name: value` lines."""
    try:
        if changes:
            await cgi.set_misc(**dict(changes))
        misc = parse_misc(await cgi.get_misc())
    except CgiNotFoundError:
        if changes:
            raise CliError("this camera has no misc settings (get_misc.cgi)") from None
        return ["misc settings: none (no get_misc.cgi)"]
    return [f"{name}: {value}" for name, value in misc.items()]


async def run_reboot(args: argparse.Namespace) -> int:
    """Restart the camera (reboot.cgi); it is away for about a minute."""
    async with cgi_client(args) as cgi:
        await cgi.reboot()
    info("rebooting: the camera drops every connection and is back in about a minute")
    return ExitCode.OK


def local_utc_offset() -> timedelta:
    """The offset from UTC of the local zone now (daylight saving included)."""
    return timedelta(seconds=time.localtime().tm_gmtoff)


async def run_clock(args: argparse.Namespace) -> int:
    """Show the camera's clock against this computer's; `--set` sets it from this computer."""
    async with cgi_client(args) as cgi:
        if args.set:
            await cgi.set_datetime(
                now=round(time.time()),
                tz=camera_tz(local_utc_offset()),
                ntp_enable=args.ntp,
                ntp_server=args.ntp_server,
                daylight_saving=False,
            )
        clock = parse_clock(await cgi.get_status(), time.time())
    if clock is None:
        raise CliError("the camera's get_status.cgi tells no time (now, tz)", ExitCode.FAILURE)
    shown = datetime.fromtimestamp(clock.now, UTC)
    info(f"camera time: {shown:%Y-%m-%d %H:%M:%S} UTC")
    info(f"time zone: {-clock.tz / 3600:+g} h (tz={clock.tz}, seconds west of UTC)")
    info(f"offset from this computer: {clock.offset:+.0f} s")
    return ExitCode.OK


def add_clock_arguments(parser: argparse.ArgumentParser) -> None:
    """`clock`'s own arguments."""
    parser.add_argument(
        "--set",
        action="store_true",
        help="set the camera's clock and time zone from this computer's",
    )
    parser.add_argument(
        "--ntp", action="store_true", help="with --set: turn the camera's NTP on (default: off)"
    )
    parser.add_argument(
        "--ntp-server", default="", metavar="HOST", help="with --set: the NTP server"
    )


def add_misc_arguments(parser: argparse.ArgumentParser) -> None:
    """`settings`' misc arguments (get_misc.cgi)."""
    parser.add_argument(
        "--misc",
        action="append",
        type=misc_assignment,
        default=[],
        metavar="FIELD=VALUE",
        help="change a misc setting (led_mode, ptz_patrol_rate, ...); may be repeated",
    )
