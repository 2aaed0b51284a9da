"""A stream start opens the AV connection's socket while the camera answers the start request."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from custom_components.bseries_ipcam.protocol import (
    BSeriesError,
    CameraClient,
    CameraTimeoutError,
    Stream,
    VideoData,
)
from custom_components.bseries_ipcam.protocol.messages import AvLoginReq

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator


def _connections(sim: CameraSimulator) -> int:
    """TCP connections the simulator holds now, of any kind (an AV one before its login)."""
    return len(sim._state.peers)


async def test_av_socket_opens_before_the_start_response(sim: CameraSimulator) -> None:
    async with CameraClient(sim.host, sim.port, USER, PASSWORD) as camera:
        frames: list[VideoData] = []
        camera.add_video_listener(frames.append)
        assert _connections(sim) == 1
        sim.set_response_delay(2.0)
        start = asyncio.create_task(camera.start_video())
        # The AV socket is there while the Video_Start response is still held back...
        await sim.wait_for(lambda: _connections(sim) == 2)
        assert not start.done()
        assert sim.commands(AvLoginReq) == []
        sim.set_response_delay(0)
        await start
        # ...and it logs in with the id from that response.
        await sim.wait_for(lambda: len(frames) >= 2)
        assert len(sim.commands(AvLoginReq)) == 1
        assert sim.stats.av_connections_open == 1
        assert camera.streams == {Stream.VIDEO}


async def test_a_failed_start_closes_the_early_socket_quietly(sim: CameraSimulator) -> None:
    async with CameraClient(sim.host, sim.port, USER, PASSWORD, timeout=0.3) as camera:
        closed: list[BSeriesError | None] = []
        camera.add_av_close_listener(closed.append)
        sim.set_response_delay(2.0)
        try:
            await camera.start_video()
        except CameraTimeoutError:
            pass
        else:
            raise AssertionError("the start should have timed out")
        # The socket opened for the AV connection is gone; nothing ran on it, so no listener
        # hears of an AV connection ending.
        await sim.wait_for(lambda: _connections(sim) == 1)
        assert closed == []
        assert camera.streams == frozenset()
        assert sim.commands(AvLoginReq) == []
