"""``--where``, ``--sort`` and ``--fields`` on any answer that lists rows.

Topic commands filter their facts in ``query`` (where a field's absence is an error worth naming); every other
listing (refs, topics, glossary, search hits, disputes, dose bands) is filtered here, on the rows it shows, so
the same three options work on every command the same way.
"""

from __future__ import annotations

from baclo_cli.answers.result import Result
from baclo_cli.answers.topics import Condition, describe_where, meets, parse_where
from baclo_cli.errors import BadValue, NothingFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def row_fields(result: Result) -> list[str]:
    """The fields a row of ``result`` has: its columns, then any other keys of its rows and payload objects."""
    fields = list(result.columns)
    for row in result.rows:
        fields.extend(k for k in row if k not in fields)
    for item in result.row_items() or []:
        if isinstance(item, dict):
            fields.extend(k for k in item if k not in fields)
    return fields


def _value(row: dict[str, Any], field: str) -> str:
    value = row.get(field, "")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _check_fields(result: Result, wanted: list[str], option: str) -> None:
    known = row_fields(result)
    for field in wanted:
        if field not in known:
            raise BadValue(f"{option}: no field '{field}' here (fields: {', '.join(known)})")


def filter_rows(result: Result, pairs: list[str]) -> None:
    where: list[Condition] = parse_where(pairs)
    _check_fields(result, [field for field, _, _ in where], "--where")
    keep = [i for i, row in enumerate(result.rows) if all(meets(_value(row, f), op, v) for f, op, v in where)]
    if not keep and not result.verdict:  # an answer with a verdict (dose-check) keeps it, whatever the filter
        raise NothingFound(f"no rows match {describe_where(where)}")
    result.keep(keep)


def sort_rows(result: Result, spec: str) -> None:
    """``--sort FIELD`` (``-FIELD`` for descending); numbers sort as numbers, text without regard to case."""
    descending = spec.startswith("-")
    field = spec.lstrip("-")
    _check_fields(result, [field], "--sort")

    def key(i: int) -> tuple[int, float, str]:
        value = result.rows[i].get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (0, float(value), "")
        return (1, 0.0, _value(result.rows[i], field).lower())

    result.keep(sorted(range(len(result.rows)), key=key, reverse=descending))


def select_fields(result: Result, spec: str) -> None:
    """``--fields a,b,c``: only these columns, in this order, in every format (the row objects of JSON too)."""
    wanted = [f.strip() for f in spec.split(",") if f.strip()]
    if not wanted:
        raise BadValue("--fields takes field names separated by commas, e.g. --fields effect,frequency")
    _check_fields(result, wanted, "--fields")
    result.columns = wanted
    for row in result.rows:
        for key in [k for k in row if k not in wanted]:
            del row[key]
    items = result.row_items()
    if items is not None:
        result.payload[result.rows_key] = [
            {k: item.get(k) for k in wanted} if isinstance(item, dict) else item for item in items
        ]


def shape(result: Result, *, where: list[str], sort: str | None, fields: str | None, filter_here: bool) -> Result:
    """Apply the listing options; a composite answer (export, overview) has no single row list to shape."""
    if ((where and filter_here) or sort or fields) and result.sections:
        raise BadValue("--where, --sort and --fields work on commands that list rows, not on this one")
    if where and filter_here:
        filter_rows(result, where)
    if sort:
        sort_rows(result, sort)
    if fields:
        select_fields(result, fields)
    return result
