"""Typed commands: round trips for every command, variable-length forms, credentials, errors."""

from __future__ import annotations

import dataclasses
import inspect
import struct

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.bseries_ipcam.protocol import messages
from custom_components.bseries_ipcam.protocol.const import (
    HEADER_SIZE,
    AlarmType,
    AvOp,
    Channel,
    ControlOp,
    DiscoveryOp,
    FrameInterval,
    Privilege,
    ResultCode,
)
from custom_components.bseries_ipcam.protocol.exceptions import (
    AuthenticationError,
    BadPasswordError,
    BadUserError,
    BSeriesError,
    CameraResponseError,
    InsufficientPrivilegeError,
    InvalidCredentialsError,
    NotSupportedError,
    ProtocolError,
    ProtocolVersionError,
    TooManyConnectionsError,
    error_for_result,
)
from custom_components.bseries_ipcam.protocol.framing import Frame, encode_frame, split_frames
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    AudioData,
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    AvKeepAlive,
    AvLoginReq,
    CameraAlias,
    Command,
    DecoderControl,
    InitReq,
    InitResp,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamChanged,
    ParamSet,
    ParamsFetchReq,
    ParamsResp,
    PeerCameraList,
    SearchReq,
    SearchResp,
    TalkData,
    TalkEnd,
    TalkStartReq,
    TalkStartResp,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoData,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
    VideoStartResp,
    command_type,
    decode_command,
    decode_name,
    encode_command,
    encode_credential,
    encode_name,
)

# --- strategies ----------------------------------------------------------------------------------

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
i16 = st.integers(-0x8000, 0x7FFF)
i32 = st.integers(-0x80000000, 0x7FFFFFFF)
failure = i16.filter(lambda r: r != ResultCode.OK)
ascii_no_nul = st.characters(min_codepoint=1, max_codepoint=127)
latin1_no_nul = st.characters(min_codepoint=1, max_codepoint=255)
credentials = st.text(ascii_no_nul, max_size=12)
names12 = st.text(ascii_no_nul, max_size=12)
names20 = st.text(latin1_no_nul, max_size=20)
versions = st.lists(u8, min_size=4, max_size=4).map(lambda p: ".".join(map(str, p)))
ipv4s = u32.map(lambda n: ".".join(str(b) for b in n.to_bytes(4, "big")))
payloads = st.binary(max_size=512)


def _start_resp[C: Command](cls: type[C]) -> st.SearchStrategy[C]:
    return st.one_of(
        st.builds(cls, result=st.just(0), connection_id=st.one_of(st.none(), u32)),
        st.builds(cls, result=failure, connection_id=st.none()),
    )


def _empty[C: Command](cls: type[C]) -> st.SearchStrategy[C]:
    return st.builds(cls)


STRATEGIES: dict[type[Command], st.SearchStrategy[Command]] = {
    LoginReq: _empty(LoginReq),
    LoginResp: st.one_of(
        st.builds(
            LoginResp,
            result=st.just(0),
            camera_id=names12,
            protocol_version=u32,
            model=u32,
            firmware=versions,
        ),
        st.builds(LoginResp, result=failure),
    ),
    VerifyReq: st.builds(VerifyReq, user=credentials, password=credentials),
    VerifyResp: st.one_of(
        st.builds(VerifyResp, result=st.just(0), privilege=st.one_of(st.none(), u8)),
        st.builds(VerifyResp, result=failure, privilege=st.none()),
    ),
    VideoStartReq: st.builds(VideoStartReq, value=u8),
    VideoStartResp: _start_resp(VideoStartResp),
    VideoEnd: _empty(VideoEnd),
    VideoFrameInterval: st.builds(
        VideoFrameInterval, code=st.one_of(st.sampled_from(list(FrameInterval)), i32)
    ),
    AudioStartReq: st.builds(AudioStartReq, value=u8),
    AudioStartResp: _start_resp(AudioStartResp),
    AudioEnd: _empty(AudioEnd),
    TalkStartReq: st.builds(TalkStartReq, value=u8),
    TalkStartResp: _start_resp(TalkStartResp),
    TalkEnd: _empty(TalkEnd),
    DecoderControl: st.builds(DecoderControl, value=u8),
    ParamsFetchReq: _empty(ParamsFetchReq),
    ParamsResp: st.builds(
        ParamsResp,
        resolution=u8,
        brightness=u8,
        contrast=u8,
        mode=u8,
        unknown=u8,
        flip=u8,
        extra=st.binary(max_size=8),
    ),
    ParamChanged: st.builds(ParamChanged, param=u8, value=u8),
    CameraAlias: st.builds(CameraAlias, text=st.binary(max_size=200)),
    ParamSet: st.builds(ParamSet, param=u8, value=u8),
    AlarmNotify: st.builds(
        AlarmNotify,
        alarm_type=u8,
        alarm_area=st.one_of(st.none(), st.tuples(i16, i16, i16, i16)),
    ),
    PeerCameraList: st.builds(PeerCameraList, data=st.binary(max_size=1152)),
    KeepAlive: _empty(KeepAlive),
    AvLoginReq: st.builds(AvLoginReq, connection_id=u32),
    VideoData: st.builds(VideoData, timestamp=u32, capture_time=u32, image=payloads, reserved=u8),
    AudioData: st.builds(
        AudioData, timestamp=u32, serial=u32, capture_time=u32, data=payloads, audio_format=u8
    ),
    TalkData: st.builds(
        TalkData, timestamp=u32, serial=u32, capture_time=u32, data=payloads, audio_format=u8
    ),
    AvKeepAlive: _empty(AvKeepAlive),
    SearchReq: _empty(SearchReq),
    SearchResp: st.builds(
        SearchResp,
        camera_id=names12,
        name=names20,
        ip=ipv4s,
        mask=ipv4s,
        gateway=ipv4s,
        dns=ipv4s,
        system_firmware=versions,
        app_firmware=versions,
        port=u16,
        dhcp=st.booleans(),
    ),
    InitReq: st.builds(
        InitReq,
        camera_id=names12,
        user=credentials,
        password=credentials,
        ip=ipv4s,
        mask=ipv4s,
        gateway=ipv4s,
        dns=ipv4s,
        port=u16,
    ),
    InitResp: st.builds(InitResp, result=i16),
}

# Text sizes of the fixed-size forms.
FIXED_TEXT_SIZES: dict[type[Command], int] = {
    LoginReq: 0,
    VerifyReq: 26,
    VideoStartReq: 1,
    VideoEnd: 0,
    VideoFrameInterval: 4,
    AudioStartReq: 1,
    AudioEnd: 0,
    TalkStartReq: 1,
    TalkEnd: 0,
    DecoderControl: 1,
    ParamsFetchReq: 0,
    ParamChanged: 2,
    ParamSet: 2,
    KeepAlive: 0,
    AvLoginReq: 4,
    AvKeepAlive: 0,
    SearchReq: 4,
    SearchResp: 65,
    InitReq: 61,
    InitResp: 2,
}


def all_command_classes() -> set[type[Command]]:
    """Every concrete command class defined in messages.py."""
    return {
        cls
        for _, cls in inspect.getmembers(messages, inspect.isclass)
        if issubclass(cls, Command)
        and cls.__module__ == messages.__name__
        and "OPCODE" in vars(cls)
    }


def round_trip(command: Command) -> Command:
    data = encode_command(command)
    assert data == command.to_bytes()
    frames = split_frames(data)
    assert len(frames) == 1
    (frame,) = frames
    assert frame.channel is command.CHANNEL
    assert frame.opcode == command.OPCODE
    assert struct.unpack_from("<I", data, 15)[0] == len(frame.text)
    decoded = decode_command(frame)
    assert type(decoded) is type(command)
    return decoded


# --- round trips ---------------------------------------------------------------------------------


def test_strategies_cover_every_command_class() -> None:
    classes = all_command_classes()
    assert len(classes) == 32
    assert set(STRATEGIES) == classes
    for cls in classes:
        assert command_type(cls.CHANNEL, cls.OPCODE) is cls


@pytest.mark.parametrize("cls", list(STRATEGIES), ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip(cls: type[Command], data: st.DataObject) -> None:
    command = data.draw(STRATEGIES[cls])
    assert round_trip(command) == command
    if cls in FIXED_TEXT_SIZES:
        assert len(command.to_bytes()) == HEADER_SIZE + FIXED_TEXT_SIZES[cls]


def test_channels_and_opcodes() -> None:
    assert (LoginResp.CHANNEL, LoginResp.OPCODE) == (Channel.CONTROL, 1)
    assert (KeepAlive.CHANNEL, KeepAlive.OPCODE) == (Channel.CONTROL, 255)
    assert (AlarmNotify.CHANNEL, AlarmNotify.OPCODE) == (Channel.CONTROL, 25)
    assert (PeerCameraList.CHANNEL, PeerCameraList.OPCODE) == (Channel.CONTROL, 28)
    assert (AvLoginReq.CHANNEL, AvLoginReq.OPCODE) == (Channel.AV, 0)
    assert (VideoData.CHANNEL, VideoData.OPCODE) == (Channel.AV, 1)
    assert (AudioData.CHANNEL, AudioData.OPCODE) == (Channel.AV, 2)
    assert (TalkData.CHANNEL, TalkData.OPCODE) == (Channel.AV, 3)
    assert (AvKeepAlive.CHANNEL, AvKeepAlive.OPCODE) == (Channel.AV, 255)
    assert (SearchResp.CHANNEL, SearchResp.OPCODE) == (Channel.DISCOVERY, 1)
    assert AvLoginReq.NAME == "login_req"
    assert AvKeepAlive.NAME == "keep_alive"
    assert VideoStartResp.NAME == "video_start_resp"
    assert UnknownCommand.NAME == "unknown"
    assert int(ControlOp.VIDEO_FRAME_INTERVAL) == 7
    assert int(AvOp.TALK_DATA) == 3
    assert int(DiscoveryOp.INIT_RESP) == 3


def test_exact_bytes_of_some_commands() -> None:
    assert VideoStartReq(2).to_bytes()[HEADER_SIZE:] == b"\x02"
    assert VideoFrameInterval(FrameInterval.MS_100).to_bytes()[HEADER_SIZE:] == b"<\x00\x00\x00"
    assert VideoFrameInterval(-2).to_bytes()[HEADER_SIZE:] == b"\xfe\xff\xff\xff"
    assert AvLoginReq(0x60251B40).to_bytes()[HEADER_SIZE:] == b"\x40\x1b\x25\x60"
    assert SearchReq().to_bytes()[HEADER_SIZE:] == b"\x00\x00\x00\x01"
    assert VerifyReq("admin", "pw").to_bytes()[HEADER_SIZE:] == (
        b"admin" + bytes(8) + b"pw" + bytes(11)
    )
    login = LoginResp(0, "00626E4E72BF", 0x01000000, 7, "11.37.2.56").to_bytes()[HEADER_SIZE:]
    assert login == (
        b"\x00\x00"  # result
        b"00626E4E72BF\x00"  # camera id
        b"\x00\x00\x00\x01"  # protocol version, little-endian
        b"\x07\x00\x00\x00"  # model
        b"\x0b\x25\x02\x38"  # firmware 11.37.2.56
    )
    search = SearchResp(
        "00626E4E72BF", "cam", "192.168.1.2", "255.255.255.0", "192.168.1.1", "8.8.8.8",
        "1.2.3.4", "5.6.7.8", 0x1F90, True,
    ).to_bytes()[HEADER_SIZE:]  # fmt: skip
    assert search[13:34] == b"cam" + bytes(18)
    assert search[34:50] == bytes([192, 168, 1, 2, 255, 255, 255, 0, 192, 168, 1, 1, 8, 8, 8, 8])
    assert search[50:54] == bytes(4)
    assert search[54:62] == bytes(range(1, 9))
    assert search[62:] == b"\x1f\x90\x01"  # port big-endian, dhcp flag
    video = VideoData(1, 2, b"JPEG", 9).to_bytes()[HEADER_SIZE:]
    assert video == struct.pack("<IIBI", 1, 2, 9, 4) + b"JPEG"
    audio = TalkData(1, 2, 3, b"\x11" * 160).to_bytes()[HEADER_SIZE:]
    assert audio == struct.pack("<IIIBI", 1, 2, 3, 0, 160) + b"\x11" * 160
    assert TalkData(data=b"ab").data_length == 2
    assert VideoData(image=b"abc").image_length == 3


def test_init_resp() -> None:
    assert InitResp(0).ok
    assert not InitResp(ResultCode.INSUFFICIENT_PRIVILEGE).ok
    assert _decode_text(Channel.DISCOVERY, 3, b"\x06\x00") == InitResp(6)


def test_search_resp_without_dhcp_byte() -> None:
    full = SearchResp("id", "n", dhcp=True).to_bytes()[HEADER_SIZE:]
    decoded = decode_command(Frame(Channel.DISCOVERY, 1, full[:-1]))
    assert decoded == SearchResp("id", "n", dhcp=False)


def test_encode_rejects_unencodable_fields() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        SearchResp(camera_id="0123456789ABC").to_bytes()
    with pytest.raises(ValueError, match="four dotted bytes"):
        LoginResp(0, "id", 1, 0, "1.2.3").to_bytes()
    with pytest.raises(ValueError, match="four dotted bytes"):
        SearchResp(app_firmware="1.2.3.256").to_bytes()
    with pytest.raises(ValueError, match="300"):
        SearchResp(ip="300.1.1.1").to_bytes()
    assert encode_name("abc", 5) == b"abc\x00\x00"
    assert decode_name(b"abc\x00junk") == "abc"
    assert decode_name(b"\xe9t\xe9") == "été"


# --- variable-length forms -----------------------------------------------------------------------


def _decode_text(channel: Channel, opcode: int, text: bytes, offset: int = 0) -> Command:
    return decode_command(Frame(channel, opcode, text), offset)


def test_login_resp_failure_is_two_bytes() -> None:
    decoded = _decode_text(Channel.CONTROL, 1, b"\x02\x00")
    assert decoded == LoginResp(result=2)
    assert isinstance(decoded, LoginResp)
    assert not decoded.ok
    assert decoded.camera_id is None
    assert decoded.firmware is None
    assert LoginResp(result=2).to_bytes()[HEADER_SIZE:] == b"\x02\x00"
    ok = _decode_text(Channel.CONTROL, 1, LoginResp(0, "X", 1, 2, "1.2.3.4").encode_text())
    assert isinstance(ok, LoginResp)
    assert ok.ok


def test_login_resp_success_truncated() -> None:
    text = LoginResp(0, "00626E4E72BF", 1, 0, "1.2.3.4").encode_text()
    assert len(text) == 27
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.CONTROL, 1, text[:20], offset=100)
    # result (2) + id (13) + version (4) read, the model u32 is missing at text offset 19.
    assert err.value.offset == 100 + HEADER_SIZE + 19
    assert "login_resp" in str(err.value)


def test_verify_resp_forms() -> None:
    failed = _decode_text(Channel.CONTROL, 3, b"\x05\x00")
    assert failed == VerifyResp(ResultCode.BAD_PASSWORD, None)
    assert isinstance(failed, VerifyResp)
    assert not failed.ok
    assert VerifyResp(1).to_bytes()[HEADER_SIZE:] == b"\x01\x00"
    ok = _decode_text(Channel.CONTROL, 3, b"\x00\x00\x02")
    assert ok == VerifyResp(0, Privilege.ADMINISTRATOR)
    assert isinstance(ok, VerifyResp)
    assert ok.ok
    assert VerifyResp(0, 2).to_bytes()[HEADER_SIZE:] == b"\x00\x00\x02"
    # A failure with a trailing byte: the byte is not a privilege.
    assert _decode_text(Channel.CONTROL, 3, b"\x01\x00\x00") == VerifyResp(1, None)
    with pytest.raises(ProtocolError):
        _decode_text(Channel.CONTROL, 3, b"\x00")


@pytest.mark.parametrize(
    ("cls", "opcode"), [(VideoStartResp, 5), (AudioStartResp, 9), (TalkStartResp, 12)]
)
def test_start_resp_forms(cls: type[VideoStartResp], opcode: int) -> None:
    six = _decode_text(Channel.CONTROL, opcode, b"\x00\x00\x40\x1b\x25\x60")
    assert six == cls(0, 0x60251B40)
    assert isinstance(six, cls)
    assert six.ok
    two = _decode_text(Channel.CONTROL, opcode, b"\x00\x00")
    assert two == cls(0, None)
    denied = _decode_text(Channel.CONTROL, opcode, b"\x07\x00")
    assert denied == cls(ResultCode.NOT_SUPPORTED, None)
    assert isinstance(denied, cls)
    assert not denied.ok
    # A refusal never carries a connection id, even with bytes after the result.
    assert _decode_text(Channel.CONTROL, opcode, b"\x02\x00\x01\x00\x00\x00") == cls(2, None)
    # An id cut short is not an id.
    assert _decode_text(Channel.CONTROL, opcode, b"\x00\x00\x01\x02\x03") == cls(0, None)
    assert len(cls(0, 1).encode_text()) == 6
    assert len(cls(0).encode_text()) == 2


def test_alarm_notify_forms() -> None:
    nine = _decode_text(Channel.CONTROL, 25, b"\x01" + struct.pack("<4h", -1, 2, 300, -400))
    assert nine == AlarmNotify(AlarmType.MOTION, (-1, 2, 300, -400))
    assert _decode_text(Channel.CONTROL, 25, b"\x02") == AlarmNotify(AlarmType.INPUT, None)
    assert _decode_text(Channel.CONTROL, 25, b"\x03\x00\x00") == AlarmNotify(3, None)
    assert _decode_text(Channel.CONTROL, 25, b"\x00" * 8) == AlarmNotify(0, None)
    assert AlarmNotify(3).to_bytes()[HEADER_SIZE:] == b"\x03"
    assert len(AlarmNotify(1, (0, 0, 1, 1)).encode_text()) == 9
    with pytest.raises(ProtocolError):
        _decode_text(Channel.CONTROL, 25, b"")


def test_params_resp_keeps_extra_bytes() -> None:
    decoded = _decode_text(Channel.CONTROL, 17, bytes([8, 100, 4, 1, 7, 3, 0x1E, 0]))
    assert decoded == ParamsResp(8, 100, 4, 1, 7, 3, b"\x1e\x00")
    with pytest.raises(ProtocolError):
        _decode_text(Channel.CONTROL, 17, b"\x01\x02\x03\x04\x05")


@pytest.mark.parametrize(
    ("channel", "opcode"),
    [(Channel.CONTROL, 0x0102), (Channel.CONTROL, 15), (Channel.AV, 9), (Channel.DISCOVERY, 7)],
)
def test_unknown_opcode(channel: Channel, opcode: int) -> None:
    data = encode_frame(channel, opcode, b"\x00secret\xff")
    (frame,) = split_frames(data)
    decoded = decode_command(frame)
    assert decoded == UnknownCommand(channel, opcode, b"\x00secret\xff")
    assert encode_command(decoded) == data
    assert "secret" not in repr(decoded)


@given(
    channel=st.sampled_from(list(Channel)),
    opcode=u16,
    text=st.binary(max_size=64),
)
def test_unknown_opcode_reencodes_identically(channel: Channel, opcode: int, text: bytes) -> None:
    if command_type(channel, opcode) is not None:
        return
    data = encode_frame(channel, opcode, text)
    decoded = decode_command(split_frames(data)[0])
    assert isinstance(decoded, UnknownCommand)
    assert decoded.to_bytes() == data


def test_video_data_lying_length() -> None:
    text = struct.pack("<IIBI", 1, 2, 0, 100) + b"x" * 10
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.AV, 1, text, offset=5000)
    # The length field ends at text offset 13, where the image would start.
    assert err.value.offset == 5000 + HEADER_SIZE + 13
    assert "100" in err.value.reason
    assert "10 follow" in err.value.reason
    assert f"at byte offset {5000 + HEADER_SIZE + 13}" in str(err.value)


@pytest.mark.parametrize(("cls", "opcode"), [(AudioData, 2), (TalkData, 3)])
def test_audio_data_lying_length(cls: type[AudioData], opcode: int) -> None:
    text = struct.pack("<IIIBI", 1, 2, 3, 0, 160) + b"x" * 159
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.AV, opcode, text, offset=77)
    assert err.value.offset == 77 + HEADER_SIZE + 17
    assert cls.NAME in err.value.reason
    # Shorter data than the rest of the text is fine; trailing bytes are ignored.
    shorter = struct.pack("<IIIBI", 1, 2, 3, 0, 4) + b"abcdEXTRA"
    assert _decode_text(Channel.AV, opcode, shorter) == cls(1, 2, 3, b"abcd", 0)


def test_truncated_fields_offset() -> None:
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.AV, 0, b"\x01\x02\x03", offset=10)
    assert err.value.offset == 10 + HEADER_SIZE
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.AV, 2, struct.pack("<III", 1, 2, 3), offset=0)
    assert err.value.offset == HEADER_SIZE + 12
    with pytest.raises(ProtocolError) as err:
        _decode_text(Channel.DISCOVERY, 1, bytes(40))
    assert err.value.offset == HEADER_SIZE + 38  # the 2nd address starts at text offset 38


# --- credentials ---------------------------------------------------------------------------------

PASSWORD = "Tr0ub4dor&3x"  # 12 characters, the longest the camera accepts


def test_verify_req_password_hidden() -> None:
    command = VerifyReq("admin", PASSWORD)
    assert PASSWORD not in repr(command)
    assert PASSWORD not in str(command)
    assert "admin" in repr(command)
    assert PASSWORD.encode() in command.to_bytes()  # it is sent, just never shown
    assert frozenset({"password"}) == VerifyReq.SECRET_FIELDS
    assert round_trip(command) == command
    decoded = round_trip(command)
    assert isinstance(decoded, VerifyReq)
    assert decoded.password == PASSWORD
    assert PASSWORD not in repr(decoded)


def test_init_req_password_hidden() -> None:
    command = InitReq("00626E4E72BF", "admin", PASSWORD, "10.0.0.2", "255.0.0.0", "10.0.0.1")
    assert PASSWORD not in repr(command)
    assert PASSWORD not in str(command)
    assert "10.0.0.2" in repr(command)
    assert frozenset({"password"}) == InitReq.SECRET_FIELDS


def test_peer_camera_list_hidden() -> None:
    data = b"cam2\x00" + b"admin\x00" + PASSWORD.encode() + bytes(1100)
    command = PeerCameraList(data)
    for shown in (repr(command), str(command)):
        assert PASSWORD not in shown
        assert "admin" not in shown
        assert "cam2" not in shown
    assert frozenset({"data"}) == PeerCameraList.SECRET_FIELDS
    decoded = _decode_text(Channel.CONTROL, 28, data)
    assert decoded == command
    assert PASSWORD not in repr(decoded)


def test_secret_fields_are_excluded_from_repr() -> None:
    for cls in all_command_classes():
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for name in cls.SECRET_FIELDS:
            assert name in fields
            assert fields[name].repr is False


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("Tr0ub4dor&3xy", "at most 12"),
        ("a" * 40, "at most 12"),
        ("pässwörd", "ASCII"),
        ("pass\x00word", "NUL"),
        ("密码", "ASCII"),
    ],
)
def test_encode_credential_rejects(value: str, why: str) -> None:
    with pytest.raises(InvalidCredentialsError) as err:
        encode_credential("password", value)
    assert why in str(err.value)
    assert "password" in str(err.value)
    assert value not in str(err.value)
    assert isinstance(err.value, ValueError)
    assert isinstance(err.value, BSeriesError)
    with pytest.raises(InvalidCredentialsError) as err:
        VerifyReq("admin", value).to_bytes()
    assert value not in str(err.value)
    with pytest.raises(InvalidCredentialsError):
        VerifyReq(value, "pw").to_bytes()
    with pytest.raises(InvalidCredentialsError):
        InitReq(user="admin", password=value).to_bytes()


def test_encode_credential_accepts() -> None:
    assert encode_credential("password", PASSWORD) == PASSWORD.encode() + b"\x00"
    assert encode_credential("user name", "") == bytes(13)
    assert encode_credential("user name", "admin") == b"admin" + bytes(8)


@given(credentials)
def test_encode_credential_property(value: str) -> None:
    field = encode_credential("password", value)
    assert len(field) == 13
    assert field[12] == 0
    assert decode_name(field) == value


# --- frame intervals -----------------------------------------------------------------------------

DOCUMENTED_INTERVALS = {
    0: 0, 10: 50, 20: 60, 30: 70, 40: 80, 50: 90, 60: 100, 70: 110, 80: 130, 90: 150, 100: 170,
    110: 200, 120: 250, 130: 340, 140: 500, 150: 1000, 160: 1500, 170: 2000, 180: 2500,
    190: 3000, 200: 3500, 210: 4000, 220: 4500, 230: 5000,
}  # fmt: skip


@pytest.mark.parametrize(("code", "milliseconds"), sorted(DOCUMENTED_INTERVALS.items()))
def test_frame_interval(code: int, milliseconds: int) -> None:
    assert FrameInterval(code).milliseconds == milliseconds
    assert FrameInterval.from_milliseconds(milliseconds) is FrameInterval(code)
    assert FrameInterval.from_milliseconds(milliseconds) == code


def test_frame_interval_table_complete() -> None:
    assert {int(i): i.milliseconds for i in FrameInterval} == DOCUMENTED_INTERVALS


@pytest.mark.parametrize("milliseconds", [-1, 1, 40, 55, 120, 1001, 6000, 230])
def test_frame_interval_unknown(milliseconds: int) -> None:
    with pytest.raises(ValueError, match=f"^{milliseconds} ms is not"):
        FrameInterval.from_milliseconds(milliseconds)


# --- result codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "error", "text"),
    [
        (1, BadUserError, "bad user"),
        (2, TooManyConnectionsError, "too many connections"),
        (3, ProtocolVersionError, "bad protocol version"),
        (4, CameraResponseError, "bad id"),
        (5, BadPasswordError, "bad password"),
        (6, InsufficientPrivilegeError, "insufficient privilege"),
        (7, NotSupportedError, "not supported"),
        (99, CameraResponseError, "result code 99"),
        (-1, CameraResponseError, "result code -1"),
    ],
)
def test_error_for_result(result: int, error: type[CameraResponseError], text: str) -> None:
    err = error_for_result(result)
    assert type(err) is error
    assert err.result == result
    assert str(err) == f"camera answered: {text}"
    assert isinstance(err, BSeriesError)


def test_error_hierarchy() -> None:
    assert issubclass(BadUserError, AuthenticationError)
    assert issubclass(BadPasswordError, AuthenticationError)
    assert not issubclass(InsufficientPrivilegeError, AuthenticationError)
    assert issubclass(AuthenticationError, CameraResponseError)
    assert str(CameraResponseError(5, "custom")) == "custom"
    assert CameraResponseError(5, "custom").result == 5


def test_camera_alias() -> None:
    clone = CameraAlias.for_alias("IPCamera")
    assert len(clone.encode_text()) == 137
    decoded = _decode_text(Channel.CONTROL, 0x0101, clone.encode_text())
    assert decoded == clone
    assert isinstance(decoded, CameraAlias)
    assert decoded.alias == "IPCamera"
    assert CameraAlias(b"\x01Door\0").alias == "Door"
    # Too short to hold a whole alias field, not printable, or empty: no alias.
    assert CameraAlias(b"\x01" + b"A" * 10).alias is None
    assert CameraAlias(bytes(range(8))).alias is None
    assert CameraAlias(b"").alias is None
    assert CameraAlias(b"\x01   \0").alias is None
    assert "Door" not in repr(CameraAlias(b"\x01Door\0"))
