"""What the simulator records for tests and benchmarks: commands, counters, frame times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from custom_components.bseries_ipcam.protocol.const import Channel
    from custom_components.bseries_ipcam.protocol.messages import Command

type PeerKind = Literal["control", "av", "http"]


@dataclass(slots=True)
class SimStats:
    """Counters, all since the simulator was created."""

    control_connections_accepted: int = 0
    control_connections_open: int = 0
    av_connections_accepted: int = 0
    av_connections_open: int = 0
    http_connections_accepted: int = 0
    http_stream_connections: int = 0
    http_streams_open: int = 0
    video_frames_sent: int = 0
    http_frames_sent: int = 0
    audio_packets_sent: int = 0
    talk_packets_received: int = 0
    alarms_sent: int = 0
    keepalives_sent: int = 0
    bytes_sent: int = 0
    control_bytes_sent: int = 0
    av_bytes_sent: int = 0
    http_bytes_sent: int = 0
    discovery_searches_received: int = 0
    discovery_answers_sent: int = 0
    restarts: int = 0
    clock_sets: int = 0

    def add_sent(self, kind: PeerKind, count: int) -> None:
        """Count bytes written to a connection of `kind`."""
        self.bytes_sent += count
        if kind == "av":
            self.av_bytes_sent += count
        elif kind == "control":
            self.control_bytes_sent += count
        else:
            self.http_bytes_sent += count

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class RecordedCommand:
    """One command received from a client.

    `session_id` is the control session it belongs to (for the AV channel, the session whose
    connection id it logged in with), or None before that is known.
    """

    session_id: int | None
    channel: Channel
    command: Command
    received_at: float


@dataclass(slots=True)
class ConnectionSpan:
    """One AV connection from the camera's side, as `time.monotonic()` times.

    `opened_at` when it was accepted, `closed_at` when it closed (None while open): what an
    on-demand stream costs the camera is the sum of their spans.
    """

    connection_id: int
    opened_at: float
    closed_at: float | None = None

    def seconds(self, now: float) -> float:
        """How long it was (or has been, at `now`) open."""
        return (now if self.closed_at is None else self.closed_at) - self.opened_at


@dataclass(frozen=True, slots=True)
class FrameEvent:
    """One video frame written to a client (AV channel or HTTP stream).

    `sent_at` is `time.monotonic()` right after the frame was handed to the socket. `frame` is
    the position in the frame cycle (or in the fixed frames), `counter` the stream's frame count.
    """

    transport: Literal["av", "http"]
    connection_id: int
    session_id: int | None
    counter: int
    frame: int
    size: int
    sent_at: float


@dataclass(frozen=True, slots=True)
class AudioPacketEvent:
    """One audio packet written to the AV connection.

    `timestamp` is the camera time it carries (10 ms units), `sent_at` the wall clock
    (`time.time()`) when it was handed to the socket: wall time, so that another process on the
    same machine (a browser) can compare its own times with it. `marked`: a benchmark's marker,
    silence instead of the tone (`SimState.mark_audio`).
    """

    timestamp: int
    serial: int
    sent_at: float
    marked: bool


@dataclass(frozen=True, slots=True)
class TalkArrival:
    """One talk packet as the speaker got it.

    `first_sample` is the position of its first sample in everything heard
    (`SimState.talk_samples`), `arrived_at` the wall clock (`time.time()`) on arrival.
    """

    first_sample: int
    samples: int
    arrived_at: float
