"""Tests of the diagnostics: what they show, and that nothing secret is in them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syrupy.filters import props

from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.params import DDNS_PASSWORD, FTP_PASSWORD, MAIL_PASSWORD, PPPOE_PASSWORD, WIFI_KEY
from custom_components.bseries_ipcam.protocol import AlarmType

from .helpers import (
    CAMERA_ID,
    HOST,
    MockConfigEntry,
    coordinator_of,
    get_diagnostics_for_config_entry,
    wait_until,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
        ClientSessionGenerator,
    )
    from syrupy.assertion import SnapshotAssertion

    from bseries_sim import CameraSimulator


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Camera info, session state and alarms, with credentials and identity redacted."""
    simulator.trigger_alarm(AlarmType.MOTION)
    await wait_until(lambda: coordinator_of(loaded_entry).alarms[AlarmType.MOTION])
    await hass.async_block_till_done(wait_background_tasks=True)  # the setup's clock check

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)

    # The simulator listens on a free port, different each run; the clock offset moves by a second.
    assert diagnostics == snapshot(exclude=props("port", "offset_s"))
    assert abs(diagnostics["upkeep"]["clock"]["offset_s"]) <= 2
    assert diagnostics["entry"]["data"]["port"] == simulator.port
    text = repr(diagnostics)
    for secret in (DEFAULT_PASSWORD, HOST, CAMERA_ID, "00:62:6e:4e:72:bf"):
        assert secret not in text
    # get_params.cgi's other secrets: only its alarm fields are kept.
    for secret in (WIFI_KEY, MAIL_PASSWORD, FTP_PASSWORD, DDNS_PASSWORD, PPPOE_PASSWORD):
        assert secret not in text
    assert diagnostics["alarm_settings"]["values"]["alarm_motion_armed"] == 1
    assert f"'{DEFAULT_USER}'" not in text
    assert diagnostics["connection"]["connected"] is True
    assert diagnostics["camera"]["firmware"] == "11.37.2.56"


async def test_diagnostics_while_disconnected(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """While the session is down they say so, and why."""
    coordinator = coordinator_of(loaded_entry)
    simulator.drop_all()
    await wait_until(lambda: not coordinator.connected)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)

    connection = diagnostics["connection"]
    assert isinstance(connection, dict)
    assert connection["connected"] is False
    assert connection["streams"] == []
    assert connection["last_error"]
