"""MJPEG viewers in their own process, so that they do not disturb the measured `hass` process.

`python -m benchmarks.viewers` reads jobs as JSON lines on stdin and runs each in turn (one process
for every phase: starting Python per phase would cost more time than most phases measure):

- `stream`: for each of `streams` (`{"url": ..., "viewers": N}`), N viewers read that MJPEG URL
  (Home Assistant's `/api/camera_proxy_stream/<entity>`, or the relay's) and note when each frame
  (its stamp, see `benchmarks.frames`) arrived. Once every viewer has a frame it waits `warmup` seconds, prints
  `{"event": "start"}`, measures for `measure` seconds, prints `{"event": "end"}`, keeps reading
  until a `close` line arrives on stdin, and prints `{"event": "result", ...}`.
- `stall`: one viewer opens the stream and never reads; prints `{"event": "stalled"}` and keeps the
  socket open until `close` arrives on stdin.

Every line on stdout is one JSON object. Times are `time.monotonic()` (CLOCK_MONOTONIC, the same
clock in every process on the machine).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import resource
import socket
import sys
import time
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from .frames import read_stamp

_HEAD_END: Final = b"\r\n\r\n"
_MAX_HEAD: Final = 4096


def emit(event: str, **data: Any) -> None:
    """One JSON line on stdout."""
    sys.stdout.write(json.dumps({"event": event, **data}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def content_length(head: bytes) -> int:
    """The Content-Length of a multipart part's headers."""
    for line in head.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            return int(value)
    raise ValueError(f"a part without Content-Length: {head[:200]!r}")


@dataclass(slots=True)
class Viewer:
    """One MJPEG reader: the stamp and arrival time of every frame."""

    stream: int
    url: str
    stamps: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    error: str | None = None
    first: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, session: aiohttp.ClientSession, headers: dict[str, str]) -> None:
        """Read frames until cancelled."""
        try:
            async with session.get(self.url, headers=headers) as response:
                response.raise_for_status()
                content = response.content
                stamps = self.stamps
                times = self.times
                monotonic = time.monotonic
                while True:
                    head = await content.readuntil(_HEAD_END, max_size=_MAX_HEAD)
                    if not head.endswith(_HEAD_END):
                        self.error = "the stream ended"
                        return
                    body = await content.readexactly(content_length(head))
                    arrived = monotonic()
                    stamp = read_stamp(body)
                    stamps.append(-1 if stamp is None else stamp)
                    times.append(arrived)
                    self.first.set()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - reported to the orchestrator
            self.error = f"{type(err).__name__}: {err}"
            self.first.set()


async def _stdin_line() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def run_stream(config: dict[str, Any]) -> None:
    """The `stream` mode (see the module's docstring)."""
    headers = {"Authorization": f"Bearer {config['token']}"}
    wanted = [(str(s["url"]), int(s["viewers"])) for s in config["streams"]]
    viewers = [
        Viewer(index, url) for index, (url, count) in enumerate(wanted) for _ in range(count)
    ]
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.create_task(v.run(session, headers)) for v in viewers]
        try:
            async with asyncio.timeout(float(config.get("connect_timeout", 20))):
                await asyncio.gather(*(v.first.wait() for v in viewers))
        except TimeoutError:
            pass
        await asyncio.sleep(float(config["warmup"]))
        usage_start = resource.getrusage(resource.RUSAGE_SELF)
        start = time.monotonic()
        emit("start", t=start)
        await asyncio.sleep(float(config["measure"]))
        end = time.monotonic()
        usage_end = resource.getrusage(resource.RUSAGE_SELF)
        emit("end", t=end)
        await _stdin_line()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    cpu = (usage_end.ru_utime + usage_end.ru_stime) - (usage_start.ru_utime + usage_start.ru_stime)
    result = []
    for viewer in viewers:
        frames = [
            (stamp, t)
            for stamp, t in zip(viewer.stamps, viewer.times, strict=True)
            if start <= t <= end
        ]
        result.append(
            {
                "stream": viewer.stream,
                "frames": frames,
                "total": len(viewer.times),
                "error": viewer.error,
            }
        )
    emit("result", start=start, end=end, viewer_cpu=cpu, viewers=result)


async def run_stall(config: dict[str, Any]) -> None:
    """The `stall` mode: send the request, then never read a byte."""
    parts = urlsplit(str(config["base"]))
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    sock = socket.create_connection((host, port))
    request = (
        f"GET /api/camera_proxy_stream/{config['entity']} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: Bearer {config['token']}\r\n"
        "\r\n"
    ).encode()
    sock.sendall(request)
    emit("stalled", t=time.monotonic())
    await _stdin_line()
    with contextlib.suppress(OSError):
        sock.close()
    emit("result")


async def serve() -> None:
    """Run one job per JSON line on stdin, one after another, until stdin ends."""
    while line := await _stdin_line():
        config = json.loads(line)
        mode = config["mode"]
        if mode == "stream":
            await run_stream(config)
        elif mode == "stall":
            await run_stall(config)
        else:
            raise SystemExit(f"unknown mode {mode!r}")


def main() -> None:
    """Entry point: jobs come as JSON lines on stdin (one process serves every phase)."""
    asyncio.run(serve())


if __name__ == "__main__":
    main()
