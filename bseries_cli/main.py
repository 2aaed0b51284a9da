"""The `bseries-ipcam` command: argument parsing, dispatch, and errors to exit codes."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine, Sequence
import contextlib
import logging
import os
import sys
from typing import Any

from custom_components.bseries_ipcam.protocol import BSeriesError

from . import camera, controls, decode, discover, simulate, upkeep
from .output import PROG, CliError, ExitCode, describe_error, error

type Result = int | Coroutine[Any, Any, int]
type Handler = Callable[[argparse.Namespace], Result]

_EXIT_CODES = """\
exit codes:
  0    success
  1    local failure (an output file cannot be written, an unexpected error)
  2    bad command line or input: arguments, a user name or password the camera cannot take
       (at most 12 ASCII characters), unreadable or malformed files
  3    authentication failed: unknown user or wrong password (the message says which)
  4    the camera has too many connections (or someone else is talking)
  5    insufficient privilege
  6    the camera did not answer in time
  7    connection refused, or the host cannot be reached
  8    protocol error (the camera broke the protocol or rejected its version)
  9    the camera closed the connection
  10   the camera refused the request for another reason (e.g. not supported)
  130  interrupted
"""

_DECODE_HELP = """\
Prints one JSON object per command, one per line, with its file, byte offset, magic, opcode and
command name, then its decoded fields. Credentials (the password of verify_req and init_req, the
peer camera list) print as "***"; bytes print as their length. Unknown opcodes print as command
"unknown" with their text_length.

Malformed input: the commands before the problem are printed first, then one line on stderr names
the file and the byte offset of the problem; the remaining files are still decoded, and the exit
code is 2.
"""


def _add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    help_text: str,
    description: str | None = None,
    *,
    add_help: bool = True,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        add_help=add_help,
        help=help_text,
        description=description or help_text,
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Work with B-Series (Foscam MJPEG) IP cameras from the command line.",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log the protocol's debug messages on stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    probe = _add_command(
        commands,
        "probe",
        camera.run_probe,
        "log in and show the camera's id, MAC address, firmware and your privilege",
    )
    camera.add_camera_arguments(probe)
    probe.add_argument("--json", action="store_true", help="print one JSON object instead")

    snapshot = _add_command(
        commands, "snapshot", camera.run_snapshot, "save one video frame as a JPEG file"
    )
    camera.add_camera_arguments(snapshot)
    snapshot.add_argument(
        "-o", "--output", required=True, metavar="FILE.jpg", help='where to save it ("-": stdout)'
    )

    listen = _add_command(
        commands,
        "listen",
        camera.run_listen,
        "record the camera's microphone to a WAV file (8 kHz, mono, 16-bit)",
    )
    camera.add_camera_arguments(listen)
    listen.add_argument(
        "-s",
        "--seconds",
        type=camera.positive_float,
        default=5.0,
        metavar="N",
        help="how long to record (default: 5)",
    )
    listen.add_argument(
        "-o", "--output", required=True, metavar="FILE.wav", help='where to save it ("-": stdout)'
    )

    talk = _add_command(
        commands,
        "talk",
        camera.run_talk,
        "play an audio file through the camera's speaker",
        "Play a WAV file through the camera's speaker. PCM WAVs of 8, 16, 24 or 32 bits, any "
        "channel count and any rate are converted to 8 kHz mono here; other files (float or "
        "compressed WAVs, ...) are converted by ffmpeg when it is installed.",
    )
    camera.add_camera_arguments(talk)
    talk.add_argument("file", metavar="FILE.wav", help='the audio to play ("-": stdin)')

    # Camera controls: pan/tilt and presets, image settings.
    ptz = _add_command(
        commands,
        "ptz",
        controls.run_ptz,
        "pan/tilt in picture terms, center, or go to / save a preset (1-16)",
    )
    camera.add_camera_arguments(ptz)
    controls.add_ptz_arguments(ptz)
    settings = _add_command(
        commands,
        "settings",
        controls.run_settings,
        "change image settings (brightness, contrast, resolution, mode, flip, mirror) and "
        "misc settings (status LED, speeds, patrol rounds, start-up position) and print them",
    )
    camera.add_camera_arguments(settings)
    controls.add_settings_arguments(settings)
    upkeep.add_misc_arguments(settings)
    reboot = _add_command(
        commands, "reboot", upkeep.run_reboot, "restart the camera (it is away about a minute)"
    )
    camera.add_camera_arguments(reboot)
    clock = _add_command(
        commands,
        "clock",
        upkeep.run_clock,
        "show the camera's clock and time zone, or set them from this computer's (--set)",
    )
    camera.add_camera_arguments(clock)
    upkeep.add_clock_arguments(clock)
    discovery = _add_command(
        commands,
        "discover",
        discover.run_discover,
        "list the cameras that answer a UDP search (MO_I) on the network",
        "Send one UDP search (MO_I) and list every camera that answers: its id, address and "
        "port, name and firmware. By default the search goes to the broadcast address "
        f"{discover.BROADCAST}, which reaches this machine's networks only; give --target to "
        "search a camera's own address or the broadcast address of another network.",
    )
    discover.add_discover_arguments(discovery)

    decoder = _add_command(
        commands,
        "decode",
        decode.run_decode,
        "print the commands in files of captured protocol bytes as JSON lines",
        _DECODE_HELP,
    )
    decoder.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help='raw bytes of one channel: whole commands, headers included ("-": stdin)',
    )

    audio = _add_command(
        commands,
        "decode-audio",
        decode.run_decode_audio,
        "decode the Audio_Data commands in files of captured bytes to a WAV file",
        "Decode the Audio_Data commands of the files, in order, to a WAV file (8 kHz, mono, "
        "16-bit). The ADPCM decoder state starts at (0, 0) and carries across packets and files, "
        "as it does on a camera from the start of audio. Other commands are skipped; malformed "
        "input stops it with exit code 2 and no output.",
    )
    audio.add_argument("files", nargs="+", metavar="FILE", help='captured bytes ("-": stdin)')
    audio.add_argument(
        "-o", "--output", required=True, metavar="OUT.wav", help='where to save it ("-": stdout)'
    )
    audio.add_argument(
        "--talk", action="store_true", help="decode Talk_Data (client to camera) instead"
    )

    # The simulator's options are its own: everything after `simulate` goes to its parser, which
    # is imported only when the command runs (`bseries-ipcam simulate --help` shows them).
    _add_command(
        commands,
        "simulate",
        simulate.run_simulate,
        "run the camera simulator until interrupted (see: simulate --help)",
        add_help=False,
    )
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if args.command == simulate.COMMAND:
            args.simulator_args = extras
        elif extras:
            # Name the stray options only: a stray value might be a password.
            options = [extra for extra in extras if extra.startswith("-")]
            others = len(extras) - len(options)
            listed = " ".join(options)
            if others:
                listed += f"{' and ' if options else ''}{others} other argument{'s' * (others > 1)}"
            parser.error(f"unrecognized arguments: {listed}")
        return args
    except SystemExit as exit_:  # --help, or a usage error already printed by argparse
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE


def _configure_logging(args: argparse.Namespace) -> None:
    if args.verbose:
        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
        )


def _report(err: BaseException, args: argparse.Namespace) -> int:
    """Print one line for an error and return its exit code."""
    command = args.command
    match err:
        case CliError():
            error(err.message, command=command)
            return err.code
        case BSeriesError():
            code, message = describe_error(err, getattr(args, "user", None))
            error(message, command=command)
            return code
        case KeyboardInterrupt():
            error("interrupted", command=command)
            return ExitCode.INTERRUPTED
        case BrokenPipeError():
            # The reader went away (e.g. `| head`): silence the final flush of stdout too.
            with contextlib.suppress(OSError, ValueError):  # stdout may be no real file
                fileno = sys.stdout.fileno()
                os.dup2(os.open(os.devnull, os.O_WRONLY), fileno)
            return ExitCode.FAILURE
        case _:
            if args.verbose:
                raise err
            error(f"unexpected error: {type(err).__name__}: {err}", command=command)
            return ExitCode.FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parse(argv)
    if isinstance(args, int):
        return args
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        result = handler(args)
        code = result if isinstance(result, int) else asyncio.run(result)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except (Exception, KeyboardInterrupt) as err:  # noqa: BLE001 - one line and an exit code
        return _report(err, args)


async def main_async(argv: Sequence[str] | None = None) -> int:
    """`main` inside a running event loop (for tests and embedding)."""
    args = _parse(argv)
    if isinstance(args, int):
        return args
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        result = handler(args)
        return result if isinstance(result, int) else await result
    except Exception as err:  # noqa: BLE001 - one line and an exit code
        return _report(err, args)
