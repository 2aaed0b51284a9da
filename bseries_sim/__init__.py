"""A simulated B-Series (Foscam MJPEG) IP camera for tests, benchmarks and development.

It plays the camera's side of the control and AV protocols and serves HTTP, all on one TCP port
bound to 127.0.0.1, records what clients send, and can be told to misbehave. Not shipped to
Home Assistant users.
"""

from .config import SimulatorConfig, SimUser
from .faults import PEER_LIST_PASSWORD, PEER_LIST_USER, UNKNOWN_OPCODE
from .recording import FrameEvent, RecordedCommand, SimStats
from .server import CameraSimulator, Target
from .state import SimSession

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
