"""Image settings as numbers: brightness (0-255) and contrast (0-6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, override

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import EntityCategory

from .controls import BSeriesControlsEntity
from .protocol.controls import CameraParam

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BSeriesNumberDescription(NumberEntityDescription):
    """An image setting with its camera parameter number."""

    param: CameraParam


NUMBERS: Final = (
    BSeriesNumberDescription(
        key="brightness",
        translation_key="brightness",
        param=CameraParam.BRIGHTNESS,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=255,
        native_step=1,
        mode=NumberMode.SLIDER,
    ),
    BSeriesNumberDescription(
        key="contrast",
        translation_key="contrast",
        param=CameraParam.CONTRAST,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=6,
        native_step=1,
        mode=NumberMode.SLIDER,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the brightness and contrast numbers."""
    controls = entry.runtime_data.controls
    async_add_entities(BSeriesSettingNumber(controls, description) for description in NUMBERS)


class BSeriesSettingNumber(BSeriesControlsEntity, NumberEntity):
    """One image setting, read at each connect and kept current by the camera's op 18."""

    entity_description: BSeriesNumberDescription

    @property
    @override
    def native_value(self) -> float | None:
        """The camera's value."""
        settings = self.controls.settings
        return None if settings is None else settings.get(self.entity_description.param)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Change the setting on the camera."""
        await self.controls.async_set_param(self.entity_description.param, round(value))
