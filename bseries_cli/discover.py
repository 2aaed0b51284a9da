"""`discover`: list the cameras that answer a UDP search (MO_I)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.const import DISCOVERY_PORT
from custom_components.bseries_ipcam.protocol.discovery import discover

from .camera import positive_float
from .output import info

if TYPE_CHECKING:
    from custom_components.bseries_ipcam.protocol.discovery import Target

# The limited broadcast: every camera on this machine's networks (a router does not pass it on).
BROADCAST: Final = "255.255.255.255"
DEFAULT_SECONDS: Final = 3.0


def parse_search_target(text: str) -> Target:
    """ADDR or ADDR:PORT (IPv4: discovery is IPv4 only); the port defaults to 10000."""
    host, sep, port_text = text.strip().partition(":")
    if not host:
        raise argparse.ArgumentTypeError(f"{text!r} has no address")
    if not sep:
        return host, DISCOVERY_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise argparse.ArgumentTypeError(f"{port_text!r} is not a port number (1-65535)")
    return host, int(port_text)


def add_discover_arguments(parser: argparse.ArgumentParser) -> None:
    """--target (repeatable), --seconds, --json."""
    parser.add_argument(
        "-t",
        "--target",
        action="append",
        type=parse_search_target,
        metavar="ADDR[:PORT]",
        help=(
            f"where to send the search (repeatable; default: the broadcast address {BROADCAST},"
            f" port {DISCOVERY_PORT}): a camera's own address, or another network's broadcast"
        ),
    )
    parser.add_argument(
        "-s",
        "--seconds",
        type=positive_float,
        default=DEFAULT_SECONDS,
        metavar="N",
        help=f"how long to wait for answers (default: {DEFAULT_SECONDS:g})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per camera")


async def run_discover(args: argparse.Namespace) -> int:
    """Search once, wait, print each camera that answered (one line each)."""
    targets: list[Target] = args.target or [(BROADCAST, DISCOVERY_PORT)]
    cameras = await discover(targets, args.seconds)
    for camera in sorted(cameras, key=lambda c: (c.host, c.port)):
        if args.json:
            info(
                json.dumps(
                    {
                        "camera_id": camera.camera_id,
                        "name": camera.name,
                        "host": camera.host,
                        "port": camera.port,
                        "system_firmware": camera.system_firmware,
                        "app_firmware": camera.app_firmware,
                        "dhcp": camera.dhcp,
                    }
                )
            )
        else:
            info(
                f"{camera.camera_id}  {camera.host}:{camera.port}  {camera.name!r}  "
                f"firmware {camera.system_firmware} / {camera.app_firmware}"
            )
    if not cameras:
        info(f"no camera answered within {args.seconds:g} s", to_stderr=True)
    return 0
