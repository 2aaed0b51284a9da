"""Service actions of the B-Series IP Camera integration, registered once in `async_setup`."""

from __future__ import annotations

from typing import Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector, service
import probatio

from .const import DOMAIN

SERVICE_SET_FRAME_INTERVAL: Final = "set_frame_interval"
SERVICE_TALK: Final = "talk"
ATTR_INTERVAL: Final = "interval"
ATTR_MEDIA: Final = "media"


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the entity services on this integration's camera entities."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SET_FRAME_INTERVAL,
        entity_domain=Platform.CAMERA,
        schema={probatio.Required(ATTR_INTERVAL): probatio.Coerce(int)},
        func="async_set_frame_interval",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_TALK,
        entity_domain=Platform.CAMERA,
        schema={
            probatio.Required(ATTR_MEDIA): selector.MediaSelector(
                selector.MediaSelectorConfig(accept=["audio/*"])
            )
        },
        func="async_talk",
    )
