"""Which dose bands apply to the patient described, and their figures in the unit the dose is judged in.

A band applies when its route and basis match and its region, population, age and kidney function fit the
patient (``Context``). Region: a band of a jurisdiction applies in that region; kidney bands and cautions apply in
every region (no US label gives kidney bands), named by whose they are. Kidney bands: a band for renal
'impaired' applies to a patient whose kidney function is impaired, by the band's range when it has one. Every
kidney estimate is read against every range (a CrCl against an eGFR band too: the sources grade kidney function
by one or the other, and where the estimates fall in different bands the stricter one counts); a patient on
dialysis is at the bottom of every range. Figures are rounded once, as shown, and judged as shown.
"""

from __future__ import annotations

from baclo_cli.knowledge.load import DoseBand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from baclo_cli.answers.clearance import Estimate

PLACES = 2  # a dose and its thresholds are shown, and judged, to two decimals (0.01 mg, 0.01 mcg)
BASIS_WORDS = {
    "label": "labelled",
    "regulator": "regulator",
    "guideline": "guideline",
    "compendium": "compendium",
    "study": "study-derived",
    "case-report": "case report",
    "article": "article",
}
KIND_WORDS = {
    "start": "start",
    "usual": "usual",
    "max": "maximum",
    "study": "studied",
    "toxicity": "harm from",
    "avoid": "avoid",
    "caution": "caution",
    "not-established": "not established",
}


def rounded(amount: float) -> float:
    return round(amount, PLACES)


def fmt(amount: float) -> str:
    """A figure as shown: at most two decimals, no trailing zeros (80, 53.33, 0.75)."""
    text = f"{rounded(amount):.{PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def to_unit(amount: float, unit: str, wanted: str) -> float:
    """mg and mcg into each other (mg/kg stays per kg; its caller multiplies by the weight)."""
    if unit == wanted or unit == "mg/kg":
        return amount
    return amount * 1000 if wanted == "mcg" else amount / 1000


class Context:
    """The patient as the bands see them: region, population, age (None: not given), weight, kidney function
    (not-given, normal, impaired, dialysis) and the kidney values to read band ranges at."""

    __slots__ = ("age", "kidney", "population", "region", "values", "weight")

    def __init__(
        self,
        region: str,
        population: str,
        age: float | None,
        weight: float | None,
        kidney: str,
        values: list[float],
    ) -> None:
        self.region = region
        self.population = population
        self.age = age
        self.weight = weight
        self.kidney = kidney
        self.values = values

    def with_values(self, values: list[float]) -> Context:
        return Context(self.region, self.population, self.age, self.weight, self.kidney, values)


def in_range(band: DoseBand, value: float) -> bool:
    bounds = band.kidney_range
    return bounds is not None and bounds[0] < value <= bounds[1]


def fits_region(band: DoseBand, region: str) -> bool:
    return (
        not band.jurisdiction
        or band.jurisdiction == region
        or band.renal in ("impaired", "dialysis")
        or band.kind == "caution"
    )


def fits_person(band: DoseBand, ctx: Context) -> bool:
    """Population and age: an age range needs the age given."""
    wanted = band.population
    if wanted == "adult" and ctx.population not in ("adult", "elderly"):
        return False
    if wanted in ("elderly", "child") and ctx.population != wanted:
        return False
    if band.age_from is None and band.age_below is None:
        return True
    if ctx.age is None:
        return False
    return (band.age_from is None or ctx.age >= band.age_from) and (band.age_below is None or ctx.age < band.age_below)


def fits_kidneys(band: DoseBand, ctx: Context) -> bool:
    if band.renal == "any":
        return True
    if band.renal == "normal":
        return ctx.kidney in ("not-given", "normal")
    if band.renal == "dialysis":
        return ctx.kidney == "dialysis"
    bounds = band.kidney_range
    if ctx.kidney == "dialysis":
        return bounds is None or bounds[0] == 0
    if ctx.kidney != "impaired":
        return False
    return bounds is None or any(in_range(band, v) for v in ctx.values)


def is_general(band: DoseBand) -> bool:
    """For every setting and indication (a hospital-only or single-indication ceiling is not)."""
    return not band.setting and not band.indication


def applies(band: DoseBand, ctx: Context) -> bool:
    return is_general(band) and fits_region(band, ctx.region) and fits_person(band, ctx) and fits_kidneys(band, ctx)


def base_maximum(bands: list[DoseBand], ctx: Context, unit: str) -> DoseBand | None:
    """The maximum a ``reduction`` cuts: the lowest general maximum for this region and patient, in mg or mcg."""
    maxima = [
        b
        for b in bands
        if b.kind == "max"
        and not b.reduction
        and b.renal in ("any", "normal")
        and b.unit in ("mg", "mcg")
        and is_general(b)
        and fits_region(b, ctx.region)
        and fits_person(b, ctx)
    ]
    return min(maxima, key=lambda b: to_unit(b.amount, b.unit, unit), default=None)


def figure(band: DoseBand, unit: str, base: DoseBand | None) -> float | None:
    """The band's figure in ``unit`` (per kg for mg/kg bands), rounded as shown; a reduction is worked out from
    ``base``; None for kinds without a figure or a reduction with nothing to cut."""
    if not band.has_figure:
        return None
    if band.reduction:
        if base is None:
            return None
        numerator, denominator = (int(n) for n in band.reduction.split("/"))
        return rounded(to_unit(base.amount, base.unit, unit) * (denominator - numerator) / denominator)
    return rounded(to_unit(band.amount, band.unit, unit))


def whose(band: DoseBand) -> str:
    """Whose figure or advice, as a pharmacist says it: 'US label', 'study-derived, Vlavonou 2014'."""
    source = band.source or (f"{band.jurisdiction} {band.basis}" if band.jurisdiction else "")
    if band.basis == "label" and source:
        return source
    words = BASIS_WORDS.get(band.basis, band.basis)
    return f"{words}, {source}" if source else words


def scope(band: DoseBand) -> str:
    """Whom or what the band is for, in a few words: 'CrCl 30-50', 'eGFR 30 or less', 'on dialysis'."""
    kidney = kidney_scope(band)
    parts = [kidney] if kidney else []
    if band.population == "elderly":
        parts.append(f"{fmt(band.age_from)} and over" if band.age_from is not None else "older adults")
    elif band.population == "child":
        if band.age_below is not None and not band.age_from:
            parts.append(f"children under {fmt(band.age_below)}")
        elif band.age_from:
            parts.append(f"children {fmt(band.age_from)} and over")
        else:
            parts.append("children")
    if band.setting:
        parts.append(f"in {band.setting}")
    if band.indication:
        parts.append(band.indication)
    return ", ".join(parts)


def kidney_scope(band: DoseBand) -> str:
    """The kidney function a band is for: 'CrCl 30-50', 'eGFR 30 or less', 'on dialysis', or ''."""
    bounds = band.kidney_range
    if bounds is not None:
        name = "CrCl" if band.measure == "crcl" else "eGFR"
        low, high = bounds
        return f"{name} {fmt(high)} or less" if low == 0 else f"{name} {fmt(low)}-{fmt(high)}"
    return {"dialysis": "on dialysis", "impaired": "impaired kidneys"}.get(band.renal, "")


def describe(band: DoseBand) -> str:
    """'maximum, CrCl 30-50' (the cut a reduction makes is in the verdict's second line and the JSON)."""
    text = KIND_WORDS.get(band.kind, band.kind)
    where = scope(band)
    if where:
        text += f", {where}"
    return text


def kidney_bands_differ(bands: list[DoseBand], estimates: list[Estimate]) -> bool:
    """Whether the kidney estimates fall in different ranged bands (so the stricter reading is the verdict's)."""
    ranged = [b for b in bands if b.kidney_range is not None]
    sets = {frozenset(id(b) for b in ranged if in_range(b, e.value)) for e in estimates}
    return len(sets) > 1
