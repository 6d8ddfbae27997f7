"""The published contracts of the JSON output: one JSON Schema (draft 2020-12) per command.

``baclo schema [COMMAND]`` prints them; the tests validate every command's real output against them. Every
answer is one object with ``schema_version`` (the version of these contracts). NDJSON writes one row object
per line: the items of the list named by ``x-rows``. With ``--fields`` the row objects hold only the named
fields and the answer lists them in ``fields``; the rows' ``required`` lists apply when ``fields`` is absent.
"""

from __future__ import annotations

from baclo_cli.answers.result import SCHEMA_VERSION
from baclo_cli.knowledge.vocabulary import (
    DOSE_BAND_KINDS,
    DOSE_BAND_SETTINGS,
    DOSE_UNITS,
    EVIDENCE_LEVELS,
    JURISDICTIONS,
    POPULATIONS,
    REFERENCE_KINDS,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


STR: dict[str, Any] = {"type": "string"}
STRS: dict[str, Any] = {"type": "array", "items": STR}
NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
REFS: dict[str, Any] = {"type": "array", "items": STR, "description": "reference ids, see 'references'"}
SCALAR: dict[str, Any] = {"type": ["string", "number"]}

JURISDICTION: dict[str, Any] = {
    "enum": list(JURISDICTIONS),
    "description": "whose label, regulator or guideline: US, UK, EU, DE, FR, AU, CA, CH, FI or INT (international)",
}
REFERENCE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "number", "title", "publisher", "kind", "url", "note"],
    "properties": {
        "id": STR,
        "number": {"type": "integer", "minimum": 1},
        "title": STR,
        "publisher": STR,
        "kind": {"enum": list(REFERENCE_KINDS)},
        "url": {"type": ["string", "null"], "pattern": "^https?://"},
        "note": NULLABLE_STR,
        "jurisdiction": JURISDICTION,
        "set_id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "spl_version": {"type": "integer", "minimum": 1},
        "effective": {"type": "string", "format": "date"},
        "document_id": STR,
        "revised": {"type": "string", "format": "date"},
        "unconfirmed": {"type": "string", "description": "why the version read could not be confirmed"},
        "label_version": {"type": "string", "description": "a label's provenance fields in words"},
    },
}
NULLABLE_INT: dict[str, Any] = {"type": ["integer", "null"]}
NULLABLE_NUMBER: dict[str, Any] = {"type": ["number", "null"]}
NULLABLE_DATE: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
LABEL: dict[str, Any] = {
    "type": "object",
    "description": "a label reference and the version read; with --check, DailyMed's latest and the newer versions",
    "required": ["id", "number", "jurisdiction", "set_id", "document_id", "version", "date", "status", "facts"],
    "properties": {
        "id": STR,
        "number": {"type": "integer", "minimum": 1},
        "jurisdiction": {"enum": [*JURISDICTIONS, None]},
        "set_id": NULLABLE_STR,
        "document_id": NULLABLE_STR,
        "version": NULLABLE_INT,
        "date": NULLABLE_DATE,
        "status": {"enum": ["confirmed", "unconfirmed"]},
        "unconfirmed": NULLABLE_STR,
        "facts": {"type": "integer", "description": "how many facts, dose bands and glossary terms cite it"},
        "title": STR,
        "url": NULLABLE_STR,
        "check": {"enum": ["current", "newer", "not-listed", "unrecorded", "not-checked"]},
        "latest_version": NULLABLE_INT,
        "latest_date": NULLABLE_DATE,
        "detail": STR,
        "newer": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["spl_version", "published_date"],
                "properties": {"spl_version": {"type": "integer"}, "published_date": NULLABLE_DATE},
            },
        },
        "cited_by": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "topic", "name"],
                "properties": {"kind": {"enum": ["fact", "dose-band", "rule", "term"]}, "topic": STR, "name": STR},
            },
        },
    },
}
FACT: dict[str, Any] = {
    "type": "object",
    "description": "the topic's fields (see 'columns'), then jurisdiction, evidence, dispute and refs",
    "required": ["refs"],
    "properties": {"jurisdiction": JURISDICTION, "evidence": STR, "dispute": STR, "refs": REFS},
    "additionalProperties": SCALAR | {"type": ["string", "number", "array"]},
}
TOPIC: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "topic", "title", "summary", "columns", "facts", "references"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "topic": STR,
        "title": STR,
        "summary": STR,
        "section": STR,
        "columns": STRS,
        "facts": {"type": "array", "items": FACT},
        "references": {"type": "array", "items": REFERENCE},
    },
    "x-rows": "facts",
}
TERM: dict[str, Any] = {
    "type": "object",
    "required": ["term", "definition", "aliases", "topics", "refs"],
    "properties": {"term": STR, "definition": STR, "aliases": STRS, "topics": STRS, "refs": REFS},
}
TOPIC_ROW: dict[str, Any] = {
    "type": "object",
    "required": ["topic", "title", "facts", "section"],
    "properties": {"topic": STR, "title": STR, "facts": {"type": "integer"}, "section": STR},
}
DRUG: dict[str, Any] = {
    "type": "object",
    "required": ["name", "class", "brand_names", "last_reviewed"],
    "properties": {
        "name": STR,
        "class": STR,
        "brand_names": STRS,
        "last_reviewed": {"type": "string", "format": "date"},
    },
}
BAND: dict[str, Any] = {
    "type": "object",
    "required": ["route", "per", "renal", "kind", "basis", "label", "refs"],
    "properties": {
        "route": {"enum": ["oral", "intrathecal"]},
        "per": {"enum": ["day", "dose"]},
        "renal": {"enum": ["any", "normal", "impaired", "dialysis"]},
        "kind": {"enum": list(DOSE_BAND_KINDS)},
        "basis": STR,
        "label": STR,
        "amount": {"type": "number"},
        "unit": {"enum": list(DOSE_UNITS)},
        "crcl": {"type": "object", "properties": {"above": {"type": "number"}, "up_to": {"type": "number"}}},
        "egfr": {"type": "object", "properties": {"above": {"type": "number"}, "up_to": {"type": "number"}}},
        "population": {"enum": list(POPULATIONS)},
        "age": {"type": "object", "properties": {"from": {"type": "number"}, "below": {"type": "number"}}},
        "reduction": STR,
        "jurisdiction": JURISDICTION,
        "setting": {"enum": list(DOSE_BAND_SETTINGS)},
        "indication": STR,
        "source": STR,
        "refs": REFS,
    },
}
DERIVED: dict[str, Any] = {
    "oneOf": [
        {"type": "null"},
        {
            "type": "object",
            "description": "a ceiling worked out by baclo: the maximum 'of_amount' cut by 'reduction'",
            "required": ["reduction", "of_amount", "of_whose", "of_refs", "worked_out_by"],
            "properties": {
                "reduction": STR,
                "of_amount": {"type": "number"},
                "of_whose": STR,
                "of_refs": REFS,
                "worked_out_by": {"const": "baclo"},
            },
        },
    ]
}
FIGURE: dict[str, Any] = {
    "type": "object",
    "required": ["amount", "unit", "per", "kind", "basis", "jurisdiction", "source", "whose", "label", "refs"],
    "properties": {
        "amount": {"type": "number"},
        "unit": {"enum": ["mg", "mcg", "mg/kg", "mcg/kg"]},
        "per": {"enum": ["day", "dose"]},
        "kind": {"enum": list(DOSE_BAND_KINDS)},
        "basis": STR,
        "jurisdiction": {"oneOf": [{"type": "null"}, JURISDICTION]},
        "source": NULLABLE_STR,
        "whose": STR,
        "label": STR,
        "derived": DERIVED,
        "refs": REFS,
    },
}
ADVICE: dict[str, Any] = {
    "type": "object",
    "required": ["basis", "jurisdiction", "source", "whose", "label", "refs"],
    "properties": {
        "basis": STR,
        "jurisdiction": {"oneOf": [{"type": "null"}, JURISDICTION]},
        "source": NULLABLE_STR,
        "whose": STR,
        "label": STR,
        "refs": REFS,
    },
}
THRESHOLD: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "amount", "unit", "per", "basis", "whose", "label", "applies", "position", "refs"],
    "properties": {
        "kind": {"enum": list(DOSE_BAND_KINDS)},
        "amount": {**NULLABLE_NUMBER, "description": "null for avoid, caution and not-established"},
        "unit": {"enum": ["mg", "mcg", "mg/kg", "mcg/kg", None]},
        "per": {"enum": ["day", "dose"]},
        "basis": STR,
        "jurisdiction": {"oneOf": [{"type": "null"}, JURISDICTION]},
        "source": NULLABLE_STR,
        "whose": STR,
        "label": STR,
        "population": {"enum": list(POPULATIONS)},
        "age": {"type": ["object", "null"]},
        "renal": {"enum": ["any", "normal", "impaired", "dialysis"]},
        "kidney_range": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["measure", "above", "up_to"],
                    "properties": {
                        "measure": {"enum": ["crcl", "egfr"]},
                        "above": {"type": "number"},
                        "up_to": {"type": "number"},
                    },
                },
            ]
        },
        "setting": NULLABLE_STR,
        "indication": NULLABLE_STR,
        "derived": DERIVED,
        "applies": {"type": "boolean"},
        "position": {"enum": ["above", "at", "below", "avoid", "none", "unknown"]},
        "refs": REFS,
    },
}
ESTIMATE: dict[str, Any] = {
    "type": "object",
    "required": ["measure", "value", "unit", "method", "formula", "weight_basis", "weight_kg"],
    "properties": {
        "measure": {"enum": ["crcl", "egfr"]},
        "value": {"type": "number"},
        "unit": {"enum": ["mL/min", "mL/min/1.73 m2"]},
        "method": {"enum": ["given", "cockcroft-gault", "ckd-epi-2021"]},
        "formula": NULLABLE_STR,
        "weight_basis": {"enum": ["actual", "ideal", "adjusted", None]},
        "weight_kg": NULLABLE_NUMBER,
    },
}
PATIENT: dict[str, Any] = {
    "type": "object",
    "description": "the patient as given: every option, null when not given",
    "required": ["age", "weight_kg", "height_cm", "sex", "serum_creatinine", "crcl", "egfr", "renal", "ckd_epi"],
    "properties": {
        "age": NULLABLE_NUMBER,
        "weight_kg": NULLABLE_NUMBER,
        "height_cm": NULLABLE_NUMBER,
        "sex": {"enum": ["female", "male", None]},
        "serum_creatinine": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["value", "unit"],
                    "properties": {"value": {"type": "number"}, "unit": {"enum": ["mg/dL", "umol/L"]}},
                },
            ]
        },
        "crcl": NULLABLE_NUMBER,
        "egfr": NULLABLE_NUMBER,
        "renal": {"enum": ["normal", "impaired", "dialysis", None]},
        "ckd_epi": {"type": "boolean"},
    },
}


def _envelope(rows_key: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["schema_version", rows_key, *extra],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            rows_key: {"type": "array", "items": item},
            **extra,
        },
        "x-rows": rows_key,
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "topic": TOPIC,
    "overview": {
        "type": "object",
        "required": ["schema_version", "drug", "card", "topics"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "drug": DRUG,
            "card": {
                "type": "array",
                "description": "the clinical card: what bare 'baclo' shows, each line with its sources",
                "items": {
                    "type": "object",
                    "required": ["label", "text", "refs"],
                    "properties": {"label": STR, "text": STR, "refs": REFS},
                },
            },
            "topics": {"type": "array", "items": TOPIC_ROW},
        },
    },
    "topics": _envelope("topics", TOPIC_ROW),
    "refs": _envelope("references", REFERENCE),
    "glossary": _envelope("terms", TERM),
    "search": _envelope(
        "hits",
        {
            "type": "object",
            "required": ["topic", "kind", "name", "text", "evidence", "score", "match", "matched", "refs"],
            "properties": {
                "topic": STR,
                "kind": {"enum": ["fact", "summary", "term"]},
                "name": STR,
                "text": STR,
                "evidence": {
                    "enum": [*EVIDENCE_LEVELS, None],
                    "description": "the fact's evidence level; null for a topic summary or a glossary term",
                },
                "score": {"type": "number", "description": "higher first; the hits are in this order"},
                "match": {
                    "enum": ["exact", "spelling", "stem", "glossary", "synonym", "fuzzy"],
                    "description": "the most forgiving way any word matched ('fuzzy': a close word, not as typed)",
                },
                "matched": {**STRS, "description": "the words of the row that matched, lower case"},
                "refs": REFS,
            },
        },
        query=STR,
        fuzzy={
            "type": "object",
            "additionalProperties": STRS,
            "description": "each word that matched nothing as typed, with the close words of the file used instead",
        },
    ),
    "disputes": _envelope(
        "claims", {**FACT, "required": ["dispute", "topic", "refs"], "properties": {**FACT["properties"], "topic": STR}}
    ),
    "export": {
        "type": "object",
        "required": ["schema_version", "drug", "topics", "glossary", "references"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "drug": DRUG,
            "topics": {"type": "object", "additionalProperties": {**TOPIC, "required": ["topic", "facts"]}},
            "glossary": {"type": "array", "items": TERM},
            "references": {"type": "array", "items": REFERENCE},
            "dose_bands": {"type": "array", "items": BAND},
        },
    },
    "dose_check": {
        "type": "object",
        "required": [
            "schema_version",
            "status",
            "verdict",
            "dose",
            "region",
            "patient",
            "population",
            "kidney",
            "ceiling",
            "harm",
            "avoid",
            "if_used_anyway",
            "reason",
            "thresholds",
            "cautions",
            "notes",
            "disclaimer",
            "references",
        ],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "status": {
                "enum": ["within", "caution", "above", "avoid", "not-checked"],
                "description": "exit code: within 0, caution 0, above 4, avoid 4, not-checked 1",
            },
            "verdict": {**STR, "description": "the first line of the human answer"},
            "dose": {
                "type": "object",
                "required": ["amount", "unit", "per", "route", "per_kg"],
                "properties": {
                    "amount": {"type": "number"},
                    "unit": {"enum": ["mg", "mcg"]},
                    "per": {"enum": ["day", "dose"]},
                    "route": {"enum": ["oral", "intrathecal"]},
                    "per_kg": {**NULLABLE_NUMBER, "description": "the dose per kg of body weight (children)"},
                },
            },
            "region": {"enum": ["US", "UK", "FR", "DE", "AU", "CA"]},
            "patient": PATIENT,
            "population": {"enum": ["adult", "elderly", "child"]},
            "kidney": {
                "type": "object",
                "required": ["function", "estimates"],
                "properties": {
                    "function": {"enum": ["not-given", "normal", "impaired", "dialysis"]},
                    "estimates": {"type": "array", "items": ESTIMATE},
                },
            },
            "ceiling": {"oneOf": [{"type": "null"}, FIGURE]},
            "harm": {"oneOf": [{"type": "null"}, FIGURE]},
            "avoid": {"type": "array", "items": ADVICE},
            "if_used_anyway": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["limit", "start"],
                        "properties": {
                            "limit": {
                                "oneOf": [
                                    {"type": "null"},
                                    {
                                        **FIGURE,
                                        "required": [*FIGURE["required"], "inclusive"],
                                        "properties": {**FIGURE["properties"], "inclusive": {"type": "boolean"}},
                                    },
                                ]
                            },
                            "start": {"oneOf": [{"type": "null"}, FIGURE]},
                        },
                    },
                ]
            },
            "reason": {**NULLABLE_STR, "description": "why the dose is not checked"},
            "thresholds": {"type": "array", "items": THRESHOLD},
            "cautions": {
                "type": "array",
                "items": {"type": "object", "required": ["text", "refs"], "properties": {"text": STR, "refs": REFS}},
            },
            "notes": STRS,
            "disclaimer": STR,
            "references": {"type": "array", "items": REFERENCE},
        },
        "x-rows": "thresholds",
    },
    "validate": _envelope(
        "problems",
        {
            "type": "object",
            "required": ["line", "path", "problem"],
            "properties": {"line": {"type": ["integer", "string"]}, "path": STR, "problem": STR},
        },
        file=STR,
        valid={"type": "boolean"},
    ),
    "labels": {
        **_envelope("labels", LABEL, checked={"type": "boolean", "description": "true with --check: DailyMed asked"}),
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "labels": {"type": "array", "items": LABEL},
            "checked": {"type": "boolean", "description": "true with --check: DailyMed was asked"},
            "service": {"type": "string", "description": "--check: the address asked (BACLO_DAILYMED_URL)"},
            "changed": {"type": "array", "items": STR, "description": "--check: the labels that changed (exit 6)"},
        },
    },
    "quiz": _envelope(
        "questions",
        {
            "type": "object",
            "required": ["id", "topic", "kind", "question", "choices", "answer", "answer_text", "explanation", "refs"],
            "properties": {
                "id": STR,
                "topic": STR,
                "kind": {
                    "enum": ["choice", "multi", "short"],
                    "description": "choice: one right option; multi: select all that apply; short: type it",
                },
                "question": STR,
                "choices": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["letter", "text"],
                        "properties": {"letter": STR, "text": STR},
                    },
                },
                "answer": {
                    "type": "string",
                    "description": "the right letter (letters, for multi), or the short answer",
                },
                "answer_text": {"type": "string", "description": "the right choices' texts, joined with '; '"},
                "explanation": STR,
                "refs": REFS,
            },
        },
        seed={"type": "integer"},
    ),
    "flashcards": _envelope(
        "cards",
        {
            "type": "object",
            "required": ["id", "guid", "topic", "kind", "front", "back", "cloze", "refs"],
            "properties": {
                "id": STR,
                "guid": {"type": "string", "description": "the Anki GUID, the same in the TSV and the .apkg"},
                "topic": STR,
                "kind": {"enum": ["basic", "cloze"]},
                "front": STR,
                "back": {"type": "string", "description": "the answer and its citation numbers"},
                "cloze": {"type": ["string", "null"], "description": "Anki cloze text ({{c1::...}}) of a cloze card"},
                "refs": REFS,
            },
        },
    ),
    "review_stats": {
        "type": "object",
        "required": [
            "schema_version",
            "state_file",
            "today",
            "cards",
            "new",
            "due",
            "waiting",
            "changed",
            "suspended",
            "retired",
            "reviews",
            "retention_30_days",
            "forecast",
            "daily",
        ],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "today": {"type": "string", "format": "date"},
            "retention_30_days": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "description": "share of answers in the last 30 days that were not 'again'",
            },
            "forecast": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "cards coming due on each of the next 7 days",
            },
            "suspended": {"type": "integer", "description": "cards set aside with 's' until --unsuspend"},
            "daily": {
                "type": "array",
                "description": "each of the last 30 days: answers given and the share not 'again' (null: none)",
                "items": {
                    "type": "object",
                    "required": ["day", "answers", "retention"],
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "answers": {"type": "integer"},
                        "retention": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                    },
                },
            },
        },
    },
}


def schema_for(command: str, key: str) -> dict[str, Any]:
    """The JSON Schema of ``command``'s JSON output, which follows the contract ``key`` (the command table's)."""
    body = _with_fields(SCHEMAS[key])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:baclo:schema:{SCHEMA_VERSION}:{key}",
        "title": f"baclo {command} -f json",
        **body,
    }


def _with_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A contract whose rows hold every required field, unless ``--fields`` chose some: then the answer names
    them in ``fields`` and each row holds exactly those (their types still checked)."""
    rows = body.get("x-rows")
    if not rows:
        return body
    item = body["properties"][rows]["items"]
    chosen = {k: v for k, v in item.items() if k != "required"}
    fields = {
        "type": "array",
        "items": STR,
        "minItems": 1,
        "description": "present with --fields: the fields each row object holds, in order",
    }
    return {
        **body,
        "properties": {**body["properties"], rows: {"type": "array", "items": chosen}, "fields": fields},
        "if": {"required": ["fields"]},
        "else": {"properties": {rows: {"items": {"required": item.get("required", [])}}}},
    }


def cited_schema(command: str, key: str) -> dict[str, Any]:
    """The contract of ``command``'s answer as 'baclo mcp' serves it (``output.cited``): the JSON contract, with
    a ``citations`` list of whole references beside every ``refs`` list, the review date and the notice."""
    import copy

    schema: dict[str, Any] = _with_citations(copy.deepcopy(schema_for(command, key)))
    schema["$id"] = f"urn:baclo:schema:{SCHEMA_VERSION}:{key}:cited"
    schema["title"] = f"baclo {command}, with citations"
    schema["required"] = [*schema["required"], "last_reviewed", "notice"]
    schema["properties"]["last_reviewed"] = {"type": "string", "format": "date", "description": "data reviewed on"}
    schema["properties"]["notice"] = {"type": "string", "description": "reference only, not medical advice"}
    return schema


CITATIONS: dict[str, Any] = {
    "type": "array",
    "items": REFERENCE,
    "description": "the references named by 'refs', whole: id, title, publisher, kind, url, note",
}


def _with_citations(schema: Any) -> Any:
    """Every object schema whose rows carry ``refs`` gets ``citations`` too (required where ``refs`` is)."""
    if isinstance(schema, list):
        return [_with_citations(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _with_citations(value) for key, value in schema.items()}
    properties = out.get("properties")
    if "refs" in out.get("required", ()) or (isinstance(properties, dict) and "refs" in properties):
        out["properties"] = {**(properties or {}), "citations": CITATIONS}
        if "refs" in out.get("required", ()):
            out["required"] = [*out["required"], "citations"]
    return out
