"""Helpers for the talk and speaker tests: test tones as WAV files, and measuring what arrived."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import math
import struct
from typing import TYPE_CHECKING
import wave

from homeassistant.helpers import entity_registry as er

from custom_components.bseries_ipcam.const import DOMAIN

from .helpers import CAMERA_ID, MockConfigEntry

if TYPE_CHECKING:
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator
    from custom_components.bseries_ipcam.talk import TalkEngine

OUT_RATE = 8000
AMPLITUDE = 0.5  # of full scale
# A tone through ffmpeg's resampling, the ADPCM encoder and the camera's decoder comes out at
# least this clean (measured: 29.6 dB at 440 Hz; 22.6-23.6 dB at 880-1000 Hz, where 4-bit
# ADPCM follows the faster slope less closely).
MIN_SNR_DB = 26.0
HIGH_TONE_MIN_SNR_DB = 20.0


def write_tone(
    path: Path,
    frequency: float = 440.0,
    seconds: float = 1.0,
    *,
    rate: int = 44100,
    channels: int = 2,
    amplitude: float = AMPLITUDE,
) -> Path:
    """A sine tone as a 16-bit WAV file (stereo 44.1 kHz by default, so ffmpeg converts it)."""
    frames = bytearray()
    for n in range(round(seconds * rate)):
        value = round(amplitude * 32767 * math.sin(2 * math.pi * frequency * n / rate))
        frames += struct.pack("<h", value) * channels
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return path


@dataclass(frozen=True, slots=True)
class ToneFit:
    """A least-squares fit of one sine to received samples."""

    amplitude: float  # of full scale
    snr_db: float  # the fitted sine against everything else


def fit_tone(samples: list[int], frequency: float, rate: int = OUT_RATE) -> ToneFit:
    """Fit a*sin + b*cos + c at `frequency` to the samples; the amplitude and the SNR."""
    count = len(samples)
    sines = [math.sin(2 * math.pi * frequency * n / rate) for n in range(count)]
    cosines = [math.cos(2 * math.pi * frequency * n / rate) for n in range(count)]
    # The normal equations of a 3-parameter linear fit (sine, cosine, offset).
    columns = (sines, cosines, [1.0] * count)
    matrix = [[sum(x * y for x, y in zip(a, b, strict=True)) for b in columns] for a in columns]
    vector = [sum(x * y for x, y in zip(a, samples, strict=True)) for a in columns]
    a, b, c = _solve3(matrix, vector)
    fitted = [a * s + b * co + c for s, co in zip(sines, cosines, strict=True)]
    signal = sum((f - c) ** 2 for f in fitted)
    noise = sum((x - f) ** 2 for x, f in zip(samples, fitted, strict=True)) or 1e-9
    return ToneFit(math.hypot(a, b) / 32767, 10 * math.log10(signal / noise))


def _solve3(m: list[list[float]], v: list[float]) -> tuple[float, float, float]:
    """Cramer's rule for three unknowns."""

    def det(x: list[list[float]]) -> float:
        return (
            x[0][0] * (x[1][1] * x[2][2] - x[1][2] * x[2][1])
            - x[0][1] * (x[1][0] * x[2][2] - x[1][2] * x[2][0])
            + x[0][2] * (x[1][0] * x[2][1] - x[1][1] * x[2][0])
        )

    d = det(m)
    solution = []
    for i in range(3):
        replaced = [[v[r] if col == i else m[r][col] for col in range(3)] for r in range(3)]
        solution.append(det(replaced) / d)
    return solution[0], solution[1], solution[2]


def engine_of(entry: MockConfigEntry) -> TalkEngine:
    """The talk engine of a loaded entry."""
    engine: TalkEngine = entry.runtime_data.talk
    return engine


def speaker_id(hass: HomeAssistant) -> str:
    """The entity id of the camera's speaker."""
    found = er.async_get(hass).async_get_entity_id("media_player", DOMAIN, f"{CAMERA_ID}_speaker")
    assert found is not None
    return found


class PacingMonitor:
    """Samples how much talk audio the simulator has received, against the time since it began."""

    def __init__(self, simulator: CameraSimulator) -> None:
        """Nothing measured yet."""
        self._simulator = simulator
        self.start: float | None = None
        self.end: float | None = None
        self.max_ahead = 0.0  # the most seconds of audio received ahead of the clock

    async def run(self) -> None:
        """Measure until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            received = len(self._simulator.talk_samples) / OUT_RATE
            now = loop.time()
            if received and self.start is None:
                self.start = now
            if self.start is not None:
                self.max_ahead = max(self.max_ahead, received - (now - self.start))
                self.end = now
            await asyncio.sleep(0.01)
