"""The 24 frame intervals: one dropdown in the action form and the select, with the same labels."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import TYPE_CHECKING

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.util.yaml import load_yaml_dict

from custom_components.bseries_ipcam.protocol import FrameInterval
from custom_components.bseries_ipcam.select import FRAME_INTERVAL_SELECT

from .helpers import coordinator_of

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .helpers import MockConfigEntry

PACKAGE = Path(__file__).parents[2] / "custom_components" / "bseries_ipcam"
CAMERA = "camera.b_series_camera_00626e4e72bf"
LABEL = re.compile(r"^(?P<ms>\d+) ms \(up to (?P<fps>[\d.]+) fps\)$")


def _strings() -> dict[str, object]:
    strings: dict[str, object] = json.loads((PACKAGE / "strings.json").read_text())
    return strings


def test_action_field_is_a_dropdown_of_the_camera_intervals() -> None:
    services = load_yaml_dict(PACKAGE / "services.yaml")
    selector = services["set_frame_interval"]["fields"]["interval"]["selector"]["select"]
    expected = [str(interval.milliseconds) for interval in FrameInterval]
    assert len(expected) == 24
    assert selector["options"] == expected
    assert selector["mode"] == "dropdown"
    assert selector["translation_key"] == "frame_interval"
    assert FRAME_INTERVAL_SELECT.options == expected


def test_action_and_select_share_consistent_labels() -> None:
    strings = _strings()
    selector = strings["selector"]["frame_interval"]["options"]  # type: ignore[index]
    select = strings["entity"]["select"]["frame_interval"]["state"]  # type: ignore[index]
    assert selector == select
    assert list(select) == [str(interval.milliseconds) for interval in FrameInterval]
    for option, label in select.items():
        if option == "0":
            assert label.startswith("Full speed")
            continue
        match = LABEL.match(label)
        assert match is not None, label
        assert match["ms"] == option
        assert abs(float(match["fps"]) - 1000 / int(option)) < 0.05  # rounded, never wrong


async def test_action_takes_the_dropdowns_text_value(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "bseries_ipcam",
        "set_frame_interval",
        {"interval": "2500"},  # a select selector sends its option, a string
        target={ATTR_ENTITY_ID: CAMERA},
        blocking=True,
    )
    assert coordinator_of(loaded_entry).frame_interval is FrameInterval.MS_2500
