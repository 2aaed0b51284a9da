"""The camera's alarm settings from Home Assistant, against the simulated camera's CGIs.

Arming and tuning from HA changes the simulated camera and is read back; HA's own
camera.enable_motion_detection works; a change made behind HA's back shows within the refresh
period (time-travelled); a disarmed camera's motion produces no event; firmware without sound
detection gets no sound entities; an account that may not read the settings keeps the camera
usable without them. No secret of get_params.cgi's reply reaches the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.components.camera.const import (
    DOMAIN as CAMERA_DOMAIN,
    SERVICE_DISABLE_MOTION,
    SERVICE_ENABLE_MOTION,
)
from homeassistant.components.number.const import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch.const import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.params import DDNS_PASSWORD, FTP_PASSWORD, MAIL_PASSWORD, PPPOE_PASSWORD, WIFI_KEY
from bseries_sim.personas import persona_config
from custom_components.bseries_ipcam.cgi_coordinator import SETTINGS_REFRESH
from custom_components.bseries_ipcam.const import CONF_PAN_TILT
from custom_components.bseries_ipcam.protocol import AlarmType
from custom_components.bseries_ipcam.protocol.const import Privilege, ResultCode

from .helpers import CAMERA_ID, MockConfigEntry, advance, coordinator_of, wait_until

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

SETTINGS = {
    ("switch", "motion_detection"): STATE_ON,
    ("switch", "sound_detection"): STATE_ON,
    ("switch", "alarm_input_armed"): STATE_ON,
    ("switch", "alarm_output_linkage"): STATE_OFF,
    ("number", "motion_sensitivity"): "5",
    ("number", "sound_sensitivity"): "5",
    ("select", "alarm_input_level"): "high",
    ("select", "alarm_preset"): "none",
}


def entity(hass: HomeAssistant, platform: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, "bseries_ipcam", f"{CAMERA_ID}_{key}")


def state(hass: HomeAssistant, platform: str, key: str) -> str:
    entity_id = entity(hass, platform, key)
    assert entity_id is not None, key
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


def camera_id(hass: HomeAssistant) -> str:
    found = entity(hass, "camera", "camera")
    assert found is not None
    return found


async def call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: object
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def test_entities_show_the_cameras_settings(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """One configuration entity per setting the firmware has, showing the camera's value."""
    for (platform, key), expected in SETTINGS.items():
        assert state(hass, platform, key) == expected, key
        entry = entity_registry.async_get(entity(hass, platform, key) or "")
        assert entry is not None
        assert entry.entity_category is EntityCategory.CONFIG
    camera = hass.states.get(camera_id(hass))
    assert camera is not None
    assert camera.attributes["motion_detection"] is True


async def test_arming_from_home_assistant_changes_the_camera(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Each change reaches the camera (one set_alarm.cgi parameter) and is read back."""
    motion = entity(hass, "switch", "motion_detection")
    assert motion is not None
    await call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, motion)
    assert simulator.alarm_settings["alarm_motion_armed"] == 0
    assert state(hass, "switch", "motion_detection") == STATE_OFF
    await call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, motion)
    assert simulator.alarm_settings["alarm_motion_armed"] == 1
    assert state(hass, "switch", "motion_detection") == STATE_ON

    await call(
        hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity(hass, "switch", "sound_detection") or ""
    )
    await call(
        hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entity(hass, "switch", "alarm_output_linkage") or ""
    )
    await call(
        hass,
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        entity(hass, "number", "motion_sensitivity") or "",
        **{ATTR_VALUE: 2},
    )
    await call(
        hass,
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        entity(hass, "select", "alarm_preset") or "",
        **{ATTR_OPTION: "3"},
    )
    await call(
        hass,
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        entity(hass, "select", "alarm_input_level") or "",
        **{ATTR_OPTION: "low"},
    )
    settings = simulator.alarm_settings
    assert settings["alarm_sounddetect_armed"] == 0
    assert settings["alarm_iolinkage"] == 1
    assert settings["alarm_motion_sensitivity"] == 2
    assert settings["alarm_preset"] == 3
    assert settings["alarm_ioin_level"] == 0
    assert state(hass, "number", "motion_sensitivity") == "2"
    assert state(hass, "select", "alarm_preset") == "3"
    assert state(hass, "select", "alarm_input_level") == "low"
    assert state(hass, "switch", "sound_detection") == STATE_OFF


async def test_camera_enable_motion_detection(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """HA's own camera.disable/enable_motion_detection arm the camera itself."""
    camera = camera_id(hass)
    await call(hass, CAMERA_DOMAIN, SERVICE_DISABLE_MOTION, camera)
    assert simulator.alarm_settings["alarm_motion_armed"] == 0
    found = hass.states.get(camera)
    assert found is not None
    assert "motion_detection" not in found.attributes  # HA shows the attribute only when on
    assert state(hass, "switch", "motion_detection") == STATE_OFF

    await call(hass, CAMERA_DOMAIN, SERVICE_ENABLE_MOTION, camera)
    assert simulator.alarm_settings["alarm_motion_armed"] == 1
    found = hass.states.get(camera)
    assert found is not None
    assert found.attributes["motion_detection"] is True


async def test_change_behind_home_assistants_back_shows_within_the_refresh(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Another client changes the camera: HA shows it after at most SETTINGS_REFRESH."""
    simulator.set_alarm(motion_armed=0, motion_sensitivity=8)
    # Under the frozen clock the idle control session ends after two minutes; refusing every
    # new login keeps it down, so the change can only come from the periodic read.
    simulator.force_login_result(ResultCode.TOO_MANY_CONNECTIONS)
    await advance(hass, freezer, 60)
    assert state(hass, "switch", "motion_detection") == STATE_ON  # not yet read again
    await advance(hass, freezer, SETTINGS_REFRESH.total_seconds() - 60)
    assert state(hass, "switch", "motion_detection") == STATE_OFF
    assert state(hass, "number", "motion_sensitivity") == "8"
    assert not coordinator_of(loaded_entry).connected


async def test_disarmed_camera_sends_no_motion_event(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Disarmed from HA, the camera's motion produces no event; an armed kind still does."""
    await call(
        hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity(hass, "switch", "motion_detection") or ""
    )
    assert simulator.trigger_alarm(AlarmType.MOTION) == 0
    assert simulator.trigger_alarm(AlarmType.INPUT) == 1
    await wait_until(lambda: state(hass, "event", "input_event") != STATE_UNKNOWN)
    await hass.async_block_till_done()
    assert state(hass, "event", "motion_event") == STATE_UNKNOWN
    assert state(hass, "binary_sensor", "motion") == STATE_OFF


async def test_no_secret_reaches_the_log(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    *,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    sim_users: dict[str, SimUser],
) -> None:
    """get_params.cgi's reply holds every password: the debug log names fields, never values."""
    caplog.set_level(logging.DEBUG)
    password = "Pw-9f3kQ"  # distinct enough to find in any log text
    sim_users[DEFAULT_USER] = SimUser(password)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_PASSWORD: password}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, SETTINGS_REFRESH.total_seconds())
    await call(
        hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity(hass, "switch", "motion_detection") or ""
    )
    assert "alarm_motion_armed" in caplog.text
    for secret in (
        password,
        WIFI_KEY,
        MAIL_PASSWORD,
        FTP_PASSWORD,
        DDNS_PASSWORD,
        PPPOE_PASSWORD,
    ):
        assert secret not in caplog.text


async def test_unreadable_settings_leave_the_camera_usable(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An operator may not read get_params.cgi: no setting entities, the camera still works.

    That account is the user's choice: one info line says so, no error at setup.
    """
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD, Privilege.OPERATOR)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    told = [r for r in caplog.records if "may not read the alarm settings" in r.getMessage()]
    assert [r.levelno for r in told] == [logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    for platform, key in SETTINGS:
        assert entity(hass, platform, key) is None, key
    for key in ("motion_event", "input_event", "sound_event"):
        assert entity(hass, "event", key) is not None
    camera = hass.states.get(camera_id(hass))
    assert camera is not None
    assert "motion_detection" not in camera.attributes
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, CAMERA_DOMAIN, SERVICE_ENABLE_MOTION, camera_id(hass))
    assert raised.value.translation_key == "insufficient_privilege"
    assert simulator.alarm_settings["alarm_motion_armed"] == 1


async def test_failed_read_makes_the_settings_unavailable(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    """A refresh the camera refuses: the settings go unavailable, the next good one restores them."""
    sim_users[DEFAULT_USER] = SimUser("changed")
    await advance(hass, freezer, SETTINGS_REFRESH.total_seconds())
    assert state(hass, "switch", "motion_detection") == STATE_UNAVAILABLE
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD)
    await advance(hass, freezer, SETTINGS_REFRESH.total_seconds())
    assert state(hass, "switch", "motion_detection") == STATE_ON


async def test_settings_are_read_again_after_a_reconnect(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The camera may have rebooted with other settings: a new session reads them at once."""
    simulator.set_alarm(sounddetect_armed=0)
    simulator.drop_all()
    await wait_until(lambda: not loaded_entry.runtime_data.coordinator.connected)
    await advance(hass, freezer, 1)  # the first reconnect attempt
    await wait_until(lambda: loaded_entry.runtime_data.coordinator.connected)
    await hass.async_block_till_done(wait_background_tasks=True)
    await wait_until(lambda: state(hass, "switch", "sound_detection") == STATE_OFF)


class TestFirmwareWithoutSoundDetection:
    """Older firmware: no alarm_sounddetect_* fields, so no sound entities."""

    @pytest.fixture
    def simulator_config(self, sim_users: dict[str, SimUser]) -> SimulatorConfig:
        return persona_config("no-sound", users=sim_users, camera_id=CAMERA_ID)

    async def test_no_sound_entities(
        self, hass: HomeAssistant, loaded_entry: MockConfigEntry
    ) -> None:
        assert entity(hass, "switch", "sound_detection") is None
        assert entity(hass, "number", "sound_sensitivity") is None
        assert entity(hass, "event", "sound_event") is None
        assert entity(hass, "switch", "motion_detection") is not None
        assert entity(hass, "event", "motion_event") is not None


async def test_preset_on_alarm_only_on_pan_tilt_cameras(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    """With the entry's "pans and tilts" option off, there is no preset to move to on alarm."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_PAN_TILT: False})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert entity(hass, "select", "alarm_preset") is None
    assert entity(hass, "select", "alarm_input_level") is not None
