"""`probe`, `snapshot`, `listen` and `talk` against the simulated camera, and every failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import io
import itertools
import json
import math
import socket
import struct
from typing import TYPE_CHECKING
import wave

import pytest

from bseries_cli import audio, camera
from bseries_cli.main import main, main_async
from custom_components.bseries_ipcam.protocol import AudioData, ConnectionClosedError
from custom_components.bseries_ipcam.protocol.const import ResultCode

from .conftest import PASSWORD, USER, VIEWER, VIEWER_PASSWORD, Run, login

if TYPE_CHECKING:
    from pathlib import Path

    from bseries_sim import CameraSimulator

type RunCli = Callable[..., Awaitable[Run]]


def assert_no_password(run: Run, password: str = PASSWORD) -> None:
    assert password not in run.out
    assert password not in run.err


def assert_failure(run: Run, code: int, *fragments: str) -> None:
    assert run.code == code, run
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err  # one line
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in run.err
    assert_no_password(run)


def wav_samples(data: bytes) -> tuple[wave._wave_params, list[int]]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        params = wav.getparams()
        frames = wav.readframes(params.nframes)
    return params, list(struct.unpack(f"<{len(frames) // 2}h", frames))


# --- probe ---------------------------------------------------------------------------------------


async def test_probe(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("probe", *login(sim))
    assert (run.code, run.err) == (0, "")
    lines = dict(line.split(":", 1) for line in run.out.splitlines())
    assert lines["camera id"].strip() == "00626E4E72BF"
    assert lines["MAC address"].strip() == "00:62:6e:4e:72:bf"
    assert lines["firmware"].strip() == "11.37.2.56"
    assert lines["protocol version"].strip() == "16777216 (0x01000000)"
    assert lines["privilege"].strip() == "administrator (2)"
    assert_no_password(run)


async def test_probe_json_as_visitor(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("probe", *login(sim, VIEWER, VIEWER_PASSWORD), "--json")
    assert run.code == 0
    assert json.loads(run.out) == {
        "host": "127.0.0.1",
        "port": sim.port,
        "camera_id": "00626E4E72BF",
        "mac": "00:62:6e:4e:72:bf",
        "firmware": "11.37.2.56",
        "protocol_version": 0x01000000,
        "privilege": 0,
        "privilege_name": "visitor",
    }


async def test_password_from_the_environment(
    sim: CameraSimulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BSERIES_PASSWORD", PASSWORD)
    run = await run_cli("probe", f"127.0.0.1:{sim.port}", "-u", USER)
    assert run.code == 0
    assert "administrator" in run.out
    monkeypatch.delenv("BSERIES_PASSWORD")
    run = await run_cli("probe", f"127.0.0.1:{sim.port}", "-u", USER)
    assert run.code == 3  # the empty default password is wrong here


async def test_bad_user(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("probe", *login(sim, "nobody"))
    assert_failure(run, 3, "the camera has no user 'nobody'")


async def test_bad_password(sim: CameraSimulator, run_cli: RunCli) -> None:
    run = await run_cli("probe", *login(sim, USER, "Wr0ng-guess"))
    assert_failure(run, 3, "wrong password for user 'admin'")
    assert_no_password(run, "Wr0ng-guess")


@pytest.mark.parametrize(
    ("fault", "result", "code", "fragment"),
    [
        ("login", ResultCode.TOO_MANY_CONNECTIONS, 4, "too many connections"),
        ("login", ResultCode.BAD_PROTOCOL_VERSION, 8, "rejected the protocol version"),
        ("verify", ResultCode.INSUFFICIENT_PRIVILEGE, 5, "insufficient privilege"),
        (
            "verify",
            ResultCode.NOT_SUPPORTED,
            10,
            "the camera refused: camera answered: not supported",
        ),
        ("verify", ResultCode.BAD_ID, 10, "bad id"),
    ],
)
async def test_forced_results(
    sim: CameraSimulator, run_cli: RunCli, *, fault: str, result: int, code: int, fragment: str
) -> None:
    if fault == "login":
        sim.force_login_result(result)
    else:
        sim.force_verify_result(result)
    run = await run_cli("probe", *login(sim))
    assert_failure(run, code, fragment)


@pytest.mark.parametrize(
    ("user", "password", "fragment"),
    [
        (
            USER,
            "thirteen-char",
            "the password is 13 characters long; the camera accepts at most 12",
        ),
        ("Jörg", "x", "the user name must use ASCII characters only"),
        (USER, "pässword", "the password must use ASCII characters only"),
    ],
)
async def test_credentials_the_camera_cannot_take(
    sim: CameraSimulator, run_cli: RunCli, user: str, password: str, fragment: str
) -> None:
    for command in ("probe", "snapshot -o x.jpg", "listen -o x.wav", "talk x.wav"):
        name, *options = command.split()
        run = await run_cli(name, *login(sim, user, password), *options)
        assert_failure(run, 2, fragment)
        assert_no_password(run, password)
    assert sim.stats.control_connections_accepted == 0  # refused before connecting


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code = main(["probe", f"127.0.0.1:{port}", "--password", PASSWORD])
    captured = capsys.readouterr()
    assert_failure(Run(code, captured.out, captured.err), 7, f"127.0.0.1:{port} refused")


def test_timeout(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    # A socket that listens (the kernel completes the handshake) but never answers.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        code = main(["probe", f"127.0.0.1:{port}", "-p", PASSWORD, "--timeout", "0.3"])
    captured = capsys.readouterr()
    assert_failure(Run(code, captured.out, captured.err), 6, "timed out", "0.3 s")


async def fake_camera(
    reply: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    handlers: set[asyncio.Task[None]] = set()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await reply(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]
    await asyncio.gather(*handlers, return_exceptions=True)


@pytest.fixture
async def garbage_camera(socket_enabled: None) -> AsyncIterator[int]:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(23)
        writer.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        await writer.drain()
        await reader.read(100)

    async for port in fake_camera(reply):
        yield port


@pytest.fixture
async def hanging_up_camera(socket_enabled: None) -> AsyncIterator[int]:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(23)

    async for port in fake_camera(reply):
        yield port


async def test_protocol_error(garbage_camera: int, run_cli: RunCli) -> None:
    run = await run_cli("probe", f"127.0.0.1:{garbage_camera}", "-p", PASSWORD)
    assert_failure(run, 8, "protocol error", "bad magic", "byte offset 0")


async def test_connection_closed(hanging_up_camera: int, run_cli: RunCli) -> None:
    run = await run_cli("probe", f"127.0.0.1:{hanging_up_camera}", "-p", PASSWORD)
    assert_failure(run, 9, "connection lost")


# --- snapshot ------------------------------------------------------------------------------------


async def test_snapshot(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "frame.jpg"
    run = await run_cli("snapshot", *login(sim), "-o", str(out))
    assert run.code == 0
    image = out.read_bytes()
    assert image.startswith(b"\xff\xd8")
    assert image.endswith(b"\xff\xd9")
    assert f"saved a {len(image)}-byte JPEG to {out}" in run.out
    assert sim.stats.video_frames_sent >= 1
    assert_no_password(run)


async def test_snapshot_to_stdout(
    sim: CameraSimulator, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert await main_async(["snapshot", *login(sim), "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out.startswith(b"\xff\xd8")
    assert b"JPEG to stdout" in captured.err


async def test_snapshot_unwritable(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    run = await run_cli("snapshot", *login(sim), "-o", str(tmp_path / "missing" / "x.jpg"))
    assert_failure(run, 1, "cannot write", "No such file or directory")


async def test_snapshot_bad_password(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "frame.jpg"
    run = await run_cli("snapshot", *login(sim, USER, "nope"), "-o", str(out))
    assert_failure(run, 3)
    assert not out.exists()


# --- listen --------------------------------------------------------------------------------------


async def test_listen(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "mic.wav"
    run = await run_cli("listen", *login(sim), "--seconds", "0.5", "-o", str(out))
    assert run.code == 0, run
    assert f"recorded 0.50 s of audio to {out}" in run.out
    params, samples = wav_samples(out.read_bytes())
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    assert len(samples) == 4000
    # The simulator plays a 440 Hz tone: about 2 x 440 zero crossings per second.
    crossings = sum(1 for a, b in itertools.pairwise(samples[200:]) if (a < 0) != (b < 0))
    seconds = len(samples[200:]) / 8000
    assert abs(crossings / seconds - 880) < 60
    assert max(map(abs, samples)) > 2000


async def test_listen_to_stdout(
    sim: CameraSimulator, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert await main_async(["listen", *login(sim), "-s", "0.1", "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    _, samples = wav_samples(captured.out)
    assert len(samples) == 800
    assert b"to stdout" in captured.err


async def test_listen_stalls(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    async def stall_once_audio_flows() -> None:
        await sim.wait_for(lambda: sim.stats.audio_packets_sent > 0)
        sim.stall()

    staller = asyncio.create_task(stall_once_audio_flows())
    out = tmp_path / "mic.wav"
    run = await run_cli("listen", *login(sim)[:-1], "0.5", "--seconds", "0.4", "-o", str(out))
    await staller
    sim.resume()
    assert_failure(run, 6, "timed out: only", "of the 0.4 s of audio arrived within 0.9 s")
    assert not out.exists()


async def test_listen_connection_dropped(
    sim: CameraSimulator, run_cli: RunCli, tmp_path: Path
) -> None:
    async def drop_once_audio_flows() -> None:
        await sim.wait_for(lambda: sim.stats.audio_packets_sent > 0)
        sim.drop_av()

    dropper = asyncio.create_task(drop_once_audio_flows())
    run = await run_cli("listen", *login(sim), "--seconds", "3", "-o", str(tmp_path / "x.wav"))
    await dropper
    assert_failure(run, 9, "connection lost")


async def test_listen_reports_lost_packets(
    sim: CameraSimulator, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class LossyRecorder(camera._Recorder):
        def on_audio(self, packet: AudioData, samples: list[int]) -> None:
            super().on_audio(packet, samples)
            self.lost = 3

    monkeypatch.setattr(camera, "_Recorder", LossyRecorder)
    run = await run_cli("listen", *login(sim), "-s", "0.1", "-o", str(tmp_path / "x.wav"))
    assert run.code == 0
    assert "warning: 3 audio packets were lost" in run.err


async def test_recorder_counts_serial_gaps() -> None:
    recorder = camera._Recorder(wanted=5 * 320)
    for serial in (10, 11, 14, 15, 0xFFFFFFFF, 0):
        recorder.on_audio(AudioData(serial=serial), [0] * 320)
    assert recorder.lost == 2 + (0xFFFFFFFF - 15 - 1)
    assert recorder.finished.done()
    recorder.on_closed(None)  # too late to matter
    assert recorder.finished.result() is None
    other = camera._Recorder(wanted=320)
    other.on_closed(None)
    with pytest.raises(ConnectionClosedError, match="audio stream ended"):
        other.finished.result()


# --- talk ----------------------------------------------------------------------------------------


def tone_wav(
    rate: int, seconds: float, width: int = 2, channels: int = 1, hz: float = 400
) -> bytes:
    scale = 2.0 ** (8 * width - 16)
    count = round(rate * seconds)
    values = [round(6000 * scale * math.sin(2 * math.pi * hz * i / rate)) for i in range(count)]
    frames = b"".join(v.to_bytes(width, "little", signed=True) * channels for v in values)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return buffer.getvalue()


def relative_rms_error(got: list[int], hz: float = 400, amplitude: float = 6000) -> float:
    """RMS difference from the ideal 8 kHz tone, relative to the tone's RMS, after 20 ms."""
    want = [amplitude * math.sin(2 * math.pi * hz * i / 8000) for i in range(len(got))]
    pairs = list(zip(got[160:], want[160:], strict=True))
    error = math.sqrt(sum((a - b) ** 2 for a, b in pairs) / len(pairs))
    return error / (amplitude / math.sqrt(2))


# The camera's 4-bit ADPCM costs a few per cent on a clean tone; the tolerance on what the
# simulated camera decodes is 10 % RMS of the signal (a wrong sample format, byte order, rate or
# nibble order gives 50-150 %).
TALK_TOLERANCE = 0.10


async def test_talk_8k_mono(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "hello.wav"
    path.write_bytes(tone_wav(8000, 0.4))
    run = await run_cli("talk", *login(sim), str(path))
    assert run.code == 0, run
    assert f"playing {path} (8000 Hz, 1 channel, 16-bit PCM, 0.40 s)" in run.out
    assert "played 0.40 s through the camera's speaker" in run.out
    received = sim.talk_samples
    assert len(received) == 3200
    assert relative_rms_error(received) < TALK_TOLERANCE
    assert_no_password(run)


async def test_talk_converts_44k_stereo_24_bit(
    sim: CameraSimulator, run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "hello.wav"
    path.write_bytes(tone_wav(44100, 0.4, width=3, channels=2))
    run = await run_cli("talk", *login(sim), str(path))
    assert run.code == 0, run
    assert "44100 Hz, 2 channels, 24-bit PCM, 0.40 s" in run.out
    received = sim.talk_samples
    assert len(received) == 3200
    assert relative_rms_error(received) < TALK_TOLERANCE


async def test_talk_from_stdin_with_padding(
    sim: CameraSimulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.05 s is not a whole packet: the last packet is padded with silence.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(tone_wav(16000, 0.05))))
    run = await run_cli("talk", *login(sim), "-")
    assert run.code == 0, run
    assert "played 0.08 s" in run.out
    received = sim.talk_samples
    assert len(received) == 640
    assert max(map(abs, received[400:])) < 200  # the silence


async def test_talk_non_pcm_without_ffmpeg(
    sim: CameraSimulator, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audio, "FFMPEG", str(tmp_path / "no-ffmpeg"))
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3" + bytes(200))
    run = await run_cli("talk", *login(sim), str(path))
    assert_failure(run, 2, f"{path} is not a PCM WAV file, and ffmpeg", "not installed")
    assert sim.stats.control_connections_accepted == 0  # checked before connecting


async def test_talk_missing_file(sim: CameraSimulator, run_cli: RunCli, tmp_path: Path) -> None:
    run = await run_cli("talk", *login(sim), str(tmp_path / "nothing.wav"))
    assert_failure(run, 2, "cannot read", "nothing.wav")


async def test_talk_while_someone_else_talks(
    sim: CameraSimulator, run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "long.wav"
    path.write_bytes(tone_wav(8000, 1.5))
    first = asyncio.create_task(main_async(["talk", *login(sim), str(path)]))
    await sim.wait_for(lambda: sim.stats.talk_packets_received > 0)
    run = await run_cli("talk", *login(sim), str(path))
    assert await first == 0
    assert run.code == 4
    assert "too many connections (or someone else is talking)" in run.err
