"""YAML output without PyYAML: the answers are plain data (dicts, lists, text, numbers, booleans, None).

Importing PyYAML costs more than the rest of a run, and a script asking for ``-f yaml`` runs baclo as often
as one asking for JSON. Text that could be misread as anything but text is written double-quoted with JSON
escapes, which YAML reads the same way; everything else is written plain, so the output stays readable.
``tests/test_render.py`` checks that PyYAML reads back exactly the data written, for every command.
"""

from __future__ import annotations

import math

try:  # the C functions themselves: importing the json package costs a millisecond more
    from _json import encode_basestring as _encode
    from _json import encode_basestring_ascii as _encode_ascii
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from json.encoder import encode_basestring as _encode
    from json.encoder import encode_basestring_ascii as _encode_ascii

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any

# Plain scalars only when nothing in them could mean something else to a YAML reader: an ASCII letter, then
# only letters, digits and a few marks, and not a word YAML 1.1 reads as a boolean, null or number. (No re:
# it, and the enum it loads, would cost every run ~5 ms; str.translate does the same work in C.)
_PLAIN_REST = dict.fromkeys(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ()/%+.,;'_-"))
_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"}


def _is_plain(text: str) -> bool:
    first = text[:1]
    return first.isascii() and first.isalpha() and not text.translate(_PLAIN_REST)


def _text(text: str, ascii_only: bool) -> str:
    if len(text) <= 5 and text.lower() in _SPECIAL:
        return _quoted(text, ascii_only)
    if len(text) <= 80 and _is_plain(text) and text[-1] != " ":
        return text  # short plain words stay plain (readable); long text is quoted, which is faster to write
    return _quoted(text, ascii_only)


def _scalar(value: Any, ascii_only: bool) -> str:
    if type(value) is str:
        return _text(value, ascii_only)
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
    return _text(str(value), ascii_only)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
# What YAML would not keep as-is inside double quotes (and, for an ASCII stream, anything not ASCII).
_UNSAFE = '[^\\x20-\\x7e\\xa0-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]|[\\\\"\\u2028\\u2029\\ufeff]'
_UNSAFE_ASCII = '[^\\x20-\\x7e]|[\\\\"]'


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (an argument's undecodable byte): not a character
        return "\\ufffd"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# Characters JSON's string escaping leaves alone but a YAML double-quoted scalar may not hold as they are
# (U+FFFE and U+FFFF are not characters: PyYAML refuses them even inside quotes), and lone surrogates.
_RISKY = dict.fromkeys([*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF])


def _risky(text: str) -> bool:
    if text.isascii():
        return "\x7f" in text
    if len(text.translate(_RISKY)) != len(text):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (U+D800 to U+DFFF)
        return True
    return False


def _quoted(text: str, ascii_only: bool) -> str:
    """A YAML double-quoted scalar; anything YAML would not keep as-is becomes an escape (\\x, \\u, \\U).

    JSON's C string encoder writes escapes YAML reads the same way, so it does the common case; the few
    characters it would leave that YAML must not hold as they are (and, for an ASCII stream, anything beyond
    the Basic Multilingual Plane, which JSON would write as a surrogate pair) take the slower path."""
    if not _risky(text) and (text.isascii() or not ascii_only):
        return (_encode_ascii if ascii_only else _encode)(text)
    import re  # only for the rare text JSON's encoder cannot write for YAML

    return '"' + re.sub(_UNSAFE_ASCII if ascii_only else _UNSAFE, _escape, text) + '"'


def _lines(value: Any, indent: str, ascii_only: bool, out: list[str]) -> None:
    """Append the block-style lines of a non-empty dict or list to ``out``."""
    if type(value) is dict:
        for key, item in value.items():
            name = _text(key, ascii_only) if type(key) is str else _scalar(key, ascii_only)
            kind = type(item)
            if kind is str:
                out.append(f"{indent}{name}: {_text(item, ascii_only)}")
            elif (kind is dict or kind is list) and item:
                out.append(f"{indent}{name}:")
                _lines(item, indent if kind is list else indent + "  ", ascii_only, out)
            else:
                out.append(f"{indent}{name}: {_empty(item) or _scalar(item, ascii_only)}")
        return
    inner_indent = indent + "  "
    for item in value:
        kind = type(item)
        if kind is str:
            out.append(f"{indent}- {_text(item, ascii_only)}")
        elif kind is dict and item and (flow := _flow(item, ascii_only)) is not None:
            out.append(f"{indent}- {flow}")
        elif (kind is dict or kind is list) and item:
            start = len(out)
            _lines(item, inner_indent, ascii_only, out)
            out[start] = f"{indent}- {out[start][len(inner_indent) :]}"
        else:
            out.append(f"{indent}- {_empty(item) or _scalar(item, ascii_only)}")


def _flow_value(value: Any, encode: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return str(encode(value))
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return None  # floats (YAML 1.1 would read 1e+16 as text) and nested containers take the block form


def _flow(item: dict[str, Any], ascii_only: bool) -> str | None:
    """A flat record (a fact, a reference, a hit) as one flow mapping line, written with JSON's C string
    encoder: several times faster than the block form, and one record per line. None when it is not flat."""
    encode = _encode_ascii if ascii_only else _encode
    parts = []
    for key, value in item.items():
        if type(key) is not str:
            return None
        if type(value) is list:
            inner = [_flow_value(v, encode) for v in value]
            if None in inner:
                return None
            text = "[" + ", ".join(inner) + "]"  # type: ignore[arg-type]
        else:
            found = _flow_value(value, encode)
            if found is None:
                return None
            text = found
        parts.append(f"{encode(key)}: {text}")
    line = "{" + ", ".join(parts) + "}"
    if _risky(line):
        return None  # characters JSON leaves as they are but YAML may not hold: the block form escapes them
    if ascii_only and any(line[i + 3 : i + 4] in ("8", "9", "a", "b") for i in _finds(line, "\\ud")):
        return None  # JSON writes a character beyond the BMP as a surrogate pair, which YAML reads as two
    return line


def _finds(text: str, part: str) -> list[int]:
    """Every place ``part`` starts in ``text``."""
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def _empty(item: Any) -> str:
    if isinstance(item, dict) and not item:
        return "{}"
    if isinstance(item, list) and not item:
        return "[]"
    return ""


def dump(value: Any, *, ascii_only: bool = False) -> str:
    if isinstance(value, (dict, list)) and value:
        out: list[str] = []
        _lines(value, "", ascii_only, out)
        return "\n".join(out) + "\n"
    return (_empty(value) or _scalar(value, ascii_only)) + "\n"
