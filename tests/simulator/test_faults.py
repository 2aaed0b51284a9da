"""Faults switched on at run time."""

from __future__ import annotations

import asyncio
import struct

import pytest

from bseries_sim import PEER_LIST_PASSWORD, PEER_LIST_USER, UNKNOWN_OPCODE, CameraSimulator
from bseries_sim.faults import GARBAGE_PREFIX, PEER_LIST_SIZE, peer_camera_list
from custom_components.bseries_ipcam.protocol.const import (
    HEADER_SIZE,
    AlarmType,
    AvOp,
    Channel,
    ControlOp,
    ResultCode,
)
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamsFetchReq,
    ParamsResp,
    PeerCameraList,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoData,
)

from .conftest import PASSWORD, USER, RawClient, login, start_video


async def _video_session(
    sim: CameraSimulator, clients: list[RawClient]
) -> tuple[RawClient, RawClient]:
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    await av.read_type(VideoData)
    return client, av


async def test_drop_all(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    assert sim.drop_all() == 2
    await client.expect_closed()
    await av.expect_closed()
    await sim.wait_for(
        lambda: sim.stats.control_connections_open == 0 and sim.stats.av_connections_open == 0
    )
    assert sim.sessions == []
    # The camera is still there: a new client logs in.
    again, login_resp, _ = await login(sim)
    clients.append(again)
    assert login_resp.ok


async def test_drop_av_only(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    assert sim.drop_av() == 1
    await av.expect_closed()
    await sim.wait_for(lambda: not sim.sessions[0].av_connected)
    await client.send(ParamsFetchReq())
    assert isinstance(await client.read_type(ParamsResp), ParamsResp)


async def test_stall_and_resume(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    sim.stall()
    assert sim.faults.stalled
    await av.drain()  # frames already in flight arrive
    frames = sim.stats.video_frames_sent
    await client.send(ParamsFetchReq())
    sim.trigger_alarm(AlarmType.MOTION)
    assert await client.nothing_for(0.3)
    assert sim.stats.video_frames_sent == frames
    sim.resume()
    assert isinstance(await client.read(), (ParamsResp, AlarmNotify))
    await sim.wait_for(lambda: sim.stats.video_frames_sent > frames)


async def test_stopping_while_stalled(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    sim.stall()
    await client.send(ParamsFetchReq())
    await asyncio.sleep(0.05)
    await sim.stop()
    await client.expect_closed()
    await av.expect_closed()


@pytest.mark.parametrize("target", ["control", "av", "all"])
async def test_garbage(sim: CameraSimulator, clients: list[RawClient], target: str) -> None:
    client, av = await _video_session(sim, clients)
    expected = 2 if target == "all" else 1
    assert sim.send_garbage(target, size=40) == expected  # type: ignore[arg-type]
    if target in {"control", "all"}:
        data = await client.read_raw(40)
        assert data.startswith(GARBAGE_PREFIX)
    if target in {"av", "all"}:
        assert "bad magic" in str(await av.read_until_error())


async def test_lying_length_huge(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    assert sim.send_lying_length("av") == 1
    assert "exceeds the bound" in str(await av.read_until_error())
    await av.expect_closed()
    sim.send_lying_length("control", claimed_length=200_000)
    data = await client.expect_closed()
    assert struct.unpack_from("<4sHB8sII", data, len(data) - HEADER_SIZE)[4] == 200_000


async def test_lying_length_short(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, av = await _video_session(sim, clients)
    av.pending.clear()
    sim.send_lying_length("av", claimed_length=100_000, sent_length=1_000)
    data = await av.expect_closed()
    # Whole frames, then a header promising 100,000 bytes of which 1,000 came.
    offset = 0
    while len(data) - offset > HEADER_SIZE + 1_000:
        length = struct.unpack_from("<I", data, offset + 15)[0]
        offset += HEADER_SIZE + length
    assert data[offset : offset + 4] == b"MO_V"
    assert struct.unpack_from("<HB8sI", data, offset + 4)[0] == AvOp.VIDEO_DATA
    assert struct.unpack_from("<I", data, offset + 15)[0] == 100_000
    assert len(data) - offset == HEADER_SIZE + 1_000
    # The control connection is untouched.
    await client.send(ParamsFetchReq())
    assert isinstance(await client.read_type(ParamsResp), ParamsResp)


async def test_lying_length_kept_open(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _ = await _video_session(sim, clients)
    sim.send_lying_length("control", claimed_length=50, sent_length=10, close=False)
    header = await client.read_raw(HEADER_SIZE + 10)
    assert struct.unpack_from("<H", header, 4)[0] == ControlOp.PARAMS_RESP
    await asyncio.sleep(0.1)
    assert not client.reader.at_eof()


@pytest.mark.parametrize(
    "result", [ResultCode.TOO_MANY_CONNECTIONS, ResultCode.BAD_PROTOCOL_VERSION]
)
async def test_forced_login_result(sim: CameraSimulator, result: int) -> None:
    sim.force_login_result(result)
    client = await RawClient.open(sim)
    await client.send(LoginReq())
    response = await client.read_type(LoginResp)
    assert response == LoginResp(result)
    assert len(response.encode_text()) == 2
    await client.expect_closed()
    await client.close()
    sim.force_login_result(None)
    again, login_resp, _ = await login(sim)
    assert login_resp.ok
    await again.close()


@pytest.mark.parametrize(
    "result",
    [ResultCode.BAD_USER, ResultCode.BAD_PASSWORD, ResultCode.INSUFFICIENT_PRIVILEGE],
)
async def test_forced_verify_result(
    sim: CameraSimulator, clients: list[RawClient], result: int
) -> None:
    sim.force_verify_result(result)
    client, _, verify_resp = await login(sim)
    clients.append(client)
    assert verify_resp == VerifyResp(result)
    sim.force_verify_result(0)
    await client.send(VerifyReq(USER, PASSWORD))
    assert (await client.read_type(VerifyResp)).ok


async def test_response_delay(sim: CameraSimulator, clients: list[RawClient]) -> None:
    sim.set_response_delay(0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    client, _, _ = await login(sim)
    clients.append(client)
    assert loop.time() - start >= 0.6
    sim.set_response_delay(-1)
    assert sim.faults.response_delay == 0


async def test_peer_list_and_unknown_opcode(sim: CameraSimulator, clients: list[RawClient]) -> None:
    sim.send_peer_list()
    sim.send_unknown_opcode()
    client, _, verify_resp = await login(sim)
    clients.append(client)
    assert verify_resp.ok
    peers = await client.read()
    assert isinstance(peers, PeerCameraList)
    assert len(peers.data) == PEER_LIST_SIZE == 1152
    assert PEER_LIST_USER.encode() in peers.data
    assert PEER_LIST_PASSWORD.encode() in peers.data
    assert peers.data == peer_camera_list()
    unknown = await client.read()
    assert isinstance(unknown, UnknownCommand)
    assert unknown.opcode == UNKNOWN_OPCODE
    assert unknown.channel is Channel.CONTROL


async def test_clear_faults(sim: CameraSimulator, clients: list[RawClient]) -> None:
    sim.stall()
    sim.force_login_result(2)
    sim.force_verify_result(5)
    sim.set_response_delay(3)
    sim.send_peer_list()
    sim.send_unknown_opcode()
    sim.clear_faults()
    assert not sim.faults.stalled
    client, login_resp, verify_resp = await login(sim)
    clients.append(client)
    assert login_resp.ok
    assert verify_resp.ok
    assert await client.nothing_for(0.1)


async def test_keepalive_waits_while_stalled(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(keepalive_interval=0.05)
    client, _, _ = await login(sim)
    clients.append(client)
    sim.stall()
    await asyncio.sleep(0.05)
    await client.drain()
    assert await client.nothing_for(0.2)
    sim.resume()
    assert await client.read() == KeepAlive()


async def test_stall_holds_http_streams(sim: CameraSimulator) -> None:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"GET /videostream.cgi?user=admin&pwd=secret HTTP/1.1\r\n\r\n")
    await sim.wait_for(lambda: sim.stats.http_frames_sent >= 2)
    sim.stall()
    await asyncio.sleep(0.05)
    frames = sim.stats.http_frames_sent
    await asyncio.sleep(0.2)
    assert sim.stats.http_frames_sent == frames
    sim.resume()
    # No burst of late frames after the stall: the frame clock starts again from now.
    await asyncio.sleep(0.1)
    assert frames < sim.stats.http_frames_sent <= frames + 5
    writer.close()
    await writer.wait_closed()
    del reader
