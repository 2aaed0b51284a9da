"""The camera card: served by the integration, added to the frontend, its texts translated.

The browser side (the card in the picker, the picture, the pad, sound) is proven against a real
`hass` in tests/e2e/test_card.py; here the integration's part: the static path, the extra module
URL with the module's hash, nothing without a frontend, and every text key the card uses present
in strings.json.
"""

from __future__ import annotations

from http import HTTPStatus
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager

from custom_components.bseries_ipcam.frontend import (
    CARD_FILE,
    CARD_URL,
    async_register_card,
    card_version,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .helpers import MockConfigEntry

CARD_SOURCE = Path(__file__).parents[2] / "card" / "src"


async def test_card_served_and_added_to_the_frontend(
    hass: HomeAssistant, hass_client: Any, loaded_entry: MockConfigEntry
) -> None:
    # The frontend's own URL registry, as frontend.async_setup makes it (hass_frontend, the
    # frontend's files, is installed by a real hass only; the e2e test loads it for real).
    hass.config.components.add("frontend")
    urls = UrlManager(lambda *_: None, [])
    hass.data[DATA_EXTRA_MODULE_URL] = urls
    await async_register_card(hass)
    version = card_version()
    assert urls.urls == frozenset({f"{CARD_URL}?v={version}"})
    client = await hass_client()
    response = await client.get(f"{CARD_URL}?v={version}")
    assert response.status == HTTPStatus.OK
    body = await response.read()
    assert body == CARD_FILE.read_bytes()
    assert b"bseries-camera-card" in body
    assert b"customCards" in body


async def test_no_frontend_no_card(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert DATA_EXTRA_MODULE_URL not in hass.data


def test_version_follows_the_module(tmp_path: Path) -> None:
    module = tmp_path / "card.js"
    module.write_text("one")
    first = card_version(module)
    module.write_text("two")
    assert card_version(module) != first


def test_every_card_text_is_translated() -> None:
    """The card's texts (this.t("key")) are in strings.json under selector.card.options."""
    source = "".join(path.read_text() for path in sorted(CARD_SOURCE.glob("*.ts")))
    keys = set(re.findall(r'this\.t\(\s*"(\w+)"', source))
    keys |= {f"patrol_{option}" for option in ("off", "horizontal", "vertical", "both")}
    keys |= set(re.findall(r'\["(\w+)", "[^"]+"\]', source))  # the pad's directions
    keys |= set(re.findall(r"BADGES = \[([^\]]+)\]", source)[0].replace('"', "").split(", "))
    keys |= {"ir_on", "ir_off", "camera"}
    strings = json.loads((CARD_FILE.parents[1] / "strings.json").read_text())
    texts = strings["selector"]["card"]["options"]
    assert keys <= texts.keys(), sorted(keys - texts.keys())
    assert len(keys) > 30
