"""Real processes: closed pipes, full disks, closed streams, Ctrl-C at any moment, odd terminals.

These run ``python -m baclo_cli`` as a user's shell would, because what they check (signals, the exit
flush, file descriptors) cannot be seen in-process.
"""

from __future__ import annotations

import csv
import io
import json
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
from .test_knowledge import MINIMAL

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


# --- Hardening III (issue 14) ----------------------------------------------------------------------------------

# A filesystem whose timestamps tick once a second (ext3, ext4 with small inodes, HFS+, many network mounts),
# simulated in the real program: every os.stat reports whole seconds, as such a filesystem does.
COARSE_CLOCK = """
import os, sys

real_stat = os.stat


class Coarse:
    def __init__(self, info):
        self.info = info

    def __getattr__(self, name):
        value = getattr(self.info, name)
        if name in ("st_atime_ns", "st_mtime_ns", "st_ctime_ns"):
            return value - value % 1_000_000_000
        if name in ("st_atime", "st_mtime", "st_ctime"):
            return float(int(value))
        return value

    def __getitem__(self, index):
        return self.info[index]


os.stat = lambda *args, **kwargs: Coarse(real_stat(*args, **kwargs))
sys.argv[0] = "baclo"
from baclo_cli.cli.entry import main

main()
"""

COARSE_PLACES = ["simulated"] + (["real"] if os.environ.get("BACLO_TEST_COARSE_DIR") else [])


@pytest.mark.parametrize("place", COARSE_PLACES)
def test_a_same_second_same_size_edit_is_reread(env: dict[str, str], tmp_path: Path, place: str) -> None:
    """git's racy index: a run records the file's identity; the file is edited in the same second, to the same
    size, so on a 1-second filesystem every timestamp stays as it was. A later run must still see the edit.
    (BACLO_TEST_COARSE_DIR=/a/folder/on/such/a/filesystem also runs it there, without the simulation.)"""
    folder = Path(os.environ["BACLO_TEST_COARSE_DIR"]) if place == "real" else tmp_path
    path = folder / f"racy-{os.getpid()}.yaml"
    command = [sys.executable, "-c", COARSE_CLOCK] if place == "simulated" else BACLO
    before, after = MINIMAL, MINIMAL.replace("value: first", "value: fifth")
    assert len(before) == len(after)

    def seconds(path: Path) -> tuple[int, int]:
        """The file's modification and change times, in whole seconds: all a 1-second filesystem keeps."""
        info = os.stat(path)
        return info.st_mtime_ns // 10**9, info.st_ctime_ns // 10**9

    def value() -> str:
        done = subprocess.run(
            [*command, "--data", str(path), "show", "alpha", "-f", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return str(json.loads(done.stdout)["facts"][0]["value"])

    try:
        for _ in range(6):
            while time.time() % 1 > 0.3:  # start early in a second, so the run and the edit share it
                time.sleep(0.01)
            path.write_text(before, encoding="utf-8")
            second = seconds(path)
            assert value() == "first"
            with path.open("r+", encoding="utf-8") as handle:  # the same file (inode), the same size
                handle.write(after)
            if seconds(path) != second:
                continue  # the second ticked before the edit: not the racy case, try again
            time.sleep(max(0.0, max(second) + 2.6 - time.time()))  # past any 'changed just now' window
            assert value() == "fifth", "the edit was made in the same second as the run before: it must be read"
            return
        pytest.fail("could not run and edit within one second in six tries (a very slow machine)")
    finally:
        path.unlink(missing_ok=True)


def test_crafted_cache_files_are_set_aside_and_rebuilt(env: dict[str, str], tmp_path: Path) -> None:
    """Five bytes in the identity memo once asked marshal for a list of two billion items (seconds of work, or
    exit 70 when memory ran out); an index with valid checksums and a string for an offset was exit 70 on
    every run. Each is a cache miss: the run answers, and writes good files in their place."""
    import marshal

    from baclo_cli.knowledge import cache

    path = tmp_path / "k.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = cache.content_key(path.read_bytes())
    head = marshal.dumps({"key": key, "sections": {"meta": ("0", 5, bytes(32)), "topic/alpha": (0.5, 1, b"")}})
    crafted = cache.MAGIC + len(head).to_bytes(8, "big") + cache.digest(head).digest() + head
    for _ in range(2):
        (folder / cache._memo_name(str(path))).write_bytes(b"[\xff\xff\xff\x7f")
        (folder / f"knowledge-{key}.marshal").write_bytes(crafted)
        began = time.monotonic()
        done = subprocess.run(
            [*BACLO, "--data", str(path), "show", "alpha", "-f", "json"], env=env, capture_output=True, timeout=120
        )
        assert done.returncode == 0 and done.stderr == b"", done.stderr
        assert time.monotonic() - began < 5
        assert (folder / f"knowledge-{key}.marshal").read_bytes() != crafted  # rebuilt


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_short_write_is_exit_5_not_truncated_output(env: dict[str, str], tmp_path: Path, unbuffered: str) -> None:
    """A file-size limit (or a nearly full disk) takes part of a write: with PYTHONUNBUFFERED=1 Python's text
    layer dropped the rest without a word and baclo said 0."""
    out = tmp_path / "export.json"
    done = shell(f"ulimit -f 8; PYTHONUNBUFFERED={unbuffered} $B export -f json > {out}", env)
    assert done.returncode == 5, (done.returncode, done.stderr)
    assert done.stderr == "baclo: cannot write output: File too large\n"


def _machine_output_reads_back(fmt: str, data: bytes) -> str:
    """The output decoded as strict UTF-8 and read by its format's reference parser; the text."""
    text = data.decode("utf-8")  # strict: an undecodable byte fails here
    if not text:  # nothing found, or a usage error: nothing written
        return text
    if fmt == "json":
        json.loads(text)
    elif fmt == "ndjson":
        for line in text.splitlines():
            json.loads(line)
    elif fmt == "yaml":
        yaml.safe_load(text)
    else:
        list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    return text


@settings(derandomize=True, max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    junk=st.binary(min_size=1, max_size=8),
    fmt=st.sampled_from(["json", "ndjson", "yaml", "csv", "tsv"]),
    where=st.sampled_from(["search", "validate", "deck"]),
    errors=st.sampled_from(["default", "strict"]),
)
def test_argument_bytes_never_make_machine_output_unreadable(
    tmp_path: Path, junk: bytes, fmt: str, where: str, errors: str
) -> None:
    """An argument holding bytes that are not UTF-8 (with 'Charité' beside them): the output is valid UTF-8
    that its format's own parser reads back, the bad bytes shown as U+FFFD, and everything else as it was
    (not the whole output turned into ASCII)."""
    junk = junk.replace(b"/", b"").replace(b"\0", b"") or b"\xff"
    word = b"Charit\xc3\xa9" + junk
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    if errors == "strict":
        env["PYTHONIOENCODING"] = "utf-8"  # an encoding named: strict errors, not surrogateescape
    if where == "search":
        args: list[str | bytes] = ["search", "taper", word]
    elif where == "validate":
        name = tmp_path / os.fsdecode(b"k" + word + b".yaml")
        name.write_text(MINIMAL, encoding="utf-8")
        args = ["validate", os.fsencode(name)]
    else:
        args = ["flashcards", "--deck", word, "--topic", "mechanism"]
    done = subprocess.run([*BACLO, *args, "-f", fmt], env=env, capture_output=True, timeout=60)
    assert done.returncode in (0, 1, 2, 3), done.stderr
    text = _machine_output_reads_back(fmt, done.stdout)
    assert "Charit?" not in text
    if "Charit" in text:
        assert "Charité" in text


def test_home_and_cache_folders_expand_a_tilde(env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "user"
    home.mkdir()
    tilde = {**env, "HOME": str(home), "BACLO_HOME": "~/progress", "BACLO_CACHE_DIR": "~/cache"}
    done = subprocess.run(
        [*BACLO, "review", "--stats", "-f", "json", "--today", "2026-11-29"],
        env=tilde,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state_file"] == str(home / "progress" / "review.json")
    assert (home / "cache").is_dir() and not (tmp_path / "~").exists()


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\x85", "\u2028", "\ufeff", "\U0001f600"])
@pytest.mark.parametrize("ascii_stream", [False, True])
def test_yaml_output_holds_only_what_pyyaml_reads_back(env: dict[str, str], char: str, ascii_stream: bool) -> None:
    """-f yaml wrote U+FFFE and U+FFFF raw, which PyYAML refuses to read: PyYAML reads back exactly the data
    the JSON answer holds, whatever a query holds."""
    stream = {"PYTHONIOENCODING": "ascii"} if ascii_stream else {}
    query = f"taper {char}"
    done = subprocess.run(
        [*BACLO, "search", query, "-f", "yaml"], env={**env, **stream}, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    as_json = subprocess.run([*BACLO, "search", query, "-f", "json"], env=env, capture_output=True, timeout=60)
    assert yaml.safe_load(done.stdout.decode("ascii" if ascii_stream else "utf-8")) == json.loads(as_json.stdout)
