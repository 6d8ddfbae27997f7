"""``baclo mcp`` through the MCP SDK's own client: a real server process over stdio and over streamable HTTP.

Every tool's answer is checked against its declared output schema and against what ``baclo ... -f json`` prints
for the same question (run as a process too), so the server cannot drift from the CLI. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent

from .conftest import BACLO, DATA

TIMEOUT = 30  # seconds for any one session or process; each test takes a few seconds
TOOLS = {"topic", "search", "dose_check", "glossary", "references", "disputes", "overview"}

# (tool, arguments, the same question asked of the CLI)
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("topic", {"name": "withdrawal"}, ["show", "withdrawal"]),
    ("topic", {"name": "pk"}, ["pk"]),
    (
        "topic",
        {"name": "side-effects", "where": ["severity=serious"], "fields": "effect,frequency"},
        ["show", "side-effects", "--where", "severity=serious", "--fields", "effect,frequency,refs"],
    ),
    (
        "topic",
        {"name": "studies", "where": ["evidence=rct"], "sort": "-study"},
        ["studies", "-w", "evidence=rct", "--sort", "-study"],
    ),
    ("search", {"words": "black box"}, ["search", "black", "box"]),
    ("search", {"words": "kidney", "limit": 3}, ["search", "kidney", "-n", "3"]),
    ("dose_check", {"dose": "60", "crcl": 35}, ["dose-check", "60", "--crcl", "35"]),
    ("dose_check", {"dose": "120"}, ["dose-check", "120"]),
    (
        "dose_check",
        {"dose": "30", "age": 80, "weight": 60, "scr": 1.4, "sex": "female"},
        ["dose-check", "30", "--age", "80", "--weight", "60", "--scr", "1.4", "--sex", "female"],
    ),
    ("dose_check", {"dose": "20", "renal": "dialysis"}, ["dose-check", "20", "--renal", "dialysis"]),
    (
        "dose_check",
        {"dose": "50mcg", "route": "intrathecal", "per": "dose"},
        ["dose-check", "50mcg", "--route", "intrathecal", "--per", "dose"],
    ),
    ("glossary", {"term": "dlPFC"}, ["glossary", "dlPFC"]),
    ("glossary", {"topic": ["withdrawal"]}, ["glossary", "--topic", "withdrawal"]),
    ("references", {"ids": ["wolf-2018", "dailymed-tablets"]}, ["refs", "wolf-2018", "dailymed-tablets"]),
    ("references", {"where": ["kind=label"]}, ["refs", "--where", "kind=label"]),
    ("disputes", {}, ["disputes"]),
    ("overview", {}, ["overview"]),
]

# (tool, arguments, the CLI's arguments that fail the same way)
DOMAIN_ERRORS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("topic", {"name": "withdrawl"}, ["show", "withdrawl"]),
    ("topic", {"name": "withdrawal", "where": ["aspect=sympton"]}, ["withdrawal", "--where", "aspect=sympton"]),
    ("topic", {"name": "withdrawal", "where": ["aspekt=symptom"]}, ["withdrawal", "--where", "aspekt=symptom"]),
    ("search", {"words": "qqqzzzx"}, ["search", "qqqzzzx"]),
    ("glossary", {"term": "dlpfcc"}, ["glossary", "dlpfcc"]),
    ("references", {"ids": ["wolf2018"]}, ["refs", "wolf2018"]),
    ("dose_check", {"dose": "abc"}, ["dose-check", "abc"]),
    ("dose_check", {"dose": "0"}, ["dose-check", "0"]),
    (
        "dose_check",
        {"dose": "60", "crcl": 35, "renal": "dialysis"},
        ["dose-check", "60", "--crcl", "35", "--renal", "dialysis"],
    ),
    ("dose_check", {"dose": "60", "crcl": 900}, ["dose-check", "60", "--crcl", "900"]),
]

# (tool, arguments, what the one-line message says): mistakes only an assistant can make
MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("topic", {"nam": "withdrawal"}, "no argument 'nam'; did you mean 'name'?"),
    ("topic", {}, "'name' is required"),
    ("topic", {"name": ["withdrawal"]}, "name takes a string"),
    ("dose_check", {"dose": "60", "crcl": "thirty"}, "crcl takes a number"),
    ("dose_check", {"dose": "60", "route": "oal"}, "route takes one of 'oral', 'intrathecal', got \"oal\"; did you"),
    ("search", {"words": "kidney", "limit": -1}, "limit"),
    ("glossary", {"topic": [1, 2]}, "topic"),
    ("overview", {"extra": True}, "no argument 'extra'"),
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACLO_", "NO_COLOR", "FORCE_COLOR"))}
    return {**clean, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BACLO, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT)


def cli_json(env: dict[str, str], *args: str) -> Any:
    done = cli(env, *args, "-f", "json")
    assert done.returncode in (0, 1, 4), done.stderr
    return json.loads(done.stdout)


def cli_error(env: dict[str, str], *args: str) -> str:
    done = cli(env, *args)
    assert done.returncode in (1, 2, 3) and done.stdout == "", (args, done.returncode, done.stdout)
    return done.stderr.rstrip("\n")


def stdio(env: dict[str, str], mode: str = "auto") -> Client:
    """The SDK's client, starting 'baclo mcp' as the README's mcpServers entry does; mode 'legacy' speaks the
    handshake-era protocol (initialize)."""
    server = StdioServerParameters(command=BACLO, args=["mcp"], env=env)
    return Client(server, mode=mode)


def session(body: Callable[[Client], Awaitable[None]], client: Callable[[], Client]) -> None:
    async def main() -> None:
        with anyio.fail_after(TIMEOUT):
            async with client() as connected:
                await body(connected)

    anyio.run(main)


def text(result: CallToolResult) -> str:
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent)
    return result.content[0].text


def without_citations(value: Any, top: bool = True) -> Any:
    """The served document less what the server adds: the CLI's own document."""
    if isinstance(value, list):
        return [without_citations(item, False) for item in value]
    if not isinstance(value, dict):
        return value
    added = {"citations", "last_reviewed", "notice"} if top else {"citations"}
    return {k: without_citations(v, False) for k, v in value.items() if k not in added}


def check_citations(value: Any, references: dict[str, Any]) -> int:
    """Every object with refs has citations: those references, whole, as 'baclo refs' lists them. The count."""
    if isinstance(value, list):
        return sum(check_citations(item, references) for item in value)
    if not isinstance(value, dict):
        return 0
    count = sum(check_citations(v, references) for k, v in value.items() if k != "citations")
    if "refs" in value:
        assert value["citations"] == [references[r] for r in value["refs"]], value
        count += 1
    return count


def test_every_tool_answers_as_the_cli_does(env: dict[str, str]) -> None:
    references = {r["id"]: r for r in cli_json(env, "refs")["references"]}
    overview = cli_json(env, "overview")
    expected = [cli_json(env, *argv) for _, _, argv in CASES]
    topic_names = [t["topic"] for t in cli_json(env, "topics")["topics"]]

    async def body(client: Client) -> None:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(listed) == TOOLS
        for tool in listed.values():
            assert tool.description and tool.input_schema["type"] == "object" and tool.output_schema
            jsonschema.Draft202012Validator.check_schema(tool.input_schema)
            jsonschema.Draft202012Validator.check_schema(tool.output_schema)
            assert tool.annotations is not None and tool.annotations.read_only_hint
        cited = 0
        for (name, arguments, argv), want in zip(CASES, expected, strict=True):
            result = await client.call_tool(name, arguments)
            assert not result.is_error, (name, arguments, text(result))
            got = result.structured_content
            assert got is not None and json.loads(text(result)) == got
            jsonschema.validate(got, listed[name].output_schema or {}, cls=jsonschema.Draft202012Validator)
            jsonschema.validate(arguments, listed[name].input_schema, cls=jsonschema.Draft202012Validator)
            assert without_citations(got) == want, argv  # the same rows, the same verdict
            assert got["last_reviewed"] == overview["drug"]["last_reviewed"]
            assert got["notice"].startswith("Reference only, not medical advice")
            cited += check_citations(got, references)
        assert cited > 100  # rows of every kind carried their citations

        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert resources == {f"baclo://topic/{t}" for t in topic_names} | {f"baclo://reference/{r}" for r in references}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert templates == {"baclo://topic/{name}", "baclo://reference/{id}"}
        for uri, name, arguments in (
            ("baclo://topic/withdrawal", "topic", {"name": "withdrawal"}),
            ("baclo://topic/pk", "topic", {"name": "pk"}),
            ("baclo://reference/wolf-2018", "references", {"ids": ["wolf-2018"]}),
        ):
            contents = (await client.read_resource(uri)).contents
            assert len(contents) == 1 and contents[0].mime_type == "application/json"
            served = (await client.call_tool(name, arguments)).structured_content
            assert json.loads(getattr(contents[0], "text", "")) == served
        with pytest.raises(MCPError) as unknown:
            await client.read_resource("baclo://topic/withdrawl")
        assert unknown.value.message == cli_error(env, "show", "withdrawl")

    session(body, lambda: stdio(env))


def test_the_done_when_question(env: dict[str, str]) -> None:
    """'Is 60 mg/day safe with a creatinine clearance of 35?': the verdict, ceiling and citations of the CLI."""
    want = cli_json(env, "dose-check", "60", "--crcl", "35")

    async def body(client: Client) -> None:
        got = (await client.call_tool("dose_check", {"dose": "60", "crcl": 35})).structured_content
        assert got is not None
        assert (got["verdict"], got["status"]) == (want["verdict"], "above")
        assert got["verdict"].startswith("60 mg/day oral, CrCl 35 mL/min: ABOVE 40 mg/day (study-derived, Vlavonou")
        assert without_citations(got["ceiling"]) == want["ceiling"]
        assert [c["id"] for c in got["ceiling"]["citations"]] == want["ceiling"]["refs"]
        cited = {c["id"]: c for band in got["thresholds"] for c in band["citations"]}
        assert cited and all(c in want["references"] for c in cited.values())

    session(body, lambda: stdio(env))


def test_errors_are_tool_errors_and_the_server_keeps_answering(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "baclofen.yaml"
    data.write_bytes(DATA.read_bytes())
    env = {**env, "BACLO_DATA": str(data)}
    messages = [cli_error(env, *argv) for _, _, argv in DOMAIN_ERRORS]

    async def body(client: Client) -> None:
        for (name, arguments, argv), message in zip(DOMAIN_ERRORS, messages, strict=True):
            result = await client.call_tool(name, arguments)
            assert result.is_error and result.structured_content is None, argv
            assert text(result) == message, argv  # the CLI's one line, did-you-mean included
        for name, arguments, says in MALFORMED:
            result = await client.call_tool(name, arguments)
            assert result.is_error and "\n" not in text(result), (name, arguments, text(result))
            assert text(result).startswith(f"baclo: {name}: ") and says in text(result), text(result)
        unknown = await client.call_tool("dosecheck", {"dose": "60"})
        assert unknown.is_error and "dosecheck" in text(unknown)

        data.write_text("drug: [unclosed\n", encoding="utf-8")  # the file breaks while the server runs
        broken = await client.call_tool("overview", {})
        assert broken.is_error and text(broken) == cli_error(env, "overview")
        data.write_bytes(DATA.read_bytes())
        assert not (await client.call_tool("overview", {})).is_error
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS

    session(body, lambda: stdio(env))


def test_calls_in_flight_together(env: dict[str, str]) -> None:
    """Twenty calls at once, good and bad mixed: each gets its own answer, as if it had been alone."""
    calls = [(name, arguments) for name, arguments, _ in CASES[:8]] + [(n, a) for n, a, _ in DOMAIN_ERRORS[:4]]
    calls = (calls * 2)[:20]

    async def body(client: Client) -> None:
        alone = [await client.call_tool(name, arguments) for name, arguments in calls]
        together: list[CallToolResult | None] = [None] * len(calls)

        async def one(i: int) -> None:
            together[i] = await client.call_tool(*calls[i])

        async with anyio.create_task_group() as group:
            for i in range(len(calls)):
                group.start_soon(one, i)
        for single, joint in zip(alone, together, strict=True):
            assert joint is not None and joint.is_error == single.is_error
            assert joint.structured_content == single.structured_content and text(joint) == text(single)
        assert not (await client.call_tool("overview", {})).is_error

    session(body, lambda: stdio(env, mode="legacy"))


def _rpc(process: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    process.stdin.flush()


def _line(process: subprocess.Popen[bytes], deadline: float) -> bytes:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
    assert ready, "no answer in time"
    return process.stdout.readline()


def test_stdout_carries_only_protocol_messages(env: dict[str, str]) -> None:
    """Raw JSON-RPC over the pipes: every line the server writes is a protocol message; it ends with its input."""
    process = subprocess.Popen(
        [BACLO, "mcp"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + TIMEOUT
    try:
        client_info = {"name": "raw", "version": "0"}
        init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client_info}
        _rpc(process, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init})
        lines = [_line(process, deadline)]
        _rpc(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        for i, (name, arguments) in enumerate([("topic", {"name": "nope"}), ("dose_check", {"dose": "120"})], 2):
            call = {"name": name, "arguments": arguments}
            _rpc(process, {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call})
            lines.append(_line(process, deadline))
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        assert process.wait(timeout=TIMEOUT) == 0
        lines += process.stdout.read().splitlines()
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)
    messages = [json.loads(line) for line in lines if line.strip()]
    assert all(m["jsonrpc"] == "2.0" for m in messages) and len(messages) == len([x for x in lines if x.strip()])
    assert messages[0]["result"]["serverInfo"]["name"] == "baclo"
    assert messages[1]["result"]["isError"] is True and messages[2]["result"]["isError"] is False
    assert "ABOVE" in messages[2]["result"]["structuredContent"]["verdict"]


def _start_http(env: dict[str, str], address: str) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [BACLO, "mcp", "--http", address], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], TIMEOUT)
    line = process.stderr.readline().decode() if ready else ""
    found = re.search(r"at (http://\S+/mcp);", line)
    if found is None:
        process.kill()
        pytest.fail(f"no address announced: {line!r}")
    return process, found.group(1)


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_streamable_http_on_loopback(env: dict[str, str], stop: signal.Signals, code: int) -> None:
    process, url = _start_http(env, "0")  # PORT alone: 127.0.0.1, a free port the server names
    try:
        assert url.startswith("http://127.0.0.1:")
        want = cli_json(env, "dose-check", "60", "--crcl", "35")
        topic = cli_json(env, "show", "withdrawal")

        async def body(client: Client) -> None:
            assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
            verdict = await client.call_tool("dose_check", {"dose": "60", "crcl": 35})
            assert without_citations(verdict.structured_content) == want
            facts = await client.call_tool("topic", {"name": "withdrawal"})
            assert without_citations(facts.structured_content) == topic
            wrong = await client.call_tool("topic", {"name": "withdrawl"})
            assert wrong.is_error and "did you mean 'withdrawal'" in text(wrong)
            process.send_signal(stop)  # while the client is still connected
            stopped = await anyio.to_thread.run_sync(lambda: process.wait(timeout=TIMEOUT))
            assert stopped == code  # shut down cleanly, not killed

        session(body, lambda: Client(url))
        assert process.stdout is not None and process.stdout.read() == b""
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)


def test_http_address_errors_are_one_line(env: dict[str, str]) -> None:
    bad = cli(env, "mcp", "--http", "localhost:http")
    assert bad.returncode == 2 and bad.stdout == "" and "--http takes [HOST:]PORT" in bad.stderr
    assert bad.stderr.count("\n") == 1
    busy, url = _start_http(env, "127.0.0.1:0")
    try:
        taken = cli(env, "mcp", "--http", url.removeprefix("http://").removesuffix("/mcp"))
        assert taken.returncode == 2 and "cannot listen on 127.0.0.1:" in taken.stderr
    finally:
        busy.send_signal(signal.SIGTERM)
        busy.wait(timeout=TIMEOUT)


def test_a_broken_knowledge_file_stops_the_start(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("drug: [unclosed\n", encoding="utf-8")
    done = subprocess.run(
        [BACLO, "mcp", "--data", str(broken)], env=env, input="", capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 3 and done.stdout == "" and done.stderr == cli_error(env, "--data", str(broken)) + "\n"


def test_without_the_sdk_one_line_and_exit_2(env: dict[str, str]) -> None:
    """As if 'baclo[mcp]' were not installed: the SDK's package cannot be imported."""
    hide = "import sys; sys.modules['mcp'] = None; sys.argv = ['baclo', 'mcp']; import baclo_cli.__main__"
    done = subprocess.run([sys.executable, "-c", hide], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "pip install 'baclo[mcp]'" in done.stderr


@pytest.mark.parametrize("argv", [["overview", "-f", "json"], ["mcp", "--help"], ["--help"], ["dose-check", "60"]])
def test_start_up_does_not_import_the_sdk(env: dict[str, str], argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "baclo_cli", *argv], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    modules = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")]
    assert "baclo_cli.cli.entry" in modules
    assert not [m for m in modules if m.split(".")[0] in ("mcp", "mcp_types", "pydantic", "uvicorn", "starlette")]


def test_on_a_terminal_it_says_what_it_is_and_ctrl_c_stops_it(env: dict[str, str]) -> None:
    import pexpect

    child = pexpect.spawn(BACLO, ["mcp"], env=env, timeout=TIMEOUT)
    child.expect("baclo: serving MCP on stdin and stdout, for an AI assistant that starts it; Ctrl-C stops it")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and b"Traceback" not in (child.before or b"")
