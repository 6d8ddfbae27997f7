"""Shell completion through each shell's own protocol: bash runs the script baclo prints; zsh and fish are
driven through the environment their scripts set (the shells themselves need not be installed)."""

from __future__ import annotations

import os
import re
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
        (["baclo", "glossary", "gab"], ["GABA-B\\ receptor"]),  # any case; quoted for bash
        (["baclo", "glossary", "GAB"], ["GABA-B\\ receptor"]),
        (["baclo", "glossary", "Boxed", "w"], ["warning"]),  # TERM... : the words typed are part of the term
        (["baclo", "glossary", "boxed", "WAR"], ["warning"]),
        (["baclo", "uses", "--where", "status=off"], ["status=off-label"]),
        (["baclo", "uses", "--where", "STATUS=OFF"], ["STATUS=off-label"]),
        (["baclo", "uses", "--where", "status!=off"], ["status\\!=off-label"]),
        (["baclo", "refs", "--where", "ki"], ["kind="]),  # every listing command, not only topics
        (["baclo", "refs", "--where", "kind=la"], ["kind=label"]),
        (["baclo", "labels", "--where", "status=unc"], ["status=unconfirmed"]),
        (["baclo", "search", "kidney", "--where", "topic=dos"], ["topic=dosing"]),
        (["baclo", "show", "withdrawal", "--where", "aspect=sym"], ["aspect=Symptom"]),
        (["baclo", "uses", "--sort", "cond"], ["condition"]),
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
        words = shlex.split(zsh.stdout)  # compadd [-S ''] -- 'term' (no space after a term ending in '=')
        assert words[0] == "compadd" and words[words.index("--") + 1 :] == [term]
        assert set(words[1 : words.index("--")]) <= {"-S", ""}
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


# --- the line as bash splits it: 'FIELD=' takes no space, values complete after '=' -----------------------------


def test_bash_answers_readline_s_own_word_after_a_break_character(env: dict[str, str]) -> None:
    """Bash splits 'status=off' at '=' (COMP_WORDBREAKS): the script passes the line, and baclo answers with what
    replaces readline's word, the part after the '='."""

    def ask(line: str, cword: int) -> list[str]:
        environment = {
            **env,
            "_BACLO_COMPLETE": "complete_bash",
            "_BACLO_COMP_LINE": line,
            "_BACLO_WORDBREAKS": " \t\n\"'><=;|&(:",
            "COMP_WORDS": line,
            "COMP_CWORD": str(cword),
        }
        done = subprocess.run([BACLO], env=environment, capture_output=True, text=True, timeout=60)
        return done.stdout.splitlines()

    assert ask("baclo uses --where status=off", 5) == ["off-label"]
    assert set(ask("baclo uses --where status=", 5)) == {"approved", "off-label", "not\\ indicated"}
    assert ask("baclo uses --where=status=app", 6) == ["approved"]
    assert ask("baclo uses --where sta", 3) == ["status="]
    assert ask("baclo glossary Boxed\\ w", 2) == ["Boxed\\ warning"]
    assert ask("baclo glossary 'Boxed w", 2) == ["Boxed\\ warning"]
    script = subprocess.run([BACLO, "--show-completion", "bash"], env=env, capture_output=True, text=True).stdout
    assert "compopt -o nospace" in script and "_BACLO_COMP_LINE" in script


def test_zsh_takes_no_suffix_after_a_field_and_matches_in_any_case(env: dict[str, str]) -> None:
    def ask(line: str) -> str:
        environment = {**env, "_TYPER_COMPLETE_ARGS": line, "_BACLO_COMPLETE": "complete_zsh"}
        return subprocess.run([BACLO], env=environment, capture_output=True, text=True, timeout=60).stdout.strip()

    assert ask("baclo uses --where sta") == "compadd -S '' -- 'status='"
    assert ask("baclo uses --where status=off") == "compadd -- 'status=off-label'"
    assert ask("baclo glossary gab") == "compadd -U -- 'GABA-B receptor'"  # zsh must not filter it out by case


# In a real shell on a pseudo-terminal: type a line, press Tab, type X, and run printf over the words.
TYPED = [
    ("baclo uses --where sta", ["uses", "--where", "status=X"]),  # no space after 'FIELD='
    ("baclo uses --where status=off", ["uses", "--where", "status=off-label", "X"]),
    ("baclo refs --where kind=la", ["refs", "--where", "kind=label", "X"]),
    ("baclo glossary gab", ["glossary", "GABA-B receptor", "X"]),  # any case, one word
    ("baclo glossary Boxed w", ["glossary", "Boxed", "warning", "X"]),  # the rest of a term typed unquoted
    ("baclo glossary box", ["glossary", "Boxed warning", "X"]),  # a multi-word term, quoted
]


def _words_after_tab(shell: list[str], setup: str, env: dict[str, str]) -> list[list[str]]:
    import pexpect

    child = pexpect.spawn(shell[0], shell[1:], env=env, encoding="utf-8", timeout=60, dimensions=(40, 200))
    child.sendline(setup)
    child.expect("READY> ")
    out = []
    for line, _ in TYPED:
        child.send(line + "\t")
        time.sleep(0.2)
        child.send("X")  # typed ahead while the completion runs: the shell reads it once the completion is in
        child.sendcontrol("a")
        child.send("printf '<%s>' ")
        child.sendcontrol("e")
        child.send("; echo ' END'\r")
        child.expect(r"((?:<[^<>\r\n]*>)+) END")
        out.append(re.findall(r"<([^<>]*)>", child.match.group(1))[1:])  # after 'baclo'

        child.expect("READY> ")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    return out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_tab_in_a_real_shell(env: dict[str, str], tmp_path: Path, shell: str) -> None:
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed (the protocol tests above cover what baclo prints for it)")
    script = tmp_path / f"baclo.{shell}"
    script.write_text(
        subprocess.run([BACLO, "--show-completion", shell], env=env, capture_output=True, text=True).stdout
    )
    if shell == "bash":
        setup, command = f"source {script}; PS1='REA''DY> '", ["bash", "--norc", "--noprofile", "-i"]
    elif shell == "zsh":
        setup, command = f"autoload -Uz compinit; compinit -u; source {script}; PS1='REA''DY> '", ["zsh", "-f"]
    else:
        setup = f"source {script}; function fish_prompt; echo -n 'REA''DY> '; end"
        command = ["fish", "--no-config"]
    found = _words_after_tab(command, setup, {**env, "HOME": str(tmp_path), "TERM": "xterm"})
    assert found == [words for _, words in TYPED]
