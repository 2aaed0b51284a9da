"""The simulated camera's upkeep: get_misc.cgi / set_misc.cgi, its clock, and reboot.cgi."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import aiohttp
import pytest

from bseries_sim.cli import build_parser, config_from_args
from bseries_sim.upkeep import BOOT_TIME, DEFAULT_MISC
from custom_components.bseries_ipcam.protocol import (
    CgiAuthenticationError,
    CgiNotFoundError,
    CgiResponseError,
    ConnectionClosedError,
)
from custom_components.bseries_ipcam.protocol.cgi import CgiClient
from custom_components.bseries_ipcam.protocol.upkeep import parse_clock, parse_misc

from .conftest import PASSWORD, USER, login

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from bseries_sim import CameraSimulator

type Client = Callable[..., CgiClient]


@pytest.fixture
async def cgi() -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:

        def make(sim: CameraSimulator, user: str = USER, password: str = PASSWORD) -> CgiClient:
            return CgiClient(session, sim.host, sim.port, user, password, timeout=5)

        yield make


async def test_get_and_set_misc(sim: CameraSimulator, cgi: Client) -> None:
    client = cgi(sim)
    assert parse_misc(await client.get_misc()) == DEFAULT_MISC
    await client.set_misc(led_mode=2, ptz_patrol_rate=80, ptz_center_onstart=0)
    misc = parse_misc(await client.get_misc())
    assert (misc["led_mode"], misc["ptz_patrol_rate"], misc["ptz_center_onstart"]) == (2, 80, 0)
    assert sim.misc["ptz_patrol_rate"] == 80


@pytest.mark.parametrize(
    "query",
    [{"led_mode": 3}, {"ptz_patrol_rate": 101}, {"no_such_field": 1}, {"ptz_center_onstart": 2}],
)
async def test_set_misc_refuses_and_changes_nothing(
    sim: CameraSimulator, cgi: Client, query: dict[str, int]
) -> None:
    with pytest.raises(CgiResponseError, match="illegal params"):
        await cgi(sim).set_misc(ptz_patrol_v_rounds=3, **query)
    assert sim.misc == DEFAULT_MISC


async def test_set_misc_needs_an_administrator(sim: CameraSimulator, cgi: Client) -> None:
    viewer = cgi(sim, "viewer", "view")
    assert parse_misc(await viewer.get_misc()) == DEFAULT_MISC  # reading is for anybody
    for call in (
        viewer.set_misc(led_mode=2),
        viewer.reboot(),
        viewer.set_datetime(now=1, tz=0, ntp_enable=False, ntp_server="", daylight_saving=False),
    ):
        with pytest.raises(CgiAuthenticationError):
            await call
    assert sim.misc == DEFAULT_MISC
    assert not sim.restarting


async def test_firmware_without_misc_answers_404(
    make_sim: Callable[..., Awaitable[CameraSimulator]], cgi: Client
) -> None:
    sim = await make_sim(misc_settings=False)
    with pytest.raises(CgiNotFoundError):
        await cgi(sim).get_misc()
    with pytest.raises(CgiNotFoundError):
        await cgi(sim).set_misc(led_mode=1)


async def test_clock_and_set_datetime(sim: CameraSimulator, cgi: Client) -> None:
    client = cgi(sim)
    clock = parse_clock(await client.get_status(), time.time())
    assert clock is not None
    assert abs(clock.offset) <= 2
    assert clock.tz == 0
    await client.set_datetime(
        now=1_000_000_000, tz=-3600, ntp_enable=False, ntp_server="pool", daylight_saving=False
    )
    clock = parse_clock(await client.get_status(), time.time())
    assert clock is not None
    assert abs(clock.now - 1_000_000_000) <= 2
    assert clock.tz == -3600
    assert (sim.params["ntp_enable"], sim.params["ntp_svr"]) == (0, "pool")
    assert sim.stats.clock_sets == 1
    for bad in ({"tz": 13 * 3600}, {"ntp_enable": 2}, {"now": "soon"}):
        with pytest.raises(CgiResponseError):
            await client.call("set_datetime.cgi", **bad)
    assert sim.params["tz"] == -3600


async def test_reboot_drops_everything_and_comes_back(
    make_sim: Callable[..., Awaitable[CameraSimulator]], cgi: Client
) -> None:
    """Every connection ends; the port refuses until the delay is over; NTP keeps the clock."""
    sim = await make_sim(restart_delay=0.3)
    client, _, _ = await login(sim)
    sim.ptz.command(4)  # moving right
    await cgi(sim).reboot()
    assert await asyncio.wait_for(client.reader.read(), 5) == b""
    assert sim.restarting
    with pytest.raises(ConnectionClosedError):
        await cgi(sim).get_status()
    async with asyncio.timeout(5):
        await sim.wait_restarted()
    assert sim.stats.restarts == 1
    clock = parse_clock(await cgi(sim).get_status(), time.time())
    assert clock is not None
    assert abs(clock.offset) <= 2  # NTP on: right
    assert sim.ptz.position() == (80, 60)  # centered at start (ptz_center_onstart=1)
    client, login_resp, _ = await login(sim)
    assert login_resp.ok
    client.writer.close()


async def test_reboot_without_ntp_resets_the_clock_and_goes_to_the_preset(
    make_sim: Callable[..., Awaitable[CameraSimulator]],
) -> None:
    sim = await make_sim(restart_delay=0.05, ntp=False)
    assert abs(sim.clock.now() - BOOT_TIME) <= 2  # power-on without NTP
    sim.clock.set(int(time.time()))
    sim.ptz.command(36)  # save preset 4 at the center
    sim.ptz.command(6)  # moving left
    sim.misc.update(ptz_center_onstart=0, ptz_preset_onstart=4)
    sim.run_command("restart 0.05")
    async with asyncio.timeout(5):
        await sim.wait_restarted()
    assert abs(sim.clock.now() - BOOT_TIME) <= 2
    assert sim.ptz.position() == (80, 60)


async def test_commands(sim: CameraSimulator) -> None:
    assert sim.run_command("set-misc led_mode 2") == "misc setting led_mode set to 2"
    assert sim.misc["led_mode"] == 2
    with pytest.raises(ValueError, match="does not take"):
        sim.run_command("set-misc led_mode 9")
    assert sim.run_command("clock").startswith("camera time ")
    before = sim.clock.now()
    assert "2" in sim.run_command("clock -3600")
    assert abs(sim.clock.now() - (before - 3600)) <= 2
    assert sim.run_command("restart 0.05") == "restarting: back in 0.05 s"
    sim.run_command("restart")  # already restarting: nothing more
    async with asyncio.timeout(5):
        await sim.wait_restarted()
    assert sim.stats.restarts == 1


async def test_stop_while_restarting(
    make_sim: Callable[..., Awaitable[CameraSimulator]],
) -> None:
    sim = await make_sim(restart_delay=60)
    sim.restart()
    await asyncio.sleep(0)
    await sim.stop()
    assert not sim.running
    assert not sim.restarting
    sim.restart()  # stopped: nothing happens
    assert not sim.restarting


def test_command_line_options() -> None:
    """--restart-delay, --ntp/--no-ntp (over the persona's), --no-misc reach the config."""
    config = config_from_args(build_parser().parse_args([]))
    assert (config.restart_delay, config.ntp, config.misc_settings) == (3.0, True, True)
    args = ["--restart-delay", "0.5", "--no-ntp", "--no-misc"]
    config = config_from_args(build_parser().parse_args(args))
    assert (config.restart_delay, config.ntp, config.misc_settings) == (0.5, False, False)
    assert config_from_args(build_parser().parse_args(["--persona", "clone"])).ntp is False
    clone = config_from_args(build_parser().parse_args(["--persona", "clone", "--ntp"]))
    assert clone.ntp is True
    with pytest.raises(ValueError, match="restart_delay"):
        config_from_args(build_parser().parse_args(["--restart-delay", "-1"]))
