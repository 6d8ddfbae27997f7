"""The table format in a pipe: aligned columns, one line per fact, no box, no wrapping, and no Rich.

A script piping ``baclo side-effects`` wants the same columns a terminal shows, laid out with spaces so
``cut``, ``grep`` and ``column`` work; importing Rich for that would cost more than the rest of the run.
Colour appears only when forced (``FORCE_COLOR``), as plain SGR sequences. Widths count display cells:
East Asian wide characters take two, combining marks none.
"""

from __future__ import annotations

from baclo_cli.answers.result import Result
from baclo_cli.output.cells import Style, cell, header, ref_numbers, sentence
from baclo_cli.text import escape_controls

_SERIOUS = {"serious", "severe", "high", "major", "contraindicated", "boxed"}
GAP = "  "


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: int) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(str(c) for c in codes)}m{text}\x1b[0m"


def _one_line(text: str) -> str:
    return escape_controls(text).replace("\n", " ")  # a carriage return is already made visible


def _grid(table: Result, paint: _Painter, sources: bool, numbers: dict[str, int]) -> list[str]:
    heads = [header(c) for c in table.columns] + (["Src"] if sources else [])
    body = []
    for row in table.rows:
        cells = [_one_line(cell(row.get(c))) for c in table.columns]
        if sources:
            cells.append(ref_numbers(row, numbers))
        body.append(cells)
    widths = [max(display_width(line[i]) for line in [heads, *body]) for i in range(len(heads))]

    def line(cells: list[str], styles: list[tuple[int, ...]]) -> str:
        padded = [
            paint(text, *style) + " " * (widths[i] - display_width(text))
            for i, (text, style) in enumerate(zip(cells, styles, strict=True))
        ]
        return GAP.join(padded).rstrip()

    out = [line(heads, [(1, 36)] * len(heads))]
    for cells in body:
        out.append(line(cells, [(1, 31) if text.lower() in _SERIOUS else () for text in cells]))
    return out


def render_plain_table(result: Result, *, style: Style, sources: bool, numbers: dict[str, int], notice: str) -> str:
    paint = _Painter(style.color)
    lines = [paint(_one_line(result.title), 1)]
    if result.verdict:
        lines.append(paint(_one_line(result.verdict), 1, 31) if result.exit_code else paint(result.verdict, 1))
    if result.summary:
        lines.append(_one_line(result.summary))
    for table in result.tables():
        if table is not result:
            lines += ["", paint(_one_line(table.title), 1, 4)]
            if table.summary:
                lines.append(_one_line(table.summary))
        if not table.columns:
            continue
        lines.append("")
        lines += _grid(table, paint, sources, numbers)
    lines += [_one_line(note) for note in result.notes]
    if sources and result.references:
        lines += ["", paint("Sources", 1)]
        for ref in result.references:
            where = paint(ref.url, 4) if ref.url else "(no URL: see 'baclo refs')"
            text = _one_line(f"{sentence(ref.title)} {sentence(ref.publisher)} ({ref.kind})")
            lines.append(f"{paint(f'[{ref.number}]', 1)} {text} {where}")
    if notice:
        lines += ["", paint(notice, 2)]
    return "\n".join(line.rstrip() for line in lines) + "\n"


__all__ = ["display_width", "render_plain_table"]
