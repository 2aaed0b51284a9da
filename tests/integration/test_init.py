"""Tests of setup, unload and the life of the control session: retries, reconnects, reauth."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_PORT,
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_USER
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.coordinator import AVAILABILITY_GRACE
from custom_components.bseries_ipcam.protocol import ResultCode
from custom_components.bseries_ipcam.protocol.messages import LoginReq

from .helpers import (
    CAMERA_ID,
    HOST,
    OTHER_CAMERA_ID,
    TITLE,
    MockConfigEntry,
    advance,
    async_fire_time_changed,
    coordinator_of,
    state_of,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

LOST = "Lost the connection to"
RESTORED = "restored"


def login_attempts(simulator: CameraSimulator) -> int:
    """How many times a client asked the simulated camera to log in."""
    return len(simulator.commands(LoginReq))


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    """The integration's log records that contain `text`."""
    return [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.bseries_ipcam") and text in record.getMessage()
    ]


async def test_setup_and_unload(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Setup logs in once and registers the device; unload closes every connection."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert simulator.stats.control_connections_open == 1

    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, CAMERA_ID), config_entry.entry_id
    )
    assert device is not None
    assert device.connections == {(dr.CONNECTION_NETWORK_MAC, "00:62:6e:4e:72:bf")}
    assert device.manufacturer == "Foscam"
    assert device.model == "B-Series IP camera"
    assert device.name == TITLE
    assert device.sw_version == "11.37.2.56"
    assert device.serial_number == CAMERA_ID
    assert device.configuration_url == f"http://{HOST}:{simulator.port}/"

    assert state_of(hass, "connection") == STATE_ON
    for key in ("motion", "input", "sound"):
        assert state_of(hass, key) == STATE_OFF

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_known_entry(config_entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    await wait_until(lambda: simulator.stats.control_connections_open == 0)


@pytest.mark.parametrize(
    ("simulator_config", "manufacturer"),
    [
        (SimulatorConfig(camera_id="00656E112233"), "Tenvis"),
        (SimulatorConfig(camera_id="0012AB112233"), "B-Series compatible"),
    ],
)
async def test_manufacturer_from_camera_id(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    device_registry: dr.DeviceRegistry,
    manufacturer: str,
) -> None:
    """Clones are named after the vendor prefix of their MAC address."""
    camera_id = simulator.config.camera_id
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=camera_id,
        data={"host": HOST, "port": simulator.port, "username": "admin", "password": "secret"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    device = device_registry.async_get_device_by_identifier((DOMAIN, camera_id), entry.entry_id)
    assert device is not None
    assert device.manufacturer == manufacturer
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_setup_retry_when_camera_is_down(
    hass: HomeAssistant, config_entry: MockConfigEntry, free_port: Callable[[], int]
) -> None:
    """A camera that cannot be reached makes HA retry the setup later."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_PORT: free_port()}
    )
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason is not None
    assert "Cannot connect to the camera" in config_entry.reason


@pytest.mark.parametrize(
    ("login_result", "verify_result"),
    [
        (ResultCode.TOO_MANY_CONNECTIONS, None),
        (ResultCode.BAD_PROTOCOL_VERSION, None),
    ],
)
async def test_setup_retry_when_camera_refuses(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    login_result: int,
    verify_result: int | None,
) -> None:
    """A full camera (or a confused one) is retried, not given up."""
    simulator.force_login_result(login_result)
    simulator.force_verify_result(verify_result)
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_retry_when_another_camera_answers(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """Another camera at the address (DHCP moved things around) is not taken for ours."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, unique_id=OTHER_CAMERA_ID)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason is not None
    assert CAMERA_ID in config_entry.reason
    await wait_until(lambda: simulator.stats.control_connections_open == 0)


@pytest.mark.parametrize(
    "verify_result",
    [ResultCode.BAD_PASSWORD, ResultCode.BAD_USER, ResultCode.INSUFFICIENT_PRIVILEGE],
)
async def test_setup_auth_failed_starts_reauth(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    verify_result: int,
) -> None:
    """Rejected credentials at setup: no retry, a reauth flow instead."""
    simulator.force_verify_result(verify_result)
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_confirm"


async def test_reconnect_with_backoff(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lost session: retried after 1, 2, 4 ... s; unavailable past the grace, one line each way."""
    caplog.set_level(logging.DEBUG, logger="custom_components.bseries_ipcam")
    coordinator = coordinator_of(loaded_entry)
    attempts = login_attempts(simulator)
    # Only what the loss writes counts (set-up may set the camera's clock and say so).
    await hass.async_block_till_done(wait_background_tasks=True)
    caplog.clear()

    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    await hass.async_block_till_done()
    # The connectivity sensor tells at once; the others ride out the grace.
    assert state_of(hass, "connection") == STATE_OFF
    assert state_of(hass, "motion") == STATE_OFF
    with pytest.raises(HomeAssistantError, match="is not connected"):
        coordinator.require_camera()

    # First retry after 1 s: the camera is still full.
    await advance(hass, freezer, 1)
    assert login_attempts(simulator) == attempts + 1
    assert "too many connections" in (coordinator.last_error or "")
    # The next one waits 2 s, the one after 4 s: the grace (10 s) ends before the 4th attempt.
    await advance(hass, freezer, 1)
    assert login_attempts(simulator) == attempts + 1
    await advance(hass, freezer, 1)
    await advance(hass, freezer, 4)
    assert login_attempts(simulator) == attempts + 3
    assert state_of(hass, "motion") == STATE_OFF
    assert told(caplog) == []
    await advance(hass, freezer, AVAILABILITY_GRACE - 7)
    assert state_of(hass, "motion") == STATE_UNAVAILABLE
    assert state_of(hass, "connection") == STATE_OFF

    simulator.clear_faults()
    await advance(hass, freezer, 5)  # the 4th attempt, 8 s after the 3rd
    assert login_attempts(simulator) == attempts + 4
    assert coordinator.connected
    assert coordinator.require_camera() is coordinator.camera
    assert coordinator.last_error is None
    assert state_of(hass, "motion") == STATE_OFF
    assert state_of(hass, "connection") == STATE_ON

    lost, restored = told(caplog)
    assert LOST in lost.getMessage()
    assert lost.levelno == logging.WARNING
    assert RESTORED in restored.getMessage()
    assert restored.levelno == logging.INFO

    # A blip (back at the first retry) is no news: nothing above DEBUG, nothing unavailable.
    caplog.clear()
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    await hass.async_block_till_done()
    assert state_of(hass, "motion") == STATE_OFF
    await advance(hass, freezer, 1)
    assert coordinator.connected
    await advance(hass, freezer, AVAILABILITY_GRACE)
    assert state_of(hass, "motion") == STATE_OFF
    assert told(caplog) == []
    assert messages(caplog, LOST)  # at DEBUG


def told(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The integration's log records at INFO and above."""
    return [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.bseries_ipcam")
        and record.levelno >= logging.INFO
    ]


async def test_backoff_is_capped(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The camera stays away: attempts after 1, 2, 4, ... s, never more than 60 s apart."""
    coordinator = coordinator_of(loaded_entry)
    await simulator.stop()
    await wait_until(lambda: not coordinator.connected)

    for delay in (1, 2, 4, 8, 16, 32, 60, 60, 60):
        attempts = coordinator.reconnect_attempts
        await advance(hass, freezer, delay - 0.6)
        assert coordinator.reconnect_attempts == attempts, f"too early for the {delay} s retry"
        await advance(hass, freezer, delay)
        assert coordinator.reconnect_attempts == attempts + 1, f"no retry after {delay} s"
        assert not coordinator.connected
    assert coordinator.retry_delay == 60


async def test_reconnect_to_restarted_camera(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The camera rebooted with new firmware: the session comes back, the device shows it."""
    coordinator = coordinator_of(loaded_entry)
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: not coordinator.connected)

    upgraded = SimulatorConfig(camera_id=CAMERA_ID, port=port, firmware="11.37.2.65")
    async with CameraSimulator(upgraded) as rebooted:
        await advance(hass, freezer, 1)
        assert coordinator.connected
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, CAMERA_ID), loaded_entry.entry_id
        )
        assert device is not None
        assert device.sw_version == "11.37.2.65"
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)
        await wait_until(lambda: rebooted.stats.control_connections_open == 0)


async def test_reconnect_refuses_another_camera(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """After a reboot another camera answers at the address: keep trying for ours."""
    coordinator = coordinator_of(loaded_entry)
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: not coordinator.connected)

    async with CameraSimulator(SimulatorConfig(camera_id=OTHER_CAMERA_ID, port=port)) as other:
        await advance(hass, freezer, 1)
        assert not coordinator.connected
        assert coordinator.last_error is not None
        assert OTHER_CAMERA_ID in coordinator.last_error
        await wait_until(lambda: other.stats.control_connections_open == 0)
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_unexpected_error_while_reconnecting(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error that is not the camera's is logged with its traceback, and retried."""
    coordinator = coordinator_of(loaded_entry)
    coordinator.host = "camera.invalid"  # the test harness refuses to resolve it
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    await advance(hass, freezer, 1)
    assert "Unexpected error while reconnecting to camera.invalid" in caplog.text
    assert not coordinator.connected

    coordinator.host = HOST
    await advance(hass, freezer, 2)
    assert coordinator.connected


async def test_reauth_when_credentials_stop_working(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    *,
    loaded_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The password changed on the camera: reconnecting stops and a reauth flow starts."""
    coordinator = coordinator_of(loaded_entry)
    sim_users[DEFAULT_USER] = SimUser("changed")
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    await advance(hass, freezer, 1)

    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == loaded_entry.entry_id
    assert coordinator.auth_failed
    assert "rejected the credentials" in caplog.text

    # No more attempts: the camera is not hammered with a wrong password.
    attempts = coordinator.reconnect_attempts
    await advance(hass, freezer, 120)
    assert coordinator.reconnect_attempts == attempts
    assert state_of(hass, "motion") == STATE_UNAVAILABLE

    # The new password brings it back.
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"username": DEFAULT_USER, "password": "changed"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert coordinator_of(loaded_entry).connected
    assert state_of(hass, "motion") == STATE_OFF


async def test_ha_stop_closes_the_session(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Stopping HA frees the camera's client slot at once."""
    coordinator = coordinator_of(loaded_entry)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_until(lambda: simulator.stats.control_connections_open == 0)
    assert not coordinator.connected


async def test_unload_while_reconnecting(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Unloading cancels a pending retry and an attempt under way."""
    coordinator = coordinator_of(loaded_entry)
    simulator.stall()
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)
    # The retry starts and hangs on the silent camera (not waited for to the end).
    freezer.tick(1)
    async_fire_time_changed(hass)
    await wait_until(lambda: simulator.stats.control_connections_open == 1)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    simulator.resume()
    await wait_until(lambda: simulator.stats.control_connections_open == 0)
