"""Tests of the config flow, against the simulated camera: every step, every error and its way out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest

from bseries_sim import CameraSimulator, SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.protocol import ResultCode

from .helpers import CAMERA_ID, HOST, OTHER_CAMERA_ID, TITLE, MockConfigEntry

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from homeassistant.core import HomeAssistant


pytestmark = pytest.mark.usefixtures("mock_setup_entry")

DHCP_INFO = DhcpServiceInfo(ip=HOST, hostname="ipcamera", macaddress=CAMERA_ID.lower())


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the flow tests to the flow: entries it creates or reloads are not set up."""
    with patch(
        "custom_components.bseries_ipcam.async_setup_entry", return_value=True
    ) as mock_setup:
        yield mock_setup


def user_input(simulator: CameraSimulator, **changes: Any) -> dict[str, Any]:
    """The user step's form, filled in for the simulated camera."""
    return {
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_USERNAME: DEFAULT_USER,
        CONF_PASSWORD: DEFAULT_PASSWORD,
    } | changes


async def test_user_flow(
    hass: HomeAssistant, simulator: CameraSimulator, mock_setup_entry: AsyncMock
) -> None:
    """A camera added by hand: logged in once, the camera id becomes the unique id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == user_input(simulator)
    assert result["result"].unique_id == CAMERA_ID
    assert len(mock_setup_entry.mock_calls) == 1
    # The check logged in and out again: nothing stays open on the camera.
    await simulator.wait_for(lambda: simulator.stats.control_connections_open == 0)


async def test_user_flow_factory_account_without_password(
    hass: HomeAssistant, simulator: CameraSimulator, sim_users: dict[str, SimUser]
) -> None:
    """The factory account (admin, empty password) is addable: the password field is optional."""
    sim_users[DEFAULT_USER] = SimUser("")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    form = user_input(simulator)
    del form[CONF_PASSWORD]  # the frontend sends no value for an empty optional field
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == user_input(simulator, **{CONF_PASSWORD: ""})


def _refuse_connection(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    return {CONF_PORT: free_port()}


def _unknown_user(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    return {CONF_USERNAME: "nobody"}


def _wrong_password(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    return {CONF_PASSWORD: "wrong"}


def _camera_full(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    return {}


def _bad_protocol_version(
    simulator: CameraSimulator, free_port: Callable[[], int]
) -> dict[str, Any]:
    simulator.force_login_result(ResultCode.BAD_PROTOCOL_VERSION)
    return {}


def _visitor_refused(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    simulator.force_verify_result(ResultCode.INSUFFICIENT_PRIVILEGE)
    return {}


def _silent_camera(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    simulator.stall()
    return {}


def _long_password(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    return {CONF_PASSWORD: "x" * 13}


def _non_ascii_user(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    return {CONF_USERNAME: "bénédicte"}


def _unresolvable_host(simulator: CameraSimulator, free_port: Callable[[], int]) -> dict[str, Any]:
    # The test harness refuses name resolution with a RuntimeError: an error nobody expects.
    return {CONF_HOST: "camera.invalid"}


ERROR_CASES = [
    pytest.param(_refuse_connection, "cannot_connect", id="refused"),
    pytest.param(_bad_protocol_version, "cannot_connect", id="protocol_version"),
    pytest.param(_unknown_user, "invalid_user", id="invalid_user"),
    pytest.param(_wrong_password, "invalid_password", id="invalid_password"),
    pytest.param(_camera_full, "too_many_connections", id="too_many_connections"),
    pytest.param(_visitor_refused, "insufficient_privilege", id="insufficient_privilege"),
    pytest.param(_silent_camera, "timeout", id="timeout"),
    pytest.param(_long_password, "invalid_credentials_format", id="password_too_long"),
    pytest.param(_non_ascii_user, "invalid_credentials_format", id="user_not_ascii"),
    pytest.param(_unresolvable_host, "unknown", id="unknown"),
]


@pytest.fixture
def short_timeout() -> Generator[None]:
    """A silent camera times out the flow in a fraction of a second."""
    with patch("custom_components.bseries_ipcam.config_flow.CONNECT_TIMEOUT", 0.3):
        yield


@pytest.mark.usefixtures("short_timeout")
@pytest.mark.parametrize(("fault", "error"), ERROR_CASES)
async def test_user_flow_errors(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    *,
    free_port: Callable[[], int],
    fault: Callable[[CameraSimulator, Callable[[], int]], dict[str, Any]],
    error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each failure shows its own error; fixing it finishes the same flow."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    changes = fault(simulator, free_port)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": error}
    if error == "unknown":
        assert "Unexpected error while connecting to camera.invalid" in caplog.text

    simulator.clear_faults()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == CAMERA_ID


async def test_user_flow_form_keeps_input(hass: HomeAssistant, simulator: CameraSimulator) -> None:
    """After an error the form offers the input again, the password too (as core's flows do)."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator, **{CONF_PASSWORD: "wrong"})
    )
    assert result["data_schema"] is not None
    suggested = {
        str(key): key.description.get("suggested_value") if key.description else None
        for key in result["data_schema"].schema
    }
    assert suggested == {
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_USERNAME: DEFAULT_USER,
        CONF_PASSWORD: "wrong",
    }


async def test_user_flow_already_configured(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """The same camera twice is refused."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.data[CONF_PORT] == simulator.port


async def test_user_flow_camera_moved(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    free_port: Callable[[], int],
) -> None:
    """A known camera added again at a new address: the entry takes the new address."""
    old_port = free_port()
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_HOST: "192.0.2.7", CONF_PORT: old_port}
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.data[CONF_HOST] == HOST
    assert config_entry.data[CONF_PORT] == simulator.port
    # The stored credentials stay.
    assert config_entry.data[CONF_PASSWORD] == DEFAULT_PASSWORD


async def test_reauth_flow(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    """The password changed on the camera: a wrong try, then the new one is stored."""
    config_entry.add_to_hass(hass)
    sim_users[DEFAULT_USER] = SimUser("n3w-secret")

    result = await config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {
        "address": f"{HOST}:{simulator.port}",
        "name": TITLE,
    }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_password"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: "n3w-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data[CONF_PASSWORD] == "n3w-secret"
    assert config_entry.data[CONF_PORT] == simulator.port


async def test_reauth_flow_other_camera(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """Reauth is refused when another camera answers at the entry's address."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, unique_id=OTHER_CAMERA_ID)

    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_camera"
    assert config_entry.unique_id == OTHER_CAMERA_ID


async def test_reconfigure_flow(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    free_port: Callable[[], int],
) -> None:
    """The camera got a new address: a wrong one first, then the right one is stored."""
    old_port = free_port()
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_PORT: old_port}
    )

    result = await config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: old_port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: simulator.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data[CONF_PORT] == simulator.port
    assert config_entry.data[CONF_PASSWORD] == DEFAULT_PASSWORD


async def test_reconfigure_flow_other_camera(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """Another camera at the address is an error on the form, which the user can correct."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        unique_id=OTHER_CAMERA_ID,
        data={**config_entry.data, CONF_HOST: "192.0.2.7"},
    )

    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: simulator.port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "wrong_camera"}
    assert result["description_placeholders"] == {
        "expected": OTHER_CAMERA_ID,
        "actual": CAMERA_ID,
    }
    assert config_entry.data[CONF_HOST] == "192.0.2.7"
    # What was typed stays on the form.
    assert result["data_schema"] is not None
    suggested = {
        str(key): key.description.get("suggested_value") if key.description else None
        for key in result["data_schema"].schema
    }
    assert suggested == {CONF_HOST: HOST, CONF_PORT: simulator.port}

    # The right camera (here: the other one, on its own port) ends the flow.
    async with CameraSimulator(SimulatorConfig(camera_id=OTHER_CAMERA_ID)) as other:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: HOST, CONF_PORT: other.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert config_entry.data[CONF_PORT] == other.port
        await hass.config_entries.async_unload(config_entry.entry_id)


async def test_dhcp_new_camera(
    hass: HomeAssistant, simulator: CameraSimulator, free_port: Callable[[], int]
) -> None:
    """A discovered camera asks for an account; a failed login can be corrected."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP_INFO
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dhcp_confirm"
    assert result["description_placeholders"] == {"host": HOST}
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["title_placeholders"] == {"name": TITLE}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_PORT: simulator.port, CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: "wrong"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_password"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_PORT: simulator.port,
            CONF_USERNAME: DEFAULT_USER,
            CONF_PASSWORD: DEFAULT_PASSWORD,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_USERNAME: DEFAULT_USER,
        CONF_PASSWORD: DEFAULT_PASSWORD,
    }
    assert result["result"].unique_id == CAMERA_ID


async def test_dhcp_known_camera_moved(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """DHCP saw a configured camera at a new address: the entry follows it."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_HOST: "192.0.2.7"}
    )

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP_INFO
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.data[CONF_HOST] == HOST
    assert config_entry.data[CONF_PORT] == simulator.port


async def test_dhcp_other_interface_of_known_camera(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """A MAC address we do not know, at the address of a configured camera, is that camera."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip=HOST, hostname="ipcamera", macaddress="00626e00beef"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# --- integration discovery (the integration's own UDP search) ------------------------------------


def search_answer(simulator: CameraSimulator, **changes: Any) -> dict[str, Any]:
    """What the integration's search hands to the flow for the simulated camera."""
    return {
        "camera_id": CAMERA_ID,
        "name": "Garden",
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
    } | changes


async def test_discovered_camera_asks_only_for_an_account(
    hass: HomeAssistant, simulator: CameraSimulator
) -> None:
    """Address and port come from the answer; a wrong password can be corrected."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=search_answer(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["data_schema"] is not None
    assert {str(key) for key in result["data_schema"].schema} == {CONF_USERNAME, CONF_PASSWORD}
    name = f"Garden ({TITLE})"
    assert result["description_placeholders"] == {
        "name": name,
        "address": f"{HOST}:{simulator.port}",
    }
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["title_placeholders"] == {"name": name}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_password"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == user_input(simulator)
    assert result["result"].unique_id == CAMERA_ID


async def test_discovered_camera_without_a_name(
    hass: HomeAssistant, simulator: CameraSimulator
) -> None:
    """A camera with an empty alias is named by its id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data=search_answer(simulator, name=""),
    )
    assert result["description_placeholders"] == {
        "name": TITLE,
        "address": f"{HOST}:{simulator.port}",
    }


async def test_discovered_camera_already_configured_is_followed(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """A configured camera is not offered again; a new address and port are taken over."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_HOST: "192.0.2.7", CONF_PORT: 8080}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=search_answer(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert (config_entry.data[CONF_HOST], config_entry.data[CONF_PORT]) == (HOST, simulator.port)
    assert config_entry.data[CONF_PASSWORD] == DEFAULT_PASSWORD
