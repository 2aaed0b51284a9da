"""Benchmark of the camera card's sound: listen delay, HA CPU per listener, talk latency.

A real Home Assistant process, the simulated camera in a process of its own, and Debian's
Chromium (playwright-core; `benchmarks/listen_browser.mjs`) with several pages of a dashboard
holding the camera card, all on this machine (one wall clock).

- **Listen delay**: from the simulator writing an audio packet to its socket to the moment the
  card's AudioContext plays that packet's first sample (the `when` of the buffer's `start`, mapped
  to the wall clock through `AudioContext.getOutputTimestamp()`). The card knows a packet by
  Home Assistant's time `t` of it: the camera's timestamp plus an offset that the integration's
  timeline fixed. To find that offset the simulator sends, at random moments, a packet of silence
  (a marker, `mark`); the silent buffers the page played give `t`, the simulator's records the
  camera's timestamp, and every packet is then matched to its send time.
- **HA CPU per listener**: the `hass` process's CPU (procfs, all threads) over a window with 0, 1,
  3 and 6 pages listening to the one camera, in interleaved rounds (the order rotates). Every page
  stays open in every phase, their pictures blocked, so the differences are the sound's. The
  simulator's audio packets per second show that one camera audio stream serves every listener.
- **Talk latency**: Chromium's fake microphone beeps (20 ms of 400 Hz every 500 ms); the card sends
  it in blocks of 512 samples (64 ms). The page records when each block left; the simulator when
  each talk packet arrived and which samples it held. A beep's onset at the same sample position on
  both sides gives its arrival at the camera less its capture in the page (the block's send time,
  less the samples after the onset in that block, 8 kHz).

Run: `scripts/bench --listen` (about seven minutes), or `python -m benchmarks.listen --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from dataclasses import asdict, dataclass, field
import datetime as dt
import json
import os
from pathlib import Path
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any, Final, Self

import aiohttp

from bseries_sim.speaker import beep_onsets
from custom_components.bseries_ipcam.media.audio_feed import AUDIO_IDLE_TIMEOUT
from custom_components.bseries_ipcam.media.timeline import WRAP
from devtools.hass_server import HassApi, HassProcess
from devtools.processes import REPO_ROOT, free_port
from devtools.simulator import SimulatorClient, SimulatorProcess

from .cli import CONFIGURATION as LIVE_CONFIGURATION
from .procfs import cpu_seconds
from .stats import percentile

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from types import TracebackType

DEFAULT_JSON: Final = REPO_ROOT / "benchmarks" / "results" / "listen.json"
DRIVER: Final = REPO_ROOT / "benchmarks" / "listen_browser.mjs"
OWNER: Final = {"name": "Benchmark", "username": "bench", "password": "bench-password-1"}
DASHBOARD: Final = "bseries-listen"
# The longest answer line of the driver: a page's records (a talk press is ~100 kB of base64).
ANSWER_LIMIT: Final = 64 * 1024 * 1024
CARD: Final = "bseries-camera-card"
RATE: Final = 8000
# The card's capture block (card/src/audio.ts CAPTURE_BLOCK): 64 ms.
CAPTURE_BLOCK: Final = 512
# A played buffer this much quieter than the page's median is the simulator's marker.
MARK_LOUDNESS: Final = 0.25
# Markers come at random intervals in this range (s): never a pattern that fits shifted.
MARK_INTERVAL: Final = (0.8, 2.0)
# A beep found on both sides lies at most this many samples apart (the codec moves an onset by
# a sample or two).
ONSET_TOLERANCE: Final = 40
# The live benchmark's configuration with the frontend (the card is its module).
CONFIGURATION: Final = LIVE_CONFIGURATION.replace(
    "benchmarks/cli.py", "benchmarks/listen.py"
).replace("\nconfig:\n", "\nfrontend:\nconfig:\n")


def log(message: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# --- pure helpers (tests/benchmarks/test_listen.py) ---------------------------------------------


def marker_stamps(played: Iterable[Sequence[float]], fraction: float = MARK_LOUDNESS) -> set[int]:
    """The times `t` of the played buffers that are markers: RMS below `fraction` x the median.

    `played` rows are [t, play wall time (ms), RMS, ...] as the page records them.
    """
    rows = list(played)
    if not rows:
        return set()
    median = statistics.median(row[2] for row in rows)
    return {int(row[0]) for row in rows if row[2] < fraction * median}


def timeline_offset(page_marks: Iterable[int], sim_marks: Iterable[int]) -> tuple[int, int] | None:
    """Home Assistant's time minus the camera's (mod 2^32) that pairs the most markers.

    Returns (offset, markers it pairs), or None when no offset pairs two markers more than any
    other offset does (too few markers, or none that fit).
    """
    sim = sorted(set(sim_marks))
    votes = Counter((t - r) % WRAP for t in set(page_marks) for r in sim)
    ranked = votes.most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0]


def listen_delays(
    played: Iterable[Sequence[float]], sent_at: Mapping[int, float], offset: int
) -> tuple[list[float], int]:
    """Seconds from each packet's send to its playback, and how many played had no send record.

    `sent_at` maps the camera's timestamp to its send time (wall clock, s); played rows are
    [t, play wall time (ms), ...].
    """
    delays: list[float] = []
    unmatched = 0
    for row in played:
        sent = sent_at.get((int(row[0]) - offset) % WRAP)
        if sent is None:
            unmatched += 1
        else:
            delays.append(row[1] / 1000 - sent)
    return delays, unmatched


def pcm_samples(data: bytes) -> list[int]:
    """16-bit little-endian PCM as samples."""
    return [int.from_bytes(data[i : i + 2], "little", signed=True) for i in range(0, len(data), 2)]


def page_onsets(blocks: Sequence[tuple[float, Sequence[int]]]) -> list[tuple[int, float]]:
    """Beep onsets in what the page sent: (sample position, capture time in s, wall clock).

    `blocks` are (send time in ms, samples) in order. A sample's capture time is taken as its
    block's send time less the samples after it in the block (the block leaves when it is full).
    """
    samples: list[int] = []
    ends: list[tuple[int, float]] = []  # (position after the block, its send time in s)
    for sent, block in blocks:
        samples.extend(block)
        ends.append((len(samples), sent / 1000))
    onsets: list[tuple[int, float]] = []
    index = 0
    for position in beep_onsets(samples):
        while ends[index][0] <= position:
            index += 1
        end, sent = ends[index]
        onsets.append((position, sent - (end - position) / RATE))
    return onsets


def talk_latencies(
    page: Sequence[tuple[int, float]],
    camera: Sequence[tuple[int, float | None]],
    tolerance: int = ONSET_TOLERANCE,
) -> list[float]:
    """Seconds from each beep's capture in the page to its arrival at the camera.

    Beeps pair by sample position (both counted from the first sample the page sent), within
    `tolerance` samples; a beep found on one side only is left out.
    """
    latencies: list[float] = []
    heard = [(position, arrived) for position, arrived in camera if arrived is not None]
    for position, captured in page:
        match = min(heard, key=lambda beep: abs(beep[0] - position), default=None)
        if match is not None and abs(match[0] - position) <= tolerance:
            latencies.append(match[1] - captured)
    return latencies


@dataclass(frozen=True, slots=True)
class Summary:
    """p50, p99 and max of some seconds, and how many."""

    p50: float
    p99: float
    max: float
    count: int


def summary(values: Sequence[float]) -> Summary | None:
    """The summary of `values` (None for none)."""
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    if p50 is None or p99 is None:
        return None
    return Summary(p50, p99, max(values), len(values))


# --- the browser ----------------------------------------------------------------------------------


class Browser:
    """The driver process (listen_browser.mjs): one JSON command per line, one answer per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Talk to a started driver."""
        self._process = process

    @classmethod
    async def start(cls) -> Self:
        """Start the driver (Chromium starts with the first `open`)."""
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("no node: run scripts/setup")
        process = await asyncio.create_subprocess_exec(
            node,
            str(DRIVER),
            cwd=REPO_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=ANSWER_LIMIT,
        )
        return cls(process)

    async def __aenter__(self) -> Self:
        """The browser, closed at the end of the block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close Chromium and end the driver."""
        process = self._process
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()

    async def __call__(self, cmd: str, timeout: float = 120.0, **args: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """Run one command; its answer (RuntimeError when it failed)."""
        process = self._process
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await process.stdin.drain()
        async with asyncio.timeout(timeout):
            line = await process.stdout.readline()
        if not line:
            raise RuntimeError("the browser driver ended")
        answer: dict[str, Any] = json.loads(line)
        if not answer["ok"]:
            raise RuntimeError(f"{cmd}: {answer.get('error')}")
        return answer


# --- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """How long and how often."""

    listeners: tuple[int, ...] = (0, 1, 3, 6)
    rounds: int = 3
    warmup: float = AUDIO_IDLE_TIMEOUT + 2.0  # a phase of 0 starts with the camera's audio off
    measure: float = 10.0
    talk_seconds: float = 8.0


@dataclass(slots=True)
class Phase:
    """One measured window with `listeners` pages listening."""

    listeners: int
    seconds: float
    cpu: float  # HA's CPU, share of one core
    audio_packets_per_second: float  # sent by the camera
    av_connections: int
    played: list[list[float]] = field(default_factory=list)  # every listening page's rows
    skipped: int = 0


@dataclass(slots=True)
class Press:
    """One push-to-talk press."""

    seconds: float
    page_beeps: int
    camera_beeps: int
    latencies: list[float]


class Bench:
    """The phases and presses of one run against running processes."""

    def __init__(
        self,
        pid: int,
        browser: Browser,
        sim: SimulatorClient,
        http: aiohttp.ClientSession,
        settings: Settings,
    ) -> None:
        """Measure Home Assistant `pid` through `browser`'s pages and the simulator."""
        self.pid = pid
        self.browser = browser
        self.sim = sim
        self.http = http
        self.settings = settings

    async def _mark_until(self, deadline: float, listeners: int) -> None:
        """Markers at random intervals until `deadline` (monotonic), while anyone listens.

        (With nobody listening the camera sends no sound, and marks would pile up for the next.)
        """
        while listeners:
            wait = random.uniform(*MARK_INTERVAL)
            if time.monotonic() + wait > deadline:
                return
            await asyncio.sleep(wait)
            await self.sim.command("mark")

    async def phase(self, listeners: int) -> Phase:
        """Listen in the first `listeners` pages, measure, stop listening."""
        for page in range(listeners):
            await self.browser("listen", page=page, on=True)
        warmed = time.monotonic() + self.settings.warmup
        await self._mark_until(warmed, listeners)
        await asyncio.sleep(max(0.0, warmed - time.monotonic()))
        before = await self.sim.status()
        cpu_before, started = cpu_seconds(self.pid), time.monotonic()
        await self._mark_until(started + self.settings.measure, listeners)
        await asyncio.sleep(max(0.0, started + self.settings.measure - time.monotonic()))
        cpu_after, ended = cpu_seconds(self.pid), time.monotonic()
        after = await self.sim.status()
        seconds = ended - started
        phase = Phase(
            listeners=listeners,
            seconds=seconds,
            cpu=(cpu_after - cpu_before) / seconds,
            audio_packets_per_second=(after["audio_packets_sent"] - before["audio_packets_sent"])
            / seconds,
            av_connections=after["av_connections_open"],
        )
        for page in range(listeners):
            records = await self.browser("collect", page=page)
            phase.played += records["played"]
            phase.skipped += records["skipped"] or 0
            await self.browser("listen", page=page, on=False)
        return phase

    async def _heard(self, since: int) -> dict[str, Any]:
        async with self.http.get(f"{self.sim.url}/sim/talk", params={"since": str(since)}) as resp:
            resp.raise_for_status()
            heard: dict[str, Any] = await resp.json()
            return heard

    async def press(self) -> Press:
        """Hold Talk in the first page; pair the beeps it sent with those the camera heard."""
        before = (await self._heard(0))["samples"]
        await self.browser("collect", page=0)  # forget what went before
        await self.browser("talk", page=0, ms=round(self.settings.talk_seconds * 1000))
        await asyncio.sleep(3.0)  # the rest reaches the camera; the card lets go of the speaker
        sent = (await self.browser("collect", page=0))["sent"]
        blocks = [(at, pcm_samples(base64.b64decode(data))) for at, data in sent]
        page = page_onsets(blocks)
        heard = await self._heard(before)
        camera = [(position - before, arrived) for position, arrived in heard["onsets"]]
        return Press(
            seconds=self.settings.talk_seconds,
            page_beeps=len(page),
            camera_beeps=len(camera),
            latencies=talk_latencies(page, camera),
        )

    async def run(self) -> tuple[list[Phase], list[Press]]:
        """Interleaved rounds: every listener count once per round (rotating), then a press."""
        phases: list[Phase] = []
        presses: list[Press] = []
        counts = self.settings.listeners
        for number in range(self.settings.rounds):
            shift = number % len(counts)
            for listeners in counts[shift:] + counts[:shift]:
                phase = await self.phase(listeners)
                log(
                    f"round {number + 1}, {listeners} listener(s): HA {phase.cpu:.4f} core, "
                    f"{phase.audio_packets_per_second:.1f} audio packets/s, "
                    f"{len(phase.played)} buffers played"
                )
                phases.append(phase)
            press = await self.press()
            log(
                f"round {number + 1}, talk: {press.page_beeps} beeps sent, "
                f"{press.camera_beeps} heard, {len(press.latencies)} paired"
            )
            presses.append(press)
        return phases, presses


async def _add_camera(api: HassApi, sim: SimulatorProcess) -> str:
    await api.add_camera(sim.port, sim.user, sim.password)
    ids = await api.entity_ids("bseries_ipcam")
    camera = next(e for e in ids.values() if e.startswith("camera."))
    await api.wait_for_state(camera, lambda s: s not in {None, "unavailable", "unknown"})
    return camera


async def _dashboard(api: HassApi, camera: str) -> str:
    await api.ws_command(
        "lovelace/dashboards/create", url_path=DASHBOARD, title="Listen", mode="storage"
    )
    await api.ws_command(
        "lovelace/config/save",
        url_path=DASHBOARD,
        config={
            "views": [{"title": "Camera", "cards": [{"type": f"custom:{CARD}", "entity": camera}]}]
        },
    )
    return f"/{DASHBOARD}/0"


def analyse(
    phases: Sequence[Phase], presses: Sequence[Press], audio: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """The figures: per listener count and overall; `audio` is the simulator's `/sim/audio`."""
    sent_at = {int(p[0]): float(p[2]) for p in audio}
    sim_marks = [int(p[0]) for p in audio if p[3]]
    all_marks: set[int] = set()
    for phase in phases:
        all_marks |= marker_stamps(phase.played)
    found = timeline_offset(all_marks, sim_marks)
    notes: list[str] = []
    by_count: dict[int, dict[str, Any]] = {}
    delays_all: list[float] = []
    for count in sorted({phase.listeners for phase in phases}):
        mine = [phase for phase in phases if phase.listeners == count]
        delays: list[float] = []
        unmatched = 0
        offsets: set[int] = set()
        for phase in mine:
            own = timeline_offset(marker_stamps(phase.played), sim_marks)
            if own is not None:
                offsets.add(own[0])
            if found is not None and phase.played:
                got, missing = listen_delays(phase.played, sent_at, found[0])
                delays += got
                unmatched += missing
        if found is not None and offsets - {found[0]}:
            notes.append(f"{count} listener(s): a phase's markers gave another offset {offsets}")
        delays_all += delays
        cpu = [phase.cpu for phase in mine]
        by_count[count] = {
            "cpu_median": statistics.median(cpu),
            "cpu": cpu,
            "audio_packets_per_second": statistics.median(
                phase.audio_packets_per_second for phase in mine
            ),
            "av_connections": max(phase.av_connections for phase in mine),
            "delay": asdict(s) if (s := summary(delays)) else None,
            "unmatched": unmatched,
            "skipped": sum(phase.skipped for phase in mine),
            "played": sum(len(phase.played) for phase in mine),
        }
    idle = by_count.get(0, {}).get("cpu_median")
    for count, figures in by_count.items():
        figures["cpu_per_listener"] = (
            (figures["cpu_median"] - idle) / count if idle is not None and count else None
        )
    # The first listener also starts the camera's sound (its decoding is shared); each further one
    # only gets it sent.
    listening = sorted(count for count in by_count if count > 0)
    first: float | None = None
    further: float | None = None
    if listening and idle is not None:
        first = by_count[listening[0]]["cpu_median"] - idle
    if len(listening) > 1:
        low, high = listening[0], listening[-1]
        further = (by_count[high]["cpu_median"] - by_count[low]["cpu_median"]) / (high - low)
    if found is None:
        notes.append("no markers paired: listen delay not measured")
    rows = [row for phase in phases for row in phase.played]
    estimated = sum(1 for row in rows if not row[3])
    if estimated:
        notes.append(
            f"{estimated} of {len(rows)} playback times estimated from outputLatency "
            "(getOutputTimestamp() not known yet)"
        )
    latencies = [latency for press in presses for latency in press.latencies]
    firsts = [press.latencies[0] for press in presses if press.latencies]
    return {
        "listen": by_count,
        "cpu_first_listener": first,
        "cpu_further_listener": further,
        "delay": asdict(s) if (s := summary(delays_all)) else None,
        "offset": {"value": found[0], "markers": found[1]} if found else None,
        "markers_sent": len(sim_marks),
        "talk": {
            "presses": [asdict(press) for press in presses],
            "latency": asdict(s) if (s := summary(latencies)) else None,
            "first_beep": asdict(s) if (s := summary(firsts)) else None,
        },
        "notes": notes,
    }


async def run(settings: Settings) -> dict[str, Any]:
    """Start the simulator, Home Assistant and Chromium; run the rounds; stop everything."""
    hass_dir = Path(tempfile.mkdtemp(prefix="bseries-bench-listen-"))
    (hass_dir / "configuration.yaml").write_text(CONFIGURATION)
    sim = SimulatorProcess(free_port(), log_path=hass_dir / "simulator.log")
    sim.start()
    hass = HassProcess(hass_dir, free_port())
    try:
        hass.start()
        assert hass.pid is not None
        async with HassApi(hass.url) as api, aiohttp.ClientSession() as http:
            started = time.monotonic()
            await api.wait_for_http(onboarded=False, alive=lambda: hass.running)
            await api.sign_in(**OWNER)
            token = await api.create_long_lived_token("benchmark")
            await api.wait_until_running()
            log(f"Home Assistant up in {time.monotonic() - started:.0f} s (pid {hass.pid})")
            camera = await _add_camera(api, sim)
            path = await _dashboard(api, camera)
            client = SimulatorClient(sim.url, http)
            async with await Browser.start() as browser:
                opened = time.monotonic()
                pages = max(settings.listeners)
                answer = await browser(
                    "open", timeout=600, url=hass.url, token=token, path=path, pages=pages
                )
                log(
                    f"{answer['pages']} pages open in {time.monotonic() - opened:.0f} s "
                    f"({len(answer['reloads'])} needed the card's module imported again)"
                )
                bench = Bench(hass.pid, browser, client, http, settings)
                phases, presses = await bench.run()
                clock = [(await browser("collect", page=page))["clock_ms"] for page in range(pages)]
                console = (await browser("console"))["lines"]
            async with http.get(f"{sim.url}/sim/audio") as resp:
                audio = (await resp.json())["packets"]
        results = analyse(phases, presses, audio)
        results["clock_ms"] = max(map(abs, clock))
        results["console_errors"] = [line for line in console if "bseries" in line][:10]
        errors = hass.log_lines("ERROR", "CRITICAL")
        if errors:
            results["notes"].append(f"Home Assistant logged {len(errors)} error line(s)")
        results["raw_phases"] = [
            {k: v for k, v in asdict(phase).items() if k != "played"} for phase in phases
        ]
    finally:
        hass.stop()
        sim.stop()
        shutil.rmtree(hass_dir, ignore_errors=True)
    return results


def _ms(figures: Mapping[str, float] | None) -> str:
    if figures is None:
        return "n/a"
    return (
        f"{figures['p50'] * 1000:.0f} / {figures['p99'] * 1000:.0f} / {figures['max'] * 1000:.0f}"
    )


def markdown(results: Mapping[str, Any]) -> str:
    """The figures as tables."""
    lines = [
        (
            "| listeners | HA CPU, share of a core (min-max) | per listener, over 0 "
            "| camera audio packets/s | AV connections | listen delay p50 / p99 / max (ms) "
            "| packets played | skipped |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for count, figures in results["listen"].items():
        per = figures["cpu_per_listener"]
        lines.append(
            f"| {count} | {figures['cpu_median']:.4f} ({min(figures['cpu']):.4f}-"
            f"{max(figures['cpu']):.4f}) | {'-' if per is None else f'{per:.4f}'} "
            f"| {figures['audio_packets_per_second']:.1f} | {figures['av_connections']} "
            f"| {_ms(figures['delay'])} | {figures['played']} | {figures['skipped']} |"
        )
    first, further = results["cpu_first_listener"], results["cpu_further_listener"]
    counts = sorted(int(count) for count in results["listen"])
    if first is not None:
        lines += ["", f"HA CPU of the first listener (the camera's sound starts): {first:.4f} core"]
    if further is not None:
        lines.append(
            f"HA CPU of each further listener ({counts[-1]} against {min(c for c in counts if c)}"
            f" listeners): {further:.4f} core"
        )
    talk = results["talk"]
    beeps = sum(len(press["latencies"]) for press in talk["presses"])
    lines += [
        "",
        "| Figure | p50 / p99 / max (ms) | samples |",
        "| --- | --- | --- |",
        (
            f"| listen delay, every listener | {_ms(results['delay'])} "
            f"| {(results['delay'] or {}).get('count', 0)} packets |"
        ),
        f"| talk latency, microphone to the camera | {_ms(talk['latency'])} | {beeps} beeps |",
        (
            f"| ... the first beep of each press | {_ms(talk['first_beep'])} "
            f"| {len(talk['presses'])} presses |"
        ),
    ]
    meta = results.get("meta", {})
    if meta:
        lines += ["", f"Run time {meta['seconds']:.0f} s; load after {meta['load_after'][0]:.1f}."]
    for note in results["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the tables, write the JSON."""
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="scripts/bench --listen", description=__doc__)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--measure", type=float, default=defaults.measure, help="s per phase")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="s per phase")
    parser.add_argument("--talk-seconds", type=float, default=defaults.talk_seconds)
    parser.add_argument(
        "--listeners",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=defaults.listeners,
        help="listener counts, comma-separated (%(default)s)",
    )
    args = parser.parse_args(argv)
    settings = Settings(
        listeners=args.listeners,
        rounds=args.rounds,
        warmup=args.warmup,
        measure=args.measure,
        talk_seconds=args.talk_seconds,
    )
    started = time.monotonic()
    load_before = list(os.getloadavg())
    results = asyncio.run(run(settings))
    results["meta"] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.monotonic() - started,
        "cpus": len(os.sched_getaffinity(0)),
        "load_before": load_before,
        "load_after": list(os.getloadavg()),
        "settings": asdict(settings),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(markdown(results))
    log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
