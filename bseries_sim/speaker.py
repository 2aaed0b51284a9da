"""What the simulated camera's speaker heard: where beeps start, and when they arrived.

The talk benchmark (`scripts/bench --listen`) speaks a browser's fake microphone, which beeps,
through Home Assistant to the camera, and compares when each beep started in the page with when
it reached the camera. The speaker keeps every talk sample and the arrival time of every talk
packet (`SimState.add_talk`); these functions find the beeps in them.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any, Final

from custom_components.bseries_ipcam.protocol.const import SAMPLE_RATE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .recording import TalkArrival

# A beep starts after this much quiet: 20 ms at 8 kHz, longer than half a period of any tone
# in the speech band, so the zero crossings inside a beep are not taken for new beeps.
QUIET_SAMPLES: Final = 160
# Loud is a quarter of the loudest sample heard, and never less than this (16-bit scale):
# silence, and the hiss a 4-bit codec leaves of it, hold no beeps.
MIN_LOUD: Final = 500


def beep_onsets(
    samples: Sequence[int], *, quiet: int = QUIET_SAMPLES, loud: int | None = None
) -> list[int]:
    """The positions where a beep starts: a loud sample after at least `quiet` quiet ones.

    `loud` is the least loud magnitude (default: a quarter of the loudest sample, at least
    `MIN_LOUD`). The start of `samples` counts as unknown, not quiet: a beep already under way
    there is not an onset.
    """
    if not samples:
        return []
    if loud is None:
        loud = max(MIN_LOUD, max(abs(sample) for sample in samples) // 4)
    onsets: list[int] = []
    last_loud = -1
    for position, sample in enumerate(samples):
        if abs(sample) >= loud:
            if position - last_loud > quiet:
                onsets.append(position)
            last_loud = position
    return onsets


def arrival_of(position: int, arrivals: Sequence[TalkArrival]) -> float | None:
    """When the talk packet holding sample `position` arrived (None if no packet holds it).

    `arrivals` in the order they came (their `first_sample`s ascending).
    """
    index = bisect_right([arrival.first_sample for arrival in arrivals], position) - 1
    if index < 0:
        return None
    arrival = arrivals[index]
    if position >= arrival.first_sample + arrival.samples:
        return None
    return arrival.arrived_at


def talk_report(
    samples: Sequence[int], arrivals: Sequence[TalkArrival], since: int = 0
) -> dict[str, Any]:
    """The beeps heard from sample `since` on: `/sim/talk`'s answer.

    `samples`: how many samples were heard in all; `onsets`: [position, arrival time] of each
    beep's start (positions in everything heard; arrival as `time.time()`).
    """
    onsets = [since + position for position in beep_onsets(samples[since:])]
    return {
        "rate": SAMPLE_RATE,
        "samples": len(samples),
        "onsets": [[position, arrival_of(position, arrivals)] for position in onsets],
    }
