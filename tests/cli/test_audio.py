"""WAV conversion for `talk`: sample widths, channel mix-down, resampling, the ffmpeg fallback."""

from __future__ import annotations

import io
import math
import shutil
import struct
from typing import TYPE_CHECKING
import wave

import pytest

from bseries_cli import audio
from bseries_cli.audio import (
    load_audio,
    mix_down,
    pcm_to_samples,
    read_pcm_wav,
    resample,
    samples_to_pcm,
    wav_bytes,
)
from bseries_cli.output import CliError, ExitCode

if TYPE_CHECKING:
    from pathlib import Path

TONE_HZ = 400
AMPLITUDE = 8000


def tone(rate: int, seconds: float = 0.5, hz: float = TONE_HZ) -> list[float]:
    return [AMPLITUDE * math.sin(2 * math.pi * hz * i / rate) for i in range(round(rate * seconds))]


def make_wav(samples_per_channel: list[list[int]], rate: int, width: int) -> bytes:
    """A PCM WAV from per-channel integer samples already scaled to `width` bytes."""
    channels = len(samples_per_channel)
    frames = bytearray()
    for frame in zip(*samples_per_channel, strict=True):
        for value in frame:
            if width == 1:
                frames.append(value + 128)
            else:
                frames += value.to_bytes(width, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return buffer.getvalue()


def rms_error(got: list[int], want: list[float], skip: int = 8) -> float:
    pairs = list(zip(got[skip:-skip], want[skip:-skip], strict=False))
    return math.sqrt(sum((a - b) ** 2 for a, b in pairs) / len(pairs))


def test_sample_widths() -> None:
    assert pcm_to_samples(bytes([0, 128, 255]), 1) == [-32768, 0, 32512]
    assert pcm_to_samples(struct.pack("<3h", -32768, 1, 32767), 2) == [-32768, 1, 32767]
    assert pcm_to_samples(bytes.fromhex("ffff7f 000080 340012"), 3) == [32767, -32768, 0x1200]
    assert pcm_to_samples(struct.pack("<2i", 0x7FFFFFFF, -0x80000000), 4) == [32767, -32768]
    # A trailing partial sample is ignored.
    assert pcm_to_samples(struct.pack("<h", 5) + b"\x01", 2) == [5]
    with pytest.raises(CliError, match="40-bit"):
        pcm_to_samples(bytes(10), 5)


def test_mix_down() -> None:
    assert mix_down([1, 2, 3], 1) == [1, 2, 3]
    assert mix_down([100, 300, -100, -300], 2) == [200, -200]
    assert mix_down([30000, 30000, 30000, 0, 0, 0], 3) == [30000, 0]


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000, 96000, 4000, 6000])
def test_resample_follows_a_tone(rate: int) -> None:
    source = [round(value) for value in tone(rate)]
    out = resample(source, rate)
    assert len(out) == 4000  # 0.5 s at 8 kHz
    # Within ~1 % of the amplitude at 8 kHz and above (the box filter's droop at 400 Hz is 0.4 %);
    # upsampling from 4-6 kHz by linear interpolation costs a little more.
    limit = 100 if rate >= 8000 else 250
    assert rms_error(out, tone(8000)) < limit


def test_resample_suppresses_aliasing() -> None:
    # 7.5 kHz at 48 kHz would fold to 500 Hz without a low-pass; the box filter damps it.
    source = [round(value) for value in tone(48000, hz=7500)]
    out = resample(source, 48000)
    power = math.sqrt(sum(v * v for v in out) / len(out))
    assert power < 0.2 * AMPLITUDE / math.sqrt(2)


def test_resample_edges() -> None:
    assert resample([], 44100) == []
    assert resample([5], 44100) == [5]
    assert resample([1, 2], 4000) == [1, 2, 2, 2]


def test_samples_to_pcm_clamps() -> None:
    assert samples_to_pcm([40000, -40000, 3]) == struct.pack("<3h", 32767, -32768, 3)
    assert samples_to_pcm([1], ">") == b"\x00\x01"


def test_wav_bytes_round_trip() -> None:
    loaded = read_pcm_wav(wav_bytes([0, 1000, -1000]))
    assert loaded.samples == [0, 1000, -1000]
    assert loaded.source == "8000 Hz, 1 channel, 16-bit PCM"


@pytest.mark.parametrize(
    ("rate", "width", "channels"), [(44100, 3, 2), (16000, 1, 1), (48000, 4, 6), (8000, 2, 2)]
)
def test_read_pcm_wav_converts(rate: int, width: int, channels: int) -> None:
    scale = 2.0 ** (8 * width - 16)
    single = [round(v * scale) for v in tone(rate)]
    # Channels of two, zero and one times the tone: their mean (the mix) is the tone itself.
    double = [2 * value for value in single]
    per_channel = [single] if channels == 1 else [double, [0] * len(single)]
    per_channel += [single] * (channels - len(per_channel))
    data = make_wav(per_channel, rate, width)
    loaded = read_pcm_wav(data)
    assert (
        loaded.source == f"{rate} Hz, {channels} channel{'s' * (channels > 1)}, {width * 8}-bit PCM"
    )
    assert len(loaded.samples) == 4000
    limit = 300 if width == 1 else 100  # 8-bit PCM carries its own quantisation noise
    assert rms_error(loaded.samples, tone(8000)) < limit


def test_mix_down_of_antiphase_channels_cancels() -> None:
    left = [round(v) for v in tone(8000)]
    right = [-v for v in left]
    loaded = read_pcm_wav(make_wav([left, right], 8000, 2))
    assert max(map(abs, loaded.samples)) <= 1


async def test_float_wav_goes_through_ffmpeg() -> None:
    if shutil.which(audio.FFMPEG) is None:
        pytest.skip("ffmpeg is not installed")
    values = tone(22050)
    frames = struct.pack(f"<{len(values)}f", *(v / 32768 for v in values))
    data = float_wav(frames, 22050)
    with pytest.raises(wave.Error):
        read_pcm_wav(data)
    loaded = await load_audio(data, "float.wav")
    assert loaded.source == "converted by ffmpeg"
    assert abs(len(loaded.samples) - 4000) <= 2
    assert rms_error(loaded.samples, tone(8000), skip=50) < 300


def float_wav(frames: bytes, rate: int) -> bytes:
    """A 32-bit float mono WAV (format 3), which `wave` cannot read."""
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


async def test_without_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio, "FFMPEG", "/nonexistent/ffmpeg")
    with pytest.raises(
        CliError, match=r"not a PCM WAV file, and ffmpeg \(needed to convert it\) is not installed"
    ) as err:
        await load_audio(float_wav(bytes(400), 8000), "x.wav")
    assert err.value.code == ExitCode.USAGE


async def test_ffmpeg_cannot_convert() -> None:
    if shutil.which(audio.FFMPEG) is None:
        pytest.skip("ffmpeg is not installed")
    with pytest.raises(CliError, match=r"x\.wav is not a PCM WAV file, and ffmpeg cannot convert"):
        await load_audio(b"this is not audio at all" * 20, "x.wav")


async def test_ffmpeg_failing_silently(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\ncat >/dev/null\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(audio, "FFMPEG", str(fake))
    with pytest.raises(CliError, match="exit status 3"):
        await load_audio(b"junk", "x.wav")


async def test_empty_wav_is_an_error() -> None:
    with pytest.raises(CliError, match="holds no audio"):
        await load_audio(wav_bytes([]), "empty.wav")


def test_unsupported_layout() -> None:
    # wave accepts a 0 Hz header; the converter does not.
    data = bytearray(wav_bytes([1, 2, 3]))
    data[24:28] = struct.pack("<I", 0)
    with pytest.raises(wave.Error, match="unsupported PCM layout"):
        read_pcm_wav(bytes(data))
