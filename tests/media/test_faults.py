"""The feed's fault behaviour against the simulated camera: stalls, refusals, a new session."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from custom_components.bseries_ipcam.errors import FeedUnavailableError
from custom_components.bseries_ipcam.media import feed as feed_module
from custom_components.bseries_ipcam.media.feed import VideoFeed, stall_after
from custom_components.bseries_ipcam.protocol import (
    CameraClient,
    CameraTimeoutError,
    ResultCode,
    TooManyConnectionsError,
)
from custom_components.bseries_ipcam.protocol.messages import VideoStartReq

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

USER, PASSWORD = "admin", "secret"
# Short stalls and control timeouts keep these tests quick; the logic is the same at any scale.
GRACE = 0.3
CONTROL_TIMEOUT = 1.0


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, fps=20, width=160, height=120)
    async with CameraSimulator(config) as simulator:
        yield simulator


@pytest.fixture
def short_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "STALL_GRACE", GRACE)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "RESTART_MIN_DELAY", 0.05)
    monkeypatch.setattr(feed_module, "RESTART_MAX_DELAY", 0.1)


@pytest.fixture
async def camera(sim: CameraSimulator) -> AsyncIterator[CameraClient]:
    async with CameraClient(sim.host, sim.port, USER, PASSWORD, timeout=CONTROL_TIMEOUT) as cam:
        yield cam


def _fault(feed: VideoFeed) -> object:
    """The feed's fault now (a call, so that type checkers do not keep an earlier narrowing)."""
    return feed.fault


def _refusal(feed: VideoFeed) -> object:
    return feed.refusal


def test_stall_time_scales_with_the_frame_interval() -> None:
    assert stall_after(0.0) == 2.0  # full speed: noticed in two seconds
    assert stall_after(1.0) == 4.0
    assert stall_after(5.0) > 3.0 + 5.0  # at 5000 ms, a frame may be 5 s away: not a stall
    feed_interval = 1.5
    assert stall_after(feed_interval) > feed_interval


@pytest.mark.usefixtures("short_stalls")
async def test_stall_is_noticed_and_video_comes_back(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    changes: list[object] = []
    feed = VideoFeed(lambda: camera, name="test camera")
    feed.add_listener(lambda: changes.append(feed.fault))
    async with feed.hold():
        first = await feed.next_frame(0, wait=5)
        sim.stall()
        await sim.wait_for(lambda: feed.stalls == 1, timeout=10)
        assert isinstance(feed.fault, CameraTimeoutError)
        assert "no video frame for" in str(feed.fault)
        assert not feed.streaming
        # The last frame before the stall is not served as a new one.
        with pytest.raises(FeedUnavailableError):
            await feed.still()
        sim.resume()
        later = await feed.next_frame(first.seq, wait=5)
        assert later.seq > first.seq
        assert _fault(feed) is None
        assert camera.control.connected  # the restart was answered: same session
    assert [type(change) for change in changes] == [CameraTimeoutError, type(None)]
    await feed.close()


@pytest.mark.usefixtures("short_stalls")
async def test_unanswered_restart_ends_the_session(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    feed = VideoFeed(lambda: camera if camera.control.connected else None, name="test camera")
    async with feed.hold():
        await feed.next_frame(0, wait=5)
        sim.stall()
        error = await asyncio.wait_for(camera.control.wait_closed(), 10)
        assert isinstance(error, CameraTimeoutError)
        assert "video_start_resp" in str(error)
        with pytest.raises(FeedUnavailableError, match="not connected"):
            await feed.still()
    sim.resume()
    await feed.close()


@pytest.mark.usefixtures("quick_retries")
async def test_refusal_fails_the_still_with_its_reason(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    changes: list[object] = []
    feed = VideoFeed(lambda: camera, name="test camera")
    feed.add_listener(lambda: changes.append(feed.fault))
    sim.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)
    with pytest.raises(TooManyConnectionsError):
        await feed.still()
    assert isinstance(feed.refusal, TooManyConnectionsError)
    # While the feed waits for its next try, a request asks the camera again at once.
    feed.acquire()
    await sim.wait_for(lambda: feed._backing_off, timeout=10)
    with pytest.raises(TooManyConnectionsError):
        await feed.still()
    assert len(sim.commands(VideoStartReq)) == 2
    await sim.wait_for(lambda: feed._backing_off, timeout=10)
    sim.force_video_result(None)
    assert (await feed.still()).startswith(b"\xff\xd8")
    feed.release()
    assert _fault(feed) is None
    assert _refusal(feed) is None
    # One change into the refusal, one out of it: retries are no news.
    assert [type(change) for change in changes] == [TooManyConnectionsError, type(None)]
    await feed.close()


async def test_new_session_starts_video_at_once(
    sim: CameraSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A backoff far longer than the wait: only the new session's hook can start video in time.
    monkeypatch.setattr(feed_module, "RESTART_MIN_DELAY", 60.0)
    holder: list[CameraClient] = []
    feed = VideoFeed(lambda: holder[0] if holder else None, name="test camera")
    async with feed.hold():
        await sim.wait_for(lambda: feed._backing_off, timeout=10)
        async with CameraClient(sim.host, sim.port, USER, PASSWORD) as camera:
            holder.append(camera)
            feed.camera_changed()
            feed.camera_changed()  # the same session again: nothing to do
            frame = await feed.next_frame(0, wait=5)
            assert frame.jpeg.startswith(b"\xff\xd8")
            await feed.close()


@pytest.mark.usefixtures("short_stalls")
async def test_new_session_forgets_the_old_sessions_stall(
    sim: CameraSimulator, camera: CameraClient
) -> None:
    holder = [camera]
    feed = VideoFeed(lambda: holder[0], name="test camera")
    feed.camera_changed()
    async with feed.hold():
        await feed.next_frame(0, wait=5)
        sim.stall()
        await sim.wait_for(lambda: feed.stalls == 1, timeout=10)
    assert isinstance(feed.fault, CameraTimeoutError)
    # Another session (here: of a second simulated camera, the first one is still stalled).
    config = SimulatorConfig(users={USER: SimUser(PASSWORD)}, fps=20, width=160, height=120)
    async with (
        CameraSimulator(config) as second,
        CameraClient(second.host, second.port, USER, PASSWORD) as other,
    ):
        holder[0] = other
        feed.camera_changed()
        assert _fault(feed) is None
        await feed.close()
    sim.resume()
