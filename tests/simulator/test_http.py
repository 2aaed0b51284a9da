"""HTTP on the camera's port: snapshot, MJPEG stream, status, auth, and the /sim endpoints."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
from typing import TYPE_CHECKING

import aiohttp
from PIL import Image
import pytest

from custom_components.bseries_ipcam.protocol.const import AlarmType
from custom_components.bseries_ipcam.protocol.messages import AlarmNotify

from .conftest import PASSWORD, USER, RawClient, login

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from bseries_sim import CameraSimulator

AUTH = f"user={USER}&pwd={PASSWORD}"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def raw_request(sim: CameraSimulator, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(request)
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_snapshot_with_query_auth(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.url}/snapshot.cgi?{AUTH}") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Server"] == "Netwave IP Camera"
        first = await response.read()
    async with http.get(f"{sim.url}/snapshot.cgi?{AUTH}") as response:
        second = await response.read()
    assert first != second
    with Image.open(io.BytesIO(first)) as image:
        assert image.size == (160, 120)
    assert sim.stats.http_connections_accepted == 2


async def test_snapshot_with_basic_auth(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.url}/snapshot.cgi", headers=basic("viewer", "view")) as response:
        assert response.status == 200
        assert (await response.read()).startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        (f"?user={USER}&pwd=wrong", {}),
        ("?user=nobody&pwd=x", {}),
        ("", basic(USER, "wrong")),
        ("", {"Authorization": "Basic !!!notbase64"}),
        ("", {"Authorization": "Bearer abc"}),
        ("", {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()}),
    ],
)
async def test_unauthorized(
    sim: CameraSimulator, http: aiohttp.ClientSession, query: str, headers: dict[str, str]
) -> None:
    for path in ("snapshot.cgi", "videostream.cgi", "get_status.cgi"):
        async with http.get(f"{sim.url}/{path}{query}", headers=headers) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"] == 'Basic realm="ipcamera"'


async def test_get_status(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.url}/get_status.cgi?{AUTH}") as response:
        assert response.status == 200
        text = await response.text()
    assert "var id='00626E4E72BF';\n" in text
    assert "var sys_ver='11.37.2.56';\n" in text
    assert "var app_ver='2.0.10.7';\n" in text
    assert "var alias='Simulated camera';\n" in text
    assert "var alarm_status=0;\n" in text
    assert "var now=" in text
    sim.trigger_alarm(AlarmType.MOTION)
    async with http.get(f"{sim.url}/get_status.cgi", headers=basic(USER, PASSWORD)) as response:
        assert "var alarm_status=1;\n" in await response.text()


async def test_head_requests(sim: CameraSimulator) -> None:
    for path in ("snapshot.cgi", "get_status.cgi", "videostream.cgi"):
        data = await raw_request(sim, f"HEAD /{path}?{AUTH} HTTP/1.0\r\n\r\n".encode())
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert body == b""


async def test_videostream(sim: CameraSimulator) -> None:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(f"GET /videostream.cgi?{AUTH}&resolution=32&rate=0 HTTP/1.1\r\n\r\n".encode())
    async with asyncio.timeout(5):
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"Content-Type: multipart/x-mixed-replace;boundary=ipcamera" in head
        images = []
        for _ in range(4):
            assert await reader.readline() == b"--ipcamera\r\n"
            part_head = await reader.readuntil(b"\r\n\r\n")
            assert b"Content-Type: image/jpeg\r\n" in part_head
            length = int(part_head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            images.append(await reader.readexactly(length))
            assert await reader.readexactly(2) == b"\r\n"
    for previous, image in itertools.pairwise(images):
        assert image != previous
    for image in images:
        with Image.open(io.BytesIO(image)) as picture:
            picture.load()
    assert sim.stats.http_stream_connections == 1
    assert sim.stats.http_streams_open == 1
    assert sim.stats.http_frames_sent >= 4
    assert sim.stats.http_bytes_sent > sum(len(i) for i in images)
    events = [e for e in sim.frame_events if e.transport == "http"]
    assert [e.counter for e in events[:4]] == [0, 1, 2, 3]
    assert events[0].session_id is None
    writer.close()
    await writer.wait_closed()
    await sim.wait_for(lambda: sim.stats.http_streams_open == 0)


async def test_videostream_with_aiohttp(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.url}/videostream.cgi?{AUTH}") as response:
        assert response.status == 200
        reader = aiohttp.MultipartReader.from_response(response)
        part = await reader.next()
        assert part is not None
        assert isinstance(part, aiohttp.BodyPartReader)
        assert (await part.read()).startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /nothing.cgi HTTP/1.1\r\n\r\n", b"404"),
        (b"POST /snapshot.cgi HTTP/1.1\r\nContent-Length: 0\r\n\r\n", b"405"),
        (b"GET /snapshot.cgi\r\n\r\n", b"400"),
        (b"GET /snapshot.cgi HTTP/2.0\r\n\r\n", b"400"),
        (b"GET /snapshot.cgi HTTP/1.1\r\nBroken header\r\n\r\n", b"400"),
        (b"GET /snapshot.cgi HTTP/1.0\n\n", b"401"),
        (b"GET /snapshot.cgi HTTP/1.1\r\n" + b"X-Big: " + b"a" * 20000, b"431"),
        (b"GET /sim/status HTTP/1.1\r\n\r\n", b"404"),
    ],
)
async def test_bad_requests(sim: CameraSimulator, request_bytes: bytes, status: bytes) -> None:
    data = await raw_request(sim, request_bytes)
    assert data.startswith(b"HTTP/1.1 " + status)


async def test_incomplete_request_is_dropped(make_sim) -> None:
    sim = await make_sim(handshake_timeout=0.2)
    assert await raw_request(sim, b"GET /snapshot.cgi HTTP/1.1\r\n") == b""
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"GET / HTTP/1.1\r\n")
    writer.write_eof()
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()


async def test_sim_endpoints(make_sim, clients: list[RawClient]) -> None:
    sim = await make_sim(control_endpoints=True)
    client, _, _ = await login(sim)
    clients.append(client)
    async with aiohttp.ClientSession() as http:

        async def get(path: str) -> tuple[int, str]:
            async with http.get(f"{sim.url}{path}") as response:
                return response.status, await response.text()

        status, text = await get("/sim/alarm?type=motion&area=1,2,3,4")
        assert status == 200
        assert "1 session" in text
        assert await client.read_type(AlarmNotify) == AlarmNotify(1, (1, 2, 3, 4))
        assert (await get("/sim/alarm"))[0] == 200
        assert (await client.read_type(AlarmNotify)).alarm_type == AlarmType.MOTION
        # Stalled: the endpoint still answers, the camera does not.
        status, text = await get("/sim/fault?name=stall")
        assert status == 200
        assert sim.faults.stalled
        status, text = await get("/sim/status")
        assert json.loads(text)["alarms_sent"] == 2
        assert (await get("/sim/fault?name=resume"))[0] == 200
        assert not sim.faults.stalled
        assert (await get("/sim/fault?name=delay&value=0.5"))[0] == 200
        assert sim.faults.response_delay == 0.5
        status, text = await get("/sim/command?line=help")
        assert "drop-av" in text
        assert (await get("/sim/fault?name=bogus"))[0] == 400
        assert (await get("/sim/nothing"))[0] == 404
        status, text = await get("/sim/fault?name=drop")
        assert status == 200
        assert "1 connection" in text
        await client.expect_closed()


async def test_settings_cgis(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.url}/get_params.cgi?{AUTH}") as response:
        text = await response.text()
    assert "var alias='Simulated camera';\n" in text
    assert f"var user1_name='{USER}';\nvar user1_pwd='{PASSWORD}';\nvar user1_pri=2;\n" in text
    assert "var user8_name='';\n" in text
    assert "var wifi_key1=" in text
    async with http.get(
        f"{sim.url}/camera_control.cgi?param=2&value=5", headers=basic(USER, PASSWORD)
    ) as response:
        assert await response.text() == "ok.\n"
    async with http.get(f"{sim.url}/get_camera_params.cgi?{AUTH}") as response:
        assert "var contrast=5;\n" in await response.text()
    async with http.get(f"{sim.url}/decoder_control.cgi?{AUTH}&command=x") as response:
        assert await response.text() == "error: illegal params.\n"
    # get_params.cgi is for administrators, camera and decoder control for operators.
    for path in ("get_params.cgi", "camera_control.cgi?param=1&value=1", "decoder_control.cgi"):
        async with http.get(f"{sim.url}/{path}", headers=basic("viewer", "view")) as response:
            assert response.status == 401
    async with http.get(
        f"{sim.url}/decoder_control.cgi?command=25", headers=basic("oper", "oper")
    ) as response:
        assert await response.text() == "ok.\n"
    async with http.get(f"{sim.url}/get_params.cgi", headers=basic("oper", "oper")) as response:
        assert response.status == 401
