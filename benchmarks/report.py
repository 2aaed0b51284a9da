"""The benchmark's results as a markdown table, and the targets they are held to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from . import thumbnails
from .stats import Spread, pair_ratios, percentile, ratio, spread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

DASH: Final = "n/a"


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return DASH
    return f"{value:.{digits}f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    value = ratio(ours, theirs)
    return DASH if value is None else f"{value:.2f}x"


def codec_table(codec: dict[str, Any]) -> list[str]:
    """The codec figures."""
    lines = ["| Codec | Result |", "| --- | --- |"]
    lines.extend(
        f"| Video_Data decoding (VGA JPEGs, {video['mean_frame_bytes'] / 1000:.0f} KB mean), "
        f"{video['chunk_size']} B reads | {video['megabytes_per_second']:.0f} MB/s "
        f"({video['frames_per_second']:.0f} frames/s) |"
        for video in codec["video"]
    )
    lines.append(f"| ADPCM decode | {codec['adpcm_decode_x_realtime']:.0f}x real time |")
    lines.append(f"| ADPCM encode | {codec['adpcm_encode_x_realtime']:.0f}x real time |")
    return lines


KIND_NAMES: Final = {"ours": "bseries_ipcam", "mjpeg": "mjpeg (HA core)", "floor": "floor (relay)"}


@dataclass(frozen=True, slots=True)
class Cell:
    """One (rate, viewers[, cameras]) cell over its rounds: each kind's figures and the pairs."""

    fps: float
    viewers: int
    cameras: int
    cpu: dict[str, Spread | None]
    vs_mjpeg: Spread | None
    vs_floor: Spread | None
    slowest_fps_ratio: dict[str, float | None]
    slowest_fps: dict[str, float | None]
    source_fps: dict[str, float | None]
    latency_p99: dict[str, float | None]
    upstream: dict[str, int | None]
    rss_mb: dict[str, float | None]


def _by_round(phases: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {p["round"]: p for p in phases}


def _paired(rounds: dict[str, dict[int, dict[str, Any]]], kind: str, other: str) -> list[float]:
    """ours/other CPU per frame, within each round where both were measured."""
    shared = sorted(set(rounds.get(kind, {})) & set(rounds.get(other, {})))
    return pair_ratios(
        [rounds[kind][r]["cpu_ms_per_frame"] for r in shared],
        [rounds[other][r]["cpu_ms_per_frame"] for r in shared],
    )


def cells(phases: list[dict[str, Any]]) -> list[Cell]:
    """The phases grouped into cells, sorted by rate, cameras and viewers."""
    groups: dict[tuple[float, int, int], dict[str, list[dict[str, Any]]]] = {}
    for phase in phases:
        key = (phase["fps"], phase.get("cameras", 1), phase["viewers"])
        groups.setdefault(key, {}).setdefault(phase["kind"], []).append(phase)
    out = []
    for (fps, cameras, viewers), kinds in sorted(groups.items()):
        rounds = {kind: _by_round(items) for kind, items in kinds.items()}
        out.append(
            Cell(
                fps=fps,
                viewers=viewers,
                cameras=cameras,
                cpu={k: spread([p["cpu_ms_per_frame"] for p in v]) for k, v in kinds.items()},
                vs_mjpeg=spread(_paired(rounds, "ours", "mjpeg")),
                vs_floor=spread(_paired(rounds, "ours", "floor")),
                slowest_fps_ratio={
                    k: _least(p["fps_ratio_min"] for p in v) for k, v in kinds.items()
                },
                slowest_fps={k: _least(p["viewer_fps_min"] for p in v) for k, v in kinds.items()},
                source_fps={
                    k: percentile([p["source_fps"] for p in v], 0.5) for k, v in kinds.items()
                },
                latency_p99={k: _most(p["latency_ms_p99"] for p in v) for k, v in kinds.items()},
                upstream={k: _most(p["upstream_connections"] for p in v) for k, v in kinds.items()},
                rss_mb={k: percentile([p["rss_mb"] for p in v], 0.5) for k, v in kinds.items()},
            )
        )
    return out


def _least[T: float](values: Iterable[T | None]) -> T | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _most[T: float](values: Iterable[T | None]) -> T | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def fmt_spread(value: Spread | None, digits: int = 2, suffix: str = "") -> str:
    """`median (min-max)`, or n/a."""
    if value is None:
        return DASH
    if value.count == 1:
        return f"{value.median:.{digits}f}{suffix}"
    return f"{value.median:.{digits}f}{suffix} ({value.low:.{digits}f}-{value.high:.{digits}f})"


def _kinds(values: dict[str, Any], kinds: Sequence[str], digits: int) -> str:
    return " / ".join(_fmt(values.get(k), digits) for k in kinds)


def stream_table(live: dict[str, Any]) -> list[str]:
    """The interleaved table: per cell, each kind's CPU per frame and the ratios of the pairs."""
    rounds = live["settings"]["rounds"]
    lines = [
        (
            f"| Source | Viewers | CPU per delivered frame, ms: ours / mjpeg / floor (median of "
            f"{rounds} rounds) | ours/mjpeg, median of pairs (min-max) | ours/floor, median of "
            "pairs (min-max) | Slowest viewer, fps: ours / mjpeg / floor | Added latency p99, ms, "
            "worst round: ours / mjpeg / floor |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    kinds = ("ours", "mjpeg", "floor")
    for cell in cells(live["streams"]):
        cpu = _kinds({k: _cpu(cell, k) for k in kinds}, kinds, 3)
        slowest = _kinds(cell.slowest_fps, kinds, 1)
        latency = _kinds(cell.latency_p99, kinds, 1)
        lines.append(
            f"| {cell.fps:g} fps | {cell.viewers} | {cpu} | {fmt_spread(cell.vs_mjpeg, suffix='x')} "
            f"| {fmt_spread(cell.vs_floor, suffix='x')} | {slowest} | {latency} |"
        )
    return lines


def cpu_spread_table(live: dict[str, Any]) -> list[str]:
    """Each kind's CPU per frame with its spread over the rounds."""
    lines = [
        "| Source | Viewers | ours, ms/frame (min-max) | mjpeg | floor |",
        "| --- | --- | --- | --- | --- |",
    ]
    for cell in cells(live["streams"]):
        shown = [fmt_spread(cell.cpu.get(k), 3) for k in ("ours", "mjpeg", "floor")]
        lines.append(f"| {cell.fps:g} fps | {cell.viewers} | {' | '.join(shown)} |")
    return lines


def scale_cells(live: dict[str, Any]) -> list[Cell]:
    """The scale part's cells, by number of cameras."""
    return sorted(cells(live.get("scale", [])), key=lambda c: c.cameras)


def _cpu(cell: Cell, kind: str) -> float | None:
    value = cell.cpu.get(kind)
    return value.median if value else None


def scale_growth(live: dict[str, Any]) -> dict[int, float | None]:
    """Ours: CPU per delivered frame with N cameras over that with the fewest."""
    found = scale_cells(live)
    if not found:
        return {}
    base = _cpu(found[0], "ours")
    return {cell.cameras: ratio(_cpu(cell, "ours"), base) for cell in found}


def rss_per_added_camera(live: dict[str, Any], kind: str = "ours") -> float | None:
    """Resident memory per camera added: its entry set up, plus its streaming (MB)."""
    batch = [s for s in live.get("setups", []) if s["kind"] == kind and s["entries"] > 1]
    found = scale_cells(live)
    if not batch:
        return None
    at_rest: float = batch[-1]["rss_per_entry_mb"]
    if len(found) < 2:
        return at_rest
    low, high = found[0], found[-1]
    a, b = low.rss_mb.get(kind), high.rss_mb.get(kind)
    if a is None or b is None:
        return at_rest
    return at_rest + max(0.0, (b - a) / (high.cameras - low.cameras))


def setup_times(live: dict[str, Any], kind: str) -> tuple[float | None, float | None, int]:
    """One entry set up alone (median), all of the batch set up at once, and the batch size.

    The first entry of a kind also loads the integration's code (from a fresh clone: compiles
    it); "alone" leaves it out when there are others.
    """
    setups = live.get("setups", [])
    alone = [s["seconds"] for s in setups if s["kind"] == kind and s["entries"] == 1]
    alone = alone[1:] or alone
    batch = [s for s in setups if s["kind"] == kind and s["entries"] > 1]
    return (
        percentile(alone, 0.5),
        batch[-1]["seconds"] if batch else None,
        batch[-1]["entries"] if batch else 0,
    )


def scale_table(live: dict[str, Any]) -> list[str]:
    """CPU, rates and memory with 1..16 cameras in one Home Assistant, ours against mjpeg."""
    found = scale_cells(live)
    if not found:
        return []
    growth = scale_growth(live)
    rounds = live["settings"]["scale_rounds"]
    lines = [
        (
            f"| Cameras x viewers | HA CPU per delivered frame, ms: ours (vs 1 camera) / mjpeg "
            f"(median of {rounds} rounds) | ours/mjpeg, median of pairs (min-max) | Slowest viewer / "
            "source rate: ours / mjpeg | HA CPU, % of a core: ours / mjpeg | HA RSS, MB: ours / "
            "mjpeg | Upstream connections: ours / mjpeg |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    by_cells = {c.cameras: c for c in found}
    phases = live.get("scale", [])
    for cameras, cell in by_cells.items():
        percent = {
            k: percentile(
                [p["cpu_percent"] for p in phases if p["kind"] == k and p["cameras"] == cameras],
                0.5,
            )
            for k in ("ours", "mjpeg")
        }
        lines.append(
            f"| {cameras} x {cell.viewers} | {_fmt(_cpu(cell, 'ours'), 3)} "
            f"({_fmt(growth.get(cameras), 2)}x) / {_fmt(_cpu(cell, 'mjpeg'), 3)} "
            f"| {fmt_spread(cell.vs_mjpeg, suffix='x')} "
            f"| {_fmt(cell.slowest_fps_ratio.get('ours'), 2)} / "
            f"{_fmt(cell.slowest_fps_ratio.get('mjpeg'), 2)} "
            f"| {_fmt(percent['ours'], 1)} / {_fmt(percent['mjpeg'], 1)} "
            f"| {_fmt(cell.rss_mb.get('ours'), 1)} / {_fmt(cell.rss_mb.get('mjpeg'), 1)} "
            f"| {_fmt(cell.upstream.get('ours'), 0)} / {_fmt(cell.upstream.get('mjpeg'), 0)} |"
        )
    delays = {s["answer_delay"] for s in live.get("setups", []) if s["kind"] == "ours"}
    delay = f", cameras answering {max(delays):g} s late" if delays and max(delays) else ""
    lines += [
        "",
        f"| Set-up | bseries_ipcam{delay} | mjpeg (HA core) |",
        "| --- | --- | --- |",
    ]
    ours, theirs = setup_times(live, "ours"), setup_times(live, "mjpeg")
    lines.append(
        f"| One entry alone, flow start to loaded, code already loaded (s) | {_fmt(ours[0], 2)} "
        f"| {_fmt(theirs[0], 2)} |"
    )
    lines.append(
        f"| {ours[2]} entries at once, until all loaded (s) | {_fmt(ours[1], 2)} "
        f"| {_fmt(theirs[1], 2)} |"
    )
    per_entry = {
        s["kind"]: s["rss_per_entry_mb"] for s in live.get("setups", []) if s["entries"] > 1
    }
    lines.append(
        f"| HA RSS per entry set up (MB) | {_fmt(per_entry.get('ours'), 2)} "
        f"| {_fmt(per_entry.get('mjpeg'), 2)} |"
    )
    lines.append(
        f"| HA RSS per added camera, set up and streaming (MB) "
        f"| {_fmt(rss_per_added_camera(live, 'ours'), 2)} "
        f"| {_fmt(rss_per_added_camera(live, 'mjpeg'), 2)} |"
    )
    return lines


def still_and_memory_table(live: dict[str, Any]) -> list[str]:
    """Still image latency and memory with a stalled viewer."""
    stills = live["stills"]
    ours, theirs = stills.get("ours", {}), stills.get("mjpeg", {})
    lines = [
        "| Figure | bseries_ipcam | mjpeg (HA core) | ours/theirs |",
        "| --- | --- | --- | --- |",
    ]
    keys = sorted(k for k in ours if k.startswith("warm"))
    for key in [*keys, "cold"]:
        a, b = ours.get(key), theirs.get(key)
        if a is None or b is None:
            continue
        what = "cold, no video running" if key == "cold" else f"warm, {key[5:]} fps stream"
        for quantile in ("p50", "p99"):
            x, y = a[f"{quantile}_ms"], b[f"{quantile}_ms"]
            lines.append(
                f"| Still image {quantile} (ms), {what} ({a['samples']}/{b['samples']} samples) "
                f"| {_fmt(x, 1)} | {_fmt(y, 1)} | {_ratio(x, y)} |"
            )
    stalls = {s["kind"]: s for s in live["stalls"]}
    if "ours" in stalls and "mjpeg" in stalls:
        a, b = stalls["ours"], stalls["mjpeg"]
        lines.append(
            f"| HA memory growth, one stalled viewer, {a['seconds']:g} s at {a['fps']:g} fps (MB) "
            f"| {a['growth_mb']:+.2f} | {b['growth_mb']:+.2f} | {DASH} |"
        )
        lines.append(
            f"| HA memory peak growth, same (MB) | {a['peak_growth_mb']:+.2f} "
            f"| {b['peak_growth_mb']:+.2f} | {DASH} |"
        )
    return lines


def thumbnail_summaries(live: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each integration's dashboard-thumbnail figures, or nothing when the part did not run."""
    blocks = live.get("thumbnails") or []
    found = {kind: thumbnails.summary(blocks, kind) for kind in ("ours", "mjpeg")}
    return found if all(found.values()) else {}


def thumbnails_table(live: dict[str, Any]) -> list[str]:
    """Dashboard thumbnails: per dashboard minute (six stills), ours against mjpeg."""
    found = thumbnail_summaries(live)
    if not found:
        return []
    ours, theirs = found["ours"], found["mjpeg"]
    settings = live["settings"]
    rows = [
        ("Camera bytes sent (KB)", "camera_kb_per_minute", 1),
        ("Seconds an AV connection was open", "av_seconds_per_minute", 2),
        ("AV connections opened", "av_connections_per_minute", 1),
        ("HA CPU (s)", "cpu_seconds_per_minute", 3),
    ]
    lines = [
        (
            f"| Dashboard thumbnails, per dashboard minute (6 stills; {ours['stills']:.0f}/"
            f"{theirs['stills']:.0f} stills, one every {settings['thumb_interval']:g} s, "
            f"{settings['thumb_rounds']} rounds) | bseries_ipcam | mjpeg (HA core) | ours/theirs |"
        ),
        "| --- | --- | --- | --- |",
    ]
    for name, key, digits in rows:
        x, y = ours.get(key), theirs.get(key)
        lines.append(f"| {name} | {_fmt(x, digits)} | {_fmt(y, digits)} | {_ratio(x, y)} |")
    for quantile in ("p50", "p99"):
        x, y = ours.get(f"still_{quantile}_ms"), theirs.get(f"still_{quantile}_ms")
        lines.append(
            f"| Still {quantile} (ms), cold | {_fmt(x, 1)} | {_fmt(y, 1)} | {_ratio(x, y)} |"
        )
    return lines


def cold_steps_table(live: dict[str, Any]) -> list[str]:
    """Where a cold start's time goes, step by step (measured outside Home Assistant)."""
    steps = live.get("cold_steps") or {}
    if not steps:
        return []
    lines = [
        "| Video start, step by step (protocol client alone, its own process; median) | ms |",
        "| --- | --- |",
    ]
    lines.extend(f"| {name} | {_fmt(value, 2)} |" for name, value in steps.items())
    return lines


def targets(live: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issues: what was measured, the limit, and whether it holds."""
    out: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, limit: str, ok: Callable[[float], bool]) -> None:
        out.append(
            {
                "target": name,
                "measured": measured,
                "limit": limit,
                "holds": measured is not None and ok(measured),
            }
        )

    thumbs = thumbnail_summaries(live)
    if thumbs:
        ours, theirs = thumbs["ours"], thumbs["mjpeg"]
        add(
            "Dashboard thumbnails: camera bytes per minute, ours/mjpeg",
            ratio(ours.get("camera_kb_per_minute"), theirs.get("camera_kb_per_minute")),
            "≤ 2",
            lambda v: v <= 2,
        )
        add(
            "Dashboard thumbnails: still p50 (cold), ours/mjpeg",
            ratio(ours.get("still_p50_ms"), theirs.get("still_p50_ms")),
            "≤ 1.5",
            lambda v: v <= 1.5,
        )
    if not live["streams"]:
        return out
    found = cells(live["streams"])
    at5 = [c for c in found if c.viewers == 5]
    add(
        "CPU per delivered frame at N = 5, ours/mjpeg, median of pairs (worst rate)",
        _most(c.vs_mjpeg.median if c.vs_mjpeg else None for c in at5),
        "≤ 0.5",
        lambda v: v <= 0.5,
    )
    add(
        "CPU per delivered frame at N = 5, ours/floor, median of pairs (worst rate)",
        _most(c.vs_floor.median if c.vs_floor else None for c in at5),
        "≤ 1.3",
        lambda v: v <= 1.3,
    )
    ours_streams = [s for s in live["streams"] if s["kind"] == "ours"]
    add(
        "Upstream AV connections, any N (most seen)",
        max((s["upstream_connections"] for s in ours_streams), default=None),
        "= 1",
        lambda v: v == 1,
    )
    n20 = [s for s in ours_streams if s["viewers"] == 20 and s["fps_ratio_min"] is not None]
    add(
        "Slowest viewer's rate / source rate at N = 20 (worst phase)",
        min((s["fps_ratio_min"] for s in n20), default=None),
        "≥ 0.97 (full rate, ±1 frame at the window's edges)",
        lambda v: v >= 0.97,
    )
    p99 = [s["latency_ms_p99"] for s in ours_streams if s["latency_ms_p99"] is not None]
    add("Added latency p99, worst phase (ms)", max(p99, default=None), "≤ 10", lambda v: v <= 10)
    warm = [v["p50_ms"] for k, v in live["stills"].get("ours", {}).items() if k.startswith("warm")]
    add(
        "Warm still image p50, worst rate (ms)",
        max((w for w in warm if w is not None), default=None),
        "≤ 5",
        lambda v: v <= 5,
    )
    stall = [s for s in live["stalls"] if s["kind"] == "ours"]
    add(
        "Memory growth with a stalled viewer (MB)",
        stall[0]["peak_growth_mb"] if stall else None,
        "≤ 5",
        lambda v: v <= 5,
    )
    growth = scale_growth(live)
    if growth:
        most = max(growth)
        add(
            f"Scale: HA CPU per delivered frame, {most} cameras / 1 camera",
            growth[most],
            "≤ 1.2",
            lambda v: v <= 1.2,
        )
        scale_ours = [s for s in live.get("scale", []) if s["kind"] == "ours"]
        add(
            "Scale: slowest viewer's rate / source rate, any number of cameras",
            _least(s["fps_ratio_min"] for s in scale_ours),
            "≥ 0.97",
            lambda v: v >= 0.97,
        )
        add(
            "Scale: HA RSS per added camera, set up and streaming (MB)",
            rss_per_added_camera(live),
            "≤ 3",
            lambda v: v <= 3,
        )
        alone, batch, count = setup_times(live, "ours")
        add(
            f"Scale: {count} entries set up at once / one entry alone (time)",
            ratio(batch, alone),
            f"≤ 3 (one after another would be about {count})",
            lambda v: v <= 3,
        )
    return out


def targets_table(rows: list[dict[str, Any]]) -> list[str]:
    """The targets as markdown."""
    lines = ["| Target (bseries_ipcam) | Measured | Limit | Holds |", "| --- | --- | --- | --- |"]
    for row in rows:
        measured = row["measured"]
        shown = DASH if measured is None else f"{measured:.3g}"
        lines.append(
            f"| {row['target']} | {shown} | {row['limit']} | {'yes' if row['holds'] else 'NO'} |"
        )
    return lines


def method_notes(results: dict[str, Any]) -> list[str]:
    """How the live figures were taken, for the reader of the tables."""
    meta, live = results["meta"], results["live"]
    settings = live["settings"]
    cold = live["stills"].get("ours", {}).get("cold", {}).get("samples", 0)
    return [
        (
            f"Source: {meta['frames']} rendered 640x480 JPEGs ({meta['frame_bytes'][0] / 1000:.0f}-"
            f"{meta['frame_bytes'][1] / 1000:.0f} KB) sent by the simulator at 15 fps and at 30 fps "
            "(30 fps stands for the camera's full speed). mjpeg is set up through its config flow on "
            "the simulator's `videostream.cgi?user=..&pwd=..`, with `snapshot.cgi` as still image "
            "URL. The floor is `benchmarks/relay.py`: a bare asyncio process (no Home Assistant) "
            "that reads the same camera's frames over one AV connection and writes them, as "
            "chunked multipart, to the same viewers."
        ),
        (
            f"Interleaved: each cell ran {settings['rounds']} rounds; a round is one phase of each "
            "kind back to back, the order rotating from round to round and cell to cell; a ratio "
            "is taken within a round and the median of those is shown with the least and greatest. "
            f"Each phase: {settings['warmup']:g} s warm-up, then {settings['measure']:g} s "
            "measured. Viewers run in a separate process; CPU is that of the process serving them "
            "(`hass` or the relay), all threads (/proc schedstat); idle, `hass` used "
            f"{live['ha_idle_cpu_percent']:.2f} % of a core."
        ),
        (
            "Between phases every AV connection is dropped at the simulator (the feed then stops "
            "as after its idle period), so no phase pays for another kind's stream; ours starts "
            "video in each warm-up."
        ),
        (
            "Added latency: from the simulator writing a frame to a viewer having all of it; every "
            "frame carries a unique stamp in a JPEG comment, so each is matched exactly."
        ),
        (
            f"Scale: {', '.join(str(n) for n in settings['scale_cameras'])} cameras at "
            f"{settings['scale_fps']:g} fps in the same Home Assistant, "
            f"{settings['scale_viewers']} viewers each, {settings['scale_rounds']} rounds of "
            "alternating kinds. Set-up: every entry's config flow started at once, timed until "
            "all were loaded, and one entry alone for comparison; while ours were set up, every "
            "camera answered each control request late (see the table), so that entries set up "
            "one after another would take about as many times longer as there are entries."
        ),
        (
            f"Cold stills: {cold} per integration, each with no video running (ours: after its "
            "AV connection ended; mjpeg always fetches `snapshot.cgi`). Warm stills: while one "
            "viewer streams."
        ),
        (
            "Dashboard thumbnails: each integration's entity on the 30 fps camera is asked for "
            f"one still every {settings.get('thumb_interval', 2.0):g} s (a picture card asks "
            "every 10 s: time compressed five-fold; every still is cold), in blocks of "
            f"{settings.get('thumb_stills', 10)}, the integrations alternating; bytes are what "
            "the simulated camera sent on its AV and HTTP connections, AV seconds its own "
            "accept-to-close times, both per six stills (a dashboard minute)."
        ),
        (
            f"Stalled viewer: opens the stream and never reads, for {settings['stall_seconds']:g} s "
            "per integration; memory is VmRSS of `hass`."
        ),
        *live["notes"],
    ]


def markdown(results: dict[str, Any]) -> str:
    """The whole report."""
    meta = results["meta"]
    parts = [
        (
            f"Benchmark of {meta['date']} (commit {meta['commit']}), Home Assistant "
            f"{meta['homeassistant']}, Python {meta['python']}, {meta['cpus']} CPUs, load "
            f"average {meta['load_before'][0]:.2f} before / {meta['load_after'][0]:.2f} after, "
            f"{meta['seconds']:.0f} s in all."
        ),
        "",
        *codec_table(results["codec"]),
    ]
    live = results.get("live")
    if live and not live["streams"]:  # --thumbnails-only
        parts += ["", *thumbnails_table(live), "", *targets_table(results["targets"])]
    elif live:
        parts += ["", *stream_table(live), "", *cpu_spread_table(live)]
        scale = scale_table(live)
        if scale:
            parts += ["", *scale]
        parts += ["", *still_and_memory_table(live)]
        steps = cold_steps_table(live)
        if steps:
            parts += ["", *steps]
        thumbs = thumbnails_table(live)
        if thumbs:
            parts += ["", *thumbs]
        parts += ["", *targets_table(results["targets"])]
        parts += ["", *(f"- {note}" for note in method_notes(results))]
    return "\n".join(parts) + "\n"
