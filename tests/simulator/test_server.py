"""Life cycle, first-byte dispatch and configuration."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from bseries_sim.frames import JpegSource
from bseries_sim.peer import PeerClosedError
from custom_components.bseries_ipcam.protocol.const import ResultCode
from custom_components.bseries_ipcam.protocol.messages import AudioStartReq

from .conftest import login, make_config, start_video


async def test_stop_leaves_nothing_running() -> None:
    before = asyncio.all_tasks()
    sim = CameraSimulator(make_config(keepalive_interval=0.05))
    running = [sim.running]
    await sim.start()
    await sim.start()  # already running: nothing happens
    running.append(sim.running)
    assert sim.port > 0
    assert repr(sim) == f"CameraSimulator(127.0.0.1:{sim.port}, camera_id=00626E4E72BF)"
    # Busy everywhere: video, audio, keepalives, an MJPEG stream, an idle socket, an alarm.
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    await client.send(AudioStartReq(1))
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"GET /videostream.cgi?user=admin&pwd=secret HTTP/1.1\r\n\r\n")
    idle_reader, idle_writer = await asyncio.open_connection(sim.host, sim.port)
    await sim.wait_for(
        lambda: sim.stats.http_streams_open == 1 and sim.stats.audio_packets_sent > 0
    )
    sim.stall()
    sim.trigger_alarm(1)
    await sim.stop()
    await sim.stop()  # twice is fine
    running.append(sim.running)
    assert running == [False, True, False]
    assert asyncio.all_tasks() <= before | {asyncio.current_task()}
    for raw in (client, av):
        await raw.expect_closed()
        await raw.close()
    for stream_reader, stream_writer in ((reader, writer), (idle_reader, idle_writer)):
        with contextlib.suppress(ConnectionResetError):
            await stream_reader.read()
        stream_writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(sim.host, sim.port)


async def test_restart_after_stop() -> None:
    sim = CameraSimulator(make_config())
    async with sim:
        port = sim.port
    config = make_config(port=port)
    async with CameraSimulator(config) as again:
        assert again.port == port
        client, login_resp, _ = await login(again)
        assert login_resp.ok
        await client.close()


async def test_unknown_first_bytes_close(sim: CameraSimulator) -> None:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"\x16\x03\x01\x02hello")  # e.g. a TLS client hello
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"MO")
    writer.write_eof()
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()


async def test_silent_connection_times_out(make_sim) -> None:
    sim = await make_sim(handshake_timeout=0.1)
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    async with asyncio.timeout(2):
        assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()


async def test_wait_for_times_out(sim: CameraSimulator) -> None:
    with pytest.raises(TimeoutError, match="never"):
        await sim.wait_for(lambda: False, timeout=0.05, message="never")
    with pytest.raises(TimeoutError, match=r"0\.05 s"):
        await sim.wait_for(lambda: False, timeout=0.05)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"camera_id": "00626e4e72bf"}, "camera_id"),
        ({"firmware": "11.37.2"}, "version"),
        ({"app_version": "1.2.3.256"}, "version"),
        ({"users": {"waytoolongusername": SimUser("x")}}, "user name"),
        ({"users": {"admin": SimUser("pässword")}}, "password"),
        ({"width": 0}, "width"),
        ({"fps": 0}, "fps"),
        ({"frames": []}, "frames"),
        ({"max_connections": 0}, "limits"),
        ({"keepalive_interval": 0}, "keepalive"),
    ],
)
def test_config_validation(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulatorConfig(**overrides)  # type: ignore[arg-type]


def test_config_check_login() -> None:
    config = SimulatorConfig()
    assert config.check_login("admin", "secret")[0] is ResultCode.OK
    assert config.check_login("admin", "nope") == (ResultCode.BAD_PASSWORD, None)
    assert config.check_login("root", "secret") == (ResultCode.BAD_USER, None)
    assert "secret" not in repr(config)


def test_jpeg_source_cycle() -> None:
    source = JpegSource(64, 48, 10.0, label="t", cycle_seconds=0.5)
    assert len(source) == 5
    assert not source.fixed
    assert source.frame(0) == source.frame(5)
    assert len({source.frame(i) for i in range(5)}) == 5
    fixed = JpegSource(frames=[b"a", b"b"])
    assert fixed.fixed
    assert len(fixed) == 2
    assert fixed.frame(3) == b"b"


async def test_child_task_errors_are_logged(
    sim: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    client, _, _ = await login(sim)
    peer = sim.sessions[0].peer

    async def failing() -> None:
        raise RuntimeError("boom")

    async def closed() -> None:
        raise PeerClosedError("gone")

    tasks = [peer.spawn(failing(), "failing"), peer.spawn(closed(), "closed")]
    await asyncio.gather(*tasks, return_exceptions=True)
    assert "Error in task" in caplog.text
    assert "boom" in caplog.text
    assert "gone" not in caplog.text
    await client.close()


async def test_stop_right_after_login_leaves_no_unawaited_coroutine() -> None:
    sim = CameraSimulator(make_config())
    await sim.start()
    client, _, _ = await login(sim)
    sim.trigger_alarm(1)  # a child task that never got to run
    await sim.stop()
    await client.close()
