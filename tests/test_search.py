"""``baclo search`` answers what a pharmacist types: through the real command, on the bundled file (the top hits
for each query a pharmacist tried) and on small files built to show one rule each."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BACLO, Baclo, write
from .test_knowledge import MINIMAL


def hits(baclo: Baclo, *words: str, data: Path | None = None) -> list[dict[str, Any]]:
    args = [*(["--data", str(data)] if data else []), "search", *words, "-f", "json"]
    done = baclo.invoke(args)
    assert done.exit_code == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)["hits"]
    return found


def names(found: list[dict[str, Any]], top: int) -> list[tuple[str, str]]:
    return [(h["topic"], h["name"]) for h in found[:top]]


# --- what a pharmacist typed, on the bundled file ---------------------------------------------------------------


def test_taper_finds_how_long_to_take_stopping_oral_baclofen(baclo: Baclo) -> None:
    """'taper' missed the only row with a duration (stopping oral baclofen over 1-2 weeks): it says 'reduce
    the dose slowly', not 'taper'. Through the file's synonyms (taper, stopping) it is in the first screen."""
    found = hits(baclo, "taper")
    assert found[0]["name"] == "Tapering"  # the word itself first
    stopping = next(h for h in found if h["name"] == "Stopping oral baclofen")
    assert found.index(stopping) < 8 and "2 weeks" in stopping["text"]
    assert stopping["match"] == "synonym" and stopping["matched"] == ["stopping"]


def test_alcohol_puts_the_interaction_in_the_top_three(baclo: Baclo) -> None:
    top = names(hits(baclo, "alcohol"), 3)
    assert ("interactions", "Alcohol and other CNS depressants") in top, top
    assert ("administration", "Alcohol") in top, top


def test_storage_matches_as_typed_and_never_fuzzily(baclo: Baclo) -> None:
    """'storage' matched 'stage' and showed dialysis rows."""
    done = baclo.invoke(["search", "storage", "-f", "json"])
    answer = json.loads(done.stdout)
    assert answer["fuzzy"] == {}
    found = answer["hits"]
    assert {n for _, n in names(found, 2)} == {"Storage of Ozobax", "Storage of tablets (US)"}
    assert all(h["match"] != "fuzzy" and "stage" not in h["matched"] for h in found)
    assert not any("dialysis" in h["name"].lower() for h in found)
    assert {h["name"] for h in hits(baclo, "fridge")[:2]} >= {"Storage of Ozobax"}


@pytest.mark.parametrize("word", ["liquid", "solution", "suspension"])
def test_liquid_finds_the_liquid_forms_and_how_to_measure_them(baclo: Baclo, word: str) -> None:
    top = names(hits(baclo, word), 6)
    assert ("formulations", "Oral solution") in top or ("formulations", "Oral suspension") in top, top
    if word == "liquid":
        assert ("administration", "Measuring liquid doses") in top, top


def test_missed_dose_is_a_phrase_and_ranks_first(baclo: Baclo) -> None:
    found = hits(baclo, "missed", "dose")
    assert found == hits(baclo, "missed dose")  # two words or one quoted argument: the same question
    first = [h for h in found if "missed dose" in h["name"].lower()]
    assert len(first) >= 2 and found[: len(first)] == first  # rows naming the phrase, before the words apart
    apart = next(h for h in found if h["name"] == "Overdose at refill (intrathecal)")  # 'missed, the dose'
    assert found.index(apart) >= len(first)
    assert {h["name"] for h in hits(baclo, "forgot")[:2]} == {h["name"] for h in first[:2]}


def test_crush_finds_crushing_tablets(baclo: Baclo) -> None:
    found = hits(baclo, "crush")
    assert names(found, 1) == [("administration", "Crushing tablets")]
    assert {"crushing", "crushed"} <= set(found[0]["matched"])


@pytest.mark.parametrize(
    "words", [["feeding", "tube"], ["ng", "tube"], ["nasogastric"], ["NG", "tube"], ["peg", "tube"]]
)
def test_feeding_tube_and_what_pharmacists_call_it(baclo: Baclo, words: list[str]) -> None:
    top = names(hits(baclo, *words), 3)
    assert ("administration", "Granules through a feeding tube") in top, top


def test_a_quoted_phrase_must_appear_as_a_phrase(baclo: Baclo) -> None:
    quoted = hits(baclo, '"feeding tube"')
    assert quoted and all("feeding tube" in (h["name"] + " " + h["text"]).lower() for h in quoted)
    assert len(hits(baclo, "tube", "feeding", "granules")) >= len(hits(baclo, '"tube feeding" granules'))


def test_gabapentin_is_found_where_the_file_has_it(baclo: Baclo) -> None:
    """The file names gabapentin nowhere today: the answer says so (exit 1) and names no made-up hit."""
    export = baclo.invoke(["export", "-f", "json"]).stdout
    done = baclo.invoke(["search", "gabapentin", "-f", "json"])
    if "gabapentin" in export.lower():
        assert done.exit_code == 0
        assert "gabapentin" in json.dumps(json.loads(done.stdout)["hits"][0]).lower()
    else:
        assert done.exit_code == 1 and done.stdout == "" and "nothing matches 'gabapentin'" in done.stderr


@pytest.mark.parametrize("word", ["kidney", "kidneys", "renal"])
def test_kidney_and_renal_find_each_other(baclo: Baclo, word: str) -> None:
    top = names(hits(baclo, word), 6)
    assert ("dosing", "Renal impairment") in top, top
    assert any("kidney" in name.lower() for _, name in top), top


@pytest.mark.parametrize("word", ["lactation", "breastfeeding", "breast-feeding", "nursing"])
def test_lactation_and_breastfeeding(baclo: Baclo, word: str) -> None:
    assert ("pregnancy", "Lactation summary") in names(hits(baclo, word), 3)


@pytest.mark.parametrize("word", ["contraindication", "contraindications", "contraindicated"])
def test_contraindications_lead_with_the_labelled_ones(baclo: Baclo, word: str) -> None:
    found = hits(baclo, word)
    rows = [h for h in found[:3] if h["kind"] == "fact"]
    assert rows and all(h["topic"] == "warnings" and h["text"].startswith("contraindication") for h in rows), found[:3]


@pytest.mark.parametrize("word", ["brand", "brands", "trade name"])
def test_brands(baclo: Baclo, word: str) -> None:
    assert names(hits(baclo, *word.split()), 1) == [("identity", "US brand names")]


def test_a_warning_hit_is_named_by_its_item_and_ranks_by_its_kind(baclo: Baclo) -> None:
    """A warning's first column is its kind ('warning'); the hit is named by what the row is about."""
    found = hits(baclo, "hypersensitivity")
    assert found[0]["name"] == "Hypersensitivity to baclofen" and found[0]["text"].startswith("contraindication |")


# --- every hit carries its evidence level (issue 19) -------------------------------------------------------------


def test_hits_carry_the_evidence_level_of_their_row(baclo: Baclo) -> None:
    export = json.loads(baclo.invoke(["export", "-f", "json"]).stdout)
    levels: dict[tuple[str, str], set[str]] = {}
    for name, topic in export["topics"].items():
        for fact in topic["facts"]:
            for value in fact.values():  # the hit is named by the row's key column, whichever that is
                if isinstance(value, str):
                    levels.setdefault((name, value), set()).add(fact.get("evidence"))
    found = hits(baclo, "kidney") + hits(baclo, "alcohol") + hits(baclo, "taper")
    assert {h["evidence"] for h in found} >= {"label", "rct", None}
    for hit in found:
        if hit["kind"] == "fact":
            assert hit["evidence"] in levels[(hit["topic"], hit["name"])], hit
        else:
            assert hit["evidence"] is None
    table = baclo.invoke(["search", "alcohol", "-n", "3", "-f", "tsv", "--fields", "name,evidence"]).stdout
    assert "Alcohol and other CNS depressants\tlabel" in table


# --- where a word matched, on a small file ----------------------------------------------------------------------


def small_file(tmp_path: Path, facts: list[dict[str, Any]], **extra: Any) -> Path:
    data = yaml.safe_load(MINIMAL)
    data["topics"]["alpha"] = {
        "title": "Alpha",
        "summary": "Nothing to see.",
        "columns": ["item", "detail", "notes"],
        "facts": [{**fact, "refs": ["r1"]} for fact in facts],
    }
    data.update(extra)
    return write(tmp_path, "k.yaml", yaml.safe_dump(data))


def test_a_hit_ranks_by_where_it_matched_name_then_detail_then_notes(baclo: Baclo, tmp_path: Path) -> None:
    path = small_file(
        tmp_path,
        [  # listed worst first, so file order cannot explain the ranking
            {"item": "In the notes", "detail": "nothing", "notes": "spasm here"},
            {"item": "In the detail", "detail": "a spasm here", "notes": "nothing"},
            {"item": "Spasm in the name", "detail": "nothing", "notes": "nothing"},
        ],
    )
    found = hits(baclo, "spasm", data=path)
    assert [h["name"] for h in found] == ["Spasm in the name", "In the detail", "In the notes"]
    assert found[0]["score"] > found[1]["score"] > found[2]["score"]


def test_fuzzy_only_when_nothing_matches_as_typed_and_said_so(baclo: Baclo, tmp_path: Path) -> None:
    stage_only = small_file(tmp_path, [{"item": "Kidney stage", "detail": "stage 4", "notes": "-"}])
    done = baclo.invoke(["--data", str(stage_only), "search", "storage", "-f", "json"])
    answer = json.loads(done.stdout)
    assert answer["fuzzy"] == {"storage": ["stage"]} and {h["match"] for h in answer["hits"]} == {"fuzzy"}
    table = baclo.invoke(["--data", str(stage_only), "search", "storage"]).stdout
    assert "No match as typed, so close words instead: 'storage' as 'stage'." in table
    both = small_file(
        tmp_path,
        [
            {"item": "Kidney stage", "detail": "stage 4", "notes": "-"},
            {"item": "Storage", "detail": "dry", "notes": "-"},
        ],
    )
    answer = json.loads(baclo.invoke(["--data", str(both), "search", "storage", "-f", "json"]).stdout)
    assert answer["fuzzy"] == {} and [h["name"] for h in answer["hits"]] == ["Storage"]
    synonym = small_file(
        tmp_path,
        [
            {"item": "Kidney stage", "detail": "stage 4", "notes": "-"},
            {"item": "Fridge", "detail": "cold", "notes": "-"},
        ],
        synonyms=[{"words": ["storage"], "means": ["fridge"]}],
    )
    answer = json.loads(baclo.invoke(["--data", str(synonym), "search", "storage", "-f", "json"]).stdout)
    assert answer["fuzzy"] == {} and [(h["name"], h["match"]) for h in answer["hits"]] == [("Fridge", "synonym")]


def test_withdrawl_is_corrected_out_loud(baclo: Baclo) -> None:
    answer = json.loads(baclo.invoke(["search", "withdrawl", "-f", "json"]).stdout)
    assert list(answer["fuzzy"]) == ["withdrawl"] and answer["fuzzy"]["withdrawl"][0] == "withdrawal"
    assert answer["hits"] and all(h["match"] == "fuzzy" for h in answer["hits"])
    assert "close words instead: 'withdrawl' as 'withdrawal'" in baclo.invoke(["search", "withdrawl"]).stdout
    exact = json.loads(baclo.invoke(["search", "withdrawal", "-f", "json"]).stdout)
    assert exact["fuzzy"] == {} and all(h["match"] != "fuzzy" for h in exact["hits"])


def test_words_that_match_apart_but_never_together(baclo: Baclo) -> None:
    done = baclo.invoke(["search", "storage", "dialysis"])
    assert done.exit_code == 1 and "each word matches, but no row has them all" in done.stderr


# --- matched words marked on a terminal ---------------------------------------------------------------------------

MARK = "\x1b[1;35m"  # bold magenta


def _pty(args: list[str], tmp_path: Path) -> str:
    import pexpect

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm"}
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    child = pexpect.spawn(BACLO, [*args, "--no-pager"], env=env, encoding="utf-8", timeout=30, dimensions=(50, 100))
    child.expect(pexpect.EOF)
    return str(child.before).replace("\r\n", "\n")


def test_matched_words_are_marked_on_a_terminal(tmp_path: Path) -> None:
    screen = _pty(["search", "crush"], tmp_path)
    assert f"{MARK}Crushing" in screen and f"{MARK}crushed" in screen
    marked = re.findall(r"\x1b\[1;35m([^\x1b]*)\x1b\[0m", screen)
    assert marked and {m.lower() for m in marked} <= {"crushing", "crushed"}
    assert MARK not in _pty(["search", "crush", "--color", "never"], tmp_path)
    assert MARK not in _pty(["uses"], tmp_path)  # only a search has words to mark


def test_a_phrase_wrapped_across_lines_is_marked_in_both(tmp_path: Path) -> None:
    import pexpect

    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(BACLO, ["search", "feeding", "tube", "--no-pager"], env=env, encoding="utf-8",
                          timeout=30, dimensions=(200, 60))  # fmt: skip
    child.expect(pexpect.EOF)
    screen = str(child.before)
    marked = " ".join(re.findall(r"\x1b\[1;35m([^\x1b]*)\x1b\[0m", screen)).lower()
    assert marked.count("feeding") >= 2 and marked.count("tube") >= 2
    assert not re.search(r"\x1b\[1;35m[^\x1b]*(apple|juice|label)", screen)


def test_forced_colour_in_a_pipe_marks_too_and_no_colour_means_none(baclo: Baclo) -> None:
    forced = baclo.invoke(["search", "crush"], env={"FORCE_COLOR": "1"}).stdout
    assert f"{MARK}Crushing\x1b[0m tablets" in forced
    assert "\x1b[" not in baclo.invoke(["search", "crush"]).stdout


# --- close words: the cheap pre-check drops only what difflib would drop ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from baclo_cli.text import close  # noqa: E402

_LETTERS = st.text(alphabet="abcdehilorstw-AE é", max_size=12)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(word=_LETTERS, candidates=st.lists(_LETTERS, max_size=30), cutoff=st.sampled_from([0.0, 0.6, 0.75, 0.8, 1.0]))
def test_close_matches_difflib_exactly(word: str, candidates: list[str], cutoff: float) -> None:
    import difflib

    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    expected = [by_lower[f] for f in difflib.get_close_matches(word.lower(), list(by_lower), n=3, cutoff=cutoff)]
    assert close(word, candidates, n=3, cutoff=cutoff) == expected


def test_close_finds_the_misspelt_word_in_the_real_vocabulary(baclo: Baclo) -> None:
    out = baclo.invoke(["search", "withdrawl", "-f", "json"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["fuzzy"] == {"withdrawl": ["withdrawal", "withdraw"]}


@settings(derandomize=True, max_examples=400, deadline=None)
@given(text=st.text(max_size=40) | st.text(alphabet="aZ09 _.%/-,;:\t\n\x1c\u2028é\u0660\u00b2ß", max_size=40))
def test_words_and_normalise_agree_with_the_regular_expressions_they_replace(text: str) -> None:
    import re

    from baclo_cli.text import normalise, split_words, words

    assert split_words(text) == re.findall(r"[\w.%/-]+", text)
    assert normalise(text) == re.sub(r"[\W_]+", "", text.lower())
    assert words(text) == " ".join(re.split(r"[\W_]+", text.lower())).strip()


@settings(derandomize=True, max_examples=500, deadline=None)
@given(a=st.text(alphabet="abcab-é ", max_size=15), b=st.text(alphabet="abcab-é ", max_size=15))
def test_similarity_is_difflibs_ratio(a: str, b: str) -> None:
    import difflib

    from baclo_cli.text import similarity

    assert similarity(a, b) == difflib.SequenceMatcher(None, a, b).ratio()


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    word=_LETTERS,
    candidates=st.lists(_LETTERS.map(str.lower), max_size=30),
    also=st.lists(_LETTERS, max_size=5),
    cutoff=st.sampled_from([0.0, 0.6, 0.8, 1.0]),
)
def test_close_in_an_index_is_close_over_its_words(
    word: str, candidates: list[str], also: list[str], cutoff: float
) -> None:
    from baclo_cli.text import close_in, word_index

    expected = close(word, [c for c in candidates if c] + also, n=4, cutoff=cutoff)
    assert close_in(word, word_index(candidates), n=4, cutoff=cutoff, also=also) == expected


def test_close_falls_back_to_difflib_for_very_long_words() -> None:
    long = "ab" * 120
    assert close(long, [long[:-1], "x"], n=2, cutoff=0.5) == [long[:-1]]


@settings(derandomize=True, max_examples=800, deadline=None)
@given(
    flat=st.text(alphabet="ab1é", min_size=1, max_size=4),
    text=st.text(alphabet="ab1é -_./", max_size=16),
)
def test_spread_span_finds_what_the_spread_pattern_did(flat: str, text: str) -> None:
    import re

    from baclo_cli.answers.search import spread_span

    found = re.search(r"(?<![^\W_])" + r"[\W_]*".join(re.escape(ch) for ch in flat), text)
    assert spread_span(flat, text) == (found.span() if found else None)
