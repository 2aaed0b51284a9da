"""The camera card's WebSocket API against the simulator over 127.0.0.1.

Listen carries the simulator's 440 Hz tone as PCM events, talk carries PCM from the "browser" to
the simulator's speaker (and tells a second talker the speaker is busy), a move lasts as long as
its subscription, presets are saved and recalled by name, and every command refuses a camera of
another integration with a translated message.
"""

from __future__ import annotations

import asyncio
import base64
import math
import struct
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.protocol.messages import AudioStartReq

from .helpers import CAMERA_ID, MockConfigEntry, wait_until
from .talk_helpers import MIN_SNR_DB, OUT_RATE, fit_tone

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

CAMERA = f"camera.b_series_camera_{CAMERA_ID.lower()}"

type WsClient = Any


async def _receive(client: WsClient, msg_id: int) -> dict[str, Any]:
    """The next message of subscription `msg_id` (others are skipped)."""
    while True:
        async with asyncio.timeout(10):
            msg: dict[str, Any] = await client.receive_json()
        if msg["id"] == msg_id:
            return msg


async def _command(client: WsClient, command: str, **fields: Any) -> dict[str, Any]:
    """Send `bseries_ipcam/<command>` about the camera (or `entity_id`); its answer."""
    await client.send_json_auto_id({"type": f"{DOMAIN}/{command}", "entity_id": CAMERA, **fields})
    msg: dict[str, Any] = await client.receive_json()
    return msg


async def _subscribe(client: WsClient, command: str) -> tuple[int, dict[str, Any]]:
    """Subscribe with `bseries_ipcam/<command>` to the camera: the subscription, its first event."""
    msg = await _command(client, command)
    assert msg["success"], msg
    sub: int = msg["id"]
    return sub, (await _receive(client, sub))["event"]


def _assert_refused(msg: dict[str, Any], translation_key: str, text: str) -> None:
    """The command failed with this translated error, and its message says `text`."""
    assert not msg["success"]
    assert msg["error"]["translation_key"] == translation_key
    assert text in msg["error"]["message"]


def _tone(frequency: float, seconds: float) -> bytes:
    count = round(seconds * OUT_RATE)
    return b"".join(
        struct.pack("<h", round(16000 * math.sin(2 * math.pi * frequency * n / OUT_RATE)))
        for n in range(count)
    )


async def test_camera_info(
    hass: HomeAssistant, hass_ws_client: Any, loaded_entry: MockConfigEntry
) -> None:
    client = await hass_ws_client(hass)
    msg = await _command(client, "camera_info")
    assert msg["success"], msg
    info = msg["result"]
    assert info["entry_id"] == loaded_entry.entry_id
    assert info["pan_tilt"] is True
    assert info["connected"] is True
    assert info["presets"] == []
    registry = er.async_get(hass)
    camera_entry = registry.async_get(CAMERA)
    assert camera_entry is not None
    assert info["device_id"] == camera_entry.device_id
    # The same device's controls by key, as the card finds them.
    assert info["entities"]["ptz_preset"].startswith("select.")
    assert info["entities"]["infrared"].startswith("switch.")
    assert info["entities"]["motion"].startswith("binary_sensor.")
    assert "ptz_up_left" not in info["entities"]  # disabled by default


async def test_another_integrations_camera_is_refused(
    hass: HomeAssistant, hass_ws_client: Any, loaded_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    registry.async_get_or_create("camera", "demo", "other", suggested_object_id="other")
    client = await hass_ws_client(hass)
    for command in ("camera_info", "listen", "talk", "preset"):
        msg = await _command(client, command, entity_id="camera.other")
        _assert_refused(msg, "not_a_bseries_camera", "is not a camera of the B-Series")


async def test_listen_plays_the_tone_and_skips_ahead(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_ws_client(hass)
    sub, start = await _subscribe(client, "listen")
    assert start == {"type": "start", "rate": 8000, "format": "s16le"}
    pcm = b""
    stamps: list[int] = []
    while len(pcm) < 2 * OUT_RATE * 2:  # 2 s
        event = (await _receive(client, sub))["event"]
        stamps.append(event["t"])
        pcm += base64.b64decode(event["pcm"])
    samples = list(struct.unpack(f"<{len(pcm) // 2}h", pcm))
    assert fit_tone(samples[1600:12000], 440.0).snr_db >= MIN_SNR_DB
    assert stamps == sorted(stamps)
    # A second listener shares the one audio start.
    second = await hass_ws_client(hass)
    assert (await _command(second, "listen"))["success"]
    assert len(simulator.commands(AudioStartReq)) == 1
    # The second client reads nothing for a while: the first still gets its sound.
    feed = loaded_entry.runtime_data.audio
    await asyncio.sleep(1.5)
    assert "pcm" in (await _receive(client, sub))["event"]
    await client.send_json_auto_id({"type": "unsubscribe_events", "subscription": sub})
    await second.close()
    await wait_until(lambda: feed.listeners == 0)


@pytest.mark.parametrize("sim_overrides", [{"microphone": False}])
class TestNoMicrophone:
    """A camera without a microphone: listen is refused with the reason."""

    async def test_listen_refused(
        self, hass: HomeAssistant, hass_ws_client: Any, loaded_entry: MockConfigEntry
    ) -> None:
        client = await hass_ws_client(hass)
        msg = await _command(client, "listen")
        _assert_refused(msg, "no_microphone", "has no microphone")


async def test_talk_reaches_the_speaker_and_a_second_talker_is_told(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_ws_client(hass)
    sub, start = await _subscribe(client, "talk")
    assert start["type"] == "start"
    handler = bytes([start["handler_id"]])
    # Another browser presses Talk meanwhile: told at once.
    other = await hass_ws_client(hass)
    refused = await _command(other, "talk")
    _assert_refused(refused, "talk_busy", "is already talking")
    # 1 s of 440 Hz in 40 ms pieces, as the card sends them, then the end.
    tone = _tone(440.0, 1.0)
    for offset in range(0, len(tone), 640):
        await client.send_bytes(handler + tone[offset : offset + 640])
    await client.send_bytes(handler)
    end = (await _receive(client, sub))["event"]
    assert end["type"] == "end"
    assert end["seconds"] == pytest.approx(1.0, abs=0.05)
    samples = simulator.talk_samples
    assert len(samples) >= 7600
    assert fit_tone(samples[320:7000], 440.0).snr_db >= MIN_SNR_DB
    assert not loaded_entry.runtime_data.talk.talking


async def test_talk_ends_when_the_card_unsubscribes(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_ws_client(hass)
    _, start = await _subscribe(client, "talk")
    handler = bytes([start["handler_id"]])
    await client.send_bytes(handler + _tone(440.0, 0.2))
    await wait_until(lambda: loaded_entry.runtime_data.talk.talking)
    await client.close()  # the WebSocket drops mid-talk
    await wait_until(lambda: not loaded_entry.runtime_data.talk.talking)


async def test_move_lasts_while_subscribed(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_ws_client(hass)
    start = simulator.ptz.position()
    msg = await _command(client, "move", direction="left")
    assert msg["success"], msg
    await simulator.wait_for(lambda: simulator.ptz.position() != start)
    await client.send_json_auto_id({"type": "unsubscribe_events", "subscription": msg["id"]})
    assert (await client.receive_json())["success"]
    await simulator.wait_for(lambda: simulator.ptz.velocity == (0, 0))
    stopped = simulator.ptz.position()
    await asyncio.sleep(0.3)
    assert simulator.ptz.position() == stopped
    # A WebSocket that drops mid-press stops the move too.
    assert (await _command(client, "move", direction="up"))["success"]
    await simulator.wait_for(lambda: simulator.ptz.velocity != (0, 0))
    await client.close()
    await simulator.wait_for(lambda: simulator.ptz.velocity == (0, 0))


async def test_presets_by_name(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    client = await hass_ws_client(hass)

    async def preset(**data: Any) -> dict[str, Any]:
        return await _command(client, "preset", **data)

    center = simulator.ptz.position()
    saved = await preset(action="save", name="Door")
    assert saved["result"] == {"preset": 1, "presets": [{"number": 1, "name": "Door"}]}
    taken = await preset(action="save", name="door")
    assert taken["error"]["translation_key"] == "preset_name_taken"
    await simulator.wait_for(lambda: simulator.ptz.position() == center)
    renamed = await preset(action="rename", preset=1, name="Front door")
    assert renamed["result"]["presets"] == [{"number": 1, "name": "Front door"}]
    gone = await preset(name="Front door")
    assert gone["success"]
    assert loaded_entry.runtime_data.presets.last == 1
    deleted = await preset(action="delete", preset=1)
    assert deleted["result"]["presets"] == []
    unknown = await preset(name="Front door")
    assert unknown["error"]["translation_key"] == "preset_unknown"


async def test_listen_resubscribed_after_a_dropped_connection_keeps_playing(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The card's connection drops and its library subscribes again at once: sound goes on."""
    client = await hass_ws_client(hass)
    sub, _ = await _subscribe(client, "listen")
    assert "pcm" in (await _receive(client, sub))["event"]
    # The server may see the new subscription before it has ended the old one.
    again = await hass_ws_client(hass)
    sub, start = await _subscribe(again, "listen")
    assert start["type"] == "start"
    await client.close()
    for _ in range(50):  # 2 s of packets on the new connection
        event = (await _receive(again, sub))["event"]
        assert "pcm" in event, event
