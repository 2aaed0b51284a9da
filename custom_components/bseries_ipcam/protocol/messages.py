"""Frames <-> typed commands, for every command of the vendor document and the field notes.

Pure functions and dataclasses, no I/O. Decoders accept the variable-length forms real cameras send
(failure responses that stop after the result, start responses without a connection id) and ignore
trailing bytes; a text too short for its required fields raises `ProtocolError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import ipaddress
import re
import struct
from typing import ClassVar, Final, Self, override

from .const import (
    HEADER_SIZE,
    MAX_CREDENTIAL_BYTES,
    NAME_FIELD_SIZE,
    AvOp,
    Channel,
    ControlOp,
    DiscoveryOp,
    ResultCode,
)
from .exceptions import InvalidCredentialsError, ProtocolError
from .framing import Frame, encode_frame

_UNSET_IP: Final = "0.0.0.0"  # noqa: S104 - an address field, not a bind address
_NO_VERSION: Final = "0.0.0.0"  # noqa: S104


# Video_Data's fields before the JPEG: timestamp, capture time, reserved byte, image length.
_VIDEO_HEADER: Final = struct.Struct("<IIBI")


class _TruncatedError(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _TextReader:
    """Reads little-endian fields from a command's text, tracking the offset."""

    __slots__ = ("_data", "offset")

    def __init__(self, data: bytes | memoryview) -> None:
        self._data = data
        self.offset = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self.offset

    def _take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.remaining < size:
            raise _TruncatedError(self.offset)
        (value,) = struct.unpack_from(fmt, self._data, self.offset)
        self.offset += size
        return int(value)

    def u8(self) -> int:
        return self._take("<B")

    def i16(self) -> int:
        return self._take("<h")

    def u16_be(self) -> int:
        return self._take(">H")

    def u32(self) -> int:
        return self._take("<I")

    def fields(self, layout: struct.Struct) -> tuple[int, ...]:
        """Several fields at once (one call for a header read per video frame)."""
        if self.remaining < layout.size:
            raise _TruncatedError(self.offset)
        values: tuple[int, ...] = layout.unpack_from(self._data, self.offset)
        self.offset += layout.size
        return values

    def raw(self, size: int) -> bytes:
        if self.remaining < size:
            raise _TruncatedError(self.offset)
        # bytes() copies a memoryview's slice and returns a bytes slice as it is.
        value = bytes(self._data[self.offset : self.offset + size])
        self.offset += size
        return value

    def name(self, size: int = NAME_FIELD_SIZE) -> str:
        return decode_name(self.raw(size))

    def ipv4(self) -> str:
        return str(ipaddress.IPv4Address(self.raw(4)))

    def version(self) -> str:
        return ".".join(str(part) for part in self.raw(4))


def decode_name(field_bytes: bytes) -> str:
    """A NUL-padded string field: up to the first NUL, bytes kept one to one (latin-1)."""
    return field_bytes.split(b"\0", 1)[0].decode("latin-1")


def encode_name(value: str, size: int = NAME_FIELD_SIZE) -> bytes:
    """A string as a NUL-padded field of `size` bytes (at least one NUL)."""
    data = value.encode("latin-1")
    if len(data) >= size:
        raise ValueError(f"{value!r} does not fit a {size}-byte field")
    return data.ljust(size, b"\0")


def encode_credential(what: str, value: str) -> bytes:
    """A user name or password as its 13-byte field; `InvalidCredentialsError` if it cannot be."""
    try:
        data = value.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidCredentialsError(f"the {what} must use ASCII characters only") from None
    if b"\0" in data:
        raise InvalidCredentialsError(f"the {what} must not contain NUL characters")
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise InvalidCredentialsError(
            f"the {what} is {len(data)} characters long; the camera accepts at most "
            f"{MAX_CREDENTIAL_BYTES}"
        )
    return data.ljust(NAME_FIELD_SIZE, b"\0")


def _encode_version(version: str) -> bytes:
    parts = version.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ValueError(f"version {version!r} is not four dotted bytes")
    return bytes(int(p) for p in parts)


def _encode_ipv4(address: str) -> bytes:
    return ipaddress.IPv4Address(address).packed


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command. Subclasses set CHANNEL and OPCODE and encode their own text."""

    CHANNEL: ClassVar[Channel]
    OPCODE: ClassVar[int]
    NAME: ClassVar[str]
    # Fields that hold credentials: kept out of repr here and masked by every printer.
    SECRET_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Name each command after its class unless it says otherwise."""
        super().__init_subclass__(**kwargs)
        if "NAME" not in cls.__dict__:
            cls.NAME = _snake(cls.__name__)

    def encode_text(self) -> bytes:
        """The command's text; empty unless a subclass says otherwise."""
        return b""

    @classmethod
    def decode_text(cls, reader: _TextReader) -> Self:
        """Build the command from its text."""
        return cls()

    def to_bytes(self) -> bytes:
        """The whole command, header included."""
        return encode_frame(self.CHANNEL, self.OPCODE, self.encode_text())


_REGISTRY: dict[tuple[Channel, int], type[Command]] = {}


def _register[C: type[Command]](cls: C) -> C:
    _REGISTRY[(cls.CHANNEL, cls.OPCODE)] = cls
    return cls


@dataclass(frozen=True, slots=True)
class UnknownCommand(Command):
    """A command this package has no type for; kept whole so the session can skip it."""

    channel: Channel
    opcode: int
    text: bytes = field(repr=False)

    NAME: ClassVar[str] = "unknown"

    @override
    def to_bytes(self) -> bytes:
        """The command as it came."""
        return encode_frame(self.channel, self.opcode, self.text)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ResultOnly(Command):
    result: int = ResultCode.OK

    @property
    def ok(self) -> bool:
        """Whether the camera agreed."""
        return self.result == ResultCode.OK

    @override
    def encode_text(self) -> bytes:
        return struct.pack("<h", self.result)

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.i16())


@dataclass(frozen=True, slots=True)
class _StartResp(Command):
    """Start responses: 6 bytes with a data connection id, or 2 when an AV connection exists."""

    result: int = ResultCode.OK
    connection_id: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the camera agreed."""
        return self.result == ResultCode.OK

    @override
    def encode_text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.connection_id is not None:
            text += struct.pack("<I", self.connection_id)
        return text

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        result = reader.i16()
        connection_id = reader.u32() if result == ResultCode.OK and reader.remaining >= 4 else None
        return cls(result, connection_id)


@dataclass(frozen=True, slots=True)
class _OneByte(Command):
    value: int = 1

    @override
    def encode_text(self) -> bytes:
        return struct.pack("<B", self.value)

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.u8())


# --- control channel (MO_O) ----------------------------------------------------------------------


@_register
@dataclass(frozen=True, slots=True)
class LoginReq(Command):
    """Op 0: open the control session (empty text)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.LOGIN_REQ


@_register
@dataclass(frozen=True, slots=True)
class LoginResp(Command):
    """Op 1: 27 bytes on success; the result alone on failure."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.LOGIN_RESP

    result: int = ResultCode.OK
    camera_id: str | None = None
    protocol_version: int | None = None
    model: int | None = None
    firmware: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the camera agreed."""
        return self.result == ResultCode.OK

    @override
    def encode_text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.camera_id is None:
            return text
        return (
            text
            + encode_name(self.camera_id)
            + struct.pack("<II", self.protocol_version or 0, self.model or 0)
            + _encode_version(self.firmware or _NO_VERSION)
        )

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        result = reader.i16()
        if result != ResultCode.OK:
            return cls(result)
        camera_id = reader.name()
        protocol_version = reader.u32()
        model = reader.u32()
        return cls(result, camera_id, protocol_version, model, reader.version())


@_register
@dataclass(frozen=True, slots=True)
class VerifyReq(Command):
    """Op 2: user and password, 13 NUL-padded bytes each."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VERIFY_REQ
    SECRET_FIELDS = frozenset({"password"})

    user: str
    password: str = field(repr=False)

    @override
    def encode_text(self) -> bytes:
        return encode_credential("user name", self.user) + encode_credential(
            "password", self.password
        )

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.name(), reader.name())


@_register
@dataclass(frozen=True, slots=True)
class VerifyResp(Command):
    """Op 3: result and privilege (3 bytes) on success, the result alone (2 bytes) on failure."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VERIFY_RESP

    result: int = ResultCode.OK
    privilege: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the camera agreed."""
        return self.result == ResultCode.OK

    @override
    def encode_text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.privilege is not None:
            text += struct.pack("<B", self.privilege)
        return text

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        result = reader.i16()
        privilege = reader.u8() if result == ResultCode.OK and reader.remaining else None
        return cls(result, privilege)


@_register
@dataclass(frozen=True, slots=True)
class VideoStartReq(_OneByte):
    """Op 4: the document says 1, the vendor client sends 2; cameras accept both."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VIDEO_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class VideoStartResp(_StartResp):
    """Op 5."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VIDEO_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class VideoEnd(Command):
    """Op 6 (no reply)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VIDEO_END


@_register
@dataclass(frozen=True, slots=True)
class VideoFrameInterval(Command):
    """Op 7: a `FrameInterval` code (0..230); applies until the video restarts."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.VIDEO_FRAME_INTERVAL

    code: int = 0

    @override
    def encode_text(self) -> bytes:
        return struct.pack("<i", self.code)

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(struct.unpack("<i", reader.raw(4))[0])


@_register
@dataclass(frozen=True, slots=True)
class AudioStartReq(_OneByte):
    """Op 8."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.AUDIO_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class AudioStartResp(_StartResp):
    """Op 9."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.AUDIO_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class AudioEnd(Command):
    """Op 10."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.AUDIO_END


@_register
@dataclass(frozen=True, slots=True)
class TalkStartReq(_OneByte):
    """Op 11: the camera's playback buffer in seconds (>= 1)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.TALK_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class TalkStartResp(_StartResp):
    """Op 12: result 2 also means someone else is talking."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.TALK_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class TalkEnd(Command):
    """Op 13."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.TALK_END


@_register
@dataclass(frozen=True, slots=True)
class DecoderControl(_OneByte):
    """Op 14: a `decoder_control.cgi` command code (pan, tilt, presets, IR)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.DECODER_CONTROL


@_register
@dataclass(frozen=True, slots=True)
class ParamsFetchReq(Command):
    """Op 16: ask for the image parameters (empty text)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.PARAMS_FETCH_REQ


@_register
@dataclass(frozen=True, slots=True)
class ParamsResp(Command):
    """Op 17: image parameters, 6 fixed bytes and (on the wire) 2 more of unknown meaning.

    resolution (8 = 320x240, 32 = 640x480, 2 = 160x120 on some firmware), brightness 0-255,
    contrast 0-6, mode (0 = 50 Hz, 1 = 60 Hz, 2 = outdoor), an unknown byte (2 and 7 seen),
    flip (bit 0 flip, bit 1 mirror); the bytes after those are kept raw in `extra`.
    """

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.PARAMS_RESP

    resolution: int = 0
    brightness: int = 0
    contrast: int = 0
    mode: int = 0
    unknown: int = 0
    flip: int = 0
    extra: bytes = b""

    @override
    def encode_text(self) -> bytes:
        fixed = (self.resolution, self.brightness, self.contrast, self.mode, self.unknown)
        return bytes((*fixed, self.flip)) + self.extra

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        resolution, brightness, contrast, mode, unknown, flip = reader.raw(6)
        extra = reader.raw(reader.remaining)
        return cls(resolution, brightness, contrast, mode, unknown, flip, extra)


@_register
@dataclass(frozen=True, slots=True)
class CameraAlias(Command):
    """Op 0x0101 (a clone, before op 17): u8, the camera's alias NUL padded, unknown bytes.

    `alias` is None when the text is too short to hold one or what is there is not printable.
    """

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.CAMERA_ALIAS
    ALIAS_FIELD_SIZE: ClassVar[int] = 21

    text: bytes = field(default=b"", repr=False)

    @property
    def alias(self) -> str | None:
        """The camera's name, if the text carries one."""
        field_bytes = self.text[1 : 1 + self.ALIAS_FIELD_SIZE]
        if b"\0" not in field_bytes and len(self.text) <= self.ALIAS_FIELD_SIZE:
            return None
        name = decode_name(field_bytes).strip()
        return name if name and name.isprintable() else None

    @classmethod
    def for_alias(cls, alias: str, size: int = 137) -> CameraAlias:
        """The clone's 137-byte text for `alias` (unknown bytes zero)."""
        field_bytes = encode_name(alias, cls.ALIAS_FIELD_SIZE)
        return cls((b"\x01" + field_bytes).ljust(size, b"\0"))

    @override
    def encode_text(self) -> bytes:
        return self.text

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.raw(reader.remaining))


@dataclass(frozen=True, slots=True)
class _Param(Command):
    param: int = 0
    value: int = 0

    @override
    def encode_text(self) -> bytes:
        return bytes((self.param, self.value))

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.u8(), reader.u8())


@_register
@dataclass(frozen=True, slots=True)
class ParamChanged(_Param):
    """Op 18: the camera tells that an image parameter changed."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.PARAM_CHANGED


@_register
@dataclass(frozen=True, slots=True)
class ParamSet(_Param):
    """Op 19: set an image parameter."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.PARAM_SET


@_register
@dataclass(frozen=True, slots=True)
class AlarmNotify(Command):
    """Op 25: type u8 then, on the wire, the motion area as four i16 (left, top, right, bottom)."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.ALARM_NOTIFY

    alarm_type: int = 0
    alarm_area: tuple[int, int, int, int] | None = None

    @override
    def encode_text(self) -> bytes:
        text = struct.pack("<B", self.alarm_type)
        if self.alarm_area is not None:
            text += struct.pack("<4h", *self.alarm_area)
        return text

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        alarm_type = reader.u8()
        if reader.remaining >= 8:
            left, top, right, bottom = (reader.i16() for _ in range(4))
            return cls(alarm_type, (left, top, right, bottom))
        return cls(alarm_type)


@_register
@dataclass(frozen=True, slots=True)
class PeerCameraList(Command):
    """Op 28: other cameras with their user names and passwords in plain text. Never shown."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.PEER_CAMERA_LIST
    SECRET_FIELDS = frozenset({"data"})

    data: bytes = field(default=b"", repr=False)

    @override
    def encode_text(self) -> bytes:
        return self.data

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.raw(reader.remaining))


@_register
@dataclass(frozen=True, slots=True)
class KeepAlive(Command):
    """Op 255 on the control channel: either side, every 60 s."""

    CHANNEL = Channel.CONTROL
    OPCODE = ControlOp.KEEP_ALIVE


# --- AV channel (MO_V) ---------------------------------------------------------------------------


@_register
@dataclass(frozen=True, slots=True)
class AvLoginReq(Command):
    """Op 0 on the AV channel: the data connection id from a start response. No reply."""

    CHANNEL = Channel.AV
    OPCODE = AvOp.LOGIN_REQ
    NAME = "login_req"

    connection_id: int = 0

    @override
    def encode_text(self) -> bytes:
        return struct.pack("<I", self.connection_id)

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        return cls(reader.u32())


@_register
@dataclass(frozen=True, slots=True)
class VideoData(Command):
    """Op 1: uptime (10 ms units), capture time (epoch s), a reserved byte, then one JPEG."""

    CHANNEL = Channel.AV
    OPCODE = AvOp.VIDEO_DATA

    timestamp: int = 0
    capture_time: int = 0
    image: bytes = field(default=b"", repr=False)
    reserved: int = 0

    @property
    def image_length(self) -> int:
        """Size of the JPEG in bytes."""
        return len(self.image)

    @override
    def encode_text(self) -> bytes:
        return (
            _VIDEO_HEADER.pack(self.timestamp, self.capture_time, self.reserved, len(self.image))
            + self.image
        )

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        timestamp, capture_time, reserved, length = reader.fields(_VIDEO_HEADER)
        if length > reader.remaining:
            raise ProtocolError(
                f"video_data says the image is {length} bytes but only {reader.remaining} follow",
                reader.offset,
            )
        return cls(timestamp, capture_time, reader.raw(length), reserved)


@dataclass(frozen=True, slots=True)
class _AudioPacket(Command):
    timestamp: int = 0
    serial: int = 0
    capture_time: int = 0
    data: bytes = field(default=b"", repr=False)
    audio_format: int = 0

    @property
    def data_length(self) -> int:
        """Size of the ADPCM data in bytes (160 = 40 ms)."""
        return len(self.data)

    @override
    def encode_text(self) -> bytes:
        header = struct.pack(
            "<IIIBI",
            self.timestamp,
            self.serial,
            self.capture_time,
            self.audio_format,
            len(self.data),
        )
        return header + self.data

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        timestamp = reader.u32()
        serial = reader.u32()
        capture_time = reader.u32()
        audio_format = reader.u8()
        length = reader.u32()
        if length > reader.remaining:
            raise ProtocolError(
                f"{cls.NAME} says the data is {length} bytes but only {reader.remaining} follow",
                reader.offset,
            )
        return cls(timestamp, serial, capture_time, reader.raw(length), audio_format)


@_register
@dataclass(frozen=True, slots=True)
class AudioData(_AudioPacket):
    """Op 2: 160 bytes of ADPCM (40 ms at 8 kHz); timestamp in 10 ms units."""

    CHANNEL = Channel.AV
    OPCODE = AvOp.AUDIO_DATA


@_register
@dataclass(frozen=True, slots=True)
class TalkData(_AudioPacket):
    """Op 3, client to camera: as Audio_Data but the timestamp is in 1 ms units."""

    CHANNEL = Channel.AV
    OPCODE = AvOp.TALK_DATA


@_register
@dataclass(frozen=True, slots=True)
class AvKeepAlive(Command):
    """Op 255 on the AV channel."""

    CHANNEL = Channel.AV
    OPCODE = AvOp.KEEP_ALIVE
    NAME = "keep_alive"


# --- discovery (MO_I, UDP) -----------------------------------------------------------------------

_SEARCH_MARKER = b"\x00\x00\x00\x01"


@_register
@dataclass(frozen=True, slots=True)
class SearchReq(Command):
    """Op 0: text 00 00 00 01, broadcast to UDP port 10000 (never from these tests)."""

    CHANNEL = Channel.DISCOVERY
    OPCODE = DiscoveryOp.SEARCH_REQ

    @override
    def encode_text(self) -> bytes:
        return _SEARCH_MARKER

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        reader.raw(reader.remaining)
        return cls()


@_register
@dataclass(frozen=True, slots=True)
class SearchResp(Command):
    """Op 1: 65 bytes; addresses and the port are big-endian."""

    CHANNEL = Channel.DISCOVERY
    OPCODE = DiscoveryOp.SEARCH_RESP

    camera_id: str = ""
    name: str = ""
    ip: str = _UNSET_IP
    mask: str = _UNSET_IP
    gateway: str = _UNSET_IP
    dns: str = _UNSET_IP
    system_firmware: str = _NO_VERSION
    app_firmware: str = _NO_VERSION
    port: int = 80
    dhcp: bool = False

    @override
    def encode_text(self) -> bytes:
        return (
            encode_name(self.camera_id)
            + encode_name(self.name, 21)
            + b"".join(_encode_ipv4(a) for a in (self.ip, self.mask, self.gateway, self.dns))
            + bytes(4)
            + _encode_version(self.system_firmware)
            + _encode_version(self.app_firmware)
            + struct.pack(">HB", self.port, self.dhcp)
        )

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        camera_id = reader.name()
        name = reader.name(21)
        ip, mask, gateway, dns = (reader.ipv4() for _ in range(4))
        reader.raw(4)
        system_firmware = reader.version()
        app_firmware = reader.version()
        port = reader.u16_be()
        dhcp = bool(reader.u8()) if reader.remaining else False
        return cls(
            camera_id, name, ip, mask, gateway, dns, system_firmware, app_firmware, port, dhcp
        )


@_register
@dataclass(frozen=True, slots=True)
class InitReq(Command):
    """Op 2: set a camera's network configuration, authenticated by its user and password."""

    CHANNEL = Channel.DISCOVERY
    OPCODE = DiscoveryOp.INIT_REQ
    SECRET_FIELDS = frozenset({"password"})

    camera_id: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    ip: str = _UNSET_IP
    mask: str = _UNSET_IP
    gateway: str = _UNSET_IP
    dns: str = _UNSET_IP
    port: int = 80

    @override
    def encode_text(self) -> bytes:
        return (
            _SEARCH_MARKER
            + encode_name(self.camera_id)
            + encode_credential("user name", self.user)
            + encode_credential("password", self.password)
            + b"".join(_encode_ipv4(a) for a in (self.ip, self.mask, self.gateway, self.dns))
            + struct.pack(">H", self.port)
        )

    @classmethod
    @override
    def decode_text(cls, reader: _TextReader) -> Self:
        reader.raw(4)
        camera_id, user, password = reader.name(), reader.name(), reader.name()
        ip, mask, gateway, dns = (reader.ipv4() for _ in range(4))
        return cls(camera_id, user, password, ip, mask, gateway, dns, reader.u16_be())


@_register
@dataclass(frozen=True, slots=True)
class InitResp(_ResultOnly):
    """Op 3: 0 ok, 1 bad user, 5 bad password, 6 insufficient privilege."""

    CHANNEL = Channel.DISCOVERY
    OPCODE = DiscoveryOp.INIT_RESP


# --- entry points --------------------------------------------------------------------------------


def command_type(channel: Channel, opcode: int) -> type[Command] | None:
    """The command class for a channel and opcode, if this package knows one."""
    return _REGISTRY.get((channel, opcode))


def decode_command(frame: Frame, offset: int = 0) -> Command:
    """The typed command in a frame (`UnknownCommand` for opcodes without a type).

    `offset` is the frame's position in its stream, so that errors name the stream offset.
    """
    return decode_text(frame.channel, frame.opcode, frame.text, offset)


def decode_text(
    channel: Channel, opcode: int, text: bytes | memoryview, offset: int = 0
) -> Command:
    """`decode_command` for a text given on its own, possibly as a view of a receive buffer.

    The command holds copies: nothing refers to `text` after the call.
    """
    cls = _REGISTRY.get((channel, opcode))
    if cls is None:
        return UnknownCommand(channel, opcode, bytes(text))
    text_offset = offset + HEADER_SIZE
    try:
        return cls.decode_text(_TextReader(text))
    except _TruncatedError as err:
        raise ProtocolError(
            f"{channel.value} {cls.NAME} text is too short ({len(text)} bytes)",
            text_offset + err.offset,
        ) from None
    except ProtocolError as err:
        raise ProtocolError(err.reason, text_offset + (err.offset or 0)) from None


def encode_command(command: Command) -> bytes:
    """The whole command, header included."""
    return command.to_bytes()
