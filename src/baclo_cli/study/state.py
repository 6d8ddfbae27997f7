"""The review state file: what ``baclo review`` remembers of each card, kept safe on disk.

One JSON file, ``$BACLO_HOME/review.json`` (else ``$XDG_DATA_HOME/baclo/review.json``, else
``~/.local/share/baclo/review.json``). It is written atomically (temporary file, then rename) under an
exclusive lock, and each change is applied to the file as it is on disk at that moment (re-read under the
lock), so sessions running at once lose nothing. The lock file is never opened through a symbolic link, and a
temporary copy left by a save that was killed is removed by the next save (under the lock, so it cannot be a
save in progress).

Reading is forgiving card by card and strict file by file: a card whose FSRS memory cannot be read (NaN, a
negative stability, a damaged date) is rebuilt from its own answers, and the rest of the file is kept; a file
that is not baclo review state at all is moved aside (``review.json.corrupt-TIMESTAMP``) and reported, never
silently overwritten, and only if it is still corrupt once the lock is held. A file written by a newer baclo
is refused. Version 1 files (Leitner boxes) are migrated on first read: each card's answers are replayed
through FSRS, and its due date, counts, history and box are kept.
"""

from __future__ import annotations

import datetime
import math
import os
import stat

from baclo_cli.errors import EXIT_WRITE, BacloError, DataFileError
from baclo_cli.knowledge.files import parse_json, replace_file
from baclo_cli.study.scheduler import FIRST_DAY, GRADES, LAST_DAY, replay

# (Paths are strings or path objects, handled with os.path: a read-only run such as 'review --stats' loads
# neither pathlib nor the json package, which import re and much else.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    StrPath = str | os.PathLike[str]
    Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]

FORMAT = "baclo-review"
VERSION = 2
LEITNER_BOXES = 5  # version 1 files: Leitner boxes 1-5
MAX_STATE_BYTES = 64 * 1024 * 1024
FSRS_STATES = (1, 2, 3)  # Learning, Review, Relearning


class StateError(DataFileError):
    """The state file could neither be read nor moved aside; the CLI reports it like a data file error."""

    def __init__(self, path: StrPath, message: str) -> None:
        super().__init__(str(path), message)


class StateWriteError(BacloError):
    """Progress could not be saved (disk full, read-only folder, a lock file that is a symbolic link)."""

    exit_code = EXIT_WRITE

    def __init__(self, path: StrPath, error: OSError | str) -> None:
        reason = error if isinstance(error, str) else error.strerror or str(error)
        super().__init__(f"cannot save review progress to {path}: {reason}")


def empty_state() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "cards": {}}


# --- what a valid file holds ---------------------------------------------------------------------------


def is_day(value: Any) -> bool:
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
    if not is_day(entry.get("due")) or not isinstance(entry.get("digest"), str):
        return False
    if not all(_count(entry.get(k, 0)) for k in ("reviews", "lapses")):
        return False
    if "last" in entry and not is_day(entry["last"]):
        return False
    if not isinstance(entry.get("suspended", False), bool):
        return False
    history = entry.get("history", [])
    return isinstance(history, list) and all(
        isinstance(h, list) and len(h) == 2 and is_day(h[0]) and h[1] in GRADES for h in history
    )


def _valid_v1_entry(entry: Any) -> bool:
    box = entry.get("box") if isinstance(entry, dict) else None
    good_box = isinstance(box, int) and not isinstance(box, bool) and 1 <= box <= LEITNER_BOXES
    return good_box and _valid_common(entry)


def _moment(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _number(value: Any, *, low: float = 0, high: float = 1e9) -> bool:
    if value is None:
        return True
    real = isinstance(value, (int, float)) and not isinstance(value, bool)
    return real and math.isfinite(value) and low <= value < high


def valid_memory(memory: Any) -> bool:
    """An FSRS card state as stored, checked field by field (FSRS itself would take a NaN or a negative)."""
    if not isinstance(memory, dict):
        return False
    step = memory.get("step")
    return (
        memory.get("state") in FSRS_STATES
        and not isinstance(memory.get("state"), bool)
        and _number(memory.get("stability"))
        and _number(memory.get("difficulty"))
        and (step is None or _count(step))
        and _number(memory.get("card_id", 0), high=2**63)
        and not isinstance(memory.get("card_id"), float)
        and _moment(memory.get("due"))
        and (memory.get("last_review") is None or _moment(memory.get("last_review")))
    )


def _valid_entry(entry: Any) -> bool:
    return _valid_common(entry) and valid_memory(entry.get("fsrs"))


def valid(state: Any) -> bool:
    """A whole state, every card's memory included (what this module writes)."""
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") not in (1, VERSION):
        return False
    cards = state.get("cards")
    check = _valid_entry if state["version"] == VERSION else _valid_v1_entry
    return isinstance(cards, dict) and all(check(entry) for entry in cards.values())


def _readable(state: Any) -> bool:
    """Valid but for FSRS memories, which can be rebuilt card by card."""
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") not in (1, VERSION):
        return False
    cards = state.get("cards")
    check = _valid_common if state["version"] == VERSION else _valid_v1_entry
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
            "fsrs": replay(card_id, history_for_replay),
            "leitner_box": old["box"],
        }
    return {"format": FORMAT, "version": VERSION, "cards": cards}


def _rebuild_memories(state: dict[str, Any]) -> int:
    """Rebuild every card whose FSRS memory cannot be read from its own answers; returns how many."""
    rebuilt = 0
    for card_id, entry in state["cards"].items():
        if not valid_memory(entry.get("fsrs")):
            entry["fsrs"] = replay(card_id, entry.get("history", []))
            rebuilt += 1
    return rebuilt


# --- reading and writing ---------------------------------------------------------------------------------


def _read(path: StrPath) -> tuple[dict[str, Any] | None, int]:
    """The state on disk (an empty state if there is none; None if the file is not review state) and how many
    cards had their memory rebuilt."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return empty_state(), 0
    except IsADirectoryError:
        return None, 0
    except OSError as exc:
        raise StateError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_STATE_BYTES:
        return None, 0
    try:
        state = parse_json(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # undecodable bytes, not JSON, nested too deep
        return None, 0
    version = state.get("version") if isinstance(state, dict) and state.get("format") == FORMAT else None
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise StateError(path, f"written by a newer baclo (version {version}; this one reads 1 and {VERSION})")
    if not _readable(state):
        return None, 0
    try:
        state = _migrate(state)
        return state, _rebuild_memories(state)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None, 0


def _set_aside(path: StrPath) -> str:
    """Move a corrupt state file aside (call under the lock, after re-reading it); returns the warning."""
    aside = f"{os.fspath(path)}.corrupt-{datetime.datetime.now().strftime('%Y%m%d%H%M%S%f')}"
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise StateError(path, f"not baclo review state and could not be moved aside: {exc}") from None
    return f"{path} was not readable baclo review state; moved it to {aside} and started afresh"


def _rebuilt_warning(path: StrPath, count: int) -> str | None:
    if not count:
        return None
    cards = "card's" if count == 1 else "cards'"
    return f"{path}: {count} {cards} FSRS memory could not be read; rebuilt from the answers, the rest kept"


def load_state(path: StrPath, *, set_aside: bool = True) -> tuple[dict[str, Any], str | None]:
    """The saved state and a warning. A file that is not valid state is moved aside, but only under the lock
    and only if it is still invalid then (a peer may have just written a good one); ``set_aside=False`` (for
    ``--stats``, which only reads) leaves it where it is."""
    state, rebuilt = _read(path)
    if state is not None:
        return state, _rebuilt_warning(path, rebuilt)
    if not set_aside:
        return empty_state(), f"{path} is not readable baclo review state; left as it is (a review moves it aside)"
    with _locked(path):
        state, rebuilt = _read(path)
        if state is not None:
            return state, _rebuilt_warning(path, rebuilt)
        return empty_state(), _set_aside(path)


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TEMPORARY_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class _locked:  # used as a function: "with _locked(path):"
    """Hold the exclusive lock ``review.json.lock``, opened without following a symbolic link (a planted link
    would otherwise create or lock its target). (A class, not ``contextlib.contextmanager``: importing contextlib
    costs a read-only run.)"""

    def __init__(self, path: StrPath) -> None:
        self.path = path

    def __enter__(self) -> None:
        path = self.path
        lock = f"{os.fspath(path)}.lock"
        try:
            os.makedirs(os.path.dirname(lock) or ".", exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NO_FOLLOW, 0o600)
        except OSError as exc:
            if os.path.islink(lock):
                raise StateWriteError(path, f"the lock file {lock} is a symbolic link; not following it") from None
            raise StateWriteError(path, exc) from None
        self.handle = os.fdopen(fd, "r+b")
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StateWriteError(path, f"the lock file {lock} is not a regular file")
            try:
                import fcntl

                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - not POSIX: the atomic rename still keeps the file whole
                pass
            _remove_stale_temporaries(path)
        except BaseException:
            self.handle.close()
            raise

    def __exit__(self, *_: object) -> None:
        self.handle.close()  # (closing the file releases the lock)


def _remove_stale_temporaries(path: StrPath) -> None:
    """Temporary copies of ``path`` left by a save that was killed. Called under the lock: every save holds it
    while its temporary exists, so any left now is stale. Only names ``_write_atomically`` makes, only regular
    files this user owns; never through a link."""
    folder, base = os.path.split(os.fspath(path))
    start = f".{base}."
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return
    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in names:
        middle = name[len(start) : -len(".tmp")]
        made = len(name) == len(start) + 12 and name.startswith(start) and name.endswith(".tmp")
        if not (made and all(ch in _TEMPORARY_LETTERS for ch in middle)):
            continue  # only the names tempfile.mkstemp gives: ".review.json." + 8 of [a-z0-9_] + ".tmp"
        stale = os.path.join(folder, name)
        try:
            info = os.lstat(stale)
            if stat.S_ISREG(info.st_mode) and (uid is None or info.st_uid == uid):
                os.unlink(stale)
        except OSError:
            pass


def _write_atomically(path: StrPath, state: dict[str, Any]) -> None:
    import json

    def fill(fd: int, _: str) -> None:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True, allow_nan=False)
            handle.flush()
            os.fsync(handle.fileno())

    try:
        replace_file(path, fill)
    except OSError as exc:
        raise StateWriteError(path, exc) from None


def change_card(
    path: StrPath, card_id: str, change: Change
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str | None]:
    """Apply ``change`` to one card's entry in the newest state on disk, under the lock: re-read, change, write
    atomically. ``change`` gets the entry (None for a new card) and returns the new one (None removes it).

    Each change is its own read-modify-write, so changes from sessions running at once add up. Returns the
    entry before, the entry after, and a warning if the file had to be set aside.
    """
    with _locked(path):
        state, _ = _read(path)
        warning = None
        if state is None:
            warning = _set_aside(path)
            state = empty_state()
        before = state["cards"].get(card_id)
        after = change(before)
        if after is None:
            state["cards"].pop(card_id, None)
        else:
            state["cards"][card_id] = after
        _write_atomically(path, state)
    return before, after, warning


def unsuspend_all(path: StrPath, card_ids: set[str]) -> int:
    """Bring every suspended card among ``card_ids`` back into review, under the lock; returns how many."""
    with _locked(path):
        state, _ = _read(path)
        if state is None:
            return 0
        resumed = [i for i, e in state["cards"].items() if i in card_ids and e.get("suspended")]
        for card_id in resumed:
            state["cards"][card_id] = {k: v for k, v in state["cards"][card_id].items() if k != "suspended"}
        if resumed:
            _write_atomically(path, state)
    return len(resumed)
