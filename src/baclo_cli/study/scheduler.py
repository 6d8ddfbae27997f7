"""Spaced review of the flashcards with FSRS (the scheduler Anki uses): grades, due days, the queue, progress.

FSRS comes from the ``fsrs`` package (imported only here, only when a card is graded), without fuzz (the same
answers give the same schedule) and without minute-long learning steps: a card is due on a day. A card graded
Again comes back later in the same session (same-day relearning), and that answer counts too. Grades are
Again, Hard, Good and Easy (``y``/``n`` read as Good/Again); ``--retention`` sets the target probability of
recall. Cards whose fact changed in a new knowledge file (their digest differs) start afresh and come first;
suspended cards never come. The state file itself is ``study.state``.
"""

from __future__ import annotations

import datetime

from baclo_cli.answers.result import SCHEMA_VERSION, Result

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Any

    from baclo_cli.study.cards import Card

GRADES = ("again", "hard", "good", "easy")  # FSRS ratings 1-4, and what a history entry records
RETENTION = 0.9  # FSRS's default target probability of recall
FIRST_DAY = datetime.date(2000, 1, 1)
# The last day a review may be dated, and the last due day ever written: far from date.max, so adding FSRS's
# longest interval (100 years) never overflows, and a due day past it is written as this day (so the state file
# always reads back what was written, whatever --today was).
LAST_DAY = datetime.date(9000, 12, 31)
STATS_DAYS = 30  # the retention window of --stats
FORECAST_DAYS = 7


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


def card_number(card_id: str) -> int:
    """A stable numeric id for FSRS (which would use the clock)."""
    from baclo_cli.text import sha1_hex

    return int(sha1_hex(card_id)[:12], 16) % 10**12


def new_memory(card_id: str) -> dict[str, Any]:
    return dict(_fsrs().Card(card_id=card_number(card_id)).to_dict())


def _step(memory: dict[str, Any] | None, card_id: str, grade: str, day: datetime.date, retention: float) -> Any:
    """One FSRS review of a card's memory state (a plain dict, as stored) on ``day``."""
    fsrs = _fsrs()
    scheduler = fsrs.Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = fsrs.Card.from_dict(memory) if memory else fsrs.Card(card_id=card_number(card_id))
    when = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.timezone.utc)
    if card.last_review is not None and when < card.last_review:
        when = card.last_review  # a review dated before the last one (--today in the past) counts as the same day
    card, _ = scheduler.review_card(card, fsrs.Rating[grade.capitalize()], review_datetime=when)
    return card.to_dict()


def replay(card_id: str, history: list[list[str]]) -> dict[str, Any]:
    """A card's FSRS memory from its answers; a fresh card if they cannot be replayed (one card, not the file)."""
    memory = None
    try:
        for day, grade in history:
            memory = _step(memory, card_id, grade, datetime.date.fromisoformat(day), RETENTION)
    except _UNREADABLE:
        memory = None
    return dict(memory) if memory is not None else new_memory(card_id)


def next_entry(
    entry: dict[str, Any] | None, card: Card, grade: str, today: datetime.date, retention: float = RETENTION
) -> dict[str, Any]:
    """The card after one answer: FSRS's new memory state and due day (at least tomorrow, at most LAST_DAY)."""
    same = entry is not None and entry.get("digest") == card.digest
    history = list((entry or {}).get("history", [])) if same else []
    try:
        memory = _step(entry.get("fsrs") if same and entry else None, card.id, grade, today, retention)
    except _UNREADABLE:  # a memory FSRS cannot read: rebuild it from the answers
        memory = _step(replay(card.id, history), card.id, grade, today, retention)
    due = max(datetime.datetime.fromisoformat(memory["due"]).date(), today + datetime.timedelta(days=1))
    return {
        "due": min(due, LAST_DAY).isoformat(),
        "digest": card.digest,
        "reviews": (entry or {}).get("reviews", 0) + 1,
        "lapses": (entry or {}).get("lapses", 0) + (1 if grade == "again" else 0),
        "last": today.isoformat(),
        "history": [*(entry or {}).get("history", []), [today.isoformat(), grade]],
        "fsrs": memory,
        **({"leitner_box": entry["leitner_box"]} if entry and "leitner_box" in entry else {}),
    }


def suspended_entry(entry: dict[str, Any] | None, card: Card, today: datetime.date) -> dict[str, Any]:
    """The card set aside from review until ``--unsuspend``; its answers and memory are kept."""
    if entry is None:
        entry = {"due": today.isoformat(), "digest": card.digest, "reviews": 0, "lapses": 0, "history": []}
        entry["fsrs"] = new_memory(card.id)
    return {**entry, "suspended": True}


GRADE_KEYS = {
    "1": "again",
    "2": "hard",
    "3": "good",
    "4": "easy",
    "a": "again",
    "h": "hard",
    "g": "good",
    "e": "easy",
    "n": "again",
    "no": "again",
    "y": "good",
    "yes": "good",
}


def parse_grade(reply: str) -> str | None:
    """again/hard/good/easy, 1-4, their first letters, or y/n (good/again); None for anything else."""
    text = reply.strip().lower()
    return text if text in GRADES else GRADE_KEYS.get(text)


def card_status(entry: dict[str, Any] | None, card: Card, today: datetime.date) -> str:
    if entry is None:
        return "new"
    if entry.get("suspended"):
        return "suspended"
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
    counts = {"new": 0, "due": 0, "waiting": 0, "changed": 0, "suspended": 0}
    for card in cards:
        counts[card_status(entries.get(card.id), card, today)] += 1
    known = {c.id for c in cards}
    days = [(today - datetime.timedelta(days=d)).isoformat() for d in range(STATS_DAYS - 1, -1, -1)]
    by_day: dict[str, list[int]] = {day: [0, 0] for day in days}  # answers, answers not 'again'
    for entry in entries.values():
        for day, grade in entry.get("history", []):
            if day in by_day:
                by_day[day][0] += 1
                by_day[day][1] += grade != "again"
    answers = sum(n for n, _ in by_day.values())
    remembered = sum(k for _, k in by_day.values())
    forecast = {(today + datetime.timedelta(days=d)).isoformat(): 0 for d in range(1, FORECAST_DAYS + 1)}
    for card in cards:
        entry = entries.get(card.id)
        if entry and card_status(entry, card, today) == "waiting" and entry["due"] in forecast:
            forecast[entry["due"]] += 1
    return {
        "cards": len(cards),
        **counts,
        "retired": sum(1 for card_id in entries if card_id not in known),
        "reviews": sum(int(e.get("reviews", 0)) for e in entries.values()),
        "retention_30_days": round(remembered / answers, 3) if answers else None,
        "forecast": forecast,
        "daily": [
            {"day": day, "answers": n, "retention": round(k / n, 3) if n else None} for day, (n, k) in by_day.items()
        ],
    }


def stats_result(
    state: dict[str, Any], cards: list[Card], today: datetime.date, path: str | os.PathLike[str]
) -> Result:
    numbers = stats(state, cards, today)
    rows: list[dict[str, Any]] = [
        {"measure": k.replace("_", " "), "value": "-" if v is None else v}
        for k, v in numbers.items()
        if k not in ("forecast", "daily")
    ]
    rows += [{"measure": f"due {day}", "value": n} for day, n in numbers["forecast"].items()]
    return Result(
        title="Review progress",
        summary=f"State file: {path}; as of {today.isoformat()}.",
        columns=["measure", "value"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "state_file": str(path), "today": today.isoformat(), **numbers},
    )
