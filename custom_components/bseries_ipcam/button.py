"""The restream secret's button: a new secret ends every NVR stream opened with the old one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory

from .entity import BSeriesEntity
from .restream import async_ensure_secret, restream_enabled

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import BSeriesCoordinator
    from .data import BSeriesConfigEntry

PARALLEL_UPDATES = 1

REGENERATE_SECRET_BUTTON: Final = ButtonEntityDescription(
    key="regenerate_restream_secret",
    translation_key="regenerate_restream_secret",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BSeriesConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button when restream is on for this camera."""
    if restream_enabled(entry):
        async_add_entities([BSeriesRegenerateSecretButton(entry.runtime_data.coordinator, entry)])


class BSeriesRegenerateSecretButton(BSeriesEntity, ButtonEntity):
    """Replace the camera's restream secret; the new URLs are in the camera's options."""

    def __init__(self, coordinator: BSeriesCoordinator, entry: BSeriesConfigEntry) -> None:
        """A button for the entry's secret."""
        super().__init__(coordinator, REGENERATE_SECRET_BUTTON)
        self._entry = entry

    @property
    @override
    def available(self) -> bool:
        """Always: the secret is HA's, not the camera's."""
        return True

    @override
    async def async_press(self) -> None:
        """Make a new secret."""
        async_ensure_secret(self.hass, self._entry, renew=True)
