"""Fixtures of the end-to-end tests: processes on free 127.0.0.1 ports, clients of their APIs.

One Home Assistant, one simulator and one browser serve the whole run (starting Home Assistant
takes seconds; the very first start on a machine installs its run-time requirements and takes
about a minute). The modules run in the order of `MODULE_ORDER`: the search at start needs a
Home Assistant that has no camera yet, and the one restart the tests need (presets surviving it)
comes last. Each module's checks of the log look only at what was logged since it began
(`Stack.log_lines(since=...)`). Every process is stopped at the end, whatever happened.

Home Assistant's ffmpeg (`ffmpeg: ffmpeg_bin:`) is a small script that runs the real ffmpeg,
or fails as a broken install does while `Stack.failing_ffmpeg()` is on: the encoder's failure
and the dialog's fallback are seen without another restart.

These tests run only with BSERIES_E2E=1 (scripts/e2e sets it): `scripts/test` skips them.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import math
import os
from pathlib import Path
import shutil
import stat
import struct
import subprocess
import sys
from typing import TYPE_CHECKING, Any, Final
import wave

import aiohttp
import pytest
import pytest_socket

from devtools.hass_server import (
    CONFIGURATION,
    DISCOVERY_ADDRESS_ENV,
    LOG_LEVEL_ENV,
    REPO_CONFIG_DIR,
    HassApi,
    HassProcess,
)
from devtools.processes import free_port
from devtools.simulator import SimulatorClient, SimulatorProcess

from .browser import DRIVER, Browser

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Generator, Iterator

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
# The search at start first (no camera yet), the restart last.
MODULE_ORDER: Final = ("test_real_hass", "test_fault_matrix", "test_camera_dialog", "test_card")
FFMPEG: Final = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"  # scripts/setup installs it
FFMPEG_WRAPPER: Final = """#!/bin/sh
# Home Assistant's ffmpeg in the end-to-end tests: the real one, or one that fails as a broken
# install does while {flag} exists (Stack.failing_ffmpeg).
if [ -e '{flag}' ]; then
  echo "ffmpeg: cannot run: this installation is broken (made to fail by the test)" >&2
  exit 1
fi
exec '{ffmpeg}' "$@"
"""


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line("markers", "e2e: needs real Home Assistant and simulator processes")


def _module_rank(item: pytest.Item) -> int:
    name = item.path.stem if item.path.parent == Path(__file__).parent else ""
    return MODULE_ORDER.index(name) + 1 if name in MODULE_ORDER else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the end-to-end modules in `MODULE_ORDER`; skip them unless BSERIES_E2E=1."""
    items.sort(key=_module_rank)  # stable: the tests of a module keep their order
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
    ffmpeg_broken: Path
    token: str | None = None

    def log_lines(self, *levels: str, since: int = 0) -> list[str]:
        """Home Assistant's log lines at these levels, over its restarts, since a `log_mark`."""
        return self.hass.log_lines(*levels, since=since)

    def log_mark(self) -> int:
        """How far Home Assistant's log is now (for `log_lines(since=...)`)."""
        return self.hass.log_mark()

    @contextlib.contextmanager
    def failing_ffmpeg(self) -> Iterator[None]:
        """Home Assistant's ffmpeg fails at every start while inside (see the module)."""
        self.ffmpeg_broken.touch()
        try:
            yield
        finally:
            self.ffmpeg_broken.unlink(missing_ok=True)

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


def write_configuration(config_dir: Path, ffmpeg: Path) -> None:
    """The repository's configuration, with `ffmpeg` as Home Assistant's ffmpeg binary."""
    text = (REPO_CONFIG_DIR / CONFIGURATION).read_text()
    assert "\nffmpeg:\n" in text, "configuration.yaml loads ffmpeg without options"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / CONFIGURATION).write_text(
        text.replace("\nffmpeg:\n", f"\nffmpeg:\n  ffmpeg_bin: {ffmpeg}\n")
    )


def write_ffmpeg_wrapper(path: Path, broken: Path) -> None:
    """The ffmpeg Home Assistant runs (see FFMPEG_WRAPPER)."""
    path.write_text(FFMPEG_WRAPPER.format(flag=broken, ffmpeg=FFMPEG))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The simulator and Home Assistant, started once for the run and always stopped."""
    # Ports are picked and probed here, before any test's `socket_enabled`; connecting stays
    # limited to 127.0.0.1 (the plugin's guard on connect is untouched).
    pytest_socket.enable_socket()
    root = tmp_path_factory.mktemp("e2e")
    ffmpeg, broken = root / "ffmpeg", root / "ffmpeg-broken"
    write_ffmpeg_wrapper(ffmpeg, broken)
    write_configuration(root / "config", ffmpeg)
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
        yield Stack(root, hass, sim, broken)
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


@pytest.fixture(scope="module")
def module_log_mark(stack: Stack) -> int:
    """Where Home Assistant's log stood when the module began (`usefixtures` it in the module)."""
    return stack.log_mark()


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[Browser]:
    """One Chromium for the run (card/tests/driver.mjs); each test opens the pages it needs."""
    if not Path("/usr/bin/chromium").exists() or shutil.which("node") is None:
        pytest.skip("needs chromium and node (scripts/setup installs them)")
    process = subprocess.Popen(
        [shutil.which("node") or "node", str(DRIVER)],
        cwd=DRIVER.parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        yield Browser(process)
    finally:
        Browser.close(process)


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


async def set_h264_stream(api: HassApi, entities: Entities, *, on: bool) -> None:
    """Turn the camera's h264_stream option on or off (options flow); back once reloaded."""
    (entry,) = await api.config_entries(DOMAIN)
    flow = await api.request(
        "POST", "/api/config/config_entries/options/flow", json_data={"handler": entry["entry_id"]}
    )
    options = {"pan_tilt": True, "preroll_seconds": 0, "restream": False, "h264_stream": on}
    result = await api.request(
        "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", json_data=options
    )
    assert result["type"] == "create_entry", result

    def ready(state: dict[str, Any] | None) -> bool:
        # CameraEntityFeature.STREAM comes and goes with the option.
        return (
            state is not None
            and state["state"] != "unavailable"
            and bool(state["attributes"].get("supported_features", 0) & 2) == on
        )

    deadline = asyncio.get_running_loop().time() + 30
    while not ready(await api.get_state(entities.camera)):
        assert asyncio.get_running_loop().time() < deadline, "the camera did not come back"
        await asyncio.sleep(0.2)


async def diagnostics(api: HassApi) -> dict[str, Any]:
    """The camera's diagnostics, as a user downloads them."""
    (entry,) = await api.config_entries(DOMAIN)
    answer = await api.request("GET", f"/api/diagnostics/config_entry/{entry['entry_id']}")
    data: dict[str, Any] = answer["data"]
    return data


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
    """Print the figures the end-to-end tests measured."""
    if FIGURES:
        terminalreporter.section("end-to-end figures (measured, not asserted)")
        for line in FIGURES:
            terminalreporter.write_line(line)
