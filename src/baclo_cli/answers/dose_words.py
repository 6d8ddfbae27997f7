"""The words of a dose-check: the first line, the line under it, and the cautions.

The first line answers (dose, patient, status, the ceiling that applies and whose it is); the second says what
the deciding figure or advice is; the cautions say what a pharmacist must also know: what applies if baclofen is
used anyway, a caution for this patient, how the kidney function was worked out and read, and what was assumed
where something was not given.
"""

from __future__ import annotations

from baclo_cli.answers import bands as band_rules
from baclo_cli.answers.bands import Context, fmt, whose
from baclo_cli.answers.clearance import KIDNEY_NAMES, Estimate
from baclo_cli.answers.dose_rows import figure_object, figure_text, strongest, whose_in
from baclo_cli.answers.verdict import HEADWORDS, SEVERITY, Dose, Judgement, in_dose_terms, judge, passes
from baclo_cli.knowledge.load import DoseBand, Knowledge

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def dose_text(dose: Dose) -> str:
    text = f"{dose.text()} {dose.route}"
    if dose.per_kg is not None:
        text += f" ({fmt(dose.per_kg)} {dose.unit}/kg/{dose.per})"
    return text


def patient_text(ctx: Context, dose: Dose, estimates: list[Estimate]) -> str:
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


def status_text(j: Judgement, dose: Dose, everywhere: bool) -> str:
    head = HEADWORDS[j.status]
    if j.status == "avoid":
        return f"{head} ({whose(strongest(j.avoid))})"
    if j.status == "not-checked":
        return f"{head}: {j.reason}"
    whatever = ", whatever the kidney function" if everywhere else ""
    if j.status == "above" and not passes(dose, j.ceiling, inclusive=False):
        assert j.harm is not None
        figure, band = j.harm
        at = "AT" if (dose.value_for(band) or 0) == figure else "ABOVE"
        return f"{at} {figure_text(figure, band, dose)}, where harm was seen ({whose(band)})"
    assert j.ceiling is not None
    figure, band = j.ceiling
    if j.status == "caution":
        return f"{head}: within {figure_text(figure, band, dose)} ({whose_in(band)})"
    return f"{head} {figure_text(figure, band, dose)} ({whose_in(band)}){whatever}"


def summary(j: Judgement, dose: Dose, base: DoseBand | None) -> str:
    """The second line: what the deciding figure or advice is."""
    if j.status == "avoid":
        return strongest(j.avoid).label
    if j.status == "above" and j.harm and not passes(dose, j.ceiling, inclusive=False):
        return j.harm[1].label
    if j.ceiling is None or j.status == "not-checked":
        return ""
    figure, band = j.ceiling
    if band.reduction and base is not None:
        base_figure = band_rules.figure(base, dose.unit, None) or 0.0
        return (
            f"{figure_text(figure, band, dose)} is the {whose(base)} maximum "
            f"({figure_text(base_figure, base, dose)}) cut by {band.reduction} for {band_rules.scope(band)}, the "
            f"mean cut {band.source or 'a study'} suggests; worked out by baclo, not labelled."
        )
    return band.label


def if_used(j: Judgement, dose: Dose, base: DoseBand | None) -> dict[str, Any] | None:
    """What applies if baclofen is used anyway: the ceiling, but never above the lowest cited harm."""
    limit, inclusive = j.ceiling, True
    if j.harm is not None and (limit is None or in_dose_terms(limit, dose) >= in_dose_terms(j.harm, dose)):
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
        "limit": None if limit is None else {**(figure_object(limit, dose, base) or {}), "inclusive": inclusive},
        "start": figure_object(start, dose, base),
    }


def _if_used_text(j: Judgement, dose: Dose, base: DoseBand | None) -> tuple[str, tuple[str, ...]] | None:
    used = if_used(j, dose, base)
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


def caution_lines(
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
        lines.append((f"Above the usual range ({fmt(low)}-{figure_text(high, band, dose)}, {whose(band)}).", band.refs))
    per_kg = [b for b in j.applicable if b.unit == "mg/kg"]
    if per_kg and dose.per_kg is None:
        figures = ", ".join(f"{band_rules.KIND_WORDS[b.kind]} {fmt(b.amount)}" for b in per_kg)
        lines.append(
            (f"Weight not given: the dose per kg ({figures} mg/kg/{dose.per}) is not judged; give --weight.", ())
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
    named = f" ({whose(strongest(decided))})" if decided else ""
    return [
        (
            f"Age not given: judged as under {fmt(age)}; at {fmt(age)} and over the answer is "
            f"{HEADWORDS[older.status]}{named}.",
            tuple(r for b in decided for r in b.refs),
        )
    ]


def verbose_notes(kb: Knowledge, ctx: Context, estimates: list[Estimate]) -> list[str]:
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
