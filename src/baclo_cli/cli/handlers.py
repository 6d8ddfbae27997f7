"""How each read-only command is answered: the knowledge and the command's parameters in, a ``Result`` out.

The command table names these by key (``Command.handler``); every run reaches them through ``run.run``, so a
command behaves the same however it was parsed. ``--where``, ``--sort`` and ``--fields`` are applied afterwards,
to every answer alike (``answers.listing``).
"""

from __future__ import annotations

from baclo_cli.answers import topics as query
from baclo_cli.answers.result import Result
from baclo_cli.errors import BadValue
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.text import shorten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

Params = dict[str, "Any"]


def topic(kb: Knowledge, params: Params, name: str) -> Result:
    return query.topic_result(kb, name)


def show(kb: Knowledge, params: Params, _: str) -> Result:
    return query.topic_result(kb, params["topic"])


def glossary(kb: Knowledge, params: Params, _: str) -> Result:
    words = params.get("term")  # TERM... : every word given is one term ('baclo glossary Boxed warning')
    term = " ".join(words) if isinstance(words, list) and words else words or None
    return query.glossary_result(kb, term, params.get("topic") or [])


def search(kb: Knowledge, params: Params, _: str) -> Result:
    from baclo_cli.answers.search import search_result

    return search_result(kb, " ".join(params.get("words") or []), int(params.get("limit") or 0))


def dose_check(kb: Knowledge, params: Params, _: str) -> Result:
    import os

    from baclo_cli.answers.clearance import read_patient
    from baclo_cli.answers.dose import REGIONS, dose_check_result

    region = params.get("region") or os.environ.get("BACLO_REGION", "").strip().upper() or "US"
    if region not in REGIONS:
        raise BadValue(f"BACLO_REGION={shorten(region)} is not a region: use one of {', '.join(REGIONS)}")
    patient = read_patient(
        age=params.get("age"),
        weight=params.get("weight"),
        height=params.get("height"),
        sex=params.get("sex"),
        scr=params.get("scr"),
        scr_umol=params.get("scr_umol"),
        crcl=params.get("crcl"),
        egfr=params.get("egfr"),
        renal=params.get("renal"),
        ckd_epi=bool(params.get("ckd_epi")),
    )
    return dose_check_result(
        kb,
        params["dose"],
        params.get("route") or "oral",
        params.get("per") or "day",
        patient,
        region,
        verbose=bool(params.get("verbose")),
    )


def refs(kb: Knowledge, params: Params, _: str) -> Result:
    return query.refs_result(kb, params.get("ids") or [])


def flashcards(kb: Knowledge, params: Params, _: str) -> Result:
    from baclo_cli.study import cards as study

    return study.flashcards_result(kb, study.make_cards(kb, params.get("topic") or None), params.get("deck") or "baclo")


def schema(kb: Knowledge, params: Params, _: str) -> Result:
    """The JSON Schema of one command's output, or of every command's."""
    from baclo_cli.answers.result import SCHEMA_VERSION
    from baclo_cli.cli.commands import BY_NAME, COMMANDS
    from baclo_cli.output.contracts import SCHEMAS, schema_for

    listed = [c for c in COMMANDS if c.name != "schema" and c.contract in SCHEMAS]  # 'mcp' prints no document
    name = params.get("command")
    if name:
        if name in BY_NAME and BY_NAME[name] not in listed and name != "schema":
            raise BadValue(f"'baclo {name}' prints no JSON document, so it has no output contract")
        if name not in BY_NAME or name == "schema":
            from baclo_cli.text import did_you_mean, shorten

            raise BadValue(f"no command '{shorten(name)}'{did_you_mean(name[:200], [c.name for c in listed])}")
        contract = schema_for(name, BY_NAME[name].contract)
        rows = [{"command": name, "contract": BY_NAME[name].contract, "rows": contract.get("x-rows", "")}]
        return Result(
            title=f"JSON Schema: baclo {name}", columns=["command", "contract", "rows"], rows=rows, payload=contract
        )
    rows = [
        {"command": c.name, "contract": c.contract, "rows": schema_for(c.name, c.contract).get("x-rows", "")}
        for c in listed
    ]
    return Result(
        title="JSON output contracts",
        summary=f"Contract version {SCHEMA_VERSION}; 'baclo schema COMMAND' prints one JSON Schema.",
        columns=["command", "contract", "rows"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "schemas": {c.name: schema_for(c.name, c.contract) for c in listed}},
    )


def labels(kb: Knowledge, params: Params, _: str) -> Result:
    """The label references; with --check, against DailyMed's version histories (the one networked answer)."""
    from baclo_cli.answers import labels as provenance

    if not params.get("check"):
        return provenance.labels_result(kb)
    from baclo_cli.cli import dailymed

    base = dailymed.service_base()
    timeout = float(params.get("timeout") or 10.0)
    total = float(params.get("total_timeout") or 30.0)
    for flag, seconds in (("--timeout", timeout), ("--total-timeout", total)):
        if seconds != seconds:  # NaN passes Click's range check (every comparison with it is false)
            raise BadValue(f"{flag} takes a number of seconds, got {seconds}")
    histories = dailymed.fetch_histories(provenance.set_ids(kb), base, timeout, total)
    return provenance.check_result(kb, histories, base)


def _whole(ask: Callable[[Knowledge], Result]) -> Callable[[Knowledge, Params, str], Result]:
    return lambda kb, params, _: ask(kb)


ASKS: dict[str, Callable[[Knowledge, Params, str], Result]] = {
    "overview": _whole(query.overview_result),
    "topic": topic,
    "show": show,
    "disputes": _whole(query.disputes_result),
    "topics": _whole(query.topics_result),
    "refs": refs,
    "glossary": glossary,
    "search": search,
    "export": _whole(query.export_result),
    "dose_check": dose_check,
    "flashcards": flashcards,
    "schema": schema,
    "labels": labels,
}
