"""Framing: the 23-byte header, incremental decoding, per-channel bounds, and fuzzing."""

from __future__ import annotations

import random
import struct

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.bseries_ipcam.protocol.const import (
    HEADER_SIZE,
    MAX_TEXT_LENGTH,
    TEXT_LENGTH_OFFSET,
    AvOp,
    Channel,
    ControlOp,
    DiscoveryOp,
)
from custom_components.bseries_ipcam.protocol.exceptions import ProtocolError
from custom_components.bseries_ipcam.protocol.framing import (
    MIN_READ_SPACE,
    Frame,
    FrameDecoder,
    encode_frame,
    split_frames,
)
from custom_components.bseries_ipcam.protocol.messages import (
    Command,
    UnknownCommand,
    command_type,
    decode_command,
)

_OPS: dict[Channel, list[int]] = {
    Channel.CONTROL: [int(op) for op in ControlOp],
    Channel.AV: [int(op) for op in AvOp],
    Channel.DISCOVERY: [int(op) for op in DiscoveryOp],
}
REGISTERED: list[tuple[Channel, int, type[Command]]] = [
    (channel, op, cls)
    for channel, ops in _OPS.items()
    for op in ops
    if (cls := command_type(channel, op)) is not None
]


def header(
    magic: bytes = b"MO_O",
    opcode: int = 0,
    length: int = 0,
    *,
    copy: int | None = None,
    flag: int = 0,
    key: bytes = bytes(8),
) -> bytes:
    """A header built field by field, independently of encode_frame."""
    return (
        magic
        + struct.pack("<H", opcode)
        + bytes([flag])
        + key
        + struct.pack("<I", length)
        + struct.pack("<I", length if copy is None else copy)
    )


def feed_in_chunks(decoder: FrameDecoder, data: bytes, sizes: list[int]) -> list[Frame]:
    """Feed `data` cut at the given chunk sizes (cycled), collecting the frames."""
    frames: list[Frame] = []
    pos = 0
    i = 0
    while pos < len(data):
        size = max(1, sizes[i % len(sizes)]) if sizes else 1
        frames += decoder.feed(data[pos : pos + size])
        pos += size
        i += 1
    return frames


# --- header layout -------------------------------------------------------------------------------


def test_header_layout() -> None:
    data = encode_frame(Channel.CONTROL, 0x1234, b"hello")
    assert HEADER_SIZE == 23
    assert TEXT_LENGTH_OFFSET == 15
    assert len(data) == 23 + 5
    assert data[0:4] == b"MO_O"
    assert data[4:6] == b"\x34\x12"  # opcode, little-endian
    assert data[6] == 0  # reserved / "encryption flag"
    assert data[7:15] == bytes(8)  # reserved / "key"
    assert data[15:19] == b"\x05\x00\x00\x00"  # text length, little-endian
    assert data[19:23] == b"\x05\x00\x00\x00"  # the same length again
    assert data[23:] == b"hello"
    assert data == header(b"MO_O", 0x1234, 5) + b"hello"


@pytest.mark.parametrize(
    ("channel", "magic"),
    [(Channel.CONTROL, b"MO_O"), (Channel.AV, b"MO_V"), (Channel.DISCOVERY, b"MO_I")],
)
def test_magic_per_channel(channel: Channel, magic: bytes) -> None:
    assert channel.magic == magic
    assert encode_frame(channel, 255).startswith(magic)
    assert encode_frame(channel, 255) == header(magic, 255, 0)


def test_empty_text_frame() -> None:
    assert encode_frame(Channel.AV, 0) == b"MO_V" + bytes(19)
    assert split_frames(encode_frame(Channel.AV, 0)) == [Frame(Channel.AV, 0, b"")]


def test_split_frames_several() -> None:
    data = (
        encode_frame(Channel.CONTROL, 1, b"abc")
        + encode_frame(Channel.CONTROL, 255)
        + encode_frame(Channel.CONTROL, 0x0101, b"\x00" * 300)
    )
    assert split_frames(data, Channel.CONTROL) == [
        Frame(Channel.CONTROL, 1, b"abc"),
        Frame(Channel.CONTROL, 255, b""),
        Frame(Channel.CONTROL, 0x0101, b"\x00" * 300),
    ]


# --- incremental feeding -------------------------------------------------------------------------


def _sample_stream() -> tuple[bytes, list[Frame]]:
    frames = [
        Frame(Channel.AV, 1, bytes(range(256)) * 5),
        Frame(Channel.AV, 255, b""),
        Frame(Channel.AV, 2, b"\xff" * 177),
        Frame(Channel.AV, 0, b"\x01\x00\x00\x00"),
    ]
    return b"".join(encode_frame(f.channel, f.opcode, f.text) for f in frames), frames


def test_feed_byte_by_byte() -> None:
    data, expected = _sample_stream()
    decoder = FrameDecoder(Channel.AV)
    got: list[Frame] = []
    for i in range(len(data)):
        got += decoder.feed(data[i : i + 1])
        assert decoder.buffered <= HEADER_SIZE + 256 * 5
    assert got == expected
    assert decoder.buffered == 0
    assert decoder.offset == len(data)
    decoder.close()


def test_feed_random_chunks_identical() -> None:
    data, expected = _sample_stream()
    rng = random.Random(1234)
    for _ in range(50):
        sizes = [rng.randint(1, 400) for _ in range(64)]
        decoder = FrameDecoder(Channel.AV)
        assert feed_in_chunks(decoder, data, sizes) == expected
        decoder.close()


def test_feed_all_at_once_and_empty() -> None:
    data, expected = _sample_stream()
    decoder = FrameDecoder([Channel.AV])
    assert decoder.feed(b"") == []
    assert decoder.feed(data) == expected
    assert decoder.feed(b"") == []


def test_partial_header_is_buffered() -> None:
    decoder = FrameDecoder(Channel.CONTROL)
    frame = encode_frame(Channel.CONTROL, 3, b"\x00\x00\x02")
    assert decoder.feed(frame[:22]) == []
    assert decoder.buffered == 22
    assert decoder.offset == 0
    assert decoder.feed(frame[22:25]) == []
    assert decoder.buffered == 25
    assert decoder.feed(frame[25:]) == [Frame(Channel.CONTROL, 3, b"\x00\x00\x02")]
    assert decoder.buffered == 0
    assert decoder.offset == len(frame)


def test_length_copy_at_19_ignored() -> None:
    """Clones send 0 (or anything) in the second length field; framing uses offset 15 only."""
    data = header(b"MO_O", 1, 4, copy=0) + b"abcd" + header(b"MO_O", 2, 2, copy=0xFFFFFFFF) + b"xy"
    assert split_frames(data) == [
        Frame(Channel.CONTROL, 1, b"abcd"),
        Frame(Channel.CONTROL, 2, b"xy"),
    ]


def test_reserved_fields_ignored_on_receive() -> None:
    """A clone sends 0xAA in the reserved byte at offset 6; the 8-byte key is ignored too."""
    data = header(b"MO_O", 5, 2, flag=0xAA, key=b"\x01" * 8) + b"\x00\x00"
    assert split_frames(data) == [Frame(Channel.CONTROL, 5, b"\x00\x00")]


def test_magic_inside_text_not_split() -> None:
    inner = encode_frame(Channel.AV, 2, b"fake")
    text = b"\xff\xd8MO_V" + inner + b"MO_VMO_V\xff\xd9"
    data = encode_frame(Channel.AV, 1, text) + encode_frame(Channel.AV, 255)
    expected = [Frame(Channel.AV, 1, text), Frame(Channel.AV, 255, b"")]
    assert split_frames(data, Channel.AV) == expected
    decoder = FrameDecoder(Channel.AV)
    assert feed_in_chunks(decoder, data, [1]) == expected
    decoder.close()


# --- bounds --------------------------------------------------------------------------------------


def test_av_bound_enforced_on_header_alone() -> None:
    decoder = FrameDecoder(Channel.AV)
    with pytest.raises(ProtocolError) as err:
        decoder.feed(header(b"MO_V", 1, 10 * 1024 * 1024))
    assert err.value.offset == 0
    assert "10485760" in str(err.value)
    assert decoder.buffered == HEADER_SIZE  # nothing allocated for the announced text


def test_bound_error_offset_after_frames() -> None:
    good = encode_frame(Channel.CONTROL, 255)
    decoder = FrameDecoder(Channel.CONTROL)
    assert decoder.feed(good) == [Frame(Channel.CONTROL, 255, b"")]
    with pytest.raises(ProtocolError) as err:
        decoder.feed(header(b"MO_O", 1, MAX_TEXT_LENGTH[Channel.CONTROL] + 1))
    assert err.value.offset == len(good)
    assert f"at byte offset {len(good)}" in str(err.value)


@pytest.mark.parametrize(
    ("channel", "bound"),
    [(Channel.CONTROL, 64 * 1024), (Channel.AV, 4 * 1024 * 1024), (Channel.DISCOVERY, 1024)],
)
def test_bound_per_channel(channel: Channel, bound: int) -> None:
    assert MAX_TEXT_LENGTH[channel] == bound
    # Exactly at the bound: accepted and waits for the text.
    decoder = FrameDecoder()
    assert decoder.feed(header(channel.magic, 1, bound)) == []
    assert decoder.buffered == HEADER_SIZE
    # One past: rejected as soon as the header is complete.
    decoder = FrameDecoder()
    with pytest.raises(ProtocolError):
        decoder.feed(header(channel.magic, 1, bound + 1))
    assert decoder.buffered == HEADER_SIZE


def test_control_bound_rejects_av_sized_text() -> None:
    """A control frame the size of a JPEG is rejected even though the AV channel allows it."""
    with pytest.raises(ProtocolError, match="MO_O"):
        FrameDecoder(Channel.CONTROL).feed(header(b"MO_O", 1, 100_000))
    assert FrameDecoder(Channel.AV).feed(header(b"MO_V", 1, 100_000)) == []


def test_explicit_max_text_length() -> None:
    decoder = FrameDecoder(Channel.AV, max_text_length=10)
    assert decoder.feed(encode_frame(Channel.AV, 1, b"0123456789")) == [
        Frame(Channel.AV, 1, b"0123456789")
    ]
    with pytest.raises(ProtocolError) as err:
        decoder.feed(header(b"MO_V", 1, 11))
    assert err.value.offset == HEADER_SIZE + 10


def test_max_length_u32() -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder().feed(header(b"MO_V", 1, 0xFFFFFFFF))


# --- bad input -----------------------------------------------------------------------------------


def test_bad_magic() -> None:
    good = encode_frame(Channel.CONTROL, 0)
    decoder = FrameDecoder()
    with pytest.raises(ProtocolError) as err:
        decoder.feed(good + b"GET / HTTP/1.1\r\nHost: camera\r\n\r\n")
    assert err.value.offset == len(good)
    assert "bad magic" in err.value.reason
    assert "b'GET '" in err.value.reason


def test_bad_magic_needs_whole_header() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"XXXX" + bytes(18)) == []  # 22 bytes: not yet judged
    with pytest.raises(ProtocolError, match="bad magic"):
        decoder.feed(b"\x00")


def test_unexpected_channel() -> None:
    control = encode_frame(Channel.CONTROL, 255) * 2
    decoder = FrameDecoder(Channel.CONTROL)
    with pytest.raises(ProtocolError) as err:
        decoder.feed(control + encode_frame(Channel.AV, 1, b"x"))
    assert err.value.offset == len(control)
    assert err.value.reason == "unexpected MO_V command"
    with pytest.raises(ProtocolError, match="unexpected MO_I command"):
        split_frames(encode_frame(Channel.DISCOVERY, 0), [Channel.CONTROL, Channel.AV])


def test_close_with_leftover() -> None:
    data = encode_frame(Channel.CONTROL, 1, b"abc")
    decoder = FrameDecoder(Channel.CONTROL)
    decoder.feed(data + data[:10])
    with pytest.raises(ProtocolError) as err:
        decoder.close()
    assert err.value.offset == len(data)
    assert "10 bytes left over" in str(err.value)
    with pytest.raises(ProtocolError):
        split_frames(data[:-1])


def test_close_clean() -> None:
    decoder = FrameDecoder()
    decoder.close()
    decoder.feed(encode_frame(Channel.DISCOVERY, 1, b"z"))
    decoder.close()


def test_protocol_error_message() -> None:
    assert str(ProtocolError("boom")) == "boom"
    assert ProtocolError("boom").offset is None
    err = ProtocolError("boom", 42)
    assert str(err) == "boom (at byte offset 42)"
    assert err.reason == "boom"
    assert err.offset == 42


# --- fuzzing -------------------------------------------------------------------------------------

FUZZ_BOUND = 64


@st.composite
def hostile_streams(draw: st.DrawFn) -> bytes:
    """Frames with valid, bad or oversized headers, lying lengths, random garbage, truncation."""
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["frame", "oversized", "lying", "garbage", "badmagic"]))
        magic = draw(st.sampled_from([b"MO_O", b"MO_V", b"MO_I"]))
        opcode = draw(st.integers(0, 0xFFFF))
        if kind == "frame":
            text = draw(st.binary(max_size=FUZZ_BOUND))
            parts.append(header(magic, opcode, len(text)) + text)
        elif kind == "oversized":
            length = draw(st.one_of(st.integers(FUZZ_BOUND + 1, 0xFFFFFFFF), st.just(0xFFFFFFFF)))
            parts.append(header(magic, opcode, length) + draw(st.binary(max_size=40)))
        elif kind == "lying":
            length = draw(st.integers(0, FUZZ_BOUND))
            parts.append(header(magic, opcode, length) + draw(st.binary(max_size=FUZZ_BOUND)))
        elif kind == "garbage":
            parts.append(draw(st.binary(max_size=100)))
        else:
            parts.append(header(draw(st.binary(min_size=4, max_size=4)), opcode, 3) + b"abc")
    data = b"".join(parts)
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


def _check_stream(decoder: FrameDecoder, data: bytes, sizes: list[int], bound: int) -> None:
    pos = 0
    i = 0
    error: ProtocolError | None = None
    try:
        while pos < len(data):
            size = max(1, sizes[i % len(sizes)])
            chunk = data[pos : pos + size]
            before = decoder.buffered
            try:
                frames = decoder.feed(chunk)
            finally:
                # Even when it raises, the decoder holds no more than it had plus this chunk.
                assert decoder.buffered <= before + len(chunk)
                assert decoder.buffered <= HEADER_SIZE + bound + len(chunk)
            assert decoder.buffered <= HEADER_SIZE + bound
            for frame in frames:
                assert len(frame.text) <= bound
            pos += size
            i += 1
        decoder.close()
    except ProtocolError as err:
        error = err
    if error is not None:
        assert error.offset is not None
        assert 0 <= error.offset <= len(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=hostile_streams(),
    sizes=st.lists(st.integers(1, 97), min_size=1, max_size=20),
    channels=st.sampled_from([None, Channel.CONTROL, Channel.AV, [Channel.AV, Channel.DISCOVERY]]),
)
def test_fuzz_hostile_streams(
    data: bytes, sizes: list[int], channels: Channel | list[Channel] | None
) -> None:
    _check_stream(FrameDecoder(channels, max_text_length=FUZZ_BOUND), data, sizes, FUZZ_BOUND)


@settings(max_examples=200)
@given(data=st.binary(max_size=600), sizes=st.lists(st.integers(1, 64), min_size=1, max_size=10))
def test_fuzz_random_bytes_default_bounds(data: bytes, sizes: list[int]) -> None:
    _check_stream(FrameDecoder(), data, sizes, MAX_TEXT_LENGTH[Channel.AV])


@settings(max_examples=200)
@given(
    frames=st.lists(
        st.builds(
            Frame,
            st.sampled_from(list(Channel)),
            st.integers(0, 0xFFFF),
            st.binary(max_size=300),
        ),
        max_size=8,
    ),
    sizes=st.lists(st.integers(1, 50), min_size=1, max_size=10),
)
def test_fuzz_valid_streams_any_chunking(frames: list[Frame], sizes: list[int]) -> None:
    data = b"".join(encode_frame(f.channel, f.opcode, f.text) for f in frames)
    assert split_frames(data) == frames
    decoder = FrameDecoder()
    assert feed_in_chunks(decoder, data, sizes) == frames
    decoder.close()
    assert decoder.offset == len(data)


def test_registered_commands_cover_every_channel() -> None:
    names = {cls.__name__ for _, _, cls in REGISTERED}
    assert {"LoginResp", "VideoData", "AudioData", "SearchResp", "InitReq"} <= names
    assert command_type(Channel.CONTROL, ControlOp.RESERVED_15) is None
    assert command_type(Channel.CONTROL, 0x0102) is None
    for channel, op, cls in REGISTERED:
        assert cls.CHANNEL is channel
        assert op == cls.OPCODE


@pytest.mark.parametrize(
    ("channel", "opcode"),
    [(channel, op) for channel, op, _ in REGISTERED],
    ids=[f"{channel.value}-{op}-{cls.__name__}" for channel, op, cls in REGISTERED],
)
@settings(max_examples=60)
@given(text=st.binary(max_size=80), offset=st.integers(0, 1 << 20))
def test_fuzz_decode_command(channel: Channel, opcode: int, text: bytes, offset: int) -> None:
    try:
        command: Command | ProtocolError = decode_command(Frame(channel, opcode, text), offset)
    except ProtocolError as err:
        command = err
    if isinstance(command, ProtocolError):
        assert command.offset is not None
        assert offset + HEADER_SIZE <= command.offset <= offset + HEADER_SIZE + len(text)
    else:
        assert not isinstance(command, UnknownCommand)
        assert type(command) is command_type(channel, opcode)


# --- reading straight into the decoder's buffer (asyncio.BufferedProtocol) -----------------------


def _read_into(decoder: FrameDecoder, data: bytes, read_size: int) -> tuple[list[Frame], int]:
    """Deliver `data` as a socket would, `read_size` bytes per read; the frames and the largest
    free space offered."""
    frames: list[Frame] = []
    largest = 0
    for pos in range(0, len(data), read_size):
        piece = data[pos : pos + read_size]
        buffer = decoder.get_buffer(-1)
        assert len(buffer) >= MIN_READ_SPACE
        largest = max(largest, len(buffer))
        buffer[: len(piece)] = piece
        frames += decoder.buffer_updated(len(piece))
    return frames, largest


def test_partial_frames_move_to_the_front_instead_of_growing_the_buffer() -> None:
    texts = [bytes([i]) * 100_000 for i in range(50)]
    stream = b"".join(encode_frame(Channel.AV, 1, text) for text in texts)
    decoder = FrameDecoder(Channel.AV)
    # Reads that never end on a frame boundary leave a partial frame behind every time.
    frames, largest = _read_into(decoder, stream, 70_001)
    assert [frame.text for frame in frames] == texts
    assert largest <= 2 * MIN_READ_SPACE
    assert decoder.buffered == 0
    decoder.close()


def test_a_frame_larger_than_the_buffer_grows_it() -> None:
    text = bytes(range(256)) * 4096  # 1 MiB, several times the first buffer
    stream = encode_frame(Channel.AV, 1, text) + encode_frame(Channel.AV, 3, b"")
    decoder = FrameDecoder(Channel.AV)
    frames, _largest = _read_into(decoder, stream, 65_536)
    assert [(frame.opcode, frame.text) for frame in frames] == [(1, text), (3, b"")]
    assert decoder.offset == len(stream)
