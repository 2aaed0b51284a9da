"""The H.264 stream in a real Home Assistant: first HLS segment, idle stop, mixed readers.

Part of `scripts/bench --stream`. A real `hass` process (HA's own `stream` component, `av`
included) with one simulated VGA 15 fps camera with sound (in this process), the *H.264 stream*
and *restream* options on:

- the restream's `/ts` alone: time to its first TS packet (the encoder's cold start), then from
  the reader's leaving to the encoder's exit (its idle period is 10 s in Home Assistant);
- HLS as the frontend asks for it (`camera/stream`): time from the request to the first media
  segment in the playlist (the encoder starting again, HA's `stream` opening it, a segment);
- 1, 3 and 6 readers of mixed kinds, HLS throughout: HLS; + the restream `/ts` + an ffmpeg that
  copies `/ts` as HomeKit does with `video_codec: copy`; + a second `/ts`, a second copying ffmpeg
  and `bseries_ipcam.record` (which copies the running encoder). CPU of Home Assistant (its
  threads and its ffmpeg children) and of the copying ffmpegs; the encoder processes and camera
  connections seen meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import Any, Final

import aiohttp
import yarl

from bseries_sim import CameraSimulator, SimulatorConfig
from devtools.hass_server import HassApi, HassProcess
from devtools.processes import free_port

from .frames import plain_frames, render_frames
from .procfs import cpu_seconds
from .recording import CONFIGURATION as RECORDING_CONFIGURATION, OWNER

CONFIGURATION: Final = RECORDING_CONFIGURATION.replace(
    "benchmarks/recording.py", "benchmarks/stream_hass.py"
).replace("camera:\n", "camera:\nstream:\n")
FPS: Final = 15.0
ENCODER_MARK: Final = "libx264"
POLL: Final = 0.2


def log(message: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid`: their command lines."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text(encoding="ascii", errors="replace")
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            if parent == pid:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ")
                found[int(name)] = cmdline.decode(errors="replace")
        except FileNotFoundError, ProcessLookupError, ValueError:
            continue
    return found


def reaped_cpu(pid: int) -> float:
    """CPU seconds of the reaped children of `pid` (cutime + cstime)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


class EncoderWatch:
    """Polls Home Assistant's children: which encoder processes ran, and when the last ended."""

    def __init__(self, pid: int) -> None:
        """Watch the children of `pid` until `stop`."""
        self.pid = pid
        self.seen: set[int] = set()
        self.running: set[int] = set()
        self.changed_at = time.monotonic()
        self._task = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            now = {p for p, cmd in children(self.pid).items() if ENCODER_MARK in cmd}
            if now != self.running:
                self.running = now
                self.changed_at = time.monotonic()
            self.seen |= now
            await asyncio.sleep(POLL)

    async def stop(self) -> None:
        """Stop polling."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def _read_ts(session: aiohttp.ClientSession, url: str, auth: aiohttp.BasicAuth) -> None:
    async with session.get(url, auth=auth) as response:
        response.raise_for_status()
        while await response.content.read(65536):
            pass


async def _hls_player(session: aiohttp.ClientSession, url: str, first: asyncio.Event) -> None:
    """Fetch the playlist and every new segment about once a second, as a player does."""
    master = yarl.URL(url)
    async with session.get(master) as response:
        text = await response.text()
    playlist = master.join(yarl.URL(next(li for li in text.splitlines() if li[:1] != "#")))
    fetched: set[str] = set()
    while True:
        async with session.get(playlist) as response:
            lines = (await response.text()).splitlines()
        for segment in (li for li in lines if li.endswith(".m4s")):
            if segment not in fetched:
                fetched.add(segment)
                async with session.get(playlist.join(yarl.URL(segment))) as response:
                    await response.read()
                first.set()
        await asyncio.sleep(1.0)


async def _copying_ffmpeg(url: str) -> asyncio.subprocess.Process:
    """Ffmpeg copying `/ts` as HomeKit's does with `video_codec: copy` (here into nothing)."""
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    return await asyncio.create_subprocess_exec(
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-i", url),
        *("-map", "0:v:0", "-c:v", "copy", "-an", "-f", "mpegts", "-y", os.devnull),
    )


async def run(seconds: float) -> dict[str, Any]:
    """Start a simulator and Home Assistant; measure; stop everything."""
    hass_dir = Path(tempfile.mkdtemp(prefix="bseries-bench-stream-"))
    (hass_dir / "configuration.yaml").write_text(CONFIGURATION)
    sim = CameraSimulator(
        SimulatorConfig(fps=FPS, frames=plain_frames(render_frames()), camera_id="00626E0BEC02")
    )
    await sim.start()
    hass = HassProcess(hass_dir, free_port())
    figures: dict[str, Any] = {"seconds": seconds}
    tasks: list[asyncio.Task[Any]] = []
    copiers: list[asyncio.subprocess.Process] = []
    try:
        hass.start()
        assert hass.pid is not None
        pid = hass.pid
        async with HassApi(hass.url) as api, aiohttp.ClientSession() as session:
            await api.wait_for_http(onboarded=False, alive=lambda: hass.running)
            await api.sign_in(**OWNER)
            await api.wait_until_running()
            entry_id = await api.add_camera(sim.port, "admin", "secret")
            options = await api.request(
                "POST", "/api/config/config_entries/options/flow", json_data={"handler": entry_id}
            )
            step = await api.request(
                "POST",
                f"/api/config/config_entries/options/flow/{options['flow_id']}",
                json_data={
                    "pan_tilt": True,
                    "preroll_seconds": 0,
                    "restream": True,
                    "h264_stream": True,
                },
            )
            password = step["description_placeholders"]["password"]
            done = await api.request(
                "POST",
                f"/api/config/config_entries/options/flow/{options['flow_id']}",
                json_data={},
            )
            assert done["type"] == "create_entry", done
            ids = await api.entity_ids("bseries_ipcam")
            camera = next(e for e in ids.values() if e.startswith("camera."))
            await api.wait_for_state(camera, lambda s: s not in {None, "unavailable", "unknown"})
            await asyncio.sleep(2)
            ts_url = f"{hass.url}/api/bseries_ipcam/restream/{entry_id}/ts"
            auth = aiohttp.BasicAuth("nvr", password)
            watch = EncoderWatch(pid)

            log("restream /ts alone: first packet, then the encoder's stop")
            started = time.monotonic()
            async with session.get(ts_url, auth=auth) as response:
                await response.content.readexactly(188)
                figures["ts_first_packet_s"] = time.monotonic() - started
                await asyncio.sleep(3)
            left = time.monotonic()
            while watch.running or not watch.seen:  # noqa: ASYNC110 - polling /proc
                await asyncio.sleep(POLL)
            figures["encoder_stopped_after_s"] = watch.changed_at - left
            figures["encoder_idle_s"] = 10.0
            await asyncio.sleep(2)

            log("HLS: from camera/stream to the first segment")
            connections = sim.stats.av_connections_accepted
            seen_before = set(watch.seen)
            started = time.monotonic()
            answer = await api.ws_command("camera/stream", entity_id=camera)
            first_segment = asyncio.Event()
            tasks.append(
                asyncio.create_task(_hls_player(session, hass.url + answer["url"], first_segment))
            )
            await asyncio.wait_for(first_segment.wait(), 60)
            figures["hls_first_segment_s"] = time.monotonic() - started

            source = yarl.URL(ts_url).with_user("nvr").with_password(password)
            phases: dict[int, dict[str, float]] = {}
            for count in (1, 3, 6):
                if count == 3:
                    tasks.append(asyncio.create_task(_read_ts(session, ts_url, auth)))
                    copiers.append(await _copying_ffmpeg(str(source)))
                if count == 6:
                    tasks.append(asyncio.create_task(_read_ts(session, ts_url, auth)))
                    copiers.append(await _copying_ffmpeg(str(source)))
                    clip = hass.media_dir / "bench-stream.mp4"
                    tasks.append(
                        asyncio.create_task(
                            api.call_service(
                                "bseries_ipcam",
                                "record",
                                {
                                    "entity_id": camera,
                                    "filename": str(clip),
                                    "duration": seconds + 6,
                                },
                                return_response=True,
                            )
                        )
                    )
                log(f"{count} reader(s), {seconds:g} s")
                await asyncio.sleep(3)
                live = children(pid)
                before_own, before_reaped = cpu_seconds(pid), reaped_cpu(pid)
                before_live = {p: cpu_seconds(p) for p in live}
                before_copiers = sum(cpu_seconds(c.pid) for c in copiers)
                started = time.monotonic()
                await asyncio.sleep(seconds)
                elapsed = time.monotonic() - started
                ha = cpu_seconds(pid) - before_own
                after_live = {p: cpu_seconds(p) for p in children(pid) if p in before_live}
                encoder = sum(
                    after_live[p] - cpu
                    for p, cpu in before_live.items()
                    if p in after_live and ENCODER_MARK in live[p]
                )
                # HA's other ffmpegs: the clip's copying one (`bseries_ipcam.record`).
                others = (
                    reaped_cpu(pid)
                    - before_reaped
                    + sum(
                        after_live[p] - cpu
                        for p, cpu in before_live.items()
                        if p in after_live and ENCODER_MARK not in live[p]
                    )
                )
                copying = sum(cpu_seconds(c.pid) for c in copiers) - before_copiers
                phases[count] = {
                    "ha": ha / elapsed,
                    "encoder": encoder / elapsed,
                    "ha_other_ffmpegs": others / elapsed,
                    "copying_ffmpegs": copying / elapsed,
                    "total": (ha + encoder + others + copying) / elapsed,
                    "encoders_running": float(len(watch.running)),
                }
                log(f"  total {phases[count]['total']:.3f} core")
            record = tasks[-1]
            clip_answer = await asyncio.wait_for(record, 60)
            figures["record_copied"] = next(iter(clip_answer["service_response"].values()))[
                "copied"
            ]
            figures["readers"] = phases
            figures["encoder_processes_seen"] = len(watch.seen - seen_before)
            figures["camera_connections"] = sim.stats.av_connections_accepted - connections
            await watch.stop()
    finally:
        for task in tasks:
            task.cancel()
        for copier in copiers:
            with contextlib.suppress(ProcessLookupError):
                copier.kill()
            await copier.wait()
        hass.stop()
        await sim.stop()
        shutil.rmtree(hass_dir, ignore_errors=True)
    return figures
