"""Run a command from its parsed parameters: load, ask, shape, render, write, and say how the run ended.

Both dispatch paths end here (the fast one and Typer's), so a command's output and exit code do not depend on
which path parsed it. Domain errors become one line on stderr and their exit code; nothing here imports Typer.
"""

from __future__ import annotations

import os
import sys

from baclo_cli.errors import EXIT_WRITE, BacloError, debug_enabled

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.answers.result import Result
    from baclo_cli.cli.commands import Command

Params = dict[str, "Any"]


class Stop(Exception):
    """End the run with this exit code (the message, if any, was already written)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


MAX_MESSAGE = 2000  # characters: a message quoting 70 KB of what was typed is not one line anyone reads


def one_line(message: str) -> str:
    """A message as one line of at most ``MAX_MESSAGE`` characters, control characters made visible (stderr
    here, a tool error in 'baclo mcp')."""
    from baclo_cli.text import escape_controls, shorten

    return escape_controls(shorten(message.replace("\n", " "), MAX_MESSAGE))


def say_error(message: str) -> None:
    """One line on stderr, control characters made visible; never raises (stderr may be closed too)."""
    try:
        sys.stderr.write(one_line(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def internal_error(error: BaseException) -> int:
    """The last resort of both paths: an error baclo did not expect is a bug, said in one line (exit 70),
    after its traceback with ``BACLO_DEBUG=1``."""
    from baclo_cli.errors import EXIT_INTERNAL

    show_traceback(error)
    hint = "" if debug_enabled() else "; BACLO_DEBUG=1 shows the traceback"
    say_error(f"baclo: internal error ({type(error).__name__}: {error}){hint}")
    return EXIT_INTERNAL


def fail(error: BacloError) -> Stop:
    """The error's one line (after its traceback with ``BACLO_DEBUG=1``) and its exit code, debug or not."""
    show_traceback(error)
    say_error(f"baclo: {error}")
    return Stop(error.exit_code)


def show_traceback(error: BaseException) -> None:
    """With ``BACLO_DEBUG=1``, the traceback on stderr; the exit code stays the one documented."""
    if not debug_enabled():
        return
    import traceback

    try:  # noqa: SIM105 - contextlib costs start-up time on every run
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    except (OSError, ValueError, AttributeError):
        pass


def silence_stdout() -> None:
    """The reader went away (``| head``): point stdout at /dev/null so Python's exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class output_errors:
    """A closed pipe ends the run quietly, with the answer's own exit code (0, or dose-check's verdict: the
    verdict was reached before the write); any other write error (disk full) is one line, exit 5.
    (A class rather than ``contextlib.contextmanager``: contextlib costs start-up time on every run.)"""

    def __init__(self, on_closed_pipe: int = 0) -> None:
        self.on_closed_pipe = on_closed_pipe

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: object) -> None:
        if isinstance(error, BrokenPipeError):
            silence_stdout()
            raise Stop(self.on_closed_pipe) from None
        if isinstance(error, OSError):
            silence_stdout()
            say_error(f"baclo: cannot write output: {error.strerror or error}")
            raise Stop(EXIT_WRITE) from None


def wants_color(params: Params) -> bool | None:
    """--color always/never, --no-color; None: decide from the stream and the environment."""
    if params.get("no_color") or params.get("color") == "never":
        return False
    return True if params.get("color") == "always" else None


def load(params: Params) -> Any:
    from baclo_cli.knowledge.load import load_knowledge, resolve_data_path

    data = params.get("data")
    return load_knowledge(resolve_data_path(str(data) if data else None))


def version_line(data: Any = None) -> str:
    """What ``--version`` says of the knowledge file it would read (``--data``, ``BACLO_DATA`` or the bundled
    one); it answers even when that file is broken."""
    from baclo_cli import __version__
    from baclo_cli.knowledge.load import resolve_data_path
    from baclo_cli.text import escape_controls

    reviewed = schema = "?"
    try:
        from baclo_cli.answers.freshness import review_age

        kb = load({"data": data})
        reviewed = review_age(kb.drug.last_reviewed)
        from baclo_cli.knowledge.vocabulary import SCHEMA_VERSION

        schema = str(SCHEMA_VERSION)
    except Exception:
        pass
    name = os.path.basename(resolve_data_path(str(data) if data else None))
    return escape_controls(f"baclo {__version__} (knowledge file {name}: schema {schema}, reviewed {reviewed})")


def note_if_stale(reviewed: str) -> None:
    """On a terminal (stdout and stderr both), one line on stderr when the review is over a year old."""
    if os.environ.get("BACLO_NO_STALE_NOTE") or not _is_terminal(sys.stderr):
        return
    from baclo_cli.answers.freshness import stale_note

    note = stale_note(reviewed)
    if note:
        say_error(note)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def show(
    result: Result,
    params: Params,
    reviewed: str | None,
    numbers: dict[str, int],
    default_format: str = "table",
    keep: str | None = None,
) -> int:
    """Render ``result`` in the chosen format and write it; returns the result's exit code. With ``keep`` (a
    name from ``kept_name``: stdout is not a terminal), what it writes is kept for ``replay``."""
    from baclo_cli.output.render import detect_style, notice_text, render, write

    fmt = params.get("fmt") or default_format
    empty = f"baclo: {result.empty}" if result.empty else ""
    if empty:  # nothing matched: one line on stderr; a machine format still prints its (empty) document
        say_error(empty)
        if fmt in ("table", "plain", "markdown"):
            if keep:
                _keep(keep, result.exit_code, empty, "", "")
            return result.exit_code
    style = detect_style(sys.stdout, color=wants_color(params))
    notice = notice_text(reviewed) if reviewed else ""
    sources, headers = bool(params.get("sources")), not params.get("no_headers")
    text = render(result, fmt, style=style, sources=sources, numbers=numbers, notice=notice, headers=headers)
    if keep and not style.is_terminal:
        after = notice + "\n" if fmt == "plain" and notice else ""
        _keep(keep, result.exit_code, empty, text, after)
    with output_errors(on_closed_pipe=result.exit_code):
        if reviewed and style.is_terminal and fmt in ("table", "plain", "markdown"):
            note_if_stale(reviewed)
        paged = False
        if style.is_terminal and fmt in ("table", "plain", "markdown") and not params.get("no_pager"):
            from baclo_cli.output.pager import page

            paged = page(text)
        if not paged:
            write(text)
        if fmt == "plain" and notice:
            write(notice + "\n", sys.stderr)
    return result.exit_code


# --- kept answers -------------------------------------------------------------------------------------------
# A costly answer that scripts ask again and again (the whole export, every flashcard, a seeded quiz) is kept in
# the cache folder when it goes to a pipe or a file, and replayed: keyed on the knowledge file's content (its
# remembered key: no key, no keeping), the command and every parameter, this code, the date (the review notice
# ages) and every setting that shapes output. A kept answer carries its own checksum; any doubt is a miss.

_KEPT_MAGIC = b"BACLOA1 "
_SETTINGS = ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TERM")


def kept_name(
    command: Command,
    params: Params,
    source: str | None = None,
    also: tuple[str, ...] = (),
    key: str | None = None,
) -> str | None:
    """The name ``command``'s answer to ``params`` is kept under, or None when it is not kept.

    ``source``: the knowledge file it answers from, when not the one ``--data`` names (``validate FILE``);
    ``also``: whatever else the answer depends on (the review state's place and checksum); ``key``: the content
    key of the bytes the answer was made from (to keep an answer just made), else the key remembered for the
    file's identity now (to find one to replay)."""
    if not command.kept or _is_terminal(sys.stdout):
        return None
    from baclo_cli.knowledge import cache
    from baclo_cli.knowledge.load import resolve_data_path

    if not cache.enabled():
        return None
    if source is None:
        data = params.get("data")
        source = resolve_data_path(str(data) if data else None)
    key = key or cache.remembered_key(source, cache.fingerprint(source))
    if key is None:
        return None
    import time

    settings = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("BACLO_") or k in _SETTINGS)
    asked = repr(sorted((k, v) for k, v in params.items() if v is not None))
    # How stdout encodes (an ASCII stream gets escapes), and the Python (its Unicode tables measure widths).
    stream = f"{getattr(sys.stdout, 'encoding', None)}/{getattr(sys.stdout, 'errors', None)}/{sys.version}"
    day = time.strftime("%Y-%m-%d")
    return cache.blob_name("answer", key, command.name, os.path.abspath(source), asked, day, stream, *settings, *also)


def _keep(name: str, code: int, before: str, out: str, after: str) -> None:
    from baclo_cli.knowledge import cache

    parts = [p.encode("utf-8", "surrogatepass") for p in (before, out, after)]
    body = b" ".join(str(n).encode() for n in (code, *map(len, parts))) + b"\n" + b"".join(parts)
    if len(body) <= MAX_KEPT:
        cache.write_blob(name, _KEPT_MAGIC, body)


MAX_KEPT = 64 << 20


def replay(name: str | None) -> int | None:
    """Write a kept answer as it was first written and return its exit code; None if there is none (or any
    doubt about it)."""
    if name is None:
        return None
    from baclo_cli.knowledge import cache

    body = cache.read_blob(name, _KEPT_MAGIC, limit=MAX_KEPT)
    if body is None:
        return None
    counts, _, rest = body.partition(b"\n")
    try:
        code, *sizes = (int(n) for n in counts.split(b" "))
        if len(sizes) != 3 or min(sizes) < 0 or sum(sizes) != len(rest) or not 0 <= code <= 255:
            return None
        ends = (sizes[0], sizes[0] + sizes[1])
        before, out, after = (
            part.decode("utf-8", "surrogatepass")
            for part in (rest[: ends[0]], rest[ends[0] : ends[1]], rest[ends[1] :])
        )
    except ValueError:  # not numbers, or not the text it was
        return None
    from baclo_cli.output.render import write

    if before:
        say_error(before)  # the empty-result line, as it was first said
    with output_errors(on_closed_pipe=code):
        write(out)
        if after:
            write(after, sys.stderr)
    return code


def ask(command: Command, params: Params) -> tuple[Any, Result]:
    """A read-only command's knowledge and answer, its rows shaped (--where, --sort, --fields); raises
    ``BacloError``. The CLI shows it; 'baclo mcp' serves the same answer."""
    from baclo_cli.answers.listing import shape
    from baclo_cli.cli.commands import conditions
    from baclo_cli.cli.handlers import ASKS

    where = conditions(command, params)
    kb = load(params)
    result = ASKS[command.handler](kb, params, command.topic)
    shape(result, where=where, sort=params.get("sort"), fields=params.get("fields"))
    return kb, result


def answer(command: Command, params: Params) -> int:
    """A read-only command: load the knowledge, ask, shape the rows, show (or replay a kept answer)."""
    keep = kept_name(command, params)
    replayed = replay(keep)
    if replayed is not None:
        return replayed
    try:
        kb, result = ask(command, params)
    except BacloError as error:
        raise fail(error) from None
    # Kept under the key of the bytes this answer was made from, whatever the file holds by now.
    keep = kept_name(command, params, key=kb.content_key) if kb.content_key else None
    return show(result, params, kb.drug.last_reviewed, kb.references.numbers(), command.default_format, keep)


def run(command: Command, params: Params) -> int:
    """Run ``command``, whichever path parsed it; every way it can end becomes an exit code."""
    try:
        if command.session:
            from baclo_cli.cli.interactive import SESSIONS

            return SESSIONS[command.handler](params)
        return answer(command, params)
    except Stop as stop:
        return stop.code
