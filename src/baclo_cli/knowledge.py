"""Load the knowledge file into a typed, validated model.

``yamlfile`` reads the YAML into plain data, ``schema`` checks it, and ``build_knowledge`` models it. Parsing
YAML is the slowest part of a run, so ``cache`` keeps the checked data keyed on the file's bytes: a later run
with the same bytes skips parsing and checking, and an edited file is always read afresh.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from . import cache
from .errors import DataFileError
from .schema import RESERVED_FACT_KEYS, Problem, check_knowledge, format_path
from .yamlfile import decode, duplicate_keys, line_of, parse_yaml_text, read_bytes

Scalar = str | int | float


class Reference(NamedTuple):
    id: str
    number: int
    title: str
    publisher: str
    kind: str
    url: str = ""  # empty: no canonical address is known; the note says why
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "publisher": self.publisher,
            "kind": self.kind,
            "url": self.url or None,
            "note": self.note or None,
        }


class Fact(NamedTuple):
    fields: dict[str, Scalar]
    refs: tuple[str, ...]
    evidence: str | None = None
    dispute: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fields)
        if self.evidence:
            out["evidence"] = self.evidence
        if self.dispute:
            out["dispute"] = self.dispute
        out["refs"] = list(self.refs)
        return out

    def text(self) -> str:
        return " ".join(str(v) for v in self.fields.values())


class QuizHint(NamedTuple):
    """How to ask 'which of these' about a topic: facts matching ``where`` give right answers from ``answer``;
    distractors come from ``distractor_field`` of ``distractor_topic`` (facts matching ``distractor_where``)."""

    question: str
    where: dict[str, str]
    answer: str
    distractor_topic: str
    distractor_field: str
    distractor_where: dict[str, str]


class Topic(NamedTuple):
    name: str
    title: str
    summary: str
    section: str
    columns: tuple[str, ...]
    facts: tuple[Fact, ...]
    quiz: tuple[QuizHint, ...] = ()


class Term(NamedTuple):
    term: str
    definition: str
    aliases: tuple[str, ...]
    topics: tuple[str, ...]
    refs: tuple[str, ...]


class DoseBand(NamedTuple):
    """A cited threshold. For reduced kidney function a band may hold a clearance range (above < CrCl <=
    up_to, mL/min) and a ``reduction`` of the general maximum, whose ``amount`` is then worked out here."""

    route: str
    per: str
    renal: str
    kind: str
    basis: str
    label: str
    amount: float
    unit: str
    refs: tuple[str, ...]
    crcl_above: float | None = None
    crcl_up_to: float | None = None
    reduction: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "route": self.route,
            "per": self.per,
            "renal": self.renal,
            "kind": self.kind,
            "basis": self.basis,
            "label": self.label,
            "amount": self.amount,
            "unit": self.unit,
        }
        if self.crcl_above is not None:
            out["crcl"] = {"above": self.crcl_above, "up_to": self.crcl_up_to}
        if self.reduction:
            out["reduction"] = self.reduction
        out["refs"] = list(self.refs)
        return out


class Drug(NamedTuple):
    name: str
    drug_class: str
    brand_names: tuple[str, ...]
    last_reviewed: str


class Knowledge(NamedTuple):
    source: str
    drug: Drug
    topics: dict[str, Topic]
    references: dict[str, Reference]
    glossary: tuple[Term, ...]
    dose_bands: tuple[DoseBand, ...]


def default_data_path() -> Path:
    """The knowledge file shipped inside the package, or the repository's copy in a source checkout."""
    packaged = Path(__file__).resolve().parent / "data" / "baclofen.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "baclofen.yaml"


def resolve_data_path(option: str | None) -> Path:
    chosen = option or os.environ.get("BACLO_DATA") or ""
    return Path(chosen).expanduser() if chosen else default_data_path()


def load_knowledge(path: Path | None = None, *, use_cache: bool = True) -> Knowledge:
    """Read, check and model a knowledge file; raise ``DataFileError`` with the first problem.

    A cache hit is keyed on the file's bytes, so it holds exactly what checking this file gave before.
    """
    path = path or default_data_path()
    raw = read_bytes(path)
    key = cache.content_key(raw) if use_cache and cache.enabled() else None
    if key is not None:
        cached = cache.read(key)
        if isinstance(cached, dict):
            return build_knowledge(cached, str(path))
    text = decode(raw, str(path))
    data, problems = check_text(text, str(path))
    if problems:
        raise problems_error(path, text, problems)
    if key is not None:
        cache.write(key, data)
    return build_knowledge(data, str(path))


def check_text(text: str, source: str) -> tuple[Any, list[Problem]]:
    """The one verdict on a knowledge file, for ``validate`` and every command: its data and every problem.

    Raises ``DataFileError`` for text that is not plain YAML data at all (syntax, tags, aliases, bad values).
    """
    data = parse_yaml_text(text, source)
    return data, duplicate_keys(text) + check_knowledge(data)


def problems_error(path: Path, text: str, problems: list[Problem]) -> DataFileError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more; run 'baclo validate {path}')" if len(problems) > 1 else ""
    return DataFileError(str(path), f"{first.describe()}{more}", line_of(text, first.path))


# --- model -----------------------------------------------------------------------------------------------


def build_knowledge(data: dict[str, Any], source: str) -> Knowledge:
    """Turn validated plain data into the typed model."""
    references = {
        ref["id"]: Reference(
            id=ref["id"],
            number=i,
            title=ref["title"],
            publisher=ref["publisher"],
            kind=ref["kind"],
            url=ref.get("url", ""),
            note=ref.get("note", ""),
        )
        for i, ref in enumerate(data["references"], start=1)
    }
    topics = {name: _build_topic(name, topic) for name, topic in data["topics"].items()}
    glossary = tuple(
        Term(
            term=entry["term"],
            definition=entry["definition"],
            aliases=tuple(entry.get("aliases", ())),
            topics=tuple(entry.get("topics", ())),
            refs=tuple(entry["refs"]),
        )
        for entry in data["glossary"]
    )
    bands = _build_bands(data.get("dose_bands", ()))
    drug = data["drug"]
    return Knowledge(
        source=source,
        drug=Drug(
            name=drug["name"],
            drug_class=drug["class"],
            brand_names=tuple(drug["brand_names"]),
            last_reviewed=drug["last_reviewed"],
        ),
        topics=topics,
        references=references,
        glossary=glossary,
        dose_bands=bands,
    )


def _build_bands(raw: Any) -> tuple[DoseBand, ...]:
    general_max = {
        (b["route"], b["per"]): (float(b["amount"]), b["unit"])
        for b in raw
        if b["kind"] == "max" and b.get("renal", "any") in ("any", "normal") and "amount" in b
    }
    bands = []
    for band in raw:
        crcl = band.get("crcl") or {}
        reduction = band.get("reduction", "")
        if reduction:
            top, unit = general_max[(band["route"], band["per"])]
            numerator, denominator = (int(n) for n in reduction.split("/"))
            amount = round(top * (denominator - numerator) / denominator, 2)
        elif band["kind"] == "avoid":
            amount, unit = 0.0, band.get("unit", "mg")
        else:
            amount, unit = float(band["amount"]), band["unit"]
        bands.append(
            DoseBand(
                route=band["route"],
                per=band["per"],
                renal=band.get("renal", "any"),
                kind=band["kind"],
                basis=band["basis"],
                label=band["label"],
                amount=amount,
                unit=unit,
                refs=tuple(band["refs"]),
                crcl_above=float(crcl["above"]) if crcl else None,
                crcl_up_to=float(crcl["up_to"]) if crcl else None,
                reduction=reduction,
            )
        )
    return tuple(bands)


def _build_topic(name: str, topic: dict[str, Any]) -> Topic:
    facts = tuple(
        Fact(
            fields={k: v for k, v in fact.items() if k not in RESERVED_FACT_KEYS},
            refs=tuple(fact["refs"]),
            evidence=fact.get("evidence"),
            dispute=fact.get("dispute"),
        )
        for fact in topic["facts"]
    )
    columns = list(topic.get("columns", ()))
    for fact in facts:
        columns.extend(k for k in fact.fields if k not in columns)
    hints = []
    for hint in topic.get("quiz", ()):
        source = hint.get("distractors", {})
        hints.append(
            QuizHint(
                question=hint["question"],
                where=dict(hint.get("where", {})),
                answer=hint["answer"],
                distractor_topic=source.get("topic", name),
                distractor_field=source.get("field", hint["answer"]),
                distractor_where=dict(source.get("where", {})),
            )
        )
    return Topic(
        name=name,
        title=topic["title"],
        summary=topic["summary"],
        section=topic.get("section", ""),
        columns=tuple(columns),
        facts=facts,
        quiz=tuple(hints),
    )


__all__ = [
    "DoseBand",
    "Drug",
    "Fact",
    "Knowledge",
    "QuizHint",
    "Reference",
    "Term",
    "Topic",
    "check_text",
    "default_data_path",
    "format_path",
    "load_knowledge",
    "resolve_data_path",
]
