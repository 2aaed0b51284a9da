"""Codec throughput: AV framing + Video_Data decoding, and the camera's ADPCM both ways.

Everything runs in the benchmark's own process before Home Assistant starts, so nothing else of
the benchmark competes for the CPU. Each figure is the best of a few repeats (the least disturbed
by other processes on the machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
import math
import random
import time
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder, AdpcmEncoder
from custom_components.bseries_ipcam.protocol.const import (
    SAMPLE_RATE,
    SAMPLES_PER_PACKET,
    Channel,
)
from custom_components.bseries_ipcam.protocol.framing import FrameDecoder
from custom_components.bseries_ipcam.protocol.messages import VideoData, decode_command

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# 1448 bytes: one TCP segment's payload on Ethernet (what a real camera's reads often bring);
# 16 KiB and 64 KiB: what reads bring on a fast link or from the local simulator.
CHUNK_SIZES: Final = (1448, 16 * 1024, 64 * 1024)
STREAM_BYTES: Final = 48 * 1024 * 1024
AUDIO_SECONDS: Final = 60.0
REPEATS: Final = 3


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """Video decoding at one chunk size."""

    chunk_size: int
    megabytes_per_second: float
    frames_per_second: float
    mean_frame_bytes: float


@dataclass(frozen=True, slots=True)
class CodecResults:
    """All codec figures."""

    video: list[DecodeResult]
    adpcm_decode_x_realtime: float
    adpcm_encode_x_realtime: float


def _best_time(run: Callable[[], object], repeats: int = REPEATS) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def video_stream(jpegs: Sequence[bytes]) -> tuple[bytes, int]:
    """Video_Data commands carrying `jpegs` in turn, about STREAM_BYTES long; and their count."""
    commands = [
        VideoData(i * 7, 1_700_000_000 + i, jpeg).to_bytes() for i, jpeg in enumerate(jpegs)
    ]
    cycle = b"".join(commands)
    repeats = max(1, STREAM_BYTES // len(cycle))
    return cycle * repeats, len(commands) * repeats


def split(stream: bytes, chunk_size: int) -> list[bytes]:
    """`stream` as the reads of a socket would bring it (cut before timing)."""
    return [stream[start : start + chunk_size] for start in range(0, len(stream), chunk_size)]


def decode_video(chunks: Sequence[bytes]) -> int:
    """Feed the chunks as the AV connection does; the number of video frames decoded."""
    decoder = FrameDecoder(Channel.AV)
    count = 0
    for chunk in chunks:
        offset = decoder.offset
        for frame in decoder.feed(chunk):
            command = decode_command(frame, offset)
            offset += 23 + len(frame.text)
            if isinstance(command, VideoData):
                count += 1
    decoder.close()
    return count


def bench_video(jpegs: Sequence[bytes]) -> list[DecodeResult]:
    """Decoding throughput at each of CHUNK_SIZES."""
    stream, frames = video_stream(jpegs)
    results = []
    for chunk_size in CHUNK_SIZES:
        chunks = split(stream, chunk_size)
        assert decode_video(chunks) == frames
        elapsed = _best_time(partial(decode_video, chunks))
        del chunks
        results.append(
            DecodeResult(
                chunk_size,
                len(stream) / elapsed / 1e6,
                frames / elapsed,
                len(stream) / frames,
            )
        )
    return results


def test_signal(seconds: float) -> list[list[int]]:
    """Speech-like audio in packets of 320 samples: two tones and some noise."""
    rng = random.Random(1234)
    total = int(seconds * SAMPLE_RATE)
    return [
        [
            round(
                6000 * math.sin(2 * math.pi * 440 * n / SAMPLE_RATE)
                + 3000 * math.sin(2 * math.pi * 1250 * n / SAMPLE_RATE)
                + rng.gauss(0, 800)
            )
            for n in range(first, first + SAMPLES_PER_PACKET)
        ]
        for first in range(0, total, SAMPLES_PER_PACKET)
    ]


def bench_adpcm(seconds: float = AUDIO_SECONDS) -> tuple[float, float]:
    """Decode and encode speed of ADPCM, as multiples of real time (8 kHz mono)."""
    pcm = test_signal(seconds)
    encoder = AdpcmEncoder()
    adpcm = [encoder.encode(packet) for packet in pcm]

    def encode() -> None:
        enc = AdpcmEncoder()
        for packet in pcm:
            enc.encode(packet)

    def decode() -> None:
        dec = AdpcmDecoder()
        for packet in adpcm:
            dec.decode(packet)

    return seconds / _best_time(decode), seconds / _best_time(encode)


def run(jpegs: Sequence[bytes]) -> CodecResults:
    """Every codec figure."""
    video = bench_video(jpegs)
    decode_x, encode_x = bench_adpcm()
    return CodecResults(video, decode_x, encode_x)
