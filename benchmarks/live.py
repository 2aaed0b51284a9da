"""The bseries_ipcam camera entity against Home Assistant's `mjpeg` and a bare relay, interleaved.

Simulated cameras run in this process and send the same rendered JPEGs, every emission stamped.
Home Assistant has two entities on each: this integration's (one AV connection, frames fanned out
by `feed.VideoFeed`) and an `mjpeg` entity on the camera's `videostream.cgi?user=..&pwd=..`
(with `snapshot.cgi` as its still image URL). The floor is `benchmarks.relay`, a process with no
Home Assistant that relays the same camera's frames over one AV connection to the same viewers.
Viewers run in a process of their own (`benchmarks.viewers`). CPU is that of the process that
serves the viewers (`hass`, or the relay): utime + stime of all its threads, from /proc, per
delivered frame.

Every (rate, viewers) cell is measured in rounds; each round runs one phase of each kind back to
back, in an order that rotates from round to round, so that whatever else the machine does lands
on every kind alike. A ratio is taken within a round (a pair) and the report gives the median of
those ratios with their least and greatest.

Phases never overlap. Before each phase every AV connection is dropped at the simulators, the
way a camera drops one (the feed then stops as after its idle period, without waiting those
`IDLE_TIMEOUT` seconds), and every HTTP stream must have ended; a phase of ours thus includes a
video start in its warm-up, never in its measured window.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Any, Final, Literal

import aiohttp

from custom_components.bseries_ipcam.media.feed import IDLE_TIMEOUT

from . import procfs, thumbnails
from .stats import percentile

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .simulators import BenchSimulator
    from .thumbnails import ThumbnailFigures

type EntityKind = Literal["ours", "mjpeg"]
type Kind = Literal["ours", "mjpeg", "floor"]
KINDS: Final[tuple[Kind, ...]] = ("ours", "mjpeg", "floor")

# Dropped AV connections and ended HTTP streams are gone well within this.
QUIET_TIMEOUT: Final = 30.0
VIEWERS_MODULE: Final = "benchmarks.viewers"
RELAY_MODULE: Final = "benchmarks.relay"
COLDSTART_MODULE: Final = "benchmarks.coldstart"
# Settled: Home Assistant uses at most this much of a core over a window, after its start.
SETTLED_CPU_PERCENT: Final = 0.5
SETTLE_WINDOW: Final = 2.0
SETTLE_TIMEOUT: Final = 60.0
# The viewer process's result is one JSON line: every frame's stamp and arrival time.
RESULT_LINE_LIMIT: Final = 256 * 1024 * 1024


# How long Home Assistant is given to notice that the camera dropped the AV connection.
FEED_NOTICE_DELAY: Final = 0.5


@dataclass(frozen=True, slots=True)
class Target:
    """One camera entity under test."""

    kind: EntityKind
    fps: float
    entity_id: str
    sim: BenchSimulator


@dataclass(frozen=True, slots=True)
class Feed:
    """One MJPEG stream the viewers read, and the simulated camera whose frames it carries."""

    url: str
    sim: BenchSimulator


@dataclass(frozen=True, slots=True)
class Settings:
    """How long each part runs."""

    viewer_counts: tuple[int, ...] = (1, 5, 20)
    # 7 rounds of 5 s windows: enough pairs that the median ratio of a cell repeats from run to
    # run (3 rounds of 3 s gave 0.41 and 0.50 at N = 5 in two runs); `QUICK` for a first look.
    rounds: int = 7
    warmup: float = 1.0
    measure: float = 5.0
    warm_stills: int = 20
    cold_rounds: int = 5
    cold_step_rounds: int = 20
    stall_seconds: float = 20.0
    # How often the stalled viewer's phase samples VmRSS (for the peak).
    stall_sample_every: float = 2.0
    scale_cameras: tuple[int, ...] = (1, 4, 16)
    scale_viewers: int = 2
    scale_rounds: int = 2
    scale_fps: float = 15.0
    # Dashboard thumbnails: blocks of stills, one every `thumb_interval` s, per integration.
    thumb_rounds: int = 3
    thumb_stills: int = 10
    thumb_interval: float = 2.0
    # Only the dashboard thumbnails (scripts/bench --thumbnails-only).
    thumbnails_only: bool = False


@dataclass(slots=True)
class StreamFigures:
    """One streaming phase: `viewers` viewers of each of `cameras` streams of one kind."""

    kind: Kind
    round: int
    fps: float
    viewers: int
    cameras: int
    seconds: float
    delivered_frames: int
    cpu_seconds: float
    cpu_stat_seconds: float
    cpu_ms_per_frame: float | None
    cpu_percent: float
    rss_mb: float
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

    kind: EntityKind
    fps: float
    seconds: float
    rss_start_mb: float
    rss_end_mb: float
    growth_mb: float
    peak_growth_mb: float
    upstream_frames_sent: int


@dataclass(slots=True)
class SetupFigures:
    """Config entries of one kind added at once: how long until all were set up, and memory."""

    kind: EntityKind
    entries: int
    # Each camera answered every control request this many seconds late meanwhile.
    answer_delay: float
    seconds: float
    # Each entry's own flow, start to loaded; their sum over `seconds` is how many overlapped.
    entry_seconds: list[float]
    rss_before_mb: float
    rss_after_mb: float

    @property
    def rss_per_entry_mb(self) -> float:
        """Resident memory added per entry."""
        return (self.rss_after_mb - self.rss_before_mb) / self.entries


@dataclass(slots=True)
class LiveResults:
    """Everything the live part measured."""

    ha_idle_cpu_percent: float = 0.0
    idle_timeout: float = IDLE_TIMEOUT
    settings: dict[str, Any] = field(default_factory=dict)
    streams: list[StreamFigures] = field(default_factory=list)
    scale: list[StreamFigures] = field(default_factory=list)
    setups: list[SetupFigures] = field(default_factory=list)
    stills: dict[str, dict[str, StillFigures]] = field(default_factory=dict)
    cold_steps: dict[str, float | None] = field(default_factory=dict)
    stalls: list[StallFigures] = field(default_factory=list)
    thumbnails: list[ThumbnailFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        out = asdict(self)
        for setup, figures in zip(out["setups"], self.setups, strict=True):
            setup["rss_per_entry_mb"] = figures.rss_per_entry_mb
        return out


# scripts/bench --quick: the old, shorter run (about half the time; ratios vary by ±0.1 between runs).
QUICK: Final = {"rounds": 3, "measure": 3.0, "thumb_rounds": 2}


def rotation(round_number: int, kinds: Sequence[Kind] = KINDS) -> list[Kind]:
    """The order of the kinds in one round: rotated by one each round (A B C, B C A, C A B)."""
    shift = round_number % len(kinds)
    return [*kinds[shift:], *kinds[:shift]]


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


class ChildProcess:
    """A `benchmarks.viewers` or `benchmarks.relay` child: JSON lines out, `close` in."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Wrap a started child."""
        self.process = process

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    @classmethod
    async def start(cls, module: str, *args: str) -> ChildProcess:
        """Start `python -m <module> <args>`."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=RESULT_LINE_LIMIT,
        )
        return cls(process)

    async def send(self, line: str) -> None:
        """One line to its stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def event(self, name: str, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The next line, which must be event `name`."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the child process ended before {name!r}")
        event: dict[str, Any] = json.loads(line)
        if event.get("event") != name:
            raise RuntimeError(f"expected {name!r} from the child process, got {event}")
        return event

    async def end(self) -> None:
        """Close its stdin (it ends with it) and wait for it."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            async with asyncio.timeout(10):
                await self.process.wait()
        except TimeoutError:
            self.kill()

    def kill(self) -> None:
        """End it now (after an error)."""
        if self.process.returncode is None:
            self.process.kill()


def _sum_stats(sims: Sequence[BenchSimulator]) -> dict[str, int]:
    total: dict[str, int] = {}
    for sim in sims:
        for key, value in sim.stats().items():
            total[key] = total.get(key, 0) + value
    return total


class LiveBench:
    """Runs the phases against a started `hass` process."""

    def __init__(
        self,
        *,
        pid: int,
        base_url: str,
        token: str,
        targets: list[Target],
        scale_targets: list[Target],
        settings: Settings,
        log: Callable[[str], None],
        credentials: tuple[str, str],
        profile_dir: Path | None = None,
        profiler: str = "py-spy",
    ) -> None:
        """`targets`: both kinds at every rate; `scale_targets`: both kinds on the scale cameras."""
        self.pid = pid
        self.base = base_url
        self.token = token
        self.targets = targets
        self.scale_targets = scale_targets
        self.settings = settings
        self.credentials = credentials
        self.profile_dir = profile_dir
        self.profiler = profiler
        self.results = LiveResults(settings=asdict(settings))
        self.log = log
        every = [*targets, *scale_targets]
        self._sims = list({id(t.sim): t.sim for t in every}.values())
        self._session: aiohttp.ClientSession | None = None
        self._viewers: ChildProcess | None = None
        self._relays: dict[int, tuple[ChildProcess, int]] = {}

    @property
    def viewers(self) -> ChildProcess:
        """The viewer process (one for every phase)."""
        assert self._viewers is not None
        return self._viewers

    async def relay(self, sim: BenchSimulator) -> tuple[ChildProcess, int]:
        """The floor's relay process for `sim` (started on first use), and its port."""
        if sim.port not in self._relays:
            relay = await ChildProcess.start(
                RELAY_MODULE,
                json.dumps(
                    {
                        "port": sim.port,
                        "username": self.credentials[0],
                        "password": self.credentials[1],
                    }
                ),
            )
            listening = await relay.event("listening")
            self._relays[sim.port] = (relay, int(listening["port"]))
        return self._relays[sim.port]

    def target(self, kind: EntityKind, fps: float) -> Target:
        """The entity of `kind` on the `fps` camera."""
        return next(t for t in self.targets if t.kind == kind and t.fps == fps)

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session for still images and states."""
        assert self._session is not None
        return self._session

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def stream_url(self, target: Target) -> str:
        """The entity's MJPEG stream in Home Assistant."""
        return f"{self.base}/api/camera_proxy_stream/{target.entity_id}"

    # --- helpers -------------------------------------------------------------------------------

    async def quiesce(self) -> None:
        """Drop every AV connection at the cameras and wait until no camera streams at all."""
        for sim in self._sims:
            sim.sim.drop_av()
        deadline = time.monotonic() + QUIET_TIMEOUT
        while True:
            busy = []
            for sim in self._sims:
                stats = sim.stats()
                av, http = stats["av_connections_open"], stats["http_streams_open"]
                if av or http:
                    busy.append(f"{sim.port}: {av} AV, {http} HTTP")
            if not busy:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cameras still streaming: {', '.join(busy)}")
            await asyncio.sleep(0.05)

    async def still(self, target: Target) -> float:
        """One /api/camera_proxy request: its latency in seconds."""
        url = f"{self.base}/api/camera_proxy/{target.entity_id}"
        start = time.monotonic()
        async with self.session.get(url, headers=self._headers) as response:
            body = await response.read()
        elapsed = time.monotonic() - start
        if response.status != 200 or not body.startswith(b"\xff\xd8"):
            raise RuntimeError(f"still of {target.entity_id}: HTTP {response.status}")
        return elapsed

    # --- phases --------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until Home Assistant's CPU falls to idle levels (after its start, after setups).

        Right after a start it still loads and writes things in the background; a phase measured
        then would charge that work to whichever kind comes first.
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
        await self.quiesce()
        cpu = procfs.cpu_seconds(self.pid)
        await asyncio.sleep(seconds)
        self.results.ha_idle_cpu_percent = (procfs.cpu_seconds(self.pid) - cpu) / seconds * 100

    async def measure(
        self,
        kind: Kind,
        fps: float,
        feeds: Sequence[Feed],
        viewers: int,
        *,
        pid: int,
        round_number: int,
        warm_still: Target | None = None,
    ) -> StreamFigures:
        """`viewers` viewers on each feed for `settings.measure` s (after a warm-up).

        CPU and memory are those of process `pid`, which serves the feeds. With `warm_still`,
        still images of that entity are taken afterwards, while the viewers still read.
        """
        settings = self.settings
        sims = [feed.sim for feed in feeds]
        for sim in sims:
            sim.source.forget()
        before = _sum_stats(sims)
        process = self.viewers
        await process.send(
            json.dumps(
                {
                    "mode": "stream",
                    "token": self.token,
                    "streams": [{"url": feed.url, "viewers": viewers} for feed in feeds],
                    "warmup": settings.warmup,
                    "measure": settings.measure,
                }
            )
        )
        await process.event("start")
        profiler = await self._start_profiler(
            pid, f"{kind}-{fps:g}fps-{len(feeds)}x{viewers}-r{round_number}"
        )
        cpu_start = procfs.cpu_seconds(pid)
        stat_start = procfs.stat_cpu_seconds(pid)
        stats_start = _sum_stats(sims)
        await process.event("end")
        cpu_end = procfs.cpu_seconds(pid)
        stat_end = procfs.stat_cpu_seconds(pid)
        stats_end = _sum_stats(sims)
        rss = procfs.rss_bytes(pid)
        if profiler is not None:
            await profiler.wait()
        if warm_still is not None:
            # The first still opens the HTTP connection: not counted.
            count = settings.warm_stills + 1
            warm = [await self.still(warm_still) for _ in range(count)][1:]
            self.results.stills.setdefault(warm_still.kind, {})[f"warm_{fps:g}"] = _stills(warm)
        await process.send("close")
        result = await process.event("result")
        window = result["end"] - result["start"]
        latencies: list[float] = []
        unmatched = 0
        counts: list[int] = []
        errors: list[str] = []
        for viewer in result["viewers"]:
            frames = viewer["frames"]
            sent_at = sims[viewer["stream"]].source.sent_at
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
        if kind == "mjpeg":
            streams = stats_end["http_streams_open"]
            emitted = stats_end["http_frames_sent"] - stats_start["http_frames_sent"]
        else:
            streams = stats_end["av_connections_open"]
            emitted = stats_end["video_frames_sent"] - stats_start["video_frames_sent"]
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
        fps_each = [count / window for count in counts]
        figures = StreamFigures(
            kind=kind,
            round=round_number,
            fps=fps,
            viewers=viewers,
            cameras=len(feeds),
            seconds=window,
            delivered_frames=delivered,
            cpu_seconds=cpu,
            cpu_stat_seconds=stat_end - stat_start,
            cpu_ms_per_frame=cpu / delivered * 1000 if delivered else None,
            cpu_percent=cpu / window * 100,
            rss_mb=rss / 1e6,
            source_fps=source_fps,
            viewer_fps_min=min(fps_each),
            viewer_fps_mean=sum(fps_each) / len(fps_each),
            fps_ratio_min=min(fps_each) / source_fps if source_fps else None,
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
        self.log(
            f"  r{round_number} {kind:5} {fps:g} fps {len(feeds)}x{viewers:2}: "
            f"{figures.cpu_ms_per_frame or 0:.3f} ms CPU/frame, "
            f"{figures.viewer_fps_min:.1f}-{figures.viewer_fps_mean:.1f} fps/viewer "
            f"(source {source_fps:.1f}), {streams} upstream, latency p50/p99 "
            f"{figures.latency_ms_p50 or 0:.1f}/{figures.latency_ms_p99 or 0:.1f} ms"
            + (f", errors: {errors[:2]}" if errors else "")
        )
        return figures

    async def _start_profiler(self, pid: int, name: str) -> asyncio.subprocess.Process | None:
        """With `profile_dir`: py-spy (Python stacks) or perf (kernel too) samples `pid`.

        It samples the measured window. Sampling costs CPU of its own: figures of a profiled run
        are not comparable with others.
        """
        if self.profile_dir is None:
            return None
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        seconds = str(max(1, round(self.settings.measure)))
        if self.profiler == "perf":
            command = [
                *("perf", "record", "-e", "cpu-clock", "-F", "999", "-g"),
                *("-p", str(pid), "-o", str(self.profile_dir / f"{name}.perf.data")),
                *("--", "sleep", seconds),
            ]
        else:
            command = [
                *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid)),
                *("--duration", seconds, "--rate", "1000", "--nonblocking", "--format", "raw"),
                *("--output", str(self.profile_dir / f"{name}.txt")),
            ]
        return await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )

    async def phase(
        self,
        kind: Kind,
        fps: float,
        viewers: int,
        round_number: int,
        *,
        warm_stills: bool = False,
    ) -> None:
        """One phase of the interleaved table: `kind` on the `fps` camera."""
        await self.quiesce()
        if kind == "floor":
            sim = self.target("ours", fps).sim
            relay, relay_port = await self.relay(sim)
            await relay.send("start")
            await relay.event("ready")
            feed = Feed(f"http://127.0.0.1:{relay_port}/", sim)
            figures = await self.measure(
                kind, fps, [feed], viewers, pid=relay.pid, round_number=round_number
            )
            await relay.send("stop")
            await relay.event("stopped")
        else:
            target = self.target(kind, fps)
            figures = await self.measure(
                kind,
                fps,
                [Feed(self.stream_url(target), target.sim)],
                viewers,
                pid=self.pid,
                round_number=round_number,
                warm_still=target if warm_stills else None,
            )
        self.results.streams.append(figures)

    async def interleaved(self) -> None:
        """Every (rate, viewers) cell, `settings.rounds` times, the kinds rotating in each round."""
        settings = self.settings
        rates = sorted({t.fps for t in self.targets})
        for round_number in range(settings.rounds):
            self.log(f"round {round_number + 1} of {settings.rounds}:")
            for fps in rates:
                for index, viewers in enumerate(settings.viewer_counts):
                    for kind in rotation(round_number + index):
                        await self.phase(
                            kind,
                            fps,
                            viewers,
                            round_number,
                            warm_stills=round_number == 0 and index == 0 and kind != "floor",
                        )

    async def scale(self) -> None:
        """1, 4, 16... cameras in one Home Assistant, `scale_viewers` viewers each, both kinds."""
        settings = self.settings
        by_kind: dict[EntityKind, list[Target]] = {
            kind: [t for t in self.scale_targets if t.kind == kind] for kind in ("ours", "mjpeg")
        }
        kinds: tuple[Kind, ...] = ("ours", "mjpeg")
        for round_number in range(settings.scale_rounds):
            self.log(f"scale, round {round_number + 1} of {settings.scale_rounds}:")
            for index, cameras in enumerate(settings.scale_cameras):
                for kind in rotation(round_number + index, kinds):
                    assert kind != "floor"
                    targets = by_kind[kind][:cameras]
                    await self.quiesce()
                    figures = await self.measure(
                        kind,
                        settings.scale_fps,
                        [Feed(self.stream_url(t), t.sim) for t in targets],
                        settings.scale_viewers,
                        pid=self.pid,
                        round_number=round_number,
                    )
                    self.results.scale.append(figures)

    async def stall(self, target: Target) -> None:
        """One viewer that never reads, for `settings.stall_seconds`: the RSS growth."""
        settings = self.settings
        await self.quiesce()
        before = target.sim.stats()
        rss_start = procfs.rss_bytes(self.pid)
        process = self.viewers
        await process.send(
            json.dumps(
                {
                    "mode": "stall",
                    "base": self.base,
                    "token": self.token,
                    "entity": target.entity_id,
                }
            )
        )
        peak = rss_start
        await process.event("stalled")
        end = time.monotonic() + settings.stall_seconds
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(settings.stall_sample_every, left))
            peak = max(peak, procfs.rss_bytes(self.pid))
        rss_end = procfs.rss_bytes(self.pid)
        after = target.sim.stats()
        await process.send("close")
        await process.event("result")
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
        """Still images with no video running: ours after its video stopped, mjpeg's always."""
        ours = [t for t in self.targets if t.kind == "ours"]
        theirs = [t for t in self.targets if t.kind == "mjpeg"]
        cold: dict[EntityKind, list[float]] = {"ours": [], "mjpeg": []}
        starts = 0
        for round_number in range(self.settings.cold_rounds):
            for kind in rotation(round_number, ("ours", "mjpeg")):
                for target in ours if kind == "ours" else theirs:
                    await self.quiesce()
                    if kind == "ours":
                        # The camera entity's state no longer changes when on-demand video
                        # stops (it says whether the camera gives video), so there is nothing
                        # to poll: give Home Assistant a moment to see the AV connection end.
                        # The start count below proves each sample was cold.
                        await asyncio.sleep(FEED_NOTICE_DELAY)
                    before = target.sim.stats()["av_connections_accepted"]
                    cold[target.kind].append(await self.still(target))
                    started = target.sim.stats()["av_connections_accepted"] - before
                    if kind == "ours" and started != 1:
                        raise RuntimeError(
                            f"a cold still of {target.entity_id} started video {started} times"
                        )
                    starts += started
        self.results.stills.setdefault("ours", {})["cold"] = _stills(cold["ours"], starts)
        self.results.stills.setdefault("mjpeg", {})["cold"] = _stills(cold["mjpeg"])
        self.log(
            f"  cold stills: ours {len(cold['ours'])} samples "
            f"({starts} video starts), mjpeg {len(cold['mjpeg'])}"
        )

    async def thumbnails(self) -> None:
        """Dashboard thumbnails on the full-speed camera, the integrations alternating."""
        settings = self.settings
        fps = max(t.fps for t in self.targets)
        for round_number in range(settings.thumb_rounds):
            for kind in rotation(round_number, ("ours", "mjpeg")):
                assert kind != "floor"
                figures = await thumbnails.block(self, self.target(kind, fps), round_number)
                self.results.thumbnails.append(figures)
                self.log(
                    f"  thumbnails {kind:5} round {round_number + 1}: {figures.stills} stills, "
                    f"{figures.camera_bytes / 1000:.0f} KB from the camera, AV open "
                    f"{figures.av_seconds:.2f} s ({figures.av_connections} connections)"
                )

    async def cold_start_steps(self, sim: BenchSimulator) -> None:
        """Each step of a video start, timed by `benchmarks.coldstart` in a process of its own."""
        await self.quiesce()
        process = await ChildProcess.start(
            COLDSTART_MODULE,
            json.dumps(
                {
                    "port": sim.port,
                    "username": self.credentials[0],
                    "password": self.credentials[1],
                    "rounds": self.settings.cold_step_rounds,
                }
            ),
        )
        try:
            self.results.cold_steps = (await process.event("steps"))["steps"]
        finally:
            await process.end()

    async def run(self) -> LiveResults:
        """Every part, in an order where none disturbs another."""
        rates = sorted({t.fps for t in self.targets})
        self._viewers = await ChildProcess.start(VIEWERS_MODULE)
        try:
            async with aiohttp.ClientSession() as self._session:
                await self.settle()
                await self.idle_cpu()
                if self.settings.thumbnails_only:
                    await self.thumbnails()
                    return self.results
                await self.interleaved()
                await self.cold_stills()
                await self.thumbnails()
                await self.cold_start_steps(self.target("ours", rates[-1]).sim)
                if self.scale_targets:
                    await self.scale()
                for kind in ("mjpeg", "ours"):
                    await self.stall(self.target(kind, rates[-1]))
        finally:
            self._session = None
            for process in [self._viewers, *(relay for relay, _ in self._relays.values())]:
                await process.end()
        return self.results
