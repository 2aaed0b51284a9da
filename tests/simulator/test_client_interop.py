"""The project's own client library against the simulator: the two sides agree."""

from __future__ import annotations

import asyncio
import logging
import struct

import pytest

from bseries_sim import PEER_LIST_PASSWORD, CameraSimulator
from bseries_sim.frames import ToneSource
from custom_components.bseries_ipcam.protocol import (
    AlarmNotify,
    AudioData,
    BadPasswordError,
    BadUserError,
    BSeriesError,
    CameraClient,
    FrameInterval,
    TooManyConnectionsError,
    VideoData,
)
from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder, AdpcmEncoder

from .conftest import PASSWORD, USER


def camera(sim: CameraSimulator, user: str = USER, password: str = PASSWORD) -> CameraClient:
    return CameraClient(sim.host, sim.port, user, password, timeout=3.0)


async def test_full_session(sim: CameraSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim.send_peer_list()
    sim.send_unknown_opcode()
    frames: list[VideoData] = []
    audio: list[tuple[AudioData, list[int]]] = []
    alarms: list[AlarmNotify] = []
    async with camera(sim) as cam:
        assert cam.info is not None
        assert cam.info.camera_id == "00626E4E72BF"
        assert cam.info.firmware == "11.37.2.56"
        assert cam.info.privilege_name == "administrator"
        cam.add_video_listener(frames.append)
        cam.add_audio_listener(lambda packet, samples: audio.append((packet, samples)))
        cam.add_alarm_listener(alarms.append)
        await cam.start_video()
        await cam.start_audio()
        await sim.wait_for(lambda: len(frames) >= 3 and len(audio) >= 3)
        assert sim.stats.av_connections_accepted == 1
        await cam.set_frame_interval(FrameInterval.MS_200)
        await sim.wait_for(lambda: sim.sessions[0].frame_interval is FrameInterval.MS_200)
        sim.trigger_alarm(1, (0, 0, 10, 10))
        await sim.wait_for(lambda: bool(alarms))
        assert alarms[0].alarm_area == (0, 0, 10, 10)
        # The client decodes the tone the simulator encoded, exactly.
        reference = AdpcmDecoder()
        first_packet = audio[0][0]
        assert audio[0][1] == reference.decode(first_packet.data)
        tone = ToneSource()
        pcm = b"".join(struct.pack("<320h", *tone.pcm(n)) for n in range(3))
        seconds = await cam.talk(pcm)
        assert seconds == pytest.approx(0.12)
        encoder = AdpcmEncoder()
        expected = AdpcmDecoder().decode(b"".join(encoder.encode(tone.pcm(n)) for n in range(3)))
        await sim.wait_for(lambda: len(sim.talk_samples) == len(expected))
        assert sim.talk_samples == expected
        snapshot = await cam.snapshot()
        assert snapshot.image.startswith(b"\xff\xd8")
        await cam.stop_audio()
        await cam.stop_video()
        await sim.wait_for(lambda: sim.stats.av_connections_open == 0)
    await sim.wait_for(lambda: sim.stats.control_connections_open == 0)
    assert PEER_LIST_PASSWORD not in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    ("user", "password", "error"),
    [(USER, "wrong", BadPasswordError), ("nobody", PASSWORD, BadUserError)],
)
async def test_client_sees_bad_credentials(
    sim: CameraSimulator, user: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await camera(sim, user, password).connect()


async def test_client_sees_too_many_connections(sim: CameraSimulator) -> None:
    sim.force_login_result(2)
    with pytest.raises(TooManyConnectionsError):
        await camera(sim).connect()


async def test_client_sees_drop(sim: CameraSimulator) -> None:
    closed: asyncio.Future[BSeriesError | None] = asyncio.get_running_loop().create_future()
    async with camera(sim) as cam:
        cam.add_close_listener(closed.set_result)
        await cam.start_video()
        sim.drop_all()
        async with asyncio.timeout(3):
            error = await closed
        assert isinstance(error, BSeriesError)
