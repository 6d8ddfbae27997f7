"""Schema 1 of the knowledge file: what a valid file holds, checked problem by problem.

``check_knowledge`` takes the plain data that YAML gave and returns every problem it
finds, each with the path of the offending value (``topics.withdrawal.facts[3].refs``), so that
``baclo validate`` can report them all at once.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from baclo_cli import text
from baclo_cli.knowledge.model import RESERVED_FACT_KEYS
from baclo_cli.knowledge.vocabulary import EVIDENCE_LEVELS, JURISDICTIONS, REFERENCE_KINDS, SCHEMA_VERSION

# Reference kinds that must say whose they are: a label, a regulator's page and a guideline are national.
JURISDICTION_KINDS = ("label", "regulator", "guideline")
# What was read of a label: a DailyMed label's set id, SPL version and effective date, or another jurisdiction's
# document identifier and revision date; or, where those could not be confirmed, why not ('unconfirmed').
DAILYMED_KEYS = ("set_id", "spl_version", "effective")
DOCUMENT_KEYS = ("document_id", "revised")
PROVENANCE_KEYS = (*DAILYMED_KEYS, *DOCUMENT_KEYS, "unconfirmed")
REFERENCE_KEYS = ("id", "title", "publisher", "kind", "jurisdiction", "url", "note", *PROVENANCE_KEYS)

TOP_LEVEL_KEYS = ("schema", "drug", "card", "topics", "references", "glossary", "rules", "dose_bands", "synonyms")
CARD_LABEL_MAX = 16  # a card line's label fits the card's label column
CARD_TEXT_MAX = 120  # a card line's text, with its citation numbers, fits two lines of an 80-column screen

# Bounds on what a value may hold, so nothing downstream (tables, JSON, arithmetic) can blow up.
MAX_TEXT = 5000
MAX_NUMBER = 10**12

_SLUG = re.compile(r"[a-z][a-z0-9-]{0,79}")
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,79}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: \d would take '２０２６'
_SET_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a UUID, lower case
# Field names a fact may not use: ``export`` (ndjson, csv) and ``disputes`` put the real topic and section
# beside a fact's own fields, so a field of that name would overwrite them.
CLASHING_FIELDS = ("topic", "section")
# Control characters, DEL, C1 controls and bidirectional overrides: refused in every text (a terminal would
# obey them: an OSC 52 sequence writes the clipboard). Tab and newline are allowed in longer texts.
CONTROL = re.compile(text.CONTROL)
# A reference must name the page itself, never a search for it.
_SEARCH_HOSTS = ("google.", "bing.com", "duckduckgo.com", "search.yahoo.", "yandex.", "baidu.com", "ecosia.org")
_SEARCH_PATH = re.compile(r"/search(\.cfm|\.html?|\.aspx?)?/?$|[?&](q|query|search|term|searchterm)=", re.I)

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

    def text(
        self, owner: dict[str, Any], key: str, path: Path, *, required: bool = True, single_line: bool = False
    ) -> str | None:
        if key not in owner:
            if required:
                self.fail(path, f"missing required field '{key}'")
            return None
        value = owner[key]
        if not isinstance(value, str) or not value.strip():
            self.fail((*path, key), f"expected non-empty text, found {_kind(value)}")
            return None
        return value if self.clean((*path, key), value, single_line=single_line) else None

    def clean(self, path: Path, value: str, *, single_line: bool = False) -> bool:
        """Text a terminal, a spreadsheet or a one-line format can show safely."""
        if len(value) > MAX_TEXT:
            self.fail(path, f"text of {len(value)} characters is too long (at most {MAX_TEXT})")
            return False
        bad = CONTROL.search(value) or (single_line and re.search(r"[\t\n\r]", value))
        if bad:
            self.fail(path, f"control character {bad.group()!r} is not allowed")
            return False
        return True

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
                if self.clean((*path, key, i), item, single_line=True):
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
        c.fail((), f"missing required field 'schema' (this baclo reads schema {SCHEMA_VERSION})")
    elif root["schema"] != SCHEMA_VERSION or isinstance(root["schema"], bool):
        c.fail(("schema",), f"unsupported schema {root['schema']!r} (this baclo reads schema {SCHEMA_VERSION})")
        return c.problems
    c.unknown_keys(root, TOP_LEVEL_KEYS, ())

    ref_ids = _check_references(c, root)
    cited: set[str] = set()
    _check_drug(c, root)
    whose = _jurisdictions(root)
    topic_names = _check_topics(c, root, ref_ids, cited, whose)
    _check_glossary(c, root, ref_ids, cited, topic_names)
    from baclo_cli.knowledge.dose_checks import check_dose_bands, check_rules  # they use this module's checker

    check_rules(c, root, ref_ids, cited)
    check_dose_bands(c, root, ref_ids, cited, whose)
    _check_synonyms(c, root, ref_ids, cited)
    _check_card(c, root, ref_ids, cited)
    for index, ref_id in enumerate(ref_ids):
        if ref_id not in cited:
            c.fail(("references", _index_of(root, ref_id, index)), f"reference '{ref_id}' is never cited")
    return c.problems


def _check_references(c: _Checker, root: dict[str, Any]) -> dict[str, str]:
    """Reference ids mapped to their kinds."""
    kinds: dict[str, str] = {}
    if "references" not in root:
        c.fail((), "missing required field 'references'")
        return kinds
    refs = c.seq(root["references"], ("references",))
    for i, ref in enumerate(refs or []):
        path: Path = ("references", i)
        entry = c.mapping(ref, path)
        if entry is None:
            continue
        c.unknown_keys(entry, REFERENCE_KEYS, path)
        ref_id = c.text(entry, "id", path)
        c.text(entry, "title", path)
        c.text(entry, "publisher", path)
        kind = c.text(entry, "kind", path)
        if kind is not None and kind not in REFERENCE_KINDS:
            c.fail((*path, "kind"), f"unknown kind '{kind}' (allowed: {', '.join(REFERENCE_KINDS)})")
        url = c.text(entry, "url", path, required=False)
        note = c.text(entry, "note", path, required=False)
        if url is not None:
            _check_url(c, url, (*path, "url"))
        elif "url" not in entry and note is None:
            c.fail(path, "a reference without a url needs a note saying why no canonical address is given")
        if kind in JURISDICTION_KINDS and "jurisdiction" not in entry:
            c.fail(path, f"a reference of kind '{kind}' needs a jurisdiction ({', '.join(JURISDICTIONS)})")
        _check_provenance(c, entry, path, kind)
        if ref_id is None:
            continue
        if not _SLUG.fullmatch(ref_id):
            c.fail((*path, "id"), "must be lowercase letters, digits and hyphens")
        elif ref_id in kinds:
            c.fail((*path, "id"), f"duplicate reference id '{ref_id}'")
        else:
            kinds[ref_id] = kind or ""
    return kinds


def _jurisdictions(root: dict[str, Any]) -> dict[str, str]:
    """Reference ids mapped to their jurisdictions (those that give a valid one)."""
    refs = root.get("references")
    return {
        ref["id"]: ref["jurisdiction"]
        for ref in (refs if isinstance(refs, list) else [])
        if isinstance(ref, dict) and isinstance(ref.get("id"), str) and ref.get("jurisdiction") in JURISDICTIONS
    }


def _check_whose(
    c: _Checker, owner: dict[str, Any], path: Path, whose: dict[str, str], *, required: bool, why: str
) -> None:
    """A fact or dose band may say whose wording or number it is (``jurisdiction``); it must then cite at least
    one reference of that jurisdiction."""
    if "jurisdiction" not in owner:
        if required:
            c.fail(path, f"{why} needs a jurisdiction ({', '.join(JURISDICTIONS)})")
        return
    value = c.text(owner, "jurisdiction", path)
    if value is not None and value not in JURISDICTIONS:
        c.fail((*path, "jurisdiction"), f"unknown jurisdiction '{value}' (allowed: {', '.join(JURISDICTIONS)})")
        return
    refs = owner.get("refs")
    cited = [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []
    if value is not None and cited and not any(whose.get(r) == value for r in cited):
        c.fail((*path, "jurisdiction"), f"says '{value}' but cites no reference of jurisdiction '{value}'")


def _check_provenance(c: _Checker, entry: dict[str, Any], path: Path, kind: str | None) -> None:
    """A label reference records which version of the label was read, or says why that is not known."""
    jurisdiction = c.text(entry, "jurisdiction", path, required=False)
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        c.fail((*path, "jurisdiction"), f"unknown jurisdiction '{jurisdiction}' (allowed: {', '.join(JURISDICTIONS)})")
    given = [key for key in PROVENANCE_KEYS if key in entry]
    if kind != "label":
        for key in given:
            c.fail((*path, key), "label provenance belongs to references of kind 'label'")
        return
    set_id = c.text(entry, "set_id", path, required=False)
    if set_id is not None and not _SET_ID.fullmatch(set_id):
        c.fail((*path, "set_id"), "a DailyMed set id is a UUID in lower case (8-4-4-4-12 hexadecimal digits)")
    if "spl_version" in entry:
        version = entry["spl_version"]
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MAX_NUMBER:
            c.fail((*path, "spl_version"), f"an SPL version is a positive whole number, found {_kind(version)}")
    for key in ("effective", "revised"):
        _check_date(c, entry, key, path)
    document_id = c.text(entry, "document_id", path, required=False)
    if document_id is not None:
        c.clean((*path, "document_id"), document_id, single_line=True)
    c.text(entry, "unconfirmed", path, required=False)
    dailymed = [key for key in DAILYMED_KEYS if key in entry]
    document = [key for key in DOCUMENT_KEYS if key in entry]
    if dailymed and document:
        c.fail(
            path,
            "a label is either a DailyMed label (set_id, spl_version, effective) or another "
            "jurisdiction's document (document_id, revised), not both",
        )
    elif dailymed and jurisdiction not in (None, "US"):
        c.fail((*path, "set_id" if "set_id" in entry else dailymed[0]), "DailyMed holds US labels only")
    if "unconfirmed" in entry:
        return
    if dailymed and len(dailymed) < len(DAILYMED_KEYS):
        missing = ", ".join(k for k in DAILYMED_KEYS if k not in entry)
        c.fail(
            path,
            f"a DailyMed label records set_id, spl_version and effective: {missing} missing "
            "(or say why in 'unconfirmed')",
        )
    elif document and len(document) < len(DOCUMENT_KEYS):
        missing = ", ".join(k for k in DOCUMENT_KEYS if k not in entry)
        c.fail(
            path, f"a label document records document_id and revised: {missing} missing (or say why in 'unconfirmed')"
        )
    elif not dailymed and not document:
        c.fail(
            path,
            "a label reference records which version was read: set_id, spl_version and effective "
            "(DailyMed) or document_id and revised (other jurisdictions), or says why not in 'unconfirmed'",
        )


def _check_date(c: _Checker, owner: dict[str, Any], key: str, path: Path) -> None:
    """A real calendar date written YYYY-MM-DD (YAML's own dates arrive here as that text)."""
    value = c.text(owner, key, path, required=False)
    if value is not None and not _real_date(value):
        c.fail((*path, key), f"expected a real date written YYYY-MM-DD, found '{value}'")


def _index_of(root: dict[str, Any], ref_id: str, fallback: int) -> int:
    refs = root.get("references")
    for i, ref in enumerate(refs if isinstance(refs, list) else []):
        if isinstance(ref, dict) and ref.get("id") == ref_id:
            return i
    return fallback


def _check_url(c: _Checker, url: str, path: Path) -> None:
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url):
        c.fail(path, "must start with https:// or http:// and hold no spaces")
        return
    host = url.split("/", 3)[2].lower()
    if any(engine in host for engine in _SEARCH_HOSTS) or _SEARCH_PATH.search(url):
        c.fail(path, "is a search page; cite the page itself (a label by set id, an article by DOI or PubMed id)")


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
    if reviewed is not None and not _real_date(reviewed):
        c.fail(("drug", "last_reviewed"), f"expected a real date written YYYY-MM-DD, found '{reviewed}'")


def _real_date(text: str) -> bool:
    """A date of the calendar written YYYY-MM-DD in ASCII digits ('2026-02-30' and '２０２６-01-01' are not)."""
    import datetime

    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_refs(c: _Checker, owner: dict[str, Any], path: Path, ref_ids: dict[str, str], cited: set[str]) -> set[str]:
    """Checks the ``refs`` list; returns the kinds of the references it cites."""
    kinds = set()
    for i, ref_id in enumerate(c.text_list(owner, "refs", path)):
        if ref_id in ref_ids:
            cited.add(ref_id)
            kinds.add(ref_ids[ref_id])
        else:
            c.fail((*path, "refs", i), f"cites unknown reference '{ref_id}'")
    return kinds


def _check_label_basis(c: _Checker, path: Path, claimed: str, kinds: set[str]) -> None:
    """A fact or threshold said to come from the label must cite a label."""
    if claimed == "label" and kinds and "label" not in kinds:
        c.fail(path, "says 'label' but cites no reference of kind 'label'")


def _check_topics(
    c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str], whose: dict[str, str]
) -> set[str]:
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
        if not isinstance(name, str) or not _SLUG.fullmatch(name):
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
            seen_fields |= _check_fact(c, fact, (*path, "facts", i), ref_ids, cited, whose)
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
        else:
            c.clean((*path, "where", str(key)), value)
        if fields is not None and key not in fields:
            c.fail((*path, "where", str(key)), f"'{key}' is not a field of this topic's facts")


def _check_quiz_hint(c: _Checker, hint_data: Any, path: Path, fields: set[str]) -> None:
    """A quiz hint says how to turn facts into a 'which of these' question; the facts stay the source."""
    hint = c.mapping(hint_data, path)
    if hint is None:
        return
    c.unknown_keys(hint, ("question", "where", "answer", "items", "distractors"), path)
    c.text(hint, "question", path)
    answer = c.text(hint, "answer", path)
    if answer is not None and answer not in fields:
        c.fail((*path, "answer"), f"'{answer}' is not a field of this topic's facts")
    _check_where(c, hint, path, fields)
    if "items" in hint:
        c.text_list(hint, "items", path)
    if "distractors" in hint:
        source = c.mapping(hint["distractors"], (*path, "distractors"))
        if source is not None:
            c.unknown_keys(source, ("topic", "field", "where", "items"), (*path, "distractors"))
            if "items" in source:
                c.text_list(source, "items", (*path, "distractors"))
            c.text(source, "topic", (*path, "distractors"))
            c.text(source, "field", (*path, "distractors"))
            _check_where(c, source, (*path, "distractors"), None)


def _facts_matching(topic: Any, where: Any) -> list[dict[str, Any]]:
    facts = topic.get("facts") if isinstance(topic, dict) else None
    where = where if isinstance(where, dict) else {}
    return [
        f
        for f in (facts if isinstance(facts, list) else [])
        if isinstance(f, dict) and all(str(f.get(k, "")).lower() == str(v).lower() for k, v in where.items())
    ]


def _check_items_found(c: _Checker, items: Any, facts: list[dict[str, Any]], field: Any, path: Path) -> None:
    """Every item a hint names must be found in the facts it comes from: the facts stay the source."""
    if not isinstance(items, list):
        return
    texts = [str(f.get(field, "")).lower() for f in facts]
    for j, item in enumerate(items):
        if isinstance(item, str) and item.strip() and not any(item.lower() in text for text in texts):
            c.fail((*path, j), f"'{item}' is not found in the '{field}' of the facts this hint selects")


def _check_quiz_targets(c: _Checker, topics: dict[str, Any]) -> None:
    """Distractor sources must name an existing topic and one of its fields; named items must be in the facts."""
    for name, topic in topics.items():
        if not isinstance(topic, dict) or not isinstance(topic.get("quiz"), list):
            continue
        for i, hint in enumerate(topic["quiz"]):
            if isinstance(hint, dict) and "items" in hint:
                right = _facts_matching(topic, hint.get("where"))
                _check_items_found(
                    c, hint["items"], right, hint.get("answer"), ("topics", str(name), "quiz", i, "items")
                )
            source = hint.get("distractors") if isinstance(hint, dict) else None
            if isinstance(source, dict) and "items" in source:
                target_name = source.get("topic", name)
                wrong = _facts_matching(topics.get(target_name), source.get("where"))
                field = source.get("field", hint.get("answer"))
                _check_items_found(
                    c, source["items"], wrong, field, ("topics", str(name), "quiz", i, "distractors", "items")
                )
            if not isinstance(source, dict) or not isinstance(source.get("topic"), str):
                continue
            target = topics.get(source["topic"])
            path: Path = ("topics", str(name), "quiz", i, "distractors", "topic")
            if not isinstance(target, dict):
                c.fail(path, f"names unknown topic '{source['topic']}'")
                continue
            facts = target.get("facts")
            fields = {k for f in facts if isinstance(f, dict) for k in f} if isinstance(facts, list) else set()
            if not isinstance(source.get("field"), str) or source["field"] not in fields:
                c.fail((*path[:-1], "field"), f"'{source.get('field')}' is not a field of topic '{source['topic']}'")


def _check_fact(
    c: _Checker, fact_data: Any, path: Path, ref_ids: dict[str, str], cited: set[str], whose: dict[str, str]
) -> set[str]:
    fact = c.mapping(fact_data, path)
    if fact is None:
        return set()
    fields = set()
    for key, value in fact.items():
        if not isinstance(key, str) or key in RESERVED_FACT_KEYS:
            continue
        if not _FIELD.fullmatch(key):
            c.fail((*path, key), "field names are lowercase letters, digits and underscores")
            continue
        if key in CLASHING_FIELDS:
            c.fail((*path, key), f"'{key}' is not a fact field name: export and disputes give each fact's {key}")
            continue
        fields.add(key)
        if isinstance(value, str):
            if not value.strip():
                c.fail((*path, key), "empty text")
            else:
                c.clean((*path, key), value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            _check_number(c, value, (*path, key))
        else:
            c.fail((*path, key), f"field values are text or numbers, found {_kind(value)}")
    if not fields:
        c.fail(path, "a fact needs at least one field besides refs")
    kinds = _check_refs(c, fact, path, ref_ids, cited)
    evidence = c.text(fact, "evidence", path, required=False)
    if evidence is not None and evidence not in EVIDENCE_LEVELS:
        c.fail((*path, "evidence"), f"unknown evidence level '{evidence}' (allowed: {', '.join(EVIDENCE_LEVELS)})")
    elif evidence is not None:
        _check_label_basis(c, (*path, "evidence"), evidence, kinds)
    dispute = c.text(fact, "dispute", path, required=False)
    if dispute is not None and not _SLUG.fullmatch(dispute):
        c.fail((*path, "dispute"), "dispute names are lowercase letters, digits and hyphens")
    _check_whose(c, fact, path, whose, required=False, why="a fact")
    return fields


def _check_glossary(
    c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str], topic_names: set[str]
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
        term = c.text(entry, "term", path, single_line=True)  # a name completed on a shell line: one line
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


def _check_synonyms(c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str]) -> None:
    """Everyday words for search (``sleepy`` -> ``drowsiness``); a mapping that is not plain usage cites a source."""
    if "synonyms" not in root:
        return
    for i, entry_data in enumerate(c.seq(root["synonyms"], ("synonyms",)) or []):
        path: Path = ("synonyms", i)
        entry = c.mapping(entry_data, path)
        if entry is None:
            continue
        c.unknown_keys(entry, ("words", "means", "refs"), path)
        c.text_list(entry, "words", path)
        c.text_list(entry, "means", path)
        if "refs" in entry:
            _check_refs(c, entry, path, ref_ids, cited)


def _check_card(c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str]) -> None:
    """The clinical card bare 'baclo' shows: short cited lines that fit one 80x24 screen together."""
    if "card" not in root:
        return
    for i, entry_data in enumerate(c.seq(root["card"], ("card",)) or []):
        path: Path = ("card", i)
        entry = c.mapping(entry_data, path)
        if entry is None:
            continue
        c.unknown_keys(entry, ("label", "text", "refs"), path)
        label = c.text(entry, "label", path, single_line=True)
        text = c.text(entry, "text", path)
        if label is not None and len(label) > CARD_LABEL_MAX:
            c.fail((*path, "label"), f"a card label is at most {CARD_LABEL_MAX} characters")
        if text is not None and len(text) > CARD_TEXT_MAX:
            c.fail((*path, "text"), f"a card line is at most {CARD_TEXT_MAX} characters (it must fit the screen)")
        _check_refs(c, entry, path, ref_ids, cited)


def _check_number(c: _Checker, value: float, path: Path) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        c.fail(path, "numbers must be finite")
        return False
    if abs(value) > MAX_NUMBER:
        c.fail(path, f"number is too large (at most {MAX_NUMBER:.0e} in size)")
        return False
    return True


def _choice(
    c: _Checker, owner: dict[str, Any], key: str, path: Path, allowed: tuple[str, ...], **kw: bool
) -> str | None:
    value = c.text(owner, key, path, **kw)
    if value is not None and value not in allowed:
        c.fail((*path, key), f"{key} is one of {', '.join(allowed)}")
        return None
    return value
