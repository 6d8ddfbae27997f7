"""Spaced review of the flashcards with FSRS (the scheduler Anki uses), and the state file that remembers it.

Scheduler: FSRS from the ``fsrs`` package (imported only here, only by ``baclo review``), one review a day at
most, no intra-day learning steps, no fuzz (the same answers give the same schedule). Grades are Again, Hard,
Good and Easy (``y``/``n`` read as Good/Again); ``--retention`` sets the target probability of recall. Cards
whose fact changed in a new knowledge file (their digest differs) start afresh and come first.

Version 1 files (Leitner boxes) are migrated on first read: each card's answers are replayed through FSRS, and
its due date, counts, history and box are kept.

State: one JSON file, ``$BACLO_HOME/review.json`` (else ``$XDG_DATA_HOME/baclo/review.json``, else
``~/.local/share/baclo/review.json``). It is written atomically (temporary file, then rename) under an
exclusive lock, and each answer is applied to the file as it is on disk at that moment (re-read under the lock),
so sessions running at once lose nothing. A corrupt or foreign file is moved aside
(``review.json.corrupt-TIMESTAMP``) and reported, never silently overwritten, and only if it is still corrupt
once the lock is held. Each card keeps its history of answers (day, again/good).
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from baclo_cli.answers.result import Result
from baclo_cli.errors import EXIT_WRITE, BacloError, DataFileError
from baclo_cli.study.cards import Card

FORMAT = "baclo-review"
VERSION = 2
LEITNER_BOXES = 5  # version 1 files: Leitner boxes 1-5
GRADES = ("again", "hard", "good", "easy")  # FSRS ratings 1-4, and what a history entry records
RETENTION = 0.9  # FSRS's default target probability of recall
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(9000, 12, 31)  # far from date.max, so adding an interval never overflows


MAX_STATE_BYTES = 64 * 1024 * 1024


class StateError(DataFileError):
    """The state file could neither be read nor moved aside; the CLI reports it like a data file error."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(str(path), message)


class StateWriteError(BacloError):
    """Progress could not be saved (disk full, read-only folder)."""

    exit_code = EXIT_WRITE

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"cannot save review progress to {path}: {error.strerror or error}")


def state_path() -> Path:
    home = os.environ.get("BACLO_HOME")
    if home:
        return Path(home) / "review.json"
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data) / "baclo" / "review.json"


def empty_state() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "cards": {}}


def _is_day(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return FIRST_DAY <= day <= LAST_DAY


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


def _valid_common(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    if not _is_day(entry.get("due")) or not isinstance(entry.get("digest"), str):
        return False
    if not all(_count(entry.get(k, 0)) for k in ("reviews", "lapses")):
        return False
    if "last" in entry and not _is_day(entry["last"]):
        return False
    history = entry.get("history", [])
    return isinstance(history, list) and all(
        isinstance(h, list) and len(h) == 2 and _is_day(h[0]) and h[1] in GRADES for h in history
    )


def _valid_v1_entry(entry: Any) -> bool:
    box = entry.get("box") if isinstance(entry, dict) else None
    good_box = isinstance(box, int) and not isinstance(box, bool) and 1 <= box <= LEITNER_BOXES
    return good_box and _valid_common(entry)


def _valid_entry(entry: Any) -> bool:
    if not _valid_common(entry):
        return False
    memory = entry.get("fsrs")
    if not isinstance(memory, dict):
        return False
    numbers = [memory.get(k) for k in ("stability", "difficulty")]
    if not all(
        n is None or (isinstance(n, (int, float)) and not isinstance(n, bool) and 0 <= n < 1e9) for n in numbers
    ):
        return False
    return isinstance(memory.get("state"), int) and isinstance(memory.get("due"), str)


def _valid(state: Any) -> bool:
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") not in (1, VERSION):
        return False
    cards = state.get("cards")
    check = _valid_entry if state["version"] == VERSION else _valid_v1_entry
    return isinstance(cards, dict) and all(check(entry) for entry in cards.values())


def _migrate(state: dict[str, Any]) -> dict[str, Any]:
    """A version 1 (Leitner) state as version 2: every card's answers replayed through FSRS, nothing dropped."""
    if state["version"] == VERSION:
        return state
    cards = {}
    for card_id, old in state["cards"].items():
        history = old.get("history") or []
        if not history:  # answers before history was kept: one review on the last day, as the box says
            last = old.get("last") or old["due"]
            history_for_replay = [[last, "good" if old["box"] > 1 else "again"]]
        else:
            history_for_replay = history
        cards[card_id] = {
            **{k: old[k] for k in ("digest", "due", "reviews", "lapses", "last") if k in old},
            "history": history,
            "fsrs": _replay(card_id, history_for_replay),
            "leitner_box": old["box"],
        }
    return {"format": FORMAT, "version": VERSION, "cards": cards}


def _replay(card_id: str, history: list[list[str]]) -> dict[str, Any]:
    """A card's FSRS memory from its answers; a fresh card if they cannot be replayed (one card, not the file)."""
    memory = None
    try:
        for day, grade in history:
            memory = _step(memory, card_id, grade, datetime.date.fromisoformat(day), RETENTION)
    except _UNREADABLE:
        memory = None
    return dict(memory) if memory is not None else dict(_new_card(card_id).to_dict())


def _read(path: Path) -> dict[str, Any] | None:
    """The state on disk: an empty state if there is none, None if the file is not valid state."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return empty_state()
    except IsADirectoryError:
        return None
    except OSError as exc:
        raise StateError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_STATE_BYTES:
        return None
    try:
        state = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # undecodable bytes, not JSON, nested too deep
        return None
    version = state.get("version") if isinstance(state, dict) and state.get("format") == FORMAT else None
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise StateError(path, f"written by a newer baclo (version {version}; this one reads 1 and {VERSION})")
    if not _valid(state):
        return None
    try:
        return _migrate(state)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None


def _set_aside(path: Path) -> str:
    """Move a corrupt state file aside (call under the lock, after re-reading it); returns the warning."""
    aside = path.with_name(f"{path.name}.corrupt-{datetime.datetime.now().strftime('%Y%m%d%H%M%S%f')}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise StateError(path, f"not baclo review state and could not be moved aside: {exc}") from None
    return f"{path} was not readable baclo review state; moved it to {aside} and started afresh"


def load_state(path: Path, *, set_aside: bool = True) -> tuple[dict[str, Any], str | None]:
    """The saved state and a warning. A file that is not valid state is moved aside, but only under the lock
    and only if it is still invalid then (a peer may have just written a good one); ``set_aside=False`` (for
    ``--stats``, which only reads) leaves it where it is."""
    state = _read(path)
    if state is not None:
        return state, None
    if not set_aside:
        return empty_state(), f"{path} is not readable baclo review state; left as it is (a review moves it aside)"
    with _locked(path):
        state = _read(path)
        if state is not None:
            return state, None
        return empty_state(), _set_aside(path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(path.name + ".lock"), "a+")  # noqa: SIM115 - held for the with-block
    except OSError as exc:
        raise StateWriteError(path, exc) from None
    with handle:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX: the atomic rename still keeps the file whole
            pass
        yield


def _write_atomically(path: Path, state: dict[str, Any]) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StateWriteError(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StateWriteError(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_answer(
    path: Path, card: Card, grade: str, today: datetime.date, retention: float = RETENTION
) -> tuple[dict[str, Any], str | None]:
    """Apply one answer to the newest state on disk, under the lock: re-read, step the card, write atomically.

    Each answer is its own read-modify-write, so answers from sessions running at once add up.
    Returns the card's new entry and a warning if the file had to be set aside.
    """
    with _locked(path):
        state = _read(path)
        warning = None
        if state is None:
            warning = _set_aside(path)
            state = empty_state()
        entry = next_entry(state["cards"].get(card.id), card, grade, today, retention)
        state["cards"][card.id] = entry
        _write_atomically(path, state)
    return entry, warning


# --- scheduling -------------------------------------------------------------------------------------------


def parse_day(text: str | None) -> datetime.date:
    """``--today``: a date written YYYY-MM-DD between FIRST_DAY and LAST_DAY (``ValueError`` otherwise)."""
    day = datetime.date.fromisoformat(text) if text and len(text) == 10 else None
    if text and day is None:
        raise ValueError(text)
    day = day or datetime.date.today()
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(text)
    return day


def _fsrs() -> Any:
    import fsrs

    return fsrs


# What FSRS raises on a memory state it cannot read (a hand-edited or damaged file).
_UNREADABLE = (ValueError, TypeError, KeyError, OverflowError, AssertionError)


def _new_card(card_id: str) -> Any:
    """A fresh FSRS card whose numeric id is stable for this card (FSRS would use the clock)."""
    return _fsrs().Card(card_id=int(hashlib_id(card_id), 16) % 10**12)


def _step(memory: dict[str, Any] | None, card_id: str, grade: str, day: datetime.date, retention: float) -> Any:
    """One FSRS review of a card's memory state (a plain dict, as stored) on ``day``."""
    fsrs = _fsrs()
    scheduler = fsrs.Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = fsrs.Card.from_dict(memory) if memory else _new_card(card_id)
    when = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.timezone.utc)
    if card.last_review is not None and when < card.last_review:
        when = card.last_review  # a review dated before the last one (--today in the past) counts as the same day
    card, _ = scheduler.review_card(card, fsrs.Rating[grade.capitalize()], review_datetime=when)
    return card.to_dict()


def hashlib_id(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:12]


def next_entry(
    entry: dict[str, Any] | None, card: Card, grade: str, today: datetime.date, retention: float = RETENTION
) -> dict[str, Any]:
    """The card after one answer: FSRS's new memory state and due day (at least tomorrow)."""
    same = entry is not None and entry.get("digest") == card.digest
    try:
        memory = _step(entry.get("fsrs") if same and entry else None, card.id, grade, today, retention)
    except _UNREADABLE:  # a memory FSRS cannot read:
        rebuilt = _replay(card.id, (entry or {}).get("history", []) if same else [])  # rebuild it from the answers
        memory = _step(rebuilt, card.id, grade, today, retention)
    due = max(datetime.datetime.fromisoformat(memory["due"]).date(), today + datetime.timedelta(days=1))
    return {
        "due": due.isoformat(),
        "digest": card.digest,
        "reviews": (entry or {}).get("reviews", 0) + 1,
        "lapses": (entry or {}).get("lapses", 0) + (1 if grade == "again" else 0),
        "last": today.isoformat(),
        "history": [*(entry or {}).get("history", []), [today.isoformat(), grade]],
        "fsrs": memory,
        **({"leitner_box": entry["leitner_box"]} if entry and "leitner_box" in entry else {}),
    }


def parse_grade(reply: str) -> str | None:
    """again/hard/good/easy, 1-4, their first letters, or y/n (good/again); None for anything else."""
    text = reply.strip().lower()
    aliases = {
        "y": "good",
        "yes": "good",
        "n": "again",
        "no": "again",
        "1": "again",
        "2": "hard",
        "3": "good",
        "4": "easy",
        "a": "again",
        "h": "hard",
        "g": "good",
        "e": "easy",
    }
    return text if text in GRADES else aliases.get(text)


def card_status(entry: dict[str, Any] | None, card: Card, today: datetime.date) -> str:
    if entry is None:
        return "new"
    if entry.get("digest") != card.digest:
        return "changed"
    return "due" if entry["due"] <= today.isoformat() else "waiting"


def due_cards(state: dict[str, Any], cards: list[Card], today: datetime.date, new_limit: int) -> list[Card]:
    """Changed cards first, then due cards (longest overdue, then least stable, first), then new cards."""
    entries = state["cards"]
    changed = [c for c in cards if card_status(entries.get(c.id), c, today) == "changed"]
    due = sorted(
        (c for c in cards if card_status(entries.get(c.id), c, today) == "due"),
        key=lambda c: (entries[c.id]["due"], (entries[c.id].get("fsrs") or {}).get("stability") or 0.0),
    )
    new = [c for c in cards if c.id not in entries][: max(new_limit, 0)]
    return changed + due + new


def stats(state: dict[str, Any], cards: list[Card], today: datetime.date) -> dict[str, Any]:
    entries = state["cards"]
    counts = {"new": 0, "due": 0, "waiting": 0, "changed": 0}
    for card in cards:
        counts[card_status(entries.get(card.id), card, today)] += 1
    known = {c.id for c in cards}
    since = (today - datetime.timedelta(days=30)).isoformat()
    recent = [
        grade for e in entries.values() for day, grade in e.get("history", []) if since < day <= today.isoformat()
    ]
    forecast = {(today + datetime.timedelta(days=d)).isoformat(): 0 for d in range(1, 8)}
    for card in cards:
        entry = entries.get(card.id)
        if entry and card_status(entry, card, today) == "waiting" and entry["due"] in forecast:
            forecast[entry["due"]] += 1
    return {
        "cards": len(cards),
        **counts,
        "retired": sum(1 for card_id in entries if card_id not in known),
        "reviews": sum(int(e.get("reviews", 0)) for e in entries.values()),
        "retention_30_days": round(sum(g != "again" for g in recent) / len(recent), 3) if recent else None,
        "forecast": forecast,
    }


def stats_result(state: dict[str, Any], cards: list[Card], today: datetime.date, path: Path) -> Result:
    numbers = stats(state, cards, today)
    rows: list[dict[str, Any]] = [
        {"measure": k.replace("_", " "), "value": "-" if v is None else v}
        for k, v in numbers.items()
        if k != "forecast"
    ]
    rows += [{"measure": f"due {day}", "value": n} for day, n in numbers["forecast"].items()]
    return Result(
        title="Review progress",
        summary=f"State file: {path}; as of {today.isoformat()}.",
        columns=["measure", "value"],
        rows=rows,
        payload={"schema_version": 1, "state_file": str(path), "today": today.isoformat(), **numbers},
    )
