"""Questions asked of the knowledge base. Pure functions: a ``Knowledge`` in, a ``Result`` out."""

from __future__ import annotations

from baclo_cli.answers import TOPIC_ALIASES
from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.errors import BadValue, NothingFound, UnknownTopic
from baclo_cli.knowledge.load import Fact, Knowledge, Reference, Topic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def cited_references(kb: Knowledge, ref_ids: Iterable[str]) -> list[Reference]:
    """The references behind ``ref_ids``, once each, in reference-list order (building only those)."""
    return kb.references.many(ref_ids)


def resolve_topic(name: str) -> str:
    """A topic name as typed: the command aliases (``pk``) name their topic too."""
    return TOPIC_ALIASES.get(name, name)


def get_topic(kb: Knowledge, name: str) -> Topic:
    try:
        return kb.topics[resolve_topic(name)]
    except KeyError:
        raise UnknownTopic(name, list(kb.topics)) from None


def topic_result(kb: Knowledge, name: str) -> Result:
    """Every fact of a topic (``--where`` and the condition flags filter it afterwards, as every listing)."""
    topic = get_topic(kb, name)
    facts = list(topic.facts)
    columns = list(topic.columns)
    if any(f.jurisdiction for f in facts):
        columns.append("jurisdiction")
    if any(f.evidence for f in facts):
        columns.append("evidence")
    references = cited_references(kb, (r for f in facts for r in f.refs))
    payload: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "topic": topic.name,
        "title": topic.title,
        "summary": topic.summary,
    }
    if topic.section:
        payload["section"] = topic.section
    payload["columns"] = list(topic.columns)
    payload["facts"] = [f.as_dict() for f in facts]  # also the rows shown: one dict per fact, not two
    payload["references"] = [r.as_dict() for r in references]
    return Result(
        title=topic.title,
        summary=topic.summary,
        columns=columns,
        rows=payload["facts"],
        payload=payload,
        references=references,
        rows_key="facts",
        noun=f"{topic.name} facts",
        fields=[*topic.columns, "jurisdiction", "evidence", "dispute"],
    )


def topics_result(kb: Knowledge) -> Result:
    rows = [
        {"topic": name, "title": title, "facts": count, "section": section}
        for name, title, section, count in kb.outline
    ]
    payload = {"schema_version": SCHEMA_VERSION, "topics": [dict(r) for r in rows]}
    return Result(
        title="Topics", columns=["topic", "title", "facts", "section"], rows=rows, payload=payload, rows_key="topics"
    )


def drug_payload(kb: Knowledge) -> dict[str, Any]:
    drug = kb.drug
    return {
        "name": drug.name,
        "class": drug.drug_class,
        "brand_names": list(drug.brand_names),
        "last_reviewed": drug.last_reviewed,
    }


def overview_result(kb: Knowledge) -> Result:
    """What bare 'baclo' shows: the clinical card (cited lines from the knowledge file), then where to look next.
    The topic list is in the JSON (and 'baclo topics'); the identity table is 'baclo identity'."""
    drug = kb.drug
    topics = topics_result(kb)
    rows = [{"label": label, "text": text, "refs": list(refs)} for label, text, refs in kb.card]
    payload: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "drug": drug_payload(kb),
        "card": [dict(r) for r in rows],
        "topics": topics.payload["topics"],
    }
    return Result(
        title=f"{drug.name.capitalize()} at a glance ({', '.join(drug.brand_names[:3])} ...)",
        columns=["label", "text"],
        rows=rows,
        payload=payload,
        references=cited_references(kb, (r for row in rows for r in row["refs"])),
        notes=["Next: baclo topics | dosing | dose-check DOSE | search WORDS | help COMMAND"],
        rows_key="card",
        card=True,
    )


def refs_result(kb: Knowledge, ids: Iterable[str] = ()) -> Result:
    """The reference list, or only the references ``ids`` names (in list order); an unknown id is an error."""
    wanted = list(dict.fromkeys(ids))
    for ref_id in wanted:
        if ref_id not in kb.references:
            from baclo_cli.text import did_you_mean, shorten

            hint = did_you_mean(ref_id[:200], list(kb.references)) or "; try 'baclo refs' for the list"
            raise NothingFound(f"no reference '{shorten(ref_id)}'{hint}")
    chosen = cited_references(kb, wanted) if wanted else kb.references.values()
    rows = [r.as_dict() for r in chosen]
    columns = ["number", "id", "kind", "title", "publisher", "url", "note"]
    if any("jurisdiction" in row for row in rows):
        columns.insert(3, "jurisdiction")
    if any("label_version" in row for row in rows):
        columns.append("label_version")
    return Result(
        title="References",
        columns=columns,
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "references": [dict(r) for r in rows]},
        rows_key="references",
    )


def glossary_result(kb: Knowledge, term: str | None = None, topics: Iterable[str] | str | None = None) -> Result:
    """Glossary entries, for one term and/or the topics given (any of them). A term is looked up without regard
    to case, spaces or hyphens ('half life', 'HALF-LIFE' and 'halflife' are Half-life): a name or alias first,
    then a name or alias that holds it, then a definition that does; 'did you mean' only when none does."""
    entries = list(kb.glossary)
    wanted_topics = [topics] if isinstance(topics, str) else list(topics or [])
    if wanted_topics:
        names = [get_topic(kb, t).name for t in wanted_topics]
        entries = [e for e in entries if any(n in e.topics for n in names)]
        if not entries:
            raise NothingFound(f"no glossary terms are linked to topic {', '.join(repr(n) for n in names)}")
    if term is not None and not term.strip():
        raise BadValue("glossary TERM is empty; give a term, or no TERM for the whole glossary")
    if term:
        from baclo_cli.text import normalise, words

        # 'loose': every run of anything but letters and digits one space ('Half-life' is 'half life')
        flat, loose = normalise(term), words(term)
        entries = (
            [e for e in entries if any(normalise(n) == flat for n in (e.term, *e.aliases))]
            or [e for e in entries if flat and any(flat in normalise(n) for n in (e.term, *e.aliases))]
            or [e for e in entries if loose and loose in words(e.definition)]
        )
        if not entries:
            from baclo_cli.text import did_you_mean, shorten

            names = [n for e in kb.glossary for n in (e.term, *e.aliases)]
            hint = did_you_mean(term[:200], names) or "; try 'baclo glossary' for the list"
            raise NothingFound(f"no glossary term matches '{shorten(term)}'{hint}")
    rows = [
        {
            "term": e.term,
            "definition": e.definition,
            "aliases": ", ".join(e.aliases),
            "topics": ", ".join(e.topics),
            "refs": list(e.refs),
        }
        for e in entries
    ]
    payload = [
        {
            "term": e.term,
            "definition": e.definition,
            "aliases": list(e.aliases),
            "topics": list(e.topics),
            "refs": list(e.refs),
        }
        for e in entries
    ]
    columns = ["term", "definition", "topics"]
    if any(e.aliases for e in entries):
        columns.insert(1, "aliases")
    return Result(
        title="Glossary",
        columns=columns,
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "terms": payload},
        rows_key="terms",
        references=cited_references(kb, (r for e in entries for r in e.refs)),
    )


# --- disputes ---------------------------------------------------------------------------------------------


def disputes_result(kb: Knowledge) -> Result:
    """Every figure on which sources disagree: the rows that share a ``dispute`` name, each with its source."""
    groups: dict[str, list[tuple[str, Fact]]] = {}
    for topic in kb.topics.values():
        for fact in topic.facts:
            if fact.dispute:
                groups.setdefault(fact.dispute, []).append((topic.name, fact))
    if not groups:
        raise NothingFound("the knowledge file marks no disputed figures")
    rows = []
    payload: list[dict[str, Any]] = []
    for name in sorted(groups):
        for topic_name, fact in groups[name]:
            rows.append(
                {
                    "dispute": name,
                    "topic": topic_name,
                    "claim": " | ".join(str(v) for v in fact.fields.values()),
                    "evidence": fact.evidence or "",
                    "refs": list(fact.refs),
                }
            )
            payload.append({"dispute": name, "topic": topic_name, **fact.as_dict()})
    return Result(
        title="Disputed figures",
        summary=(
            f"{len(groups)} figures on which sources disagree; each value is kept with its own source, "
            "none is silently preferred."
        ),
        columns=["dispute", "topic", "claim", "evidence"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "claims": payload},
        references=cited_references(kb, (r for row in rows for r in row["refs"])),
        rows_key="claims",
    )


# --- export ----------------------------------------------------------------------------------------------


def export_result(kb: Knowledge) -> Result:
    """The whole knowledge base: every topic as a table, and the full data for machine formats."""
    everything = list(kb.references.values())  # read the whole list once, not one reference at a time
    sections = [topic_result(kb, name) for name in kb.topics]
    glossary = glossary_result(kb)
    sections.append(glossary)
    payload = {
        "schema_version": SCHEMA_VERSION,
        "drug": drug_payload(kb),
        "topics": {
            s.payload["topic"]: {k: v for k, v in s.payload.items() if k not in ("references", "schema_version")}
            for s in sections[:-1]
        },
        "glossary": glossary.payload["terms"],
        "references": [r.as_dict() for r in everything],
    }
    if kb.dose_bands:
        payload["dose_bands"] = [b.as_dict() for b in kb.dose_bands]
    return Result(
        title=f"{kb.drug.name.capitalize()} - full knowledge base",
        summary=f"Every topic and the glossary; data reviewed {kb.drug.last_reviewed}.",
        columns=[],
        rows=[],
        payload=payload,
        references=everything,
        sections=sections,
    )
