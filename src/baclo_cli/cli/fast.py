"""The fast dispatcher: answer the plain forms of the read-only commands without importing Typer.

It reads the same command table as the Typer app and accepts only argument lists it fully understands: known
options in any spelling Click accepts, values of the right type and range, the right number of words. For
anything else (an unknown name, a missing value, a value that starts with ``-``, a question-asking session)
it returns None and the caller hands the whole list to Typer unchanged, so error messages stay Typer's.
``--help`` and ``--version`` are answered by ``cli.help`` (help text cached from Typer, keyed like the
knowledge cache). A differential test checks both paths give the same bytes and exit code.
"""

from __future__ import annotations

import math
import os

from baclo_cli.cli.commands import BY_NAME, COMMANDS, OUTPUT, Command, Opt, find_option, merge
from baclo_cli.text import path_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Parsed = tuple[Command, dict[str, "Any"]]


def _convert(option: Opt, text: str) -> Any:
    """The value as Typer would give it, or raise ValueError where Typer might differ."""
    # A value may start with '-' (Click takes the next word as the value whatever it looks like).
    if option.kind == "choice":
        for choice in option.choices:  # Typer's choices ignore case and give the choice as written in the table
            if text.lower() == choice.lower():
                return choice
        raise ValueError(text)
    number: float
    if option.kind in ("int", "float") and "_" in text:
        raise ValueError(text)  # Python reads '1_0' as 10; Typer is told to refuse it
    if option.kind == "int":
        if not text.strip().lstrip("-").isdigit() or text != text.strip():
            raise ValueError(text)
        number = int(text)
    elif option.kind == "float":
        if text != text.strip() or not text:
            raise ValueError(text)
        number = float(text)
        if not math.isfinite(number) and text.strip().lower() not in ("inf", "-inf", "nan", "infinity"):
            raise ValueError(text)
    elif option.kind == "path":
        return as_path(text)
    else:
        return text
    if text.startswith("-") and not text[1:2].isdigit():
        raise ValueError(text)
    if (option.low is not None and number < option.low) or (option.high is not None and number > option.high):
        raise ValueError(text)
    return number


def as_path(text: str) -> Any:
    """A path option as Typer gives it (a ``Path``: '' becomes '.', 'a//b/./' becomes 'a/b'); on POSIX its
    text worked out by pathlib's own rules, without importing pathlib (and the re and fnmatch it loads)."""
    if os.name != "posix":
        from pathlib import Path

        return Path(text)
    return path_text(text)


def _option_value(option: Opt, value: str | None, target: dict[str, Any]) -> bool:
    """Store ``value`` for ``option`` as Typer would; False where the fast path cannot be sure."""
    if value is None:
        return False
    try:
        converted = _convert(option, value)
    except (ValueError, OverflowError):
        return False
    if option.kind == "multi":
        target.setdefault(option.dest, []).append(converted)
    else:
        target[option.dest] = converted
    return True


def parse(argv: list[str]) -> Parsed | None:
    """(command, parameters) for an argument list the fast path fully understands, else None.

    It accepts the spellings Click accepts: options before or after the command name and in any order,
    ``--opt=value``, ``-fVALUE``, bundled short flags (``-sf json``), ``--`` before words that start with '-'.
    """
    command: Command | None = None
    given: dict[str, Any] = {}  # output options before the command name
    params: dict[str, Any] = {}
    words: list[str] = []
    args = iter(argv)
    for token in args:
        if token == "--":
            if command is None:
                return None
            words.extend(args)
            break
        if token.startswith("-") and token != "-":
            if token in ("-h", "--help", "--version"):
                return None
            options = OUTPUT if command is None else (*command.options, *OUTPUT)
            target = given if command is None else params
            if token.startswith("--"):
                name, equals, attached = token.partition("=")
                option = find_option(options, name)
                if option is None or (equals and option.kind == "flag"):
                    return None
                if option.kind == "flag":
                    target[option.dest] = True
                elif not _option_value(option, attached if equals else next(args, None), target):
                    return None
                continue
            for i in range(1, len(token)):  # -s, -sf json, -fjson
                option = find_option(options, "-" + token[i])
                if option is None:
                    return None
                if option.kind == "flag":
                    target[option.dest] = True
                    continue
                attached = token[i + 1 :]
                if not _option_value(option, attached if attached else next(args, None), target):
                    return None
                break
        elif command is None:
            command = BY_NAME.get(token)
            if command is None:
                return None
        else:
            words.append(token)
    command = command or BY_NAME["overview"]
    asked = any(given.get(k) or params.get(k) for k in command.interactive_unless)
    if command.interactive or (command.interactive_unless and not asked):
        return None  # a session that asks questions: Typer's path, which puts Python's Ctrl-C handler back
    values = merge(command, given, params)
    if not _place_words(command, words, values):
        return None
    return command, values


def _place_words(command: Command, words: list[str], values: dict[str, Any]) -> bool:
    queue = list(words)
    for arg in command.args:
        if arg.many:
            if arg.required and not queue:
                return False
            values[arg.dest], queue = queue, []
        elif queue:
            values[arg.dest] = queue.pop(0)
        elif arg.required:
            return False
    return not queue


def run(argv: list[str]) -> int | None:
    """The exit code of a run the fast path answered, or None: hand ``argv`` to Typer."""
    from baclo_cli.cli.help import answer as help_or_version

    code = help_or_version(argv)
    if code is not None:
        return code
    parsed = parse(argv)
    if parsed is None:
        return None
    from baclo_cli.cli.run import run as execute

    command, params = parsed
    return execute(command, params)


__all__ = ["COMMANDS", "parse", "run"]
