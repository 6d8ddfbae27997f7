"""The man page, generated from the command table (never written by hand).

``python -m baclo_cli.cli.manpage > man/baclo.1`` writes it; the wheel installs it as ``share/man/man1/baclo.1``
(``man baclo`` after ``pipx install``), and a test fails when the committed page and the table disagree.
"""

from __future__ import annotations

from baclo_cli.cli.commands import COMMANDS, OUTPUT, Command, Opt

TITLE = "BACLO"
SECTION = "1"


def _roff(text: str) -> str:
    """Text safe in a roff line: backslashes doubled, hyphens literal, no line starting with a dot."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def _option(option: Opt) -> list[str]:
    flags = ", ".join(f"\\fB{_roff(f)}\\fR" for f in option.flags)
    value = "" if option.kind == "flag" else f" \\fI{_roff(option.metavar or option.dest.upper())}\\fR"
    text = option.help
    if option.choices:
        text += f" One of: {', '.join(option.choices)}."
    return [".TP", f"{flags}{value}", _roff(text)]


def _command(command: Command) -> list[str]:
    # A heading is one font (bold): the words are escaped one by one, with no font changes inside it.
    spelled = [a.metavar + ("..." if a.many else "") for a in command.args]
    words = [word if a.required else f"[{word}]" for a, word in zip(command.args, spelled, strict=True)]
    lines = [".SS " + _roff(" ".join(["baclo", command.name, *words, "[OPTIONS]"]))]
    if command.aliases:
        lines.append(_roff(f"Alias: {', '.join(command.aliases)}."))
        lines.append(".br")
    lines.append(_roff(command.help))
    for arg in command.args:
        lines += [".TP", f"\\fI{_roff(arg.metavar)}\\fR", _roff(arg.help)]
    for option in command.options:
        lines += _option(option)
    if command.examples:
        lines += [".PP", "Examples:", ".RS", ".nf", *(_roff(e) for e in command.examples), ".fi", ".RE"]
    return lines


FILES = (
    ("baclo_cli/data/baclofen.yaml", "The bundled knowledge file, inside the installed package (BACLO_DATA or --data "
     "name another; 'baclo validate FILE' checks one)."),
    ("$XDG_CACHE_HOME/baclo/ (~/.cache/baclo/)", "The private cache of checked knowledge, help text, the "
     "quiz bank's drafts and the flashcards of each file, and kept answers (a piped export, flashcards, seeded "
     "quiz, validate or review --stats, replayed while nothing it depends on has changed; BACLO_CACHE_DIR names "
     "another folder; BACLO_NO_CACHE=1 turns it off). Safe to delete."),
    ("$XDG_DATA_HOME/baclo/review.json (~/.local/share/baclo/review.json)", "Review progress of 'baclo review' "
     "(BACLO_HOME names another folder)."),
)  # fmt: skip


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def render_man() -> str:
    from baclo_cli import __version__
    from baclo_cli.cli.commands import ENVIRONMENT, EXIT_CODES

    lines = [
        f'.TH {TITLE} {SECTION} "" "baclo {__version__}" "User Commands"',
        ".SH NAME",
        "baclo \\- a cited command\\-line drug reference for baclofen",
        ".SH SYNOPSIS",
        "\\fBbaclo\\fR [\\fIOPTIONS\\fR] [\\fICOMMAND\\fR] [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _roff(
            "A drug reference for baclofen in the terminal: every fact with its sources, machine formats for "
            "scripts, and study tools. Reference only, not medical advice. Run without a command for the "
            "overview."
        ),
        ".SH OPTIONS",
        _roff("Every command takes these, before or after its name; given after the name, they win."),
    ]
    for option in OUTPUT:
        lines += _option(option)
    lines += [".SH COMMANDS"]
    for command in COMMANDS:
        if not command.hidden:
            lines += _command(command)
    lines += [
        ".SS Shortcuts",
        _roff(
            "Words that show a view of one topic: "
            + "; ".join(f"{c.name} ({c.help.removeprefix('Shortcut: ').rstrip('.')})" for c in COMMANDS if c.hidden)
            + "."
        ),
    ]
    lines += [".SH EXAMPLES"]
    for command in COMMANDS:
        for example in command.examples[:1] if not command.hidden else ():
            lines += [".TP", f"\\fB{_roff(example)}\\fR", _roff(_first_sentence(command.help))]
    lines += [".SH EXIT STATUS", _roff(EXIT_CODES), ".SH ENVIRONMENT", _roff(ENVIRONMENT)]
    lines += [".SH FILES"]
    for path, what in FILES:
        lines += [".TP", f"\\fI{_roff(path)}\\fR", _roff(what)]
    lines += [".SH SEE ALSO", _roff("baclo schema (the JSON output contracts); baclo refs (the sources).")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - python -m baclo_cli.cli.manpage > man/baclo.1
    import sys

    sys.stdout.write(render_man())
