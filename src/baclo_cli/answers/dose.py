"""``baclo dose-check``: place a dose against the ceiling that applies to the patient described, and say whose.

A fact lookup, not a recommendation. Every threshold is a cited ``dose_bands`` row of the knowledge file and
every number a rule uses is one of its ``rules``; this module picks the bands that apply to the patient
(``bands``), judges the dose against them, and words the verdict. The status, from the worst down:

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
import re

from baclo_cli.answers import bands as band_rules
from baclo_cli.answers.bands import Context, fmt, rounded, whose
from baclo_cli.answers.clearance import (
    KIDNEY_NAMES,
    Estimate,
    NotChecked,
    Patient,
    estimate_kidneys,
    population,
    rule,
)
from baclo_cli.answers.result import Result
from baclo_cli.answers.topics import cited_references
from baclo_cli.errors import EXIT_ABOVE_LABEL, EXIT_NOT_FOUND, BadValue
from baclo_cli.knowledge.load import DoseBand, Knowledge

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DISCLAIMER = "A fact lookup against cited thresholds, not a dosing recommendation."
REGIONS = ("US", "UK", "FR", "DE", "AU", "CA")
STATUSES = ("within", "caution", "above", "avoid", "not-checked")
EXIT_CODES = {"within": 0, "caution": 0, "above": EXIT_ABOVE_LABEL, "avoid": EXIT_ABOVE_LABEL}
HEADWORDS = {"within": "WITHIN", "caution": "CAUTION", "above": "ABOVE", "avoid": "AVOID", "not-checked": "NOT CHECKED"}
SEVERITY = {"within": 0, "caution": 1, "not-checked": 2, "above": 3, "avoid": 4}
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
    if band_rules.to_unit(amount, unit, "mg") > MAX_PLAUSIBLE_MG:
        raise BadValue(f"'{text}' is not a plausible dose (over {MAX_PLAUSIBLE_MG / 1000:g} g)")
    return amount, unit


class Dose:
    """The dose as judged: ``amount`` in ``unit`` (mg by mouth, mcg intrathecally) rounded as shown, and per kg
    of body weight when the weight is known."""

    __slots__ = ("amount", "per", "per_kg", "route", "unit")

    def __init__(self, amount: float, unit: str, per: str, route: str, weight: float | None) -> None:
        self.amount = rounded(amount)
        self.unit = unit
        self.per = per
        self.route = route
        self.per_kg = rounded(self.amount / weight) if weight else None

    def text(self, amount: float | None = None, unit: str = "") -> str:
        return f"{fmt(self.amount if amount is None else amount)} {unit or self.unit}/{self.per}"

    def value_for(self, band: DoseBand) -> float | None:
        """What a band's figure is compared with: the dose, or the dose per kg for a band in mg/kg."""
        return self.per_kg if band.unit == "mg/kg" else self.amount


class Judgement:
    """Where the dose stands for one reading of the patient's kidneys."""

    __slots__ = ("applicable", "avoid", "base", "cautions", "ceiling", "harm", "reason", "status", "usual_top")

    def __init__(self) -> None:
        self.status = "within"
        self.applicable: list[DoseBand] = []
        self.base: DoseBand | None = None  # the maximum a reduction cuts
        self.ceiling: tuple[float, DoseBand] | None = None  # the lowest maximum that applies
        self.harm: tuple[float, DoseBand] | None = None  # the lowest cited harm that applies
        self.avoid: list[DoseBand] = []
        self.cautions: list[DoseBand] = []
        self.usual_top: tuple[float, float, DoseBand] | None = None  # (low, high) of the usual range, when above it
        self.reason = ""  # why NOT CHECKED


def _limit(band: DoseBand, dose: Dose, base: DoseBand | None) -> float | None:
    figure = band_rules.figure(band, dose.unit, base)
    if figure is None or (band.unit == "mg/kg" and dose.per_kg is None):
        return None
    return figure


def judge(route_bands: list[DoseBand], ctx: Context, dose: Dose) -> Judgement:
    """The verdict for one reading of the patient (one set of kidney values)."""
    j = Judgement()
    j.applicable = [b for b in route_bands if band_rules.applies(b, ctx)]
    j.base = band_rules.base_maximum(route_bands, ctx, dose.unit)
    limits = {id(b): _limit(b, dose, j.base) for b in j.applicable}
    maxima = _figures(j.applicable, limits, "max")
    harms = _figures(j.applicable, limits, "toxicity")
    # a ceiling in mg/kg is compared per kg; to find the lowest, every ceiling is put in the dose's own terms
    j.ceiling = min(maxima, key=lambda p: _in_dose_terms(p, dose), default=None)
    j.harm = min(harms, key=lambda p: _in_dose_terms(p, dose), default=None)
    j.avoid = [b for b in j.applicable if b.kind == "avoid"]
    j.cautions = [b for b in j.applicable if b.kind == "caution"]
    unknown = [b for b in j.applicable if b.kind in ("max", "toxicity") and limits[id(b)] is None]
    not_established = [b for b in j.applicable if b.kind == "not-established"]
    kidney_limits = [b for b in j.applicable if b.renal != "any" and b.kind in ("max", "avoid", "toxicity")]
    if j.avoid:
        j.status = "avoid"
    elif _passes(dose, j.ceiling, inclusive=False) or _passes(dose, j.harm, inclusive=True):
        j.status = "above"
    elif not_established:
        j.status, j.reason = "not-checked", not_established[0].label
    elif ctx.kidney in ("impaired", "dialysis") and not kidney_limits:
        j.status = "not-checked"
        j.reason = f"the knowledge file gives no {dose.route} dose limit per {dose.per} for this kidney function"
    elif unknown:
        j.status = "not-checked"
        needs_weight = any(b.unit == "mg/kg" for b in unknown)
        j.reason = (
            "a threshold is per kg of body weight: give --weight"
            if needs_weight
            else f"no maximum to cut for {', '.join(sorted({band_rules.describe(b) for b in unknown}))}"
        )
    elif j.ceiling is None:
        _no_ceiling(route_bands, ctx, dose, j)
    else:
        _cautions(j, dose)
    return j


def _figures(bands: list[DoseBand], limits: dict[int, float | None], kind: str) -> list[tuple[float, DoseBand]]:
    return [(figure, b) for b in bands if b.kind == kind and (figure := limits[id(b)]) is not None]


def _passes(dose: Dose, pair: tuple[float, DoseBand] | None, *, inclusive: bool) -> bool:
    """Whether the dose is above a ceiling (or at or above a harm, ``inclusive``), as both are shown."""
    if pair is None:
        return False
    value = dose.value_for(pair[1])
    return value is not None and (value >= pair[0] if inclusive else value > pair[0])


def _in_dose_terms(pair: tuple[float, DoseBand], dose: Dose) -> float:
    amount, band = pair
    if band.unit == "mg/kg" and dose.per_kg:
        return amount * (dose.amount / dose.per_kg)
    return amount


def _no_ceiling(route_bands: list[DoseBand], ctx: Context, dose: Dose, j: Judgement) -> None:
    """No maximum for the patient in the region: above even a hospital-only maximum is ABOVE; else NOT CHECKED."""
    elsewhere = [
        b
        for b in route_bands
        if b.kind == "max"
        and not band_rules.is_general(b)
        and b.jurisdiction in ("", ctx.region)
        and band_rules.fits_person(b, ctx)
        and b.renal in ("any", "normal")
        and b.unit in ("mg", "mcg")
    ]
    hospital = [(band_rules.figure(b, dose.unit, None) or 0.0, b) for b in elsewhere if b.setting]
    top = max(hospital, key=lambda p: p[0], default=None)
    if top is not None and dose.amount > top[0]:
        j.status, j.ceiling = "above", top
        return
    who = {"child": "children", "elderly": "older adults", "adult": "adults"}[ctx.population]
    j.status = "not-checked"
    j.reason = f"the {ctx.region} figures in the knowledge file give no {dose.route} maximum per {dose.per} for {who}"
    if elsewhere:
        outside = {f"outside {b.setting}" if b.setting else f"except for {b.indication}" for b in elsewhere}
        j.reason += " " + " or ".join(sorted(outside))


def _cautions(j: Judgement, dose: Dose) -> None:
    usual = [b for b in j.applicable if b.kind == "usual" and b.has_figure]
    by_unit: dict[str, list[DoseBand]] = {}
    for b in usual:
        by_unit.setdefault(b.unit, []).append(b)
    for group in by_unit.values():
        if len(group) < 2:  # one 'usual' figure is an end of a range the label gives with its maximum
            continue
        figures = [(band_rules.figure(b, dose.unit, None) or 0.0, b) for b in group]
        low, high = min(f for f, _ in figures), max(figures, key=lambda p: p[0])
        compared = dose.value_for(high[1])
        if compared is not None and compared > high[0]:
            j.usual_top = (low, high[0], high[1])
    if j.cautions or j.usual_top:
        j.status = "caution"


def judge_unknown_kidneys(
    route_bands: list[DoseBand], ctx: Context, dose: Dose, top: float
) -> tuple[Judgement, list[tuple[float, Judgement]]]:
    """Impaired kidneys with no value given: the verdict at every kidney value up to ``top`` (one per stretch
    between band boundaries). One status for all is the answer (ABOVE or AVOID everywhere is ABOVE); else NOT
    CHECKED, with what each stretch would give."""
    points = sorted({p for b in route_bands for p in (b.kidney_range or ()) if 0 < p <= top} | {top})
    cells = [(p, judge(route_bands, ctx.with_values([p]), dose)) for p in points]
    statuses = {c.status for _, c in cells}
    if len(statuses) == 1 and statuses != {"above"}:
        strictest = min(cells, key=lambda pc: pc[1].ceiling[0] if pc[1].ceiling else math.inf)
        return strictest[1], cells
    if statuses <= {"above", "avoid"}:
        above = [c for _, c in cells if c.status == "above" and c.ceiling]
        loosest = max(above, key=lambda c: c.ceiling[0] if c.ceiling else 0.0) if above else cells[0][1]
        return loosest, cells
    out = Judgement()
    out.status = "not-checked"
    out.applicable = list(dict.fromkeys(b for _, c in cells for b in c.applicable))
    out.base = next((c.base for _, c in cells if c.base is not None), None)
    stretches: list[list[Any]] = []  # [text, from, to], neighbours with the same answer merged
    low = 0.0
    for p, c in cells:
        word = "within" if c.status == "caution" else HEADWORDS[c.status].lower()
        figure = (
            f" {fmt(c.ceiling[0])} {dose.unit}/{dose.per}" if c.ceiling and c.status in ("within", "caution") else ""
        )
        if stretches and stretches[-1][0] == word + figure:
            stretches[-1][2] = p
        else:
            stretches.append([word + figure, low, p])
        low = p
    said = "; ".join(f"{text} at {fmt(start)}-{fmt(end)}" for text, start, end in stretches)
    out.reason = (
        f"the answer depends on kidney function ({said}): give --crcl, --egfr, or creatinine with age, sex (and weight)"
    )
    return out, cells


# --- the answer ----------------------------------------------------------------------------------------------


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
    cautions = _caution_lines(kb, route_bands, ctx, dose, estimates, j)
    verdict = f"{_dose_text(dose)}, {_patient_text(ctx, dose, estimates)}: {_status_text(j, dose, bool(cells))}"
    shown = route_bands if verbose else _shown_bands(j)
    base = j.base
    applied = [*j.applicable, *(pair[1] for pair in (j.ceiling, j.harm) if pair)]
    rows = [_row(b, dose, base, b in applied, _is(b, j.ceiling), _is(b, j.harm)) for b in shown]
    items = [_item(b, dose, base, b in applied) for b in shown]
    text_notes = [text for text, _ in cautions] + [text for text, _ in notes]
    if verbose:
        text_notes += _verbose_notes(kb, ctx, estimates)
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
        "ceiling": _figure_object(j.ceiling, dose, base),
        "harm": _figure_object(j.harm, dose, base),
        "avoid": [_advice(b) for b in j.avoid],
        "if_used_anyway": _if_used(j, dose, base) if j.status == "avoid" else None,
        "reason": j.reason or None,
        "thresholds": items,
        "cautions": [{"text": text, "refs": list(refs)} for text, refs in cautions],
        "notes": [text for text, _ in notes] + (text_notes[len(cautions) + len(notes) :] if verbose else []),
        "disclaimer": DISCLAIMER,
        "references": [r.as_dict() for r in references],
    }
    gauge_marks = _gauge(j, dose)
    return Result(
        title="",
        summary=_summary(j, dose, base),
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


# --- wording -------------------------------------------------------------------------------------------------

_BASIS_RANK = ("label", "regulator", "guideline", "compendium", "study", "case-report", "article")


def _strongest(bands: list[DoseBand]) -> DoseBand:
    """The band to name first: a label's before a guideline's before a study's."""

    def rank(band: DoseBand) -> tuple[int, bool]:
        basis = _BASIS_RANK.index(band.basis) if band.basis in _BASIS_RANK else len(_BASIS_RANK)
        return basis, band.renal != "dialysis"  # on dialysis, the advice about dialysis itself

    return min(bands, key=rank)


def _is(band: DoseBand, pair: tuple[float, DoseBand] | None) -> bool:
    return pair is not None and pair[1] is band


def _unit_of(band: DoseBand, dose: Dose) -> str:
    return f"{dose.unit}/kg" if band.unit == "mg/kg" else dose.unit


def _figure_text(figure: float, band: DoseBand, dose: Dose) -> str:
    return f"{fmt(figure)} {_unit_of(band, dose)}/{dose.per}"


def _whose_in(band: DoseBand) -> str:
    """Whose figure, with the setting when the band is hospital-only: 'TGA, in hospital'."""
    extra = f"; in {band.setting}" if band.setting else ""
    return whose(band) + extra


def _dose_text(dose: Dose) -> str:
    text = f"{dose.text()} {dose.route}"
    if dose.per_kg is not None:
        text += f" ({fmt(dose.per_kg)} {dose.unit}/kg/{dose.per})"
    return text


def _patient_text(ctx: Context, dose: Dose, estimates: list[Estimate]) -> str:
    parts = []
    if ctx.age is not None:
        parts.append(f"{fmt(ctx.age)} years")
    if ctx.weight is not None and dose.per_kg is None:
        parts.append(f"{fmt(ctx.weight)} kg")
    if ctx.kidney == "dialysis":
        parts.append("on dialysis")
    elif estimates:
        for measure, unit in (("crcl", "mL/min"), ("egfr", "mL/min/1.73 m2")):
            values = [fmt(e.value) for e in estimates if e.measure == measure]
            if values:
                parts.append(f"{KIDNEY_NAMES[measure]} {' and '.join(dict.fromkeys(values))} {unit}")
    elif ctx.kidney == "impaired":
        parts.append("impaired kidneys, no CrCl or eGFR given")
    elif ctx.kidney == "normal":
        parts.append("normal kidney function")
    else:
        parts.append("kidney function not given")
    return ", ".join(parts)


def _status_text(j: Judgement, dose: Dose, everywhere: bool) -> str:
    head = HEADWORDS[j.status]
    if j.status == "avoid":
        return f"{head} ({whose(_strongest(j.avoid))})"
    if j.status == "not-checked":
        return f"{head}: {j.reason}"
    whatever = ", whatever the kidney function" if everywhere else ""
    if j.status == "above" and not _passes(dose, j.ceiling, inclusive=False):
        assert j.harm is not None
        figure, band = j.harm
        at = "AT" if (dose.value_for(band) or 0) == figure else "ABOVE"
        return f"{at} {_figure_text(figure, band, dose)}, where harm was seen ({whose(band)})"
    assert j.ceiling is not None
    figure, band = j.ceiling
    if j.status == "caution":
        return f"{head}: within {_figure_text(figure, band, dose)} ({_whose_in(band)})"
    return f"{head} {_figure_text(figure, band, dose)} ({_whose_in(band)}){whatever}"


def _summary(j: Judgement, dose: Dose, base: DoseBand | None) -> str:
    """The second line: what the deciding figure or advice is."""
    if j.status == "avoid":
        return _strongest(j.avoid).label
    if j.status == "above" and j.harm and not _passes(dose, j.ceiling, inclusive=False):
        return j.harm[1].label
    if j.ceiling is None or j.status == "not-checked":
        return ""
    figure, band = j.ceiling
    if band.reduction and base is not None:
        base_figure = band_rules.figure(base, dose.unit, None) or 0.0
        return (
            f"{_figure_text(figure, band, dose)} is the {whose(base)} maximum "
            f"({_figure_text(base_figure, base, dose)}) cut by {band.reduction} for {band_rules.scope(band)}, the "
            f"mean cut {band.source or 'a study'} suggests; worked out by baclo, not labelled."
        )
    return band.label


def _if_used(j: Judgement, dose: Dose, base: DoseBand | None) -> dict[str, Any] | None:
    """What applies if baclofen is used anyway: the ceiling, but never above the lowest cited harm."""
    limit, inclusive = j.ceiling, True
    if j.harm is not None and (limit is None or _in_dose_terms(limit, dose) >= _in_dose_terms(j.harm, dose)):
        limit, inclusive = j.harm, False
    starts = [
        (f, b)
        for b in j.applicable
        if b.kind == "start" and b.renal != "any" and (f := band_rules.figure(b, dose.unit, base)) is not None
    ]
    start = min(starts, key=lambda p: p[0], default=None)
    if limit is None and start is None:
        return None
    return {
        "limit": None if limit is None else {**(_figure_object(limit, dose, base) or {}), "inclusive": inclusive},
        "start": _figure_object(start, dose, base),
    }


def _if_used_text(j: Judgement, dose: Dose, base: DoseBand | None) -> tuple[str, tuple[str, ...]] | None:
    used = _if_used(j, dose, base)
    if used is None:
        return None
    parts, refs = [], []
    limit = used["limit"]
    if limit:
        word = "at most" if limit["inclusive"] else "below"
        harm = "" if limit["inclusive"] else ", where harm was seen"
        parts.append(f"{word} {fmt(limit['amount'])} {limit['unit']}/{dose.per}{harm} ({limit['whose']})")
        refs += limit["refs"]
    if used["start"]:
        start = used["start"]
        parts.append(f"suggested start {fmt(start['amount'])} {start['unit']}/{dose.per} ({start['whose']})")
        refs += start["refs"]
    return "If used anyway: " + "; ".join(parts) + ".", tuple(refs)


def _caution_lines(
    kb: Knowledge, route_bands: list[DoseBand], ctx: Context, dose: Dose, estimates: list[Estimate], j: Judgement
) -> list[tuple[str, tuple[str, ...]]]:
    lines: list[tuple[str, tuple[str, ...]]] = []
    if j.status == "avoid":
        used = _if_used_text(j, dose, j.base)
        if used:
            lines.append(used)
    if j.status != "avoid":  # the advice to avoid supersedes the cautions of its own sources
        lines += [(band.label, band.refs) for band in j.cautions]
    if j.usual_top:
        low, high, band = j.usual_top
        lines.append(
            (f"Above the usual range ({fmt(low)}-{_figure_text(high, band, dose)}, {whose(band)}).", band.refs)
        )
    if estimates:
        lines += _kidney_reading_lines(j, ctx, estimates)
    if ctx.kidney == "not-given":
        lines += _kidney_not_given(kb, route_bands, ctx)
    if ctx.age is None:
        lines += _age_not_given(kb, route_bands, ctx, dose, j)
    return lines


def _weight(e: Estimate) -> str:
    return f"{e.weight_basis} weight {fmt(e.weight_kg or 0)} kg"


def _estimates_text(estimates: list[Estimate]) -> str:
    """'CrCl 36.5 mL/min by Cockcroft-Gault with adjusted weight 87.5 kg (actual weight 120 kg gives 50);
    eGFR 24.5 by CKD-EPI 2021'."""
    parts = []
    cockcroft = [e for e in estimates if e.method == "cockcroft-gault"]
    if cockcroft:
        first, others = cockcroft[0], cockcroft[1:]
        text = f"CrCl {fmt(first.value)} mL/min by Cockcroft-Gault with {_weight(first)}"
        if others:
            text += " (" + "; ".join(f"{_weight(e)} gives {fmt(e.value)}" for e in others) + ")"
        parts.append(text)
    parts += [f"eGFR {fmt(e.value)} by CKD-EPI 2021" for e in estimates if e.method == "ckd-epi-2021"]
    return "; ".join(parts)


def _kidney_reading_lines(j: Judgement, ctx: Context, estimates: list[Estimate]) -> list[tuple[str, tuple[str, ...]]]:
    lines: list[tuple[str, tuple[str, ...]]] = []
    kidney_bands = [b for b in j.applicable if b.renal == "impaired"]
    differ = len(estimates) > 1 and band_rules.kidney_bands_differ(kidney_bands, estimates)
    worked = _estimates_text(estimates)
    if worked:
        lines.append(
            (f"Kidney function: {worked}" + (" (in different bands: the stricter counts)." if differ else "."), ())
        )
    elif differ:
        lines.append(("The CrCl and eGFR given fall in different bands: the stricter counts.", ()))
    if ctx.kidney != "impaired":
        return lines
    ranged = [b for b in j.applicable if b.kidney_range is not None]
    given = {e.measure for e in estimates}
    for measure in ("crcl", "egfr"):
        read = sorted({b.source or whose(b) for b in ranged if b.measure == measure}) if measure not in given else []
        if read:
            other = next(e for e in estimates if e.measure != measure)
            lines.append(
                (
                    f"No {KIDNEY_NAMES[measure]}: the {KIDNEY_NAMES[measure]} bands ({', '.join(read)}) were read at "
                    f"the {KIDNEY_NAMES[other.measure]} ({fmt(other.value)}), a different measure.",
                    (),
                )
            )
    return lines


def _kidney_not_given(kb: Knowledge, route_bands: list[DoseBand], ctx: Context) -> list[tuple[str, tuple[str, ...]]]:
    kidney = [
        b
        for b in route_bands
        if b.renal in ("impaired", "dialysis")
        and band_rules.is_general(b)
        and band_rules.fits_region(b, ctx.region)
        and band_rules.fits_person(b, ctx)
    ]
    if not kidney:
        return []
    limits = kb.rules.get("impaired_kidneys")
    normal = f" (CrCl over {fmt(limits['crcl_up_to'])} mL/min, eGFR over {fmt(limits['egfr_up_to'])})" if limits else ""
    text = f"Kidney function not given: judged as normal{normal}; lower function lowers the ceiling"
    avoid: dict[str, list[str]] = {}
    for band in kidney:
        if band.kind == "avoid":
            avoid.setdefault(band.source or whose(band), []).append(band_rules.kidney_scope(band))
    if avoid:
        text += ". Avoid: " + "; ".join(f"{', '.join(dict.fromkeys(s))} ({who})" for who, s in avoid.items())
    refs = tuple(r for b in kidney if b.kind == "avoid" for r in b.refs)
    return [(text + ".", refs)]


def _age_not_given(
    kb: Knowledge, route_bands: list[DoseBand], ctx: Context, dose: Dose, j: Judgement
) -> list[tuple[str, tuple[str, ...]]]:
    elderly = kb.rules.get("elderly")
    if elderly is None or ctx.population != "adult":
        return []
    age = elderly["age_from"]
    older = judge(route_bands, Context(ctx.region, "elderly", age, ctx.weight, ctx.kidney, ctx.values), dose)
    if SEVERITY[older.status] <= max(SEVERITY[j.status], SEVERITY["caution"]):
        return []
    decided = older.avoid or [b for pair in (older.ceiling, older.harm) if pair for b in (pair[1],)]
    named = f" ({whose(_strongest(decided))})" if decided else ""
    return [
        (
            f"Age not given: judged as under {fmt(age)}; at {fmt(age)} and over the answer is "
            f"{HEADWORDS[older.status]}{named}.",
            tuple(r for b in decided for r in b.refs),
        )
    ]


# --- rows and the document -----------------------------------------------------------------------------------


def _shown_bands(j: Judgement) -> list[DoseBand]:
    """The thresholds that apply to this patient and matter: the ceiling (and the maximum it cuts), the lowest
    harm, the advice to avoid, starting and usual doses (kidney-specific ones first; general ones for normal
    kidneys)."""
    shown: list[DoseBand] = []
    kidney_start = [b for b in j.applicable if b.kind == "start" and b.renal != "any"]
    for band in sorted(j.applicable, key=lambda b: b.renal != "dialysis"):  # on dialysis, its own bands first
        if (
            (
                band.kind in ("avoid", "not-established")
                and band.source not in {b.source for b in shown if b.kind == band.kind}
            )
            or band.kind == "max"
            or (band.kind in ("start", "usual") and not kidney_start and band.renal == "any")
        ):
            shown.append(band)
    if kidney_start:
        shown.append(min(kidney_start, key=lambda b: b.amount))
    if j.harm is not None:
        shown.append(j.harm[1])
    if j.ceiling is not None and j.ceiling[1] not in shown:
        shown.append(j.ceiling[1])
    return sorted(dict.fromkeys(shown), key=_order)


def _order(band: DoseBand) -> tuple[int, float]:
    return (0 if not band.has_figure else 1, band_rules.to_unit(band.amount, band.unit, "mg"))


def _position(band: DoseBand, dose: Dose, figure: float | None) -> str:
    if band.kind == "avoid":
        return "avoid"
    compared = dose.value_for(band)
    if figure is None or not band.has_figure:
        return "none"
    if compared is None:
        return "unknown"
    return "above" if compared > figure else "at" if compared == figure else "below"


_POSITION_WORDS = {"avoid": "advised against", "none": "", "unknown": "give --weight"}


def _row(
    band: DoseBand, dose: Dose, base: DoseBand | None, applies: bool, is_ceiling: bool, is_harm: bool
) -> dict[str, Any]:
    figure = band_rules.figure(band, dose.unit, base)
    if band.kind == "avoid":
        threshold = "any dose"
    elif figure is None:
        threshold = "no figure" if band.has_figure else "-"
    else:
        threshold = _figure_text(figure, band, dose)
    position = _position(band, dose, figure)
    your_dose = _POSITION_WORDS.get(position, position)
    if is_ceiling:
        your_dose += " (ceiling)"
    elif is_harm:
        your_dose += " (harm)"
    return {
        "threshold": threshold,
        "what": band_rules.describe(band),
        "whose": (band.source or whose(band)) + (f"; in {band.setting}" if band.setting else ""),
        "your_dose": your_dose if applies else "does not apply",
        "kind": band.kind,
        "amount": figure,
        "basis": band.basis,
        "jurisdiction": band.jurisdiction,
        "source": band.source,
        "applies": "yes" if applies else "no",
        "label": band.label,
        "refs": list(band.refs),
    }


def _item(band: DoseBand, dose: Dose, base: DoseBand | None, applies: bool) -> dict[str, Any]:
    figure = band_rules.figure(band, dose.unit, base)
    bounds = band.kidney_range
    return {
        "kind": band.kind,
        "amount": figure,
        "unit": _unit_of(band, dose) if band.has_figure else None,
        "per": dose.per,
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": _whose_in(band),
        "label": band.label,
        "population": band.population,
        "age": None
        if band.age_from is None and band.age_below is None
        else {"from": band.age_from, "below": band.age_below},
        "renal": band.renal,
        "kidney_range": None if bounds is None else {"measure": band.measure, "above": bounds[0], "up_to": bounds[1]},
        "setting": band.setting or None,
        "indication": band.indication or None,
        "derived": _derived(band, dose, base),
        "applies": applies,
        "position": _position(band, dose, figure),
        "refs": list(band.refs),
    }


def _derived(band: DoseBand, dose: Dose, base: DoseBand | None) -> dict[str, Any] | None:
    if not band.reduction or base is None:
        return None
    return {
        "reduction": band.reduction,
        "of_amount": band_rules.figure(base, dose.unit, None),
        "of_whose": whose(base),
        "of_refs": list(base.refs),
        "worked_out_by": "baclo",
    }


def _figure_object(pair: tuple[float, DoseBand] | None, dose: Dose, base: DoseBand | None) -> dict[str, Any] | None:
    if pair is None:
        return None
    figure, band = pair
    return {
        "amount": figure,
        "unit": _unit_of(band, dose),
        "per": dose.per,
        "kind": band.kind,
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": _whose_in(band),
        "label": band.label,
        "derived": _derived(band, dose, base),
        "refs": list(band.refs),
    }


def _advice(band: DoseBand) -> dict[str, Any]:
    return {
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": whose(band),
        "label": band.label,
        "refs": list(band.refs),
    }


def _gauge(j: Judgement, dose: Dose) -> tuple[float, str, list[tuple[float, str]]] | None:
    """The dose and the figures around it (in the dose's own unit), for a terminal's one-line picture."""
    marks = []
    for band in _shown_bands(j):
        figure = band_rules.figure(band, dose.unit, j.base)
        if figure is not None and band.unit != "mg/kg" and band.kind in ("start", "usual", "max", "toxicity"):
            marks.append((figure, band.kind))
    if not marks:
        return None
    return (dose.amount, f"{dose.unit}/{dose.per}", sorted(set(marks)))


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


def _verbose_notes(kb: Knowledge, ctx: Context, estimates: list[Estimate]) -> list[str]:
    notes = [
        f"Region {ctx.region}; judged as {ctx.population} ({'age given' if ctx.age is not None else 'age not given'})."
    ]
    for e in estimates:
        if e.formula:
            notes.append(f"{e.describe()}: {e.formula}.")
    wanted = {"not-given": set(), "normal": set(), "impaired": {"renal"}, "dialysis": {"renal", "dialysis"}}[ctx.kidney]
    wanted |= {"elderly"} if ctx.population == "elderly" else set()
    wanted |= {"paediatric"} if ctx.population == "child" else set()
    if "dosing" in kb.topics:
        for fact in kb.topics["dosing"].facts:
            if wanted & set(str(fact.fields.get("population", "")).split()):
                notes.append(f"{fact.fields.get('situation', '')}: {fact.fields.get('guidance', '')}")
    return notes


def _not_checked(kb: Knowledge, dose: Dose, patient: Patient, region: str, reason: str) -> Result:
    j = Judgement()
    j.status, j.reason = "not-checked", reason
    ctx = Context(region, population(kb.rules, patient.age), patient.age, patient.weight_kg, "not-given", [])
    verdict = f"{_dose_text(dose)}, {_patient_text(ctx, dose, [])}: {_status_text(j, dose, False)}"
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
