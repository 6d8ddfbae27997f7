"""Label provenance: which version of each label the facts were read in, and whether DailyMed has moved on.

Pure functions. ``labels_result`` lists what the knowledge file records; ``parse_history`` reads one answer of
DailyMed's version-history service (already decoded from JSON); ``check_result`` compares the recorded versions
with the histories fetched. The fetching itself lives in ``cli/dailymed.py``, the only code that opens a
connection, imported only by ``baclo labels --check``.
"""

from __future__ import annotations

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.errors import EXIT_LABEL_CHANGED, LabelServiceError
from baclo_cli.knowledge.load import Knowledge, Reference

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_VERSION = 10**6  # an SPL version beyond this is not a version number


class Version:
    """One entry of a label's version history: its SPL version and the date DailyMed published it."""

    __slots__ = ("published", "spl_version")

    def __init__(self, spl_version: int, published: str | None) -> None:
        self.spl_version = spl_version
        self.published = published  # YYYY-MM-DD, or None when the answer gave no readable date

    def as_dict(self) -> dict[str, Any]:
        return {"spl_version": self.spl_version, "published_date": self.published}

    def text(self) -> str:
        return f"{self.spl_version} ({self.published})" if self.published else str(self.spl_version)


def label_references(kb: Knowledge) -> list[Reference]:
    return [ref for ref in kb.references.values() if ref.kind == "label"]


def set_ids(kb: Knowledge) -> list[str]:
    """The DailyMed set ids the label references record, once each, in reference order."""
    seen: list[str] = []
    for ref in label_references(kb):
        set_id = ref.provenance.get("set_id")
        if set_id and set_id not in seen:
            seen.append(set_id)
    return seen


def _fact_name(fields: dict[str, Any]) -> str:
    """A fact in a few words: its first two fields ('Symptom: Agitation'), at most 100 characters."""
    text = ": ".join(str(v) for v in list(fields.values())[:2])
    return text if len(text) <= 100 else text[:97].rstrip() + "..."


def citations(kb: Knowledge) -> dict[str, list[dict[str, str]]]:
    """For each reference id, what cites it: topic facts (by topic and first field), dose bands, glossary terms."""
    cited: dict[str, list[dict[str, str]]] = {}
    for topic in kb.topics.values():
        for fact in topic.facts:
            name = _fact_name(fact.fields)
            for ref_id in dict.fromkeys(fact.refs):
                cited.setdefault(ref_id, []).append({"kind": "fact", "topic": topic.name, "name": name})
    for band in kb.dose_bands:
        for ref_id in dict.fromkeys(band.refs):
            cited.setdefault(ref_id, []).append({"kind": "dose-band", "topic": "dose-check", "name": band.label})
    for rule in kb.rules.values():
        for ref_id in dict.fromkeys(rule.refs):
            cited.setdefault(ref_id, []).append({"kind": "rule", "topic": "dose-check", "name": rule.name})
    for term in kb.glossary:
        for ref_id in dict.fromkeys(term.refs):
            cited.setdefault(ref_id, []).append({"kind": "term", "topic": "glossary", "name": term.term})
    return cited


def _recorded(ref: Reference) -> dict[str, Any]:
    """The fields every label row starts with: what the knowledge file records of the version read."""
    p = ref.provenance
    complete = all(k in p for k in ("set_id", "spl_version", "effective")) or all(
        k in p for k in ("document_id", "revised")
    )
    return {
        "id": ref.id,
        "number": ref.number,
        "jurisdiction": p.get("jurisdiction"),
        "set_id": p.get("set_id"),
        "document_id": p.get("document_id"),
        "version": p.get("spl_version"),
        "date": p.get("effective") or p.get("revised"),
        "status": "confirmed" if complete and "unconfirmed" not in p else "unconfirmed",
        "unconfirmed": p.get("unconfirmed"),
    }


def labels_result(kb: Knowledge) -> Result:
    """Every label reference with its jurisdiction, set id or document id, version and date (no network)."""
    refs = label_references(kb)
    if not refs:
        from baclo_cli.errors import NothingFound

        raise NothingFound("the knowledge file holds no references of kind 'label'")
    cited = citations(kb)
    rows = []
    for ref in refs:
        row = _recorded(ref)
        row.update(facts=len(cited.get(ref.id, [])), title=ref.title, url=ref.url or None)
        rows.append(row)
    confirmed = sum(row["status"] == "confirmed" for row in rows)
    summary = (
        f"{len(rows)} label references: {confirmed} with the version read confirmed, {len(rows) - confirmed} "
        "unconfirmed (the last column says why). Version and date: the SPL version and effective date of a "
        "DailyMed label, or a document's revision date. 'baclo labels --check' asks DailyMed for newer versions."
    )
    return Result(
        title="Label references: the version each fact was read in",
        summary=summary,
        columns=["id", "jurisdiction", "set_id", "document_id", "version", "date", "status", "facts", "unconfirmed"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "checked": False, "labels": [dict(row) for row in rows]},
        references=refs,
        rows_key="labels",
    )


# --- DailyMed's answers -------------------------------------------------------------------------------------

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6}
_MONTHS.update({"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12})


def parse_date(value: Any) -> str | None:
    """``Sep 26, 2012`` (DailyMed's form), ``September 26, 2012``, ``2012-09-26`` or ``20120926`` as
    ``2012-09-26``; None for anything else (a date is shown when readable, never guessed)."""
    import datetime
    import re

    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})", text)
    try:
        if match and match.group(1)[:3].lower() in _MONTHS:
            month = _MONTHS[match.group(1)[:3].lower()]
            return datetime.date(int(match.group(3)), month, int(match.group(2))).isoformat()
        match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text)
        if match:
            return datetime.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None
    return None


def _whole_number(value: Any) -> int | None:
    """A page or version number, given as a number or (as DailyMed's JSON gives them) as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        return int(value.strip())
    return None


def parse_history(data: Any, set_id: str) -> tuple[list[Version], int | None]:
    """One page of ``GET /spls/{SETID}/history.json``: its versions and the next page's number (None: last).

    DailyMed documents ``{metadata: {..., next_page}, data: ...}``; its JSON example is cut short, and public
    clients disagree on ``data``: ``{spl: {setid, title}, history: [{spl_version, published_date}]}`` or a list
    of entries. Both are read (and the XML form's top-level ``history``); numbers may come as text. Anything
    else raises ``LabelServiceError``.
    """

    def malformed(why: str) -> LabelServiceError:
        return LabelServiceError(f"DailyMed's answer for set id {set_id} is not the documented version history ({why})")

    if not isinstance(data, dict):
        raise malformed("not a JSON object")
    body = data.get("data", data)
    if isinstance(body, dict):
        spl = body.get("spl")
        if isinstance(spl, dict) and isinstance(spl.get("setid"), str) and spl["setid"].lower() != set_id:
            raise malformed("it is about another set id")
        entries = body.get("history")
        if isinstance(entries, dict):  # the XML form's nesting, converted: {history: {history_entry: [...]}}
            entries = entries.get("history_entry")
    else:
        entries = body
    if not isinstance(entries, list):
        raise malformed("no list of versions")
    versions: list[Version] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise malformed("a version entry is not an object")
        other = entry.get("setid")
        if isinstance(other, str) and other.lower() != set_id:
            raise malformed("an entry is about another set id")
        number = _whole_number(entry.get("spl_version", entry.get("version")))
        if number is None or not 1 <= number <= MAX_VERSION:
            raise malformed("an entry has no valid spl_version")
        published = parse_date(entry.get("published_date", entry.get("effective_time")))
        versions.append(Version(number, published))
    metadata = data.get("metadata")
    next_page = None
    if isinstance(metadata, dict):
        following = _whole_number(metadata.get("next_page"))
        current = _whole_number(metadata.get("current_page")) or 1
        if following is not None and following > current:
            next_page = following
    return versions, next_page


# --- the check ----------------------------------------------------------------------------------------------

CHANGED = ("newer", "not-listed")  # statuses that make 'labels --check' exit 6


def _compare(ref: Reference, history: list[Version] | None) -> dict[str, Any]:
    """Status, DailyMed's latest version and the newer versions for one DailyMed label reference."""
    recorded = ref.provenance.get("spl_version")
    if not history:
        return {"check": "not-listed", "detail": "DailyMed lists no version of this set id", "newer": []}
    latest = max(history, key=lambda v: v.spl_version)
    out: dict[str, Any] = {"latest_version": latest.spl_version, "latest_date": latest.published}
    if recorded is None:
        return {
            **out,
            "check": "unrecorded",
            "detail": f"the version read is not recorded; DailyMed's latest is {latest.text()}",
            "newer": [],
        }
    newer = sorted((v for v in history if v.spl_version > recorded), key=lambda v: -v.spl_version)
    if newer:
        count = f"{len(newer)} newer version{'s' if len(newer) > 1 else ''}"
        return {**out, "check": "newer", "detail": f"{count} on DailyMed", "newer": newer}
    if all(v.spl_version != recorded for v in history):
        detail = f"the recorded version {recorded} is not in DailyMed's history (latest {latest.text()})"
        return {**out, "check": "not-listed", "detail": detail, "newer": []}
    return {**out, "check": "current", "detail": "the recorded version is DailyMed's latest", "newer": []}


def check_result(kb: Knowledge, histories: dict[str, list[Version] | None], service: str) -> Result:
    """Every label reference against DailyMed's version histories (``None``: the set id is not listed)."""
    cited = citations(kb)
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    refs = label_references(kb)
    for ref in refs:
        item = _recorded(ref)
        set_id = ref.provenance.get("set_id")
        if set_id is None or set_id not in histories:
            why = "no DailyMed set id recorded"
            if item["jurisdiction"] not in (None, "US"):
                why = f"not a DailyMed label ({item['jurisdiction']})"
            compared: dict[str, Any] = {"check": "not-checked", "detail": why, "newer": []}
        else:
            compared = _compare(ref, histories[set_id])
        item.update(latest_version=compared.get("latest_version"), latest_date=compared.get("latest_date"))
        item.update(check=compared["check"], detail=compared["detail"])
        item["facts"] = len(cited.get(ref.id, []))
        rows.append({**item, "newer": "; ".join(v.text() for v in compared["newer"])})
        items.append({**item, "newer": [v.as_dict() for v in compared["newer"]], "cited_by": cited.get(ref.id, [])})
    changed = [row for row in rows if row["check"] in CHANGED]
    checked = [row for row in rows if row["check"] != "not-checked"]
    notes = []
    for row in changed:
        change = f"newer: {row['newer']}" if row["newer"] else row["detail"]
        notes.append(f"Facts citing {row['id']} ({change}):")
        notes += [f"  {c['topic']}: {c['name']}" for c in cited.get(row["id"], [])]
    if changed:
        names = ", ".join(row["id"] for row in changed)
        verdict = (
            f"{len(changed)} cited label{'s have' if len(changed) > 1 else ' has'} changed on DailyMed: {names}; "
            "the facts citing them are listed below."
        )
    else:
        unrecorded = sum(row["check"] == "unrecorded" for row in rows)
        verdict = f"No cited label has a newer version on DailyMed ({len(checked)} checked"
        verdict += f"; for {unrecorded} the version read is not recorded)." if unrecorded else ")."
    summary = (
        f"Asked {service} for the version history of {len(checked)} DailyMed label"
        f"{'s' if len(checked) != 1 else ''}; {len(rows) - len(checked)} other label references cannot be checked "
        "there (no set id recorded, or not a US label)."
    )
    if checked and all(row["check"] == "not-listed" and row["latest_version"] is None for row in checked):
        summary += " No set id is listed at all: check BACLO_DAILYMED_URL."
    return Result(
        title="Label references against DailyMed",
        summary=summary,
        columns=[
            "id",
            "set_id",
            "version",
            "date",
            "check",
            "newer",
            "latest_version",
            "latest_date",
            "facts",
            "detail",
        ],
        rows=rows,
        payload={
            "schema_version": SCHEMA_VERSION,
            "checked": True,
            "service": service,
            "changed": [row["id"] for row in changed],
            "labels": items,
        },
        notes=notes,
        references=refs,
        exit_code=EXIT_LABEL_CHANGED if changed else 0,
        verdict=verdict,
        rows_key="labels",
    )
