"""The AV channel: login, video frames, frame interval, audio, talk, keepalive."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import time
from typing import TYPE_CHECKING

from PIL import Image
import pytest

from bseries_sim.faults import lying_frame
from bseries_sim.frames import ToneSource
from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder, AdpcmEncoder
from custom_components.bseries_ipcam.protocol.const import Channel, FrameInterval, ResultCode
from custom_components.bseries_ipcam.protocol.messages import (
    AudioData,
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    AvKeepAlive,
    AvLoginReq,
    TalkData,
    TalkEnd,
    TalkStartReq,
    TalkStartResp,
    VideoData,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
    VideoStartResp,
)

from .conftest import RawClient, login, open_av, start_video

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bseries_sim import CameraSimulator, FrameEvent


async def test_av_login_and_frames(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    response, av = await start_video(sim, client)
    clients.extend([client, av])
    images: list[bytes] = []
    for _ in range(12):
        frame = await av.read_type(VideoData)
        assert abs(frame.capture_time - time.time()) < 5
        images.append(frame.image)
    for previous, image in itertools.pairwise(images):
        assert image != previous
    for image in images:
        with Image.open(io.BytesIO(image)) as picture:
            picture.load()
            assert picture.format == "JPEG"
            assert picture.size == (160, 120)
    assert sim.stats.av_connections_accepted == 1
    assert sim.stats.av_connections_open == 1
    await sim.wait_for(lambda: sim.stats.video_frames_sent >= 12)
    events = sim.frame_events
    assert events[0].transport == "av"
    assert events[0].session_id == sim.sessions[0].session_id
    assert [e.counter for e in events[:3]] == [0, 1, 2]
    assert len(sim.frame_times) == len([e for e in events if e.transport == "av"])
    login_record = next(r for r in sim.received if r.channel is Channel.AV)
    assert login_record.command == AvLoginReq(response.connection_id or 0)
    assert login_record.session_id == sim.sessions[0].session_id


async def test_frames_arrive_at_the_configured_rate(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    await av.read_type(VideoData)
    await sim.wait_for(lambda: len(sim.frame_times) >= 11)
    times = sim.frame_times[:11]
    assert 0.35 < times[-1] - times[0] < 1.0  # 10 intervals at 25 fps = 0.4 s


async def test_frame_interval_slows_frames(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    await av.read_type(VideoData)
    await client.send(VideoFrameInterval(FrameInterval.MS_170))
    await sim.wait_for(lambda: sim.sessions[0].frame_interval is FrameInterval.MS_170)
    start = len(sim.frame_times)
    await sim.wait_for(lambda: len(sim.frame_times) >= start + 4)
    times = sim.frame_times[start : start + 4]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap > 0.15 for gap in gaps), gaps
    # A long interval is cut short when a shorter one arrives; a restart resets it to 0.
    await client.send(VideoFrameInterval(FrameInterval.MS_5000))
    await asyncio.sleep(0.3)
    await client.send(VideoFrameInterval(FrameInterval.MS_0))
    count = len(sim.frame_times)
    await sim.wait_for(lambda: len(sim.frame_times) >= count + 3, timeout=1.0)


async def test_bad_av_id_closes(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(VideoStartReq(1))
    response = await client.read_type(VideoStartResp)
    assert response.connection_id is not None
    av = await open_av(sim, response.connection_id ^ 0xFFFF)
    clients.append(av)
    assert await av.expect_closed() == b""
    bad = sim.commands(AvLoginReq)[0]
    assert bad.connection_id == response.connection_id ^ 0xFFFF
    assert sim.received[-1].session_id is None


async def test_second_av_login_with_same_id_closes(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    response, av = await start_video(sim, client)
    clients.extend([client, av])
    await av.read_type(VideoData)
    other = await open_av(sim, response.connection_id or 0)
    clients.append(other)
    assert await other.expect_closed() == b""


async def test_av_needs_login_first(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(handshake_timeout=0.2)
    av = await RawClient.open(sim, Channel.AV)
    clients.append(av)
    await av.send(AvKeepAlive())
    assert await av.expect_closed() == b""
    silent = await RawClient.open(sim, Channel.AV)
    clients.append(silent)
    await silent.send_raw(b"MO_V")
    assert await silent.expect_closed(2.0) == b""
    broken = await RawClient.open(sim, Channel.AV)
    clients.append(broken)
    await broken.send_raw(lying_frame(Channel.AV, 10 * 1024 * 1024, 0))
    assert await broken.expect_closed() == b""


async def test_video_stops_and_av_closes_with_control(
    sim: CameraSimulator, clients: list[RawClient]
) -> None:
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.append(av)
    await av.read_type(VideoData)
    await client.send(VideoEnd())
    session = sim.sessions[0]
    await sim.wait_for(lambda: not session.video)
    await av.drain()
    assert await av.nothing_for(0.2)
    await client.close()
    await av.expect_closed()
    await sim.wait_for(lambda: sim.stats.av_connections_open == 0)


async def test_closed_av_gives_new_id(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    first, av = await start_video(sim, client)
    clients.append(client)
    await av.read_type(VideoData)
    await av.close()
    await sim.wait_for(lambda: not sim.sessions[0].av_connected)
    await client.send(VideoStartReq(1))
    second = await client.read_type(VideoStartResp)
    assert second.connection_id is not None
    assert second.connection_id != first.connection_id


async def test_audio_packets(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(AudioStartReq(1))
    response = await client.read_type(AudioStartResp)
    av = await open_av(sim, response.connection_id or 0)
    clients.append(av)
    packets = [await av.read_type(AudioData) for _ in range(5)]
    for previous, packet in itertools.pairwise(packets):
        assert packet.serial == previous.serial + 1
        assert packet.timestamp == previous.timestamp + 4
    assert all(p.data_length == 160 and p.audio_format == 0 for p in packets)
    # The tone, encoded from state (0, 0) at the start.
    decoder = AdpcmDecoder()
    samples = [s for p in packets for s in decoder.decode(p.data)]
    expected = ToneSource(440.0, 8000)
    reference = AdpcmEncoder()
    assert packets[0].data == reference.encode(expected.pcm(0))
    assert max(samples) > 6000
    assert min(samples) < -6000
    # A restart resets the encoder: its first packet is the first packet again.
    await client.send(AudioStartReq(1))
    assert await client.read_type(AudioStartResp) == AudioStartResp(0)
    await sim.wait_for(lambda: sim.stats.audio_packets_sent >= 8)
    await client.send(AudioEnd())
    await sim.wait_for(lambda: not sim.sessions[0].audio)
    received = [p for p in av.pending if isinstance(p, AudioData)]
    while not await av.nothing_for(0.15):
        received.extend(p for p in av.pending if isinstance(p, AudioData))
        av.pending.clear()
    assert any(p.data == packets[0].data for p in received)
    assert sim.stats.audio_packets_sent >= 8


def test_tone_is_a_sine() -> None:
    tone = ToneSource(1000.0, 10000)
    samples = tone.pcm(0) + tone.pcm(1)
    assert len(samples) == 640
    assert samples[2] == round(10000 * math.sin(2 * math.pi * 1000 * 2 / 8000))
    packets = tone.packets()
    assert len(next(packets)) == 160


async def test_talk_is_recorded(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(TalkStartReq(1))
    response = await client.read_type(TalkStartResp)
    av = await open_av(sim, response.connection_id or 0)
    clients.append(av)
    session = sim.sessions[0]
    await sim.wait_for(lambda: session.av_connected)
    pcm = ToneSource(300.0, 5000)
    encoder = AdpcmEncoder()
    packets = [encoder.encode(pcm.pcm(n)) for n in range(3)]
    for serial, data in enumerate(packets):
        await av.send(TalkData(timestamp=serial * 40, serial=serial, data=data))
    await sim.wait_for(lambda: sim.stats.talk_packets_received == 3)
    decoder = AdpcmDecoder()
    expected = [s for data in packets for s in decoder.decode(data)]
    assert sim.talk_samples == expected
    assert session.talk_samples == expected
    assert len(sim.talk_pcm()) == 2 * len(expected)
    assert [p.serial for p in sim.commands(TalkData)] == [0, 1, 2]
    # After Talk_End, talk data is recorded as a command but not as audio.
    await client.send(TalkEnd())
    await sim.wait_for(lambda: not session.talk)
    await av.send(TalkData(data=packets[0]))
    await av.send(AvKeepAlive())
    await av.send(VideoData())
    await sim.wait_for(lambda: len(sim.commands(channel=Channel.AV)) == 7)
    assert sim.stats.talk_packets_received == 3


async def test_av_keepalive_when_idle(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(keepalive_interval=0.1)
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(TalkStartReq(1))
    response = await client.read_type(TalkStartResp)
    av = await open_av(sim, response.connection_id or 0)
    clients.append(av)
    assert await av.read() == AvKeepAlive()


async def test_frame_hook(sim: CameraSimulator, clients: list[RawClient]) -> None:
    seen: list[FrameEvent] = []
    sim.on_video_frame = seen.append
    assert sim.on_video_frame is not None
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    await sim.wait_for(lambda: len(seen) >= 3)
    assert seen[0].size == len((await av.read_type(VideoData)).image)

    def broken(event: FrameEvent) -> None:
        raise RuntimeError("hook error")

    sim.on_video_frame = broken
    count = sim.stats.video_frames_sent
    await sim.wait_for(lambda: sim.stats.video_frames_sent >= count + 2)
    sim.on_video_frame = None


async def test_fixed_frames(make_sim, clients: list[RawClient]) -> None:
    frames = [b"\xff\xd8first\xff\xd9", b"\xff\xd8second\xff\xd9"]
    sim = await make_sim(frames=frames)
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    received = [(await av.read_type(VideoData)).image for _ in range(3)]
    assert received == [frames[0], frames[1], frames[0]]
    assert sim.snapshot() == frames[0]


async def test_no_microphone_refuses_audio(
    make_sim: Callable[..., Awaitable[CameraSimulator]], clients: list[RawClient]
) -> None:
    sim = await make_sim(microphone=False)
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(AudioStartReq(1))
    assert await client.read_type(AudioStartResp) == AudioStartResp(ResultCode.NOT_SUPPORTED)
    assert not sim.sessions[0].audio
    # Video is not affected.
    response, av = await start_video(sim, client)
    clients.append(av)
    assert response.result == 0
    await av.read_type(VideoData)


async def test_frozen_and_jumping_clocks(sim: CameraSimulator, clients: list[RawClient]) -> None:
    """The camera's clock as broken firmware has it: standing still, then leaping 20 s about."""
    client, _, _ = await login(sim)
    _, av = await start_video(sim, client)
    clients.extend([client, av])
    sim.set_clock("frozen")
    frozen = [(await av.read_type(VideoData)).timestamp for _ in range(5)]
    assert len(set(frozen)) == 1
    sim.set_clock("jumping")
    jumping = [(await av.read_type(VideoData)).timestamp for _ in range(100)]
    steps = [b - a for a, b in itertools.pairwise(jumping)]
    assert min(steps) < -1000  # leaps back ...
    assert max(steps) > 1000  # ... and forward
    sim.set_clock("normal")
    with pytest.raises(ValueError, match="clock must be"):
        sim.set_clock("sideways")
