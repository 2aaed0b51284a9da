"""State shared by the simulator's connection handlers: sessions, AV ids, records, counters."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import secrets
import time
from typing import TYPE_CHECKING

from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder
from custom_components.bseries_ipcam.protocol.const import (
    PACKET_DURATION,
    FrameInterval,
    Privilege,
)
from custom_components.bseries_ipcam.protocol.messages import ParamChanged
from custom_components.bseries_ipcam.protocol.upkeep import CENTER_ON_START, PRESET_ON_START

from .faults import FaultState, faulty_clock
from .frames import FrameView, JpegSource, ToneSource
from .params import default_params
from .ptz import (
    CENTER,
    HORIZONTAL_PATROL_STOP,
    PRESET_FIRST,
    VERTICAL_PATROL_STOP,
    PanTilt,
)
from .recording import (
    AudioPacketEvent,
    ConnectionSpan,
    FrameEvent,
    RecordedCommand,
    SimStats,
    TalkArrival,
)
from .settings import RESOLUTION_SIZES, RESOLUTION_VGA, ImageSettings
from .upkeep import DEFAULT_MISC, SimClock

if TYPE_CHECKING:
    import asyncio

    from custom_components.bseries_ipcam.protocol.const import Channel
    from custom_components.bseries_ipcam.protocol.messages import Command

    from .av import AvHandler
    from .config import SimulatorConfig
    from .params import ParamValue
    from .peer import Peer

_LOGGER = logging.getLogger(__name__)

_RESERVED_OFFSET = 6

type FrameHook = Callable[[FrameEvent], None]


@dataclass(eq=False, slots=True)
class SimSession:
    """One control connection, from the camera's side: login state, streams, AV link, talk."""

    session_id: int
    peer: Peer
    logged_in: bool = False
    verified: bool = False
    user: str | None = None
    privilege: Privilege | None = None
    av_id: int | None = None
    av: AvHandler | None = None
    video: bool = False
    audio: bool = False
    talk: bool = False
    talk_buffer_seconds: int = 0
    frame_interval: FrameInterval = FrameInterval.MS_0
    talk_decoder: AdpcmDecoder = field(default_factory=AdpcmDecoder)
    talk_samples: list[int] = field(default_factory=list)

    @property
    def av_connected(self) -> bool:
        """Whether an AV connection is logged in for this session."""
        return self.av is not None


class SimState:
    """Everything the handlers of one simulator share."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Build the sources and empty records for `config`."""
        self.config = config
        self.faults = FaultState()
        self.stats = SimStats()
        self.jpeg = JpegSource(
            config.width,
            config.height,
            config.fps,
            label=config.alias,
            frames=config.frames,
            cycle_seconds=config.cycle_seconds,
            quality=config.jpeg_quality,
        )
        self.tone = ToneSource(config.tone_hz, config.tone_amplitude)
        self.sessions: dict[int, SimSession] = {}
        self.av_ids: dict[int, SimSession] = {}
        self.peers: set[Peer] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.received: deque[RecordedCommand] = deque(maxlen=config.record_limit)
        self.frame_events: deque[FrameEvent] = deque(maxlen=config.record_limit)
        self.av_spans: deque[ConnectionSpan] = deque(maxlen=config.record_limit)
        self.talk_samples: list[int] = []
        self.talk_arrivals: list[TalkArrival] = []
        self.audio_events: deque[AudioPacketEvent] = deque(maxlen=config.record_limit)
        self._audio_marks = 0
        self.alarm_status = 0
        self.on_video_frame: FrameHook | None = None
        self.started_at = time.monotonic()
        self._last_id = 0
        self._snapshot_counter = 0
        # --- camera settings: get_params.cgi's table, image settings, decoder commands ---
        self.params: dict[str, ParamValue] = default_params(config)
        self.image = ImageSettings()
        self.image.subscribers.append(self._push_param)
        self.ptz = PanTilt(config.width, config.height)
        self.decoder_commands: list[int] = []
        self.params_changed_sent = 0
        # --- upkeep: get_misc.cgi's table, the clock, reboots (upkeep.py) ---
        self.misc: dict[str, int] = dict(DEFAULT_MISC)
        self.clock = SimClock(running_since_boot=not config.ntp)
        self.on_reboot: Callable[[], None] | None = None

    def next_id(self) -> int:
        """A new connection / session number (1, 2, ...)."""
        self._last_id += 1
        return self._last_id

    def true_uptime_10ms(self) -> int:
        """Time since the start in 10 ms units, whatever the camera's clock says."""
        return int((time.monotonic() - self.started_at) * 100)

    def uptime_10ms(self, true_ticks: int | None = None) -> int:
        """The camera's clock (10 ms units) as in Video_Data and Audio_Data: faults applied."""
        ticks = self.true_uptime_10ms() if true_ticks is None else true_ticks
        return faulty_clock(self.faults, ticks)

    def video_timestamp(self, counter: int) -> int:
        """Video_Data's timestamp for frame `counter`: the uptime, or a broken clock."""
        clock = self.config.video_clock
        if clock == "frozen":
            return 4242
        if clock == "jumping":
            return (self.uptime_10ms() + (counter // 15) * 360_000) & 0xFFFFFFFF
        return self.uptime_10ms()

    def audio_serial(self) -> int:
        """The audio packet serial now: the camera's encoder runs from boot, 40 ms a packet."""
        return int((time.monotonic() - self.started_at) / PACKET_DURATION) & 0xFFFFFFFF

    def next_snapshot(self) -> tuple[int, bytes]:
        """The next frame for a snapshot: its counter and JPEG."""
        counter = self._snapshot_counter
        self._snapshot_counter += 1
        return counter, self.video_frame(counter)

    def decoder_control(self, command: int, *, onestep: bool = False) -> None:
        """Carry out a decoder control command (op 14 or `decoder_control.cgi`)."""
        self.decoder_commands.append(command)
        known = self.ptz.command(command, onestep=onestep)
        _LOGGER.debug(
            "Decoder control %d%s%s",
            command,
            " (one step)" if onestep else "",
            "" if known else " (unknown, ignored)",
        )

    def boot(self) -> None:
        """What a start does: the clock (unless NTP), the head stops, then the start-up position."""
        if self.params.get("ntp_enable") != 1:
            self.clock.boot()
        ptz = self.ptz
        ptz.command(HORIZONTAL_PATROL_STOP)
        ptz.command(VERTICAL_PATROL_STOP)
        if self.misc.get(CENTER_ON_START) == 1:
            ptz.command(CENTER)
        elif preset := self.misc.get(PRESET_ON_START, 0):
            ptz.command(PRESET_FIRST + 2 * (preset - 1) + 1)

    def _push_param(self, param: int, value: int) -> None:
        """Op 18 to every verified session, whichever path changed the setting."""
        data = self.control_frame(ParamChanged(param, value))
        for session in self.sessions.values():
            if session.verified:
                session.peer.spawn(self._send_param_changed(session.peer, data), "op 18")

    async def _send_param_changed(self, peer: Peer, data: bytes) -> None:
        await peer.send(data)
        self.params_changed_sent += 1

    def control_frame(self, command: Command) -> bytes:
        """A control command as this firmware sends it (its reserved header byte)."""
        data = command.to_bytes()
        reserved = self.config.header_reserved
        if reserved:
            data = data[:_RESERVED_OFFSET] + bytes((reserved,)) + data[_RESERVED_OFFSET + 1 :]
        return data

    def frame_view(self) -> FrameView:
        """How the image settings and the head's position make the picture look now."""
        x, y = self.ptz.position()
        width, height = self.config.width, self.config.height
        full = RESOLUTION_SIZES[RESOLUTION_VGA]
        wanted = RESOLUTION_SIZES[self.image.resolution]
        size = (width * wanted[0] // full[0], height * wanted[1] // full[1])
        return FrameView(x, y, size, self.image.flip, self.ptz.ir, self.image.brightness)

    def video_frame(self, counter: int) -> bytes:
        """The JPEG for a frame counter as the camera's settings show it now."""
        return self.jpeg.frame(counter, None if self.jpeg.fixed else self.frame_view())

    # --- records ---------------------------------------------------------------------------

    def record(self, session_id: int | None, channel: Channel, command: Command) -> None:
        """Keep a received command."""
        self.received.append(RecordedCommand(session_id, channel, command, time.monotonic()))

    def frame_sent(self, event: FrameEvent) -> None:
        """Keep a sent frame's event and call the hook."""
        self.frame_events.append(event)
        hook = self.on_video_frame
        if hook is not None:
            try:
                hook(event)
            except Exception:
                _LOGGER.exception("Error in the on_video_frame hook")

    def add_talk(self, session: SimSession, samples: list[int]) -> None:
        """Keep decoded talk samples, per session and overall, and when they arrived."""
        self.talk_arrivals.append(TalkArrival(len(self.talk_samples), len(samples), time.time()))
        session.talk_samples.extend(samples)
        self.talk_samples.extend(samples)
        self.stats.talk_packets_received += 1

    def mark_audio(self) -> None:
        """Make the next audio packet silence: a marker a benchmark finds again in a browser."""
        self._audio_marks += 1

    def take_audio_mark(self) -> bool:
        """Whether the packet being made now is a marker (each mark is taken once)."""
        if self._audio_marks == 0:
            return False
        self._audio_marks -= 1
        return True

    def audio_sent(self, timestamp: int, serial: int, written_at: float, marked: bool) -> None:
        """Keep a sent audio packet's event; `written_at` is `time.monotonic()` of the write."""
        sent_at = time.time() - (time.monotonic() - written_at)
        self.audio_events.append(AudioPacketEvent(timestamp, serial, sent_at, marked))
        self.stats.audio_packets_sent += 1

    # --- sessions --------------------------------------------------------------------------

    def logged_in_count(self, exclude: SimSession) -> int:
        """Control sessions past login, other than `exclude`."""
        return sum(1 for s in self.sessions.values() if s.logged_in and s is not exclude)

    def av_slots_used(self, exclude: SimSession) -> int:
        """AV connections open or promised (id given out), other than `exclude`'s."""
        return sum(1 for s in self.sessions.values() if s.av_id is not None and s is not exclude)

    def talker(self) -> SimSession | None:
        """The session that is talking, if any."""
        return next((s for s in self.sessions.values() if s.talk), None)

    def allocate_av_id(self, session: SimSession) -> int:
        """Give `session` a random, unused, non-zero data connection id (or the firmware's own)."""
        fixed = self.config.fixed_av_id
        while True:
            if fixed is not None and fixed not in self.av_ids:
                candidate = fixed
                break
            candidate = secrets.randbits(32)
            if candidate and candidate not in self.av_ids:
                break
        session.av_id = candidate
        self.av_ids[candidate] = session
        return candidate

    def release_av_id(self, session: SimSession) -> None:
        """Forget `session`'s data connection id: the next start gives a new one."""
        if session.av_id is not None:
            self.av_ids.pop(session.av_id, None)
            session.av_id = None
