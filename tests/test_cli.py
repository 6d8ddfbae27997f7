"""Every command in every format, through the console script's entry point: exit codes, parseable output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.cli import app as cli
from baclo_cli.output import FORMATS

from .conftest import Baclo, write

TOPIC_COMMANDS = ["mechanism", "uses", "side-effects", "withdrawal", "addiction", "studies", "dosing"]
OTHER_COMMANDS = [["overview"], ["topics"], ["refs"], ["glossary"], ["search", "taper"], ["export"]]
ALL = [[c] for c in TOPIC_COMMANDS] + OTHER_COMMANDS
NOTICE = "Reference only, not medical advice"


def run(baclo: Baclo, *args: str) -> tuple[int, str, str]:
    result = baclo.invoke(list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args", ALL, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_command_in_every_format(baclo: Baclo, args: list[str], fmt: str) -> None:
    code, out, err = run(baclo, *args, "-f", fmt)
    assert code == 0, err
    assert out.strip()
    if fmt == "json":
        json.loads(out)
    elif fmt == "ndjson":
        assert all(isinstance(json.loads(line), dict) for line in out.splitlines())
    elif fmt == "yaml":
        assert yaml.safe_load(out) is not None
    elif fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        # A refs column only where rows carry citations (topics and refs list none).
        assert (rows[0][-1] == "refs") == (args[0] not in ("topics", "refs"))
        if rows[0][-1] == "refs":
            assert any(r[-1] for r in rows[1:])
        assert len(rows) > 1
        assert all(len(r) == len(rows[0]) for r in rows)
    if fmt in ("json", "ndjson", "yaml", "csv", "tsv"):
        assert NOTICE not in out and NOTICE not in err
    elif fmt == "plain":
        assert NOTICE in err and NOTICE not in out
    else:
        assert NOTICE in out


def test_topic_json_shape(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "withdrawal", "-f", "json")
    data = json.loads(out)
    assert code == 0
    assert list(data) == ["schema_version", "topic", "title", "summary", "section", "columns", "facts", "references"]
    assert data["topic"] == "withdrawal"
    cited = {r["id"] for r in data["references"]}
    for fact in data["facts"]:
        assert fact["refs"] and set(fact["refs"]) <= cited
    assert {"Agitation", "Insomnia", "Confusion", "Delusions", "Hallucinations", "Seizures"} <= {
        f["detail"] for f in data["facts"] if f["aspect"] == "Symptom"
    }


def test_options_before_or_after_the_command(baclo: Baclo) -> None:
    assert json.loads(run(baclo, "-f", "json", "uses")[1])["topic"] == "uses"
    assert json.loads(run(baclo, "uses", "--format", "json")[1])["topic"] == "uses"


def test_side_effect_filters(baclo: Baclo) -> None:
    serious = json.loads(run(baclo, "side-effects", "--serious", "-f", "json")[1])["facts"]
    common = json.loads(run(baclo, "side-effects", "--common", "-f", "json")[1])["facts"]
    assert serious and all(f["severity"] == "serious" for f in serious)
    assert common and all(f["severity"] == "common" for f in common)
    assert run(baclo, "side-effects", "--serious", "--common")[0] == 2


def test_uses_off_label(baclo: Baclo) -> None:
    facts = json.loads(run(baclo, "uses", "--off-label", "-f", "json")[1])["facts"]
    assert {f["condition"] for f in facts} == {
        "Musculoskeletal pain",
        "Gastroesophageal reflux disease",
        "Alcohol use disorder",
        "Alcohol use disorder (Australia)",
    }
    assert all("evidence" in f for f in facts)
    table = run(baclo, "uses", "--off-label")[1]
    assert "Evidence" in table


def test_where_filter_and_bad_where(baclo: Baclo) -> None:
    facts = json.loads(run(baclo, "withdrawal", "--where", "aspect=symptom", "-f", "json")[1])["facts"]
    assert len(facts) == 6
    code, _, err = run(baclo, "withdrawal", "--where", "colour=red")
    assert code == 2 and "no field 'colour'" in err
    assert run(baclo, "withdrawal", "--where", "nonsense")[0] == 2
    assert run(baclo, "withdrawal", "--where", "aspect=nothing-like-this")[0] == 1


def test_show_any_topic_and_unknown_topic(baclo: Baclo) -> None:
    assert json.loads(run(baclo, "show", "studies", "-f", "json")[1])["topic"] == "studies"
    code, _, err = run(baclo, "show", "astrology")
    assert code == 2
    assert "unknown topic 'astrology'" in err and "withdrawal" in err


def test_plain_baclo_is_the_overview(baclo: Baclo) -> None:
    code, out, _ = run(baclo)
    assert code == 0
    assert "at a glance" in out and "Boxed warning" in out and "Withdrawal" in out
    data = json.loads(run(baclo, "-f", "json")[1])
    assert data["drug"]["name"] == "baclofen"
    assert {t["topic"] for t in data["topics"]} >= set(TOPIC_COMMANDS)


def test_search_ranks_and_reports(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "search", "taper", "-f", "json")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits
    for hit in hits:  # as typed, or through the file's synonyms (stopping); each names the words it matched
        shown = (hit["name"] + " " + hit["text"]).lower()
        assert hit["matched"] and all(word in shown for word in hit["matched"]), hit
        assert hit["match"] != "exact" or "taper" in shown, hit
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert {"topic", "kind", "name", "text", "refs"} <= set(hits[0])
    upper = json.loads(run(baclo, "search", "TAPER", "-f", "json")[1])["hits"]
    assert upper == hits


def test_search_no_hit_and_empty(baclo: Baclo) -> None:
    code, out, err = run(baclo, "search", "zebrafish")
    assert code == 1 and out == "" and "nothing matches" in err
    assert run(baclo, "search", "   ")[0] == 2
    assert run(baclo, "search")[0] == 2


def test_glossary_lookup(baclo: Baclo) -> None:
    data = json.loads(run(baclo, "glossary", "dorsolateral prefrontal cortex", "-f", "json")[1])["terms"]
    assert [d["term"] for d in data] == ["dlPFC"]
    code, _, err = run(baclo, "glossary", "flux capacitor")
    assert code == 1 and "no glossary term" in err
    terms = json.loads(run(baclo, "glossary", "--topic", "withdrawal", "-f", "json")[1])["terms"]
    assert terms and all("withdrawal" in t["topics"] for t in terms)


def test_sources_show_numbers_and_reference_list(baclo: Baclo) -> None:
    refs = json.loads(run(baclo, "refs", "-f", "json")[1])["references"]
    numbers = {r["id"]: r["number"] for r in refs}
    out = run(baclo, "withdrawal", "--sources", "-f", "plain")[1]
    first = out.splitlines()[0]
    assert first.endswith(f"[{numbers['leora-2024']},{numbers['statpearls']}]")
    assert f"[{numbers['dailymed-intrathecal']}] " in out
    table = run(baclo, "withdrawal", "--sources")[1]
    assert "Sources" in table and "https://" in table


def test_refs_are_numbered_in_order(baclo: Baclo) -> None:
    refs = json.loads(run(baclo, "refs", "-f", "json")[1])["references"]
    assert [r["number"] for r in refs] == list(range(1, len(refs) + 1))


def test_export_holds_everything(baclo: Baclo, kb: object) -> None:
    data = json.loads(run(baclo, "export", "-f", "json")[1])
    assert set(data) >= {"drug", "topics", "glossary", "references"}
    assert set(data["topics"]) >= set(TOPIC_COMMANDS)
    csv_rows = list(csv.DictReader(io.StringIO(run(baclo, "export", "-f", "csv")[1])))
    total = sum(len(t["facts"]) for t in data["topics"].values()) + len(data["glossary"])
    assert len(csv_rows) == total


def test_data_option_and_env(baclo: Baclo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_knowledge import MINIMAL

    path = write(tmp_path, "mini.yaml", MINIMAL)
    assert json.loads(run(baclo, "--data", str(path), "topics", "-f", "json")[1])["topics"][0]["topic"] == "alpha"
    assert json.loads(run(baclo, "show", "alpha", "--data", str(path), "-f", "json")[1])["title"] == "Alpha"
    monkeypatch.setenv("BACLO_DATA", str(path))
    assert json.loads(run(baclo, "topics", "-f", "json")[1])["topics"][0]["topic"] == "alpha"


def test_bad_data_file_exit_3_one_line(baclo: Baclo, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "topics: [\n")
    code, out, err = run(baclo, "--data", str(path), "uses")
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err


def test_validate_command(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = run(baclo, "validate")
    assert code == 0 and "valid" in out
    from .test_knowledge import MINIMAL

    bad = write(tmp_path, "bad.yaml", MINIMAL.replace("refs: [r1]}", "refs: [nope]}"))
    code, out, _ = run(baclo, "validate", str(bad), "-f", "json")
    report = json.loads(out)
    assert code == 3 and report["valid"] is False
    assert report["problems"][0]["path"] == "topics.alpha.facts[0].refs[0]"
    assert report["problems"][0]["line"] == 8
    code, _, err = run(baclo, "validate", str(tmp_path / "missing.yaml"))
    assert code == 3 and "no such file" in err


def test_usage_errors_exit_2(baclo: Baclo) -> None:
    assert run(baclo, "no-such-command")[0] == 2
    assert run(baclo, "uses", "--bogus")[0] == 2
    assert run(baclo, "uses", "-f", "xml")[0] == 2


def test_version(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "--version")
    assert code == 0 and out.startswith("baclo ")


def test_every_command_has_help_and_is_in_readme(baclo: Baclo) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for command in cli.app.registered_commands:
        assert command.name, command
        if command.hidden:  # the shortcut words: listed together by 'baclo help' and the man page
            continue
        assert command.help or (command.callback and command.callback.__doc__), command.name
        assert f"baclo {command.name}" in readme, f"README does not show 'baclo {command.name}'"
        code, out, _ = run(baclo, command.name, "--help")
        assert code == 0 and "Usage:" in out


def test_app_for_picks_one_command_or_the_whole_app() -> None:
    assert cli.app_for(["uses", "-f", "json"]).registered_commands[0].name == "uses"
    assert len(cli.app_for(["-f", "json", "side-effects"]).registered_commands) == 1
    assert cli.app_for(["--data", "x.yaml", "uses"]).registered_commands[0].name == "uses"
    every = len(cli.app.registered_commands)
    assert every > 25
    assert len(cli.app_for([]).registered_commands) == every
    assert len(cli.app_for(["--help"]).registered_commands) == every
    assert len(cli.app_for(["nonsense"]).registered_commands) == every


def test_main_maps_ctrl_c_to_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("baclo_cli.answers.topics.topic_result", interrupted)
    monkeypatch.setattr("sys.argv", ["baclo", "uses"])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 130
    assert "Traceback" not in capsys.readouterr().err


def test_main_one_line_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["baclo", "uses", "--bogus"])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.count("\n") == 1 and "--bogus" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filter_that_matches_nothing_prints_an_empty_document(baclo: Baclo, fmt: str) -> None:
    result = baclo.invoke(["withdrawal", "--where", "aspect=nothing", "-f", fmt])
    assert result.exit_code == 1
    assert result.stderr == "baclo: no withdrawal facts match aspect=nothing\n"
    if fmt == "json":
        assert json.loads(result.stdout)["facts"] == []
    elif fmt == "yaml":
        assert yaml.safe_load(result.stdout)["facts"] == []
    elif fmt in ("csv", "tsv"):
        assert result.stdout.splitlines() == [
            ("," if fmt == "csv" else "\t").join(["aspect", "detail", "evidence", "refs"])
        ]
    else:  # ndjson: no line; the human formats: nothing but the message
        assert result.stdout == ""


@pytest.mark.parametrize(
    ("word", "field", "wanted"),
    [
        ("renal", "population", "renal"),
        ("contraindications", "kind", "contraindication"),
        ("boxed-warning", "kind", "boxed"),
        ("missed-dose", "point", "Missed dose"),
    ],
)
def test_words_a_person_guesses_show_their_view(baclo: Baclo, word: str, field: str, wanted: str) -> None:
    result = baclo.invoke([word, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)["facts"]
    assert facts and all(wanted in str(f[field]) for f in facts)


def test_lactation_and_brands_route_to_their_topics(baclo: Baclo) -> None:
    assert json.loads(baclo.invoke(["lactation", "-f", "json"]).stdout)["topic"] == "pregnancy"
    assert json.loads(baclo.invoke(["brands", "-f", "json"]).stdout)["topic"] == "formulations"


def test_help_command_and_unknown_words(baclo: Baclo) -> None:
    assert baclo.invoke(["help", "dose-check"]).stdout == baclo.invoke(["dose-check", "--help"]).stdout
    top = baclo.invoke(["help"])
    assert top.exit_code == 0 and "Shortcuts" in top.stdout and "renal" in top.stdout
    assert "did you mean 'contraindications'" in baclo.invoke(["contraindication"]).stderr
    liver = baclo.invoke(["liver"])
    assert liver.exit_code == 2 and "try 'baclo search liver'" in liver.stderr
    assert baclo.invoke(["help", "dosecheck"]).stderr.startswith("baclo: no command 'dosecheck'; did you mean")


def test_numeric_where_no_headers_and_every_field_in_csv(baclo: Baclo) -> None:
    big = baclo.invoke(["topics", "--where", "facts>=20", "-f", "json"])
    counts = [t["facts"] for t in json.loads(big.stdout)["topics"]]
    assert counts and all(c >= 20 for c in counts)
    first = baclo.invoke(["refs", "--where", "number<3", "-f", "tsv", "--fields", "number,id", "--no-headers"])
    assert first.stdout.splitlines() == ["1\tleora-2024", "2\tstatpearls"]
    assert baclo.invoke(["topics", "--where", "title>3"]).exit_code == 2
    assert baclo.invoke(["topics", "--where", "facts>x"]).exit_code == 2
    pk_json = json.loads(baclo.invoke(["pk", "-f", "json"]).stdout)["facts"]
    header = baclo.invoke(["pk", "-f", "csv"]).stdout.splitlines()[0].split(",")
    assert "dispute" in header and any("dispute" in f for f in pk_json)
    assert {k for f in pk_json for k in f} <= set(header)
    table = baclo.invoke(["uses", "--no-headers", "--fields", "condition"]).stdout
    assert "Condition" not in table and "Multiple sclerosis" in table


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \t\u3000\nab_Z9é=!<>~x"), max_size=12) | st.text(max_size=10))
def test_a_condition_is_split_as_the_pattern_it_replaced_split_it(text: str) -> None:
    """``--where`` and its completion read ``FIELD OP VALUE`` by hand, as the pattern did (``re`` costs a run)."""
    import re

    from baclo_cli.answers.listing import split_condition

    found = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|>=|<=|~|=|>|<)(.*)", text, re.S)
    assert split_condition(text) == (found.groups() if found else None)
