"""No command but ``labels --check`` ever touches the network (and ``mcp --http``, which listens by design).

Each command of the table runs as a real process under an audit hook that ends the process (exit 99) at the
first network event: creating an internet socket, connecting, binding, a name lookup. A socketpair inside the
process (asyncio's wake-up pipe, which ``baclo mcp`` over stdio uses) is not network and is let through.
``labels --check`` is the control: the hook must catch it, or the test proves nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from baclo_cli.cli.commands import COMMANDS

GUARD = """
import os, socket, sys

LOCAL = (socket.AF_UNIX,)  # a socketpair inside the process (asyncio's wake-up pipe in 'baclo mcp'): no network

def guard(event, args):
    if not event.startswith("socket."):
        return
    if event == "socket.__new__" and args[1] in LOCAL:
        return
    if event in ("socket.connect", "socket.bind") and getattr(args[0], "family", None) in LOCAL:
        return
    if event in ("socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg") or (
        event.startswith("socket.get")  # getaddrinfo, gethostbyname, gethostbyaddr, getnameinfo: name lookups
    ):
        os.write(2, ("NETWORK: " + event + "\\n").encode())
        os._exit(99)

sys.addaudithook(guard)
import runpy
sys.argv = ["baclo", *sys.argv[1:]]
runpy.run_module("baclo_cli", run_name="__main__", alter_sys=True)
"""

ARGS = {
    "dose-check": ["80", "--crcl", "40"],
    "show": ["withdrawal"],
    "search": ["kidney"],
    "glossary": ["dlPFC"],
    "quiz": ["--seed", "3", "-n", "2"],
    "review": ["--today", "2026-11-29", "-n", "2"],
}
STDIN = {"quiz": "a\nb\n", "review": "y\ny\n"}
RUNS = [[c.name, *ARGS.get(c.name, []), *fmt] for c in COMMANDS for fmt in ([], ["-f", "json"], ["--sources"])]
RUNS += [["--help"], ["--version"], ["labels", "--help"], ["review", "--stats"], ["flashcards", "-f", "tsv"]]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACLO_")}
    return {**clean, "BACLO_HOME": str(tmp_path / "home"), "BACLO_CACHE_DIR": str(tmp_path / "cache")}


def guarded(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", GUARD, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_no_other_command_opens_a_socket(env: dict[str, str], args: list[str]) -> None:
    done = guarded(args, env, STDIN.get(args[0], ""))
    assert "NETWORK" not in done.stderr and done.returncode != 99, done.stderr
    assert done.returncode in (0, 1, 4), done.stderr  # it ran (dose-check: 4, above), not failed before trying


def test_the_guard_catches_labels_check(env: dict[str, str]) -> None:
    env["BACLO_DAILYMED_URL"] = "http://127.0.0.1:1/dailymed/services/v2"
    done = guarded(["labels", "--check"], env)
    assert done.returncode == 99 and done.stderr.startswith("NETWORK: socket."), done.stderr
