"""The command line itself: parsing, exit codes, the entry point, `simulate`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import runpy
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from bseries_cli import decode, simulate
from bseries_cli.camera import parse_target, positive_float
from bseries_cli.main import main, main_async
from bseries_cli.output import ExitCode, describe_error
from custom_components.bseries_ipcam.protocol import (
    AuthenticationError,
    BSeriesError,
    ConnectionFailedError,
)
from custom_components.bseries_ipcam.protocol.messages import KeepAlive
from tests.captures import capture

from .conftest import ENTRY_POINT, PASSWORD, USER

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cam.local", ("cam.local", 80)),
        ("192.168.1.20:8080", ("192.168.1.20", 8080)),
        ("[fe80::1]:88", ("fe80::1", 88)),
        ("[fe80::1]", ("fe80::1", 80)),
        ("fe80::1", ("fe80::1", 80)),
        ("http://cam.local:81/videostream.cgi", ("cam.local", 81)),
        (" HTTPS://10.0.0.1 ", ("10.0.0.1", 80)),
    ],
)
def test_parse_target(text: str, expected: tuple[str, int]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cam:0", "not a port number"),
        ("cam:65536", "not a port number"),
        ("cam:http", "not a port number"),
        (":80", "has no host"),
        ("[fe80::1", "is not HOST[:PORT]"),
        ("[fe80::1]x", "is not HOST[:PORT]"),
    ],
)
def test_parse_target_rejects(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message.replace("[", r"\[")):
        parse_target(text)


def test_positive_float() -> None:
    assert positive_float("2.5") == 2.5
    for bad in ("0", "-1", "nan", "inf", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_float(bad)


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("probe", "snapshot", "listen", "talk", "decode", "decode-audio", "simulate"):
        assert command in out
    assert "exit codes:" in out
    assert main(["decode", "--help"]) == 0
    out = capsys.readouterr().out
    assert "the commands before the problem are printed first" in out
    assert "exit" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required: COMMAND"),
        (["fly"], "invalid choice"),
        (["probe"], "HOST[:PORT]"),
        (["probe", "cam", "--timeout", "0"], "must be a positive number"),
        (["snapshot", "cam"], "-o/--output"),
        (["listen", "cam", "-o", "x.wav", "--seconds", "x"], "is not a number"),
        (["decode"], "FILE"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_stray_arguments_are_named_but_values_are_not(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "cam", "--pasword", "Top-Secret"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --pasword and 1 other argument" in err
    assert "Top-Secret" not in err
    assert main(["probe", "cam", "a", "b"]) == 2
    assert "unrecognized arguments: 2 other arguments" in capsys.readouterr().err
    assert main(["probe", "cam", "--bogus"]) == 2
    assert capsys.readouterr().err.endswith("unrecognized arguments: --bogus\n")


def test_describe_error_covers_the_hierarchy() -> None:
    assert describe_error(AuthenticationError(9)) == (
        ExitCode.AUTH,
        "authentication failed: camera answered: result code 9",
    )
    assert describe_error(BSeriesError("odd")) == (ExitCode.FAILURE, "odd")
    assert describe_error(BSeriesError()) == (ExitCode.FAILURE, "BSeriesError")
    assert describe_error(ConnectionFailedError("cannot resolve x"))[0] == ExitCode.UNREACHABLE


def failing_decode(error: BaseException):
    def fail(files: object) -> int:
        raise error

    return fail


def test_unexpected_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(decode, "decode_files", failing_decode(RuntimeError("boom\nsecond line")))
    assert main(["decode", "x"]) == 1
    captured = capsys.readouterr()
    assert (
        captured.err == "bseries-ipcam: decode: unexpected error: RuntimeError: boom second line\n"
    )


def test_verbose_shows_the_traceback_of_unexpected_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "decode_files", failing_decode(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        main(["-v", "decode", "x"])


async def test_main_async_reports_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(decode, "decode_files", failing_decode(RuntimeError("boom")))
    assert await main_async(["decode", "x"]) == 1
    assert "unexpected error" in capsys.readouterr().err
    assert await main_async(["decode"]) == 2


def test_interrupted(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(decode, "decode_files", failing_decode(KeyboardInterrupt()))
    assert main(["decode", "x"]) == 130
    assert capsys.readouterr().err == "bseries-ipcam: decode: interrupted\n"


def test_broken_pipe_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(decode, "decode_files", failing_decode(BrokenPipeError()))
    assert main(["decode", "x"]) == 1
    assert capsys.readouterr().err == ""


# --- the installed entry point -------------------------------------------------------------------


def entry_point() -> Path:
    if not ENTRY_POINT.exists():
        pytest.skip(f"{ENTRY_POINT} is not installed (pip install -e .)")
    return ENTRY_POINT


def test_entry_point_decodes() -> None:
    path = capture("control/login_resp.bin")
    result = subprocess.run(
        [entry_point(), "decode", path], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    record = json.loads(result.stdout)
    assert (record["command"], record["camera_id"], record["firmware"]) == (
        "login_resp",
        "00626E4E72BF",
        "11.37.2.56",
    )


def test_entry_point_exit_code_for_malformed_input(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(KeepAlive().to_bytes() + b"junk")
    result = subprocess.run(
        [entry_point(), "decode", path], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stdout.count("\n") == 1
    assert result.stderr == (
        f"bseries-ipcam: decode: {path}: malformed input at byte offset 23: "
        "stream ends inside a command (4 bytes left over)\n"
    )


def test_entry_point_broken_pipe(tmp_path: Path) -> None:
    path = tmp_path / "many.bin"
    path.write_bytes(KeepAlive().to_bytes() * 5000)  # far more output than a pipe buffers
    with subprocess.Popen(
        [entry_point(), "decode", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline().startswith(b"{")
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 1
    assert err == b""  # no traceback, no "Exception ignored"


def test_python_dash_m(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = tmp_path / "k.bin"
    path.write_bytes(KeepAlive().to_bytes())
    monkeypatch.setattr(sys, "argv", ["bseries_cli", "decode", str(path)])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("bseries_cli", run_name="__main__")
    assert exit_.value.code == 0
    assert '"command": "keep_alive"' in capsys.readouterr().out


# --- simulate ------------------------------------------------------------------------------------


def test_simulate_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: bseries-ipcam simulate")
    assert "--port" in out
    assert "login-result N" in out  # the simulator's commands


def test_simulate_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--port", "x"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert main(["simulate", "--camera-id", "nothex"]) == 2
    assert "bad simulator option" in capsys.readouterr().err


def test_simulate_without_the_simulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "bseries_sim", None)
    assert main(["simulate"]) == 1
    assert "package bseries_sim) is not installed" in capsys.readouterr().err


def test_simulate_port_in_use(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["simulate", "--port", str(port), "--no-control-http"]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


async def test_simulate_in_process(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The simulator reads commands from stdin when it is a pipe: `quit` stops it.
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "r") as stdin, os.fdopen(write_fd, "w") as commands:
        monkeypatch.setattr(sys, "stdin", stdin)
        with socket.socket() as probe_port:
            probe_port.bind(("127.0.0.1", 0))
            port = probe_port.getsockname()[1]
        task = asyncio.create_task(
            main_async(["simulate", "--port", str(port), "--password", PASSWORD])
        )
        output = ""
        async with asyncio.timeout(10):
            while "listening on" not in output:
                await asyncio.sleep(0.02)
                output += capsys.readouterr().out
            assert await main_async(["probe", f"127.0.0.1:{port}", "-p", PASSWORD]) == 0
            commands.write("quit\n")
            commands.flush()
            assert await task == 0
    output += capsys.readouterr().out
    assert f"bseries-ipcam probe 127.0.0.1:{port} --user {USER} --password <password>" in output
    assert "00626E4E72BF" in output  # the probe's output
    assert "simulator stopped" in output


def test_simulate_via_the_entry_point(socket_enabled: None) -> None:
    with subprocess.Popen(
        [entry_point(), "simulate", "--port", "0", "--no-control-http"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "listening on 127.0.0.1:" in banner
        port = int(banner.split("127.0.0.1:")[1].split()[0])
        probe = subprocess.run(
            [entry_point(), "probe", f"127.0.0.1:{port}", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "BSERIES_PASSWORD": "secret"},  # the simulator's default
        )
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["camera_id"] == "00626E4E72BF"


def test_simulate_module_is_lazy() -> None:
    # Importing the CLI does not import the simulator.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bseries_cli.main; print('bseries_sim' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "False"
    assert simulate.COMMAND == "simulate"
