"""The camera's own security holes become repair issues: raised while they hold, gone when fixed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers import issue_registry as ir
import pytest

from bseries_sim import SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.params import secret_values
from custom_components.bseries_ipcam.cgi_coordinator import SETTINGS_REFRESH
from custom_components.bseries_ipcam.const import DOMAIN
from custom_components.bseries_ipcam.protocol.const import Privilege
from custom_components.bseries_ipcam.security import (
    DDNS_ENABLED,
    FIRMWARE_LEAK,
    FIRMWARE_OPEN_LOGIN,
    OPEN_ACCOUNT,
    OPEN_ADMINS,
    UPNP_PORT_MAPPING,
    firmware_hole,
)

from .helpers import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

    from .helpers import MockConfigEntry


def _issues(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, ir.IssueEntry]:
    """This entry's issues by translation key."""
    suffix = f"_{entry.entry_id}"
    return {
        issue.translation_key or "": issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.endswith(suffix)
    }


@pytest.mark.parametrize(
    ("version", "hole"),
    [
        ("11.37.2.1", FIRMWARE_LEAK),
        ("11.37.2.48", FIRMWARE_LEAK),
        ("11.37.2.49", None),
        ("11.37.2.53", None),
        ("11.37.2.54", FIRMWARE_OPEN_LOGIN),
        ("11.37.2.55", None),
        ("11.37.2.56", None),
        ("11.14.2.28", None),
        ("0.22.2.31", None),
        ("11.37.2.540", None),
        (None, None),
        ("", None),
    ],
)
def test_firmware_holes(version: str | None, hole: str | None) -> None:
    assert firmware_hole(version) == hole


async def test_a_safe_camera_raises_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Default simulator: a password, firmware 11.37.2.56, no UPnP, no DDNS."""
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issues(hass, loaded_entry) == {}


@pytest.mark.parametrize("sim_overrides", [{"firmware": "11.37.2.54", "upnp": True, "ddns": True}])
async def test_every_hole_is_an_ignorable_issue(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Open login firmware, UPnP, DDNS, other administrators without a password: one issue each."""
    caplog.set_level(logging.DEBUG)
    sim_users["backup"] = SimUser("")
    sim_users["guest"] = SimUser("", Privilege.OPERATOR)  # not an administrator: not named
    simulator.params.update({"user2_name": "backup", "user2_pwd": "", "user2_pri": 2})
    simulator.params.update({"user3_name": "guest", "user3_pwd": "", "user3_pri": 1})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    issues = _issues(hass, config_entry)
    assert set(issues) == {FIRMWARE_OPEN_LOGIN, UPNP_PORT_MAPPING, DDNS_ENABLED, OPEN_ADMINS}
    assert issues[OPEN_ADMINS].translation_placeholders == {
        "name": config_entry.title,
        "accounts": "backup",
    }
    assert issues[FIRMWARE_OPEN_LOGIN].translation_placeholders == {
        "name": config_entry.title,
        "version": "11.37.2.54",
    }
    for issue in issues.values():
        assert not issue.is_fixable
        assert issue.severity is ir.IssueSeverity.WARNING
    # Only a yes/no of each password left the parser: no secret in any log line or issue.
    secrets = secret_values(simulator.params)
    assert secrets
    for secret in secrets:
        assert secret not in caplog.text
        for issue in issues.values():
            assert secret not in str(issue.translation_placeholders)

    # The owner ignores one: it stays ignored through the next check.
    ir.async_ignore_issue(hass, DOMAIN, f"{DDNS_ENABLED}_{config_entry.entry_id}", True)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issues(hass, config_entry)[DDNS_ENABLED].dismissed_version is not None


@pytest.mark.parametrize("sim_overrides", [{"upnp": True}])
async def test_settings_changed_on_the_camera_are_noticed(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """UPnP switched off (and DDNS on) in the camera's web page: the issues follow within minutes."""
    await hass.async_block_till_done(wait_background_tasks=True)
    assert set(_issues(hass, loaded_entry)) == {UPNP_PORT_MAPPING}
    simulator.params.update({"upnp_enable": 0, "ddns_service": 1})
    await advance(hass, freezer, SETTINGS_REFRESH.total_seconds())
    assert set(_issues(hass, loaded_entry)) == {DDNS_ENABLED}

    # A removed camera leaves no issue behind.
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert _issues(hass, loaded_entry) == {}


@pytest.mark.parametrize("sim_overrides", [{"firmware": "11.37.2.48"}])
async def test_factory_account_and_leaking_firmware(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    """admin with an empty password on leaking firmware: the account's own issue, not the list's."""
    sim_users[DEFAULT_USER] = SimUser("")
    simulator.params["user1_pwd"] = ""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_PASSWORD: ""}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    issues = _issues(hass, config_entry)
    assert set(issues) == {OPEN_ACCOUNT, FIRMWARE_LEAK}
    assert issues[OPEN_ACCOUNT].translation_placeholders == {
        "name": config_entry.title,
        "user": DEFAULT_USER,
    }

    # The owner sets a password and reauthenticates: the issue goes at the reload.
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD)
    simulator.params["user1_pwd"] = DEFAULT_PASSWORD
    hass.config_entries.async_update_entry(
        config_entry,
        data={**config_entry.data, CONF_USERNAME: DEFAULT_USER, CONF_PASSWORD: DEFAULT_PASSWORD},
    )
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert set(_issues(hass, config_entry)) == {FIRMWARE_LEAK}


@pytest.mark.parametrize("sim_overrides", [{"firmware": "11.37.2.54", "upnp": True}])
async def test_an_operator_account_still_gets_the_firmware_checked(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    """get_params.cgi is for administrators: the settings stay unknown, the firmware is known."""
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD, Privilege.OPERATOR)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert set(_issues(hass, config_entry)) == {FIRMWARE_OPEN_LOGIN}
