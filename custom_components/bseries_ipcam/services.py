"""Service actions of the B-Series IP Camera integration, registered once in `async_setup`."""

from __future__ import annotations

from typing import Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv, selector, service
import probatio

from .const import DOMAIN
from .media.recording import MAX_DURATION
from .protocol.controls import Direction

SERVICE_SET_FRAME_INTERVAL: Final = "set_frame_interval"
SERVICE_TALK: Final = "talk"
ATTR_INTERVAL: Final = "interval"
ATTR_MEDIA: Final = "media"
# Camera controls: pan/tilt moves and presets.
SERVICE_PTZ: Final = "ptz"
SERVICE_PTZ_PRESET: Final = "ptz_preset"
ATTR_MOVEMENT: Final = "movement"
ATTR_TRAVEL_TIME: Final = "travel_time"
ATTR_PRESET: Final = "preset"
ATTR_ACTION: Final = "action"
ATTR_NAME: Final = "name"
DEFAULT_TRAVEL_TIME: Final = 0.5
MOVEMENTS: Final = [direction.value for direction in Direction]
PRESET_GO: Final = "go"
PRESET_ACTIONS: Final = [PRESET_GO, "save", "rename", "delete"]
SERVICE_RECORD: Final = "record"
ATTR_FILENAME: Final = "filename"
ATTR_DURATION: Final = "duration"
ATTR_LOOKBACK: Final = "lookback"


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
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_PTZ,
        entity_domain=Platform.CAMERA,
        schema={
            probatio.Required(ATTR_MOVEMENT): probatio.In(MOVEMENTS),
            probatio.Optional(ATTR_TRAVEL_TIME, default=DEFAULT_TRAVEL_TIME): probatio.All(
                probatio.Coerce(float), probatio.Range(min=0.1, max=10)
            ),
        },
        func="async_ptz",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_PTZ_PRESET,
        entity_domain=Platform.CAMERA,
        schema={
            probatio.Optional(ATTR_PRESET): probatio.All(
                probatio.Coerce(int), probatio.Range(min=1, max=16)
            ),
            probatio.Optional(ATTR_NAME): cv.string,
            probatio.Optional(ATTR_ACTION, default=PRESET_GO): probatio.In(PRESET_ACTIONS),
        },
        func="async_ptz_preset",
        supports_response=SupportsResponse.OPTIONAL,
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_RECORD,
        entity_domain=Platform.CAMERA,
        schema={
            probatio.Optional(ATTR_FILENAME): cv.template,
            probatio.Optional(ATTR_DURATION, default=30): probatio.All(
                probatio.Coerce(float), probatio.Range(min=1, max=MAX_DURATION)
            ),
            probatio.Optional(ATTR_LOOKBACK, default=0): probatio.All(
                probatio.Coerce(float), probatio.Range(min=0)
            ),
        },
        func="async_record",
        supports_response=SupportsResponse.OPTIONAL,
    )
