"""Talking to a person in an interactive session: Rich prompts on a terminal, plain lines on pipes.

Every line shown passes through the one control-character filter (an answer line or a knowledge file could
otherwise set the terminal's title or clipboard), and input is read in bounded pieces: an endless line
(``</dev/zero``) ends the input rather than the memory or the session's patience.
"""

from __future__ import annotations

from typing import Any, TextIO

from baclo_cli.output.render import write
from baclo_cli.text import escape_controls

MAX_ANSWER = 1024  # characters kept of one answer line
MAX_LINE = 64 << 20  # characters read of one line before input counts as ended (an endless stream, not an answer)
_DRAIN = 1 << 16  # the rest of a long line is read and dropped in pieces this size


class Talk:
    """Prompts and messages: Rich on a terminal, plain lines on pipes. A closed stdin (None) is end of input."""

    def __init__(self, stdin: TextIO | None, stdout: TextIO, *, color: bool) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin is not None and _isatty(stdin) and _isatty(stdout)
        self.console: Any = None
        if self.interactive:
            from rich.console import Console

            self.console = Console(file=stdout, no_color=not color, highlight=False, emoji=False)

    def say(self, text: str = "", style: str = "") -> None:
        text = escape_controls(text)
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(text, style=style))
            return
        write(text + "\n", self.stdout)

    def ask(self, prompt: str) -> str | None:
        """One line of answer (at most MAX_ANSWER characters of it), or None when input has ended."""
        if self.console is not None:
            from rich.text import Text

            try:
                return str(self.console.input(Text(escape_controls(prompt) + " ", style="bold")))[:MAX_ANSWER]
            except EOFError:
                return None
        self.say(prompt)
        if self.stdin is None:
            return None
        try:
            line = self.stdin.readline(MAX_ANSWER)
            read = len(line)
            rest = line
            while rest and not rest.endswith("\n") and len(rest) in (MAX_ANSWER, _DRAIN):
                if read >= MAX_LINE:
                    return None  # no end of line in sight: an endless stream, not an answer
                rest = self.stdin.readline(_DRAIN)  # a long line: drop the rest, in bounded memory
                read += len(rest)
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return None if line == "" else line.rstrip("\r\n")


def _isatty(stream: TextIO | None) -> bool:
    if stream is None:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- progress as small bar charts ---------------------------------------------------------------------------

_EIGHTHS = " ▏▎▍▌▋▊▉█"
_SPARK = "▁▂▃▄▅▆▇█"


def bar(value: float, most: float, width: int) -> str:
    """A horizontal bar of ``width`` cells at most, in eighths of a cell."""
    if most <= 0 or value <= 0:
        return ""
    eighths = round(8 * width * min(value, most) / most)
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def progress_charts(numbers: dict[str, Any], *, width: int = 30) -> list[str]:
    """The 7-day forecast as one bar a day, and the 30-day retention as a bar and one column a day."""
    lines = ["Due in the next 7 days"]
    forecast: dict[str, int] = numbers["forecast"]
    most = max(forecast.values(), default=0)
    for day, count in forecast.items():
        lines.append(f"  {day}  {bar(count, most, width):<{width}} {count}")
    retention = numbers.get("retention_30_days")
    lines.append("")
    lines.append("Retention, last 30 days (answers not 'again')")
    if retention is None:
        lines.append("  no answers yet")
        return lines
    lines.append(f"  overall     {bar(retention, 1.0, width):<{width}} {retention:.0%}")
    daily = numbers.get("daily", [])
    columns = "".join(" " if d["retention"] is None else _SPARK[min(7, int(d["retention"] * 7.999))] for d in daily)
    if daily:
        lines.append(f"  each day    {columns}  ({daily[0]['day']} to {daily[-1]['day']}; blank: no answers)")
    return lines
