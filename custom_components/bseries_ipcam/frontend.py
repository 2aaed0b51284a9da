"""The camera card: the integration serves its built module and adds it to the frontend itself.

`frontend/bseries-camera-card.js` is built from `card/` (TypeScript + lit, `npm run build`) and
committed, so HACS installs it with the integration and nothing else needs installing. It is served
at `/bseries_ipcam/bseries-camera-card.js` and loaded by every frontend through
`frontend.add_extra_js_url`; the URL carries a hash of the module, so an update busts caches. The
card then appears in the dashboard's card picker ("B-Series camera").
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

CARD_FILE: Final = Path(__file__).parent / "frontend" / "bseries-camera-card.js"
CARD_URL: Final = f"/{DOMAIN}/bseries-camera-card.js"


def card_version(path: Path = CARD_FILE) -> str:
    """A short hash of the built card: changes exactly when the module does."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and load it in every frontend (when the frontend is set up)."""
    if "frontend" not in hass.config.components:
        return  # no frontend here (e.g. a headless setup): nobody to show the card to
    version = await hass.async_add_executor_job(card_version)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{CARD_URL}?v={version}")
