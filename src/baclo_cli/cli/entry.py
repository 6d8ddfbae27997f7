"""The console script's entry point: set up signals before anything heavy is imported.

Ctrl-C in the first milliseconds (while Typer, Rich or PyYAML load) must end the run quietly with exit 130,
not a traceback: the handler is installed before those imports. Interactive sessions (quiz, review) put
Python's own handler back so they can print the score so far.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the builtin: 'signal' would import enum (3 ms a run)
import os
import sys

EXIT_INTERRUPTED = 130  # errors.EXIT_INTERRUPTED, not imported: nothing but the standard library loads first


def _interrupted(signum: int, frame: object) -> None:
    os._exit(EXIT_INTERRUPTED)


def main(leave_at_once: bool = False) -> None:
    """The fast dispatcher answers the plain forms of the read-only commands; Typer answers the rest.

    ``leave_at_once`` (the installed program, not a test calling this in-process): once the fast path has
    answered and its output is flushed, the process ends without tearing the interpreter down (freeing every
    object and module), which is a tenth of a scripted run. Nothing is pending then: files are written and
    closed as they go, and the fast path registers no exit handlers; Typer's path ends the usual way."""
    _signal.signal(_signal.SIGINT, _interrupted)
    if sys.stdout is not None and sys.stderr is not None and "_BACLO_COMPLETE" not in os.environ:
        code = _fast(sys.argv[1:])
        if code is not None:
            if leave_at_once:
                _leave(code)
            sys.exit(code)
    from baclo_cli.cli.app import main as run

    run()


def program() -> None:
    """The console script and ``python -m baclo_cli``."""
    main(leave_at_once=True)


def _leave(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - contextlib.suppress would import contextlib on every run
            stream.flush()
        except (OSError, ValueError):  # a pipe closed at the very end: the answer was written, as far as it went
            pass
    os._exit(code)


def _fast(argv: list[str]) -> int | None:
    try:
        from baclo_cli.cli.fast import run

        return run(argv)
    except Exception as error:  # the same last resort as the Typer path's
        from baclo_cli.cli.run import internal_error

        return internal_error(error)  # with BACLO_DEBUG=1 after the traceback: the exit code stays 70


if __name__ == "__main__":  # pragma: no cover - python -m baclo_cli.cli.entry
    program()
