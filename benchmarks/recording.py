"""Benchmark of recording and live audio in a real Home Assistant process.

- CPU seconds per recorded second: `bseries_ipcam.record` of a VGA 15 fps camera with sound, as
  Home Assistant's own CPU plus that of the ffmpeg it runs (counted when ffmpeg is reaped, as
  Home Assistant's children's time).
- HA CPU per second of live audio, with 1 and 5 listeners of the media source's live MP3 (each
  with its own ffmpeg; their CPU is counted the same way once they end).

Run: `scripts/bench --recording` (about a minute), or `python -m benchmarks.recording`.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from bseries_sim import CameraSimulator, SimulatorConfig
from devtools.hass_server import HassApi, HassProcess
from devtools.processes import REPO_ROOT, free_port

from .cli import CONFIGURATION as LIVE_CONFIGURATION
from .frames import plain_frames, render_frames
from .procfs import cpu_seconds

if TYPE_CHECKING:
    from collections.abc import Sequence

RESULTS_DIR: Final = REPO_ROOT / "benchmarks" / "results"
DEFAULT_JSON: Final = RESULTS_DIR / "recording.json"
OWNER: Final = {"name": "Benchmark", "username": "bench", "password": "bench-password-1"}
FPS: Final = 15.0
# The live benchmark's configuration, with a local media folder for the clips.
CONFIGURATION: Final = LIVE_CONFIGURATION.replace(
    "benchmarks/cli.py", "benchmarks/recording.py"
).replace(
    "  internal_url: !env_var BSERIES_HA_URL http://127.0.0.1:8123\n",
    "  internal_url: !env_var BSERIES_HA_URL http://127.0.0.1:8123\n"
    "  media_dirs:\n"
    "    local: !env_var BSERIES_HA_MEDIA_DIR /media\n",
)


def log(message: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def children_cpu_seconds(pid: int) -> float:
    """CPU time of the reaped children of `pid` (cutime + cstime)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Figures:
    """What one run measured."""

    record_seconds: float = 0.0
    record_cpu_per_second: float = 0.0
    record_ha_cpu_per_second: float = 0.0
    record_ffmpeg_cpu_per_second: float = 0.0
    audio_seconds: float = 0.0
    audio_cpu_per_second: dict[int, float] | None = None
    audio_ha_cpu_per_second: dict[int, float] | None = None
    idle_cpu_per_second: float = 0.0


async def _listen(session: aiohttp.ClientSession, url: str, seconds: float) -> int:
    received = 0
    async with session.get(url) as response:
        response.raise_for_status()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            chunk = await response.content.read(4096)
            if not chunk:
                break
            received += len(chunk)
    return received


async def _measure(
    pid: int, seconds: float, work: Any
) -> tuple[float, float, float]:  # (all, HA's threads, children)
    own, children = cpu_seconds(pid), children_cpu_seconds(pid)
    await work
    await asyncio.sleep(1.0)  # let HA reap its ffmpegs
    own_after, children_after = cpu_seconds(pid), children_cpu_seconds(pid)
    return (
        (own_after - own + children_after - children) / seconds,
        (own_after - own) / seconds,
        (children_after - children) / seconds,
    )


async def run(record_seconds: float, audio_seconds: float, listeners: Sequence[int]) -> Figures:
    """Start a simulator and Home Assistant, record, listen, stop everything."""
    # A configuration of its own, in a temporary folder (not in the tree that mypy and ruff see).
    hass_dir = Path(tempfile.mkdtemp(prefix="bseries-bench-recording-"))
    (hass_dir / "configuration.yaml").write_text(CONFIGURATION)
    frames = plain_frames(render_frames())
    sim = CameraSimulator(SimulatorConfig(fps=FPS, frames=frames, camera_id="00626E0BEC01"))
    await sim.start()
    hass = HassProcess(hass_dir, free_port())
    figures = Figures(record_seconds=record_seconds, audio_seconds=audio_seconds)
    try:
        hass.start()
        assert hass.pid is not None
        pid = hass.pid
        async with HassApi(hass.url) as api:
            await api.wait_for_http(onboarded=False, alive=lambda: hass.running)
            await api.sign_in(**OWNER)
            await api.wait_until_running()
            entry_id = await api.add_camera(sim.port, "admin", "secret")
            ids = await api.entity_ids("bseries_ipcam")
            camera = next(e for e in ids.values() if e.startswith("camera."))
            await api.wait_for_state(camera, lambda s: s not in {None, "unavailable", "unknown"})
            await asyncio.sleep(2)
            figures.idle_cpu_per_second, _, _ = await _measure(pid, 5, asyncio.sleep(5))

            log(f"recording {record_seconds:g} s")
            clip = hass.media_dir / "bench.mp4"
            figures.record_cpu_per_second, ha, ffmpeg = await _measure(
                pid,
                record_seconds,
                api.request(
                    "POST",
                    "/api/services/bseries_ipcam/record",
                    json_data={
                        "entity_id": camera,
                        "filename": str(clip),
                        "duration": record_seconds,
                    },
                ),
            )
            figures.record_ha_cpu_per_second = ha
            figures.record_ffmpeg_cpu_per_second = ffmpeg
            await asyncio.sleep(16)  # video stops after its idle period

            resolved = await api.ws_command(
                "media_source/resolve_media",
                media_content_id=f"media-source://bseries_ipcam/{entry_id}/live_audio",
            )
            url = f"{hass.url}{resolved['url']}"
            figures.audio_cpu_per_second = {}
            figures.audio_ha_cpu_per_second = {}
            async with aiohttp.ClientSession() as session:
                for count in listeners:
                    log(f"live audio, {count} listener(s), {audio_seconds:g} s")
                    work = asyncio.gather(
                        *(_listen(session, url, audio_seconds) for _ in range(count))
                    )
                    total, ha, _ = await _measure(pid, audio_seconds, work)
                    figures.audio_cpu_per_second[count] = total
                    figures.audio_ha_cpu_per_second[count] = ha
                    await asyncio.sleep(7)  # audio stops 5 s after the last listener
    finally:
        hass.stop()
        await sim.stop()
        shutil.rmtree(hass_dir, ignore_errors=True)
    return figures


def markdown(figures: Figures) -> str:
    """The figures as a table."""
    rows = [
        "| Figure | Value |",
        "| --- | --- |",
        f"| Idle HA CPU (s per s), camera connected | {figures.idle_cpu_per_second:.4f} |",
        (
            "| CPU s per recorded s, VGA 15 fps + sound (HA + ffmpeg) "
            f"| {figures.record_cpu_per_second:.3f} |"
        ),
        f"| ... of which ffmpeg (H.264 + AAC) | {figures.record_ffmpeg_cpu_per_second:.3f} |",
        f"| ... of which HA itself | {figures.record_ha_cpu_per_second:.3f} |",
    ]
    for count, value in (figures.audio_cpu_per_second or {}).items():
        ha = (figures.audio_ha_cpu_per_second or {})[count]
        rows.append(
            f"| CPU s per s of live audio, {count} listener(s) (HA + ffmpeg / HA alone) "
            f"| {value:.4f} / {ha:.4f} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the recording and live audio benchmark."""
    parser = argparse.ArgumentParser(prog="scripts/bench --recording", description=__doc__)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--record-seconds", type=float, default=20.0)
    parser.add_argument("--audio-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.record_seconds, args.audio_seconds, (1, 5)))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")
    sys.stdout.write(markdown(figures))
    log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
