"""Text commands (stdin and /sim endpoints)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from bseries_sim.commands import HELP, run_command
from custom_components.bseries_ipcam.protocol.const import AlarmType
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify

from .conftest import RawClient, login, start_video

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator


def fault(sim: CameraSimulator, name: str) -> object:
    """A fault setting, read fresh (no narrowing across commands)."""
    return getattr(sim.faults, name)


async def test_alarm_commands(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    for name, alarm_type in [
        ("motion", AlarmType.MOTION),
        ("input", AlarmType.INPUT),
        ("sound", AlarmType.SOUND),
        ("stop", AlarmType.STOPPED),
    ]:
        assert run_command(sim, name) == f"alarm {alarm_type.name.lower()} sent to 1 session(s)"
        assert (await client.read_type(AlarmNotify)).alarm_type == alarm_type
    run_command(sim, "MOTION 10,20,30,40")
    assert (await client.read_type(AlarmNotify)).alarm_area == (10, 20, 30, 40)
    with pytest.raises(ValueError, match="four integers"):
        run_command(sim, "motion 1,2")


async def test_fault_commands(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    await sim.wait_for(lambda: sim.sessions[0].av_connected)
    assert sim.run_command("stall").startswith("stalled")
    assert sim.faults.stalled
    assert run_command(sim, "resume") == "resumed"
    assert run_command(sim, "login-result 2") == "login-result forced to 2"
    assert fault(sim, "login_result") == 2
    assert run_command(sim, "login-result 0") == "login-result normal"
    assert fault(sim, "login_result") is None
    assert run_command(sim, "verify-result 5") == "verify-result forced to 5"
    assert fault(sim, "verify_result") == 5
    assert run_command(sim, "video-result 2") == "video-result forced to 2"
    assert fault(sim, "video_result") == 2
    assert run_command(sim, "video-result 0") == "video-result normal"
    assert fault(sim, "video_result") is None
    assert "1.5 s" in run_command(sim, "delay 1.5")
    assert run_command(sim, "timestamps frozen") == "camera clock frozen"
    assert run_command(sim, "timestamps jumping") == "camera clock jumping"
    assert run_command(sim, "peer-list").endswith("on")
    assert run_command(sim, "peer-list off").endswith("off")
    assert run_command(sim, "unknown-op on").endswith("on")
    assert run_command(sim, "unknown-op no").endswith("off")
    assert run_command(sim, "clear") == "every fault cleared"
    assert fault(sim, "clock") == "normal"
    assert fault(sim, "verify_result") is None
    assert json.loads(run_command(sim, "status"))["av_connections_open"] == 1
    assert run_command(sim, "help") == HELP
    assert run_command(sim, "garbage control") == "garbage sent to 1 connection(s)"
    assert run_command(sim, "garbage") == "garbage sent to 2 connection(s)"
    assert run_command(sim, "lie-short av") == "short frame sent to 1 connection(s)"
    assert run_command(sim, "lie control") == "lying 10 MiB header sent to 1 connection(s)"
    await client.expect_closed()
    await av.expect_closed()
    assert run_command(sim, "drop-av") == "dropped 0 AV connection(s)"
    assert run_command(sim, "drop") == "dropped 0 connection(s)"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("bogus", "unknown command"),
        ("garbage nowhere", "control, av or all"),
        ("delay soon", "a number"),
        ("peer-list maybe", "on or off"),
        ("", "unknown command"),
    ],
)
async def test_bad_commands(sim: CameraSimulator, line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_command(sim, line)
