"""Shell completion of values the knowledge file holds: topic names, glossary terms, fields, commands, and the
values of ``--where FIELD=``.

Typer's completion (``baclo --install-completion``) asks these while the user presses Tab; nothing here runs
on an ordinary command. Values match what was typed without regard to case. Below them, the shells' side: how
each shell is answered, quoted for that shell, with no space after ``FIELD=``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from typer import Context


def _knowledge(ctx: Context) -> Any:
    from baclo_cli.cli.run import load
    from baclo_cli.errors import BacloError

    root = ctx.find_root()
    data = (root.params or {}).get("data") or (ctx.params or {}).get("data")
    try:
        return load({"data": data})
    except BacloError:
        return None


def topics(ctx: Context, incomplete: str) -> list[str]:
    from baclo_cli.answers import TOPIC_ALIASES

    kb = _knowledge(ctx)
    names = [*getattr(kb, "topics", []), *TOPIC_ALIASES]
    return [n for n in names if n.startswith(incomplete)]


def terms(ctx: Context, incomplete: str) -> list[str]:
    """Glossary terms (aliases only when no term fits), in any case. TERM takes every remaining word, so the
    words typed before this one are part of the term: 'Boxed w' completes to 'warning'."""
    kb = _knowledge(ctx)
    glossary = getattr(kb, "glossary", ())
    typed = " ".join([*(str(w) for w in (ctx.params or {}).get("term") or ()), ""])
    whole = (typed + incomplete).lower()
    for names in ([t.term for t in glossary], [a for t in glossary for a in t.aliases]):
        found = [n[len(typed) :] for n in names if n.lower().startswith(whole)]
        if found:
            return list(dict.fromkeys(found))
    return []


def _answer(ctx: Context) -> Any:
    """The answer of the command being completed, as run with what is typed so far (no --where, --sort or
    --fields yet), or None when it cannot be given (dose-check without a dose) or would do more than read."""
    from baclo_cli.cli.commands import BY_NAME, merge
    from baclo_cli.cli.handlers import ASKS
    from baclo_cli.errors import BacloError

    command = BY_NAME.get(ctx.info_name or "")
    kb = _knowledge(ctx)
    if command is None or kb is None or command.session or command.handler not in ASKS:
        return None
    given = {k: list(v) if isinstance(v, tuple) else v for k, v in (ctx.params or {}).items() if v not in (None, ())}
    words = list(ctx.args)  # while completing, Click leaves the arguments typed so far here ('show TOPIC')
    for arg in command.args:
        if arg.dest not in given and words:
            given[arg.dest], words = (words, []) if arg.many else (words[0], words[1:])
    params = merge(command, {}, given)
    params.update(where=[], sort=None, fields=None, check=False, limit=0)  # never 'labels --check' on a Tab
    try:
        return ASKS[command.handler](kb, params, command.topic)
    except (BacloError, KeyError, TypeError, ValueError):
        return None


def _fields(ctx: Context) -> list[str]:
    """The fields of the command's rows: from its answer, else from its output contract."""
    from baclo_cli.answers.listing import row_fields
    from baclo_cli.cli.commands import BY_NAME

    answer = _answer(ctx)
    if answer is not None and answer.rows_key:
        return [f for f in row_fields(answer) if f != "refs"]
    command = BY_NAME.get(ctx.info_name or "")
    if command is None:
        return []
    from baclo_cli.output.contracts import SCHEMAS

    contract = SCHEMAS.get(command.contract, {})
    rows = contract.get("properties", {}).get(contract.get("x-rows", ""), {})
    return [f for f in rows.get("items", {}).get("properties", {}) if f != "refs"]


MAX_VALUE = 80  # characters: longer values are prose, not something to pick from a list


def where(ctx: Context, incomplete: str) -> list[str]:
    """``FIELD=`` for a field typed in part; for ``FIELD=`` (or ``!=``, ``~``, ...) the field's values in the
    command's rows, as the knowledge file spells them, matched in any case."""
    from baclo_cli.answers.listing import split_condition

    typed = split_condition(incomplete)
    if typed is None:
        return [f"{f}=" for f in _fields(ctx) if f.lower().startswith(incomplete.lower())]
    field, op, start = typed
    answer = _answer(ctx)
    if answer is None:
        return []
    values: dict[str, None] = {}
    for row in answer.rows:  # what --where compares
        value = row.get(field.lower())
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value)
            if text and len(text) <= MAX_VALUE and text.lower().startswith(start.lower()):
                values[text] = None
    return [f"{field}{op}{v}" for v in values]


def fields(ctx: Context, incomplete: str) -> list[str]:
    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + f for f in _fields(ctx) if f.lower().startswith(last.lower())]


def commands(ctx: Context, incomplete: str) -> list[str]:
    from baclo_cli.cli.commands import BY_NAME

    return [n for n in BY_NAME if n.startswith(incomplete)]


def sort(ctx: Context, incomplete: str) -> list[str]:
    """A field, or ``-FIELD`` for descending."""
    sign = "-" if incomplete.startswith("-") else ""
    return [sign + f for f in _fields(ctx) if f.lower().startswith(incomplete[len(sign) :].lower())]


COMPLETERS: dict[str, Callable[[Context, str], list[str]]] = {
    "topic": topics,
    "term": terms,
    "where": where,
    "fields": fields,
    "sort": sort,
    "command": commands,
}


# --- the shells' side: every value quoted for the shell it completes for ----------------------------------------
#
# Values come from the knowledge file (a glossary term may hold any printable text), and a shell inserts what
# it is given into the command line the user is about to run. So each shell gets values it inserts as one
# literal word: bash a backslash before every character it would read as syntax; zsh and fish the raw value,
# which their own completion functions (``compadd``, fish's completer) quote when they insert it; PowerShell a
# single-quoted string. Typer's classes give the protocol (the environment each shell's script sets); only
# the quoting, the scripts and the reading of a malformed environment are ours.

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_BASH_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,+-@%=:")

# Bash splits the word being completed at the characters of COMP_WORDBREAKS ('=' and ':' among them), so
# '--where status=ap' reaches a completion function as 'status', '=', 'ap'. The script passes the line up to
# the cursor as well: baclo reads the words from it, and answers with what replaces readline's own word (the
# part after the last break character: 'approved'). A single answer ending in '=' (a field of --where) takes
# no space after it, so the value can be typed (or completed) straight away.
BASH_SCRIPT = """\
%(complete_func)s() {
    local reply
    COMPREPLY=()
    while IFS= read -r reply; do
        [[ -n $reply ]] && COMPREPLY+=("$reply")
    done < <(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" _BACLO_COMP_LINE="${COMP_LINE:0:COMP_POINT}" \\
        _BACLO_WORDBREAKS="$COMP_WORDBREAKS" %(autocomplete_var)s=complete_bash "$1")
    if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -o default -F %(complete_func)s %(prog_name)s
"""

# Typer's own zsh script ran ``eval $(...)`` over what baclo printed; this one hands the values to ``compadd``.
# What ``complete_zsh`` prints is ``compadd`` commands whose words are single-quoted, so an installed copy of
# the older script (which evals it) stays safe too; a field of --where ('aspect=') gets ``-S ''`` (no space).
ZSH_SCRIPT = """\
#compdef %(prog_name)s

%(complete_func)s() {
  eval "$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(autocomplete_var)s=complete_zsh %(prog_name)s)"
}

compdef %(complete_func)s %(prog_name)s
"""


def quote_bash(value: str) -> str:
    """``value`` as one bash word: a backslash before each character bash would read as syntax (``$``,
    backquote, ``;``, space, quotes, globs, ``~``, ``#``, ``!`` ...). Every prefix of the result is safe as well:
    when several values share a start, bash inserts their common prefix."""
    return "".join(ch if ch in _BASH_PLAIN or (not ch.isascii() and ch.isprintable()) else "\\" + ch for ch in value)


DEFAULT_WORDBREAKS = " \t\n\"'><=;|&(:"


def bash_words(line: str, wordbreaks: str) -> tuple[list[str], str, str]:
    """The words of a command line up to the cursor, as the command will get them: the finished ones after the
    program's name, the one being completed, and the part of it before readline's own word (up to and
    including its last unquoted break character: 'status=' of 'status=ap')."""
    from typer._click.shell_completion import split_arg_string

    breaks = set(wordbreaks) - set(" \t\n\"'")
    start = 0  # where the last word starts
    at_break = -1  # the last unquoted break character in it
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in " \t\n":
            start, at_break = i + 1, -1
        elif ch in breaks:
            at_break = i
        i += 1
    words = split_arg_string(line[:start])
    last = line[start:]
    incomplete = (split_arg_string(last) or [""])[0] if last else ""
    before = (split_arg_string(line[start : at_break + 1]) or [""])[0] if at_break >= 0 else ""
    return words[1:], incomplete, before


def quote_zsh(value: str) -> str:
    """``value`` as one single-quoted zsh word (``'it'\\''s'``)."""
    return "'" + value.replace("'", "'\\''") + "'"


def quote_powershell(value: str) -> str:
    """``value`` as a PowerShell single-quoted string; PowerShell also reads the typographic quotes as quotes."""
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        value = value.replace(quote, quote * 2)
    return f"'{value}'"


def _one_line(value: str) -> bool:
    """A value a shell's line protocol can carry (the checks refuse anything else in a knowledge file)."""
    from baclo_cli.text import CONTROL

    return bool(value) and not re.search(CONTROL, value) and "\t" not in value and "\n" not in value


def _classes() -> dict[str, Any]:
    from typer._completion_classes import BashComplete, FishComplete, PowerShellComplete, ZshComplete

    def safely(get_args: Callable[[Any], tuple[list[str], str]]) -> Callable[[Any], tuple[list[str], str]]:
        """A malformed completion environment (``COMP_CWORD=abc``, no ``COMP_WORDS``) completes nothing."""

        def wrapped(self: Any) -> tuple[list[str], str]:
            try:
                return get_args(self)
            except (KeyError, ValueError, IndexError):
                raise _Malformed from None

        return wrapped

    class Bash(BashComplete):
        source_template = BASH_SCRIPT
        strip = 0  # characters of each value before readline's word (up to a break character such as '=')

        @safely
        def get_completion_args(self) -> tuple[list[str], str]:
            line = os.environ.get("_BACLO_COMP_LINE", "")
            if not line:  # an older script, or COMP_WORDS set by hand: the words as bash split them
                return BashComplete.get_completion_args(self)
            args, incomplete, before = bash_words(line, os.environ.get("_BACLO_WORDBREAKS", DEFAULT_WORDBREAKS))
            # Click completes '--opt=VALUE' as VALUE: what readline replaces is counted from VALUE's start.
            given = incomplete.partition("=")[2] if incomplete.startswith("-") and "=" in incomplete else incomplete
            self.strip = max(0, len(before) - (len(incomplete) - len(given)))
            return args, incomplete

        def format_completion(self, item: Any) -> str:
            return quote_bash(str(item.value)[self.strip :])

        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            return [i for i in super().get_completions(args, incomplete) if _one_line(str(i.value))]

    class Zsh(ZshComplete):
        source_template = ZSH_SCRIPT
        get_completion_args = safely(ZshComplete.get_completion_args)

        def complete(self) -> str:
            """``compadd`` commands for the values: those ending in '=' (a field of --where) with no suffix,
            so no space follows; ``-U`` (zsh does no matching of its own) when a value differs in case from
            what was typed, since ours are matched without regard to case."""
            args, incomplete = self.get_completion_args()
            values = [str(i.value) for i in self.get_completions(args, incomplete) if _one_line(str(i.value))]
            if not values:
                return "_files"
            given = incomplete.partition("=")[2] if incomplete.startswith("-") and "=" in incomplete else incomplete
            flags = "-U " if any(not v.startswith(given) for v in values) else ""
            lines = []
            for suffix, group in (
                ("", [v for v in values if not v.endswith("=")]),
                ("-S '' ", [v for v in values if v.endswith("=")]),
            ):
                if group:
                    lines.append(f"compadd {flags}{suffix}-- " + " ".join(quote_zsh(v) for v in group))
            return "\n".join(lines)

    class Fish(FishComplete):
        get_completion_args = safely(FishComplete.get_completion_args)

        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            return [i for i in super().get_completions(args, incomplete) if _one_line(str(i.value))]

    class PowerShell(PowerShellComplete):
        get_completion_args = safely(PowerShellComplete.get_completion_args)

        def format_completion(self, item: Any) -> str:
            return f"{quote_powershell(str(item.value))}::: "

        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            found = super().get_completions(args, incomplete)
            return [i for i in found if _one_line(str(i.value)) and ":::" not in str(i.value)]

    return {"bash": Bash, "zsh": Zsh, "fish": Fish, "powershell": PowerShell, "pwsh": PowerShell}


class _Malformed(Exception):
    """The completion environment could not be read."""


def respond(app: Any, instruction: str) -> int:
    """Answer a shell's completion request (``_BACLO_COMPLETE`` is set); never a traceback mid-line."""
    import typer.main
    from typer._click import shell_completion
    from typer.completion import shell_complete

    from baclo_cli.cli.run import show_traceback

    command = typer.main.get_command(app)  # registers Typer's classes; ours replace them below
    _unfiltered(command)
    for name, cls in _classes().items():
        shell_completion.add_completion_class(cls, name)
    try:
        return int(shell_complete(command, {}, "baclo", "_BACLO_COMPLETE", instruction))
    except _Malformed:
        return 0
    except Exception as error:
        show_traceback(error)  # with BACLO_DEBUG=1 only: a Tab press is no place for a message
        return 1


def _unfiltered(command: Any) -> None:
    """Typer keeps only the values that start with what was typed, in the same case; ours match without regard
    to case ('gab' finds GABA-B receptor) and complete the words after those typed, so they are taken as given."""
    from typer._click.shell_completion import CompletionItem

    for sub in getattr(command, "commands", {}).values():
        _unfiltered(sub)
    for param in command.params:
        ours = COMPLETERS.get(param.name or "")
        if ours is not None and getattr(param, "_custom_shell_complete", None) is not None:
            param._custom_shell_complete = lambda ctx, _, incomplete, ours=ours: [
                CompletionItem(value) for value in ours(ctx, incomplete)
            ]


def script(shell: str) -> str:
    """The completion script for ``shell`` (one of ``SHELLS``)."""
    from typer._completion_shared import get_completion_script

    _use_our_scripts()
    return str(get_completion_script(prog_name="baclo", complete_var="_BACLO_COMPLETE", shell=shell))


def install(shell: str) -> str:
    """Install the script where ``shell`` reads it (Typer's places: ~/.bashrc, ~/.zfunc, fish's folder, the
    PowerShell profile); returns where."""
    from typer._completion_shared import install as typer_install

    _use_our_scripts()
    _, path = typer_install(shell=shell, prog_name="baclo", complete_var="_BACLO_COMPLETE")
    return str(path)


def _use_our_scripts() -> None:
    """Typer writes its scripts from one table; ours replace its bash and zsh ones there (typer is pinned)."""
    from typer import _completion_shared

    _completion_shared._completion_scripts.update({"bash": BASH_SCRIPT, "zsh": ZSH_SCRIPT})


def detect_shell() -> str | None:
    """The shell this runs under, if it is one baclo completes for."""
    from typer._completion_shared import _get_shell_name

    found = _get_shell_name()
    return found if found in SHELLS else None
