"""The camera's side of the control channel (MO_O): login, verify, stream requests, alarms."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

from custom_components.bseries_ipcam.protocol.const import Channel, FrameInterval, ResultCode
from custom_components.bseries_ipcam.protocol.exceptions import ProtocolError
from custom_components.bseries_ipcam.protocol.framing import FrameDecoder
from custom_components.bseries_ipcam.protocol.messages import (
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    CameraAlias,
    Command,
    DecoderControl,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamSet,
    ParamsFetchReq,
    ParamsResp,
    PeerCameraList,
    TalkEnd,
    TalkStartReq,
    TalkStartResp,
    UnknownCommand,
    VerifyReq,
    VerifyResp,
    VideoEnd,
    VideoFrameInterval,
    VideoStartReq,
    VideoStartResp,
    decode_command,
)

from .faults import peer_camera_list, unknown_command
from .state import SimSession

if TYPE_CHECKING:
    from .peer import Peer
    from .state import SimState

_LOGGER = logging.getLogger(__name__)

type Stream = Literal["video", "audio", "talk"]

_START_RESPONSES: dict[Stream, type[VideoStartResp | AudioStartResp | TalkStartResp]] = {
    "video": VideoStartResp,
    "audio": AudioStartResp,
    "talk": TalkStartResp,
}

_KEEPALIVE = KeepAlive().to_bytes()


class ControlHandler:
    """Serves one control connection until the client leaves or is refused."""

    def __init__(self, state: SimState, peer: Peer) -> None:
        """Open a session for `peer`."""
        self._state = state
        self._peer = peer
        self.session = SimSession(peer.connection_id, peer)

    async def run(self, prefix: bytes) -> None:
        """Handle commands, starting with the already read `prefix`, until the end."""
        state = self._state
        session = self.session
        state.sessions[session.session_id] = session
        state.stats.control_connections_accepted += 1
        state.stats.control_connections_open += 1
        decoder = FrameDecoder(Channel.CONTROL)
        data = prefix
        try:
            while data:
                try:
                    offset = decoder.offset
                    commands = [decode_command(frame, offset) for frame in decoder.feed(data)]
                except ProtocolError as err:
                    _LOGGER.debug("Control session #%d: %s; closing", session.session_id, err)
                    return
                for command in commands:
                    state.record(session.session_id, Channel.CONTROL, command)
                    if not await self._handle(command):
                        return
                data = await self._peer.read()
        finally:
            await self._end()

    async def _end(self) -> None:
        state = self._state
        session = self.session
        state.sessions.pop(session.session_id, None)
        state.stats.control_connections_open -= 1
        session.video = session.audio = session.talk = False
        if session.av is not None:
            session.av.peer.hang_up()
        state.release_av_id(session)

    async def _respond(self, command: Command) -> None:
        delay = self._state.faults.response_delay
        if delay > 0:
            await asyncio.sleep(delay)
        await self._peer.send(self._state.control_frame(command))

    async def _handle(self, command: Command) -> bool:
        """Act on one command; False closes the connection."""
        session = self.session
        state = self._state
        match command:
            case KeepAlive():
                return True
            case UnknownCommand():
                _LOGGER.debug("Ignored unknown control op %d", command.opcode)
                return True
            case LoginReq():
                return await self._login()
            case VerifyReq():
                return await self._verify(command)
        if not session.verified:
            _LOGGER.debug(
                "Control session #%d sent %s before verify; closing",
                session.session_id,
                command.NAME,
            )
            return False
        match command:
            case VideoStartReq():
                await self._start("video", command.value)
            case AudioStartReq():
                await self._start("audio", command.value)
            case TalkStartReq():
                await self._start("talk", command.value)
            case VideoEnd():
                self._stop("video")
            case AudioEnd():
                self._stop("audio")
            case TalkEnd():
                self._stop("talk")
            case VideoFrameInterval():
                self._set_frame_interval(command.code)
            case ParamsFetchReq():
                if state.config.alias_before_params:
                    await self._respond(CameraAlias.for_alias(str(state.params["alias"])))
                await self._respond(self._params())
            case DecoderControl():
                if state.config.ignore_decoder_op:
                    _LOGGER.debug("Ignored op 14 (this firmware does)")
                else:
                    state.decoder_control(command.value)
            case ParamSet():
                if state.config.ignore_param_set_op:
                    _LOGGER.debug("Ignored op 19 (this firmware does)")
                elif not state.image.set(command.param, command.value):
                    _LOGGER.debug("Ignored op 19 %d=%d", command.param, command.value)
            case _:
                _LOGGER.debug("Ignored %s", command.NAME)
        return True

    async def _login(self) -> bool:
        state = self._state
        config = state.config
        forced = state.faults.login_result
        if forced:
            await self._respond(LoginResp(forced))
            return False
        if state.logged_in_count(exclude=self.session) >= config.max_connections:
            await self._respond(LoginResp(ResultCode.TOO_MANY_CONNECTIONS))
            return False
        first = not self.session.logged_in
        self.session.logged_in = True
        await self._respond(
            LoginResp(
                ResultCode.OK,
                config.camera_id,
                config.protocol_version,
                config.model,
                config.firmware,
            )
        )
        if first:
            self._peer.start_keepalive(_KEEPALIVE, config.keepalive_interval, self._keepalive_sent)
        return True

    def _keepalive_sent(self) -> None:
        self._state.stats.keepalives_sent += 1

    async def _verify(self, command: VerifyReq) -> bool:
        state = self._state
        session = self.session
        if not session.logged_in:
            _LOGGER.debug("Control session #%d verified before login; closing", session.session_id)
            return False
        forced = state.faults.verify_result
        if forced:
            session.verified = False
            await self._respond(VerifyResp(forced))
            return True
        result, user = state.config.check_login(command.user, command.password)
        if user is None:
            session.verified = False
            _LOGGER.debug("Control session #%d: verify failed (%s)", session.session_id, result)
            await self._respond(VerifyResp(result))
            return True
        session.verified = True
        session.user = command.user
        session.privilege = user.privilege
        _LOGGER.debug("Control session #%d verified as %s", session.session_id, command.user)
        privilege = state.config.verify_privilege
        await self._respond(
            VerifyResp(ResultCode.OK, user.privilege if privilege is None else privilege)
        )
        if state.faults.peer_list_after_verify:
            await self._peer.send(PeerCameraList(peer_camera_list()).to_bytes())
        if state.faults.unknown_after_verify:
            await self._peer.send(unknown_command())
        return True

    async def _start(self, stream: Stream, value: int) -> None:
        state = self._state
        session = self.session
        response_type = _START_RESPONSES[stream]
        forced = state.faults.video_result
        if stream == "audio" and not state.config.microphone:
            await self._respond(response_type(ResultCode.NOT_SUPPORTED))
            return
        if stream == "video" and forced:
            await self._respond(response_type(forced))
            return
        talker = state.talker()
        if stream == "talk" and talker is not None and talker is not session:
            await self._respond(response_type(ResultCode.TOO_MANY_CONNECTIONS))
            return
        if session.av is not None:
            response = response_type(ResultCode.OK)
        else:
            if session.av_id is None:
                if state.av_slots_used(exclude=session) >= state.config.max_av_connections:
                    await self._respond(response_type(ResultCode.TOO_MANY_CONNECTIONS))
                    return
                state.allocate_av_id(session)
            response = response_type(ResultCode.OK, session.av_id)
        await self._respond(response)
        if stream == "video":
            session.video = True
            session.frame_interval = FrameInterval.MS_0
        elif stream == "audio":
            session.audio = True
            if session.av is not None:
                session.av.restart_audio()
        else:
            session.talk = True
            session.talk_buffer_seconds = value
            session.talk_decoder.reset()
        if session.av is not None:
            session.av.sync()

    def _stop(self, stream: Stream) -> None:
        session = self.session
        if stream == "video":
            session.video = False
        elif stream == "audio":
            session.audio = False
        else:
            session.talk = False
        if session.av is not None:
            session.av.sync()

    def _set_frame_interval(self, code: int) -> None:
        try:
            interval = FrameInterval(code)
        except ValueError:
            _LOGGER.debug("Ignored frame interval code %d", code)
            return
        self.session.frame_interval = interval
        if self.session.av is not None:
            self.session.av.wake()

    def _params(self) -> ParamsResp:
        image = self._state.image
        return ParamsResp(
            image.resolution,
            image.brightness,
            image.contrast,
            image.mode,
            image.unknown,
            image.flip,
            image.trailer,
        )
