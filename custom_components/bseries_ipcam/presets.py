"""Named pan/tilt presets, kept in Home Assistant's storage.

The camera holds 16 preset positions but cannot say which of them were ever saved: going to one
never saved does nothing. So Home Assistant remembers what was saved from here, under a name the
user chose, and offers only those (the preset select, the `ptz_preset` action, the card). The book
also remembers the preset last gone to, so the select shows it after a restart instead of
"unknown". One store per config entry (`.storage/bseries_ipcam.presets.<entry id>`), removed with
the entry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final, TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .protocol.controls import PRESETS
from .protocol.listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import Callable

    from .controls import BSeriesControls
    from .data import BSeriesConfigEntry

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
NAME_MAX_LENGTH: Final = 40


class _StoredPresets(TypedDict):
    names: dict[str, str]  # preset number (as JSON keys are strings) -> name
    last: int | None


def storage_key(entry_id: str) -> str:
    """The storage key of one camera's presets."""
    return f"{DOMAIN}.presets.{entry_id}"


async def async_remove_presets(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed camera's presets."""
    await Store[_StoredPresets](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()


async def async_preset_action(
    book: PresetBook, action: str, preset: int | None, name: str | None
) -> int:
    """Go to, save, rename or delete a preset given by number or name; returns its number.

    The one reading of the `ptz_preset` action's and the websocket command's fields: `go` and
    `delete` take the preset by number or name, `save` a number (default: the first free one)
    and a name, `rename` the number and its new name.
    """
    if action == "save":
        return await book.async_save(name, preset)
    if action == "rename":
        if preset is None or name is None:
            raise book.error("preset_missing")
        return await book.async_rename(preset, name)
    if action == "delete":
        return await book.async_delete(preset, name)
    return await book.async_go_to(preset, name)


class PresetBook:
    """The saved presets of one camera, by number and name, and the one last gone to."""

    def __init__(
        self, hass: HomeAssistant, entry: BSeriesConfigEntry, controls: BSeriesControls
    ) -> None:
        """An empty book; `async_load` reads the stored one."""
        self._entry = entry
        self._controls = controls
        self._store = Store[_StoredPresets](hass, STORAGE_VERSION, storage_key(entry.entry_id))
        self._names: dict[int, str] = {}
        self.last: int | None = None
        self._listeners: Listeners[[]] = Listeners(_LOGGER)

    async def async_load(self) -> None:
        """Read the stored presets (none when nothing was stored yet)."""
        data = await self._store.async_load()
        if data is None:
            return
        self._names = {
            int(number): name
            for number, name in data.get("names", {}).items()
            if int(number) in PRESETS
        }
        last = data.get("last")
        self.last = last if last in self._names else None

    @property
    def presets(self) -> dict[int, str]:
        """The saved presets in number order: number -> name."""
        return dict(sorted(self._names.items()))

    @property
    def names(self) -> list[str]:
        """The names of the saved presets in number order."""
        return list(self.presets.values())

    def as_list(self) -> list[dict[str, int | str]]:
        """The saved presets as JSON: number and name, in number order."""
        return [{"number": number, "name": name} for number, name in self.presets.items()]

    @property
    def last_name(self) -> str | None:
        """The name of the preset last gone to (None before any)."""
        return None if self.last is None else self._names.get(self.last)

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every change; returns remove."""
        return self._listeners.add(listener)

    # --- lookups ---------------------------------------------------------------------------

    def number_of(self, name: str) -> int:
        """The number of the preset called `name` (case-insensitive)."""
        wanted = name.strip().casefold()
        for number, saved in self._names.items():
            if saved.casefold() == wanted:
                return number
        raise self.error("preset_unknown", preset=name)

    def resolve(self, preset: int | None, name: str | None) -> int:
        """The saved preset given by number or by name."""
        if preset is not None:
            if preset not in self._names:
                raise self.error("preset_unknown", preset=str(preset))
            return preset
        if name is None:
            raise self.error("preset_missing")
        return self.number_of(name)

    def _checked_name(self, name: str, number: int | None) -> str:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX_LENGTH:
            raise self.error("preset_name_invalid", preset=name, max=str(NAME_MAX_LENGTH))
        for other, saved in self._names.items():
            if other != number and saved.casefold() == name.casefold():
                raise self.error("preset_name_taken", preset=name)
        return name

    def error(self, key: str, **placeholders: str) -> ServiceValidationError:
        """A translated validation error about this camera's presets."""
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"name": self._entry.title, **placeholders},
        )

    # --- changes ---------------------------------------------------------------------------

    async def async_go_to(self, preset: int | None = None, name: str | None = None) -> int:
        """Move to a saved preset; returns its number."""
        number = self.resolve(preset, name)
        await self._controls.async_preset(number)
        self.last = number
        await self._async_changed()
        return number

    async def async_save(self, name: str | None = None, preset: int | None = None) -> int:
        """Save the current position as `preset` (or the first free one) named `name`.

        Saving over a preset keeps its name unless a new one is given; a new preset without a
        name is called "Preset N". Returns the number saved.
        """
        number = preset if preset is not None else self._first_free()
        if name is None:
            name = self._names.get(number, f"Preset {number}")
        name = self._checked_name(name, number)
        await self._controls.async_preset(number, save=True)
        self._names[number] = name
        await self._async_changed()
        return number

    async def async_rename(self, preset: int, new_name: str) -> int:
        """Give a saved preset another name; returns its number."""
        number = self.resolve(preset, None)
        self._names[number] = self._checked_name(new_name, number)
        await self._async_changed()
        return number

    async def async_delete(self, preset: int | None = None, name: str | None = None) -> int:
        """Forget a saved preset (the camera keeps the position; it is no longer offered)."""
        number = self.resolve(preset, name)
        del self._names[number]
        if self.last == number:
            self.last = None
        await self._async_changed()
        return number

    def _first_free(self) -> int:
        for number in PRESETS:
            if number not in self._names:
                return number
        raise self.error("presets_full", max=str(len(PRESETS)))

    async def _async_changed(self) -> None:
        await self._store.async_save(
            {"names": {str(n): name for n, name in self._names.items()}, "last": self.last}
        )
        self._listeners()

    def diagnostics(self) -> dict[str, object]:
        """Which presets are saved and the last gone to (names are the user's, not secrets)."""
        return {"saved": self.presets, "last": self.last}
