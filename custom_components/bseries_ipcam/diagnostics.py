"""Diagnostics of the B-Series IP Camera integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME

from .const import CONF_RESTREAM_SECRET
from .media.restream import restream_enabled
from .media.stream_source import stream_source_diagnostics

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import BSeriesConfigEntry

# Credentials, and what identifies the camera or the home network.
TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_HOST,
    "camera_id",
    "mac",
    "title",
    "unique_id",
    "alias",
    CONF_RESTREAM_SECRET,
}


def dotted_version(value: int) -> str:
    """Login_Resp's protocol version, most significant byte first: 0x01000000 is "1.0.0.0".

    The vendor document calls these four bytes reserved; cameras send 0x01000000 (read as a
    little-endian u32, see PROTOCOL-NOTES.md), which reads as version 1.0 like the firmware's
    dotted bytes.
    """
    return ".".join(str(value >> shift & 0xFF) for shift in (24, 16, 8, 0))


def _text(error: Exception | None) -> str | None:
    return None if error is None else f"{type(error).__name__}: {error}"


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: BSeriesConfigEntry
) -> dict[str, Any]:
    """The entry's settings, what the camera said at login, and the session's state."""
    coordinator = entry.runtime_data.coordinator
    preroll = entry.runtime_data.preroll
    info = coordinator.info
    camera = coordinator.camera
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "unique_id": entry.unique_id,
            "version": entry.version,
            "minor_version": entry.minor_version,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
        "camera": None
        if info is None
        else {
            "camera_id": info.camera_id,
            "mac": info.mac,
            "firmware": info.firmware,
            "protocol_version": dotted_version(info.protocol_version),
            "protocol_version_raw": f"0x{info.protocol_version:08X}",
            "privilege": info.privilege_name,
        },
        "connection": {
            "connected": coordinator.connected,
            "port": coordinator.port,
            "reconnect_attempts": coordinator.reconnect_attempts,
            "retry_delay": coordinator.retry_delay,
            "auth_failed": coordinator.auth_failed,
            "last_error": coordinator.last_error,
            "streams": sorted(camera.streams) if camera is not None else [],
        },
        "alarms": {alarm.name.lower(): on for alarm, on in coordinator.alarms.items()},
        "video": {
            "streaming": entry.runtime_data.feed.streaming,
            "viewers": entry.runtime_data.feed.viewers,
            "starts": entry.runtime_data.feed.starts,
            "stalls": entry.runtime_data.feed.stalls,
            "fault": _text(entry.runtime_data.feed.fault),
            "stall_after_s": entry.runtime_data.feed.stall_after,
            "frame_interval_ms": coordinator.frame_interval.milliseconds,
        },
        "talk": {"talking": entry.runtime_data.talk.talking},
        "controls": entry.runtime_data.controls.diagnostics(),
        "presets": entry.runtime_data.presets.diagnostics(),
        "audio": {
            "microphone": entry.runtime_data.audio.microphone,
            "streaming": entry.runtime_data.audio.streaming,
            "listeners": entry.runtime_data.audio.listeners,
            "starts": entry.runtime_data.audio.starts,
        },
        "recording": {
            "recording": entry.runtime_data.recorder.recording,
            "preroll_seconds": entry.runtime_data.recorder.preroll_seconds,
            "preroll_frames": preroll.buffer.frames if preroll is not None else 0,
            "restream": restream_enabled(entry),
        },
        "stream": stream_source_diagnostics(hass, entry),
        # Only the alarm fields are ever kept of get_params.cgi's reply: no secret is among them.
        "alarm_settings": {
            "last_read_ok": entry.runtime_data.alarm_settings.last_update_success,
            "values": entry.runtime_data.alarm_settings.data,
        },
        # get_misc.cgi's fields, the clock and get_params.cgi's NTP fields: no secret among them.
        "upkeep": entry.runtime_data.upkeep.diagnostics(),
    }
    return async_redact_data(diagnostics, TO_REDACT)
