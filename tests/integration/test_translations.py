"""Every language of translations/ is complete, current and usable by HA for strings.json's keys."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from homeassistant.util.yaml import load_yaml_dict
import pytest

from devtools import translations
from devtools.translations import (
    LANGUAGES,
    english,
    flatten,
    placeholders,
    read_json,
    read_sources,
    source_hash,
    translation_path,
)

if TYPE_CHECKING:
    from pathlib import Path

# A text the same as the English one is left untranslated when it has two words or more (one word
# may well be the same: "Host", "Port", "Contrast" in Dutch); placeholders, units and numbers aside.
NEUTRAL = re.compile(
    r"\{\w+\}|\b(?:ms|fps|Hz|MB|VGA|ASCII|NVR|MJPEG|FI89\d\dW)\b|[\d.,\u00d7/()-]+"
)


@pytest.fixture(scope="module")
def source() -> dict[str, str]:
    return english()


def test_languages_are_the_twelve() -> None:
    """The fixed list is what ships: no language file outside it, none of it missing."""
    files = {path.stem for path in translations.TRANSLATIONS.glob("*.json")}
    assert files == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_language(language: str, source: dict[str, str]) -> None:
    """Exactly English's keys, each a text with English's placeholders, current and translated."""
    texts = flatten(read_json(translation_path(language)))
    assert [key for key in source if key not in texts] == [], "missing"
    assert [key for key in texts if key not in source] == [], "left over"
    for key, text in texts.items():
        assert isinstance(text, str), key
        assert text.strip() == text, key
        assert text, key
        assert placeholders(text) == placeholders(source[key]), key
        assert "[%key:" not in text, key

    # Translated from today's English: `scripts/translations status` lists what is not.
    stamps = read_sources(language)
    stale = [key for key, text in source.items() if stamps.get(key) != source_hash(text)]
    assert stale == [], f"English changed since {language} was translated"

    # No English sentence or phrase left as it was.
    untranslated = [
        key
        for key, text in texts.items()
        if text == source[key] and len(re.findall(r"[^\W\d_]+", NEUTRAL.sub(" ", text))) > 1
    ]
    assert untranslated == [], "still English"


def test_selectors_have_their_options() -> None:
    """Each translated selector of services.yaml has a text for exactly its options."""
    services = load_yaml_dict(str(translations.PACKAGE / "services.yaml"))
    selectors: dict[str, set[str]] = {}
    for service in services.values():
        for field in service.get("fields", {}).values():
            for selector in field.get("selector", {}).values():
                if isinstance(selector, dict) and "translation_key" in selector:
                    options = {
                        option["value"] if isinstance(option, dict) else str(option)
                        for option in selector["options"]
                    }
                    selectors[selector["translation_key"]] = options
    texts = flatten(read_json(translations.PACKAGE / "strings.json"))
    assert selectors
    for key, options in selectors.items():
        prefix = f"selector.{key}.options."
        assert {path.removeprefix(prefix) for path in texts if path.startswith(prefix)} == options


def test_references_are_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`[%key:...%]` in strings.json is compared as the English text HA's build puts in en.json."""
    package = tmp_path / "custom_components" / "bseries_ipcam"
    package.mkdir(parents=True)
    strings: dict[str, dict[str, dict[str, object]]] = {
        "config": {
            "step": {
                "user": {
                    "title": "Add",
                    "data": {"host": "[%key:common::config_flow::data::host%]"},
                }
            },
            "abort": {"again": "[%key:component::bseries_ipcam::config::step::user::title%] again"},
            "error": {"camera": "[%key:component::camera::title%] {name}"},
        }
    }
    (package / "strings.json").write_text(json.dumps(strings))
    monkeypatch.setattr(translations, "PACKAGE", package)
    assert english() == {
        "config.step.user.title": "Add",
        "config.step.user.data.host": "Host",
        "config.abort.again": "Add again",
        "config.error.camera": "Camera {name}",
    }
    strings["config"]["abort"]["again"] = "[%key:common::no_such_key%]"
    (package / "strings.json").write_text(json.dumps(strings))
    with pytest.raises(KeyError, match="no_such_key"):
        english()


def test_script_finds_changed_english_and_takes_the_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """status lists what changed in English, todo gives it to translate, apply takes it back."""
    package = tmp_path / "custom_components" / "bseries_ipcam"
    (package / "translations").mkdir(parents=True)
    monkeypatch.setattr(translations, "PACKAGE", package)
    monkeypatch.setattr(translations, "TRANSLATIONS", package / "translations")
    monkeypatch.setattr(translations, "SOURCES", tmp_path / "i18n" / "sources")
    monkeypatch.setattr(translations, "LANGUAGES", ("de",))

    def write(name: str, data: object) -> None:
        (package / name).write_text(json.dumps(data))

    write("strings.json", {"title": {"a": "Camera {name}", "b": "Preset"}})
    write(
        "translations/de.json", {"title": {"a": "Kamera {name}", "b": "Voreinstellung", "c": "x"}}
    )
    assert translations.main(["status"]) == 1
    out = capsys.readouterr().out
    assert "de: 0 missing, 2 stale, 1 left over" in out
    assert translations.main(["stamp", "de"]) == 1  # "c" is not in English
    assert "cannot stamp ['title.c']" in capsys.readouterr().err

    assert translations.main(["stamp", "de", "title.a", "title.b"]) == 0
    write("strings.json", {"title": {"a": "Camera {name}", "b": "Position preset", "d": "New"}})
    assert translations.main(["status", "de"]) == 1
    out = capsys.readouterr().out
    assert '  missing      title.d: "New"' in out
    assert '  stale        title.b: "Position preset"' in out
    assert "  left over    title.c" in out
    assert translations.main(["todo", "de"]) == 0
    todo = json.loads(capsys.readouterr().out)
    assert todo == {"title": {"b": "Position preset", "d": "New"}}

    done = tmp_path / "done.json"
    done.write_text(json.dumps({"title": {"b": "Positionsvoreinstellung", "d": "Neu {name}"}}))
    assert translations.main(["apply", "de", str(done)]) == 1  # placeholder not in English
    assert "placeholders differ from English" in capsys.readouterr().err
    done.write_text(json.dumps({"title": {"b": "Positionsvoreinstellung", "d": "Neu"}}))
    assert translations.main(["apply", "de", str(done)]) == 0
    assert capsys.readouterr().out == "de: 2 texts applied and stamped\n"
    assert read_json(package / "translations" / "de.json") == {
        "title": {"a": "Kamera {name}", "b": "Positionsvoreinstellung", "d": "Neu"}
    }
    assert translations.main(["status"]) == 0
    assert capsys.readouterr().out == "de: up to date\n"
