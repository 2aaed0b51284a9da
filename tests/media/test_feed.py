"""The shared video feed against the simulated camera: one AV connection, many viewers."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.errors import FeedUnavailableError
from custom_components.bseries_ipcam.media import feed as feed_module
from custom_components.bseries_ipcam.media.feed import VideoFeed
from custom_components.bseries_ipcam.protocol import CameraClient
from custom_components.bseries_ipcam.protocol.messages import VideoEnd, VideoStartReq

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from custom_components.bseries_ipcam.media.feed import FeedFrame

USER, PASSWORD = "admin", "secret"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, fps=20, width=160, height=120)
    async with CameraSimulator(config) as simulator:
        yield simulator


@pytest.fixture
async def camera(sim: CameraSimulator) -> AsyncIterator[CameraClient]:
    async with CameraClient(sim.host, sim.port, USER, PASSWORD) as cam:
        yield cam


async def _viewer(feed: VideoFeed, count: int, delay: float = 0.0) -> list[FeedFrame]:
    frames: list[FeedFrame] = []
    async with feed.hold():
        seq = 0
        while len(frames) < count:
            frame = await feed.next_frame(seq, wait=5)
            frames.append(frame)
            seq = frame.seq
            if delay:
                await asyncio.sleep(delay)
    return frames


async def test_viewers_share_one_av_connection(sim: CameraSimulator, camera: CameraClient) -> None:
    feed = VideoFeed(lambda: camera, idle_timeout=0.2)
    *viewers, still = await asyncio.gather(
        _viewer(feed, 10), _viewer(feed, 10), _viewer(feed, 10), feed.still()
    )
    assert isinstance(still, bytes)
    assert still.startswith(b"\xff\xd8")
    assert sim.stats.av_connections_accepted == 1
    assert len(sim.commands(VideoStartReq)) == 1
    for frames in viewers:
        assert isinstance(frames, list)
        seqs = [f.seq for f in frames]
        assert seqs == sorted(set(seqs))
    # After the last viewer, the feed stays warm for the idle period, then stops video.
    warm_after_last_viewer = feed.streaming
    await sim.wait_for(lambda: len(sim.commands(VideoEnd)) == 1, timeout=3)
    assert warm_after_last_viewer
    assert not feed.streaming
    assert feed.latest is None
    await feed.close()


async def test_slow_viewer_skips_frames_and_never_holds_back_others(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    feed = VideoFeed(lambda: camera)
    slow, fast = await asyncio.gather(_viewer(feed, 3, delay=0.3), _viewer(feed, 15))
    fast_seqs = [f.seq for f in fast]
    # Every frame, in order; a viewer is handed the newest frame, so when load makes two frames
    # arrive in one read it skips the older one (by design), never more than a few in 15.
    assert fast_seqs == sorted(set(fast_seqs))
    assert fast_seqs[-1] - fast_seqs[0] <= 14 + 3
    slow_seqs = [f.seq for f in slow]
    assert any(b - a > 1 for a, b in itertools.pairwise(slow_seqs))  # skipped
    await feed.close()


async def test_warm_still_is_the_newest_frame(sim: CameraSimulator, camera: CameraClient) -> None:
    feed = VideoFeed(lambda: camera)
    async with feed.hold():
        frame = await feed.next_frame(0, wait=5)
        assert feed.latest is not None
        still = await feed.still()
        assert still == feed.latest.jpeg
        assert feed.latest.seq >= frame.seq
    assert sim.stats.av_connections_accepted == 1
    await feed.close()


async def test_multipart_part_is_built_once(sim: CameraSimulator, camera: CameraClient) -> None:
    feed = VideoFeed(lambda: camera)
    async with feed.hold():
        frame = await feed.next_frame(0, wait=5)
    part = frame.multipart
    assert part is frame.multipart
    head, body = part.split(b"\r\n\r\n", 1)
    assert head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n")
    assert f"Content-Length: {len(frame.jpeg)}".encode() in head
    assert body == frame.jpeg + b"\r\n"
    await feed.close()


async def test_feed_restarts_after_av_drop(sim: CameraSimulator, camera: CameraClient) -> None:
    feed = VideoFeed(lambda: camera)
    async with feed.hold():
        first = await feed.next_frame(0, wait=5)
        sim.drop_av()
        await sim.wait_for(lambda: sim.stats.av_connections_accepted == 2, timeout=5)
        later = await feed.next_frame(first.seq, wait=5)
        assert later.seq > first.seq
    assert feed.starts == 2
    await feed.close()


async def test_feed_waits_for_camera_to_come_online(sim: CameraSimulator) -> None:
    holder: list[CameraClient] = []
    feed = VideoFeed(lambda: holder[0] if holder else None)
    async with feed.hold():
        await asyncio.sleep(0.05)
        assert not feed.streaming
        async with CameraClient(sim.host, sim.port, USER, PASSWORD) as camera:
            holder.append(camera)
            frame = await feed.next_frame(0, wait=5)  # the retry picks the camera up
            assert frame.jpeg
            await feed.close()


async def test_still_times_out_when_camera_is_offline() -> None:
    feed = VideoFeed(lambda: None)
    with pytest.raises(FeedUnavailableError):
        await feed.still(wait=0.1)
    await feed.close()
    with pytest.raises(FeedUnavailableError):
        feed.acquire()


async def test_close_wakes_waiting_viewers(sim: CameraSimulator, camera: CameraClient) -> None:
    sim.stall()
    feed = VideoFeed(lambda: camera)
    feed.acquire()
    waiter = asyncio.create_task(feed.next_frame(0, wait=5))
    await asyncio.sleep(0.1)
    await feed.close()
    with pytest.raises(Exception, match="feed closed"):
        await waiter
    feed.release()


async def test_stills_alone_open_the_av_connection_only_briefly(
    sim: CameraSimulator, camera: CameraClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dashboard thumbnail costs the camera a frame, not a stream (today's 15 s idle period)."""
    monkeypatch.setattr(feed_module, "STILL_SHARE", 0.3)
    feed = VideoFeed(lambda: camera, idle_timeout=15.0)
    for _ in range(3):
        # The cards of one dashboard refresh together: their burst of stills shares one start,
        stills = await asyncio.gather(feed.still(), feed.still(), feed.still())
        # and so does a card a moment late: it gets the same frame, from no video.
        late = await feed.still()
        assert all(still == late for still in stills)
        assert late.startswith(b"\xff\xd8")
        # Closed by the camera's side long before the lasting idle period would end it.
        await sim.wait_for(lambda: sim.stats.av_connections_open == 0, timeout=5)
        await asyncio.sleep(0.35)
    spans = sim.av_spans
    assert len(spans) == 3
    assert len(sim.commands(VideoStartReq)) == 3
    assert all(span.closed_at is not None for span in spans)
    assert max(span.seconds(0.0) for span in spans) < 5
    await feed.close()


async def test_a_live_viewer_keeps_one_av_connection_through_stills(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    feed = VideoFeed(lambda: camera, idle_timeout=15.0, still_idle_timeout=0.05)
    async with feed.hold():
        await feed.next_frame(wait=5)
        for _ in range(4):
            assert (await feed.still()).startswith(b"\xff\xd8")
            await asyncio.sleep(0.15)  # longer than the stills' idle period
    # After the viewer left, stills are served from its video, which keeps its idle period.
    assert (await feed.still()).startswith(b"\xff\xd8")
    await asyncio.sleep(0.15)
    assert feed.streaming
    spans = sim.av_spans
    assert len(spans) == 1
    assert spans[0].closed_at is None
    assert len(sim.commands(VideoStartReq)) == 1
    await feed.close()
