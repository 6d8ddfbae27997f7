"""``baclo glossary TERM...``: a multi-word term without quotes, looked up without regard to case, spaces or
hyphens; 'did you mean' only when nothing matches."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from .conftest import BACLO, Baclo
from .test_dispatch import _capture, _typer


def terms(baclo: Baclo, *args: str) -> list[str]:
    done = baclo.invoke(["glossary", *args, "-f", "json"])
    assert done.exit_code == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)["terms"]
    return [t["term"] for t in found]


def test_a_multi_word_term_needs_no_quotes(baclo: Baclo) -> None:
    """'baclo glossary Boxed warning' was exit 2 (got unexpected extra argument)."""
    assert terms(baclo, "Boxed", "warning") == ["Boxed warning"] == terms(baclo, "Boxed warning")
    assert terms(baclo, "dorsolateral", "prefrontal", "cortex") == ["dlPFC"]
    assert terms(baclo, "black", "box", "warning", "--topic", "warnings") == ["Boxed warning"]
    done = subprocess.run([BACLO, "glossary", "Boxed", "warning", "-f", "tsv"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.splitlines()[1].startswith("Boxed warning\t")


def test_the_typer_path_takes_every_word_too() -> None:
    argv = ["glossary", "Boxed", "warning", "-f", "json"]
    code, out, err = _capture(lambda: _typer(argv))
    assert code == 0 and [t["term"] for t in json.loads(out)["terms"]] == ["Boxed warning"], err


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        (["half", "life"], "Half-life"),
        (["half life"], "Half-life"),
        (["HALF-LIFE"], "Half-life"),
        (["halflife"], "Half-life"),
        (["gaba-b"], "GABA-B receptor"),
        (["gaba", "b"], "GABA-B receptor"),
        (["GABAB"], "GABA-B receptor"),
        (["gaba-b", "receptor"], "GABA-B receptor"),
        (["boxed", "WARNING"], "Boxed warning"),
        (["taper"], "Tapering"),
        (["DLPFC"], "dlPFC"),
    ],
)
def test_case_spaces_and_hyphens_do_not_matter(baclo: Baclo, typed: list[str], term: str) -> None:
    done = baclo.invoke(["glossary", *typed])
    assert done.exit_code == 0 and "did you mean" not in done.stderr
    assert terms(baclo, *typed) == [term]


def test_did_you_mean_only_when_nothing_matches(baclo: Baclo) -> None:
    done = baclo.invoke(["glossary", "halflfe"])
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.strip() == "baclo: no glossary term matches 'halflfe'; did you mean 'Half-life'?"
    done = baclo.invoke(["glossary", "flux", "capacitor"])
    assert done.exit_code == 1 and "no glossary term matches 'flux capacitor'" in done.stderr


def test_no_term_is_the_whole_glossary_and_an_empty_one_is_an_error(baclo: Baclo) -> None:
    assert len(terms(baclo)) > 20
    done = baclo.invoke(["glossary", ""])
    assert done.exit_code == 2 and "TERM is empty" in done.stderr
