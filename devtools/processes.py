"""Child processes that always end: own process group, SIGTERM first, SIGKILL when it is ignored.

Every child runs in a process group of its own, so a Ctrl-C in the terminal reaches only the
parent, which then stops its children in order; and stopping a child also ends what it started
(Home Assistant's ffmpeg and pip/uv runs) by signalling the whole group.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import IO, TYPE_CHECKING, Final, Self

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

LOOPBACK: Final = "127.0.0.1"
REPO_ROOT: Final = Path(__file__).resolve().parents[1]

# Variables of the parent that must not reach a child: pytest-cov's and coverage's subprocess
# measurement would slow Home Assistant down and drop .coverage files into the working folder.
_DROPPED_ENV_PREFIXES: Final = ("COV_CORE_", "COVERAGE_")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:`port` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def is_listening(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((LOOPBACK, port)) == 0


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: ours without coverage's variables, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_ENV_PREFIXES)
    }
    env.update(extra or {})
    return env


class ManagedProcessError(RuntimeError):
    """A child process could not start or ended when it should not have."""


class ManagedProcess:
    """One child process in its own process group; `stop` always leaves nothing running.

    The output goes to `log_path` (stdout and stderr together; appended, or from the start of
    the file with `append_log=False`) unless `pipe_stdout` hands it to the parent to read. Standard input is a pipe: `send_line`
    writes to it.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
        pipe_stdout: bool = False,
        append_log: bool = True,
    ) -> None:
        """Describe the process; nothing runs until `start`."""
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self.env = child_environment(env)
        self.cwd = cwd
        self.pipe_stdout = pipe_stdout
        self.append_log = append_log
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The process id while started."""
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        """Whether the process was started and has not ended."""
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once it ended (negative: killed by that signal)."""
        return self.process.poll() if self.process is not None else None

    @property
    def stdout(self) -> IO[bytes] | None:
        """The output pipe, when started with `pipe_stdout`."""
        return self.process.stdout if self.process is not None else None

    def start(self) -> None:
        """Start the process (in a new process group, so terminal signals skip it)."""
        if self.running:
            raise ManagedProcessError(f"{self.name} is already running")
        out: int | IO[bytes] = subprocess.PIPE
        if not self.pipe_stdout:
            if self.log_path is None:
                out = subprocess.DEVNULL
            else:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                self._log = self.log_path.open("ab" if self.append_log else "wb")
                out = self._log
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.args,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                process_group=0,
            )
        except OSError as err:
            self._close_log()
            raise ManagedProcessError(f"cannot start {self.name}: {err}") from err

    def send_line(self, line: str) -> None:
        """Write one line to the process's standard input."""
        process = self.process
        if process is None or process.stdin is None or not self.running:
            raise ManagedProcessError(f"{self.name} is not running")
        try:
            process.stdin.write(line.rstrip("\n").encode() + b"\n")
            process.stdin.flush()
        except (BrokenPipeError, ValueError) as err:
            raise ManagedProcessError(f"{self.name} does not read its input: {err}") from err

    def signal(self, signum: signal.Signals) -> None:
        """Send `signum` to the process alone (not its group)."""
        if self.running and self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, wait up to `timeout` s, then SIGKILL the group; returns the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                sys.stderr.write(f"{self.name} ignored SIGTERM for {timeout:g} s: killing it\n")
        self._kill_group()
        code = process.wait()
        self._close_pipes()
        return code

    def kill(self) -> int | None:
        """SIGKILL the process and its group at once (a power cut); returns the exit status."""
        if self.process is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self._kill_group()
        code = self.process.wait()
        self._close_pipes()
        return code

    def wait_listening(self, port: int, timeout: float) -> None:
        """Wait until the process accepts connections on 127.0.0.1:`port`."""
        deadline = time.monotonic() + timeout
        while not is_listening(port):
            if not self.running:
                raise ManagedProcessError(
                    f"{self.name} ended with status {self.returncode} before listening on"
                    f" port {port}{self._log_hint()}"
                )
            if time.monotonic() > deadline:
                raise ManagedProcessError(
                    f"{self.name} does not listen on port {port} after {timeout:g} s"
                    f"{self._log_hint()}"
                )
            time.sleep(0.1)

    def _log_hint(self) -> str:
        return f" (see {self.log_path})" if self.log_path is not None else ""

    def _kill_group(self) -> None:
        """SIGKILL whatever is left in the process group (children of the child)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def _close_pipes(self) -> None:
        process = self.process
        if process is not None:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        """Start the process."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the process."""
        self.stop()
