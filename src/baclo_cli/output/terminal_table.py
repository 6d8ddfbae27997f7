"""The human table on a terminal, drawn by Rich from the one layout (``layout``): box, colour, wrapped cells."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from baclo_cli.answers.result import Result
from baclo_cli.output.cells import Style
from baclo_cli.output.layout import SERIOUS, Grid, card, lay_out, line_marks, one_line, reference_parts, stacked

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

MARK = "bold magenta"  # a search hit's matched words


def render_table(
    result: Result, *, style: Style, sources: bool, numbers: dict[str, int], notice: str, headers: bool = True
) -> str:
    width = style.width or 1_000_000
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=style.color,
        color_system="standard" if style.color else None,
        no_color=not style.color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
        safe_box=True,
    )
    wrap = style.width is not None
    if result.title:  # an answer without a title (dose-check) starts with its verdict
        console.print(Text(one_line(result.title), style="bold"), soft_wrap=not wrap)
    if result.verdict:
        verdict = Text(one_line(result.verdict), style="bold red" if result.exit_code else "bold")
        console.print(verdict, soft_wrap=not wrap)
    if result.gauge:
        console.print(_gauge(result.gauge, width, style), soft_wrap=True)
    if result.summary:
        console.print(Text(one_line(result.summary)), soft_wrap=not wrap)
    chosen = box.ASCII if style.ascii_only else box.ROUNDED
    for table in result.tables():
        if table is not result:
            console.print()
            console.print(Text(one_line(table.title), style="bold underline"), soft_wrap=not wrap)
            if table.summary:
                console.print(Text(one_line(table.summary)), soft_wrap=not wrap)
        if not table.columns:
            continue
        console.print()
        if table.card:
            for label, texts in card(table, numbers, style.width):
                line = Text(label, style="bold")
                line.append(texts[0])
                console.print(line, no_wrap=True, overflow="ignore")
                for text in texts[1:]:
                    console.print(Text(" " * len(label) + text), no_wrap=True, overflow="ignore")
            continue
        columns = len(table.columns) + sources
        grid = lay_out(table, sources, numbers, style.width, 3 * columns + 1)  # borders and padding
        if grid.widths is None:
            _print_stacked(console, grid, width, style.color)
        else:
            console.print(_rich_table(grid, style, chosen, headers=headers, compact=table.compact))
    for note in result.notes:
        console.print(Text(one_line(note)), soft_wrap=not wrap)
    if sources and result.references:
        console.print()
        console.print(Text("Sources", style="bold"))
        for ref in result.references:
            number, text, where = reference_parts(ref)
            line = Text(f"{number} ", style="bold")
            line.append(f"{text} ")
            line.append(where, style="underline" if style.color and ref.url else "")
            console.print(line, soft_wrap=not wrap)
    if notice:
        console.print()
        console.print(Text(notice, style="dim"), soft_wrap=not wrap)
    text = out.getvalue()
    # Rich pads cells to the column width; trailing blanks only get in the way of diff and grep.
    return "\n".join(line.rstrip() for line in text.split("\n"))


_GAUGE_STYLES = {"dose-above": "bold red", "dose-within": "bold green", "mark-max": "bold", "mark-toxicity": "red"}


def _gauge(gauge: tuple[float, str, list[tuple[float, str]]], width: int, style: Style) -> Text:
    """The one-line picture of the dose among its thresholds; plain ASCII when colour is off."""
    from baclo_cli.output.gauge import gauge_segments

    fancy = style.color and not style.ascii_only
    line = Text()
    for text, kind in gauge_segments(gauge, width, fancy):
        line.append(text, style=_GAUGE_STYLES.get(kind, "") if style.color else "")
    return line


def _rich_table(grid: Grid, style: Style, chosen: box.Box, *, headers: bool = True, compact: bool = False) -> Table:
    """A boxed table; ``compact``: a rule under the header only, no edges and no rules between rows."""
    broken = [grid.lines_of(row) for row in grid.rows]
    rich_table = Table(
        box=(box.ASCII2 if style.ascii_only else box.SIMPLE_HEAD) if compact else chosen,
        show_header=headers,
        header_style="bold cyan" if style.color else "",
        expand=False,
        show_edge=not compact,
        show_lines=not compact
        and any(len(lines) > 1 for row in broken for lines in row),  # rules between rows that wrap
    )
    for head, width in zip(grid.heads, grid.widths or [], strict=True):
        rich_table.add_column(head, width=width, no_wrap=True, overflow="crop")
    for row, lines, mark in zip(grid.rows, broken, grid.marks(style.color), strict=True):
        rich_table.add_row(*(_styled(text, cell, style, mark) for text, cell in zip(row, lines, strict=True)))
    return rich_table


def _styled(text: str, lines: list[str], style: Style, mark: re.Pattern[str] | None = None) -> Text:
    styled = Text("\n".join(lines), style="bold red" if style.color and text.lower() in SERIOUS else "")
    if style.color and mark is not None:
        start = 0
        for line, spans in zip(lines, line_marks(text, lines, mark), strict=True):
            for begin, end in spans:
                styled.stylize(MARK, start + begin, start + end)
            start += len(line) + 1
    return styled


def _print_stacked(console: Console, grid: Grid, width: int, color: bool = False) -> None:
    """One record per row, ``Field: value`` lines wrapped to the terminal: readable at 40 columns."""
    for i, (record, row, mark) in enumerate(zip(stacked(grid, width), grid.rows, grid.marks(color), strict=True)):
        if i:
            console.print()
        values = dict(zip(grid.heads, row, strict=True))
        for head, lines in record:
            spans = line_marks(f"{head}: {values[head]}", lines, mark, len(head) + 1)
            for j, (line, marks) in enumerate(zip(lines, spans, strict=True)):
                text = Text(line)
                for begin, end in marks:
                    text.stylize(MARK, begin, end)
                if j == 0:
                    text.stylize("bold", 0, len(head) + 1)
                console.print(text, no_wrap=True, overflow="ignore")
