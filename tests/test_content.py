"""Content the audit and the pharmacist's questions asked for: present, cited, honest about its source."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
import yaml

from baclo_cli.knowledge.load import Fact, Knowledge

from .conftest import Baclo

WEAK_KINDS = ("consumer", "news")  # a figure resting only on these is the piece's own claim


def text(fact: Fact) -> str:
    return " ".join(str(v) for v in fact.fields.values())


def test_intrathecal_withdrawal_onset_is_the_labels_hours_to_days(kb: Knowledge) -> None:
    onset = [f for f in kb.topics["withdrawal"].facts if str(f.fields["aspect"]).startswith("Onset (intrathecal")]
    assert len(onset) == 1 and "within hours to a few days" in text(onset[0])
    assert onset[0].dispute == "withdrawal-onset" and onset[0].refs == ("gablofen-label",)
    assert kb.references["gablofen-label"].url.endswith("setid=00d3e846-dd92-448d-9ab8-6a07be823cc1")


def test_cerebral_origin_maintenance_keeps_both_printed_figures_as_a_dispute(kb: Knowledge) -> None:
    rows = [f for f in kb.topics["dosing"].facts if f.dispute == "itb-cerebral-maintenance"]
    figures = {("90-700" in text(f), "90-703" in text(f)) for f in rows}
    assert figures == {(True, False), (False, True)}
    medscape = next(f for f in rows if "medscape" in f.refs)
    assert "90-700 mcg/day" in text(medscape)
    assert not [b for b in kb.dose_bands if "703" in b.label]


def test_ozobax_ds_first_marketed_date_is_the_ndc_directorys(kb: Knowledge) -> None:
    row = next(f for f in kb.topics["formulations"].facts if f.fields["brand"] == "Ozobax DS")
    assert "12 October 2023" in text(row) and "fda-ndc-directory" in row.refs
    assert "2 May 2024" not in kb.references["ozobax-ds-label"].title


def test_figures_only_a_consumer_article_gives_say_so_and_never_make_a_band(kb: Knowledge) -> None:
    for topic in kb.topics.values():
        for fact in topic.facts:
            only_consumer = all(kb.references[r].kind == "consumer" for r in fact.refs)
            if only_consumer and any(c.isdigit() for c in text(fact)):
                assert fact.evidence == "article", (topic.name, fact.fields)
    for name in ("addiction", "overdose"):
        for fact in kb.topics[name].facts:
            if fact.refs == ("leora-2024",):
                assert "consumer article" in text(fact), fact.fields
    for band in kb.dose_bands:
        assert any(kb.references[r].kind not in WEAK_KINDS for r in band.refs), band.label


def test_the_tablet_label_read_is_the_one_cited(kb: Knowledge) -> None:
    """The set id on DailyMed is Lifestar's label; the dosage and adverse-reaction text was read in Chartwell's."""
    lifestar, chartwell = kb.references["dailymed-tablets"], kb.references["chartwell-tablets"]
    assert "Lifestar" in lifestar.title and "Chartwell" in chartwell.title and not chartwell.url
    for fact in kb.topics["side-effects"].facts:
        assert "dailymed-tablets" not in fact.refs
    us_max = next(b for b in kb.dose_bands if b.kind == "max" and b.jurisdiction == "US" and b.per == "day")
    assert "chartwell-tablets" in us_max.refs and "dailymed-tablets" not in us_max.refs


FORMATS = ["table", "json", "ndjson", "yaml", "csv", "tsv", "markdown", "plain"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_administration_command_in_every_format(baclo: Baclo, fmt: str) -> None:
    ran = baclo.invoke(["administration", "-f", fmt, "--sources"])
    assert ran.exit_code == 0, ran.stderr
    out = ran.stdout
    if fmt == "json":
        data = json.loads(out)
        assert data["topic"] == "administration" and data["columns"] == ["point", "formulation", "advice"]
        assert all(f["refs"] for f in data["facts"])
    elif fmt == "ndjson":
        rows = [json.loads(line) for line in out.splitlines()]
        assert rows and all("advice" in r for r in rows)
    elif fmt == "yaml":
        assert yaml.safe_load(out)["topic"] == "administration"
    elif fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert rows[0][:3] == ["point", "formulation", "advice"] and len(rows) > 10
    else:
        assert "Missed dose" in out and "feeding tube" in out


def test_administration_follows_its_json_schema(baclo: Baclo) -> None:
    schema = json.loads(baclo.invoke(["schema", "administration"]).stdout)
    assert schema["title"] == "baclo administration -f json"
    data = json.loads(baclo.invoke(["administration", "-f", "json"]).stdout)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_administration_is_in_the_overview_and_the_man_page(baclo: Baclo) -> None:
    topics = json.loads(baclo.invoke(["overview", "-f", "json"]).stdout)["topics"]
    assert "administration" in [t["topic"] for t in topics]
    from baclo_cli.cli.manpage import render_man

    assert "administration" in render_man()


@pytest.mark.parametrize(
    ("words", "topic", "name"),
    [
        ("missed dose", "administration", "Missed dose"),
        ("feeding tube", "administration", "Granules through a feeding tube"),
        ("storage", "administration", "Storage of"),
        ("fridge", "administration", "Storage of Ozobax"),
        ("crush", "administration", "Crushing tablets"),
    ],
)
def test_search_finds_the_counselling_points(baclo: Baclo, words: str, topic: str, name: str) -> None:
    hits = json.loads(baclo.invoke(["search", *words.split(), "-f", "json"]).stdout)["hits"]
    assert any(h["topic"] == topic and h["name"].startswith(name) for h in hits[:5]), hits[:5]


def test_every_counselling_point_is_cited_and_plain(kb: Knowledge) -> None:
    topic = kb.topics["administration"]
    assert len(topic.facts) >= 15
    for fact in topic.facts:
        assert fact.refs and fact.evidence
        assert len(str(fact.fields["advice"])) <= 400, fact.fields["point"]


def find(kb: Knowledge, topic: str, field: str, start: str) -> Fact:
    return next(f for f in kb.topics[topic].facts if str(f.fields[field]).startswith(start))


def test_kidney_cohorts_and_the_beers_criterion(kb: Knowledge) -> None:
    ontario = find(kb, "dosing", "situation", "Starting dose in older adults with CKD")
    assert "1.11%" in text(ontario) and "3.54" in text(ontario) and ontario.refs == ("muanda-2019",)
    assert kb.references["muanda-2019"].url == "https://doi.org/10.1001/jama.2019.17725"
    bands = find(kb, "dosing", "situation", "Starting dose by eGFR band")
    assert all(x in text(bands) for x in ("0.42%", "1.23%", "2.90%"))
    dialysis = find(kb, "dosing", "situation", "Older adults on dialysis")
    assert "7.2%" in text(dialysis) and "78.3" in text(dialysis)
    beers = find(kb, "warnings", "item", "Older adults with reduced kidney function")
    assert beers.evidence == "guideline" and beers.jurisdiction == "US" and "eGFR is below 60" in text(beers)


def test_intrathecal_safety_rows(kb: Knowledge) -> None:
    mimic = find(kb, "withdrawal", "aspect", "Intrathecal withdrawal - what it can mimic")
    for condition in ("autonomic dysreflexia", "sepsis", "malignant hyperthermia", "neuroleptic malignant"):
        assert condition in text(mimic)
    assert "20.1 pump-years" in text(find(kb, "withdrawal", "aspect", "Intrathecal withdrawal - how often"))
    assert "catheter" in text(find(kb, "warnings", "item", "Inflammatory mass at the catheter tip"))
    assert "pump pocket" in text(find(kb, "warnings", "item", "Overdose at refill"))


def test_guideline_positions_say_whose_they_are(kb: Knowledge) -> None:
    guidelines = [f for f in kb.topics["addiction"].facts if f.evidence == "guideline"]
    assert {f.jurisdiction for f in guidelines} >= {"US", "AU"}
    for fact in guidelines:
        assert all(kb.references[r].kind == "guideline" for r in fact.refs)
