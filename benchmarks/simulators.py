"""Simulated cameras for the benchmark, in the benchmark's process, stamping every frame sent.

Each simulator sends the same rendered JPEGs in turn (`SimulatorConfig.frames`), but every
emission carries a new stamp in its COM segment (see `benchmarks.frames`); the simulator's
`on_video_frame` hook then records when that emission was written to the socket (`sent_at`,
`time.monotonic()`). A viewer that reads the stamp knows exactly which emission it has, even
when, as with Home Assistant's `mjpeg` integration, every viewer has its own upstream stream.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, override

from bseries_sim import CameraSimulator, SimulatorConfig
from bseries_sim.frames import JpegSource

from .frames import HEIGHT, WIDTH, plain_frames

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bseries_sim.frames import FrameView
    from bseries_sim.recording import FrameEvent

    from .frames import StampableJpeg


class StampingSource(JpegSource):
    """The simulator's frame source: the fixed frames in turn, each emission stamped anew."""

    def __init__(self, frames: Sequence[StampableJpeg], fps: float) -> None:
        """Send `frames` in turn."""
        super().__init__(WIDTH, HEIGHT, fps, frames=plain_frames(frames))
        self._stampable = tuple(frames)
        self._stamps = itertools.count(1)
        # The stamp each sending task took last: the simulator calls `frame()` and, after the
        # write, the frame hook, in the same task.
        self._pending: dict[asyncio.Task[object] | None, int] = {}
        self.sent_at: dict[int, float] = {}

    @override
    def frame(self, counter: int, view: FrameView | None = None) -> bytes:
        stamp = next(self._stamps)
        self._pending[asyncio.current_task()] = stamp
        return self._stampable[counter % len(self._stampable)].stamped(stamp)

    def on_frame_sent(self, event: FrameEvent) -> None:
        """The simulator's hook: the frame this task took was written at `event.sent_at`."""
        stamp = self._pending.pop(asyncio.current_task(), None)
        if stamp is not None:
            self.sent_at[stamp] = event.sent_at

    def forget(self) -> None:
        """Drop the records (between phases)."""
        self._pending.clear()
        self.sent_at.clear()


class BenchSimulator:
    """A simulated camera sending the benchmark's frames at `fps`."""

    def __init__(self, frames: Sequence[StampableJpeg], fps: float, camera_id: str) -> None:
        """Prepare; `start` opens the port."""
        self.fps = fps
        self.sim = CameraSimulator(
            SimulatorConfig(
                camera_id=camera_id,
                alias=f"Benchmark camera {fps:g} fps",
                fps=fps,
                frames=plain_frames(frames),
                control_endpoints=True,
                record_limit=1000,
            )
        )
        self.source = StampingSource(frames, fps)
        self.sim._state.jpeg = self.source  # noqa: SLF001 - the one hook the simulator lacks
        self.sim.on_video_frame = self.source.on_frame_sent

    async def start(self) -> None:
        """Open the port."""
        await self.sim.start()

    async def stop(self) -> None:
        """Close everything."""
        await self.sim.stop()

    @property
    def port(self) -> int:
        """The simulator's port."""
        return self.sim.port

    def stats(self) -> dict[str, int]:
        """The simulator's counters now."""
        return self.sim.stats.as_dict()
