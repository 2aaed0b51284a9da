"""The translation files: complete for every key the code uses, and identical to strings.json."""

from __future__ import annotations

import json
from pathlib import Path
import re

import custom_components.bseries_ipcam as integration
from custom_components.bseries_ipcam.errors import DEFAULT_KEY, ERROR_KEYS
from custom_components.bseries_ipcam.talk import TALK_ERROR_KEYS

PACKAGE = Path(integration.__file__).parent


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object whose keys are all different (json.loads would keep the last of two)."""
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), (
        f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    )
    return dict(pairs)


def _load(name: str) -> dict[str, dict[str, dict[str, object]]]:
    data: dict[str, dict[str, dict[str, object]]] = json.loads(
        (PACKAGE / name).read_text(), object_pairs_hook=_unique_keys
    )
    return data


def test_translations_match_strings() -> None:
    """translations/en.json is strings.json, as HA would build it for a core integration."""
    assert _load("translations/en.json") == _load("strings.json")


def test_every_key_in_use_is_translated() -> None:
    """Form errors, abort reasons and exception keys used in the code all have a text."""
    strings = _load("strings.json")
    flow = (PACKAGE / "config_flow.py").read_text()
    errors = set(re.findall(r'"base": "(\w+)"', flow))
    aborts = set(re.findall(r'reason="(\w+)"', flow)) | {"already_configured"}
    assert errors
    assert errors <= strings["config"]["error"].keys()
    assert aborts <= strings["config"]["abort"].keys()

    code = "".join(path.read_text() for path in sorted(PACKAGE.rglob("*.py")))
    exceptions = set(re.findall(r'translation_domain=DOMAIN,\s*translation_key="(\w+)"', code))
    # Keys chosen through errors.translated_error: its table, its default, and the callers' own.
    exceptions |= {key for _, key in ERROR_KEYS} | {DEFAULT_KEY}
    exceptions |= set(re.findall(r'default="(\w+)"', code))
    # Texts shown outside an error (errors.translated_message), e.g. the live view's reasons.
    exceptions |= set(re.findall(r'translated_message\(\s*"(\w+)"', code))
    exceptions |= set(TALK_ERROR_KEYS.values())
    # A recording's failures (recording.ClipError) carry their key.
    exceptions |= set(re.findall(r'(?:ClipError|_fail)\(\s*"(\w+)"', code))
    # The preset book's errors (presets.PresetBook.error) carry their key.
    exceptions |= set(re.findall(r'\.error\(\s*"(\w+)"', code))
    assert exceptions == strings["exceptions"].keys()

    icons = _load("icons.json")["entity"]
    for platform in (
        "binary_sensor",
        "event",
        "media_player",
        "select",
        "button",
        "number",
        "switch",
        "sensor",
    ):
        source = (PACKAGE / f"{platform}.py").read_text()
        entities = set(re.findall(r'translation_key[=:]\s*"(\w+)"', source))
        assert entities == strings["entity"][platform].keys(), platform
        assert entities == icons[platform].keys(), platform

    services = strings["services"].keys()
    assert services == _load("icons.json")["services"].keys()
    services_yaml = (PACKAGE / "services.yaml").read_text()
    assert services == set(re.findall(r"^(\w+):$", services_yaml, re.MULTILINE))

    steps = set(re.findall(r'step_id="(\w+)"', flow))
    assert steps == strings["config"]["step"].keys() | strings["options"]["step"].keys()
