"""`simulate`: run the camera simulator of the `bseries_sim` package (imported only here).

The options are the simulator's own (`bseries_sim.cli.build_parser`); everything after the word
`simulate` goes to them, so `bseries-ipcam simulate --help` lists them.
"""

from __future__ import annotations

import argparse
import logging
from typing import Final

from .output import PROG, CliError, ExitCode

COMMAND: Final = "simulate"


async def run_simulate(args: argparse.Namespace) -> int:
    """Run a simulated camera until Ctrl-C, SIGTERM or a `quit` line on stdin."""
    try:
        from bseries_sim import cli  # noqa: PLC0415 - only this command needs the simulator
        from bseries_sim.commands import HELP  # noqa: PLC0415
    except ImportError:
        raise CliError(
            "the camera simulator (package bseries_sim) is not installed", ExitCode.FAILURE
        ) from None
    parser = argparse.ArgumentParser(
        prog=f"{PROG} {COMMAND}",
        description=(
            "Run a simulated B-Series camera on a local TCP port until Ctrl-C, and print how to "
            "connect to it. Commands typed on stdin make it misbehave:"
        ),
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.build_parser(parser)
    try:
        options = parser.parse_args(args.simulator_args)
    except SystemExit as exit_:  # --help, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE
    logging.basicConfig(
        level=logging.DEBUG if options.verbose or args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = cli.config_from_args(options)
    except (ValueError, OSError) as err:
        raise CliError(f"bad simulator option: {err}") from None
    try:
        await cli.serve(config)
    except OSError as err:
        raise CliError(
            f"cannot listen on {config.host}:{config.port}: {err.strerror or err}",
            ExitCode.FAILURE,
        ) from None
    return ExitCode.OK
