"""``baclo dose-check``: place a dose against the cited thresholds of the knowledge file.

A fact lookup, not a recommendation: every threshold is a `dose_bands` row with its references; this
module only compares numbers and says where the dose falls.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import EXIT_ABOVE_LABEL, BadValue
from .knowledge import DoseBand, Knowledge
from .query import cited_references
from .result import Result

DISCLAIMER = "A fact lookup against cited thresholds, not a dosing recommendation."
LABELLED_KINDS = ("start", "usual", "label-max")
MAX_PLAUSIBLE_MG = 100_000.0  # 100 g: far beyond any reported ingestion; larger is a typing error

_UNITS = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "ug": "mcg",
    "\u00b5g": "mcg",
    "\u03bcg": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
}
_DOSE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([^\s0-9.]*)\s*$")


def parse_dose(text: str, default_unit: str) -> tuple[float, str]:
    """``"80"``, ``"80mg"``, ``"50 mcg"`` -> (amount, unit); anything else is a ``BadValue``."""
    match = _DOSE.match(text)
    if not match:
        raise BadValue(f"'{text}' is not a dose: give a positive number, optionally with mg or mcg (e.g. 80mg)")
    amount = float(match.group(1))
    unit_text = match.group(2).lower()
    if unit_text and unit_text not in _UNITS:
        raise BadValue(f"unknown unit '{match.group(2)}': use mg or mcg")
    unit = _UNITS.get(unit_text, default_unit)
    if not math.isfinite(amount) or amount <= 0:
        raise BadValue(f"'{text}' is not a dose: it must be greater than zero")
    if _to_mg(amount, unit) > MAX_PLAUSIBLE_MG:
        raise BadValue(f"'{text}' is not a plausible dose (over {MAX_PLAUSIBLE_MG / 1000:g} g)")
    return amount, unit


def _to_mg(amount: float, unit: str) -> float:
    return amount / 1000 if unit == "mcg" else amount


def _convert(amount: float, unit: str, to: str) -> float:
    mg = _to_mg(amount, unit)
    return mg * 1000 if to == "mcg" else mg


def select_bands(kb: Knowledge, route: str, per: str, renal: str) -> list[DoseBand]:
    """The bands for a route and basis; bands for a specific renal status replace the general labelled ones."""
    general = [b for b in kb.dose_bands if b.route == route and b.per == per and b.renal in ("any", "normal")]
    specific = [b for b in kb.dose_bands if b.route == route and b.per == per and b.renal == renal != "normal"]
    if any(b.kind in LABELLED_KINDS for b in specific):
        general = [b for b in general if b.kind not in LABELLED_KINDS]
    return sorted(general + specific, key=lambda b: (_to_mg(b.amount, b.unit), b.kind))


def _ceiling(bands: list[DoseBand]) -> DoseBand | None:
    for kinds in (("label-max",), ("usual", "start")):
        candidates = [b for b in bands if b.kind in kinds]
        if candidates:
            return max(candidates, key=lambda b: _to_mg(b.amount, b.unit))
    return None


def _fmt(amount: float) -> str:
    return f"{amount:g}"


def dose_check_result(
    kb: Knowledge, dose_text: str, route: str = "oral", per: str = "day", renal: str = "normal"
) -> Result:
    default_unit = "mcg" if route == "intrathecal" else "mg"
    amount, unit = parse_dose(dose_text, default_unit)
    bands = select_bands(kb, route, per, renal)
    if not bands:
        raise BadValue(f"the knowledge file holds no {route} thresholds per {per}")
    band_unit = bands[0].unit
    value = _convert(amount, unit, band_unit)
    shown = f"{_fmt(value)} {band_unit}/{per} {route}"
    rows: list[dict[str, Any]] = []
    for band in bands:
        threshold = _convert(band.amount, band.unit, band_unit)
        position = "at" if math.isclose(value, threshold) else ("above" if value > threshold else "below")
        rows.append(
            {
                "kind": band.kind,
                "threshold": f"{_fmt(threshold)} {band_unit}",
                "label": band.label,
                "your_dose": f"{position} this",
                "refs": list(band.refs),
            }
        )
    ceiling = _ceiling(bands)
    start = next((b for b in bands if b.kind == "start"), None)
    passed = [b for b in bands if b.kind in ("study", "toxicity") and value >= _convert(b.amount, b.unit, band_unit)]
    if ceiling is None:
        verdict, code = "no labelled ceiling in the knowledge file for this route", 0
    elif value > _convert(ceiling.amount, ceiling.unit, band_unit):
        verdict, code = f"ABOVE the labelled range (ceiling {_fmt(ceiling.amount)} {ceiling.unit})", EXIT_ABOVE_LABEL
    elif start is not None and value < _convert(start.amount, start.unit, band_unit):
        verdict, code = f"below the labelled starting dose ({_fmt(start.amount)} {start.unit})", 0
    else:
        verdict, code = f"within the labelled range (up to {_fmt(ceiling.amount)} {ceiling.unit})", 0
    headline = f"{shown}, renal function {renal}: {verdict}."
    summary = ""
    if passed:
        summary = "At or above: " + "; ".join(f"{b.label} ({_fmt(b.amount)} {b.unit})" for b in passed) + "."
    notes = [DISCLAIMER]
    renal_facts = _renal_facts(kb, renal)
    notes += [f"Renal note: {text}" for text, _ in renal_facts]
    references = cited_references(kb, [r for b in bands for r in b.refs] + [r for _, refs in renal_facts for r in refs])
    payload = {
        "dose": {"amount": value, "unit": band_unit, "per": per, "route": route, "renal": renal},
        "verdict": verdict,
        "above_label": code == EXIT_ABOVE_LABEL,
        "ceiling": None
        if ceiling is None
        else {"amount": ceiling.amount, "unit": ceiling.unit, "label": ceiling.label},
        "bands": rows,
        "renal_notes": [{"text": text, "refs": list(refs)} for text, refs in renal_facts],
        "disclaimer": DISCLAIMER,
        "references": [r.as_dict() for r in references],
    }
    return Result(
        title=f"Dose check: {shown}",
        summary=summary,
        columns=["kind", "threshold", "label", "your_dose"],
        rows=rows,
        payload=payload,
        references=references,
        notes=notes,
        exit_code=code,
        verdict=headline,
    )


def _renal_facts(kb: Knowledge, renal: str) -> list[tuple[str, tuple[str, ...]]]:
    """Dosing facts for the renal status asked about (population renal, and dialysis for dialysis)."""
    if renal == "normal" or "dosing" not in kb.topics:
        return []
    wanted = {"renal", "dialysis"} if renal == "dialysis" else {"renal"}
    return [
        (f"{fact.fields.get('situation', '')}: {fact.fields.get('guidance', '')}", fact.refs)
        for fact in kb.topics["dosing"].facts
        if str(fact.fields.get("population", "")) in wanted
    ]
