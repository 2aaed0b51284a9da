"""The simulated camera: one TCP port that speaks the control, AV and HTTP protocols."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from typing import TYPE_CHECKING, Any, Literal, Self, overload

from custom_components.bseries_ipcam.protocol.const import AlarmType, Channel
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify

from .alarm import PREFIX as ALARM_PREFIX, apply_set_alarm, is_armed
from .av import AvHandler
from .commands import run_command
from .config import SimulatorConfig
from .control import ControlHandler
from .discovery import DiscoveryResponder
from .faults import CLOCK_MODES, HUGE_LENGTH, garbage, lying_frame
from .http import HTTP_PREFIXES, HttpHandler
from .peer import Peer, PeerClosedError
from .state import SimState

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from custom_components.bseries_ipcam.protocol.messages import Command

    from .faults import FaultState
    from .params import ParamValue
    from .ptz import PanTilt
    from .recording import (
        AudioPacketEvent,
        ConnectionSpan,
        FrameEvent,
        RecordedCommand,
        SimStats,
        TalkArrival,
    )
    from .settings import ImageSettings
    from .state import FrameHook, SimSession
    from .upkeep import SimClock

_LOGGER = logging.getLogger(__name__)

type Target = Literal["control", "av", "all"]

_CONTROL_MAGIC = Channel.CONTROL.magic
_AV_MAGIC = Channel.AV.magic


class CameraSimulator:
    """A B-Series camera on 127.0.0.1: `async with CameraSimulator(config) as sim: ...`.

    Everything it receives is recorded (`received`, `commands()`), everything it sends is
    counted (`stats`, `frame_events`), and faults can be switched on at run time.
    """

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        """Prepare a simulator; `start` opens its port."""
        self.config = config or SimulatorConfig()
        self._state = SimState(self.config)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._port = self.config.port
        self._discovery: asyncio.DatagramTransport | None = None
        self._restart: asyncio.Task[None] | None = None
        self._state.on_reboot = self._reboot_requested

    def __repr__(self) -> str:
        """Where it listens."""
        return f"CameraSimulator({self.host}:{self._port}, camera_id={self.config.camera_id})"

    # --- life cycle ------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The address it listens on."""
        return self.config.host

    @property
    def port(self) -> int:
        """The port it listens on (the real one once started, when configured as 0)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL of its HTTP side."""
        return f"http://{self.host}:{self._port}"

    @property
    def discovery_port(self) -> int | None:
        """The UDP port it answers searches on, while running (None without discovery)."""
        if self._discovery is None:
            return None
        return int(self._discovery.get_extra_info("sockname")[1])

    @property
    def running(self) -> bool:
        """Whether the port is open."""
        return self._server is not None

    async def start(self) -> None:
        """Open the port and accept connections."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._on_connection, self.config.host, self.config.port
        )
        sockname = self._server.sockets[0].getsockname()
        self._port = int(sockname[1])
        self._state.started_at = time.monotonic()
        if self.config.discovery_port is not None:
            loop = asyncio.get_running_loop()
            self._discovery, _ = await loop.create_datagram_endpoint(
                lambda: DiscoveryResponder(self._state, lambda: self._port),
                local_addr=(self.config.host, self.config.discovery_port),
            )
        _LOGGER.debug("Camera simulator listening on %s:%d", self.host, self._port)

    async def stop(self) -> None:
        """Close the port, every connection and every task."""
        restart, self._restart = self._restart, None
        if restart is not None:
            restart.cancel()
            await asyncio.gather(restart, return_exceptions=True)
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        if self._discovery is not None:
            self._discovery.close()
            self._discovery = None
        state = self._state
        for peer in list(state.peers):
            peer.abort()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        leftovers = list(state.tasks)
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await server.wait_closed()
        _LOGGER.debug("Camera simulator on port %d stopped", self._port)

    @property
    def restarting(self) -> bool:
        """Whether the camera is away, rebooting."""
        return self._restart is not None

    def restart(self, delay: float | None = None) -> None:
        """Reboot as reboot.cgi does: drop everything, back after `delay` s (default: the config's).

        While away every new connection is cut at once, with nothing sent (the port stays bound,
        so that it is the same when the camera is back, and no accept races a closing server).
        It comes back with the clock at 2000-01-01 unless NTP is on, and the head at its
        start-up position.
        """
        if self._server is None or self._restart is not None:
            return
        wait = self.config.restart_delay if delay is None else delay
        self._restart = asyncio.get_running_loop().create_task(self._restart_after(wait))

    async def wait_restarted(self) -> None:
        """Return once a restart under way is over (at once when none is)."""
        restart = self._restart
        if restart is not None:
            await asyncio.shield(restart)

    def _reboot_requested(self) -> None:
        self.restart()

    async def _restart_after(self, delay: float) -> None:
        state = self._state
        state.stats.restarts += 1
        for peer in list(state.peers):
            if not peer.exempt:
                peer.abort()
        _LOGGER.debug("Camera simulator restarting; back in %g s", delay)
        await asyncio.sleep(delay)
        state.boot()
        state.started_at = time.monotonic()
        self._restart = None
        _LOGGER.debug("Camera simulator back on port %d", self._port)

    async def __aenter__(self) -> Self:
        """Start."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self._restart is not None:  # rebooting: nobody answers
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        state = self._state
        peer = Peer(
            "http",
            state.next_id(),
            reader,
            writer,
            gate=state.faults.gate,
            stats=state.stats,
            dead_after=self.config.dead_after,
            tasks=state.tasks,
        )
        state.peers.add(peer)
        try:
            prefix = await peer.read_prefix(4, self.config.handshake_timeout)
            if prefix == _CONTROL_MAGIC:
                peer.set_kind("control")
                await ControlHandler(state, peer).run(prefix)
            elif prefix == _AV_MAGIC:
                peer.set_kind("av")
                await AvHandler(state, peer).run(prefix)
            elif prefix in HTTP_PREFIXES:
                control = self.run_command if self.config.control_endpoints else None
                await HttpHandler(state, peer, control).run(prefix)
            elif prefix:
                _LOGGER.debug("Connection #%d spoke neither protocol", peer.connection_id)
        except PeerClosedError:
            pass
        finally:
            state.peers.discard(peer)
            await peer.close()
            self._handlers.discard(task)

    # --- records ---------------------------------------------------------------------------

    @property
    def stats(self) -> SimStats:
        """Counters."""
        return self._state.stats

    @property
    def faults(self) -> FaultState:
        """The faults that stay on until changed."""
        return self._state.faults

    @property
    def received(self) -> list[RecordedCommand]:
        """Every command received, oldest first (up to `record_limit`)."""
        return list(self._state.received)

    @overload
    def commands(
        self,
        command_type: None = None,
        *,
        session_id: int | None = None,
        channel: Channel | None = None,
    ) -> list[Command]: ...

    @overload
    def commands[C: Command](
        self,
        command_type: type[C],
        *,
        session_id: int | None = None,
        channel: Channel | None = None,
    ) -> list[C]: ...

    def commands(
        self,
        command_type: type[Command] | None = None,
        *,
        session_id: int | None = None,
        channel: Channel | None = None,
    ) -> list[Any]:
        """Received commands, optionally only of one type, one session, one channel."""
        found = [
            record.command
            for record in self._state.received
            if (session_id is None or record.session_id == session_id)
            and (channel is None or record.channel is channel)
        ]
        if command_type is None:
            return found
        return [command for command in found if isinstance(command, command_type)]

    @property
    def sessions(self) -> list[SimSession]:
        """The open control sessions."""
        return list(self._state.sessions.values())

    def session(self, session_id: int) -> SimSession:
        """An open control session by id (KeyError if closed)."""
        return self._state.sessions[session_id]

    @property
    def frame_events(self) -> list[FrameEvent]:
        """Every video frame sent (AV and HTTP), oldest first (up to `record_limit`)."""
        return list(self._state.frame_events)

    @property
    def av_spans(self) -> list[ConnectionSpan]:
        """Every AV connection: when it opened and closed (`time.monotonic()`), oldest first."""
        return list(self._state.av_spans)

    @property
    def frame_times(self) -> list[float]:
        """`time.monotonic()` when each AV video frame was written."""
        return [e.sent_at for e in self._state.frame_events if e.transport == "av"]

    @property
    def on_video_frame(self) -> FrameHook | None:
        """Called with a `FrameEvent` after each video frame is written (AV and HTTP)."""
        return self._state.on_video_frame

    @on_video_frame.setter
    def on_video_frame(self, hook: FrameHook | None) -> None:
        self._state.on_video_frame = hook

    @property
    def talk_samples(self) -> list[int]:
        """Talk audio received from every session, decoded to 16-bit samples."""
        return list(self._state.talk_samples)

    @property
    def talk_arrivals(self) -> list[TalkArrival]:
        """When each talk packet arrived, with its samples' place in `talk_samples`."""
        return list(self._state.talk_arrivals)

    @property
    def audio_events(self) -> list[AudioPacketEvent]:
        """Every audio packet sent, oldest first (up to `record_limit`)."""
        return list(self._state.audio_events)

    def mark_audio(self) -> None:
        """Make the next audio packet silence, a marker for benchmarks (`AudioPacketEvent`)."""
        self._state.mark_audio()

    def talk_pcm(self) -> bytes:
        """Talk audio received, as 16-bit little-endian PCM at 8 kHz."""
        samples = self._state.talk_samples
        return struct.pack(f"<{len(samples)}h", *samples)

    @property
    def alarm_status(self) -> int:
        """The last alarm type triggered (0 after `AlarmType.STOPPED`)."""
        return self._state.alarm_status

    def snapshot(self) -> bytes:
        """A JPEG as `snapshot.cgi` would send it."""
        return self._state.next_snapshot()[1]

    async def wait_for(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's budget
        message: str = "",
    ) -> None:
        """Return once `predicate()` is true; `TimeoutError` after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                raise TimeoutError(message or f"condition not met within {timeout:g} s")
            await asyncio.sleep(0.005)

    def run_command(self, line: str) -> str:
        """Run a text command (`motion`, `drop`, `stall`, ... see `commands.HELP`)."""
        return run_command(self, line)

    # --- triggers ----------------------------------------------------------------------------

    def trigger_alarm(
        self, alarm_type: AlarmType | int, area: tuple[int, int, int, int] | None = None
    ) -> int:
        """Send Alarm_Notify (9 bytes: type and area) to every verified session; returns how many.

        `area` (left, top, right, bottom) defaults to zeros. `AlarmType.STOPPED` ends the alarm.
        A kind that is not armed in the camera's alarm settings is not sent (0).
        """
        alarm_type = AlarmType(alarm_type)
        state = self._state
        if not is_armed(state.params, alarm_type):
            _LOGGER.debug("Alarm %s not sent: not armed", alarm_type.name)
            return 0
        state.alarm_status = 0 if alarm_type is AlarmType.STOPPED else int(alarm_type)
        data = AlarmNotify(int(alarm_type), area or (0, 0, 0, 0)).to_bytes()
        sessions = [s for s in state.sessions.values() if s.verified]
        for session in sessions:
            session.peer.spawn(self._send_alarm(session.peer, data), "alarm")
        _LOGGER.debug("Alarm %s for %d session(s)", alarm_type.name, len(sessions))
        return len(sessions)

    @property
    def alarm_settings(self) -> dict[str, int | str]:
        """The alarm fields of `get_params.cgi` as the camera holds them now."""
        return {k: v for k, v in self._state.params.items() if k.startswith(ALARM_PREFIX)}

    def set_alarm(self, **changes: int) -> None:
        """Change alarm settings as another client would (`motion_armed=0`, ...)."""
        query = {name: str(value) for name, value in changes.items()}
        if apply_set_alarm(self.config, self._state.params, query) is None:
            raise ValueError(f"not valid alarm settings: {changes}")

    async def _send_alarm(self, peer: Peer, data: bytes) -> None:
        await peer.send(data)
        self._state.stats.alarms_sent += 1

    def _peers(self, target: Target) -> list[Peer]:
        kinds = {"control", "av"} if target == "all" else {target}
        return [p for p in self._state.peers if p.kind in kinds and not p.exempt]

    # --- camera controls (as another client would change them) --------------------------------

    def set_camera_param(self, param: int, value: int) -> bool:
        """Change an image setting (op 18 goes to every session); whether the camera took it."""
        return self._state.image.set(param, value)

    def decoder_control(self, code: int) -> None:
        """Run a decoder control command (pan/tilt, preset, patrol, IR)."""
        self._state.decoder_control(code)

    @property
    def image(self) -> ImageSettings:
        """The camera's image settings."""
        return self._state.image

    @property
    def ptz(self) -> PanTilt:
        """The camera's pan/tilt head (position, presets, patrol, IR)."""
        return self._state.ptz

    @property
    def params(self) -> dict[str, ParamValue]:
        """The camera's stored settings, as `get_params.cgi` reports them (secrets included)."""
        return self._state.params

    @property
    def misc(self) -> dict[str, int]:
        """The camera's misc settings, as `get_misc.cgi` reports them."""
        return self._state.misc

    @property
    def clock(self) -> SimClock:
        """The camera's clock (`get_status.cgi`'s `now`)."""
        return self._state.clock

    # --- faults ------------------------------------------------------------------------------

    def drop_all(self) -> int:
        """Drop every connection at once (control, AV and HTTP); returns how many."""
        peers = [p for p in self._state.peers if not p.exempt]
        for peer in peers:
            peer.abort()
        return len(peers)

    def drop_av(self) -> int:
        """Drop only the AV connections; returns how many."""
        peers = self._peers("av")
        for peer in peers:
            peer.abort()
        return len(peers)

    def stall(self) -> None:
        """Stop sending anything (responses, frames, keepalives) but keep every socket open."""
        self._state.faults.gate.close()

    def resume(self) -> None:
        """Send again after `stall`."""
        self._state.faults.gate.open()

    def send_garbage(self, target: Target = "all", size: int = 64) -> int:
        """Send `size` bytes that cannot start a command; returns to how many connections."""
        peers = self._peers(target)
        for peer in peers:
            peer.spawn(self._send_bytes(peer, garbage(size), close=False), "garbage")
        return len(peers)

    def send_lying_length(
        self,
        target: Target = "av",
        claimed_length: int = HUGE_LENGTH,
        sent_length: int = 0,
        *,
        close: bool = True,
    ) -> int:
        """Send a header claiming `claimed_length` bytes, then only `sent_length`, then close.

        With the default 10 MiB claim, clients must refuse the header before allocating.
        Returns to how many connections it was sent.
        """
        peers = self._peers(target)
        for peer in peers:
            channel = Channel.AV if peer.kind == "av" else Channel.CONTROL
            data = lying_frame(channel, claimed_length, sent_length)
            peer.spawn(self._send_bytes(peer, data, close=close), "lying length")
        return len(peers)

    @staticmethod
    async def _send_bytes(peer: Peer, data: bytes, *, close: bool) -> None:
        await peer.send(data)
        if close:
            peer.hang_up()

    def force_login_result(self, result: int | None) -> None:
        """Answer every Login_Req with this result and close (None or 0: normal)."""
        self._state.faults.login_result = result

    def force_verify_result(self, result: int | None) -> None:
        """Answer every Verify_Req with this result (None or 0: check the credentials)."""
        self._state.faults.verify_result = result

    def force_video_result(self, result: int | None) -> None:
        """Answer every Video_Start with this result (None or 0: start video)."""
        self._state.faults.video_result = result

    def set_clock(self, mode: str) -> None:
        """The camera's frame and sound clock: "normal", "frozen" (stands still) or "jumping"."""
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock must be one of {', '.join(CLOCK_MODES)}, not {mode!r}")
        faults = self._state.faults
        if mode == "frozen" and faults.clock != "frozen":
            faults.frozen_at = self._state.true_uptime_10ms()
        faults.clock = mode

    def set_response_delay(self, seconds: float) -> None:
        """Wait this long before each control response (0: answer at once)."""
        self._state.faults.response_delay = max(0.0, seconds)

    def send_peer_list(self, enabled: bool = True) -> None:
        """Send op 28 (with fake plain-text credentials) right after each successful verify."""
        self._state.faults.peer_list_after_verify = enabled

    def send_unknown_opcode(self, enabled: bool = True) -> None:
        """Send an unknown opcode (0x0101) right after each successful verify."""
        self._state.faults.unknown_after_verify = enabled

    def clear_faults(self) -> None:
        """Every fault off (and resume if stalled)."""
        self._state.faults.clear()
