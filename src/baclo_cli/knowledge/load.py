"""Load a knowledge file: find it, read it through the cache, check it, and hand back the lazy model.

``yamlfile`` reads the YAML into plain data, ``schema`` checks it, ``model`` models it part by part. Parsing
and checking are the slow part of a run, so ``cache`` keeps the checked data keyed on the file's bytes: a run
with the same bytes skips both (and reads only the sections it shows), and an edited file is always read
afresh. Nothing here imports PyYAML, the checker or ``pathlib`` unless the cache misses.
"""

from __future__ import annotations

import os

from baclo_cli.errors import DataFileError
from baclo_cli.knowledge import cache
from baclo_cli.knowledge.model import (
    DoseBand,
    Drug,
    Fact,
    Knowledge,
    QuizHint,
    Reference,
    Rule,
    Term,
    Topic,
    knowledge_from_data,
    split_sections,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.knowledge.checks import Problem

PathLike = str | os.PathLike[str]


def default_data_path() -> str:
    """The knowledge file shipped inside the package, or the repository's copy in a source checkout."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # baclo_cli/
    packaged = os.path.join(package, "data", "baclofen.yaml")
    if os.path.isfile(packaged):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(package)), "data", "baclofen.yaml")


def resolve_data_path(option: str | None) -> str:
    chosen = option or os.environ.get("BACLO_DATA") or ""
    return os.path.expanduser(chosen) if chosen else default_data_path()


def load_knowledge(path: PathLike | None = None, *, use_cache: bool = True) -> Knowledge:
    """Read, check and model a knowledge file; raise ``DataFileError`` with the first problem."""
    source = os.fspath(path) if path else default_data_path()
    if not (use_cache and cache.enabled()):
        return knowledge_from_data(_checked(source, _read(source)), source)
    identity = cache.fingerprint(source)  # taken before the bytes are read: an edit in between misses next time
    key = cache.remembered_key(source, identity)
    entry = cache.read(key) if key else None
    if entry is None:
        raw = _read(source)
        key = cache.content_key(raw)
        entry = cache.read(key)
        if entry is None:
            data = _checked(source, raw)
            cache.write(key, split_sections(data))
            cache.remember_key(source, identity, key)
            built = knowledge_from_data(data, source)
            built.content_key = key
            return built
        cache.remember_key(source, identity, key)
    return Knowledge(source, _Sections(entry, source).get, key)


class _Sections:
    """Sections from a cache entry; if one turns out unreadable, the file is parsed and checked afresh."""

    def __init__(self, entry: cache.Entry, source: str) -> None:
        self.entry = entry
        self.source = source
        self.fresh: dict[str, Any] | None = None

    def get(self, name: str) -> Any:
        if self.fresh is None:
            try:
                value = self.entry.section(name)
                if _plausible(name, value):
                    return value
            except LookupError:
                pass
            raw = _read(self.source)
            self.fresh = split_sections(_checked(self.source, raw))
            cache.write(cache.content_key(raw), self.fresh)  # repaired for the next run
        return self.fresh[name]


_SHAPES = {
    "references": list,
    "glossary": list,
    "dose_bands": list,
    "synonyms": list,
    "search": list,
    "card": list,
    "vocabulary": dict,
    "lexicon": dict,
}


def _plausible(name: str, value: Any) -> bool:
    """A section of the shape this code writes (its checksum already matched): a crafted entry with valid
    checksums is set aside like a damaged one. ``meta``, read on every run, is checked field by field."""
    if name == "meta":
        drug = value.get("drug") if type(value) is dict else None
        return (
            type(drug) is dict
            and all(type(drug.get(k)) is str for k in ("name", "class", "last_reviewed"))
            and _strings(drug.get("brand_names"))
            and _strings(value.get("topics"))
            and _strings(value.get("references"))
            and type(value.get("outline")) is list
            and all(
                type(entry) is tuple and len(entry) == 4 and _strings(list(entry[:3])) and type(entry[3]) is int
                for entry in value["outline"]
            )
        )
    return type(value) is _SHAPES.get(name, dict)


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _read(source: str) -> bytes:
    from baclo_cli.knowledge.reader import read_bytes

    return read_bytes(source)


def _checked(source: str, raw: bytes) -> Any:
    import gc

    from baclo_cli.knowledge.reader import decode

    text = decode(raw, source)
    # Parsing builds many small objects that all stay alive: the collector would walk them again and again for
    # nothing (a large file parses about a third faster without it). Switched back on straight after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data, problems = check_text(text, source)
    finally:
        if collecting:
            gc.enable()
    if problems:
        raise problems_error(source, text, problems)
    return data


def check_text(text: str, source: str) -> tuple[Any, list[Problem]]:
    """The one verdict on a knowledge file, for ``validate`` and every command: its data and every problem.

    Raises ``DataFileError`` for text that is not plain YAML data at all (syntax, tags, aliases, bad values).
    """
    from baclo_cli.knowledge.checks import check_knowledge
    from baclo_cli.knowledge.reader import duplicate_keys, parse_yaml_text

    data = parse_yaml_text(text, source)
    return data, duplicate_keys(text) + check_knowledge(data)


def problems_error(path: PathLike, text: str, problems: list[Problem]) -> DataFileError:
    from baclo_cli.knowledge.reader import lines_of

    first = problems[0]
    more = f" (and {len(problems) - 1} more; run 'baclo validate {path}')" if len(problems) > 1 else ""
    return DataFileError(os.fspath(path), f"{first.describe()}{more}", lines_of(text, [first.path])[0])


__all__ = [
    "DoseBand",
    "Drug",
    "Fact",
    "Knowledge",
    "QuizHint",
    "Reference",
    "Rule",
    "Term",
    "Topic",
    "check_text",
    "default_data_path",
    "load_knowledge",
    "resolve_data_path",
]
