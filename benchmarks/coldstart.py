"""Where a cold start's time goes: each step of starting video, timed with the protocol alone.

A cold still image in Home Assistant is: the HTTP request, `VideoFeed.still`, the client's video
start (the Video_Start round trip on the control session, the AV connection's TCP connect and
its login), then the wait for the first frame. `python -m benchmarks.coldstart '<json>'` times
those steps one after another against a simulated camera, in a process of its own (no Home
Assistant; the camera runs in another process, as in real life), with the protocol package's own
pieces; and the whole of `CameraClient.start_video` plus the first frame as the feed runs it,
which opens the AV socket while the camera answers Video_Start. Prints one JSON line, the median
of each step in ms.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import TYPE_CHECKING, Final

from bseries_cli.launcher import load_protocol_alone

from .stats import pair_ratios, percentile

if TYPE_CHECKING:
    from custom_components.bseries_ipcam.protocol import VideoData

STEPS: Final = (
    "Video_Start round trip (control session)",
    "AV connection: TCP connect + login sent",
    "Login sent to first frame whole",
    "Steps one after another, total",
    "CameraClient.start_video + first frame (as the feed runs it)",
)
PAIRED: Final = "start_video + first frame / steps one after another, median of rounds (x)"


async def _first_frame(frames: asyncio.Queue[float]) -> float:
    return await asyncio.wait_for(frames.get(), 10)


async def cold_steps(port: int, user: str, password: str, rounds: int) -> dict[str, float | None]:
    """The median of each step over `rounds` video starts, in ms."""
    from custom_components.bseries_ipcam.protocol import CameraClient  # noqa: PLC0415
    from custom_components.bseries_ipcam.protocol.av import AvSession  # noqa: PLC0415

    client = CameraClient("127.0.0.1", port, user, password)
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
                port,
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
    medians: dict[str, float | None] = {
        name: None if (median := percentile(values, 0.5)) is None else median * 1000
        for name, values in samples.items()
    }
    # Both ways alternate within each round: their ratio per round is what load cannot skew.
    medians[PAIRED] = percentile(pair_ratios(samples[STEPS[4]], samples[STEPS[3]]), 0.5)
    return medians


def main() -> None:
    """Entry point: the JSON configuration (port, username, password, rounds) is argv[1]."""
    load_protocol_alone()
    config = json.loads(sys.argv[1])
    steps = asyncio.run(
        cold_steps(
            int(config["port"]),
            str(config["username"]),
            str(config["password"]),
            int(config.get("rounds", 20)),
        )
    )
    sys.stdout.write(json.dumps({"event": "steps", "steps": steps}) + "\n")


if __name__ == "__main__":
    main()
