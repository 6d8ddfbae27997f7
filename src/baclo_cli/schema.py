"""Schema 1 of the knowledge file: what a valid file holds, checked problem by problem.

``check_knowledge`` takes the plain data that YAML (or the JSON cache) gave and returns every problem it
finds, each with the path of the offending value (``topics.withdrawal.facts[3].refs``), so that
``baclo validate`` can report them all at once.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

SCHEMA_VERSION = 1

# Keys of a fact row that are not table columns.
RESERVED_FACT_KEYS = ("refs", "evidence", "dispute")

# How a fact is known; lets a reader tell a labelled fact from a case report.
EVIDENCE_LEVELS = (
    "label",
    "guideline",
    "regulatory",
    "monograph",
    "review",
    "meta-analysis",
    "rct",
    "cohort",
    "case-report",
    "preclinical",
    "article",
)

TOP_LEVEL_KEYS = ("schema", "drug", "topics", "references", "glossary", "dose_bands")
DOSE_BAND_KINDS = ("start", "usual", "label-max", "study", "toxicity")

_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Path = tuple[str | int, ...]


class Problem(NamedTuple):
    path: Path
    message: str

    @property
    def where(self) -> str:
        return format_path(self.path)

    def describe(self) -> str:
        return f"{self.where}: {self.message}" if self.path else self.message


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(self, value: Any, path: Path) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, found {_kind(value)}")
            return None
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"key {key!r} is not text")
        return value

    def seq(self, value: Any, path: Path, *, non_empty: bool = True) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, found {_kind(value)}")
            return None
        if non_empty and not value:
            self.fail(path, "must not be empty")
        return value

    def text(self, owner: dict[str, Any], key: str, path: Path, *, required: bool = True) -> str | None:
        if key not in owner:
            if required:
                self.fail(path, f"missing required field '{key}'")
            return None
        value = owner[key]
        if not isinstance(value, str) or not value.strip():
            self.fail((*path, key), f"expected non-empty text, found {_kind(value)}")
            return None
        return value

    def text_list(self, owner: dict[str, Any], key: str, path: Path, *, required: bool = True) -> list[str]:
        if key not in owner:
            if required:
                self.fail(path, f"missing required field '{key}'")
            return []
        items = self.seq(owner[key], (*path, key))
        if items is None:
            return []
        good = []
        for i, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                good.append(item)
            else:
                self.fail((*path, key, i), f"expected non-empty text, found {_kind(item)}")
        return good

    def unknown_keys(self, owner: dict[str, Any], allowed: tuple[str, ...], path: Path) -> None:
        for key in owner:
            if isinstance(key, str) and key not in allowed:
                self.fail((*path, key), f"unknown field (allowed: {', '.join(allowed)})")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text" if value.strip() else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def check_knowledge(data: Any) -> list[Problem]:
    """Every problem in ``data``; an empty list means the data is a valid schema-1 knowledge base."""
    c = _Checker()
    root = c.mapping(data, ())
    if root is None:
        return c.problems
    if "schema" not in root:
        c.fail((), "missing required field 'schema' (this baclo reads schema 1)")
    elif root["schema"] != SCHEMA_VERSION or isinstance(root["schema"], bool):
        c.fail(("schema",), f"unsupported schema {root['schema']!r} (this baclo reads schema {SCHEMA_VERSION})")
        return c.problems
    c.unknown_keys(root, TOP_LEVEL_KEYS, ())

    ref_ids = _check_references(c, root)
    cited: set[str] = set()
    _check_drug(c, root)
    topic_names = _check_topics(c, root, ref_ids, cited)
    _check_glossary(c, root, ref_ids, cited, topic_names)
    _check_dose_bands(c, root, ref_ids, cited)
    for ref_id in ref_ids:
        if ref_id not in cited:
            c.fail(("references", ref_ids[ref_id]), f"reference '{ref_id}' is never cited")
    return c.problems


def _check_references(c: _Checker, root: dict[str, Any]) -> dict[str, int]:
    ids: dict[str, int] = {}
    if "references" not in root:
        c.fail((), "missing required field 'references'")
        return ids
    refs = c.seq(root["references"], ("references",))
    for i, ref in enumerate(refs or []):
        path: Path = ("references", i)
        entry = c.mapping(ref, path)
        if entry is None:
            continue
        c.unknown_keys(entry, ("id", "title", "publisher", "url", "note"), path)
        ref_id = c.text(entry, "id", path)
        c.text(entry, "title", path)
        c.text(entry, "publisher", path)
        url = c.text(entry, "url", path)
        c.text(entry, "note", path, required=False)
        if url is not None and not url.startswith(("https://", "http://")):
            c.fail((*path, "url"), "must start with https:// or http://")
        if ref_id is None:
            continue
        if not _SLUG.match(ref_id):
            c.fail((*path, "id"), "must be lowercase letters, digits and hyphens")
        if ref_id in ids:
            c.fail((*path, "id"), f"duplicate reference id '{ref_id}'")
        else:
            ids[ref_id] = i
    return ids


def _check_drug(c: _Checker, root: dict[str, Any]) -> None:
    if "drug" not in root:
        c.fail((), "missing required field 'drug'")
        return
    drug = c.mapping(root["drug"], ("drug",))
    if drug is None:
        return
    c.unknown_keys(drug, ("name", "class", "brand_names", "last_reviewed"), ("drug",))
    c.text(drug, "name", ("drug",))
    c.text(drug, "class", ("drug",))
    c.text_list(drug, "brand_names", ("drug",))
    reviewed = c.text(drug, "last_reviewed", ("drug",))
    if reviewed is not None and not _DATE.match(reviewed):
        c.fail(("drug", "last_reviewed"), "expected a date written YYYY-MM-DD")


def _check_refs(c: _Checker, owner: dict[str, Any], path: Path, ref_ids: dict[str, int], cited: set[str]) -> None:
    for i, ref_id in enumerate(c.text_list(owner, "refs", path)):
        if ref_id in ref_ids:
            cited.add(ref_id)
        else:
            c.fail((*path, "refs", i), f"cites unknown reference '{ref_id}'")


def _check_topics(c: _Checker, root: dict[str, Any], ref_ids: dict[str, int], cited: set[str]) -> set[str]:
    if "topics" not in root:
        c.fail((), "missing required field 'topics'")
        return set()
    topics = c.mapping(root["topics"], ("topics",))
    if topics is None:
        return set()
    if not topics:
        c.fail(("topics",), "must not be empty")
    for name, topic_data in topics.items():
        path: Path = ("topics", str(name))
        if isinstance(name, str) and not _SLUG.match(name):
            c.fail(path, "topic names are lowercase letters, digits and hyphens")
        topic = c.mapping(topic_data, path)
        if topic is None:
            continue
        c.unknown_keys(topic, ("title", "summary", "section", "columns", "facts", "quiz"), path)
        c.text(topic, "title", path)
        c.text(topic, "summary", path)
        c.text(topic, "section", path, required=False)
        columns = c.text_list(topic, "columns", path, required=False)
        if "facts" not in topic:
            c.fail(path, "missing required field 'facts'")
            continue
        facts = c.seq(topic["facts"], (*path, "facts"))
        seen_fields: set[str] = set()
        for i, fact in enumerate(facts or []):
            seen_fields |= _check_fact(c, fact, (*path, "facts", i), ref_ids, cited)
        for column in columns:
            if column not in seen_fields:
                c.fail((*path, "columns"), f"column '{column}' is not a field of any fact")
        if "quiz" in topic:
            for i, hint in enumerate(c.seq(topic["quiz"], (*path, "quiz")) or []):
                _check_quiz_hint(c, hint, (*path, "quiz", i), seen_fields)
    names = {name for name in topics if isinstance(name, str)}
    _check_quiz_targets(c, topics)
    return names


def _check_where(c: _Checker, owner: dict[str, Any], path: Path, fields: set[str] | None) -> None:
    if "where" not in owner:
        return
    where = c.mapping(owner["where"], (*path, "where"))
    for key, value in (where or {}).items():
        if not isinstance(value, str):
            c.fail((*path, "where", str(key)), "where values are text")
        if fields is not None and key not in fields:
            c.fail((*path, "where", str(key)), f"'{key}' is not a field of this topic's facts")


def _check_quiz_hint(c: _Checker, hint_data: Any, path: Path, fields: set[str]) -> None:
    """A quiz hint says how to turn facts into a 'which of these' question; the facts stay the source."""
    hint = c.mapping(hint_data, path)
    if hint is None:
        return
    c.unknown_keys(hint, ("question", "where", "answer", "distractors"), path)
    c.text(hint, "question", path)
    answer = c.text(hint, "answer", path)
    if answer is not None and answer not in fields:
        c.fail((*path, "answer"), f"'{answer}' is not a field of this topic's facts")
    _check_where(c, hint, path, fields)
    if "distractors" in hint:
        source = c.mapping(hint["distractors"], (*path, "distractors"))
        if source is not None:
            c.unknown_keys(source, ("topic", "field", "where"), (*path, "distractors"))
            c.text(source, "topic", (*path, "distractors"))
            c.text(source, "field", (*path, "distractors"))
            _check_where(c, source, (*path, "distractors"), None)


def _check_quiz_targets(c: _Checker, topics: dict[str, Any]) -> None:
    """Distractor sources must name an existing topic and one of its fields."""
    for name, topic in topics.items():
        if not isinstance(topic, dict) or not isinstance(topic.get("quiz"), list):
            continue
        for i, hint in enumerate(topic["quiz"]):
            source = hint.get("distractors") if isinstance(hint, dict) else None
            if not isinstance(source, dict) or not isinstance(source.get("topic"), str):
                continue
            target = topics.get(source["topic"])
            path: Path = ("topics", str(name), "quiz", i, "distractors", "topic")
            if not isinstance(target, dict):
                c.fail(path, f"names unknown topic '{source['topic']}'")
                continue
            fields = {k for f in target.get("facts") or [] if isinstance(f, dict) for k in f}
            if source.get("field") not in fields:
                c.fail((*path[:-1], "field"), f"'{source.get('field')}' is not a field of topic '{source['topic']}'")


def _check_fact(c: _Checker, fact_data: Any, path: Path, ref_ids: dict[str, int], cited: set[str]) -> set[str]:
    fact = c.mapping(fact_data, path)
    if fact is None:
        return set()
    fields = set()
    for key, value in fact.items():
        if not isinstance(key, str) or key in RESERVED_FACT_KEYS:
            continue
        fields.add(key)
        if not _FIELD.match(key):
            c.fail((*path, key), "field names are lowercase letters, digits and underscores")
        if isinstance(value, str):
            if not value.strip():
                c.fail((*path, key), "empty text")
        elif isinstance(value, float) and not math.isfinite(value):
            c.fail((*path, key), "numbers must be finite")
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            c.fail((*path, key), f"field values are text or numbers, found {_kind(value)}")
    if not fields:
        c.fail(path, "a fact needs at least one field besides refs")
    _check_refs(c, fact, path, ref_ids, cited)
    evidence = c.text(fact, "evidence", path, required=False)
    if evidence is not None and evidence not in EVIDENCE_LEVELS:
        c.fail((*path, "evidence"), f"unknown evidence level '{evidence}' (allowed: {', '.join(EVIDENCE_LEVELS)})")
    dispute = c.text(fact, "dispute", path, required=False)
    if dispute is not None and not _SLUG.match(dispute):
        c.fail((*path, "dispute"), "dispute names are lowercase letters, digits and hyphens")
    return fields


def _check_glossary(
    c: _Checker, root: dict[str, Any], ref_ids: dict[str, int], cited: set[str], topic_names: set[str]
) -> None:
    if "glossary" not in root:
        c.fail((), "missing required field 'glossary'")
        return
    seen: set[str] = set()
    for i, entry_data in enumerate(c.seq(root["glossary"], ("glossary",)) or []):
        path: Path = ("glossary", i)
        entry = c.mapping(entry_data, path)
        if entry is None:
            continue
        c.unknown_keys(entry, ("term", "definition", "aliases", "topics", "refs"), path)
        term = c.text(entry, "term", path)
        c.text(entry, "definition", path)
        c.text_list(entry, "aliases", path, required=False)
        for j, topic in enumerate(c.text_list(entry, "topics", path, required=False)):
            if topic_names and topic not in topic_names:
                c.fail((*path, "topics", j), f"names unknown topic '{topic}'")
        _check_refs(c, entry, path, ref_ids, cited)
        if term is not None:
            if term.lower() in seen:
                c.fail((*path, "term"), f"duplicate glossary term '{term}'")
            seen.add(term.lower())


def _check_dose_bands(c: _Checker, root: dict[str, Any], ref_ids: dict[str, int], cited: set[str]) -> None:
    if "dose_bands" not in root:
        return
    for i, band_data in enumerate(c.seq(root["dose_bands"], ("dose_bands",)) or []):
        path: Path = ("dose_bands", i)
        band = c.mapping(band_data, path)
        if band is None:
            continue
        c.unknown_keys(band, ("route", "per", "renal", "kind", "label", "amount", "unit", "refs"), path)
        route = c.text(band, "route", path)
        if route is not None and route not in ("oral", "intrathecal"):
            c.fail((*path, "route"), "route is oral or intrathecal")
        per = c.text(band, "per", path)
        if per is not None and per not in ("day", "dose"):
            c.fail((*path, "per"), "per is day or dose")
        renal = c.text(band, "renal", path, required=False)
        if renal is not None and renal not in ("normal", "impaired", "dialysis", "any"):
            c.fail((*path, "renal"), "renal is normal, impaired, dialysis or any")
        kind = c.text(band, "kind", path)
        if kind is not None and kind not in DOSE_BAND_KINDS:
            c.fail((*path, "kind"), f"kind is one of {', '.join(DOSE_BAND_KINDS)}")
        c.text(band, "label", path)
        amount = band.get("amount")
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or not math.isfinite(amount) or amount <= 0:
            c.fail((*path, "amount"), "expected a positive number")
        unit = c.text(band, "unit", path)
        if unit is not None and unit not in ("mg", "mcg"):
            c.fail((*path, "unit"), "unit is mg or mcg")
        _check_refs(c, band, path, ref_ids, cited)
