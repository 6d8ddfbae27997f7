"""baclo: a command-line drug reference for baclofen."""

__version__ = "0.1.0"


def _started_as_baclo() -> bool:
    """True when this process is the baclo program (the console script or ``python -m baclo_cli``)."""
    import os
    import sys

    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    orig = getattr(sys, "orig_argv", [])
    return script == "baclo" or any(orig[i : i + 2] == ["-m", "baclo_cli"] for i in range(len(orig) - 1))


if _started_as_baclo():
    # Ctrl-C in the first milliseconds, while the rest of baclo is still being imported, ends the run quietly
    # with exit 130 rather than a traceback. The builtin _signal module: 'signal' would import enum first.
    import _signal  # type: ignore[import-not-found]
    import os as _os

    _signal.signal(_signal.SIGINT, lambda signum, frame: _os._exit(130))
