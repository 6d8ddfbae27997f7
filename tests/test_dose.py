"""dose-check: the verdict a pharmacist can stand behind, for named patients, in every format.

Each named patient goes through the real command: the first line answers (dose, patient, status, ceiling, whose),
the JSON validates against the published schema, the exit code follows the status, and the default output of
every case fits one 80x24 screen on a pseudo-terminal. The issue-14 findings (an avoid band ignored, a file without
kidney bands reassuring, a figure shown rounded but judged unrounded, a route whose only band is 'avoid') are
regression tests, and a generator of valid dose-band files checks that no 'within' ever comes from a file whose
applicable avoid, harm or maximum says otherwise.
"""

from __future__ import annotations

import ast
import json
import math
import os
from pathlib import Path
from typing import Any

import jsonschema
import pexpect
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output import FORMATS
from baclo_cli.output.layout import display_width

from .conftest import BACLO, DATA, Baclo, write
from .test_knowledge import MINIMAL

EXIT = {"within": 0, "caution": 0, "above": 4, "avoid": 4, "not-checked": 1}
OBESE = ["--age", "50", "--weight", "120", "--height", "170", "--scr", "3", "--sex", "male"]

# Named patients: (name, arguments, status, start of the first line)
PATIENTS = [
    (
        "normal, at the US maximum",
        ["80"],
        "within",
        "80 mg/day oral, kidney function not given: WITHIN 80 mg/day (US label)",
    ),
    ("normal, above", ["120"], "above", "120 mg/day oral, kidney function not given: ABOVE 80 mg/day (US label)"),
    ("CrCl 35", ["60", "--crcl", "35"], "above", "60 mg/day oral, CrCl 35 mL/min: ABOVE 40 mg/day (study-derived,"),
    ("CrCl 60", ["60", "--crcl", "60"], "above", "60 mg/day oral, CrCl 60 mL/min: ABOVE 53.33 mg/day (study-derived,"),
    ("CrCl 25", ["5", "--crcl", "25"], "avoid", "5 mg/day oral, CrCl 25 mL/min: AVOID (case report, Wolf 2018)"),
    ("dialysis", ["5", "--renal", "dialysis"], "avoid", "5 mg/day oral, on dialysis: AVOID (case report, Wolf 2018)"),
    (
        "eGFR given",
        ["30", "--egfr", "45"],
        "caution",
        "30 mg/day oral, eGFR 45 mL/min/1.73 m2: CAUTION: within 40 mg/day",
    ),
    ("obese", ["30", *OBESE], "avoid", "30 mg/day oral, 50 years, 120 kg, CrCl 36.5 and 50 mL/min, eGFR 24.5"),
    (
        "85-year-old",
        ["80", "--age", "85"],
        "caution",
        "80 mg/day oral, 85 years, kidney function not given: CAUTION: within",
    ),
    (
        "85-year-old, above",
        ["100", "--age", "85"],
        "above",
        "100 mg/day oral, 85 years, kidney function not given: ABOVE 80 mg/day",
    ),
    (
        "6-year-old, US",
        ["15", "--age", "6", "--weight", "20"],
        "not-checked",
        "15 mg/day oral (0.75 mg/kg/day), 6 years, kidney function not given:",
    ),
    (
        "6-year-old, UK",
        ["15", "--age", "6", "--weight", "20", "--region", "UK"],
        "within",
        "15 mg/day oral (0.75 mg/kg/day), 6 years, kidney function not given:",
    ),
    (
        "6-year-old, UK, above",
        ["45", "--age", "6", "--weight", "20", "--region", "UK"],
        "above",
        "45 mg/day oral (2.25 mg/kg/day), 6 years, kidney function not given:",
    ),
    (
        "10-year-old, DE",
        ["50", "--age", "10", "--weight", "30", "--region", "DE"],
        "within",
        "50 mg/day oral (1.67 mg/kg/day), 10 years, kidney function not given:",
    ),
    (
        "10-year-old, US",
        ["50", "--age", "10", "--weight", "30"],
        "not-checked",
        "50 mg/day oral (1.67 mg/kg/day), 10 years, kidney function not given:",
    ),
    ("US", ["90", "--region", "US"], "above", "90 mg/day oral, kidney function not given: ABOVE 80 mg/day (US label)"),
    (
        "UK",
        ["90", "--region", "UK"],
        "within",
        "90 mg/day oral, kidney function not given: WITHIN 100 mg/day (UK SmPC)",
    ),
    ("DE", ["90", "--region", "DE"], "above", "90 mg/day oral, kidney function not given: ABOVE 75 mg/day (German"),
    ("CA", ["90", "--region", "CA"], "above", "90 mg/day oral, kidney function not given: ABOVE 80 mg/day (Canadian"),
    ("AU", ["90", "--region", "AU"], "not-checked", "90 mg/day oral, kidney function not given: NOT CHECKED: the AU"),
    (
        "AU, above the hospital maximum",
        ["120", "--region", "AU"],
        "above",
        "120 mg/day oral, kidney function not given: ABOVE 100 mg/day",
    ),
    ("FR", ["60", "--region", "FR"], "not-checked", "60 mg/day oral, kidney function not given: NOT CHECKED: the FR"),
    (
        "impaired, no value",
        ["60", "--renal", "impaired"],
        "above",
        "60 mg/day oral, impaired kidneys, no CrCl or eGFR given: ABOVE 53.33",
    ),
    (
        "impaired, depends",
        ["20", "--renal", "impaired"],
        "not-checked",
        "20 mg/day oral, impaired kidneys, no CrCl or eGFR given: NOT CHECKED:",
    ),
    (
        "intrathecal",
        ["1200", "--route", "intrathecal"],
        "above",
        "1200 mcg/day intrathecal, kidney function not given: ABOVE 1000",
    ),
]
IDS = [name for name, *_ in PATIENTS]


def check(baclo: Baclo, *args: str, data: Path | None = None) -> tuple[int, dict[str, Any], str]:
    prefix = ["--data", str(data)] if data else []
    result = baclo.invoke([*prefix, "dose-check", *args, "-f", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, document, result.stderr


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from baclo_cli.output.contracts import schema_for

    return schema_for("dose-check", "dose_check")


@pytest.mark.parametrize(("name", "args", "status", "first"), PATIENTS, ids=IDS)
def test_named_patient_json(
    baclo: Baclo, schema: dict[str, Any], name: str, args: list[str], status: str, first: str
) -> None:
    code, data, err = check(baclo, *args)
    jsonschema.validate(data, schema)
    assert (data["status"], code) == (status, EXIT[status]), (data["verdict"], err)
    assert data["verdict"].startswith(first), data["verdict"]
    if status in ("within", "caution", "above") and data["ceiling"]:
        ceiling = data["ceiling"]
        assert isinstance(ceiling["amount"], (int, float)) and ceiling["unit"] in ("mg", "mcg", "mg/kg")
        assert ceiling["refs"] and ceiling["whose"] in data["verdict"]
    for item in data["thresholds"]:  # a number and a unit, never "40 mg" or "CEILING max"
        assert item["amount"] is None or isinstance(item["amount"], (int, float))
        assert item["kind"] in ("start", "usual", "max", "study", "toxicity", "avoid", "caution", "not-established")
    assert "not a dosing recommendation" in data["disclaimer"]


def test_the_first_line_answers(baclo: Baclo) -> None:
    """The issue's own example, to the letter, in the plain format and the JSON verdict alike."""
    want = "60 mg/day oral, CrCl 35 mL/min: ABOVE 40 mg/day (study-derived, Vlavonou 2014)"
    assert baclo.invoke(["dose-check", "60", "--crcl", "35", "-f", "plain"]).stdout.splitlines()[0] == want
    assert check(baclo, "60", "--crcl", "35")[1]["verdict"] == want
    dialysis = check(baclo, "5", "--renal", "dialysis")[1]["verdict"]
    assert dialysis == "5 mg/day oral, on dialysis: AVOID (case report, Wolf 2018)"


@pytest.mark.parametrize(("name", "args", "status", "first"), PATIENTS, ids=IDS)
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_named_patient_every_format(
    baclo: Baclo, fmt: str, name: str, args: list[str], status: str, first: str
) -> None:
    result = baclo.invoke(["dose-check", *args, "-f", fmt])
    assert result.exit_code == EXIT[status], result.stderr
    if fmt in ("plain", "table"):
        assert result.stdout.splitlines()[0].startswith(first)
    elif fmt == "markdown":
        assert result.stdout.startswith(f"# {first}")
    elif fmt == "yaml":
        assert yaml.safe_load(result.stdout)["status"] == status
    elif fmt == "ndjson":
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert all("kind" in line and "amount" in line for line in lines)
    else:  # csv, tsv: one row per threshold shown, with the columns a pharmacist reads
        header = result.stdout.splitlines()[0]
        assert "threshold" in header.lower() and "whose" in header.lower()
    human = result.stdout if fmt in ("plain", "table", "markdown") else ""
    for field in ("weight_kg", "ml_per_min", "crcl_up_to", "CEILING max", "renal_notes"):
        assert field not in human


def _screen_rows(text: str, width: int = 80) -> int:
    return sum(max(1, math.ceil(display_width(line) / width)) for line in text.rstrip("\n").split("\n"))


@pytest.mark.parametrize(("name", "args", "status", "first"), PATIENTS, ids=IDS)
@pytest.mark.parametrize("colour", ["never", "always"])
def test_default_output_fits_one_screen_on_a_terminal(
    tmp_path: Path, colour: str, name: str, args: list[str], status: str, first: str
) -> None:
    """At 80x24 on a real pseudo-terminal: at most 24 rows (wrapped lines counted), the verdict first, then a
    gauge line (plain ASCII without colour)."""
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path), "TERM": "xterm", "BACLO_PAGER": "cat", "LANG": "C.UTF-8"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        BACLO, ["dose-check", *args, "--color", colour], env=env, dimensions=(24, 80), encoding="utf-8"
    )
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == EXIT[status]
    raw = child.before.replace("\r\n", "\n")
    text = raw
    if colour == "always":
        import re

        text = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    lines = text.rstrip("\n").split("\n")
    assert _screen_rows(text) <= 24, text
    verdict = " ".join(lines[:2])
    assert verdict.startswith(first[:60]), verdict
    gauge = [line for line in lines if line.startswith("0") and line.rstrip().endswith(("/day", "/dose"))]
    if status != "not-checked" or gauge:
        assert gauge and "[" in gauge[0], text
    if colour == "never" and gauge:
        assert gauge[0].isascii()


def test_gauge_only_on_a_terminal(baclo: Baclo) -> None:
    piped = baclo.invoke(["dose-check", "60", "--crcl", "35"]).stdout
    assert not any(line.startswith("0-") for line in piped.splitlines())


# --- the kidneys --------------------------------------------------------------------------------------------


def test_obese_patient_is_never_within_at_any_usual_dose(baclo: Baclo) -> None:
    """Actual weight alone puts him at CrCl 50 (15-40 mg/day would read as within); his adjusted weight and
    CKD-EPI put him lower. The stricter band counts, and the weight used is said."""
    for dose in ("15", "20", "30", "40"):
        code, data, _ = check(baclo, dose, *OBESE)
        assert data["status"] not in ("within", "caution"), data["verdict"]
        assert code == 4
    code, data, _ = check(baclo, "30", *OBESE)
    estimates = {(e["measure"], e["weight_basis"]): e for e in data["kidney"]["estimates"]}
    assert estimates[("crcl", "adjusted")]["value"] == 36.5 and estimates[("crcl", "adjusted")]["weight_kg"] == 87.5
    assert estimates[("crcl", "actual")]["value"] == 50.0 and estimates[("crcl", "actual")]["weight_kg"] == 120
    assert estimates[("egfr", None)]["value"] == 24.5 and estimates[("egfr", None)]["method"] == "ckd-epi-2021"
    text = " ".join(c["text"] for c in data["cautions"])
    assert "adjusted weight 87.5 kg" in text and "the stricter counts" in text
    # without his height (actual weight only) CKD-EPI still decides
    code, data, _ = check(baclo, "30", *OBESE[:4], *OBESE[6:])
    assert data["status"] == "avoid"


def test_adjusted_weight_alone_makes_the_difference(baclo: Baclo) -> None:
    """CrCl by actual weight above a band boundary, by adjusted weight below it: the lower band's ceiling."""
    # 60-year-old woman, 110 kg, 160 cm, creatinine 1.6: actual-weight CrCl 64.9 (50-80), adjusted 43.9 (30-50)
    args = ["--age", "60", "--weight", "110", "--height", "160", "--sex", "female", "--scr", "1.6"]
    code, data, _ = check(baclo, "45", *args)
    crcl = {e["weight_basis"]: e["value"] for e in data["kidney"]["estimates"] if e["measure"] == "crcl"}
    assert crcl["actual"] > 50 >= crcl["adjusted"]
    assert data["status"] in ("above", "avoid") and code == 4


def test_if_used_anyway_is_never_above_the_lowest_harm(baclo: Baclo) -> None:
    for args in (["5", "--renal", "dialysis"], ["5", "--crcl", "25"], ["5", *OBESE], ["5", "--egfr", "20"]):
        data = check(baclo, *args)[1]
        assert data["status"] == "avoid"
        used = data["if_used_anyway"]
        harm = data["harm"]
        assert used and harm and used["limit"]["amount"] <= harm["amount"]
        if used["limit"]["amount"] == harm["amount"]:
            assert used["limit"]["inclusive"] is False  # "below 5 mg/day", not "at most 5"
        assert used["start"]["amount"] < harm["amount"]
    dialysis = check(baclo, "2.5", "--renal", "dialysis")[1]
    assert "If used anyway: below 5 mg/day" in dialysis["cautions"][0]["text"]


@pytest.mark.parametrize(("dose", "status"), [("5", "within"), ("9.99", "within"), ("10", "above"), ("20", "above")])
def test_at_or_above_the_lowest_cited_harm_is_never_within(
    baclo: Baclo, tmp_path: Path, dose: str, status: str
) -> None:
    """A file with a harm threshold but no advice to avoid: at or above the harm is ABOVE, said as harm."""
    harm = {"route": "oral", "per": "day", "renal": "impaired", "egfr": {"above": 0, "up_to": 30}}
    path = band_file(
        tmp_path,
        [
            GENERAL,
            {**harm, "kind": "toxicity", "amount": 10, "unit": "mg"},
            {**harm, "kind": "max", "amount": 26.67, "unit": "mg"},
        ],
    )
    _, data, _ = check(baclo, dose, "--egfr", "20", data=path)
    assert data["status"] == status, data["verdict"]
    if status == "above":
        assert "where harm was seen" in data["verdict"] and data["harm"]["amount"] == 10


def test_kidney_function_not_given_is_said(baclo: Baclo) -> None:
    code, data, _ = check(baclo, "60")
    assert (code, data["status"], data["kidney"]["function"]) == (0, "within", "not-given")
    said = [c["text"] for c in data["cautions"] if c["text"].startswith("Kidney function not given")]
    assert said and "judged as normal" in said[0] and "Wolf 2018" in said[0]
    elderly = [c["text"] for c in check(baclo, "60", "--age", "85")[1]["cautions"]]
    assert any("Beers 2023" in text for text in elderly)


def test_age_alone_gives_the_elderly_wording(baclo: Baclo) -> None:
    code, data, _ = check(baclo, "30", "--age", "70")
    assert (code, data["status"], data["population"]) == (0, "caution", "elderly")
    texts = " ".join(c["text"] for c in data["cautions"])
    assert "Canadian monograph" in texts and "German Fachinformation" in texts
    assert check(baclo, "30", "--age", "64")[1]["status"] == "within"


def test_egfr_and_crcl_given_together_judge_the_stricter(baclo: Baclo) -> None:
    data = check(baclo, "30", "--crcl", "45", "--egfr", "25")[1]
    assert data["status"] == "avoid"
    data = check(baclo, "60", "--crcl", "85", "--egfr", "55")[1]
    assert data["status"] == "above" and data["ceiling"]["amount"] == 53.33


def test_cockcroft_gault_and_ckd_epi_by_hand(baclo: Baclo) -> None:
    # (140 - 70) x 70 / (72 x 2.0) = 34.03 mL/min (man); x 0.85 = 28.92 (woman)
    man = check(baclo, "10", "--age", "70", "--weight", "70", "--scr", "2", "--sex", "male")[1]
    woman = check(baclo, "10", "--age", "70", "--weight", "70", "--scr", "2", "--sex", "female")[1]
    assert [e["value"] for e in man["kidney"]["estimates"] if e["measure"] == "crcl"] == [34.0]
    assert [e["value"] for e in woman["kidney"]["estimates"] if e["measure"] == "crcl"] == [28.9]
    umol = check(baclo, "10", "--age", "70", "--weight", "70", "--scr-umol", "176.8", "--sex", "male")[1]
    assert [e["value"] for e in umol["kidney"]["estimates"] if e["measure"] == "crcl"] == [34.0]
    # CKD-EPI 2021, man, 50, creatinine 3.0: 142 x (3.0/0.9)^-1.2 x 0.9938^50 = 24.5
    epi = check(baclo, "10", "--ckd-epi", "--age", "50", "--scr", "3", "--sex", "male")[1]
    assert [(e["measure"], e["value"]) for e in epi["kidney"]["estimates"]] == [("egfr", 24.5)]
    # woman, 40, creatinine 0.6 (below kappa): 142 x (0.6/0.7)^-0.241 x 0.9938^40 x 1.012 = 116.3
    low = check(baclo, "10", "--ckd-epi", "--age", "40", "--scr", "0.6", "--sex", "female")[1]
    assert low["kidney"]["estimates"][0]["value"] == 116.3
    assert "cockcroft-gault-1976" in {r["id"] for r in man["references"]}
    assert "ckd-epi-2021" in {r["id"] for r in epi["references"]}


def test_ideal_and_adjusted_weight_by_the_cited_rule(baclo: Baclo) -> None:
    """Devine: a 170 cm man weighs 65.9 kg ideally; 80 kg (121%) uses ideal weight, 120 kg (182%) adjusted
    (65.9 + 0.4 x 54.1 = 87.5), 60 kg (below ideal) actual weight."""
    for weight, basis, used in (("80", "ideal", 65.9), ("120", "adjusted", 87.5), ("60", "actual", 60)):
        args = ["--age", "50", "--weight", weight, "--height", "170", "--scr", "1", "--sex", "male"]
        first = check(baclo, "10", *args)[1]["kidney"]["estimates"][0]
        assert (first["weight_basis"], first["weight_kg"]) == (basis, used)


# --- usage --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--crcl", "0"], "not plausible"),
        (["--crcl", "900"], "not plausible"),
        (["--egfr", "nan"], "not plausible"),
        (["--scr", "1"], "needs --age, --weight, --sex"),
        (["--ckd-epi", "--scr", "1"], "--ckd-epi needs --age, --sex"),
        (["--age", "12", "--weight", "40", "--scr", "1", "--sex", "male"], "adults"),
        (["--age", "70", "--weight", "2000"], "--weight"),
        (["--age", "70", "--weight", "70", "--scr", "1", "--scr-umol", "88", "--sex", "male"], "once"),
        (["--crcl", "40", "--scr", "1", "--age", "70", "--weight", "70", "--sex", "male"], "not both"),
        (["--egfr", "40", "--ckd-epi", "--scr", "1", "--age", "70", "--sex", "male"], "not both"),
        (["--crcl", "40", "--renal", "normal"], "contradicts"),
        (["--crcl", "90", "--renal", "impaired"], "contradicts"),
        (["--crcl", "40", "--renal", "dialysis"], "dialysis"),
        (["--region", "XX"], "XX"),
    ],
)
def test_absurd_or_contradictory_input_is_a_usage_error(baclo: Baclo, args: list[str], message: str) -> None:
    code, data, err = check(baclo, "40", *args)
    assert code == 2 and not data
    assert err.count("\n") == 1 and message in err, err


def test_age_and_weight_alone_are_not_errors(baclo: Baclo) -> None:
    assert check(baclo, "40", "--age", "70")[0] == 0
    assert check(baclo, "40", "--weight", "70")[0] == 0
    code, data, _ = check(baclo, "40", "--age", "70", "--weight", "70", "--sex", "male")
    assert code == 0 and data["kidney"]["estimates"] == []  # no creatinine: no clearance worked out


def test_region_from_the_environment(baclo: Baclo) -> None:
    result = baclo.invoke(["dose-check", "90", "-f", "json"], env={"BACLO_REGION": "uk"})
    assert json.loads(result.stdout)["region"] == "UK" and result.exit_code == 0
    bad = baclo.invoke(["dose-check", "90"], env={"BACLO_REGION": "Narnia"})
    assert bad.exit_code == 2 and "BACLO_REGION" in bad.stderr


def test_help_shows_choices_and_defaults(baclo: Baclo) -> None:
    text = baclo.invoke(["dose-check", "--help"]).stdout
    for wanted in ("oral|intrathecal", "day|dose", "normal|impaired|dialysis", "female|male", "US|UK|FR|DE|AU|CA"):
        assert wanted in text.replace(" ", ""), wanted
    assert "BACLO_REGION" in text and "not checked 1" in text


def test_verbose_shows_every_band(baclo: Baclo, kb: Knowledge) -> None:
    quiet = check(baclo, "60", "--crcl", "35")[1]
    loud = check(baclo, "60", "--crcl", "35", "--verbose")[1]
    oral_day = [b for b in kb.dose_bands if (b.route, b.per) == ("oral", "day")]
    assert len(loud["thresholds"]) == len(oral_day) > len(quiet["thresholds"])
    assert {t["source"] for t in loud["thresholds"]} >= {"UK SmPC", "Addolorato 2011", "Ghosh 2016"}
    assert not {t["source"] for t in quiet["thresholds"]} & {"Addolorato 2011", "Ghosh 2016"}
    assert loud["notes"] and loud["verdict"] == quiet["verdict"]


# --- issue 14: 1, 3, 4 ---------------------------------------------------------------------------------------

RULES = yaml.safe_load(DATA.read_text(encoding="utf-8"))["rules"]


def band_file(tmp_path: Path, bands: list[dict[str, Any]], *, rules: bool = True, name: str = "k.yaml") -> Path:
    data = yaml.safe_load(MINIMAL)
    data["dose_bands"] = [{"basis": "study", "label": f"band {i}", "refs": ["r1"], **b} for i, b in enumerate(bands)]
    if rules:
        data["rules"] = {k: {**v, "refs": ["r1"]} for k, v in RULES.items()}
    # a copy through JSON: shared objects would become YAML aliases, which a knowledge file may not hold
    return write(tmp_path, name, yaml.safe_dump(json.loads(json.dumps(data)), allow_unicode=True))


GENERAL = {"route": "oral", "per": "day", "kind": "max", "amount": 80, "unit": "mg"}


def test_avoid_band_without_a_range_applies_whatever_the_clearance(baclo: Baclo, tmp_path: Path) -> None:
    path = band_file(tmp_path, [GENERAL, {"route": "oral", "per": "day", "renal": "impaired", "kind": "avoid"}])
    for crcl in ("20", "45", "79.9"):
        code, data, _ = check(baclo, "10", "--crcl", crcl, data=path)
        assert (code, data["status"]) == (4, "avoid"), crcl
    assert check(baclo, "10", "--crcl", "90", data=path)[1]["status"] == "within"  # not impaired


def test_a_file_without_kidney_bands_never_calls_low_clearance_normal(baclo: Baclo, tmp_path: Path) -> None:
    path = band_file(tmp_path, [GENERAL])
    code, data, _ = check(baclo, "10", "--crcl", "9.7", data=path)
    assert (code, data["status"], data["kidney"]["function"]) == (1, "not-checked", "impaired")
    assert "no oral dose limit" in data["verdict"]
    assert check(baclo, "100", "--crcl", "9.7", data=path)[1]["status"] == "above"  # above every ceiling anyway
    bare = band_file(tmp_path, [GENERAL], rules=False, name="bare.yaml")  # no rule says where impaired starts
    code, data, _ = check(baclo, "10", "--crcl", "9.7", data=bare)
    assert (code, data["status"]) == (1, "not-checked") and "impaired_kidneys" in data["verdict"]


@pytest.mark.parametrize(
    ("args", "shown", "status"),
    [
        (["5", "--crcl", "30.04"], "CrCl 30 mL/min", "avoid"),  # shown 30, judged 30: the severe band
        (["30", "--crcl", "50.04"], "CrCl 50 mL/min", "caution"),  # 50 owns the 30-50 band: within 40 mg/day
        (["80.0004"], "80 mg/day oral", "within"),
        (["80.004"], "80 mg/day oral", "within"),
        (["80.006"], "80.01 mg/day oral", "above"),
        (["53.334", "--crcl", "60"], "53.33 mg/day", "caution"),
        (["53.336", "--crcl", "60"], "53.34 mg/day", "above"),
    ],
)
def test_judged_as_shown(baclo: Baclo, args: list[str], shown: str, status: str) -> None:
    data = check(baclo, *args)[1]
    assert data["verdict"].startswith(shown) or shown in data["verdict"], data["verdict"]
    assert data["status"] == status, data["verdict"]
    plain = baclo.invoke(["dose-check", *args, "-f", "plain"]).stdout.splitlines()[0]
    assert plain == data["verdict"]


@pytest.mark.parametrize("renal", ["impaired", "any"])
def test_a_route_whose_only_band_is_avoid(baclo: Baclo, tmp_path: Path, renal: str) -> None:
    path = band_file(tmp_path, [{"route": "intrathecal", "per": "day", "renal": renal, "kind": "avoid"}])
    code, data, err = check(baclo, "50", "--route", "intrathecal", "--crcl", "20", data=path)
    assert (code, data["status"]) == (4, "avoid"), err
    table = baclo.invoke(["--data", str(path), "dose-check", "50", "--route", "intrathecal", "--crcl", "20"])
    assert table.exit_code == 4 and "AVOID" in table.stdout


def test_file_without_dose_bands_is_not_checked(baclo: Baclo, tmp_path: Path) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    code, data, _ = check(baclo, "80", data=path)
    assert code == 1 and data["status"] == "not-checked"


# --- generated dose-band files ------------------------------------------------------------------------------

KINDS = ("max", "toxicity", "avoid", "caution", "start", "usual")


@st.composite
def dose_bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    bands = [dict(GENERAL)] if draw(st.integers(0, 3)) else []  # mostly a general maximum, so 'within' can happen
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(KINDS))
        band: dict[str, Any] = {"route": "oral", "per": "day", "kind": kind}
        renal = draw(st.sampled_from(["any", "impaired", "impaired", "impaired", "dialysis", "normal"]))
        band["renal"] = renal
        if renal == "impaired" and draw(st.booleans()):
            low = draw(st.sampled_from([0, 15, 30, 45, 50]))
            band[draw(st.sampled_from(["crcl", "egfr"]))] = {
                "above": low,
                "up_to": low + draw(st.sampled_from([10, 15, 30])),
            }
        if draw(st.booleans()):
            band["population"] = draw(st.sampled_from(["adult", "elderly", "any"]))
        if kind not in ("avoid", "caution"):
            band.update(amount=draw(st.sampled_from([2.5, 5, 10, 20, 26.67, 40, 53.33, 80])), unit="mg")
        bands.append(band)
    return bands


PATIENT_ARGS = st.sampled_from(
    [
        [],
        ["--crcl", "9.7"],
        ["--crcl", "25"],
        ["--crcl", "30"],
        ["--crcl", "50"],
        ["--crcl", "70"],
        ["--crcl", "95"],
        ["--egfr", "20"],
        ["--egfr", "60"],
        ["--egfr", "75"],
        ["--renal", "dialysis"],
        ["--renal", "impaired"],
        ["--age", "80", "--crcl", "40"],
        ["--age", "40", "--egfr", "50"],
    ]
)


def _applies(band: dict[str, Any], args: list[str]) -> bool:
    """An oracle written apart from the code: does this band apply to this patient (adult unless --age)?"""
    values = [float(args[i + 1]) for i, a in enumerate(args) if a in ("--crcl", "--egfr")]
    measures = {a[2:] for a in args if a in ("--crcl", "--egfr")}
    age = float(args[args.index("--age") + 1]) if "--age" in args else None
    limits = RULES["impaired_kidneys"]
    dialysis = "dialysis" in args
    own = [
        v
        for v, m in zip(values, [a[2:] for a in args if a in ("--crcl", "--egfr")], strict=True)
        if v <= limits[f"{m}_up_to"]
    ]
    stand_in = [v for v in values for m in ("crcl", "egfr") if m not in measures and v <= limits[f"{m}_up_to"]]
    impaired = "impaired" in args or bool(own or stand_in)
    population = band.get("population", "any")
    if population == "elderly" and (age is None or age < RULES["elderly"]["age_from"]):
        return False
    renal = band.get("renal", "any")
    rng = band.get("crcl") or band.get("egfr")
    if renal == "normal":
        return not impaired and not dialysis
    if renal == "dialysis":
        return dialysis
    if renal == "impaired":
        if dialysis:
            return rng is None or rng["above"] == 0
        if not impaired:
            return False
        return rng is None or any(rng["above"] < v <= rng["up_to"] for v in values) or not values
    return True


@settings(derandomize=True, max_examples=80, deadline=None)
@given(bands=dose_bands(), args=PATIENT_ARGS, dose=st.sampled_from(["2", "5", "10", "20", "30", "60", "100"]))
def test_no_within_from_a_file_whose_applicable_limits_say_otherwise(
    tmp_path_factory: pytest.TempPathFactory, bands: list[dict[str, Any]], args: list[str], dose: str
) -> None:
    from .conftest import Baclo as Runner

    tmp = tmp_path_factory.mktemp("bands")
    path = band_file(tmp, bands)
    valid = Runner().invoke(["validate", str(path)])
    if valid.exit_code != 0:  # e.g. a reduction-free file is always valid; anything else is skipped
        return
    code, data, err = check(Runner(), dose, *args, data=path)
    assert code in (0, 1, 4), err
    assert data["status"] in EXIT and EXIT[data["status"]] == code
    if data["status"] not in ("within", "caution"):
        return
    amount = float(dose)
    for band in bands:
        if "--renal" in args and "impaired" in args and (band.get("crcl") or band.get("egfr")):
            continue  # judged at every kidney value: a ranged band is checked by the stretch it covers
        if not _applies(band, args):
            continue
        assert band["kind"] != "avoid", (band, args, data["verdict"])
        if band["kind"] == "toxicity":
            assert amount < band["amount"], (band, args, data["verdict"])
        if band["kind"] == "max":
            assert amount <= band["amount"], (band, args, data["verdict"])


# --- every number a rule uses is in the knowledge file ---------------------------------------------------------


def _numbers(node: ast.AST) -> set[float]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, (int, float)) and not isinstance(sub.value, bool):
            found.add(float(sub.value))
        if isinstance(sub, ast.UnaryOp) and isinstance(sub.op, ast.USub) and isinstance(sub.operand, ast.Constant):
            value = sub.operand.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.add(-float(value))
    return found


def test_no_rule_number_lives_in_python(kb: Knowledge) -> None:
    """The numbers of the rules (140, 72, 0.85, 88.4, the CKD-EPI coefficients, 50, 45.5, 2.3, 0.4, 1.3, 80,
    60, 18, 65, ...) appear in no module that applies a rule: the formulas there are shapes, the numbers the
    file's. Every module of answers/ that reads the rules or the kidney estimates, or uses those that do, is
    checked: a new one is covered without a change here."""
    rule_numbers = {float(v) for rule in kb.rules.values() for v in rule.values.values()}
    assert {140.0, 72.0, 0.85, 88.4, 142.0, 0.9938, 45.5, 2.3, 0.4, 1.3, 65.0, 18.0} <= rule_numbers
    answers = Path(__file__).parents[1] / "src" / "baclo_cli" / "answers"
    rule_modules = ("answers.clearance", "answers.bands", "answers.verdict", "answers.dose")
    checked = []
    for module in sorted(answers.glob("*.py")):
        source = module.read_text(encoding="utf-8")
        if module.stem in ("clearance", "bands") or ".rules" in source or any(m in source for m in rule_modules):
            checked.append(module.name)
            leaked = _numbers(ast.parse(source)) & rule_numbers
            assert not leaked, f"{module.name} holds rule numbers {sorted(leaked)}: move them to the knowledge file"
    assert {"clearance.py", "bands.py", "verdict.py", "dose.py", "dose_rows.py", "dose_words.py"} <= set(checked)


def test_every_rule_is_cited_and_checked(baclo: Baclo, tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    broken = write(tmp_path, "k.yaml", text.replace("    divisor: 72\n", "    divisor: seventy-two\n"))
    result = baclo.invoke(["validate", str(broken), "-f", "json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout)["problems"][0]["path"] == "rules.cockcroft_gault.divisor"
    missing = write(tmp_path, "m.yaml", text.replace("    age_from: 140\n", ""))
    problems = json.loads(baclo.invoke(["validate", str(missing), "-f", "json"]).stdout)["problems"]
    assert any("age_from" in p["problem"] for p in problems)


def test_regressions_from_earlier_reviews(baclo: Baclo, tmp_path: Path) -> None:
    """Each was once a wrong answer: an exponent read as a decimal, a unit not converted, a lower maximum
    ignored because of where it stood in the file."""
    assert check(baclo, ".9e3")[1]["status"] == "above"  # 900 mg, not 0.9
    assert check(baclo, "1e999")[0] == 2
    unit = check(baclo, "80000mcg")[1]
    assert unit["dose"] == {"amount": 80, "unit": "mg", "per": "day", "route": "oral", "per_kg": None}
    assert unit["status"] == "within" and any("check the unit" in n for n in unit["notes"])
    assert check(baclo, "100", "--route", "intrathecal", "--per", "dose")[1]["status"] == "within"
    assert check(baclo, "101", "--route", "intrathecal", "--per", "dose")[1]["status"] == "above"
    assert check(baclo, "0.1mg", "--route", "intrathecal", "--per", "dose")[1]["dose"]["amount"] == 100
    code, data, _ = check(baclo, "900", "--route", "intrathecal", "--crcl", "5")
    assert (code, data["status"]) == (1, "not-checked")  # no intrathecal kidney band: no reassurance
    text = DATA.read_text(encoding="utf-8")
    old = 'label: "Labelled adult maximum (20 mg four times a day)", amount: 80, unit: mg,'
    mixed = write(
        tmp_path, "mixed.yaml", text.replace(old, old.replace("amount: 80, unit: mg", "amount: 80000, unit: mcg"))
    )
    assert check(baclo, "100", data=mixed)[0] == 4  # units converted
    assert check(baclo, "60", "--crcl", "70", data=mixed)[1]["ceiling"]["amount"] == 53.33
    extra = (
        "  - {route: oral, per: day, population: adult, kind: max, basis: study, label: A lower maximum, amount: 60, "
    )
    extra += "unit: mg, refs: [ckd-pk-2014]}\n"
    for position, changed in (
        ("before", text.replace("dose_bands:\n", "dose_bands:\n" + extra, 1)),
        ("after", text.replace("\nglossary:\n", "\n" + extra + "\nglossary:\n", 1)),
    ):
        path = write(tmp_path, f"two-{position}.yaml", changed)
        data = check(baclo, "45", "--crcl", "70", data=path)[1]
        assert data["status"] == "above" and data["ceiling"]["amount"] == 40, position  # 60 cut by 1/3, wherever


def test_both_dispatch_paths_read_the_new_options() -> None:
    """The fast path and Typer build the same options from the one command table: same bytes, same code."""
    import sys

    from baclo_cli.cli import fast

    from .test_dispatch import _capture, _typer

    argv = ["dose-check", "30", "-v", "--ckd-epi", "--scr", "1.2", "--age", "70", "--sex", "FEMALE", "--region", "uk"]
    saved = sys.argv
    try:
        quick = _capture(lambda: fast.run(argv))
        slow = _capture(lambda: _typer(argv))
    finally:
        sys.argv = saved
    assert quick[0] == 4 and quick == slow


@settings(derandomize=True, max_examples=800, deadline=None)
@given(
    text=st.text(alphabet="0123456789.eE+- \t\u00a0mgcuµ", max_size=16)
    | st.from_regex(r"\s?[0-9]{0,14}(\.[0-9]{0,3})?([eE][-+]?[0-9]{0,4})?\s?[a-zµ.0-9 ]{0,3}", fullmatch=True)
)
def test_dose_is_split_as_the_pattern_it_replaces_would(text: str) -> None:
    import re

    from baclo_cli.answers.dose import split_dose

    pattern = r"\s*((?:[0-9]{1,12}(?:\.[0-9]{1,20})?|\.[0-9]{1,20})(?:[eE][-+]?[0-9]{1,3})?)\s*([^\s0-9.]{0,20})\s*"
    match = re.fullmatch(pattern, text)
    assert split_dose(text) == (match.groups() if match else None)
