"""The WebSocket API of the camera card: its camera's controls, live sound both ways, presets.

Every command names the camera entity; the card needs nothing else. A camera of another
integration, or one whose entry is not loaded, gets a translated error.

- `bseries_ipcam/camera_info`: the same device's entities by key, pan/tilt, microphone, presets.
- `bseries_ipcam/listen`: a subscription to the shared audio feed (`media.audio_feed.AudioFeed`, the
  one audio start every listener and recording share): one event per camera packet, 40 ms of 8 kHz
  mono s16le PCM in base64 (HA's WebSocket sends text frames only) with the camera's timestamp.
  A listener that falls behind skips ahead to the newest packets, so delay never builds up.
- `bseries_ipcam/talk`: push-to-talk. A subscription whose first event names a binary handler
  (`async_register_binary_handler`, as HA's voice pipeline takes a browser's microphone): binary
  messages carry 8 kHz mono s16le PCM, an empty one ends the talk. It goes to the camera through
  `talk.TalkEngine`, so a second talker is told the speaker is busy, as the talk action says.
- `bseries_ipcam/move`: a subscription that moves the view in picture terms while it lasts
  (press and hold); unsubscribing, or the WebSocket closing, stops the move.
- `bseries_ipcam/preset`: go to, save, rename or delete a named preset (`presets.PresetBook`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import probatio

from .const import DOMAIN
from .errors import BSeriesIntegrationError, translated_error
from .media.live_audio import loaded_entry
from .presets import async_preset_action
from .protocol.controls import PRESETS, Direction
from .services import PRESET_ACTIONS, PRESET_GO

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from homeassistant.components.websocket_api.connection import ActiveConnection
    from homeassistant.components.websocket_api.const import WebSocketCommandHandler

    from .data import BSeriesConfigEntry
    from .media.audio_feed import AudioFeed

_LOGGER = logging.getLogger(__name__)

# Packets (40 ms each) a listener may hold before it skips ahead to the newest: 0.2 s.
LISTEN_BACKLOG: Final = 5
# Packets the listen queue holds at most (the rest are dropped by the feed).
LISTEN_QUEUE: Final = 25
# A move the browser never ends (it crashed mid-press) stops by itself after this long.
MOVE_MAX_SECONDS: Final = 30.0
# Talk from a browser: at most this much PCM waiting for the camera (s16le 8 kHz: 2 s).
TALK_QUEUE_BYTES: Final = 32_000

ENTITY_SCHEMA: Final[dict[str | probatio.Marker, Any]] = {probatio.Required("entity_id"): str}

type CameraCommandHandler = Callable[
    [HomeAssistant, ActiveConnection, dict[str, Any], BSeriesConfigEntry], Awaitable[None]
]


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the card's commands."""
    for command in (
        websocket_camera_info,
        websocket_listen,
        websocket_talk,
        websocket_move,
        websocket_preset,
    ):
        async_register_command(hass, command)


def camera_entry(hass: HomeAssistant, entity_id: str) -> BSeriesConfigEntry:
    """The loaded entry of this integration's camera `entity_id`, or a translated error."""
    registry_entry = er.async_get(hass).async_get(entity_id)
    if (
        registry_entry is None
        or registry_entry.platform != DOMAIN
        or registry_entry.domain != "camera"
        or registry_entry.config_entry_id is None
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_bseries_camera",
            translation_placeholders={"entity_id": entity_id},
        )
    entry = loaded_entry(hass, registry_entry.config_entry_id)
    if entry is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_connected",
            translation_placeholders={"name": entity_id},
        )
    return entry


def camera_command(
    command: str, schema: dict[str | probatio.Marker, Any] | None = None
) -> Callable[[CameraCommandHandler], WebSocketCommandHandler]:
    """An async command `bseries_ipcam/<command>` on one camera: the handler gets its entry.

    The message names the camera by `entity_id` (plus `schema`'s fields); a camera that is not
    ours, or not loaded, is answered with `camera_entry`'s error before the handler runs.
    """

    def decorate(handler: CameraCommandHandler) -> WebSocketCommandHandler:
        @websocket_command(
            {probatio.Required("type"): f"{DOMAIN}/{command}", **ENTITY_SCHEMA, **(schema or {})}
        )
        @async_response
        async def run(
            hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
        ) -> None:
            await handler(hass, connection, msg, camera_entry(hass, msg["entity_id"]))

        return run

    return decorate


# --- the card's camera ------------------------------------------------------------------------


@websocket_command({probatio.Required("type"): f"{DOMAIN}/camera_info", **ENTITY_SCHEMA})
@callback
def websocket_camera_info(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The camera's device, its entities by key, what it can do and its saved presets."""
    # An error raised here is answered by HA's `ActiveConnection.async_handle`.
    entry = camera_entry(hass, msg["entity_id"])
    data = entry.runtime_data
    registry = er.async_get(hass)
    camera_id = data.coordinator.camera_id
    entities: dict[str, str] = {}
    device_id: str | None = None
    for registry_entry in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registry_entry.entity_id == msg["entity_id"]:
            device_id = registry_entry.device_id
        key = registry_entry.unique_id.removeprefix(f"{camera_id}_")
        if registry_entry.disabled_by is None:
            entities[key] = registry_entry.entity_id
    connection.send_result(
        msg["id"],
        {
            "entry_id": entry.entry_id,
            "device_id": device_id,
            "name": entry.title,
            "connected": data.controls.connected,
            "pan_tilt": data.controls.pan_tilt,
            "microphone": data.audio.microphone,
            "talking": data.talk.talking,
            "entities": entities,
            "presets": data.presets.as_list(),
            "last_preset": data.presets.last,
        },
    )


# --- listen -----------------------------------------------------------------------------------


@camera_command("listen")
async def websocket_listen(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    entry: BSeriesConfigEntry,
) -> None:
    """Send the camera's sound as it comes, until the card unsubscribes."""
    feed = entry.runtime_data.audio
    if not await feed.probe():
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_microphone",
            translation_placeholders={"name": entry.title},
        )
    started: asyncio.Future[None] = hass.loop.create_future()
    task = entry.async_create_background_task(
        hass, _async_send_sound(connection, msg["id"], feed, started), f"{DOMAIN} listen"
    )
    try:
        await started
    except BSeriesIntegrationError as err:
        raise translated_error(err, entry.title) from err
    connection.subscriptions[msg["id"]] = task.cancel
    connection.send_result(msg["id"])
    connection.send_event(msg["id"], {"type": "start", "rate": 8000, "format": "s16le"})


async def _async_send_sound(
    connection: ActiveConnection,
    msg_id: int,
    feed: AudioFeed,
    started: asyncio.Future[None],
) -> None:
    """One event per packet; a backlog beyond `LISTEN_BACKLOG` is skipped, oldest first."""
    skipped = 0
    try:
        async with feed.listen(LISTEN_QUEUE) as listener:
            started.set_result(None)
            while (chunk := await listener.get()) is not None:
                if listener.pending > LISTEN_BACKLOG:
                    skipped += 1
                    continue
                connection.send_event(
                    msg_id,
                    {"t": chunk.timestamp, "pcm": base64.b64encode(chunk.pcm).decode("ascii")},
                )
            connection.send_event(msg_id, {"type": "end"})
    except BSeriesIntegrationError as err:
        started.set_exception(err)
        return
    if skipped or listener.dropped:
        _LOGGER.debug(
            "A slow card listener skipped %d and lost %d packets", skipped, listener.dropped
        )


# --- talk -------------------------------------------------------------------------------------


@camera_command("talk")
async def websocket_talk(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    entry: BSeriesConfigEntry,
) -> None:
    """Push-to-talk: the browser's PCM through the camera's speaker while the card sends it."""
    talk = entry.runtime_data.talk
    talk.raise_if_busy()  # the second talker is told now, not after pressing
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    queued = 0

    @callback
    def on_binary(_hass: HomeAssistant, _connection: Any, payload: bytes) -> None:
        nonlocal queued
        if payload and queued + len(payload) > TALK_QUEUE_BYTES:
            return  # the camera cannot keep up: the newest speech is dropped, never delayed
        queued += len(payload)
        queue.put_nowait(payload)

    async def pcm() -> AsyncIterator[bytes]:
        nonlocal queued
        while payload := await queue.get():
            queued -= len(payload)
            if len(payload) % 2:
                payload = payload[:-1]
            if payload:
                yield payload

    handler_id, unregister = connection.async_register_binary_handler(on_binary)

    async def run() -> None:
        try:
            seconds = await talk.async_talk_live(pcm())
        except HomeAssistantError as err:
            connection.send_event(msg["id"], {"type": "error", "message": str(err)})
        else:
            connection.send_event(msg["id"], {"type": "end", "seconds": seconds})
        finally:
            unregister()

    task = entry.async_create_background_task(hass, run(), f"{DOMAIN} browser talk")
    connection.subscriptions[msg["id"]] = task.cancel
    connection.send_result(msg["id"])
    connection.send_event(msg["id"], {"type": "start", "handler_id": handler_id, "rate": 8000})


# --- pan/tilt and presets -----------------------------------------------------------------------


@camera_command("move", {probatio.Required("direction"): probatio.In([d.value for d in Direction])})
async def websocket_move(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    entry: BSeriesConfigEntry,
) -> None:
    """Move while subscribed: unsubscribing (release) or a closed WebSocket stops the move."""
    controls = entry.runtime_data.controls
    await controls.async_move(Direction(msg["direction"]), None)

    async def hold() -> None:
        try:
            await asyncio.sleep(MOVE_MAX_SECONDS)
        finally:
            with contextlib.suppress(HomeAssistantError):
                await asyncio.shield(controls.async_stop())

    task = entry.async_create_background_task(hass, hold(), f"{DOMAIN} move")
    connection.subscriptions[msg["id"]] = task.cancel
    connection.send_result(msg["id"])


@camera_command(
    "preset",
    {
        probatio.Optional("action", default=PRESET_GO): probatio.In(PRESET_ACTIONS),
        probatio.Optional("preset"): probatio.All(int, probatio.In(list(PRESETS))),
        probatio.Optional("name"): str,
    },
)
async def websocket_preset(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    entry: BSeriesConfigEntry,
) -> None:
    """Go to, save, rename or delete a preset; answers with the presets saved after it."""
    presets = entry.runtime_data.presets
    number = await async_preset_action(presets, msg["action"], msg.get("preset"), msg.get("name"))
    connection.send_result(msg["id"], {"preset": number, "presets": presets.as_list()})
