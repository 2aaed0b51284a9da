"""Constants of the B-Series camera protocol: channels, opcodes, result codes, limits."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final


class Channel(StrEnum):
    """The four-byte magic at the start of every command names its channel."""

    CONTROL = "MO_O"
    AV = "MO_V"
    DISCOVERY = "MO_I"

    @property
    def magic(self) -> bytes:
        """The magic as it is on the wire."""
        return self.value.encode("ascii")


HEADER_SIZE: Final = 23
TEXT_LENGTH_OFFSET: Final = 15

# Largest text accepted per channel. The largest control message seen is 1,152 bytes (op 28) and
# JPEG frames are 39-79 KB; anything past these bounds is a broken or hostile peer.
MAX_TEXT_LENGTH: Final[dict[Channel, int]] = {
    Channel.CONTROL: 64 * 1024,
    Channel.AV: 4 * 1024 * 1024,
    Channel.DISCOVERY: 1024,
}

# Fixed-size string fields are NUL padded; 12 usable bytes plus the NUL is the safe limit.
NAME_FIELD_SIZE: Final = 13
MAX_CREDENTIAL_BYTES: Final = 12

KEEPALIVE_INTERVAL: Final = 60.0
DEAD_AFTER: Final = 120.0

SAMPLE_RATE: Final = 8000
AUDIO_PACKET_BYTES: Final = 160
SAMPLES_PER_PACKET: Final = AUDIO_PACKET_BYTES * 2
PACKET_DURATION: Final = SAMPLES_PER_PACKET / SAMPLE_RATE  # 40 ms

DISCOVERY_PORT: Final = 10000


class ControlOp(IntEnum):
    """Opcodes of the control channel (MO_O)."""

    LOGIN_REQ = 0
    LOGIN_RESP = 1
    VERIFY_REQ = 2
    VERIFY_RESP = 3
    VIDEO_START_REQ = 4
    VIDEO_START_RESP = 5
    VIDEO_END = 6
    VIDEO_FRAME_INTERVAL = 7
    AUDIO_START_REQ = 8
    AUDIO_START_RESP = 9
    AUDIO_END = 10
    TALK_START_REQ = 11
    TALK_START_RESP = 12
    TALK_END = 13
    DECODER_CONTROL = 14
    RESERVED_15 = 15
    PARAMS_FETCH_REQ = 16
    PARAMS_RESP = 17
    PARAM_CHANGED = 18
    PARAM_SET = 19
    ALARM_NOTIFY = 25
    PEER_CAMERA_LIST = 28
    KEEP_ALIVE = 255
    # A clone firmware answers op 16 with this first: u8, the camera's alias, unknown bytes.
    CAMERA_ALIAS = 0x0101


class AvOp(IntEnum):
    """Opcodes of the AV channel (MO_V)."""

    LOGIN_REQ = 0
    VIDEO_DATA = 1
    AUDIO_DATA = 2
    TALK_DATA = 3
    KEEP_ALIVE = 255


class DiscoveryOp(IntEnum):
    """Opcodes of UDP discovery (MO_I)."""

    SEARCH_REQ = 0
    SEARCH_RESP = 1
    INIT_REQ = 2
    INIT_RESP = 3


class ResultCode(IntEnum):
    """Result codes of the camera's responses."""

    OK = 0
    BAD_USER = 1
    TOO_MANY_CONNECTIONS = 2
    BAD_PROTOCOL_VERSION = 3
    BAD_ID = 4
    BAD_PASSWORD = 5
    INSUFFICIENT_PRIVILEGE = 6
    NOT_SUPPORTED = 7


class Privilege(IntEnum):
    """What the logged-in user may do."""

    VISITOR = 0
    OPERATOR = 1
    ADMINISTRATOR = 2


class AlarmType(IntEnum):
    """Alarm_Notify types."""

    STOPPED = 0
    MOTION = 1
    INPUT = 2
    SOUND = 3


class FrameInterval(IntEnum):
    """Video_FrameInterval codes; the value is the code, `milliseconds` the interval it selects."""

    MS_0 = 0
    MS_50 = 10
    MS_60 = 20
    MS_70 = 30
    MS_80 = 40
    MS_90 = 50
    MS_100 = 60
    MS_110 = 70
    MS_130 = 80
    MS_150 = 90
    MS_170 = 100
    MS_200 = 110
    MS_250 = 120
    MS_340 = 130
    MS_500 = 140
    MS_1000 = 150
    MS_1500 = 160
    MS_2000 = 170
    MS_2500 = 180
    MS_3000 = 190
    MS_3500 = 200
    MS_4000 = 210
    MS_4500 = 220
    MS_5000 = 230

    @property
    def milliseconds(self) -> int:
        """Interval between two frames in ms (0 is full speed)."""
        return int(self.name.removeprefix("MS_"))

    @classmethod
    def from_milliseconds(cls, milliseconds: int) -> FrameInterval:
        """The code for an interval in ms; ValueError if the camera has no such interval."""
        for interval in cls:
            if interval.milliseconds == milliseconds:
                return interval
        raise ValueError(f"{milliseconds} ms is not one of the camera's frame intervals")
