"""Shell completion through each shell's own protocol: bash runs the script baclo prints; zsh and fish are
driven through the environment their scripts set (the shells themselves need not be installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import BACLO
from .test_knowledge import MINIMAL


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


# --- every completed value quoted for its shell (issue 14) -------------------------------------------------------

# A glossary term may hold any printable text; these pieces are what a shell would read as syntax.
SHELL_SYNTAX = [
    "a", " ", "$", "`", ";", "|", "&", "(", ")", "'", '"', "\\", "*", "?", "[", "]", "{", "}", "~", "#", "!",
    "<", ">", "=", ":", ",", "%", "^", "é", "’", "touch M", "$(touch M)", "`touch M`", ";touch M;", "\\n",
]  # fmt: skip
TERMS = (
    st.lists(st.sampled_from(SHELL_SYNTAX), min_size=1, max_size=8)
    .map(lambda parts: "Zq" + "".join(parts))  # starts with what is typed before Tab
    .filter(lambda term: term == term.strip())
)


def glossary_file(folder: Path, *terms: str) -> Path:
    data = yaml.safe_load(MINIMAL)
    data["glossary"] = [{"term": t, "definition": "A thing.", "refs": ["r1"]} for t in terms]
    path = folder / "k.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@settings(derandomize=True, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=TERMS)
def test_bash_inserts_a_term_as_one_literal_word(env: dict[str, str], tmp_path_factory: Any, term: str) -> None:
    """Bash's own completion function (the script baclo prints) fills COMPREPLY; bash then parses the line with
    that reply in it, as Enter would. The line must hold the term as one word and run nothing else."""
    folder = tmp_path_factory.mktemp("bash")
    data = glossary_file(folder, term)
    script = subprocess.run([BACLO, "--show-completion", "bash"], env=env, capture_output=True, text=True).stdout
    program = (
        f"{script}\nCOMP_WORDS=(baclo --data '{data}' glossary Zq); COMP_CWORD=4; _baclo_completion baclo\n"
        '[[ ${#COMPREPLY[@]} == 1 ]] || exit 9\n'
        'eval "printf \'%s\\0\' ${COMPREPLY[0]}" > words\n'
    )  # fmt: skip
    done = subprocess.run(["bash", "-c", program], env=env, cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (term, done.stderr)
    assert (folder / "words").read_text(encoding="utf-8").split("\0")[:-1] == [term]
    assert not (folder / "M").exists(), "a command in the term ran"


@settings(derandomize=True, max_examples=25, deadline=None)
@given(term=TERMS)
def test_zsh_and_powershell_get_values_quoted_for_them(term: str) -> None:
    """zsh evals what baclo prints (``compadd -- 'term'``: single quotes, zsh's and POSIX's alike); PowerShell
    inserts the completion text as it is (a single-quoted string, its quotes doubled, typographic ones too)."""
    import shlex

    env = {k: v for k, v in os.environ.items() if not k.startswith(("_BACLO", "_TYPER"))}
    with tempfile.TemporaryDirectory() as folder:
        data = glossary_file(Path(folder), term)
        env = {**env, "BACLO_CACHE_DIR": f"{folder}/cache"}
        line = f"baclo --data {data} glossary Zq"
        zsh = subprocess.run(
            [BACLO], env={**env, "_TYPER_COMPLETE_ARGS": line, "_BACLO_COMPLETE": "complete_zsh"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert shlex.split(zsh.stdout) == ["compadd", "--", term]
        ps = subprocess.run(
            [BACLO],
            env={
                **env,
                "_TYPER_COMPLETE_ARGS": line,
                "_TYPER_COMPLETE_WORD_TO_COMPLETE": "Zq",
                "_BACLO_COMPLETE": "complete_powershell",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    value, _, rest = ps.stdout.rstrip("\n").partition(":::")
    assert rest == " " and _powershell_single_quoted(value) == term


def _powershell_single_quoted(text: str) -> str:
    """What PowerShell reads from a single-quoted string: any of its five single quotes, doubled, is one."""
    quotes = "'\u2018\u2019\u201a\u201b"
    assert text[0] in quotes and text[-1] in quotes
    inner, out, i = text[1:-1], [], 0
    while i < len(inner):
        if inner[i] in quotes:
            assert inner[i + 1 : i + 2] in tuple(quotes), f"a lone quote ends the string: {text!r}"
            i += 1
        out.append(inner[i])
        i += 1
    return "".join(out)


HOSTILE_TERM = "Evil$(touch PWNED1);touch PWNED2 `touch PWNED3` 'q' \"d\" * & | > x"


def _tab_enter(shell: list[str], setup: str, folder: Path, env: dict[str, str]) -> str:
    """In a real shell on a pseudo-terminal: type a glossary command up to 'Ev', press Tab, then Enter."""
    import pexpect

    data = glossary_file(folder, HOSTILE_TERM)
    child = pexpect.spawn(shell[0], shell[1:], env=env, encoding="utf-8", timeout=30, cwd=folder, dimensions=(40, 200))
    child.sendline(setup)
    child.expect("READY> ")
    child.send(f"baclo --data {data} glossary Ev\t")
    time.sleep(2)  # the completion runs baclo
    child.send("\r")
    child.expect("READY> ")
    screen = str(child.before)
    child.sendline("exit")
    child.expect(pexpect.EOF)
    return screen


def test_tab_then_enter_in_bash_runs_nothing_from_the_term(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "baclo.bash"
    script.write_text(
        subprocess.run([BACLO, "--show-completion", "bash"], env=env, capture_output=True, text=True).stdout
    )
    setup = f"source {script}; PS1='READY'\\>' '"
    screen = _tab_enter(["bash", "--norc", "--noprofile", "-i"], setup, tmp_path, env)
    assert not list(tmp_path.glob("PWNED*")), "Tab-Enter ran a command from the knowledge file"
    assert "A thing." in screen  # the term reached baclo as one word and was found


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_tab_then_enter_in_zsh_and_fish_runs_nothing_from_the_term(
    env: dict[str, str], tmp_path: Path, shell: str
) -> None:
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed (the protocol test above covers what baclo prints for it)")
    script = tmp_path / f"baclo.{shell}"
    script.write_text(
        subprocess.run([BACLO, "--show-completion", shell], env=env, capture_output=True, text=True).stdout
    )
    if shell == "zsh":
        setup = f"autoload -Uz compinit; compinit -u; source {script}; PS1='REA''DY> '"
        command = ["zsh", "-f"]
    else:
        setup = f"source {script}; function fish_prompt; echo -n 'REA''DY> '; end"
        command = ["fish", "--no-config"]
    screen = _tab_enter(command, setup, tmp_path, {**env, "HOME": str(tmp_path), "TERM": "xterm"})
    assert not list(tmp_path.glob("PWNED*")), "Tab-Enter ran a command from the knowledge file"
    assert "A thing." in screen


@pytest.mark.parametrize(
    "broken",
    [
        {"COMP_WORDS": "baclo glossary", "COMP_CWORD": "abc"},
        {"COMP_CWORD": "1"},
        {"COMP_WORDS": "baclo 'glossary", "COMP_CWORD": "1.5"},
    ],
)
def test_a_malformed_completion_environment_completes_nothing(env: dict[str, str], broken: dict[str, str]) -> None:
    done = subprocess.run(
        [BACLO], env={**env, **broken, "_BACLO_COMPLETE": "complete_bash"}, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


def test_show_completion_prints_the_shell_named(env: dict[str, str]) -> None:
    """'--show-completion zsh' printed bash (the shell named was ignored); under /bin/sh it was exit 1."""
    expected = {"bash": "complete -o default -F", "zsh": "#compdef baclo", "fish": "complete --command baclo"}
    for shell, start in expected.items():
        for args in (["--show-completion", shell], [f"--show-completion={shell}"]):
            done = subprocess.run([BACLO, *args], env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0 and start in done.stdout, (args, done.stdout[:80])
    under_sh = subprocess.run(["sh", "-c", f"{BACLO} --show-completion"], env=env, capture_output=True, text=True)
    assert under_sh.returncode == 2 and "name it" in under_sh.stderr and under_sh.stderr.count("\n") == 1
    odd = subprocess.run([BACLO, "--show-completion", "tcsh"], env=env, capture_output=True, text=True)
    assert odd.returncode == 2 and "no completion for shell 'tcsh'" in odd.stderr


def test_install_completion_writes_the_quoting_script(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [BACLO, "--install-completion", "bash"], env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    installed = (tmp_path / ".bash_completions" / "baclo.sh").read_text(encoding="utf-8")
    shown = subprocess.run([BACLO, "--show-completion", "bash"], env=env, capture_output=True, text=True).stdout
    assert installed.strip() == shown.strip() and "read -r reply" in installed
