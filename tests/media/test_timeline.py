"""One place decides a packet's time: the camera's clock while sane, arrival when it is not."""

from __future__ import annotations

import itertools

import pytest

from custom_components.bseries_ipcam.media.timeline import WRAP, Timeline, ticks_after

FRAME = 1 / 15  # s between frames at 15 fps


def _times(timeline: Timeline, stamps: list[int], arrivals: list[float]) -> list[int]:
    return [timeline.time_of("video", s, a) for s, a in zip(stamps, arrivals, strict=True)]


def test_a_sane_clock_is_followed_through_arrival_jitter() -> None:
    """Camera times exactly, even when packets arrive in bursts (within the tolerance)."""
    timeline = Timeline()
    stamps = [5000 + 7 * n for n in range(30)]
    # Arrival bunched: every 5th packet 0.5 s late.
    arrivals = [100.0 + n * 0.07 + (0.5 if n % 5 == 0 else 0.0) for n in range(30)]
    times = _times(timeline, stamps, arrivals)
    assert [ticks_after(t, times[0]) for t in times] == [7 * n for n in range(30)]
    assert timeline.rebases == 0


def test_a_frozen_clock_is_timed_by_arrival() -> None:
    timeline = Timeline()
    arrivals = [100.0 + n * FRAME for n in range(60)]
    times = _times(timeline, [1234] * 60, arrivals)
    spans = [ticks_after(t, times[0]) for t in times]
    # Four seconds of arrival are four seconds of time, never going back.
    assert spans[-1] == pytest.approx(59 * FRAME * 100, abs=2)
    assert all(b > a for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize("leap", [-2000, -150_000, 2000, 360_000, WRAP // 3])
def test_a_leap_either_way_is_ridden_out(leap: int) -> None:
    """After a leap the times follow arrival, then the (new) camera clock again, never back."""
    timeline = Timeline()
    stamps = [1000 + 7 * n + (leap if n >= 20 else 0) for n in range(40)]
    arrivals = [50.0 + n * 0.07 for n in range(40)]
    times = _times(timeline, [s % WRAP for s in stamps], arrivals)
    spans = [ticks_after(t, times[0]) for t in times]
    assert all(b > a for a, b in itertools.pairwise(spans))
    assert spans[-1] == pytest.approx(39 * 7, abs=3)
    assert timeline.rebases == 1


def test_a_clock_that_keeps_jumping_stays_near_arrival() -> None:
    """20 s back and forth every second (the simulator's jumping clock): within the tolerance."""
    timeline = Timeline()
    arrivals = [10.0 + n * FRAME for n in range(150)]
    stamps = [round(a * 100) + (int(a) % 3 - 1) * 2000 for a in arrivals]
    times = _times(timeline, stamps, arrivals)
    spans = [ticks_after(t, times[0]) for t in times]
    assert all(b > a for a, b in itertools.pairwise(spans))
    for span, arrival in zip(spans, arrivals, strict=True):
        assert abs(span - (arrival - arrivals[0]) * 100) <= 200 + 1


def test_the_wrap_is_crossed_smoothly() -> None:
    timeline = Timeline()
    stamps = [(WRAP - 35 + 7 * n) % WRAP for n in range(10)]
    times = _times(timeline, stamps, [1.0 + n * 0.07 for n in range(10)])
    assert [ticks_after(t, times[0]) for t in times] == [7 * n for n in range(10)]
    assert timeline.rebases == 0


def test_frames_and_sound_share_one_clock() -> None:
    """Sound stamped between two frames lies between them, whichever kind came first."""
    timeline = Timeline()
    video = timeline.time_of("video", 10_000, 5.0)
    audio = timeline.time_of("audio", 9_996, 5.01)  # a packet a little older than the frame
    later = timeline.time_of("video", 10_007, 5.08)
    assert ticks_after(audio, video) == -4
    assert ticks_after(later, video) == 7
    assert timeline.rebases == 0
