"""Helpers for the live audio, recording and restream tests: real ffmpeg and ffprobe on results."""

from __future__ import annotations

import asyncio
import json
import shutil
import struct
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")

needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None or FFPROBE is None, reason="needs ffmpeg and ffprobe (scripts/setup installs)"
)


async def _run(*args: str, data: bytes | None = None) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(data)
    assert process.returncode == 0, err.decode(errors="replace")
    return out


async def decode_audio(source: bytes | Path, *, rate: int = 8000, start: float = 0.0) -> list[int]:
    """The audio of `source` (bytes of a stream, or a file) as 16-bit mono samples at `rate`."""
    assert FFMPEG is not None
    data = source if isinstance(source, bytes) else None
    name = "pipe:0" if data is not None else str(source)
    out = await _run(
        FFMPEG,
        *("-hide_banner", "-loglevel", "error", "-i", name),
        *("-ss", str(start), "-vn", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"),
        data=data,
    )
    return list(struct.unpack(f"<{len(out) // 2}h", out))


async def probe(path: Path) -> dict[str, Any]:
    """ffprobe's streams (with frame counts) and format of a file."""
    assert FFPROBE is not None
    out = await _run(
        FFPROBE,
        *("-v", "error", "-count_frames", "-print_format", "json"),
        *("-show_streams", "-show_format", str(path)),
    )
    result: dict[str, Any] = json.loads(out)
    return result


def stream_of(info: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The first stream of a kind ("video", "audio") in ffprobe's answer."""
    return next((s for s in info["streams"] if s["codec_type"] == kind), None)


def video_and_audio(info: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The video and the audio stream in ffprobe's answer, both required."""
    video = stream_of(info, "video")
    audio = stream_of(info, "audio")
    assert video is not None
    assert audio is not None
    return video, audio


async def mjpeg_parts(response: Any) -> AsyncIterator[bytes]:
    """The JPEGs of a multipart/x-mixed-replace response, as they come."""
    buffer = b""
    while chunk := await response.content.readany():
        buffer += chunk
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                break
            head = buffer[:head_end].decode()
            length = int(head.split("Content-Length: ")[1].split("\r\n")[0])
            end = head_end + 4 + length + 2
            if len(buffer) < end:
                break
            yield buffer[head_end + 4 : head_end + 4 + length]
            buffer = buffer[end:]


async def read_mjpeg_parts(response: Any, count: int) -> list[bytes]:
    """Read `count` JPEGs from a multipart/x-mixed-replace response."""
    jpegs: list[bytes] = []
    async for jpeg in mjpeg_parts(response):
        jpegs.append(jpeg)
        if len(jpegs) == count:
            break
    return jpegs
