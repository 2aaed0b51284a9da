"""Asyncio client for B-Series (Foscam MJPEG) IP cameras: codec, sessions, ADPCM.

This package never imports Home Assistant; it could be published on its own. The CGI client needs
aiohttp, so it is not imported here: `from .protocol.cgi import CgiClient`.
"""

from .adpcm import AdpcmDecoder, AdpcmEncoder
from .av import AvSession
from .client import CameraClient, Stream
from .const import AlarmType, Channel, FrameInterval, Privilege, ResultCode
from .control import CameraInfo, ControlSession, check_credentials
from .exceptions import (
    AuthenticationError,
    BadPasswordError,
    BadUserError,
    BSeriesError,
    CameraResponseError,
    CameraTimeoutError,
    CgiAuthenticationError,
    CgiNotFoundError,
    CgiResponseError,
    ConnectionClosedError,
    ConnectionFailedError,
    ConnectionRefusedByCameraError,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
    NotSupportedError,
    ProtocolError,
    ProtocolVersionError,
    TooManyConnectionsError,
)
from .messages import AlarmNotify, AudioData, Command, VideoData, decode_command, encode_command

__all__ = [
    "AdpcmDecoder",
    "AdpcmEncoder",
    "AlarmNotify",
    "AlarmType",
    "AudioData",
    "AuthenticationError",
    "AvSession",
    "BSeriesError",
    "BadPasswordError",
    "BadUserError",
    "CameraClient",
    "CameraInfo",
    "CameraResponseError",
    "CameraTimeoutError",
    "CgiAuthenticationError",
    "CgiNotFoundError",
    "CgiResponseError",
    "Channel",
    "Command",
    "ConnectionClosedError",
    "ConnectionFailedError",
    "ConnectionRefusedByCameraError",
    "ControlSession",
    "FrameInterval",
    "InsufficientPrivilegeError",
    "InvalidCredentialsError",
    "NotSupportedError",
    "Privilege",
    "ProtocolError",
    "ProtocolVersionError",
    "ResultCode",
    "Stream",
    "TooManyConnectionsError",
    "VideoData",
    "check_credentials",
    "decode_command",
    "encode_command",
]
