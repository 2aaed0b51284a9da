"""The control channel: login, verify, start responses, alarms, limits, keepalive."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from custom_components.bseries_ipcam.protocol.const import (
    AlarmType,
    Channel,
    FrameInterval,
    Privilege,
    ResultCode,
)
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    DecoderControl,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamsFetchReq,
    ParamsResp,
    TalkEnd,
    TalkStartReq,
    TalkStartResp,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
    VideoStartResp,
)

from .conftest import PASSWORD, USER, RawClient, login

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator


async def test_login_and_verify_success(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, login_resp, verify_resp = await login(sim)
    clients.append(client)
    assert login_resp == LoginResp(0, "00626E4E72BF", 0x01000000, 0, "11.37.2.56")
    assert len(login_resp.encode_text()) == 27
    assert verify_resp == VerifyResp(0, Privilege.ADMINISTRATOR)
    assert len(verify_resp.encode_text()) == 3
    await sim.wait_for(lambda: len(sim.commands(session_id=sim.sessions[0].session_id)) == 2)
    commands = sim.commands(channel=Channel.CONTROL)
    assert commands[0] == LoginReq()
    assert commands[1] == VerifyReq(USER, PASSWORD)
    assert sim.commands(VerifyReq)[0].user == USER
    assert sim.received[0].session_id == sim.sessions[0].session_id
    assert sim.sessions[0].verified
    assert sim.stats.control_connections_accepted == 1
    assert sim.stats.control_connections_open == 1


@pytest.mark.parametrize(
    ("user", "password", "privilege"),
    [("viewer", "view", Privilege.VISITOR), ("oper", "oper", Privilege.OPERATOR)],
)
async def test_verify_privileges(
    sim: CameraSimulator, clients: list[RawClient], user: str, password: str, privilege: int
) -> None:
    client, _, verify_resp = await login(sim, user, password)
    clients.append(client)
    assert verify_resp.privilege == privilege


@pytest.mark.parametrize(
    ("user", "password", "result"),
    [("nobody", PASSWORD, ResultCode.BAD_USER), (USER, "wrong", ResultCode.BAD_PASSWORD)],
)
async def test_verify_failure_is_two_bytes(
    sim: CameraSimulator, clients: list[RawClient], user: str, password: str, result: int
) -> None:
    client, _, verify_resp = await login(sim, user, password)
    clients.append(client)
    assert verify_resp == VerifyResp(result)
    # Still unverified: a request now is refused by closing.
    await client.send(VideoStartReq(1))
    await client.expect_closed()


async def test_request_before_verify_closes(sim: CameraSimulator) -> None:
    client = await RawClient.open(sim)
    await client.send(LoginReq())
    await client.read_type(LoginResp)
    await client.send(ParamsFetchReq())
    assert await client.expect_closed() == b""
    await client.close()


async def test_verify_before_login_closes(sim: CameraSimulator) -> None:
    client = await RawClient.open(sim)
    await client.send(VerifyReq(USER, PASSWORD))
    assert await client.expect_closed() == b""
    await client.close()
    await sim.wait_for(lambda: sim.stats.control_connections_open == 0)


async def test_bad_magic_closes(sim: CameraSimulator) -> None:
    client = await RawClient.open(sim)
    await client.send(LoginReq())
    await client.read_type(LoginResp)
    await client.send_raw(b"MO_V" + bytes(19))  # an AV command on the control channel
    await client.expect_closed()
    await client.close()


async def test_unknown_and_keepalive_are_ignored(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(UnknownCommand(Channel.CONTROL, 0x77, b"abc"))
    await client.send(KeepAlive())
    await client.send(DecoderControl(94))
    await client.send(ParamsFetchReq())
    params = await client.read_type(ParamsResp)
    assert params.resolution == 32  # the camera's setting; frames are the config's size
    await sim.wait_for(lambda: bool(sim.commands(ParamsFetchReq)))
    assert sim.commands(DecoderControl) == [DecoderControl(94)]


async def test_params_vga(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(width=640, height=480)
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(ParamsFetchReq())
    params = await client.read_type(ParamsResp)
    assert params.resolution == 32
    assert len(params.encode_text()) == 8


async def test_start_responses_six_then_two_bytes(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(VideoStartReq(1))
    first = await client.read_type(VideoStartResp)
    assert first.ok
    assert first.connection_id is not None
    assert len(first.encode_text()) == 6
    # No AV connection yet: the same id again.
    await client.send(AudioStartReq(1))
    second = await client.read_type(AudioStartResp)
    assert second.connection_id == first.connection_id
    av = await RawClient.open(sim, Channel.AV)
    clients.append(av)
    from custom_components.bseries_ipcam.protocol.messages import AvLoginReq

    await av.send(AvLoginReq(first.connection_id))
    session = sim.sessions[0]
    await sim.wait_for(lambda: session.av_connected)
    await client.send(TalkStartReq(3))
    talk = await client.read_type(TalkStartResp)
    assert talk == TalkStartResp(0)
    assert len(talk.encode_text()) == 2
    await client.send(VideoStartReq(2))
    assert await client.read_type(VideoStartResp) == VideoStartResp(0)
    await sim.wait_for(lambda: session.talk and session.talk_buffer_seconds == 3)
    await client.send(TalkEnd())
    await client.send(AudioEnd())
    await client.send(VideoEnd())
    await sim.wait_for(lambda: not (session.talk or session.audio or session.video))


async def test_frame_interval_set_and_reset(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    session = sim.sessions[0]
    await client.send(VideoFrameInterval(FrameInterval.MS_500))
    await sim.wait_for(lambda: session.frame_interval is FrameInterval.MS_500)
    await client.send(VideoFrameInterval(15))  # not a code: ignored
    await client.send(VideoStartReq(1))
    await client.read_type(VideoStartResp)
    assert session.frame_interval is FrameInterval.MS_0
    assert sim.commands(VideoFrameInterval)[1].code == 15


async def test_talk_refused_while_another_session_talks(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    first, _, _ = await login(sim)
    second, _, _ = await login(sim)
    clients.extend([first, second])
    await first.send(TalkStartReq(1))
    assert (await first.read_type(TalkStartResp)).ok
    await second.send(TalkStartReq(1))
    response = await second.read_type(TalkStartResp)
    assert response == TalkStartResp(ResultCode.TOO_MANY_CONNECTIONS)
    assert len(response.encode_text()) == 2
    await first.send(TalkEnd())
    await sim.wait_for(lambda: not any(s.talk for s in sim.sessions))
    await second.send(TalkStartReq(1))
    assert (await second.read_type(TalkStartResp)).ok


async def test_max_control_connections(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(max_connections=2)
    for _ in range(2):
        client, login_resp, _ = await login(sim)
        clients.append(client)
        assert login_resp.ok
    extra = await RawClient.open(sim)
    clients.append(extra)
    await extra.send(LoginReq())
    assert await extra.read_type(LoginResp) == LoginResp(ResultCode.TOO_MANY_CONNECTIONS)
    await extra.expect_closed()
    # A slot frees when a client leaves.
    await clients[0].close()
    await sim.wait_for(lambda: sim.stats.control_connections_open == 1)
    client, login_resp, _ = await login(sim)
    clients.append(client)
    assert login_resp.ok


async def test_max_av_connections(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(max_av_connections=1)
    first, _, _ = await login(sim)
    second, _, _ = await login(sim)
    clients.extend([first, second])
    await first.send(VideoStartReq(1))
    assert (await first.read_type(VideoStartResp)).connection_id is not None
    await second.send(AudioStartReq(1))
    assert await second.read_type(AudioStartResp) == AudioStartResp(ResultCode.TOO_MANY_CONNECTIONS)


async def test_alarms_reach_every_verified_session(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    first, _, _ = await login(sim)
    second, _, _ = await login(sim)
    unverified, _, _ = await login(sim, USER, "wrong")
    clients.extend([first, second, unverified])
    assert sim.trigger_alarm(AlarmType.MOTION, (1, 2, 3, 4)) == 2
    for client in (first, second):
        alarm = await client.read_type(AlarmNotify)
        assert alarm == AlarmNotify(AlarmType.MOTION, (1, 2, 3, 4))
        assert len(alarm.encode_text()) == 9
    assert sim.alarm_status == AlarmType.MOTION
    for alarm_type in (AlarmType.INPUT, AlarmType.SOUND, AlarmType.STOPPED):
        sim.trigger_alarm(alarm_type)
        assert await first.read_type(AlarmNotify) == AlarmNotify(alarm_type, (0, 0, 0, 0))
    assert sim.alarm_status == 0
    await sim.wait_for(lambda: sim.stats.alarms_sent == 8)
    assert await unverified.nothing_for(0.1)


async def test_keepalive_to_idle_clients(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(keepalive_interval=0.1)
    client, _, _ = await login(sim)
    clients.append(client)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await client.read() == KeepAlive()
    assert await client.read() == KeepAlive()
    assert loop.time() - start >= 0.15
    assert sim.stats.keepalives_sent >= 2


async def test_silent_client_is_dropped(make_sim) -> None:
    sim = await make_sim(dead_after=0.2, keepalive_interval=10.0)
    client, _, _ = await login(sim)
    await client.expect_closed(2.0)
    await client.close()
    await sim.wait_for(lambda: sim.stats.control_connections_open == 0)


async def test_login_twice_is_answered_twice(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(LoginReq())
    assert (await client.read_type(LoginResp)).ok
