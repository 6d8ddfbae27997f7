"""Quiz generation, flashcards (Anki TSV), the review scheduler and its state file."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.study import scheduler
from baclo_cli.study import state as review_state
from baclo_cli.study.cards import Card

from .conftest import BACLO, Baclo

DAY = datetime.date(2026, 11, 29)


def record_answer(path: Path, card: Card, grade: str, day: datetime.date) -> tuple[dict[str, Any], str | None]:
    """One answer applied to the state on disk, as a review session applies it."""
    _, entry, warning = review_state.change_card(path, card.id, lambda e: scheduler.next_entry(e, card, grade, day))
    assert entry is not None
    return entry, warning


def run(baclo: Baclo, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = baclo.invoke(list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


# --- scheduler and state ---------------------------------------------------------------------------------

CARD = Card(id="c1", topic="t", front="f", back="b", refs=("r",), digest="d1")


def test_fsrs_grades_set_the_next_due_day() -> None:
    days = {}
    for grade in ("again", "hard", "good", "easy"):
        entry = scheduler.next_entry(None, CARD, grade, DAY)
        days[grade] = entry["due"]
        assert entry["history"] == [[DAY.isoformat(), grade]] and entry["fsrs"]["stability"] > 0
        assert entry["lapses"] == (1 if grade == "again" else 0)
    assert days["again"] <= days["hard"] <= days["good"] < days["easy"]
    assert days["again"] == (DAY + datetime.timedelta(days=1)).isoformat()
    good = scheduler.next_entry(None, CARD, "good", DAY)
    later = datetime.date.fromisoformat(good["due"])
    again = scheduler.next_entry(good, CARD, "good", later)
    assert again["due"] > good["due"] and again["fsrs"]["stability"] > good["fsrs"]["stability"]
    assert again["reviews"] == 2


def test_higher_target_retention_brings_cards_back_sooner() -> None:
    first = scheduler.next_entry(None, CARD, "good", DAY)
    day = datetime.date.fromisoformat(first["due"])
    low = scheduler.next_entry(first, CARD, "good", day, retention=0.8)
    high = scheduler.next_entry(first, CARD, "good", day, retention=0.97)
    assert high["due"] < low["due"]


def test_grades_as_typed() -> None:
    assert [scheduler.parse_grade(t) for t in ("y", "n", "1", "2", "3", "4", "Easy", " hard ", "x")] == [
        "good",
        "again",
        "again",
        "hard",
        "good",
        "easy",
        "easy",
        "hard",
        None,
    ]


def test_changed_card_is_requeued() -> None:
    state = review_state.empty_state()
    state["cards"]["c1"] = scheduler.next_entry(None, CARD.replace(digest="old"), "easy", DAY)
    assert scheduler.card_status(state["cards"]["c1"], CARD, DAY) == "changed"
    assert scheduler.due_cards(state, [CARD], DAY, 0) == [CARD]
    fresh = scheduler.next_entry(state["cards"]["c1"], CARD, "good", DAY)
    assert fresh["fsrs"]["stability"] == scheduler.next_entry(None, CARD, "good", DAY)["fsrs"]["stability"]
    assert scheduler.stats(state, [CARD], DAY)["changed"] == 1


def test_due_order_and_new_limit() -> None:
    cards = [CARD.replace(id=f"c{i}", digest="d") for i in range(5)]
    state = review_state.empty_state()
    for i, due in ((0, "2026-11-01"), (1, "2026-11-29"), (2, "2026-12-29")):
        state["cards"][f"c{i}"] = {**scheduler.next_entry(None, cards[i], "good", DAY), "due": due}
    queue = scheduler.due_cards(state, cards, DAY, new_limit=1)
    assert [c.id for c in queue] == ["c0", "c1", "c3"]


def test_leitner_progress_migrates_without_losing_history(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    old = {
        "format": "baclo-review",
        "version": 1,
        "cards": {
            "c1": {
                "box": 3,
                "due": "2026-12-03",
                "digest": "d1",
                "reviews": 2,
                "lapses": 0,
                "last": "2026-11-29",
                "history": [["2026-11-27", "good"], ["2026-11-29", "good"]],
            },
            "c2": {"box": 1, "due": "2026-11-30", "digest": "d2", "reviews": 4, "lapses": 2, "last": "2026-11-29"},
        },
    }
    path.write_text(json.dumps(old), encoding="utf-8")
    state, warning = review_state.load_state(path)
    assert warning is None and state["version"] == 2
    c1, c2 = state["cards"]["c1"], state["cards"]["c2"]
    history: Any = old["cards"]
    assert c1["history"] == history["c1"]["history"] and c1["due"] == "2026-12-03" and c1["leitner_box"] == 3
    assert c1["fsrs"]["stability"] > scheduler.next_entry(None, CARD, "good", DAY)["fsrs"]["stability"]
    assert (c2["reviews"], c2["lapses"], c2["due"], c2["leitner_box"]) == (4, 2, "2026-11-30", 1)
    assert review_state.valid(state)
    record_answer(path, CARD, "good", datetime.date(2026, 12, 3))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 2 and saved["cards"]["c1"]["reviews"] == 3 and len(saved["cards"]["c1"]["history"]) == 3


def test_review_stats_show_retention_and_forecast(baclo: Baclo) -> None:
    run(baclo, "review", "-t", "withdrawal", "--new", "3", "--today", "2026-11-29", stdin="good\nagain\neasy\n")
    stats = json.loads(run(baclo, "review", "--stats", "-t", "withdrawal", "--today", "2026-11-29", "-f", "json")[1])
    assert stats["retention_30_days"] == round(2 / 3, 3)
    # again: tomorrow; good: in a few days; easy: beyond the week the forecast covers
    assert sum(stats["forecast"].values()) == 2 and len(stats["forecast"]) == 7
    assert stats["forecast"]["2026-11-30"] == 1


def test_state_roundtrip_and_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / "home" / "review.json"
    entry, warning = record_answer(path, CARD, "good", DAY)
    assert warning is None and entry["history"] == [[DAY.isoformat(), "good"]]
    state, warning = review_state.load_state(path)
    assert warning is None and state["cards"]["c1"] == entry
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "something-else", "version": 1, "cards": {}}',
        "[]",
        '{"format": "baclo-review", "version": 1, "cards": {"x": {"box": 9}}}',
        '{"format": "baclo-review", "version": 1, "cards": {"x": {"box": 1, "due": "soon", "digest": "d"}}}',
        '{"format": "baclo-review", "version": 1, "cards": {"x": {"box": 1, "due": "2026-01-01", "digest": "d",'
        ' "reviews": "many"}}}',
        "[" * 100_000,
    ],
)
def test_corrupt_or_foreign_state_is_set_aside(tmp_path: Path, content: str) -> None:
    path = tmp_path / "review.json"
    path.write_text(content, encoding="utf-8")
    state, warning = review_state.load_state(path)
    assert state == review_state.empty_state()
    assert warning and "moved it to" in warning
    aside = list(tmp_path.glob("review.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content
    assert not path.exists()


def test_undecodable_state_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    path.write_bytes(b"\xff\xfe{}")
    state, warning = review_state.load_state(path)
    assert state == review_state.empty_state() and warning


def test_concurrent_answers_to_the_same_cards_all_count(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    errors: list[BaseException] = []
    cards = [CARD.replace(id=f"shared-{i}") for i in range(5)]

    def worker(n: int) -> None:
        try:
            for i in range(20):
                record_answer(path, cards[i % 5], "good" if (i + n) % 2 == 0 else "again", DAY)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    state, warning = review_state.load_state(path)
    assert warning is None
    assert sum(e["reviews"] for e in state["cards"].values()) == 80
    assert sum(len(e["history"]) for e in state["cards"].values()) == 80


def test_parallel_review_sessions_lose_no_answer(tmp_path: Path) -> None:
    """Real processes, the real CLI: 12 sessions at once, 5 answers each (mostly the same new cards): all 60
    answers are recorded."""
    env = {**os.environ, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "baclo_cli", "review", "--new", "5", "--today", "2026-11-29"]
    procs = [
        subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(12)
    ]
    outputs = [p.communicate(b"y\nn\ny\ny\nn\n", timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    # Each session says how many answers it recorded; a late starter may find fewer new cards left.
    tallies = [re.search(rb"Reviewed (\d+) cards, knew (\d+)", out) for out, _ in outputs]
    given = [int(t.group(1)) if t else 0 for t in tallies]
    knew = [int(t.group(2)) if t else 0 for t in tallies]
    assert sum(given) >= 30
    state = json.loads((tmp_path / "home" / "review.json").read_text(encoding="utf-8"))
    assert sum(e["reviews"] for e in state["cards"].values()) == sum(given)
    assert sum(e["lapses"] for e in state["cards"].values()) == sum(given) - sum(knew)


def test_review_session_from_stdin(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = run(baclo, "review", "-t", "withdrawal", "--new", "2", "--today", "2026-11-29", stdin="y\nn\n")
    assert code == 0 and "Reviewed 2 cards, knew 1." in out
    stats = json.loads(run(baclo, "review", "--stats", "-t", "withdrawal", "--today", "2026-11-30", "-f", "json")[1])
    assert stats["reviews"] == 2 and stats["retention_30_days"] == 0.5
    assert stats["due"] == 1 and stats["new"] == stats["cards"] - 2
    assert Path(stats["state_file"]).parent == tmp_path / "home"
    code, out, _ = run(baclo, "review", "-t", "withdrawal", "--new", "0", "--today", "2026-11-29")
    assert code == 0 and "Nothing to review today" in out


def test_review_reports_corrupt_state(baclo: Baclo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "review.json").write_text("garbage", encoding="utf-8")
    code, _, err = run(baclo, "review", "--stats")  # only reads: says so, leaves the file alone
    assert code == 0 and "left as it is" in err and (home / "review.json").exists()
    code, _, err = run(baclo, "review", "--today", "2026-11-29", "-n", "1", stdin="y\n")
    assert code == 0 and "moved it to" in err
    assert list(home.glob("review.json.corrupt-*"))


def test_review_survives_damaged_memory_and_newer_files(baclo: Baclo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(baclo, "review", "-t", "withdrawal", "--new", "1", "--today", "2026-11-29", stdin="good\n")
    path = home / "review.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    card = next(iter(state["cards"].values()))
    card["fsrs"] = {"state": 0, "due": "garbage", "stability": 0, "difficulty": -0.0}  # FSRS cannot read this
    path.write_text(json.dumps(state), encoding="utf-8")
    code, out, err = run(baclo, "review", "-t", "withdrawal", "--new", "0", "--today", "2030-01-01", stdin="good\n")
    assert code == 0 and "Reviewed 1 cards" in out and "Traceback" not in err
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert next(iter(saved["cards"].values()))["reviews"] == 2  # the earlier answer is kept, the new one added
    assert run(baclo, "review", "--retention", "nan", "--today", "2030-01-01")[0] == 2
    path.write_text(json.dumps({"format": "baclo-review", "version": 9, "cards": {}}), encoding="utf-8")
    code, _, err = run(baclo, "review", "--stats")
    assert code == 3 and "newer baclo" in err and path.exists()


def test_review_detects_changed_facts(baclo: Baclo, tmp_path: Path) -> None:
    from .conftest import write
    from .test_knowledge import MINIMAL

    path = write(tmp_path, "k.yaml", MINIMAL)
    assert run(baclo, "--data", str(path), "review", "--today", "2026-11-29", stdin="y\n")[0] == 0
    path.write_text(MINIMAL.replace("value: first", "value: changed"), encoding="utf-8")
    code, out, _ = run(baclo, "--data", str(path), "review", "--today", "2026-11-29", stdin="y\n")
    assert code == 0 and "(changed since last review)" in out
    stats = json.loads(run(baclo, "--data", str(path), "review", "--stats", "-f", "json")[1])
    assert stats["changed"] == 0 and stats["reviews"] == 2 and stats["waiting"] == 1


def test_bad_today(baclo: Baclo) -> None:
    assert run(baclo, "review", "--today", "yesterday")[0] == 2


def test_glossary_links_topics(baclo: Baclo, kb: Knowledge) -> None:
    data = json.loads(run(baclo, "glossary", "--topic", "pregnancy", "-f", "json")[1])["terms"]
    assert {t["term"] for t in data} >= {"Omphalocele", "Neonatal withdrawal"}
    for term in kb.glossary:
        assert term.topics, term.term


# --- a real terminal ---------------------------------------------------------------------------------------


def test_interactive_quiz_in_a_pty(tmp_path: Path) -> None:
    import pexpect

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    key = json.loads(
        subprocess.run(
            [BACLO, "quiz", "--seed", "11", "-n", "1", "-f", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
    )["questions"][0]
    child = pexpect.spawn(
        BACLO, ["quiz", "--seed", "11", "-n", "1"], env=env, encoding="utf-8", timeout=20, dimensions=(40, 100)
    )
    child.expect("Answer")
    child.sendline(key["answer"])
    child.expect("Correct")
    child.expect(r"Score: 1/1 \(100%\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_in_interactive_quiz_reports_partial_score(tmp_path: Path) -> None:
    import pexpect

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path), "TERM": "xterm"}
    child = pexpect.spawn(BACLO, ["quiz", "--seed", "3", "-n", "3"], env=env, encoding="utf-8", timeout=20)
    child.expect("Answer")
    child.sendline("a")
    child.expect("Answer")
    child.sendintr()
    child.expect("Score so far: ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")


def test_forty_column_terminal_in_a_pty(tmp_path: Path) -> None:
    import pexpect

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path), "TERM": "xterm", "NO_COLOR": "1", "BACLO_PAGER": ""}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(BACLO, ["side-effects"], env=env, encoding="utf-8", timeout=20, dimensions=(50, 40))
    child.expect(pexpect.EOF)
    child.close()
    text = (child.before or "").replace("\r\n", "\n")
    lines = [line for line in text.split("\n") if line]
    assert lines and max(len(line) for line in lines) <= 40, max(lines, key=len)
    assert "Drowsiness" in text and "\x1b[" not in text


# --- reading the state without the json package -------------------------------------------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _outcome(read: Any, text: str) -> str:
    try:
        return repr(read(text))
    except ValueError:
        return "ValueError"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    _JSON_VALUES,
    st.sampled_from(["", " ", "\n\t", "\r\n  "]),
    st.sampled_from(["", " ", "x", "]", "\ufeff"]),
    st.data(),
)
def test_the_state_is_read_as_json_loads_reads_it(value: Any, space: str, junk: str, data: st.DataObject) -> None:
    """``files.parse_json`` (the C scanner without the json package) reads what ``json.loads`` reads, and refuses
    what it refuses: whole documents, damaged ones and junk around them."""
    from baclo_cli.knowledge.files import parse_json

    text = json.dumps(value, indent=data.draw(st.sampled_from([None, 1])))
    cut = data.draw(st.integers(0, len(text)))
    for candidate in (f"{space}{text}{space}", f"{text}{junk}", f"{junk}{text}", text[:cut], text[cut:]):
        assert _outcome(parse_json, candidate) == _outcome(json.loads, candidate), candidate


def test_review_stats_reads_the_state_without_pathlib_json_or_re(tmp_path: Path) -> None:
    """A scripted ``review --stats`` (what a progress widget asks) reads the cards and the state file and loads
    none of what a review session needs to write it."""
    code = (
        "import sys; sys.argv = ['baclo', 'review', '--stats', '-f', 'json']\n"
        "from baclo_cli.cli import entry\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('pathlib', 'json', 're', 'typing', 'tempfile', 'fsrs', 'baclo_cli.cli.session', 'rich', 'typer')\n"
        "sys.stderr.write(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    answered = subprocess.run([BACLO, "review", "-n", "2"], input=b"good\ngood\n", env=env, capture_output=True)
    assert answered.returncode == 0, answered.stderr
    subprocess.run([BACLO, "flashcards", "-f", "json"], env=env, capture_output=True, check=True)  # cards kept
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stderr == ""
    stats = json.loads(done.stdout)
    assert stats["reviews"] == 2 and stats["state_file"] == str(tmp_path / "home" / "review.json")


def test_the_state_file_is_named_as_pathlib_names_it(tmp_path: Path) -> None:
    """BACLO_HOME written loosely (``./home//.``) is shown cleaned up, in the stats and in every message."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "review.json").write_text("not json", encoding="utf-8")
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": "./home//."}
    done = subprocess.run([BACLO, "review", "--stats", "-f", "json"], cwd=tmp_path, env=env, capture_output=True)
    assert json.loads(done.stdout)["state_file"] == "home/review.json"
    assert done.stderr.decode().startswith("baclo: warning: home/review.json is not readable baclo review state")


@pytest.mark.parametrize("damaged", ["{", '"abc', '{"a" 1}', "[", "x", '{"format": "baclo-review", "version": 2,'])
def test_a_damaged_state_file_is_reported_by_a_fresh_process(tmp_path: Path, damaged: str) -> None:
    """In a process that never imported the json package (what a scripted ``review --stats`` is), a damaged
    state file is still a warning, not an internal error: the C scanner reports through json's own error class."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "review.json").write_text(damaged, encoding="utf-8")
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    done = subprocess.run([BACLO, "review", "--stats", "-f", "json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "is not readable baclo review state" in done.stderr, done.stderr
    assert json.loads(done.stdout)["reviews"] == 0


def test_review_stats_with_a_loosely_written_home_is_replayed(tmp_path: Path) -> None:
    """The kept answer is looked up under the state file's name as the run that kept it wrote it."""
    code = (
        "import sys; sys.argv = ['baclo', 'review', '--stats', '-f', 'json']\n"
        "from baclo_cli.cli import entry\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str('baclo_cli.study.state' in sys.modules))\n"
    )
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": f"{tmp_path}//home/./"}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(3)]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert [r.stderr for r in runs] == ["True", "False", "False"]  # made once, then replayed
