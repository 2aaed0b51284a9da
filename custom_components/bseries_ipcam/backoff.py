"""Exponential backoff between retries: 1, 2, 4, ... seconds, never more than a ceiling."""

from __future__ import annotations


class Backoff:
    """The delays of one retry loop; `reset` after a success starts again from the first."""

    __slots__ = ("_delay", "maximum", "minimum")

    def __init__(self, minimum: float, maximum: float) -> None:
        """Delays start at `minimum` and double up to `maximum`."""
        self.minimum = minimum
        self.maximum = maximum
        self._delay = minimum

    @property
    def delay(self) -> float:
        """The delay that `next` will return."""
        return self._delay

    def next(self) -> float:
        """The delay before this retry; the one after it doubles."""
        delay = self._delay
        self._delay = min(delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """After a success: the next retry waits `minimum` again."""
        self._delay = self.minimum
