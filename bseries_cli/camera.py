"""The commands that talk to a camera: `probe`, `snapshot`, `listen`, `talk`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import TYPE_CHECKING, Final

from custom_components.bseries_ipcam.protocol import (
    AudioData,
    BSeriesError,
    CameraClient,
    CameraTimeoutError,
    ConnectionClosedError,
)

from .audio import SAMPLE_RATE, load_audio, samples_to_pcm, wav_bytes
from .output import STDIO, ExitCode, error, info, read_input, write_output

if TYPE_CHECKING:
    from custom_components.bseries_ipcam.protocol import CameraInfo

DEFAULT_PORT: Final = 80
DEFAULT_USER: Final = "admin"
DEFAULT_TIMEOUT: Final = 10.0
PASSWORD_ENV: Final = "BSERIES_PASSWORD"  # noqa: S105 - the variable's name


def parse_target(text: str) -> tuple[str, int]:
    """HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address (an http:// prefix is tolerated)."""
    value = text.strip()
    for scheme in ("http://", "https://"):
        if value.lower().startswith(scheme):
            value = value[len(scheme) :].split("/", 1)[0]
    port_text: str | None = None
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise argparse.ArgumentTypeError(f"{text!r} is not HOST[:PORT]")
        port_text = rest[1:] if rest else None
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host = value  # a name, an IPv4 address, or a bare IPv6 address
    if not host:
        raise argparse.ArgumentTypeError(f"{text!r} has no host")
    if port_text is None:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise argparse.ArgumentTypeError(f"{port_text!r} is not a port number (1-65535)")
    return host, int(port_text)


def positive_float(text: str) -> float:
    """An argparse type: a number of seconds greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def add_camera_arguments(parser: argparse.ArgumentParser) -> None:
    """HOST[:PORT] and the login options shared by every camera command."""
    parser.add_argument(
        "target",
        metavar="HOST[:PORT]",
        type=parse_target,
        help=f"the camera's address; the port defaults to {DEFAULT_PORT}",
    )
    parser.add_argument(
        "-u", "--user", default=DEFAULT_USER, help=f"user name (default: {DEFAULT_USER})"
    )
    parser.add_argument(
        "-p",
        "--password",
        default=None,
        help=(
            f"password; when omitted it is read from ${PASSWORD_ENV}, else it is empty "
            "(the factory default). Prefer the variable: the command line is visible to others"
        ),
    )
    parser.add_argument(
        "-t",
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for the camera (default: {DEFAULT_TIMEOUT:g})",
    )


def make_camera(args: argparse.Namespace) -> CameraClient:
    """The camera of the command line; `InvalidCredentialsError` before any connection."""
    host, port = args.target
    password = args.password
    if password is None:
        password = os.environ.get(PASSWORD_ENV, "")
    return CameraClient(host, port, args.user, password, timeout=args.timeout)


def _where(path: str) -> str:
    return "stdout" if path == STDIO else path


# --- probe ---------------------------------------------------------------------------------------


def _probe_record(host: str, port: int, camera_info: CameraInfo) -> dict[str, object]:
    return {
        "host": host,
        "port": port,
        "camera_id": camera_info.camera_id,
        "mac": camera_info.mac,
        "firmware": camera_info.firmware,
        "protocol_version": camera_info.protocol_version,
        "privilege": camera_info.privilege,
        "privilege_name": camera_info.privilege_name,
    }


async def run_probe(args: argparse.Namespace) -> int:
    """Log in and print what the camera says about itself."""
    camera = make_camera(args)
    try:
        camera_info = await camera.connect()
    finally:
        await camera.close()
    host, port = args.target
    if args.json:
        print(json.dumps(_probe_record(host, port, camera_info)))
        return ExitCode.OK
    version = camera_info.protocol_version
    print(f"camera:           {host}:{port}")
    print(f"camera id:        {camera_info.camera_id}")
    print(f"MAC address:      {camera_info.mac}")
    print(f"firmware:         {camera_info.firmware}")
    print(f"protocol version: {version} (0x{version:08x})")
    print(f"privilege:        {camera_info.privilege_name} ({camera_info.privilege})")
    return ExitCode.OK


# --- snapshot ------------------------------------------------------------------------------------


async def run_snapshot(args: argparse.Namespace) -> int:
    """Save the next video frame as a JPEG file."""
    camera = make_camera(args)
    async with camera:
        frame = await camera.snapshot()
    write_output(args.output, frame.image)
    info(
        f"saved a {len(frame.image)}-byte JPEG to {_where(args.output)}",
        to_stderr=args.output == STDIO,
    )
    return ExitCode.OK


# --- listen --------------------------------------------------------------------------------------


class _Recorder:
    """Collects decoded audio until enough has arrived; notes lost packets."""

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.samples: list[int] = []
        self.lost = 0
        self._last_serial: int | None = None
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_audio(self, packet: AudioData, samples: list[int]) -> None:
        if self._last_serial is not None:
            self.lost += (packet.serial - self._last_serial - 1) & 0xFFFFFFFF
        self._last_serial = packet.serial
        self.samples += samples
        if len(self.samples) >= self.wanted and not self.finished.done():
            self.finished.set_result(None)

    def on_closed(self, error: BSeriesError | None) -> None:
        if not self.finished.done():
            self.finished.set_exception(error or ConnectionClosedError("the audio stream ended"))


async def run_listen(args: argparse.Namespace) -> int:
    """Record the camera's microphone for some seconds to a WAV file (8 kHz, mono, 16-bit)."""
    camera = make_camera(args)
    recorder = _Recorder(round(args.seconds * SAMPLE_RATE))
    async with camera:
        camera.add_audio_listener(recorder.on_audio)
        camera.add_av_close_listener(recorder.on_closed)
        await camera.start_audio()
        limit = args.seconds + args.timeout
        done, _ = await asyncio.wait({recorder.finished}, timeout=limit)
        if not done:
            raise CameraTimeoutError(
                f"only {len(recorder.samples) / SAMPLE_RATE:.2f} s of the "
                f"{args.seconds:g} s of audio arrived within {limit:g} s"
            )
        recorder.finished.result()
        await camera.stop_audio()
    samples = recorder.samples[: recorder.wanted]
    write_output(args.output, wav_bytes(samples))
    if recorder.lost:
        error(f"warning: {recorder.lost} audio packets were lost on the way", command="listen")
    info(
        f"recorded {len(samples) / SAMPLE_RATE:.2f} s of audio to {_where(args.output)}",
        to_stderr=args.output == STDIO,
    )
    return ExitCode.OK


# --- talk ----------------------------------------------------------------------------------------


async def run_talk(args: argparse.Namespace) -> int:
    """Play an audio file through the camera's speaker, converted to 8 kHz mono as needed."""
    camera = make_camera(args)
    audio = await load_audio(read_input(args.file), args.file)
    async with camera:
        info(f"playing {args.file} ({audio.source}, {audio.seconds:.2f} s)")
        seconds = await camera.talk(samples_to_pcm(audio.samples))
    info(f"played {seconds:.2f} s through the camera's speaker")
    return ExitCode.OK
