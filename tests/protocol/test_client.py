"""The CameraClient and the AV session against the simulated camera."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import struct
from typing import TYPE_CHECKING

from PIL import Image
import pytest

from bseries_sim import CameraSimulator
from custom_components.bseries_ipcam.protocol import (
    AvSession,
    BSeriesError,
    CameraClient,
    CameraTimeoutError,
    ConnectionClosedError,
    ProtocolError,
    Stream,
)
from custom_components.bseries_ipcam.protocol.const import FrameInterval
from custom_components.bseries_ipcam.protocol.messages import (
    AudioData,
    AudioStartReq,
    AvKeepAlive,
    TalkData,
    TalkEnd,
    TalkStartReq,
    VideoData,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
)

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def _camera(sim: CameraSimulator, **kwargs: float) -> CameraClient:
    return CameraClient(sim.host, sim.port, USER, PASSWORD, **kwargs)


async def test_video_frames_reach_listeners(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        frames: list[VideoData] = []
        remove = camera.add_video_listener(frames.append)
        await camera.start_video()
        await camera.start_video()  # idempotent: one start request
        await sim.wait_for(lambda: len(frames) >= 3)
        remove()
        assert camera.streams == {Stream.VIDEO}
        assert len(sim.commands(VideoStartReq)) == 1
        image = Image.open(io.BytesIO(frames[0].image))
        assert image.size == (320, 240)
        assert frames[0].image != frames[1].image
        assert frames[1].timestamp >= frames[0].timestamp
        await camera.stop_video()
        assert camera.streams == frozenset()
        await sim.wait_for(lambda: sim.stats.av_connections_open == 0)
        assert len(sim.commands(VideoEnd)) == 1
        await camera.stop_video()  # stopping twice is harmless
    assert sim.stats.control_connections_accepted == 1


async def test_snapshot_starts_and_stops_video(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        frame = await camera.snapshot()
        assert frame.image.startswith(b"\xff\xd8")
        assert camera.streams == frozenset()
        await camera.start_video()
        await camera.snapshot()
        assert camera.streams == {Stream.VIDEO}  # left running: it was running before
    assert sim.stats.av_connections_accepted == 2


async def test_one_av_connection_carries_video_audio_and_talk(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        audio: list[tuple[AudioData, list[int]]] = []
        camera.add_audio_listener(lambda packet, samples: audio.append((packet, samples)))
        await camera.start_video()
        await camera.start_audio()
        await sim.wait_for(lambda: len(audio) >= 5)
        await camera.talk(bytes(640 * 3))
        assert camera.streams == {Stream.VIDEO, Stream.AUDIO}
        assert sim.stats.av_connections_accepted == 1
        packets = [packet for packet, _ in audio]
        assert [p.serial - packets[0].serial for p in packets[:5]] == [0, 1, 2, 3, 4]
        assert all(len(samples) == 320 for _, samples in audio)
        # The simulator's tone decodes to a real waveform, not silence.
        assert max(max(abs(s) for s in samples) for _, samples in audio) > 1000
        await camera.stop_audio()
        assert camera.streams == {Stream.VIDEO}


async def test_frame_interval_reapplied_at_every_video_start(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        await camera.set_frame_interval(FrameInterval.MS_200)  # video not running: only stored
        assert sim.commands(VideoFrameInterval) == []
        await camera.start_video()
        await sim.wait_for(lambda: len(sim.commands(VideoFrameInterval)) == 1)
        await camera.stop_video()
        await camera.start_video()
        await sim.wait_for(lambda: len(sim.commands(VideoFrameInterval)) == 2)
        await camera.set_frame_interval(FrameInterval.MS_1000)
        await sim.wait_for(lambda: len(sim.commands(VideoFrameInterval)) == 3)
        assert [c.code for c in sim.commands(VideoFrameInterval)] == [110, 110, 150]


async def test_frame_interval_slows_frames(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        stamps: list[float] = []
        loop = asyncio.get_running_loop()
        camera.add_video_listener(lambda _frame: stamps.append(loop.time()))
        await camera.set_frame_interval(FrameInterval.MS_250)
        await camera.start_video()
        await sim.wait_for(lambda: len(stamps) >= 6, timeout=5)
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert min(gaps) > 0.15  # 25 fps would be 0.04 s


def _tone(seconds: float, hz: float = 440.0, amplitude: int = 10000) -> bytes:
    count = int(8000 * seconds)
    samples = [int(amplitude * math.sin(2 * math.pi * hz * i / 8000)) for i in range(count)]
    return struct.pack(f"<{count}h", *samples)


async def test_talk_reaches_camera_paced_and_decodable(sim: CameraSimulator) -> None:
    pcm = _tone(1.2)
    async with _camera(sim) as camera:
        loop = asyncio.get_running_loop()
        start = loop.time()
        seconds = await camera.talk(pcm)
        elapsed = loop.time() - start
    assert seconds == pytest.approx(1.2)
    # Paced at real time: never much faster than the audio lasts.
    assert elapsed >= 1.2 - 0.25
    talk = sim.commands(TalkData)
    assert len(talk) == 30
    assert [c.serial for c in talk] == list(range(30))
    assert all(c.data_length == 160 for c in talk)
    assert len(sim.commands(TalkStartReq)) == 1
    assert len(sim.commands(TalkEnd)) == 1
    received = sim.talk_samples
    sent = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert len(received) == len(sent)
    # ADPCM is lossy: after the step size settles, the error stays within 10 % of full scale.
    errors = [abs(a - b) for a, b in zip(sent[400:], received[400:], strict=True)]
    assert max(errors) < 3277
    signal = sum(s * s for s in sent[400:])
    noise = sum(e * e for e in errors)
    assert 10 * math.log10(signal / noise) > 20


async def test_talk_accepts_chunks_and_pads_the_last_packet(sim: CameraSimulator) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield bytes(500)
        yield bytes(500)

    async with _camera(sim) as camera:
        assert await camera.talk(chunks()) == pytest.approx(0.08)
        assert await camera.talk([bytes(640)]) == pytest.approx(0.04)
    assert len(sim.commands(TalkData)) == 3


async def test_av_drop_is_reported_and_clears_streams(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        closed: list[BSeriesError | None] = []
        camera.add_av_close_listener(closed.append)
        await camera.start_video()
        await sim.wait_for(lambda: sim.stats.video_frames_sent > 0)
        sim.drop_av()
        await sim.wait_for(lambda: bool(closed))
        assert isinstance(closed[0], ConnectionClosedError)
        assert camera.streams == frozenset()
        assert camera.control.connected  # only the AV connection went
        # Video can start again on a fresh AV connection.
        frame = await camera.snapshot()
        assert frame.image
    assert sim.stats.av_connections_accepted == 2


async def test_snapshot_fails_when_av_drops(sim: CameraSimulator) -> None:
    async with _camera(sim, timeout=2) as camera:
        await camera.start_video()
        sim.stall()
        task = asyncio.create_task(camera.snapshot())
        await asyncio.sleep(0.1)
        sim.drop_av()
        with pytest.raises(ConnectionClosedError):
            await task


async def test_snapshot_times_out_on_stalled_video(sim: CameraSimulator) -> None:
    # The stalled camera never answers the video start: the client's timeout (10 s by default)
    # is what ends the wait, so a short one proves the same.
    async with _camera(sim, timeout=2.0) as camera:
        sim.stall()
        with pytest.raises(CameraTimeoutError):
            await camera.snapshot(wait=0.3)


async def test_stalled_av_connection_is_declared_dead(sim: CameraSimulator) -> None:
    async with _camera(sim, dead_after=0.5) as camera:
        closed: list[BSeriesError | None] = []
        camera.add_av_close_listener(closed.append)
        await camera.start_video()
        sim.stall()
        await sim.wait_for(lambda: bool(closed), timeout=5)
        assert isinstance(closed[0], CameraTimeoutError)


async def test_av_garbage_is_a_protocol_error(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        closed: list[BSeriesError | None] = []
        camera.add_av_close_listener(closed.append)
        await camera.start_video()
        await sim.wait_for(lambda: sim.stats.video_frames_sent > 0)
        sim.send_lying_length("av")
        await sim.wait_for(lambda: bool(closed))
        assert isinstance(closed[0], (ProtocolError, ConnectionClosedError))


async def test_control_drop_closes_av(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        ended: list[BSeriesError | None] = []
        camera.add_close_listener(ended.append)
        await camera.start_video()
        sim.drop_all()
        await sim.wait_for(lambda: bool(ended))
        await sim.wait_for(lambda: camera.streams == frozenset())


class AvRecorder:
    """What an AvSession hands over: video, audio and how it closed."""

    def __init__(self) -> None:
        self.video: list[VideoData] = []
        self.audio: list[AudioData] = []
        self.closed: list[BSeriesError | None] = []

    def session(self, sim: CameraSimulator, connection_id: int, **kwargs: float) -> AvSession:
        return self.session_at(sim.host, sim.port, connection_id, **kwargs)

    def session_at(self, host: str, port: int, connection_id: int, **kwargs: float) -> AvSession:
        return AvSession(
            host,
            port,
            connection_id,
            on_video=self.video.append,
            on_audio=self.audio.append,
            on_close=self.closed.append,
            **kwargs,
        )


async def test_av_session_with_wrong_id_is_closed_by_camera(sim: CameraSimulator) -> None:
    recorder = AvRecorder()
    av = recorder.session(sim, 0xDEADBEEF)
    await av.connect()
    await sim.wait_for(lambda: bool(recorder.closed))
    assert isinstance(recorder.closed[0], ConnectionClosedError)
    assert recorder.video == []
    await av.close()
    assert len(recorder.closed) == 1


async def test_av_session_hands_over_frames_and_sends_keepalive(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        connection_id = await camera.control.start_video()
        assert connection_id is not None
        recorder = AvRecorder()
        av = recorder.session(sim, connection_id, keepalive_interval=0.05)
        await av.connect()
        await sim.wait_for(lambda: len(recorder.video) >= 3)
        assert all(frame.image.startswith(b"\xff\xd8") for frame in recorder.video)
        await sim.wait_for(lambda: len(sim.commands(AvKeepAlive)) >= 1)
        await av.close()
        await av.close()
        # A local close is reported once, without an error.
        assert recorder.closed == [None]


async def test_av_session_abort_reports_the_reason(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        connection_id = await camera.control.start_video()
        assert connection_id is not None
        recorder = AvRecorder()
        av = recorder.session(sim, connection_id)
        await av.connect()
        reason = CameraTimeoutError("the control session timed out")
        av.abort(reason)
        av.abort(None)
        assert recorder.closed == [reason]
        await av.close()
        assert recorder.closed == [reason]


async def test_av_session_needs_connect() -> None:
    with pytest.raises(RuntimeError):
        AvRecorder().session(CameraSimulator(), 1).connection  # noqa: B018


async def test_audio_restart_resets_decoder(sim: CameraSimulator) -> None:
    async with _camera(sim) as camera:
        first: list[list[int]] = []
        camera.add_audio_listener(lambda _p, samples: first.append(samples))
        await camera.start_audio()
        await sim.wait_for(lambda: len(first) >= 1)
        await camera.stop_audio()
        count = len(first)
        await camera.start_audio()
        await sim.wait_for(lambda: len(first) > count)
        # Both runs start from the decoder's reset state, as the camera's encoder does.
        assert first[count][:16] == first[0][:16]
    assert len(sim.commands(AudioStartReq)) == 2


async def test_repr_hides_password(sim: CameraSimulator) -> None:
    camera = _camera(sim)
    assert PASSWORD not in repr(camera)
    assert camera.info is None
    await camera.close()


async def test_alarm_and_command_listeners(sim: CameraSimulator) -> None:
    from custom_components.bseries_ipcam.protocol import AlarmNotify, AlarmType, Command

    async with _camera(sim) as camera:
        alarms: list[AlarmNotify] = []
        commands: list[Command] = []
        camera.add_alarm_listener(alarms.append)
        camera.add_listener(commands.append)
        sim.trigger_alarm(AlarmType.SOUND)
        await sim.wait_for(lambda: bool(alarms) and bool(commands))
        assert alarms[0].alarm_type == AlarmType.SOUND
        assert camera.info is not None
        assert camera.info.camera_id == "00626E4E72BF"


async def test_second_camera_denied_video_when_av_slots_are_full(socket_enabled: None) -> None:
    from bseries_sim import SimulatorConfig, SimUser
    from custom_components.bseries_ipcam.protocol import TooManyConnectionsError

    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, max_av_connections=1, fps=5)
    async with CameraSimulator(config) as sim, _camera(sim) as first, _camera(sim) as second:
        await first.start_video()
        await sim.wait_for(lambda: sim.stats.av_connections_open == 1)
        with pytest.raises(TooManyConnectionsError):
            await second.start_video()
        assert second.streams == frozenset()


def test_privilege_name_for_unknown_value() -> None:
    from custom_components.bseries_ipcam.protocol import CameraInfo

    assert CameraInfo("00626E4E72BF", "1.2.3.4", 1, 9).privilege_name == "9"
