"""``baclo validate``: every problem of a knowledge file, with its YAML path and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .knowledge import check_file, line_of
from .result import Result
from .schema import Problem


def validation_result(path: Path) -> Result:
    """Raises ``DataFileError`` for files that cannot be read or parsed; otherwise lists every problem."""
    schema_problems = check_file(path)  # first: it refuses aliases, so the walk below stays small
    problems = duplicate_keys(path) + schema_problems
    rows: list[dict[str, Any]] = [
        {"line": line_of(path, p.path) or "", "path": p.where, "problem": p.message} for p in problems
    ]
    payload = {"file": str(path), "valid": not problems, "problems": rows}
    summary = f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}." if problems else f"{path}: valid."
    return Result(
        title="Knowledge file check",
        summary=summary,
        columns=["line", "path", "problem"] if problems else [],
        rows=rows,
        payload=payload,
        exit_code=3 if problems else 0,
    )


def duplicate_keys(path: Path) -> list[Problem]:
    """Keys given twice in one mapping: YAML keeps the last silently, which would drop facts unseen."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            root = yaml.compose(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # check_file reports these properly
    problems: list[Problem] = []
    visited: set[int] = set()

    def walk(node: Any, trail: tuple[str | int, ...]) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    problems.append(Problem((*trail, key), f"key '{key}' appears twice; the first would be lost"))
                seen.add(key)
                walk(value_node, (*trail, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                walk(child, (*trail, i))

    if root is not None:
        walk(root, ())
    return problems
