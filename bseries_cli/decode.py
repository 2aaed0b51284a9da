"""`decode` and `decode-audio`: captured protocol bytes to JSON lines, and Audio_Data to WAV."""

from __future__ import annotations

from dataclasses import dataclass, fields
import json
import struct
from typing import TYPE_CHECKING, Any

from custom_components.bseries_ipcam.protocol import (
    AdpcmDecoder,
    AlarmType,
    AudioData,
    Command,
    Privilege,
    ProtocolError,
    ResultCode,
    decode_command,
)
from custom_components.bseries_ipcam.protocol.const import HEADER_SIZE, TEXT_LENGTH_OFFSET
from custom_components.bseries_ipcam.protocol.framing import FrameDecoder
from custom_components.bseries_ipcam.protocol.messages import TalkData, UnknownCommand

from .audio import SAMPLE_RATE, wav_bytes
from .output import STDIO, CliError, ExitCode, error, info, read_input, write_output

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator, Sequence
    import enum

MASK = "***"
# Bytes fields are given as their length only; these few small ones also as hex.
HEX_FIELDS = frozenset({"extra"})
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Decoded:
    """One command of a file and where it starts."""

    offset: int
    magic: str
    opcode: int
    command: Command


def iter_commands(data: bytes) -> Iterator[Decoded]:
    """Every command in `data` (any channel), in order; `ProtocolError` with the byte offset.

    The commands before a malformed one are yielded first: the input is fed to the frame decoder
    one command at a time, so that framing checks (magic, length bound) apply to each in turn.
    """
    decoder = FrameDecoder(None)
    position = 0
    end = len(data)
    while position < end:
        header_end = min(position + HEADER_SIZE, end)
        frames = decoder.feed(data[position:header_end])  # checks magic and length bound
        if not frames and header_end - position == HEADER_SIZE:
            (length,) = _LENGTH.unpack_from(data, position + TEXT_LENGTH_OFFSET)
            frames = decoder.feed(data[header_end : header_end + length])
        if not frames:
            break  # the file ends inside a command: close() below says where
        (frame,) = frames
        yield Decoded(position, frame.channel.value, frame.opcode, decode_command(frame, position))
        position = decoder.offset
    decoder.close()


def _named(enum_type: type[enum.IntEnum], value: object) -> str | None:
    if not isinstance(value, int):
        return None
    try:
        return enum_type(value).name.lower()
    except ValueError:
        return None


def command_record(decoded: Decoded, file: str) -> dict[str, Any]:
    """The JSON object printed for one command: credentials masked, bytes as lengths."""
    command = decoded.command
    record: dict[str, Any] = {
        "file": file,
        "offset": decoded.offset,
        "magic": decoded.magic,
        "opcode": decoded.opcode,
        "command": command.NAME,
    }
    if isinstance(command, UnknownCommand):
        record["text_length"] = len(command.text)
        return record
    secret = command.SECRET_FIELDS
    for item in fields(command):
        name = item.name
        value = getattr(command, name)
        if isinstance(value, bytes):
            record[f"{name}_length"] = len(value)
            if name in secret:
                record[name] = MASK
            elif name in HEX_FIELDS:
                record[name] = value.hex()
        elif name in secret:
            record[name] = MASK
        elif isinstance(value, tuple):
            record[name] = list(value)
        else:
            record[name] = value
    if "result" in record:
        record["result_name"] = _named(ResultCode, record["result"])
    if "privilege" in record:
        record["privilege_name"] = _named(Privilege, record["privilege"])
    if "alarm_type" in record:
        record["alarm_type_name"] = _named(AlarmType, record["alarm_type"])
    return record


def _malformed(file: str, err: ProtocolError) -> str:
    where = f"at byte offset {err.offset}" if err.offset is not None else "at an unknown offset"
    return f"{file}: malformed input {where}: {err.reason}"


def run_decode(args: argparse.Namespace) -> int:
    """Print one JSON object per command of each file; exit 2 if any file is malformed."""
    return decode_files(args.files)


def decode_files(files: Sequence[str]) -> int:
    """The `decode` command on a list of files."""
    status = ExitCode.OK
    for file in files:
        try:
            data = read_input(file)
        except CliError as err:
            error(err.message, command="decode")
            status = ExitCode.USAGE
            continue
        try:
            for decoded in iter_commands(data):
                print(json.dumps(command_record(decoded, file)))
        except ProtocolError as err:
            error(_malformed(file, err), command="decode")
            status = ExitCode.USAGE
    return status


def run_decode_audio(args: argparse.Namespace) -> int:
    """Decode the audio packets of the files, in order and with one decoder state, to a WAV."""
    packet_type: type[AudioData | TalkData] = TalkData if args.talk else AudioData
    decoder = AdpcmDecoder()
    samples: list[int] = []
    packets = 0
    for file in args.files:
        data = read_input(file)
        try:
            for decoded in iter_commands(data):
                if isinstance(decoded.command, packet_type):
                    samples += decoder.decode(decoded.command.data)
                    packets += 1
        except ProtocolError as err:
            raise CliError(_malformed(file, err)) from None
    if not packets:
        raise CliError(f"no {packet_type.NAME} commands in the input")
    write_output(args.output, wav_bytes(samples))
    info(
        f"decoded {packets} {packet_type.NAME} packets ({len(samples) / SAMPLE_RATE:.2f} s) "
        f"to {'stdout' if args.output == STDIO else args.output}",
        to_stderr=args.output == STDIO,
    )
    return ExitCode.OK
