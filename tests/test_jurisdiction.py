"""Whose document a reference is, whose wording a fact gives, whose ceiling a dose band is: checked and shown."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from baclo_cli.knowledge.checks import JURISDICTION_KINDS, check_knowledge
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.knowledge.vocabulary import JURISDICTIONS

from .conftest import Baclo
from .test_knowledge import MINIMAL


def run(baclo: Baclo, *args: str) -> tuple[int, str, str]:
    result = baclo.invoke(list(args))
    return result.exit_code, result.stdout, result.stderr


def problems(change: Any) -> list[str]:
    data = yaml.safe_load(MINIMAL)
    data["references"].append(
        {
            "id": "uk",
            "title": "UK SmPC",
            "publisher": "MHRA",
            "kind": "label",
            "jurisdiction": "UK",
            "document_id": "SmPC",
            "revised": "2024-01-01",
            "url": "https://x.org",
        }
    )
    data["topics"]["alpha"]["facts"].append({"name": "two", "value": "second", "refs": ["uk"]})
    change(data)
    return [p.describe() for p in check_knowledge(data)]


def test_a_valid_jurisdiction_passes() -> None:
    assert problems(lambda d: None) == []


@pytest.mark.parametrize("kind", JURISDICTION_KINDS)
def test_labels_regulators_and_guidelines_must_say_whose_they_are(kind: str) -> None:
    def change(d: dict[str, Any]) -> None:
        d["references"][0]["kind"] = kind
        if kind == "label":
            d["references"][0]["unconfirmed"] = "A test file: the version read is not recorded."

    assert problems(change) == [
        f"references[0]: a reference of kind '{kind}' needs a jurisdiction ({', '.join(JURISDICTIONS)})"
    ]


def test_unknown_jurisdiction_is_named() -> None:
    def change(d: dict[str, Any]) -> None:
        d["references"][1]["jurisdiction"] = "GB"

    assert problems(change)[0].startswith("references[1].jurisdiction: unknown jurisdiction 'GB' (allowed: US, UK,")


def test_a_fact_said_to_be_national_must_cite_that_nation() -> None:
    def change(d: dict[str, Any]) -> None:
        d["topics"]["alpha"]["facts"][0]["jurisdiction"] = "UK"  # cites only r1, a study with no jurisdiction
        d["topics"]["alpha"]["facts"][1]["jurisdiction"] = "UK"  # cites the UK label: fine

    assert problems(change) == [
        "topics.alpha.facts[0].jurisdiction: says 'UK' but cites no reference of jurisdiction 'UK'"
    ]


def test_a_labelled_dose_band_says_whose_label_and_may_be_hospital_only() -> None:
    band = {"route": "oral", "per": "day", "kind": "max", "basis": "label", "label": "L", "amount": 1, "unit": "mg"}

    def change(d: dict[str, Any]) -> None:
        d["dose_bands"] = [
            {**band, "refs": ["uk"]},
            {**band, "jurisdiction": "UK", "setting": "hospital", "refs": ["uk"]},
            {**band, "jurisdiction": "FR", "setting": "clinic", "refs": ["uk"]},
        ]

    assert problems(change) == [
        "dose_bands[0]: a band with basis 'label' needs a jurisdiction (" + ", ".join(JURISDICTIONS) + ")",
        "dose_bands[2].jurisdiction: says 'FR' but cites no reference of jurisdiction 'FR'",
        "dose_bands[2].setting: setting is one of hospital",
    ]


def test_validate_reports_a_missing_jurisdiction(baclo: Baclo, tmp_path: Any) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(MINIMAL.replace("kind: study", "kind: regulator"), encoding="utf-8")
    code, out, _ = run(baclo, "validate", str(path), "-f", "json")
    assert code == 3
    assert "needs a jurisdiction" in json.loads(out)["problems"][0]["problem"]


def test_every_label_regulator_and_guideline_in_the_bundled_file_says_whose(kb: Knowledge) -> None:
    for ref in kb.references.values():
        if ref.kind in JURISDICTION_KINDS:
            assert ref.jurisdiction in JURISDICTIONS, ref.id


def test_refs_where_jurisdiction(baclo: Baclo, kb: Knowledge) -> None:
    code, out, _ = run(baclo, "refs", "--where", "jurisdiction=UK", "-f", "json")
    assert code == 0
    rows = json.loads(out)["references"]
    assert rows and {r["jurisdiction"] for r in rows} == {"UK"}
    assert {r["id"] for r in rows} == {r.id for r in kb.references.values() if r.jurisdiction == "UK"}
    code, out, _ = run(baclo, "refs", "--where", "jurisdiction=uk", "-f", "tsv", "--fields", "id,jurisdiction")
    assert code == 0 and out.splitlines()[0] == "id\tjurisdiction"


def test_sources_name_the_jurisdiction(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "dosing", "--sources", "-f", "plain")
    assert code == 0
    assert "(label, UK; " in out and "(label, US; " in out and "(label, CA; " in out
    assert "(regulator, AU)" in out


def test_facts_carry_their_jurisdiction_as_a_column(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "warnings", "--where", "jurisdiction=UK", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["facts"] and all(f["jurisdiction"] == "UK" for f in data["facts"])
    code, out, _ = run(baclo, "warnings", "-f", "csv")
    assert "jurisdiction" in out.splitlines()[0].split(",")


def test_dose_check_keeps_the_us_ceiling_by_default(baclo: Baclo, kb: Knowledge) -> None:
    """Other countries' maxima (UK 100, Germany 75, ...) are in the file but the default ceiling stays US."""
    others = [b for b in kb.dose_bands if b.kind == "max" and b.jurisdiction not in ("", "US") and b.renal == "any"]
    assert {b.jurisdiction for b in others} >= {"UK", "DE", "CA", "AU", "FR"}
    result = baclo.invoke(["dose-check", "90", "-f", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 4 and data["ceiling"]["jurisdiction"] == "US" and data["ceiling"]["amount"] == 80
    assert data["verdict"].startswith("90 mg/day oral, kidney function not given: ABOVE 80 mg/day (US label)")
    assert all(b["refs"] for b in data["thresholds"])
    for region, amount in (("UK", 100), ("DE", 75), ("CA", 80)):
        other = json.loads(baclo.invoke(["dose-check", "90", "--region", region, "-f", "json"]).stdout)
        assert (other["ceiling"]["jurisdiction"], other["ceiling"]["amount"]) == (region, amount)
