"""`scripts/translations`: which texts of which language need translating, and recording that they were.

English (`strings.json`, with HA's `[%key:...%]` references resolved as HA's translation build does
for `translations/en.json`) is the source. Every other language in `translations/` records, per key,
a short hash of the English text it was translated from (`i18n/sources/<lang>.json`, outside the
integration folder: HA and HACS never read it). A key whose English changed since then is stale.

    scripts/translations status [LANG ...]   what is missing, stale or left over, per language
    scripts/translations todo LANG           the English texts LANG needs, as JSON to translate
    scripts/translations apply LANG FILE     put translated texts (todo's shape) into LANG, stamped
    scripts/translations stamp LANG [KEY ...]  record that LANG's texts match today's English
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
import hashlib
import importlib.util
import json
from pathlib import Path
import re
import sys
from typing import Final

REPO: Final = Path(__file__).resolve().parent.parent
PACKAGE: Final = REPO / "custom_components" / "bseries_ipcam"
TRANSLATIONS: Final = PACKAGE / "translations"
SOURCES: Final = REPO / "i18n" / "sources"

# The twelve languages the integration ships besides English, as HA names them (HA's frontend asks
# for translations/<name>.json). A fixed list: a language whose file goes missing is an error.
LANGUAGES: Final = (
    "de",
    "fr",
    "nl",
    "es",
    "it",
    "pl",
    "pt-BR",
    "sv",
    "da",
    "nb",
    "cs",
    "zh-Hans",
)

PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
REFERENCE: Final = re.compile(r"\[%key:([a-z0-9_:-]+)%\]")

type Tree = dict[str, Tree | str]


def flatten(tree: Tree, prefix: str = "") -> dict[str, str]:
    """`{"a": {"b": "text"}}` as `{"a.b": "text"}`, in the tree's order."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, str):
            flat[path] = value
        else:
            flat.update(flatten(value, f"{path}."))
    return flat


def unflatten(flat: dict[str, str]) -> Tree:
    """The inverse of `flatten`, keeping the order of `flat`."""
    tree: Tree = {}
    for path, text in flat.items():
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            assert isinstance(child, dict), path
            node = child
        node[leaf] = text
    return tree


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys: {duplicates}")
    return dict(pairs)


def read_json(path: Path) -> Tree:
    """A JSON object, refusing duplicate keys (json.loads would silently keep the last one)."""
    data: Tree = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    return data


def write_json(path: Path, data: object) -> None:
    """JSON as the integration's files are written: 2-space indent, UTF-8 text, final newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _lookup(tree: Tree, parts: list[str], reference: str) -> str:
    node: Tree | str = tree
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"unknown translation reference [%key:{reference}%]")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"translation reference [%key:{reference}%] is not a text")
    return node


def _homeassistant_strings(domain: str | None) -> Tree:
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or spec.origin is None:
        raise KeyError("homeassistant is not installed: cannot resolve a common:: reference")
    root = Path(spec.origin).parent
    return read_json(
        root / "strings.json" if domain is None else root / "components" / domain / "strings.json"
    )


def resolve(text: str, strings: Tree) -> str:
    """`text` with `[%key:...%]` references replaced by the English they point at."""

    def replace(match: re.Match[str]) -> str:
        reference = match.group(1)
        parts = reference.split("::")
        if parts[0] == "component":
            domain = parts[1]
            tree = strings if domain == PACKAGE.name else _homeassistant_strings(domain)
            return _lookup(tree, parts[2:], reference)
        return _lookup(_homeassistant_strings(None), parts, reference)

    return REFERENCE.sub(replace, text)


def english() -> dict[str, str]:
    """Every key of strings.json and its English text, references resolved."""
    strings = read_json(PACKAGE / "strings.json")
    return {key: resolve(text, strings) for key, text in flatten(strings).items()}


def source_hash(text: str) -> str:
    """A short fingerprint of an English text: enough to see that it changed."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a text."""
    return set(PLACEHOLDER.findall(text))


def translation_path(language: str) -> Path:
    """The translation file HA's frontend loads for `language`."""
    return TRANSLATIONS / f"{language}.json"


def sources_path(language: str) -> Path:
    """Where `language` records the English it was translated from."""
    return SOURCES / f"{language}.json"


def read_sources(language: str) -> dict[str, str]:
    """Key → hash of the English text `language`'s text was made from ({} before the first stamp)."""
    path = sources_path(language)
    if not path.exists():
        return {}
    data = read_json(path)
    return {key: value for key, value in data.items() if isinstance(value, str)}


@dataclass
class Status:
    """What a language lacks against today's English."""

    language: str
    file_missing: bool = False
    missing: list[str] = field(default_factory=list)  # in English, not translated
    stale: list[str] = field(default_factory=list)  # English changed since it was translated
    extra: list[str] = field(default_factory=list)  # translated, no longer in English
    placeholders: list[str] = field(default_factory=list)  # placeholders differ from English

    @property
    def to_translate(self) -> list[str]:
        """The keys whose text has to be (re)written from English."""
        return list(dict.fromkeys([*self.missing, *self.stale, *self.placeholders]))

    @property
    def clean(self) -> bool:
        """Nothing to do for this language."""
        return not (
            self.file_missing or self.missing or self.stale or self.extra or self.placeholders
        )


def status(language: str, source: dict[str, str] | None = None) -> Status:
    """Compare `language` with the English (by default today's strings.json)."""
    source = english() if source is None else source
    result = Status(language)
    path = translation_path(language)
    if not path.exists():
        result.file_missing = True
        result.missing = list(source)
        return result
    texts = flatten(read_json(path))
    stamps = read_sources(language)
    for key, text in source.items():
        if key not in texts:
            result.missing.append(key)
            continue
        if stamps.get(key) != source_hash(text):
            result.stale.append(key)
        if placeholders(texts[key]) != placeholders(text):
            result.placeholders.append(key)
    result.extra = [key for key in texts if key not in source]
    return result


def stamp(language: str, keys: list[str] | None = None) -> list[str]:
    """Record that `language`'s texts (all, or `keys`) are translated from today's English.

    Refuses keys that are not translated, not in English, or whose placeholders differ.
    """
    source = english()
    texts = flatten(read_json(translation_path(language)))
    chosen = list(texts) if keys is None else keys
    problems = [key for key in chosen if key not in texts or key not in source]
    problems += [
        key
        for key in chosen
        if key in texts and key in source and placeholders(texts[key]) != placeholders(source[key])
    ]
    if problems:
        raise ValueError(
            f"{language}: cannot stamp {problems} (untranslated, unknown or placeholders differ)"
        )
    stamps = read_sources(language) | {key: source_hash(source[key]) for key in chosen}
    write_json(sources_path(language), {key: stamps[key] for key in source if key in stamps})
    return chosen


def todo(language: str) -> Tree:
    """The English texts `language` has to (re)translate, in strings.json's shape."""
    source = english()
    return unflatten({key: source[key] for key in status(language, source).to_translate})


def apply(language: str, translated: Tree) -> list[str]:
    """Put `translated` (todo's shape) into `language`'s file in strings.json's order, and stamp it.

    Keys English no longer has are dropped from the file; the result must be complete.
    """
    source = english()
    new = flatten(translated)
    unknown = [key for key in new if key not in source]
    if unknown:
        raise ValueError(f"{language}: not in strings.json: {unknown}")
    wrong = [key for key in new if placeholders(new[key]) != placeholders(source[key])]
    if wrong:
        raise ValueError(f"{language}: placeholders differ from English in {wrong}")
    path = translation_path(language)
    texts = flatten(read_json(path)) if path.exists() else {}
    texts |= new
    missing = [key for key in source if key not in texts]
    if missing:
        raise ValueError(f"{language}: still untranslated: {missing}")
    write_json(path, unflatten({key: texts[key] for key in source}))
    return stamp(language, list(new))


def _say(text: str, *, error: bool = False) -> None:
    (sys.stderr if error else sys.stdout).write(text + "\n")


def _print_status(result: Status, source: dict[str, str]) -> None:
    if result.clean:
        _say(f"{result.language}: up to date")
        return
    if result.file_missing:
        _say(f"{result.language}: no file {translation_path(result.language).relative_to(REPO)}")
        return
    _say(
        f"{result.language}: {len(result.missing)} missing, {len(result.stale)} stale, "
        f"{len(result.extra)} left over, {len(result.placeholders)} with other placeholders"
    )
    for label, keys in (
        ("missing", result.missing),
        ("stale", result.stale),
        ("left over", result.extra),
        ("placeholders", result.placeholders),
    ):
        for key in keys:
            _say(f"  {label:<12} {key}: {json.dumps(source.get(key, ''), ensure_ascii=False)}")


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 1 when `status` finds work or a command is refused."""
    parser = argparse.ArgumentParser(
        prog="scripts/translations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    status_cmd = commands.add_parser(
        "status", help="missing, stale and left-over keys per language"
    )
    status_cmd.add_argument("languages", nargs="*", metavar="LANG")
    todo_cmd = commands.add_parser("todo", help="the English texts LANG needs, as JSON")
    todo_cmd.add_argument("language", metavar="LANG")
    apply_cmd = commands.add_parser(
        "apply", help="merge translated texts (JSON file or -) into LANG"
    )
    apply_cmd.add_argument("language", metavar="LANG")
    apply_cmd.add_argument("file", metavar="FILE")
    stamp_cmd = commands.add_parser("stamp", help="record LANG as translated from today's English")
    stamp_cmd.add_argument("language", metavar="LANG")
    stamp_cmd.add_argument("keys", nargs="*", metavar="KEY")
    args = parser.parse_args(argv)

    if args.command == "status":
        source = english()
        results = [status(language, source) for language in args.languages or LANGUAGES]
        for result in results:
            _print_status(result, source)
        if all(result.clean for result in results):
            return 0
        _say(
            "\nFor each language: scripts/translations todo LANG > todo.json; translate the texts;"
        )
        _say("scripts/translations apply LANG todo.json (drops left-over keys and stamps).")
        return 1
    try:
        if args.command == "todo":
            _say(json.dumps(todo(args.language), indent=2, ensure_ascii=False))
        elif args.command == "apply":
            text = (
                sys.stdin.read()
                if args.file == "-"
                else Path(args.file).read_text(encoding="utf-8")
            )
            done = apply(args.language, json.loads(text, object_pairs_hook=_unique_keys))
            _say(f"{args.language}: {len(done)} texts applied and stamped")
        else:
            done = stamp(args.language, args.keys or None)
            _say(f"{args.language}: {len(done)} texts stamped")
    except (ValueError, KeyError, OSError) as err:
        _say(f"scripts/translations: {err}", error=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
