"""Where a dose stands for one reading of the patient: the decision of ``baclo dose-check``, without its words.

``judge`` takes the bands for the route and basis, the patient (``bands.Context``) and the dose as shown, and
decides, from the worst down: avoid (a cited source advises against baclofen), above (above the lowest maximum
that applies, or at or above the lowest cited harm), not-checked (a label's "not established", impaired kidneys
with no limit in the file, no maximum for the patient in the region, a figure that needs what was not given),
caution (a caution for the patient, or above the usual range), within. ``judge_unknown_kidneys`` judges a patient
said to have impaired kidneys at every kidney value and answers only where every value gives the same answer.
"""

from __future__ import annotations

import math

from baclo_cli.answers import bands as band_rules
from baclo_cli.answers.bands import Context, fmt, rounded
from baclo_cli.knowledge.load import DoseBand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


HEADWORDS = {"within": "WITHIN", "caution": "CAUTION", "above": "ABOVE", "avoid": "AVOID", "not-checked": "NOT CHECKED"}
SEVERITY = {"within": 0, "caution": 1, "not-checked": 2, "above": 3, "avoid": 4}


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
    j.ceiling = min(maxima, key=lambda p: in_dose_terms(p, dose), default=None)
    j.harm = min(harms, key=lambda p: in_dose_terms(p, dose), default=None)
    j.avoid = [b for b in j.applicable if b.kind == "avoid"]
    j.cautions = [b for b in j.applicable if b.kind == "caution"]
    unknown = [b for b in j.applicable if b.kind in ("max", "toxicity") and limits[id(b)] is None]
    not_established = [b for b in j.applicable if b.kind == "not-established"]
    kidney_limits = [b for b in j.applicable if b.renal != "any" and b.kind in ("max", "avoid", "toxicity")]
    if j.avoid:
        j.status = "avoid"
    elif passes(dose, j.ceiling, inclusive=False) or passes(dose, j.harm, inclusive=True):
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
            else f"the {ctx.region} figures in the knowledge file give no general maximum for "
            f"{' and '.join(sorted({_cut(b) for b in unknown}))} to lower"
        )
    elif j.ceiling is None:
        _no_ceiling(route_bands, ctx, dose, j)
    else:
        _cautions(j, dose)
    return j


def _cut(band: DoseBand) -> str:
    return f"{band.source or band.basis} (cut {band.reduction}, {band_rules.scope(band)})"


def _figures(bands: list[DoseBand], limits: dict[int, float | None], kind: str) -> list[tuple[float, DoseBand]]:
    return [(figure, b) for b in bands if b.kind == kind and (figure := limits[id(b)]) is not None]


def passes(dose: Dose, pair: tuple[float, DoseBand] | None, *, inclusive: bool) -> bool:
    """Whether the dose is above a ceiling (or at or above a harm, ``inclusive``), as both are shown."""
    if pair is None:
        return False
    value = dose.value_for(pair[1])
    return value is not None and (value >= pair[0] if inclusive else value > pair[0])


def in_dose_terms(pair: tuple[float, DoseBand], dose: Dose) -> float:
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
