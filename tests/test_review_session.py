"""A review that forgives a slip (undo, suspend, re-prompt, same-day relearning), progress you can see, and a
state file that keeps every card's progress: through the real command, piped, in a pty and as real processes."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path
from typing import Any

import pexpect
import pytest

from .conftest import BACLO as BACLO_SCRIPT
from .conftest import Baclo

BACLO = [BACLO_SCRIPT]
TODAY = "2026-11-29"


def review(baclo: Baclo, answers: str, *args: str, today: str = TODAY) -> tuple[int, str, str]:
    result = baclo.invoke(["review", "-t", "withdrawal", "--today", today, *args], input=answers)
    return result.exit_code, result.stdout, result.stderr


def saved(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "home" / "review.json").read_text(encoding="utf-8"))
    return data


def test_a_reply_that_is_not_a_grade_asks_again_and_is_not_counted(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = review(baclo, "x\n\nmaybe\ngood\n", "--new", "1")
    assert code == 0 and out.count("Not an answer") == 3 and "Reviewed 1 cards, knew 1." in out
    (entry,) = saved(tmp_path)["cards"].values()
    assert entry["history"] == [[TODAY, "good"]] and entry["lapses"] == 0


def test_undo_restores_the_previous_state_on_disk(baclo: Baclo, tmp_path: Path) -> None:
    assert review(baclo, "good\n", "--new", "1")[0] == 0
    before = saved(tmp_path)
    (card_id,) = before["cards"]
    due = before["cards"][card_id]["due"]
    code, out, _ = review(baclo, "again\nu\n", "--new", "0", today=due)
    assert code == 0 and "Undone: again" in out
    assert saved(tmp_path) == before  # the card as it was, on disk
    code, out, _ = review(baclo, "u\ngood\n", "--new", "0", today=due)
    assert code == 0 and "Nothing to undo" in out and "Reviewed 1 cards, knew 1." in out


def test_undo_of_a_new_card_forgets_it_and_shows_it_again(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = review(baclo, "hard\nu\neasy\n", "--new", "2")
    assert code == 0 and out.count("Withdrawal: Cause? (new)") == 2 and "Undone: hard" in out
    (entry,) = saved(tmp_path)["cards"].values()
    assert entry["history"] == [[TODAY, "easy"]] and entry["reviews"] == 1


def test_again_comes_back_the_same_day(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = review(baclo, "n\ny\n", "--new", "1")
    assert code == 0 and "(again, same day)" in out and "Reviewed 2 cards, knew 1." in out
    (entry,) = saved(tmp_path)["cards"].values()
    assert entry["history"] == [[TODAY, "again"], [TODAY, "good"]]
    code, out, _ = review(baclo, "n\n" * 10, "--new", "1")  # from a pipe, at most twice more, then it ends
    assert code == 0 and out.count("(again, same day)") == 2


def test_a_suspended_card_stays_away_until_unsuspended(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = review(baclo, "s\n", "--new", "1")
    assert code == 0 and "Suspended" in out
    (card_id,) = saved(tmp_path)["cards"]
    assert saved(tmp_path)["cards"][card_id]["suspended"] is True
    stats = json.loads(baclo.invoke(["review", "--stats", "-t", "withdrawal", "-f", "json"]).stdout)
    assert stats["suspended"] == 1
    code, out, _ = review(baclo, "good\n", "--new", "1")
    assert "Withdrawal: Cause?" not in out  # the next new card instead
    code, out, err = review(baclo, "good\n", "--new", "0", "--unsuspend")
    assert code == 0 and "1 suspended card back in review" in err
    assert "suspended" not in saved(tmp_path)["cards"][card_id]


def test_q_ends_the_review_and_every_answer_is_saved(baclo: Baclo, tmp_path: Path) -> None:
    code, out, _ = review(baclo, "good\nq\ngood\n", "--new", "3")
    assert code == 0 and "Stopped. Reviewed 1 cards, knew 1." in out
    assert len(saved(tmp_path)["cards"]) == 1


def test_an_answer_line_cannot_drive_the_terminal(baclo: Baclo) -> None:
    """An answers file with an OSC 52 sequence (set the clipboard) is never echoed raw."""
    code, out, _ = review(baclo, "\x1b]52;c;ZXZpbA==\x07\ngood\n", "--new", "1")
    assert code == 0 and "\x1b" not in out and "\x07" not in out


# --- the state file (issue 14: items 8, 15, 16, 17) ------------------------------------------------------------


def test_the_lock_file_is_never_opened_through_a_link(baclo: Baclo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    target = tmp_path / "elsewhere" / "created-by-the-link"
    target.parent.mkdir()
    (home / "review.json.lock").symlink_to(target)
    code, _, err = review(baclo, "good\n", "--new", "1")
    assert code == 5 and "symbolic link" in err and err.count("\n") == 1
    assert not target.exists() and not (home / "review.json").exists()


def test_the_last_reviewable_day_writes_what_reads_back(baclo: Baclo, tmp_path: Path) -> None:
    code, _, err = review(baclo, "easy\n", "--new", "1", today="9000-12-31")
    assert code == 0 and err == ""
    stats = baclo.invoke(["review", "--stats", "-t", "withdrawal", "--today", "9000-12-31", "-f", "json"])
    assert stats.exit_code == 0 and stats.stderr == "" and json.loads(stats.stdout)["reviews"] == 1
    code, _, err = review(baclo, "good\n", "--new", "1", today="9000-12-31")
    assert code == 0 and "moved it to" not in err
    assert sum(e["reviews"] for e in saved(tmp_path)["cards"].values()) == 2
    assert not list((tmp_path / "home").glob("review.json.corrupt-*"))


@pytest.mark.parametrize("bad", [math.nan, -1.5, "7", math.inf])
def test_one_unreadable_fsrs_number_rebuilds_that_card_alone(baclo: Baclo, tmp_path: Path, bad: Any) -> None:
    assert review(baclo, "good\nhard\n", "--new", "2")[0] == 0
    state = saved(tmp_path)
    first, second = list(state["cards"])
    kept = json.loads(json.dumps(state["cards"][second]))
    state["cards"][first]["fsrs"]["stability"] = bad
    (tmp_path / "home" / "review.json").write_text(json.dumps(state), encoding="utf-8")
    stats = baclo.invoke(["review", "--stats", "-t", "withdrawal", "--today", TODAY, "-f", "json"])
    assert stats.exit_code == 0 and "1 card's FSRS memory" in stats.stderr
    assert json.loads(stats.stdout)["reviews"] == 2
    code, _, err = review(baclo, "good\n", "--new", "1")
    assert code == 0 and "moved it to" not in err
    after = saved(tmp_path)["cards"]
    assert after[second] == kept  # the other card's progress, untouched
    assert after[first]["history"] == [[TODAY, "good"]]  # rebuilt from its answers
    assert math.isfinite(after[first]["fsrs"]["stability"]) and after[first]["fsrs"]["stability"] > 0
    assert not list((tmp_path / "home").glob("review.json.corrupt-*"))


def test_a_save_killed_midway_leaves_nothing_behind_after_the_next(baclo: Baclo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    stale = home / ".review.json.k1ll3d_x.tmp"
    stale.write_text("{" + " " * 100_000, encoding="utf-8")  # a full-size copy a killed save left
    mine = home / ".review.json.notmine.tmp"  # not a name baclo makes: left alone
    mine.write_text("x", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (home / ".review.json.linkedxx.tmp").symlink_to(outside)
    assert review(baclo, "good\n", "--new", "1")[0] == 0
    assert not stale.exists() and mine.exists() and outside.read_text(encoding="utf-8") == "keep"


def test_a_real_kill_during_saves_leaves_no_temporary(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    argv = [*BACLO, "review", "--new", "30", "-n", "30", "--today", TODAY]
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"y\n" * 30)
    proc.stdin.flush()
    import time

    time.sleep(1.0)
    proc.kill()
    proc.wait(timeout=30)
    leftovers = list((tmp_path / "home").glob(".review.json.*.tmp"))
    done = subprocess.run(argv, env=env, input=b"y\n", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not list((tmp_path / "home").glob(".review.json.*.tmp")), leftovers


@pytest.mark.parametrize("command", ["quiz --seed 3 -n 2", "review --today 2026-11-29 --new 2"])
def test_an_endless_stdin_ends_the_session(tmp_path: Path, command: str) -> None:
    env = {**os.environ, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        ["bash", "-c", f"{' '.join(BACLO)} {command} </dev/zero"], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert b"Stopped." in done.stdout and b"Traceback" not in done.stderr


# --- progress you can see ------------------------------------------------------------------------------------


def test_stats_are_plain_numbers_in_machine_formats(baclo: Baclo) -> None:
    review(baclo, "good\nagain\neasy\n", "--new", "3")
    result = baclo.invoke(["review", "--stats", "-t", "withdrawal", "--today", TODAY, "-f", "json"])
    stats = json.loads(result.stdout)
    assert all(isinstance(n, int) for n in stats["forecast"].values()) and len(stats["daily"]) == 30
    assert stats["daily"][-1] == {"day": TODAY, "answers": 3, "retention": 0.667}
    piped = baclo.invoke(["review", "--stats", "-t", "withdrawal", "--today", TODAY]).stdout
    assert "█" not in piped and "due 2026-11-30" in piped


def test_stats_on_a_terminal_draw_bar_charts(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home"),
           "TERM": "xterm", "NO_COLOR": "1", "BACLO_PAGER": ""}  # fmt: skip
    subprocess.run([BACLO_SCRIPT, "review", "--new", "4", "--today", TODAY], input=b"y\nn\ny\neasy\ny\n", env=env,
                   capture_output=True, check=True, timeout=60)  # fmt: skip
    child = pexpect.spawn(BACLO_SCRIPT, ["review", "--stats", "--today", TODAY], env=env, encoding="utf-8",
                          timeout=20, dimensions=(60, 100))  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    text = child.before or ""
    assert "Due in the next 7 days" in text and "Retention, last 30 days" in text
    assert "█" in text and "2026-11-30" in text


def test_undo_and_invalid_keys_in_a_pty(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home"),
           "TERM": "xterm", "NO_COLOR": "1"}  # fmt: skip
    child = pexpect.spawn(BACLO_SCRIPT, ["review", "-t", "withdrawal", "--new", "2", "--today", TODAY], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 120))  # fmt: skip
    child.expect("Press Enter")
    child.sendline("")
    child.expect("How well")
    child.sendline("x")
    child.expect("Not an answer")
    child.sendline("good")
    child.expect("Press Enter")
    child.sendline("u")
    child.expect("Undone: good")
    child.expect("Press Enter")
    child.sendline("q")
    child.expect("Stopped. Reviewed 0 cards")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert json.loads((tmp_path / "home" / "review.json").read_text(encoding="utf-8"))["cards"] == {}
