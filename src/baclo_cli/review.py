"""Spaced review of the flashcards with Leitner boxes, and the state file that remembers progress.

Scheduler: five boxes. A new card starts in box 1. Knowing a card moves it up one box; missing it sends
it back to box 1. A card in box N is due again INTERVALS[N] days after its review. Cards whose fact changed
in a new knowledge file (their digest differs) go back to box 1, due today.

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

from .errors import EXIT_WRITE, BacloError, DataFileError
from .result import Result
from .study import Card

FORMAT = "baclo-review"
VERSION = 1
BOXES = 5
INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}  # days until a card in this box is due again
GRADES = ("again", "good")  # what a history entry records: missed (again) or known (good)
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
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    box = entry.get("box")
    if not isinstance(box, int) or isinstance(box, bool) or not 1 <= box <= BOXES:
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


def _valid(state: Any) -> bool:
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
        return False
    cards = state.get("cards")
    return isinstance(cards, dict) and all(_valid_entry(entry) for entry in cards.values())


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
    return state if _valid(state) else None


def _set_aside(path: Path) -> str:
    """Move a corrupt state file aside (call under the lock, after re-reading it); returns the warning."""
    aside = path.with_name(f"{path.name}.corrupt-{datetime.datetime.now().strftime('%Y%m%d%H%M%S%f')}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise StateError(path, f"not baclo review state and could not be moved aside: {exc}") from None
    return f"{path} was not readable baclo review state; moved it to {aside} and started afresh"


def load_state(path: Path) -> tuple[dict[str, Any], str | None]:
    """The saved state and a warning. A file that is not valid state is moved aside, but only under the lock
    and only if it is still invalid then (a peer may have just written a good one)."""
    state = _read(path)
    if state is not None:
        return state, None
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


def record_answer(path: Path, card: Card, knew: bool, today: datetime.date) -> tuple[dict[str, Any], str | None]:
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
        entry = next_entry(state["cards"].get(card.id), card, knew, today)
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


def next_entry(entry: dict[str, Any] | None, card: Card, knew: bool, today: datetime.date) -> dict[str, Any]:
    """The Leitner step: up one box when known, back to box 1 when missed."""
    box = entry["box"] if entry and entry.get("digest") == card.digest else 1
    box = min(box + 1, BOXES) if knew else 1
    history = [*(entry or {}).get("history", []), [today.isoformat(), "good" if knew else "again"]]
    return {
        "box": box,
        "due": (today + datetime.timedelta(days=INTERVALS[box])).isoformat(),
        "digest": card.digest,
        "reviews": (entry or {}).get("reviews", 0) + 1,
        "lapses": (entry or {}).get("lapses", 0) + (0 if knew else 1),
        "last": today.isoformat(),
        "history": history,
    }


def card_status(entry: dict[str, Any] | None, card: Card, today: datetime.date) -> str:
    if entry is None:
        return "new"
    if entry.get("digest") != card.digest:
        return "changed"
    return "due" if entry["due"] <= today.isoformat() else "waiting"


def due_cards(state: dict[str, Any], cards: list[Card], today: datetime.date, new_limit: int) -> list[Card]:
    """Changed cards first, then due cards (lowest box first), then up to ``new_limit`` new cards."""
    entries = state["cards"]
    changed = [c for c in cards if card_status(entries.get(c.id), c, today) == "changed"]
    due = sorted(
        (c for c in cards if card_status(entries.get(c.id), c, today) == "due"),
        key=lambda c: (entries[c.id]["box"], entries[c.id]["due"]),
    )
    new = [c for c in cards if c.id not in entries][: max(new_limit, 0)]
    return changed + due + new


def stats(state: dict[str, Any], cards: list[Card], today: datetime.date) -> dict[str, Any]:
    entries = state["cards"]
    counts = {"new": 0, "due": 0, "waiting": 0, "changed": 0}
    boxes = dict.fromkeys(range(1, BOXES + 1), 0)
    for card in cards:
        status = card_status(entries.get(card.id), card, today)
        counts[status] += 1
        if card.id in entries:
            boxes[entries[card.id]["box"]] += 1
    known = {c.id for c in cards}
    return {
        "cards": len(cards),
        **counts,
        "boxes": boxes,
        "retired": sum(1 for card_id in entries if card_id not in known),
        "reviews": sum(int(e.get("reviews", 0)) for e in entries.values()),
    }


def stats_result(state: dict[str, Any], cards: list[Card], today: datetime.date, path: Path) -> Result:
    numbers = stats(state, cards, today)
    rows: list[dict[str, Any]] = [{"measure": k, "value": v} for k, v in numbers.items() if k != "boxes"]
    rows += [{"measure": f"box {box}", "value": n} for box, n in numbers["boxes"].items()]
    return Result(
        title="Review progress",
        summary=f"State file: {path}; as of {today.isoformat()}.",
        columns=["measure", "value"],
        rows=rows,
        payload={"schema_version": 1, "state_file": str(path), "today": today.isoformat(), **numbers},
    )
