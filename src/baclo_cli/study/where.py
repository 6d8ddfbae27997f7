"""Where the review state lives: standard library only, so a kept ``review --stats`` finds its file without
loading the study code."""

from __future__ import annotations

import os

from baclo_cli.text import path_text


def state_file() -> str:
    """``$BACLO_HOME/review.json``, else ``$XDG_DATA_HOME/baclo/review.json`` (``~/.local/share`` by default),
    written as pathlib writes it (``./home//`` is ``home``): the one name every message and kept answer uses."""
    home = os.environ.get("BACLO_HOME")
    if home:
        return path_text(os.path.join(os.path.expanduser(home), "review.json"))  # as BACLO_DATA, BACLO_CACHE_DIR
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return path_text(os.path.join(data, "baclo", "review.json"))
