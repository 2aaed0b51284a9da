"""Small statistics helpers."""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` quantile (0..1) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """The ratio ours / theirs, or None when either is missing or theirs is 0."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


@dataclass(frozen=True, slots=True)
class Spread:
    """The median of some values with their least and greatest."""

    median: float
    low: float
    high: float
    count: int


def spread(values: Sequence[float | None]) -> Spread | None:
    """Median, min and max of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    median = percentile(present, 0.5)
    if median is None:
        return None
    return Spread(median, min(present), max(present), len(present))


def pair_ratios(ours: Sequence[float | None], theirs: Sequence[float | None]) -> list[float]:
    """ours[i] / theirs[i] for every pair where both were measured (pairs by position)."""
    if len(ours) != len(theirs):
        raise ValueError(f"{len(ours)} against {len(theirs)} measurements: not pairs")
    return [r for a, b in zip(ours, theirs, strict=True) if (r := ratio(a, b)) is not None]
