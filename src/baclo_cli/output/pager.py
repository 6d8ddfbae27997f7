"""Page long output on a terminal, as git does: ``$BACLO_PAGER``, ``$PAGER`` or ``less`` with ``LESS=FRX``.

Only when stdout is a terminal, the format is for people (table, plain, markdown), ``--no-pager`` was not
given, and the text is taller than the screen. ``less -F`` also quits by itself when the text fits, ``-R``
keeps colours, ``-X`` leaves the text on the screen afterwards. While the pager runs, Ctrl-C belongs to it.
"""

from __future__ import annotations

import os
import shutil
import sys


def pager_command() -> list[str] | None:
    """The pager to run, with its arguments (``less -S``, ``cat -n``), or None for none (``BACLO_PAGER=`` or a
    bare ``cat`` turn paging off)."""
    import shlex

    chosen = os.environ.get("BACLO_PAGER")
    if chosen is None:
        chosen = os.environ.get("PAGER")
    if chosen is None:
        chosen = "less"
    try:
        words = shlex.split(chosen)
    except ValueError:
        return None
    if not words or words == ["cat"]:
        return None
    return words


def page(text: str) -> bool:
    """Show ``text`` through the pager; False if it is not wanted here or could not start (then write it)."""
    if text.count("\n") < shutil.get_terminal_size((80, 24)).lines:
        return False
    command = pager_command()
    if command is None:
        return False
    import signal
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    sys.stdout.flush()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
        except OSError:
            return False
        assert proc.stdin is not None
        try:
            proc.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))
            proc.stdin.close()
        except OSError:  # the reader quit before the end (q in less)
            pass
        proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True
