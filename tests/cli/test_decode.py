"""`decode` and `decode-audio` on the real captures and on malformed input."""

from __future__ import annotations

import io
import json
import math
import struct
from typing import TYPE_CHECKING, Any
import wave

import pytest

from bseries_cli.decode import command_record, iter_commands
from bseries_cli.main import main
from custom_components.bseries_ipcam.protocol import AdpcmDecoder, AdpcmEncoder
from custom_components.bseries_ipcam.protocol.const import Channel
from custom_components.bseries_ipcam.protocol.framing import encode_frame
from custom_components.bseries_ipcam.protocol.messages import (
    AudioData,
    InitReq,
    KeepAlive,
    PeerCameraList,
    TalkData,
    VideoData,
)
from tests.captures import CAPTURES, capture

if TYPE_CHECKING:
    from pathlib import Path

CAPTURED_PASSWORD = "vis,FOSbuy1v"


def decode(
    capsys: pytest.CaptureFixture[str], *files: Path | str
) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["decode", *map(str, files)])
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    return code, records, captured.err


def only(capsys: pytest.CaptureFixture[str], relative: str) -> dict[str, Any]:
    path = capture(relative)
    code, records, err = decode(capsys, path)
    assert (code, err) == (0, "")
    assert len(records) == 1
    record = records[0]
    assert record["file"] == str(path)
    assert record["offset"] == 0
    return record


def test_login_resp(capsys: pytest.CaptureFixture[str]) -> None:
    record = only(capsys, "control/login_resp.bin")
    assert record["magic"] == "MO_O"
    assert record["opcode"] == 1
    assert record["command"] == "login_resp"
    assert record["result"] == 0
    assert record["result_name"] == "ok"
    assert record["camera_id"] == "00626E4E72BF"
    assert record["firmware"] == "11.37.2.56"
    assert record["protocol_version"] == 0x01000000


def test_verify_req_masks_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    path = capture("control/verify_req.bin")
    assert CAPTURED_PASSWORD.encode() in path.read_bytes()  # the test would catch a leak
    code, records, err = decode(capsys, path)
    assert code == 0
    assert records == [
        {
            "file": str(path),
            "offset": 0,
            "magic": "MO_O",
            "opcode": 2,
            "command": "verify_req",
            "user": "camvis",
            "password": "***",
        }
    ]
    assert CAPTURED_PASSWORD not in json.dumps(records) + err


def test_verify_resp_variants(capsys: pytest.CaptureFixture[str]) -> None:
    ok = only(capsys, "control/verify_resp.bin")
    assert (ok["command"], ok["result"], ok["privilege"], ok["privilege_name"]) == (
        "verify_resp",
        0,
        0,
        "visitor",
    )
    wrong = only(capsys, "control/verify_resp_USER_WRONG.bin")
    assert (wrong["result"], wrong["result_name"], wrong["privilege"]) == (1, "bad_user", None)


def test_video_start_resp_with_and_without_connection_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = only(capsys, "control/video_start_resp.bin")
    assert (record["command"], record["opcode"], record["connection_id"]) == (
        "video_start_resp",
        5,
        1613044544,
    )
    record = only(capsys, "control/video_start_resp-no_data_conn_id.bin")
    assert "connection_id" in record
    assert record["connection_id"] is None


def test_alarm_notify(capsys: pytest.CaptureFixture[str]) -> None:
    record = only(capsys, "control/alarm_notify.bin")
    assert record["command"] == "alarm_notify"
    assert record["opcode"] == 25
    assert record["alarm_type"] == 3
    assert record["alarm_type_name"] == "sound"
    assert record["alarm_area"] == [0, 0, 100, 100]


def test_search_resp(capsys: pytest.CaptureFixture[str]) -> None:
    record = only(capsys, "discovery/search_resp.bin")
    assert record["magic"] == "MO_I"
    assert record["command"] == "search_resp"
    assert record["camera_id"] == "00626E4E72BF"
    assert record["name"] == "cam1"
    assert record["ip"] == "192.168.69.21"
    assert record["port"] == 80
    assert record["mask"] == "255.255.255.0"
    assert record["app_firmware"] == "2.4.10.10"
    assert record["dhcp"] is True


def test_av_captures(capsys: pytest.CaptureFixture[str]) -> None:
    login = only(capsys, "av/av_login_req.bin")
    assert (login["magic"], login["command"], login["connection_id"]) == (
        "MO_V",
        "login_req",
        0x58EA5800,
    )
    video = only(capsys, "av/video_data.bin")
    jpeg = capture("av/video_data.jpg").read_bytes()
    assert video["command"] == "video_data"
    assert video["image_length"] == len(jpeg)
    assert video["timestamp"] == 59108
    assert video["capture_time"] == 1400688245
    assert "image" not in video  # never dumped raw
    audio = only(capsys, "av/audio_data-scrubbed.bin")
    assert audio["command"] == "audio_data"
    assert (audio["serial"], audio["data_length"], audio["audio_format"]) == (62940, 160, 0)
    assert "data" not in audio


def test_params_resp_extra_as_hex(capsys: pytest.CaptureFixture[str]) -> None:
    record = only(capsys, "control/params_resp-op17.bin")
    assert record["command"] == "params_resp"
    assert (record["resolution"], record["brightness"], record["mode"]) == (32, 163, 2)
    assert (record["extra"], record["extra_length"]) == ("000000", 3)


def test_every_capture_decodes(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(capture("control/login_req.bin").parents[1].rglob("*.bin"))
    code, records, err = decode(capsys, *files)
    assert (code, err) == (0, "")
    assert {record["file"] for record in records} == set(map(str, files))
    for record in records:
        assert {"file", "offset", "magic", "opcode", "command"} <= record.keys()
        assert record["command"] != "unknown"
    assert CAPTURED_PASSWORD not in json.dumps(records)


def test_consecutive_commands_carry_their_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    path = capture("audio/audio-packets-000-011.bin")
    code, records, _ = decode(capsys, path)
    assert code == 0
    assert [record["offset"] for record in records] == [200 * i for i in range(12)]
    serials = [record["serial"] for record in records]
    assert serials == list(range(serials[0], serials[0] + 12))


def test_unknown_opcode_and_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.bin"
    path.write_bytes(
        KeepAlive().to_bytes()
        + encode_frame(Channel.CONTROL, 0x0102, b"\x01\x02\x03")
        + PeerCameraList(b"cam2\0admin\0hunter2\0".ljust(1152, b"\0")).to_bytes()
        + InitReq("00626E4E72BF", "admin", "hunter2", "10.0.0.2").to_bytes()
    )
    code, records, err = decode(capsys, path)
    assert (code, err) == (0, "")
    assert [record["command"] for record in records] == [
        "keep_alive",
        "unknown",
        "peer_camera_list",
        "init_req",
    ]
    unknown = records[1]
    assert (unknown["offset"], unknown["opcode"], unknown["text_length"]) == (23, 0x0102, 3)
    assert records[2]["data"] == "***"
    assert records[2]["data_length"] == 1152
    assert records[3]["password"] == "***"
    assert records[3]["user"] == "admin"
    assert records[3]["ip"] == "10.0.0.2"
    assert "hunter2" not in json.dumps(records)


def test_command_record_shapes() -> None:
    (decoded,) = iter_commands(VideoData(1, 2, b"\xff\xd8jpeg\xff\xd9").to_bytes())
    assert command_record(decoded, "x") == {
        "file": "x",
        "offset": 0,
        "magic": "MO_V",
        "opcode": 1,
        "command": "video_data",
        "timestamp": 1,
        "capture_time": 2,
        "image_length": 8,
        "reserved": 0,
    }
    # Values outside the enums keep their number and get no name.
    (decoded,) = iter_commands(encode_frame(Channel.CONTROL, 3, b"\x00\x00\x07"))
    record = command_record(decoded, "x")
    assert (record["result_name"], record["privilege"], record["privilege_name"]) == ("ok", 7, None)
    (decoded,) = iter_commands(encode_frame(Channel.CONTROL, 3, b"\x09\x00"))
    record = command_record(decoded, "x")
    assert (record["result"], record["result_name"], record["privilege"]) == (9, None, None)
    (decoded,) = iter_commands(encode_frame(Channel.CONTROL, 25, b"\x09"))
    record = command_record(decoded, "x")
    assert (record["alarm_type_name"], record["alarm_area"]) == (None, None)


# --- malformed input ---------------------------------------------------------------------------


def malformed(tmp_path: Path, capsys, data: bytes) -> tuple[int, list[dict[str, Any]], str, str]:
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    code, records, err = decode(capsys, path)
    return code, records, err, str(path)


def test_truncated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = KeepAlive().to_bytes() + VideoData(1, 2, b"x" * 100).to_bytes()
    code, records, err, path = malformed(tmp_path, capsys, whole[:-10])
    assert code == 2
    assert [record["command"] for record in records] == ["keep_alive"]
    assert err.count("\n") == 1
    assert path in err
    assert "byte offset 23" in err
    assert "ends inside a command" in err


def test_truncated_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err, _ = malformed(tmp_path, capsys, KeepAlive().to_bytes() * 2 + b"MO_O\x00")
    assert code == 2
    assert len(records) == 2
    assert "byte offset 46" in err


def test_garbage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err, path = malformed(tmp_path, capsys, b"GET / HTTP/1.0\r\n\r\n" + bytes(30))
    assert (code, records) == (2, [])
    assert f"{path}: malformed input at byte offset 0: bad magic" in err


def test_length_beyond_the_bound(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = struct.pack("<4sHB8sII", b"MO_O", 1, 0, bytes(8), 0xFFFFFFF0, 0xFFFFFFF0)
    code, records, err, _ = malformed(tmp_path, capsys, KeepAlive().to_bytes() + header)
    assert (code, len(records)) == (2, 1)
    assert "byte offset 23" in err
    assert "exceeds the bound" in err


def test_lying_inner_length(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The frame is whole, but video_data claims a longer JPEG than the frame holds.
    text = struct.pack("<IIBI", 1, 2, 0, 5000) + b"\xff\xd8" * 10
    code, records, err, _ = malformed(tmp_path, capsys, encode_frame(Channel.AV, 1, text))
    assert (code, records) == (2, [])
    assert "byte offset 36" in err  # 23-byte header + 13 bytes of fields
    assert "5000" in err


def test_text_too_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err, _ = malformed(tmp_path, capsys, encode_frame(Channel.CONTROL, 2, b"admin\0"))
    assert code == 2
    assert "verify_req text is too short" in err
    assert "byte offset 23" in err


def test_bad_file_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"garbage" * 10)
    good = tmp_path / "good.bin"
    good.write_bytes(KeepAlive().to_bytes())
    code, records, err = decode(capsys, bad, tmp_path / "missing.bin", good)
    assert code == 2
    assert [record["file"] for record in records] == [str(good)]
    lines = err.splitlines()
    assert len(lines) == 2
    assert str(bad) in lines[0]
    assert "cannot read" in lines[1]
    assert "missing.bin" in lines[1]


def test_empty_file_has_no_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err, _ = malformed(tmp_path, capsys, b"")
    assert (code, records, err) == (0, [], "")


def test_decode_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(KeepAlive().to_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    code, records, _ = decode(capsys, "-")
    assert code == 0
    assert records[0]["file"] == "-"
    assert records[0]["command"] == "keep_alive"


# --- decode-audio -------------------------------------------------------------------------------


def read_wav(path: Path | bytes) -> tuple[wave._wave_params, list[int]]:
    source = io.BytesIO(path) if isinstance(path, bytes) else str(path)
    with wave.open(source, "rb") as wav:
        params = wav.getparams()
        frames = wav.readframes(params.nframes)
    return params, list(struct.unpack(f"<{len(frames) // 2}h", frames))


def test_decode_audio_is_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packets = capture("audio/audio-packets-000-011.bin")
    reference = capture("audio/audio-packets-000-011.pcm-s16be").read_bytes()
    out = tmp_path / "out.wav"
    assert main(["decode-audio", str(packets), "-o", str(out)]) == 0
    assert "12 audio_data packets" in capsys.readouterr().out
    params, samples = read_wav(out)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    expected = list(struct.unpack(f">{len(reference) // 2}h", reference))
    assert len(samples) == 12 * 320
    assert samples == expected


def test_decode_audio_state_carries_across_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = capture("audio/audio-packets-000-011.bin").read_bytes()
    reference = capture("audio/audio-packets-000-011.pcm-s16be").read_bytes()
    # Split the 12 packets over three files, with a non-audio command in between.
    parts = [data[:1000], KeepAlive().to_bytes() + data[1000:1600], data[1600:]]
    files = []
    for index, part in enumerate(parts):
        files.append(tmp_path / f"part{index}.bin")
        files[-1].write_bytes(part)
    out = tmp_path / "out.wav"
    assert main(["decode-audio", *map(str, files), "-o", str(out)]) == 0
    _, samples = read_wav(out)
    assert samples == list(struct.unpack(f">{len(reference) // 2}h", reference))
    capsys.readouterr()


def test_decode_audio_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    packets = capture("audio/audio-packets-000-011.bin")
    assert main(["decode-audio", str(packets), "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    _, samples = read_wav(captured.out)
    assert len(samples) == 3840
    assert b"to stdout" in captured.err


def test_decode_audio_talk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples = [round(5000 * math.sin(i / 5)) for i in range(640)]
    encoder = AdpcmEncoder()
    packets = [encoder.encode(samples[n * 320 : (n + 1) * 320]) for n in range(2)]
    data = b"".join(TalkData(serial=n, data=packets[n]).to_bytes() for n in range(2))
    data += AudioData(data=bytes(160)).to_bytes()  # skipped with --talk
    path = tmp_path / "talk.bin"
    path.write_bytes(data)
    out = tmp_path / "talk.wav"
    assert main(["decode-audio", "--talk", str(path), "-o", str(out)]) == 0
    _, decoded = read_wav(out)
    reference = AdpcmDecoder()
    assert decoded == reference.decode(packets[0]) + reference.decode(packets[1])
    assert max(abs(a - b) for a, b in zip(decoded[40:], samples[40:], strict=True)) < 1000
    assert "2 talk_data packets" in capsys.readouterr().out


def test_decode_audio_without_audio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "none.bin"
    path.write_bytes(KeepAlive().to_bytes())
    out = tmp_path / "out.wav"
    assert main(["decode-audio", str(path), "-o", str(out)]) == 2
    assert "no audio_data commands" in capsys.readouterr().err
    assert not out.exists()


def test_decode_audio_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(AudioData(data=bytes(160)).to_bytes() + b"MO_Vjunk")
    out = tmp_path / "out.wav"
    assert main(["decode-audio", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: malformed input at byte offset 200" in err
    assert not out.exists()


def test_decode_audio_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(AudioData(data=bytes(160)).to_bytes())
    assert main(["decode-audio", str(path), "-o", str(tmp_path / "no" / "such" / "dir.wav")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_captures_folder_is_where_the_notes_say() -> None:
    if not CAPTURES.is_dir():
        pytest.skip(f"{CAPTURES} is absent")
    assert (CAPTURES / "NOTICE").is_file()
