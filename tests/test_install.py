"""Packaging and the real console script: the wheel carries the knowledge file; the installed tool runs anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import BACLO

ROOT = Path(__file__).resolve().parents[1]


def baclo(*args: str, cwd: Path, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([BACLO, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload,no-any-return]


def test_wheel_contains_the_knowledge_file(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("baclo-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "baclo_cli/data/baclofen.yaml" in names
    packaged = zipfile.ZipFile(wheel).read("baclo_cli/data/baclofen.yaml")
    assert packaged == (ROOT / "data" / "baclofen.yaml").read_bytes()
    page = next(n for n in names if n.endswith(".data/data/share/man/man1/baclo.1"))
    assert zipfile.ZipFile(wheel).read(page) == (ROOT / "man" / "baclo.1").read_bytes()


def test_man_page_is_generated_from_the_command_table() -> None:
    """Regenerate with: python -m baclo_cli.cli.manpage > man/baclo.1"""
    from baclo_cli.cli.commands import COMMANDS
    from baclo_cli.cli.manpage import render_man

    page = (ROOT / "man" / "baclo.1").read_text(encoding="utf-8")
    assert page == render_man()
    for command in COMMANDS:
        name = command.name.replace("-", chr(92) + "-")
        assert f".SS baclo {name}" in page if not command.hidden else f"{name} (" in page


def test_man_renders_the_page(tmp_path: Path) -> None:
    done = subprocess.run(
        ["man", "-l", str(ROOT / "man" / "baclo.1")],
        capture_output=True,
        text=True,
        env={**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"},
        timeout=60,
    )
    assert done.returncode == 0 and "dose-check" in done.stdout
    for heading in ("EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES"):
        assert f"\n{heading}\n" in done.stdout, heading
    assert "\\f" not in done.stdout and "\\e" not in done.stdout  # no raw font or escape sequences
    assert "70 internal error" in done.stdout and "BACLO_PAGER" in done.stdout


def test_installed_script_runs_from_another_folder(tmp_path: Path) -> None:
    result = baclo("side-effects", "--serious", "-f", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("effect,severity,frequency,notes,evidence,refs\n")
    assert "serious" in result.stdout


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    for command in (f"'{BACLO}' export -f json | head -c 20", f"'{BACLO}' side-effects | head -1"):
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert result.stderr == "", result.stderr
        assert result.returncode == 0
        assert result.stdout


@pytest.mark.parametrize("env", [{"LANG": "C", "LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}, {"TERM": "dumb"}])
def test_poor_locales_still_print(tmp_path: Path, env: dict[str, str]) -> None:
    for args in (["side-effects"], ["withdrawal", "-f", "json"], ["refs", "-f", "plain"]):
        result = baclo(*args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout


def test_real_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics: {\n", encoding="utf-8")
    result = baclo("--data", str(bad), "uses", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    result = baclo("frobnicate", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
