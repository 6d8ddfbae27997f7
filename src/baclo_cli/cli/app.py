"""The Typer app, built from the command table: help, completion, errors, and the interactive commands.

No command or option is written here: each comes from ``commands.COMMANDS``, and every run ends in
``execute.run``, the same function the fast dispatcher calls. No facts, no formatting.
"""

from __future__ import annotations

import inspect
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

import typer

from baclo_cli.cli.commands import BY_NAME, COMMANDS, ENVIRONMENT, EXIT_CODES, OUTPUT, Arg, Command, Opt, merge
from baclo_cli.cli.run import internal_error, run, say_error, silence_stdout
from baclo_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, EXIT_WRITE

_APP_SETTINGS: dict[str, Any] = {
    "name": "baclo",
    "add_completion": True,  # --install-completion, --show-completion (bash, zsh, fish, PowerShell)
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    # Summaries and option help use the terminal's width, up to 200 columns (Click's default stops at 80).
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 200},
    "no_args_is_help": False,
    "invoke_without_command": True,
}


def _completer(dest: str) -> Any:
    """Shell completion for values that come from the knowledge file (topics, terms, fields, commands)."""
    from baclo_cli.cli import completion

    return completion.COMPLETERS.get(dest)


def _option(option: Opt, *, output: bool) -> inspect.Parameter:
    """A table option as a Typer parameter. Output options default to None: 'not given here'."""
    shown_default = option.default is not None and option.kind != "flag" and not output
    kwargs: dict[str, Any] = {"help": option.help, "show_default": shown_default}
    completer = _completer(option.dest)
    if completer:
        kwargs["autocompletion"] = completer
    if option.kind == "choice":  # help shows the choices: --route [oral|intrathecal]
        kwargs["metavar"] = "[" + "|".join(option.choices) + "]"
    elif option.metavar and option.kind != "flag":
        kwargs["metavar"] = option.metavar
    annotation: Any
    default: Any = option.default
    if option.kind == "flag":
        annotation, default = (bool | None, None) if output else (bool, False)
    elif option.kind == "choice":
        choices = Enum(option.dest.title().replace("_", ""), [(c, c) for c in option.choices], type=str)  # type: ignore[misc]
        annotation = choices | None
        kwargs["case_sensitive"] = False
        if default is not None:
            default = choices(default)
    elif option.kind == "int":
        annotation = int | None if default is None else int
        kwargs["click_type"] = _strict_number(int, option)
    elif option.kind == "float":
        annotation = float | None if default is None else float
        kwargs["click_type"] = _strict_number(float, option)
    elif option.kind == "path":
        annotation = Path | None
    elif option.kind == "multi":
        annotation, default = list[str] | None, None
    else:
        annotation = str | None if default is None else str
    info = typer.Option(default, *option.flags, **kwargs)
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def _strict_number(kind: type, option: Opt) -> Any:
    """Click's number type for the option's range, except that it refuses what Python's ``int`` and ``float``
    accept beyond a plain number: ``1_0`` is not ten (the fast dispatcher refuses it too)."""
    from typer._click import types

    low = None if option.low is None else kind(option.low)
    high = None if option.high is None else kind(option.high)
    bounded = low is not None or high is not None
    base: Any
    if kind is int:
        base = types.IntRange if bounded else types.IntParamType
    else:
        base = types.FloatRange if bounded else types.FloatParamType

    class Strict(base):  # type: ignore[misc]
        def convert(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, str) and "_" in value:
                self.fail(f"{value!r} is not a valid {self.name}.", param, ctx)
            return super().convert(value, param, ctx)

    return Strict(min=low, max=high) if bounded else Strict()


def _argument(arg: Arg) -> inspect.Parameter:
    metavar = f"{arg.metavar}..." if arg.many else arg.metavar
    completer = _completer(arg.dest)
    extra: dict[str, Any] = {"autocompletion": completer} if completer else {}
    if arg.many:
        annotation: Any = list[str] if arg.required else list[str] | None
        info = typer.Argument(
            ... if arg.required else None, help=arg.help, metavar=metavar, show_default=False, **extra
        )
    elif arg.required:
        annotation, info = str, typer.Argument(..., help=arg.help, metavar=metavar, show_default=False, **extra)
    else:
        annotation = str | None
        info = typer.Argument(None, help=arg.help, metavar=metavar, show_default=False, **extra)
    return inspect.Parameter(arg.dest, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def _signed(function: Any, parameters: list[inspect.Parameter]) -> Any:
    ctx = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    function.__signature__ = inspect.Signature([ctx, *parameters])
    function.__annotations__ = {p.name: p.annotation for p in [ctx, *parameters]}
    return function


def _merge(ctx: typer.Context, given: dict[str, Any], command: Command) -> dict[str, Any]:
    """The command's own options win over those given before the command name (``commands.merge``)."""
    return merge(command, ctx.obj if isinstance(ctx.obj, dict) else {}, given)


def _finish(code: int) -> None:
    if code:
        raise typer.Exit(code)


def _help(command: Command) -> str:
    examples = "\n\n".join(f"  $ {e}" for e in command.examples)
    text = f"{command.help}\n\nExamples:\n\n{examples}" if examples else command.help
    fields = _topic_fields(command.topic) if command.topic else ""
    return f"{text}\n\nFields (for --where, --fields and --sort): {fields}." if fields else text


def _topic_fields(topic: str) -> str:
    """The fields a topic's rows have, from the knowledge file (nothing when it cannot be read)."""
    from baclo_cli.cli.run import load
    from baclo_cli.errors import BacloError

    try:
        columns = load({}).topics[topic].columns
    except (BacloError, KeyError):
        return ""
    return ", ".join([*columns, "evidence", "dispute", "refs"])


def _with_formats(option: Opt, command: Command) -> Opt:
    """--format, with the formats only this command writes (flashcards: apkg) added to its choices."""
    if option.dest != "fmt" or not command.formats:
        return option
    return Opt(option.dest, option.flags, option.kind, option.help, (*option.choices, *command.formats),
               metavar=option.metavar)  # fmt: skip


def _register(app: typer.Typer, command: Command) -> None:
    def callback(ctx: typer.Context, **given: Any) -> None:
        _finish(run(command, _merge(ctx, given, command)))

    parameters = [_argument(a) for a in command.args]
    parameters += [_option(o, output=False) for o in command.options]
    parameters += [_option(_with_formats(o, command), output=True) for o in OUTPUT]
    callback.__doc__ = _help(command)
    for name in (command.name, *command.aliases):
        text = _help(command) if name == command.name else f"Alias of '{command.name}'. {command.help}"
        app.command(name, help=text, hidden=command.hidden)(_signed(callback, parameters))


def _version(data: Any) -> None:
    from baclo_cli.cli.run import output_errors, version_line
    from baclo_cli.output.render import write

    with output_errors():
        write(version_line(data) + "\n")
    raise typer.Exit()


def build_app(only: Command | None = None) -> typer.Typer:
    """The Typer app: every command, or only the one named (building all 30 costs time on every run)."""
    app = typer.Typer(**_APP_SETTINGS)

    def root(ctx: typer.Context, **given: Any) -> None:
        if given.pop("version", False):  # not eager: by now --data is read too, wherever it was given
            _version(given.get("data"))
        ctx.obj = {k: v.value if isinstance(v, Enum) else v for k, v in given.items()}
        if ctx.invoked_subcommand is None:
            _finish(run(BY_NAME["overview"], _merge(ctx, given, BY_NAME["overview"])))

    version = typer.Option(False, "--version", help="Show the version and the knowledge file, and exit.")
    parameters = [_option(o, output=True) for o in OUTPUT]
    parameters.append(inspect.Parameter("version", inspect.Parameter.KEYWORD_ONLY, default=version, annotation=bool))
    root.__doc__ = (
        "baclo: a cited command-line reference for baclofen. Reference only, not medical advice.\n\n"
        "Run without a command for the overview. Every command takes --format "
        "table|json|ndjson|yaml|csv|tsv|markdown|plain and --sources.\n\n"
        f"{EXIT_CODES}\n\n{ENVIRONMENT}"
    )
    app.callback()(_signed(root, parameters))
    for command in COMMANDS if only is None else (only,):
        _register(app, command)
    return app


_VALUE_OPTIONS = tuple(flag for option in OUTPUT if option.kind != "flag" for flag in option.flags)


def app_for(argv: list[str]) -> typer.Typer:
    """The app to run for ``argv``: one holding only the command named, or the full app (no command, an
    unknown one, top-level --help) with its full help and error messages."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUE_OPTIONS:
            next(args, None)
        elif arg == "--":
            break
        elif not arg.startswith("-"):
            command = BY_NAME.get(arg)
            return build_app(command) if command else build_app()
    return build_app()


def _completion_request(argv: list[str]) -> tuple[str, str] | None:
    """``--show-completion [SHELL]`` or ``--install-completion [SHELL]`` (also ``=SHELL``) before any command:
    (option, the shell named or ''). Typer's own options would ignore a shell named after them."""
    args = iter(enumerate(argv))
    for i, arg in args:
        option, equals, value = arg.partition("=")
        if option in ("--show-completion", "--install-completion"):
            if equals:
                return option, value
            following = argv[i + 1] if i + 1 < len(argv) else ""
            return option, following if following and not following.startswith("-") else ""
        if arg in _VALUE_OPTIONS:
            next(args, None)
        elif arg == "--" or not arg.startswith("-"):
            return None
    return None


def _completion_setup(option: str, named: str) -> int:
    """Print or install the completion script for the shell named, else for the shell this runs under."""
    from baclo_cli.cli import completion
    from baclo_cli.cli.run import output_errors
    from baclo_cli.output.render import write

    shell = named.lower() or completion.detect_shell() or ""
    if shell not in completion.SHELLS:
        choices = ", ".join(completion.SHELLS)
        if named:
            say_error(f"baclo: {option}: no completion for shell '{named}' (choose {choices}).")
        else:
            say_error(f"baclo: {option}: cannot tell which shell this is; name it, e.g. '{option} bash' ({choices}).")
        return EXIT_USAGE
    with output_errors():
        if option == "--show-completion":
            write(completion.script(shell) + "\n")
        else:
            write(f"{shell} completion installed in {completion.install(shell)}; it works in a new shell.\n")
    return 0


def _unknown_command(message: str) -> str | None:
    """For "No such command 'WORD'": the closest commands and shortcut words, else a search for the word when the
    knowledge file knows it (a synonym or a word of its facts); None for any other usage error."""
    import re

    match = re.fullmatch(r"No such command '(.*)'(?:\. Did you mean .*)?", message, re.S)
    if match is None:
        return None
    word = match.group(1)
    from baclo_cli.text import close, shorten

    names = [n for n in BY_NAME if not n.startswith("-")]
    found = close(word, names)
    if found:
        return f"no command '{shorten(word)}'; did you mean {', '.join(repr(n) for n in found)}?"
    try:
        from baclo_cli.cli.run import load

        kb = load({})
        known = {w.lower() for entry in kb.synonyms for w in (*entry["words"], *entry["means"])}
        known |= {w for doc in kb.search_documents() for text in doc[6:9] for w in text.split()}  # title, detail, notes
    except Exception:
        known = set()
    if word.lower() in known and word.isprintable() and " " not in word:
        return f"no command '{shorten(word)}'; the facts mention it: try 'baclo search {word}'"
    return f"no command '{shorten(word)}'"


def main() -> NoReturn:
    """Console-script entry: one-line errors with documented exit codes, quiet on a closed pipe, 130 on Ctrl-C."""
    from typer._click import exceptions as click_exceptions

    if sys.stderr is None:  # started with stderr closed: messages go nowhere rather than crash
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        say_error("baclo: cannot write output: standard output is closed")
        sys.exit(EXIT_WRITE)
    try:
        instruction = os.environ.get("_BACLO_COMPLETE")
        setup = _completion_request(sys.argv[1:])
        if instruction:
            from baclo_cli.cli.completion import respond

            code = respond(build_app(), instruction)
        elif setup:
            code = _completion_setup(*setup)
        else:
            code = app_for(sys.argv[1:])(standalone_mode=False, prog_name="baclo")
    except click_exceptions.UsageError as error:
        hint = " Try 'baclo --help'." if error.ctx is None else f" Try '{error.ctx.command_path} --help'."
        message = error.format_message().rstrip(".")
        unknown = _unknown_command(message)
        if unknown is not None:
            message, hint = unknown, " Try 'baclo help'."
        say_error(f"baclo: {message}{'' if message.endswith('?') else '.'}{hint}")
        code = EXIT_USAGE
    except click_exceptions.ClickException as error:
        say_error(f"baclo: {error.format_message()}")
        code = error.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        code = 0
    except OSError as error:
        silence_stdout()
        say_error(f"baclo: input/output error: {error.strerror or error}")
        code = EXIT_WRITE
    except Exception as error:
        code = internal_error(error)  # with BACLO_DEBUG=1 after the traceback: the exit code stays 70
    sys.exit(code if isinstance(code, int) else 0)


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """``cli.app``, the full app, built on first use (tests and tools; a run builds only what it needs)."""
    global _full_app
    if name == "app":
        _full_app = _full_app or build_app()
        return _full_app
    raise AttributeError(name)


__all__ = ["app_for", "build_app", "main"]
