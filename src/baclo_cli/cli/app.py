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
from baclo_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, EXIT_WRITE, debug_enabled

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
        kwargs.update({k: int(v) for k, v in (("min", option.low), ("max", option.high)) if v is not None})
    elif option.kind == "float":
        annotation = float | None if default is None else float
        kwargs.update({k: v for k, v in (("min", option.low), ("max", option.high)) if v is not None})
    elif option.kind == "path":
        annotation = Path | None
    elif option.kind == "multi":
        annotation, default = list[str] | None, None
    else:
        annotation = str | None if default is None else str
    info = typer.Option(default, *option.flags, **kwargs)
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


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
        app.command(name, help=text)(_signed(callback, parameters))


def _version(value: bool) -> None:
    if value:
        from baclo_cli.cli.run import version_line

        typer.echo(version_line())
        raise typer.Exit()


def build_app(only: Command | None = None) -> typer.Typer:
    """The Typer app: every command, or only the one named (building all 30 costs time on every run)."""
    app = typer.Typer(**_APP_SETTINGS)

    def root(ctx: typer.Context, **given: Any) -> None:
        ctx.obj = {k: v.value if isinstance(v, Enum) else v for k, v in given.items()}
        if ctx.invoked_subcommand is None:
            _finish(run(BY_NAME["overview"], _merge(ctx, given, BY_NAME["overview"])))

    version = typer.Option(False, "--version", help="Show the version and exit.", callback=_version, is_eager=True)
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


def main() -> NoReturn:
    """Console-script entry: one-line errors with documented exit codes, quiet on a closed pipe, 130 on Ctrl-C."""
    from typer._click import exceptions as click_exceptions

    if sys.stderr is None:  # started with stderr closed: messages go nowhere rather than crash
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        say_error("baclo: cannot write output: standard output is closed")
        sys.exit(EXIT_WRITE)
    try:
        code = app_for(sys.argv[1:])(standalone_mode=False, prog_name="baclo")
    except click_exceptions.UsageError as error:
        hint = " Try 'baclo --help'." if error.ctx is None else f" Try '{error.ctx.command_path} --help'."
        message = error.format_message().rstrip(".")
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
        if debug_enabled():
            raise
        code = internal_error(error)
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
