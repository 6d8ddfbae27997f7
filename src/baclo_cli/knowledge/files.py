"""Files baclo keeps outside its cache (the review state, ``flashcards -o`` text and Anki packages).

``replace_file`` writes one safely: beside it under a new private name, then renamed into place, so a reader
sees the old file or the new one, never half of one. (The cache writes its own way: ``cache._write_file``,
without ``tempfile``, which would cost every run that writes the cache.) ``parse_json`` reads JSON as
``json.loads`` does, with the json package's own C scanner but without the package, which imports ``re``."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def replace_file(path: str | os.PathLike[str], fill: Callable[[int, str], None]) -> None:
    """Write ``path`` anew: ``fill(fd, name)`` writes the new file (``fd`` open for writing, closed by ``fill``;
    ``name`` its path), which then replaces ``path``. On any failure the new file is removed and the error
    raised as it was (an ``OSError`` when the folder cannot take it)."""
    import tempfile  # here: a run that only reads (review --stats) does not pay for it

    target = os.fspath(path)
    fd, new = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target) or "."
    )
    try:
        fill(fd, new)
        os.replace(new, target)
    except BaseException:
        try:  # noqa: SIM105 - contextlib costs start-up time
            os.unlink(new)
        except OSError:
            pass
        raise


class _Scanning:
    """What ``_json.make_scanner`` reads from a decoder: ``json.JSONDecoder()``'s defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_JSON_SPACE = " \t\n\r"  # what json.decoder's WHITESPACE skips around the value


def parse_json(text: str) -> Any:
    """``json.loads(text)``: the same value, or a ``ValueError`` (``json.JSONDecodeError``) where it raises one
    (``RecursionError`` for nesting too deep, as it does)."""
    try:
        from _json import make_scanner
    except ImportError:  # pragma: no cover - a Python without the C scanner
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    try:
        value, end = make_scanner(_Scanning())(text, start)  # type: ignore[arg-type]
    except StopIteration as stop:
        raise ValueError(f"Expecting value: line 1 column {stop.value + 1} (char {stop.value})") from None
    except (ValueError, SystemError):
        # The scanner reports a damaged document through json.decoder's error class, which it cannot find when
        # the package was never imported (a SystemError): on this path only, json.loads says what is wrong.
        import json

        return json.loads(text)
    if text[end:].strip(_JSON_SPACE):
        raise ValueError(f"Extra data: char {end}")
    return value
