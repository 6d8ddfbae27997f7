"""The human table: Rich on a terminal, plain aligned columns (no colour, no box, no wrapping) elsewhere."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from baclo_cli.answers.result import Result
from baclo_cli.output.cells import NARROW, Style, cell, header, ref_numbers, sentence

_SERIOUS = {"serious", "severe", "high", "major", "contraindicated", "boxed"}


def render_table(result: Result, *, style: Style, sources: bool, numbers: dict[str, int], notice: str) -> str:
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
    console.print(Text(result.title, style="bold"), soft_wrap=not wrap)
    if result.verdict:
        console.print(Text(result.verdict, style="bold red" if result.exit_code else "bold"), soft_wrap=not wrap)
    if result.summary:
        console.print(Text(result.summary), soft_wrap=not wrap)
    for table in result.tables():
        if table is not result:
            console.print()
            console.print(Text(table.title, style="bold underline"), soft_wrap=not wrap)
            if table.summary:
                console.print(Text(table.summary), soft_wrap=not wrap)
        if not table.columns:
            continue
        console.print()
        if style.width is not None and style.width < NARROW and len(table.columns) > 2:
            _print_stacked(console, table, style.width, sources, numbers)
        else:
            console.print(_rich_table(table, style, sources, numbers))
    for note in result.notes:
        console.print(Text(note), soft_wrap=not wrap)
    if sources and result.references:
        console.print()
        console.print(Text("Sources", style="bold"))
        for ref in result.references:
            line = Text(f"[{ref.number}] ", style="bold")
            line.append(f"{sentence(ref.title)} {sentence(ref.publisher)} ({ref.kind}) ")
            line.append(ref.url or "(no URL: see 'baclo refs')", style="underline" if style.color and ref.url else "")
            console.print(line, soft_wrap=not wrap)
    if notice:
        console.print()
        console.print(Text(notice, style="dim"), soft_wrap=not wrap)
    text = out.getvalue()
    # Rich pads cells to the column width; trailing blanks only get in the way of diff and grep.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _rich_table(table: Result, style: Style, sources: bool, numbers: dict[str, int]) -> Table:
    if not style.is_terminal:
        chosen = None
    elif style.ascii_only:
        chosen = box.ASCII
    else:
        chosen = box.ROUNDED
    rich_table = Table(
        box=chosen,
        show_header=True,
        header_style="bold cyan" if style.color else "",
        pad_edge=chosen is not None,
        expand=False,
        show_lines=chosen is not None and style.width is not None and style.width < 120,
    )
    for column in table.columns:
        rich_table.add_column(header(column), overflow="fold", no_wrap=not style.is_terminal)
    if sources:
        rich_table.add_column("Src", no_wrap=True)
    for row in table.rows:
        cells = [_styled(column, row.get(column), style) for column in table.columns]
        if sources:
            cells.append(Text(ref_numbers(row, numbers)))
        rich_table.add_row(*cells)
    return rich_table


def _styled(column: str, value: Any, style: Style) -> Text:
    text = cell(value)
    if style.color and text.lower() in _SERIOUS:
        return Text(text, style="bold red")
    return Text(text)


def _print_stacked(console: Console, table: Result, width: int, sources: bool, numbers: dict[str, int]) -> None:
    """One record per fact, ``Field: value`` lines wrapped to the terminal: readable at 40 columns."""
    label_width = max(len(header(c)) for c in table.columns) + 2
    indent = " " * min(label_width, width // 3)
    for i, row in enumerate(table.rows):
        if i:
            console.print()
        fields = [(header(c), cell(row.get(c))) for c in table.columns if cell(row.get(c))]
        if sources and row.get("refs"):
            fields.append(("Src", ref_numbers(row, numbers)))
        for name, value in fields:
            lines = textwrap.wrap(
                f"{name}: {value}", width=width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False
            )
            for j, line in enumerate(lines):
                text = Text(line)
                if j == 0:
                    text.stylize("bold", 0, len(name) + 1)
                console.print(text, no_wrap=True, overflow="ignore")
