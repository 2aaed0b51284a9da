"""Conformance to real camera bytes in ../shared/captures (read in place, never copied here).

The captures come from the Apache-2.0 project grison (see the NOTICE beside them). CI always has
`shared/` beside the checkout (and requires them there); elsewhere these tests skip.
"""

from __future__ import annotations

import itertools
from pathlib import Path
import struct

import pytest

from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder
from custom_components.bseries_ipcam.protocol.const import (
    AUDIO_PACKET_BYTES,
    HEADER_SIZE,
    AlarmType,
    Channel,
    Privilege,
    ResultCode,
)
from custom_components.bseries_ipcam.protocol.controls import (
    RESOLUTION_SIZES,
    ImageSettings,
    PowerMode,
    Resolution,
)
from custom_components.bseries_ipcam.protocol.framing import Frame, FrameDecoder, split_frames
from custom_components.bseries_ipcam.protocol.messages import (
    AlarmNotify,
    AudioData,
    AudioStartReq,
    AudioStartResp,
    AvLoginReq,
    Command,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamsFetchReq,
    ParamsResp,
    SearchReq,
    SearchResp,
    TalkStartReq,
    TalkStartResp,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoData,
    VideoStartReq,
    VideoStartResp,
    decode_command,
    encode_command,
)
from tests.captures import CAPTURES, missing

if not CAPTURES.is_dir():
    pytest.skip(missing(CAPTURES), allow_module_level=True)

FOSCAM_ID = "00626E4E72BF"
FIRMWARE = "11.37.2.56"

# Every capture file and the commands it must decode to. None: checked separately below.
EXPECTED: dict[str, list[Command] | None] = {
    "control/login_req.bin": [LoginReq()],
    "control/login_resp.bin": [LoginResp(ResultCode.OK, FOSCAM_ID, 0x01000000, 0, FIRMWARE)],
    "control/verify_req.bin": None,
    "control/verify_resp.bin": [VerifyResp(ResultCode.OK, Privilege.VISITOR)],
    "control/verify_resp_USER_WRONG.bin": [VerifyResp(ResultCode.BAD_USER, None)],
    "control/keep_alive.bin": [KeepAlive()],
    "control/video_start_req.bin": [VideoStartReq(1)],
    "control/video_start_resp.bin": [VideoStartResp(ResultCode.OK, 0x60251B40)],
    "control/video_start_resp-no_data_conn_id.bin": [VideoStartResp(ResultCode.OK, None)],
    "control/audio_start_req.bin": [AudioStartReq(2)],  # the vendor client sends 2
    "control/audio_start_resp.bin": [AudioStartResp(ResultCode.OK, 0x58EA5800)],
    "control/talk_start_req.bin": [TalkStartReq(1)],
    "control/talk_start_resp.bin": [TalkStartResp(ResultCode.OK, 0x38F6267D)],
    "control/params_fetch_req-op16.bin": [ParamsFetchReq()],
    "control/params_resp-op17.bin": [ParamsResp(32, 163, 0, 2, 2, 0, b"\x00\x00")],
    "control/alarm_notify.bin": [AlarmNotify(AlarmType.SOUND, (0, 0, 100, 100))],
    "av/av_login_req.bin": [AvLoginReq(0x58EA5800)],
    "av/video_data.bin": None,
    "av/audio_data-scrubbed.bin": [
        AudioData(252184, 62940, 1398437226, bytes(range(1, AUDIO_PACKET_BYTES + 1)), 0)
    ],
    "audio/audio-packets-000-011.bin": None,
    "discovery/search_req.bin": [SearchReq()],
    "discovery/search_resp.bin": [
        SearchResp(
            camera_id=FOSCAM_ID,
            name="cam1",
            ip="192.168.69.21",
            mask="255.255.255.0",
            gateway="192.168.69.1",
            dns="192.168.69.1",
            system_firmware=FIRMWARE,
            app_firmware="2.4.10.10",
            port=80,
            dhcp=True,
        )
    ],
}

# Text lengths on the wire, for the variable-length forms.
TEXT_LENGTHS = {
    "control/login_resp.bin": 27,
    "control/verify_resp.bin": 3,
    "control/verify_resp_USER_WRONG.bin": 2,
    "control/video_start_resp.bin": 6,
    "control/video_start_resp-no_data_conn_id.bin": 2,
    "control/alarm_notify.bin": 9,
    "control/params_resp-op17.bin": 8,
    "discovery/search_resp.bin": 65,
    "av/video_data.bin": 13 + 44600,
}


def read(name: str) -> bytes:
    return (CAPTURES / name).read_bytes()


def decode_file(name: str) -> list[Command]:
    data = read(name)
    commands: list[Command] = []
    offset = 0
    for frame in split_frames(data):
        commands.append(decode_command(frame, offset))
        offset += HEADER_SIZE + len(frame.text)
    assert offset == len(data)
    return commands


def test_captures_path() -> None:
    # ../shared may be a link to the folder: compare where both end up.
    beside = Path(__file__).resolve().parents[3] / "shared" / "captures"
    assert CAPTURES.resolve() == beside.resolve()
    assert CAPTURES.parts[-2:] == ("shared", "captures")
    assert (CAPTURES / "NOTICE").is_file()


def test_every_capture_is_listed() -> None:
    found = {path.relative_to(CAPTURES).as_posix() for path in CAPTURES.rglob("*.bin")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_decodes_to_known_commands(name: str) -> None:
    commands = decode_file(name)
    assert commands
    for command in commands:
        assert not isinstance(command, UnknownCommand)
    expected = EXPECTED[name]
    if expected is not None:
        assert commands == expected
    if name in TEXT_LENGTHS:
        (frame,) = split_frames(read(name))
        assert len(frame.text) == TEXT_LENGTHS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_headers_reserved_bytes(name: str) -> None:
    """All captures have zero reserved bytes and the length copied at 19: re-encoding is exact."""
    data = read(name)
    offset = 0
    while offset < len(data):
        head = data[offset : offset + HEADER_SIZE]
        assert head[6] == 0
        assert head[7:15] == bytes(8)
        assert head[19:23] == head[15:19]
        offset += HEADER_SIZE + struct.unpack_from("<I", head, 15)[0]
    assert offset == len(data)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_reencodes_to_original_bytes(name: str) -> None:
    assert b"".join(encode_command(c) for c in decode_file(name)) == read(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_fed_byte_by_byte(name: str) -> None:
    data = read(name)
    decoder = FrameDecoder()
    frames: list[Frame] = []
    step = 1 if len(data) < 5000 else 997
    for i in range(0, len(data), step):
        frames += decoder.feed(data[i : i + step])
    decoder.close()
    assert frames == split_frames(data)


def test_verify_req() -> None:
    (command,) = decode_file("control/verify_req.bin")
    assert isinstance(command, VerifyReq)
    assert command.user == "camvis"
    assert len(command.password) == 12  # the longest password that fits
    assert command.password not in repr(command)
    assert command.password not in str(command)


def test_verify_resp_user_wrong() -> None:
    (command,) = decode_file("control/verify_resp_USER_WRONG.bin")
    assert isinstance(command, VerifyResp)
    assert command.result == 1
    assert not command.ok
    assert command.privilege is None


def test_login_resp() -> None:
    (command,) = decode_file("control/login_resp.bin")
    assert isinstance(command, LoginResp)
    assert command.ok
    assert command.camera_id == "00626E4E72BF"
    assert command.firmware == "11.37.2.56"
    assert command.protocol_version == 0x01000000


def test_video_data_carries_the_jpeg() -> None:
    (command,) = decode_file("av/video_data.bin")
    jpeg = read("av/video_data.jpg")
    assert isinstance(command, VideoData)
    assert command.image == jpeg
    assert command.image_length == len(jpeg) == 44600
    assert command.image.startswith(b"\xff\xd8")
    assert command.image.endswith(b"\xff\xd9")
    assert command.timestamp == 59108
    assert command.capture_time == 1400688245  # 2014-05-21
    assert command.reserved == 0


def test_audio_packets() -> None:
    packets = decode_file("audio/audio-packets-000-011.bin")
    assert len(packets) == 12
    audio = [p for p in packets if isinstance(p, AudioData)]
    assert len(audio) == 12
    for previous, packet in itertools.pairwise(audio):
        assert packet.serial == previous.serial + 1
        assert packet.timestamp == previous.timestamp + 4  # 40 ms in 10 ms units
    for packet in audio:
        assert packet.audio_format == 0
        assert packet.data_length == AUDIO_PACKET_BYTES


def test_audio_decodes_bit_exactly() -> None:
    audio = [p for p in decode_file("audio/audio-packets-000-011.bin") if isinstance(p, AudioData)]
    expected = read("audio/audio-packets-000-011.pcm-s16be")
    assert len(expected) == 12 * AUDIO_PACKET_BYTES * 2 * 2
    decoder = AdpcmDecoder()
    pcm = b"".join(decoder.decode_to_pcm(p.data, "big") for p in audio)
    assert pcm == expected
    # Resetting per packet, as a careless client would, does not reproduce it.
    per_packet = b"".join(AdpcmDecoder().decode_to_pcm(p.data, "big") for p in audio)
    assert per_packet != expected
    # Nor does reading the low nibble first.
    swapped = b"".join(bytes(((b & 0xF) << 4) | (b >> 4) for b in p.data) for p in audio)
    assert AdpcmDecoder().decode_to_pcm(swapped, "big") != expected


def test_discovery_channel() -> None:
    (frame,) = split_frames(read("discovery/search_req.bin"))
    assert frame.channel is Channel.DISCOVERY
    assert frame.text == b"\x00\x00\x00\x01"


def test_op17_capture_is_vga_outdoor_not_flipped() -> None:
    # Offset 4 is an unknown byte (2 here), offset 5 the flip: not "mirrored".
    (command,) = decode_file("control/params_resp-op17.bin")
    assert isinstance(command, ParamsResp)
    settings = ImageSettings.from_params(command)
    assert RESOLUTION_SIZES[Resolution(settings.resolution)] == (640, 480)
    assert (settings.brightness, settings.contrast) == (163, 0)
    assert settings.mode == PowerMode.OUTDOOR
    assert not settings.flip
    assert not settings.mirror
    assert settings.unknown == 2
    assert settings.extra == b"\x00\x00"
