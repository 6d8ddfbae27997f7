"""Kept answers: a costly answer asked again from a pipe (export, flashcards, a seeded quiz) is replayed from the
cache folder, byte for byte, and never outlives the file, the code or the options it was made from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from baclo_cli.knowledge import cache

from .conftest import DATA

# Runs baclo in a fresh interpreter and says on stderr (after baclo's own stderr) which of our modules it loaded.
PROBE = (
    "import sys\n"
    "sys.argv = ['baclo', *sys.argv[1:]]\n"
    "from baclo_cli.cli import entry\n"
    "try:\n    code = entry.main()\nexcept SystemExit as stop:\n    code = stop.code\n"
    "sys.stderr.write('\\nLOADED ' + ' '.join(sorted(m for m in sys.modules if m.startswith('baclo_cli'))))\n"
    "sys.exit(code)\n"
)


def probe(args: list[str], env: dict[str, str]) -> tuple[int, bytes, str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, timeout=120)
    err, _, loaded = done.stderr.decode("utf-8", "replace").rpartition("\nLOADED ")
    return done.returncode, done.stdout, err, set(loaded.split())


def settled_copy(tmp_path: Path, text: str | None = None) -> Path:
    """A knowledge file old enough (past the racy window) for its identity to be remembered."""
    path = tmp_path / "k.yaml"
    path.write_text(text if text is not None else DATA.read_text(encoding="utf-8"), encoding="utf-8")
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    return path


def kept_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("answer-"))


def test_a_repeated_export_is_replayed_byte_for_byte_without_rendering(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    runs = [probe(["--data", str(data), "export", "-f", "yaml"], env) for _ in range(3)]
    assert [r[0] for r in runs] == [0, 0, 0]
    assert runs[0][1] == runs[1][1] == runs[2][1] and runs[0][1].startswith(b"schema_version")
    # The first run made the answer; the later ones only read it back: no parsing, no answer, no writer.
    assert "baclo_cli.output.yaml_writer" in runs[0][3]
    for later in runs[1:]:
        assert not {"baclo_cli.output.yaml_writer", "baclo_cli.answers.topics", "baclo_cli.knowledge.checks"} & later[3]
    assert len(kept_files(tmp_path / "cache")) == 1


def test_each_format_and_option_is_kept_apart(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    asked = [["export", "-f", "json"], ["export", "-f", "csv"], ["export", "-f", "csv", "--no-headers"]]
    first = [probe(["--data", str(data), *args], env)[1] for args in asked]
    again = [probe(["--data", str(data), *args], env)[1] for args in asked]
    assert first == again
    assert len(set(first)) == 3
    assert len(kept_files(tmp_path / "cache")) == 3


def test_an_edited_file_is_never_answered_from_a_kept_answer(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    args = ["--data", str(data), "export", "-f", "json"]
    for _ in range(2):
        assert b'"last_reviewed":"2026-11-29"' in probe(args, env)[1]
    before = data.stat()
    text = data.read_text(encoding="utf-8").replace('last_reviewed: "2026-11-29"', 'last_reviewed: "2026-11-28"')
    data.write_text(text, encoding="utf-8")  # the same size; then the old modification time put back
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    for _ in range(2):
        assert b'"last_reviewed":"2026-11-28"' in probe(args, env)[1]
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    for _ in range(2):
        assert b'"last_reviewed":"2026-11-28"' in probe(args, env)[1]


def test_a_damaged_kept_answer_is_made_afresh(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    args = ["--data", str(data), "export", "-f", "json"]
    right = probe(args, env)[1]
    (kept,) = kept_files(tmp_path / "cache")
    blob = kept.read_bytes()
    for damaged in (blob[:-1] + bytes([blob[-1] ^ 1]), blob[: len(blob) // 2], b"BACLOA1 x\n1 2 3", b""):
        kept.write_bytes(damaged)
        code, out, err, _ = probe(args, env)
        assert (code, out, err) == (0, right, "")


def test_a_seeded_quiz_is_kept_and_an_unseeded_one_never(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    seeded = [probe(["--data", str(data), "quiz", "--seed", "7", "-n", "3", "-f", "json"], env) for _ in range(2)]
    assert seeded[0][1] == seeded[1][1] and b'"seed":7' in seeded[0][1]
    assert "baclo_cli.study.questions" in seeded[0][3] and "baclo_cli.study.questions" not in seeded[1][3]
    for _ in range(2):
        probe(["--data", str(data), "quiz", "-n", "3", "-f", "json"], env)
    assert len(kept_files(tmp_path / "cache")) == 1


def test_flashcards_to_stdout_are_kept_and_its_exit_code_too(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    runs = [probe(["--data", str(data), "flashcards", "--topic", "withdrawal", "-f", "tsv"], env) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] and runs[0][0] == 0
    assert "baclo_cli.study.cards" not in runs[1][3]
    # An export whose filter matches nothing: exit 1 and the line on stderr, every time.
    empty = ["--data", str(data), "export", "-f", "json", "--where", "topic=nothing-at-all"]
    runs = [probe(empty, env) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3]


def test_validate_is_kept_for_a_valid_file_and_remade_after_an_edit(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    fresh = probe(["validate", str(data), "-f", "json"], {**env, "BACLO_NO_CACHE": "1"})
    assert "baclo_cli.knowledge.checks" in fresh[3]  # without the cache it parses and checks the file
    probe(["--data", str(data), "uses", "-f", "json"], env)  # the file is checked and its identity remembered
    runs = [probe(["validate", str(data), "-f", "json"], env) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] == fresh[:3] and runs[0][0] == 0 and b'"valid":true' in runs[0][1]
    # Found valid by this code already: neither run parses or checks the file again; the second is a replay.
    assert not {"baclo_cli.knowledge.checks", "baclo_cli.knowledge.reader"} & (runs[0][3] | runs[1][3])
    assert "baclo_cli.answers.validation" not in runs[1][3]
    text = data.read_text(encoding="utf-8").replace("drug:\n", "drug:\n  name: twice\n", 1)
    data.write_text(text, encoding="utf-8")
    code, out, _, _ = probe(["validate", str(data), "-f", "json"], env)
    assert code == 3 and b'"valid":false' in out


def test_review_stats_are_kept_until_the_review_state_changes(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    data = settled_copy(tmp_path)
    stats = ["--data", str(data), "review", "--stats", "-t", "withdrawal", "--today", "2026-11-30", "-f", "json"]
    runs = [probe(stats, env) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] and b'"reviews":0' in runs[0][1]
    assert "baclo_cli.study.cards" in runs[0][3] and "baclo_cli.study.cards" not in runs[1][3]
    answered = subprocess.run(
        [
            sys.executable,
            "-m",
            "baclo_cli",
            "--data",
            str(data),
            *("review", "-t", "withdrawal", "--new", "1"),
            "--today",
            "2026-11-30",
        ],
        input=b"y\ngood\n",
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert answered.returncode == 0, answered.stderr
    after = probe(stats, env)
    assert after[1] != runs[0][1] and "baclo_cli.study.cards" in after[3]


RACE = (
    "import shutil, sys\n"
    "from baclo_cli.cli import fast, run\n"
    "asked = run.ask\n"
    "def edited_first(command, params):\n"
    "    shutil.copy(sys.argv[2], sys.argv[1])  # the file changes after the kept name was looked up\n"
    "    return asked(command, params)\n"
    "run.ask = edited_first\n"
    "command, params = fast.parse(['--data', sys.argv[1], 'export', '-f', 'json'])\n"
    "run.answer(command, params)\n"
)


def test_an_answer_is_kept_under_the_bytes_it_was_made_from(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    original = data.read_bytes()
    edited = tmp_path / "edited.yaml"
    edited.write_bytes(original.replace(b"Baclofen is a skeletal", b"Baclofen is a RACED skeletal", 1))
    assert edited.read_bytes() != original
    probe(["--data", str(data), "topics", "-f", "json"], env)  # its identity remembered
    subprocess.run([sys.executable, "-c", RACE, str(data), str(edited)], env=env, capture_output=True, timeout=120)
    data.write_bytes(original)  # back as it was; remembered again once settled
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    probe(["--data", str(data), "topics", "-f", "json"], env)
    assert b"RACED" not in probe(["--data", str(data), "export", "-f", "json"], env)[1]


def test_a_kept_answer_is_never_replayed_to_a_stream_that_encodes_otherwise(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    for _ in range(2):
        probe(["export", "-f", "json"], env)
    ascii_env = {**env, "PYTHONIOENCODING": "ascii"}
    fresh = probe(["export", "-f", "json"], {**ascii_env, "BACLO_NO_CACHE": "1"})[1]
    assert probe(["export", "-f", "json"], ascii_env)[1] == fresh and fresh.isascii()


def test_review_stats_are_kept_apart_for_each_state_file(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    stats = ["review", "--stats", "--today", "2026-11-30", "-f", "json"]
    for home in ("h1", "h1", "h2"):
        out = probe(stats, {**env, "BACLO_HOME": str(tmp_path / home)})[1]
        assert f'{home}/review.json"'.encode() in out


def test_a_crafted_or_strange_kept_file_is_a_miss(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    data = settled_copy(tmp_path)
    args = ["--data", str(data), "export", "-f", "json"]
    right = probe(args, env)[1]
    (kept,) = kept_files(tmp_path / "cache")
    for code in (b"256", b"-1", b"1" * 30):
        body = code + b" 0 2 0\n{}"
        kept.write_bytes(b"BACLOA1 " + cache.digest(body).hexdigest().encode() + b"\n" + body)
        assert probe(args, env)[:3] == (0, right, "")
    kept.unlink()
    kept.mkdir()
    assert probe(args, env)[:3] == (0, right, "")
    kept.rmdir()
    os.mkfifo(kept)
    assert probe(args, env)[:3] == (0, right, "")  # and it did not wait for a writer


def test_validate_is_kept_apart_for_each_file_even_with_the_same_bytes(tmp_path: Path) -> None:
    # BACLO_DATA='~/k.yaml' names a different file for each HOME: the same setting, the same bytes, two answers.
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_DATA": "~/k.yaml"}
    homes = [tmp_path / "h1", tmp_path / "h2"]
    for home in homes:
        home.mkdir()
        (home / "k.yaml").write_bytes(DATA.read_bytes())
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    for home in homes:
        probe(["uses", "-f", "json"], {**env, "HOME": str(home)})  # each file's identity remembered
    for home in (*homes, *homes):
        out = probe(["validate", "-f", "json"], {**env, "HOME": str(home)})[1]
        assert f'"file":"{home}/k.yaml"'.encode() in out


def test_a_kept_validate_of_an_undecodable_file_name(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    name = os.fsencode(tmp_path) + b"/k\xff.yaml"
    with open(name, "wb") as out:
        out.write(DATA.read_bytes())
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    runs = [
        subprocess.run([sys.executable, "-m", "baclo_cli", *args], env=env, capture_output=True, timeout=120)
        for args in ([b"--data", name, b"uses", b"-f", b"json"], *[[b"validate", name, b"-f", b"json"]] * 2)
    ]
    assert [r.returncode for r in runs] == [0, 0, 0], runs[-1].stderr
    assert runs[1].stdout == runs[2].stdout and b'"valid":true' in runs[2].stdout
    assert len(kept_files(tmp_path / "cache")) == 1
