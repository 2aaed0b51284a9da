"""Where a cold start's time goes: each step of starting video, timed with the protocol alone.

A cold still image in Home Assistant is: the HTTP request, `VideoFeed.still`, the client's video
start (the Video_Start round trip on the control session, the AV connection's TCP connect and
its login), then the wait for the first frame. This times those steps one by one against a
simulated camera, in this process, with the protocol package's own pieces, and the whole of
`CameraClient.start_video` plus the first frame as the integration runs it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol import CameraClient, VideoData
from custom_components.bseries_ipcam.protocol.av import AvSession

from .stats import percentile

if TYPE_CHECKING:
    from .simulators import BenchSimulator

STEPS: Final = (
    "Video_Start round trip (control session)",
    "AV connection: TCP connect + login sent",
    "Login sent to first frame whole",
    "Steps one after another, total",
    "CameraClient.start_video + first frame (as the feed runs it)",
)


async def _first_frame(frames: asyncio.Queue[float]) -> float:
    return await asyncio.wait_for(frames.get(), 10)


async def cold_steps(
    sim: BenchSimulator, user: str, password: str, rounds: int = 20
) -> dict[str, float | None]:
    """The median of each step over `rounds` video starts, in ms."""
    client = CameraClient("127.0.0.1", sim.port, user, password)
    await client.connect()
    samples: dict[str, list[float]] = {name: [] for name in STEPS}
    frames: asyncio.Queue[float] = asyncio.Queue()

    def on_video(_packet: VideoData) -> None:
        frames.put_nowait(time.perf_counter())

    try:
        for _ in range(rounds):
            start = time.perf_counter()
            connection_id = await client.control.start_video()
            started = time.perf_counter()
            assert connection_id is not None
            av = AvSession(
                "127.0.0.1",
                sim.port,
                connection_id,
                on_video=on_video,
                on_audio=lambda _packet: None,
                on_close=lambda _error: None,
            )
            await av.connect()
            logged_in = time.perf_counter()
            first = await _first_frame(frames)
            await client.control.stop_video()
            await av.close()
            await asyncio.sleep(0.05)
            while not frames.empty():
                frames.get_nowait()
            samples[STEPS[0]].append(started - start)
            samples[STEPS[1]].append(logged_in - started)
            samples[STEPS[2]].append(first - logged_in)
            samples[STEPS[3]].append(first - start)

            remove = client.add_video_listener(on_video)
            start = time.perf_counter()
            await client.start_video()
            first = await _first_frame(frames)
            samples[STEPS[4]].append(first - start)
            remove()
            await client.stop_video()
            await asyncio.sleep(0.05)
            while not frames.empty():
                frames.get_nowait()
    finally:
        await client.close()
    return {
        name: None if (median := percentile(values, 0.5)) is None else median * 1000
        for name, values in samples.items()
    }
