"""WAV in and out: any PCM WAV to the camera's 8 kHz mono s16, and back to a WAV file.

Pure Python (`wave`, `struct`): 8/16/24/32-bit PCM, any channel count (mixed down by averaging),
any rate (downsampled by averaging each output sample's span, a box low-pass against aliasing;
upsampled by linear interpolation). Anything else `wave` cannot read (float or compressed WAVs,
other formats) goes through ffmpeg when it is installed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import io
import itertools
import struct
from typing import TYPE_CHECKING, Final
import wave

from .output import CliError, ExitCode

if TYPE_CHECKING:
    from collections.abc import Sequence

SAMPLE_RATE: Final = 8000
FFMPEG = "ffmpeg"  # the executable; a module attribute so that tests can point it elsewhere

_MIN = -32768
_MAX = 32767


@dataclass(frozen=True, slots=True)
class LoadedAudio:
    """Audio ready for the camera: 8 kHz mono samples, and where they came from."""

    samples: list[int]
    source: str  # e.g. "44100 Hz, 2 channels, 24-bit PCM"

    @property
    def seconds(self) -> float:
        """Duration at 8 kHz."""
        return len(self.samples) / SAMPLE_RATE


def pcm_to_samples(frames: bytes, width: int) -> list[int]:
    """Interleaved little-endian PCM of 1-4 bytes per sample (8-bit unsigned) as 16-bit values."""
    count = len(frames) // width
    frames = frames[: count * width]
    if width == 1:
        return [(byte - 128) << 8 for byte in frames]
    if width == 2:
        return list(struct.unpack(f"<{count}h", frames))
    if width == 3:
        # Widen each 24-bit sample to 32 bits (low byte zero), then keep the top 16 bits.
        wide = bytearray(count * 4)
        wide[1::4] = frames[0::3]
        wide[2::4] = frames[1::3]
        wide[3::4] = frames[2::3]
        return [value >> 16 for value in struct.unpack(f"<{count}i", wide)]
    if width == 4:
        return [value >> 16 for value in struct.unpack(f"<{count}i", frames)]
    raise CliError(f"{width * 8}-bit samples are not supported")


def mix_down(samples: Sequence[int], channels: int) -> list[int]:
    """Interleaved samples of `channels` channels to one channel, by averaging."""
    if channels == 1:
        return list(samples)
    columns = [samples[channel::channels] for channel in range(channels)]
    return [sum(frame) // channels for frame in zip(*columns, strict=False)]


def resample(samples: Sequence[int], rate: int, target: int = SAMPLE_RATE) -> list[int]:
    """Mono samples from `rate` to `target` Hz."""
    if rate == target or not samples:
        return list(samples)
    count = max(1, round(len(samples) * target / rate))
    step = rate / target
    total = len(samples)
    out: list[int] = []
    if rate < target:
        # Upsampling: linear interpolation between neighbours.
        last = total - 1
        for i in range(count):
            position = i * step
            j = int(position)
            if j >= last:
                out.append(samples[last])
                continue
            a = samples[j]
            out.append(round(a + (samples[j + 1] - a) * (position - j)))
        return out
    # Downsampling: each output sample is the mean of the input over one output period centred on
    # it (input sample j held over [j - 1/2, j + 1/2), hence the + 0.5 below), from prefix sums in
    # one pass: a box low-pass against aliasing that keeps the timing.
    prefix = list(itertools.accumulate(samples, initial=0))

    def integral(x: float) -> float:
        j = int(x)
        if j >= total:
            return prefix[total]
        return prefix[j] + samples[j] * (x - j)

    low = 0.0
    low_sum = 0.0
    for i in range(count):
        high = min((i + 0.5) * step + 0.5, float(total))
        high_sum = integral(high)
        span = high - low
        out.append(round((high_sum - low_sum) / span))  # span > 0: count <= total / step + 1/2
        low, low_sum = high, high_sum
    return out


def samples_to_pcm(samples: Sequence[int], byteorder: str = "<") -> bytes:
    """Samples as signed 16-bit PCM (little-endian unless told `>`), clamped."""
    clamped = [min(_MAX, max(_MIN, int(value))) for value in samples]
    return struct.pack(f"{byteorder}{len(clamped)}h", *clamped)


def wav_bytes(samples: Sequence[int], rate: int = SAMPLE_RATE) -> bytes:
    """A mono 16-bit PCM WAV file holding `samples`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples_to_pcm(samples))
    return buffer.getvalue()


def read_pcm_wav(data: bytes) -> LoadedAudio:
    """A PCM WAV converted to 8 kHz mono; `wave.Error` or `EOFError` if it is not one."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        channels = wav.getnchannels()
        width = wav.getsampwidth()
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    if not 1 <= width <= 4 or channels < 1 or rate < 1:
        raise wave.Error(
            f"unsupported PCM layout ({channels} channels, {width * 8}-bit, {rate} Hz)"
        )
    samples = resample(mix_down(pcm_to_samples(frames, width), channels), rate)
    plural = "s" if channels != 1 else ""
    return LoadedAudio(samples, f"{rate} Hz, {channels} channel{plural}, {width * 8}-bit PCM")


async def convert_with_ffmpeg(data: bytes, name: str) -> LoadedAudio:
    """Let ffmpeg convert any audio file to 8 kHz mono s16le; `CliError` if it cannot."""
    try:
        process = await asyncio.create_subprocess_exec(
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            "pipe:0",
            "-f",
            "s16le",
            "-acodec",
            "pcm_s16le",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "pipe:1",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError:
        raise CliError(
            f"{name} is not a PCM WAV file, and ffmpeg (needed to convert it) is not installed"
        ) from None
    output, errors = await process.communicate(data)
    if process.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {process.returncode}"
        raise CliError(f"{name} is not a PCM WAV file, and ffmpeg cannot convert it: {reason}")
    count = len(output) // 2
    samples = list(struct.unpack(f"<{count}h", output[: count * 2]))
    return LoadedAudio(samples, "converted by ffmpeg")


async def load_audio(data: bytes, name: str) -> LoadedAudio:
    """Any WAV (or other file ffmpeg reads) as 8 kHz mono samples; `CliError` if impossible."""
    try:
        audio = read_pcm_wav(data)
    except wave.Error, EOFError:
        audio = await convert_with_ffmpeg(data, name)
    if not audio.samples:
        raise CliError(f"{name} holds no audio", ExitCode.USAGE)
    return audio
