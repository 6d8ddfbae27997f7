"""How old the knowledge file's review is: --version says so, and a terminal user is told once it is stale."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baclo_cli.answers.freshness import age_in_words, is_stale, review_age, stale_note

from .conftest import DATA, Baclo

_SIBLING = Path(sys.executable).with_name("baclo")
BACLO = str(_SIBLING) if _SIBLING.exists() else (shutil.which("baclo") or "")
REVIEWED = "2026-11-29"  # the bundled file's review date
NOTE = "baclo: note: the knowledge file was last reviewed 2024-06-01"


def test_a_review_is_stale_the_day_after_its_first_anniversary() -> None:
    day = datetime.date
    assert not is_stale(day(2025, 6, 1), day(2026, 6, 1))
    assert is_stale(day(2025, 6, 1), day(2026, 6, 2))
    assert not is_stale(day(2024, 2, 29), day(2025, 2, 28)) and is_stale(day(2024, 2, 29), day(2025, 3, 1))
    assert [age_in_words(d) for d in (0, 1, 45, 61, 400, 800)] == [
        "today",
        "1 day ago",
        "45 days ago",
        "2 months ago",
        "13 months ago",
        "2 years ago",
    ]
    assert review_age("2025-01-10", day(2026, 2, 1)) == "2025-01-10, 12 months ago: over a year old"
    assert review_age("2026-11-29", day(2026, 11, 30)) == "2026-11-29, 1 day ago"
    assert stale_note("2026-11-29", day(2027, 11, 29)) == ""
    assert stale_note("2026-11-29", day(2027, 11, 30)).startswith("baclo: note: the knowledge file was last reviewed")


def test_version_shows_the_review_date_and_its_age(baclo: Baclo, tmp_path: Path) -> None:
    age = age_in_words((datetime.date.today() - datetime.date.fromisoformat(REVIEWED)).days)
    out = baclo.invoke(["--version"])
    assert out.exit_code == 0 and f"reviewed {REVIEWED}, {age}" in out.stdout
    env = {**os.environ, "BACLO_DATA": str(old_file(tmp_path)), "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "baclo_cli", "--version"], env=env, capture_output=True, text=True)
    assert re.search(r"reviewed 2024-06-01, \d+ (months|years) ago: over a year old\)$", done.stdout.strip())


def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "old.yaml"
    path.write_text(DATA.read_text(encoding="utf-8").replace(f'"{REVIEWED}"', '"2024-06-01"', 1), encoding="utf-8")
    return path


def _pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(BACLO, args, env=env, encoding="utf-8", timeout=30, dimensions=(200, 160))
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), (child.before or "").replace("\r\n", "\n")


@pytest.mark.skipif(not BACLO, reason="baclo console script not installed")
def test_stale_note_only_on_a_terminal_in_a_human_format(tmp_path: Path) -> None:
    old = str(old_file(tmp_path))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACLO_")}
    env.update(BACLO_CACHE_DIR=str(tmp_path / "cache"), BACLO_PAGER="", TERM="xterm")
    code, screen = _pty(["glossary", "dlPFC", "--data", old], env)
    assert code == 0 and screen.count(NOTE) == 1
    assert next(line for line in screen.splitlines() if NOTE in line).startswith(NOTE)  # one line of its own
    for args in (["glossary", "dlPFC", "-f", "plain"], ["labels", "-f", "markdown"]):
        assert NOTE in _pty([*args, "--data", old], env)[1]
    for args in (["glossary", "dlPFC", "-f", "json"], ["refs", "-f", "csv"], ["labels", "-f", "ndjson"]):
        assert NOTE not in _pty([*args, "--data", old], env)[1], args  # never in a machine format
    assert NOTE not in _pty(["glossary", "dlPFC", "--data", old], {**env, "BACLO_NO_STALE_NOTE": "1"})[1]
    assert "baclo: note" not in _pty(["glossary", "dlPFC"], env)[1]  # the bundled file is fresh
    piped = subprocess.run([BACLO, "glossary", "dlPFC", "--data", old], env=env, capture_output=True, text=True)
    assert piped.returncode == 0 and NOTE not in piped.stdout + piped.stderr  # never in a pipe
