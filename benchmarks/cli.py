"""Command line of the benchmarks: codec figures, then the live comparisons in a real `hass`."""

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

from . import codec, live, procfs, report
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
# While ours are set up, the cameras answer each control request this late (a camera on a busy
# Wi-Fi is no quicker): a flow and a setup log in twice, four answers, about 1 s per entry.
ANSWER_DELAY: Final = 0.25

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
# The integration's network search goes to loopback only: nothing run from here broadcasts.
bseries_ipcam:
  discovery_addresses:
    - 127.0.0.1:10000

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


async def _flow(api: HassApi, kind: live.EntityKind, fps: float, sim: BenchSimulator) -> str:
    """One config flow to its entry: the entry id."""
    flow = await api.start_flow("bseries_ipcam" if kind == "ours" else "mjpeg")
    if kind == "ours":
        user_input: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": sim.port,
            "username": SIM_USER,
            "password": SIM_PASSWORD,
        }
    else:
        base = f"http://127.0.0.1:{sim.port}"
        credentials = f"user={SIM_USER}&pwd={SIM_PASSWORD}"
        user_input = {
            "name": f"mjpeg {sim.port}",
            "mjpeg_url": f"{base}/videostream.cgi?{credentials}",
            "still_image_url": f"{base}/snapshot.cgi?{credentials}",
            "password": "",
            "verify_ssl": False,
        }
    result = await api.flow_step(flow["flow_id"], user_input)
    if result.get("type") != "create_entry":
        raise RuntimeError(f"the {kind} config flow did not create an entry: {result}")
    entry_id: str = result["result"]["entry_id"]
    return entry_id


async def _timed_entry(
    api: HassApi, kind: live.EntityKind, fps: float, sim: BenchSimulator
) -> tuple[str, float]:
    """One entry added and set up: its id and the seconds from the flow's start to `loaded`."""
    start = time.monotonic()
    entry_id = await _flow(api, kind, fps, sim)
    domain = "bseries_ipcam" if kind == "ours" else "mjpeg"
    deadline = start + 60
    while True:
        states = {e["entry_id"]: e["state"] for e in await api.config_entries(domain)}
        if states.get(entry_id) == "loaded":
            return entry_id, time.monotonic() - start
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {kind} entry {entry_id} is {states.get(entry_id)!r}")
        await asyncio.sleep(0.02)


async def _camera_entities(api: HassApi, entries: list[str]) -> dict[str, str]:
    """Entry id -> its camera entity, once every entry has one with a state."""
    deadline = time.monotonic() + 30
    while True:
        registry = await api.ws_command("config/entity_registry/list")
        by_entry = {
            e["config_entry_id"]: e["entity_id"]
            for e in registry
            if e["entity_id"].startswith("camera.")
        }
        if all(entry in by_entry for entry in entries):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the camera entities did not appear")
        await asyncio.sleep(0.2)
    for entry in entries:
        await api.wait_for_state(
            by_entry[entry], lambda s: s not in {None, "unavailable", "unknown"}
        )
    return {entry: by_entry[entry] for entry in entries}


async def _add_entries(
    api: HassApi, pid: int, kind: live.EntityKind, sims: Sequence[BenchSimulator]
) -> tuple[list[live.Target], live.SetupFigures]:
    """One entry of `kind` per simulator, all flows at once: the targets and how setup went.

    For ours, every camera answers each control request `ANSWER_DELAY` late meanwhile, so that
    entries set up one after another would show at once (16 x the time of one).
    """
    rss_before = procfs.rss_bytes(pid)
    delay = ANSWER_DELAY if kind == "ours" else 0.0
    for sim in sims:
        sim.sim.set_response_delay(delay)
    start = time.monotonic()
    try:
        timed = await asyncio.gather(*(_timed_entry(api, kind, sim.fps, sim) for sim in sims))
    finally:
        for sim in sims:
            sim.sim.set_response_delay(0)
    seconds = time.monotonic() - start
    entities = await _camera_entities(api, [entry for entry, _ in timed])
    targets = [
        live.Target(kind, sim.fps, entities[entry], sim)
        for (entry, _), sim in zip(timed, sims, strict=True)
    ]
    figures = live.SetupFigures(
        kind=kind,
        entries=len(sims),
        answer_delay=delay,
        seconds=seconds,
        entry_seconds=[s for _, s in timed],
        rss_before_mb=rss_before / 1e6,
        rss_after_mb=procfs.rss_bytes(pid) / 1e6,
    )
    log(
        f"{kind}: {len(sims)} entries set up in {seconds:.2f} s "
        f"(each {min(figures.entry_seconds):.2f}-{max(figures.entry_seconds):.2f} s), "
        f"RSS {figures.rss_before_mb:.1f} -> {figures.rss_after_mb:.1f} MB"
    )
    return targets, figures


async def run_live(
    frames: Sequence[StampableJpeg],
    settings: live.Settings,
    profile_dir: Path | None = None,
    profiler: str = "py-spy",
) -> dict[str, Any]:
    """Start the simulators and Home Assistant, run every phase, stop everything."""
    if HASS_DIR.exists():
        shutil.rmtree(HASS_DIR)
    HASS_DIR.mkdir(parents=True)
    (HASS_DIR / "configuration.yaml").write_text(CONFIGURATION)
    sims = [BenchSimulator(frames, fps, camera_id=f"00626E0B{int(fps):04d}") for fps in RATES]
    scale_count = max(settings.scale_cameras, default=0)
    scale_sims = [
        BenchSimulator(frames, settings.scale_fps, camera_id=f"00626E0C{n:04d}")
        for n in range(scale_count)
    ]
    for sim in (*sims, *scale_sims):
        await sim.start()
    hass = HassProcess(HASS_DIR, free_port())
    started = time.monotonic()
    setups: list[live.SetupFigures] = []
    try:
        hass.start()
        pid = hass.pid
        assert pid is not None
        async with HassApi(hass.url) as api:
            await api.wait_for_http(onboarded=False, alive=lambda: hass.running)
            await api.sign_in(**OWNER)
            token = await api.create_long_lived_token("benchmark")
            await api.wait_until_running()
            log(f"Home Assistant up in {time.monotonic() - started:.0f} s (pid {pid})")
            targets: list[live.Target] = []
            kinds: tuple[live.EntityKind, ...] = ("ours", "mjpeg")
            # One entry at a time first: each one's setup time alone.
            for sim in sims:
                for kind in kinds:
                    added, figures = await _add_entries(api, pid, kind, [sim])
                    targets += added
                    setups.append(figures)
            log("entities: " + ", ".join(f"{t.kind} {t.fps:g} fps {t.entity_id}" for t in targets))
            scale_targets: list[live.Target] = []
            if scale_sims:
                for kind in kinds:
                    added, figures = await _add_entries(api, pid, kind, scale_sims)
                    scale_targets += added
                    setups.append(figures)
            bench = live.LiveBench(
                pid=pid,
                base_url=hass.url,
                token=token,
                targets=targets,
                scale_targets=scale_targets,
                settings=settings,
                log=log,
                credentials=(SIM_USER, SIM_PASSWORD),
                profile_dir=profile_dir,
                profiler=profiler,
            )
            bench.results.setups = setups
            results = await bench.run()
            errors = hass.log_lines("ERROR", "CRITICAL")
            if errors:
                results.notes.append(
                    f"Home Assistant logged {len(errors)} error line(s); see {hass.log_file}"
                )
    finally:
        hass.stop()
        for sim in (*sims, *scale_sims):
            await sim.stop()
    return results.as_dict()


def _counts(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split(",") if n)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    defaults = live.Settings()
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Codec throughput, then bseries_ipcam's camera entity against Home Assistant's mjpeg "
            "integration and a bare relay (the floor), interleaved, in a real Home Assistant "
            "process; then 1..16 cameras in one Home Assistant. Prints markdown tables and writes "
            "the figures as JSON."
        ),
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the figures (%(default)s)"
    )
    parser.add_argument("--codec-only", action="store_true", help="skip Home Assistant")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="run nothing: print the tables of the figures in JSON (a run's --json file)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "shorter: 3 rounds of 3 s windows (about half the run time; the ratios then vary by "
            "about 0.1 from run to run instead of 0.05)"
        ),
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=defaults.rounds,
        help="rounds per (rate, viewers) cell, one phase of each kind per round (%(default)s)",
    )
    parser.add_argument(
        "--measure",
        type=float,
        default=defaults.measure,
        help="measured seconds per phase (%(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=defaults.warmup,
        help="seconds per phase before measuring (%(default)s)",
    )
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=defaults.stall_seconds,
        help="how long the stalled viewer stays, per integration (%(default)s)",
    )
    parser.add_argument(
        "--cold-rounds",
        type=int,
        default=defaults.cold_rounds,
        help="cold still rounds, two samples per integration each (%(default)s)",
    )
    parser.add_argument(
        "--viewers",
        type=_counts,
        default=defaults.viewer_counts,
        help="viewer counts, comma-separated (%(default)s)",
    )
    parser.add_argument(
        "--scale",
        type=_counts,
        default=defaults.scale_cameras,
        help="camera counts of the scale part, comma-separated; '' skips it (%(default)s)",
    )
    parser.add_argument(
        "--scale-rounds",
        type=int,
        default=defaults.scale_rounds,
        help="rounds of the scale part (%(default)s)",
    )
    parser.add_argument(
        "--thumbnails-only",
        action="store_true",
        help="only the dashboard thumbnails (about 3 minutes with Home Assistant's start)",
    )
    parser.add_argument(
        "--thumb-rounds",
        type=int,
        default=defaults.thumb_rounds,
        help="rounds of dashboard thumbnails, a block of stills per integration each (%(default)s)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample every measured window into DIR (slows what it measures)",
    )
    parser.add_argument(
        "--profiler",
        choices=("py-spy", "perf"),
        default="py-spy",
        help="py-spy: Python stacks; perf: kernel and native code too (%(default)s)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in live.QUICK.items():
            if getattr(args, name) == getattr(defaults, name):
                setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; 0 when they ran (whether or not the targets hold)."""
    # Recording and live audio, the H.264 stream and the card's sound have benchmarks of their
    # own (benchmarks/recording.py, stream.py, listen.py).
    rest = list(sys.argv[1:] if argv is None else argv)
    if "--recording" in rest:
        from . import recording  # noqa: PLC0415 - only for this benchmark

        return recording.main([arg for arg in rest if arg != "--recording"])
    if "--stream" in rest:
        from . import stream  # noqa: PLC0415 - only for this benchmark

        return stream.main([arg for arg in rest if arg != "--stream"])
    if "--listen" in rest:
        from . import listen  # noqa: PLC0415 - only for this benchmark

        return listen.main([arg for arg in rest if arg != "--listen"])
    args = parse_args(argv)
    if args.report is not None:
        saved: dict[str, Any] = json.loads(args.report.read_text())
        if "live" in saved:
            saved["targets"] = report.targets(saved["live"])
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.write(report.markdown(saved))
        return 0
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
            rounds=args.rounds,
            warmup=args.warmup,
            measure=args.measure,
            stall_seconds=args.stall_seconds,
            cold_rounds=args.cold_rounds,
            scale_cameras=() if args.thumbnails_only else args.scale,
            scale_rounds=args.scale_rounds,
            thumb_rounds=args.thumb_rounds,
            thumbnails_only=args.thumbnails_only,
        )
        results["live"] = asyncio.run(run_live(frames, settings, args.profile, args.profiler))
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
