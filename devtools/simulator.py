"""The camera simulator (`python -m bseries_sim`) as a child process, and its control endpoints."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final, cast

import aiohttp

from .processes import LOOPBACK, ManagedProcess

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

SIM_USER: Final = "admin"
SIM_PASSWORD: Final = "secret"  # noqa: S105 - the simulator's documented default
START_TIMEOUT: Final = 30.0


class SimulatorProcess(ManagedProcess):
    """A simulated camera on 127.0.0.1:`port`, with its `/sim/...` control endpoints on.

    Stopping and starting it again keeps the port, as a camera that reboots does.
    """

    def __init__(
        self,
        port: int,
        *,
        user: str = SIM_USER,
        password: str = SIM_PASSWORD,
        log_path: Path | None = None,
        pipe_stdout: bool = False,
        extra_args: Sequence[str] = (),
    ) -> None:
        """Describe the simulator; nothing runs until `start`."""
        # -u: the banner and command answers reach a reading parent line by line.
        args = [
            sys.executable,
            "-u",
            "-m",
            "bseries_sim",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--user",
            user,
            "--password",
            password,
            "--control-http",
            # UDP discovery answers on the same number as the TCP port (another namespace).
            "--discovery-port",
            str(port),
            *extra_args,
        ]
        super().__init__("camera simulator", args, log_path=log_path, pipe_stdout=pipe_stdout)
        self.port = port
        self.user = user
        self.password = password

    @property
    def url(self) -> str:
        """The simulator's HTTP base URL."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def discovery_address(self) -> str:
        """Where it answers UDP searches: the integration's `discovery_addresses` entry."""
        return f"{LOOPBACK}:{self.port}"

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start it and wait until it accepts connections."""
        super().start()
        self.wait_listening(self.port, timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop it as on SIGTERM, killing it after `timeout` s; returns the exit status."""
        return super().stop(timeout)


class SimulatorClient:
    """The simulator's unauthenticated control endpoints: alarms, faults, commands, counters."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        """`url` is the simulator's base URL, e.g. `SimulatorProcess.url`."""
        self.url = url.rstrip("/")
        self._session = session

    async def _get(self, path: str, params: dict[str, str] | None = None) -> str:
        timeout = aiohttp.ClientTimeout(total=10)
        async with self._session.get(f"{self.url}{path}", params=params, timeout=timeout) as resp:
            text = await resp.text()
            if resp.status != 200:
                raise RuntimeError(f"simulator {path}: {resp.status} {text.strip()}")
            return text

    async def status(self) -> dict[str, int]:
        """The simulator's counters (`SimStats`), e.g. `talk_packets_received`."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with self._session.get(f"{self.url}/sim/status", timeout=timeout) as resp:
            resp.raise_for_status()
            return cast("dict[str, int]", await resp.json())

    async def alarm(self, alarm_type: str = "motion") -> str:
        """Send an alarm (motion, input, sound, stopped) to every logged-in session."""
        return (await self._get("/sim/alarm", {"type": alarm_type})).strip()

    async def command(self, line: str) -> str:
        """Run a simulator command line (see `bseries_sim.commands.HELP`)."""
        return (await self._get("/sim/command", {"line": line})).strip()

    async def fault(self, name: str, value: str = "") -> str:
        """Inject a fault (drop, stall, resume, ...)."""
        params = {"name": name, "value": value} if value else {"name": name}
        return (await self._get("/sim/fault", params)).strip()
