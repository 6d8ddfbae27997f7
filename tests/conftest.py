"""Shared fixtures: every test runs with its own cache folder and a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baclo_cli.knowledge.load import Knowledge, default_data_path, load_knowledge

DATA = Path(default_data_path())


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("BACLO_DATA", "NO_COLOR", "FORCE_COLOR", "BACLO_DEBUG", "BACLO_NO_CACHE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACLO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BACLO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TERM", "xterm")
    yield


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge(DATA, use_cache=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
