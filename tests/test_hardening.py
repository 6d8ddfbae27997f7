"""Hostile and careless input, generated: knowledge files, argument lists and review states.

Each property drives the real code (the loader, the CLI app, the state file) and asserts what the README
promises: a correct result, or a one-line message with a documented exit code, and never a traceback.
Bounded and derandomised so CI stays fast and reproducible.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baclo_cli.answers import labels
from baclo_cli.answers import topics as query
from baclo_cli.answers.dose import dose_check_result
from baclo_cli.answers.search import search_result
from baclo_cli.answers.validation import validation_result
from baclo_cli.errors import BacloError, DataFileError
from baclo_cli.knowledge import cache
from baclo_cli.knowledge.load import load_knowledge
from baclo_cli.output.render import FORMATS, Style, render
from baclo_cli.study import state as review_state
from baclo_cli.study.cards import flashcards_result, make_cards
from baclo_cli.study.questions import make_quiz

from .conftest import DATA, Baclo, write
from .test_knowledge import MINIMAL

DOCUMENTED = {0, 1, 2, 3, 4, 5}
PROFILE = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that PyYAML builds into something odd, fails on while building, or that are too big downstream.
NASTY_SCALARS = [
    "2026-02-30",
    "!!int abc",
    "!!float x",
    "!!timestamp x",
    "!!binary aGk=",
    "!!set {a}",
    "!!python/object:os.system x",
    "9" * 5000,
    "0x" + "f" * 3000,
    "1:" * 1500 + "1",
    "1e999",
    ".nan",
    "-.inf",
    "~",
    "[a, b]",
    "{a: b}",
    '"\\e]52;c;aGVsbG8=\\a"',
    '"x\\u202ey"',
    "''",
    "yes",
    "&a [*a]",
    "*nope",
    "[" * 200,
    '"' + "x" * 6000 + '"',
    "|\n  line one\n  line two",
]
KEYS = ["title", "summary", "name", "value", "refs", "id", "url", "kind", "term", "definition", "topics", "schema"]


def mutated_knowledge_files() -> st.SearchStrategy[str]:
    lines = MINIMAL.splitlines()

    def mutate(choices: list[tuple[int, str, str]]) -> str:
        out = list(lines)
        for index, key, value in choices:
            at = index % len(out)
            indent = len(out[at]) - len(out[at].lstrip())
            out[at] = out[at] if ":" not in out[at] else out[at].split(":", 1)[0] + ": " + value
            if key:
                out.insert(at + 1, " " * indent + f"{key}: {value}")
        return "\n".join(out) + "\n"

    step = st.tuples(st.integers(0, 200), st.sampled_from(["", *KEYS]), st.sampled_from(NASTY_SCALARS))
    return st.lists(step, min_size=1, max_size=3).map(mutate)


def _exercise(path: Path) -> None:
    """Everything a command does with a loaded file; domain errors are fine, anything else is a bug."""
    kb = load_knowledge(path)
    numbers = {r.id: r.number for r in kb.references.values()}
    asks: list[Any] = [query.overview_result, query.refs_result, query.topics_result, query.export_result]
    asks += [lambda kb, t=t: query.topic_result(kb, t) for t in kb.topics]
    asks += [
        lambda kb: query.glossary_result(kb),
        lambda kb: search_result(kb, "a"),
        lambda kb: query.disputes_result(kb),
        lambda kb: dose_check_result(kb, "80"),
        lambda kb: dose_check_result(kb, "80", renal="impaired"),
        lambda kb: flashcards_result(kb, make_cards(kb)),
        lambda kb: make_quiz(kb, None, 5, 1) and query.topics_result(kb),
        labels.labels_result,
        lambda kb: labels.check_result(kb, {s: [labels.Version(2, "2026-01-02")] for s in labels.set_ids(kb)}, "x"),
    ]
    for ask in asks:
        try:
            result = ask(kb)
        except BacloError:
            continue
        for fmt in FORMATS:
            for style in (Style(), Style(is_terminal=True, color=True, width=70), Style(ascii_only=True)):
                render(result, fmt, style=style, sources=True, numbers=numbers, notice="N")


@PROFILE
@given(text=mutated_knowledge_files())
def test_mutated_knowledge_files_load_or_fail_cleanly_and_validate_agrees(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "mutant.yaml", text)
    os.environ["BACLO_NO_CACHE"] = "1"
    try:
        try:
            load_knowledge(path)
            loads = True
        except DataFileError as error:
            loads = False
            assert "\n" not in str(error)
        try:
            verdict = validation_result(path).exit_code == 0
        except DataFileError:
            verdict = False
        assert loads == verdict, "validate and the commands must agree on a file"
        if loads:
            _exercise(path)
    finally:
        del os.environ["BACLO_NO_CACHE"]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@PROFILE
@given(
    where=st.sampled_from(["drug", "topics", "references", "glossary", "dose_bands", "fact", "band", "quiz"]),
    value=JSONISH,
)
def test_structured_knowledge_with_random_values(tmp_path: Path, where: str, value: Any) -> None:
    data = yaml.safe_load(MINIMAL)
    data["dose_bands"] = [  # one band, cited below
        {
            "route": "oral",
            "per": "day",
            "kind": "max",
            "basis": "study",
            "label": "M",
            "amount": 10,
            "unit": "mg",
            "refs": ["r1"],
        }
    ]
    data["dose_bands"][0]["refs"] = ["r1"]
    data["references"][0].update(kind="label", jurisdiction="US")
    data["references"][0]["unconfirmed"] = "A test file: the version read is not recorded."
    if where == "fact":
        data["topics"]["alpha"]["facts"][0]["value"] = value
    elif where == "band":
        data["dose_bands"][0]["label"] = value
    elif where == "quiz":
        data["topics"]["alpha"]["quiz"] = [{"question": "Q?", "answer": value, "distractors": {"field": value}}]
    else:
        data[where] = value
    path = tmp_path / "k.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        ok = validation_result(path).exit_code == 0
    except DataFileError:
        ok = False
    try:
        load_knowledge(path, use_cache=False)
        assert ok
    except DataFileError:
        assert not ok
        return
    _exercise(path)


@PROFILE
@given(label=st.text(alphabet=" ();.,-:ab\u00e9\u4e2d", min_size=1, max_size=8))
def test_any_dose_band_label_works_in_every_command(tmp_path: Path, label: str) -> None:
    data = yaml.safe_load(MINIMAL)
    data["references"][0].update(kind="label", jurisdiction="US")
    data["references"][0]["unconfirmed"] = "A test file: the version read is not recorded."
    band: dict[str, object] = {"route": "oral", "per": "day", "kind": "max", "basis": "label", "label": label}
    band.update(jurisdiction="US", amount=10, unit="mg")
    data["dose_bands"] = [{**band, "refs": ["r1"]}]
    path = tmp_path / "k.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_knowledge(path, use_cache=False)
    except DataFileError:
        assert not label.strip()
        return
    _exercise(path)


# --- argument lists --------------------------------------------------------------------------------------

COMMANDS = [
    "uses", "side-effects", "withdrawal", "show", "glossary", "search", "refs", "topics", "export", "disputes",
    "dose-check", "validate", "flashcards", "overview", "pk", "quiz", "labels",
]  # fmt: skip
WORDS = [
    "-f", "json", "csv", "tsv", "yaml", "plain", "markdown", "table", "XML", "--sources", "--no-color",
    "--where", "severity=serious", "aspect~sym", "x!=y", "=", "--serious", "--common", "--off-label", "--approved",
    "80", "0", "-5", "1e400", "80kg", "--route", "intrathecal", "--per", "dose", "--renal", "impaired", "dialysis",
    "--crcl", "40", "--age", "70", "--weight", "--scr", "--sex", "female", "-t", "withdrawal", "nope", "-n", "3",
    "--seed", "7", "--deck", "a\nb", "--", "\x1b]52;c;aGk=\x07", "ünïcødé", "--data", "/nonexistent", "--help",
]  # fmt: skip


@PROFILE
@given(args=st.lists(st.sampled_from(WORDS), max_size=6), command=st.sampled_from(COMMANDS))
def test_random_argument_lists_end_in_a_documented_exit(baclo: Baclo, command: str, args: list[str]) -> None:
    result = baclo.invoke([command, *args], input="")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in DOCUMENTED | {130}, (command, args, result.stderr)
    if result.exit_code not in (0, 1, 4) or not result.stdout:
        assert "Traceback" not in result.stderr


# --- review state ----------------------------------------------------------------------------------------


@PROFILE
@given(state=JSONISH, raw=st.binary(max_size=40))
def test_any_review_state_is_read_or_set_aside(tmp_path: Path, state: Any, raw: bytes) -> None:
    from baclo_cli.study.scheduler import next_entry

    from .test_study import CARD, DAY

    for content in (json.dumps(state).encode(), raw):
        folder = tmp_path / f"h{abs(hash(content))}"
        folder.mkdir(exist_ok=True)
        path = folder / "review.json"
        path.write_bytes(content)
        loaded, warning = review_state.load_state(path)
        assert review_state.valid(loaded)
        if warning:
            assert list(folder.glob("review.json.corrupt-*"))
        _, entry, _ = review_state.change_card(path, CARD.id, lambda e: next_entry(e, CARD, "good", DAY))
        assert review_state.load_state(path)[0]["cards"][CARD.id] == entry


@PROFILE
@given(cards=st.dictionaries(st.text(max_size=5), JSONISH, max_size=3))
def test_review_stats_with_random_card_entries(baclo: Baclo, tmp_path: Path, cards: Any) -> None:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "review.json").write_text(json.dumps({"format": "baclo-review", "version": 1, "cards": cards}))
    result = baclo.invoke(["review", "--stats", "-f", "json", "--today", "2026-11-29"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("\n") <= 1


# --- the cache ---------------------------------------------------------------------------------------------


def test_same_size_edit_with_restored_mtime_is_reread(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = write(tmp_path, "k.yaml", text)
    before = os.stat(path)
    kb = load_knowledge(path)
    top = next(
        b for b in kb.dose_bands if b.kind == "max" and b.route == "oral" and b.per == "day" and b.renal == "any"
    )
    assert top.amount == 80
    old = 'label: "Labelled adult maximum (20 mg four times a day)", amount: 80,'
    edited = text.replace(old, old.replace("80,", "90,"))
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = load_knowledge(path)
    assert next(b for b in again.dose_bands if b.label == top.label).amount == 90


def test_cache_folder_is_private_and_an_unsafe_one_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    load_knowledge(path)
    folder = tmp_path / "cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("BACLO_CACHE_DIR", str(shared))
    load_knowledge(path)
    assert not list(shared.iterdir())


def test_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = cache.content_key(path.read_bytes())
    (folder / f"knowledge-{key}.marshal").symlink_to(victim)
    assert load_knowledge(path).topics["alpha"].title == "Alpha"  # the link is not read ...
    assert victim.read_text(encoding="utf-8") == "precious"  # ... nor written through
    assert not (folder / f"knowledge-{key}.marshal").is_symlink()


@pytest.mark.parametrize("blob", [b"\xdb\x01\x00\x00\x00", cache.MAGIC + b"\xff" * 40, cache.MAGIC + bytes(40) + b"x"])
def test_crafted_cache_files_are_ignored_quickly(tmp_path: Path, blob: bytes) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    (folder / f"knowledge-{cache.content_key(path.read_bytes())}.marshal").write_bytes(blob)
    assert load_knowledge(path).topics["alpha"].title == "Alpha"


# --- output as an attack surface -----------------------------------------------------------------------------


def test_control_characters_are_refused_by_validate_and_escaped_in_messages(baclo: Baclo, tmp_path: Path) -> None:
    hostile = MINIMAL.replace("Alpha summary.", '"Alpha \\e]52;c;aGk=\\a summary."')
    path = write(tmp_path, "k.yaml", hostile)
    result = baclo.invoke(["validate", str(path), "-f", "json"])
    assert result.exit_code == 3
    assert "control character" in json.loads(result.stdout)["problems"][0]["problem"]
    result = baclo.invoke(["search", "\x1b]52;c;aGk=\x07"])
    assert result.exit_code == 1 and "\x1b" not in result.stderr and "\\x1b" in result.stderr


def test_ids_with_a_trailing_newline_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("{id: r1,", '{id: "r1\\n",').replace("refs: [r1]", 'refs: ["r1\\n"]')
    with pytest.raises(DataFileError):
        load_knowledge(write(tmp_path, "k.yaml", text))


def test_spreadsheet_formulas_are_neutralised_but_numbers_stay_numbers(tmp_path: Path, baclo: Baclo) -> None:
    text = MINIMAL.replace("value: first", 'value: "=HYPERLINK(\\"http://x\\")"').replace(
        "{name: one,", '{name: "-5", other: "@SUM(A1)", neg: -3,'
    )
    path = write(tmp_path, "k.yaml", text)
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        out = baclo.invoke(["--data", str(path), "show", "alpha", "-f", fmt]).stdout
        import csv
        import io

        row = dict(zip(*list(csv.reader(io.StringIO(out), delimiter=sep))[:2], strict=True))
        assert row["value"].startswith("'=") and row["other"] == "'@SUM(A1)"
        assert row["name"] == "-5" and row["neg"] == "-3"


def test_deck_name_must_be_one_line(baclo: Baclo) -> None:
    result = baclo.invoke(["flashcards", "-f", "tsv", "--deck", "mine\n#deck:evil"])
    assert result.exit_code == 2 and "single line" in result.stderr
