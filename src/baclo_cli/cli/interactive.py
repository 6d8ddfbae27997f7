"""The commands that are more than one answer: validate, quiz and review (``Command.session`` in the table).

Each takes the parsed parameters and returns an exit code, like ``execute.answer``; errors are written as
one line by ``execute.fail``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from baclo_cli.cli.run import Stop, fail, load, output_errors, say_error, show, wants_color
from baclo_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, BacloError, DataFileError

Params = dict[str, Any]


@contextmanager
def interruptible(report: Callable[[], None]) -> Iterator[None]:
    """An interactive session: Ctrl-C stops it, prints the score so far and exits 130.

    The entry point makes Ctrl-C end any other command at once; here Python's own handler comes back so the
    session can say where it stopped (and a review answer being saved is finished or not written at all).
    """
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        with suppress(OSError, ValueError, AttributeError):
            print(file=sys.stdout)
            report()
        raise Stop(EXIT_INTERRUPTED) from None


def _talk(params: Params) -> Any:
    from baclo_cli.output.render import detect_style
    from baclo_cli.output.talk import Talk

    color = detect_style(sys.stdout, color=wants_color(params)).color
    return Talk(sys.stdin, sys.stdout, color=color)


def validate(params: Params) -> int:
    from baclo_cli.answers.validation import validation_result
    from baclo_cli.knowledge.load import resolve_data_path

    given = params.get("file") or params.get("data")
    path = resolve_data_path(str(given) if given else None)
    try:
        result = validation_result(path)
    except DataFileError as error:
        raise fail(error) from None
    return show(result, {**params, "sources": False}, None, {})


def quiz(params: Params) -> int:
    from baclo_cli.study import cards as study

    seed = params.get("seed")
    chosen_seed = seed if seed is not None else int.from_bytes(os.urandom(3), "big")
    try:
        kb = load(params)
        questions = study.make_quiz(kb, params.get("topic") or None, params.get("count") or 10, chosen_seed)
    except BacloError as error:
        raise fail(error) from None
    if params.get("fmt") is not None:
        numbers = kb.references.numbers()
        return show(study.quiz_result(kb, questions, chosen_seed), params, kb.drug.last_reviewed, numbers)
    from baclo_cli.cli.session import QuizScore, run_quiz

    talk = _talk(params)
    score = QuizScore(len(questions))
    with output_errors(), interruptible(lambda: talk.say(score.line(stopped=True))):
        run_quiz(kb, questions, talk, score, chosen_seed)
    return 0


def review(params: Params) -> int:
    from baclo_cli.cli.session import ReviewTally, run_review
    from baclo_cli.study import cards as study
    from baclo_cli.study import scheduler

    today = params.get("today")
    try:
        day = scheduler.parse_day(today)
    except ValueError:
        raise fail(
            BacloError(f"--today takes a date written YYYY-MM-DD between 2000-01-01 and 9000-12-31, got '{today}'")
        ) from None
    retention = params.get("retention") or scheduler.RETENTION
    if not 0.7 <= retention <= 0.99:  # NaN passes Click's range check; it fails this one
        raise fail(BacloError(f"--retention takes a probability from 0.7 to 0.99, got {retention}"))
    path = scheduler.state_path()
    try:
        kb = load(params)
        cards = study.make_cards(kb, params.get("topic") or None)
        state, warning = scheduler.load_state(path, set_aside=not params.get("show_stats"))
    except BacloError as error:
        raise fail(error) from None
    if warning:
        say_error(f"baclo: warning: {warning}")
    if params.get("show_stats"):
        return show(scheduler.stats_result(state, cards, day, path), params, kb.drug.last_reviewed, {})
    talk = _talk(params)
    tally = ReviewTally()
    try:
        with output_errors(), interruptible(lambda: talk.say(tally.line(stopped=True))):
            warnings = run_review(
                kb,
                cards,
                state,
                talk,
                tally,
                path=path,
                today=day,
                new_limit=params["new"],
                limit=params["limit"],
                retention=retention,
            )
    except BacloError as error:  # progress could not be saved: every answer before this one was
        raise fail(error) from None
    for message in warnings:
        say_error(f"baclo: warning: {message}")
    return 0


INSTALL_MCP = "pip install 'baclo[mcp]'"


def mcp(params: Params) -> int:
    """Serve the answers over the Model Context Protocol; the SDK is an optional extra, loaded only here."""
    try:
        from baclo_cli.cli import mcp_server
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("baclo_cli"):
            raise
        say_error(f"baclo: 'baclo mcp' needs the MCP SDK (no module '{error.name}'); install it with: {INSTALL_MCP}")
        raise Stop(EXIT_USAGE) from None
    return mcp_server.serve(params)


SESSIONS: dict[str, Callable[[Params], int]] = {"validate": validate, "quiz": quiz, "review": review, "mcp": mcp}
