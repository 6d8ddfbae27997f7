"""The patient of ``baclo dose-check``: who they are (adult, elderly, child) and how well their kidneys work.

Kidney function comes as clinicians give it: a creatinine clearance (``--crcl``, mL/min) or an eGFR (``--egfr``,
mL/min/1.73 m2), or estimated from serum creatinine: Cockcroft-Gault (Cockcroft & Gault 1976) with age, weight
and sex, and CKD-EPI 2021 (Inker et al. 2021) with age and sex. With a height, Cockcroft-Gault uses the dosing
weight of the cited convention (ideal, or adjusted when actual weight is well above ideal) and is worked out by
actual weight too, so that the verdict can take the stricter.

This module holds the shapes of the formulas only: every number in them (140, 72, 0.85, the CKD-EPI
coefficients, Devine's 50 and 45.5 kg, the 0.4 and 1.3 of the adjusted weight, the adult and elderly ages) is a
``rules`` entry of the knowledge file with its citation (``Knowledge.rules``). A rule the file does not hold
makes the check NOT CHECKED (``NotChecked``), never a guess.
"""

from __future__ import annotations

import math

from baclo_cli.errors import BadValue
from baclo_cli.knowledge.load import Rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KIDNEY_UNITS = {"crcl": "mL/min", "egfr": "mL/min/1.73 m2"}
KIDNEY_NAMES = {"crcl": "CrCl", "egfr": "eGFR"}
METHODS = {"given": "given", "cockcroft-gault": "Cockcroft-Gault", "ckd-epi-2021": "CKD-EPI 2021"}

# Plausibility bounds on what a user types (not clinical thresholds): outside them the input is a typo.
_BOUNDS = {
    "--crcl": (1.0, 250.0, "mL/min"),
    "--egfr": (1.0, 250.0, "mL/min/1.73 m2"),
    "--age": (0.0, 120.0, "years"),
    "--weight": (0.5, 350.0, "kg"),
    "--height": (30.0, 250.0, "cm"),
    "--scr": (0.1, 25.0, "mg/dL"),
    "--scr-umol": (9.0, 2200.0, "umol/L"),
}


class NotChecked(Exception):
    """The knowledge file lacks what a rule needs: the verdict is NOT CHECKED, with this reason."""


def rule(rules: dict[str, Rule], name: str, purpose: str) -> Rule:
    found = rules.get(name)
    if found is None:
        raise NotChecked(f"the knowledge file holds no rule '{name}' ({purpose})")
    return found


def shown(value: float, places: int = 1) -> float:
    """A kidney value or a weight as it is shown, and so as it is judged: rounded once."""
    return round(value, places)


class Patient:
    """The patient as given: every option typed by the user (``None`` when not given)."""

    __slots__ = ("age", "ckd_epi", "crcl", "egfr", "height_cm", "renal", "scr", "scr_unit", "sex", "weight_kg")

    def __init__(
        self,
        age: float | None = None,
        weight_kg: float | None = None,
        height_cm: float | None = None,
        sex: str | None = None,
        scr: float | None = None,
        scr_unit: str = "mg/dL",
        crcl: float | None = None,
        egfr: float | None = None,
        renal: str | None = None,
        ckd_epi: bool = False,
    ) -> None:
        self.age = age
        self.weight_kg = weight_kg
        self.height_cm = height_cm
        self.sex = sex
        self.scr = scr
        self.scr_unit = scr_unit
        self.crcl = crcl
        self.egfr = egfr
        self.renal = renal
        self.ckd_epi = ckd_epi

    def as_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "weight_kg": self.weight_kg,
            "height_cm": self.height_cm,
            "sex": self.sex,
            "serum_creatinine": None if self.scr is None else {"value": self.scr, "unit": self.scr_unit},
            "crcl": self.crcl,
            "egfr": self.egfr,
            "renal": self.renal,
            "ckd_epi": self.ckd_epi,
        }

    def kidney_stated(self) -> bool:
        return self.renal is not None or self.crcl is not None or self.egfr is not None or self.scr is not None


def _check(option: str, value: float | None) -> float | None:
    if value is None:
        return None
    low, high, unit = _BOUNDS[option]
    if not math.isfinite(value) or not low <= value <= high:
        raise BadValue(f"{option} {value:g} is not plausible: give {low:g} to {high:g} {unit}")
    return value


def read_patient(
    age: float | None = None,
    weight: float | None = None,
    height: float | None = None,
    sex: str | None = None,
    scr: float | None = None,
    scr_umol: float | None = None,
    crcl: float | None = None,
    egfr: float | None = None,
    renal: str | None = None,
    ckd_epi: bool = False,
) -> Patient:
    """The options as a patient; ``BadValue`` (a usage error) for absurd or contradictory input. Age and weight
    alone are fine; serum creatinine must lead to an estimate."""
    if scr is not None and scr_umol is not None:
        raise BadValue("give serum creatinine once: --scr (mg/dL) or --scr-umol (umol/L)")
    creatinine = _check("--scr", scr) if scr is not None else _check("--scr-umol", scr_umol)
    patient = Patient(
        _check("--age", age),
        _check("--weight", weight),
        _check("--height", height),
        sex,
        creatinine,
        "mg/dL" if scr is not None else "umol/L",
        _check("--crcl", crcl),
        _check("--egfr", egfr),
        renal,
        ckd_epi,
    )
    measured = [f"--{m}" for m in ("crcl", "egfr") if getattr(patient, m) is not None]
    if renal == "dialysis" and (measured or creatinine is not None):
        raise BadValue("on dialysis a creatinine clearance or eGFR does not apply: give --renal dialysis alone")
    if ckd_epi:
        missing = [n for n, v in (("--scr or --scr-umol", creatinine), ("--age", age), ("--sex", sex)) if v is None]
        if missing:
            raise BadValue(f"--ckd-epi needs {', '.join(missing)}")
        if egfr is not None:
            raise BadValue("give --egfr or --ckd-epi, not both")
    if creatinine is not None:
        if crcl is not None and not ckd_epi:
            raise BadValue("give --crcl or serum creatinine for Cockcroft-Gault, not both")
        if not ckd_epi:
            missing = [n for n, v in (("--age", age), ("--weight", weight), ("--sex", sex)) if v is None]
            if missing:
                raise BadValue(
                    f"serum creatinine needs {', '.join(missing)} for Cockcroft-Gault, or --ckd-epi with --age and "
                    "--sex for CKD-EPI 2021"
                )
    return patient


class Estimate:
    """One estimate (or measurement) of kidney function, as shown and judged: ``value`` is rounded once."""

    __slots__ = ("formula", "measure", "method", "value", "weight_basis", "weight_kg")

    def __init__(
        self,
        measure: str,
        value: float,
        method: str,
        formula: str = "",
        weight_basis: str = "",
        weight_kg: float | None = None,
    ) -> None:
        self.measure = measure  # crcl or egfr
        self.value = shown(value)
        self.method = method  # given, cockcroft-gault, ckd-epi-2021
        self.formula = formula
        self.weight_basis = weight_basis  # actual, ideal or adjusted (Cockcroft-Gault)
        self.weight_kg = weight_kg

    def describe(self) -> str:
        """``CrCl 36.5 mL/min (Cockcroft-Gault, adjusted weight 87.6 kg)``."""
        text = f"{KIDNEY_NAMES[self.measure]} {self.value:g} {KIDNEY_UNITS[self.measure]}"
        if self.method == "given":
            return text
        how = METHODS[self.method]
        if self.weight_basis:
            how += f", {self.weight_basis} weight {self.weight_kg:g} kg"
        return f"{text} ({how})"

    def short(self) -> str:
        """``CrCl 36.5`` (the unit is in the band it is judged against)."""
        return f"{KIDNEY_NAMES[self.measure]} {self.value:g}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "value": self.value,
            "unit": KIDNEY_UNITS[self.measure],
            "method": self.method,
            "formula": self.formula or None,
            "weight_basis": self.weight_basis or None,
            "weight_kg": self.weight_kg,
        }


def population(rules: dict[str, Rule], age: float | None) -> str:
    """adult, elderly or child for an age (an adult when none is given). Validation makes a file whose bands name
    a population hold the rules that define it; a file without them has no population bands to choose."""
    if age is None:
        return "adult"
    adult, elderly = rules.get("adult"), rules.get("elderly")
    if adult is not None and age < adult["age_from"]:
        return "child"
    if elderly is not None and age >= elderly["age_from"]:
        return "elderly"
    return "adult"


def estimate_kidneys(rules: dict[str, Rule], patient: Patient) -> list[Estimate]:
    """Every estimate of kidney function the patient's values allow: as given, Cockcroft-Gault (by the dosing
    weight and, when that differs, by actual weight), CKD-EPI 2021 (on request, or beside Cockcroft-Gault)."""
    out = []
    if patient.crcl is not None:
        out.append(Estimate("crcl", patient.crcl, "given"))
    if patient.egfr is not None:
        out.append(Estimate("egfr", patient.egfr, "given"))
    if patient.scr is None:
        return out
    scr = _creatinine_mg_dl(rules, patient)
    age, sex = patient.age, patient.sex
    assert age is not None and sex is not None  # read_patient made sure
    _adult_only(rules, age)
    cockcroft = patient.crcl is None and patient.weight_kg is not None
    if cockcroft:
        out += _cockcroft_gault(rules, patient, scr)
    if patient.ckd_epi or cockcroft:
        out.append(_ckd_epi(rules, age, sex, scr))
    for estimate in out:
        high = _BOUNDS[f"--{estimate.measure}"][1]
        if estimate.method != "given" and not 0 < estimate.value <= high:
            raise BadValue(
                f"{METHODS[estimate.method]} gives {estimate.value:g} {KIDNEY_UNITS[estimate.measure]} from these "
                "inputs, which is not plausible; check them"
            )
    return out


def _creatinine_mg_dl(rules: dict[str, Rule], patient: Patient) -> float:
    assert patient.scr is not None
    if patient.scr_unit == "mg/dL":
        return patient.scr
    units = rule(rules, "creatinine_units", "to read creatinine in umol/L")
    return patient.scr / units["umol_per_l_per_mg_dl"]


def _adult_only(rules: dict[str, Rule], age: float) -> None:
    adult = rule(rules, "adult", "the age from which the kidney equations apply")
    if age < adult["age_from"]:
        raise BadValue(
            f"Cockcroft-Gault and CKD-EPI 2021 are for adults ({adult['age_from']:g} and over): for a child, give a "
            "measured --crcl or --egfr"
        )


def _cockcroft_gault(rules: dict[str, Rule], patient: Patient, scr: float) -> list[Estimate]:
    cg = rule(rules, "cockcroft_gault", "to estimate creatinine clearance")
    assert patient.age is not None and patient.weight_kg is not None
    female = patient.sex == "female"
    age = patient.age
    formula = f"Cockcroft-Gault: ({cg['age_from']:g} - age) x weight / ({cg['divisor']:g} x creatinine mg/dL)"
    if female:
        formula += f", x {cg['female_factor']:g} for women"

    def crcl(weight: float) -> float:
        value = (cg["age_from"] - age) * weight / (cg["divisor"] * scr)
        return value * cg["female_factor"] if female else value

    actual = patient.weight_kg
    basis, weight = dosing_weight(rules, actual, patient.height_cm, patient.sex or "")
    first = Estimate("crcl", crcl(weight), "cockcroft-gault", formula, basis, weight)
    if basis == "actual":
        return [first]
    return [first, Estimate("crcl", crcl(actual), "cockcroft-gault", formula, "actual", actual)]


def ideal_weight(rules: dict[str, Rule], height_cm: float, sex: str) -> float | None:
    """Devine's ideal body weight, or None below the height the formula starts from (5 feet)."""
    ibw = rule(rules, "ideal_body_weight", "ideal body weight from height")
    inches = height_cm / ibw["cm_per_inch"]
    if inches < ibw["inches_from"]:
        return None
    base = ibw["female_kg"] if sex == "female" else ibw["male_kg"]
    return shown(base + ibw["kg_per_inch"] * (inches - ibw["inches_from"]))


def dosing_weight(rules: dict[str, Rule], actual: float, height_cm: float | None, sex: str) -> tuple[str, float]:
    """(basis, kg): the weight Cockcroft-Gault uses. Without a height, or below the height the ideal-weight
    formula starts from, actual weight; with one, the cited convention (``rules.dosing_weight``)."""
    if height_cm is None:
        return "actual", actual
    ideal = ideal_weight(rules, height_cm, sex)
    if ideal is None or actual < ideal:
        return "actual", actual
    convention = rule(rules, "dosing_weight", "which weight Cockcroft-Gault uses")
    if actual <= convention["adjusted_above_ratio"] * ideal:
        return "ideal", ideal
    return "adjusted", shown(ideal + convention["adjusted_factor"] * (actual - ideal))


def _ckd_epi(rules: dict[str, Rule], age: float, sex: str, scr: float) -> Estimate:
    epi = rule(rules, "ckd_epi_2021", "to estimate eGFR")
    prefix = "female" if sex == "female" else "male"
    kappa, alpha = epi[f"{prefix}_kappa"], epi[f"{prefix}_alpha"]
    ratio = scr / kappa
    value = epi["constant"] * min(ratio, 1) ** alpha * max(ratio, 1) ** epi["exponent_above"] * epi["age_base"] ** age
    formula = (
        f"CKD-EPI 2021: {epi['constant']:g} x min(Scr/{kappa:g}, 1)^{alpha:g} x max(Scr/{kappa:g}, 1)^"
        f"{epi['exponent_above']:g} x {epi['age_base']:g}^age"
    )
    if sex == "female":
        value *= epi["female_factor"]
        formula += f" x {epi['female_factor']:g} for women"
    return Estimate("egfr", value, "ckd-epi-2021", formula)
