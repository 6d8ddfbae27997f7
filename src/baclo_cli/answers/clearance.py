"""Creatinine clearance for ``baclo dose-check``: given directly, or estimated with Cockcroft-Gault.

Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. Nephron 1976;16:31-41:
CrCl (mL/min) = (140 - age) x weight (kg) / (72 x serum creatinine (mg/dL)), 15% less in women. The
knowledge file cites the paper (glossary term "Cockcroft-Gault equation"); this module only does the
arithmetic and refuses inputs that cannot describe an adult patient.
"""

from __future__ import annotations

import math

from baclo_cli.errors import BadValue

FORMULA = "Cockcroft-Gault: (140 - age) x weight / (72 x serum creatinine mg/dL), x 0.85 for women"
UMOL_PER_MG_DL = 88.4  # creatinine: 1 mg/dL = 88.4 umol/L (molar mass 113.12 g/mol)

# Plausibility bounds on what a user types (not clinical thresholds): outside them the input is a typo.
_BOUNDS = {
    "--crcl": (1.0, 250.0, "mL/min"),
    "--age": (18.0, 120.0, "years (Cockcroft-Gault is for adults)"),
    "--weight": (20.0, 350.0, "kg"),
    "--scr": (0.1, 25.0, "mg/dL"),
    "--scr-umol": (9.0, 2200.0, "umol/L"),
}


class Clearance:
    __slots__ = ("inputs", "method", "ml_per_min")

    def __init__(self, ml_per_min: float, method: str, inputs: dict[str, float | str]) -> None:
        self.ml_per_min = ml_per_min
        self.method = method  # "given" or "cockcroft-gault"
        self.inputs = inputs

    def describe(self) -> str:
        if self.method == "given":
            return f"CrCl {self.ml_per_min:g} mL/min (given)"
        shown = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in self.inputs.items())
        return f"CrCl {self.ml_per_min:.1f} mL/min by Cockcroft-Gault ({shown})"

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"ml_per_min": round(self.ml_per_min, 1), "method": self.method}
        if self.method != "given":
            out["formula"] = FORMULA
            out["inputs"] = self.inputs
        return out


def _check(option: str, value: float) -> float:
    low, high, unit = _BOUNDS[option]
    if not math.isfinite(value) or not low <= value <= high:
        raise BadValue(f"{option} {value:g} is not plausible: give {low:g} to {high:g} {unit}")
    return value


def find_clearance(
    crcl: float | None = None,
    age: float | None = None,
    weight: float | None = None,
    scr: float | None = None,
    scr_umol: float | None = None,
    sex: str | None = None,
) -> Clearance | None:
    """The clearance the options describe, None when none is given; ``BadValue`` for missing or absurd input."""
    estimate = {"--age": age, "--weight": weight, "--scr": scr, "--scr-umol": scr_umol, "--sex": sex}
    given = [name for name, value in estimate.items() if value is not None]
    if crcl is not None:
        if given:
            raise BadValue(f"give --crcl or the Cockcroft-Gault inputs, not both (also given: {', '.join(given)})")
        return Clearance(_check("--crcl", crcl), "given", {})
    if not given:
        return None
    if scr is not None and scr_umol is not None:
        raise BadValue("give serum creatinine once: --scr (mg/dL) or --scr-umol (umol/L)")
    missing = [n for n in ("--age", "--weight", "--sex") if estimate[n] is None]
    if scr is None and scr_umol is None:
        missing.append("--scr or --scr-umol")
    if missing:
        raise BadValue(f"Cockcroft-Gault also needs {', '.join(missing)}")
    assert age is not None and weight is not None and sex is not None
    if scr is not None:
        creatinine = _check("--scr", scr)
        shown_scr = f"{scr:g} mg/dL"
    else:
        assert scr_umol is not None
        creatinine = _check("--scr-umol", scr_umol) / UMOL_PER_MG_DL
        shown_scr = f"{scr_umol:g} umol/L"
    value = (140 - _check("--age", age)) * _check("--weight", weight) / (72 * creatinine)
    if sex == "female":
        value *= 0.85
    inputs: dict[str, float | str] = {"age": age, "weight_kg": weight, "serum_creatinine": shown_scr, "sex": sex}
    low, high, _ = _BOUNDS["--crcl"]
    if not low / 10 <= value <= high:
        raise BadValue(
            f"Cockcroft-Gault gives {value:.1f} mL/min from these inputs, which is not plausible; check them"
        )
    return Clearance(value, "cockcroft-gault", inputs)
