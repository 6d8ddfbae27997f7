"""The pharmacist-grade topics, disputes and dose-check."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from baclo_cli.cli import app
from baclo_cli.dose import parse_dose
from baclo_cli.errors import BadValue
from baclo_cli.knowledge import Knowledge

NEW_TOPICS = ["identity", "formulations", "warnings", "pharmacokinetics", "interactions", "pregnancy", "overdose"]
FORMATS = ["table", "json", "yaml", "csv", "tsv", "markdown", "plain"]


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("topic", [*NEW_TOPICS, "pk", "disputes"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_new_commands_in_every_format(runner: CliRunner, topic: str, fmt: str) -> None:
    code, out, err = run(runner, topic, "-f", fmt)
    assert code == 0, err
    assert out.strip()
    if fmt == "json":
        json.loads(out)


@pytest.mark.parametrize("topic", NEW_TOPICS)
def test_every_new_row_is_cited_with_urls(kb: Knowledge, topic: str) -> None:
    facts = kb.topics[topic].facts
    assert len(facts) >= 5
    for fact in facts:
        assert fact.refs and fact.evidence
        for ref in fact.refs:
            assert kb.references[ref].url.startswith(("https://", "http://"))


def test_pk_is_an_alias(runner: CliRunner) -> None:
    assert run(runner, "pk", "-f", "json")[1] == run(runner, "pharmacokinetics", "-f", "json")[1]


def test_identity_content(runner: CliRunner) -> None:
    facts = {f["attribute"]: f["value"] for f in json.loads(run(runner, "identity", "-f", "json")[1])["facts"]}
    assert facts["Molecular formula"] == "C10H12ClNO2"
    assert facts["Molecular weight"] == "213.66"
    assert facts["CAS registry number"] == "1134-47-0"
    assert facts["ATC code"] == "M03BX01"
    assert facts["First US approval"] == "1977"
    for brand in ("Lioresal", "Gablofen", "Ozobax", "Ozobax DS", "Fleqsuvy", "Lyvispah"):
        assert brand in facts["US brand names"]


def test_overview_shows_identity(runner: CliRunner) -> None:
    data = json.loads(run(runner, "overview", "-f", "json")[1])
    assert data["identity"]["topic"] == "identity"
    assert "Identity" in run(runner, "overview")[1]


def test_boxed_warning_and_year(runner: CliRunner) -> None:
    boxed = json.loads(run(runner, "warnings", "--where", "kind=boxed", "-f", "json")[1])["facts"]
    text = " ".join(f["detail"] for f in boxed)
    assert "T-6" in text and "2002" in text and "rhabdomyolysis" in text


def test_interactions_cover_the_label_classes(runner: CliRunner) -> None:
    drugs = " ".join(f["drug"] for f in json.loads(run(runner, "interactions", "-f", "json")[1])["facts"]).lower()
    for name in ("alcohol", "opioid", "tricyclic", "mao", "lithium", "levodopa", "antihypertensive"):
        assert name in drugs


def test_off_label_shows_evidence(runner: CliRunner) -> None:
    rows = list(csv.DictReader(io.StringIO(run(runner, "uses", "--off-label", "-f", "csv")[1])))
    assert rows and all(r["evidence"] for r in rows)


def test_disputes_pair_values_with_sources(runner: CliRunner) -> None:
    data = json.loads(run(runner, "disputes", "-f", "json")[1])
    names = {d["dispute"] for d in data}
    assert {
        "half-life",
        "fraction-unchanged",
        "overdose-threshold",
        "adverse-effect-incidence",
        "withdrawal-onset",
    } <= names
    for dispute in data:
        assert len(dispute["claims"]) >= 2, dispute["dispute"]
        sources = [tuple(c["refs"]) for c in dispute["claims"]]
        assert len(set(sources)) == len(sources), f"{dispute['dispute']}: two claims share the same sources"


# --- dose-check -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "verdict"),
    [
        (["80"], 0, "within"),
        (["80mg"], 0, "within"),
        (["80.01"], 4, "ABOVE"),
        (["79.9"], 0, "within"),
        (["81"], 4, "ABOVE"),
        (["15"], 0, "within"),
        (["14.9"], 0, "below the labelled starting dose"),
        (["80000mcg"], 0, "within"),
        (["20", "--per", "dose"], 0, "within"),
        (["21", "--per", "dose"], 4, "ABOVE"),
        (["5", "--renal", "dialysis"], 0, "within"),
        (["6", "--renal", "dialysis"], 4, "ABOVE"),
        (["80", "--renal", "impaired"], 0, "within"),
        (["100", "--route", "intrathecal", "--per", "dose"], 0, "within"),
        (["101", "--route", "intrathecal", "--per", "dose"], 4, "ABOVE"),
        (["0.1mg", "--route", "intrathecal", "--per", "dose"], 0, "within"),
        (["1000", "--route", "intrathecal"], 0, "within"),
        (["1001", "--route", "intrathecal"], 4, "ABOVE"),
    ],
)
def test_dose_check_bands(runner: CliRunner, args: list[str], code: int, verdict: str) -> None:
    exit_code, out, err = run(runner, "dose-check", *args, "-f", "json")
    assert exit_code == code, err
    data = json.loads(out)
    assert verdict in data["verdict"]
    assert data["above_label"] is (code == 4)
    assert "not a dosing recommendation" in data["disclaimer"]
    assert all(band["refs"] for band in data["bands"])


def test_dose_check_marks_position_against_each_threshold(runner: CliRunner) -> None:
    data = json.loads(run(runner, "dose-check", "200", "-f", "json")[1])
    positions = {b["threshold"]: b["your_dose"] for b in data["bands"]}
    assert positions["80 mg"] == "above this"
    assert positions["180 mg"] == "above this"
    assert positions["270 mg"] == "below this"
    single = json.loads(run(runner, "dose-check", "200", "--per", "dose", "-f", "json")[1])
    assert {b["threshold"]: b["your_dose"] for b in single["bands"]}["200 mg"] == "at this"


def test_dose_check_renal_notes_and_human_output(runner: CliRunner) -> None:
    data = json.loads(run(runner, "dose-check", "10", "--renal", "impaired", "-f", "json")[1])
    assert data["renal_notes"] and all(n["refs"] for n in data["renal_notes"])
    code, out, _ = run(runner, "dose-check", "120")
    assert code == 4
    assert out.splitlines()[1].startswith("120 mg/day oral, renal function normal: ABOVE")
    assert "not a dosing recommendation" in out
    plain = run(runner, "dose-check", "120", "-f", "plain")[1]
    assert plain.splitlines()[0].startswith("120 mg/day oral")


@pytest.mark.parametrize("bad", ["abc", "0", "0mg", "80kg", "80 tablets", "1e9", "nan", "inf", "", "5mg5"])
def test_dose_check_bad_input_is_usage_error(runner: CliRunner, bad: str) -> None:
    code, out, err = run(runner, "dose-check", bad)
    assert code == 2, (bad, out, err)
    assert out == "" and err.count("\n") == 1


def test_dose_check_negative_and_bad_options(runner: CliRunner) -> None:
    assert run(runner, "dose-check", "--", "-5")[0] == 2
    assert run(runner, "dose-check", "80", "--route", "rectal")[0] == 2
    assert run(runner, "dose-check", "80", "--per", "week")[0] == 2
    assert run(runner, "dose-check", "80", "--renal", "bad")[0] == 2


def test_parse_dose_units() -> None:
    assert parse_dose("50 mcg", "mg") == (50.0, "mcg")
    assert parse_dose("50ug", "mg") == (50.0, "mcg")
    assert parse_dose("80", "mg") == (80.0, "mg")
    assert parse_dose("0.5 MG", "mcg") == (0.5, "mg")
    with pytest.raises(BadValue):
        parse_dose("-1", "mg")


def test_thresholds_live_in_the_yaml(kb: Knowledge) -> None:
    maxima = {(b.route, b.per): b.amount for b in kb.dose_bands if b.kind == "label-max"}
    assert maxima[("oral", "day")] == 80
    assert maxima[("intrathecal", "dose")] == 100
