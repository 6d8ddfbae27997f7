"""The fast dispatcher against the Typer app: same bytes on stdout and stderr, same exit code.

Argument lists are generated from the command table itself (every command, option, choice and argument),
mixed with junk, so an option added to the table is covered here without a new test.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baclo_cli.cli import app as cli
from baclo_cli.cli import fast
from baclo_cli.cli.commands import COMMANDS, OUTPUT, Opt

JUNK = [
    "--bogus",
    "-x",
    "--",
    "-",
    "--format=json",
    "-fjson",
    "-sfjson",
    "",
    " ",
    "-5",
    "0",
    "nan",
    "1e400",
    "ünï",
    "-h",
]
TOPIC_WORDS = ["withdrawal", "pk", "pharmacokinetics", "nope", "uses"]
WHERE_WORDS = ["aspect=symptom", "evidence~lab", "kind!=boxed", "colour=red", "nonsense", "=x", "severity=serious"]


def _values(option: Opt) -> st.SearchStrategy[str]:
    if option.kind == "choice":
        return st.sampled_from([*option.choices * 3, option.choices[0].upper(), "bogus"])
    if option.kind == "int":
        return st.sampled_from(["0", "1", "3", "500", "501", "-1", "x", "07"])
    if option.kind == "float":
        return st.sampled_from(["40", "0", "25.5", "1e3", "nan", "-3", "x", "80.0"])
    if option.dest == "output":  # a file to write: never one that could be created or replaced
        return st.sampled_from(["/nonexistent-baclo-folder/cards.txt", "/dev/null"])
    if option.kind == "path":
        return st.sampled_from(["/nonexistent.yaml", ""])
    if option.dest == "where":
        return st.sampled_from(WHERE_WORDS)
    if option.dest == "fields":
        return st.sampled_from(["aspect,detail", "id,kind", "nope", "", "term"])
    if option.dest == "sort":
        return st.sampled_from(["number", "-number", "aspect", "nope"])
    return st.sampled_from(TOPIC_WORDS)


def _spelled(flag: str, value: str, joined: bool) -> list[str]:
    """``--flag value``, or the joined spellings Click also takes: ``--flag=value`` and ``-fVALUE``."""
    if not joined:
        return [flag, value]
    return [f"{flag}={value}"] if flag.startswith("--") else [flag + value]


def _option_tokens(option: Opt) -> st.SearchStrategy[list[str]]:
    flag = st.sampled_from(option.flags)
    if option.kind == "flag":
        return flag.map(lambda f: [f])
    return st.tuples(flag, _values(option), st.booleans()).map(lambda t: _spelled(*t))


@st.composite
def argument_lists(draw: Callable[..., Any]) -> list[str]:
    command = draw(st.sampled_from(COMMANDS))
    name = draw(st.sampled_from([command.name, *command.aliases]))
    before = draw(st.lists(st.one_of([_option_tokens(o) for o in OUTPUT]), max_size=2))
    pool = [_option_tokens(o) for o in (*command.options, *OUTPUT)]
    after = draw(st.lists(st.one_of(pool), max_size=4))
    wanted = 1 if command.args and not command.args[0].many else 2 if command.args else 0
    words = draw(st.lists(st.sampled_from(["80", "50mcg", "taper", "dlPFC", *TOPIC_WORDS]), max_size=wanted))
    junk = draw(st.lists(st.sampled_from(JUNK), max_size=1)) if draw(st.integers(0, 4)) == 0 else []
    seed = ["--seed", "7"] if any(o.dest == "seed" for o in command.options) else []  # same questions both ways
    tokens = [t for group in after for t in group] + words + junk + seed
    order = draw(st.permutations(tokens)) if draw(st.booleans()) else tokens
    return [t for group in before for t in group] + ([name] if draw(st.integers(0, 9)) else []) + list(order)


def _capture(run: Callable[[], int | None]) -> tuple[int | None, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    wrappers = [io.TextIOWrapper(buffer, encoding="utf-8", write_through=True) for buffer in (out, err)]
    sys.stdout, sys.stderr = wrappers
    try:
        try:
            code = run()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 0
        for wrapper in wrappers:
            wrapper.flush()
        values = out.getvalue(), err.getvalue()
    finally:
        sys.stdout, sys.stderr = saved
        for wrapper in wrappers:
            if not wrapper.closed:
                wrapper.detach()
    return code, *values


def _typer(argv: list[str]) -> int | None:
    sys.argv = ["baclo", *argv]
    cli.main()
    return None  # pragma: no cover - main always exits


@settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=argument_lists())
def test_fast_path_and_typer_path_agree(argv: list[str]) -> None:
    saved_argv = sys.argv
    try:
        fast_code, fast_out, fast_err = _capture(lambda: fast.run(argv))
        if fast_code is None:
            assert fast_out == b"" and fast_err == b"", "a declined argument list must leave no trace"
            return
        typer_code, typer_out, typer_err = _capture(lambda: _typer(argv))
    finally:
        sys.argv = saved_argv
    assert (fast_code, fast_out, fast_err) == (typer_code, typer_out, typer_err), argv


def test_fast_path_answers_the_plain_forms() -> None:
    """The forms scripts use most are answered without Typer (else the speed work would be moot)."""
    for argv in (
        [],
        ["uses", "-f", "json"],
        ["-f", "json", "side-effects", "--serious"],
        ["withdrawal", "--where", "aspect=symptom", "--fields", "aspect,detail"],
        ["show", "pk"],
        ["search", "kidney", "-n", "3"],
        ["glossary", "-t", "withdrawal", "-t", "pregnancy"],
        ["refs", "--where", "kind=label", "-f", "tsv"],
        ["dose-check", "80", "--crcl", "40", "-f", "json"],
        ["export", "-f", "ndjson"],
        ["topics"],
        ["disputes", "--sort", "topic"],
        ["labels", "--where", "status=confirmed", "-f", "json"],
        ["labels", "--check", "--timeout", "2"],
        ["uses", "--format=json"],
        ["uses", "-fjson"],
        ["-fjson", "uses"],
        ["uses", "-sf", "json"],
        ["uses", "-f", "JSON"],
        ["--format", "csv", "uses", "--where=status=approved", "--sort=-condition"],
        ["dose-check", "--crcl=40", "80", "--route=oral"],
        ["dose-check", "--", "-5"],
        ["flashcards", "-f", "tsv"],
        ["quiz", "-f", "json", "--seed", "3"],
        ["review", "--stats"],
        ["validate"],
        ["schema", "uses"],
    ):
        assert fast.parse(argv) is not None, argv


def test_help_and_version_are_answered_without_typer() -> None:
    """Help comes from the cache after the first run, byte-identical to Typer's (the differential test above
    draws -h among its junk words); --version is one shared function."""
    from baclo_cli.cli import help as help_

    for argv in (["--help"], ["-h"], ["uses", "--help"], ["pk", "-h"], ["dose-check", "--help"]):
        assert help_.help_form(argv), argv
        first = _capture(partial(fast.run, argv))
        again = _capture(partial(fast.run, argv))
        typer_code, typer_out, typer_err = _capture(partial(_typer, argv))
        assert first == again == (0, typer_out, typer_err) and typer_code == 0, argv
    assert _capture(lambda: fast.run(["--version"]))[:2] == _capture(lambda: _typer(["--version"]))[:2]


def test_fast_path_declines_what_it_does_not_fully_understand() -> None:
    for argv in (
        ["--help"],
        ["uses", "-h"],
        ["--version"],
        ["uses", "-f"],
        ["uses", "-f", "JSONX"],
        ["uses", "--serious=yes"],
        ["uses", "-x"],
        ["nope"],
        ["quiz"],
        ["quiz", "--seed", "3"],
        ["review"],
        ["dose-check"],
        ["search"],
        ["uses", "--bogus"],
        ["uses", "extra"],
        ["--", "uses"],
    ):
        assert fast.parse(argv) is None, argv


def test_help_cache_key_uses_the_width_click_lays_help_out_for(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from baclo_cli.cli import help as help_

    for columns in ("100", "0", "x", "-5", None):
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", columns)
        assert help_.terminal_columns() == shutil.get_terminal_size().columns, columns


@settings(derandomize=True, max_examples=500, deadline=None)
@given(text=st.text(alphabet="a/.", max_size=10) | st.text(max_size=10))
def test_a_path_option_reads_as_pathlib_reads_it(text: str) -> None:
    from pathlib import PurePosixPath

    from baclo_cli.cli.fast import as_path

    assert str(as_path(text)) == str(PurePosixPath(text))
