"""``baclo mcp``: the CLI's cited answers, served to AI assistants over the Model Context Protocol.

Built on the official ``mcp`` SDK (the optional extra ``baclo[mcp]``); nothing else imports this module, so the
CLI's start-up never loads the SDK. Each tool is a command of the command table: its input schema is built from
that command's arguments and options, its call is answered by ``run.ask`` (the function every read-only
command ends in) and its result is the document ``baclo COMMAND -f json`` prints, with every row's citations
spelled out (``output.cited``) under an output schema built from the command's published contract. Errors
are tool errors carrying the CLI's own one-line message; the server itself never stops on one.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.resources.types import FunctionResource
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import ConfigDict

from baclo_cli import __version__
from baclo_cli.cli.commands import BY_NAME, Command, merge
from baclo_cli.cli.run import Stop, ask, fail, load, one_line, say_error
from baclo_cli.errors import EXIT_INTERRUPTED, EXIT_NOT_FOUND, BacloError, BadValue, NothingFound
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output.cited import cited
from baclo_cli.output.contracts import cited_schema

Params = dict[str, Any]

INSTRUCTIONS = (
    "baclo answers questions about the drug baclofen from one reviewed knowledge file. Every row that cites a "
    "source carries 'refs' and 'citations' (the sources, whole: title, publisher, kind, url) and, for facts, an "
    "'evidence' level; "
    "quote the citation with any fact you repeat. 'dose_check' places a dose against the cited ceiling that "
    "applies to the patient described and says whose ceiling it is: a fact lookup, not a dosing recommendation. "
    "Reference only, not medical advice: every result carries this notice and the date the data was reviewed."
)


class ToolSpec:
    """A tool: the command that answers it, what it is called, and how its arguments are named."""

    __slots__ = ("command", "name", "renamed", "returns", "text_words")

    def __init__(
        self, name: str, command: str, returns: str, renamed: dict[str, str] | None = None, text_words: bool = False
    ) -> None:
        self.name = name
        self.command = command
        self.returns = returns  # what the result holds, for the description an assistant reads
        self.renamed = renamed or {}  # parameter (command table) -> argument (tool)
        self.text_words = text_words  # a WORDS... argument taken as one string ("black box")


TOOLS = (
    ToolSpec(
        "topic",
        "show",
        "The topic's title, summary, columns and facts: each fact a row of the topic's fields with its evidence "
        "level, refs and citations; the topic's reference list. 'where' keeps the rows meeting every condition.",
        renamed={"topic": "name"},
    ),
    ToolSpec(
        "search",
        "search",
        "The hits, best first: topic, kind (fact, summary, term), name, text, evidence level (facts; null "
        "otherwise), score, how it matched, the words of the row that matched, refs and citations. Forgiving: "
        "other spellings, stems, glossary aliases, everyday synonyms; close words only for a word that matches "
        "nothing as typed, with match 'fuzzy' and the words used listed under 'fuzzy'.",
        text_words=True,
    ),
    ToolSpec(
        "dose_check",
        "dose-check",
        "The status (within, caution, above, avoid, or not-checked when the sources cannot decide) and the "
        "verdict line; the dose, the patient as given, the population and region; the kidney estimates with "
        "formula and weight; the ceiling that applies and whose it is (basis, jurisdiction, source), the lowest "
        "cited harm, the advice to avoid and what applies if used anyway; the thresholds that apply and the "
        "cautions; each with citations.",
    ),
    ToolSpec(
        "glossary",
        "glossary",
        "Terms with their definitions, aliases, the topics that use them, refs and citations.",
        text_words=True,
    ),
    ToolSpec(
        "references",
        "refs",
        "The references (all, or the ids given): id, number, title, publisher, kind, url and a note on how it "
        "was read.",
    ),
    ToolSpec(
        "disputes",
        "disputes",
        "Every figure on which sources disagree: each claim with its dispute name, topic, fields, evidence "
        "level, refs and citations; none is silently preferred.",
    ),
    ToolSpec(
        "overview",
        "overview",
        "The drug (name, class, brand names, review date), the topics with their fact counts, and the identity "
        "topic's facts with citations.",
    ),
)
BY_TOOL = {spec.name: spec for spec in TOOLS}
_FLAG = re.compile(r"--[a-z][a-z-]*")


# --- input: the command's arguments and options as a JSON Schema ----------------------------------------


def _parameters(command: Command) -> list[tuple[str, str, str, dict[str, Any], bool]]:
    """(dest, kind, help, JSON Schema, required) for each argument and option an assistant may give."""
    out: list[tuple[str, str, str, dict[str, Any], bool]] = []
    for arg in command.args:
        schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}} if arg.many else {"type": "string"}
        out.append((arg.dest, "many" if arg.many else "arg", arg.help, schema, arg.required))
    for option in command.options:
        if option.kind == "path":  # no file paths from an assistant: the server reads the file it was started on
            continue
        kinds: dict[str, dict[str, Any]] = {
            "flag": {"type": "boolean", "default": False},
            "choice": {"type": "string", "enum": list(option.choices)},
            "int": {"type": "integer"},
            "float": {"type": "number"},
            "multi": {"type": "array", "items": {"type": "string"}},
        }
        schema = kinds.get(option.kind, {"type": "string"})
        if option.kind in ("int", "float"):
            schema.update({k: v for k, v in (("minimum", option.low), ("maximum", option.high)) if v is not None})
        if option.default is not None and option.kind != "flag":
            schema["default"] = option.default
        out.append((option.dest, option.kind, option.help, schema, False))
    return out


def _name(spec: ToolSpec, dest: str) -> str:
    return spec.renamed.get(dest, dest)


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    """The tool's arguments: the command's, named as the command table names them (``--scr-umol``: scr_umol)."""
    command = BY_NAME[spec.command]
    names = {flag: _name(spec, o.dest) for o in command.options for flag in o.flags if flag.startswith("--")}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for dest, kind, text, schema, needed in _parameters(command):
        name = _name(spec, dest)
        if kind == "many" and spec.text_words:
            schema, text = {"type": "string"}, text.replace("every word", "every word of it")
        described = _FLAG.sub(lambda flag: f"'{names[flag.group()]}'" if flag.group() in names else flag.group(), text)
        if dest == "fields":
            described += " 'refs' (and so the citations) is always kept."
        properties[name] = {**schema, "description": described}
        if needed:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Forgive what assistants commonly send: a number as text, one word for a list, a dose as a number."""
    kind = schema.get("type")
    if kind in ("integer", "number") and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "array" and isinstance(value, str):
        return [value]
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # as the CLI's parser gives it: 35 is 35.0, and the answer's JSON says so
    return value


def _problem(tool: str, name: str, value: Any, schema: dict[str, Any]) -> str | None:
    """What is wrong with one argument, in one line, or None."""
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return None
    if error.validator == "enum":
        from baclo_cli.text import did_you_mean

        choices = ", ".join(f"'{c}'" for c in schema["enum"])
        hint = did_you_mean(str(value), schema["enum"]) if isinstance(value, str) else ""
        return f"{tool}: {name} takes one of {choices}, got {json.dumps(value)}{hint}"
    kind = schema.get("type")
    if error.validator == "type":
        wanted = {"array": "a list of strings", "integer": "a whole number", "number": "a number"}
        return f"{tool}: {name} takes {wanted.get(str(kind), f'a {kind}')}, got {json.dumps(value)[:80]}"
    return f"{tool}: {name}: {error.message}"


def parameters(spec: ToolSpec, arguments: dict[str, Any], base: Params) -> Params:
    """The command's parameters for these tool arguments, as the CLI's parser would give them; ``BadValue``
    (one line) for an unknown argument, a missing one or a value of the wrong kind."""
    from baclo_cli.text import did_you_mean

    command = BY_NAME[spec.command]
    schema = input_schema(spec)
    properties: dict[str, Any] = schema["properties"]
    for name in arguments:
        if name not in properties:
            known = ", ".join(properties) or "none"
            raise BadValue(f"{spec.name}: no argument '{name}'{did_you_mean(name, properties)} (arguments: {known})")
    for name in schema["required"]:
        if arguments.get(name) is None:
            raise BadValue(f"{spec.name}: '{name}' is required")
    given: Params = {}
    for dest, kind, _, _, _ in _parameters(command):
        name = _name(spec, dest)
        if arguments.get(name) is None:
            continue
        value = _coerce(arguments[name], properties[name])
        problem = _problem(spec.name, name, value, properties[name])
        if problem:
            raise BadValue(problem)
        given[dest] = [value] if kind == "many" and spec.text_words else value
    # As both dispatch paths do: defaults, the server's own output options (--data), then the arguments.
    params: Params = merge(command, base, given)
    fields = params.get("fields")
    if fields and "refs" not in [f.strip() for f in fields.split(",")] and _rows_cite(command):
        params["fields"] = f"{fields},refs"
    return params


def _rows_cite(command: Command) -> bool:
    from baclo_cli.output.contracts import schema_for

    contract = schema_for(command.name, command.contract)
    rows = contract.get("x-rows")
    item = contract["properties"][rows]["items"] if rows else {}
    return "refs" in item.get("properties", {})


# --- answers ---------------------------------------------------------------------------------------------


def answer(spec: ToolSpec, arguments: dict[str, Any], base: Params) -> dict[str, Any]:
    """The cited document for one call (raises ``BacloError``): the same answer the CLI prints for the command."""
    command = BY_NAME[spec.command]
    kb, result = ask(command, parameters(spec, arguments, base))
    if result.empty:  # the CLI prints an empty document with this line on stderr (exit 1): a tool error here
        raise NothingFound(result.empty)
    return cited(result.payload, kb.references, kb.drug.last_reviewed)


def error_text(error: BacloError) -> str:
    """The line the CLI writes to stderr for ``error``."""
    return one_line(f"baclo: {error}")


def _tool(spec: ToolSpec, base: Params, topics: str) -> Tool:
    command = BY_NAME[spec.command]

    def call(**arguments: Any) -> CallToolResult:
        try:
            document = answer(spec, arguments, base)
        except BacloError as error:
            return CallToolResult(content=[TextContent(type="text", text=error_text(error))], is_error=True)
        text = json.dumps(document, ensure_ascii=False)
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=document)

    extra = f" Topics: {topics}." if spec.name == "topic" and topics else ""
    description = f"{command.help} Same answer as 'baclo {command.name} -f json'. Returns: {spec.returns}{extra}"
    return Tool(
        fn=call,
        name=spec.name,
        title=f"baclo {command.name}",
        description=description,
        parameters=input_schema(spec),
        # The SDK calls the function with the arguments as given (the model below keeps them all); the call
        # checks them against the input schema itself, so a mistake reads as one line, like the CLI's.
        fn_metadata=FuncMetadata(arg_model=_AnyArguments, output_schema=cited_schema(command.name, command.contract)),
        is_async=False,
        context_kwarg=None,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )


class _AnyArguments(ArgModelBase):
    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# --- resources -------------------------------------------------------------------------------------------


def _reader(spec: ToolSpec, key: str, base: Params) -> Callable[[str], str]:
    def read(value: str) -> str:
        try:
            return json.dumps(answer(spec, {key: [value] if key == "ids" else value}, base), ensure_ascii=False)
        except BacloError as error:
            if error.exit_code in (EXIT_NOT_FOUND, 2):
                raise ResourceNotFoundError(error_text(error)) from None
            raise ResourceError(error_text(error)) from None

    return read


def build_server(base: Params, kb: Knowledge) -> MCPServer[Any]:
    """The server: one tool per ``TOOLS`` entry; a resource per topic and per reference, and their templates."""
    server: MCPServer[Any] = MCPServer(
        "baclo",
        title="baclo: a cited baclofen reference",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
        tools=[_tool(spec, base, ", ".join(kb.topics)) for spec in TOOLS],
    )
    read_topic = _reader(BY_TOOL["topic"], "name", base)
    read_reference = _reader(BY_TOOL["references"], "ids", base)

    def topic(name: str) -> str:
        return read_topic(name)

    def reference(id: str) -> str:
        return read_reference(id)

    server.resource(
        "baclo://topic/{name}",
        name="topic",
        description="One topic as the 'topic' tool answers it, as JSON.",
        mime_type="application/json",
    )(topic)
    server.resource(
        "baclo://reference/{id}",
        name="reference",
        description="One reference (id, title, publisher, kind, url, note) as JSON.",
        mime_type="application/json",
    )(reference)
    for name in kb.topics:
        server.add_resource(
            FunctionResource(
                uri=f"baclo://topic/{name}",
                name=f"topic/{name}",
                title=kb.topics[name].title,
                mime_type="application/json",
                fn=partial(read_topic, name),
            )
        )
    for ref in kb.references.values():
        server.add_resource(
            FunctionResource(
                uri=f"baclo://reference/{ref.id}",
                name=f"reference/{ref.id}",
                title=ref.title,
                mime_type="application/json",
                fn=partial(read_reference, ref.id),
            )
        )
    return server


# --- transports ------------------------------------------------------------------------------------------


def parse_address(text: str) -> tuple[str, int]:
    """``PORT``, ``HOST:PORT`` or ``[IPV6]:PORT`` -> (host, port); the host defaults to 127.0.0.1."""
    match = re.fullmatch(r"(?:\[([0-9A-Fa-f:.]+)\]:|([^:\[\]\s]+):)?([0-9]{1,5})", text.strip())
    port = int(match.group(3)) if match else -1
    if match is None or port > 65535:
        raise BadValue(f"--http takes [HOST:]PORT (e.g. 8000 or 127.0.0.1:8000), got '{text}'")
    return match.group(1) or match.group(2) or "127.0.0.1", port


def serve(params: Params) -> int:
    """Run the server until its client goes (stdio) or it is stopped (HTTP); the exit code."""
    address = params.get("http")
    try:
        host_port = parse_address(address) if address is not None else None
        kb = load(params)
    except BacloError as error:
        raise fail(error) from None
    server = build_server(params, kb)
    if host_port is None:
        if _on_terminal():
            say_error("baclo: serving MCP on stdin and stdout, for an AI assistant that starts it; Ctrl-C stops it")
        server.run("stdio")  # the SDK points fd 1 at stderr while it serves: stray output misses the wire
        return 0
    return _serve_http(server, *host_port)


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _serve_http(server: MCPServer[Any], host: str, port: int) -> int:
    import asyncio
    import signal
    import socket

    import uvicorn

    try:
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(where)
    except OSError as error:
        raise fail(BadValue(f"cannot listen on {host}:{port}: {error.strerror or error}")) from None
    bound_host, bound_port = listener.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if not bound_host.startswith("127.") and bound_host not in ("::1", "localhost"):
        say_error(f"baclo: warning: {shown} is reachable from other machines, and the server asks no one who they are")
    say_error(f"baclo: serving MCP over streamable HTTP at http://{shown}:{bound_port}/mcp; Ctrl-C stops it")
    app = server.streamable_http_app(host=host)
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    stopped: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # uvicorn stops gracefully, then raises the signal again: note it
        signal.signal(sig, lambda number, _: stopped.append(number))
    asyncio.run(uvicorn.Server(config).serve(sockets=[listener]))
    if stopped and stopped[0] == signal.SIGINT:
        raise Stop(EXIT_INTERRUPTED)
    return 0
