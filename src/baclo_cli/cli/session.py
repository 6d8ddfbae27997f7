"""Interactive study sessions (quiz, review): the flow of questions, answers and the score.

The questions and the scheduling come from the study layer; ``output.talk`` asks on a terminal with Rich or
reads answers line by line.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output.talk import Talk
from baclo_cli.study.cards import LETTERS, Card, Question
from baclo_cli.study.scheduler import RETENTION, card_status, due_cards, parse_grade, record_answer


def _source_line(kb: Knowledge, refs: tuple[str, ...]) -> str:
    parts = [f"[{kb.references[r].number}] {kb.references[r].title}" for r in refs if r in kb.references]
    return "Source: " + "; ".join(parts)


class QuizScore:
    def __init__(self, total: int) -> None:
        self.total = total
        self.asked = 0
        self.right = 0

    def line(self, stopped: bool = False) -> str:
        """The score; ``stopped`` when the session ended early (Ctrl-C, or no more answers on stdin)."""
        pct = round(100 * self.right / self.asked) if self.asked else 0
        if stopped:
            return f"Stopped. Score so far: {self.right}/{self.asked} ({pct}%) of {self.total} questions."
        return f"Score: {self.right}/{self.total} ({pct}%)"


def run_quiz(kb: Knowledge, questions: list[Question], talk: Talk, score: QuizScore, seed: int) -> None:
    """Ask every question with feedback; ``score`` is updated as it goes (so Ctrl-C can report it)."""
    talk.say(f"Quiz: {len(questions)} questions (seed {seed}; rerun with --seed {seed} for the same quiz).", "bold")
    for number, question in enumerate(questions, start=1):
        talk.say()
        talk.say(f"{number}. {question.prompt}", "bold")
        for i, choice in enumerate(question.choices):
            talk.say(f"   {LETTERS[i]}) {choice}")
        hint = f"Answer ({'/'.join(LETTERS[: len(question.choices)])}):" if question.choices else "Answer:"
        reply = talk.ask(hint)
        if reply is None:  # input ended (closed stdin, end of a piped answer file): stop with the score so far
            talk.say()
            talk.say(score.line(stopped=True), "bold")
            return
        score.asked += 1
        if question.is_correct(reply):
            score.right += 1
            talk.say("Correct.", "green")
        else:
            shown = f"{question.answer_letter}) {question.answer}" if question.choices else question.answer
            talk.say(f"Not quite: the answer is {shown}.", "red")
        talk.say(f"Fact: {question.explanation}", "dim")
        talk.say(_source_line(kb, question.refs), "dim")
    talk.say()
    talk.say(score.line(), "bold")


class ReviewTally:
    def __init__(self) -> None:
        self.seen = 0
        self.known = 0

    def line(self, stopped: bool = False) -> str:
        prefix = "Stopped. " if stopped else ""
        return f"{prefix}Reviewed {self.seen} cards, knew {self.known}."


def run_review(
    kb: Knowledge,
    cards: list[Card],
    state: dict[str, Any],
    talk: Talk,
    tally: ReviewTally,
    *,
    path: Path,
    today: datetime.date,
    new_limit: int,
    limit: int,
    retention: float = RETENTION,
) -> list[str]:
    """Show due cards; save each answer at once. Returns warnings (e.g. a corrupt state file set aside)."""
    queue = due_cards(state, cards, today, new_limit)[: max(limit, 0)]
    warnings: list[str] = []
    if not queue:
        waiting = [e["due"] for c in cards if (e := state["cards"].get(c.id))]
        nxt = f" Next due {min(waiting)}." if waiting else ""
        talk.say(f"Nothing to review today ({today.isoformat()}).{nxt}")
        return warnings
    talk.say(f"Review: {len(queue)} cards (FSRS, target retention {retention:.0%}).", "bold")
    for card in queue:
        entry = state["cards"].get(card.id)
        status = card_status(entry, card, today)
        talk.say()
        label = {"changed": " (changed since last review)", "new": " (new)"}.get(status, "")
        talk.say(f"{card.front}{label}", "bold")
        if talk.interactive and talk.ask("Press Enter to show the answer") is None:
            break
        talk.say(f"  {card.back}")
        reply = talk.ask("How well did you know it? again(1) hard(2) good(3) easy(4), or y/n:")
        if reply is None:
            break
        grade = parse_grade(reply)
        if grade is None:
            talk.say(f"  '{reply.strip()[:20]}' read as again.", "dim")
            grade = "again"
        knew = grade != "again"
        new_entry, warning = record_answer(path, card, grade, today, retention)
        state["cards"][card.id] = new_entry
        if warning:
            warnings.append(warning)
        tally.seen += 1
        tally.known += int(knew)
        stability = (new_entry.get("fsrs") or {}).get("stability") or 0
        talk.say(f"  -> {grade}; due {new_entry['due']} (stability {stability:.1f} days)", "dim")
    talk.say()
    talk.say(tally.line(), "bold")
    return warnings
