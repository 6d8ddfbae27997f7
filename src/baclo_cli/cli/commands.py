"""The one table of commands and options. Every dispatch path is built from it.

The Typer app (help, completion, the interactive commands) and the fast dispatcher (the simple forms of the
read-only commands, without importing Typer) both read this table, so no option is spelled twice. Pure data:
importing it costs next to nothing.
"""

from __future__ import annotations

from baclo_cli.answers import TOPIC_ALIASES, VIEWS
from baclo_cli.output import FORMATS

# The words help and the man page end with.
ENVIRONMENT = (
    "Environment: BACLO_DATA (knowledge file), BACLO_HOME (review progress), BACLO_CACHE_DIR, BACLO_NO_CACHE=1, "
    "BACLO_DEBUG=1 (tracebacks), BACLO_DAILYMED_URL (the DailyMed web services 'labels --check' asks; default "
    "https://dailymed.nlm.nih.gov/dailymed/services/v2), BACLO_NO_STALE_NOTE=1 (no note on a terminal when the "
    "knowledge file's review is over a year old), BACLO_PAGER (the pager for long output on a terminal, with its "
    "arguments; default $PAGER, else less with LESS=FRX; BACLO_PAGER=cat or --no-pager: none), NO_COLOR, "
    "BACLO_REGION (dose-check's default --region: US, UK, FR, DE, AU or CA), FORCE_COLOR, TERM=dumb."
)
EXIT_CODES = (
    "Exit codes: 0 ok (dose-check: within, or within with a caution), 1 nothing found (dose-check: not checked), "
    "2 usage error, 3 knowledge file error, 4 dose above the ceiling that applies, or to be avoided (dose-check), "
    "5 output could not be written, 6 a cited label has a newer version on DailyMed or is no longer listed (labels "
    "--check), 7 DailyMed could not be asked or its answer used: offline, DNS failure, refused, timeout, HTTP error, "
    "redirect, malformed answer (labels --check), 70 internal error (a bug in baclo: BACLO_DEBUG=1 shows the "
    "traceback), 130 interrupted."
)


class Opt:
    """An option. ``kind``: flag (true when given), choice, text, int, float, path, multi (repeatable text).
    (Plain classes, not NamedTuples: this module loads on every run and ``typing`` costs milliseconds.)"""

    __slots__ = ("choices", "default", "dest", "flags", "help", "high", "kind", "low", "metavar", "where")

    def __init__(
        self,
        dest: str,
        flags: tuple[str, ...],
        kind: str,
        help: str,
        choices: tuple[str, ...] = (),
        default: object = None,
        metavar: str = "",
        low: float | None = None,
        high: float | None = None,
        where: str = "",
    ) -> None:
        self.where = where  # a flag that stands for a --where condition (--serious: severity=serious)
        self.dest = dest
        self.flags = flags
        self.kind = kind
        self.help = help
        self.choices = choices
        self.default = default
        self.metavar = metavar
        self.low = low
        self.high = high


class Arg:
    __slots__ = ("dest", "help", "many", "metavar", "required")

    def __init__(self, dest: str, help: str, metavar: str, required: bool = True, many: bool = False) -> None:
        self.dest = dest
        self.help = help
        self.metavar = metavar
        self.required = required
        self.many = many  # takes every remaining word (search WORDS...)


class Command:
    __slots__ = (
        "aliases",
        "args",
        "contract",
        "default_format",
        "examples",
        "formats",
        "handler",
        "help",
        "hidden",
        "interactive",
        "interactive_unless",
        "kept",
        "name",
        "options",
        "session",
        "topic",
        "where",
    )

    def __init__(
        self,
        name: str,
        help: str,
        handler: str,  # the function that answers it: a name in handlers.ASKS (or interactive.SESSIONS)
        args: tuple[Arg, ...] = (),
        options: tuple[Opt, ...] = (),
        aliases: tuple[str, ...] = (),
        session: bool = False,  # more than one answer (validate, quiz, review): interactive.SESSIONS runs it
        topic: str = "",  # the knowledge-file topic a topic command shows
        examples: tuple[str, ...] = (),
        default_format: str = "table",
        contract: str = "",  # the JSON output contract ('baclo schema'); default: the handler's name
        interactive_unless: tuple[str, ...] = (),  # a session that asks questions unless one of these is given
        interactive: bool = False,  # a session that always converses (the fast path leaves it to Typer's)
        formats: tuple[str, ...] = (),  # formats of this command alone, beyond FORMATS (flashcards: apkg)
        where: tuple[str, ...] = (),  # conditions always applied: a view of a topic ('baclo renal')
        hidden: bool = False,  # not listed by 'baclo --help' (the views; 'baclo help' names them)
        kept: bool = False,  # its answer in a pipe is kept and replayed (run.kept_name): costly and reasked
    ) -> None:
        self.kept = kept
        self.where = where
        self.hidden = hidden
        self.interactive = interactive
        self.formats = formats
        self.interactive_unless = interactive_unless
        self.contract = contract or {"topic": "topic", "show": "topic", "review": "review_stats"}.get(handler, handler)
        self.default_format = default_format  # the format when none is asked for
        self.name = name
        self.help = help
        self.handler = handler
        self.args = args
        self.options = options
        self.aliases = aliases
        self.session = session
        self.topic = topic
        self.examples = examples


# Output options: every command takes them, before or after its name; given after, they win.
OUTPUT = (
    Opt("fmt", ("--format", "-f"), "choice", "Output format (default: table).", FORMATS, metavar="FORMAT"),
    Opt("sources", ("--sources", "-s"), "flag", "Show citation numbers and the reference list."),
    Opt("no_color", ("--no-color",), "flag", "Never use colour (same as --color never)."),
    Opt(
        "color",
        ("--color",),
        "choice",
        "Colour: auto (default), always or never.",
        ("auto", "always", "never"),
        metavar="WHEN",
    ),
    Opt(
        "no_pager",
        ("--no-pager",),
        "flag",
        "Never page long output (default on a terminal: $BACLO_PAGER, $PAGER or less -FRX).",
    ),
    Opt("no_headers", ("--no-headers",), "flag", "No header row (csv, tsv and tables), as for cut and sort."),
    Opt(
        "data",
        ("--data",),
        "path",
        "Knowledge file to read (default: the bundled one; env BACLO_DATA).",
        metavar="PATH",
    ),
)

WHERE = Opt(
    "where",
    ("--where", "-w"),
    "multi",
    "Keep rows meeting every condition (repeatable): FIELD=VALUE, FIELD!=VALUE, FIELD~TEXT (contains).",
    metavar="FIELD=VALUE",
)
FIELDS = Opt(
    "fields",
    ("--fields",),
    "text",
    "Only these fields, in this order (json, ndjson, csv, tsv, plain, table).",
    metavar="A,B,C",
)
SORT = Opt("sort", ("--sort",), "text", "Sort rows by FIELD (-FIELD: descending).", metavar="FIELD")
LISTING = (WHERE, FIELDS, SORT)
TOPICS = Opt("topic", ("--topic", "-t"), "multi", "Only this topic (repeatable); default: all topics.", metavar="TOPIC")


def _topic(name: str, help_text: str, *extra: Opt, example: str = "") -> Command:
    examples = (f"baclo {name}", f"baclo {name} -f json", *((example,) if example else ()))
    aliases = tuple(alias for alias, topic in TOPIC_ALIASES.items() if topic == name)
    return Command(name, help_text, "topic", (), (*extra, *LISTING), aliases, topic=name, examples=examples)


COMMANDS: tuple[Command, ...] = (
    Command(
        "overview",
        "The drug at a glance and the list of topics (also what plain 'baclo' shows).",
        "overview",
        examples=("baclo", "baclo overview -f json"),
    ),
    _topic("mechanism", "How baclofen works: GABA-B agonism in the spinal cord."),
    _topic(
        "uses",
        "What baclofen is used for, approved and off-label.",
        Opt("off_label", ("--off-label",), "flag", "Only off-label uses.", where="status=off-label"),
        Opt("approved", ("--approved",), "flag", "Only labelled (approved) uses.", where="status=approved"),
        example="baclo uses --off-label --sources",
    ),
    _topic(
        "side-effects",
        "Adverse effects, common and serious, with frequency where known.",
        Opt("serious", ("--serious",), "flag", "Only serious effects (seek care).", where="severity=serious"),
        Opt("common", ("--common",), "flag", "Only common effects.", where="severity=common"),
        example="baclo side-effects --serious -f csv",
    ),
    _topic(
        "withdrawal",
        "Withdrawal after abrupt discontinuation: symptoms, onset, management.",
        example="baclo withdrawal --where aspect=symptom",
    ),
    _topic("addiction", "Abuse potential and baclofen in substance use disorders."),
    _topic(
        "studies",
        "Studies of baclofen in addiction, with design, dose and finding.",
        example="baclo studies --where evidence=rct",
    ),
    _topic("dosing", "Dosing: start, titration, maximum, stopping, special populations."),
    _topic("identity", "Names, chemistry, brands, identifiers, US status and first approval."),
    _topic("formulations", "Every dosage form with strengths, route and brand."),
    _topic(
        "warnings",
        "Boxed warning, contraindications, warnings and precautions.",
        example="baclo warnings --where kind=boxed",
    ),
    _topic("pharmacokinetics", "Absorption, distribution, metabolism, elimination, half-life."),
    _topic("interactions", "Interacting drugs with effect, mechanism, severity and management."),
    _topic("pregnancy", "Pregnancy and lactation: animal data, neonatal withdrawal, milk transfer."),
    _topic("overdose", "Overdose: signs, doses reported, management."),
    _topic(
        "administration",
        "Administration and counselling: food, missed doses, storage, feeding tubes, driving, alcohol, stopping.",
        example="baclo administration --where point~missed",
    ),
    Command(
        "disputes",
        "Figures on which sources disagree, each value with its own source.",
        "disputes",
        options=LISTING,
        examples=("baclo disputes",),
    ),
    Command(
        "dose-check",
        "Place a dose against the ceiling that applies to the patient described and say whose it is: the region's "
        "label maximum for the population, lowered by the kidney bands that apply, never above the lowest cited "
        "harm. A fact lookup, not a recommendation. The first line answers (dose, patient, status, ceiling, whose); "
        "--verbose adds every band and note. Kidney function: --crcl, --egfr, --renal, or creatinine (--scr or "
        "--scr-umol) with --age --sex and --weight (Cockcroft-Gault, with --height by ideal or adjusted weight) or "
        "--ckd-epi (CKD-EPI 2021); where the estimates fall in different bands, the stricter counts. --age alone "
        "gives the elderly cautions; under 18, --weight gives the dose per kg. Status and exit code: within 0, "
        "caution 0, above 4, avoid 4, not checked 1 (the sources or rules cannot decide), usage error 2. Oral "
        "doses default to mg, intrathecal to mcg.",
        "dose_check",
        (Arg("dose", "The dose: a number, optionally with mg or mcg (80, 80mg, 50mcg).", "DOSE"),),
        (
            Opt("route", ("--route", "-r"), "choice", "Route of the dose.", ("oral", "intrathecal"), "oral", "ROUTE"),
            Opt(
                "per",
                ("--per", "-p"),
                "choice",
                "Whether the dose is per day or a single dose.",
                ("day", "dose"),
                "day",
                "PER",
            ),
            Opt(
                "region",
                ("--region",),
                "choice",
                "Whose labels set the ceiling: US, UK, FR, DE, AU or CA (default: US, or $BACLO_REGION).",
                ("US", "UK", "FR", "DE", "AU", "CA"),
                metavar="REGION",
            ),
            Opt(
                "renal",
                ("--renal",),
                "choice",
                "Kidney function, when no value is given (default: judged from --crcl/--egfr/creatinine, else "
                "taken as normal and said so).",
                ("normal", "impaired", "dialysis"),
                metavar="STATUS",
            ),
            Opt("crcl", ("--crcl",), "float", "Creatinine clearance, mL/min.", metavar="ML_PER_MIN"),
            Opt("egfr", ("--egfr",), "float", "Estimated GFR, mL/min/1.73 m2.", metavar="ML_PER_MIN_173"),
            Opt(
                "age",
                ("--age",),
                "float",
                "Age in years (elderly and children's bands; kidney estimates).",
                metavar="YEARS",
            ),
            Opt("weight", ("--weight",), "float", "Weight in kg (dose per kg; Cockcroft-Gault).", metavar="KG"),
            Opt(
                "height",
                ("--height",),
                "float",
                "Height in cm (ideal and adjusted weight for Cockcroft-Gault).",
                metavar="CM",
            ),
            Opt("scr", ("--scr",), "float", "Serum creatinine, mg/dL.", metavar="MG_PER_DL"),
            Opt("scr_umol", ("--scr-umol",), "float", "Serum creatinine, umol/L.", metavar="UMOL_PER_L"),
            Opt("sex", ("--sex",), "choice", "Sex, for the kidney estimates.", ("female", "male"), metavar="SEX"),
            Opt(
                "ckd_epi",
                ("--ckd-epi",),
                "flag",
                "Estimate eGFR by CKD-EPI 2021 from creatinine, --age and --sex (done beside Cockcroft-Gault anyway).",
            ),
            Opt("verbose", ("--verbose", "-v"), "flag", "Every band (other populations and regions too) and note."),
            *LISTING,
        ),
        examples=(
            "baclo dose-check 60 --crcl 35",
            "baclo dose-check 30 --age 50 --weight 120 --height 170 --scr 3 --sex male",
            "baclo dose-check 80 --age 85",
            "baclo dose-check 15 --age 6 --weight 20 --region UK",
            "baclo dose-check 5 --renal dialysis --verbose",
            "baclo dose-check 50mcg --route intrathecal --per dose -f json | jq .status",
        ),
    ),
    Command(
        "show",
        "Any topic of the knowledge file by name (topics added to the file need no new command).",
        "show",
        (Arg("topic", "Topic name, as listed by 'baclo topics'.", "TOPIC"),),
        LISTING,
        examples=("baclo show withdrawal", "baclo show pk -f json"),
    ),
    Command(
        "topics",
        "The topics the knowledge file holds, with their fact counts (for scripts).",
        "topics",
        options=LISTING,
        examples=("baclo topics -f tsv",),
    ),
    Command(
        "refs",
        "The numbered reference list that every citation points into, each with its kind; with IDs, only those.",
        "refs",
        (Arg("ids", "Reference ids to show (default: all), as the refs of any row name them.", "ID", False, True),),
        LISTING,
        examples=("baclo refs --where kind=label", "baclo refs dailymed-tablets wolf-2018"),
    ),
    Command(
        "glossary",
        "Terms a reader of the other topics needs, with the topics that use them.",
        "glossary",
        (
            Arg(
                "term",
                "A term to look up: its name or an alias, in any case, with spaces or hyphens alike ('half life' is "
                "Half-life), or part of one; several words are one term (no quotes needed).",
                "TERM",
                required=False,
                many=True,
            ),
        ),
        (
            Opt("topic", ("--topic", "-t"), "multi", "Only the terms these topics use (repeatable).", metavar="TOPIC"),
            *LISTING,
        ),
        examples=("baclo glossary dlPFC", "baclo glossary Boxed warning", "baclo glossary --topic withdrawal"),
    ),
    Command(
        "search",
        "Search every fact, summary and glossary entry, case-insensitively; best hits first.",
        "search",
        (Arg("words", "Words to find; every word must match.", "WORDS", many=True),),
        (
            Opt("limit", ("--limit", "-n"), "int", "At most this many hits (0: all).", default=0, metavar="N", low=0),
            *LISTING,
        ),
        examples=("baclo search taper", "baclo search -n 5 kidney"),
    ),
    Command(
        "export",
        "The whole knowledge base: every topic, the glossary and the references.",
        "export",
        examples=("baclo export -f json > baclofen.json",),
        kept=True,
    ),
    Command(
        "schema",
        "The JSON Schema of a command's JSON output (all commands without COMMAND): the contract scripts rely on.",
        "schema",
        (Arg("command", "The command whose output contract to print.", "COMMAND", required=False),),
        examples=("baclo schema uses", "baclo schema dose-check | jq .required"),
        default_format="json",
    ),
    Command(
        "validate",
        "Check a knowledge file and report every problem with its path and line; exit 3 if any.",
        "validate",
        (Arg("file", "Knowledge file to check (default: --data or the bundled one).", "FILE", required=False),),
        examples=("baclo validate my.yaml",),
        session=True,
        kept=True,  # a file already found valid, unchanged since
    ),
    Command(
        "quiz",
        "Questions generated from the facts. On a terminal it asks and gives feedback; from a pipe it reads one "
        "answer per line; with --format it prints the questions and the answer key without asking.",
        "quiz",
        options=(
            TOPICS,
            Opt(
                "count",
                ("--limit", "-n", "--count"),
                "int",
                "Number of questions (-n means 'how many' in every command).",
                default=10,
                metavar="N",
                low=1,
                high=500,
            ),
            Opt("seed", ("--seed",), "int", "Same seed, same questions in the same order.", metavar="SEED"),
            Opt(
                "focus",
                ("--focus",),
                "choice",
                "clinical: only what a clinician must know (dosing, kidneys, warnings, withdrawal, interactions, "
                "overdose, pregnancy ...); all (default): every topic, clinical ones three times as often.",
                ("all", "clinical"),
                "all",
                "FOCUS",
            ),
        ),
        examples=(
            "baclo quiz --topic withdrawal --count 5",
            "baclo quiz --focus clinical",
            "printf 'b\\nc\\n' | baclo quiz --seed 7 --count 2",
        ),
        session=True,
        interactive_unless=("fmt",),
        kept=True,  # with --seed: the same questions every time
    ),
    Command(
        "flashcards",
        "Cards a student can answer: one per list item, figure (a cloze) or field, the back with its citations. "
        "'-f tsv' is an Anki import file; '-f apkg -o FILE' writes an Anki package (basic and cloze notes, topic "
        "tags, stable GUIDs: a newer package updates the cards in place).",
        "flashcards",
        options=(
            TOPICS,
            Opt("deck", ("--deck",), "text", "Anki deck name (TSV header, package).", default="baclo", metavar="NAME"),
            Opt(
                "output",
                ("--output", "-o"),
                "path",
                "Write to this file instead of stdout (required by -f apkg).",
                metavar="FILE",
            ),
        ),
        examples=("baclo flashcards -f tsv > baclofen.txt", "baclo flashcards -f apkg -o baclo.apkg"),
        default_format="table",
        session=True,  # it may write a file (-o), which a plain answer never does
        formats=("apkg",),
        kept=True,  # to stdout
    ),
    Command(
        "review",
        "Spaced repetition of the flashcards with FSRS (the scheduler Anki uses): grade again/hard/good/easy (1-4, "
        "y/n); u undoes the last grade, s suspends a card, q quits. Progress is kept in $BACLO_HOME or the XDG data "
        "folder.",
        "review",
        options=(
            TOPICS,
            Opt(
                "show_stats", ("--stats",), "flag", "Show progress, retention and a due forecast instead of reviewing."
            ),
            Opt("unsuspend", ("--unsuspend",), "flag", "Bring every suspended card back into review first."),
            Opt(
                "retention",
                ("--retention",),
                "float",
                "Target probability of recalling a card when it is due.",
                default=0.9,
                metavar="0.7-0.99",
                low=0.7,
                high=0.99,
            ),
            Opt("new", ("--new",), "int", "At most this many new cards per session.", default=10, metavar="N", low=0),
            Opt(
                "limit",
                ("--limit", "-n"),
                "int",
                "At most this many cards per session.",
                default=20,
                metavar="N",
                low=1,
            ),
            Opt(
                "today",
                ("--today",),
                "text",
                "Review as of this date, YYYY-MM-DD (default: today).",
                metavar="YYYY-MM-DD",
            ),
        ),
        examples=("baclo review", "baclo review --stats"),
        session=True,
        interactive_unless=("show_stats",),
        kept=True,  # --stats: keyed on the state file's bytes too
    ),
    Command(
        "mcp",
        "Serve the answers to AI assistants over the Model Context Protocol: the tools topic, search, dose_check, "
        "glossary, references, disputes and overview, each returning the JSON of its command with every row's "
        "citations, and the resources baclo://topic/NAME and baclo://reference/ID. Over stdio (for an assistant "
        "that starts it) or, with --http, streamable HTTP. Needs the MCP SDK: pip install 'baclo[mcp]'.",
        "mcp",
        options=(
            Opt(
                "http",
                ("--http",),
                "text",
                "Serve over streamable HTTP at http://HOST:PORT/mcp instead of stdio (HOST default: 127.0.0.1).",
                metavar="[HOST:]PORT",
            ),
        ),
        examples=("baclo mcp", "baclo mcp --http 8000", "baclo mcp --data my.yaml"),
        session=True,
        # The server converses over stdin and stdout (or a socket) for as long as its client stays.
        interactive=True,
    ),
    Command(
        "labels",
        "The label references with the version each fact was read in: jurisdiction, DailyMed set id or document "
        "id, SPL version and effective (or revision) date, or why that is not confirmed. With --check, asks "
        "DailyMed's web services (BACLO_DAILYMED_URL) for each DailyMed label's version history and names the "
        "labels with a newer version and the facts citing them: exit 6 when a cited label changed, 7 when "
        "DailyMed could not be asked or its answer used. No other command makes a network connection.",
        "labels",
        options=(
            Opt("check", ("--check",), "flag", "Ask DailyMed whether each DailyMed label has a newer version."),
            Opt(
                "timeout",
                ("--timeout",),
                "float",
                "Seconds to wait for each answer from DailyMed (--check).",
                default=10.0,
                metavar="SECONDS",
                low=0.1,
                high=600,
            ),
            Opt(
                "total_timeout",
                ("--total-timeout",),
                "float",
                "Seconds the whole check may take (--check).",
                default=30.0,
                metavar="SECONDS",
                low=0.1,
                high=3600,
            ),
            *LISTING,
        ),
        examples=(
            "baclo labels",
            "baclo labels --where status=confirmed -f tsv",
            "baclo labels --check",
            "baclo labels --check -f json | jq -r '.labels[] | select(.check == \"newer\") | .id'",
        ),
    ),
)

HELP = Command(
    "help",
    "Help on a command (baclo help dose-check), or on baclo; also the shortcut words each command takes.",
    "help",
    (Arg("command", "The command to explain.", "COMMAND", required=False),),
    examples=("baclo help", "baclo help dose-check"),
    session=True,
)


def _view(word: str, topic: str, where: tuple[str, ...], what: str) -> Command:
    shown = f" where {' and '.join(where)}" if where else ""
    return Command(
        word,
        f"Shortcut: {what}, the rows of 'baclo {topic}'{shown}.",
        "topic",
        (),
        LISTING,
        topic=topic,
        examples=(f"baclo {word}",),
        where=where,
        hidden=True,
    )


# The words a person guesses for a view of a topic ('baclo renal', 'baclo contraindications'): commands of their
# own, built from answers.VIEWS, hidden from the main list.
VIEW_COMMANDS = tuple(_view(word, *view) for word, view in VIEWS.items())
COMMANDS = (*COMMANDS, HELP, *VIEW_COMMANDS)

BY_NAME: dict[str, Command] = {name: c for c in COMMANDS for name in (c.name, *c.aliases)}


def find_option(options: tuple[Opt, ...], flag: str) -> Opt | None:
    for option in options:
        if flag in option.flags:
            return option
    return None


def merge(command: Command, before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    """The parameters a run gets, whichever path parsed the words: every parameter at its default, then the
    output options given before the command name, then what was given after it (which wins). Values given
    as choices (Typer's enums) become their text; an absent list is an empty list. Both dispatch paths call this.
    """
    values: dict[str, object] = {}
    for option in command.options:
        values[option.dest] = [] if option.kind == "multi" else False if option.kind == "flag" else option.default
    values.update({o.dest: None for o in OUTPUT})
    for arg in command.args:
        values[arg.dest] = [] if arg.many else None
    output = {o.dest for o in OUTPUT}
    for given in ({k: v for k, v in before.items() if k in output}, after):
        for key, value in given.items():
            if value is None or (key in values and isinstance(values[key], list) and value == []):
                continue
            values[key] = getattr(value, "value", value)  # an Enum member (Typer's choice) as its text
    return values


def conditions(command: Command, params: dict[str, object]) -> list[str]:
    """The --where conditions of a run: those written out, then those the condition flags stand for."""
    flags = [o for o in command.options if o.where and params.get(o.dest)]
    for i, first in enumerate(flags):
        for second in flags[i + 1 :]:
            if first.where.split("=")[0] == second.where.split("=")[0]:
                from baclo_cli.errors import BadValue

                raise BadValue(f"{first.flags[0]} and {second.flags[0]} exclude each other")
    written = params.get("where") or []
    return [*(written if isinstance(written, list) else []), *(o.where for o in flags), *command.where]
