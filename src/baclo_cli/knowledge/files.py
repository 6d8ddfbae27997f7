"""Replacing a file safely, for everything baclo writes outside its cache (the review state, ``flashcards -o``
text and Anki packages): written beside it under a new private name, then renamed into place, so a reader sees
the old file or the new one, never half of one. (The cache writes its own way: ``cache._write_file``, without
``tempfile``, which would cost every run that writes the cache.)"""

from __future__ import annotations

import contextlib
import os
import tempfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def replace_file(path: str | os.PathLike[str], fill: Callable[[int, str], None]) -> None:
    """Write ``path`` anew: ``fill(fd, name)`` writes the new file (``fd`` open for writing, closed by ``fill``;
    ``name`` its path), which then replaces ``path``. On any failure the new file is removed and the error
    raised as it was (an ``OSError`` when the folder cannot take it)."""
    target = os.fspath(path)
    fd, new = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target) or "."
    )
    try:
        fill(fd, new)
        os.replace(new, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(new)
        raise
