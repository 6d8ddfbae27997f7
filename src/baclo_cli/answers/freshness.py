"""How old the knowledge file's review is: for ``--version`` and the note a terminal user sees once it is stale.

A reference that is not re-read goes out of date; saying how old it is costs one line. Pure functions of the
review date and today's date.
"""

from __future__ import annotations

import datetime

STALE_AFTER_YEARS = 1  # a review older than this gets the note (on a terminal, never in a pipe)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def age_in_words(days: int) -> str:
    """``today``, ``1 day ago``, ``45 days ago``, ``7 months ago``, ``3 years ago``."""
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} in the future"
    if days == 0:
        return "today"
    if days < 60:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 730:
        return f"{days * 12 // 365} months ago"
    return f"{days // 365} years ago"


def is_stale(reviewed: datetime.date, today: datetime.date) -> bool:
    """More than a year old: today is past the review's anniversary (29 February counts from 28 February)."""
    try:
        anniversary = reviewed.replace(year=reviewed.year + STALE_AFTER_YEARS)
    except ValueError:
        anniversary = reviewed.replace(year=reviewed.year + STALE_AFTER_YEARS, day=28)
    return today > anniversary


def review_age(reviewed: str, today: datetime.date | None = None) -> str:
    """``2026-11-29, 1 day ago`` (and ``: over a year old`` once stale); the date alone if it cannot be read."""
    when = _date(reviewed)
    if when is None:
        return reviewed
    today = today or datetime.date.today()
    text = f"{reviewed}, {age_in_words((today - when).days)}"
    return text + ": over a year old" if is_stale(when, today) else text


def stale_note(reviewed: str, today: datetime.date | None = None) -> str:
    """One line for stderr when the review is over a year old, else empty."""
    when = _date(reviewed)
    today = today or datetime.date.today()
    if when is None or not is_stale(when, today):
        return ""
    return (
        f"baclo: note: the knowledge file was last reviewed {reviewed} ({age_in_words((today - when).days)}); "
        "labels and evidence may have changed since (BACLO_NO_STALE_NOTE=1 hides this note)"
    )
