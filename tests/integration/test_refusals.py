"""A camera that refuses video: the user is told once, requests fail at once, a repair issue."""

from __future__ import annotations

from http import HTTPStatus
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.bseries_ipcam import refusals
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.media import feed as feed_module
from custom_components.bseries_ipcam.protocol import (
    CameraTimeoutError,
    InsufficientPrivilegeError,
    NotSupportedError,
    ResultCode,
    TooManyConnectionsError,
)
from custom_components.bseries_ipcam.refusals import refusal_help

from .helpers import MockConfigEntry, wait_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

CAMERA = "camera.b_series_camera_00626e4e72bf"
WARNING_TEXT = "refuses video"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds become tenths: the episode's logic is the same at any scale."""
    monkeypatch.setattr(feed_module, "IDLE_TIMEOUT", 0.3)
    monkeypatch.setattr(feed_module, "RESTART_MIN_DELAY", 0.05)
    monkeypatch.setattr(feed_module, "RESTART_MAX_DELAY", 0.1)
    monkeypatch.setattr(refusals, "REFUSAL_ISSUE_AFTER", 0.3)
    monkeypatch.setattr(refusals, "REFUSAL_PROBE_INTERVAL", 0.3)


def _state(hass: HomeAssistant) -> str:
    state = hass.states.get(CAMERA)
    assert state is not None
    return state.state


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and WARNING_TEXT in record.getMessage()
    ]


def test_every_refusal_has_help() -> None:
    keys = {
        refusal_help(error)[0]
        for error in (
            TooManyConnectionsError(ResultCode.TOO_MANY_CONNECTIONS),
            InsufficientPrivilegeError(ResultCode.INSUFFICIENT_PRIVILEGE),
            NotSupportedError(ResultCode.NOT_SUPPORTED),
        )
    }
    assert keys == {
        "video_too_many_connections",
        "video_insufficient_privilege",
        "video_not_supported",
    }
    with pytest.raises(ValueError, match="not a refusal"):
        refusal_help(CameraTimeoutError("silent"))


async def test_refused_video_is_told_and_raises_a_repair_issue(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    issue_registry = ir.async_get(hass)
    issue_id = f"video_refused_{loaded_entry.entry_id}"
    client = await hass_client()
    assert _state(hass) == "streaming"
    simulator.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)

    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert _state(hass) == "idle"
    (warning,) = _warnings(caplog)
    assert "too many connections" in warning
    assert "close the camera's web page" in warning
    # Again: the same answer, and no second warning for the same episode.
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    # A live viewer gets the reason as a picture (test_live_view), on a stream that stays open.
    stream = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert stream.status == HTTPStatus.OK
    stream.close()
    assert len(_warnings(caplog)) == 1

    # It lasts: a repair issue, from the feed's own probe (nobody watches now).
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "video_too_many_connections"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == loaded_entry.title

    # Another kind of refusal replaces the issue's text.
    simulator.force_video_result(ResultCode.INSUFFICIENT_PRIVILEGE)
    await wait_until(
        lambda: (
            (found := issue_registry.async_get_issue(DOMAIN, issue_id)) is not None
            and found.translation_key == "video_insufficient_privilege"
        )
    )
    assert len(_warnings(caplog)) == 1

    # The camera accepts again: a viewer gets video, the issue and the idle state go.
    simulator.force_video_result(None)
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
    assert _state(hass) == "streaming"
    stream = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert stream.status == HTTPStatus.OK
    stream.close()
    assert any("gives video again" in record.getMessage() for record in caplog.records)


async def test_a_viewer_ends_the_episode_and_unload_removes_the_issue(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = f"video_refused_{loaded_entry.entry_id}"
    client = await hass_client()
    simulator.force_video_result(ResultCode.NOT_SUPPORTED)
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)

    simulator.force_video_result(None)
    stream = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert stream.status == HTTPStatus.OK
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
    await stream.content.read(100)  # video runs (the stream no longer waits for it to answer)
    stream.close()
    feed = loaded_entry.runtime_data.feed
    await wait_until(lambda: feed.users == 0, rounds=2_000_000)
    await simulator.wait_for(lambda: simulator.stats.av_connections_open == 0, timeout=5)

    simulator.force_video_result(ResultCode.NOT_SUPPORTED)
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_no_issue_while_the_camera_is_offline(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.bseries_ipcam")
    issue_registry = ir.async_get(hass)
    client = await hass_client()
    simulator.force_video_result(ResultCode.TOO_MANY_CONNECTIONS)
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
    # The camera goes away before the refusal could be seen to last: the probe learns nothing.
    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    simulator.drop_all()
    await wait_until(lambda: "Video refusal probe of" in caplog.text)
    assert issue_registry.async_get_issue(DOMAIN, f"video_refused_{loaded_entry.entry_id}") is None
