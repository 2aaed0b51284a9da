"""Faults the simulated camera can be told to show, and the bytes some of them send."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import os
import struct

from custom_components.bseries_ipcam.protocol.const import (
    HEADER_SIZE,
    NAME_FIELD_SIZE,
    AvOp,
    Channel,
    ControlOp,
)
from custom_components.bseries_ipcam.protocol.framing import encode_frame

# Op 28 holds nine records of other cameras, credentials in plain text.
PEER_LIST_SIZE = 1152
PEER_RECORD_SIZE = PEER_LIST_SIZE // 9
PEER_LIST_USER = "peeruser"
PEER_LIST_PASSWORD = "peersecret1"  # noqa: S105 - fake, so that clients can prove they drop it
PEER_LIST_HOST = "192.0.2.10"  # TEST-NET-1: never routed

# A clone answered op 16 with this opcode; clients must skip it.
UNKNOWN_OPCODE = 0x0102  # no firmware is known to send it

GARBAGE_PREFIX = b"GARBAGE!"
HUGE_LENGTH = 10 * 1024 * 1024


class Gate:
    """Open unless the simulator is stalled: every send waits here first."""

    def __init__(self) -> None:
        """Start open."""
        self._open = asyncio.Event()
        self._open.set()

    @property
    def is_open(self) -> bool:
        """Whether sends go through."""
        return self._open.is_set()

    def open(self) -> None:
        """Let sends through again."""
        self._open.set()

    def close(self) -> None:
        """Hold every send until `open`."""
        self._open.clear()

    async def wait(self) -> None:
        """Return when the gate is open."""
        if not self._open.is_set():
            await self._open.wait()


@dataclass(slots=True)
class FaultState:
    """Faults that stay on until changed (the one-shot ones are methods of the simulator).

    `login_result` / `verify_result`: answer every login / verify with this result code
    (None or 0: answer normally). `response_delay`: seconds to wait before each control
    response. `peer_list_after_verify` / `unknown_after_verify`: send op 28 / op 0x0102 right
    after a successful verify. `video_result`: answer every Video_Start with this result code
    (e.g. 2, too many connections, as when the camera's web page holds its slots).
    """

    gate: Gate = field(default_factory=Gate)
    login_result: int | None = None
    verify_result: int | None = None
    response_delay: float = 0.0
    peer_list_after_verify: bool = False
    unknown_after_verify: bool = False
    video_result: int | None = None
    # The camera's clock in Video_Data/Audio_Data: "normal", "frozen" (stands still at
    # `frozen_at`, as a broken firmware clock does) or "jumping" (leaps 20 s back and forth
    # every second).
    clock: str = "normal"
    frozen_at: int = 0

    @property
    def stalled(self) -> bool:
        """Whether every send is held."""
        return not self.gate.is_open

    def clear(self) -> None:
        """Back to normal behaviour (and resume if stalled)."""
        self.gate.open()
        self.login_result = None
        self.verify_result = None
        self.response_delay = 0.0
        self.peer_list_after_verify = False
        self.unknown_after_verify = False
        self.video_result = None
        self.clock = "normal"


CLOCK_MODES = ("normal", "frozen", "jumping")
JUMP_PERIOD_TICKS = 100  # the jumping clock changes its error every second
JUMP_TICKS = 2000  # by 20 s: back, none, forward, back, ...


def faulty_clock(faults: FaultState, ticks: int) -> int:
    """What the camera's clock says (10 ms units, 32 bits) at true uptime `ticks`."""
    if faults.clock == "frozen":
        ticks = faults.frozen_at
    elif faults.clock == "jumping":
        ticks += (ticks // JUMP_PERIOD_TICKS % 3 - 1) * JUMP_TICKS
    return ticks & 0xFFFFFFFF


def _field(value: str, size: int) -> bytes:
    return value.encode("ascii").ljust(size, b"\0")[:size]


def peer_camera_list() -> bytes:
    """Op 28's text: 1,152 bytes, the first record holding fake plain-text credentials.

    Record layout (128 bytes): camera id [13], alias [21], host [64], port u16, user [13],
    password [13], 2 reserved bytes.
    """
    first = (
        _field("00626E000001", NAME_FIELD_SIZE)
        + _field("Peer camera", 21)
        + _field(PEER_LIST_HOST, 64)
        + struct.pack("<H", 80)
        + _field(PEER_LIST_USER, NAME_FIELD_SIZE)
        + _field(PEER_LIST_PASSWORD, NAME_FIELD_SIZE)
    )
    return first.ljust(PEER_RECORD_SIZE, b"\0").ljust(PEER_LIST_SIZE, b"\0")


def unknown_command() -> bytes:
    """A control command with an opcode no client knows (as a clone sends)."""
    return encode_frame(Channel.CONTROL, UNKNOWN_OPCODE, bytes(range(8)))


def garbage(size: int = 64) -> bytes:
    """Bytes that cannot start a command: a fixed non-magic prefix, then random bytes."""
    size = max(size, HEADER_SIZE)
    return (GARBAGE_PREFIX + os.urandom(size))[:size]


def lying_frame(channel: Channel, claimed_length: int, sent_length: int) -> bytes:
    """A header claiming `claimed_length` bytes of text, followed by only `sent_length` of them."""
    opcode = AvOp.VIDEO_DATA if channel is Channel.AV else ControlOp.PARAMS_RESP
    header = struct.pack(
        "<4sHB8sII", channel.magic, opcode, 0, bytes(8), claimed_length, claimed_length
    )
    return header + bytes(min(sent_length, claimed_length))
