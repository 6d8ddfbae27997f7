"""Interactive study sessions (quiz, review): the flow of questions, answers and the score.

The questions and the scheduling come from the study layer; ``output.talk`` asks on a terminal with Rich or
reads answers line by line. A slip costs nothing: a reply that is not an answer (or a grade) is asked again
with the valid keys and not counted, ``q`` ends the session (every review answer is saved as it is given),
and in a review ``u`` takes back the last grade on disk and ``s`` suspends a card. From a pipe, a run of
replies that are not answers ends the session, so an endless stream of junk cannot keep it going.
"""

from __future__ import annotations

import datetime
from typing import Any

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output.talk import Talk
from baclo_cli.study.quiz import LETTERS, Question

TYPE_CHECKING = False
if TYPE_CHECKING:
    from baclo_cli.study.cards import Card

# The review's modules (scheduler, state file) are imported by the review alone: a quiz does not pay for them.

QUIT = ("q", "quit")
MAX_INVALID = 5  # replies in a row that are not answers before a session from a pipe ends
MAX_RELEARN = 2  # times a card graded 'again' comes back in one session
RELEARN_GAP = 3  # cards shown before a card graded 'again' comes back


class Stopped(Exception):
    """The session ends early: input ended, ``q``, or too many replies that were not answers."""


def _source_line(kb: Knowledge, refs: tuple[str, ...]) -> str:
    parts = [f"[{kb.references[r].number}] {kb.references[r].title}" for r in refs if r in kb.references]
    return "Source: " + "; ".join(parts)


def _ask(talk: Talk, prompt: str, valid: str, read: Any) -> tuple[str, Any]:
    """Ask until the reply is valid: returns ('quit', None) or ('answer', what ``read`` made of it)."""
    invalid = 0
    while True:
        reply = talk.ask(prompt)
        if reply is None:
            raise Stopped
        if reply.strip().lower() in QUIT:
            return "quit", None
        value = read(reply)
        if value is not None:
            return "answer", value
        invalid += 1
        if not talk.interactive and invalid >= MAX_INVALID:
            talk.say(f"  {MAX_INVALID} replies in a row were not answers; stopping.", "dim")
            raise Stopped
        talk.say(f"  Not an answer: type {valid} (q quits).", "yellow")


class QuizScore:
    def __init__(self, total: int) -> None:
        self.total = total
        self.asked = 0
        self.right = 0

    def line(self, stopped: bool = False) -> str:
        """The score; ``stopped`` when the session ended early (Ctrl-C, q, or no more answers on stdin)."""
        pct = round(100 * self.right / self.asked) if self.asked else 0
        if stopped:
            return f"Stopped. Score so far: {self.right}/{self.asked} ({pct}%) of {self.total} questions."
        return f"Score: {self.right}/{self.total} ({pct}%)"


def _hint(question: Question) -> tuple[str, str]:
    if question.kind == "multi":
        return f"Answer (all that apply, e.g. ac; {question.keys}):", f"one or more of {question.keys}"
    if question.choices:
        return f"Answer ({question.keys}):", question.keys.replace("/", ", ")
    return "Answer:", "an answer"


def run_quiz(kb: Knowledge, questions: list[Question], talk: Talk, score: QuizScore, seed: int) -> None:
    """Ask every question with feedback; ``score`` is updated as it goes (so Ctrl-C can report it)."""
    talk.say(f"Quiz: {len(questions)} questions (seed {seed}; rerun with --seed {seed} for the same quiz).", "bold")
    for number, question in enumerate(questions, start=1):
        talk.say()
        talk.say(f"{number}. {question.prompt}", "bold")
        for i, choice in enumerate(question.choices):
            talk.say(f"   {LETTERS[i]}) {choice}")
        prompt, valid = _hint(question)
        try:
            what, answer = _ask(talk, prompt, valid, question.read)
        except Stopped:
            what = "quit"
        if what == "quit":
            talk.say()
            talk.say(score.line(stopped=True), "bold")
            return
        score.asked += 1
        if question.is_correct(answer):
            score.right += 1
            talk.say("Correct.", "green")
        else:
            right = [f"{LETTERS[i]}) {c}" for i, c in enumerate(question.choices) if c in question.answers]
            shown = "; ".join(right) if right else question.answer
            talk.say(f"Not quite: the answer is {shown}.", "red")
        talk.say(f"Fact: {question.explanation}", "dim")
        talk.say(_source_line(kb, question.refs), "dim")
    talk.say()
    talk.say(score.line(), "bold")


# --- review --------------------------------------------------------------------------------------------------


class ReviewTally:
    def __init__(self) -> None:
        self.seen = 0
        self.known = 0

    def line(self, stopped: bool = False) -> str:
        prefix = "Stopped. " if stopped else ""
        return f"{prefix}Reviewed {self.seen} cards, knew {self.known}."


GRADE_PROMPT = "How well did you know it? again(1) hard(2) good(3) easy(4), y/n; u undo, s suspend, q quit:"
GRADE_KEYS = "1-4, again/hard/good/easy, y or n; u to undo, s to suspend"


def _read_grade(reply: str) -> str | None:
    from baclo_cli.study.scheduler import parse_grade

    text = reply.strip().lower()
    if text in ("u", "undo"):
        return "undo"
    if text in ("s", "suspend"):
        return "suspend"
    return parse_grade(text)


class _Done:
    """One change made this session, so ``u`` can take it back."""

    def __init__(self, card: Card, before: dict[str, Any] | None, after: dict[str, Any], grade: str) -> None:
        self.card = card
        self.before = before
        self.after = after
        self.grade = grade


class Review:
    """A review session: a queue of cards, each answer saved at once, and the changes that ``u`` can undo."""

    def __init__(
        self,
        kb: Knowledge,
        cards: list[Card],
        state: dict[str, Any],
        talk: Talk,
        tally: ReviewTally,
        *,
        path: str,
        today: datetime.date,
        retention: float,
    ) -> None:
        self.kb = kb
        self.cards = cards
        self.state = state
        self.talk = talk
        self.tally = tally
        self.path = path
        self.today = today
        self.retention = retention
        self.done: list[_Done] = []
        self.relearned: dict[str, int] = {}
        self.warnings: list[str] = []

    def _save(self, card: Card, change: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        from baclo_cli.study.state import change_card

        before, after, warning = change_card(self.path, card.id, change)
        if warning:
            self.warnings.append(warning)
        assert after is not None
        self.state["cards"][card.id] = after
        return before, after

    def grade(self, card: Card, grade: str) -> dict[str, Any]:
        from baclo_cli.study.scheduler import next_entry

        before, after = self._save(card, lambda entry: next_entry(entry, card, grade, self.today, self.retention))
        self.done.append(_Done(card, before, after, grade))
        self.tally.seen += 1
        self.tally.known += int(grade != "again")
        return after

    def suspend(self, card: Card) -> None:
        from baclo_cli.study.scheduler import suspended_entry

        before, after = self._save(card, lambda entry: suspended_entry(entry, card, self.today))
        self.done.append(_Done(card, before, after, "suspend"))

    def undo(self) -> _Done | None:
        """Put the last change back as it was on disk; None if there is none or another session changed the
        card since (its answer is not ours to take back)."""
        if not self.done:
            self.talk.say("  Nothing to undo.", "yellow")
            return None
        last = self.done[-1]
        conflict = []

        def restore(entry: dict[str, Any] | None) -> dict[str, Any] | None:
            if entry != last.after:
                conflict.append(True)
                return entry
            return last.before

        from baclo_cli.study.state import change_card

        _, after, warning = change_card(self.path, last.card.id, restore)
        if warning:
            self.warnings.append(warning)
        if conflict:
            self.talk.say("  Cannot undo: another session has answered that card since.", "yellow")
            return None
        self.done.pop()
        if after is None:
            self.state["cards"].pop(last.card.id, None)
        else:
            self.state["cards"][last.card.id] = after
        if last.grade != "suspend":
            self.tally.seen -= 1
            self.tally.known -= int(last.grade != "again")
        self.talk.say(f"  Undone: {last.grade} for '{last.card.front}'.", "dim")
        return last

    def run(self, queue: list[Card]) -> None:
        from baclo_cli.study.scheduler import card_status

        talk = self.talk
        while queue:
            card = queue.pop(0)
            entry = self.state["cards"].get(card.id)
            status = card_status(entry, card, self.today)
            talk.say()
            label = {"changed": " (changed since last review)", "new": " (new)"}.get(status, "")
            if self.relearned.get(card.id):
                label = " (again, same day)"
            talk.say(f"{card.front}{label}", "bold")
            if talk.interactive:
                what, key = _ask(talk, "Press Enter to show the answer (u undo, s suspend, q quit):",
                                 "Enter, u, s or q", _reveal)  # fmt: skip
                if what == "quit":
                    raise Stopped
                if key in ("undo", "suspend") and self._act(key, card, queue):
                    continue
            talk.say(f"  {card.back}")
            while True:
                what, key = _ask(talk, GRADE_PROMPT, GRADE_KEYS, _read_grade)
                if what == "quit":
                    raise Stopped
                if key in ("undo", "suspend"):
                    if self._act(key, card, queue):
                        break
                    continue
                after = self.grade(card, key)
                stability = (after.get("fsrs") or {}).get("stability") or 0
                talk.say(f"  -> {key}; due {after['due']} (stability {stability:.1f} days)", "dim")
                if key == "again" and self.relearned.get(card.id, 0) < MAX_RELEARN:
                    self.relearned[card.id] = self.relearned.get(card.id, 0) + 1
                    queue.insert(min(RELEARN_GAP, len(queue)), card)
                    talk.say("  You will see it again in this session.", "dim")
                break

    def _act(self, key: str, card: Card, queue: list[Card]) -> bool:
        """``u`` or ``s`` on ``card``; True when the session moves on (to the undone card, or the next one)."""
        if key == "suspend":
            self.suspend(card)
            self.talk.say("  Suspended: it will not come up until 'baclo review --unsuspend'.", "dim")
            return True
        undone = self.undo()
        if undone is None:
            return False
        queue[:] = [c for c in queue if c.id != undone.card.id]
        if undone.grade == "again" and self.relearned.get(undone.card.id):
            self.relearned[undone.card.id] -= 1
        queue.insert(0, card)
        if undone.card.id != card.id:
            queue.insert(0, undone.card)
        return True


def _reveal(reply: str) -> str | None:
    text = reply.strip().lower()
    if not text:
        return "show"
    return {"u": "undo", "undo": "undo", "s": "suspend", "suspend": "suspend"}.get(text)


def run_review(
    kb: Knowledge,
    cards: list[Card],
    state: dict[str, Any],
    talk: Talk,
    tally: ReviewTally,
    *,
    path: str,
    today: datetime.date,
    new_limit: int,
    limit: int,
    retention: float,
) -> list[str]:
    """Show due cards; save each answer at once. Returns warnings (e.g. a corrupt state file set aside)."""
    from baclo_cli.study.scheduler import due_cards

    queue = due_cards(state, cards, today, new_limit)[: max(limit, 0)]
    if not queue:
        waiting = [e["due"] for c in cards if (e := state["cards"].get(c.id)) and not e.get("suspended")]
        nxt = f" Next due {min(waiting)}." if waiting else ""
        talk.say(f"Nothing to review today ({today.isoformat()}).{nxt}")
        return []
    talk.say(f"Review: {len(queue)} cards (FSRS, target retention {retention:.0%}).", "bold")
    session = Review(kb, cards, state, talk, tally, path=path, today=today, retention=retention)
    try:
        session.run(queue)
    except Stopped:
        talk.say()
        talk.say(tally.line(stopped=True), "bold")
        return session.warnings
    talk.say()
    talk.say(tally.line(), "bold")
    return session.warnings
