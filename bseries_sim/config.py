"""Configuration of the simulated camera."""

from __future__ import annotations

from dataclasses import dataclass, field
import hmac
import re
from typing import TYPE_CHECKING

from custom_components.bseries_ipcam.protocol.const import (
    MAX_CREDENTIAL_BYTES,
    Privilege,
    ResultCode,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DEFAULT_HOST = "127.0.0.1"
DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "secret"  # noqa: S105 - the simulator's documented default, not a secret

_CAMERA_ID = re.compile(r"[0-9A-F]{12}")
_VERSION = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


@dataclass(frozen=True, slots=True)
class SimUser:
    """A user the simulated camera knows: its password and privilege."""

    password: str = field(repr=False)
    privilege: Privilege = Privilege.ADMINISTRATOR


def _default_users() -> dict[str, SimUser]:
    return {DEFAULT_USER: SimUser(DEFAULT_PASSWORD)}


def _check_credential(what: str, value: str) -> None:
    if not value.isascii() or "\0" in value or len(value) > MAX_CREDENTIAL_BYTES:
        raise ValueError(
            f"a {what} must be at most {MAX_CREDENTIAL_BYTES} ASCII characters without NUL"
        )


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """Everything that can be set about the simulated camera.

    `frames` replaces the drawn JPEGs with fixed ones (sent in turn), e.g. for benchmarks.
    `control_endpoints` enables the unauthenticated `/sim/...` HTTP endpoints that trigger
    alarms and faults from other processes.
    `discovery_port` is the UDP port it answers MO_I searches on (0: any free one, None: none).
    """

    host: str = DEFAULT_HOST
    port: int = 0
    users: Mapping[str, SimUser] = field(default_factory=_default_users)
    camera_id: str = "00626E4E72BF"
    firmware: str = "11.37.2.56"
    app_version: str = "2.0.10.7"
    alias: str = "Simulated camera"
    protocol_version: int = 0x01000000
    model: int = 0
    width: int = 640
    height: int = 480
    fps: float = 15.0
    jpeg_quality: int = 75
    cycle_seconds: float = 2.0
    frames: Sequence[bytes] | None = None
    tone_hz: float = 440.0
    tone_amplitude: int = 8000
    # A camera without a microphone answers Audio_Start with result 7 (not supported).
    microphone: bool = True
    # Video_Data's timestamps: "uptime" (as cameras send), "frozen" (standing still) or "jumping"
    # (an hour ahead every 15 frames), as some firmware's broken clocks do.
    video_clock: str = "uptime"
    max_connections: int = 4
    max_av_connections: int = 4
    keepalive_interval: float = 60.0
    dead_after: float = 120.0
    handshake_timeout: float = 10.0
    http_boundary: str = "ipcamera"
    control_endpoints: bool = False
    record_limit: int = 100_000
    # Firmware quirks (see personas.py): a header line without a colon, as some clones send.
    http_malformed_header: bool = False
    # False: the CGIs ignore HTTP Basic and take only `user=&pwd=` in the query.
    http_basic_auth: bool = True
    # The clone's control-session quirks: op 0x0101 (alias) before op 17, this byte at header
    # offset 6, this data connection id, this privilege in Verify_Resp whoever logs in.
    alias_before_params: bool = False
    header_reserved: int = 0
    fixed_av_id: int | None = None
    verify_privilege: Privilege | None = None
    # A firmware that ignores op 14 (decoder control) and op 19 (params set).
    ignore_decoder_op: bool = False
    ignore_param_set_op: bool = False
    discovery_port: int | None = 0
    # Newer firmware detects sound (alarm_sounddetect_* in get_params.cgi); older has none.
    sound_detection: bool = True
    # Upkeep (upkeep.py): whether the firmware has get_misc.cgi / set_misc.cgi; whether NTP keeps
    # the clock right (off: it starts at 2000-01-01 at power-on and at every reboot); how long a
    # reboot (reboot.cgi, the `restart` command) keeps the camera away, in seconds.
    misc_settings: bool = True
    ntp: bool = True
    restart_delay: float = 3.0
    # Whether reboot.cgi answers `ok.` before the camera goes away (False: it just drops).
    reboot_reply: bool = True
    # Reachable from the internet: a port opened on the router by UPnP, a name published by DDNS.
    upnp: bool = False
    ddns: bool = False

    def __post_init__(self) -> None:
        """Reject values the protocol cannot carry."""
        if not _CAMERA_ID.fullmatch(self.camera_id):
            raise ValueError("camera_id must be 12 upper-case hex digits (a MAC address)")
        for version in (self.firmware, self.app_version):
            if not _VERSION.fullmatch(version) or any(int(p) > 255 for p in version.split(".")):
                raise ValueError(f"version {version!r} must be four dotted numbers 0-255")
        for name, user in self.users.items():
            _check_credential("user name", name)
            _check_credential("password", user.password)
        if self.width <= 0 or self.height <= 0:
            raise ValueError("frame width and height must be positive")
        if self.fps <= 0:
            raise ValueError("fps must be positive")
        if self.frames is not None and not self.frames:
            raise ValueError("frames, when given, must hold at least one JPEG")
        if self.max_connections < 1 or self.max_av_connections < 1:
            raise ValueError("the connection limits must be at least 1")
        if self.restart_delay < 0:
            raise ValueError("restart_delay must not be negative")
        if self.keepalive_interval <= 0 or self.dead_after <= 0:
            raise ValueError("keepalive_interval and dead_after must be positive")

    def check_login(self, name: str, password: str) -> tuple[ResultCode, SimUser | None]:
        """The result of a login with these credentials: OK, BAD_USER or BAD_PASSWORD."""
        user = self.users.get(name)
        if user is None:
            return ResultCode.BAD_USER, None
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            return ResultCode.BAD_PASSWORD, None
        return ResultCode.OK, user
