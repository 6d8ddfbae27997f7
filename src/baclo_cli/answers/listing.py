"""``--where``, ``--sort`` and ``--fields``: the one implementation, for every answer that lists rows.

Every command that lists rows (a topic's facts, references, topics, glossary terms, search hits, disputes, dose
bands) builds its whole answer first; these options then work on the rows it shows, the same way everywhere and
with the same messages.
"""

from __future__ import annotations

from baclo_cli.answers.result import Result
from baclo_cli.errors import EXIT_NOT_FOUND, BadValue
from baclo_cli.text import shorten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

# One --where condition: (field, operator, value); operators '=' (equals), '!=' (differs), '~' (contains), and
# on numeric fields '>', '<', '>=', '<='.
Condition = tuple[str, str, str]
NUMERIC = (">", "<", ">=", "<=")
OPERATORS = ("!=", ">=", "<=", "~", "=", ">", "<")  # in the order they are tried: '!=' before '='
_FIELD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_FIELD_REST = _FIELD_START | frozenset("0123456789")


def split_condition(text: str) -> tuple[str, str, str] | None:
    """``FIELD OP VALUE`` as typed (spaces allowed before the field and the operator; a field is an ASCII letter or
    ``_``, then letters, digits and ``_``): the field, the operator and the rest, or None if it is not one. What
    ``--where`` parses and completion completes. (By hand: ``re`` costs a run ~3 ms.)"""
    at, end = 0, len(text)
    while at < end and text[at].isspace():
        at += 1
    start = at
    if at == end or text[at] not in _FIELD_START:
        return None
    while at < end and text[at] in _FIELD_REST:
        at += 1
    field = text[start:at]
    while at < end and text[at].isspace():
        at += 1
    op = next((op for op in OPERATORS if text.startswith(op, at)), None)
    return None if op is None else (field, op, text[at + len(op) :])


def parse_where(pairs: Iterable[str]) -> list[Condition]:
    """``["severity=serious", "effect~sleep"]`` -> conditions, all of which a row must meet."""
    out = []
    for pair in pairs:
        found = split_condition(pair)
        if found is None:
            raise BadValue(f"--where takes FIELD=VALUE, FIELD!=VALUE or FIELD~TEXT, got '{shorten(pair)}'")
        field, op, value = found
        out.append((field.lower(), op, value.strip()))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def meets(value: str, op: str, wanted: str) -> bool:
    if op in NUMERIC:
        number, limit = _number(value), _number(wanted)
        if number is None or limit is None:
            return False
        return {">": number > limit, "<": number < limit, ">=": number >= limit, "<=": number <= limit}[op]
    value, wanted = value.lower(), wanted.lower()
    if op == "~":
        return wanted in value
    return (value == wanted) is (op == "=")


def describe_where(where: Iterable[Condition]) -> str:
    return shorten(", ".join(f"{field}{op}{value}" for field, op, value in where), 200)


def row_fields(result: Result) -> list[str]:
    """The fields a row of ``result`` has: its columns, then any other keys of its rows and payload objects."""
    fields = list(result.columns)
    fields.extend(f for f in result.fields if f not in fields)
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
            from baclo_cli.text import did_you_mean

            hint = did_you_mean(field[:200], known)
            raise BadValue(
                f"{option}: {result.noun} have no field '{shorten(field)}'{hint} (fields: {', '.join(known)})"
            )


def _value_hint(result: Result, where: list[Condition]) -> str:
    """For FIELD=VALUE that matched nothing: the field's values closest to what was typed."""
    from baclo_cli.text import did_you_mean

    for field, op, wanted in where:
        values = {_value(row, field) for row in result.rows} - {""}
        hint = did_you_mean(wanted[:200], values) if op == "=" else ""
        if hint:
            return hint.replace("did you mean '", f"did you mean {field}='")
    return ""


def filter_rows(result: Result, where: list[Condition]) -> None:
    _check_fields(result, [field for field, _, _ in where], "--where")
    for field, op, wanted in where:
        if op not in NUMERIC:
            continue
        if _number(wanted) is None:
            raise BadValue(f"--where {field}{op}{wanted}: '{op}' compares numbers; give a number after it")
        if result.rows and not any(_number(row.get(field)) is not None for row in result.rows):
            raise BadValue(f"--where: '{field}' is not a numeric field here; '{op}' compares numbers")
    keep = [i for i, row in enumerate(result.rows) if all(meets(_value(row, f), op, v) for f, op, v in where)]
    if not keep and not result.verdict:  # an answer with a verdict (dose-check) keeps it, whatever the filter
        result.empty = f"no {result.noun} match {describe_where(where)}{_value_hint(result, where)}"
        result.exit_code = EXIT_NOT_FOUND
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
        result.payload["fields"] = wanted  # the rows hold only these: the contract's 'fields' case


def shape(result: Result, *, where: list[str], sort: str | None, fields: str | None) -> Result:
    """Apply the listing options; a composite answer (export, overview) has no single row list to shape."""
    if (where or sort or fields) and result.sections:
        raise BadValue("--where, --sort and --fields work on commands that list rows, not on this one")
    if where:
        filter_rows(result, parse_where(where))
    if sort:
        sort_rows(result, sort)
    if fields:
        select_fields(result, fields)
    return result
