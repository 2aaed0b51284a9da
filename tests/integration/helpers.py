"""Constants and helpers for the integration's tests.

pytest-homeassistant-custom-component ships no type information; what the tests need from it is
imported here, once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)

from custom_components.bseries_ipcam.const import DOMAIN

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from custom_components.bseries_ipcam.coordinator import BSeriesCoordinator

__all__ = [
    "CAMERA_ID",
    "HOST",
    "OTHER_CAMERA_ID",
    "TITLE",
    "MockConfigEntry",
    "advance",
    "async_fire_time_changed",
    "coordinator_of",
    "entity_id",
    "get_diagnostics_for_config_entry",
    "mock_restore_cache",
    "set_up_with_options",
    "state_of",
    "wait_until",
    "with_options",
]

CAMERA_ID = "00626E4E72BF"
OTHER_CAMERA_ID = "00626E000042"
HOST = "127.0.0.1"
TITLE = f"B-Series camera {CAMERA_ID}"


async def wait_until(predicate: Callable[[], object], rounds: int = 200_000) -> None:
    """Let the event loop run (real sockets included) until `predicate()` holds.

    Counted in loop rounds, not seconds: under `freezer` the loop's clock stands still.
    """
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not met")


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock on, run every timer now due, and the tasks they start, to the end."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def with_options(entry: ConfigEntry, options: dict[str, Any]) -> MockConfigEntry:
    """Another entry for `entry`'s camera, with these options (not added to hass yet)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=entry.unique_id,
        data=dict(entry.data),
        options=options,
    )


async def set_up_with_options(
    hass: HomeAssistant, entry: ConfigEntry, options: dict[str, Any]
) -> MockConfigEntry:
    """`with_options(entry, options)`, added to hass and set up."""
    configured = with_options(entry, options)
    configured.add_to_hass(hass)
    assert await hass.config_entries.async_setup(configured.entry_id)
    await hass.async_block_till_done()
    return configured


def coordinator_of(entry: ConfigEntry) -> BSeriesCoordinator:
    """The coordinator of a loaded entry."""
    coordinator: BSeriesCoordinator = entry.runtime_data.coordinator
    return coordinator


def entity_id(hass: HomeAssistant, key: str) -> str:
    """The entity id of one of the camera's binary sensors, by its key."""
    found = er.async_get(hass).async_get_entity_id(
        "binary_sensor", "bseries_ipcam", f"{CAMERA_ID}_{key}"
    )
    assert found is not None
    return found


def state_of(hass: HomeAssistant, key: str) -> str:
    """The state of one of the camera's binary sensors."""
    state = hass.states.get(entity_id(hass, key))
    assert state is not None
    return state.state
