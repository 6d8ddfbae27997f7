"""Talking to a person in an interactive session: Rich prompts on a terminal, plain lines on pipes."""

from __future__ import annotations

from typing import Any, TextIO

from baclo_cli.output.render import write

MAX_ANSWER = 1024  # characters kept of one answer line; the rest of an endless line is read and dropped


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
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(text, style=style))
            return
        write(text + "\n", self.stdout)

    def ask(self, prompt: str) -> str | None:
        """One line of answer, or None when input has ended."""
        if self.console is not None:
            try:
                return str(self.console.input(f"[bold]{prompt}[/bold] "))
            except EOFError:
                return None
        self.say(prompt)
        if self.stdin is None:
            return None
        try:
            line = self.stdin.readline(MAX_ANSWER)
            rest = line
            while rest and not rest.endswith("\n") and len(rest) == MAX_ANSWER:
                rest = self.stdin.readline(MAX_ANSWER)  # an endless line: drop the rest, bounded memory
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
