"""Benchmark of the H.264 stream (`h264_stream`): ours against the recipe owners use today.

- CPU per second of VGA 15 fps video: ours = the integration's encoder (its ffmpeg and the
  Python side that feeds it: the camera connection, the shared feeds, the Matroska writer, the
  TS fan-out, in this process) against the recipe = ffmpeg reading the camera's
  `videostream.cgi` and encoding with the same settings (libx264 veryfast, zerolatency, no
  B-frames, a key frame a second of real time, MPEG-TS), converted to `yuv420p` and with
  ffmpeg's own threads as go2rtc's `#video=h264` and HomeKit's command do. Ours differs in two
  choices of its own (encoder.py): the picture stays in the JPEGs' full range, and libx264 runs
  one thread. So that nobody mistakes them for the gain of the rest, the recipe is also run with
  those two choices ("recipe, tuned"). Like with like: ours video only (as a camera without
  microphone) against the recipe (videostream.cgi has no sound); and ours with the sound (AAC)
  as the option runs it. Rounds are interleaved, their order turning; the simulated camera runs
  in a process of its own (counted on neither side).
- Added latency, camera frame -> TS packet out: for each frame, from its arrival in the video
  feed (`FeedFrame.received_at`) to the moment a reader receives the TS packet that starts its
  PES, matched by time (the PES's PTS minus the first one is the frame's stream time, from
  `H264Encoder.stream_origin`), p50 and p99 over every frame of the rounds.
- 1, 3 and 6 readers of the one encoder: CPU, encoder starts; first TS packet; from the last
  reader's leaving to ffmpeg's exit (idle period + stop).
- With `--hass` (default on): the same in a real Home Assistant (`stream_hass.py`): time to the
  first HLS segment, the encoder's stop after its last reader, 1/3/6 readers of mixed kinds.

Run: `scripts/bench --stream` (about five minutes), or `python -m benchmarks.stream --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import shutil
import statistics
import sys
import time
from typing import TYPE_CHECKING, Any, Final

from custom_components.bseries_ipcam.media.audio_feed import AudioFeed
from custom_components.bseries_ipcam.media.encoder import PIXEL_FORMAT, H264Encoder
from custom_components.bseries_ipcam.media.feed import FeedFrame, VideoFeed
from custom_components.bseries_ipcam.media.mpegts import PACKET, pes_start, pts_after
from custom_components.bseries_ipcam.media.timeline import WRAP
from custom_components.bseries_ipcam.protocol import CameraClient
from devtools.processes import REPO_ROOT, free_port
from devtools.simulator import SimulatorProcess

from .procfs import cpu_seconds
from .stream_hass import children

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULT_JSON: Final = REPO_ROOT / "benchmarks" / "results" / "stream.json"
IDLE: Final = 2.0
# 90 kHz PTS ticks per 10 ms timeline tick.
PTS_PER_TICK: Final = 900


def log(message: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _self() -> float:
    return cpu_seconds(os.getpid())


def encoder_processes() -> list[int]:
    """The pids of this process's children that run libx264 (the encoder's ffmpeg)."""
    return [pid for pid, cmd in children(os.getpid()).items() if "libx264" in cmd]


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0-1) percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return float(ordered[index])


class LatencyProbe:
    """Frame arrival in the feed -> its TS packet at a reader, per frame (seconds).

    The encoder takes every frame of the feed from its run's first one (the frame at
    `stream_origin`) on, and gives one video PES per frame, in order: the n-th PES a reader
    gets from the run's start is the n-th frame from the origin. The PES's PTS is checked
    against the frame's time (within a tick) to count mismatches.
    """

    def __init__(self, encoder: H264Encoder) -> None:
        """Measure `encoder`'s frames; `seen` goes on its video feed, `reader` is a reader."""
        self.encoder = encoder
        self.loop = asyncio.get_running_loop()
        self.arrivals: list[tuple[int, float]] = []
        self.first: int | None = None
        self.first_pts: int | None = None
        self.pes = 0
        self.latencies: list[float] = []
        self.mistimed = 0

    def seen(self, frame: FeedFrame | None) -> None:
        """A frame arrived in the video feed."""
        if frame is not None:
            self.arrivals.append((frame.timestamp, frame.received_at))

    def reader(self, data: bytes) -> None:
        """TS packets as a reader gets them."""
        now = self.loop.time()
        for offset in range(0, len(data), PACKET):
            if not data[offset + 1] & 0x40:
                continue
            start = pes_start(data, offset)
            if start is None or not start.video or start.pts is None:
                continue
            number, self.pes = self.pes, self.pes + 1
            if self.first_pts is None:
                self.first_pts = start.pts
            if self.first is None:
                origin = self.encoder.stream_origin
                if origin is None:
                    continue  # the encoder is still starting: matched once it has
                self.first = next(i for i, (t, _) in enumerate(self.arrivals) if t == origin)
            index = self.first + number
            if index >= len(self.arrivals):
                continue
            timestamp, arrived = self.arrivals[index]
            ticks = pts_after(start.pts, self.first_pts) / PTS_PER_TICK
            if abs(ticks - (timestamp - self.arrivals[self.first][0]) % WRAP) > 1:
                self.mistimed += 1
            self.latencies.append(now - arrived)


async def ours(
    sim: SimulatorProcess, seconds: float, readers: int, *, sound: bool = True
) -> dict[str, Any]:
    """One encoder read by `readers` readers for `seconds`; CPU shares of one core, latency."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    async with CameraClient("127.0.0.1", sim.port, sim.user, sim.password) as camera:
        video = VideoFeed(lambda: camera, idle_timeout=IDLE)
        audio = AudioFeed(lambda: camera, idle_timeout=IDLE)
        if not sound:
            audio.microphone = False  # as a camera without a microphone: video only
        encoder = H264Encoder(ffmpeg, video, audio, idle_timeout=IDLE)
        probe = LatencyProbe(encoder)
        remove_probe = video.add_sink(probe.seen)
        received = [0] * readers
        first = asyncio.Event()

        def reader(index: int) -> Callable[[bytes | None], None]:
            def write(data: bytes | None) -> None:
                if data is not None:
                    received[index] += len(data)
                    if index == 0:
                        probe.reader(data)
                    first.set()

            return write

        opened = time.monotonic()
        closes = [encoder.open_reader(reader(0))]
        await first.wait()
        first_packet = time.monotonic() - opened
        closes += [encoder.open_reader(reader(i)) for i in range(1, readers)]
        await asyncio.sleep(1.0)
        # The encoder's ffmpeg, read in /proc over the measured seconds only (its start and its
        # idle period after the last reader are no part of them).
        (ffmpeg_pid,) = encoder_processes()
        ffmpeg_cpu, own, started = cpu_seconds(ffmpeg_pid), _self(), time.monotonic()
        await asyncio.sleep(seconds)
        encoder_cpu = cpu_seconds(ffmpeg_pid) - ffmpeg_cpu
        own_cpu = _self() - own
        elapsed = time.monotonic() - started
        for close in closes:
            close()
        left = time.monotonic()
        while encoder.running:  # noqa: ASYNC110 - the benchmark polls the encoder's state
            await asyncio.sleep(0.05)
        stopped_after = time.monotonic() - left
        await encoder.close()
        remove_probe()
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
            "latencies_s": probe.latencies,
            "mistimed": probe.mistimed,
        }


def recipe_args(url: str, seconds: float, *, tuned: bool = False) -> list[str]:
    """The recipe: ffmpeg on videostream.cgi, encoding as our encoder does.

    The MJPEG demuxer would stamp frames at 25 fps whatever the camera sends (15 here): its
    stream time would run 1.7 times too fast, and "a key frame a second" would be one every 1.7 s.
    The frames' arrival times (`-use_wallclock_as_timestamps`, as ours) keep both alike.
    `tuned`: with our encoder's pixel format and one thread.
    """
    pixels = ("-pix_fmt", PIXEL_FORMAT, "-threads:v", "1") if tuned else ("-pix_fmt", "yuv420p")
    return [
        *("-nostdin", "-hide_banner", "-loglevel", "error"),
        *("-use_wallclock_as_timestamps", "1", "-f", "mjpeg", "-i", url),
        *("-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast"),
        *("-tune", "zerolatency", "-bf", "0", *pixels, "-fps_mode", "passthrough"),
        *("-force_key_frames", "expr:gte(t,n_forced)", "-f", "mpegts", "-y", os.devnull),
    ]


async def recipe(sim: SimulatorProcess, seconds: float, *, tuned: bool = False) -> dict[str, float]:
    """Ffmpeg on the camera's videostream.cgi with the same encoder settings.

    Measured as ours: its CPU in /proc over `seconds`, after a second of warm-up.
    """
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    url = f"{sim.url}/videostream.cgi?user={sim.user}&pwd={sim.password}"
    args = recipe_args(url, seconds + 5.0, tuned=tuned)
    process = await asyncio.create_subprocess_exec(ffmpeg, *args)
    try:
        await asyncio.sleep(1.0)
        before, started = cpu_seconds(process.pid), time.monotonic()
        await asyncio.sleep(seconds)
        used, elapsed = cpu_seconds(process.pid) - before, time.monotonic() - started
    finally:
        process.kill()
        await process.wait()
    return {"total": used / elapsed}


async def run(seconds: float, rounds: int, *, hass: bool) -> dict[str, Any]:
    """Interleaved rounds of ours (with and without sound) and the recipe, then readers."""
    port = free_port()
    sim = SimulatorProcess(port)
    sim.start()
    loads = [os.getloadavg()[0]]
    try:
        results: list[dict[str, Any]] = []
        kinds = ("sound", "video", "recipe", "recipe_tuned")
        for number in range(rounds):
            figures: dict[str, Any] = {}
            # The order turns each round: no side always runs first after a pause.
            turn = number % len(kinds)
            for kind in kinds[turn:] + kinds[:turn]:
                if kind.startswith("recipe"):
                    figures[kind] = await recipe(sim, seconds, tuned=kind == "recipe_tuned")
                else:
                    figures[kind] = await ours(sim, seconds, 1, sound=kind == "sound")
            results.append(figures)
            loads.append(os.getloadavg()[0])
            log(
                f"round {number + 1}: ours with sound {figures['sound']['total']:.3f}, "
                f"video only {figures['video']['total']:.3f}, "
                f"recipe {figures['recipe']['total']:.3f}, "
                f"tuned {figures['recipe_tuned']['total']:.3f} core (load {loads[-1]:.2f})"
            )
        readers = {}
        for count in (1, 3, 6):
            readers[count] = await ours(sim, seconds, count)
            readers[count].pop("latencies_s")
            log(f"{count} readers: {readers[count]['total']:.3f} core")
    finally:
        sim.stop()
    in_hass = None
    if hass:
        from . import stream_hass  # noqa: PLC0415 - only with a real Home Assistant

        in_hass = await stream_hass.run(seconds)
        loads.append(os.getloadavg()[0])
    latency: dict[str, dict[str, float]] = {}
    for kind in ("sound", "video"):
        values = [v for r in results for v in r[kind].pop("latencies_s")]
        latency[kind] = {
            "frames": len(values),
            "p50_ms": percentile(values, 0.5) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
            "max_ms": max(values) * 1000,
        }
    return {
        "seconds": seconds,
        "rounds": results,
        "ratio_video_median": statistics.median(
            r["video"]["total"] / r["recipe"]["total"] for r in results
        ),
        "ratio_sound_median": statistics.median(
            r["sound"]["total"] / r["recipe"]["total"] for r in results
        ),
        "ratio_video_tuned_median": statistics.median(
            r["video"]["total"] / r["recipe_tuned"]["total"] for r in results
        ),
        "latency": latency,
        "readers": readers,
        "idle_s": IDLE,
        "hass": in_hass,
        "load_1min": loads,
        "cpus": os.cpu_count(),
    }


def markdown(results: dict[str, Any]) -> str:
    """The figures as tables."""
    rounds = results["rounds"]

    def median(kind: str, part: str) -> float:
        return float(statistics.median(r[kind][part] for r in rounds))

    lines = [
        "| VGA 15 fps, libx264 | CPU (share of one core) |",
        "| --- | --- |",
        f"| ours, video only: encoder ffmpeg | {median('video', 'ffmpeg'):.3f} |",
        f"| ours, video only: integration side | {median('video', 'python'):.3f} |",
        f"| ours, video only: total | {median('video', 'total'):.3f} |",
        f"| recipe: ffmpeg on videostream.cgi (video only) | {median('recipe', 'total'):.3f} |",
        (
            f"| **ours / recipe, video only** (median of {len(rounds)} rounds) "
            f"| **{results['ratio_video_median']:.2f}** |"
        ),
        f"| ours with sound (H.264 + AAC): encoder ffmpeg | {median('sound', 'ffmpeg'):.3f} |",
        f"| ours with sound: integration side | {median('sound', 'python'):.3f} |",
        f"| ours with sound: total | {median('sound', 'total'):.3f} |",
        f"| ours with sound / recipe | {results['ratio_sound_median']:.2f} |",
        (
            "| recipe, tuned: with our two choices (full range, one libx264 thread) "
            f"| {median('recipe_tuned', 'total'):.3f} |"
        ),
        f"| ours / recipe tuned, video only | {results['ratio_video_tuned_median']:.2f} |",
        "",
        "| added latency, frame in the feed -> its TS packet at a reader | frames | p50 | p99 | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind, label in (("sound", "with sound"), ("video", "video only")):
        figures = results["latency"][kind]
        lines.append(
            f"| {label} | {figures['frames']} | {figures['p50_ms']:.0f} ms "
            f"| {figures['p99_ms']:.0f} ms | {figures['max_ms']:.0f} ms |"
        )
    lines += [
        "",
        (
            "| readers (bare encoder) | CPU total | encoder starts | first TS packet (s) "
            "| stopped after last reader (s) |"
        ),
        "| --- | --- | --- | --- | --- |",
    ]
    for count, figures in results["readers"].items():
        lines.append(
            f"| {count} | {figures['total']:.3f} | {figures['starts']:.0f} "
            f"| {figures['first_packet_s']:.2f} | {figures['stopped_after_s']:.2f} "
            f"(idle {results['idle_s']:.0f}) |"
        )
    hass = results.get("hass")
    if hass:
        lines += [
            "",
            "| in Home Assistant | value |",
            "| --- | --- |",
            f"| restream `/ts`: first TS packet (encoder cold) | {hass['ts_first_packet_s']:.2f} s |",
            (
                f"| encoder stopped after the last reader (idle {hass['encoder_idle_s']:.0f} s) "
                f"| {hass['encoder_stopped_after_s']:.1f} s |"
            ),
            (
                "| HLS: `camera/stream` to the first segment (encoder cold) "
                f"| {hass['hls_first_segment_s']:.2f} s |"
            ),
            (
                "| encoder processes / camera connections during the reader phases "
                f"| {hass['encoder_processes_seen']} / {hass['camera_connections']} |"
            ),
            f"| `bseries_ipcam.record` copied the running encoder | {hass['record_copied']} |",
            "",
            (
                "| readers in HA | HA (threads) | encoder ffmpeg | HA's other ffmpegs (record's copy) "
                "| copying ffmpegs (HomeKit-like) | total |"
            ),
            "| --- | --- | --- | --- | --- | --- |",
        ]
        mixes = {
            1: "1: HLS",
            3: "3: HLS, /ts, ffmpeg copy",
            6: "6: HLS, 2 /ts, 2 ffmpeg copy, record",
        }
        for count, figures in hass["readers"].items():
            lines.append(
                f"| {mixes[int(count)]} | {figures['ha']:.3f} | {figures['encoder']:.3f} "
                f"| {figures['ha_other_ffmpegs']:.3f} | {figures['copying_ffmpegs']:.3f} "
                f"| {figures['total']:.3f} |"
            )
    loads = results["load_1min"]
    lines += [
        "",
        f"Load (1 min) during the run: {min(loads):.2f}-{max(loads):.2f} on {results['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="scripts/bench --stream", description=__doc__)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-hass", action="store_true", help="skip the phase in a real Home Assistant"
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.seconds, args.rounds, hass=not args.no_hass))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
