"""Fixtures of the end-to-end tests: processes on free 127.0.0.1 ports, clients of their APIs.

One Home Assistant and one simulator serve the whole module (starting Home Assistant takes
seconds; the very first start on a machine installs its run-time requirements and takes about a
minute). Every process is stopped at the end, whatever happened.

These tests run only with BSERIES_E2E=1 (scripts/e2e sets it): `scripts/test` skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import os
import struct
import sys
from typing import TYPE_CHECKING, Any, Final
import wave

import aiohttp
import pytest
import pytest_socket

from devtools.hass_server import DISCOVERY_ADDRESS_ENV, LOG_LEVEL_ENV, HassApi, HassProcess
from devtools.processes import free_port
from devtools.simulator import SimulatorClient, SimulatorProcess

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Generator, Iterator
    from pathlib import Path

E2E_ENV: Final = "BSERIES_E2E"
DOMAIN: Final = "bseries_ipcam"
CAMERA_ID: Final = "00626E4E72BF"  # the simulator's default
# A restarting camera is away longer than the availability grace (10 s), as a real one is (30-60 s).
SIM_RESTART_DELAY: Final = 12
USER: Final = "e2e"
PASSWORD: Final = "e2e-password"  # a throwaway user of a throwaway server
TONE_NAME: Final = "tone.wav"
TONE_SECONDS: Final = 1.0
REPORTS: Final = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line("markers", "e2e: needs real Home Assistant and simulator processes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the end-to-end tests unless BSERIES_E2E=1."""
    if os.environ.get(E2E_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"end-to-end: run scripts/e2e (or set {E2E_ENV}=1)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, for the fixtures that print logs on failure."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def write_tone(path: Path, seconds: float = TONE_SECONDS, rate: int = 16000) -> None:
    """A 440 Hz sine as 16-bit mono WAV (not 8 kHz: the integration has to convert it)."""
    count = int(seconds * rate)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(count))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


@dataclass
class Stack:
    """The running processes, and what the first test learned about them."""

    root: Path
    hass: HassProcess
    sim: SimulatorProcess
    token: str | None = None

    @property
    def tone(self) -> Path:
        """A WAV file in Home Assistant's media folder (allowed for talk by default)."""
        return self.hass.media_dir / TONE_NAME

    def logs(self) -> str:
        """Where to look, and the errors and warnings Home Assistant logged."""
        lines = self.hass.log_lines("ERROR", "WARNING")
        return (
            f"\nHome Assistant log: {self.hass.log_file}\nsimulator log: {self.sim.log_path}\n"
            + "\n".join(lines[-80:])
        )


@dataclass
class Entities:
    """Entity ids of the simulated camera, found through the entity registry."""

    camera: str
    motion: str
    connectivity: str
    speaker: str

    @classmethod
    def from_registry(cls, ids: dict[str, str]) -> Entities:
        """From unique id -> entity id (unique ids are `<camera id>_<key>`)."""
        return cls(
            camera=ids[f"{CAMERA_ID}_camera"],
            motion=ids[f"{CAMERA_ID}_motion"],
            connectivity=ids[f"{CAMERA_ID}_connection"],
            speaker=ids[f"{CAMERA_ID}_speaker"],
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The simulator and Home Assistant, started once for the module and always stopped."""
    # Ports are picked and probed here, before any test's `socket_enabled`; connecting stays
    # limited to 127.0.0.1 (the plugin's guard on connect is untouched).
    pytest_socket.enable_socket()
    root = tmp_path_factory.mktemp("e2e")
    sim = SimulatorProcess(
        free_port(),
        log_path=root / "simulator.log",
        extra_args=["-v", "--restart-delay", str(SIM_RESTART_DELAY)],
    )
    hass = HassProcess(
        root / "config",
        free_port(),
        env={LOG_LEVEL_ENV: "debug", DISCOVERY_ADDRESS_ENV: sim.discovery_address},
    )
    write_tone(hass.media_dir / TONE_NAME)
    try:
        sim.start()
        hass.start()
        yield Stack(root, hass, sim)
    finally:
        hass.stop()
        sim.stop(timeout=10.0)


@pytest.fixture
async def api(
    stack: Stack, socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncIterator[HassApi]:
    """A client of Home Assistant with a long-lived token (the first use onboards it)."""
    async with HassApi(stack.hass.url, stack.token) as client:
        if stack.token is None:
            await client.wait_for_http(onboarded=False, alive=lambda: stack.hass.running)
            await client.sign_in(name="End to end", username=USER, password=PASSWORD)
            stack.token = client.token = await client.create_long_lived_token("e2e")
            await client.wait_until_running()
        yield client
    reports = request.node.stash.get(REPORTS, {})
    if any(report.failed for report in reports.values()):
        sys.stderr.write(stack.logs() + "\n")


@pytest.fixture
async def sim_client(stack: Stack, socket_enabled: None) -> AsyncIterator[SimulatorClient]:
    """The simulator's control endpoints."""
    async with aiohttp.ClientSession() as session:
        yield SimulatorClient(stack.sim.url, session)


async def add_camera(api: HassApi, stack: Stack) -> dict[str, Any]:
    """Run the config flow for the simulator with the right password; its result."""
    flow = await api.start_flow(DOMAIN)
    return await api.flow_step(
        flow["flow_id"],
        {
            "host": "127.0.0.1",
            "port": stack.sim.port,
            "username": stack.sim.user,
            "password": stack.sim.password,
        },
    )


@pytest.fixture
async def entities(api: HassApi, stack: Stack) -> Entities:
    """The camera's entities, once its entry is set up (added now if a test removed it)."""
    if not await api.config_entries(DOMAIN):
        assert (await add_camera(api, stack))["type"] == "create_entry"
    found = Entities.from_registry(await api.entity_ids(DOMAIN))
    await api.wait_for_state(found.connectivity, "on", within=30)
    return found


# --- measured figures (printed, never asserted) -------------------------------------------------

FIGURES: Final[list[str]] = []


def report_figure(text: str) -> None:
    """Keep a measured figure for the summary at the end of the run."""
    FIGURES.append(text)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures the fault matrix measured."""
    if FIGURES:
        terminalreporter.section("fault matrix figures (measured, not asserted)")
        for line in FIGURES:
            terminalreporter.write_line(line)
