"""Spaced review of the flashcards with Leitner boxes, and the state file that remembers progress.

Scheduler: five boxes. A new card starts in box 1. Knowing a card moves it up one box; missing it sends
it back to box 1. A card in box N is due again INTERVALS[N] days after its review. Cards whose fact changed
in a new knowledge file (their digest differs) go back to box 1, due today.

State: one JSON file, ``$BACLO_HOME/review.json`` (else ``$XDG_DATA_HOME/baclo/review.json``, else
``~/.local/share/baclo/review.json``). It is written atomically (temporary file, then rename) under an
exclusive lock, and each save re-reads the file and applies only this session's changes, so two sessions at
once lose nothing. A corrupt or foreign file is moved aside (``review.json.corrupt-TIMESTAMP``) and reported,
never silently overwritten.
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

from .errors import DataFileError
from .result import Result
from .study import Card

FORMAT = "baclo-review"
VERSION = 1
BOXES = 5
INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}  # days until a card in this box is due again


class StateError(DataFileError):
    """The state file could neither be read nor moved aside; the CLI reports it like a data file error."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(str(path), message)


def state_path() -> Path:
    home = os.environ.get("BACLO_HOME")
    if home:
        return Path(home) / "review.json"
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data) / "baclo" / "review.json"


def empty_state() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "cards": {}}


def _valid(state: Any) -> bool:
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
        return False
    cards = state.get("cards")
    if not isinstance(cards, dict):
        return False
    for entry in cards.values():
        if not isinstance(entry, dict):
            return False
        if not isinstance(entry.get("box"), int) or not 1 <= entry["box"] <= BOXES:
            return False
        if not isinstance(entry.get("due"), str) or not isinstance(entry.get("digest"), str):
            return False
    return True


def load_state(path: Path) -> tuple[dict[str, Any], str | None]:
    """The saved state and a warning; an unreadable or foreign file is moved aside and a fresh state returned."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty_state(), None
    except OSError as exc:
        raise StateError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        state = json.loads(text)
    except ValueError:
        state = None
    if _valid(state):
        return state, None
    aside = path.with_name(f"{path.name}.corrupt-{datetime.datetime.now().strftime('%Y%m%d%H%M%S%f')}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise StateError(path, f"not baclo review state and could not be moved aside: {exc}") from None
    return empty_state(), f"{path} was not readable baclo review state; moved it to {aside} and started afresh"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as handle:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX: the atomic rename still keeps the file whole
            pass
        yield


def _write_atomically(path: Path, state: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_changes(path: Path, changes: dict[str, dict[str, Any]]) -> str | None:
    """Apply this session's card entries to the newest state on disk; returns a warning if it was corrupt."""
    with _locked(path):
        state, warning = load_state(path)
        state["cards"].update(changes)
        _write_atomically(path, state)
    return warning


# --- scheduling -------------------------------------------------------------------------------------------


def parse_day(text: str | None) -> datetime.date:
    return datetime.date.fromisoformat(text) if text else datetime.date.today()


def next_entry(entry: dict[str, Any] | None, card: Card, knew: bool, today: datetime.date) -> dict[str, Any]:
    """The Leitner step: up one box when known, back to box 1 when missed."""
    box = entry["box"] if entry and entry.get("digest") == card.digest else 1
    box = min(box + 1, BOXES) if knew else 1
    return {
        "box": box,
        "due": (today + datetime.timedelta(days=INTERVALS[box])).isoformat(),
        "digest": card.digest,
        "reviews": (entry or {}).get("reviews", 0) + 1,
        "lapses": (entry or {}).get("lapses", 0) + (0 if knew else 1),
        "last": today.isoformat(),
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
        payload={"state_file": str(path), "today": today.isoformat(), **numbers},
    )
