"""A simulated B-Series (Foscam MJPEG) IP camera for tests, benchmarks and development.

It plays the camera's side of the control and AV protocols and serves HTTP, all on one TCP port
bound to 127.0.0.1, records what clients send, and can be told to misbehave. Not shipped to
Home Assistant users.

The names below are imported on first use, not with the package: `python -m bseries_sim` must
load the protocol without the integration's `__init__` (and so without Home Assistant) before
any of them is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import SimulatorConfig, SimUser
    from .faults import PEER_LIST_PASSWORD, PEER_LIST_USER, UNKNOWN_OPCODE
    from .recording import FrameEvent, RecordedCommand, SimStats
    from .server import CameraSimulator, Target
    from .state import SimSession

_EXPORTS = {
    "PEER_LIST_PASSWORD": ".faults",
    "PEER_LIST_USER": ".faults",
    "UNKNOWN_OPCODE": ".faults",
    "CameraSimulator": ".server",
    "FrameEvent": ".recording",
    "RecordedCommand": ".recording",
    "SimSession": ".state",
    "SimStats": ".recording",
    "SimUser": ".config",
    "SimulatorConfig": ".config",
    "Target": ".server",
}

__all__ = [
    "PEER_LIST_PASSWORD",
    "PEER_LIST_USER",
    "UNKNOWN_OPCODE",
    "CameraSimulator",
    "FrameEvent",
    "RecordedCommand",
    "SimSession",
    "SimStats",
    "SimUser",
    "SimulatorConfig",
    "Target",
]


def __getattr__(name: str) -> Any:
    """Import an exported name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
