"""Base entity of the B-Series IP Camera integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, override

from homeassistant.helpers.update_coordinator import BaseCoordinatorEntity

from .coordinator import BSeriesCoordinator

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription


class BSeriesEntity(BaseCoordinatorEntity[BSeriesCoordinator]):
    """An entity of one camera: named after its device, updated by the camera's pushes.

    It is available while the control session is up, or came back within the coordinator's
    grace; entities that must stay available (such as the connectivity sensor) override
    `available`.
    """

    _attr_has_entity_name = True

    def __init__(self, coordinator: BSeriesCoordinator, description: EntityDescription) -> None:
        """Bind the entity to its camera's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.camera_id}_{description.key}"
        self._attr_device_info = coordinator.device_info

    @property
    @override
    def available(self) -> bool:
        """Whether the control session is up (or lost only for the grace so far)."""
        return self.coordinator.available

    @override
    async def async_update(self) -> None:
        """Nothing to fetch: the camera pushes every change."""
