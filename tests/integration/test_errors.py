"""Protocol and integration errors become translated Home Assistant errors, in one place."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.bseries_ipcam.backoff import Backoff
from custom_components.bseries_ipcam.errors import (
    BSeriesIntegrationError,
    FeedUnavailableError,
    WrongCameraError,
    translate_errors,
    translated_error,
)
from custom_components.bseries_ipcam.protocol import (
    BSeriesError,
    CameraResponseError,
    CameraTimeoutError,
    ConnectionClosedError,
    ConnectionRefusedByCameraError,
    InsufficientPrivilegeError,
    NotSupportedError,
    ProtocolError,
    ResultCode,
    TooManyConnectionsError,
)

STRINGS = json.loads(
    (Path(__file__).parents[2] / "custom_components/bseries_ipcam/strings.json").read_text()
)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (TooManyConnectionsError(ResultCode.TOO_MANY_CONNECTIONS), "too_many_connections"),
        (NotSupportedError(ResultCode.NOT_SUPPORTED), "not_supported"),
        (InsufficientPrivilegeError(ResultCode.INSUFFICIENT_PRIVILEGE), "insufficient_privilege"),
        (CameraTimeoutError("no answer"), "camera_timeout"),
        (ConnectionClosedError("closed by the camera"), "connection_lost"),
        (ConnectionRefusedByCameraError("refused"), "connection_lost"),
        (FeedUnavailableError("no video in time"), "no_video"),
        (ProtocolError("bad magic"), "camera_error"),
        (CameraResponseError(99), "camera_error"),
    ],
)
def test_each_kind_has_its_translated_message(error: Exception, key: str) -> None:
    translated = translated_error(error, "Porch")
    assert translated.translation_key == key
    assert translated.translation_placeholders == {"name": "Porch", "error": str(error)}
    message = STRINGS["exceptions"][key]["message"]
    assert "{name}" in message
    assert message.format(name="Porch", error=str(error))


def test_own_keys_come_first_and_default_is_chosen() -> None:
    keys: dict[type[Exception], str] = {TooManyConnectionsError: "talk_busy"}
    busy = TooManyConnectionsError(ResultCode.TOO_MANY_CONNECTIONS)
    assert translated_error(busy, "x", keys=keys).translation_key == "talk_busy"
    other = translated_error(ProtocolError("x"), "x", keys=keys, default="talk_failed")
    assert other.translation_key == "talk_failed"
    for key in ("talk_busy", "talk_failed"):
        assert key in STRINGS["exceptions"]


def test_translate_errors_wraps_protocol_and_integration_errors_only() -> None:
    for error in (ProtocolError("garbage"), FeedUnavailableError("none")):
        with pytest.raises(HomeAssistantError) as info, translate_errors("Porch"):
            raise error
        assert info.value.__cause__ is error
        assert info.value.translation_key in {"camera_error", "no_video"}
    with pytest.raises(KeyError), translate_errors("Porch"):
        raise KeyError("a bug stays a bug")


def test_integration_errors_are_not_protocol_errors() -> None:
    assert not issubclass(BSeriesIntegrationError, BSeriesError)
    wrong = WrongCameraError("00626E000001", "00626E000002")
    assert (wrong.expected, wrong.actual) == ("00626E000001", "00626E000002")
    assert "00626E000002" in str(wrong)


def test_backoff_doubles_to_its_ceiling_and_resets() -> None:
    backoff = Backoff(1.0, 5.0)
    assert [backoff.next() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff.delay == 5.0
    backoff.reset()
    assert backoff.next() == 1.0
