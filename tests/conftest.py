"""Shared fixtures and helpers: every test runs with its own cache folder and a clean environment, and runs
baclo the way users do, through the console script's entry point (``entry.main``: the fast path first, then
Typer), in-process; or as a real process (``BACLO``, the installed console script; never skipped)."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from baclo_cli.knowledge.load import Knowledge, default_data_path, load_knowledge

DATA = Path(default_data_path())
# The console script installed beside this interpreter (pip install '.[test]' puts it there).
BACLO = str(Path(sys.executable).with_name("baclo"))


class Ran:
    """How an in-process run ended: exit code, what it wrote to stdout and stderr (text), and any exception."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, exception: BaseException | None) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.output = stdout + stderr
        self.exception = exception
        self.stdout_bytes = stdout.encode("utf-8")


class Baclo:
    """Runs ``baclo ARGS`` through ``entry.main`` with its own argv, stdin, stdout, stderr and environment."""

    def invoke(self, args: Sequence[str], input: str | None = None, env: Mapping[str, str | None] | None = None) -> Ran:
        from baclo_cli.cli import entry

        saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
        saved_env = {k: os.environ.get(k) for k in (env or {})}
        saved_signal = signal.getsignal(signal.SIGINT)
        out, err = io.BytesIO(), io.BytesIO()
        streams = [io.TextIOWrapper(b, encoding="utf-8", write_through=True) for b in (out, err)]
        code, exception = 0, None
        try:
            for key, value in (env or {}).items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            sys.argv = ["baclo", *args]
            sys.stdin = io.StringIO(input or "")
            sys.stdout, sys.stderr = streams
            try:
                entry.main()
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
            except Exception as error:
                code, exception = 1, error
            for stream in streams:
                stream.flush()
        finally:
            sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
            signal.signal(signal.SIGINT, saved_signal)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            for stream in streams:
                stream.detach()
        return Ran(code, _text(out), _text(err), exception)


def _text(buffer: io.BytesIO) -> str:
    return buffer.getvalue().decode("utf-8", "replace")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("BACLO_DATA", "NO_COLOR", "FORCE_COLOR", "BACLO_DEBUG", "BACLO_NO_CACHE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACLO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BACLO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TERM", "xterm")
    # 'labels --check' must never reach the internet from a test: port 1 on loopback refuses at once (exit 7).
    monkeypatch.setenv("BACLO_DAILYMED_URL", "http://127.0.0.1:1/dailymed/services/v2")
    monkeypatch.delenv("BACLO_NO_STALE_NOTE", raising=False)
    yield


@pytest.fixture
def baclo() -> Baclo:
    return Baclo()


@pytest.fixture(scope="session", autouse=True)
def console_script_installed() -> None:
    """The process tests run the installed console script; without it they would prove nothing: fail."""
    assert Path(BACLO).exists(), f"{BACLO} is missing: install with pip install '.[test]'"


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge(DATA, use_cache=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
