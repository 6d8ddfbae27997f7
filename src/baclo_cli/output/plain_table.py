"""The table format in a pipe (and with colour forced): aligned columns drawn with spaces, no box, no Rich.

A script piping ``baclo side-effects`` wants the same columns a terminal shows, laid out with spaces so
``cut``, ``grep`` and ``column`` work; importing Rich for that would cost more than the rest of the run.
Cells, widths and line breaks come from ``layout``; colour appears only when forced (``FORCE_COLOR``), as
plain SGR sequences.
"""

from __future__ import annotations

from baclo_cli.answers.result import Result
from baclo_cli.output.cells import Style
from baclo_cli.output.layout import (
    SERIOUS,
    Grid,
    card,
    display_width,
    lay_out,
    line_marks,
    one_line,
    reference_parts,
    stacked,
)

GAP = "  "
MARK = (1, 35)  # a search hit's matched words: bold magenta


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: int) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(str(c) for c in codes)}m{text}\x1b[0m"


def _grid_lines(grid: Grid, paint: _Painter) -> list[str]:
    widths = grid.widths or []

    def line(texts: list[str], styles: list[tuple[int, ...]], marks: list[list[tuple[int, int]]]) -> str:
        padded = [
            (paint(text, *style) if style else _marked(text, spans, paint)) + " " * (widths[i] - display_width(text))
            for i, (text, style, spans) in enumerate(zip(texts, styles, marks, strict=True))
        ]
        return GAP.join(padded).rstrip()

    out = [line(grid.heads, [(1, 36)] * len(grid.heads), [[] for _ in grid.heads])]
    for row, mark in zip(grid.rows, grid.marks(paint.color), strict=True):
        styles: list[tuple[int, ...]] = [(1, 31) if text.lower() in SERIOUS else () for text in row]
        broken = grid.lines_of(row)
        spans = [line_marks(text, lines, mark) for text, lines in zip(row, broken, strict=True)]
        for k in range(max(len(lines) for lines in broken)):
            texts = [lines[k] if k < len(lines) else "" for lines in broken]
            out.append(line(texts, styles, [cell[k] if k < len(cell) else [] for cell in spans]))
    return out


def _marked(text: str, spans: list[tuple[int, int]], paint: _Painter) -> str:
    """``text`` with a search hit's matched words painted (bold magenta)."""
    out, at = [], 0
    for begin, end in spans:
        out += [text[at:begin], paint(text[begin:end], *MARK)]
        at = end
    return "".join(out) + text[at:]


def _stacked_lines(grid: Grid, width: int, paint: _Painter) -> list[str]:
    out: list[str] = []
    for i, (record, row, mark) in enumerate(zip(stacked(grid, width), grid.rows, grid.marks(paint.color), strict=True)):
        if i:
            out.append("")
        values = dict(zip(grid.heads, row, strict=True))
        for head, lines in record:
            spans = line_marks(f"{head}: {values[head]}", lines, mark, len(head) + 1)
            marked = [_marked(line, cell, paint) for line, cell in zip(lines, spans, strict=True)]
            out.append(paint(head + ":", 1) + marked[0][len(head) + 1 :])
            out += marked[1:]
    return out


def render_plain_table(
    result: Result, *, style: Style, sources: bool, numbers: dict[str, int], notice: str, headers: bool = True
) -> str:
    paint = _Painter(style.color)
    lines = [paint(one_line(result.title), 1)] if result.title else []
    if result.verdict:
        lines.append(paint(one_line(result.verdict), 1, 31) if result.exit_code else paint(result.verdict, 1))
    if result.summary:
        lines.append(one_line(result.summary))
    for table in result.tables():
        if table is not result:
            lines += ["", paint(one_line(table.title), 1, 4)]
            if table.summary:
                lines.append(one_line(table.summary))
        if not table.columns:
            continue
        lines.append("")
        if table.card:
            for label, texts in card(table, numbers, style.width):
                lines.append(paint(label, 1) + texts[0])
                lines += [" " * len(label) + text for text in texts[1:]]
            continue
        grid = lay_out(table, sources, numbers, style.width, len(GAP) * (len(table.columns) + sources - 1))
        if grid.widths is None and style.width is not None:
            lines += _stacked_lines(grid, style.width, paint)
        else:
            lines += _grid_lines(grid, paint)[0 if headers else 1 :]
    lines += [one_line(note) for note in result.notes]
    if sources and result.references:
        lines += ["", paint("Sources", 1)]
        for ref in result.references:
            number, text, where = reference_parts(ref)
            lines.append(f"{paint(number, 1)} {text} {paint(where, 4) if ref.url else where}")
    if notice:
        lines += ["", paint(notice, 2)]
    return "\n".join(line.rstrip() for line in lines) + "\n"


__all__ = ["display_width", "render_plain_table"]
