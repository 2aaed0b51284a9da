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
# Free space offered for each socket read (a VGA frame is 40-70 KB), and the buffer's first size:
# twice that, so that a partial frame moves to the front only every few reads.
MIN_READ_SPACE = 128 * 1024


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
    """Splits a byte stream into frames, keeping partial input between calls.

    Bytes come in either through `feed`, or straight from the socket: `get_buffer` hands out
    free space at the end of the decoder's own buffer and `buffer_updated` decodes what was
    written there (the shape of `asyncio.BufferedProtocol`), so that received bytes are copied
    once, into the frame's text.

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
        # Undecoded bytes are self._buffer[self._start:self._end]. The buffer is replaced, never
        # resized: a memoryview of it may still be held by the transport that filled it.
        self._buffer = bytearray(2 * MIN_READ_SPACE)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._consumed = 0  # stream offset of self._buffer[self._start], for error messages
        self._missing = HEADER_SIZE

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return self._end - self._start

    @property
    def missing(self) -> int:
        """Bytes still to come before the next frame is complete (as far as is known yet)."""
        return self._missing

    @property
    def offset(self) -> int:
        """Stream offset of the next frame."""
        return self._consumed

    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """Free space for at least `sizehint` (or MIN_READ_SPACE) bytes; see `buffer_updated`."""
        wanted = max(sizehint, MIN_READ_SPACE)
        if len(self._buffer) - self._end < wanted:
            pending = self._end - self._start
            # Move the partial frame to the front only when that reclaims at least as many
            # bytes as it copies, so that small reads never copy the same bytes over and over.
            if self._start >= pending and len(self._buffer) - pending >= wanted:
                # Through a copy: the two ranges may overlap.
                self._buffer[:pending] = bytes(self._view[self._start : self._end])
            else:
                buffer = bytearray(max(pending + wanted, 2 * len(self._buffer)))
                buffer[:pending] = self._view[self._start : self._end]
                self._buffer = buffer
                self._view = memoryview(buffer)
            self._start = 0
            self._end = pending
        return self._view[self._end :]

    def buffer_updated(self, nbytes: int) -> list[Frame]:
        """`nbytes` were written at the start of the last `get_buffer`: every frame completed."""
        return [
            Frame(channel, opcode, bytes(text))
            for channel, opcode, text in self.buffer_updated_views(nbytes)
        ]

    def buffer_updated_views(self, nbytes: int) -> list[tuple[Channel, int, memoryview]]:
        """`buffer_updated`, with each text as a view of the buffer instead of a copy.

        The views are valid until the next `get_buffer` or `feed`: for a reader that decodes
        the commands at once, so that each received byte is copied only into its command.
        """
        self._end += nbytes
        view = self._view
        end_of_data = self._end
        start = self._start
        frames: list[tuple[Channel, int, memoryview]] = []
        while end_of_data - start >= HEADER_SIZE:
            magic, opcode, _flag, _key, length, _copy = _HEADER.unpack_from(view, start)
            channel = self._check_header(magic, length, self._consumed + start - self._start)
            end = start + HEADER_SIZE + length
            if end > end_of_data:
                self._missing = end - end_of_data
                break
            frames.append((channel, opcode, view[start + HEADER_SIZE : end]))
            start = end
        else:
            self._missing = HEADER_SIZE - (end_of_data - start)
        self._consumed += start - self._start
        if start == end_of_data:
            self._start = self._end = 0
        else:
            self._start = start
        return frames

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes and return every frame they complete."""
        size = len(data)
        end = self._end
        if len(self._buffer) - end >= size:  # the usual case: no view, one copy
            self._buffer[end : end + size] = data
            return self.buffer_updated(size)
        frames: list[Frame] = []
        data_view = memoryview(data)
        while data_view:
            buffer = self.get_buffer(len(data_view))
            size = min(len(buffer), len(data_view))
            buffer[:size] = data_view[:size]
            frames += self.buffer_updated(size)
            data_view = data_view[size:]
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
        if self.buffered:
            raise ProtocolError(
                f"stream ends inside a command ({self.buffered} bytes left over)",
                self._consumed,
            )


def split_frames(data: bytes, channels: Channel | Iterable[Channel] | None = None) -> list[Frame]:
    """Every frame in `data`, which must hold whole commands only."""
    decoder = FrameDecoder(channels)
    frames = decoder.feed(data)
    decoder.close()
    return frames
