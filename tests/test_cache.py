"""The cache folder holds what the current files need, and writing it stays cheap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from baclo_cli.knowledge import cache

from .conftest import BACLO, DATA


def test_an_edited_file_replaces_its_entry(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    copy = tmp_path / "k.yaml"
    original = DATA.read_text(encoding="utf-8")
    for i in range(8):
        copy.write_text(original.replace('last_reviewed: "2026-11-29"', f'last_reviewed: "2026-11-{10 + i}"'))
        done = subprocess.run([BACLO, "--data", str(copy), "topics", "-f", "json"], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["topics"]
        shown = subprocess.run([BACLO, "--data", str(copy), "overview", "-f", "json"], env=env, capture_output=True)
        assert json.loads(shown.stdout)["drug"]["last_reviewed"] == f"2026-11-{10 + i}"
    entries = [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("knowledge-")]
    assert 1 <= len(entries) <= cache.KEEP_ENTRIES
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]


def test_writing_the_cache_does_not_import_tempfile(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['baclo', 'uses', '-f', 'json']\n"
        "from baclo_cli.cli import entry\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str('tempfile' in sys.modules))\n"
    )
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stderr.endswith("False"), done.stderr
    assert any(p.name.startswith("knowledge-") for p in (tmp_path / "cache").iterdir())


def test_help_is_served_from_the_cache_without_typer(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['baclo', 'uses', '--help']\n"
        "from baclo_cli.cli import entry\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str('typer' in sys.modules))\n"
    )
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(3)]
    assert [r.stderr for r in runs] == ["True", "False", "False"]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout and runs[0].stdout.startswith("Usage: baclo uses")
