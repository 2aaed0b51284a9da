"""Constants for the B-Series IP Camera integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "bseries_ipcam"

DEFAULT_PORT: Final = 80

# Budget for one connect + login + verify, in the config flow and in the coordinator.
CONNECT_TIMEOUT: Final = 10.0

# A lost control session is retried after 1, 2, 4, ... seconds, never more than a minute apart.
RECONNECT_MIN_DELAY: Final = 1.0
RECONNECT_MAX_DELAY: Final = 60.0

# Options: whether the camera pans and tilts (FI8904W and FI8905W are fixed).
CONF_PAN_TILT: Final = "pan_tilt"
DEFAULT_PAN_TILT: Final = True

MODEL: Final = "B-Series IP camera"
DEFAULT_MANUFACTURER: Final = "B-Series compatible"
# The camera id is the MAC address; its vendor prefix names the maker.
MANUFACTURER_BY_PREFIX: Final[dict[str, str]] = {
    "00626E": "Foscam",
    "00656E": "Tenvis",
}


def manufacturer_for(camera_id: str) -> str:
    """The maker of a camera, from the vendor prefix of its id (its MAC address)."""
    return MANUFACTURER_BY_PREFIX.get(camera_id[:6].upper(), DEFAULT_MANUFACTURER)


def entry_title(camera_id: str) -> str:
    """The title of a config entry, and the name of its device."""
    return f"B-Series camera {camera_id}"


# Options (options flow): seconds of pre-roll kept for a recording's lookback (0: off), and
# whether the restream endpoints serve the camera to NVRs. The restream secret is in the data.
CONF_PREROLL_SECONDS: Final = "preroll_seconds"
CONF_RESTREAM: Final = "restream"
CONF_RESTREAM_SECRET: Final = "restream_secret"  # noqa: S105 - the key, not a secret

# Options: keep the camera's clock and time zone set from Home Assistant's (issue 20).
CONF_KEEP_CLOCK: Final = "keep_clock"
DEFAULT_KEEP_CLOCK: Final = True
# Option: one H.264 encoder per camera, giving it the STREAM feature (HLS, WebRTC, casting).
CONF_H264_STREAM: Final = "h264_stream"
