"""Bytes <-> frames: the 23-byte header shared by every channel, and incremental framing.

Framing is strictly by the text length at offset 15 (the copy at offset 19 is ignored: some clones
send 0 there). The magic is never searched for, since "MO_V" can occur inside JPEG data.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import TYPE_CHECKING

from .const import HEADER_SIZE, MAX_TEXT_LENGTH, Channel
from .exceptions import ProtocolError

if TYPE_CHECKING:
    from collections.abc import Iterable

_HEADER = struct.Struct("<4sHB8sII")
_CHANNELS_BY_MAGIC = {channel.magic: channel for channel in Channel}
_ZERO_KEY = bytes(8)


@dataclass(frozen=True, slots=True)
class Frame:
    """One command as framed on the wire: its channel, opcode and text (payload)."""

    channel: Channel
    opcode: int
    text: bytes


def encode_frame(channel: Channel, opcode: int, text: bytes = b"") -> bytes:
    """Header plus text, with the reserved fields zeroed and the length written twice."""
    return _HEADER.pack(channel.magic, opcode, 0, _ZERO_KEY, len(text), len(text)) + text


class FrameDecoder:
    """Splits a byte stream into frames, keeping partial input between calls to `feed`.

    A frame whose length passes its channel's bound raises `ProtocolError` as soon as its header
    is complete, before anything is allocated for it; so is a magic that is not expected.
    """

    def __init__(
        self,
        channels: Channel | Iterable[Channel] | None = None,
        max_text_length: int | None = None,
    ) -> None:
        """Accept the given channel(s), or any channel when None."""
        if channels is None:
            accepted = set(Channel)
        elif isinstance(channels, Channel):
            accepted = {channels}
        else:
            accepted = set(channels)
        self._accepted = {ch.magic: ch for ch in accepted}
        self._max_text_length = max_text_length
        self._buffer = bytearray()
        self._consumed = 0  # stream offset of self._buffer[0], for error messages

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return len(self._buffer)

    @property
    def offset(self) -> int:
        """Stream offset of the next frame."""
        return self._consumed

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes and return every frame they complete."""
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        start = 0
        available = len(buffer)
        while available - start >= HEADER_SIZE:
            magic, opcode, _flag, _key, length, _copy = _HEADER.unpack_from(buffer, start)
            channel = self._check_header(magic, length, self._consumed + start)
            end = start + HEADER_SIZE + length
            if end > available:
                break
            frames.append(Frame(channel, opcode, bytes(buffer[start + HEADER_SIZE : end])))
            start = end
        if start:
            del buffer[:start]
            self._consumed += start
        return frames

    def _check_header(self, magic: bytes, length: int, offset: int) -> Channel:
        channel = self._accepted.get(magic)
        if channel is None:
            known = _CHANNELS_BY_MAGIC.get(magic)
            what = f"unexpected {known.value} command" if known else f"bad magic {magic!r}"
            raise ProtocolError(what, offset)
        bound = MAX_TEXT_LENGTH[channel] if self._max_text_length is None else self._max_text_length
        if length > bound:
            raise ProtocolError(
                f"{channel.value} text length {length} exceeds the bound of {bound} bytes", offset
            )
        return channel

    def close(self) -> None:
        """Declare the end of the stream: a partial frame left over is an error."""
        if self._buffer:
            raise ProtocolError(
                f"stream ends inside a command ({len(self._buffer)} bytes left over)",
                self._consumed,
            )


def split_frames(data: bytes, channels: Channel | Iterable[Channel] | None = None) -> list[Frame]:
    """Every frame in `data`, which must hold whole commands only."""
    decoder = FrameDecoder(channels)
    frames = decoder.feed(data)
    decoder.close()
    return frames
