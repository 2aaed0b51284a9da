"""The camera's side of UDP discovery (MO_I): answer every search request with who it is.

The simulator listens on 127.0.0.1 only (on its own UDP port, any free one by default, since
10000 may be taken by another simulator or a real searcher), and answers each search to the
address and port it came from, as the cameras do for a searcher that sends from port 10000.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, override

from custom_components.bseries_ipcam.protocol.const import Channel
from custom_components.bseries_ipcam.protocol.exceptions import ProtocolError
from custom_components.bseries_ipcam.protocol.framing import split_frames
from custom_components.bseries_ipcam.protocol.messages import SearchReq, SearchResp, decode_command

if TYPE_CHECKING:
    from collections.abc import Callable

    from .state import SimState

_LOGGER = logging.getLogger(__name__)

LOOPBACK_MASK = "255.0.0.0"


def search_response(state: SimState, tcp_port: int) -> SearchResp:
    """The simulated camera's answer: its id, alias, address and TCP port."""
    config = state.config
    return SearchResp(
        camera_id=config.camera_id,
        name=config.alias[:20],
        ip=config.host,
        mask=LOOPBACK_MASK,
        gateway=config.host,
        dns=config.host,
        system_firmware=config.firmware,
        app_firmware=config.app_version,
        port=tcp_port,
        dhcp=False,
    )


class DiscoveryResponder(asyncio.DatagramProtocol):
    """Answers MO_I search requests; anything else is ignored with a debug line."""

    def __init__(self, state: SimState, tcp_port: Callable[[], int]) -> None:
        """`tcp_port` gives the port the answers name (known once the TCP side listens)."""
        self._state = state
        self._tcp_port = tcp_port
        self._transport: asyncio.DatagramTransport | None = None

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self._transport = transport

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            frames = split_frames(data, Channel.DISCOVERY)
            commands = [decode_command(frame) for frame in frames]
        except ProtocolError as err:
            _LOGGER.debug("Discovery: ignored a datagram from %s: %s", addr[0], err)
            return
        if not any(isinstance(command, SearchReq) for command in commands):
            _LOGGER.debug("Discovery: ignored a datagram without a search from %s", addr[0])
            return
        stats = self._state.stats
        stats.discovery_searches_received += 1
        if self._transport is None:
            return
        answer = search_response(self._state, self._tcp_port()).to_bytes()
        self._transport.sendto(answer, (str(addr[0]), int(str(addr[1]))))
        stats.discovery_answers_sent += 1
