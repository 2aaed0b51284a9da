"""Camera controls over both paths, against the simulator's personas on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
from hypothesis import given, strategies as st
import pytest

from bseries_sim import CameraSimulator, SimUser
from bseries_sim.personas import persona_config
from custom_components.bseries_ipcam.protocol import CameraClient
from custom_components.bseries_ipcam.protocol.cgi import CgiClient
from custom_components.bseries_ipcam.protocol.controls import (
    CameraControls,
    CameraParam,
    DecoderCommand,
    Direction,
    ImageSettings,
    Path,
    move_command,
    preset_command,
    read_alias,
    stop_command,
)
from custom_components.bseries_ipcam.protocol.exceptions import CameraResponseError
from custom_components.bseries_ipcam.protocol.messages import DecoderControl, ParamSet, ParamsResp
from tests.picture import view_shift

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

PERSONAS = ("foscam", "clone", "cgi-only")


@pytest.fixture(params=PERSONAS)
async def persona_sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[CameraSimulator]:
    config = persona_config(
        request.param, users={USER: SimUser(PASSWORD)}, width=160, height=120, fps=25
    )
    async with CameraSimulator(config) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def connected(
    sim: CameraSimulator, http: aiohttp.ClientSession | None
) -> tuple[CameraClient, CameraControls, CgiClient | None]:
    camera = CameraClient(sim.host, sim.port, USER, PASSWORD, timeout=5)
    await camera.connect()
    cgi = CgiClient(http, sim.host, sim.port, USER, PASSWORD, timeout=5) if http else None
    return camera, CameraControls(camera.control, cgi, echo_timeout=0.5), cgi


def head_state(sim: CameraSimulator) -> tuple[bool, bool, bool]:
    """Horizontal patrol, vertical patrol, IR."""
    return sim.ptz.horizontal_patrol, sim.ptz.vertical_patrol, sim.ptz.ir


def test_moves_in_picture_terms() -> None:
    # FI89xx: 6 turns the view left, 4 right; flip and mirror reverse the picture's axes.
    assert move_command(Direction.LEFT) == DecoderCommand.RIGHT
    assert move_command(Direction.RIGHT) == DecoderCommand.LEFT
    assert move_command(Direction.UP) == DecoderCommand.UP
    assert move_command(Direction.UP, flip=True) == DecoderCommand.DOWN
    assert move_command(Direction.LEFT, mirror=True) == DecoderCommand.LEFT
    assert move_command(Direction.UP_RIGHT) == DecoderCommand.LEFT_UP  # code 90
    assert move_command(Direction.UP_LEFT) == DecoderCommand.RIGHT_UP
    assert move_command(Direction.DOWN_RIGHT) == DecoderCommand.LEFT_DOWN
    assert move_command(Direction.DOWN_LEFT, flip=True, mirror=True) == DecoderCommand.LEFT_UP
    assert stop_command(DecoderCommand.LEFT) == DecoderCommand.LEFT_STOP
    assert stop_command(DecoderCommand.RIGHT_DOWN) == DecoderCommand.UP_STOP
    assert preset_command(1, save=True) == 30
    assert preset_command(1, save=False) == 31
    assert preset_command(16, save=True) == 60
    assert preset_command(16, save=False) == 61
    for bad in (0, 17):
        with pytest.raises(ValueError, match="1-16"):
            preset_command(bad, save=False)


@given(st.sampled_from(list(Direction)), st.booleans(), st.booleans())
def test_flipping_twice_is_no_flip(direction: Direction, flip: bool, mirror: bool) -> None:
    code = move_command(direction, flip=flip, mirror=mirror)
    assert code in set(DecoderCommand)
    opposite = {
        "up": "down",
        "down": "up",
        "left": "right",
        "right": "left",
    }
    parts = direction.value.split("_")
    reverse = Direction("_".join(opposite[p] for p in parts))
    assert move_command(reverse, flip=not flip, mirror=not mirror) == code


@given(
    st.tuples(*[st.integers(0, 255)] * 6),
    st.binary(max_size=4),
    st.integers(0, 255),
    st.integers(0, 255),
)
def test_settings_follow_pushed_changes(
    values: tuple[int, ...], extra: bytes, param: int, value: int
) -> None:
    resolution, brightness, contrast, mode, unknown, flip = values
    params = ParamsResp(resolution, brightness, contrast, mode, unknown, flip, extra)
    settings = ImageSettings.from_params(params)
    changed = settings.with_param(param, value)
    assert changed.extra == extra
    assert changed.unknown == values[4]
    if param in set(CameraParam):
        assert changed.get(CameraParam(param)) == value
    else:
        assert changed == settings
    assert changed.flip == bool(changed.flip_value & 1)
    assert changed.mirror == bool(changed.flip_value & 2)


def test_settings_from_cgi_vars() -> None:
    values = {"resolution": "8", "brightness": "9", "contrast": "1", "mode": "0", "flip": "2"}
    assert ImageSettings.from_vars(values) == ImageSettings(8, 9, 1, 0, 2)
    with pytest.raises(ValueError, match="lacks"):
        ImageSettings.from_vars({**values, "flip": "x"})
    with pytest.raises(ValueError, match="lacks"):
        ImageSettings.from_vars({"resolution": "8"})


async def test_settings_reach_the_camera_by_the_path_it_honours(
    persona_sim: CameraSimulator, http: aiohttp.ClientSession
) -> None:
    sim = persona_sim
    camera, controls, _cgi = await connected(sim, http)
    seen: list[ImageSettings] = []
    controls.add_listener(seen.append)
    try:
        first = await controls.read_settings()
        assert (first.brightness, first.mode) == (163, 2)
        after = await controls.set_param(CameraParam.BRIGHTNESS, 77)
        assert after.brightness == 77
        assert sim.image.brightness == 77
        ignores_op19 = sim.config.ignore_param_set_op
        assert controls.settings_path is (Path.CGI if ignores_op19 else Path.BINARY)
        # The choice stays: the next change goes the same way at once.
        await controls.set_param(CameraParam.FLIP, 3)
        assert sim.image.flip == 3
        settings = controls.settings
        assert settings is not None
        assert settings.flip
        assert settings.mirror
        assert sim.commands(ParamSet) == (
            [ParamSet(1, 77)]
            if ignores_op19
            else [
                ParamSet(1, 77),
                ParamSet(5, 3),
            ]
        )
        # Another client's change arrives as op 18.
        count = len(seen)
        sim.set_camera_param(CameraParam.CONTRAST, 6)
        await sim.wait_for(lambda: len(seen) > count)
        assert controls.settings is not None
        assert controls.settings.contrast == 6
        re_read = await controls.read_settings()
        assert re_read.contrast == 6
        assert re_read.unknown == first.unknown
    finally:
        controls.close()
        await camera.close()


async def test_moves_reach_the_camera_by_the_path_it_honours(
    persona_sim: CameraSimulator, http: aiohttp.ClientSession
) -> None:
    sim = persona_sim
    camera, controls, _cgi = await connected(sim, http)
    try:
        await controls.read_settings()
        before = sim.snapshot()
        await controls.move(Direction.LEFT, 0.25)
        assert view_shift(before, sim.snapshot())[0] < -5
        assert controls.decoder_path is Path.CGI
        await controls.set_param(CameraParam.FLIP, 1)
        before = sim.snapshot()
        await controls.move(Direction.UP, 0.2)
        assert view_shift(before, sim.snapshot())[1] < -5
        position = sim.ptz.position()
        await controls.save_preset(2)
        await controls.center()
        assert sim.ptz.position() != position
        await controls.go_to_preset(2)
        assert sim.ptz.position() == position
        await controls.move(Direction.RIGHT, onestep=True)
        await controls.stop()
        await controls.patrol(horizontal=True, vertical=False)
        assert head_state(sim) == (True, False, False)
        await controls.patrol(horizontal=False, vertical=True)
        assert head_state(sim) == (False, True, False)
        await controls.set_ir(True)
        assert head_state(sim) == (False, True, True)
        await controls.set_ir(False)
        assert head_state(sim) == (False, True, False)
    finally:
        controls.close()
        await camera.close()


async def test_alias(persona_sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    sim = persona_sim
    camera, controls, cgi = await connected(sim, http)
    heard: list[str] = []
    controls.add_alias_listener(heard.append)
    try:
        assert await read_alias(controls, cgi) == sim.config.alias
        assert heard == ([sim.config.alias] if sim.config.alias_before_params else [])
        sim.params["alias"] = "   "
        fresh = CameraControls(camera.control, cgi)
        if not sim.config.alias_before_params:
            assert await read_alias(fresh, cgi) is None
        fresh.close()
    finally:
        controls.close()
        await camera.close()


async def test_without_http_everything_goes_over_the_session(sim: CameraSimulator) -> None:
    camera, controls, cgi = await connected(sim, None)
    try:
        assert cgi is None
        assert controls.decoder_path is Path.BINARY
        await controls.set_ir(True)
        await sim.wait_for(lambda: sim.ptz.ir)
        assert sim.commands(DecoderControl) == [DecoderControl(95)]
        await controls.read_settings()
        assert (await controls.set_param(CameraParam.CONTRAST, 4)).contrast == 4
        assert await read_alias(controls, None) is None
    finally:
        controls.close()
        await camera.close()


async def test_a_camera_that_takes_neither(socket_enabled: None) -> None:
    config = persona_config("cgi-only", users={USER: SimUser(PASSWORD)}, width=160, height=120)
    async with CameraSimulator(config) as sim:
        camera, controls, _ = await connected(sim, None)
        try:
            with pytest.raises(CameraResponseError, match="ignored setting BRIGHTNESS"):
                await controls.set_param(CameraParam.BRIGHTNESS, 1)
        finally:
            controls.close()
            await camera.close()


async def test_no_decoder_cgi_falls_back_to_op14(
    sim: CameraSimulator, http: aiohttp.ClientSession
) -> None:
    async def not_found(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_found, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        camera = CameraClient(sim.host, sim.port, USER, PASSWORD, timeout=5)
        await camera.connect()
        cgi = CgiClient(http, "127.0.0.1", port, USER, PASSWORD, timeout=5)
        controls = CameraControls(camera.control, cgi)
        try:
            await controls.center()
            assert controls.decoder_path is Path.BINARY
            await sim.wait_for(lambda: sim.commands(DecoderControl) == [DecoderControl(25)])
            # get_params.cgi is missing too: no alias, and no error.
            assert await read_alias(controls, cgi) is None
        finally:
            controls.close()
            await camera.close()


async def test_bad_cgi_settings_reply(sim: CameraSimulator, http: aiohttp.ClientSession) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nvar resolution=32;\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(broken, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        camera = CameraClient(sim.host, sim.port, USER, PASSWORD, timeout=5)
        await camera.connect()
        controls = CameraControls(camera.control, CgiClient(http, "127.0.0.1", port, USER, "x"))
        controls.settings_path = Path.CGI
        try:
            with pytest.raises(CameraResponseError, match="lacks"):
                await controls.read_settings()
        finally:
            controls.close()
            await camera.close()
