"""`bseries-ipcam ptz` and `bseries-ipcam settings` against the simulator on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bseries_cli.controls import describe_settings
from bseries_sim import CameraSimulator, SimUser
from bseries_sim.personas import persona_config
from custom_components.bseries_ipcam.protocol.controls import ImageSettings
from tests.picture import view_shift

from .conftest import PASSWORD, USER, login

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture(params=["foscam", "clone", "cgi-only"])
async def any_sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[CameraSimulator]:
    config = persona_config(request.param, users={USER: SimUser(PASSWORD)}, width=160, height=120)
    async with CameraSimulator(config) as simulator:
        yield simulator


async def test_ptz(any_sim: CameraSimulator, run_cli) -> None:
    sim = any_sim
    before = sim.snapshot()
    run = await run_cli("ptz", *login(sim), "left", "--seconds", "0.3")
    assert (run.code, run.err) == (0, "")
    assert run.out == "left: done\n"
    assert view_shift(before, sim.snapshot())[0] < -10
    assert (await run_cli("ptz", *login(sim), "preset-set", "3")).code == 0
    position = sim.ptz.position()
    assert (await run_cli("ptz", *login(sim), "center")).code == 0
    assert sim.ptz.position() != position
    run = await run_cli("ptz", *login(sim), "preset-go", "3")
    assert run.out == "preset-go 3: done\n"
    assert sim.ptz.position() == position
    assert PASSWORD not in run.out + run.err
    run = await run_cli("ptz", *login(sim), "preset-go")
    assert run.code == 2
    assert "needs a preset number" in run.err


async def test_settings(any_sim: CameraSimulator, run_cli) -> None:
    sim = any_sim
    run = await run_cli(
        "settings",
        *login(sim),
        "--brightness",
        "90",
        "--contrast",
        "4",
        "--resolution",
        "320x240",
        "--mode",
        "60hz",
        "--flip",
        "on",
        "--mirror",
        "off",
    )
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[:6] == [
        "resolution: 320x240",
        "brightness: 90",
        "contrast: 4",
        "mode: 60hz",
        "flip: on",
        "mirror: off",
    ]
    assert (sim.image.brightness, sim.image.resolution, sim.image.flip) == (90, 8, 1)
    run = await run_cli("settings", *login(sim), "--mirror", "on")
    assert "mirror: on" in run.out
    assert sim.image.flip == 3
    run = await run_cli("settings", *login(sim))
    assert "brightness: 90" in run.out


async def test_settings_bad_values(sim: CameraSimulator, run_cli) -> None:
    for args in (["--brightness", "300"], ["--contrast", "x"], ["--resolution", "1x1"]):
        run = await run_cli("settings", *login(sim), *args)
        assert run.code == 2
        assert args[0] in run.err
    assert sim.image.brightness == 163


def test_describe_unknown_codes() -> None:
    lines = describe_settings(ImageSettings(99, 1, 2, 7, 0))
    assert lines[0] == "resolution: code 99"
    assert lines[3] == "mode: code 7"
