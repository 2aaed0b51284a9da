"""What a live viewer is told while there is no live picture: the reason, translated, as a picture.

The camera entity's live stream and the restream's MJPEG ask `reason_picture` once a second (the
MJPEG writer's `reason`); it is None while video flows. The reason is the one the camera entity's
errors give: offline (reconnecting), refused (too many connections, too few rights, not supported),
or no video for N s (stalled). The picture has the camera's resolution: its last frame's, else its
resolution setting, else VGA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import translated_error, translated_message
from .protocol.controls import RESOLUTION_SIZES, Resolution

if TYPE_CHECKING:
    from .data import BSeriesConfigEntry


def reason_text(entry: BSeriesConfigEntry) -> str | None:
    """Why the camera gives no live picture now, translated; None while it gives one."""
    data = entry.runtime_data
    if not data.coordinator.connected:
        return translated_message("live_offline", name=entry.title)
    feed = data.feed
    fault = feed.fault
    if fault is None:
        return None
    if feed.refusal is not None:
        return str(translated_error(fault, entry.title, default="no_video"))
    silence = feed.silence
    if silence is None:
        return str(translated_error(fault, entry.title, default="no_video"))
    return translated_message("live_no_video", name=entry.title, seconds=str(round(silence)))


def camera_size(entry: BSeriesConfigEntry) -> tuple[int, int] | None:
    """The camera's picture size: its last frame's, else its resolution setting; None: unknown."""
    data = entry.runtime_data
    if (size := data.feed.frame_size) is not None:
        return size
    settings = data.controls.settings
    if settings is not None and settings.resolution in RESOLUTION_SIZES:
        return RESOLUTION_SIZES[Resolution(settings.resolution)]
    return None


async def reason_picture(entry: BSeriesConfigEntry) -> bytes | None:
    """The reason as a JPEG of the camera's size; None while the camera gives a live picture."""
    text = reason_text(entry)
    if text is None:
        return None
    return await entry.runtime_data.feed.reason_frames.jpeg(text, camera_size(entry))
