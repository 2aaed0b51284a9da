"""The simulated camera's alarm settings: its get_params.cgi fields, set_alarm.cgi, arming.

Arming gates the alarms the simulator sends.

The fields live in `SimState.params` (one table for every reader); this module names them, says
which values each takes, and applies `set_alarm.cgi`'s parameters (the field names without the
`alarm_` prefix, one or more per call). A kind of alarm that is not armed is never sent, as on a
real camera: `CameraSimulator.trigger_alarm` asks `is_armed` first. Firmware without sound
detection (`SimulatorConfig.sound_detection=False`) has no `alarm_sounddetect_*` fields and
never sends a sound alarm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.const import AlarmType

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .config import SimulatorConfig
    from .params import ParamValue

PREFIX: Final = "alarm_"
PRESETS: Final = 16
_BOOL: Final = range(2)
_LEVEL: Final = range(10)

# The alarm fields of firmware 11.37.2.x with their valid values, in the camera's order.
ALARM_FIELDS: Final[dict[str, range]] = {
    "alarm_motion_armed": _BOOL,
    "alarm_motion_sensitivity": _LEVEL,
    "alarm_motion_compensation": _BOOL,
    "alarm_input_armed": _BOOL,
    "alarm_ioin_level": _BOOL,
    "alarm_iolinkage": _BOOL,
    "alarm_preset": range(PRESETS + 1),  # 0: stay where it is
    "alarm_ioout_level": _BOOL,
    "alarm_mail": _BOOL,
    "alarm_upload_interval": range(65536),
    "alarm_http": _BOOL,
    "alarm_msn": _BOOL,
    "alarm_schedule_enable": _BOOL,
    **{f"alarm_schedule_{day}_{part}": range(2**32) for day in (
        "sun", "mon", "tue", "wed", "thu", "fri", "sat"
    ) for part in range(3)},
}  # fmt: skip
SOUND_FIELDS: Final[dict[str, range]] = {
    "alarm_sounddetect_armed": _BOOL,
    "alarm_sounddetect_sensitivity": _LEVEL,
}
_DEFAULTS: Final[dict[str, int]] = {
    # Armed, as the integration's alarm tests expect of a camera set up for alarms.
    "alarm_motion_armed": 1,
    "alarm_motion_sensitivity": 5,
    "alarm_input_armed": 1,
    "alarm_ioin_level": 1,
    "alarm_sounddetect_armed": 1,
    "alarm_sounddetect_sensitivity": 5,
}
ARMED_FIELD: Final = {
    AlarmType.MOTION: "alarm_motion_armed",
    AlarmType.INPUT: "alarm_input_armed",
    AlarmType.SOUND: "alarm_sounddetect_armed",
}


def alarm_fields(config: SimulatorConfig) -> dict[str, range]:
    """The alarm fields this camera's firmware has."""
    return {**ALARM_FIELDS, **(SOUND_FIELDS if config.sound_detection else {})}


def alarm_params(config: SimulatorConfig) -> dict[str, ParamValue]:
    """The alarm block of a fresh camera's `get_params.cgi` table."""
    return {name: _DEFAULTS.get(name, 0) for name in alarm_fields(config)}


def is_armed(params: Mapping[str, ParamValue], alarm_type: AlarmType) -> bool:
    """Whether the camera sends alarms of this kind ("stopped" always goes out)."""
    field = ARMED_FIELD.get(alarm_type)
    return field is None or params.get(field) == 1


def apply_set_alarm(
    config: SimulatorConfig, params: dict[str, ParamValue], query: Mapping[str, str]
) -> list[str] | None:
    """Apply `set_alarm.cgi`'s parameters; the fields changed, or None if any is invalid.

    Nothing changes unless every parameter is valid (the cameras answer "illegal params").
    """
    fields = alarm_fields(config)
    changes: dict[str, int] = {}
    for name, text in query.items():
        if name in {"user", "pwd", "next_url"}:
            continue
        field = PREFIX + name
        valid = fields.get(field)
        if valid is None or not text.isdigit() or int(text) not in valid:
            return None
        changes[field] = int(text)
    if not changes:
        return None
    params.update(changes)
    return list(changes)
