"""Text commands that drive a running simulator (from stdin or the `/sim/...` HTTP endpoints)."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.const import AlarmType

from .upkeep import apply_set_misc

if TYPE_CHECKING:
    from .server import CameraSimulator, Target

ALARMS: Final = {
    "motion": AlarmType.MOTION,
    "input": AlarmType.INPUT,
    "sound": AlarmType.SOUND,
    "stop": AlarmType.STOPPED,
    "stopped": AlarmType.STOPPED,
}

HELP: Final = """\
alarms:  motion | input | sound | stop            [area: left,top,right,bottom]
faults:  drop | drop-av | stall | resume | clear
         garbage [control|av|all]                 bytes that cannot start a command
         lie [control|av]                         a header claiming 10 MiB, then close
         lie-short [control|av]                   a header claiming more than is sent, then close
         login-result N | verify-result N         force a result code (0: normal)
         video-result N                           refuse Video_Start with N (2: too many)
         delay SECONDS                            delay every control response
         timestamps normal|frozen|jumping         the clock stamped on frames and sound
         peer-list [on|off] | unknown-op [on|off] send op 28 / op 0x0102 after verify
camera:  param NAME VALUE                         resolution|brightness|contrast|mode|flip
                                                  (or its number), as another client would
         decoder CODE                             a decoder_control.cgi command code
settings: set-alarm NAME VALUE                   as set_alarm.cgi, e.g. set-alarm motion_armed 0
         set-misc NAME VALUE                      as set_misc.cgi, e.g. set-misc led_mode 2
audio:   mark                                     the next audio packet is silence (a marker)
upkeep:  restart [SECONDS]                        reboot: drop everything, back after SECONDS
         clock [OFFSET]                           the camera's time; OFFSET s: move it off
other:   status | help | quit"""

_PARAMS: Final = {"resolution": 0, "brightness": 1, "contrast": 2, "mode": 3, "flip": 5}
_ON: Final = {"", "on", "1", "true", "yes"}
_OFF: Final = {"off", "0", "false", "no"}
_TARGETS: Final[dict[str, Target]] = {"control": "control", "av": "av", "all": "all"}


def _switch(arg: str) -> bool:
    if arg in _ON:
        return True
    if arg in _OFF:
        return False
    raise ValueError(f"expected on or off, not {arg!r}")


def _target(arg: str, default: Target) -> Target:
    if not arg:
        return default
    if arg not in _TARGETS:
        raise ValueError(f"expected control, av or all, not {arg!r}")
    return _TARGETS[arg]


def _area(arg: str) -> tuple[int, int, int, int] | None:
    if not arg:
        return None
    try:
        left, top, right, bottom = (int(part) for part in arg.split(","))
    except ValueError:
        raise ValueError(f"an area is four integers left,top,right,bottom, not {arg!r}") from None
    return left, top, right, bottom


def _number(arg: str) -> float:
    try:
        return float(arg)
    except ValueError:
        raise ValueError(f"expected a number, not {arg!r}") from None


def run_command(sim: CameraSimulator, line: str) -> str:
    """Run one command line and return what it did; `ValueError` if it is not a command."""
    name, _, arg = line.strip().partition(" ")
    name = name.lower()
    arg = arg.strip().lower()
    if name in ALARMS:
        count = sim.trigger_alarm(ALARMS[name], _area(arg))
        return f"alarm {ALARMS[name].name.lower()} sent to {count} session(s)"
    match name:
        case "drop":
            return f"dropped {sim.drop_all()} connection(s)"
        case "drop-av":
            return f"dropped {sim.drop_av()} AV connection(s)"
        case "stall":
            sim.stall()
            return "stalled: nothing is sent until resume"
        case "resume":
            sim.resume()
            return "resumed"
        case "clear":
            sim.clear_faults()
            return "every fault cleared"
        case "garbage":
            return f"garbage sent to {sim.send_garbage(_target(arg, 'all'))} connection(s)"
        case "lie":
            count = sim.send_lying_length(_target(arg, "av"))
            return f"lying 10 MiB header sent to {count} connection(s)"
        case "lie-short":
            count = sim.send_lying_length(_target(arg, "av"), 100_000, 1_000)
            return f"short frame sent to {count} connection(s)"
        case "login-result" | "verify-result":
            code = int(_number(arg))
            if name == "login-result":
                sim.force_login_result(code or None)
            else:
                sim.force_verify_result(code or None)
            return f"{name} forced to {code}" if code else f"{name} normal"
        case "video-result":
            code = int(_number(arg))
            sim.force_video_result(code or None)
            return f"video-result forced to {code}" if code else "video-result normal"
        case "timestamps":
            sim.set_clock(arg or "normal")
            return f"camera clock {sim.faults.clock}"
        case "delay":
            sim.set_response_delay(_number(arg))
            return f"control responses delayed by {sim.faults.response_delay:g} s"
        case "peer-list":
            sim.send_peer_list(_switch(arg))
            return f"peer list after verify: {'on' if sim.faults.peer_list_after_verify else 'off'}"
        case "unknown-op":
            sim.send_unknown_opcode(_switch(arg))
            return (
                f"unknown opcode after verify: {'on' if sim.faults.unknown_after_verify else 'off'}"
            )
        case "param":
            param_name, _, value = arg.partition(" ")
            param = _PARAMS.get(param_name)
            if param is None:
                param = int(_number(param_name))
            if not sim.set_camera_param(param, int(_number(value.strip()))):
                raise ValueError(f"the camera does not take {param_name}={value.strip()}")
            return f"parameter {param_name} set to {value.strip()} (op 18 pushed)"
        case "decoder":
            code = int(_number(arg))
            sim.decoder_control(code)
            return f"decoder command {code} done"
        case "set-alarm":
            field, _, value = arg.partition(" ")
            sim.set_alarm(**{field: int(_number(value.strip()))})
            return f"alarm setting {field} set to {value.strip()}"
        case "set-misc":
            field, _, value = arg.partition(" ")
            if apply_set_misc(sim.misc, {field: value.strip()}) is None:
                raise ValueError(f"the camera does not take {field}={value.strip()}")
            return f"misc setting {field} set to {value.strip()}"
        case "mark":
            sim.mark_audio()
            return "the next audio packet is a marker (silence)"
        case "restart":
            delay = _number(arg) if arg else sim.config.restart_delay
            sim.restart(delay)
            return f"restarting: back in {delay:g} s"
        case "clock":
            if arg:
                sim.clock.set(sim.clock.now() + int(_number(arg)))
            now = sim.clock.now()
            return f"camera time {now} ({datetime.fromtimestamp(now, UTC):%Y-%m-%d %H:%M:%S} UTC)"
        case "status":
            return json.dumps(sim.stats.as_dict())
        case "help":
            return HELP
    raise ValueError(f"unknown command {name!r} (try help)")
