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
from baclo_cli.answers.clearance import read_patient
from baclo_cli.answers.dose import dose_check_result
from baclo_cli.answers.search import search_result
from baclo_cli.answers.validation import validation_result
from baclo_cli.errors import BacloError, DataFileError
from baclo_cli.knowledge import cache
from baclo_cli.knowledge.load import load_knowledge
from baclo_cli.output.render import FORMATS, Style, render
from baclo_cli.study import state as review_state
from baclo_cli.study.cards import flashcards_result, make_cards
from baclo_cli.study.quiz import all_questions, make_quiz

from .conftest import DATA, Baclo, write
from .test_knowledge import MINIMAL
from .test_study import CARD, DAY

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
        lambda kb: dose_check_result(kb, "80", patient=read_patient(renal="impaired")),
        lambda kb: dose_check_result(kb, "80", patient=read_patient(crcl=20), verbose=True),
        lambda kb: flashcards_result(kb, make_cards(kb)),
        lambda kb: make_quiz(kb, None, 5, 1) and query.topics_result(kb),
        lambda kb: (all_questions(kb), query.topics_result(kb))[1],  # every draft, as a kept bank works them out
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


# --- Hardening III (issue 14) ----------------------------------------------------------------------------------


def _file_with(tmp_path: Path, name: str, change: Any) -> Path:
    """MINIMAL as data, changed by ``change(data)``, written as YAML (so any text is quoted correctly)."""
    data = yaml.safe_load(MINIMAL)
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


TAGS = ["!!bool", "!!int", "!!float", "!!timestamp", "!!null", "!!binary", "!!set", "!!omap", "!!pairs", "!!str"]
TAGGED = ["maybe", "x", "1", "2026-02-30", "0x1g", "yes", "=", "[a]", "{a: b}", "~", "''", "- a", "1e5", "aGk="]


@PROFILE
@given(tag=st.sampled_from(TAGS), value=st.sampled_from(TAGGED))
def test_values_pyyaml_cannot_build_are_a_knowledge_file_error(
    baclo: Baclo, tmp_path: Path, tag: str, value: str
) -> None:
    """``!!bool maybe`` (a KeyError inside PyYAML), ``!!timestamp x`` (an AttributeError) and every other value a
    tag cannot build: exit 3 with the line, from validate and every command alike; never 70."""
    path = write(tmp_path, "k.yaml", MINIMAL.replace("value: first", f"value: {tag} {value}"))
    checked = baclo.invoke(["validate", str(path), "-f", "json"])
    shown = baclo.invoke(["--data", str(path), "show", "alpha", "-f", "json"])
    assert checked.exit_code in (0, 3) and shown.exit_code in (0, 3), (checked.stderr, shown.stderr)
    assert (checked.exit_code == 0) == (shown.exit_code == 0), (checked.stdout, shown.stderr)
    assert "internal error" not in checked.stderr + shown.stderr


def test_bool_maybe_and_timestamp_x_name_their_line(baclo: Baclo, tmp_path: Path) -> None:
    for bad, kind in (("!!bool maybe", "bool"), ("!!timestamp x", "timestamp")):
        path = write(tmp_path, "k.yaml", MINIMAL.replace("value: first", f"value: {bad}"))
        done = baclo.invoke(["--data", str(path), "uses"])
        assert (
            done.exit_code == 3
            and done.stderr == f"baclo: {path}:8: cannot read the value {bad.split()[1]!r} as a {kind}\n"
        )


DIGITS = {"ascii": "0123456789", "fullwidth": "０１２３４５６７８９", "arabic-indic": "٠١٢٣٤٥٦٧٨٩"}


@PROFILE
@given(
    year=st.integers(0, 9999),
    month=st.one_of(st.integers(0, 13), st.integers(0, 99)),
    day=st.one_of(st.integers(0, 32), st.integers(0, 99)),
    digits=st.sampled_from(sorted(DIGITS)),
)
def test_last_reviewed_must_be_a_real_date_in_ascii_digits(
    baclo: Baclo, tmp_path: Path, year: int, month: int, day: int, digits: str
) -> None:
    import datetime

    written = f"{year:04d}-{month:02d}-{day:02d}".translate(str.maketrans("0123456789", DIGITS[digits]))
    path = write(tmp_path, "k.yaml", MINIMAL.replace('last_reviewed: "2026-01-01"', f'last_reviewed: "{written}"'))
    try:
        real = digits == "ascii" and datetime.date(year, month, day) is not None
    except ValueError:
        real = False
    done = baclo.invoke(["validate", str(path), "-f", "json"])
    assert done.exit_code == (0 if real else 3), (written, done.stdout)
    if not real:
        assert json.loads(done.stdout)["problems"][0]["path"] == "drug.last_reviewed"


@pytest.mark.parametrize("term", ["Thing\n", "Thing\nsecond line", "Thing\t"])
def test_a_glossary_term_is_one_line(baclo: Baclo, tmp_path: Path, term: str) -> None:
    path = _file_with(tmp_path, "k.yaml", lambda d: d["glossary"][0].update(term=term))
    done = baclo.invoke(["validate", str(path), "-f", "json"])
    assert done.exit_code == 3 and json.loads(done.stdout)["problems"][0]["path"] == "glossary[0].term"


@pytest.mark.parametrize("field", ["topic", "section"])
def test_a_fact_field_may_not_take_the_name_export_and_disputes_give(baclo: Baclo, tmp_path: Path, field: str) -> None:
    """Export (ndjson, csv) and disputes put the real topic and section beside each fact: a fact field of that
    name would overwrite them, so a file holding one is refused, by validate and every command alike."""

    def change(data: dict[str, Any]) -> None:
        data["topics"]["alpha"]["facts"][0].update({field: "fake", "dispute": "d"})

    path = _file_with(tmp_path, "k.yaml", change)
    checked = baclo.invoke(["validate", str(path), "-f", "json"])
    assert checked.exit_code == 3
    assert json.loads(checked.stdout)["problems"][0]["path"] == f"topics.alpha.facts[0].{field}"
    for args in (["export", "-f", "ndjson"], ["export", "-f", "csv"], ["disputes", "-f", "ndjson"]):
        done = baclo.invoke(["--data", str(path), *args])
        assert done.exit_code == 3 and "fake" not in done.stdout


# Markdown: text that means something to Markdown or HTML, in every place an answer puts text.
MARKDOWNISH = (
    st.lists(
        st.sampled_from([*"ab1 .-+=*_`#[]()<>!|~&$\\:/\"'\n", "<img src=x>", "<script>", "&amp;", "](", "\n\n"]),
        min_size=1,
        max_size=14,
    )
    .map("".join)
    .filter(lambda text: text.strip() != "")
)


def _markdown_text(tokens: list[Any]) -> str:
    """The text a Markdown reader shows for an inline token: its text children (entities decoded)."""
    parts = []
    for child in tokens:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


@PROFILE
@given(title=MARKDOWNISH, summary=MARKDOWNISH, value=MARKDOWNISH, ref_title=MARKDOWNISH)
def test_markdown_shows_every_text_as_text(
    baclo: Baclo, tmp_path: Path, title: str, summary: str, value: str, ref_title: str
) -> None:
    """Raw HTML, emphasis, links, headings, lists and line breaks in the data stay text: a CommonMark reader
    (markdown-it, with GitHub's tables and strikethrough) finds exactly the document baclo means, and each
    text shows exactly as written (a multi-line summary as one line)."""
    from markdown_it import MarkdownIt

    def change(data: dict[str, Any]) -> None:
        data["topics"]["alpha"].update(title=title, summary=summary)
        data["topics"]["alpha"]["facts"][0]["value"] = value
        data["references"][0].update(title=ref_title, url="https://example.org/a_(b)")

    path = _file_with(tmp_path, "k.yaml", change)
    done = baclo.invoke(["--data", str(path), "show", "alpha", "-f", "markdown", "--sources"])
    assert done.exit_code == 0, done.stderr
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(done.stdout)
    kinds = [t.type for t in tokens]
    assert "html_block" not in kinds and "code_block" not in kinds and "fence" not in kinds
    inline = [t for t in tokens if t.type == "inline"]
    assert inline[-1].content.startswith("_Reference only")  # the notice: baclo's own emphasis, the only one
    odd = ("html_inline", "image", "s_open", "em_open", "strong_open")
    assert not [c for t in inline[:-1] for c in t.children or [] if c.type in odd]
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [tag for tag, _ in headings] == ["h1", "h2"]
    assert _markdown_text(tokens[1].children or []) == " ".join(title.split())
    paragraphs = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert _markdown_text(paragraphs[0].children or []) == " ".join(summary.split())
    cells = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "td_open"]
    assert [_markdown_text(c.children or []) for c in cells] == ["one", " ".join(value.split()), "[1]"]
    links = [c for t in inline for c in t.children or [] if c.type == "link_open"]
    assert [link.attrs["href"] for link in links] == ["https://example.org/a_%28b%29"]
    item = next(t for t in inline if any(c.type == "link_open" for c in t.children or []))
    children = item.children or []
    start = next(i for i, c in enumerate(children) if c.type == "link_open")
    end = next(i for i, c in enumerate(children) if c.type == "link_close")
    assert _markdown_text(children[start + 1 : end]) == " ".join(ref_title.split())


TERMINAL_TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", "\x1b", "[", "]", "5", "2", ";", "m", "\x07", "\x9b", "\r", "\u202e", "\x00"]),
    min_size=1,
    max_size=16,
)


@PROFILE
@given(text=TERMINAL_TEXT, fmt=st.sampled_from(["table", "plain", "markdown"]), width=st.sampled_from([40, 120]))
def test_no_string_of_an_answer_reaches_a_terminal_raw(text: str, fmt: str, width: int) -> None:
    """Titles, summaries, verdicts, notes, references and cells: on a terminal, in colour or not, the only
    escape sequences are baclo's own colours; without colour there are none."""
    import re

    from baclo_cli.answers.result import Result
    from baclo_cli.knowledge.model import Reference
    from baclo_cli.text import CONTROL

    def answer() -> Result:
        reference = Reference("r1", 1, text, text, "study", "https://example.org/1", text)
        section = Result(title=text, columns=["a", "b"], rows=[{"a": text, "b": "x", "refs": ["r1"]}], payload={})
        section.summary = text
        return Result(
            title=text, columns=[], rows=[], payload={}, summary=text, references=[reference], notes=[text],
            sections=[section], verdict=text, exit_code=4,
        )  # fmt: skip

    def shown(color: bool) -> str:
        style = Style(is_terminal=True, color=color, width=width)
        return render(answer(), fmt, style=style, sources=True, numbers={"r1": 1}, notice=text)

    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.splitlines()]

    plain, coloured = shown(False), shown(True)
    assert not re.search(CONTROL, plain), repr(plain)
    assert lines(re.sub(r"\x1b\[[0-9;]*m", "", coloured)) == lines(plain)


@PROFILE
@given(
    words=st.lists(
        st.sampled_from(["sleepy", "drowsy", "kidney", "taper", "withdrawl", "pregnant"]), min_size=1, max_size=3
    ),
    times=st.integers(1, 12),
)
def test_repeated_words_find_what_the_words_find_once(baclo: Baclo, words: list[str], times: int) -> None:
    """A word said again must match where it already matched: the same hits, at the cost of saying it once."""
    once = baclo.invoke(["search", *dict.fromkeys(words), "-f", "json"])
    again = baclo.invoke(["search", *(words * times), "-f", "json"])
    assert again.exit_code == once.exit_code
    if once.exit_code == 0:
        assert json.loads(again.stdout)["hits"] == json.loads(once.stdout)["hits"]


def test_a_long_query_costs_little(baclo: Baclo) -> None:
    """40 x 'sleepy' took 11 s and found nothing; a 2 KB query over a minute."""
    import time

    start = time.monotonic()
    forty = baclo.invoke(["search", *["sleepy"] * 40, "-f", "json"])
    assert forty.exit_code == 0 and json.loads(forty.stdout)["hits"][0]["name"] == "Drowsiness"
    assert time.monotonic() - start < 2
    start = time.monotonic()
    long = baclo.invoke(["search", " ".join(f"word{i}" for i in range(400))])
    assert long.exit_code == 2 and "at most 500 characters" in long.stderr
    many = baclo.invoke(["search", *(f"w{i}" for i in range(30))])
    assert many.exit_code == 2 and "at most 20 different words" in many.stderr
    assert time.monotonic() - start < 2


def test_a_blank_glossary_term_is_a_usage_error(baclo: Baclo) -> None:
    for blank in ("", "  "):
        done = baclo.invoke(["glossary", blank])
        assert done.exit_code == 2 and done.stdout == "" and "TERM is empty" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["show", "x" * 70_000], ["glossary", "y" * 70_000], ["x" * 70_000], ["uses", "--where", "z" * 70_000 + "=1"]],
)
def test_a_message_quoting_what_was_typed_stays_short(baclo: Baclo, args: list[str]) -> None:
    done = baclo.invoke(args)
    assert done.exit_code in (1, 2) and done.stderr.count("\n") == 1 and len(done.stderr) <= 2001


@pytest.mark.parametrize(
    "args",
    [["dose-check", "80", "--crcl", "1_0"], ["dose-check", "80", "--crcl=1_0"], ["search", "-n", "1_0", "taper"]],
)
def test_numbers_are_plain_numbers(baclo: Baclo, args: list[str]) -> None:
    """Python reads '1_0' as ten; a clearance of '1_0' is a typo, not a clearance of 10."""
    done = baclo.invoke(args)
    assert done.exit_code == 2 and "'1_0' is not a valid" in done.stderr


def test_fields_json_follows_the_published_schema(baclo: Baclo) -> None:
    import jsonschema

    from baclo_cli.cli.commands import BY_NAME
    from baclo_cli.output.contracts import schema_for

    for command, fields in (("refs", "id,kind"), ("withdrawal", "aspect"), ("search", "name"), ("dose-check", "kind")):
        words = {"search": ["kidney"], "dose-check": ["80"]}.get(command, [])
        done = baclo.invoke([command, *words, "--fields", fields, "-f", "json"])
        data = json.loads(done.stdout)
        assert data["fields"] == fields.split(",")
        contract = schema_for(command, BY_NAME[command].contract)
        jsonschema.validate(data, contract, cls=jsonschema.Draft202012Validator)
        del data["fields"]  # without 'fields' the rows must be whole
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, contract, cls=jsonschema.Draft202012Validator)


def test_schema_schema_does_not_suggest_itself(baclo: Baclo) -> None:
    done = baclo.invoke(["schema", "schema"])
    assert done.exit_code == 2 and "did you mean 'schema'" not in done.stderr


def test_version_names_the_file_it_reads(baclo: Baclo, tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", MINIMAL)
    for args in (["--data", str(path), "--version"], ["--version", "--data", str(path)]):
        done = baclo.invoke(args)
        assert done.exit_code == 0
        assert done.stdout.startswith("baclo 0.1.0 (knowledge file mine.yaml: schema 2, reviewed 2026-01-01, ")
    done = baclo.invoke(["--version"], env={"BACLO_DATA": str(path)})
    assert "mine.yaml" in done.stdout and "2026-01-01" in done.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "nope"], 2),
        (["glossary", "zebrafish"], 1),
        (["--data", "/nonexistent", "uses"], 3),
        (["dose-check", "200"], 4),
    ],
)
def test_debug_shows_the_traceback_but_keeps_the_exit_code(baclo: Baclo, args: list[str], code: int) -> None:
    quiet = baclo.invoke(args)
    loud = baclo.invoke(args, env={"BACLO_DEBUG": "1"})
    assert quiet.exit_code == loud.exit_code == code
    if code != 4:
        assert "Traceback" in loud.stderr and "Traceback" not in quiet.stderr
        assert loud.stderr.endswith(quiet.stderr)


ANSWER_LINES = st.lists(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60).map(lambda s: s.replace("\n", " ")),
    max_size=6,
)


@settings(derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=ANSWER_LINES)
def test_any_answer_lines_end_a_quiz_and_a_review_cleanly(lines: list[str]) -> None:
    """Generated answer lines (control and escape characters, letters, empty lines, q): the session ends with
    exit 0, nothing from the input reaches the output raw, and review progress stays readable."""
    baclo = Baclo()
    stdin = "\n".join(lines) + "\n"
    for args in (["quiz", "--seed", "3", "-n", "2"], ["review", "-t", "withdrawal", "--new", "2"]):
        result = baclo.invoke([*args, "--today", "2026-11-29"] if args[0] == "review" else args, input=stdin)
        assert result.exit_code == 0, (args, result.stderr)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    stats = baclo.invoke(["review", "--stats", "-t", "withdrawal", "--today", "2026-11-29", "-f", "json"])
    assert stats.exit_code == 0 and json.loads(stats.stdout)
