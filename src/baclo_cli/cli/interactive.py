"""The commands that are more than one answer: validate, quiz, review, mcp and flashcards (``Command.session``
in the table; flashcards because it may write a file).

Each takes the parsed parameters and returns an exit code, like ``run.answer``; errors are written as one
line by ``run.fail``. (Imports are kept light: a scripted ``flashcards -f json`` or ``quiz -f json`` passes
through here.)
"""

from __future__ import annotations

import os
import sys

from baclo_cli.cli.run import (
    Stop,
    answer,
    fail,
    kept_name,
    load,
    output_errors,
    replay,
    say_error,
    show,
    wants_color,
)
from baclo_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, BacloError, DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

Params = dict[str, "Any"]


class interruptible:  # used as a function: "with interruptible(report):"
    """An interactive session: Ctrl-C stops it, prints the score so far and exits 130.

    The entry point makes Ctrl-C end any other command at once; here Python's own handler comes back so the
    session can say where it stopped (and a review answer being saved is finished or not written at all).
    """

    def __init__(self, report: Callable[[], None]) -> None:
        self.report = report

    def __enter__(self) -> None:
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: object) -> None:
        if isinstance(error, KeyboardInterrupt):
            try:
                print(file=sys.stdout)
                self.report()
            except (OSError, ValueError, AttributeError):
                pass
            raise Stop(EXIT_INTERRUPTED) from None


def _talk(params: Params) -> Any:
    from baclo_cli.output.render import detect_style
    from baclo_cli.output.talk import Talk

    color = detect_style(sys.stdout, color=wants_color(params)).color
    return Talk(sys.stdin, sys.stdout, color=color)


def validate(params: Params) -> int:
    from baclo_cli.cli.commands import BY_NAME
    from baclo_cli.knowledge.load import resolve_data_path

    given = params.get("file") or params.get("data")
    path = resolve_data_path(str(given) if given else None)
    from baclo_cli.knowledge import cache

    # An identity is remembered only once this code has found the bytes valid.
    known = cache.remembered_key(path, cache.fingerprint(path)) if cache.enabled() else None
    keep = kept_name(BY_NAME["validate"], params, source=path, key=known) if known else None
    replayed = replay(keep)
    if replayed is not None:
        return replayed
    if known is not None:
        from baclo_cli.answers.validation import valid_result

        return show(valid_result(path), {**params, "sources": False}, None, {}, keep=keep)
    from baclo_cli.answers.validation import validation_result
    from baclo_cli.knowledge.reader import read_bytes

    try:
        raw = read_bytes(path)
        result = validation_result(path, raw)
    except DataFileError as error:
        raise fail(error) from None
    if result.exit_code == 0:  # only a valid file's identity is remembered, so only its answer can be replayed
        keep = kept_name(BY_NAME["validate"], params, source=path, key=cache.content_key(raw))
    return show(result, {**params, "sources": False}, None, {}, keep=keep)


def quiz(params: Params) -> int:
    seed = params.get("seed")
    chosen_seed = seed if seed is not None else int.from_bytes(os.urandom(3), "big")
    from baclo_cli.cli.commands import BY_NAME

    keep = None
    if seed is not None and params.get("fmt") is not None:  # the same questions every time: kept in a pipe
        keep = kept_name(BY_NAME["quiz"], params)
        replayed = replay(keep)
        if replayed is not None:
            return replayed
    from baclo_cli.study import quiz as bank

    try:
        kb = load(params)
        topics = params.get("topic") or None
        count = params.get("count") or 10
        questions = bank.make_quiz(kb, topics, count, chosen_seed, params.get("focus") or "all")
    except BacloError as error:
        raise fail(error) from None
    if params.get("fmt") is not None:
        if seed is not None and kb.content_key:  # kept under the key of the bytes it was made from
            keep = kept_name(BY_NAME["quiz"], params, key=kb.content_key)
        numbers = kb.references.numbers()
        return show(bank.quiz_result(kb, questions, chosen_seed), params, kb.drug.last_reviewed, numbers, keep=keep)
    from baclo_cli.cli.session import QuizScore, run_quiz

    talk = _talk(params)
    score = QuizScore(len(questions))
    with output_errors(), interruptible(lambda: talk.say(score.line(stopped=True))):
        run_quiz(kb, questions, talk, score, chosen_seed)
    return 0


def review(params: Params) -> int:
    from baclo_cli.cli.commands import BY_NAME
    from baclo_cli.study.where import state_file

    path = state_file()
    keep, kept_as = None, ""  # kept_as: for a report of the state file as it is now, that file's checksum
    if params.get("show_stats") and not params.get("unsuspend"):
        kept_as = _checksum(path)
        keep = kept_name(BY_NAME["review"], params, also=(path, kept_as))
        replayed = replay(keep)
        if replayed is not None:
            return replayed
    from baclo_cli.study import cards as study
    from baclo_cli.study import scheduler, state

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
    try:
        kb = load(params)
        cards = study.make_cards(kb, params.get("topic") or None)
        saved, warning = state.load_state(path, set_aside=not params.get("show_stats"))
        if params.get("unsuspend") and not params.get("show_stats"):
            resumed = state.unsuspend_all(path, {c.id for c in cards})
            saved, _ = state.load_state(path)
            say_error(f"baclo: {resumed} suspended card{'s' if resumed != 1 else ''} back in review")
    except BacloError as error:
        raise fail(error) from None
    if warning:
        say_error(f"baclo: warning: {warning}")
        keep = None
    elif kept_as and kb.content_key:  # (what was said before an answer is not kept with it)
        # Under the key of the bytes read, and only if the state file is as it was before it was read.
        same = _checksum(path) == kept_as
        keep = kept_name(BY_NAME["review"], params, also=(path, kept_as), key=kb.content_key) if same else None
    if params.get("show_stats"):
        result = scheduler.stats_result(saved, cards, day, path)
        if (params.get("fmt") or "table") == "table" and sys.stdout.isatty():
            import shutil

            from baclo_cli.output.talk import progress_charts

            width = max(8, min(30, shutil.get_terminal_size((80, 24)).columns - 32))
            result.rows = [row for row in result.rows if not str(row["measure"]).startswith("due ")]
            result.notes = ["", *progress_charts(result.payload, width=width)]
        return show(result, params, kb.drug.last_reviewed, {}, keep=keep)
    from baclo_cli.cli.session import ReviewTally, run_review

    talk = _talk(params)
    tally = ReviewTally()
    try:
        with output_errors(), interruptible(lambda: talk.say(tally.line(stopped=True))):
            warnings = run_review(
                kb,
                cards,
                saved,
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


def _checksum(path: str) -> str:
    """The file's bytes summed (cheaply, as the cache sums), or what stands in for it when it cannot be read."""
    from baclo_cli.knowledge import cache

    try:
        with open(path, "rb") as handle:
            return str(cache.digest(handle.read()).hexdigest())
    except OSError as error:
        return f"unreadable {error.errno}"


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


def flashcards(params: Params) -> int:
    """The cards in a text format (like any answer), or ``-f apkg -o FILE``: an Anki package, a binary file,
    so only to a file. ``-o`` writes any format to a file instead of stdout."""
    from baclo_cli.cli.commands import BY_NAME
    from baclo_cli.errors import BadValue

    fmt, output = params.get("fmt"), params.get("output")
    if fmt == "apkg" and not output:
        raise fail(BadValue("-f apkg writes a binary Anki package: name the file with -o, e.g. -o baclo.apkg"))
    if not output:
        return answer(BY_NAME["flashcards"], params)
    from pathlib import Path

    from baclo_cli.study import cards as study

    path = Path(output)
    try:
        _check_target(path)
        kb = load(params)
        deck = study.check_deck(params.get("deck") or "baclo")
        cards = study.make_cards(kb, params.get("topic") or None)
        if fmt == "apkg":
            from baclo_cli.output.anki_package import write_package

            written = write_package(cards, deck, path, lambda card: study.sources_line(kb, card.refs))
        else:
            written = _write_text(study.flashcards_result(kb, cards, deck), fmt or "tsv", path, params)
    except BacloError as error:
        raise fail(error) from None
    say_error(f"baclo: wrote {written} cards to {path}")
    return 0


def _check_target(path: Any) -> None:
    """Only a regular file is replaced (written beside it, then renamed): never a folder, a device or a pipe."""
    import stat

    from baclo_cli.errors import BadValue

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        raise BadValue(f"--output {path} is not a regular file; name a file to write")


def _write_text(result: Any, fmt: str, path: Any, params: Params) -> int:
    """A text format to a file, written beside it and renamed into place."""
    from baclo_cli.knowledge.files import replace_file
    from baclo_cli.output.anki_package import PackageWriteError
    from baclo_cli.output.render import Style, render

    style = Style(is_terminal=False, color=False, width=None, ascii_only=False)
    text = render(result, fmt, style=style, sources=bool(params.get("sources")), numbers={}, notice="")

    def fill(fd: int, _: str) -> None:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)

    try:
        replace_file(path, fill)
    except OSError as error:
        raise PackageWriteError(path, error) from None
    return len(result.rows)


def help_command(params: Params) -> int:
    """``baclo help [COMMAND]``: the same text as ``baclo COMMAND --help`` (or ``baclo --help``, with the
    shortcut words after it)."""
    from baclo_cli.cli.commands import BY_NAME, COMMANDS
    from baclo_cli.cli.help import answer

    name = params.get("command")
    if name and name not in BY_NAME:
        from baclo_cli.text import did_you_mean

        hint = did_you_mean(name, [c.name for c in COMMANDS]) or "; 'baclo help' lists the commands"
        raise fail(BacloError(f"no command '{name}'{hint}"))
    code = answer([name, "--help"] if name else ["--help"])
    if code is None:  # pragma: no cover - the help forms are always answered
        return 2
    if not name:
        shortcuts = ", ".join(c.name for c in COMMANDS if c.hidden)
        with output_errors():
            sys.stdout.write(f"\nShortcuts (a view of one topic; 'baclo help WORD' says which): {shortcuts}.\n")
    return code


SESSIONS: dict[str, Callable[[Params], int]] = {
    "validate": validate,
    "quiz": quiz,
    "review": review,
    "flashcards": flashcards,
    "mcp": mcp,
    "help": help_command,
}
