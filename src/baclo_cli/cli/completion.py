"""Shell completion of values the knowledge file holds: topic names, glossary terms, fields, commands.

Typer's completion (``baclo --install-completion``) asks these while the user presses Tab; nothing here runs
on an ordinary command. Below them, the shells' side: how each shell is answered, quoted for that shell.
"""

from __future__ import annotations

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
    kb = _knowledge(ctx)
    names = [t.term for t in getattr(kb, "glossary", ())]
    return [n for n in names if n.lower().startswith(incomplete.lower())]


def _fields(ctx: Context) -> list[str]:
    from baclo_cli.answers.topics import resolve_topic
    from baclo_cli.cli.commands import BY_NAME

    kb = _knowledge(ctx)
    command = BY_NAME.get(ctx.info_name or "")
    typed = (ctx.params or {}).get("topic") or (ctx.args[0] if ctx.args else "")  # 'show TOPIC': still in args
    name = command.topic if command and command.topic else resolve_topic(str(typed))
    topics_ = getattr(kb, "topics", {})
    if name in topics_:
        return [*topics_[name].columns, "jurisdiction", "evidence", "dispute"]
    return []


def where(ctx: Context, incomplete: str) -> list[str]:
    return [f"{f}=" for f in _fields(ctx) if f"{f}=".startswith(incomplete)]


def fields(ctx: Context, incomplete: str) -> list[str]:
    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + f for f in _fields(ctx) if f.startswith(last)]


def commands(ctx: Context, incomplete: str) -> list[str]:
    from baclo_cli.cli.commands import BY_NAME

    return [n for n in BY_NAME if n.startswith(incomplete)]


COMPLETERS: dict[str, Callable[[Context, str], list[str]]] = {
    "topic": topics,
    "term": terms,
    "where": where,
    "fields": fields,
    "sort": fields,
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

BASH_SCRIPT = """\
%(complete_func)s() {
    local reply
    COMPREPLY=()
    while IFS= read -r reply; do
        [[ -n $reply ]] && COMPREPLY+=("$reply")
    done < <(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" %(autocomplete_var)s=complete_bash "$1")
    return 0
}

complete -o default -F %(complete_func)s %(prog_name)s
"""

# Typer's own zsh script ran ``eval $(...)`` over what baclo printed; this one hands the values to ``compadd``.
# What ``complete_zsh`` prints is a ``compadd`` command whose words are single-quoted, so an installed copy of
# the older script (which evals it) stays safe too.
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
        get_completion_args = safely(BashComplete.get_completion_args)

        def format_completion(self, item: Any) -> str:
            return quote_bash(str(item.value))

        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            return [i for i in super().get_completions(args, incomplete) if _one_line(str(i.value))]

    class Zsh(ZshComplete):
        source_template = ZSH_SCRIPT
        get_completion_args = safely(ZshComplete.get_completion_args)

        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            values = [str(i.value) for i in self.get_completions(args, incomplete) if _one_line(str(i.value))]
            return "compadd -- " + " ".join(quote_zsh(v) for v in values) if values else "_files"

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
    for name, cls in _classes().items():
        shell_completion.add_completion_class(cls, name)
    try:
        return int(shell_complete(command, {}, "baclo", "_BACLO_COMPLETE", instruction))
    except _Malformed:
        return 0
    except Exception as error:
        show_traceback(error)  # with BACLO_DEBUG=1 only: a Tab press is no place for a message
        return 1


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
