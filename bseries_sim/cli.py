"""Command line: run a simulated camera until interrupted, driven from stdin or HTTP."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path
import signal
import stat
import sys
from typing import TYPE_CHECKING, TextIO

from custom_components.bseries_ipcam.protocol.const import Privilege

from .commands import HELP
from .config import DEFAULT_HOST, DEFAULT_PASSWORD, DEFAULT_USER, SimulatorConfig, SimUser
from .personas import PERSONAS
from .server import CameraSimulator

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

_LOGGER = logging.getLogger(__name__)

QUIT_COMMANDS = frozenset({"quit", "exit"})


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The simulator's arguments, added to `parser` (e.g. a subcommand's) or to a new one."""
    if parser is None:
        parser = argparse.ArgumentParser(
            prog="python -m bseries_sim",
            description="Simulate a B-Series (Foscam MJPEG) IP camera on one local TCP port.",
            epilog=HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    defaults = SimulatorConfig()
    add = parser.add_argument
    add("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    add("--port", type=int, default=0, help="TCP port (default: any free port)")
    add("--user", default=DEFAULT_USER, help="user name (default %(default)s)")
    add("--password", default=DEFAULT_PASSWORD, help="the user's password")
    add(
        "--privilege",
        choices=[p.name.lower() for p in Privilege],
        default="administrator",
        help="the user's privilege (default %(default)s)",
    )
    add("--camera-id", default=defaults.camera_id, help="12 hex digits (default %(default)s)")
    add("--firmware", default=defaults.firmware, help="system firmware (default %(default)s)")
    add("--alias", default=defaults.alias, help="camera name (default %(default)s)")
    add("--upnp", action="store_true", help="UPnP port mapping on (reachable from the internet)")
    add("--ddns", action="store_true", help="DDNS on (published on the internet by name)")
    add("--width", type=int, default=defaults.width, help="frame width (default %(default)s)")
    add("--height", type=int, default=defaults.height, help="frame height (default %(default)s)")
    add("--fps", type=float, default=defaults.fps, help="frames per second (default %(default)s)")
    add(
        "--jpeg",
        type=Path,
        action="append",
        metavar="FILE",
        help="send these JPEG files in turn instead of drawn frames (repeatable)",
    )
    add(
        "--tone",
        type=float,
        default=defaults.tone_hz,
        help="audio tone in Hz (default %(default)s)",
    )
    add(
        "--microphone",
        action=argparse.BooleanOptionalAction,
        default=defaults.microphone,
        help="send the tone as audio; without, Audio_Start gets result 7 (default on)",
    )
    add(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help="control sessions allowed (default %(default)s)",
    )
    add(
        "--max-av-connections",
        type=int,
        default=defaults.max_av_connections,
        help="AV connections allowed (default %(default)s)",
    )
    add(
        "--keepalive",
        type=float,
        default=defaults.keepalive_interval,
        help="seconds between keepalives to idle clients (default %(default)s)",
    )
    add(
        "--control-http",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve /sim/alarm?type=motion, /sim/fault?name=drop, ... (default on)",
    )
    add(
        "--persona",
        choices=sorted(PERSONAS),
        default="foscam",
        help="firmware to play: foscam (the captures), clone, cgi-only, no-sound (default %(default)s)",
    )
    add(
        "--discovery-port",
        type=int,
        default=0,
        help="UDP port that answers MO_I searches (default: any free one; -1: none)",
    )
    add(
        "--restart-delay",
        type=float,
        default=defaults.restart_delay,
        help="seconds a reboot (reboot.cgi, the restart command) keeps it away (default %(default)s)",
    )
    add(
        "--ntp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="NTP keeps the clock right; without, it starts at 2000-01-01 (default: the persona's)",
    )
    add(
        "--misc",
        action=argparse.BooleanOptionalAction,
        default=defaults.misc_settings,
        help="the firmware has get_misc.cgi (LED, speeds, start-up position) (default on)",
    )
    add("-v", "--verbose", action="store_true", help="log at debug level")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The configuration the parsed arguments describe."""
    frames = [path.read_bytes() for path in args.jpeg] if args.jpeg else None
    persona = dict(PERSONAS[args.persona])
    defaults = SimulatorConfig()
    # The persona's own identity, unless the command line names another.
    identity = {
        name: persona.pop(name, value) if value == getattr(defaults, name) else value
        for name, value in (
            ("camera_id", args.camera_id.upper()),
            ("firmware", args.firmware),
            ("alias", args.alias),
        )
    }
    for name in identity:
        persona.pop(name, None)
    if args.ntp is not None:
        persona["ntp"] = args.ntp
    return SimulatorConfig(
        **persona,
        host=args.host,
        port=args.port,
        users={args.user: SimUser(args.password, Privilege[args.privilege.upper()])},
        **identity,
        width=args.width,
        height=args.height,
        fps=args.fps,
        frames=frames,
        tone_hz=args.tone,
        microphone=args.microphone,
        max_connections=args.max_connections,
        max_av_connections=args.max_av_connections,
        keepalive_interval=args.keepalive,
        control_endpoints=args.control_http,
        discovery_port=args.discovery_port if args.discovery_port >= 0 else None,
        restart_delay=args.restart_delay,
        misc_settings=args.misc,
        upnp=args.upnp,
        ddns=args.ddns,
    )


def banner(sim: CameraSimulator) -> str:
    """How to connect to a running simulator (passwords are not shown)."""
    config = sim.config
    users = ", ".join(
        f"{name} ({user.privilege.name.lower()})" for name, user in config.users.items()
    )
    user = next(iter(config.users), DEFAULT_USER)
    # Only the documented default password is shown; any other stays a placeholder.
    shown = config.users[user].password if user in config.users else ""
    password = DEFAULT_PASSWORD if shown == DEFAULT_PASSWORD else "<password>"
    lines = [
        (
            f"B-Series camera simulator {config.camera_id} ({config.alias}) listening on "
            f"{sim.host}:{sim.port}"
        ),
        f"  users: {users}",
        f"  probe: bseries-ipcam probe {sim.host}:{sim.port} --user {user} --password {password}",
        f"  MJPEG: {sim.url}/videostream.cgi?user={user}&pwd={password}",
    ]
    if sim.discovery_port is not None:
        lines.append(
            f"  discovery: bseries-ipcam discover --target {sim.host}:{sim.discovery_port}"
        )
    if config.control_endpoints:
        lines.append(f"  triggers: {sim.url}/sim/alarm?type=motion  {sim.url}/sim/fault?name=drop")
    lines.append("  type help for commands, quit or Ctrl+C to stop")
    return "\n".join(lines) + "\n"


def _readable_stream(stream: TextIO) -> bool:
    """Whether `stream` is a TTY or a pipe (something the event loop can watch)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except OSError, ValueError:
        return False
    # A character device counts only as a terminal: /dev/null cannot be watched by epoll.
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (stat.S_ISCHR(mode) and stream.isatty())


async def _read_commands(
    sim: CameraSimulator, stream: TextIO, out: TextIO, quit_event: asyncio.Event
) -> None:
    """Run each line of `stream` as a command until end of input or quit."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _protocol = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), stream
    )
    try:
        while line := await reader.readline():
            text = line.decode(errors="replace").strip()
            if not text:
                continue
            if text.lower() in QUIT_COMMANDS:
                quit_event.set()
                return
            try:
                message = sim.run_command(text)
            except ValueError as err:
                message = str(err)
            out.write(message + "\n")
            out.flush()
    finally:
        transport.close()


async def serve(
    config: SimulatorConfig,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
    on_started: Callable[[CameraSimulator], None] | None = None,
) -> None:
    """Run a simulator until SIGINT/SIGTERM, a `quit` line, or `stop` is set.

    Commands are read from `stdin` (default `sys.stdin`) when it is a TTY or a pipe.
    """
    out = out or sys.stdout
    stdin = stdin if stdin is not None else sys.stdin
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    reader_task: asyncio.Task[None] | None = None
    try:
        async with CameraSimulator(config) as sim:
            out.write(banner(sim))
            out.flush()
            if on_started is not None:
                on_started(sim)
            if _readable_stream(stdin):
                reader_task = asyncio.create_task(
                    _read_commands(sim, stdin, out, stop), name="bseries_sim stdin"
                )
            await stop.wait()
            if reader_task is not None:
                reader_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader_task
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    out.write("simulator stopped\n")
    out.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bseries_sim`."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
    except (ValueError, OSError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config))
    return 0
