"""YAML output without PyYAML: the answers are plain data (dicts, lists, text, numbers, booleans, None).

Importing PyYAML costs more than the rest of a run, and a script asking for ``-f yaml`` runs baclo as often
as one asking for JSON. Text that could be misread as anything but text is written double-quoted with JSON
escapes, which YAML reads the same way; everything else is written plain, so the output stays readable.
``tests/test_render.py`` checks that PyYAML reads back exactly the data written, for every command.
"""

from __future__ import annotations

import math
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Plain scalars only when nothing in them could mean something else to a YAML reader.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ()/%+.,;'_-]*")
_SPECIAL = re.compile(r"(?i)(y|n|yes|no|on|off|true|false|null|nan|inf|~)")


def _scalar(value: Any, ascii_only: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:  # YAML 1.1 reads 1e+16 as text: write 1.0e+16
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent if exponent[0] in '+-' else '+' + exponent}"
        return text
    text = str(value)
    if (
        _PLAIN.fullmatch(text)
        and not _SPECIAL.fullmatch(text)
        and not text.endswith(" ")
        and (ascii_only is False or text.isascii())
    ):
        return text
    return _quoted(text, ascii_only)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
# What YAML would not keep as-is inside double quotes (and, for an ASCII stream, anything not ASCII).
_UNSAFE = '[^\\x20-\\x7e\\xa0-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]|[\\\\"\\u2028\\u2029\\ufeff]'
_UNSAFE_ASCII = '[^\\x20-\\x7e]|[\\\\"]'


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _quoted(text: str, ascii_only: bool) -> str:
    """A YAML double-quoted scalar; anything YAML would not keep as-is becomes an escape (\\x, \\u, \\U)."""
    return '"' + re.sub(_UNSAFE_ASCII if ascii_only else _UNSAFE, _escape, text) + '"'


def _lines(value: Any, indent: str, ascii_only: bool) -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = _scalar(str(key), ascii_only)
            if isinstance(item, (dict, list)) and item:
                out.append(f"{indent}{name}:")
                out += _lines(item, indent + ("" if isinstance(item, list) else "  "), ascii_only)
            else:
                out.append(f"{indent}{name}: {_empty(item) or _scalar(item, ascii_only)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _lines(item, indent + "  ", ascii_only)
                out.append(f"{indent}- {inner[0][len(indent) + 2 :]}")
                out += inner[1:]
            else:
                out.append(f"{indent}- {_empty(item) or _scalar(item, ascii_only)}")
    return out


def _empty(item: Any) -> str:
    if isinstance(item, dict) and not item:
        return "{}"
    if isinstance(item, list) and not item:
        return "[]"
    return ""


def dump(value: Any, *, ascii_only: bool = False) -> str:
    if isinstance(value, (dict, list)) and value:
        return "\n".join(_lines(value, "", ascii_only)) + "\n"
    return (_empty(value) or _scalar(value, ascii_only)) + "\n"
