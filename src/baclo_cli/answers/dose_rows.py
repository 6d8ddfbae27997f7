"""The thresholds of a dose-check as rows (for people) and typed items (for scripts), and the figure objects.

Which thresholds a default answer shows (``shown_bands``: those that apply to the patient and matter), each
with its figure in the dose's unit, where the dose stands against it, and whose it is; the ceiling, the harm and
the advice as the JSON document carries them; the gauge's marks.
"""

from __future__ import annotations

from baclo_cli.answers import bands as band_rules
from baclo_cli.answers.bands import fmt, whose
from baclo_cli.answers.verdict import Dose, Judgement
from baclo_cli.knowledge.load import DoseBand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_BASIS_RANK = ("label", "regulator", "guideline", "compendium", "study", "case-report", "article")


def strongest(bands: list[DoseBand]) -> DoseBand:
    """The band to name first: a label's before a guideline's before a study's."""

    def rank(band: DoseBand) -> tuple[int, bool]:
        basis = _BASIS_RANK.index(band.basis) if band.basis in _BASIS_RANK else len(_BASIS_RANK)
        return basis, band.renal != "dialysis"  # on dialysis, the advice about dialysis itself

    return min(bands, key=rank)


def is_band(band: DoseBand, pair: tuple[float, DoseBand] | None) -> bool:
    return pair is not None and pair[1] is band


def unit_of(band: DoseBand, dose: Dose) -> str:
    return f"{dose.unit}/kg" if band.unit == "mg/kg" else dose.unit


def figure_text(figure: float, band: DoseBand, dose: Dose) -> str:
    return f"{fmt(figure)} {unit_of(band, dose)}/{dose.per}"


def whose_in(band: DoseBand) -> str:
    """Whose figure, with the setting when the band is hospital-only: 'TGA, in hospital'."""
    extra = f"; in {band.setting}" if band.setting else ""
    return whose(band) + extra


def shown_bands(j: Judgement) -> list[DoseBand]:
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


def row(
    band: DoseBand, dose: Dose, base: DoseBand | None, applies: bool, is_ceiling: bool, is_harm: bool
) -> dict[str, Any]:
    figure = band_rules.figure(band, dose.unit, base)
    if band.kind == "avoid":
        threshold = "any dose"
    elif figure is None:
        threshold = "no figure" if band.has_figure else "-"
    else:
        threshold = figure_text(figure, band, dose)
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


def item(band: DoseBand, dose: Dose, base: DoseBand | None, applies: bool) -> dict[str, Any]:
    figure = band_rules.figure(band, dose.unit, base)
    bounds = band.kidney_range
    return {
        "kind": band.kind,
        "amount": figure,
        "unit": unit_of(band, dose) if band.has_figure else None,
        "per": dose.per,
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": whose_in(band),
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


def figure_object(pair: tuple[float, DoseBand] | None, dose: Dose, base: DoseBand | None) -> dict[str, Any] | None:
    if pair is None:
        return None
    figure, band = pair
    return {
        "amount": figure,
        "unit": unit_of(band, dose),
        "per": dose.per,
        "kind": band.kind,
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": whose_in(band),
        "label": band.label,
        "derived": _derived(band, dose, base),
        "refs": list(band.refs),
    }


def advice(band: DoseBand) -> dict[str, Any]:
    return {
        "basis": band.basis,
        "jurisdiction": band.jurisdiction or None,
        "source": band.source or None,
        "whose": whose(band),
        "label": band.label,
        "refs": list(band.refs),
    }


def gauge(j: Judgement, dose: Dose) -> tuple[float, str, list[tuple[float, str]]] | None:
    """The dose and the figures around it (in the dose's own unit), for a terminal's one-line picture."""
    marks = []
    for band in shown_bands(j):
        figure = band_rules.figure(band, dose.unit, j.base)
        if figure is not None and band.unit != "mg/kg" and band.kind in ("start", "usual", "max", "toxicity"):
            marks.append((figure, band.kind))
    if not marks:
        return None
    return (dose.amount, f"{dose.unit}/{dose.per}", sorted(set(marks)))
