"""The pharmacist-grade topics, disputes and dose-check."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from baclo_cli.answers.dose import parse_dose
from baclo_cli.errors import BadValue
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output import FORMATS

from .conftest import Baclo

NEW_TOPICS = ["identity", "formulations", "warnings", "pharmacokinetics", "interactions", "pregnancy", "overdose"]


def run(baclo: Baclo, *args: str) -> tuple[int, str, str]:
    result = baclo.invoke(list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("topic", [*NEW_TOPICS, "pk", "disputes"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_new_commands_in_every_format(baclo: Baclo, topic: str, fmt: str) -> None:
    code, out, err = run(baclo, topic, "-f", fmt)
    assert code == 0, err
    assert out.strip()
    if fmt == "json":
        json.loads(out)
    elif fmt == "ndjson":
        assert all(isinstance(json.loads(line), dict) for line in out.splitlines())


@pytest.mark.parametrize("topic", NEW_TOPICS)
def test_every_new_row_is_cited_with_urls(kb: Knowledge, topic: str) -> None:
    facts = kb.topics[topic].facts
    assert len(facts) >= 5
    for fact in facts:
        assert fact.refs and fact.evidence
        for ref in fact.refs:
            reference = kb.references[ref]
            assert reference.url.startswith(("https://", "http://")) or reference.note


def test_pk_is_an_alias(baclo: Baclo) -> None:
    assert run(baclo, "pk", "-f", "json")[1] == run(baclo, "pharmacokinetics", "-f", "json")[1]


def test_identity_content(baclo: Baclo) -> None:
    facts = {f["attribute"]: f["value"] for f in json.loads(run(baclo, "identity", "-f", "json")[1])["facts"]}
    assert facts["Molecular formula"] == "C10H12ClNO2"
    assert facts["Molecular weight"] == "213.66"
    assert facts["CAS registry number"] == "1134-47-0"
    assert facts["ATC code"] == "M03BX01"
    assert facts["First US approval"] == "1977"
    for brand in ("Lioresal", "Gablofen", "Ozobax", "Ozobax DS", "Fleqsuvy", "Lyvispah"):
        assert brand in facts["US brand names"]


def test_overview_is_the_clinical_card_and_identity_has_its_own_command(baclo: Baclo) -> None:
    data = json.loads(run(baclo, "overview", "-f", "json")[1])
    labels = [line["label"] for line in data["card"]]
    assert labels[:1] == ["What it is"] and {"Oral dose", "Kidneys", "Boxed warning", "Interactions"} <= set(labels)
    assert all(line["refs"] for line in data["card"])
    assert "identity" not in data and "CAS" not in run(baclo, "overview")[1]
    assert "CAS" in run(baclo, "identity")[1]


def test_boxed_warning_and_year(baclo: Baclo) -> None:
    boxed = json.loads(run(baclo, "warnings", "--where", "kind=boxed", "-f", "json")[1])["facts"]
    text = " ".join(f["detail"] for f in boxed)
    assert "T-6" in text and "2002" in text and "rhabdomyolysis" in text


def test_interactions_cover_the_label_classes(baclo: Baclo) -> None:
    drugs = " ".join(f["drug"] for f in json.loads(run(baclo, "interactions", "-f", "json")[1])["facts"]).lower()
    for name in ("alcohol", "opioid", "tricyclic", "mao", "lithium", "levodopa", "antihypertensive"):
        assert name in drugs


def test_off_label_shows_evidence(baclo: Baclo) -> None:
    rows = list(csv.DictReader(io.StringIO(run(baclo, "uses", "--off-label", "-f", "csv")[1])))
    assert rows and all(r["evidence"] for r in rows)


def test_disputes_pair_values_with_sources(baclo: Baclo) -> None:
    claims = json.loads(run(baclo, "disputes", "-f", "json")[1])["claims"]
    groups: dict[str, list[Any]] = {}
    for claim in claims:
        groups.setdefault(str(claim["dispute"]), []).append(claim)
    assert {
        "half-life",
        "fraction-unchanged",
        "overdose-threshold",
        "adverse-effect-incidence",
        "withdrawal-onset",
    } <= set(groups)
    for name, items in groups.items():
        assert len(items) >= 2, name
        sources = [tuple(c["refs"]) for c in items]
        assert len(set(sources)) == len(sources), f"{name}: two claims share the same sources"


# --- dose-check -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["abc", "0", "0mg", "80kg", "80 tablets", "1e9", "nan", "inf", "", "5mg5"])
def test_dose_check_bad_input_is_usage_error(baclo: Baclo, bad: str) -> None:
    code, out, err = run(baclo, "dose-check", bad)
    assert code == 2, (bad, out, err)
    assert out == "" and err.count("\n") == 1


def test_dose_check_negative_and_bad_options(baclo: Baclo) -> None:
    assert run(baclo, "dose-check", "--", "-5")[0] == 2
    assert run(baclo, "dose-check", "80", "--route", "rectal")[0] == 2
    assert run(baclo, "dose-check", "80", "--per", "week")[0] == 2
    assert run(baclo, "dose-check", "80", "--renal", "bad")[0] == 2


def test_parse_dose_units() -> None:
    assert parse_dose("50 mcg", "mg") == (50.0, "mcg")
    assert parse_dose("50ug", "mg") == (50.0, "mcg")
    assert parse_dose("80", "mg") == (80.0, "mg")
    assert parse_dose("0.5 MG", "mcg") == (0.5, "mg")
    with pytest.raises(BadValue):
        parse_dose("-1", "mg")


def test_thresholds_live_in_the_yaml(kb: Knowledge) -> None:
    maxima = {
        (b.route, b.per): b.amount
        for b in kb.dose_bands
        if b.kind == "max" and b.renal == "any" and b.jurisdiction in ("", "US") and b.population == "adult"
    }
    assert maxima[("oral", "day")] == 80
    assert maxima[("intrathecal", "dose")] == 100
