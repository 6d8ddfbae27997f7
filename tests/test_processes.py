"""Real processes: closed pipes, full disks, closed streams, Ctrl-C at any moment, odd terminals.

These run ``python -m baclo_cli`` as a user's shell would, because what they check (signals, the exit
flush, file descriptors) cannot be seen in-process.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_hardening import mutated_knowledge_files

BACLO = [sys.executable, "-m", "baclo_cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACLO_", "NO_COLOR", "FORCE_COLOR"))}
    return {**clean, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}


def shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a shell pipeline; ``$B`` is the baclo command."""
    full = {**env, "B": " ".join(BACLO)}
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"], env=full, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "command",
    [
        "$B export | head -c 10",
        "$B export -f json | head -c 10",
        "$B side-effects -f csv | head -n 1",
        "printf 'a\\nb\\nc\\n' | $B quiz --seed 7 --count 3 | head -c 10",
        "printf 'y\\n%.0s' {1..40} | $B review --today 2026-11-29 | head -c 10",
        "$B refs --sources | head -n 2",
    ],
)
def test_closed_pipe_is_quiet_and_exit_0(env: dict[str, str], command: str) -> None:
    done = shell(command, env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_full_disk_and_closed_stdout_are_one_line_exit_5(env: dict[str, str]) -> None:
    full = shell("$B uses > /dev/full", env)
    assert full.returncode == 5 and full.stderr == "baclo: cannot write output: No space left on device\n"
    closed = shell("$B uses >&-", env)
    assert closed.returncode == 5 and closed.stderr.count("\n") == 1 and "closed" in closed.stderr


def test_closed_stdin_ends_a_quiz_with_its_score(env: dict[str, str]) -> None:
    done = shell("$B quiz --seed 3 --count 4 <&-", env)
    assert done.returncode == 0, done.stderr
    assert "Stopped. Score so far: 0/0 (0%) of 4 questions." in done.stdout


def test_endless_answer_line_is_read_in_bounded_memory(env: dict[str, str]) -> None:
    done = shell("head -c 50000000 /dev/zero | tr '\\0' y | $B quiz --seed 3 --count 2", env)
    assert done.returncode == 0, done.stderr
    assert "Score" in done.stdout


# The child says when the interpreter's own start-up is over (one byte on stderr, the statement before baclo's
# package is imported), so the signal lands in baclo's code on a loaded machine too, never in Python's start-up.
_STARTED = "import os, sys; sys.argv = ['baclo', 'export', '-f', 'yaml']; os.write(2, b'R'); import baclo_cli.__main__"


@pytest.mark.parametrize("delay", [0.005, 0.03, 0.07, 0.15, 0.25])
def test_ctrl_c_at_any_moment_is_130_without_a_traceback(env: dict[str, str], delay: float) -> None:
    """From the moment baclo's own code starts (its package's first line); before that, during the interpreter's
    own start-up, Python's default handling applies."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _STARTED],
        env={**env, "BACLO_NO_CACHE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    assert proc.stderr.read(1) == b"R"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (130, -signal.SIGINT, 0), err
    assert b"Traceback" not in err


def test_ascii_stream_keeps_csv_and_yaml_well_formed(env: dict[str, str]) -> None:
    ascii_env = {**env, "PYTHONIOENCODING": "ascii"}
    out = subprocess.run([*BACLO, "dosing", "-f", "csv"], env=ascii_env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout.decode("ascii"))))
    assert len({len(r) for r in rows}) == 1
    out = subprocess.run([*BACLO, "dosing", "-f", "yaml"], env=ascii_env, capture_output=True, timeout=60)
    data = yaml.safe_load(out.stdout.decode("ascii"))
    utf8 = yaml.safe_load(subprocess.run([*BACLO, "dosing", "-f", "yaml"], env=env, capture_output=True).stdout)
    assert data == utf8  # escaped, not transliterated: the same data


def test_dumb_terminal_with_forced_colour_keeps_every_column(env: dict[str, str]) -> None:
    out = subprocess.run(
        [*BACLO, "side-effects"], env={**env, "TERM": "dumb", "FORCE_COLOR": "1"}, capture_output=True, text=True
    )
    header = out.stdout.splitlines()[3]
    for name in ("Effect", "Severity", "Frequency", "Notes", "Evidence"):
        assert name in header


def test_debug_zero_is_off(env: dict[str, str]) -> None:
    done = subprocess.run([*BACLO, "show", "nope"], env={**env, "BACLO_DEBUG": "0"}, capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_piped_table_does_not_import_rich(env: dict[str, str]) -> None:
    code = "import sys, runpy; sys.argv = ['baclo', 'side-effects']; "
    code += "import baclo_cli.cli.entry as e\ntry:\n    e.main()\nexcept SystemExit:\n    pass\n"
    code += "print('rich' in sys.modules, file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stderr.strip().endswith("False")


@settings(derandomize=True, max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_knowledge_files(), command=st.sampled_from(["uses", "validate", "export", "dose-check 80", "quiz"]))
def test_real_cli_on_generated_files_never_shows_a_traceback(tmp_path: Path, text: str, command: str) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    env.pop("BACLO_DEBUG", None)
    done = subprocess.run(
        [*BACLO, "--data", str(path), *command.split(), "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode in {0, 1, 3, 4}, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") <= 1


def test_closed_pipe_keeps_dose_checks_verdict(env: dict[str, str]) -> None:
    done = shell("$B dose-check 100 --renal dialysis | true", env)
    assert done.returncode == 4 and done.stderr == ""
