"""Refusals of video by the camera reach the user: a warning per episode, a repair issue if it lasts.

An episode begins with the camera's first refusal of a video start (too many connections, not
supported, insufficient privilege) and ends with the next video start it accepts. It is logged
once, as a WARNING that says what to do; the feed's own retries are logged at DEBUG. While the
episode lasts, video is tried again every REFUSAL_PROBE_INTERVAL s whether or not anybody watches,
so that its end is noticed. A refusal that still holds REFUSAL_ISSUE_AFTER s after the episode began
raises a repair issue, removed when the episode ends (or the entry unloads).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN
from .errors import BSeriesIntegrationError
from .media.feed import REFUSALS
from .protocol import (
    BSeriesError,
    InsufficientPrivilegeError,
    NotSupportedError,
    TooManyConnectionsError,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from .data import BSeriesConfigEntry
    from .media.feed import VideoFeed

_LOGGER = logging.getLogger(__package__)

# Long enough to ride out a page reload in the camera's own web interface or an NVR reconnecting,
# short enough that whoever just met the error still sees the issue appear.
REFUSAL_ISSUE_AFTER: Final = 30.0
REFUSAL_PROBE_INTERVAL: Final = 60.0
PROBE_WAIT: Final = 10.0

# Per kind of refusal: the issue's translation key and, for the log, what the user can do.
REFUSAL_HELP: Final[tuple[tuple[type[BSeriesError], str, str], ...]] = (
    (
        TooManyConnectionsError,
        "video_too_many_connections",
        (
            "close the camera's web page, apps or recorders (NVR) that watch it, or lower their"
            " number: the camera serves only a few video clients at a time"
        ),
    ),
    (
        InsufficientPrivilegeError,
        "video_insufficient_privilege",
        (
            "give the account operator or administrator rights in the camera's user settings, or"
            " reauthenticate with such an account"
        ),
    ),
    (
        NotSupportedError,
        "video_not_supported",
        "check that this is a B-Series camera with video; its firmware refuses Video_Start",
    ),
)


def refusal_help(error: BSeriesError) -> tuple[str, str]:
    """The issue translation key and the advice for a refusal."""
    for kind, key, advice in REFUSAL_HELP:
        if isinstance(error, kind):
            return key, advice
    raise ValueError(f"not a refusal: {error!r}")


class RefusalNotifier:
    """Tells the user about a camera that refuses video, once, and while it lasts."""

    def __init__(self, hass: HomeAssistant, entry: BSeriesConfigEntry, feed: VideoFeed) -> None:
        """Watch `feed`'s faults for the camera of `entry`."""
        self.hass = hass
        self._entry = entry
        self._feed = feed
        self._since: float | None = None
        self._cancel_probe: CALLBACK_TYPE | None = None
        self._issue_key: str | None = None

    @property
    def issue_id(self) -> str:
        """The repair issue of this entry's refusals."""
        return f"video_refused_{self._entry.entry_id}"

    @property
    def in_episode(self) -> bool:
        """Whether the camera's last word on video was a refusal."""
        return self._since is not None

    @callback
    def async_start(self) -> Callable[[], None]:
        """Start watching; returns the function that stops it and removes the issue."""
        remove = self._feed.add_listener(self._async_on_fault)

        @callback
        def stop() -> None:
            remove()
            self._end_episode()

        return stop

    @callback
    def _async_on_fault(self) -> None:
        refusal = self._feed.refusal
        if refusal is not None and self._since is None:
            self._since = self.hass.loop.time()
            _, advice = refusal_help(refusal)
            _LOGGER.warning(
                "%s refuses video (%s): %s. Home Assistant tries again in the background",
                self._entry.title,
                refusal,
                advice,
            )
            self._schedule_probe(REFUSAL_ISSUE_AFTER)
        elif refusal is not None and self._issue_key is not None:
            self._raise_issue(refusal)  # another kind of refusal
        elif self._since is not None and self._feed.fault is None:
            _LOGGER.info("%s gives video again", self._entry.title)
            self._end_episode()

    def _schedule_probe(self, delay: float) -> None:
        self._cancel_probe = async_call_later(
            self.hass, delay, HassJob(self._async_probe_due, cancel_on_shutdown=True)
        )

    @callback
    def _async_probe_due(self, _now: datetime) -> None:
        self._cancel_probe = None
        self._entry.async_create_background_task(
            self.hass, self._async_probe(), f"{DOMAIN} video refusal probe", eager_start=False
        )

    async def _async_probe(self) -> None:
        """Try video once: a refusal now raises the issue; success ends the episode (listener)."""
        refusal: BSeriesError | None = None
        try:
            await self._feed.still(PROBE_WAIT)
        except REFUSALS as err:
            refusal = err
        except (BSeriesError, BSeriesIntegrationError) as err:
            # Offline or silent: no news about the refusal; ask again later.
            _LOGGER.debug("Video refusal probe of %s: %s", self._entry.title, err)
        if self._since is None:
            return  # the episode ended (or the entry unloaded) meanwhile
        if refusal is not None:
            self._raise_issue(refusal)
        self._schedule_probe(REFUSAL_PROBE_INTERVAL)

    def _raise_issue(self, refusal: BSeriesError) -> None:
        key, _ = refusal_help(refusal)
        self._issue_key = key
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=key,
            translation_placeholders={"name": self._entry.title, "error": str(refusal)},
        )

    def _end_episode(self) -> None:
        self._since = None
        if self._cancel_probe is not None:
            self._cancel_probe()
            self._cancel_probe = None
        if self._issue_key is not None:
            self._issue_key = None
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
