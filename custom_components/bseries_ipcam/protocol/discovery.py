"""UDP discovery (MO_I): the search request, the cameras' answers, and a searcher.

A search is one MO_I op 0 datagram to UDP port 10000, normally sent to the broadcast address of
each IPv4 network; every camera that hears it answers with op 1 (its id, name, addresses and
web port). Real clients send from port 10000 too, since some firmwares answer to that port
rather than to the sender's: `CameraSearch` binds it when it is free and any port otherwise.

Anything that is not a whole search answer (garbage, a truncated datagram, another searcher's
request) is ignored with a debug line: discovery is best effort and never raises for what the
network brings.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import re
from typing import TYPE_CHECKING, Final, Self, override

from .const import DISCOVERY_PORT, Channel, DiscoveryOp
from .exceptions import ConnectionFailedError, ProtocolError
from .framing import split_frames
from .listeners import Listeners
from .messages import SearchReq, SearchResp, decode_command

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_LOGGER = logging.getLogger(__name__)

SEARCH_REQUEST: Final = SearchReq().to_bytes()
ANY_ADDRESS: Final = "0.0.0.0"  # noqa: S104 - where the searcher listens for answers
_UNSET_IP: Final = "0.0.0.0"  # noqa: S104 - an address field, not a bind address
_CAMERA_ID: Final = re.compile(r"[0-9A-F]{12}")

type Target = tuple[str, int]


@dataclass(frozen=True, slots=True)
class DiscoveredCamera:
    """A camera that answered a search: who it is and where its web (and protocol) port is."""

    camera_id: str
    name: str
    host: str
    port: int
    system_firmware: str
    app_firmware: str
    dhcp: bool

    @classmethod
    def from_response(cls, response: SearchResp, sender: str) -> DiscoveredCamera:
        """The camera of an answer; `sender` stands in for an address the camera left unset."""
        return cls(
            camera_id=response.camera_id.upper(),
            name=response.name,
            host=response.ip if response.ip != _UNSET_IP else sender,
            port=response.port,
            system_firmware=response.system_firmware,
            app_firmware=response.app_firmware,
            dhcp=response.dhcp,
        )


def decode_search_response(data: bytes, sender: str) -> DiscoveredCamera:
    """The camera in one answer datagram; `ProtocolError` when it is not a whole, valid answer."""
    frames = split_frames(data, Channel.DISCOVERY)
    if len(frames) != 1:
        raise ProtocolError(f"expected one MO_I command, found {len(frames)}")
    (frame,) = frames
    if frame.opcode != DiscoveryOp.SEARCH_RESP:
        raise ProtocolError(f"MO_I op {frame.opcode} is not a search answer")
    response = decode_command(frame)
    assert isinstance(response, SearchResp)
    camera = DiscoveredCamera.from_response(response, sender)
    if not _CAMERA_ID.fullmatch(camera.camera_id):
        raise ProtocolError("search answer without a valid camera id")
    if camera.port == 0:
        raise ProtocolError(f"search answer of {camera.camera_id} gives port 0")
    return camera


class _SearchProtocol(asyncio.DatagramProtocol):
    """Decodes every datagram; valid answers go to the searcher's listeners."""

    def __init__(self, found: Callable[[DiscoveredCamera], None]) -> None:
        self._found = found

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        sender = str(addr[0])
        try:
            camera = decode_search_response(data, sender)
        except ProtocolError as err:
            _LOGGER.debug("Ignored a %d-byte datagram from %s: %s", len(data), sender, err)
            return
        self._found(camera)

    @override
    def error_received(self, exc: Exception) -> None:
        # ICMP "port unreachable" after a search sent to one address: nobody answers there.
        _LOGGER.debug("Discovery socket: %s", exc)


class CameraSearch:
    """One UDP socket that sends search requests and hears the answers.

    `async with CameraSearch() as search: search.add_listener(cb); search.search(targets)`.
    The socket is non-blocking (an asyncio datagram transport) and closed by `close`.
    """

    def __init__(self, local_host: str = ANY_ADDRESS, local_port: int = DISCOVERY_PORT) -> None:
        """Listen on `local_host`:`local_port` (any free port when that one is taken)."""
        self._local = (local_host, local_port)
        self._transport: asyncio.DatagramTransport | None = None
        self._listeners: Listeners[[DiscoveredCamera]] = Listeners(_LOGGER)

    @property
    def local_port(self) -> int | None:
        """The port answers arrive at, while open."""
        if self._transport is None:
            return None
        return int(self._transport.get_extra_info("sockname")[1])

    def add_listener(self, callback: Callable[[DiscoveredCamera], None]) -> Callable[[], None]:
        """Call `callback` with every camera that answers; returns its remover."""
        return self._listeners.add(callback)

    async def open(self) -> None:
        """Open the socket; `ConnectionFailedError` when no socket can be had."""
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        host, port = self._local
        last_error: OSError | None = None
        for local_port in dict.fromkeys((port, 0)):
            try:
                transport, _protocol = await loop.create_datagram_endpoint(
                    lambda: _SearchProtocol(self._listeners),
                    local_addr=(host, local_port),
                    allow_broadcast=True,
                )
            except OSError as err:
                _LOGGER.debug("Cannot listen on %s:%d for discovery: %s", host, local_port, err)
                last_error = err
                continue
            self._transport = transport
            return
        raise ConnectionFailedError(f"cannot open a discovery socket: {last_error}")

    def search(self, targets: Iterable[Target]) -> int:
        """Send one search request to each (address, port); returns to how many.

        A target that cannot be reached shows later, as a debug line (`error_received`).
        """
        transport = self._transport
        if transport is None:
            raise ConnectionFailedError("the discovery socket is not open")
        sent = 0
        for target in targets:
            transport.sendto(SEARCH_REQUEST, target)
            sent += 1
        return sent

    def close(self) -> None:
        """Close the socket (again is harmless)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    async def __aenter__(self) -> Self:
        """Open."""
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close."""
        self.close()


async def discover(
    targets: Iterable[Target],
    seconds: float,
    *,
    local_host: str = ANY_ADDRESS,
    local_port: int = DISCOVERY_PORT,
) -> list[DiscoveredCamera]:
    """Search `targets` once and collect the answers for `seconds`: each camera once, by id."""
    found: dict[str, DiscoveredCamera] = {}

    def keep(camera: DiscoveredCamera) -> None:
        found.setdefault(camera.camera_id, camera)

    async with CameraSearch(local_host, local_port) as search:
        search.add_listener(keep)
        search.search(targets)
        await asyncio.sleep(seconds)
    return list(found.values())
