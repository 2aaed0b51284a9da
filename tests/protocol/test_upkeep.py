"""The upkeep fields and the camera clock, without a camera: parsing, ranges, the tz convention."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.bseries_ipcam.protocol.upkeep import (
    CLOCK_TOLERANCE,
    CameraClock,
    camera_tz,
    in_range,
    parse_clock,
    parse_misc,
)


def test_parse_misc_keeps_numbers_only() -> None:
    assert parse_misc({"led_mode": "2", "ptz_patrol_rate": "15", "name": "x", "odd": "-1"}) == {
        "led_mode": 2,
        "ptz_patrol_rate": 15,
        "odd": -1,
    }


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("led_mode", 2, True),
        ("led_mode", 3, False),
        ("ptz_patrol_rate", 100, True),
        ("ptz_patrol_rate", 101, False),
        ("ptz_patrol_left_rate", -1, False),
        ("ptz_patrol_h_rounds", 0, True),
        ("ptz_preset_onstart", 16, True),
        ("ptz_preset_onstart", 17, False),
        ("ptz_center_onstart", 2, False),
        ("ptz_auto_patrol_type", 1, False),  # not a field we change
    ],
)
def test_ranges(field: str, value: int, valid: bool) -> None:
    assert in_range(field, value) is valid


@pytest.mark.parametrize(
    ("zone", "when", "expected"),
    [
        ("UTC", (2026, 1, 15), 0),
        ("Europe/Berlin", (2026, 1, 15), -3600),  # east of UTC: negative
        ("Europe/Berlin", (2026, 7, 15), -7200),  # daylight saving included
        ("America/New_York", (2026, 1, 15), 5 * 3600),  # west: positive
        ("America/New_York", (2026, 7, 15), 4 * 3600),
        ("Asia/Kolkata", (2026, 7, 15), -19800),
    ],
)
def test_camera_tz_is_seconds_west(zone: str, when: tuple[int, int, int], expected: int) -> None:
    offset = datetime(*when, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    assert offset is not None
    assert camera_tz(offset) == expected


def test_clock_offset_and_when_it_needs_setting() -> None:
    right = CameraClock(now=1_000_000, tz=-3600, read_at=1_000_000.4)
    assert right.offset == pytest.approx(-0.4)
    assert not right.needs_setting(-3600)
    assert right.needs_setting(0)  # another zone
    late = CameraClock(now=1_000_000, tz=-3600, read_at=1_000_000 + CLOCK_TOLERANCE + 1)
    assert late.needs_setting(-3600)
    early = CameraClock(now=1_000_000 + round(CLOCK_TOLERANCE), tz=-3600, read_at=1_000_000)
    assert not early.needs_setting(-3600)  # within the minute


def test_parse_clock() -> None:
    clock = parse_clock({"now": "946684800", "tz": "-3600", "id": "x"}, 5.0)
    assert clock == CameraClock(now=946_684_800, tz=-3600, read_at=5.0)
    assert parse_clock({"now": "1"}, 0.0) is None
    assert parse_clock({"now": "soon", "tz": "0"}, 0.0) is None
