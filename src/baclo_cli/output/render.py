"""Turn a ``Result`` into text: table, json, yaml, csv, tsv, markdown or plain.

Each renderer imports what it needs inside itself: a JSON answer never imports Rich or PyYAML.
"""

from __future__ import annotations

import os
import sys

from baclo_cli.answers.result import Result
from baclo_cli.knowledge.load import Reference
from baclo_cli.output import FORMATS
from baclo_cli.output.cells import (
    Style,
    cell,
    header,
    ref_numbers,
    spreadsheet_safe,
)
from baclo_cli.output.layout import NO_URL, kind_text, reference_line
from baclo_cli.text import escape_controls, valid_unicode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

__all__ = ["FORMATS", "Style", "cell", "detect_style", "escape_controls", "header", "render", "write"]


def detect_style(stream: TextIO, *, no_color: bool = False, color: bool | None = None) -> Style:
    """Colour and layout from the stream and NO_COLOR / FORCE_COLOR / TERM. ``color`` (--color always/never)
    and ``no_color`` (--no-color) win over the environment."""
    try:
        is_terminal = stream.isatty()
    except (AttributeError, ValueError):
        is_terminal = False
    term = os.environ.get("TERM", "")
    if no_color or color is False:
        use_color = False
    elif color is True:
        use_color = True
    elif os.environ.get("NO_COLOR"):
        use_color = False
    elif os.environ.get("FORCE_COLOR"):
        use_color = True
    else:
        use_color = is_terminal and term != "dumb"
    width = None
    if is_terminal:
        import shutil

        width = shutil.get_terminal_size((80, 24)).columns
    encoding = (getattr(stream, "encoding", None) or "ascii").lower().replace("-", "")
    ascii_only = not encoding.startswith("utf") or term == "dumb"
    return Style(is_terminal=is_terminal, color=use_color, width=width, ascii_only=ascii_only)


def notice_text(last_reviewed: str) -> str:
    return f"Reference only, not medical advice; data reviewed {last_reviewed}."


def render(
    result: Result,
    fmt: str,
    *,
    style: Style,
    sources: bool,
    numbers: dict[str, int],
    notice: str,
    headers: bool = True,
) -> str:
    """The text for stdout. ``numbers`` maps reference ids to their numbers in the reference list.

    The human formats show text, never obey it: every string of the answer passes the one control-character
    filter before a renderer sees it (the table's own colours are added after, by the renderer)."""
    renderer: Callable[..., str] = _RENDERERS[fmt]
    if fmt in HUMAN_FORMATS:
        result = shown(result)
        notice = escape_controls(notice)
    text = renderer(result, style=style, sources=sources, numbers=numbers, notice=notice, headers=headers)
    return escape_controls(text) if fmt in ("plain", "markdown") else text


HUMAN_FORMATS = ("table", "plain", "markdown")


def shown(result: Result) -> Result:
    """A copy of ``result`` whose every string (title, summary, verdict, notes, references, the sections'
    titles and summaries) has its control characters made visible; row cells are escaped as they are drawn."""
    copy = Result.__new__(Result)
    copy.__dict__.update(result.__dict__)  # every attribute kept (card, noun, empty ...), the strings escaped
    copy.title = escape_controls(result.title)
    copy.columns = [escape_controls(c) for c in result.columns]
    copy.summary = escape_controls(result.summary)
    copy.references = [_shown_reference(r) for r in result.references]
    copy.notes = [escape_controls(n) for n in result.notes]
    copy.sections = [shown(s) for s in result.sections]
    copy.verdict = escape_controls(result.verdict)
    copy.preamble = [escape_controls(line) for line in result.preamble]
    return copy


def _shown_reference(ref: Reference) -> Reference:
    parts = (ref.title, ref.publisher, ref.kind, ref.url, ref.note, *ref.provenance.values())
    if all(not isinstance(p, str) or (p.isascii() and p.isprintable()) for p in parts):
        return ref
    title, publisher, kind, url, note = (escape_controls(p) for p in parts[:5])
    provenance = {k: escape_controls(v) if isinstance(v, str) else v for k, v in ref.provenance.items()}
    return Reference(ref.id, ref.number, title, publisher, kind, url, note, provenance)


def _json(result: Result, *, style: Style, **_: Any) -> str:
    """Indented on a terminal, compact in a pipe (as gh does): the compact form is written by the C encoder,
    several times faster on a large answer, and ``jq`` reads both alike."""
    if style.is_terminal:
        import json

        return _no_lone_surrogates(json.dumps(result.payload, indent=2, ensure_ascii=style.ascii_only)) + "\n"
    return _no_lone_surrogates(compact_json(result.payload, ascii_only=style.ascii_only)) + "\n"


# In JSON escaped for an ASCII stream: an escaped backslash, a surrogate pair (a character beyond the BMP), or a
# lone surrogate (an argument's undecodable byte), which strict parsers refuse and which becomes U+FFFD.
_ESCAPES = r"\\\\|\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}|\\(ud[89a-f][0-9a-f]{2})"


def _no_lone_surrogates(text: str) -> str:
    if "\\ud" not in text:
        return text
    import re

    return re.sub(_ESCAPES, lambda m: "\\ufffd" if m.group(1) else m.group(), text)


def compact_json(value: Any, *, ascii_only: bool = False) -> str:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)``, by JSON's C encoder straight
    from ``_json`` where it exists: the ``json`` package imports ``re`` and ``enum`` (3-4 ms on every run)."""
    try:
        from _json import encode_basestring, encode_basestring_ascii, make_encoder
    except ImportError:  # pragma: no cover - an interpreter without the C accelerator
        import json

        return json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))

    def unknown(obj: Any) -> Any:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    encoder = make_encoder(
        {},  # markers: circular references are refused, as json.dumps does
        unknown,
        encode_basestring_ascii if ascii_only else encode_basestring,
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    return "".join(encoder(value, 0))


def row_objects(result: Result) -> list[dict[str, Any]]:
    """One object per row: the payload's row objects where the answer has them, else the rows shown."""
    out: list[dict[str, Any]] = []
    for table in result.tables():
        items = table.row_items()
        if items is None:
            items = [{c: row.get(c) for c in [*table.columns, "refs"] if c in row} for row in table.rows]
        name = table.payload.get("topic") if result.sections and isinstance(table.payload, dict) else None
        out.extend({"topic": name, **item} if name else dict(item) for item in items)
    return out


def _ndjson(result: Result, *, style: Style, **_: Any) -> str:
    """One JSON object per line (a fact, a reference, a hit ...), for ``jq -c`` and streaming."""
    lines = [_no_lone_surrogates(compact_json(item, ascii_only=style.ascii_only)) for item in row_objects(result)]
    return "\n".join(lines) + "\n" if lines else ""


def _yaml(result: Result, *, style: Style, **_: Any) -> str:
    from baclo_cli.output.yaml_writer import dump

    # On a stream that cannot take Unicode, text is escaped ("\u2013"): still exact, still valid YAML.
    return dump(result.payload, ascii_only=style.ascii_only)


def _machine_cell(value: Any, style: Style) -> str:
    text = spreadsheet_safe(cell(value))
    return to_ascii(text) if style.ascii_only else text


def _flat_rows(result: Result) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per fact; a composite answer gets a leading ``section`` column and the union of columns."""
    tables = result.tables()
    columns: list[str]
    if len(tables) == 1:
        columns = list(tables[0].columns)  # then every other field a row has (dispute, jurisdiction ...), as JSON
        columns.extend(k for row in tables[0].rows for k in row if k not in columns and k != "refs")
        return list(dict.fromkeys(columns)), list(tables[0].rows)
    columns = ["section"]
    rows: list[dict[str, Any]] = []
    for table in tables:
        columns.extend(c for c in table.columns if c not in columns)
        rows.extend({"section": table.title, **row} for row in table.rows)
    return columns, rows


def _with_refs(result: Result, columns: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The columns, plus ``refs`` when any row can carry citations."""
    cites = any("refs" in row for row in rows) or (not rows and (result.references or result.cites))
    return [*columns, "refs"] if cites else columns


def _csv(result: Result, *, style: Style, headers: bool = True, **_: Any) -> str:
    import _csv as csv  # the C writer itself: the csv package imports re, ~5 ms a run; same defaults as 'excel'
    import io

    columns, rows = _flat_rows(result)
    heads = _with_refs(result, columns, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if headers:
        writer.writerow(heads)
    for row in rows:
        cells = [_machine_cell(row.get(c), style) for c in columns]
        writer.writerow([*cells, ";".join(row.get("refs", []))] if len(heads) > len(columns) else cells)
    return out.getvalue()


def _tsv(result: Result, *, style: Style, headers: bool = True, **_: Any) -> str:
    columns, rows = _flat_rows(result)

    def clean(value: Any) -> str:
        return _machine_cell(value, style).replace("\t", " ").replace("\r", " ").replace("\n", " ")

    if result.preamble:  # a file for another program (Anki): its header lines, then the columns only
        lines = list(result.preamble)
        lines += ["\t".join(clean(row.get(c)) for c in columns) for row in rows]
        return "\n".join(lines) + "\n"
    heads = _with_refs(result, columns, rows)
    lines = ["\t".join(heads)] if headers else []
    for row in rows:
        cells = [clean(row.get(c)) for c in columns]
        lines.append("\t".join([*cells, ";".join(row.get("refs", []))] if len(heads) > len(columns) else cells))
    return "\n".join(lines) + "\n"


def _reference_lines(refs: list[Reference]) -> list[str]:
    return [reference_line(r) for r in refs]


# Characters that mean something to Markdown (CommonMark, and GitHub's tables, strikethrough and maths) or to
# the HTML it may hold: each is written after a backslash, which Markdown reads as the character itself.
# (str.replace and str.translate, not patterns: re costs a run ~5 ms; translate goes a character at a time
# through a dict on non-ASCII text, so the few Markdown characters are replaced one by one where present.)
MD_SPECIAL = "\\`*_[]<>#|~&$"
# Every character str.isspace accepts (what \s matches), checked against it over all of Unicode by a test.
WHITESPACE = [*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029]
WHITESPACE += [0x202F, 0x205F, 0x3000]
_URL_ESCAPED = {code: f"%{code:02X}" for code in [*map(ord, "()<>\\"), *WHITESPACE]}


def _md_escape(text: str) -> str:
    """Text as one Markdown paragraph that shows exactly this text: no HTML, links, emphasis, headings or
    lists of its own, and no line breaks (a multi-line summary becomes one line)."""
    text = " ".join(text.split())
    for ch in MD_SPECIAL:  # the backslash first, so the ones added are not escaped again (what translate does)
        if ch in text:
            text = text.replace(ch, "\\" + ch)
    if text[:1] in ("-", "+", "="):  # a list item, a thematic break or a heading underline
        return "\\" + text
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits and text[digits : digits + 1] in (".", ")"):  # an ordered list item
        return f"{text[:digits]}\\{text[digits:]}"
    return text


def _md_url(url: str) -> str:
    """A link destination that ends where the URL ends (parentheses, angle brackets, backslashes and spaces
    are percent-encoded)."""
    return url.translate(_URL_ESCAPED)


def _markdown(result: Result, *, sources: bool, numbers: dict[str, int], notice: str, **_: Any) -> str:
    lines = [f"# {_md_escape(result.title or result.verdict)}", ""]
    if result.verdict and result.title:
        lines += [f"**{_md_escape(result.verdict)}**", ""]
    if result.summary:
        lines += [_md_escape(result.summary), ""]
    for table in result.tables():
        if table is not result:
            lines += [f"## {_md_escape(table.title)}", ""]
            if table.summary:
                lines += [_md_escape(table.summary), ""]
        columns = list(table.columns)
        if not columns:
            continue
        heads = [_md_escape(header(c)) for c in columns] + (["Sources"] if sources else [])
        lines.append("| " + " | ".join(heads) + " |")
        lines.append("|" + "|".join("---" for _ in heads) + "|")
        for row in table.rows:
            cells = [_md_escape(cell(row.get(c))) for c in columns]
            if sources:
                cells.append(ref_numbers(row, numbers))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if result.notes:  # one paragraph, a note a line, each line escaped (so none starts a block of its own)
        lines += [" " * min(len(note) - len(note.lstrip(" ")), 3) + _md_escape(note) for note in result.notes]
        lines.append("")
    if sources and result.references:
        lines += ["## References", ""]
        lines += [
            f"{r.number}. [{_md_escape(r.title)}]({_md_url(r.url)}), {_md_escape(r.publisher)} "
            f"({_md_escape(kind_text(r))})"
            if r.url
            else f"{r.number}. {_md_escape(r.title)}, {_md_escape(r.publisher)} ({_md_escape(kind_text(r))}) "
            + _md_escape(NO_URL)
            for r in result.references
        ]
        lines.append("")
    if notice:
        lines.append(f"_{_md_escape(notice)}_")
    return "\n".join(lines) + "\n"


def _plain(result: Result, *, sources: bool, numbers: dict[str, int], **_: Any) -> str:
    lines = [result.verdict] if result.verdict else []
    for table in result.tables():
        for row in table.rows:
            text = " | ".join(cell(row.get(c)) for c in table.columns if cell(row.get(c)))
            if sources and row.get("refs"):
                text += " " + ref_numbers(row, numbers)
            lines.append(text)
    lines += result.notes
    if sources and result.references:
        lines += _reference_lines(result.references)
    return "\n".join(lines) + "\n" if lines else ""


def _table(
    result: Result, *, style: Style, sources: bool, numbers: dict[str, int], notice: str, headers: bool = True
) -> str:
    """Rich on a terminal; in a pipe, plain aligned columns without importing Rich at all."""
    if not style.is_terminal:
        from baclo_cli.output.plain_table import render_plain_table

        return render_plain_table(result, style=style, sources=sources, numbers=numbers, notice=notice, headers=headers)
    from baclo_cli.output.terminal_table import render_table

    return render_table(result, style=style, sources=sources, numbers=numbers, notice=notice, headers=headers)


_RENDERERS: dict[str, Callable[..., str]] = {
    "json": _json,
    "ndjson": _ndjson,
    "yaml": _yaml,
    "csv": _csv,
    "tsv": _tsv,
    "markdown": _markdown,
    "plain": _plain,
    "table": _table,
}


def write(text: str, stream: TextIO | None = None) -> None:
    """Write all of ``text`` or raise ``OSError``; fall back to ASCII replacements on a stream that cannot
    encode the text (LANG=C etc.).

    The bytes go to the stream's binary layer in a loop that checks what each write took: with
    ``PYTHONUNBUFFERED=1`` that layer is the raw file, whose short write (a file-size limit, a nearly full
    disk) Python's text layer would drop without a word. An argument's undecodable bytes (held as lone
    surrogates) become U+FFFD, so the output is always valid in its encoding, never replaced wholesale."""
    stream = stream or sys.stdout
    binary = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None)
    if binary is None or not encoding:  # a text-only stream (a test's StringIO): its own write
        try:
            stream.write(valid_unicode(text))
        except UnicodeEncodeError:
            stream.write(to_ascii(text))
        stream.flush()
        return
    stream.flush()  # whatever the text layer still holds goes first
    _write_all(binary, encoded(text, encoding))


def encoded(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``; lone surrogates become U+FFFD, and what the encoding cannot hold its ASCII
    stand-in (``–`` to ``-``), one character at a time."""
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        pass
    text = valid_unicode(text)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return to_ascii(text).encode(encoding, "replace")
    except LookupError:
        return to_ascii(text).encode("ascii")


def _write_all(binary: Any, data: bytes) -> None:
    view = memoryview(data)
    stalled = 0
    while view:
        taken = binary.write(view) or 0  # None: a non-blocking stream that would block, try again
        if not taken:
            stalled += 1
            if stalled > 2:
                import errno

                raise OSError(errno.EIO, "the output took no more bytes")
            continue
        stalled = 0
        view = view[taken:]
    binary.flush()


_ASCII = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2265": ">=",
        "\u2264": "<=",
        "\u00b5": "u",
        "\u03bc": "u",
        "\u00b1": "+/-",
        "\u2192": "->",
        "\u00d7": "x",
        "\u00b0": " deg",
        "\u2026": "...",
    }
)


def to_ascii(text: str) -> str:
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")
