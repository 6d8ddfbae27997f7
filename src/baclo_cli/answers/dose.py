"""``baclo dose-check``: place a dose against the ceiling that applies to the patient described, and say whose.

A fact lookup, not a recommendation. Every threshold is a cited ``dose_bands`` row of the knowledge file and
every number a rule uses is one of its ``rules``. This module reads the dose and the patient and puts the answer
together: ``clearance`` works out the kidney function, ``bands`` picks the bands that apply, ``verdict`` judges,
``dose_rows`` and ``dose_words`` show it. The status, from the worst down:

- ``avoid``: a cited source advises against baclofen for this patient (exit 4). What applies if it is used
  anyway is never above the lowest dose at which a source saw harm.
- ``above``: above the ceiling that applies (the region's label maximum for the population, lowered by the kidney
  bands), or at or above the lowest cited harm for the patient (exit 4).
- ``not-checked``: the sources or the rules cannot decide: a label says safety is not established, the region's
  label gives no maximum for this patient, kidney function is impaired but the file gives no limit for it, or the
  answer depends on what was not said (exit 1).
- ``caution``: within the ceiling, with a label's or guideline's caution for this patient (exit 0).
- ``within``: within the ceiling (exit 0).

The dose and every threshold are rounded once, as shown, and judged as shown.
"""

from __future__ import annotations

import math

from baclo_cli.answers import bands as band_rules
from baclo_cli.answers import dose_rows as rows_of
from baclo_cli.answers import dose_words as words
from baclo_cli.answers.bands import Context, fmt
from baclo_cli.answers.clearance import Estimate, NotChecked, Patient, estimate_kidneys, population, rule
from baclo_cli.answers.result import Result
from baclo_cli.answers.topics import cited_references
from baclo_cli.answers.verdict import Dose, Judgement, judge, judge_unknown_kidneys
from baclo_cli.errors import EXIT_ABOVE_LABEL, EXIT_NOT_FOUND, BadValue
from baclo_cli.knowledge.load import DoseBand, Knowledge

DISCLAIMER = "A fact lookup against cited thresholds, not a dosing recommendation."
REGIONS = ("US", "UK", "FR", "DE", "AU", "CA")
STATUSES = ("within", "caution", "above", "avoid", "not-checked")
EXIT_CODES = {"within": 0, "caution": 0, "above": EXIT_ABOVE_LABEL, "avoid": EXIT_ABOVE_LABEL}
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
_DIGITS = "0123456789"


def _digits(text: str, at: int, most: int) -> int:
    """Where the run of ASCII digits starting at ``at`` ends, or -1 if it is empty or longer than ``most``."""
    end = at
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    return end if 0 < end - at <= most else -1


def split_dose(text: str) -> tuple[str, str] | None:
    """A dose as written: one number (up to 12 digits, an optional fraction of up to 20, an optional exponent
    of up to 3) and an optional unit (up to 20 characters, none a space, a digit or a dot), spaces around
    either; the number exactly as written ('.9e3' is 900) and the unit, or None. (By hand: re costs a run
    ~5 ms.)"""
    body = text.strip()
    end = _digits(body, 0, 12) if body[:1] != "." else 0
    if end < 0:
        return None
    if body[end : end + 1] == ".":
        end = _digits(body, end + 1, 20)
        if end < 0:
            return None
    if end == 0:
        return None
    if body[end : end + 1] in ("e", "E"):
        start = end + 2 if body[end + 1 : end + 2] in ("+", "-") else end + 1
        if start < len(body) and body[start] in _DIGITS:
            end = _digits(body, start, 3)
            if end < 0:
                return None
    number, unit = body[:end], body[end:].lstrip()
    if len(unit) > 20 or any(ch.isspace() or ch in _DIGITS or ch == "." for ch in unit):
        return None
    return number, unit


def parse_dose(text: str, default_unit: str) -> tuple[float, str]:
    """``"80"``, ``"80mg"``, ``"50 mcg"`` -> (amount, unit); anything else is a ``BadValue``."""
    split = split_dose(text)
    if split is None:
        raise BadValue(f"'{text}' is not a dose: give a positive number, optionally with mg or mcg (e.g. 80mg)")
    amount = float(split[0])
    unit_text = split[1].lower()
    if unit_text and unit_text not in _UNITS:
        raise BadValue(f"unknown unit '{split[1]}': use mg or mcg")
    unit = _UNITS.get(unit_text, default_unit)
    if not math.isfinite(amount):
        raise BadValue(f"'{text}' is not a plausible dose (too large to be a number of {unit})")
    if amount <= 0:
        raise BadValue(f"'{text}' is not a dose: it must be greater than zero")
    if band_rules.to_unit(amount, unit, "mg") > MAX_PLAUSIBLE_MG:
        raise BadValue(f"'{text}' is not a plausible dose (over {MAX_PLAUSIBLE_MG / 1000:g} g)")
    return amount, unit


def dose_check_result(
    kb: Knowledge,
    dose_text: str,
    route: str = "oral",
    per: str = "day",
    patient: Patient | None = None,
    region: str = "US",
    verbose: bool = False,
) -> Result:
    patient = patient or Patient()
    default_unit = "mcg" if route == "intrathecal" else "mg"
    amount, unit = parse_dose(dose_text, default_unit)
    if region not in REGIONS:
        raise BadValue(f"region '{region}' is not one of {', '.join(REGIONS)}")
    child = population(kb.rules, patient.age) == "child"  # doses per kg of body weight are children's
    dose = Dose(
        band_rules.to_unit(amount, unit, default_unit), default_unit, per, route, patient.weight_kg if child else None
    )
    notes: list[tuple[str, tuple[str, ...]]] = []
    if unit != default_unit:  # 80mcg by mouth, 1mg intrathecally: likely a slip; say how it was read
        notes.append((f"Unit: {fmt(amount)} {unit} for the {route} route, read as {dose.text()}; check the unit.", ()))
    route_bands = [b for b in kb.dose_bands if b.route == route and b.per == per]
    try:
        estimates = estimate_kidneys(kb.rules, patient)
        ctx = _context(kb, patient, estimates, region)
        judgement, cells = _judge(kb, route_bands, ctx, dose)
    except NotChecked as missing:
        return _not_checked(kb, dose, patient, region, str(missing))
    return _answer(kb, route_bands, ctx, dose, patient, estimates, judgement, cells, notes, verbose)


def _context(kb: Knowledge, patient: Patient, estimates: list[Estimate], region: str) -> Context:
    kidney = _kidney_status(kb, patient, estimates)
    values = [e.value for e in estimates]
    return Context(region, population(kb.rules, patient.age), patient.age, patient.weight_kg, kidney, values)


def _kidney_status(kb: Knowledge, patient: Patient, estimates: list[Estimate]) -> str:
    """not-given, normal, impaired or dialysis: impaired follows from the values themselves (``rules``)."""
    if patient.renal == "dialysis":
        return "dialysis"
    if not estimates:
        return patient.renal or "not-given"
    limits = rule(kb.rules, "impaired_kidneys", "where impaired kidney function starts")
    impaired = [e for e in estimates if e.value <= limits[f"{e.measure}_up_to"]]
    # A measure not given is read at the other (the stricter reading: an eGFR of 70 may be a CrCl below 80).
    measures = {e.measure for e in estimates}
    stand_in = [e for e in estimates for m in ("crcl", "egfr") if m not in measures and e.value <= limits[f"{m}_up_to"]]
    described = ", ".join(e.describe() for e in estimates)
    if patient.renal == "normal" and impaired:
        raise BadValue(f"--renal normal contradicts {described}: that is impaired kidney function")
    if patient.renal == "impaired" and not (impaired or stand_in):
        raise BadValue(f"--renal impaired contradicts {described}: that is not impaired kidney function")
    return "impaired" if impaired or (stand_in and patient.renal != "normal") else "normal"


def _judge(
    kb: Knowledge, route_bands: list[DoseBand], ctx: Context, dose: Dose
) -> tuple[Judgement, list[tuple[float, Judgement]]]:
    if ctx.kidney == "impaired" and not ctx.values:
        limits = rule(kb.rules, "impaired_kidneys", "where impaired kidney function starts")
        return judge_unknown_kidneys(route_bands, ctx, dose, max(limits["crcl_up_to"], limits["egfr_up_to"]))
    return judge(route_bands, ctx, dose), []


def _answer(
    kb: Knowledge,
    route_bands: list[DoseBand],
    ctx: Context,
    dose: Dose,
    patient: Patient,
    estimates: list[Estimate],
    j: Judgement,
    cells: list[tuple[float, Judgement]],
    notes: list[tuple[str, tuple[str, ...]]],
    verbose: bool,
) -> Result:
    cautions = words.caution_lines(kb, route_bands, ctx, dose, estimates, j)
    patient_text = words.patient_text(ctx, dose, estimates)
    verdict = f"{words.dose_text(dose)}, {patient_text}: {words.status_text(j, dose, bool(cells))}"
    shown = route_bands if verbose else rows_of.shown_bands(j)
    base = j.base
    applied = [*j.applicable, *(pair[1] for pair in (j.ceiling, j.harm) if pair)]
    rows = [
        rows_of.row(b, dose, base, b in applied, rows_of.is_band(b, j.ceiling), rows_of.is_band(b, j.harm))
        for b in shown
    ]
    items = [rows_of.item(b, dose, base, b in applied) for b in shown]
    text_notes = [text for text, _ in cautions] + [text for text, _ in notes]
    if verbose:
        text_notes += words.verbose_notes(kb, ctx, estimates)
    rule_refs = _rule_refs(kb, estimates, ctx)
    ref_ids = [r for b in shown for r in b.refs] + [r for _, refs in cautions for r in refs] + rule_refs
    references = cited_references(kb, ref_ids)
    payload = {
        "schema_version": 1,
        "status": j.status,
        "verdict": verdict,
        "dose": {"amount": dose.amount, "unit": dose.unit, "per": dose.per, "route": dose.route, "per_kg": dose.per_kg},
        "region": ctx.region,
        "patient": patient.as_dict(),
        "population": ctx.population,
        "kidney": {"function": ctx.kidney, "estimates": [e.as_dict() for e in estimates]},
        "ceiling": rows_of.figure_object(j.ceiling, dose, base),
        "harm": rows_of.figure_object(j.harm, dose, base),
        "avoid": [rows_of.advice(b) for b in j.avoid],
        "if_used_anyway": words.if_used(j, dose, base) if j.status == "avoid" else None,
        "reason": j.reason or None,
        "thresholds": items,
        "cautions": [{"text": text, "refs": list(refs)} for text, refs in cautions],
        "notes": [text for text, _ in notes] + (text_notes[len(cautions) + len(notes) :] if verbose else []),
        "disclaimer": DISCLAIMER,
        "references": [r.as_dict() for r in references],
    }
    gauge_marks = rows_of.gauge(j, dose)
    return Result(
        title="",
        summary=words.summary(j, dose, base),
        columns=["threshold", "what", "whose", "your_dose"],
        rows=rows,
        payload=payload,
        references=references,
        notes=[*text_notes, DISCLAIMER],
        exit_code=EXIT_CODES.get(j.status, EXIT_NOT_FOUND),
        verdict=verdict,
        rows_key="thresholds",
        noun="thresholds",
        gauge=gauge_marks,
        compact=True,
    )


def _rule_refs(kb: Knowledge, estimates: list[Estimate], ctx: Context) -> list[str]:
    used = set()
    for e in estimates:
        if e.method == "cockcroft-gault":
            used |= {"cockcroft_gault", "adult"}
            if e.weight_basis in ("ideal", "adjusted"):
                used |= {"ideal_body_weight", "dosing_weight"}
        elif e.method == "ckd-epi-2021":
            used |= {"ckd_epi_2021", "adult"}
    if ctx.kidney in ("impaired", "normal") and estimates:
        used.add("impaired_kidneys")
    if ctx.age is not None:
        used |= {"adult", "elderly"}
    return [r for name in sorted(used) if name in kb.rules for r in kb.rules[name].refs]


def _not_checked(kb: Knowledge, dose: Dose, patient: Patient, region: str, reason: str) -> Result:
    j = Judgement()
    j.status, j.reason = "not-checked", reason
    ctx = Context(region, population(kb.rules, patient.age), patient.age, patient.weight_kg, "not-given", [])
    verdict = f"{words.dose_text(dose)}, {words.patient_text(ctx, dose, [])}: {words.status_text(j, dose, False)}"
    payload = {
        "schema_version": 1,
        "status": "not-checked",
        "verdict": verdict,
        "dose": {"amount": dose.amount, "unit": dose.unit, "per": dose.per, "route": dose.route, "per_kg": dose.per_kg},
        "region": region,
        "patient": patient.as_dict(),
        "population": ctx.population,
        "kidney": {"function": "not-given", "estimates": []},
        "ceiling": None,
        "harm": None,
        "avoid": [],
        "if_used_anyway": None,
        "reason": reason,
        "thresholds": [],
        "cautions": [],
        "notes": [],
        "disclaimer": DISCLAIMER,
        "references": [],
    }
    return Result(
        title="",
        columns=["threshold", "what", "whose", "your_dose"],
        rows=[],
        payload=payload,
        notes=[DISCLAIMER],
        exit_code=EXIT_NOT_FOUND,
        verdict=verdict,
        rows_key="thresholds",
        noun="thresholds",
    )
