"""Label provenance in the knowledge file: what validate demands, what refs, --sources and 'baclo labels' show."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.answers.labels import Version, check_result, parse_date, parse_history, set_ids
from baclo_cli.errors import LabelServiceError
from baclo_cli.knowledge.checks import check_knowledge
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.knowledge.vocabulary import JURISDICTIONS
from baclo_cli.output.render import FORMATS, Style, render

from .conftest import Baclo, write
from .test_knowledge import MINIMAL

OZOBAX = "92153f69-bc9b-4bef-9a8e-751effde5c7e"


def label_file(**provenance: object) -> dict[str, object]:
    """MINIMAL with its one reference made a label carrying ``provenance``."""
    data: dict[str, Any] = yaml.safe_load(MINIMAL)
    data["references"][0].update(kind="label", **provenance)
    return data


def problems(data: dict[str, object]) -> list[str]:
    return [p.describe() for p in check_knowledge(data)]


@pytest.mark.parametrize(
    "provenance",
    [
        {"jurisdiction": "US", "set_id": OZOBAX, "spl_version": 3, "effective": "2021-07-01"},
        {"jurisdiction": "US", "set_id": OZOBAX, "spl_version": 1, "effective": "2024-02-29"},
        {"jurisdiction": "CA", "document_id": "Product monograph, control no. 245244", "revised": "2020-12-11"},
        {"jurisdiction": "US", "unconfirmed": "No copy showing the version was found."},
        {"jurisdiction": "US", "set_id": OZOBAX, "unconfirmed": "The version read is not known."},
        {"jurisdiction": "CH", "document_id": "Fachinformation 66571", "unconfirmed": "No revision date was read."},
    ],
)
def test_a_label_records_the_version_read_or_says_why_not(provenance: dict[str, object]) -> None:
    assert problems(label_file(**provenance)) == []


@pytest.mark.parametrize(
    ("provenance", "expected"),
    [
        ({}, "references[0]: a label reference records which version was read"),
        ({"set_id": OZOBAX}, "references[0]: a DailyMed label records set_id, spl_version and effective: spl_version"),
        ({"set_id": OZOBAX, "spl_version": 3}, "effective missing (or say why in 'unconfirmed')"),
        ({"document_id": "Monograph 1"}, "references[0]: a label document records document_id and revised: revised"),
        ({"set_id": "F9DD1B55-2984-446A-8146-2AB0F5211E15", "unconfirmed": "x"}, "references[0].set_id: a DailyMed"),
        ({"set_id": "f9dd1b55-2984-446a-8146", "unconfirmed": "x"}, "references[0].set_id: a DailyMed set id is a"),
        ({"set_id": OZOBAX, "spl_version": 0, "effective": "2021-07-01"}, "references[0].spl_version: an SPL"),
        ({"set_id": OZOBAX, "spl_version": "3", "effective": "2021-07-01"}, "positive whole number, found text"),
        ({"set_id": OZOBAX, "spl_version": True, "effective": "2021-07-01"}, "positive whole number, found a true"),
        ({"set_id": OZOBAX, "spl_version": 2.5, "effective": "2021-07-01"}, "positive whole number, found a number"),
        ({"set_id": OZOBAX, "spl_version": 3, "effective": "2021-02-30"}, "expected a real date written YYYY-MM-DD"),
        ({"set_id": OZOBAX, "spl_version": 3, "effective": "2021-7-1"}, "references[0].effective: expected a real"),
        ({"document_id": "M", "revised": "11/12/2020"}, "references[0].revised: expected a real date"),
        ({"document_id": "M", "revised": 20201211}, "references[0].revised: expected non-empty text, found a number"),
        ({"set_id": OZOBAX, "document_id": "M", "unconfirmed": "x"}, "either a DailyMed label (set_id, spl_version"),
        ({"jurisdiction": "CA", "set_id": OZOBAX, "unconfirmed": "x"}, "references[0].set_id: DailyMed holds US"),
        ({"jurisdiction": "Canada", "unconfirmed": "x"}, "references[0].jurisdiction: unknown jurisdiction 'Canada'"),
        ({"unconfirmed": ""}, "references[0].unconfirmed: expected non-empty text"),
        ({"unconfirmed": "x", "document_id": "two\nlines"}, "references[0].document_id: control character"),
    ],
)
def test_validate_refuses_missing_or_misshapen_provenance(provenance: dict[str, object], expected: str) -> None:
    found = problems(label_file(**provenance))
    assert any(expected in p for p in found), found


def test_provenance_belongs_to_label_references_only() -> None:
    data = yaml.safe_load(MINIMAL)
    data["references"][0].update(set_id=OZOBAX, unconfirmed="x")
    assert problems(data) == [
        "references[0].set_id: label provenance belongs to references of kind 'label'",
        "references[0].unconfirmed: label provenance belongs to references of kind 'label'",
    ]


def test_yaml_dates_and_validate_through_the_cli(tmp_path: Path, baclo: Baclo) -> None:
    """An unquoted YAML date is read as the same date; an impossible one is refused with its line."""
    label = f"kind: label, jurisdiction: US, set_id: {OZOBAX}, spl_version: 3, effective: 2021-07-01"
    text = MINIMAL.replace("kind: study", label)
    good = baclo.invoke(["validate", str(write(tmp_path, "good.yaml", text))])
    assert good.exit_code == 0, good.stderr
    bad = baclo.invoke(["validate", str(write(tmp_path, "bad.yaml", text.replace(" spl_version: 3,", "")))])
    assert bad.exit_code == 3 and "spl_version missing" in bad.stdout + bad.stderr


def test_every_bundled_label_is_confirmed_or_says_why_not(kb: Knowledge) -> None:
    labels = [ref for ref in kb.references.values() if ref.kind == "label"]
    assert labels
    for ref in labels:
        p = ref.provenance
        complete = {"set_id", "spl_version", "effective"} <= set(p) or {"document_id", "revised"} <= set(p)
        assert complete or len(p.get("unconfirmed", "")) > 20, ref.id
        assert p.get("jurisdiction") in JURISDICTIONS, ref.id
    ozobax = kb.references["dailymed-ozobax"].provenance
    assert ozobax == {"jurisdiction": "US", "set_id": OZOBAX, "spl_version": 3, "effective": "2021-07-01"}


def test_refs_show_provenance_and_filter_on_it(baclo: Baclo) -> None:
    out = baclo.invoke(["refs", "--where", f"set_id={OZOBAX}", "-f", "json"])
    assert out.exit_code == 0, out.stderr
    (ref,) = json.loads(out.stdout)["references"]
    assert (ref["id"], ref["spl_version"], ref["effective"]) == ("dailymed-ozobax", 3, "2021-07-01")
    assert ref["label_version"] == f"DailyMed set id {OZOBAX}, SPL version 3, effective 2021-07-01"
    canadian = baclo.invoke(["refs", "-w", "jurisdiction=CA", "--fields", "id,document_id,revised", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(canadian.stdout)))
    assert [r["id"] for r in rows] == ["pms-baclofen", "lioresal-it-ca-pm"]
    assert [r["revised"] for r in rows] == ["2020-12-11", "2015-11-12"] and "245244" in rows[0]["document_id"]
    versioned = baclo.invoke(["refs", "-w", "spl_version=3", "-f", "tsv", "--fields", "id"])
    assert versioned.stdout.splitlines() == ["id", "dailymed-ozobax"]
    table = baclo.invoke(["refs", "--where", "kind=label"])
    assert "Label version" in table.stdout and "version not confirmed" in table.stdout


def test_sources_name_the_label_version_in_every_human_format(baclo: Baclo) -> None:
    for fmt in ("table", "plain", "markdown"):
        out = baclo.invoke(["formulations", "--sources", "-f", fmt]).stdout
        assert "label, US; DailyMed set id 92153f69-bc9b-4bef-9a8e-751effde5c7e, SPL version 3, effective" in out, fmt
        assert "label, US; DailyMed set id f9dd1b55-2984-446a-8146-2ab0f5211e15, version not confirmed" in out, fmt


@pytest.mark.parametrize("fmt", ["table", "json", "ndjson", "yaml", "csv", "tsv", "markdown", "plain"])
def test_labels_lists_every_label_reference_in_every_format(baclo: Baclo, kb: Knowledge, fmt: str) -> None:
    out = baclo.invoke(["labels", "-f", fmt])
    assert out.exit_code == 0, out.stderr
    ids = [ref.id for ref in kb.references.values() if ref.kind == "label"]
    for ref_id in ids:
        assert ref_id in out.stdout, (fmt, ref_id)
    if fmt == "json":
        data = json.loads(out.stdout)
        assert data["checked"] is False and [row["id"] for row in data["labels"]] == ids
        ozobax = next(row for row in data["labels"] if row["id"] == "dailymed-ozobax")
        assert (ozobax["version"], ozobax["date"], ozobax["status"]) == (3, "2021-07-01", "confirmed")
        assert all(row["unconfirmed"] for row in data["labels"] if row["status"] == "unconfirmed")
    if fmt == "yaml":
        assert yaml.safe_load(out.stdout) == json.loads(baclo.invoke(["labels", "-f", "json"]).stdout)


def test_labels_listing_filters_and_needs_no_network(baclo: Baclo) -> None:
    confirmed = baclo.invoke(["labels", "--where", "status=confirmed", "-f", "tsv", "--fields", "id,version"])
    assert confirmed.stdout.splitlines() == ["id\tversion", "dailymed-ozobax\t3", "lioresal-it-ca-pm\t"]
    none = baclo.invoke(["labels", "--where", "jurisdiction=AU"])  # Australia: a regulator's notices, no label
    assert none.exit_code == 1 and "no labels match jurisdiction=AU" in none.stderr


def test_a_file_without_labels_says_so(baclo: Baclo, tmp_path: Path) -> None:
    out = baclo.invoke(["labels", "--data", str(write(tmp_path, "k.yaml", MINIMAL))])
    assert out.exit_code == 1 and "no references of kind 'label'" in out.stderr


# --- reading DailyMed's answers (pure) --------------------------------------------------------------------


def test_published_dates_in_every_form_dailymed_uses() -> None:
    assert parse_date("Sep 26, 2012") == "2012-09-26"
    assert parse_date("Mar 05, 2024") == parse_date("March 5, 2024") == parse_date("2024-03-05") == "2024-03-05"
    assert parse_date("20210701") == "2021-07-01"
    for unreadable in ("Feb 30, 2020", "Foo 1, 2020", "", None, 20210701, "2021-13-01", "yesterday"):
        assert parse_date(unreadable) is None


def _versions(answer: object) -> list[tuple[int, str | None]]:
    found, _ = parse_history(answer, OZOBAX)
    return [(v.spl_version, v.published) for v in found]


def test_history_shapes_documented_and_seen() -> None:
    entries = [{"spl_version": "4", "published_date": "Jan 02, 2025"}, {"spl_version": 3, "published_date": "x"}]
    expected = [(4, "2025-01-02"), (3, None)]
    assert _versions({"metadata": {}, "data": {"spl": {"setid": OZOBAX}, "history": entries}}) == expected
    assert _versions({"metadata": {}, "data": entries}) == expected
    assert _versions({"setid": OZOBAX, "history": {"history_entry": entries}}) == expected
    assert _versions({"data": []}) == []
    paged = {"metadata": {"current_page": "1", "next_page": "2", "total_pages": "2"}, "data": {"history": entries}}
    assert parse_history(paged, OZOBAX)[1] == 2
    last = {"metadata": {"current_page": "2", "next_page": "null"}, "data": {"history": entries}}
    assert parse_history(last, OZOBAX)[1] is None


@pytest.mark.parametrize(
    "answer",
    [
        [],
        "history",
        {"metadata": {}},
        {"data": "none"},
        {"data": {"spl": {"setid": "f9dd1b55-2984-446a-8146-2ab0f5211e15"}, "history": []}},
        {"data": [{"setid": "f9dd1b55-2984-446a-8146-2ab0f5211e15", "spl_version": "1"}]},
        {"data": [{"published_date": "Sep 26, 2012"}]},
        {"data": [{"spl_version": "three"}]},
        {"data": [{"spl_version": -1}]},
        {"data": [{"spl_version": True}]},
        {"data": [{"spl_version": "9" * 40}]},
        {"data": ["3"]},
    ],
)
def test_answers_that_are_not_a_version_history_are_refused(answer: object) -> None:
    with pytest.raises(LabelServiceError, match="not the documented version history"):
        parse_history(answer, OZOBAX)


def test_check_compares_the_recorded_version(kb: Knowledge) -> None:
    assert set_ids(kb) == [
        "f9dd1b55-2984-446a-8146-2ab0f5211e15",
        "4585aafe-0af8-4786-a419-6a7e76671ca2",
        "e05080ef-53d9-4060-aaa4-86a6935467de",
        OZOBAX,
        "f8992a56-9010-4c4b-84d5-ddcc3e2c3317",
        "6f3bdcc0-ffc8-4911-8c35-958c8103a2c5",
        "00d3e846-dd92-448d-9ab8-6a07be823cc1",
    ]
    older = [Version(1, "2019-06-01"), Version(2, "2020-01-01"), Version(3, "2021-07-01")]
    cases = {
        "current": (older, "current", 0),
        "newer": ([*older, Version(5, "2025-01-09"), Version(4, None)], "newer", 6),
        "not-listed": (None, "not-listed", 6),
        "empty": ([], "not-listed", 6),
        "missing": ([Version(1, None), Version(2, None)], "not-listed", 6),
    }
    for name, (history, status, code) in cases.items():
        histories: dict[str, list[Version] | None] = {s: [Version(7, "2026-01-01")] for s in set_ids(kb)}
        histories[OZOBAX] = history
        result = check_result(kb, histories, "http://stand-in")
        row = next(r for r in result.payload["labels"] if r["id"] == "dailymed-ozobax")
        assert (row["check"], result.exit_code) == (status, code), name
        tablets = next(r for r in result.payload["labels"] if r["id"] == "dailymed-tablets")
        assert (tablets["check"], tablets["latest_version"]) == ("unrecorded", 7)
        if name == "newer":
            assert row["newer"] == [
                {"spl_version": 5, "published_date": "2025-01-09"},
                {"spl_version": 4, "published_date": None},
            ]
            assert row["detail"] == "2 newer versions on DailyMed"
            assert result.payload["changed"] == ["dailymed-ozobax"]
            cited = [c for c in row["cited_by"] if c["kind"] == "fact"]
            facts = [f for t in kb.topics.values() for f in t.facts if "dailymed-ozobax" in f.refs]
            assert len(cited) == len(facts) and row["facts"] == len(row["cited_by"])
            assert result.notes[0] == "Facts citing dailymed-ozobax (newer: 5 (2025-01-09); 4):"


KEYS = ["data", "history", "history_entry", "spl", "setid", "spl_version", "version", "published_date"]
KEYS += ["effective_time", "metadata", "next_page", "current_page"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**7) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner),
    max_leaves=25,
)
VERSION_ENTRY = st.fixed_dictionaries(
    {"spl_version": st.integers(1, 40) | st.integers(1, 40).map(str), "published_date": st.text(max_size=14)}
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(answer=JSON | st.builds(lambda e: {"data": {"history": e}}, st.lists(VERSION_ENTRY | JSON, max_size=5)))
def test_any_json_answer_is_read_or_refused_and_the_report_renders(kb: Knowledge, answer: object) -> None:
    try:
        versions, next_page = parse_history(answer, OZOBAX)
    except LabelServiceError as error:
        assert str(error).startswith(f"DailyMed's answer for set id {OZOBAX} is not the documented version history")
        return
    assert all(1 <= v.spl_version <= 10**6 for v in versions) and (next_page is None or next_page > 1)
    assert all(v.published is None or len(v.published) == 10 for v in versions)
    result = check_result(kb, {OZOBAX: versions}, "http://stand-in")
    assert result.exit_code in (0, 6)
    for fmt in FORMATS:
        render(result, fmt, style=Style(), sources=True, numbers=kb.references.numbers(), notice="N")
