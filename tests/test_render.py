"""Renderers: golden files, terminal layouts, colour rules, ASCII fallback."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.answers import topics as query
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output.render import Style, detect_style, render, to_ascii, write
from baclo_cli.output.yaml_writer import dump

from .conftest import Baclo

GOLDEN = Path(__file__).parent / "golden"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = set("─│╭╮╰╯┌┐└┘├┤┬┴┼━┃")


def numbers(kb: Knowledge) -> dict[str, int]:
    return {r.id: r.number for r in kb.references.values()}


def rendered(kb: Knowledge, topic: str, fmt: str, style: Style, sources: bool = False) -> str:
    result = query.topic_result(kb, topic)
    return render(result, fmt, style=style, sources=sources, numbers=numbers(kb), notice="NOTICE")


@pytest.mark.parametrize(("fmt", "name"), [("json", "withdrawal.json"), ("plain", "withdrawal.plain.txt")])
def test_golden(kb: Knowledge, fmt: str, name: str) -> None:
    """Byte-for-byte against a stored, reviewed file. To refresh after a deliberate data change:
    baclo withdrawal -f json > tests/golden/withdrawal.json; baclo withdrawal -f plain --sources > ...plain.txt"""
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert rendered(kb, "withdrawal", fmt, Style(), sources=fmt == "plain") == expected


def test_piped_table_has_no_colour_box_or_wrapping(kb: Knowledge) -> None:
    out = rendered(kb, "side-effects", "table", Style(is_terminal=False, color=False, width=None))
    assert not ANSI.search(out)
    assert not BOX & set(out)
    summary = kb.topics["side-effects"].summary
    assert summary in out.splitlines()  # one line, not wrapped at 80 columns
    assert max(len(line) for line in out.splitlines()) > 120
    assert all(line == line.rstrip() for line in out.splitlines())


def test_terminal_table_has_colour_and_box(kb: Knowledge) -> None:
    out = rendered(kb, "side-effects", "table", Style(is_terminal=True, color=True, width=160))
    assert ANSI.search(out)
    assert BOX & set(out)
    assert max(len(ANSI.sub("", line)) for line in out.splitlines()) <= 160


def test_dumb_or_ascii_terminal_uses_ascii_box(kb: Knowledge) -> None:
    out = rendered(kb, "uses", "table", Style(is_terminal=True, color=False, width=120, ascii_only=True))
    assert not BOX & set(out)
    assert "+" in out or "|" in out
    assert not ANSI.search(out)


@pytest.mark.parametrize("topic", ["side-effects", "studies", "uses", "withdrawal"])
def test_forty_column_terminal_is_readable(kb: Knowledge, topic: str) -> None:
    out = rendered(kb, topic, "table", Style(is_terminal=True, color=False, width=40), sources=True)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 40
    # every fact's first field is still shown
    for fact in kb.topics[topic].facts:
        first = str(next(iter(fact.fields.values())))
        assert first.split()[0] in out


def test_detect_style_honours_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        encoding = "utf-8"

        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm")
    assert detect_style(Tty()).color is True
    assert detect_style(Tty(), no_color=True).color is False
    assert detect_style(io.StringIO()).color is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert detect_style(Tty()).color is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert detect_style(io.StringIO()).color is True
    assert detect_style(io.StringIO()).is_terminal is False
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    dumb = detect_style(Tty())
    assert dumb.color is False and dumb.ascii_only is True


def test_markdown_is_a_pipe_table(kb: Knowledge) -> None:
    out = rendered(kb, "uses", "markdown", Style(), sources=True)
    lines = out.splitlines()
    assert lines[0] == "# Uses"
    header = next(i for i, line in enumerate(lines) if line.startswith("| Condition"))
    assert lines[header + 1].startswith("|---")
    assert "## References" in out and out.rstrip().endswith("_NOTICE_")


def test_ascii_fallback_on_a_narrow_encoding() -> None:
    class AsciiStream(io.StringIO):
        def write(self, text: str) -> int:
            text.encode("ascii")  # raises like a real ascii stream
            return super().write(text)

    stream = AsciiStream()
    write("10\u201365% \u2265 5 \u00b5g\n", stream)
    assert stream.getvalue() == "10-65% >= 5 ug\n"
    assert to_ascii("caf\u00e9") == "caf?"


PLAIN_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**18), 10**18) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=15,
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(value=PLAIN_DATA, ascii_only=st.booleans())
def test_yaml_writer_round_trips_through_pyyaml(value: object, ascii_only: bool) -> None:
    """baclo writes YAML without PyYAML (start-up time); PyYAML must read back exactly the data written."""
    text = dump(value, ascii_only=ascii_only)
    if ascii_only:
        assert text.isascii()
    assert yaml.safe_load(text) == value


@pytest.mark.parametrize(
    "args", [["export"], ["refs"], ["topics"], ["glossary"], ["disputes"], ["search", "kidney"], ["dose-check", "90"]]
)
def test_yaml_output_is_the_json_output(baclo: Baclo, args: list[str]) -> None:
    as_json = json.loads(baclo.invoke([*args, "-f", "json"]).stdout)
    assert yaml.safe_load(baclo.invoke([*args, "-f", "yaml"]).stdout) == as_json


def test_piped_table_aligns_wide_and_combining_characters() -> None:
    from baclo_cli.answers.result import Result
    from baclo_cli.output.plain_table import display_width, render_plain_table

    assert display_width("abc") == 3 and display_width("中文") == 4 and display_width("e\u0301") == 1
    result = Result(
        title="T",
        columns=["name", "note"],
        rows=[{"name": "中文", "note": "x"}, {"name": "cafe\u0301", "note": "y"}, {"name": "plain", "note": "z"}],
        payload={},
    )
    lines = render_plain_table(result, style=Style(), sources=False, numbers={}, notice="").splitlines()
    grid = lines[2:]
    # the second column starts at the same display column on every line
    assert {display_width(line[: line.rindex(" ") + 1]) for line in grid} == {7}


@settings(derandomize=True, max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0x3FF), max_size=20) | st.text(max_size=20))
def test_display_width_shortcut_agrees_with_the_character_by_character_count(text: str) -> None:
    import unicodedata

    from baclo_cli.output.layout import display_width

    slow = sum(
        0
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )
    assert display_width(text) == slow


@settings(derandomize=True, max_examples=400, deadline=None)
@given(
    text=st.text(max_size=30) | st.text(alphabet="a\t\n\x1b\x7f\x85\xa0é\u200e\u202e\u2066\u2069\u2028", max_size=30)
)
def test_escape_controls_is_the_pattern_substitution(text: str) -> None:
    import re

    from baclo_cli.text import CONTROL, escape_controls

    def shown(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"

    assert escape_controls(text) == re.sub(CONTROL, shown, text)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(
    text=st.text(max_size=12)
    | st.text(alphabet="aZ09 ()/%+.,;'_-:#\x7f\x85\u2028\ufeff\ufffe\ud800é\U0001f600", max_size=12)
    | st.sampled_from(["y", "No", "TRUE", "null", "~", "NaN", "inf", "on", "Off", "yes"]),
    ascii_only=st.booleans(),
)
def test_yaml_scalars_match_the_pattern_rules_they_replace(text: str, ascii_only: bool) -> None:
    import re

    from baclo_cli.output import yaml_writer

    special = re.fullmatch(r"(?i)(y|n|yes|no|on|off|true|false|null|nan|inf|~)", text)
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9 ()/%+.,;'_-]*", text)
    risky = re.search("[\\x7f-\\x9f\\u2028\\u2029\\ufeff\\ufffe\\uffff\\ud800-\\udfff]", text)
    assert yaml_writer._risky(text) == bool(risky)
    written = yaml_writer._text(text, ascii_only)
    if len(text) <= 80 and plain and not special and text[-1] != " ":
        assert written == text
    else:
        assert written.startswith('"') and written.endswith('"')


def test_the_whitespace_list_is_what_str_isspace_accepts() -> None:
    from baclo_cli.output.render import WHITESPACE

    assert sorted(WHITESPACE) == [c for c in range(0x110000) if chr(c).isspace()]


_MD_TEXT = st.text(max_size=20) | st.text(alphabet="12.)-+= \t\n#*_`[]<>|~&$\\x\u00a0\u3000", max_size=20)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(text=_MD_TEXT, url=_MD_TEXT)
def test_markdown_escapes_are_the_pattern_substitutions_they_replace(text: str, url: str) -> None:
    import re

    from baclo_cli.output import render as rendering

    escaped = re.sub(r"[\\`*_\[\]<>#|~&$]", lambda m: "\\" + m.group(), " ".join(text.split()))
    escaped = re.sub(
        r"^([0-9]+)([.)])|^([-+=])",
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(3),
        escaped,
    )
    assert rendering._md_escape(text) == escaped
    assert rendering._md_url(url) == re.sub(r"[()<>\\\s]", lambda m: f"%{ord(m.group()):02X}", url)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet='ab,"\n\r\t ;é', max_size=6), min_size=1, max_size=4), max_size=5))
def test_the_c_csv_writer_writes_what_the_csv_module_does(rows: list[list[str]]) -> None:
    import _csv
    import csv
    import io

    ours, theirs = io.StringIO(), io.StringIO()
    _csv.writer(ours, lineterminator="\n").writerows(rows)
    csv.writer(theirs, lineterminator="\n").writerows(rows)
    assert ours.getvalue() == theirs.getvalue()


@settings(derandomize=True, max_examples=600, deadline=None)
@given(text=st.text(alphabet="+-.eE0123456789٣x ", max_size=10))
def test_plain_number_is_the_pattern_it_replaces(text: str) -> None:
    import re

    from baclo_cli.output.cells import plain_number

    assert plain_number(text) == bool(re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet=st.sampled_from("a –≥…中\u0301\xad\u200b\u3000é"), max_size=60))
def test_display_width_counts_each_character_as_a_terminal_does(text: str) -> None:
    """Counted by distinct character, it gives what counting character by character gives."""
    import unicodedata

    from baclo_cli.output.layout import display_width

    def one_by_one(ch: str) -> int:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            return 0
        return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

    assert display_width(text) == sum(map(one_by_one, text))
