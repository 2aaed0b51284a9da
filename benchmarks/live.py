"""The bseries_ipcam camera entity against Home Assistant's `mjpeg`, in a real `hass` process.

Two simulated cameras run in this process (15 fps, and 30 fps as the camera's "full speed"),
sending the same rendered JPEGs. On each, Home Assistant has two entities: this integration's
(one AV connection, frames fanned out by `feed.VideoFeed`) and an `mjpeg` entity on the camera's
`videostream.cgi?user=..&pwd=..` (with `snapshot.cgi` as its still image URL). Viewers run in a
separate process (`benchmarks.viewers`); only the `hass` process's CPU (utime + stime of all its
threads, from /proc) and memory (VmRSS) are measured.

Phases never overlap: bseries_ipcam keeps video running for its idle period (`IDLE_TIMEOUT`) after
the last viewer leaves, so before a phase starts, every other entity's upstream must be closed.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
import json
import sys
import time
from typing import TYPE_CHECKING, Any, Final, Literal

import aiohttp

from custom_components.bseries_ipcam.feed import IDLE_TIMEOUT

from . import procfs
from .stats import percentile

if TYPE_CHECKING:
    from collections.abc import Callable

    from .simulators import BenchSimulator

type Kind = Literal["ours", "mjpeg"]

# bseries_ipcam stops video IDLE_TIMEOUT seconds after the last viewer leaves.
QUIET_TIMEOUT: Final = IDLE_TIMEOUT + 15.0
VIEWERS_MODULE: Final = "benchmarks.viewers"
# Settled: Home Assistant uses at most this much of a core over a window, after its start.
SETTLED_CPU_PERCENT: Final = 0.5
SETTLE_WINDOW: Final = 2.0
SETTLE_TIMEOUT: Final = 60.0
# The viewer process's result is one JSON line: every frame's stamp and arrival time.
RESULT_LINE_LIMIT: Final = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Target:
    """One camera entity under test."""

    kind: Kind
    fps: float
    entity_id: str
    sim: BenchSimulator


@dataclass(frozen=True, slots=True)
class Settings:
    """How long each part runs."""

    viewer_counts: tuple[int, ...] = (1, 5, 20)
    warmup: float = 2.0
    measure: float = 8.0
    warm_stills: int = 40
    cold_rounds: int = 3
    stall_seconds: float = 120.0
    # How often the stalled viewer's phase samples VmRSS (for the peak).
    stall_sample_every: float = 5.0


@dataclass(slots=True)
class StreamFigures:
    """One streaming phase: `viewers` viewers of one entity for `seconds`."""

    kind: Kind
    fps: float
    viewers: int
    seconds: float
    delivered_frames: int
    ha_cpu_seconds: float
    ha_cpu_stat_seconds: float
    ha_cpu_ms_per_frame: float | None
    ha_cpu_percent: float
    source_fps: float
    viewer_fps_min: float
    viewer_fps_mean: float
    fps_ratio_min: float | None
    upstream_connections: int
    upstream_connections_opened: int
    upstream_mb_per_s: float
    latency_ms_p50: float | None
    latency_ms_p99: float | None
    latency_ms_max: float | None
    unmatched_frames: int
    viewer_process_cpu_percent: float
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StillFigures:
    """Still image latency of one kind, warm or cold, in ms."""

    samples: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    upstream_video_starts: int = 0


@dataclass(slots=True)
class StallFigures:
    """Memory of the `hass` process while one viewer never reads its stream."""

    kind: Kind
    fps: float
    seconds: float
    rss_start_mb: float
    rss_end_mb: float
    growth_mb: float
    peak_growth_mb: float
    upstream_frames_sent: int


@dataclass(slots=True)
class LiveResults:
    """Everything the live part measured."""

    ha_idle_cpu_percent: float = 0.0
    idle_timeout: float = IDLE_TIMEOUT
    settings: dict[str, Any] = field(default_factory=dict)
    streams: list[StreamFigures] = field(default_factory=list)
    stills: dict[str, dict[str, StillFigures]] = field(default_factory=dict)
    stalls: list[StallFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _stills(latencies: list[float], starts: int = 0) -> StillFigures:
    return StillFigures(
        len(latencies),
        _ms(percentile(latencies, 0.5)),
        _ms(percentile(latencies, 0.99)),
        _ms(max(latencies)) if latencies else None,
        starts,
    )


class ViewerProcess:
    """A `benchmarks.viewers` child: JSON lines out, `close` in."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Wrap a started child."""
        self.process = process

    @classmethod
    async def start(cls, config: dict[str, Any]) -> ViewerProcess:
        """Start `python -m benchmarks.viewers <config>`."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            VIEWERS_MODULE,
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=RESULT_LINE_LIMIT,
        )
        return cls(process)

    async def event(self, name: str, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The next line, which must be event `name`."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the viewer process ended before {name!r}")
        event: dict[str, Any] = json.loads(line)
        if event.get("event") != name:
            raise RuntimeError(f"expected {name!r} from the viewer process, got {event}")
        return event

    async def close(self) -> dict[str, Any]:
        """Tell it to stop; its result."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"close\n")
        await self.process.stdin.drain()
        result = await self.event("result")
        await self.process.wait()
        return result

    def kill(self) -> None:
        """End it now (after an error)."""
        if self.process.returncode is None:
            self.process.kill()


class LiveBench:
    """Runs the phases against a started `hass` process."""

    def __init__(
        self,
        *,
        pid: int,
        base_url: str,
        token: str,
        targets: list[Target],
        settings: Settings,
        log: Callable[[str], None],
    ) -> None:
        """`targets`: both kinds at both rates."""
        self.pid = pid
        self.base = base_url
        self.token = token
        self.targets = targets
        self.settings = settings
        self.results = LiveResults(settings=asdict(settings))
        self.log = log
        self._sims = list({id(t.sim): t.sim for t in targets}.values())
        self._session: aiohttp.ClientSession | None = None

    def target(self, kind: Kind, fps: float) -> Target:
        """The entity of `kind` on the `fps` camera."""
        return next(t for t in self.targets if t.kind == kind and t.fps == fps)

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session for still images."""
        assert self._session is not None
        return self._session

    # --- helpers -------------------------------------------------------------------------------

    def _upstream(self, sim: BenchSimulator) -> tuple[int, int]:
        stats = sim.stats()
        return stats["av_connections_open"], stats["http_streams_open"]

    async def wait_quiet(self, keep_av: BenchSimulator | None = None) -> None:
        """Wait until no camera streams, except `keep_av`'s AV (the target's own warm feed)."""
        deadline = time.monotonic() + QUIET_TIMEOUT
        while True:
            busy = []
            for sim in self._sims:
                av, http = self._upstream(sim)
                if http or (av and sim is not keep_av):
                    busy.append(f"{sim.fps:g} fps: {av} AV, {http} HTTP")
            if not busy:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cameras still streaming: {', '.join(busy)}")
            await asyncio.sleep(0.1)

    async def still(self, target: Target) -> float:
        """One /api/camera_proxy request: its latency in seconds."""
        url = f"{self.base}/api/camera_proxy/{target.entity_id}"
        headers = {"Authorization": f"Bearer {self.token}"}
        start = time.monotonic()
        async with self.session.get(url, headers=headers) as response:
            body = await response.read()
        elapsed = time.monotonic() - start
        if response.status != 200 or not body.startswith(b"\xff\xd8"):
            raise RuntimeError(f"still of {target.entity_id}: HTTP {response.status}")
        return elapsed

    # --- phases --------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until Home Assistant has finished starting up (its CPU falls to idle levels).

        Right after a start it still loads and writes things in the background; a phase measured
        then would charge that work to whichever integration comes first.
        """
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            cpu = procfs.cpu_seconds(self.pid)
            await asyncio.sleep(SETTLE_WINDOW)
            percent = (procfs.cpu_seconds(self.pid) - cpu) / SETTLE_WINDOW * 100
            if percent <= SETTLED_CPU_PERCENT:
                return
        self.results.notes.append(
            f"Home Assistant did not settle below {SETTLED_CPU_PERCENT:g} % CPU "
            f"within {SETTLE_TIMEOUT:g} s"
        )

    async def idle_cpu(self, seconds: float = 3.0) -> None:
        """The `hass` process's CPU with nothing streaming."""
        await self.wait_quiet()
        cpu = procfs.cpu_seconds(self.pid)
        await asyncio.sleep(seconds)
        self.results.ha_idle_cpu_percent = (procfs.cpu_seconds(self.pid) - cpu) / seconds * 100

    async def stream(self, target: Target, viewers: int, warm_stills: int = 0) -> None:
        """N viewers for `settings.measure` seconds (after warm-up), then warm stills."""
        settings = self.settings
        await self.wait_quiet(keep_av=target.sim if target.kind == "ours" else None)
        source = target.sim.source
        source.forget()
        before = target.sim.stats()
        process = await ViewerProcess.start(
            {
                "mode": "stream",
                "base": self.base,
                "token": self.token,
                "entity": target.entity_id,
                "viewers": viewers,
                "warmup": settings.warmup,
                "measure": settings.measure,
            }
        )
        try:
            await process.event("start")
            cpu_start = procfs.cpu_seconds(self.pid)
            stat_start = procfs.stat_cpu_seconds(self.pid)
            stats_start = target.sim.stats()
            await process.event("end")
            cpu_end = procfs.cpu_seconds(self.pid)
            stat_end = procfs.stat_cpu_seconds(self.pid)
            stats_end = target.sim.stats()
            # The first still opens the HTTP connection: not counted.
            warm = (
                [await self.still(target) for _ in range(warm_stills + 1)][1:]
                if warm_stills
                else []
            )
            result = await process.close()
        finally:
            process.kill()
        window = result["end"] - result["start"]
        sent_at = source.sent_at
        latencies: list[float] = []
        unmatched = 0
        counts: list[int] = []
        errors: list[str] = []
        for viewer in result["viewers"]:
            frames = viewer["frames"]
            counts.append(len(frames))
            if viewer["error"]:
                errors.append(viewer["error"])
            for stamp, arrived in frames:
                sent = sent_at.get(stamp)
                if sent is None:
                    unmatched += 1
                else:
                    latencies.append(arrived - sent)
        delivered = sum(counts)
        cpu = cpu_end - cpu_start
        if target.kind == "ours":
            streams = stats_end["av_connections_open"]
            emitted = stats_end["video_frames_sent"] - stats_start["video_frames_sent"]
            source_fps = emitted / window / max(1, streams)
        else:
            streams = stats_end["http_streams_open"]
            emitted = stats_end["http_frames_sent"] - stats_start["http_frames_sent"]
            source_fps = emitted / window / max(1, streams)
        opened = (
            stats_end["av_connections_accepted"]
            - before["av_connections_accepted"]
            + stats_end["http_stream_connections"]
            - before["http_stream_connections"]
        )
        upstream_bytes = (
            stats_end["av_bytes_sent"]
            - stats_start["av_bytes_sent"]
            + stats_end["http_bytes_sent"]
            - stats_start["http_bytes_sent"]
        )
        fps = [count / window for count in counts]
        figures = StreamFigures(
            kind=target.kind,
            fps=target.fps,
            viewers=viewers,
            seconds=window,
            delivered_frames=delivered,
            ha_cpu_seconds=cpu,
            ha_cpu_stat_seconds=stat_end - stat_start,
            ha_cpu_ms_per_frame=cpu / delivered * 1000 if delivered else None,
            ha_cpu_percent=cpu / window * 100,
            source_fps=source_fps,
            viewer_fps_min=min(fps),
            viewer_fps_mean=sum(fps) / len(fps),
            fps_ratio_min=min(fps) / source_fps if source_fps else None,
            upstream_connections=streams,
            upstream_connections_opened=opened,
            upstream_mb_per_s=upstream_bytes / window / 1e6,
            latency_ms_p50=_ms(percentile(latencies, 0.5)),
            latency_ms_p99=_ms(percentile(latencies, 0.99)),
            latency_ms_max=_ms(max(latencies)) if latencies else None,
            unmatched_frames=unmatched,
            viewer_process_cpu_percent=result["viewer_cpu"] / window * 100,
            errors=errors,
        )
        self.results.streams.append(figures)
        if warm_stills:
            self.results.stills.setdefault(target.kind, {})[f"warm_{target.fps:g}"] = _stills(warm)
        self.log(
            f"  {target.kind:5} {target.fps:g} fps N={viewers:2}: "
            f"{figures.ha_cpu_ms_per_frame or 0:.3f} ms CPU/frame, "
            f"{figures.viewer_fps_min:.1f}-{figures.viewer_fps_mean:.1f} fps/viewer "
            f"(source {source_fps:.1f}), {streams} upstream, latency p50/p99 "
            f"{figures.latency_ms_p50 or 0:.1f}/{figures.latency_ms_p99 or 0:.1f} ms"
            + (f", errors: {errors[:2]}" if errors else "")
        )

    async def stall(self, target: Target) -> None:
        """One viewer that never reads, for `settings.stall_seconds`: the RSS growth."""
        settings = self.settings
        await self.wait_quiet()
        before = target.sim.stats()
        rss_start = procfs.rss_bytes(self.pid)
        process = await ViewerProcess.start(
            {"mode": "stall", "base": self.base, "token": self.token, "entity": target.entity_id}
        )
        peak = rss_start
        try:
            await process.event("stalled")
            end = time.monotonic() + settings.stall_seconds
            while (left := end - time.monotonic()) > 0:
                await asyncio.sleep(min(settings.stall_sample_every, left))
                peak = max(peak, procfs.rss_bytes(self.pid))
            rss_end = procfs.rss_bytes(self.pid)
            after = target.sim.stats()
            await process.close()
        finally:
            process.kill()
        sent = (
            after["video_frames_sent"]
            - before["video_frames_sent"]
            + after["http_frames_sent"]
            - before["http_frames_sent"]
        )
        figures = StallFigures(
            kind=target.kind,
            fps=target.fps,
            seconds=settings.stall_seconds,
            rss_start_mb=rss_start / 1e6,
            rss_end_mb=rss_end / 1e6,
            growth_mb=(rss_end - rss_start) / 1e6,
            peak_growth_mb=(max(peak, rss_end) - rss_start) / 1e6,
            upstream_frames_sent=sent,
        )
        self.results.stalls.append(figures)
        self.log(
            f"  {target.kind:5} stalled viewer {settings.stall_seconds:g} s: RSS "
            f"{figures.rss_start_mb:.1f} -> {figures.rss_end_mb:.1f} MB "
            f"(peak +{figures.peak_growth_mb:.1f}), {sent} frames sent upstream"
        )

    async def cold_stills(self) -> None:
        """Still images with no viewer: this integration's video stopped (idle period passed)."""
        ours = [t for t in self.targets if t.kind == "ours"]
        theirs = [t for t in self.targets if t.kind == "mjpeg"]
        cold: dict[Kind, list[float]] = {"ours": [], "mjpeg": []}
        starts = 0
        for _ in range(self.settings.cold_rounds):
            await self.wait_quiet()
            for target in ours:
                before = target.sim.stats()["av_connections_accepted"]
                cold["ours"].append(await self.still(target))
                starts += target.sim.stats()["av_connections_accepted"] - before
            for target in theirs:
                cold["mjpeg"].append(await self.still(target))
        self.results.stills.setdefault("ours", {})["cold"] = _stills(cold["ours"], starts)
        self.results.stills.setdefault("mjpeg", {})["cold"] = _stills(cold["mjpeg"])
        self.log(
            f"  cold stills: ours {len(cold['ours'])} samples "
            f"({starts} video starts), mjpeg {len(cold['mjpeg'])}"
        )

    async def run(self) -> LiveResults:
        """Every phase, in an order where none disturbs another."""
        settings = self.settings
        rates = sorted({t.fps for t in self.targets})
        async with aiohttp.ClientSession() as self._session:
            await self.settle()
            await self.idle_cpu()
            self.log("mjpeg (Home Assistant core):")
            for fps in rates:
                for index, viewers in enumerate(settings.viewer_counts):
                    await self.stream(
                        self.target("mjpeg", fps),
                        viewers,
                        settings.warm_stills if index == 0 else 0,
                    )
            await self.stall(self.target("mjpeg", rates[-1]))
            self.log("ours (bseries_ipcam):")
            for fps in rates:
                for index, viewers in enumerate(settings.viewer_counts):
                    await self.stream(
                        self.target("ours", fps), viewers, settings.warm_stills if index == 0 else 0
                    )
            await self.stall(self.target("ours", rates[-1]))
            await self.cold_stills()
        self._session = None
        return self.results
