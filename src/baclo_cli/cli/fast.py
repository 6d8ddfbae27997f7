"""The fast dispatcher: answer the plain forms of the read-only commands without importing Typer.

It reads the same command table as the Typer app and accepts only argument lists it fully understands: known
options spelled exactly as in the table, values of the right type and range, the right number of words. For
anything else (``--help``, ``--opt=value``, bundled short options, an unknown name, a missing value, a value
that starts with ``-``) it returns None and the caller hands the whole list to Typer unchanged, so help and
error messages stay Typer's. A differential test checks both paths give the same bytes and exit code.
"""

from __future__ import annotations

import math

from baclo_cli.cli.commands import BY_NAME, COMMANDS, OUTPUT, Command, Opt, defaults, find_option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Parsed = tuple[Command, dict[str, "Any"]]


def _convert(option: Opt, text: str) -> Any:
    """The value as Typer would give it, or raise ValueError where Typer might differ."""
    if text.startswith("-") and option.kind not in ("int", "float"):
        raise ValueError(text)  # Click may read it as an option: let Typer decide
    if option.kind == "choice":
        if text not in option.choices:
            raise ValueError(text)
        return text
    number: float
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
        from pathlib import Path

        return Path(text)  # as Typer gives it: '' becomes '.', a folder
    else:
        return text
    if text.startswith("-") and not text[1:2].isdigit():
        raise ValueError(text)
    if (option.low is not None and number < option.low) or (option.high is not None and number > option.high):
        raise ValueError(text)
    return number


def parse(argv: list[str]) -> Parsed | None:
    """(command, parameters) for an argument list the fast path fully understands, else None."""
    command: Command | None = None
    given: dict[str, Any] = {}  # output options before the command name
    params: dict[str, Any] = {}
    words: list[str] = []
    args = iter(argv)
    for token in args:
        if token.startswith("-") and token != "-":
            if token in ("-h", "--help", "--version", "--") or "=" in token:
                return None
            options = OUTPUT if command is None else (*command.options, *OUTPUT)
            option = find_option(options, token)
            if option is None:
                return None
            target = given if command is None else params
            if option.kind == "flag":
                target[option.dest] = True
                continue
            value = next(args, None)
            if value is None:
                return None
            try:
                converted = _convert(option, value)
            except (ValueError, OverflowError):
                return None
            if option.kind == "multi":
                target.setdefault(option.dest, []).append(converted)
            else:
                target[option.dest] = converted
        elif command is None:
            found = BY_NAME.get(token)
            if found is None or not found.fast:
                return None
            command = found
        else:
            words.append(token)
    command = command or BY_NAME["overview"]
    values = defaults(command)
    values.update({k: v for k, v in given.items() if v is not None})
    values.update(params)
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
    parsed = parse(argv)
    if parsed is None:
        return None
    from baclo_cli.cli.run import run as execute

    command, params = parsed
    return execute(command, params)


__all__ = ["COMMANDS", "parse", "run"]
