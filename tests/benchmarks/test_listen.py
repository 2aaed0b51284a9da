"""The listen benchmark's arithmetic: markers, the timeline offset, delays, beeps on both sides."""

from __future__ import annotations

import math

import pytest

from benchmarks.listen import (
    CAPTURE_BLOCK,
    Phase,
    Press,
    analyse,
    listen_delays,
    markdown,
    marker_stamps,
    page_onsets,
    pcm_samples,
    summary,
    talk_latencies,
    timeline_offset,
)
from custom_components.bseries_ipcam.media.timeline import WRAP


def test_markers_are_the_quiet_buffers() -> None:
    played = [[100, 0.0, 0.17], [104, 0.0, 0.18], [108, 0.0, 0.004], [112, 0.0, 0.16]]
    assert marker_stamps(played) == {108}
    assert marker_stamps([]) == set()
    # Nothing much quieter than the rest: no markers.
    assert marker_stamps([[1, 0.0, 0.1], [2, 0.0, 0.09]]) == set()


def test_timeline_offset_pairs_the_most_markers() -> None:
    offset = 12_345
    sim = [1000, 1236, 1520, 1888]
    page = [r + offset for r in sim[1:]] + [9_999_999]  # one marker skipped, one stray
    assert timeline_offset(page, sim) == (offset, 3)
    # Across the 32-bit wrap.
    assert timeline_offset([(r - 50) % WRAP for r in sim], sim) == (WRAP - 50, 4)
    # One marker cannot tell an offset; nor can two offsets that pair as many.
    assert timeline_offset([1000 + offset], sim) is None
    assert timeline_offset([], sim) is None
    assert timeline_offset([0, 100], [0, 50, 100, 150]) is None  # 0 and -50 pair two each


def test_listen_delays_match_packets_by_camera_time() -> None:
    sent_at = {1000: 50.0, 1004: 50.04, 1008: 50.08}
    played = [[1100, 50_200.0, 0.1], [1104, 50_250.0, 0.1], [1200, 51_000.0, 0.1]]
    delays, unmatched = listen_delays(played, sent_at, 100)
    assert delays == pytest.approx([0.2, 0.21])
    assert unmatched == 1


def tone_block(start: int, length: int, beep_at: list[int]) -> list[int]:
    """Samples start..start+length: silence with 20 ms beeps of 400 Hz at `beep_at`."""
    out: list[int] = []
    for n in range(start, start + length):
        inside = [b for b in beep_at if b <= n < b + 160]
        out.append(
            round(9000 * math.sin(2 * math.pi * 400 * (n - inside[0]) / 8000 + 0.5))
            if inside
            else 0
        )
    return out


def test_page_onsets_take_the_capture_time_from_the_block() -> None:
    beeps = [700, 4700]
    blocks = [
        (1000.0 + 64.0 * (i + 1), tone_block(i * CAPTURE_BLOCK, CAPTURE_BLOCK, beeps))
        for i in range(12)
    ]
    onsets = page_onsets(blocks)
    assert [position for position, _ in onsets] == beeps
    # Sample 700 is in the second block (512..1023), sent at 1.128 s: 324 samples before its end.
    assert onsets[0][1] == pytest.approx(1.128 - 324 / 8000)
    assert onsets[1][1] == pytest.approx(1.0 + 64e-3 * 10 - (5120 - 4700) / 8000)
    assert page_onsets([]) == []


def test_pcm_samples_are_signed_little_endian() -> None:
    assert pcm_samples(b"\x01\x00\xff\xff\x00\x80") == [1, -1, -32768]


def test_talk_latencies_pair_beeps_by_position() -> None:
    page = [(700, 1.0), (4700, 1.5), (8700, 2.0)]
    camera: list[tuple[int, float | None]] = [(702, 1.2), (4699, 1.75), (9000, 3.0), (8700, None)]
    assert talk_latencies(page, camera) == pytest.approx([0.2, 0.25])
    assert talk_latencies(page, []) == []


def test_summary() -> None:
    figures = summary([0.1, 0.2, 0.3])
    assert figures is not None
    assert (figures.p50, figures.max, figures.count) == (0.2, 0.3, 3)
    assert figures.p99 == pytest.approx(0.298)
    assert summary([]) is None


def test_analyse_and_markdown() -> None:
    offset = 500
    # The camera sent packets 1000, 1004, ... every 40 ms from 100 s; 1040 and 1100 were markers.
    audio = [[1000 + 4 * n, n, 100 + 0.04 * n, 1000 + 4 * n in {1040, 1100}] for n in range(40)]

    def played(n: int, delay: float) -> list[float]:
        stamp = 1000 + 4 * n
        rms = 0.002 if stamp in {1040, 1100} else 0.17
        return [stamp + offset, (100 + 0.04 * n + delay) * 1000, rms, 1]

    phases = [
        Phase(0, 10.0, 0.010, 0.0, 1),
        Phase(1, 10.0, 0.014, 25.0, 1, [played(n, 0.2) for n in range(40)], 0),
        Phase(3, 10.0, 0.020, 25.0, 1, [played(n, 0.25) for n in range(40)] * 3, 2),
    ]
    presses = [Press(8.0, 16, 16, [0.15, 0.1, 0.12])]
    results = analyse(phases, presses, audio)
    assert results["offset"] == {"value": offset, "markers": 2}
    listen = results["listen"]
    assert listen[0]["delay"] is None
    assert listen[0]["cpu_per_listener"] is None
    assert listen[1]["delay"]["p50"] == pytest.approx(0.2)
    assert listen[3]["delay"]["p50"] == pytest.approx(0.25)
    assert listen[3]["cpu_per_listener"] == pytest.approx(0.010 / 3)
    assert listen[3]["skipped"] == 2
    assert results["cpu_first_listener"] == pytest.approx(0.004)
    assert results["cpu_further_listener"] == pytest.approx(0.003)
    assert results["talk"]["latency"]["p50"] == pytest.approx(0.12)
    assert results["talk"]["first_beep"]["p50"] == pytest.approx(0.15)
    assert results["notes"] == []
    table = markdown(results)
    assert "| 3 | 0.0200 (0.0200-0.0200) | 0.0033 | 25.0 | 1 | 250 / 250 / 250 | 120 | 2 |" in table
    assert "HA CPU of the first listener (the camera's sound starts): 0.0040 core" in table
    assert "HA CPU of each further listener (3 against 1 listeners): 0.0030 core" in table
    assert "| talk latency, microphone to the camera | 120 / 149 / 150 | 3 beeps |" in table


def test_analyse_without_markers_says_so() -> None:
    phases = [Phase(1, 10.0, 0.01, 25.0, 1, [[1, 1000.0, 0.17, 1]], 0)]
    results = analyse(phases, [], [[1, 0, 1.0, False]])
    assert results["offset"] is None
    assert results["listen"][1]["delay"] is None
    assert results["notes"] == ["no markers paired: listen delay not measured"]
    assert results["cpu_first_listener"] is None
    assert results["cpu_further_listener"] is None
    assert "n/a" in markdown(results)
