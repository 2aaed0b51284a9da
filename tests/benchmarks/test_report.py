"""The benchmark's report: cells of interleaved rounds, the scale table and the targets."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import report


def _phase(kind: str, round_: int, cpu: float | None, **extra: Any) -> dict[str, Any]:
    phase: dict[str, Any] = {
        "kind": kind,
        "round": round_,
        "fps": 15.0,
        "viewers": 5,
        "cameras": 1,
        "cpu_ms_per_frame": cpu,
        "cpu_percent": 1.0,
        "rss_mb": 100.0,
        "fps_ratio_min": 1.0,
        "viewer_fps_min": 15.0,
        "source_fps": 15.0,
        "latency_ms_p99": 2.0,
        "upstream_connections": 1 if kind != "mjpeg" else 5,
    }
    phase.update(extra)
    return phase


def _live(streams: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    live: dict[str, Any] = {
        "settings": {"rounds": 3, "scale_rounds": 2},
        "streams": streams,
        "scale": [],
        "setups": [],
        "stills": {},
        "stalls": [],
    }
    live.update(extra)
    return live


# Round 1 ran while the machine was busy: every kind's figure is higher in it.
ROUNDS = [
    *(_phase("ours", r, cpu) for r, cpu in enumerate((0.10, 0.30, 0.11))),
    *(_phase("mjpeg", r, cpu) for r, cpu in enumerate((0.25, 0.50, 0.20))),
    *(_phase("floor", r, cpu) for r, cpu in enumerate((0.08, 0.25, 0.10))),
]


def test_a_cell_takes_ratios_within_rounds_not_of_medians() -> None:
    (cell,) = report.cells(ROUNDS)
    assert cell.cpu["ours"] is not None
    assert cell.cpu["ours"].median == pytest.approx(0.11)
    # Pairs: 0.10/0.25, 0.30/0.50, 0.11/0.20; their median is 0.55 (medians' ratio: 0.44).
    assert cell.vs_mjpeg is not None
    assert cell.vs_mjpeg.median == pytest.approx(0.55)
    assert cell.vs_mjpeg.low == pytest.approx(0.4)
    assert cell.vs_mjpeg.high == pytest.approx(0.6)
    assert cell.vs_floor is not None
    assert cell.vs_floor.median == pytest.approx(1.2)
    assert cell.upstream == {"ours": 1, "mjpeg": 5, "floor": 1}


def test_a_round_missing_one_kind_gives_no_pair() -> None:
    phases = [p for p in ROUNDS if not (p["kind"] == "mjpeg" and p["round"] == 1)]
    (cell,) = report.cells(phases)
    assert cell.vs_mjpeg is not None
    assert cell.vs_mjpeg.count == 2


def test_the_interleaved_table_shows_median_and_spread() -> None:
    lines = report.stream_table(_live(ROUNDS))
    assert lines[0].startswith("| Source | Viewers |")
    assert lines[2] == (
        "| 15 fps | 5 | 0.110 / 0.250 / 0.100 | 0.55x (0.40-0.60) | 1.20x (1.10-1.25) "
        "| 15.0 / 15.0 / 15.0 | 2.0 / 2.0 / 2.0 |"
    )
    assert report.fmt_spread(None) == report.DASH


def test_targets_hold_or_not_from_the_medians_of_pairs() -> None:
    rows = {row["target"]: row for row in report.targets(_live(ROUNDS))}
    mjpeg = rows["CPU per delivered frame at N = 5, ours/mjpeg, median of pairs (worst rate)"]
    floor = rows["CPU per delivered frame at N = 5, ours/floor, median of pairs (worst rate)"]
    assert mjpeg["measured"] == pytest.approx(0.55)
    assert not mjpeg["holds"]
    assert floor["measured"] == pytest.approx(1.2)
    assert floor["holds"]
    table = report.targets_table(list(rows.values()))
    assert any("| 0.55 | ≤ 0.5 | NO |" in line for line in table)


def _scale(cameras: int, kind: str, round_: int, cpu: float, rss: float) -> dict[str, Any]:
    return _phase(kind, round_, cpu, cameras=cameras, viewers=2, rss_mb=rss)


def test_scale_growth_memory_and_setup() -> None:
    scale = [
        _scale(1, "ours", 0, 0.20, 250.0),
        _scale(1, "mjpeg", 0, 0.40, 250.0),
        _scale(16, "ours", 0, 0.22, 253.0),
        _scale(16, "mjpeg", 0, 0.30, 260.0),
    ]
    setups = [
        {
            "kind": "ours",
            "entries": 1,
            "answer_delay": 0.25,
            "seconds": 0.1,
            "rss_per_entry_mb": 1.0,
        },
        {
            "kind": "ours",
            "entries": 1,
            "answer_delay": 0.25,
            "seconds": 0.2,
            "rss_per_entry_mb": 1.0,
        },
        {
            "kind": "ours",
            "entries": 16,
            "answer_delay": 0.25,
            "seconds": 0.3,
            "rss_per_entry_mb": 0.5,
        },
        {
            "kind": "mjpeg",
            "entries": 16,
            "answer_delay": 0.0,
            "seconds": 0.2,
            "rss_per_entry_mb": 0.1,
        },
    ]
    live = _live(ROUNDS, scale=scale, setups=setups)
    assert report.scale_growth(live) == {1: 1.0, 16: pytest.approx(1.1)}
    # 0.5 MB per entry set up, plus (253 - 250) / 15 MB per camera streaming.
    assert report.rss_per_added_camera(live) == pytest.approx(0.7)
    # The first entry alone also loaded the code: left out.
    alone, batch, count = report.setup_times(live, "ours")
    assert alone == pytest.approx(0.2)
    assert (batch, count) == (0.3, 16)
    rows = {row["target"]: row for row in report.targets(live)}
    assert rows["Scale: HA CPU per delivered frame, 16 cameras / 1 camera"]["holds"]
    assert rows["Scale: 16 entries set up at once / one entry alone (time)"]["measured"] == (
        pytest.approx(1.5)
    )
    table = report.scale_table(live)
    assert table[2].startswith("| 1 x 2 | 0.200 (1.00x) / 0.400 | 0.50x |")
    assert table[3].startswith("| 16 x 2 | 0.220 (1.10x) / 0.300 | 0.73x |")
    assert "| 16 entries at once, until all loaded (s) | 0.30 | 0.20 |" in table


def test_no_scale_part_no_scale_table() -> None:
    live = _live(ROUNDS)
    assert report.scale_table(live) == []
    assert report.scale_growth(live) == {}
    assert report.rss_per_added_camera(live) is None


def _block(kind: str, round_: int, kb: float, av: float, latencies: list[float]) -> dict[str, Any]:
    return {
        "kind": kind,
        "round": round_,
        "fps": 30.0,
        "stills": len(latencies),
        "interval": 2.0,
        "seconds": 2.0 * len(latencies),
        "camera_bytes": kb * 1000,
        "av_seconds": av,
        "av_connections": len(latencies) if kind == "ours" else 0,
        "http_streams": 0,
        "cpu_seconds": 0.01 * len(latencies),
        "latencies_ms": latencies,
    }


def test_dashboard_thumbnails_per_dashboard_minute_and_their_targets() -> None:
    thumbnails = [
        _block("ours", 0, 300.0, 0.06, [6.0, 8.0, 7.0]),
        _block("mjpeg", 0, 150.0, 0.0, [5.0, 4.0, 6.0]),
        _block("ours", 1, 300.0, 0.06, [7.0, 7.0, 7.0]),
        _block("mjpeg", 1, 150.0, 0.0, [5.0, 5.0, 5.0]),
    ]
    live = _live([], thumbnails=thumbnails, settings={"thumb_interval": 2.0, "thumb_rounds": 2})
    ours = report.thumbnail_summaries(live)["ours"]
    # 6 stills are one dashboard minute: 600 KB and 0.12 s of AV connection for them.
    assert ours["camera_kb_per_minute"] == pytest.approx(600.0)
    assert ours["av_seconds_per_minute"] == pytest.approx(0.12)
    assert ours["still_p50_ms"] == pytest.approx(7.0)
    rows = {row["target"]: row for row in report.targets(live)}
    assert rows["Dashboard thumbnails: camera bytes per minute, ours/mjpeg"]["measured"] == 2.0
    assert rows["Dashboard thumbnails: camera bytes per minute, ours/mjpeg"]["holds"]
    assert rows["Dashboard thumbnails: still p50 (cold), ours/mjpeg"]["measured"] == 1.4
    table = report.thumbnails_table(live)
    assert "| Camera bytes sent (KB) | 600.0 | 300.0 | 2.00x |" in table
    assert report.thumbnails_table(_live(ROUNDS)) == []
