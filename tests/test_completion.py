"""Shell completion through each shell's own protocol: bash runs the script baclo prints; zsh and fish are
driven through the environment their scripts set (the shells themselves need not be installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import BACLO


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACLO_", "_BACLO", "_TYPER"))}
    return {**clean, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "PATH": f"{Path(BACLO).parent}:{clean['PATH']}"}


def bash_complete(words: list[str], env: dict[str, str]) -> list[str]:
    script = subprocess.run([BACLO, "--show-completion", "bash"], env=env, capture_output=True, text=True).stdout
    assert "complete -o default -F _baclo_completion baclo" in script
    line = " ".join(f"'{w}'" for w in words)
    program = f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _baclo_completion baclo\n"
    program += 'printf "%s\\n" "${COMPREPLY[@]}"\n'
    done = subprocess.run(["bash", "-c", program], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["baclo", "sh"], ["show"]),
        (["baclo", "show", "with"], ["withdrawal"]),
        (["baclo", "withdrawal", "--where", "asp"], ["aspect="]),
        (["baclo", "glossary", "dl"], ["dlPFC"]),
        (["baclo", "uses", "-f", "ts"], ["tsv"]),
        (["baclo", "side-effects", "--fields", "effect,sev"], ["effect,severity"]),
        (["baclo", "quiz", "--topic", "pharm"], ["pharmacokinetics"]),
        (["baclo", "show", "dosing", "--where", "pop"], ["population="]),
        (["baclo", "admin"], ["administration"]),
        (["baclo", "administration", "--where", "juri"], ["jurisdiction="]),
    ],
)
def test_bash_completes_commands_options_formats_topics_terms_and_fields(
    env: dict[str, str], words: list[str], expected: list[str]
) -> None:
    assert bash_complete(words, env) == expected


def test_bash_completes_options(env: dict[str, str]) -> None:
    assert {"--fields", "--format"} <= set(bash_complete(["baclo", "uses", "--f"], env))


def test_zsh_and_fish_protocols(env: dict[str, str]) -> None:
    zsh = subprocess.run(
        [BACLO],
        env={**env, "_TYPER_COMPLETE_ARGS": "baclo show wi", "_BACLO_COMPLETE": "complete_zsh"},
        capture_output=True,
        text=True,
    ).stdout
    assert "withdrawal" in zsh
    fish = subprocess.run(
        [BACLO],
        env={
            **env,
            "_TYPER_COMPLETE_ARGS": "baclo glossary dl",
            "_BACLO_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        },
        capture_output=True,
        text=True,
    ).stdout
    assert fish.split() == ["dlPFC"]


def test_completion_scripts_for_every_shell(env: dict[str, str]) -> None:
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run([BACLO, "--show-completion", shell], env=env, capture_output=True, text=True)
        assert done.returncode == 0 and "_BACLO_COMPLETE" in done.stdout
