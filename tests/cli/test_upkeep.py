"""`bseries-ipcam reboot`, `clock` and `settings --misc` against the simulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import time
from typing import TYPE_CHECKING

import pytest

from bseries_cli import upkeep
from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from bseries_sim.upkeep import BOOT_TIME
from custom_components.bseries_ipcam.protocol.upkeep import camera_tz

from .conftest import PASSWORD, USER, VIEWER, VIEWER_PASSWORD, login

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
async def no_misc_sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, misc_settings=False, ntp=False)
    async with CameraSimulator(config) as simulator:
        yield simulator


async def test_settings_shows_and_changes_misc(sim: CameraSimulator, run_cli) -> None:
    run = await run_cli(
        "settings", *login(sim), "--misc", "led_mode=2", "--misc", "ptz_patrol_rate=55"
    )
    assert (run.code, run.err) == (0, "")
    lines = run.out.splitlines()
    assert "led_mode: 2" in lines
    assert "ptz_patrol_rate: 55" in lines
    assert (sim.misc["led_mode"], sim.misc["ptz_patrol_rate"]) == (2, 55)
    for bad in ("led_mode=3", "no_field=1", "led_mode", "ptz_patrol_rate=x"):
        run = await run_cli("settings", *login(sim), "--misc", bad)
        assert run.code == 2
        assert "--misc" in run.err
    assert sim.misc["led_mode"] == 2


async def test_settings_without_misc(no_misc_sim: CameraSimulator, run_cli) -> None:
    run = await run_cli("settings", *login(no_misc_sim))
    assert run.code == 0
    assert run.out.splitlines()[-1] == "misc settings: none (no get_misc.cgi)"
    run = await run_cli("settings", *login(no_misc_sim), "--misc", "led_mode=1")
    assert run.code == 2
    assert "no misc settings" in run.err


async def test_clock_shows_and_sets(
    no_misc_sim: CameraSimulator, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = no_misc_sim
    run = await run_cli("clock", *login(sim))
    assert run.code == 0
    assert "camera time: 2000-01-01 00:00" in run.out
    run = await run_cli("clock", *login(sim), "--set")
    assert run.code == 0, run.err
    assert sim.params["tz"] == -time.localtime().tm_gmtoff  # this machine's zone, west positive
    assert sim.params["ntp_enable"] == 0
    monkeypatch.setattr(upkeep, "local_utc_offset", lambda: timedelta(hours=2))
    run = await run_cli("clock", *login(sim), "--set", "--ntp", "--ntp-server", "pool.ntp.org")
    assert run.code == 0, run.err
    assert abs(sim.clock.now() - time.time()) <= 2
    assert sim.params["tz"] == camera_tz(timedelta(hours=2)) == -7200
    assert (sim.params["ntp_enable"], sim.params["ntp_svr"]) == (1, "pool.ntp.org")
    assert "time zone: +2 h (tz=-7200, seconds west of UTC)" in run.out
    assert PASSWORD not in run.out + run.err


async def test_reboot(sim: CameraSimulator, run_cli) -> None:
    run = await run_cli("reboot", *login(sim))
    assert (run.code, run.err) == (0, "")
    assert "rebooting" in run.out
    assert sim.restarting
    async with asyncio.timeout(10):
        await sim.wait_restarted()
    assert sim.stats.restarts == 1
    assert sim.clock.now() > BOOT_TIME + 10**8  # NTP on: the right time


async def test_reboot_needs_an_administrator(sim: CameraSimulator, run_cli) -> None:
    run = await run_cli("reboot", *login(sim, VIEWER, VIEWER_PASSWORD))
    assert run.code != 0
    assert "reboot.cgi" in run.err
    assert not sim.restarting
