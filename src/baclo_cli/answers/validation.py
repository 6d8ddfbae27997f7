"""``baclo validate``: every problem of a knowledge file, with its YAML path and line.

It runs the very checks every command runs (``knowledge.check_text``), so a file it passes loads
everywhere and a file it refuses is refused everywhere.
"""

from __future__ import annotations

import os

from baclo_cli.answers.result import SCHEMA_VERSION, Result

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.knowledge.checks import Problem


def validation_result(path: str | os.PathLike[str], raw: bytes | None = None) -> Result:
    """Raises ``DataFileError`` for files that cannot be read or parsed; otherwise lists every problem.
    ``raw``: the file's bytes, when already read."""
    from baclo_cli.knowledge.load import check_text
    from baclo_cli.knowledge.reader import decode, lines_of, read_bytes

    text = decode(read_bytes(path) if raw is None else raw, str(path))
    _, problems = check_text(text, str(path))
    lines = lines_of(text, [p.path for p in problems])  # one parse of the file, however many problems
    return _result(path, problems, lines)


def valid_result(path: str | os.PathLike[str]) -> Result:
    """The answer for a file known to pass every check (this code checked these very bytes before)."""
    return _result(path, [], [])


def _result(path: str | os.PathLike[str], problems: list[Problem], lines: list[int | None]) -> Result:
    rows: list[dict[str, Any]] = [
        {"line": line or "", "path": p.where, "problem": p.message} for p, line in zip(problems, lines, strict=True)
    ]
    payload = {
        "schema_version": SCHEMA_VERSION,
        "file": str(path),
        "valid": not problems,
        "problems": [dict(r) for r in rows],
    }
    summary = f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}." if problems else f"{path}: valid."
    return Result(
        title="Knowledge file check",
        summary=summary,
        columns=["line", "path", "problem"] if problems else [],
        rows=rows,
        payload=payload,
        exit_code=3 if problems else 0,
        rows_key="problems",
    )
