"""The live Matroska writer, read back by real ffprobe."""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import subprocess
from typing import TYPE_CHECKING

from PIL import Image
import pytest

from custom_components.bseries_ipcam.media.matroska import (
    MatroskaWriter,
    element,
    jpeg_size,
)

if TYPE_CHECKING:
    from pathlib import Path

FFPROBE = shutil.which("ffprobe")


def _jpeg(level: int, size: tuple[int, int] = (160, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (level, level, level)).save(out, "JPEG")
    return out.getvalue()


def _tone(packet: int) -> bytes:
    first = packet * 320
    values = [round(8000 * math.sin(2 * math.pi * 440 * (first + n) / 8000)) for n in range(320)]
    return struct.pack("<320h", *values)


def test_jpeg_size() -> None:
    assert jpeg_size(_jpeg(10, (176, 144))) == (176, 144)
    assert jpeg_size(b"\xff\xd8garbage-without-markers") is None
    assert jpeg_size(b"\xff\xd8") is None


def test_sizes_and_clock() -> None:
    assert element(0xA3, b"x" * 200)[:3] == b"\xa3\x40\xc8"
    writer = MatroskaWriter(0xFFFFFFF0, width=16, height=16, audio_rate=None)
    assert writer.milliseconds(0xFFFFFFF5) == 50
    assert writer.milliseconds(0x00000005) == 210  # across the 32-bit wrap
    with pytest.raises(ValueError, match="no audio track"):
        writer.audio(0, b"")


@pytest.mark.skipif(FFPROBE is None, reason="needs ffprobe")
@pytest.mark.parametrize("audio", [True, False])
def test_ffprobe_reads_it(tmp_path: Path, audio: bool) -> None:
    assert FFPROBE is not None
    writer = MatroskaWriter(5000, width=160, height=120, audio_rate=8000 if audio else None)
    data = bytearray(writer.header())
    for frame in range(30):  # 2 s at 15 fps, 10 ms ticks
        data += writer.video(5000 + round(frame * 100 / 15), _jpeg(frame * 8))
        if audio:
            for packet in range(frame * 50 // 30, (frame + 1) * 50 // 30):
                data += writer.audio(5000 + 4 * packet, _tone(packet))
    path = tmp_path / "clip.mkv"
    path.write_bytes(bytes(data))
    out = subprocess.run(
        [
            FFPROBE,
            "-v",
            "error",
            "-count_frames",
            "-print_format",
            "json",
            "-show_streams",
            str(path),
        ],
        check=True,
        capture_output=True,
    ).stdout
    streams = {s["codec_type"]: s for s in json.loads(out)["streams"]}
    assert streams["video"]["codec_name"] == "mjpeg"
    assert int(streams["video"]["nb_read_frames"]) == 30
    assert (streams["video"]["width"], streams["video"]["height"]) == (160, 120)
    if audio:
        assert streams["audio"]["codec_name"] == "pcm_s16le"
        assert streams["audio"]["sample_rate"] == "8000"
        assert int(streams["audio"]["nb_read_frames"]) == 50
    else:
        assert "audio" not in streams
