"""Command-line wiring: parse arguments, ask a query, hand the result to a renderer. No facts, no formatting."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from . import __version__, query
from .errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, EXIT_WRITE, BacloError, DataFileError, debug_enabled
from .knowledge import Knowledge, load_knowledge, resolve_data_path
from .result import Result

_APP_SETTINGS: dict[str, Any] = {
    "name": "baclo",
    "add_completion": False,
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "no_args_is_help": False,
    "invoke_without_command": True,
}
app = typer.Typer(**_APP_SETTINGS)


class Format(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    tsv = "tsv"
    markdown = "markdown"
    plain = "plain"


FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="Output format (default: table).", case_sensitive=False, show_default=False),
]
SourcesOpt = Annotated[
    bool | None, typer.Option("--sources", "-s", help="Show citation numbers and the reference list.")
]
NoColorOpt = Annotated[bool | None, typer.Option("--no-color", help="Never use colour.")]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Knowledge file to read (default: the bundled one; env BACLO_DATA).", show_default=False
    ),
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        "-w",
        metavar="FIELD=VALUE",
        help="Keep facts meeting every condition (repeatable): FIELD=VALUE, FIELD!=VALUE, FIELD~TEXT (contains).",
    ),
]


class Output:
    """The shared output options; None means 'not given here'."""

    def __init__(
        self,
        fmt: Format | None = None,
        sources: bool | None = None,
        no_color: bool | None = None,
        data: Path | None = None,
    ) -> None:
        self.fmt = fmt
        self.sources = sources
        self.no_color = no_color
        self.data = data

    def over(self, base: Output | None) -> Output:
        """Options given to the command win over those given before it (``baclo -f json uses``)."""
        if base is None:
            return self
        return Output(
            fmt=self.fmt if self.fmt is not None else base.fmt,
            sources=self.sources if self.sources is not None else base.sources,
            no_color=self.no_color if self.no_color is not None else base.no_color,
            data=self.data if self.data is not None else base.data,
        )


def _fail(error: BacloError) -> NoReturn:
    if debug_enabled():
        raise error
    say_error(f"baclo: {error}")
    raise typer.Exit(error.exit_code)


def say_error(message: str) -> None:
    """One line on stderr, control characters made visible; never raises (stderr may be closed too)."""
    from .render import escape_controls, write

    with suppress(OSError, ValueError, AttributeError):
        write(escape_controls(message.replace("\n", " ")) + "\n", sys.stderr)


def _load(out: Output) -> Knowledge:
    return load_knowledge(resolve_data_path(str(out.data) if out.data else None))


def _resolve(given: Output, ctx: typer.Context | None) -> Output:
    """The command's own options over those given before the command name."""
    return given.over(ctx.obj if ctx and isinstance(ctx.obj, Output) else None)


def emit(ask: Callable[[Knowledge], Result], given: Output, ctx: typer.Context | None = None) -> None:
    """Load the knowledge, ask, render, write; map domain errors to messages and exit codes."""
    out = _resolve(given, ctx)
    try:
        kb = _load(out)
        result = ask(kb)
    except BacloError as error:
        _fail(error)
    show(result, out, kb.drug.last_reviewed, _numbers(kb))


def show(result: Result, out: Output, reviewed: str | None, numbers: dict[str, int]) -> None:
    from .render import detect_style, notice_text, render, write

    fmt = (out.fmt or Format.table).value
    style = detect_style(sys.stdout, no_color=bool(out.no_color))
    notice = notice_text(reviewed) if reviewed else ""
    text = render(result, fmt, style=style, sources=bool(out.sources), numbers=numbers, notice=notice)
    with output_errors():
        write(text)
        if fmt == "plain" and notice:
            write(notice + "\n", sys.stderr)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@contextmanager
def output_errors() -> Iterator[None]:
    """A closed pipe ends the run quietly with exit 0; any other write error (disk full) is one line, exit 5."""
    try:
        yield
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(0) from None
    except OSError as error:
        _silence_stdout()
        say_error(f"baclo: cannot write output: {error.strerror or error}")
        raise typer.Exit(EXIT_WRITE) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"baclo {__version__}")
        raise typer.Exit()


@app.callback()
def baclo(
    ctx: typer.Context,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """baclo: a cited command-line reference for baclofen. Reference only, not medical advice.

    Run without a command for the overview. Every command takes --format table|json|yaml|csv|tsv|markdown|plain
    and --sources. Exit codes: 0 ok, 1 nothing found, 2 usage error, 3 data file error,
    4 dose above the labelled maximum (dose-check), 130 interrupted.
    """
    ctx.obj = Output(fmt, sources, no_color, data)
    if ctx.invoked_subcommand is None:
        emit(query.overview_result, ctx.obj)


# --- topics ------------------------------------------------------------------------------------------------


def _kb_command(name: str, help_text: str, ask: Callable[[Knowledge], Result]) -> None:
    """Register a command that asks one question of the whole knowledge base (no arguments of its own)."""

    def command(
        ctx: typer.Context,
        fmt: FormatOpt = None,
        sources: SourcesOpt = None,
        no_color: NoColorOpt = None,
        data: DataOpt = None,
    ) -> None:
        emit(ask, Output(fmt, sources, no_color, data), ctx)

    command.__doc__ = help_text
    app.command(name, help=help_text)(command)


def _topic_command(name: str, help_text: str, *, aliases: tuple[str, ...] = ()) -> None:
    def command(
        ctx: typer.Context,
        where: WhereOpt = None,
        fmt: FormatOpt = None,
        sources: SourcesOpt = None,
        no_color: NoColorOpt = None,
        data: DataOpt = None,
    ) -> None:
        emit(lambda kb: query.topic_result(kb, name, _where(where)), Output(fmt, sources, no_color, data), ctx)

    command.__doc__ = help_text
    app.command(name, help=help_text)(command)
    for alias in aliases:
        app.command(alias, help=f"Alias of '{name}'. {help_text}")(command)


def _where(pairs: list[str] | None, **flags: str | None) -> list[query.Condition]:
    """The --where conditions plus those a flag such as --serious stands for; a fact must meet all of them."""
    try:
        where = query.parse_where(pairs or [])
    except BacloError as error:
        _fail(error)
    return where + [(field, "=", value) for field, value in flags.items() if value]


_kb_command(
    "overview", "The drug at a glance and the list of topics (also what plain 'baclo' shows).", query.overview_result
)
_topic_command("mechanism", "How baclofen works: GABA-B agonism in the spinal cord.")


@app.command("uses")
def uses(
    ctx: typer.Context,
    off_label: Annotated[bool, typer.Option("--off-label", help="Only off-label uses.")] = False,
    approved: Annotated[bool, typer.Option("--approved", help="Only labelled (approved) uses.")] = False,
    where: WhereOpt = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """What baclofen is used for, approved and off-label."""
    if off_label and approved:
        _fail(BacloError("--off-label and --approved exclude each other"))
    status = "off-label" if off_label else "approved" if approved else None
    criteria = _where(where, status=status)
    emit(lambda kb: query.topic_result(kb, "uses", criteria), Output(fmt, sources, no_color, data), ctx)


@app.command("side-effects")
def side_effects(
    ctx: typer.Context,
    serious: Annotated[bool, typer.Option("--serious", help="Only serious effects (seek care).")] = False,
    common: Annotated[bool, typer.Option("--common", help="Only common effects.")] = False,
    where: WhereOpt = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Adverse effects, common and serious, with frequency where known."""
    if serious and common:
        _fail(BacloError("--serious and --common exclude each other"))
    severity = "serious" if serious else "common" if common else None
    criteria = _where(where, severity=severity)
    emit(lambda kb: query.topic_result(kb, "side-effects", criteria), Output(fmt, sources, no_color, data), ctx)


_topic_command("withdrawal", "Withdrawal after abrupt discontinuation: symptoms, onset, management.")
_topic_command("addiction", "Abuse potential and baclofen in substance use disorders.")
_topic_command("studies", "Studies of baclofen in addiction, with design, dose and finding.")
_topic_command("dosing", "Dosing: start, titration, maximum, stopping, special populations.")
_topic_command("identity", "Names, chemistry, brands, identifiers, US status and first approval.")
_topic_command("formulations", "Every dosage form with strengths, route and brand.")
_topic_command("warnings", "Boxed warning, contraindications, warnings and precautions.")
_topic_command("pharmacokinetics", "Absorption, distribution, metabolism, elimination, half-life.", aliases=("pk",))
_topic_command("interactions", "Interacting drugs with effect, mechanism, severity and management.")
_topic_command("pregnancy", "Pregnancy and lactation: animal data, neonatal withdrawal, milk transfer.")
_topic_command("overdose", "Overdose: signs, doses reported, management.")
_kb_command("disputes", "Figures on which sources disagree, each value with its own source.", query.disputes_result)


class Route(str, Enum):
    oral = "oral"
    intrathecal = "intrathecal"


class Per(str, Enum):
    day = "day"
    dose = "dose"


class Renal(str, Enum):
    normal = "normal"
    impaired = "impaired"
    dialysis = "dialysis"


class Sex(str, Enum):
    female = "female"
    male = "male"


@app.command("dose-check")
def dose_check(
    ctx: typer.Context,
    dose: Annotated[str, typer.Argument(help="The dose: a number, optionally with mg or mcg (80, 80mg, 50mcg).")],
    route: Annotated[Route, typer.Option("--route", "-r", help="Route of the dose.")] = Route.oral,
    per: Annotated[Per, typer.Option("--per", "-p", help="Whether the dose is per day or a single dose.")] = Per.day,
    renal: Annotated[
        Renal | None, typer.Option("--renal", help="Kidney function (default: judged from --crcl, else normal).")
    ] = None,
    crcl: Annotated[
        float | None, typer.Option("--crcl", help="Creatinine clearance, mL/min.", show_default=False)
    ] = None,
    age: Annotated[float | None, typer.Option("--age", help="Age in years (Cockcroft-Gault).")] = None,
    weight: Annotated[float | None, typer.Option("--weight", help="Weight in kg (Cockcroft-Gault).")] = None,
    scr: Annotated[float | None, typer.Option("--scr", help="Serum creatinine, mg/dL (Cockcroft-Gault).")] = None,
    scr_umol: Annotated[
        float | None, typer.Option("--scr-umol", help="Serum creatinine, umol/L (Cockcroft-Gault).")
    ] = None,
    sex: Annotated[Sex | None, typer.Option("--sex", help="female or male (Cockcroft-Gault).")] = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Place a dose against the ceiling that applies to the patient described, and say whose ceiling it is.

    A fact lookup, not a recommendation. Kidney function comes from --renal, --crcl, or Cockcroft-Gault
    (--age --weight --scr|--scr-umol --sex). Exit 0 within the ceiling, 4 above it, 1 when the knowledge file
    holds no ceiling for the patient described, 2 for bad input. Oral doses default to mg, intrathecal to mcg.
    """
    from .clearance import find_clearance
    from .dose import dose_check_result

    def ask(kb: Knowledge) -> Result:
        clearance = find_clearance(crcl, age, weight, scr, scr_umol, sex.value if sex else None)
        return dose_check_result(kb, dose, route.value, per.value, renal.value if renal else None, clearance)

    emit(ask, Output(fmt, sources, no_color, data), ctx)


@app.command("show")
def show_topic(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic name, as listed by 'baclo topics'.")],
    where: WhereOpt = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Any topic of the knowledge file by name (topics added to the file need no new command)."""
    criteria = _where(where)
    emit(lambda kb: query.topic_result(kb, topic, criteria), Output(fmt, sources, no_color, data), ctx)


_kb_command("topics", "The topics the knowledge file holds, with their fact counts (for scripts).", query.topics_result)
_kb_command("refs", "The numbered reference list that every citation points into.", query.refs_result)


@app.command("glossary")
def glossary(
    ctx: typer.Context,
    term: Annotated[str | None, typer.Argument(help="A term to look up (exact, alias, or part of one).")] = None,
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="Only the terms a topic uses.")] = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Terms a reader of the other topics needs, with the topics that use them."""
    emit(lambda kb: query.glossary_result(kb, term, topic), Output(fmt, sources, no_color, data), ctx)


@app.command("search")
def search(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(help="Words to find; every word must match.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many hits (0: all).", min=0)] = 0,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Search every fact, summary and glossary entry, case-insensitively; best hits first."""
    text = " ".join(words)
    emit(lambda kb: query.search_result(kb, text, limit), Output(fmt, sources, no_color, data), ctx)


_kb_command("export", "The whole knowledge base: every topic, the glossary and the references.", query.export_result)


@app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Knowledge file to check (default: --data or the bundled one).")
    ] = None,
    fmt: FormatOpt = None,
    no_color: NoColorOpt = None,
) -> None:
    """Check a knowledge file and report every problem with its path and line; exit 3 if any."""
    from .validation import validation_result

    base = ctx.obj if isinstance(ctx.obj, Output) else Output()
    path = file or resolve_data_path(str(base.data) if base.data else None)
    try:
        result = validation_result(path)
    except DataFileError as error:
        _fail(error)
    out = Output(fmt, False, no_color).over(base)
    show(result, out, None, {})


# --- study tools ------------------------------------------------------------------------------------------

TopicsOpt = Annotated[
    list[str] | None, typer.Option("--topic", "-t", help="Only this topic (repeatable); default: all topics.")
]


@app.command("quiz")
def quiz(
    ctx: typer.Context,
    topic: TopicsOpt = None,
    count: Annotated[int, typer.Option("--count", "-n", help="Number of questions.", min=1, max=500)] = 10,
    seed: Annotated[int | None, typer.Option("--seed", help="Same seed, same questions in the same order.")] = None,
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Questions generated from the facts. On a terminal it asks and gives feedback; from a pipe it reads one
    answer per line; with --format it prints the questions and the answer key without asking."""
    from . import study

    out = _resolve(Output(fmt, sources, no_color, data), ctx)
    chosen_seed = seed if seed is not None else int.from_bytes(os.urandom(3), "big")
    try:
        kb = _load(out)
        questions = study.make_quiz(kb, topic, count, chosen_seed)
    except BacloError as error:
        _fail(error)
    if out.fmt is not None:
        show(study.quiz_result(kb, questions, chosen_seed), out, kb.drug.last_reviewed, _numbers(kb))
        return
    from .render import detect_style
    from .session import QuizScore, Talk, run_quiz

    talk = Talk(sys.stdin, sys.stdout, color=detect_style(sys.stdout, no_color=bool(out.no_color)).color)
    score = QuizScore(len(questions))
    with output_errors(), interruptible(lambda: talk.say(score.line(stopped=True))):
        run_quiz(kb, questions, talk, score, chosen_seed)


def _numbers(kb: Knowledge) -> dict[str, int]:
    return {r.id: r.number for r in kb.references.values()}


@app.command("flashcards")
def flashcards(
    ctx: typer.Context,
    topic: TopicsOpt = None,
    deck: Annotated[str, typer.Option("--deck", help="Anki deck name for the TSV header.")] = "baclo",
    fmt: FormatOpt = None,
    sources: SourcesOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """One card per fact (front: a prompt; back: the answer with its citation). '-f tsv' imports into Anki."""
    from . import study

    emit(
        lambda kb: study.flashcards_result(kb, study.make_cards(kb, topic), deck),
        Output(fmt, sources, no_color, data),
        ctx,
    )


@app.command("review")
def review(
    ctx: typer.Context,
    topic: TopicsOpt = None,
    show_stats: Annotated[bool, typer.Option("--stats", help="Show progress instead of reviewing.")] = False,
    new: Annotated[int, typer.Option("--new", help="At most this many new cards per session.", min=0)] = 10,
    limit: Annotated[int, typer.Option("--limit", help="At most this many cards per session.", min=1)] = 20,
    today: Annotated[
        str | None, typer.Option("--today", help="Review as of this date, YYYY-MM-DD (default: today).")
    ] = None,
    fmt: FormatOpt = None,
    no_color: NoColorOpt = None,
    data: DataOpt = None,
) -> None:
    """Spaced repetition of the flashcards (Leitner boxes); progress is kept in $BACLO_HOME or the XDG data folder."""
    from . import review as scheduler
    from . import study
    from .render import detect_style
    from .session import ReviewTally, Talk, run_review

    out = _resolve(Output(fmt, None, no_color, data), ctx)
    try:
        day = scheduler.parse_day(today)
    except ValueError:
        _fail(BacloError(f"--today takes a date written YYYY-MM-DD between 2000-01-01 and 9000-12-31, got '{today}'"))
    path = scheduler.state_path()
    try:
        kb = _load(out)
        cards = study.make_cards(kb, topic)
        state, warning = scheduler.load_state(path)
    except BacloError as error:
        _fail(error)
    if warning:
        say_error(f"baclo: warning: {warning}")
    if show_stats:
        show(scheduler.stats_result(state, cards, day, path), out, kb.drug.last_reviewed, {})
        return
    talk = Talk(sys.stdin, sys.stdout, color=detect_style(sys.stdout, no_color=bool(out.no_color)).color)
    tally = ReviewTally()
    try:
        with output_errors(), interruptible(lambda: talk.say(tally.line(stopped=True))):
            warnings = run_review(kb, cards, state, talk, tally, path=path, today=day, new_limit=new, limit=limit)
    except BacloError as error:  # progress could not be saved: every answer before this one was
        _fail(error)
    for message in warnings:
        say_error(f"baclo: warning: {message}")


@contextmanager
def interruptible(report: Callable[[], None]) -> Iterator[None]:
    """An interactive session: Ctrl-C stops it, prints the score so far and exits 130.

    The entry point makes Ctrl-C end any other command at once; here Python's own handler comes back so the
    session can say where it stopped (and a review answer being saved is finished or not written at all).
    """
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        with suppress(OSError, ValueError, AttributeError):
            print(file=sys.stdout)
            report()
        raise typer.Exit(EXIT_INTERRUPTED) from None


# --- entry point -------------------------------------------------------------------------------------------


_VALUE_OPTIONS = ("-f", "--format", "--data")


def app_for(argv: list[str]) -> typer.Typer:
    """The app to run for ``argv``: the full app, or one holding only the command asked for.

    Typer turns every registered command into a Click command before parsing anything, which costs about
    half a millisecond per command on every run. When the command is plainly named on the command line, a
    one-command app with the same callback behaves the same and starts faster. Anything else (no command,
    an unknown one, top-level --help) gets the full app and its full help and error messages.
    """
    args = iter(argv)
    name = None
    for arg in args:
        if arg in _VALUE_OPTIONS:
            next(args, None)
        elif arg == "--":
            break
        elif not arg.startswith("-"):
            name = arg
            break
    chosen = [c for c in app.registered_commands if c.name == name]
    if not chosen:
        return app
    slim = typer.Typer(**_APP_SETTINGS)
    slim.registered_callback = app.registered_callback
    slim.registered_commands = chosen
    return slim


def main() -> NoReturn:
    """Console-script entry: one-line errors with documented exit codes, quiet on a closed pipe, 130 on Ctrl-C."""
    from typer._click import exceptions as click_exceptions

    if sys.stderr is None:  # started with stderr closed: messages go nowhere rather than crash
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        say_error("baclo: cannot write output: standard output is closed")
        sys.exit(EXIT_WRITE)
    try:
        code = app_for(sys.argv[1:])(standalone_mode=False, prog_name="baclo")
    except click_exceptions.UsageError as error:
        hint = " Try 'baclo --help'." if error.ctx is None else f" Try '{error.ctx.command_path} --help'."
        message = error.format_message().rstrip(".")
        say_error(f"baclo: {message}{'' if message.endswith('?') else '.'}{hint}")
        code = EXIT_USAGE
    except click_exceptions.ClickException as error:
        say_error(f"baclo: {error.format_message()}")
        code = error.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        code = 0
    except OSError as error:
        _silence_stdout()
        say_error(f"baclo: input/output error: {error.strerror or error}")
        code = EXIT_WRITE
    except Exception as error:
        if debug_enabled():
            raise
        say_error(f"baclo: internal error ({type(error).__name__}: {error}); BACLO_DEBUG=1 shows the traceback")
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else 0)


def _silence_stdout() -> None:
    """The reader went away (``| head``): point stdout at /dev/null so Python's exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


__all__ = ["app", "main"]
