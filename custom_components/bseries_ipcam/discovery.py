"""Finding cameras on the network with the camera's own UDP search (MO_I).

Most of these cameras have fixed addresses and never show up in DHCP discovery. The integration
therefore searches once when it starts and then every DISCOVERY_INTERVAL, by sending one MO_I
search to the broadcast address of each IPv4 network Home Assistant uses (HA's network
helper). Every camera that answers starts an integration-discovery config flow with its id,
name, address and port: a new camera appears in "Add integration" asking only for an account,
a configured one that moved is updated by the flow (as DHCP discovery does).

`discovery_addresses` in configuration.yaml replaces the broadcast addresses (a camera's own
address, another network's broadcast address; an empty list turns the search off). The tests
and the development tools point it at 127.0.0.1: nothing of theirs ever broadcasts.

One UDP socket (an asyncio datagram transport, non-blocking) lives from the first search until
Home Assistant stops; the periodic search is a timer, so no task is left running in between.
"""

from __future__ import annotations

from datetime import timedelta
from ipaddress import IPv4Address
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.components import network
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util.hass_dict import HassKey
import probatio

from .const import DOMAIN
from .protocol import BSeriesError
from .protocol.const import DISCOVERY_PORT
from .protocol.discovery import ANY_ADDRESS, CameraSearch, DiscoveredCamera

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from .protocol.discovery import Target

_LOGGER = logging.getLogger(__name__)

# Cameras seldom come and go; a quarter of an hour finds a new one soon enough without
# sending a broadcast to every network every minute.
DISCOVERY_INTERVAL: Final = timedelta(minutes=15)
CONF_DISCOVERY_ADDRESSES: Final = "discovery_addresses"
CONF_CAMERA_ID: Final = "camera_id"
DISCOVERY_KEY_VERSION: Final = 1
LOOPBACK: Final = "127.0.0.1"

DATA_DISCOVERY: HassKey[CameraDiscovery] = HassKey(f"{DOMAIN}_discovery")


def search_target(value: object) -> Target:
    """ADDR or ADDR:PORT of an IPv4 search target (the port defaults to 10000)."""
    text = str(value).strip()
    host, sep, port_text = text.partition(":")
    try:
        address = str(IPv4Address(host))
        port = int(port_text) if sep else DISCOVERY_PORT
    except ValueError:
        raise probatio.Invalid(f"{text!r} is not an IPv4 address with an optional port") from None
    if not 1 <= port <= 65535:
        raise probatio.Invalid(f"{port} is not a port number (1-65535)")
    return address, port


DISCOVERY_CONFIG: Final = {probatio.Optional(CONF_DISCOVERY_ADDRESSES): [search_target]}


async def async_broadcast_targets(hass: HomeAssistant) -> list[Target]:
    """The broadcast address of every IPv4 network HA uses, at the search port."""
    addresses = await network.async_get_ipv4_broadcast_addresses(hass)
    return sorted((str(address), DISCOVERY_PORT) for address in addresses)


class CameraDiscovery:
    """The integration's searcher: one socket, a search now and every DISCOVERY_INTERVAL."""

    def __init__(self, hass: HomeAssistant, targets: list[Target] | None) -> None:
        """`targets` replaces the broadcast addresses when given."""
        self.hass = hass
        self.targets = targets
        self._search: CameraSearch | None = None
        self._unsubs: list[Callable[[], None]] = []
        self.searches = 0
        self.answers = 0

    async def async_start(self) -> None:
        """Open the socket, search now, and again every DISCOVERY_INTERVAL until HA stops."""
        if self.targets == []:
            _LOGGER.debug("Discovery is off: discovery_addresses is empty")
            return
        # A search of this machine only listens on this machine.
        only_loopback = self.targets is not None and all(
            IPv4Address(host).is_loopback for host, _port in self.targets
        )
        search = (
            CameraSearch(LOOPBACK, 0)
            if only_loopback
            else CameraSearch(ANY_ADDRESS, DISCOVERY_PORT)
        )
        try:
            await search.open()
        except BSeriesError as err:
            _LOGGER.warning("Cannot search the network for cameras: %s", err)
            return
        self._search = search
        self._unsubs = [
            search.add_listener(self._async_found),
            async_track_time_interval(
                self.hass, self._async_search_due, DISCOVERY_INTERVAL, cancel_on_shutdown=True
            ),
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_stop),
        ]
        await self.async_search()

    @property
    def local_port(self) -> int | None:
        """The UDP port the answers arrive at, while searching."""
        return self._search.local_port if self._search is not None else None

    async def async_search(self) -> None:
        """Send one search to every target."""
        search = self._search
        if search is None:
            return
        targets = (
            self.targets if self.targets is not None else await async_broadcast_targets(self.hass)
        )
        self.searches += 1
        sent = search.search(targets)
        _LOGGER.debug("Searched for cameras at %d of %d address(es)", sent, len(targets))

    async def _async_search_due(self, _now: datetime) -> None:
        await self.async_search()

    @callback
    def _async_found(self, camera: DiscoveredCamera) -> None:
        """A camera answered: let its config flow decide whether it is new or has moved."""
        self.answers += 1
        _LOGGER.debug("Camera %s answered from %s:%d", camera.camera_id, camera.host, camera.port)
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                CONF_CAMERA_ID: camera.camera_id,
                CONF_NAME: camera.name,
                CONF_HOST: camera.host,
                CONF_PORT: camera.port,
            },
            discovery_key=discovery_flow.DiscoveryKey(
                domain=DOMAIN, key=camera.camera_id, version=DISCOVERY_KEY_VERSION
            ),
        )

    @callback
    def _async_on_stop(self, _event: Event) -> None:
        self._unsubs = self._unsubs[:-1]  # the one-time stop listener is gone once it fired
        self.async_stop()

    @callback
    def async_stop(self) -> None:
        """Stop searching and close the socket."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        search, self._search = self._search, None
        if search is not None:
            search.close()


async def async_setup_discovery(hass: HomeAssistant, targets: list[Target] | None) -> None:
    """Start the integration's searcher (once per Home Assistant run)."""
    if DATA_DISCOVERY in hass.data:
        return
    discovery = hass.data[DATA_DISCOVERY] = CameraDiscovery(hass, targets)
    await discovery.async_start()
