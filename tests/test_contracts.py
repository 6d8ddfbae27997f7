"""Every command's real JSON (and NDJSON) output against its published JSON Schema (``baclo schema``)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from baclo_cli.answers.result import SCHEMA_VERSION as VERSION
from baclo_cli.cli.commands import BY_NAME, COMMANDS
from baclo_cli.output.contracts import SCHEMAS, schema_for

from .conftest import Baclo

ARGS = {
    "dose-check": ["80", "--crcl", "40"],
    "show": ["withdrawal"],
    "search": ["kidney"],
    "glossary": [],
    "schema": ["uses"],
    "quiz": ["--seed", "3"],
    "review": ["--stats", "--today", "2026-11-29"],
}


def run(baclo: Baclo, *args: str) -> Any:
    result = baclo.invoke(list(args))
    assert result.exit_code in (0, 4), result.stderr
    return result.stdout


@pytest.mark.parametrize("command", [c.name for c in COMMANDS if c.name != "schema" and c.contract in SCHEMAS])
def test_json_output_follows_its_schema(baclo: Baclo, command: str) -> None:
    data = json.loads(run(baclo, command, *ARGS.get(command, []), "-f", "json"))
    jsonschema.Draft202012Validator.check_schema(schema_for(command, BY_NAME[command].contract))
    jsonschema.validate(data, schema_for(command, BY_NAME[command].contract), cls=jsonschema.Draft202012Validator)
    assert isinstance(data, dict) and data["schema_version"] == VERSION


@pytest.mark.parametrize(
    "command", ["withdrawal", "refs", "topics", "glossary", "search", "disputes", "dose-check", "labels"]
)
def test_ndjson_lines_are_the_row_objects(baclo: Baclo, command: str) -> None:
    contract = schema_for(command, BY_NAME[command].contract)
    rows = contract["x-rows"]
    item = {**contract["properties"][rows]["items"], **contract["else"]["properties"][rows]["items"]}
    lines = run(baclo, command, *ARGS.get(command, []), "-f", "ndjson").splitlines()
    whole = json.loads(run(baclo, command, *ARGS.get(command, []), "-f", "json"))
    assert [json.loads(line) for line in lines] == whole[contract["x-rows"]]
    for line in lines:
        jsonschema.validate(json.loads(line), item)


def test_schema_command_prints_schemas(baclo: Baclo) -> None:
    every = json.loads(run(baclo, "schema"))
    assert every["schema_version"] == VERSION and "dose-check" in every["schemas"]
    one = json.loads(run(baclo, "schema", "pk"))
    assert one["$id"].endswith(":topic") and one["x-rows"] == "facts"
    result = baclo.invoke(["schema", "dosecheck"])
    assert result.exit_code == 2 and "did you mean 'dose-check'" in result.stderr
    assert "mcp" not in every["schemas"]  # it serves a protocol: no document, no contract
    result = baclo.invoke(["schema", "mcp"])
    assert result.exit_code == 2 and "'baclo mcp' prints no JSON document" in result.stderr


def test_fields_limit_every_row_object(baclo: Baclo) -> None:
    data = json.loads(run(baclo, "refs", "--fields", "id,kind", "--where", "kind=label", "-f", "json"))
    assert data["references"] and all(set(r) == {"id", "kind"} and r["kind"] == "label" for r in data["references"])
    tsv = run(baclo, "withdrawal", "--fields", "detail,aspect", "--sort", "-aspect", "-f", "tsv").splitlines()
    assert tsv[0] == "detail\taspect"
    aspects = [line.split("\t")[1] for line in tsv[1:]]
    assert aspects == sorted(aspects, key=str.lower, reverse=True)
