"""How one value, one row's citations or one reference becomes text: shared by every renderer.

Kept apart from ``render`` so the table renderers (Rich on a terminal, plain columns in a pipe) and the
format dispatcher depend on it, not on each other.
"""

from __future__ import annotations

from baclo_cli.text import escape_controls

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Style:
    """What the output stream can show."""

    __slots__ = ("ascii_only", "color", "is_terminal", "width")

    def __init__(
        self, is_terminal: bool = False, color: bool = False, width: int | None = None, ascii_only: bool = False
    ) -> None:
        self.is_terminal = is_terminal
        self.color = color
        self.width = width  # None: never wrap (not a terminal)
        self.ascii_only = ascii_only


def header(name: str) -> str:
    return name.replace("_", " ").capitalize()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(cell(v) for v in value)
    return escape_controls(str(value))


def spreadsheet_safe(text: str) -> str:
    """CSV/TSV cells: a cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
    return) gets a leading apostrophe, unless it is a plain number (-5, +1.5), which stays a number."""
    if text and text[0] in "=+-@\t\r" and not plain_number(text):
        return "'" + text
    return text


def _decimals(text: str, at: int) -> int:
    """Where the run of decimal digits (any script's, as ``re``'s \\d) starting at ``at`` ends."""
    while at < len(text) and text[at].isdecimal():
        at += 1
    return at


def plain_number(text: str) -> bool:
    """``[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?`` as a whole, read by hand (re costs a run ~5 ms)."""
    start = 1 if text[:1] in ("+", "-") else 0
    end = _decimals(text, start)
    if end > start:
        if text[end : end + 1] == ".":
            end = _decimals(text, end + 1)
    elif text[end : end + 1] == "." and _decimals(text, end + 1) > end + 1:
        end = _decimals(text, end + 1)
    else:
        return False
    if text[end : end + 1] in ("e", "E"):
        digits = end + 2 if text[end + 1 : end + 2] in ("+", "-") else end + 1
        if _decimals(text, digits) > digits:
            end = _decimals(text, digits)
    return end == len(text)


def ref_numbers(row: dict[str, Any], numbers: dict[str, int]) -> str:
    nums = sorted({numbers[r] for r in row.get("refs", []) if r in numbers})
    return "[" + ",".join(str(n) for n in nums) + "]" if nums else ""


def sentence(text: str) -> str:
    """``text`` ending in one full stop (titles may end in '?' or '.')."""
    return text if text.endswith((".", "?", "!")) else text + "."
