"""Process handling, configuration folders and onboarding state of devtools."""

from __future__ import annotations

import json
from pathlib import Path
import signal
import sys
import time

import pytest

from benchmarks.cli import CONFIGURATION as BENCH_CONFIGURATION
from benchmarks.recording import CONFIGURATION as RECORDING_BENCH_CONFIGURATION
from devtools import hass_server
from devtools.hass_server import (
    MEDIA_DIR_ENV,
    URL_ENV,
    HassProcess,
    onboarding_done,
    private_include_dir,
    seed_onboarding,
)
from devtools.processes import (
    REPO_ROOT,
    ManagedProcess,
    ManagedProcessError,
    child_environment,
    free_port,
    is_listening,
    port_is_free,
)


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (whoever reaps orphans may be slow)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_stop_kills_what_ignores_sigterm_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    process = ManagedProcess("stubborn", [sys.executable, "-c", script], log_path=tmp_path / "log")
    process.start()
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert process.running
    assert process.stop(timeout=0.5) == -signal.SIGKILL
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_stop_is_gentle_and_idempotent(tmp_path: Path) -> None:
    process = ManagedProcess(
        "reader",
        [sys.executable, "-c", "import sys; print(sys.stdin.readline().upper())"],
        log_path=tmp_path / "log",
    )
    assert process.stop() is None  # never started
    process.start()
    with pytest.raises(ManagedProcessError):
        process.start()
    process.send_line("hello")
    assert process.process is not None
    assert process.process.wait(10) == 0
    assert process.stop() == 0
    assert process.stop() == 0
    assert "HELLO" in (tmp_path / "log").read_text()
    with pytest.raises(ManagedProcessError):
        process.send_line("again")


def test_wait_listening_reports_an_early_exit(tmp_path: Path, socket_enabled: None) -> None:
    process = ManagedProcess("quitter", [sys.executable, "-c", "pass"], log_path=tmp_path / "l")
    process.start()
    with pytest.raises(ManagedProcessError, match="ended with status 0"):
        process.wait_listening(free_port(), timeout=10)
    process.stop()


def test_ports(socket_enabled: None) -> None:
    port = free_port()
    assert port_is_free(port)
    assert not is_listening(port)


def test_child_environment_drops_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COV_CORE_SOURCE", "x")
    monkeypatch.setenv("COVERAGE_PROCESS_START", "y")
    env = child_environment({"EXTRA": "1"})
    assert "COV_CORE_SOURCE" not in env
    assert "COVERAGE_PROCESS_START" not in env
    assert env["EXTRA"] == "1"


def test_private_include_dir_of_this_interpreter() -> None:
    include = private_include_dir()
    if include is not None:
        assert (include / f"python{sys.version_info.major}.{sys.version_info.minor}").is_dir()
        assert Path(sys.base_prefix) in include.parents


def test_prepare_makes_a_folder_ready(tmp_path: Path) -> None:
    hass = HassProcess(tmp_path / "config", 8999)
    hass.prepare()
    config = tmp_path / "config"
    assert (config / "configuration.yaml").read_text() == (
        REPO_ROOT / "config" / "configuration.yaml"
    ).read_text()
    assert (config / "custom_components").resolve() == (REPO_ROOT / "custom_components").resolve()
    assert (config / "automations.yaml").exists()
    assert hass.media_dir.is_dir()
    assert onboarding_done(config) == ["core_config"]
    assert not hass.onboarded()
    http = json.loads((config / ".storage" / "http").read_text())["data"]
    assert http["stable"]["server_host"] == ["127.0.0.1"]
    assert http["stable"]["server_port"] == 8999
    assert http["pending"] is None
    assert http["yaml_migration_done"] is True
    assert hass.env[URL_ENV] == "http://127.0.0.1:8999"
    assert hass.env[MEDIA_DIR_ENV] == str(config / "media")
    hass.prepare()  # again: nothing changes, nothing fails
    assert onboarding_done(config) == ["core_config"]


def test_prepare_refuses_a_configuration_that_may_leave_loopback(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text("http:\n  server_host: 0.0.0.0\n")
    with pytest.raises(ManagedProcessError, match="must not configure http"):
        HassProcess(tmp_path, 8999).prepare()


def test_prepare_refuses_a_configuration_whose_discovery_may_broadcast(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text("frontend:\n")
    with pytest.raises(ManagedProcessError, match="nothing run from here may broadcast"):
        HassProcess(tmp_path, 8999).prepare()


def test_prepare_keeps_a_real_custom_components_folder(tmp_path: Path) -> None:
    (tmp_path / "custom_components").mkdir()
    with pytest.raises(ManagedProcessError, match="not a link"):
        HassProcess(tmp_path, 8999).prepare()


def test_onboarding_seed_only_in_a_fresh_folder(tmp_path: Path) -> None:
    store = tmp_path / ".storage" / "onboarding"
    store.parent.mkdir()
    store.write_text(json.dumps({"version": 4, "data": {"done": ["user"]}}))
    seed_onboarding(tmp_path)
    assert onboarding_done(tmp_path) == ["user"]
    assert hass_server.ONBOARDING_STORAGE_VERSION == 4


@pytest.mark.parametrize("configuration", [BENCH_CONFIGURATION, RECORDING_BENCH_CONFIGURATION])
def test_benchmark_configurations_keep_the_search_on_loopback(
    tmp_path: Path, configuration: str
) -> None:
    (tmp_path / "configuration.yaml").write_text(configuration)
    HassProcess(tmp_path, 8999).prepare()  # refuses a configuration that may broadcast
    assert "\nbseries_ipcam:\n  discovery_addresses:\n    - 127.0.0.1:" in configuration


def test_log_lines_span_restarts_and_marks(tmp_path: Path, socket_enabled: None) -> None:
    """Home Assistant rolls its log over at each start: `log_lines` still sees every run."""
    hass = HassProcess(tmp_path / "config", free_port())
    # A stand-in for Home Assistant that logs one record as it does and ends.
    hass.args = [
        sys.executable,
        "-c",
        "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')",
        str(hass.log_file),
    ]
    hass.earlier_log_file.parent.mkdir(parents=True)
    hass.earlier_log_file.write_text("2026-01-01 00:00:00.000 ERROR (x) another server's\n")
    for run in ("first", "second"):
        hass.args[4:] = [f"2026-01-01 00:00:00.000 WARNING (MainThread) [t] {run} run"]
        if run == "second":
            mark = hass.log_mark()
        hass.start()
        assert hass.process is not None
        assert hass.process.wait(30) == 0
        hass.stop()
    lines = hass.log_lines("WARNING", "ERROR")
    assert [line.rsplit(" ", 2)[1] for line in lines] == ["first", "second"]
    assert [line.rsplit(" ", 2)[1] for line in hass.log_lines("WARNING", since=mark)] == ["second"]
