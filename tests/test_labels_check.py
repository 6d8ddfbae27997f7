"""``baclo labels --check`` as a real process against a stand-in for DailyMed on a loopback port.

Every answer the stand-in can give (current, one newer version, several, an unknown set id, a 500, a slow or
trickling answer, malformed JSON, a redirect, a hang-up) is tried in every output format: a report with exit 0
or 6, or one line on stderr with exit 7 and nothing on stdout.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from baclo_cli.cli.commands import BY_NAME
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.output.contracts import schema_for

from .conftest import Baclo
from .dailymed_server import Behaviour, StandIn, stand_in

BACLO = [sys.executable, "-m", "baclo_cli"]
FORMATS = ["table", "json", "ndjson", "yaml", "csv", "tsv", "markdown", "plain"]
TABLETS = "f9dd1b55-2984-446a-8146-2ab0f5211e15"
SUSPENSION = "4585aafe-0af8-4786-a419-6a7e76671ca2"
OZOBAX = "92153f69-bc9b-4bef-9a8e-751effde5c7e"  # recorded: SPL version 3, effective 2021-07-01
INTRATHECAL = "e05080ef-53d9-4060-aaa4-86a6935467de"  # set ids recorded without their version
GABLOFEN = "00d3e846-dd92-448d-9ab8-6a07be823cc1"
LYVISPAH = "f8992a56-9010-4c4b-84d5-ddcc3e2c3317"
LIORESAL_IT = "6f3bdcc0-ffc8-4911-8c35-958c8103a2c5"
UP_TO_3 = [(1, "2019-06-01"), (2, "2020-01-01"), (3, "2021-07-01")]


@pytest.fixture
def server() -> Iterator[StandIn]:
    with stand_in() as running:
        running.behaviours[TABLETS] = Behaviour("ok", [(1, "2019-01-02"), (2, "2023-03-01")])
        running.behaviours[SUSPENSION] = Behaviour("ok", [(1, "2024-04-10")])
        running.behaviours[OZOBAX] = Behaviour("ok", UP_TO_3)
        running.behaviours[INTRATHECAL] = Behaviour("ok", [(1, "2020-05-01")])
        running.behaviours[GABLOFEN] = Behaviour("ok", [(38, "2024-06-01"), (39, "2025-03-28")])
        running.behaviours[LYVISPAH] = Behaviour("ok", [(1, "2022-05-01")])
        running.behaviours[LIORESAL_IT] = Behaviour("ok", [(28, "2021-01-01"), (29, "2022-12-09")])
        yield running


@pytest.fixture
def env(tmp_path: Path, server: StandIn) -> dict[str, str]:
    proxies = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACLO_", "NO_COLOR", "FORCE_COLOR")) and k.lower() not in proxies
    }
    return {**clean, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_DAILYMED_URL": server.base}


def check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BACLO, "labels", "--check", *args], env=env, capture_output=True, text=True, timeout=60)


def machine_rows(fmt: str, stdout: str) -> list[dict[str, Any]]:
    """The label rows of a machine format, as dicts."""
    if fmt == "json":
        return list(json.loads(stdout)["labels"])
    if fmt == "yaml":
        return list(yaml.safe_load(stdout)["labels"])
    if fmt == "ndjson":
        return [json.loads(line) for line in stdout.splitlines()]
    return list(csv.DictReader(io.StringIO(stdout), delimiter="\t" if fmt == "tsv" else ","))


def ozobax_row(fmt: str, stdout: str) -> dict[str, Any]:
    return next(row for row in machine_rows(fmt, stdout) if row["id"] == "dailymed-ozobax")


@pytest.mark.parametrize("fmt", FORMATS)
def test_current_label_in_every_format(env: dict[str, str], server: StandIn, fmt: str) -> None:
    done = check(env, "-f", fmt)
    assert done.returncode == 0, done.stderr
    if fmt in ("table", "plain", "markdown"):
        assert "No cited label has a newer version on DailyMed (7 checked; for 6 the version read is not" in done.stdout
        assert re.search(r"dailymed-ozobax.*current.*the recorded version is DailyMed's latest", done.stdout)
        assert "Facts citing" not in done.stdout
    else:
        row = ozobax_row(fmt, done.stdout)
        assert (row["check"], str(row["latest_version"]), row["latest_date"]) == ("current", "3", "2021-07-01")
        tablets = next(r for r in machine_rows(fmt, done.stdout) if r["id"] == "dailymed-tablets")
        assert (tablets["check"], str(tablets["latest_version"])) == ("unrecorded", "2")
    assert sorted(server.requests) == sorted(f"/dailymed/services/v2/spls/{s}/history.json" for s in server.behaviours)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_newer_version_in_every_format(env: dict[str, str], server: StandIn, kb: Knowledge, fmt: str) -> None:
    server.behaviours[OZOBAX] = Behaviour("ok", [*UP_TO_3, (4, "2025-01-09")])
    done = check(env, "-f", fmt)
    assert done.returncode == 6, done.stderr
    assert done.stderr == ("" if fmt != "plain" else "Reference only, not medical advice; data reviewed 2026-11-29.\n")
    citing = [f for t in kb.topics.values() for f in t.facts if "dailymed-ozobax" in f.refs]
    if fmt in ("table", "plain", "markdown"):
        assert "1 cited label has changed on DailyMed: dailymed-ozobax" in done.stdout
        assert "Facts citing dailymed-ozobax (newer: 4 (2025-01-09)):" in done.stdout
        assert "  formulations: Oral solution:" in done.stdout and "  identity: First US approval: 1977" in done.stdout
    else:
        row = ozobax_row(fmt, done.stdout)
        assert (row["check"], str(row["version"]), str(row["latest_version"])) == ("newer", "3", "4")
        if fmt in ("csv", "tsv"):
            assert row["newer"] == "4 (2025-01-09)"
        else:
            assert row["newer"] == [{"spl_version": 4, "published_date": "2025-01-09"}]
            facts = [c for c in row["cited_by"] if c["kind"] == "fact"]
            assert len(facts) == len(citing)
    if fmt == "json":
        answer = json.loads(done.stdout)
        assert answer["changed"] == ["dailymed-ozobax"] and answer["service"] == server.base
        contract = schema_for("labels", BY_NAME["labels"].contract)
        jsonschema.validate(answer, contract, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_several_newer_versions_newest_first(env: dict[str, str], server: StandIn, fmt: str) -> None:
    server.behaviours[OZOBAX] = Behaviour("ok", [*UP_TO_3, (4, "2022-02-01"), (5, "2023-03-02"), (6, "2024-04-03")])
    done = check(env, "-f", fmt)
    assert done.returncode == 6
    if fmt == "json":
        row = ozobax_row(fmt, done.stdout)
        assert row["detail"] == "3 newer versions on DailyMed" and [v["spl_version"] for v in row["newer"]] == [6, 5, 4]
    else:
        assert "6 (2024-04-03); 5 (2023-03-02); 4 (2022-02-01)" in done.stdout


@pytest.mark.parametrize("kind", ["unknown", "empty"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_set_id_is_reported_as_not_listed(env: dict[str, str], server: StandIn, kind: str, fmt: str) -> None:
    server.behaviours[OZOBAX] = Behaviour(kind)
    done = check(env, "-f", fmt)
    assert done.returncode == 6, done.stderr
    if fmt in ("table", "plain", "markdown"):
        assert "DailyMed lists no version of this set id" in done.stdout
    else:
        row = ozobax_row(fmt, done.stdout)
        assert row["check"] == "not-listed" and row["latest_version"] in (None, "")


def test_the_shapes_public_clients_report_and_paging(env: dict[str, str], server: StandIn) -> None:
    server.behaviours[OZOBAX] = Behaviour("ok", [*UP_TO_3, (4, "2025-01-09")], shape="list", as_text=False)
    assert ozobax_row("json", check(env, "-f", "json").stdout)["latest_version"] == 4
    server.behaviours[OZOBAX] = Behaviour("paged", [*UP_TO_3, (4, "2025-01-09")])
    server.requests.clear()
    done = check(env, "-f", "json")
    assert done.returncode == 6 and ozobax_row("json", done.stdout)["newer"][0]["spl_version"] == 4
    assert [r for r in server.requests if OZOBAX in r] == [
        f"/dailymed/services/v2/spls/{OZOBAX}/history.json",
        *(f"/dailymed/services/v2/spls/{OZOBAX}/history.json?page={n}" for n in (2, 3, 4)),
    ]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAILURES: dict[str, tuple[Behaviour | str, str]] = {
    "500": (Behaviour("error", status=500), r"127\.0\.0\.1:\d+ answered HTTP 500 Internal Server Error for http://"),
    "503": (Behaviour("error", status=503), r"answered HTTP 503 Service Unavailable"),
    "slow": (Behaviour("slow", UP_TO_3, seconds=5), r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s \(--timeout\)"),
    "trickle": (Behaviour("trickle"), r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s \(--timeout\)"),
    "not JSON": (Behaviour("malformed"), r"set id 92153f69-\S+ is not the documented version history \(not JSON\)"),
    "wrong shape": (Behaviour("malformed", body=b'{"data": {"spl": {}}}'), r"history \(no list of versions\)"),
    "bad version": (Behaviour("malformed", body=b'{"data": [{"spl_version": "x"}]}'), r"no valid spl_version"),
    "deep": (Behaviour("malformed", body=b"[" * 100000), r"\(not JSON\)"),
    "huge": (Behaviour("malformed", body=b" " * (3 * 1024 * 1024)), r"answer from 127\.0\.0\.1:\d+ is larger than 2"),
    "redirect": (Behaviour("redirect"), r"redirect \(HTTP 301\) to http://mirror\.example/history\.json; baclo does"),
    "redirect 307": (Behaviour("redirect", status=307, location="https://x.example/h"), r"HTTP 307\) to https://x"),
    "hang-up": (Behaviour("hangup"), r"127\.0\.0\.1:\d+ closed the connection before answering in full"),
    "refused": ("refused", r"^baclo: 127\.0\.0\.1:\d+ refused the connection$"),
    "DNS": ("dns", r"^baclo: (cannot look up|no answer from) baclo-test\.invalid"),
}


# The failures the issue names, in every format; the others in two (the code path is the same for every format).
EVERY_FORMAT = ("500", "slow", "not JSON", "redirect", "refused")
FAILURE_RUNS = [(f, fmt) for f in FAILURES for fmt in (FORMATS if f in EVERY_FORMAT else ["json", "table"])]


@pytest.mark.parametrize(("failure", "fmt"), FAILURE_RUNS)
def test_failures_are_one_line_exit_7_and_nothing_on_stdout(
    env: dict[str, str], server: StandIn, failure: str, fmt: str
) -> None:
    how, message = FAILURES[failure]
    if how == "refused":
        env["BACLO_DAILYMED_URL"] = f"http://127.0.0.1:{_closed_port()}/dailymed/services/v2"
    elif how == "dns":
        env["BACLO_DAILYMED_URL"] = "http://baclo-test.invalid/dailymed/services/v2"
    else:
        assert isinstance(how, Behaviour)
        server.behaviours[OZOBAX] = how
    started = time.monotonic()
    done = check(env, "--timeout", "0.5", "-f", fmt)
    took = time.monotonic() - started
    assert (done.returncode, done.stdout) == (7, ""), done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("baclo: "), done.stderr
    assert re.search(message, done.stderr.strip()), done.stderr
    assert "Traceback" not in done.stderr
    assert took < 8, took  # the 5-second answer and the endless trickle are cut off at 0.5 s


def test_the_whole_check_is_bounded_too(env: dict[str, str], server: StandIn) -> None:
    for set_id in (TABLETS, SUSPENSION, OZOBAX):
        server.behaviours[set_id] = Behaviour("slow", UP_TO_3, seconds=0.6)
    started = time.monotonic()
    done = check(env, "--timeout", "1", "--total-timeout", "1", "-f", "json")
    assert time.monotonic() - started < 6
    assert (done.returncode, done.stdout) == (7, "")
    assert re.fullmatch(r"baclo: no answer from 127\.0\.0\.1:\d+ within 0\.\d+ s \(--total-timeout\)\n", done.stderr)


@pytest.mark.parametrize(
    "address",
    [
        "file:///etc/passwd",
        "ftp://example.org/v2",
        "http://example.org/v2?x=1",
        "http://a b/v2",
        "dailymed",
        "http://\x1b]0;x\x07/",
    ],
)
def test_a_bad_service_address_is_a_usage_error(env: dict[str, str], address: str) -> None:
    env["BACLO_DAILYMED_URL"] = address
    done = check(env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("baclo: BACLO_DAILYMED_URL must be an http:// or https:// address")
    assert "\x1b" not in done.stderr and done.stderr.count("\n") == 1


def test_a_closed_pipe_keeps_the_verdict(env: dict[str, str], server: StandIn) -> None:
    server.behaviours[OZOBAX] = Behaviour("ok", [*UP_TO_3, (4, "2025-01-09")])
    command = " ".join(BACLO) + " labels --check -f json | head -c 1"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (6, "{", "")


def test_typer_path_and_fast_path_agree(env: dict[str, str], server: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_dispatch import _capture, _typer

    server.behaviours[OZOBAX] = Behaviour("ok", [*UP_TO_3, (4, "2025-01-09")])
    monkeypatch.setenv("BACLO_DAILYMED_URL", server.base)
    argv = ["labels", "--check", "-f", "json"]
    saved = sys.argv
    try:
        typer_run = _capture(lambda: _typer(argv))
    finally:
        sys.argv = saved
    process = check(env, "-f", "json")
    assert typer_run == (6, process.stdout.encode(), b"") and process.returncode == 6


def test_offline_and_a_failed_secure_connection(baclo: Baclo, monkeypatch: pytest.MonkeyPatch) -> None:
    """No network at all (the interface is down) and a certificate that does not verify, simulated in-process."""
    import http.client
    import ssl

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setenv("BACLO_DAILYMED_URL", "https://dailymed.example/dailymed/services/v2")
    offline = baclo.invoke(["labels", "--check"])
    assert (offline.exit_code, offline.stdout) == (7, "")
    assert offline.stderr == "baclo: cannot reach dailymed.example (offline?): Network is unreachable\n"

    def untrusted(self: Any) -> None:
        raise ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")

    monkeypatch.setattr(http.client.HTTPSConnection, "connect", untrusted)
    insecure = baclo.invoke(["labels", "--check", "-f", "json"])
    assert (insecure.exit_code, insecure.stdout) == (7, "")
    assert insecure.stderr.startswith("baclo: the secure connection to dailymed.example failed: ")
