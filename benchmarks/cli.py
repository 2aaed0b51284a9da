"""Command line of the benchmarks: codec figures, then the live comparison in a real `hass`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import asdict
import datetime as dt
import json
import os
from pathlib import Path
import platform
import shutil
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.hass_server import HassApi, HassProcess
from devtools.processes import REPO_ROOT, free_port

from . import codec, live, report
from .frames import render_frames
from .simulators import BenchSimulator

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .frames import StampableJpeg

RESULTS_DIR: Final = REPO_ROOT / "benchmarks" / "results"
DEFAULT_JSON: Final = RESULTS_DIR / "latest.json"
HASS_DIR: Final = RESULTS_DIR / "hass"
RATES: Final = (15.0, 30.0)  # 30 fps: the simulated camera's "full speed"
OWNER: Final = {"name": "Benchmark", "username": "bench", "password": "bench-password-1"}
SIM_USER: Final = "admin"
SIM_PASSWORD: Final = "secret"  # the simulator's documented default

# Only what the benchmark needs: no recorder, history or frontend adding work of their own.
CONFIGURATION: Final = """\
# Written by benchmarks/cli.py for one benchmark run.
homeassistant:
  name: Benchmark
  unit_system: metric
  time_zone: UTC
  latitude: 0
  longitude: 0
  elevation: 0
  country: US
  currency: USD
  internal_url: !env_var BSERIES_HA_URL http://127.0.0.1:8123

# No http: section: devtools pins 127.0.0.1 and the port in Home Assistant's storage.
config:
api:
websocket_api:
onboarding:
camera:
ffmpeg:
media_source:

logger:
  default: warning
"""


def log(message: str) -> None:
    """Progress on stderr (stdout carries the table)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except OSError, subprocess.CalledProcessError:
        return "unknown"
    return out + ("+changes" if dirty else "")


def _ha_version() -> str:
    from homeassistant.const import __version__  # noqa: PLC0415 - only for the report

    return __version__


async def _add_entities(api: HassApi, sims: dict[float, BenchSimulator]) -> list[live.Target]:
    """One bseries_ipcam and one mjpeg entry per simulator, set up through config flows."""
    targets: list[live.Target] = []
    registry_wanted: list[tuple[live.Kind, str, float, BenchSimulator]] = []
    for fps, sim in sims.items():
        flow = await api.start_flow("bseries_ipcam")
        ours = await api.flow_step(
            flow["flow_id"],
            {"host": "127.0.0.1", "port": sim.port, "username": SIM_USER, "password": SIM_PASSWORD},
        )
        base = f"http://127.0.0.1:{sim.port}"
        credentials = f"user={SIM_USER}&pwd={SIM_PASSWORD}"
        flow = await api.start_flow("mjpeg")
        theirs = await api.flow_step(
            flow["flow_id"],
            {
                "name": f"mjpeg {fps:g} fps",
                "mjpeg_url": f"{base}/videostream.cgi?{credentials}",
                "still_image_url": f"{base}/snapshot.cgi?{credentials}",
                "password": "",
                "verify_ssl": False,
            },
        )
        results: tuple[tuple[live.Kind, dict[str, Any]], ...] = (("ours", ours), ("mjpeg", theirs))
        for kind, result in results:
            if result.get("type") != "create_entry":
                raise RuntimeError(f"the {kind} config flow did not create an entry: {result}")
            registry_wanted.append((kind, result["result"]["entry_id"], fps, sim))
    deadline = time.monotonic() + 30
    while True:
        entities = await api.ws_command("config/entity_registry/list")
        by_entry = {
            e["config_entry_id"]: e["entity_id"]
            for e in entities
            if e["entity_id"].startswith("camera.")
        }
        if all(entry in by_entry for _, entry, _, _ in registry_wanted):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the camera entities did not appear")
        await asyncio.sleep(0.2)
    for kind, entry, fps, sim in registry_wanted:
        entity_id = by_entry[entry]
        await api.wait_for_state(entity_id, lambda s: s not in {None, "unavailable", "unknown"})
        targets.append(live.Target(kind, fps, entity_id, sim))
    return targets


async def run_live(frames: Sequence[StampableJpeg], settings: live.Settings) -> dict[str, Any]:
    """Start the simulators and Home Assistant, run every phase, stop everything."""
    if HASS_DIR.exists():
        shutil.rmtree(HASS_DIR)
    HASS_DIR.mkdir(parents=True)
    (HASS_DIR / "configuration.yaml").write_text(CONFIGURATION)
    sims = {fps: BenchSimulator(frames, fps, camera_id=f"00626E0B{int(fps):04d}") for fps in RATES}
    for sim in sims.values():
        await sim.start()
    hass = HassProcess(HASS_DIR, free_port())
    started = time.monotonic()
    try:
        hass.start()
        assert hass.pid is not None
        async with HassApi(hass.url) as api:
            await api.wait_for_http(onboarded=False, alive=lambda: hass.running)
            await api.sign_in(**OWNER)
            token = await api.create_long_lived_token("benchmark")
            await api.wait_until_running()
            log(f"Home Assistant up in {time.monotonic() - started:.0f} s (pid {hass.pid})")
            targets = await _add_entities(api, sims)
            log("entities: " + ", ".join(f"{t.kind} {t.fps:g} fps {t.entity_id}" for t in targets))
            bench = live.LiveBench(
                pid=hass.pid,
                base_url=hass.url,
                token=token,
                targets=targets,
                settings=settings,
                log=log,
            )
            results = await bench.run()
            errors = hass.log_lines("ERROR", "CRITICAL")
            if errors:
                results.notes.append(
                    f"Home Assistant logged {len(errors)} error line(s); see {hass.log_file}"
                )
    finally:
        hass.stop()
        for sim in sims.values():
            await sim.stop()
    return results.as_dict()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Codec throughput, then bseries_ipcam's camera entity against Home Assistant's mjpeg "
            "integration in a real Home Assistant process. Prints a markdown table and writes the "
            "figures as JSON."
        ),
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the figures (%(default)s)"
    )
    parser.add_argument("--codec-only", action="store_true", help="skip Home Assistant")
    parser.add_argument(
        "--measure", type=float, default=8.0, help="seconds per streaming phase (%(default)s)"
    )
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=120.0,
        help="how long the stalled viewer stays, per integration (%(default)s)",
    )
    parser.add_argument(
        "--cold-rounds",
        type=int,
        default=3,
        help="cold still rounds (two samples per integration each; a round waits for the idle stop) (%(default)s)",
    )
    parser.add_argument(
        "--viewers",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=(1, 5, 20),
        help="viewer counts, comma-separated (%(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; 0 when they ran (whether or not the targets hold)."""
    # Recording and live audio have a benchmark of their own (benchmarks/recording.py).
    rest = list(sys.argv[1:] if argv is None else argv)
    if "--recording" in rest:
        from . import recording  # noqa: PLC0415 - only for this benchmark

        return recording.main([arg for arg in rest if arg != "--recording"])
    args = parse_args(argv)
    started = time.monotonic()
    load_before = list(os.getloadavg())
    frames = render_frames()
    log(f"{len(frames)} VGA JPEGs, {min(map(len, frames))}-{max(map(len, frames))} bytes")
    codec_results = codec.run([frame.stamped(0) for frame in frames])
    log("codec done")
    results: dict[str, Any] = {"codec": asdict(codec_results)}
    if not args.codec_only:
        settings = live.Settings(
            viewer_counts=args.viewers,
            measure=args.measure,
            stall_seconds=args.stall_seconds,
            cold_rounds=args.cold_rounds,
        )
        results["live"] = asyncio.run(run_live(frames, settings))
        results["targets"] = report.targets(results["live"])
    results["meta"] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "homeassistant": _ha_version(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
        "load_before": load_before,
        "load_after": list(os.getloadavg()),
        "seconds": time.monotonic() - started,
        "source_rates": list(RATES),
        "full_speed_note": "30 fps is taken as the camera's full speed",
        "frames": len(frames),
        "frame_bytes": [min(map(len, frames)), max(map(len, frames))],
    }
    table = report.markdown(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.write(table)
    log(f"figures written to {args.json}")
    return 0
