"""Statistics of the interleaved benchmark: spreads, pairs and the order of the kinds."""

from __future__ import annotations

import pytest

from benchmarks.live import KINDS, rotation
from benchmarks.stats import Spread, pair_ratios, percentile, spread


def test_spread_is_median_min_and_max_of_what_was_measured() -> None:
    assert spread([0.3, None, 0.1, 0.2]) == Spread(0.2, 0.1, 0.3, 3)
    assert spread([0.5, 0.25]) == Spread(0.375, 0.25, 0.5, 2)
    assert spread([]) is None
    assert spread([None]) is None


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([], 0.5) is None


def test_pairs_are_taken_by_position_and_skip_missing_sides() -> None:
    assert pair_ratios([1.0, 2.0, None, 3.0], [2.0, 4.0, 1.0, 0.0]) == [0.5, 0.5]
    with pytest.raises(ValueError, match="not pairs"):
        pair_ratios([1.0], [1.0, 2.0])


def test_kinds_rotate_so_each_takes_every_place() -> None:
    orders = [rotation(n) for n in range(3)]
    assert orders[0] == ["ours", "mjpeg", "floor"]
    assert orders[1] == ["mjpeg", "floor", "ours"]
    for place in range(3):
        assert {order[place] for order in orders} == set(KINDS)
    assert rotation(3) == orders[0]
    assert rotation(1, ("ours", "mjpeg")) == ["mjpeg", "ours"]
