"""Camera controls through Home Assistant against each simulated firmware over 127.0.0.1.

Pan/tilt buttons move the simulated view in picture terms (compared frame to frame), presets
return, settings changed by another client show in HA, changes reach the camera by whichever
path the firmware honours, and every control entity follows the session's availability.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.components.camera import async_get_image
from homeassistant.components.number.const import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from bseries_sim import SimulatorConfig, SimUser
from bseries_sim.config import DEFAULT_PASSWORD, DEFAULT_USER
from bseries_sim.params import secret_values
from bseries_sim.personas import PERSONAS
from custom_components.bseries_ipcam import coordinator as coordinator_module
from custom_components.bseries_ipcam.const import (
    CONF_H264_STREAM,
    CONF_KEEP_CLOCK,
    CONF_PAN_TILT,
    CONF_PREROLL_SECONDS,
    CONF_RESTREAM,
    DOMAIN,
)
from custom_components.bseries_ipcam.protocol import CameraClient, CgiResponseError
from custom_components.bseries_ipcam.protocol.controls import CameraParam, Path
from custom_components.bseries_ipcam.protocol.messages import DecoderControl, ParamSet
from tests.picture import picture_size, view_shift

from .helpers import (
    CAMERA_ID,
    HOST,
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache,
    wait_until,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from bseries_sim import CameraSimulator

ALIASES = {"foscam": "Front door", "clone": "IPCamera", "cgi-only": "Garage"}


@pytest.fixture(params=list(ALIASES))
def persona(request: pytest.FixtureRequest) -> str:
    """Each simulated firmware whose controls differ, in turn (no-sound's are Foscam's)."""
    name: str = request.param
    return name


@pytest.fixture
def simulator_config(sim_users: dict[str, SimUser], persona: str) -> SimulatorConfig:
    """The persona's camera, small and fast, with an alias of its own."""
    values = dict(PERSONAS[persona])
    values.update(
        users=sim_users,
        camera_id=CAMERA_ID,
        alias=ALIASES[persona],
        width=160,
        height=120,
        fps=10,
    )
    return SimulatorConfig(**values)


def ir_on(simulator: CameraSimulator) -> bool:
    """Whether the simulated camera's IR is on (its picture greyscale)."""
    return simulator.ptz.ir


def eid(hass: HomeAssistant, platform: str, key: str) -> str:
    """The entity id of one of the camera's entities, by platform and key."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{CAMERA_ID}_{key}")
    assert found is not None, key
    return found


def state(hass: HomeAssistant, platform: str, key: str) -> str:
    current = hass.states.get(eid(hass, platform, key))
    assert current is not None
    return current.state


async def press(hass: HomeAssistant, key: str) -> None:
    await hass.services.async_call(
        "button", SERVICE_PRESS, {ATTR_ENTITY_ID: eid(hass, "button", key)}, blocking=True
    )


async def switch(hass: HomeAssistant, key: str, on: bool) -> None:
    await hass.services.async_call(
        "switch",
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: eid(hass, "switch", key)},
        blocking=True,
    )


async def select(hass: HomeAssistant, key: str, option: str) -> None:
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: eid(hass, "select", key), ATTR_OPTION: option},
        blocking=True,
    )


async def set_number(hass: HomeAssistant, key: str, value: float) -> None:
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: eid(hass, "number", key), ATTR_VALUE: value},
        blocking=True,
    )


def _camera_id(hass: HomeAssistant) -> str:
    for entry in er.async_entries_for_config_entry(
        er.async_get(hass), hass.config_entries.async_entries(DOMAIN)[0].entry_id
    ):
        if entry.domain == "camera":
            return entry.entity_id
    raise AssertionError("no camera entity")


async def test_entities_and_the_cameras_own_name(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry, persona: str
) -> None:
    alias = ALIASES[persona]
    assert loaded_entry.title == alias
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, CAMERA_ID), loaded_entry.entry_id
    )
    assert device is not None
    assert device.name == alias
    registry = er.async_get(hass)
    for platform, key in (
        ("number", "brightness"),
        ("number", "contrast"),
        ("select", "resolution"),
        ("select", "power_line_mode"),
        ("switch", "flip"),
        ("switch", "mirror"),
    ):
        entry = registry.async_get(eid(hass, platform, key))
        assert entry is not None
        assert entry.entity_category is EntityCategory.CONFIG
    for key in ("ptz_up_left", "ptz_up_right", "ptz_down_left", "ptz_down_right"):
        entry = registry.async_get(eid(hass, "button", key))
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # The op 17 the simulator sends: 640x480, brightness 163, contrast 0, outdoor, not flipped.
    assert state(hass, "number", "brightness") == "163"
    assert state(hass, "number", "contrast") == "0"
    assert state(hass, "select", "resolution") == "640x480"
    assert state(hass, "select", "power_line_mode") == "outdoor"
    assert state(hass, "switch", "flip") == STATE_OFF
    assert state(hass, "switch", "mirror") == STATE_OFF
    assert state(hass, "switch", "infrared") == STATE_UNKNOWN
    ir = hass.states.get(eid(hass, "switch", "infrared"))
    assert ir is not None
    assert ir.attributes["assumed_state"] is True
    assert state(hass, "select", "ptz_patrol") == "off"
    assert state(hass, "select", "ptz_preset") == STATE_UNKNOWN
    # The picture too (the clone's data connection id 1 and privilege 0 included).
    image = await async_get_image(hass, _camera_id(hass))
    assert picture_size(image.content) == (160, 120)


async def test_alias_change_renames_the_device_unless_the_user_did(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    controls = loaded_entry.runtime_data.controls
    registry = dr.async_get(hass)
    simulator.params["alias"] = "Back door"
    simulator.drop_all()
    await wait_until(lambda: not controls.connected)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await wait_until(lambda: loaded_entry.title == "Back door")
    device = registry.async_get_device_by_identifier((DOMAIN, CAMERA_ID), loaded_entry.entry_id)
    assert device is not None
    assert device.name == "Back door"
    # The user renames both; the camera's next name changes neither.
    registry.async_update_device(device.id, name_by_user="My camera")
    hass.config_entries.async_update_entry(loaded_entry, title="Mine")
    simulator.params["alias"] = "Third name"
    simulator.drop_all()
    await wait_until(lambda: not controls.connected)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await wait_until(lambda: controls.alias == "Third name")
    device = registry.async_get_device_by_identifier((DOMAIN, CAMERA_ID), loaded_entry.entry_id)
    assert device is not None
    assert device.name_by_user == "My camera"
    assert loaded_entry.title == "Mine"


async def test_left_moves_the_picture_left_also_when_flipped(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    before = simulator.snapshot()
    await press(hass, "ptz_left")
    dx, dy = view_shift(before, simulator.snapshot())
    assert dx < -10
    assert dy == 0
    before = simulator.snapshot()
    await press(hass, "ptz_down")
    assert view_shift(before, simulator.snapshot())[1] > 10
    # Upside down and mirrored: the buttons still move the picture their way.
    await switch(hass, "flip", True)
    await switch(hass, "mirror", True)
    assert simulator.image.flip == 3
    await wait_until(lambda: state(hass, "switch", "mirror") == STATE_ON)
    before = simulator.snapshot()
    await press(hass, "ptz_left")
    assert view_shift(before, simulator.snapshot())[0] < -10
    before = simulator.snapshot()
    await press(hass, "ptz_up")
    assert view_shift(before, simulator.snapshot())[1] < -10
    await press(hass, "ptz_center")
    assert simulator.ptz.position() == (80, 60)
    await switch(hass, "flip", False)
    assert simulator.image.flip == 2


async def test_presets_save_and_return(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    camera = _camera_id(hass)
    preset_select = eid(hass, "select", "ptz_preset")

    def options() -> list[str]:
        current = hass.states.get(preset_select)
        assert current is not None
        return list(current.attributes["options"])

    # Nothing saved from here yet: nothing is offered (the camera cannot tell what it holds).
    assert options() == []
    await hass.services.async_call(
        DOMAIN,
        "ptz",
        {ATTR_ENTITY_ID: camera, "movement": "up_right", "travel_time": 0.3},
        blocking=True,
    )
    saved = simulator.ptz.position()
    assert saved != (80, 60)
    response = await hass.services.async_call(
        DOMAIN,
        "ptz_preset",
        {ATTR_ENTITY_ID: camera, "name": "Front door", "action": "save"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response[camera] == {"preset": 1, "presets": [{"number": 1, "name": "Front door"}]}
    # The old form (a number, no name) still saves, under a default name.
    await hass.services.async_call(
        DOMAIN,
        "ptz_preset",
        {ATTR_ENTITY_ID: camera, "preset": 5, "action": "save"},
        blocking=True,
    )
    assert options() == ["Front door", "Preset 5"]
    await press(hass, "ptz_center")
    assert simulator.ptz.position() != saved
    await select(hass, "ptz_preset", "Front door")
    assert simulator.ptz.position() == saved
    assert state(hass, "select", "ptz_preset") == "Front door"
    await press(hass, "ptz_center")
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "preset": 1}, blocking=True
    )
    assert simulator.ptz.position() == saved
    # Renamed: the select follows, and still shows it as the last gone to.
    await hass.services.async_call(
        DOMAIN,
        "ptz_preset",
        {ATTR_ENTITY_ID: camera, "preset": 1, "name": "Gate", "action": "rename"},
        blocking=True,
    )
    assert options() == ["Gate", "Preset 5"]
    assert state(hass, "select", "ptz_preset") == "Gate"
    # Bad input: translated, and nothing lost.
    for data, message in (
        ({"name": "gate", "action": "save", "preset": 5}, "already has a preset called"),
        ({"preset": 9}, "no saved preset 9"),
        ({"name": "Nowhere"}, "no saved preset Nowhere"),
        ({"action": "rename", "name": "X"}, "Say which preset"),
        ({"action": "save", "name": "   "}, "cannot name a preset"),
    ):
        with pytest.raises(ServiceValidationError, match=message):
            await hass.services.async_call(
                DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, **data}, blocking=True
            )
    assert options() == ["Gate", "Preset 5"]
    await hass.services.async_call(
        DOMAIN,
        "ptz_preset",
        {ATTR_ENTITY_ID: camera, "name": "gate", "action": "delete"},
        blocking=True,
    )
    assert options() == ["Preset 5"]
    assert state(hass, "select", "ptz_preset") == STATE_UNKNOWN
    # Kept in HA's storage: a reload (as a restart) offers the same and shows the last gone to.
    await select(hass, "ptz_preset", "Preset 5")
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: state(hass, "select", "ptz_preset") == "Preset 5")
    assert options() == ["Preset 5"]
    await select(hass, "ptz_patrol", "both")
    assert simulator.ptz.horizontal_patrol
    assert simulator.ptz.vertical_patrol
    assert state(hass, "select", "ptz_patrol") == "both"
    await select(hass, "ptz_patrol", "off")
    assert not simulator.ptz.vertical_patrol


async def test_presets_full_and_forgotten_with_the_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any], loaded_entry: MockConfigEntry
) -> None:
    camera = _camera_id(hass)
    for number in range(1, 17):
        await hass.services.async_call(
            DOMAIN,
            "ptz_preset",
            {ATTR_ENTITY_ID: camera, "name": f"Spot {number}", "action": "save"},
            blocking=True,
        )
    with pytest.raises(ServiceValidationError, match="All 16 presets"):
        await hass.services.async_call(
            DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "save"}, blocking=True
        )
    key = f"{DOMAIN}.presets.{loaded_entry.entry_id}"
    assert len(hass_storage[key]["data"]["names"]) == 16
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_settings_changed_by_another_client_show_in_ha(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    simulator.run_command("param brightness 10")
    await wait_until(lambda: state(hass, "number", "brightness") == "10")
    simulator.run_command("param flip 1")
    await wait_until(lambda: state(hass, "switch", "flip") == STATE_ON)
    simulator.run_command("param mode 0")
    await wait_until(lambda: state(hass, "select", "power_line_mode") == "50hz")


async def test_settings_changed_by_a_second_session_show_in_ha(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    other = CameraClient(HOST, simulator.port, DEFAULT_USER, DEFAULT_PASSWORD, timeout=5)
    await other.connect()
    try:
        await other.control.send(ParamSet(CameraParam.CONTRAST, 3))
        if simulator.config.ignore_param_set_op:
            # This firmware takes settings over its CGI only.
            simulator.set_camera_param(CameraParam.CONTRAST, 3)
        await wait_until(lambda: state(hass, "number", "contrast") == "3")
    finally:
        await other.close()


async def test_changes_from_ha_reach_the_camera_by_its_path(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await set_number(hass, "brightness", 200)
    assert simulator.image.brightness == 200
    assert state(hass, "number", "brightness") == "200"
    await set_number(hass, "contrast", 5)
    assert simulator.image.contrast == 5
    await select(hass, "power_line_mode", "60hz")
    assert simulator.image.mode == 1
    await select(hass, "resolution", "320x240")
    assert simulator.image.resolution == 8
    assert picture_size(simulator.snapshot()) == (80, 60)
    await switch(hass, "infrared", True)
    assert ir_on(simulator)
    assert state(hass, "switch", "infrared") == STATE_ON
    await switch(hass, "infrared", False)
    assert not ir_on(simulator)
    controls = loaded_entry.runtime_data.controls._controls
    assert controls is not None
    ignores = simulator.config.ignore_param_set_op
    assert controls.settings_path is (Path.CGI if ignores else Path.BINARY)
    # Decoder commands go over decoder_control.cgi, which confirms them.
    assert controls.decoder_path is Path.CGI
    assert simulator.commands(DecoderControl) == []
    assert ParamSet(1, 200) in simulator.commands(ParamSet)
    # Neither the password nor anything get_params.cgi holds reaches the log.
    for secret in {DEFAULT_PASSWORD, *secret_values(simulator.params)}:
        assert secret not in caplog.text


async def test_entities_follow_the_session(
    hass: HomeAssistant,
    simulator: CameraSimulator,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A short grace: the entities' following is the point here (test_init checks the grace itself).
    monkeypatch.setattr(coordinator_module, "AVAILABILITY_GRACE", 0.2)
    keys = (("number", "brightness"), ("switch", "flip"), ("button", "ptz_left"))
    simulator.stall()
    simulator.drop_all()
    await wait_until(lambda: state(hass, "number", "brightness") == STATE_UNAVAILABLE)
    for platform, key in keys:
        assert state(hass, platform, key) == STATE_UNAVAILABLE
    with pytest.raises(HomeAssistantError, match="is not connected"):
        await loaded_entry.runtime_data.controls.async_center()
    simulator.resume()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await wait_until(lambda: state(hass, "number", "brightness") == "163")
    for platform, key in keys:
        assert state(hass, platform, key) != STATE_UNAVAILABLE


async def test_camera_errors_are_translated(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    # A value no camera takes is refused before anything is sent.
    with pytest.raises(HomeAssistantError, match="failed: contrast cannot be 9"):
        await loaded_entry.runtime_data.controls.async_set_param(CameraParam.CONTRAST, 9)
    assert simulator.commands(ParamSet) == []
    # A value this camera refuses over both paths: camera_control.cgi names the error.
    controls = loaded_entry.runtime_data.controls._controls
    assert controls is not None
    assert controls.cgi is not None
    with pytest.raises(CgiResponseError, match=r"camera_control\.cgi answered: error"):
        await controls.cgi.camera_control(CameraParam.RESOLUTION, 4)


async def test_ir_state_is_restored(
    hass: HomeAssistant, simulator: CameraSimulator, config_entry: MockConfigEntry
) -> None:
    mock_restore_cache(hass, [State("switch.garage_infrared_leds", STATE_ON)])
    config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "switch",
        DOMAIN,
        f"{CAMERA_ID}_infrared",
        suggested_object_id="garage_infrared_leds",
        config_entry=config_entry,
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "switch", "infrared") == STATE_ON
    # Restored, not sent: the camera keeps its own IR setting.
    assert not simulator.ptz.ir
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_fixed_camera_has_no_pan_tilt(
    hass: HomeAssistant, simulator: CameraSimulator, loaded_entry: MockConfigEntry
) -> None:
    left = eid(hass, "button", "ptz_left")
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PAN_TILT: False}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_PAN_TILT: False,
        CONF_PREROLL_SECONDS: 0,
        CONF_RESTREAM: False,
        CONF_KEEP_CLOCK: True,
        CONF_H264_STREAM: False,
    }
    registry = er.async_get(hass)
    assert registry.async_get(left) is None
    for key in ("ptz_preset", "ptz_patrol"):
        assert registry.async_get_entity_id("select", DOMAIN, f"{CAMERA_ID}_{key}") is None
    assert hass.states.get(left) is None
    with pytest.raises(ServiceValidationError, match="fixed camera"):
        await hass.services.async_call(
            DOMAIN,
            "ptz",
            {ATTR_ENTITY_ID: _camera_id(hass), "movement": "left"},
            blocking=True,
        )
    # Settings entities stay.
    assert state(hass, "number", "brightness") == "163"
    # Back on: the entities return.
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], {CONF_PAN_TILT: True})
    await hass.async_block_till_done()
    assert state(hass, "button", "ptz_left") != STATE_UNAVAILABLE
