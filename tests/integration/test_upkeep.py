"""Looking after the camera from Home Assistant, against the simulated camera (Foscam and clone).

Each upkeep entity shows the camera's value and changes it; values outside the camera's ranges
are refused before anything is sent; firmware without get_misc.cgi and accounts that are not
administrators get no upkeep entities and no error in the log; the clock is kept set at setup,
after a reconnect and daily (time-travelled), and a camera whose NTP keeps it right is left alone;
a restart from Home Assistant is expected (one log line each way, no warning, no repair) and
everything comes back by itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.components.button.const import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
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
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    EntityCategory,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.personas import persona_config
from bseries_sim.upkeep import BOOT_TIME
from custom_components.bseries_ipcam import coordinator as coordinator_module
from custom_components.bseries_ipcam.const import CONF_KEEP_CLOCK, CONF_PAN_TILT, DOMAIN
from custom_components.bseries_ipcam.protocol.const import Privilege
from custom_components.bseries_ipcam.upkeep import CLOCK_CHECK_INTERVAL, ha_camera_tz

from .helpers import CAMERA_ID, MockConfigEntry, advance, wait_until, with_options

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

# (platform, key): the state a fresh simulated camera shows.
ENTITIES = {
    ("select", "status_led"): "mode_0",
    ("select", "preset_on_start"): "stay",
    ("number", "patrol_speed"): "20",
    ("number", "pan_speed"): "6",
    ("number", "tilt_speed"): "6",
    ("number", "patrol_rounds_horizontal"): "0",
    ("number", "patrol_rounds_vertical"): "0",
    ("switch", "center_on_start"): STATE_ON,
}
BUTTONS = ("restart", "set_clock")


def entity(hass: HomeAssistant, platform: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{CAMERA_ID}_{key}")


def state(hass: HomeAssistant, platform: str, key: str) -> str:
    entity_id = entity(hass, platform, key)
    assert entity_id is not None, key
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


async def call(hass: HomeAssistant, domain: str, service: str, key: str, **data: object) -> None:
    platform = domain
    entity_id = entity(hass, platform, key)
    assert entity_id is not None, key
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def offset(hass: HomeAssistant) -> float:
    return float(state(hass, "sensor", "clock_offset"))


@pytest.fixture(params=["foscam", "clone"])
def simulator_config(
    request: pytest.FixtureRequest, sim_users: dict[str, SimUser]
) -> SimulatorConfig:
    """Both firmwares; the clone's clock starts at 2000-01-01 (no NTP)."""
    return persona_config(
        request.param, users=sim_users, camera_id=CAMERA_ID, alias="", restart_delay=0.5
    )


async def test_entities_show_and_change_the_cameras_settings(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """One configuration entity per setting; each change reaches the camera and is read back."""
    for (platform, key), expected in ENTITIES.items():
        assert state(hass, platform, key) == expected, key
        registered = entity_registry.async_get(entity(hass, platform, key) or "")
        assert registered is not None
        assert registered.entity_category is EntityCategory.CONFIG
    restart = entity_registry.async_get(entity(hass, "button", "restart") or "")
    assert restart is not None
    assert restart.entity_category is EntityCategory.CONFIG
    assert restart.original_device_class == "restart"
    sensor = entity_registry.async_get(entity(hass, "sensor", "clock_offset") or "")
    assert sensor is not None
    assert sensor.entity_category is EntityCategory.DIAGNOSTIC

    await call(hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, "status_led", **{ATTR_OPTION: "off"})
    await call(hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, "preset_on_start", **{ATTR_OPTION: "5"})
    await call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "patrol_speed", **{ATTR_VALUE: 70})
    await call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "pan_speed", **{ATTR_VALUE: 30})
    await call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "tilt_speed", **{ATTR_VALUE: 40})
    await call(
        hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "patrol_rounds_horizontal", **{ATTR_VALUE: 3}
    )
    await call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "patrol_rounds_vertical", **{ATTR_VALUE: 0})
    await call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, "center_on_start")
    misc = simulator.misc
    assert misc["led_mode"] == 2
    assert misc["ptz_preset_onstart"] == 5
    assert misc["ptz_patrol_rate"] == 70
    assert (misc["ptz_patrol_left_rate"], misc["ptz_patrol_right_rate"]) == (30, 30)
    assert (misc["ptz_patrol_up_rate"], misc["ptz_patrol_down_rate"]) == (40, 40)
    assert (misc["ptz_patrol_h_rounds"], misc["ptz_patrol_v_rounds"]) == (3, 0)
    assert misc["ptz_center_onstart"] == 0
    assert state(hass, "select", "status_led") == "off"
    assert state(hass, "select", "preset_on_start") == "5"
    assert state(hass, "number", "pan_speed") == "30"
    assert state(hass, "switch", "center_on_start") == STATE_OFF
    await call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "center_on_start")
    assert simulator.misc["ptz_center_onstart"] == 1


async def test_values_outside_the_ranges_are_refused_before_sending(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """HA's number range, and the coordinator's own check, both refuse with a translated error."""
    before = dict(simulator.misc)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "patrol_speed", **{ATTR_VALUE: 101})
    assert raised.value.translation_key == "out_of_range"  # HA's number validation
    upkeep = loaded_entry.runtime_data.upkeep
    for values in ({"ptz_patrol_rate": -1}, {"led_mode": 3}, {"no_such_field": 1}):
        with pytest.raises(ServiceValidationError) as raised:
            await upkeep.async_set(values)
        assert raised.value.translation_domain == DOMAIN
        assert raised.value.translation_key == "value_out_of_range"
    assert simulator.misc == before


async def test_set_clock_button_and_the_offset_sensor(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The offset shows the camera's clock against HA's; the button sets clock and zone."""
    await hass.async_block_till_done(wait_background_tasks=True)  # the setup's clock check
    assert abs(offset(hass)) <= 2
    simulator.clock.set(simulator.clock.now() - 3600)
    await loaded_entry.runtime_data.upkeep.async_refresh()
    assert abs(offset(hass) + 3600) <= 2
    await call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "set_clock")
    assert abs(offset(hass)) <= 2
    assert simulator.params["tz"] == ha_camera_tz()


async def test_the_clock_is_set_at_setup_and_kept_daily(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Off at setup (the clone is in the year 2000, Foscam in UTC): set at once; later daily."""
    await hass.async_block_till_done(wait_background_tasks=True)
    sets = simulator.stats.clock_sets
    assert sets == 1  # both cameras were off: the clone's clock, the zone of either
    assert abs(simulator.clock.now() - dt_util.utcnow().timestamp()) <= 2
    assert simulator.params["tz"] == ha_camera_tz()
    simulator.clock.set(BOOT_TIME)  # a power cut
    await advance(hass, freezer, CLOCK_CHECK_INTERVAL.total_seconds())
    assert simulator.stats.clock_sets == sets + 1
    assert abs(simulator.clock.now() - dt_util.utcnow().timestamp()) <= 2


async def test_a_right_camera_is_never_touched(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """NTP on, right time and zone: no set_datetime.cgi at setup nor days later."""
    simulator.params["ntp_enable"] = 1
    simulator.params["tz"] = ha_camera_tz()
    simulator.clock.set(round(dt_util.utcnow().timestamp()) + 30)  # within the minute
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, freezer, CLOCK_CHECK_INTERVAL.total_seconds() * 2)
    assert simulator.stats.clock_sets == 0


async def test_keep_clock_off_leaves_the_clock_alone(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_KEEP_CLOCK: False})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, freezer, CLOCK_CHECK_INTERVAL.total_seconds())
    assert simulator.stats.clock_sets == 0
    assert entity(hass, "button", "set_clock") is not None
    # A new session reads the settings again (the camera may have rebooted), clock untouched.
    simulator.misc["led_mode"] = 2
    simulator.drop_all()
    coordinator = config_entry.runtime_data.coordinator
    await wait_until(lambda: not coordinator.connected)
    await advance(hass, freezer, 1)
    await wait_until(lambda: coordinator.connected)
    await hass.async_block_till_done(wait_background_tasks=True)
    await wait_until(lambda: state(hass, "select", "status_led") == "off")
    assert simulator.stats.clock_sets == 0


async def test_a_zone_the_camera_refuses_is_logged_at_debug_only(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """UTC+14 (Kiritimati) is beyond what the simulated camera takes: no set, no warning."""
    await hass.config.async_set_time_zone("Pacific/Kiritimati")
    caplog.set_level(logging.DEBUG)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.stats.clock_sets == 0
    assert "Setting the clock of" in caplog.text
    ours = [r for r in caplog.records if r.name.startswith("custom_components.bseries_ipcam")]
    assert not [r for r in ours if r.levelno >= logging.WARNING], caplog.text


async def test_reads_while_the_camera_is_away_keep_the_last_values(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    """Away (restarting): the last read stays, no error; refused while connected: unavailable."""
    upkeep = loaded_entry.runtime_data.upkeep
    coordinator = loaded_entry.runtime_data.coordinator
    simulator.restart(delay=1.5)
    await wait_until(lambda: not coordinator.connected)
    await upkeep.async_refresh()
    assert upkeep.last_update_success
    assert upkeep.value("led_mode") == 0
    await simulator.wait_restarted()
    await wait_until(lambda: coordinator.connected, rounds=5_000_000)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim_users[DEFAULT_USER] = SimUser("changed")
    await upkeep.async_refresh()
    assert not upkeep.last_update_success
    assert state(hass, "select", "status_led") == STATE_UNAVAILABLE


async def test_restart_is_expected_and_everything_comes_back(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One line each way, no warning or error, no repair; entities back; clock set again."""
    # A real camera is away 30-60 s, past the availability grace: the simulator's 3 s restart
    # stands for one with a grace shorter than that.
    monkeypatch.setattr(coordinator_module, "AVAILABILITY_GRACE", 0.2)
    await hass.async_block_till_done(wait_background_tasks=True)
    sets = simulator.stats.clock_sets
    caplog.clear()
    caplog.set_level(logging.INFO)
    coordinator = loaded_entry.runtime_data.coordinator
    await call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "restart")
    await wait_until(lambda: not coordinator.connected)
    assert simulator.stats.restarts == 1
    await wait_until(
        lambda: state(hass, "select", "status_led") == STATE_UNAVAILABLE, rounds=5_000_000
    )
    await wait_until(lambda: coordinator.connected, rounds=5_000_000)
    await hass.async_block_till_done(wait_background_tasks=True)
    await wait_until(lambda: state(hass, "select", "status_led") == "mode_0")
    ours = [r for r in caplog.records if r.name.startswith("custom_components.bseries_ipcam")]
    assert not [r for r in ours if r.levelno >= logging.WARNING], caplog.text
    assert len([r for r in ours if "restarting as asked" in r.getMessage()]) == 1
    assert len([r for r in ours if "restored" in r.getMessage()]) == 1
    assert not ir.async_get(hass).issues
    if simulator.config.ntp:
        assert simulator.stats.clock_sets == sets
    else:  # the clone came back in the year 2000: set again after the reconnect
        await wait_until(lambda: simulator.stats.clock_sets == sets + 1)


async def test_restart_refused_for_an_unexpected_reason_is_reported(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
) -> None:
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD, Privilege.OPERATOR)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "restart")
    assert raised.value.translation_key == "insufficient_privilege"
    assert not loaded_entry.runtime_data.coordinator.restart_expected
    assert simulator.stats.restarts == 0


async def test_operator_account_gets_no_upkeep_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    sim_users: dict[str, SimUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim_users[DEFAULT_USER] = SimUser(DEFAULT_PASSWORD, Privilege.OPERATOR)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    for platform, key in ENTITIES:
        assert entity(hass, platform, key) is None, key
    for key in BUTTONS:
        assert entity(hass, "button", key) is None
    assert entity(hass, "sensor", "clock_offset") is not None  # anybody may read the time
    assert entity(hass, "camera", "camera") is not None
    upkeep_records = [r for r in caplog.records if r.name.endswith(".upkeep")]
    assert upkeep_records
    assert not [r for r in upkeep_records if r.levelno >= logging.WARNING]


class TestFirmwareWithoutMisc:
    """get_misc.cgi answers 404: no setting entities, nothing logged as an error."""

    @pytest.fixture
    def simulator_config(self, sim_users: dict[str, SimUser]) -> SimulatorConfig:
        return SimulatorConfig(users=sim_users, camera_id=CAMERA_ID, alias="", misc_settings=False)

    async def test_no_entities_and_no_error(
        self, hass: HomeAssistant, config_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        for platform, key in ENTITIES:
            assert entity(hass, platform, key) is None, key
        assert entity(hass, "button", "restart") is not None  # reboot.cgi is everybody's
        assert entity(hass, "sensor", "clock_offset") is not None
        assert "has no get_misc.cgi (for this account)" in caplog.text
        ours = [r for r in caplog.records if r.name.startswith("custom_components.bseries_ipcam")]
        assert not [r for r in ours if r.levelno >= logging.WARNING], caplog.text


class TestFixedCamera:
    """A camera that does not pan or tilt: only the LED and the clock."""

    @pytest.fixture
    def config_entry(self, config_entry: MockConfigEntry) -> MockConfigEntry:
        return with_options(config_entry, {CONF_PAN_TILT: False})

    async def test_only_the_led_and_the_clock(
        self, hass: HomeAssistant, loaded_entry: MockConfigEntry
    ) -> None:
        assert entity(hass, "select", "status_led") is not None
        assert entity(hass, "button", "restart") is not None
        for platform, key in ENTITIES:
            if key != "status_led":
                assert entity(hass, platform, key) is None, key


async def test_turning_pan_tilt_off_removes_the_pan_tilt_settings(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert entity(hass, "number", "patrol_speed") is not None
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PAN_TILT: False}
    )
    await hass.async_block_till_done()
    for platform, key in ENTITIES:
        assert (entity(hass, platform, key) is None) is (key != "status_led"), key
