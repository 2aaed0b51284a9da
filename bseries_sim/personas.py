"""Firmwares the simulator can play: the configuration each one stands for.

- `foscam`: Foscam firmware 11.37.2.56, as the captures show it (the defaults).
- `clone`: a clone firmware: op 0x0101 (the alias) before op 17, 0xAA in the reserved header
  byte, data connection id 1, privilege 0 in Verify_Resp even for an administrator, and an
  HTTP header line without a colon; NTP off, so its clock starts at 2000-01-01 at power-on; and
  reboot.cgi drops the connection without an answer (so that clients meet both behaviours; what
  each real firmware does is not known).
- `cgi-only`: a firmware that ignores op 14 (decoder control) and op 19 (params set); only the
  CGIs move the camera and change its settings.
- `no-sound`: older Foscam firmware without sound detection: no `alarm_sounddetect_*` fields in
  get_params.cgi, and never a sound alarm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from custom_components.bseries_ipcam.protocol.const import Privilege

from .config import SimulatorConfig

if TYPE_CHECKING:
    from collections.abc import Mapping

CLONE_RESERVED_BYTE: Final = 0xAA

PERSONAS: Final[Mapping[str, Mapping[str, Any]]] = {
    "foscam": {},
    "clone": {
        "alias_before_params": True,
        "header_reserved": CLONE_RESERVED_BYTE,
        "fixed_av_id": 1,
        "verify_privilege": Privilege.VISITOR,
        "http_malformed_header": True,
        "camera_id": "00656E0A0B0C",
        "firmware": "0.22.2.31",
        "alias": "IPCamera",
        "ntp": False,
        "reboot_reply": False,
    },
    "cgi-only": {
        "ignore_decoder_op": True,
        "ignore_param_set_op": True,
    },
    "no-sound": {
        "firmware": "11.14.2.28",
        "sound_detection": False,
    },
}


def persona_config(name: str, **overrides: Any) -> SimulatorConfig:
    """The configuration of persona `name`, with `overrides` on top; `ValueError` if unknown."""
    try:
        values = dict(PERSONAS[name])
    except KeyError:
        raise ValueError(f"no persona {name!r}; choose one of {', '.join(PERSONAS)}") from None
    values.update(overrides)
    return SimulatorConfig(**values)
