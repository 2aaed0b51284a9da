"""The simulated camera's alarm settings: get_params.cgi's fields, set_alarm.cgi, and arming,
which decides whether an alarm is sent at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from bseries_sim import CameraSimulator
from custom_components.bseries_ipcam.protocol.const import AlarmType
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify

from .conftest import RawClient, login, make_config

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

AUTH = "user=admin&pwd=secret"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _alarms(client: RawClient, count: int) -> list[AlarmNotify]:
    return [await client.read_type(AlarmNotify) for _ in range(count)]


async def _vars(http: aiohttp.ClientSession, url: str) -> dict[str, str]:
    async with http.get(url) as response:
        assert response.status == 200
        text = await response.text()
    pairs = (line.removeprefix("var ").rstrip(";").split("=", 1) for line in text.splitlines())
    return {name: value.strip("'") for name, value in pairs}


async def test_alarm_fields_and_set_alarm(
    sim: CameraSimulator, http: aiohttp.ClientSession
) -> None:
    params = await _vars(http, f"{sim.url}/get_params.cgi?{AUTH}")
    assert params["alarm_motion_armed"] == "1"
    assert params["alarm_motion_sensitivity"] == "5"
    assert params["alarm_sounddetect_armed"] == "1"
    assert params["alarm_preset"] == "0"

    for query in ("motion_armed=0", "motion_sensitivity=2", "preset=3"):
        async with http.get(f"{sim.url}/set_alarm.cgi?{AUTH}&{query}") as response:
            assert await response.text() == "ok.\n"
    params = await _vars(http, f"{sim.url}/get_params.cgi?{AUTH}")
    assert (params["alarm_motion_armed"], params["alarm_motion_sensitivity"]) == ("0", "2")
    assert params["alarm_preset"] == "3"
    assert sim.alarm_settings["alarm_motion_armed"] == 0


@pytest.mark.parametrize(
    "query", ["motion_armed=2", "motion_sensitivity=10", "nosuch=1", "motion_armed=x", ""]
)
async def test_set_alarm_refuses(
    sim: CameraSimulator, http: aiohttp.ClientSession, query: str
) -> None:
    before = sim.alarm_settings
    async with http.get(f"{sim.url}/set_alarm.cgi?{AUTH}&{query}") as response:
        assert await response.text() == "error: illegal params.\n"
    assert sim.alarm_settings == before


async def test_set_alarm_needs_an_administrator(make_sim, http: aiohttp.ClientSession) -> None:
    from bseries_sim import SimUser
    from custom_components.bseries_ipcam.protocol.const import Privilege

    sim = await make_sim(users={"oper": SimUser("oper", Privilege.OPERATOR)})
    async with http.get(f"{sim.url}/set_alarm.cgi?user=oper&pwd=oper&motion_armed=0") as response:
        assert response.status == 401
    assert sim.alarm_settings["alarm_motion_armed"] == 1


async def test_arming_gates_the_alarms(
    sim: CameraSimulator, http: aiohttp.ClientSession, clients: list[RawClient]
) -> None:
    client, _, verify = await login(sim)
    clients.append(client)
    assert verify.ok
    assert sim.trigger_alarm(AlarmType.MOTION) == 1
    sim.set_alarm(motion_armed=0)
    assert sim.trigger_alarm(AlarmType.MOTION) == 0
    assert sim.trigger_alarm(AlarmType.INPUT) == 1
    sim.set_alarm(input_armed=0, sounddetect_armed=0)
    assert sim.trigger_alarm(AlarmType.INPUT) == 0
    assert sim.trigger_alarm(AlarmType.SOUND) == 0
    assert sim.trigger_alarm(AlarmType.STOPPED) == 1
    status = await _vars(http, f"{sim.url}/get_status.cgi?{AUTH}")
    assert status["alarm_status"] == "0"
    with pytest.raises(ValueError, match="not valid"):
        sim.set_alarm(motion_armed=7)
    # Only the two armed alarms and the "stopped" reached the session.
    assert [alarm.alarm_type for alarm in await _alarms(client, 3)] == [1, 2, 0]


async def test_get_status_reports_the_alarm(
    sim: CameraSimulator, http: aiohttp.ClientSession
) -> None:
    sim.trigger_alarm(AlarmType.SOUND)
    status = await _vars(http, f"{sim.url}/get_status.cgi?{AUTH}")
    assert status["alarm_status"] == "3"


async def test_firmware_without_sound_detection(
    socket_enabled: None, http: aiohttp.ClientSession
) -> None:
    async with CameraSimulator(make_config(sound_detection=False)) as sim:
        params = await _vars(http, f"{sim.url}/get_params.cgi?{AUTH}")
        assert "alarm_motion_armed" in params
        assert not any(name.startswith("alarm_sounddetect") for name in params)
        assert sim.trigger_alarm(AlarmType.SOUND) == 0
        async with http.get(f"{sim.url}/set_alarm.cgi?{AUTH}&sounddetect_armed=1") as response:
            assert await response.text() == "error: illegal params.\n"


async def test_set_alarm_command(sim: CameraSimulator) -> None:
    assert sim.run_command("set-alarm motion_armed 0") == "alarm setting motion_armed set to 0"
    assert sim.alarm_settings["alarm_motion_armed"] == 0
    with pytest.raises(ValueError, match="not valid"):
        sim.run_command("set-alarm nosuch 1")
    with pytest.raises(ValueError, match="number"):
        sim.run_command("set-alarm motion_armed x")
