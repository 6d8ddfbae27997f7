"""One layout for every human table: what each cell says, how wide each column is, where lines break.

Drawn by Rich on a terminal (``terminal_table``) and with plain spaces in a pipe (``plain_table``); both take
their cells, widths and line breaks from here, so the two never disagree about what a table holds.

On a terminal of a given width: short columns take what they need; the long text columns share the rest and
wrap at word boundaries; a word is split only if it alone is wider than its column. When even the longest
words cannot fit side by side, the table becomes stacked records (``Field: value`` blocks, like ``psql \\x``).
In a pipe there is no width: every row stays on one line, for ``grep``, ``cut`` and ``column``.
"""

from __future__ import annotations

from baclo_cli.answers.result import Result
from baclo_cli.output.cells import cell, header, ref_numbers, sentence
from baclo_cli.text import escape_controls

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from baclo_cli.knowledge.model import Reference

# Cell values that mark a row as serious: drawn bold red where colour is on.
SERIOUS = {"serious", "severe", "high", "major", "contraindicated", "boxed"}
NARROW = 60  # below this many columns a table of more than two columns is shown as stacked records
MAX_WORD = 24  # a column need not be wider than this to keep its longest word whole
NO_URL = "(no URL: see 'baclo refs')"


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    known = _widths.get(text)  # a cell is measured to size its column, to wrap it and to pad it
    if known is None:
        if len(_widths) > MAX_MEASURED:
            _widths.clear()
        known = _widths[text] = _measure(text)
    return known


_widths: dict[str, int] = {}
MAX_MEASURED = 20_000  # texts whose width is remembered (a long-running MCP server renders answer after answer)


def _measure(text: str) -> int:
    # Each distinct character once (a long cell repeats a few dashes and symbols many times): one cell each but
    # the zero-width ones (combining marks, format characters: below U+0300 only the soft hyphen) and the wide.
    width = len(text) - text.count("\xad")
    beyond = [ch for ch in set(text) if ch >= "\u0300"]  # Latin-1 and Latin Extended need no Unicode tables
    if beyond:
        import unicodedata

        for ch in beyond:
            if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
                width -= text.count(ch)
            elif unicodedata.east_asian_width(ch) in ("W", "F"):
                width += text.count(ch)
    return width


def one_line(text: str) -> str:
    """A cell's text as one safe line: control characters made visible, line breaks as spaces."""
    return escape_controls(text).replace("\n", " ")


class Grid:
    """A table's headers and cells (text only), with the column widths chosen for the space available.

    ``widths`` is None when the table should be shown as stacked records instead. ``marks`` holds, for each
    row, the words to mark in its cells where colour is on (a search hit's matched words), or None."""

    __slots__ = ("_marks", "_words", "heads", "rows", "widths")

    def __init__(
        self,
        heads: list[str],
        rows: list[list[str]],
        widths: list[int] | None,
        words: list[object] | None = None,
    ) -> None:
        self.heads = heads
        self.rows = rows
        self.widths = widths
        self._words = words
        self._marks: list[re.Pattern[str] | None] | None = None

    def marks(self, color: bool) -> list[re.Pattern[str] | None]:
        """Each row's pattern of words to mark where ``color`` shows them, else none: made when first asked for
        with colour (they need re)."""
        if not color:
            return [None] * len(self.rows)
        if self._marks is None:
            words = self._words or [None] * len(self.rows)
            self._marks = [mark_pattern(w) for w in words]
        return self._marks

    def lines_of(self, row: list[str]) -> list[list[str]]:
        """Each cell of ``row`` broken into the lines its column allows (one line each without widths)."""
        if self.widths is None:
            return [[text] for text in row]
        return [wrap(text, width) for text, width in zip(row, self.widths, strict=True)]


def cells(table: Result, sources: bool, numbers: dict[str, int]) -> tuple[list[str], list[list[str]]]:
    """Headers and cell texts of ``table`` (a ``Src`` column of citation numbers with ``sources``)."""
    heads = [header(c) for c in table.columns] + (["Src"] if sources else [])
    rows = []
    for row in table.rows:
        texts = [one_line(cell(row.get(c))) for c in table.columns]
        if sources:
            texts.append(ref_numbers(row, numbers))
        rows.append(texts)
    return heads, rows


def lay_out(table: Result, sources: bool, numbers: dict[str, int], width: int | None, overhead: int) -> Grid:
    """The grid for ``table`` in ``width`` terminal cells (None: unlimited), of which ``overhead`` go to
    borders, padding and gaps between columns."""
    heads, rows = cells(table, sources, numbers)
    marks = [row.get(table.highlight) for row in table.rows] if table.highlight else None
    if width is None:
        widths = [max(display_width(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
        return Grid(heads, rows, widths, marks)
    if width < NARROW and len(heads) > 2:
        return Grid(heads, rows, None, marks)
    return Grid(heads, rows, fit(heads, rows, width - overhead), marks)


def mark_pattern(words: object) -> re.Pattern[str] | None:
    """What to mark in a row: each word or phrase given, in any case, from a word's start."""
    if not isinstance(words, list):
        return None
    found = {w.lower() for w in words if isinstance(w, str) and w.strip()}
    if not found:
        return None
    import re  # here: only a search hit has words to mark

    alternatives = "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def line_marks(text: str, lines: list[str], mark: re.Pattern[str] | None, skip: int = 0) -> list[list[tuple[int, int]]]:
    """For each line ``text`` was wrapped into, the spans (in that line) to mark: found in the whole text, so a
    phrase broken across lines is marked in both. Spans before ``skip`` (a stacked record's field name) are not."""
    if mark is None:
        return [[] for _ in lines]
    spans = [m.span() for m in mark.finditer(text) if m.start() >= skip]
    out: list[list[tuple[int, int]]] = []
    at = 0
    for line in lines:
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        start = text.find(content, at) if content else -1
        if start < 0:
            out.append([])
            continue
        end = start + len(content)
        out.append(
            [(max(b, start) - start + indent, min(e, end) - start + indent) for b, e in spans if b < end and e > start]
        )
        at = end
    return out


def fit(heads: list[str], rows: list[list[str]], available: int) -> list[int] | None:
    """Column widths that fit ``available`` cells, or None when the longest words cannot sit side by side."""
    columns = range(len(heads))
    natural = [max(display_width(r[i]) for r in [heads, *rows]) for i in columns]
    if sum(natural) <= available:
        return natural
    least = [min(natural[i], max(min(_longest_word(r[i]), MAX_WORD) for r in [heads, *rows]) or 1) for i in columns]
    if sum(least) > available:
        return None
    widths = list(least)
    spare = available - sum(widths)
    waiting = sorted(columns, key=lambda i: natural[i])  # short columns first: they take what they need
    while waiting and spare > 0:
        share = spare // len(waiting) or 1
        i = waiting.pop(0)
        grant = min(natural[i] - widths[i], share, spare)
        widths[i] += grant
        spare -= grant
    return widths


def _longest_word(text: str) -> int:
    return max((display_width(word) for word in text.split()), default=0)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces; a longer word is split."""
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while display_width(word) > width:  # a word wider than the column: split it, as little as possible
            if line:
                lines.append(line)
                line = ""
            head, word = _split_at(word, width)
            lines.append(head)
        candidate = f"{line} {word}" if line else word
        if display_width(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def _split_at(word: str, width: int) -> tuple[str, str]:
    taken = 0
    for i, ch in enumerate(word):
        taken += display_width(ch)
        if taken > width:
            return word[: max(i, 1)], word[max(i, 1) :]
    return word, ""  # pragma: no cover - only called on words wider than width


def stacked(grid: Grid, width: int) -> list[list[tuple[str, list[str]]]]:
    """Stacked records: for each row, its non-empty fields as (label, lines wrapped to ``width``)."""
    indent = 2  # continuation lines: a hanging indent, so a field's lines use nearly the whole width
    records = []
    for row in grid.rows:
        fields = []
        for head, text in zip(grid.heads, row, strict=True):
            if not text:
                continue
            first, *rest = wrap(f"{head}: {text}", width)
            rest = wrap(" ".join(rest), width - indent) if rest else []
            fields.append((head, [first, *(" " * indent + line for line in rest)]))
        records.append(fields)
    return records


def kind_text(ref: Reference) -> str:
    """The reference's kind and jurisdiction, and for a label the version read:
    ``label, US; DailyMed set id ..., SPL version 3``."""
    read = ref.version_text() if ref.kind == "label" else ""
    return f"{ref.describe_kind()}; {read}" if read else ref.describe_kind()


def card(table: Result, numbers: dict[str, int], width: int | None) -> list[tuple[str, list[str]]]:
    """The clinical card: each line's label, and its text with its citation numbers, wrapped beside the label
    column to ``width`` (None: one line each)."""
    label_width = max((display_width(one_line(cell(row.get("label")))) for row in table.rows), default=0) + 2
    out = []
    for row in table.rows:
        text = " ".join(part for part in (one_line(cell(row.get("text"))), ref_numbers(row, numbers)) if part)
        lines = wrap(text, max(width - label_width, 20)) if width is not None else [text]
        label = one_line(cell(row.get("label")))
        out.append((label + " " * (label_width - display_width(label)), lines))
    return out


def reference_parts(ref: Reference) -> tuple[str, str, str]:
    """A reference as its number tag, its text and its address (or where to look when it has none): the one
    form of a reference line, which every human format draws in its own way."""
    text = one_line(f"{sentence(ref.title)} {sentence(ref.publisher)} ({kind_text(ref)})")
    return f"[{ref.number}]", text, one_line(ref.url) if ref.url else NO_URL


def reference_line(ref: Reference) -> str:
    """``[3] Title. Publisher. (kind) URL``."""
    return " ".join(reference_parts(ref))
