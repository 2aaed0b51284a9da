"""The fault matrix on a real Home Assistant: a silent camera, a refusal, many drops.

Each row injects a fault into the simulator and watches only what a user can see through Home
Assistant's HTTP and WebSocket APIs: states, still images, a viewer's MJPEG stream, repair issues,
the log. Timings are measured and printed at the end of the run (`report_figure`), never asserted;
the waits below are upper bounds only, far above what the integration needs.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
import io
import json
import os
import re
import shutil
import time
from typing import TYPE_CHECKING, Any, Final

from PIL import Image
import pytest

from .conftest import DOMAIN, report_figure

if TYPE_CHECKING:
    from devtools.hass_server import HassApi
    from devtools.simulator import SimulatorClient

    from .conftest import Entities, Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("module_log_mark"),
]

CYCLES: Final = 50
REASON_MARK: Final = b"bseries_ipcam reason"  # reason_frame.REASON_COMMENT
STALL_LINE: Final = re.compile(r"stalled \(no video frame for ([\d.]+) s\)")


class Viewer:
    """One MJPEG viewer of the camera: notes when each frame (and each reason picture) arrives."""

    def __init__(
        self,
        api: HassApi,
        camera: str,
        *,
        url: str | None = None,
        headers: dict[str, str] | None = None,
        boundary: bytes = b"--frame",
    ) -> None:
        """Open nothing yet; `start` does. `url`/`headers`: another MJPEG stream (restream)."""
        self._api = api
        self._url = url or f"{api.url}/api/camera_proxy_stream/{camera}"
        self._headers = headers or api.headers
        self._boundary = boundary
        self.arrivals: list[float] = []  # camera frames
        self.reasons: list[float] = []  # pictures that tell why there is no video
        self.reason_jpeg = b""
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with self._api.session.get(self._url, headers=self._headers) as resp:
            assert resp.status == 200
            buffer = b""
            async for chunk in resp.content.iter_any():
                buffer += chunk
                # A part is told apart by its JPEG's comment, within its first bytes.
                while (start := buffer.find(self._boundary)) >= 0 and len(buffer) > start + 400:
                    head = buffer[start : start + 400]
                    if REASON_MARK in head:
                        self.reasons.append(time.time())
                        body = buffer[buffer.find(b"\r\n\r\n", start) + 4 :]
                        self.reason_jpeg = body[: body.find(b"\xff\xd9") + 2]
                    else:
                        self.arrivals.append(time.time())
                    buffer = buffer[start + len(self._boundary) :]

    def start(self) -> None:
        """Open the stream in the background."""
        self._task = asyncio.create_task(self._run())

    async def frame_after(self, moment: float, within: float = 60.0) -> float:
        """The arrival time of the first frame after `moment` (wall clock)."""
        return await self._first_after(self.arrivals, moment, within, "frame")

    async def reason_after(self, moment: float, within: float = 60.0) -> float:
        """The arrival time of the first reason picture after `moment` (wall clock)."""
        return await self._first_after(self.reasons, moment, within, "reason picture")

    async def _first_after(
        self, times: list[float], moment: float, within: float, what: str
    ) -> float:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._task is not None and self._task.done():
                self._task.result()  # the stream ended: say why
                raise AssertionError("the viewer's stream ended")
            later = [t for t in times if t > moment]
            if later:
                return later[0]
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no {what} within {within:g} s")

    async def stop(self) -> None:
        """Close the stream."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def _set_interval(api: HassApi, entities: Entities, milliseconds: int) -> None:
    await api.call_service(
        DOMAIN,
        "set_frame_interval",
        {"entity_id": entities.camera, "interval": str(milliseconds)},
    )


async def _still(api: HassApi, entities: Entities) -> tuple[int, bytes, float]:
    started = time.monotonic()
    status, _content_type, body = await api.get_bytes(f"/api/camera_proxy/{entities.camera}")
    return status, body, time.monotonic() - started


async def _wait_state_since(
    api: HassApi, entity_id: str, expected: str, since: float, within: float
) -> float:
    """Wall-clock time at which the entity changed to `expected` (Home Assistant's own stamp)."""
    state = await api.wait_for_state(entity_id, expected, within=within, interval=0.02)
    assert state is not None
    changed = datetime.fromisoformat(state["last_changed"]).timestamp()
    return max(changed, since)


def _stall_lines(stack: Stack) -> list[float]:
    matches = (STALL_LINE.search(line) for line in stack.log_lines("INFO"))
    return [float(match[1]) for match in matches if match]


async def _stall_row(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient, interval: int
) -> None:
    await _set_interval(api, entities, interval)
    viewer = Viewer(api, entities.camera)
    viewer.start()
    try:
        await viewer.frame_after(time.time(), within=30)
        await viewer.frame_after(time.time(), within=30)  # frames at the chosen rate
        logged_before = len(_stall_lines(stack))
        stalled_at = time.time()
        await sim_client.fault("stall")
        noticed = await _wait_state_since(api, entities.camera, "idle", stalled_at, within=60)

        status, body, took = await _still(api, entities)
        assert status == 500, "a still during a stall must fail, not repeat the last frame"
        assert not body.startswith(b"\xff\xd8")

        resumed_at = time.time()
        await sim_client.fault("resume")
        back = await viewer.frame_after(resumed_at, within=60)
        await api.wait_for_state(entities.camera, "streaming", within=30)
        status, body, _took = await _still(api, entities)
        assert status == 200
        assert body.startswith(b"\xff\xd8")
        logged = _stall_lines(stack)[logged_before:]
        label = "full speed" if interval == 0 else f"{interval} ms"
        report_figure(
            f"stall at {label}: state idle {noticed - stalled_at:.2f} s after the stall"
            f" (integration logged {', '.join(f'{s:.2f} s' for s in logged) or '-'} without"
            f" a frame); still during the stall failed in {took:.2f} s; first frame"
            f" {back - resumed_at:.2f} s after resume"
        )
    finally:
        await viewer.stop()
        await _set_interval(api, entities, 0)


async def test_stall_at_full_speed_fails_stills_fast_and_video_returns(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """A camera silent without closing its sockets: idle, stills fail, video comes back."""
    await _stall_row(api, stack, entities, sim_client, 0)


async def test_stall_at_1000_ms(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """The same at one frame a second: noticed later, as the interval allows."""
    await _stall_row(api, stack, entities, sim_client, 1000)


async def test_unanswered_restart_reconnects_and_the_waiting_viewer_gets_video(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """A stall that outlasts the restart: the session is ended and reconnected, not in 120 s."""
    viewer = Viewer(api, entities.camera)
    viewer.start()
    try:
        await viewer.frame_after(time.time(), within=30)
        stalled_at = time.time()
        await sim_client.fault("stall")
        dead = await _wait_state_since(api, entities.connectivity, "off", stalled_at, within=60)
        await sim_client.fault("resume")
        back = await _wait_state_since(api, entities.connectivity, "on", dead, within=60)
        first = await viewer.frame_after(back, within=30)
        report_figure(
            f"stall outlasting the restart: session ended {dead - stalled_at:.2f} s after the"
            f" stall; first frame to the waiting viewer {first - back:.3f} s after the control"
            " session was back"
        )
    finally:
        await viewer.stop()

    viewer = Viewer(api, entities.camera)
    viewer.start()
    try:
        await viewer.frame_after(time.time(), within=30)
        dropped_at = time.time()
        await sim_client.fault("drop")
        await api.wait_for_state(entities.connectivity, "off", within=10, interval=0.02)
        back = await _wait_state_since(api, entities.connectivity, "on", dropped_at, within=60)
        first = await viewer.frame_after(back, within=30)
        report_figure(
            f"drop with a waiting viewer: first frame {first - back:.3f} s after the control"
            f" session was back ({back - dropped_at:.2f} s after the drop)"
        )
    finally:
        await viewer.stop()


def _jpeg_size(jpeg: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(jpeg)) as picture:
        return picture.size


@dataclass(frozen=True)
class Restream:
    """The restream endpoints of the camera and the credentials an NVR gives."""

    mjpeg: str
    mkv: str
    headers: dict[str, str]


async def _enable_restream(api: HassApi) -> Restream:
    """Switch restream on in the options flow; the endpoints and password it shows right away."""
    (entry,) = await api.config_entries(DOMAIN)
    flow = await api.request(
        "POST", "/api/config/config_entries/options/flow", json_data={"handler": entry["entry_id"]}
    )
    step = await api.request(
        "POST",
        f"/api/config/config_entries/options/flow/{flow['flow_id']}",
        json_data={"restream": True},
    )
    assert step["step_id"] == "restream_endpoints", step
    shown = step["description_placeholders"]
    done = await api.request(
        "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", json_data={}
    )
    assert done["type"] == "create_entry", done
    await asyncio.sleep(2)  # the entry reloads with restream on
    token = base64.b64encode(f"{shown['user']}:{shown['password']}".encode()).decode()
    assert shown["mjpeg_url"].startswith("http"), shown  # full URLs: HA's internal URL
    return Restream(shown["mjpeg_url"], shown["mkv_url"], {"Authorization": f"Basic {token}"})


async def _issues(api: HassApi) -> list[dict[str, Any]]:
    result = await api.ws_command("repairs/list_issues")
    return [issue for issue in result["issues"] if issue["domain"] == DOMAIN]


async def test_refused_video_start_is_told_and_raises_a_repair_issue(
    api: HassApi,
    stack: Stack,
    entities: Entities,
    sim_client: SimulatorClient,
    module_log_mark: int,
) -> None:
    """Too many connections: stills fail, live views tell why, one warning, a repair issue."""
    restream = await _enable_restream(api)
    await api.wait_for_state(entities.connectivity, "on", within=30)
    await api.wait_for_state(entities.camera, "streaming", within=30)
    await sim_client.command("video-result 2")
    await sim_client.fault("drop-av")  # video that still runs restarts and meets the refusal
    try:
        status, _body, took = await _still(api, entities)
        assert status == 500
        await api.wait_for_state(entities.camera, "idle", within=30)
        status, _body, again = await _still(api, entities)
        assert status == 500
        # A live viewer sees the reason as a picture; the restream says it (503) or shows it.
        viewer = Viewer(api, entities.camera)
        viewer.start()
        opened = time.time()
        shown = await viewer.reason_after(opened, within=30)
        async with api.session.get(restream.mkv, headers=restream.headers) as resp:
            mkv_status = resp.status
            reason = await resp.text()
        assert mkv_status == 503
        assert "no free connection slot" in reason
        nvr = Viewer(api, "", url=restream.mjpeg, headers=restream.headers, boundary=b"--ipcamera")
        nvr.start()
        nvr_shown = await nvr.reason_after(time.time(), within=30)
        warnings = [
            line
            for line in stack.log_lines("WARNING", since=module_log_mark)
            if "refuses video" in line
        ]
        assert len(warnings) == 1, warnings
        assert "too many connections" in warnings[0]

        deadline = time.monotonic() + 90
        while not (issues := await _issues(api)):
            assert time.monotonic() < deadline, "no repair issue"
            await asyncio.sleep(1)
        (issue,) = issues
        assert issue["translation_key"] == "video_too_many_connections"
        assert issue["severity"] == "warning"
        report_figure(
            f"refused video start: still failed in {took:.3f} s, then {again:.3f} s; restream"
            f" /mkv answered {mkv_status} with {reason.strip()!r}"
        )
        accepted_at = time.time()
        await sim_client.command("video-result 0")
        back = await viewer.frame_after(accepted_at, within=60)
        nvr_back = await nvr.frame_after(accepted_at, within=60)
        size = _jpeg_size(viewer.reason_jpeg)
        report_figure(
            f"live view during a refusal: reason picture ({size[0]}x{size[1]}) shown"
            f" {shown - opened:.2f} s after opening, {len(viewer.reasons)} reason pictures;"
            f" video back by itself on the same stream {back - accepted_at:.2f} s after the"
            f" camera accepted (restream MJPEG: reason after {nvr_shown - opened:.2f} s, video"
            f" back {nvr_back - accepted_at:.2f} s)"
        )
        await viewer.stop()
        await nvr.stop()
    finally:
        await sim_client.command("video-result 0")
    status, body, _took = await _still(api, entities)
    assert status == 200
    assert body.startswith(b"\xff\xd8")
    await api.wait_for_state(entities.camera, "streaming", within=30)
    assert await _issues(api) == []


async def test_one_second_control_drop_writes_no_logbook_entries(
    api: HassApi, entities: Entities, sim_client: SimulatorClient
) -> None:
    """A blip: only the connectivity sensor tells (the others ride out the 10 s grace)."""
    await api.wait_for_state(entities.connectivity, "on", within=30)
    await asyncio.sleep(2)
    since = datetime.now(UTC)
    await sim_client.fault("drop")
    off = await api.wait_for_state(entities.connectivity, "off", within=10, interval=0.02)
    on = await api.wait_for_state(entities.connectivity, "on", within=30, interval=0.05)
    assert off is not None
    assert on is not None
    gap = (
        datetime.fromisoformat(on["last_changed"]) - datetime.fromisoformat(off["last_changed"])
    ).total_seconds()
    await asyncio.sleep(12)  # past the grace: nothing comes late either
    ours = set((await api.entity_ids(DOMAIN)).values())
    entries = await api.request("GET", f"/api/logbook/{since.isoformat()}")
    written = Counter(e["entity_id"] for e in entries if e.get("entity_id") in ours)
    others = {entity: n for entity, n in written.items() if entity != entities.connectivity}
    report_figure(
        f"1 s control drop (back after {gap:.2f} s): logbook entries written: connectivity"
        f" {written[entities.connectivity]}, other entities {sum(others.values())}"
        f" (of {len(ours)} entities){' ' + json.dumps(others) if others else ''}"
    )
    assert others == {}


async def test_record_with_a_frozen_clock_ends_on_wall_time(
    api: HassApi, entities: Entities, stack: Stack, sim_client: SimulatorClient
) -> None:
    """The camera's clock stands still: the clip still lasts its duration, in about that time."""
    path = stack.hass.media_dir / "e2e-frozen.mp4"
    await sim_client.command("timestamps frozen")
    try:
        started = time.monotonic()
        answer = await api.request(
            "POST",
            "/api/services/bseries_ipcam/record?return_response",
            json_data={"entity_id": entities.camera, "filename": str(path), "duration": 4},
        )
        wall = time.monotonic() - started
    finally:
        await sim_client.command("timestamps normal")
    clip = answer["service_response"][entities.camera]
    process = await asyncio.create_subprocess_exec(
        shutil.which("ffprobe") or "/usr/bin/ffprobe",
        *("-v", "error", "-print_format", "json", "-show_format", str(path)),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    length = float(json.loads(out)["format"]["duration"])
    report_figure(
        f"record with a frozen clock: duration 4 s took {wall:.2f} s of wall time; clip"
        f" {length:.2f} s (reported {clip['duration']} s, {clip['frames']} frames)"
    )
    assert abs(length - 4) <= 0.5
    assert wall < 4 + 10


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def _settled_fds(pid: int, target: int, within: float = 20.0) -> int:
    """The fd count once it is back to `target` (closing sockets takes a moment), or the last."""
    deadline = time.monotonic() + within
    count = _fds(pid)
    while count > target and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        count = _fds(pid)
    return count


async def test_drop_restore_cycles_leave_no_file_descriptors(
    api: HassApi, stack: Stack, entities: Entities, sim_client: SimulatorClient
) -> None:
    """50 drops of every connection, each followed by a reconnect and a still: no fd leaks."""
    pid = stack.hass.pid
    assert pid is not None

    async def cycle() -> None:
        await sim_client.fault("drop")
        await api.wait_for_state(entities.connectivity, "off", within=10, interval=0.02)
        await api.wait_for_state(entities.connectivity, "on", within=60, interval=0.05)
        status, body, _took = await _still(api, entities)
        assert status == 200
        assert body.startswith(b"\xff\xd8")

    # The first cycle warms up what Home Assistant opens lazily. Both counts are taken after a
    # cycle's still (whose video stops right after it): the same connections are open each time.
    await cycle()
    await asyncio.sleep(1)
    fds_before, rss_before = _fds(pid), _rss_mb(pid)
    started = time.monotonic()
    for _ in range(CYCLES):
        await cycle()
    took = time.monotonic() - started
    fds_after = await _settled_fds(pid, fds_before)
    rss_after = _rss_mb(pid)
    report_figure(
        f"{CYCLES} drop/restore cycles in {took:.1f} s: hass fds {fds_before} -> {fds_after},"
        f" RSS {rss_before:.1f} -> {rss_after:.1f} MB"
    )
    assert fds_after == fds_before


async def test_only_the_expected_warnings_in_the_log(stack: Stack, module_log_mark: int) -> None:
    """No error; the integration warned only about what the rows above caused."""
    errors = stack.log_lines("ERROR", "CRITICAL", since=module_log_mark)
    assert not errors, "\n".join(errors)
    expected = ("Lost the connection", "refuses video")
    unexpected = [
        line
        for line in stack.log_lines("WARNING", since=module_log_mark)
        if "custom_components.bseries_ipcam" in line and not any(e in line for e in expected)
    ]
    assert not unexpected, "\n".join(unexpected)
