"""``baclo dose-check``: place a dose against the ceiling that applies to the patient described.

A fact lookup, not a recommendation. Every threshold is a cited ``dose_bands`` row of the knowledge file;
this module picks the bands for the route, the basis (per day or per dose) and the kidney function, finds
the ceiling that applies, and says whose number it is (label, compendium, study). It never reassures without
a cited ceiling: with no ceiling for the patient described the verdict says so and the exit code is 1.

Jurisdiction: the general bands are those of the default jurisdiction (``DEFAULT_JURISDICTION``: the US labels);
other countries' bands (UK, Germany, ...), hospital-only and single-indication ceilings stay in the knowledge
file ('baclo export') and are not used here. Kidney-specific bands apply whatever their jurisdiction, since no
US label gives any.

Kidney function: ``--renal normal|impaired|dialysis`` and/or a creatinine clearance (given, or estimated by
Cockcroft-Gault). A band for impaired kidneys covers ``above < CrCl <= up_to`` mL/min, so a clearance on a
boundary falls in the band with the lower ceiling. ``impaired`` without a clearance is judged against the
mildest impairment band's ceiling, and the lower ceilings are listed.
"""

from __future__ import annotations

import math
import re

from baclo_cli.answers.clearance import Clearance
from baclo_cli.answers.result import Result
from baclo_cli.answers.topics import cited_references
from baclo_cli.errors import EXIT_ABOVE_LABEL, EXIT_NOT_FOUND, BadValue
from baclo_cli.knowledge.load import DoseBand, Knowledge

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DISCLAIMER = "A fact lookup against cited thresholds, not a dosing recommendation."
MAX_PLAUSIBLE_MG = 100_000.0  # 100 g: far beyond any reported ingestion; larger is a typing error
BASIS_WORDS = {
    "label": "labelled",
    "regulator": "regulator's",
    "guideline": "guideline",
    "compendium": "compendium (not labelled)",
    "study": "study-derived (not labelled)",
    "case-report": "case-report (not labelled)",
    "article": "consumer-article (not labelled)",
}

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
# One number (digits, an optional fraction, an optional exponent) and an optional unit; the amount is the whole
# number as written, exponent included ('.9e3' is 900).
_DOSE = r"\s*((?:[0-9]{1,12}(?:\.[0-9]{1,20})?|\.[0-9]{1,20})(?:[eE][-+]?[0-9]{1,3})?)\s*([^\s0-9.]{0,20})\s*"


def parse_dose(text: str, default_unit: str) -> tuple[float, str]:
    """``"80"``, ``"80mg"``, ``"50 mcg"`` -> (amount, unit); anything else is a ``BadValue``."""
    match = re.fullmatch(_DOSE, text)
    if not match:
        raise BadValue(f"'{text}' is not a dose: give a positive number, optionally with mg or mcg (e.g. 80mg)")
    amount = float(match.group(1))
    unit_text = match.group(2).lower()
    if unit_text and unit_text not in _UNITS:
        raise BadValue(f"unknown unit '{match.group(2)}': use mg or mcg")
    unit = _UNITS.get(unit_text, default_unit)
    if not math.isfinite(amount):
        raise BadValue(f"'{text}' is not a plausible dose (too large to be a number of {unit})")
    if amount <= 0:
        raise BadValue(f"'{text}' is not a dose: it must be greater than zero")
    if _to_mg(amount, unit) > MAX_PLAUSIBLE_MG:
        raise BadValue(f"'{text}' is not a plausible dose (over {MAX_PLAUSIBLE_MG / 1000:g} g)")
    return amount, unit


def _to_mg(amount: float, unit: str) -> float:
    return amount / 1000 if unit == "mcg" else amount


def _convert(amount: float, unit: str, to: str) -> float:
    mg = _to_mg(amount, unit)
    return mg * 1000 if to == "mcg" else mg


def _fmt(amount: float) -> str:
    return f"{amount:.3g}" if amount < 100 and not float(amount).is_integer() else f"{amount:g}"


def _crcl_range(band: DoseBand) -> str:
    return f"CrCl {_fmt(band.crcl_above or 0)}-{_fmt(band.crcl_up_to or 0)} mL/min"


class Patient:
    """The kidney function asked about: ``status`` is normal, impaired or dialysis; ``stated`` says whether
    the user said anything at all."""

    def __init__(self, renal: str | None, clearance: Clearance | None, impaired_bands: list[DoseBand]) -> None:
        """``impaired_bands``: every clearance band of the file, whatever its route, so that a reduced clearance
        counts as impaired kidneys even for a route with no bands of its own (the answer is then NOT CHECKED)."""
        self.clearance = clearance
        self.stated = renal is not None or clearance is not None
        if clearance is None:
            self.status = renal or "normal"
            return
        if renal == "dialysis":
            raise BadValue("on dialysis a creatinine clearance does not apply: give --renal dialysis alone")
        top = max((b.crcl_up_to or 0 for b in impaired_bands), default=None)
        reduced = top is not None and clearance.ml_per_min <= top
        if renal == "normal" and reduced:
            raise BadValue(f"--renal normal contradicts {clearance.describe()}: the sources reduce the dose there")
        if renal == "impaired" and top is not None and not reduced:
            raise BadValue(f"--renal impaired contradicts {clearance.describe()}: above every impairment band")
        self.status = "impaired" if reduced or (renal == "impaired") else "normal"

    def describe(self) -> str:
        if self.clearance is not None:
            return f"kidney function {self.status}, {self.clearance.describe()}"
        if not self.stated:
            return "kidney function not stated (judged as normal)"
        if self.status == "dialysis":
            return "on dialysis"
        return f"kidney function {self.status}, clearance not given"


def _ceiling_band(bands: list[DoseBand]) -> DoseBand | None:
    maxima = [b for b in bands if b.kind == "max"]
    return min(maxima, key=lambda b: _to_mg(b.amount, b.unit)) if maxima else None


def _covers(band: DoseBand, crcl: float) -> bool:
    return band.crcl_above is not None and band.crcl_above < crcl <= (band.crcl_up_to or 0)


def _whose(band: DoseBand) -> str:
    """Whose number or advice a band is, as the verdict says it ("labelled", "study-derived (not labelled)")."""
    return BASIS_WORDS.get(band.basis, band.basis)


def _describe_ceiling(band: DoseBand) -> str:
    """The ceiling with whose number it is; a reduced band says baclo worked it out from the source's cut."""
    whose = _whose(band)
    worked = f", worked out by baclo as the general maximum cut by {band.reduction}" if band.reduction else ""
    return f"{whose} maximum that applies ({_fmt(band.amount)} {band.unit}{worked}: {band.label})"


def dose_check_result(
    kb: Knowledge,
    dose_text: str,
    route: str = "oral",
    per: str = "day",
    renal: str | None = None,
    clearance: Clearance | None = None,
) -> Result:
    default_unit = "mcg" if route == "intrathecal" else "mg"
    amount, unit = parse_dose(dose_text, default_unit)
    # The general bands of the default jurisdiction (US) only: another country's ceiling is a fact to list, not
    # the ceiling for an ordinary patient. Kidney-specific bands count whatever their jurisdiction.
    mine = [
        b
        for b in kb.dose_bands
        if b.route == route and b.per == per and (b.renal in ("impaired", "dialysis") or b.is_default_general())
    ]
    general = [b for b in mine if b.renal in ("any", "normal")]
    impaired = [b for b in mine if b.renal == "impaired"]
    patient = Patient(renal, clearance, [b for b in kb.dose_bands if b.renal == "impaired" and b.crcl_up_to])
    if not mine:
        return _no_ceiling(
            kb, amount, unit, route, per, patient, f"the knowledge file holds no {route} thresholds per {per}"
        )

    band_unit = next(b.unit for b in mine if b.kind != "avoid")
    value = _convert(amount, unit, band_unit)
    shown = f"{_fmt(value)} {band_unit}/{per} {route}"
    notes: list[str] = []
    if unit != default_unit:  # 80mcg by mouth, 1mg intrathecally: likely a slip; say how it was read
        notes.append(f"Unit: {_fmt(amount)} {unit} for the {route} route, read as {shown}; check the unit.")
    open_question = ""  # set when the answer depends on what the user did not say (impaired, no clearance)

    # The bands that apply to this patient; the ceiling is the lowest 'max' among them.
    if patient.status == "dialysis":
        specific = [b for b in mine if b.renal == "dialysis"]
    elif patient.status == "impaired" and patient.clearance is not None:
        specific = [b for b in impaired if _covers(b, patient.clearance.ml_per_min)]
    elif patient.status == "impaired":
        maxima = [b for b in impaired if b.kind == "max"]
        mildest = max(maxima, key=lambda b: b.crcl_up_to or 0, default=None)
        specific = [mildest] if mildest else []
        if mildest is not None:
            stricter = [
                b
                for b in impaired
                if b is not mildest
                and (b.kind == "avoid" or (b.kind == "max" and value > _convert(b.amount, b.unit, band_unit)))
            ]
            if stricter:
                open_question = "; ".join(
                    f"{_crcl_range(b)}: {b.label}"
                    if b.kind == "avoid"
                    else f"{_crcl_range(b)}: above its {_fmt(b.amount)} {b.unit}"
                    for b in stricter
                )
            notes.append(
                f"Clearance not given: judged against the mildest impairment band ({_crcl_range(mildest)}); "
                "lower clearance lowers the ceiling. Give --crcl or --age/--weight/--scr/--sex for the band that "
                "applies."
            )
    else:
        specific = [b for b in general if b.kind == "max"]
    avoid = next((b for b in specific if b.kind == "avoid"), None)
    ceiling = _ceiling_band([b for b in specific if b.kind == "max"])
    context = [b for b in general if b.kind in ("start", "usual")] if patient.status == "normal" else []
    if patient.status != "normal":
        context += [b for b in general if b.kind == "max"]  # for comparison: the maximum for normal kidneys
    if ceiling is None and avoid is None:
        reason = f"the knowledge file holds no {route} maximum per {per} for {patient.describe()}"
        return _no_ceiling(kb, amount, unit, route, per, patient, reason, [*specific, *context])

    start = next((b for b in general if b.kind == "start"), None) if patient.status == "normal" else None
    top = _convert(ceiling.amount, ceiling.unit, band_unit) if ceiling is not None else 0.0
    above = ceiling is not None and value > top and not math.isclose(value, top)
    if avoid is not None:
        verdict = (
            f"AVOID: the cited {_whose(avoid)} advice for this kidney function is not to use baclofen ({avoid.label})"
        )
        if ceiling is not None:
            verdict += f"; if it is used, the {_describe_ceiling(ceiling)}"
        code = EXIT_ABOVE_LABEL
    elif above and ceiling is not None:
        verdict, code = f"ABOVE the {_describe_ceiling(ceiling)}", EXIT_ABOVE_LABEL
    elif open_question and ceiling is not None:
        verdict = (
            f"NOT CHECKED for every impaired kidney: within the {_describe_ceiling(ceiling)}, but lower clearance "
            f"changes the answer ({open_question})"
        )
        code = EXIT_NOT_FOUND
    elif start is not None and value < _convert(start.amount, start.unit, band_unit):
        verdict, code = f"below the {_whose(start)} starting dose ({_fmt(start.amount)} {start.unit})", 0
    else:
        assert ceiling is not None
        verdict, code = f"within the {_describe_ceiling(ceiling)}", 0
    # Study and toxicity doses (alcohol trials, overdoses) are shown only once a dose passes the ceiling that
    # applies: beside an ordinary dose they would read as headroom.
    if code == EXIT_ABOVE_LABEL:
        context += [b for b in general if b.kind in ("study", "toxicity")]
    shown_bands = sorted({*specific, *context}, key=lambda b: (b.kind == "avoid", _to_mg(b.amount, b.unit), b.kind))
    headline = f"{shown}, {patient.describe()}: {verdict}."
    rows = [_band_row(b, value, band_unit, b is ceiling) for b in shown_bands]
    passed = [
        f"{b.label} ({_fmt(b.amount)} {b.unit})"
        for b in shown_bands
        if b.kind in ("study", "toxicity") and value >= _convert(b.amount, b.unit, band_unit)
    ]
    summary = f"At or above: {'; '.join(passed)}." if passed else ""
    shape = (shown, value, band_unit, route, per)
    return _result(kb, shape, patient, headline, verdict, code, ceiling, rows, summary, notes)


def _band_row(band: DoseBand, value: float, unit: str, is_ceiling: bool) -> dict[str, Any]:
    label = band.label
    if band.reduction:
        label += f" [{_crcl_range(band)}; general maximum cut by {band.reduction}, worked out by baclo]"
    if band.kind == "avoid":
        return {
            "kind": "AVOID",
            "threshold": "any dose",
            "basis": band.basis,
            "label": label,
            "your_dose": "advised against",
            "refs": list(band.refs),
        }
    threshold = _convert(band.amount, band.unit, unit)
    position = "at" if math.isclose(value, threshold) else ("above" if value > threshold else "below")
    return {
        "kind": ("CEILING " if is_ceiling else "") + band.kind,
        "threshold": f"{_fmt(threshold)} {unit}",
        "basis": band.basis,
        "label": label,
        "your_dose": f"{position} this",
        "refs": list(band.refs),
    }


def _renal_facts(kb: Knowledge, status: str) -> list[tuple[str, tuple[str, ...]]]:
    """Dosing facts for the kidney function asked about (population renal, and dialysis for dialysis)."""
    if status == "normal" or "dosing" not in kb.topics:
        return []
    wanted = {"renal", "dialysis"} if status == "dialysis" else {"renal"}
    return [
        (f"{fact.fields.get('situation', '')}: {fact.fields.get('guidance', '')}", fact.refs)
        for fact in kb.topics["dosing"].facts
        if str(fact.fields.get("population", "")) in wanted
    ]


def _clearance_refs(kb: Knowledge, patient: Patient) -> list[str]:
    if patient.clearance is None or patient.clearance.method == "given":
        return []
    return [r for t in kb.glossary if t.term.lower().startswith("cockcroft") for r in t.refs]


def _no_ceiling(
    kb: Knowledge,
    amount: float,
    unit: str,
    route: str,
    per: str,
    patient: Patient,
    reason: str,
    bands: list[DoseBand] | None = None,
) -> Result:
    shown = f"{_fmt(amount)} {unit}/{per} {route}"
    verdict = f"NOT CHECKED: {reason}; no cited ceiling, so no reassurance"
    headline = f"{shown}, {patient.describe()}: {verdict}."
    rows = [_band_row(b, _convert(amount, unit, b.unit), b.unit, False) for b in bands or []]
    shape = (shown, amount, unit, route, per)
    return _result(kb, shape, patient, headline, verdict, EXIT_NOT_FOUND, None, rows, "", [])


def _result(
    kb: Knowledge,
    shape: tuple[str, float, str, str, str],
    patient: Patient,
    headline: str,
    verdict: str,
    code: int,
    ceiling: DoseBand | None,
    rows: list[dict[str, Any]],
    summary: str,
    notes: list[str],
) -> Result:
    shown, value, unit, route, per = shape
    notes = [DISCLAIMER, *notes]
    renal_facts = _renal_facts(kb, patient.status)
    notes += [f"Renal note: {text}" for text, _ in renal_facts]
    extra_refs = _clearance_refs(kb, patient)
    if patient.clearance is not None and patient.clearance.method != "given":
        notes.append(f"Clearance: {patient.clearance.describe()}; formula {patient.clearance.as_dict()['formula']}.")
    ref_ids = [r for row in rows for r in row["refs"]] + [r for _, refs in renal_facts for r in refs] + extra_refs
    references = cited_references(kb, ref_ids)
    payload = {
        "schema_version": 1,
        "dose": {"amount": value, "unit": unit, "per": per, "route": route},
        "patient": {
            "kidney_function": patient.status,
            "stated": patient.stated,
            "clearance": patient.clearance.as_dict() if patient.clearance else None,
        },
        "verdict": verdict,
        "above_ceiling": code == EXIT_ABOVE_LABEL,
        "checked": ceiling is not None,
        "ceiling": None if ceiling is None else ceiling.as_dict(),
        "bands": rows,
        "notes": notes[1:],
        "renal_notes": [{"text": text, "refs": list(refs)} for text, refs in renal_facts],
        "disclaimer": DISCLAIMER,
        "references": [r.as_dict() for r in references],
    }
    return Result(
        title=f"Dose check: {shown}",
        summary=summary,
        columns=["kind", "threshold", "basis", "label", "your_dose"],
        rows=rows,
        payload=payload,
        references=references,
        notes=notes,
        exit_code=code,
        verdict=headline,
        rows_key="bands",
    )
