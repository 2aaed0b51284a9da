"""Dashboard thumbnails: what an open dashboard's picture card costs the camera and Home Assistant.

Home Assistant's picture cards fetch a still every 10 s. Here each integration's entity is asked
for one still every `interval` seconds (2 s: time compressed five times; each still is cold all
the same, since ours has stopped video and forgotten its frame by then), in blocks of `stills`,
the two integrations alternating block by block and the order rotating each round. Measured
from the simulated camera's side: the bytes it sent on media connections (AV and HTTP), and how
long an AV connection was open (its own accept and close times); from `hass`: CPU seconds. The
figures are given per *dashboard minute*, six stills: a real dashboard's minute has the same
stills, and five times the idle time between them (which costs neither integration anything).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any, Final

from . import procfs
from .stats import percentile

if TYPE_CHECKING:
    from .live import EntityKind, LiveBench, Target

# Home Assistant's picture cards refresh every 10 s: six stills a minute.
STILLS_PER_MINUTE: Final = 6
# Longer than the integration's STILL_SHARE: the first still of a block is cold too.
COOL_DOWN: Final = 1.5


@dataclass(slots=True)
class ThumbnailFigures:
    """One block of stills of one integration."""

    kind: EntityKind
    round: int
    fps: float
    stills: int
    interval: float
    seconds: float
    camera_bytes: int
    av_seconds: float
    av_connections: int
    http_streams: int
    cpu_seconds: float
    latencies_ms: list[float]


def _overlap(opened: float, closed: float | None, start: float, end: float) -> float:
    return max(0.0, min(end, end if closed is None else closed) - max(start, opened))


async def block(bench: LiveBench, target: Target, round_number: int) -> ThumbnailFigures:
    """`thumb_stills` stills of `target`, one every `thumb_interval` s."""
    settings = bench.settings
    sim = target.sim
    await bench.quiesce()
    await asyncio.sleep(COOL_DOWN)
    before = sim.stats()
    cpu = procfs.cpu_seconds(bench.pid)
    start = time.monotonic()
    latencies: list[float] = []
    for index in range(settings.thumb_stills):
        await asyncio.sleep(max(0.0, start + index * settings.thumb_interval - time.monotonic()))
        latencies.append(await bench.still(target))
    # The last still's interval belongs to the block: its video stops in it (or not).
    await asyncio.sleep(
        max(0.0, start + settings.thumb_stills * settings.thumb_interval - time.monotonic())
    )
    end = time.monotonic()
    cpu_seconds = procfs.cpu_seconds(bench.pid) - cpu
    after = sim.stats()
    spans = [s for s in sim.sim.av_spans if s.closed_at is None or s.closed_at > start]
    return ThumbnailFigures(
        kind=target.kind,
        round=round_number,
        fps=target.fps,
        stills=settings.thumb_stills,
        interval=settings.thumb_interval,
        seconds=end - start,
        camera_bytes=sum(after[key] - before[key] for key in ("av_bytes_sent", "http_bytes_sent")),
        av_seconds=sum(_overlap(s.opened_at, s.closed_at, start, end) for s in spans),
        av_connections=after["av_connections_accepted"] - before["av_connections_accepted"],
        http_streams=after["http_stream_connections"] - before["http_stream_connections"],
        cpu_seconds=cpu_seconds,
        latencies_ms=[latency * 1000 for latency in latencies],
    )


def summary(blocks: list[dict[str, Any]], kind: str) -> dict[str, float | None]:
    """Per dashboard minute over every block of `kind`, and the cold still latency quantiles."""
    mine = [b for b in blocks if b["kind"] == kind]
    stills = sum(b["stills"] for b in mine)
    if not stills:
        return {}
    minutes: float = stills / STILLS_PER_MINUTE

    def per_minute(key: str) -> float:
        return float(sum(b[key] for b in mine)) / minutes

    latencies = [v for b in mine for v in b["latencies_ms"]]
    return {
        "stills": stills,
        "camera_kb_per_minute": per_minute("camera_bytes") / 1000,
        "av_seconds_per_minute": per_minute("av_seconds"),
        "av_connections_per_minute": per_minute("av_connections"),
        "http_streams": float(sum(b["http_streams"] for b in mine)),
        "cpu_seconds_per_minute": per_minute("cpu_seconds"),
        "still_p50_ms": percentile(latencies, 0.5),
        "still_p99_ms": percentile(latencies, 0.99),
    }
