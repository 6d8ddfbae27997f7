"""The console script's entry point: set up signals before anything heavy is imported.

Ctrl-C in the first milliseconds (while Typer, Rich or PyYAML load) must end the run quietly with exit 130,
not a traceback: the handler is installed before those imports. Interactive sessions (quiz, review) put
Python's own handler back so they can print the score so far.
"""

from __future__ import annotations

import os
import signal

EXIT_INTERRUPTED = 130  # errors.EXIT_INTERRUPTED, not imported: nothing but the standard library loads first


def _interrupted(signum: int, frame: object) -> None:
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted)
    from .cli import main as run

    run()


if __name__ == "__main__":  # pragma: no cover - python -m baclo_cli.entry
    main()
