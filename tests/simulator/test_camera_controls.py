"""The simulated camera's controls: viewport, presets, patrol, IR, image settings, op 18, personas."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bseries_sim import CameraSimulator, SimUser
from bseries_sim.personas import CLONE_RESERVED_BYTE, persona_config
from bseries_sim.ptz import PanTilt
from custom_components.bseries_ipcam.protocol.const import Privilege
from custom_components.bseries_ipcam.protocol.messages import (
    CameraAlias,
    DecoderControl,
    ParamChanged,
    ParamSet,
    ParamsFetchReq,
    ParamsResp,
    VideoStartReq,
    VideoStartResp,
)
from tests.picture import is_greyscale, picture_size, view_shift

from .conftest import PASSWORD, USER, RawClient, login

AUTH = f"user={USER}&pwd={PASSWORD}"


def test_head_moves_stops_at_limits_and_patrols() -> None:
    head = PanTilt(100, 80)
    assert head.position(0) == (50, 40)
    head.command(6, now=0)  # FI89xx: 6 turns the view left
    assert head.position(0.5) == (25, 40)
    assert head.position(10) == (0, 40)  # the limit
    head.command(7, now=10)
    head.command(2, now=10)
    assert head.position(10.5) == (0, 60)
    head.command(1, now=20)  # 1 stops any move
    assert head.position(30) == (0, 80)
    head.command(25, now=30)
    assert head.position(40) == (50, 40)
    head.command(4, onestep=True, now=40)
    assert head.position(50) == (62, 40)
    head.command(30, now=50)  # save preset 1
    head.command(25, now=50)
    head.command(31, now=51)  # go to preset 1
    assert head.position(52) == (62, 40)
    head.command(33, now=52)  # preset 2 was never saved: no move
    assert head.position(52) == (62, 40)
    head.command(28, now=60)
    assert head.position(61) != head.position(60)
    assert 0 <= head.position(63)[0] <= 100
    head.command(29, now=70)
    head.command(26, now=70)
    assert head.position(70.5)[1] != head.position(70)[1]
    head.command(27, now=80)
    assert head.position(90) == head.position(80)
    head.command(92, now=90)
    assert head.position(90.1) != head.position(90)
    assert not head.command(200, now=100)
    assert head.command(95)
    assert head.ir
    head.command(94)
    assert not head.ir


async def test_a_move_changes_the_picture(sim: CameraSimulator) -> None:
    before = sim.snapshot()
    sim.decoder_control(6)
    await sim.wait_for(lambda: sim.ptz.position()[0] <= 60)
    sim.decoder_control(7)
    dx, dy = view_shift(before, sim.snapshot())
    assert dx < -10  # the view went left: the picture's content moved right
    assert dy == 0
    # Flipped (upside down): code 0 ("up") moves the picture's view down.
    sim.set_camera_param(5, 1)
    before = sim.snapshot()
    sim.decoder_control(0)
    await sim.wait_for(lambda: sim.ptz.position()[1] <= 50)
    sim.decoder_control(1)
    assert view_shift(before, sim.snapshot())[1] > 5


async def test_image_settings_shape_the_frames(sim: CameraSimulator) -> None:
    assert picture_size(sim.snapshot()) == (160, 120)
    assert sim.set_camera_param(0, 8)
    assert picture_size(sim.snapshot()) == (80, 60)
    assert not sim.set_camera_param(0, 9)
    assert not sim.set_camera_param(4, 1)
    assert not is_greyscale(sim.snapshot())
    sim.decoder_control(95)
    assert is_greyscale(sim.snapshot())
    sim.decoder_control(94)
    assert not is_greyscale(sim.snapshot())
    dark = sim.snapshot()
    sim.set_camera_param(1, 255)
    assert sim.snapshot() != dark
    assert sim.image.get(1) == 255
    with pytest.raises(ValueError, match="no camera parameter"):
        sim.image.get(4)


async def test_op18_goes_to_every_session_whichever_path(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    first, _, _ = await login(sim)
    second, _, _ = await login(sim)
    clients += [first, second]
    await first.send(ParamSet(2, 5))  # op 19 from one session
    for client in (first, second):
        assert await client.read_type(ParamChanged) == ParamChanged(2, 5)
    url = f"{sim.url}/camera_control.cgi?{AUTH}&param=3&value=1"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert await response.text() == "ok.\n"
    for client in (first, second):
        assert await client.read_type(ParamChanged) == ParamChanged(3, 1)
    assert sim.run_command("param flip 2").startswith("parameter flip set to 2")
    assert sim.run_command("param 1 9").startswith("parameter 1")
    for client in (first, second):
        assert await client.read_type(ParamChanged) == ParamChanged(5, 2)
        assert await client.read_type(ParamChanged) == ParamChanged(1, 9)
    await first.send(ParamsFetchReq())
    params = await first.read_type(ParamsResp)
    assert (params.contrast, params.mode, params.flip, params.brightness) == (5, 1, 2, 9)
    await first.send(ParamSet(2, 50))  # out of range: ignored, nothing pushed
    assert await first.nothing_for(0.1)
    with pytest.raises(ValueError, match="does not take"):
        sim.run_command("param contrast 99")
    await sim.wait_for(lambda: sim._state.params_changed_sent == 8)


async def test_op14_moves_and_the_decoder_command(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(DecoderControl(95))
    await sim.wait_for(lambda: sim.ptz.ir)
    assert sim.run_command("decoder 94") == "decoder command 94 done"
    assert not sim.ptz.ir


async def test_clone_persona(clients: list[RawClient]) -> None:
    config = persona_config("clone", users={USER: SimUser(PASSWORD)}, width=160, height=120)
    async with CameraSimulator(config) as sim:
        client, _, verify = await login(sim)
        clients.append(client)
        assert verify.privilege == Privilege.VISITOR  # 0 even for the administrator
        await client.send(ParamsFetchReq())
        alias = await client.read()
        assert isinstance(alias, CameraAlias)
        assert alias.alias == "IPCamera"
        assert len(alias.encode_text()) == 137
        assert isinstance(await client.read(), ParamsResp)
        await client.send(VideoStartReq(1))
        assert (await client.read_type(VideoStartResp)).connection_id == 1
        # The reserved header byte, on the wire.
        await client.send(ParamsFetchReq())
        raw = await client.read_raw(23)
        assert raw[6] == CLONE_RESERVED_BYTE
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        writer.write(f"GET /get_camera_params.cgi?{AUTH} HTTP/1.0\r\n\r\n".encode())
        reply = await reader.read()
        writer.close()
        assert b"\r\nNetwave IP Camera Web Server\r\n" in reply


async def test_cgi_only_persona_ignores_op14_and_op19(clients: list[RawClient]) -> None:
    from bseries_sim import CameraSimulator, SimUser

    config = persona_config("cgi-only", users={USER: SimUser(PASSWORD)}, width=160, height=120)
    async with CameraSimulator(config) as sim:
        client, _, _ = await login(sim)
        clients.append(client)
        await client.send(DecoderControl(95))
        await client.send(ParamSet(1, 7))
        await client.send(ParamsFetchReq())
        params = await client.read_type(ParamsResp)
        assert params.brightness == 163
        assert not sim.ptz.ir
        assert sim.commands(DecoderControl) == [DecoderControl(95)]
    with pytest.raises(ValueError, match="no persona"):
        persona_config("nothing")


async def test_sim_param_endpoint(make_sim) -> None:
    sim = await make_sim(control_endpoints=True)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.url}/sim/param?name=brightness&value=10") as response:
            assert response.status == 200
        async with http.get(f"{sim.url}/sim/param?name=brightness&value=x") as response:
            assert response.status == 400
    assert sim.image.brightness == 10
    assert sim.params["alias"] == "Simulated camera"
