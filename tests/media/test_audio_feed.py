"""The shared audio feed against the simulated camera: one audio start, many listeners."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.backoff import Backoff
from custom_components.bseries_ipcam.errors import FeedUnavailableError
from custom_components.bseries_ipcam.media.audio_feed import NO_MICROPHONE, AudioChunk, AudioFeed
from custom_components.bseries_ipcam.media.feed import VideoFeed
from custom_components.bseries_ipcam.protocol import CameraClient
from custom_components.bseries_ipcam.protocol.messages import AudioEnd, AudioStartReq

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

USER, PASSWORD = "admin", "secret"


def _config(*, microphone: bool = True) -> SimulatorConfig:
    return SimulatorConfig(
        users={USER: SimUser(PASSWORD)}, fps=20, width=160, height=120, microphone=microphone
    )


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    async with CameraSimulator(_config()) as simulator:
        yield simulator


@pytest.fixture
async def camera(sim: CameraSimulator) -> AsyncIterator[CameraClient]:
    async with CameraClient(sim.host, sim.port, USER, PASSWORD) as cam:
        yield cam


async def _listen(feed: AudioFeed, count: int) -> list[AudioChunk]:
    chunks: list[AudioChunk] = []
    async with feed.listen() as listener:
        while len(chunks) < count:
            chunk = await listener.get()
            assert chunk is not None
            chunks.append(chunk)
    return chunks


async def test_listeners_share_one_audio_start_beside_video(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    video = VideoFeed(lambda: camera, idle_timeout=0.1)
    feed = AudioFeed(lambda: camera, idle_timeout=0.1)
    async with video.hold():
        await video.next_frame(wait=5)
        first, second = await asyncio.gather(_listen(feed, 10), _listen(feed, 10))
        assert sim.stats.av_connections_accepted == 1
        assert len(sim.commands(AudioStartReq)) == 1
        assert feed.microphone is True
        for chunks in (first, second):
            assert all(len(chunk.pcm) == 640 for chunk in chunks)
            stamps = [chunk.timestamp for chunk in chunks]
            assert all(b - a == 4 for a, b in itertools.pairwise(stamps))
        # Audio stops a short while after the last listener; video goes on.
        await sim.wait_for(lambda: len(sim.commands(AudioEnd)) == 1, timeout=3)
        assert not feed.streaming
        assert video.streaming
    await video.close()
    await feed.close()


async def test_stalled_listener_never_holds_back_others(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    feed = AudioFeed(lambda: camera)
    async with feed.listen(size=3) as stalled:
        chunks = await _listen(feed, 20)
        assert len(chunks) == 20
        assert stalled.dropped > 0
        # The stalled listener keeps its oldest packets, the end still reaches it.
        assert (await stalled.get()) is not None
    async with feed.listen(size=1) as ending:
        await feed.close()
        while (chunk := await ending.get()) is not None:
            assert isinstance(chunk, AudioChunk)
    with pytest.raises(FeedUnavailableError):
        feed.acquire()


async def test_no_microphone(socket_enabled: None) -> None:
    async with (
        CameraSimulator(_config(microphone=False)) as sim,
        CameraClient(sim.host, sim.port, USER, PASSWORD) as camera,
    ):
        feed = AudioFeed(lambda: camera)
        reasons = [feed.unavailable_reason]
        assert await feed.probe() is False
        reasons.append(feed.unavailable_reason)
        assert reasons == [None, NO_MICROPHONE]
        assert len(sim.commands(AudioStartReq)) == 1
        with pytest.raises(FeedUnavailableError, match="no microphone"):
            feed.acquire()
        # Known now: no second Audio_Start.
        assert await feed.probe() is False
        assert len(sim.commands(AudioStartReq)) == 1
        await feed.close()


async def test_restarts_after_the_av_connection_drops(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    feed = AudioFeed(lambda: camera)
    async with feed.listen() as listener:
        assert await listener.get() is not None
        sim.drop_av()
        await sim.wait_for(lambda: sim.stats.av_connections_accepted == 2, timeout=5)
        assert await listener.get() is not None
        assert feed.starts == 2
    await feed.close()


async def test_waits_for_a_camera(sim: CameraSimulator, camera: CameraClient) -> None:
    current: list[CameraClient | None] = [None]
    feed = AudioFeed(lambda: current[0])
    feed._backoff = Backoff(0.01, 0.05)  # no real second between attempts
    async with feed.listen() as listener:
        await asyncio.sleep(0.05)
        assert not feed.streaming
        current[0] = camera
        assert await listener.get() is not None
    await feed.close()
