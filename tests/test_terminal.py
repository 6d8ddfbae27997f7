"""On a real terminal (a pseudo-terminal): the pager, and colour flags."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import BACLO


def _pty(args: list[str], env: dict[str, str], rows: int = 12) -> tuple[int, str]:
    import pexpect

    child = pexpect.spawn(BACLO, args, env=env, encoding="utf-8", timeout=30, dimensions=(rows, 120))
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), (child.before or "").replace("\r\n", "\n")


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A $BACLO_PAGER that records what it is given, and the file it writes."""
    record = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > {record}\ncat >> {record}\n', encoding="utf-8")
    script.chmod(0o755)
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm", "BACLO_PAGER": str(script)}
    for name in ("NO_COLOR", "FORCE_COLOR", "LESS", "COLUMNS", "LINES"):
        env.pop(name, None)
    return env, record


def test_tall_output_goes_through_the_pager(recorder: tuple[dict[str, str], Path]) -> None:
    env, record = recorder
    code, screen = _pty(["side-effects"], env)
    assert code == 0
    paged = record.read_text(encoding="utf-8")
    assert paged.startswith("LESS=FRX\n") and "Drowsiness" in paged
    assert "Drowsiness" not in screen  # it went to the pager, not straight to the screen


def test_no_pager_when_it_fits_when_asked_or_in_a_pipe(recorder: tuple[dict[str, str], Path]) -> None:
    env, record = recorder
    code, screen = _pty(["glossary", "dlPFC"], env, rows=60)
    assert code == 0 and "dlPFC" in screen and not record.exists()
    code, screen = _pty(["side-effects", "--no-pager"], env)
    assert code == 0 and "Drowsiness" in screen and not record.exists()
    import pexpect

    out = pexpect.run(f"sh -c '{BACLO} side-effects | cat'", env=env, encoding="utf-8", timeout=30)
    assert "Drowsiness" in out and not record.exists()


def test_color_flag(recorder: tuple[dict[str, str], Path]) -> None:
    env, _ = recorder
    env["BACLO_PAGER"] = ""
    _, always = _pty(["glossary", "dlPFC", "--color", "always"], env, rows=60)
    _, never = _pty(["glossary", "dlPFC", "--color", "never"], env, rows=60)
    assert "\x1b[" in always and "\x1b[" not in never
    import subprocess

    piped = subprocess.run([BACLO, "uses", "--color", "always"], env=env, capture_output=True, text=True).stdout
    assert "\x1b[" in piped  # for 'baclo ... --color always | less -R'


# --- nothing typed or named reaches the terminal raw (issue 14) ---------------------------------------------------

# A clipboard write (OSC 52), a title change, a screen clear and a C1 control: made visible, never obeyed.
HOSTILE = "\x1b]52;c;aGk=\x07\x1b]0;x\x07\x1b[2J\x9b"


@pytest.mark.parametrize("case", ["query", "file", "home"])
@pytest.mark.parametrize("color", ["never", "always"])
def test_input_reaches_the_terminal_escaped(tmp_path: Path, case: str, color: str) -> None:
    """A search query, a file name given to validate and BACLO_HOME are shown in the title or summary of a
    table on a terminal: each passes the one control-character filter, so the only escape sequences on the
    screen are baclo's own colours."""
    import re

    from baclo_cli.text import CONTROL

    from .test_knowledge import MINIMAL

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm", "BACLO_PAGER": ""}
    env["BACLO_HOME"] = str(tmp_path / "home")
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    if case == "query":
        args = ["search", "taper\x1b\x9b\x07"]  # no word in the escapes, so the query still finds 'taper'
    elif case == "file":
        path = tmp_path / f"k{HOSTILE.replace('[', '').replace('/', '')}.yaml"
        path.write_text(MINIMAL, encoding="utf-8")
        args = ["validate", str(path)]
    else:
        env["BACLO_HOME"] = str(tmp_path / f"home{HOSTILE}")
        args = ["review", "--stats", "--today", "2026-11-29"]
    code, screen = _pty([*args, "--color", color], env, rows=60)
    assert code == 0, screen
    assert not re.search(CONTROL, re.sub(r"\x1b\[[0-9;]*m", "", screen)), repr(screen)
    assert "\\x1b" in screen


def test_bare_baclo_fits_one_80x24_screen_without_a_pager(tmp_path: Path) -> None:
    """The clinical card: every line cited, on one screen, so the pager never starts (23 lines and the prompt)."""
    import pexpect

    env = {**os.environ, "COLUMNS": "80", "LINES": "24", "BACLO_PAGER": "false", "BACLO_CACHE_DIR": str(tmp_path)}
    child = pexpect.spawn(BACLO, [], env=env, dimensions=(24, 80), encoding="utf-8", timeout=30)
    text = re.sub(r"\x1b\[[0-9;]*m", "", child.read())
    child.close()
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    assert child.exitstatus == 0 and len(lines) <= 23, text
    assert lines[0].startswith("Baclofen at a glance")
    assert all(len(line) <= 80 for line in lines)
    body = [line for line in lines if line[:1].isalpha() and not line.startswith(("Next", "Reference", "Baclofen"))]
    assert len(body) >= 9
