"""dose-check: the ceiling that applies to the patient described, whose number it is, and the exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from baclo_cli.answers.clearance import find_clearance
from baclo_cli.errors import BadValue
from baclo_cli.knowledge.load import Knowledge

from .conftest import Baclo, write
from .test_knowledge import MINIMAL


def check(baclo: Baclo, *args: str) -> tuple[int, dict[str, Any], str]:
    result = baclo.invoke(["dose-check", *args, "-f", "json"])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


def general_max(kb: Knowledge, route: str, per: str) -> float:
    return next(b.amount for b in kb.dose_bands if (b.route, b.per, b.kind, b.renal) == (route, per, "max", "any"))


@pytest.mark.parametrize(
    ("args", "code", "verdict", "basis"),
    [
        (["80"], 0, "within", "label"),
        (["80mg"], 0, "within", "label"),
        (["80.01"], 4, "ABOVE", "label"),
        (["79.9"], 0, "within", "label"),
        (["81"], 4, "ABOVE", "label"),
        (["15"], 0, "within", "label"),
        (["14.9"], 0, "below the labelled starting dose", "label"),
        (["80000mcg"], 0, "within", "label"),
        (["20", "--per", "dose"], 0, "within", "label"),
        (["21", "--per", "dose"], 4, "ABOVE", "label"),
        (["5", "--renal", "dialysis"], 4, "AVOID", "label"),
        (["2.5", "--renal", "dialysis"], 4, "AVOID", "label"),
        (["100", "--route", "intrathecal", "--per", "dose"], 0, "within", "compendium"),
        (["101", "--route", "intrathecal", "--per", "dose"], 4, "ABOVE", "compendium"),
        (["0.1mg", "--route", "intrathecal", "--per", "dose"], 0, "within", "compendium"),
        (["1000", "--route", "intrathecal"], 0, "within", "compendium"),
        (["1001", "--route", "intrathecal"], 4, "ABOVE", "compendium"),
    ],
)
def test_general_ceilings_and_whose_they_are(
    baclo: Baclo, args: list[str], code: int, verdict: str, basis: str
) -> None:
    exit_code, data, err = check(baclo, *args)
    assert exit_code == code, err
    assert verdict in data["verdict"]
    if code == 0:  # alcohol-trial and overdose doses are not shown beside an ordinary dose
        assert not [b for b in data["bands"] if b["kind"] in ("study", "toxicity")]
    assert data["above_ceiling"] is (code == 4)
    assert data["ceiling"]["basis"] == basis
    assert ("not labelled" in data["verdict"]) is (basis != "label" or "AVOID" in data["verdict"])
    assert "not a dosing recommendation" in data["disclaimer"]
    assert all(band["refs"] for band in data["bands"])


def test_intrathecal_ceiling_is_said_to_be_a_compendium_figure(baclo: Baclo) -> None:
    code, data, _ = check(baclo, "1200", "--route", "intrathecal")
    assert code == 4
    assert "compendium (not labelled) maximum" in data["verdict"]
    assert "labels give usual ranges, no maximum" in data["verdict"]


@pytest.mark.parametrize(
    ("crcl", "fraction"),
    [("80", 2 / 3), ("79.9", 2 / 3), ("50.1", 2 / 3), ("50", 1 / 2), ("30.1", 1 / 2)],
)
def test_each_clearance_band_edge_gets_its_reduced_ceiling(
    baclo: Baclo, kb: Knowledge, crcl: str, fraction: float
) -> None:
    ceiling = round(general_max(kb, "oral", "day") * fraction, 2)
    code, data, _ = check(baclo, f"{ceiling}", "--crcl", crcl)
    assert code == 0, data["verdict"]
    assert data["ceiling"]["amount"] == ceiling
    assert data["ceiling"]["basis"] == "study" and "study-derived (not labelled)" in data["verdict"]
    assert "worked out by baclo" in data["verdict"]
    assert data["patient"] == {
        "kidney_function": "impaired",
        "stated": True,
        "clearance": {"ml_per_min": float(crcl), "method": "given"},
    }
    assert check(baclo, f"{ceiling + 0.1:.2f}", "--crcl", crcl)[0] == 4


@pytest.mark.parametrize("args", [["1", "--crcl", "30"], ["1", "--crcl", "5"], ["1", "--renal", "dialysis"],
                                  ["1", "--per", "dose", "--crcl", "20"]])  # fmt: skip
def test_severe_kidney_disease_and_dialysis_are_never_within(baclo: Baclo, args: list[str]) -> None:
    """The sources advise avoiding baclofen below a clearance of 30 and on dialysis: no dose is 'within'."""
    code, data, _ = check(baclo, *args)
    assert code == 4 and data["verdict"].startswith("AVOID")
    assert any(b["kind"] == "AVOID" and "wolf-2018" in b["refs"] for b in data["bands"])
    assert "within" not in data["verdict"].split(";")[0]


def test_severe_band_shows_the_toxicity_seen_in_a_cohort(baclo: Baclo) -> None:
    data = check(baclo, "10", "--crcl", "25")[1]
    toxic = [b for b in data["bands"] if b["kind"] == "toxicity" and "cheong-2020" in b["refs"]]
    assert toxic and toxic[0]["threshold"] == "10 mg" and toxic[0]["your_dose"] == "at this"


def test_clearance_above_every_band_is_normal_kidneys(baclo: Baclo) -> None:
    code, data, _ = check(baclo, "80", "--crcl", "80.1")
    assert code == 0 and data["patient"]["kidney_function"] == "normal"
    assert data["ceiling"]["basis"] == "label"


def test_labelled_maximum_is_above_the_ceiling_in_kidney_disease(baclo: Baclo) -> None:
    """The most dangerous answer the tool could give: 80 mg/day called safe for impaired kidneys."""
    code, data, _ = check(baclo, "80", "--renal", "impaired")
    assert code == 4
    assert "within the labelled" not in data["verdict"]
    assert "mildest impairment band" in " ".join(data["notes"])
    assert data["renal_notes"] and all(n["refs"] for n in data["renal_notes"])
    assert check(baclo, "80", "--per", "dose", "--renal", "impaired")[0] == 4
    # Within the mildest band's ceiling is still no reassurance: a lower clearance changes the answer.
    code, data, _ = check(baclo, "53.33", "--renal", "impaired")
    assert code == 1 and data["verdict"].startswith("NOT CHECKED") and "avoid" in data["verdict"]
    assert check(baclo, "2", "--renal", "impaired")[0] == 1


def test_cockcroft_gault_is_computed_shown_and_cited(baclo: Baclo) -> None:
    # (140 - 70) x 70 / (72 x 2.0) = 34.03 mL/min (man); x 0.85 = 28.92 (woman)
    code, data, _ = check(baclo, "40", "--age", "70", "--weight", "70", "--scr", "2", "--sex", "male")
    assert code == 0
    assert data["patient"]["clearance"]["ml_per_min"] == 34.0
    assert data["patient"]["clearance"]["method"] == "cockcroft-gault"
    assert "Cockcroft-Gault" in data["patient"]["clearance"]["formula"]
    assert "cockcroft-gault-1976" in {r["id"] for r in data["references"]}
    code, data, _ = check(baclo, "40", "--age", "70", "--weight", "70", "--scr", "2", "--sex", "female")
    assert code == 4 and data["patient"]["clearance"]["ml_per_min"] == 28.9 and data["verdict"].startswith("AVOID")
    umol = check(baclo, "40", "--age", "70", "--weight", "70", "--scr-umol", "176.8", "--sex", "male")[1]
    assert umol["patient"]["clearance"]["ml_per_min"] == 34.0


def test_human_output_names_the_patient_and_the_formula(baclo: Baclo) -> None:
    result = baclo.invoke(["dose-check", "40", "--age", "70", "--weight", "70", "--scr", "2", "--sex", "male"])
    assert "CrCl 34.0 mL/min by Cockcroft-Gault" in result.stdout
    assert "formula Cockcroft-Gault" in result.stdout
    plain = baclo.invoke(["dose-check", "120", "-f", "plain"]).stdout
    assert plain.splitlines()[0].startswith("120 mg/day oral, kidney function not stated (judged as normal): ABOVE")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--crcl", "0"], "not plausible"),
        (["--crcl", "900"], "not plausible"),
        (["--crcl", "nan"], "not plausible"),
        (["--age", "70"], "also needs --weight, --sex, --scr or --scr-umol"),
        (["--age", "12", "--weight", "40", "--scr", "1", "--sex", "male"], "adults"),
        (["--age", "70", "--weight", "2000", "--scr", "1", "--sex", "male"], "--weight"),
        (["--age", "70", "--weight", "70", "--scr", "0", "--sex", "male"], "--scr"),
        (["--age", "70", "--weight", "70", "--scr", "1", "--scr-umol", "88", "--sex", "male"], "once"),
        (["--crcl", "40", "--age", "70"], "not both"),
        (["--crcl", "40", "--renal", "normal"], "contradicts"),
        (["--crcl", "90", "--renal", "impaired"], "contradicts"),
        (["--crcl", "40", "--renal", "dialysis"], "dialysis"),
    ],
)
def test_absurd_or_missing_patient_input_is_a_usage_error(baclo: Baclo, args: list[str], message: str) -> None:
    code, data, err = check(baclo, "40", *args)
    assert code == 2 and not data
    assert err.count("\n") == 1 and message in err


def test_no_ceiling_for_the_patient_is_never_reassuring(baclo: Baclo) -> None:
    code, data, _ = check(baclo, "500", "--route", "intrathecal", "--renal", "impaired")
    assert code == 1
    assert data["verdict"].startswith("NOT CHECKED") and data["checked"] is False


def test_file_without_dose_bands_is_nothing_found_not_usage(baclo: Baclo, tmp_path: Path) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    result = baclo.invoke(["--data", str(path), "dose-check", "80", "-f", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"].startswith("NOT CHECKED")


def test_find_clearance_directly() -> None:
    assert find_clearance() is None
    given = find_clearance(crcl=45)
    assert given is not None and given.ml_per_min == 45 and given.method == "given"
    with pytest.raises(BadValue):
        find_clearance(age=70, weight=70, scr=1)


def test_reduced_bands_are_worked_out_from_the_yaml(kb: Knowledge) -> None:
    reduced = {(b.per, b.reduction): b.amount for b in kb.dose_bands if b.reduction}
    assert reduced[("day", "1/3")] == 53.33 and reduced[("day", "1/2")] == 40 and reduced[("day", "2/3")] == 26.67
    assert reduced[("dose", "1/2")] == 10


def test_regressions_from_review(baclo: Baclo, tmp_path: Path) -> None:
    """Each was once a reassuring answer where the sources say otherwise."""
    assert check(baclo, ".9e3")[0] == 4  # 900 mg, not 0.9
    code, data, _ = check(baclo, "900", "--route", "intrathecal", "--crcl", "5")
    assert code == 1 and data["patient"]["kidney_function"] == "impaired"  # no intrathecal renal band: no reassurance
    assert check(baclo, "80", "--age", "18", "--weight", "350", "--scr", "0.1", "--sex", "male")[0] == 2
    assert check(baclo, "1e999")[0] == 2
    text = (Path(__file__).parents[1] / "data" / "baclofen.yaml").read_text(encoding="utf-8")
    old = 'label: "Labelled adult maximum (20 mg four times a day)", amount: 80, unit: mg,'
    mixed = write(
        tmp_path, "mixed.yaml", text.replace(old, old.replace("amount: 80, unit: mg", "amount: 80000, unit: mcg"))
    )
    assert baclo.invoke(["--data", str(mixed), "dose-check", "100"]).exit_code == 4  # units converted
    assert baclo.invoke(["--data", str(mixed), "dose-check", "60", "--crcl", "70"]).exit_code == 4
    extra = '  - {route: oral, per: day, kind: max, basis: study, label: "A lower maximum", amount: 60, unit: mg, '
    extra += "refs: [ckd-pk-2014]}\n"
    for position in ("before", "after"):
        if position == "before":
            bands = text.replace("dose_bands:\n", "dose_bands:\n" + extra)
        else:
            bands = text.replace("\nglossary:\n", "\n" + extra + "\nglossary:\n")
        path = write(tmp_path, f"two-{position}.yaml", bands)
        result = baclo.invoke(["--data", str(path), "dose-check", "45", "--crcl", "70", "-f", "json"])
        assert result.exit_code == 4, position  # the reduction cuts the lowest maximum (60 -> 40), whatever the order
