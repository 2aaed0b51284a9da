"""The simulated camera's upkeep: get_misc.cgi / set_misc.cgi, its clock, and what a reboot does.

The misc fields live in `SimState.misc` (a table of their own: get_misc.cgi is its own CGI), with
the values `MISC_RANGES` allows (the integration's protocol package names them, from the peers'
code: see its upkeep.py for what stays unsure). Firmware without the CGI
(`SimulatorConfig.misc_settings=False`) answers it 404.

The clock is the host's plus an offset: `set_datetime.cgi` moves it, and a reboot starts it at
2000-01-01 00:00 UTC unless NTP is on (`ntp_enable` in get_params.cgi), as on the cameras
without a battery-backed clock. `tz` and the NTP fields are get_params.cgi's, kept in
`SimState.params`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.upkeep import (
    CENTER_ON_START,
    DISABLE_PRESET,
    DOWN_RATE,
    H_ROUNDS,
    LED_MODE,
    LEFT_RATE,
    MISC_RANGES,
    PATROL_RATE,
    PRESET_ON_START,
    RIGHT_RATE,
    UP_RATE,
    V_ROUNDS,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .params import ParamValue

# 2000-01-01 00:00:00 UTC: where the clock of a camera without NTP starts after a power cut.
BOOT_TIME: Final = 946_684_800
# The factory values, in the camera's order (as in the peers' examples).
DEFAULT_MISC: Final[dict[str, int]] = {
    LED_MODE: 0,
    CENTER_ON_START: 1,
    "ptz_auto_patrol_interval": 0,
    "ptz_auto_patrol_type": 0,
    H_ROUNDS: 0,
    V_ROUNDS: 0,
    PATROL_RATE: 20,
    UP_RATE: 6,
    DOWN_RATE: 6,
    LEFT_RATE: 6,
    RIGHT_RATE: 6,
    DISABLE_PRESET: 0,
    PRESET_ON_START: 0,
}
_AUTH_ARGS: Final = frozenset({"user", "pwd", "next_url"})


def apply_set_misc(misc: dict[str, int], query: Mapping[str, str]) -> list[str] | None:
    """Apply `set_misc.cgi`'s parameters; the fields changed, or None if any is invalid.

    Nothing changes unless every parameter is a known field with a value in its range.
    """
    changes: dict[str, int] = {}
    for name, text in query.items():
        if name in _AUTH_ARGS:
            continue
        valid = MISC_RANGES.get(name)
        if valid is None or not text.isdigit() or int(text) not in valid:
            return None
        changes[name] = int(text)
    if not changes:
        return None
    misc.update(changes)
    return list(changes)


class SimClock:
    """The camera's clock: the host's time plus an offset."""

    def __init__(self, *, running_since_boot: bool) -> None:
        """Right (NTP), or started at BOOT_TIME now (`running_since_boot`)."""
        self.offset = 0.0
        if running_since_boot:
            self.boot()

    def now(self) -> int:
        """The camera's time, UTC seconds."""
        return int(time.time() + self.offset)

    def set(self, now: int) -> None:
        """Set the camera's time (set_datetime.cgi's `now`)."""
        self.offset = now - time.time()

    def boot(self) -> None:
        """A start without NTP: the clock runs from 2000-01-01 again."""
        self.set(BOOT_TIME)


def apply_set_datetime(
    clock: SimClock, params: dict[str, ParamValue], query: Mapping[str, str]
) -> bool:
    """Apply `set_datetime.cgi`; False (nothing changed) if a number is not one.

    `now` sets the clock, `tz` the zone (seconds west of UTC, -12 h to +12 h), `ntp_enable`,
    `ntp_svr` and `daylight_saving_time` the get_params.cgi fields of those names.
    """
    numbers: dict[str, int] = {}
    for name in ("now", "tz", "ntp_enable", "daylight_saving_time"):
        if name in query:
            text = query[name]
            if not text.lstrip("-").isdigit():
                return False
            numbers[name] = int(text)
    if "tz" in numbers and abs(numbers["tz"]) > 12 * 3600:
        return False
    if numbers.get("ntp_enable", 0) not in {0, 1}:
        return False
    if "now" in numbers:
        clock.set(numbers["now"])
    for name in ("tz", "ntp_enable", "daylight_saving_time"):
        if name in numbers:
            params[name] = numbers[name]
    if "ntp_svr" in query:
        params["ntp_svr"] = query["ntp_svr"]
    return True
