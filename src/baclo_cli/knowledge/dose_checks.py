"""What a valid knowledge file says about doses: its ``dose_bands`` and the ``rules`` dose-check works by.

Part of ``checks.check_knowledge`` (which calls these with its checker), kept apart so each module reads in one
sitting. A band is a cited threshold for a route, a basis (per day or per dose), a population and a kidney
function; a rule holds the numbers of one formula or definition (Cockcroft-Gault's constants, the age at which
the elderly wording applies), each with its citation, so that no number a rule uses lives in Python.
"""

from __future__ import annotations

import math
import re
from typing import Any

from baclo_cli.knowledge.checks import (
    Path,
    _check_label_basis,
    _check_number,
    _check_refs,
    _check_whose,
    _Checker,
    _choice,
)
from baclo_cli.knowledge.model import FIGURELESS_KINDS, RULE_NUMBERS, is_default_general
from baclo_cli.knowledge.vocabulary import DOSE_BAND_KINDS, DOSE_BAND_SETTINGS, DOSE_UNITS, POPULATIONS

# Whose number a dose band is: 'baclo dose-check' names it in its verdict.
DOSE_BAND_BASES = ("label", "regulator", "guideline", "compendium", "study", "case-report", "article")
DOSE_BAND_KEYS = (
    "route",
    "per",
    "population",
    "age",
    "renal",
    "crcl",
    "egfr",
    "kind",
    "basis",
    "jurisdiction",
    "setting",
    "indication",
    "source",
    "label",
    "amount",
    "reduction",
    "unit",
    "refs",
)
KIDNEY_MEASURES = {"crcl": "a creatinine clearance in mL/min", "egfr": "an eGFR in mL/min/1.73 m2"}
MAX_SOURCE = 60  # a source's short name ("Vlavonou 2014") goes into the one-line verdict
_FRACTION = re.compile(r"([1-9][0-9]?)/([1-9][0-9]?)")


def check_dose_bands(
    c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str], whose: dict[str, str]
) -> None:
    """Thresholds for 'baclo dose-check'. A band for reduced kidney function may give a range of creatinine
    clearance (``crcl: {above, up_to}``, mL/min) or of eGFR (``egfr``, mL/min/1.73 m2), above < value <= up_to,
    and a ``reduction`` of the general maximum ("1/3") instead of an amount. ``population`` (adult, elderly,
    child, any) and ``age: {from, below}`` say whom it is for; a label's, regulator's or guideline's band says
    whose it is (``jurisdiction``); ``setting: hospital`` and ``indication`` mark a ceiling that is not the
    general one; kinds avoid, caution and not-established carry no figure."""
    if "dose_bands" not in root:
        return
    general_max: set[tuple[str, str]] = set()
    reduced: list[tuple[Path, str, str]] = []
    needs: dict[str, Path] = {}  # rule name -> the first band that needs it
    for i, band_data in enumerate(c.seq(root["dose_bands"], ("dose_bands",)) or []):
        path: Path = ("dose_bands", i)
        band = c.mapping(band_data, path)
        if band is None:
            continue
        c.unknown_keys(band, DOSE_BAND_KEYS, path)
        route = _choice(c, band, "route", path, ("oral", "intrathecal"))
        per = _choice(c, band, "per", path, ("day", "dose"))
        renal = _choice(c, band, "renal", path, ("normal", "impaired", "dialysis", "any"), required=False) or "any"
        kind = _choice(c, band, "kind", path, DOSE_BAND_KINDS)
        basis = _choice(c, band, "basis", path, DOSE_BAND_BASES)
        population = _choice(c, band, "population", path, POPULATIONS, required=False) or "any"
        c.text(band, "label", path)
        source = c.text(band, "source", path, required=False)
        if source is not None and len(source) > MAX_SOURCE:
            c.fail((*path, "source"), f"a source's short name is at most {MAX_SOURCE} characters")
        elif source is not None:
            c.clean((*path, "source"), source, single_line=True)
        figureless = kind in FIGURELESS_KINDS
        unit = _choice(c, band, "unit", path, DOSE_UNITS, required="reduction" not in band and not figureless)
        if unit == "mg/kg" and population != "child":
            c.fail((*path, "unit"), "a dose per kg of body weight belongs to a band for population 'child'")
        kinds = _check_refs(c, band, path, ref_ids, cited)
        if basis is not None:
            _check_label_basis(c, (*path, "basis"), basis, kinds)
        national = basis in ("label", "regulator", "guideline")
        _check_whose(c, band, path, whose, required=national, why=f"a band with basis '{basis}'")
        _choice(c, band, "setting", path, DOSE_BAND_SETTINGS, required=False)
        c.text(band, "indication", path, required=False)
        if "age" in band:
            _check_age(c, band["age"], (*path, "age"))
        if population != "any" or "age" in band:
            needs.setdefault("adult", path)
        if population == "elderly":
            needs.setdefault("elderly", path)
        if kind == "max" and is_default_general(band) and route and per and unit in ("mg", "mcg"):
            general_max.add((route, per))
        measures = [m for m in KIDNEY_MEASURES if m in band]
        if len(measures) > 1:
            c.fail(path, "a band's kidney range is a creatinine clearance (crcl) or an eGFR (egfr), not both")
        for measure in measures:
            _check_kidney_range(c, band[measure], (*path, measure), renal, measure)
        if renal == "impaired":
            needs.setdefault("impaired_kidneys", path)
        if "reduction" in band:
            _check_reduction(c, band, path, kind, renal)
            if route and per:
                reduced.append((path, route, per))
            continue
        if figureless:
            if "amount" in band or "unit" in band:
                c.fail(path, f"a '{kind}' band carries no amount and no unit (the advice is in its label)")
            continue
        amount = band.get("amount")
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
            c.fail((*path, "amount"), "expected a positive number")
        else:
            _check_number(c, amount, (*path, "amount"))
    for path, route, per in reduced:
        if (route, per) not in general_max:
            c.fail((*path, "reduction"), f"no general 'max' band for {route} per {per} to reduce")
    rules = root.get("rules")
    for name, path in needs.items():
        if not isinstance(rules, dict) or name not in rules:
            c.fail(path, f"needs the rule '{name}' (rules.{name}: {_RULE_PURPOSE[name]})")


_RULE_PURPOSE = {
    "adult": "the age from which a patient is an adult",
    "elderly": "the age from which the elderly wording applies",
    "impaired_kidneys": "the clearance and eGFR at or below which kidney function counts as impaired",
}


def _check_reduction(c: _Checker, band: dict[str, Any], path: Path, kind: str | None, renal: str) -> None:
    fraction = c.text(band, "reduction", path)
    match = _FRACTION.fullmatch(fraction) if fraction else None
    if fraction is not None and (not match or int(match.group(1)) >= int(match.group(2))):
        c.fail((*path, "reduction"), "a reduction is a fraction below one, such as 1/3")
    if kind != "max" or renal != "impaired":
        c.fail((*path, "reduction"), "only a 'max' band for renal 'impaired' may be a reduction")
    if "amount" in band:
        c.fail((*path, "amount"), "give an amount or a reduction, not both")


def _check_kidney_range(c: _Checker, value: Any, path: Path, renal: str, measure: str) -> None:
    bounds_given = c.mapping(value, path)
    if bounds_given is None:
        return
    c.unknown_keys(bounds_given, ("above", "up_to"), path)
    if renal != "impaired":
        c.fail(path, "a kidney-function range belongs to a band for renal 'impaired'")
    bounds = []
    for key in ("above", "up_to"):
        number = bounds_given.get(key)
        if not isinstance(number, (int, float)) or isinstance(number, bool) or not 0 <= number <= 1000:
            c.fail((*path, key), f"expected {KIDNEY_MEASURES[measure]} between 0 and 1000")
        else:
            bounds.append(number)
    if len(bounds) == 2 and bounds[0] >= bounds[1]:
        c.fail(path, "'above' must be below 'up_to'")


def _check_age(c: _Checker, value: Any, path: Path) -> None:
    """``{from, below}`` in years: from <= age < below; either may be left out, not both."""
    age = c.mapping(value, path)
    if age is None:
        return
    c.unknown_keys(age, ("from", "below"), path)
    if not age:
        c.fail(path, "an age range gives 'from', 'below' or both")
    bounds = []
    for key in ("from", "below"):
        if key not in age:
            continue
        number = age[key]
        if not isinstance(number, (int, float)) or isinstance(number, bool) or not 0 <= number <= 130:
            c.fail((*path, key), "expected an age in years between 0 and 130")
        else:
            bounds.append(number)
    if len(bounds) == 2 and bounds[0] >= bounds[1]:
        c.fail(path, "'from' must be below 'below'")


def check_rules(c: _Checker, root: dict[str, Any], ref_ids: dict[str, str], cited: set[str]) -> None:
    """``rules``: each known rule gives every number it needs (``model.RULE_NUMBERS``), a note and its refs."""
    if "rules" not in root:
        return
    rules = c.mapping(root["rules"], ("rules",))
    for name, entry_data in (rules or {}).items():
        path: Path = ("rules", str(name))
        if name not in RULE_NUMBERS:
            c.fail(path, f"unknown rule (known: {', '.join(RULE_NUMBERS)})")
            continue
        entry = c.mapping(entry_data, path)
        if entry is None:
            continue
        wanted = RULE_NUMBERS[name]
        c.unknown_keys(entry, (*wanted, "note", "refs"), path)
        c.text(entry, "note", path)
        _check_refs(c, entry, path, ref_ids, cited)
        for key in wanted:
            if key not in entry:
                c.fail(path, f"missing required number '{key}'")
                continue
            number = entry[key]
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                c.fail((*path, key), "expected a number")
            elif not math.isfinite(number) or number == 0:
                c.fail((*path, key), "expected a finite number other than zero")
            else:
                _check_number(c, number, (*path, key))
                _check_rule_sense(c, name, key, number, (*path, key))
    _check_ages_in_order(c, rules or {})


# Numbers that must be positive, or lie in a range, for the formula built on them to mean anything.
_SIGNS = {"female_alpha": -1, "male_alpha": -1, "exponent_above": -1}
_BETWEEN = {
    "female_factor": (0.0, 2.0),
    "adjusted_factor": (0.0, 1.0),
    "age_base": (0.0, 1.0),
    "adjusted_above_ratio": (1.0, 10.0),
}


def _check_rule_sense(c: _Checker, name: str, key: str, number: float, path: Path) -> None:
    if _SIGNS.get(key, 1) * number <= 0:
        c.fail(path, "expected a negative number" if key in _SIGNS else "expected a positive number")
    elif key in _BETWEEN or (name in ("adult", "elderly") and key == "age_from"):
        low, high = _BETWEEN.get(key, (0.0, 130.0))
        if not low < number <= high:
            c.fail(path, f"expected a number above {low:g} and at most {high:g}")


def _check_ages_in_order(c: _Checker, rules: dict[str, Any]) -> None:
    adult, elderly = (
        rules.get(name, {}).get("age_from") if isinstance(rules.get(name), dict) else None
        for name in ("adult", "elderly")
    )
    numbers = all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (adult, elderly))
    if numbers and adult >= elderly:  # type: ignore[operator]
        c.fail(("rules", "elderly", "age_from"), "the elderly age must be above the adult age")
