"""``--help`` and ``--version`` without building the Typer app.

Help text is Typer's own, byte for byte: the first time a form of help is asked for, the Typer app writes it
and the text is kept in the cache folder under a key made of this baclo's code (every module), the words asked
and the terminal's width; later runs print the kept text (a few file reads instead of importing Typer and
building the app). ``--version`` is written by the same function on both paths.
"""

from __future__ import annotations

import sys

from baclo_cli.cli.commands import BY_NAME

HELP = ("-h", "--help")
HELP_MAGIC = b"BACLOH1 "  # a kept help text (checksummed, like every blob in the cache folder)


def help_form(argv: list[str]) -> bool:
    """The plain forms of help this module answers: ``--help`` and ``COMMAND --help`` (``-h`` alike)."""
    return (len(argv) == 1 and argv[0] in HELP) or (len(argv) == 2 and argv[0] in BY_NAME and argv[1] in HELP)


def answer(argv: list[str]) -> int | None:
    """The exit code of a help or version request answered here, or None: not one of its forms."""
    if argv == ["--version"]:
        from baclo_cli.cli.run import output_errors, version_line
        from baclo_cli.output.render import write

        with output_errors():
            write(version_line() + "\n")
        return 0
    if not help_form(argv):
        return None
    from baclo_cli.knowledge import cache
    from baclo_cli.knowledge.load import resolve_data_path

    words = [a if a not in HELP else "-h" for a in argv]
    # A topic's help names its fields, from the knowledge file: the key holds the file's identity too.
    identity = _identity(resolve_data_path(None))
    name = cache.blob_name("help", str(terminal_columns()), identity, *words)
    kept = cache.read_blob(name, HELP_MAGIC)
    text = kept.decode("utf-8", "replace") if kept is not None else typer_help(argv)
    if text is None:
        return None
    if kept is None:
        cache.write_blob(name, HELP_MAGIC, text.encode("utf-8"))
    from baclo_cli.cli.run import output_errors
    from baclo_cli.output.render import write

    with output_errors():
        write(text)
    return 0


def _identity(path: str) -> str:
    """The knowledge file as it is now (device, inode, size, modification and change times)."""
    import os

    try:
        info = os.stat(path)
    except OSError:
        return "missing"
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def terminal_columns() -> int:
    """The width Click lays help out for: ``shutil.get_terminal_size().columns``, worked out as it does
    (``$COLUMNS``, else the terminal of the original stdout, else 80), without importing shutil (and its re)."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def typer_help(argv: list[str]) -> str | None:
    """The help the Typer app writes for ``argv``, or None if it did not end as help does (exit 0)."""
    import io

    from baclo_cli.cli.app import app_for

    saved = sys.stdout
    sys.stdout = captured = io.StringIO()
    try:
        code = app_for(argv)(args=argv, standalone_mode=False, prog_name="baclo")
    except SystemExit as stop:  # pragma: no cover - standalone_mode=False returns instead
        code = stop.code
    finally:
        sys.stdout = saved
    return captured.getvalue() if code in (0, None) else None
