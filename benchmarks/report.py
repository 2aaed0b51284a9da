"""The benchmark's results as a markdown table, and the targets they are held to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .stats import ratio

if TYPE_CHECKING:
    from collections.abc import Callable

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


_STREAM_ROWS: Final[tuple[tuple[str, str, int], ...]] = (
    ("HA CPU per delivered frame (ms)", "ha_cpu_ms_per_frame", 3),
    ("HA CPU (% of one core)", "ha_cpu_percent", 1),
    ("Delivered fps per viewer, slowest (source fps)", "viewer_fps_min", 1),
    ("Upstream connections at the camera", "upstream_connections", 0),
    ("Upstream traffic (MB/s)", "upstream_mb_per_s", 2),
    ("Added latency p50 (ms)", "latency_ms_p50", 1),
    ("Added latency p99 (ms)", "latency_ms_p99", 1),
)


def stream_table(live: dict[str, Any]) -> list[str]:
    """Streaming figures, one row per figure, source rate and viewer count."""
    streams = {(s["kind"], s["fps"], s["viewers"]): s for s in live["streams"]}
    configs = sorted({(s["fps"], s["viewers"]) for s in live["streams"]})
    lines = [
        "| Figure | Source | Viewers | bseries_ipcam | mjpeg (HA core) | ours/theirs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, key, digits in _STREAM_ROWS:
        for fps, viewers in configs:
            ours = streams.get(("ours", fps, viewers), {})
            theirs = streams.get(("mjpeg", fps, viewers), {})
            a, b = ours.get(key), theirs.get(key)
            cells = [_fmt(a, digits), _fmt(b, digits)]
            if key == "viewer_fps_min":
                cells = [
                    f"{_fmt(a, 1)} ({_fmt(ours.get('source_fps'), 1)})",
                    f"{_fmt(b, 1)} ({_fmt(theirs.get('source_fps'), 1)})",
                ]
            lines.append(
                f"| {label} | {fps:g} fps | {viewers} | {cells[0]} | {cells[1]} | {_ratio(a, b)} |"
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
        what = "cold, after the idle stop" if key == "cold" else f"warm, {key[5:]} fps stream"
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


def _find(live: dict[str, Any], kind: str, viewers: int) -> list[dict[str, Any]]:
    return [s for s in live["streams"] if s["kind"] == kind and s["viewers"] == viewers]


def targets(live: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue: what was measured, the limit, and whether it holds."""
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

    ratios = [
        ratio(ours["ha_cpu_ms_per_frame"], theirs["ha_cpu_ms_per_frame"])
        for ours in _find(live, "ours", 5)
        for theirs in _find(live, "mjpeg", 5)
        if ours["fps"] == theirs["fps"]
    ]
    valid = [r for r in ratios if r is not None]
    add(
        "CPU per delivered frame at N = 5, ours/mjpeg (worst rate)",
        max(valid) if valid else None,
        "≤ 0.5",
        lambda v: v <= 0.5,
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
        "Slowest viewer's rate / source rate at N = 20 (worst rate)",
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
    """How the live figures were taken, for the reader of the table."""
    meta, live = results["meta"], results["live"]
    settings = live["settings"]
    cold = live["stills"].get("ours", {}).get("cold", {}).get("samples", 0)
    return [
        (
            f"Source: {meta['frames']} rendered 640x480 JPEGs ({meta['frame_bytes'][0] / 1000:.0f}-"
            f"{meta['frame_bytes'][1] / 1000:.0f} KB) sent by the simulator at 15 fps and at 30 fps "
            "(30 fps stands for the camera's full speed). mjpeg is set up through its config flow on "
            "the simulator's `videostream.cgi?user=..&pwd=..`, with `snapshot.cgi` as still image URL."
        ),
        (
            f"Each streaming phase: {settings['warmup']:g} s warm-up, then {settings['measure']:g} s "
            "measured. Viewers run in a separate process; CPU is the `hass` process's, all threads "
            f"(/proc schedstat); idle, it used {live['ha_idle_cpu_percent']:.2f} % of a core."
        ),
        (
            "Added latency: from the simulator writing a frame to a viewer having all of it; every "
            "frame carries a unique stamp in a JPEG comment, so each is matched exactly."
        ),
        (
            f"Cold stills: {cold} per integration, each after bseries_ipcam's "
            f"{live['idle_timeout']:g} s idle stop "
            "(mjpeg: no viewer). Warm stills: while one viewer streams."
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
    if live:
        parts += [
            "",
            *stream_table(live),
            "",
            *still_and_memory_table(live),
            "",
            *targets_table(results["targets"]),
        ]
        parts += ["", *(f"- {note}" for note in method_notes(results))]
    return "\n".join(parts) + "\n"
