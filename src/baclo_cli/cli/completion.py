"""Shell completion of values the knowledge file holds: topic names, glossary terms, fields, commands.

Typer's completion (``baclo --install-completion``) asks these while the user presses Tab; nothing here runs
on an ordinary command.
"""

from __future__ import annotations

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
