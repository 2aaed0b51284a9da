"""What time a packet has: the camera's clock while it is sane, the arrival time when it is not.

The camera stamps every frame and sound packet with its uptime in 10 ms units (32 bits). That clock
is smooth and puts picture and sound in step, so it is used as long as it agrees with the arrival
times. Some firmware clocks stand still, go backwards or leap; trusting them made a clip never end
(a frozen clock) or end at random (a clock that jumps back). So every packet of one camera, frames
and sound alike, gets its time here and nowhere else (the feeds call `Timeline.time_of` on
arrival; recording, pre-roll, the Matroska restream and live audio read the result):

- the camera's clock is followed as an offset from the arrival clock;
- a packet whose camera time does not move on from the previous packet of its kind (stands still or
  goes backwards), or lies more than `tolerance` seconds from its arrival time (a leap either way),
  re-bases that offset on the arrival time: the packet is timed by its arrival, and the camera's
  clock is followed again from there as long as it behaves.

Times stay in the camera's units (10 ms ticks, 32-bit wrap), so everything downstream compares them
with `ticks_after` as before. A packet's time never goes back within its kind.
"""

from __future__ import annotations

from typing import Final

# Camera timestamps: 10 ms units in 32 bits.
TICKS_PER_SECOND: Final = 100
WRAP: Final = 1 << 32
_HALF_WRAP: Final = WRAP // 2
# More than the jitter of arrival (Wi-Fi bursts, a busy event loop), less than anything a viewer
# or a clip would notice as a wrong length.
DEFAULT_TOLERANCE: Final = 2.0


def ticks_after(timestamp: int, origin: int) -> int:
    """How many 10 ms ticks `timestamp` lies after `origin` (negative: before), across the wrap."""
    difference = (timestamp - origin) % WRAP
    return difference - WRAP if difference >= _HALF_WRAP else difference


class Timeline:
    """The times of one camera's packets (all kinds share one clock, so they stay in step)."""

    def __init__(self, tolerance: float = DEFAULT_TOLERANCE) -> None:
        """Trust the camera's clock within `tolerance` seconds of the arrival times."""
        self._tolerance = round(tolerance * TICKS_PER_SECOND)
        self._camera: int | None = None  # the last camera timestamp seen (raw)
        self._position = 0  # the same, unwrapped
        self._offset = 0  # packet time = unwrapped camera time + offset
        self._last: dict[str, int] = {}  # per kind of packet: the last time given
        self.rebases = 0

    def time_of(self, kind: str, timestamp: int, arrival: float) -> int:
        """The time of a packet of `kind` stamped `timestamp` that arrived at `arrival` (s)."""
        now = round(arrival * TICKS_PER_SECOND)
        if self._camera is None:
            self._position = timestamp
            self._offset = now - timestamp
        else:
            self._position += ticks_after(timestamp, self._camera)
        self._camera = timestamp
        time = self._position + self._offset
        last = self._last.get(kind)
        if (last is not None and time <= last) or abs(time - now) > self._tolerance:
            # The camera's clock stands still, went back or leapt: time by arrival from here.
            self.rebases += 1
            time = now if last is None else max(now, last + 1)
            self._offset = time - self._position
        self._last[kind] = time
        return time % WRAP
