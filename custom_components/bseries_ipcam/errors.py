"""The integration's own errors, and the one place that turns errors into translated messages.

The protocol package raises `BSeriesError`s; the integration's layers above it raise
`BSeriesIntegrationError`s (not subclasses of the protocol's base, so that an `except` for one never
catches the other by accident). `translated_error` turns either into a `HomeAssistantError` whose
message is translated (strings.json, `exceptions`), naming the camera and what went wrong.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .protocol import (
    BSeriesError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionFailedError,
    InsufficientPrivilegeError,
    NotSupportedError,
    TooManyConnectionsError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


class BSeriesIntegrationError(Exception):
    """Base of the errors raised by the integration's own layers (feed, coordinator)."""


class WrongCameraError(BSeriesIntegrationError):
    """Another camera answers at the configured address."""

    def __init__(self, expected: str | None, actual: str) -> None:
        """Keep both camera ids."""
        self.expected = expected
        self.actual = actual
        super().__init__(f"camera {actual} answered instead of {expected}")


class FeedUnavailableError(BSeriesIntegrationError):
    """No frame could be had: the camera is offline or sends nothing."""


# The translation key of each kind of error, most specific first; anything else is camera_error.
ERROR_KEYS: Final[tuple[tuple[type[Exception], str], ...]] = (
    (FeedUnavailableError, "no_video"),
    (TooManyConnectionsError, "too_many_connections"),
    (NotSupportedError, "not_supported"),
    (InsufficientPrivilegeError, "insufficient_privilege"),
    (CameraTimeoutError, "camera_timeout"),
    (ConnectionClosedError, "connection_lost"),
    (ConnectionFailedError, "connection_lost"),
)
DEFAULT_KEY: Final = "camera_error"


def translated_error(
    err: Exception,
    name: str,
    *,
    keys: Mapping[type[Exception], str] | None = None,
    default: str = DEFAULT_KEY,
) -> HomeAssistantError:
    """A translated `HomeAssistantError` for `err`, raised while working with camera `name`.

    `keys` names other translation keys for some kinds of error (checked before the common ones),
    `default` the key for every other kind. Each message takes `{name}` and `{error}`.
    """
    key = default
    for kind, candidate in (*(keys or {}).items(), *ERROR_KEYS):
        if isinstance(err, kind):
            key = candidate
            break
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"name": name, "error": str(err)},
    )


def translated_message(key: str, **placeholders: str) -> str:
    """The translated text of an `exceptions` key, for a message shown outside an error."""
    return str(
        HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
    )


@contextmanager
def translate_errors(
    name: str,
    *,
    keys: Mapping[type[Exception], str] | None = None,
    default: str = DEFAULT_KEY,
) -> Iterator[None]:
    """Raise every protocol or integration error of the block as a translated one."""
    try:
        yield
    except (BSeriesError, BSeriesIntegrationError) as err:
        raise translated_error(err, name, keys=keys, default=default) from err
