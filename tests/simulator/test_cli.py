"""The command line: parser, configuration, banner, serve, main and `python -m`."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
from pathlib import Path
import runpy
import signal
import sys

import pytest

from bseries_sim import CameraSimulator, cli
from bseries_sim.cli import banner, build_parser, config_from_args, main, serve
from bseries_sim.config import SimulatorConfig, SimUser
from custom_components.bseries_ipcam.protocol.const import Privilege
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify, LoginReq, LoginResp

from .conftest import RawClient, login, make_config


def test_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.host == "127.0.0.1"
    assert args.port == 0
    assert args.user == "admin"
    assert args.password == "secret"
    assert args.fps == 15.0
    assert args.control_http is True
    config = config_from_args(args)
    assert config.control_endpoints is True
    assert config.users["admin"].privilege is Privilege.ADMINISTRATOR
    assert config.frames is None


def test_parser_reused_as_subcommand(tmp_path: Path) -> None:
    top = argparse.ArgumentParser(prog="bseries-ipcam")
    sub = top.add_subparsers(dest="command")
    build_parser(sub.add_parser("simulate"))
    jpeg = tmp_path / "a.jpg"
    jpeg.write_bytes(b"\xff\xd8x\xff\xd9")
    args = top.parse_args(
        [
            "simulate",
            "--port",
            "8123",
            "--user",
            "bob",
            "--password",
            "pw",
            "--privilege",
            "visitor",
            "--camera-id",
            "00656e000001",
            "--fps",
            "5",
            "--width",
            "320",
            "--height",
            "240",
            "--jpeg",
            str(jpeg),
            "--jpeg",
            str(jpeg),
            "--tone",
            "1000",
            "--max-connections",
            "2",
            "--max-av-connections",
            "1",
            "--keepalive",
            "30",
            "--no-control-http",
            "--alias",
            "Porch",
            "--firmware",
            "11.37.2.49",
        ]
    )
    config = config_from_args(args)
    assert config.port == 8123
    assert config.users == {"bob": SimUser("pw", Privilege.VISITOR)}
    assert config.camera_id == "00656E000001"
    assert config.frames == [b"\xff\xd8x\xff\xd9"] * 2
    assert (config.width, config.height, config.fps) == (320, 240, 5.0)
    assert (config.max_connections, config.max_av_connections) == (2, 1)
    assert config.keepalive_interval == 30
    assert config.tone_hz == 1000
    assert not config.control_endpoints
    assert (config.alias, config.firmware) == ("Porch", "11.37.2.49")


async def test_banner() -> None:
    sim = CameraSimulator(SimulatorConfig(control_endpoints=True))
    text = banner(sim)
    assert "bseries-ipcam probe 127.0.0.1:0 --user admin --password secret" in text
    assert "/sim/alarm?type=motion" in text
    other = CameraSimulator(SimulatorConfig(users={"bob": SimUser("hidden1")}))
    text = banner(other)
    assert "hidden1" not in text
    assert "--user bob --password <password>" in text
    assert "/sim/" not in text


async def test_serve_reads_commands_from_a_pipe() -> None:
    read_fd, write_fd = os.pipe()
    out = io.StringIO()
    started: list[CameraSimulator] = []
    with os.fdopen(read_fd, "r") as stdin, os.fdopen(write_fd, "w") as feed:
        task = asyncio.create_task(
            serve(make_config(), stdin=stdin, out=out, on_started=started.append)
        )
        await asyncio.sleep(0.2)
        assert started
        sim = started[0]
        client, _, _ = await login(sim)
        feed.write("motion\n\nbogus\nquit\n")
        feed.flush()
        assert (await client.read_type(AlarmNotify)).alarm_type == 1
        async with asyncio.timeout(5):
            await task
        await client.close()
    text = out.getvalue()
    assert "listening on 127.0.0.1:" in text
    assert "alarm motion sent to 1 session(s)" in text
    assert "unknown command 'bogus'" in text
    assert text.endswith("simulator stopped\n")
    assert not sim.running


async def test_serve_until_stopped_without_stdin(tmp_path: Path) -> None:
    regular = tmp_path / "stdin.txt"
    regular.write_text("quit\n")
    out = io.StringIO()
    stop = asyncio.Event()
    with regular.open() as stdin:
        task = asyncio.create_task(serve(make_config(), stdin=stdin, out=out, stop=stop))
        await asyncio.sleep(0.1)
        assert not task.done()  # a regular file is not read for commands
        stop.set()
        async with asyncio.timeout(5):
            await task
    closed = io.StringIO()
    closed.close()
    assert not cli._readable_stream(closed)


async def test_serve_stops_on_sigterm() -> None:
    out = io.StringIO()
    task = asyncio.create_task(serve(make_config(), stdin=io.StringIO(), out=out))
    await asyncio.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(5):
        await task
    assert out.getvalue().endswith("simulator stopped\n")


def test_main(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[SimulatorConfig] = []

    async def fake_serve(config: SimulatorConfig) -> None:
        seen.append(config)

    monkeypatch.setattr(cli, "serve", fake_serve)
    assert main(["--port", "0", "-v"]) == 0
    assert seen[0].port == 0


def test_main_rejects_bad_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--camera-id", "nothex"]) == 2
    assert "camera_id" in capsys.readouterr().err
    assert main(["--jpeg", "/nonexistent/frame.jpg"]) == 2


def test_python_dash_m(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["bseries_sim", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("bseries_sim", run_name="__main__")
    assert exit_info.value.code == 0
    assert "--control-http" in capsys.readouterr().out


async def test_subprocess_runs_until_sigint() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bseries_sim",
        "--fps",
        "5",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        async with asyncio.timeout(20):
            line = (await process.stdout.readline()).decode()
            assert "listening on 127.0.0.1:" in line
            port = int(line.split("127.0.0.1:")[1].split()[0])
            sim_stub = CameraSimulator(SimulatorConfig(port=port))
            client = await RawClient.open(sim_stub)
            await client.send(LoginReq())
            assert (await client.read_type(LoginResp)).ok
            await client.close()
            process.send_signal(signal.SIGINT)
            output = await process.stdout.read()
            assert await process.wait() == 0
            assert b"simulator stopped" in output
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        process.stdin.close()


def test_dev_null_is_not_watched() -> None:
    # epoll refuses /dev/null (a character device that is not a terminal): reading commands from
    # it crashed the simulator's stdin reader when started in the background.
    with open(os.devnull, encoding="utf-8") as devnull:
        assert not cli._readable_stream(devnull)


async def test_python_dash_m_without_home_assistant() -> None:
    # Home Assistant is installed here, yet the simulator must not load it (nor the integration's
    # __init__): it starts faster and runs where Home Assistant is absent.
    repository = Path(__file__).parents[2]
    env = {**os.environ, "PYTHONPATH": str(repository)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import runpy, sys; sys.argv = ['bseries_sim', '--help']\n"
        "try:\n    runpy.run_module('bseries_sim', run_name='__main__')\n"
        "finally:\n    print('homeassistant' in sys.modules, file=sys.stderr)",
        env=env,
        cwd=repository,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert b"--control-http" in out
    assert err.strip() == b"False"


def test_persona_option() -> None:
    clone = config_from_args(build_parser().parse_args(["--persona", "clone"]))
    assert clone.alias_before_params
    assert clone.http_malformed_header
    assert clone.alias == "IPCamera"
    assert clone.camera_id == "00656E0A0B0C"
    named = config_from_args(build_parser().parse_args(["--persona", "clone", "--alias", "Hall"]))
    assert named.alias == "Hall"
    assert named.header_reserved == 0xAA
    plain = config_from_args(build_parser().parse_args(["--persona", "cgi-only"]))
    assert plain.ignore_decoder_op
    assert plain.ignore_param_set_op
    assert plain.alias == SimulatorConfig().alias
