"""The control session against the simulated camera: login, errors, requests, alarms, liveness."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING

import pytest

from custom_components.bseries_ipcam.protocol import (
    BadPasswordError,
    BadUserError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
    ControlSession,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
    ProtocolError,
    ProtocolVersionError,
    TooManyConnectionsError,
)
from custom_components.bseries_ipcam.protocol.const import AlarmType, FrameInterval, ResultCode
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    Command,
    KeepAlive,
    ParamsResp,
    VerifyReq,
    VideoFrameInterval,
)

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator


def _session(sim: CameraSimulator, **kwargs: float) -> ControlSession:
    return ControlSession(sim.host, sim.port, USER, PASSWORD, **kwargs)


async def test_login_and_verify(sim: CameraSimulator) -> None:
    session = _session(sim)
    info = await session.connect()
    assert info.camera_id == "00626E4E72BF"
    assert info.mac == "00:62:6e:4e:72:bf"
    assert info.firmware == "11.37.2.56"
    assert info.protocol_version == 0x01000000
    assert info.privilege_name == "administrator"
    connected_after_login = session.connected
    verify = sim.commands(VerifyReq)
    assert [(c.user, c.password) for c in verify] == [(USER, PASSWORD)]
    await session.close()
    assert connected_after_login
    assert not session.connected
    assert await session.wait_closed() is None


async def test_visitor_privilege(sim: CameraSimulator) -> None:
    session = ControlSession(sim.host, sim.port, "viewer", "look")
    info = await session.connect()
    assert info.privilege_name == "visitor"
    await session.close()


@pytest.mark.parametrize(
    ("user", "password", "error"),
    [("nobody", PASSWORD, BadUserError), (USER, "wrong", BadPasswordError)],
)
async def test_bad_credentials(
    sim: CameraSimulator, user: str, password: str, error: type[Exception]
) -> None:
    session = ControlSession(sim.host, sim.port, user, password)
    with pytest.raises(error) as caught:
        await session.connect()
    assert password not in str(caught.value)
    assert not session.connected


@pytest.mark.parametrize(
    ("login", "verify", "error"),
    [
        (ResultCode.TOO_MANY_CONNECTIONS, None, TooManyConnectionsError),
        (ResultCode.BAD_PROTOCOL_VERSION, None, ProtocolVersionError),
        (None, ResultCode.INSUFFICIENT_PRIVILEGE, InsufficientPrivilegeError),
        (None, ResultCode.BAD_USER, BadUserError),
        (None, ResultCode.BAD_PASSWORD, BadPasswordError),
    ],
)
async def test_forced_result_codes(
    sim: CameraSimulator, login: int | None, verify: int | None, error: type[Exception]
) -> None:
    sim.force_login_result(login)
    sim.force_verify_result(verify)
    with pytest.raises(error):
        await _session(sim).connect()


async def test_too_many_connections(sim: CameraSimulator) -> None:
    sessions = [_session(sim) for _ in range(sim.config.max_connections)]
    for session in sessions:
        await session.connect()
    with pytest.raises(TooManyConnectionsError):
        await _session(sim).connect()
    for session in sessions:
        await session.close()


@pytest.mark.parametrize(
    ("user", "password"), [("a" * 13, "x"), ("admin", "p" * 13), ("admin", "pässword")]
)
async def test_credentials_checked_before_connecting(user: str, password: str) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        ControlSession("127.0.0.1", 9, user, password)
    assert password not in str(caught.value)


async def test_refused(socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionRefusedByCameraError):
        await ControlSession("127.0.0.1", port, USER, PASSWORD).connect()


@pytest.mark.parametrize(
    ("os_error", "message"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "cannot resolve"),
        (OSError(113, "No route to host"), "No route to host"),
    ],
)
async def test_unreachable_host(
    monkeypatch: pytest.MonkeyPatch, os_error: OSError, message: str
) -> None:
    # What the OS answers for an unknown name or an unreachable network (no DNS or routing here).
    async def fail(*args: object, **kwargs: object) -> None:
        raise os_error

    monkeypatch.setattr(asyncio.get_running_loop(), "create_connection", fail)
    with pytest.raises(ConnectionFailedError, match=message):
        await ControlSession("camera.lan", 80, USER, PASSWORD).connect()


async def test_login_timeout_on_silent_listener(socket_enabled: None) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(CameraTimeoutError):
            await ControlSession("127.0.0.1", port, USER, PASSWORD, timeout=0.3).connect()
    finally:
        server.close()
        await server.wait_closed()


async def test_delayed_response_times_out(sim: CameraSimulator) -> None:
    sim.set_response_delay(1.0)
    with pytest.raises(CameraTimeoutError):
        await _session(sim, timeout=0.2).connect()


async def test_requests_matched_to_responses(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    connection_id = await session.start_video()
    assert isinstance(connection_id, int)
    params = await session.fetch_params()
    assert isinstance(params, ParamsResp)
    await session.set_frame_interval(FrameInterval.MS_500)
    await sim.wait_for(lambda: bool(sim.commands(VideoFrameInterval)))
    assert sim.commands(VideoFrameInterval)[-1].code == 140
    await session.stop_video()
    await session.close()


async def test_alarms_delivered_to_listeners(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    received: list[Command] = []
    remove = session.add_listener(received.append)
    for alarm in (AlarmType.MOTION, AlarmType.INPUT, AlarmType.SOUND, AlarmType.STOPPED):
        sim.trigger_alarm(alarm)
    await sim.wait_for(lambda: len(received) == 4)
    assert [c.alarm_type for c in received if isinstance(c, AlarmNotify)] == [1, 2, 3, 0]
    remove()
    remove()  # removing twice is harmless
    sim.trigger_alarm(AlarmType.MOTION)
    await asyncio.sleep(0.1)
    assert len(received) == 4
    await session.close()


async def test_failing_listener_does_not_break_session(
    sim: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    session = _session(sim)
    await session.connect()
    seen: list[Command] = []

    def broken(command: Command) -> None:
        raise RuntimeError("listener bug")

    session.add_listener(broken)
    session.add_listener(seen.append)
    sim.trigger_alarm(AlarmType.MOTION)
    await sim.wait_for(lambda: bool(seen))
    assert "Error in a listener" in caplog.text
    assert session.connected
    await session.close()


async def test_peer_list_and_unknown_opcodes_skipped(
    sim: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim.send_peer_list()
    sim.send_unknown_opcode()
    session = _session(sim)
    received: list[Command] = []
    session.add_listener(received.append)
    await session.connect()
    sim.trigger_alarm(AlarmType.MOTION)
    await sim.wait_for(lambda: bool(received))
    assert all(isinstance(c, AlarmNotify) for c in received)
    assert "peer camera list" in caplog.text
    assert "unknown control command" in caplog.text
    assert "peersecret" not in caplog.text
    assert PASSWORD not in caplog.text
    await session.close()


async def test_drop_ends_session_with_error(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    errors: list[object] = []
    session.add_close_listener(errors.append)
    removed = session.add_close_listener(errors.append)
    removed()
    sim.drop_all()
    error = await asyncio.wait_for(session.wait_closed(), 5)
    assert isinstance(error, ConnectionClosedError)
    assert errors == [error]
    assert not session.connected
    with pytest.raises(ConnectionClosedError):
        await session.start_video()
    await session.close()


async def test_garbage_is_a_protocol_error(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    sim.send_garbage("control")
    assert isinstance(await asyncio.wait_for(session.wait_closed(), 5), ProtocolError)
    await session.close()


async def test_lying_length_is_a_protocol_error(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    sim.send_lying_length("control")
    error = await asyncio.wait_for(session.wait_closed(), 5)
    assert isinstance(error, (ProtocolError, ConnectionClosedError))
    await session.close()


async def test_stalled_camera_is_declared_dead(sim: CameraSimulator) -> None:
    session = _session(sim, dead_after=0.5, keepalive_interval=0.1)
    await session.connect()
    sim.stall()
    error = await asyncio.wait_for(session.wait_closed(), 5)
    assert isinstance(error, CameraTimeoutError)
    await session.close()


async def test_keepalive_sent_when_idle(sim: CameraSimulator) -> None:
    session = _session(sim, keepalive_interval=0.1)
    await session.connect()
    await sim.wait_for(lambda: len(sim.commands(KeepAlive)) >= 2, timeout=3)
    assert session.connected
    await session.close()


async def test_pending_request_fails_when_connection_drops(sim: CameraSimulator) -> None:
    session = _session(sim)
    await session.connect()
    sim.set_response_delay(5)
    request = asyncio.create_task(session.fetch_params())
    await asyncio.sleep(0.1)
    sim.drop_all()
    with pytest.raises(ConnectionClosedError):
        await request
    await session.close()


async def test_repr_hides_password(sim: CameraSimulator) -> None:
    session = _session(sim)
    assert PASSWORD not in repr(session)
    assert await session.wait_closed() is None
