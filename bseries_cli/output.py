"""Exit codes, one-line error messages and output files of the command-line tool."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
import sys
from typing import TextIO

from custom_components.bseries_ipcam.protocol import (
    AuthenticationError,
    BadPasswordError,
    BadUserError,
    BSeriesError,
    CameraResponseError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
    ProtocolError,
    ProtocolVersionError,
    TooManyConnectionsError,
)

PROG = "bseries-ipcam"
STDIO = "-"


class ExitCode(IntEnum):
    """The tool's exit codes: one per kind of failure."""

    OK = 0
    FAILURE = 1  # a local failure: an output file cannot be written, an unexpected error
    USAGE = (
        2  # bad command line or bad input: arguments, credentials, malformed or unreadable files
    )
    AUTH = 3  # the camera rejected the user name or the password
    TOO_MANY_CONNECTIONS = 4  # the camera has no room for another client (or another talker)
    PRIVILEGE = 5  # the user may not do this
    TIMEOUT = 6  # the camera did not answer in time
    UNREACHABLE = 7  # the connection was refused or the host cannot be reached
    PROTOCOL = 8  # the camera broke the protocol (or rejected its version)
    CONNECTION_LOST = 9  # the camera closed the connection
    REJECTED = 10  # the camera refused the request for another reason (e.g. not supported)
    INTERRUPTED = 130  # Ctrl-C


class CliError(Exception):
    """A failure to report on one line with its exit code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        """Keep the message and the exit code."""
        super().__init__(message)
        self.message = message
        self.code = code


def describe_error(error: BSeriesError, user: str | None = None) -> tuple[ExitCode, str]:
    """Exit code and message for an error of the protocol package; never with a password."""
    who = f"user {user!r}" if user is not None else "the user"
    match error:
        case InvalidCredentialsError():
            return ExitCode.USAGE, str(error)
        case BadUserError():
            return ExitCode.AUTH, f"authentication failed: the camera has no {who}"
        case BadPasswordError():
            return ExitCode.AUTH, f"authentication failed: wrong password for {who}"
        case AuthenticationError():
            return ExitCode.AUTH, f"authentication failed: {error}"
        case TooManyConnectionsError():
            return (
                ExitCode.TOO_MANY_CONNECTIONS,
                (
                    "the camera has too many connections (or someone else is talking); "
                    "close another client and try again"
                ),
            )
        case InsufficientPrivilegeError():
            return ExitCode.PRIVILEGE, f"insufficient privilege: {who} may not do this"
        case ProtocolVersionError():
            return ExitCode.PROTOCOL, "the camera rejected the protocol version"
        case CameraResponseError():
            return ExitCode.REJECTED, f"the camera refused: {error}"
        case CameraTimeoutError():
            return ExitCode.TIMEOUT, f"timed out: {error}"
        case ConnectionFailedError():
            return ExitCode.UNREACHABLE, str(error)
        case ProtocolError():
            return ExitCode.PROTOCOL, f"protocol error: {error}"
        case ConnectionClosedError():
            return ExitCode.CONNECTION_LOST, f"connection lost: {error}"
        case _:
            return ExitCode.FAILURE, str(error) or type(error).__name__


def one_line(message: str) -> str:
    """The message on a single line."""
    return " ".join(message.split())


def error(message: str, *, command: str | None = None, stream: TextIO | None = None) -> None:
    """Print `bseries-ipcam: [command: ]message` on stderr, on one line."""
    prefix = f"{PROG}: {command}: " if command else f"{PROG}: "
    print(prefix + one_line(message), file=stream or sys.stderr)


def info(message: str, *, to_stderr: bool = False) -> None:
    """A status line: on stdout, or on stderr when stdout carries data."""
    print(message, file=sys.stderr if to_stderr else sys.stdout)


def write_output(path: str, data: bytes) -> None:
    """Write `data` to a file, or to stdout for "-"; `CliError` (exit 1) if it cannot be written."""
    if path == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror or err}", ExitCode.FAILURE) from None


def read_input(path: str) -> bytes:
    """Read a whole file, or stdin for "-"; `CliError` (exit 2) if it cannot be read."""
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None
