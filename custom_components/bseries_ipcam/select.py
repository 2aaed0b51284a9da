"""The frame interval as a select entity; the choice survives restarts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import BSeriesEntity
from .protocol import FrameInterval

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1

FRAME_INTERVAL_SELECT: Final = SelectEntityDescription(
    key="frame_interval",
    translation_key="frame_interval",
    entity_category=EntityCategory.CONFIG,
    options=[str(interval.milliseconds) for interval in FrameInterval],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the frame interval select."""
    async_add_entities(
        [BSeriesFrameIntervalSelect(entry.runtime_data.coordinator, FRAME_INTERVAL_SELECT)]
    )


class BSeriesFrameIntervalSelect(BSeriesEntity, SelectEntity, RestoreEntity):
    """Time between two video frames, in ms ("0" is full speed)."""

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last choice; the camera itself forgets it at every video start."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state not in self.options:
            return
        interval = FrameInterval.from_milliseconds(int(last.state))
        if interval is not self.coordinator.frame_interval:
            await self.coordinator.async_set_frame_interval(interval)

    @property
    @override
    def current_option(self) -> str:
        """The chosen interval."""
        return str(self.coordinator.frame_interval.milliseconds)

    @override
    async def async_select_option(self, option: str) -> None:
        """Choose an interval."""
        await self.coordinator.async_set_frame_interval(
            FrameInterval.from_milliseconds(int(option))
        )
