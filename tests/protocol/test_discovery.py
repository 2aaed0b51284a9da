"""UDP discovery (MO_I): the search request and answers against the real captures, the decoder's
refusals, and the searcher against the simulated camera on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING

import pytest

from custom_components.bseries_ipcam.protocol import ConnectionFailedError, ProtocolError
from custom_components.bseries_ipcam.protocol.const import Channel, DiscoveryOp
from custom_components.bseries_ipcam.protocol.discovery import (
    SEARCH_REQUEST,
    CameraSearch,
    DiscoveredCamera,
    decode_search_response,
    discover,
)
from custom_components.bseries_ipcam.protocol.framing import encode_frame
from custom_components.bseries_ipcam.protocol.messages import SearchResp
from tests.captures import capture

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator

LOOPBACK = "127.0.0.1"
ANSWER = SearchResp(
    camera_id="00626E000042",
    name="garden",
    ip="192.0.2.5",
    port=8080,
    system_firmware="11.37.2.56",
    app_firmware="2.0.10.7",
)


def test_search_request_is_the_captured_one() -> None:
    assert capture("discovery/search_req.bin").read_bytes() == SEARCH_REQUEST


def test_decode_the_captured_answer() -> None:
    data = capture("discovery/search_resp.bin").read_bytes()
    assert decode_search_response(data, "192.168.69.21") == DiscoveredCamera(
        camera_id="00626E4E72BF",
        name="cam1",
        host="192.168.69.21",
        port=80,
        system_firmware="11.37.2.56",
        app_firmware="2.4.10.10",
        dhcp=True,
    )


def test_an_unset_address_is_the_sender() -> None:
    data = SearchResp(camera_id="00626E000042", port=81).to_bytes()
    assert decode_search_response(data, "192.0.2.9").host == "192.0.2.9"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"hello camera, are you there?", "bad magic", id="garbage"),
        pytest.param(ANSWER.to_bytes()[:40], "left over", id="truncated"),
        pytest.param(SEARCH_REQUEST, "not a search answer", id="a search request"),
        pytest.param(ANSWER.to_bytes() * 2, "found 2", id="two answers"),
        pytest.param(
            encode_frame(Channel.DISCOVERY, DiscoveryOp.SEARCH_RESP, bytes(10)),
            "too short",
            id="short text",
        ),
        pytest.param(SearchResp(camera_id="", port=80).to_bytes(), "camera id", id="no id"),
        pytest.param(
            SearchResp(camera_id="00626E000042", port=0).to_bytes(), "port 0", id="port 0"
        ),
        pytest.param(Channel.CONTROL.magic + ANSWER.to_bytes()[4:], "unexpected", id="MO_O"),
    ],
)
def test_decode_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_search_response(data, "192.0.2.9")


async def _found(search: CameraSearch) -> asyncio.Queue[DiscoveredCamera]:
    queue: asyncio.Queue[DiscoveredCamera] = asyncio.Queue()
    search.add_listener(queue.put_nowait)
    return queue


async def test_search_finds_the_simulator(sim: CameraSimulator) -> None:
    assert sim.discovery_port is not None
    async with CameraSearch(LOOPBACK, 0) as search:
        found = await _found(search)
        assert search.search([(LOOPBACK, sim.discovery_port)]) == 1
        async with asyncio.timeout(10):
            camera = await found.get()
    assert camera.camera_id == sim.config.camera_id
    assert camera.name == sim.config.alias
    assert (camera.host, camera.port) == (LOOPBACK, sim.port)
    assert sim.stats.discovery_answers_sent == 1
    assert search.local_port is None  # closed


async def test_garbage_and_truncated_answers_are_ignored(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.bseries_ipcam.protocol.discovery")
    async with CameraSearch(LOOPBACK, 0) as search:
        found = await _found(search)
        port = search.local_port
        assert port is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"\xff" * 30, (LOOPBACK, port))
            sender.sendto(ANSWER.to_bytes()[:50], (LOOPBACK, port))
            sender.sendto(ANSWER.to_bytes(), (LOOPBACK, port))
        async with asyncio.timeout(10):
            camera = await found.get()
    # Datagrams from one sender on loopback arrive in order: the two bad ones came first.
    assert camera.camera_id == ANSWER.camera_id
    assert found.empty()
    ignored = [r.getMessage() for r in caplog.records if "Ignored a" in r.getMessage()]
    assert len(ignored) == 2
    assert "bad magic" in ignored[0]
    assert "left over" in ignored[1]


async def test_a_taken_port_falls_back_to_any_port(socket_enabled: None) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind((LOOPBACK, 0))
        busy = taken.getsockname()[1]
        async with CameraSearch(LOOPBACK, busy) as search:
            assert search.local_port not in {None, busy}
            await search.open()  # already open: nothing changes


async def test_no_socket_at_all(socket_enabled: None) -> None:
    search = CameraSearch("192.0.2.1", 0)  # not an address of this machine
    with pytest.raises(ConnectionFailedError, match="cannot open a discovery socket"):
        await search.open()
    with pytest.raises(ConnectionFailedError, match="not open"):
        search.search([(LOOPBACK, 9)])
    search.close()


async def test_discover_collects_each_camera_once(sim: CameraSimulator) -> None:
    assert sim.discovery_port is not None
    target = (LOOPBACK, sim.discovery_port)
    cameras = await discover([target, target], 0.5, local_host=LOOPBACK, local_port=0)
    assert [camera.camera_id for camera in cameras] == [sim.config.camera_id]
