"""The camera's upkeep settings (`get_misc.cgi`) and its clock (`get_status.cgi`), without HA.

No vendor text for these CGIs is public; the field names, ranges and meanings are those the
peers agree on (foscam-ruby, nodejs-foscam, grison, ZoneMinder's FI8918W.pm, Kodi's
surveillanceroom). Where they disagree the value is kept as the camera stores it:

- `led_mode` 0, 1, 2: 2 is off in every source; 0 and 1 are two blinking patterns that the
  sources describe the other way round.
- `ptz_patrol_rate` and the four direction rates 0-100: sources disagree on whether 0 is the
  fastest or the slowest.
- `ptz_patrol_h_rounds` / `_v_rounds`: 0 patrols forever; no source names a maximum (one byte
  is assumed).
- `ptz_preset_onstart`: sources show 0 and 1 only; 0 stays, 1 goes to preset 1. Read here as
  the preset number (0 stays), which agrees with both readings for 0 and 1.

The clock: `get_status.cgi`'s `now` is the camera's time in UTC seconds and `tz` its time zone
in seconds WEST of UTC (the opposite of the usual sign); the camera shows `now - tz`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import timedelta

LED_MODE: Final = "led_mode"
PATROL_RATE: Final = "ptz_patrol_rate"
UP_RATE: Final = "ptz_patrol_up_rate"
DOWN_RATE: Final = "ptz_patrol_down_rate"
LEFT_RATE: Final = "ptz_patrol_left_rate"
RIGHT_RATE: Final = "ptz_patrol_right_rate"
H_ROUNDS: Final = "ptz_patrol_h_rounds"
V_ROUNDS: Final = "ptz_patrol_v_rounds"
CENTER_ON_START: Final = "ptz_center_onstart"
PRESET_ON_START: Final = "ptz_preset_onstart"
DISABLE_PRESET: Final = "ptz_disable_preset"

LED_OFF: Final = 2
RATE_RANGE: Final = range(101)
ROUNDS_RANGE: Final = range(256)
PRESET_COUNT: Final = 16

# The values each field of get_misc.cgi takes (set_misc.cgi refuses others).
MISC_RANGES: Final[Mapping[str, range]] = {
    LED_MODE: range(3),
    PATROL_RATE: RATE_RANGE,
    UP_RATE: RATE_RANGE,
    DOWN_RATE: RATE_RANGE,
    LEFT_RATE: RATE_RANGE,
    RIGHT_RATE: RATE_RANGE,
    H_ROUNDS: ROUNDS_RANGE,
    V_ROUNDS: ROUNDS_RANGE,
    CENTER_ON_START: range(2),
    PRESET_ON_START: range(PRESET_COUNT + 1),
    DISABLE_PRESET: range(2),
}

# Off by more than this, the camera's clock is set (its own resolution is a second).
CLOCK_TOLERANCE: Final = 60.0


def parse_misc(values: Mapping[str, str]) -> dict[str, int]:
    """The numeric fields of a `get_misc.cgi` reply (unknown ones too, for diagnostics)."""
    return {name: int(value) for name, value in values.items() if value.lstrip("-").isdigit()}


def in_range(field: str, value: int) -> bool:
    """Whether the camera takes `value` for `field` (a field we do not know: no)."""
    valid = MISC_RANGES.get(field)
    return valid is not None and value in valid


def camera_tz(utc_offset: timedelta) -> int:
    """The camera's `tz` for a zone `utc_offset` ahead of UTC (DST included): seconds west."""
    return -round(utc_offset.total_seconds())


@dataclass(frozen=True, slots=True)
class CameraClock:
    """The camera's clock as read at `read_at` (the reader's UTC seconds)."""

    now: int
    tz: int
    read_at: float
    # From get_params.cgi (administrators only); None when unread.
    ntp_enable: bool | None = None
    ntp_server: str | None = None

    @property
    def offset(self) -> float:
        """Seconds the camera's clock is ahead of the reader's (negative: behind)."""
        return self.now - self.read_at

    def needs_setting(self, expected_tz: int) -> bool:
        """Whether the clock is off by more than CLOCK_TOLERANCE or the zone is not `expected_tz`.

        A camera that keeps itself right over NTP answers False: it is never touched.
        """
        return abs(self.offset) > CLOCK_TOLERANCE or self.tz != expected_tz


def parse_clock(status: Mapping[str, str], read_at: float) -> CameraClock | None:
    """The clock of a `get_status.cgi` reply; None if `now` or `tz` is missing or no number."""
    try:
        return CameraClock(now=int(status["now"]), tz=int(status["tz"]), read_at=read_at)
    except KeyError, ValueError:
        return None
