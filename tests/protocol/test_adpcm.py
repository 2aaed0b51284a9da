"""The camera's ADPCM variant: hand-computed vectors, state handling, encoder round trip."""

from __future__ import annotations

import math
import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.bseries_ipcam.protocol.adpcm import (
    INDEX_ADJUST,
    STEP_TABLE,
    AdpcmDecoder,
    AdpcmEncoder,
    AdpcmState,
)
from custom_components.bseries_ipcam.protocol.const import (
    AUDIO_PACKET_BYTES,
    SAMPLE_RATE,
    SAMPLES_PER_PACKET,
)


def reference_decode(data: bytes, sample: int = 0, index: int = 0) -> tuple[list[int], int, int]:
    """The field notes' formula, written out without tables."""
    out: list[int] = []
    for byte in data:
        for code in (byte >> 4, byte & 0xF):
            step = STEP_TABLE[index]
            diff = (step * (code & 7)) // 4 + step // 8
            if code & 8:
                diff = -diff
            sample = max(-32768, min(32767, sample + diff))
            index = max(0, min(88, index + INDEX_ADJUST[code & 7]))
            out.append(sample)
    return out, sample, index


def decoder_at(sample: int, index: int) -> AdpcmDecoder:
    decoder = AdpcmDecoder()
    decoder.state = AdpcmState(sample, index)
    return decoder


def test_tables() -> None:
    assert len(STEP_TABLE) == 89
    assert STEP_TABLE[0] == 7
    assert STEP_TABLE[88] == 32767
    assert INDEX_ADJUST == (-1, -1, -1, -1, 2, 4, 6, 8)
    assert SAMPLES_PER_PACKET == 2 * AUDIO_PACKET_BYTES == 320


# Hand-computed: (initial sample, initial index, bytes, samples, final sample, final index).
# step(0)=7 step(2)=9 step(3)=10 step(4)=11 step(6)=13 step(8)=16 step(87)=29794 step(88)=32767
VECTORS = [
    # code 7 at (0,0): 7*7//4 + 7//8 = 12 (textbook IMA gives 11), index 8;
    # code 7 at index 8: 16*7//4 + 16//8 = 28 + 2 = 30 -> 42, index 16.
    (0, 0, b"\x77", [12, 42], 42, 16),
    # high nibble first: 0x70 is code 7 then code 0 (0 + 16//8 = 2 at index 8); 0x07 the reverse.
    (0, 0, b"\x70", [12, 14], 14, 7),
    (0, 0, b"\x07", [0, 12], 12, 8),
    # code 4: 7*4//4 + 0 = 7, index 2; code 4 at index 2: 9*4//4 + 9//8 = 10 -> 17, index 4;
    # code 1 at index 4: 11//4 + 11//8 = 2 + 1 -> 20, index 3;
    # code 0xA at index 3: -(10*2//4 + 10//8) = -6 -> 14, index 2.
    (0, 0, b"\x44\x1a", [7, 17, 20, 14], 14, 2),
    # index clamps at 0: codes 0..3 at index 0 keep it 0; code 0 and 8 add nothing at step 7.
    (0, 0, b"\x00\x88", [0, 0, 0, 0], 0, 0),
    (0, 0, b"\x3b", [5, 0], 0, 0),  # 7*3//4 = 5, then -(7*3//4) = -5
    # code 0xC at (0,0): -(7*4//4) = -7, index 2.
    (0, 0, b"\xc0", [-7, -6], -6, 1),  # then code 0 at index 2: 9//8 = 1 -> -6, index 1
    # top clamp and index clamp at 88: code 7 at index 88 = 32767*7//4 + 32767//8 = 61437.
    (32000, 88, b"\x7f", [32767, 32767 - 61437], -28670, 88),
    # bottom clamp: -28670 - 61437 < -32768; then code 0 at 88 adds 32767//8 = 4095, index 87.
    (-28670, 88, b"\xf0", [-32768, -28673], -28673, 87),
    # code 0xF at index 87 (step 29794): -(29794*7//4 + 29794//8) = -(52139 + 3724): clamps,
    # index 88; code 8 at 88 subtracts 32767//8 = 4095 from -32768: clamps again, index 87.
    (-28673, 87, b"\xf8", [-32768, -32768], -32768, 87),
]


@pytest.mark.parametrize("vector", VECTORS)
def test_hand_computed_vectors(vector: tuple[int, int, bytes, list[int], int, int]) -> None:
    sample, index, data, samples, end_sample, end_index = vector
    decoder = decoder_at(sample, index)
    assert decoder.decode(data) == samples
    assert decoder.state == AdpcmState(end_sample, end_index)
    assert reference_decode(data, sample, index) == (samples, end_sample, end_index)


def test_vector_steps() -> None:
    """The steps the hand computation above relies on."""
    assert [STEP_TABLE[i] for i in (0, 2, 3, 4, 6, 8, 14, 87, 88)] == [
        7, 9, 10, 11, 13, 16, 28, 29794, 32767,
    ]  # fmt: skip


def test_not_textbook_ima() -> None:
    """The first sample of code 7 from (0, 0) is 12 here; textbook shift-and-add gives 11."""
    step = 7
    textbook = step + (step >> 1) + (step >> 2) + (step >> 3)
    assert textbook == 11
    assert AdpcmDecoder().decode(b"\x70")[0] == 12


@given(
    data=st.binary(max_size=200),
    sample=st.integers(-32768, 32767),
    index=st.integers(0, 88),
)
def test_matches_formula(data: bytes, sample: int, index: int) -> None:
    decoder = decoder_at(sample, index)
    samples = decoder.decode(data)
    expected, end_sample, end_index = reference_decode(data, sample, index)
    assert samples == expected
    assert decoder.state == AdpcmState(end_sample, end_index)
    assert all(-32768 <= s <= 32767 for s in samples)


@given(st.lists(st.binary(max_size=50), max_size=8))
def test_state_carried_across_calls(chunks: list[bytes]) -> None:
    decoder = AdpcmDecoder()
    pieces: list[int] = []
    for chunk in chunks:
        pieces += decoder.decode(chunk)
    whole = AdpcmDecoder()
    assert pieces == whole.decode(b"".join(chunks))
    assert decoder.state == whole.state


def test_reset() -> None:
    decoder = AdpcmDecoder()
    first = decoder.decode(b"\x77\x77\x12\x34")
    assert decoder.state != AdpcmState(0, 0)
    decoder.reset()
    assert decoder.state == AdpcmState(0, 0)
    assert decoder.decode(b"\x77\x77\x12\x34") == first


def test_decode_to_pcm() -> None:
    decoder = AdpcmDecoder()
    assert decoder.decode_to_pcm(b"\x77") == struct.pack("<2h", 12, 42)
    decoder.reset()
    assert decoder.decode_to_pcm(b"\x77", "big") == struct.pack(">2h", 12, 42)
    decoder.reset()
    assert decoder.decode_to_pcm(b"") == b""


# --- encoder -------------------------------------------------------------------------------------


def test_encoder_hand_computed() -> None:
    encoder = AdpcmEncoder()
    # 12 from (0,0): 4*12//7 = 6 -> code 6, diff 7*6//4 = 10, index 6.
    # -100 from (10,6): |d| = 110, 4*110//13 = 33 -> 7, sign -> 0xF, diff -(22 + 1) -> -13, index 14.
    assert encoder.encode([12, -100]) == b"\x6f"
    assert encoder.state == AdpcmState(-13, 14)
    assert encoder.encode([]) == b""


def sine(count: int, frequency: float = 440.0, amplitude: float = 12000.0) -> list[int]:
    return [
        round(amplitude * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE)) for n in range(count)
    ]


def snr_db(original: list[int], decoded: list[int]) -> float:
    signal = sum(s * s for s in original)
    noise = sum((s - d) ** 2 for s, d in zip(original, decoded, strict=True))
    return 10 * math.log10(signal / noise)


# Measured with this codec, one second of a sine at amplitude 12000 (8 kHz), after a 20 ms
# warm-up while the step size climbs from 7: 440 Hz -> 30.2 dB SNR, 1 kHz -> 20.3 dB (the encoder
# truncates 4*|d|//step, as the camera's does). Including the warm-up: 27.1 dB and 19.9 dB.
# Thresholds leave a little margin below the measured values.
WARM_UP = SAMPLE_RATE // 50


@pytest.mark.parametrize(("frequency", "threshold"), [(440.0, 28.0), (1000.0, 19.0)])
def test_encoder_decoder_round_trip_sine(frequency: float, threshold: float) -> None:
    pcm = sine(SAMPLE_RATE, frequency)  # one second
    encoder = AdpcmEncoder()
    data = b"".join(
        encoder.encode(pcm[i : i + SAMPLES_PER_PACKET])
        for i in range(0, len(pcm), SAMPLES_PER_PACKET)
    )
    assert len(data) == SAMPLE_RATE // 2
    assert encoder.flush() == b""
    decoder = AdpcmDecoder()
    decoded = decoder.decode(data)
    assert decoder.state == encoder.state
    assert snr_db(pcm[WARM_UP:], decoded[WARM_UP:]) > threshold
    assert snr_db(pcm, decoded) > threshold - 2


@given(st.lists(st.integers(-32768, 32767), max_size=300))
def test_encoder_state_matches_decoder(samples: list[int]) -> None:
    encoder = AdpcmEncoder()
    data = encoder.encode(samples) + encoder.flush()
    assert len(data) == (len(samples) + 1) // 2
    decoder = AdpcmDecoder()
    decoded = decoder.decode(data)
    assert decoder.state == encoder.state
    # The decoder reproduces the encoder's own reconstruction, sample by sample.
    stepwise = AdpcmEncoder()
    reconstruction: list[int] = []
    for sample in samples:
        stepwise.encode([sample])
        reconstruction.append(stepwise.state.sample)
    assert decoded[: len(samples)] == reconstruction


@given(
    samples=st.lists(st.integers(-32768, 32767), max_size=200),
    cuts=st.lists(st.integers(0, 200), max_size=6),
)
def test_encoder_state_carried_across_calls(samples: list[int], cuts: list[int]) -> None:
    whole = AdpcmEncoder()
    expected = whole.encode(samples) + whole.flush()
    pieces = AdpcmEncoder()
    out = b""
    start = 0
    for cut in sorted(c for c in cuts if c <= len(samples)):
        out += pieces.encode(samples[start:cut])
        start = cut
    out += pieces.encode(samples[start:]) + pieces.flush()
    assert out == expected
    assert pieces.state == whole.state


def test_odd_sample_count_and_flush() -> None:
    encoder = AdpcmEncoder()
    assert encoder.encode([12]) == b""  # waits for its low half
    assert encoder.encode([-100, 500]) == b"\x6f"  # the same byte as in one call
    assert encoder.state.sample != 0
    state_before_flush = AdpcmState(encoder.state.sample, encoder.state.index)
    last = encoder.flush()
    assert len(last) == 1
    # The pending code is the high nibble; the filler code 0 (delta 0) the low one.
    assert last[0] & 0x0F == 0
    assert encoder.flush() == b""
    decoder = AdpcmDecoder()
    decoded = decoder.decode(b"\x6f" + last)
    assert decoded[2] == state_before_flush.sample
    assert decoder.state == encoder.state


def test_flush_without_pending() -> None:
    encoder = AdpcmEncoder()
    assert encoder.flush() == b""
    assert encoder.encode([1, 2]) != b""
    assert encoder.flush() == b""


def test_encoder_clamps() -> None:
    encoder = AdpcmEncoder()
    data = encoder.encode([32767] * 40 + [-32768] * 40)
    decoder = AdpcmDecoder()
    decoded = decoder.decode(data)
    assert max(decoded) == 32767
    assert min(decoded) == -32768
    assert decoder.state == encoder.state


# --- speed (not timed here; measured elsewhere) --------------------------------------------------


def test_decode_one_minute_runs() -> None:
    """Decode 60 s of audio in packets, as a session does; only checks that it completes."""
    packet = bytes((i * 37) & 0xFF for i in range(AUDIO_PACKET_BYTES))
    decoder = AdpcmDecoder()
    total = 0
    for _ in range(60 * SAMPLE_RATE // SAMPLES_PER_PACKET):
        total += len(decoder.decode_to_pcm(packet))
    assert total == 60 * SAMPLE_RATE * 2
