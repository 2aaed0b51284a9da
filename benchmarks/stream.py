"""Benchmark of the H.264 stream (`h264_stream`): ours against the recipe owners use today.

- CPU per second of VGA 15 fps video: ours = the integration's encoder (its ffmpeg and the
  Python side that feeds it: the shared feeds, the Matroska writer, the TS fan-out, in this
  process) against the recipe = ffmpeg reading the camera's `videostream.cgi` and encoding with
  the same settings (libx264 veryfast, zerolatency, no B-frames, a key frame a second, MPEG-TS).
  Ours also encodes the camera's sound (AAC); the recipe cannot (videostream.cgi has no sound).
  Rounds are interleaved; the simulated camera runs in a process of its own (not counted).
- 1, 3 and 6 readers of the one encoder: CPU, encoder starts and camera connections.
- Time from the first reader to its first TS packet, and from the last reader's leaving to
  ffmpeg's exit (idle period + stop).

Run: `scripts/bench --stream` (about two minutes), or `python -m benchmarks.stream`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import resource
import shutil
import statistics
import sys
import time
from typing import TYPE_CHECKING, Any, Final

from custom_components.bseries_ipcam.media.audio_feed import AudioFeed
from custom_components.bseries_ipcam.media.encoder import H264Encoder
from custom_components.bseries_ipcam.media.feed import VideoFeed
from custom_components.bseries_ipcam.protocol import CameraClient
from devtools.processes import REPO_ROOT, free_port
from devtools.simulator import SimulatorProcess

if TYPE_CHECKING:
    from collections.abc import Sequence

DEFAULT_JSON: Final = REPO_ROOT / "benchmarks" / "results" / "stream.json"
IDLE: Final = 2.0


def log(message: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def ours(sim: SimulatorProcess, seconds: float, readers: int) -> dict[str, float]:
    """One encoder read by `readers` readers for `seconds`; CPU shares of one core."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    async with CameraClient("127.0.0.1", sim.port, sim.user, sim.password) as camera:
        video = VideoFeed(lambda: camera, idle_timeout=IDLE)
        audio = AudioFeed(lambda: camera, idle_timeout=IDLE)
        encoder = H264Encoder(ffmpeg, video, audio, idle_timeout=IDLE)
        received = [0] * readers
        first = asyncio.Event()

        def reader(index: int) -> Any:
            def write(data: bytes | None) -> None:
                if data is not None:
                    received[index] += len(data)
                    first.set()

            return write

        opened = time.monotonic()
        closes = [encoder.open_reader(reader(0))]
        await first.wait()
        first_packet = time.monotonic() - opened
        closes += [encoder.open_reader(reader(i)) for i in range(1, readers)]
        await asyncio.sleep(1.0)
        children, own, started = _children(), _self(), time.monotonic()
        await asyncio.sleep(seconds)
        own_cpu = _self() - own
        for close in closes:
            close()
        left = time.monotonic()
        while encoder.running:  # noqa: ASYNC110 - the benchmark polls the encoder's state
            await asyncio.sleep(0.05)
        stopped_after = time.monotonic() - left
        elapsed = left - started
        await encoder.close()
        encoder_cpu = _children() - children  # ffmpeg, counted once reaped
        await video.close()
        await audio.close()
        return {
            "ffmpeg": encoder_cpu / elapsed,
            "python": own_cpu / elapsed,
            "total": (encoder_cpu + own_cpu) / elapsed,
            "first_packet_s": first_packet,
            "stopped_after_s": stopped_after,
            "starts": float(encoder.starts),
            "mbit_per_s": sum(received) / readers * 8 / 1e6 / seconds,
        }


async def recipe(sim: SimulatorProcess, seconds: float) -> dict[str, float]:
    """Ffmpeg on the camera's videostream.cgi with the same encoder settings."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    url = f"{sim.url}/videostream.cgi?user={sim.user}&pwd={sim.password}"
    children = _children()
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-i", url),
        *("-t", str(seconds + 1.0), "-c:v", "libx264", "-preset", "veryfast"),
        *("-tune", "zerolatency", "-bf", "0", "-pix_fmt", "yuv420p"),
        *("-force_key_frames", "expr:gte(t,n_forced)", "-f", "mpegts", "-y", os.devnull),
    )
    await process.wait()
    elapsed = time.monotonic() - started
    return {"total": (_children() - children) / elapsed}


async def run(seconds: float, rounds: int) -> dict[str, Any]:
    """Interleaved rounds of ours and the recipe, then 1, 3 and 6 readers."""
    port = free_port()
    sim = SimulatorProcess(port)
    sim.start()
    try:
        pairs = []
        for number in range(rounds):
            mine = await ours(sim, seconds, 1)
            theirs = await recipe(sim, seconds)
            pairs.append((mine, theirs))
            log(f"round {number + 1}: ours {mine['total']:.3f}, recipe {theirs['total']:.3f} core")
        readers = {}
        for count in (1, 3, 6):
            readers[count] = await ours(sim, seconds, count)
            log(f"{count} readers: {readers[count]['total']:.3f} core")
    finally:
        sim.stop()
    ratios = [mine["total"] / theirs["total"] for mine, theirs in pairs]
    return {
        "seconds": seconds,
        "rounds": [{"ours": mine, "recipe": theirs} for mine, theirs in pairs],
        "ratio_median": statistics.median(ratios),
        "readers": readers,
        "idle_s": IDLE,
    }


def markdown(results: dict[str, Any]) -> str:
    """The figures as tables."""
    rounds = results["rounds"]
    ours_total = statistics.median(r["ours"]["total"] for r in rounds)
    ours_ffmpeg = statistics.median(r["ours"]["ffmpeg"] for r in rounds)
    ours_python = statistics.median(r["ours"]["python"] for r in rounds)
    recipe_total = statistics.median(r["recipe"]["total"] for r in rounds)
    lines = [
        "| VGA 15 fps, libx264 | CPU (share of one core) |",
        "| --- | --- |",
        f"| ours: encoder ffmpeg (H.264 + AAC) | {ours_ffmpeg:.3f} |",
        f"| ours: integration side (feeds, Matroska, TS fan-out) | {ours_python:.3f} |",
        f"| ours: total | {ours_total:.3f} |",
        f"| recipe: ffmpeg on videostream.cgi (H.264 only) | {recipe_total:.3f} |",
        f"| ours / recipe (median of {len(rounds)} rounds) | {results['ratio_median']:.2f} |",
        "",
        "| readers | CPU total | encoder starts | first TS packet (s) | stopped after last reader (s) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for count, figures in results["readers"].items():
        lines.append(
            f"| {count} | {figures['total']:.3f} | {figures['starts']:.0f} "
            f"| {figures['first_packet_s']:.2f} | {figures['stopped_after_s']:.2f} "
            f"(idle {results['idle_s']:.0f}) |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="scripts/bench --stream", description=__doc__)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.seconds, args.rounds))
    results["load_after"] = list(os.getloadavg())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
