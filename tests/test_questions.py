"""The question bank through the real command: counts and topic shares from the bundled file, distractors that
are wrong and of the right kind, the pool chosen by --topic and --focus, and only the questions asked built."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.study import questions as bank
from baclo_cli.study.questions import _contains, fact_text, is_clinical, normalise, value_kind

from .conftest import BACLO as BACLO_SCRIPT
from .conftest import Baclo

BACLO = [BACLO_SCRIPT]


def quiz_json(baclo: Baclo, *args: str) -> list[dict[str, Any]]:
    result = baclo.invoke(["quiz", *args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    questions: list[dict[str, Any]] = json.loads(result.stdout)["questions"]
    return questions


def choices(q: dict[str, Any]) -> list[str]:
    return [c["text"] for c in q["choices"]]


def right(q: dict[str, Any]) -> list[str]:
    letters = q["answer"] if q["choices"] else ""
    return [c["text"] for c in q["choices"] if c["letter"] in letters] if letters else [q["answer"]]


@pytest.fixture(scope="module")
def everything() -> list[dict[str, Any]]:
    return quiz_json(Baclo(), "-n", "500", "--seed", "1")


def test_at_least_200_distinct_questions_weighted_toward_clinical_content(
    everything: list[dict[str, Any]], kb: Knowledge
) -> None:
    distinct = {(q["question"], q["answer_text"], tuple(choices(q))) for q in everything}
    assert len(everything) == len(distinct) >= 200
    topics = Counter(q["topic"] for q in everything)
    assert topics["identity"] / len(everything) <= 0.10  # identifiers are a small share
    clinical = sum(n for t, n in topics.items() if is_clinical(kb.topics[t]))
    assert clinical / len(everything) >= 0.7
    for topic in ("dosing", "warnings", "withdrawal", "interactions", "overdose", "pregnancy", "pharmacokinetics"):
        assert topics[topic] >= 10, (topic, topics)
    assert set(topics) == set(kb.topics)  # questions from every topic
    kinds = Counter(q["kind"] for q in everything)
    assert kinds["multi"] >= 10 and kinds["short"] >= 5 and kinds["choice"] >= 150


def test_a_short_quiz_is_mostly_clinical(kb: Knowledge, baclo: Baclo) -> None:
    shares = []
    for seed in range(8):
        asked = quiz_json(baclo, "-n", "10", "--seed", str(seed))
        shares.append(sum(is_clinical(kb.topics[q["topic"]]) for q in asked) / len(asked))
        assert len({q["question"] for q in asked}) == 10  # every prompt once before any twice
    assert sum(shares) / len(shares) >= 0.7


def test_no_distractor_equals_or_contains_the_answer(everything: list[dict[str, Any]]) -> None:
    for q in everything:
        if not q["choices"]:
            continue
        answers = right(q)
        assert answers and 3 <= len(q["choices"]) <= 6
        wrong = [c for c in choices(q) if c not in answers]
        assert len({normalise(c) for c in choices(q)}) == len(q["choices"]), q
        for w in wrong:
            assert not any(_contains(w, a) or _contains(a, w) for a in answers), (w, q)


def test_no_distractor_is_another_sources_value_for_the_same_dispute(
    everything: list[dict[str, Any]], kb: Knowledge
) -> None:
    by_explanation = {bank._explain(f): f for t in kb.topics.values() for f in t.facts}
    checked = 0
    for q in everything:
        fact = by_explanation.get(q["explanation"])
        if not q["choices"] or fact is None or not fact.dispute:
            continue
        others = [f for t in kb.topics.values() for f in t.facts if f.dispute == fact.dispute and f is not fact]
        for wrong in (c for c in choices(q) if c not in right(q)):
            checked += 1
            assert not any(_contains(fact_text(o), wrong) for o in others), (q["question"], wrong)
    assert checked >= 20  # the disputed half-lives, fractions and thresholds are asked about


def test_figures_are_offered_only_against_figures_of_the_same_kind(everything: list[dict[str, Any]]) -> None:
    figure_questions = 0
    for q in everything:
        figure = bank._FIGURE.fullmatch(q["answer_text"].strip())
        if q["kind"] != "choice" or not (figure or value_kind(q["answer_text"]) == "identifier"):
            continue
        figure_questions += 1
        kind = value_kind(q["answer_text"])
        assert {value_kind(c) for c in choices(q)} == {kind}, q
        if kind not in ("identifier", "year", "number"):
            units = {bank.unit_of(m.group(2)) for c in choices(q) for m in [bank._FIGURE.search(c)] if m}
            assert len(units) == 1, q
    assert figure_questions >= 60


def test_the_boxed_warning_is_asked_about_its_content(everything: list[dict[str, Any]]) -> None:
    boxed = [q for q in everything if "boxed warning" in q["question"].lower()]
    assert boxed
    assert not any("When the boxed warning was added" in right(q) for q in everything)


def test_list_facts_are_asked_one_item_at_a_time_and_as_select_all(everything: list[dict[str, Any]]) -> None:
    overdose = [
        q
        for q in everything
        if q["question"] == "Which of these does the label list as a sign of oral baclofen overdose?"
    ]
    assert len(overdose) >= 8 and all(len(right(q)) == 1 for q in overdose)
    # the wrong ones are withdrawal signs, never an overdose sign under another name
    assert not any("Somnolence" in c for q in overdose for c in choices(q) if c not in right(q))
    select_all = [q for q in everything if q["kind"] == "multi"]
    assert select_all and all(q["question"].startswith("Select all that apply.") for q in select_all)
    assert any(len(q["answer"]) >= 2 for q in select_all)


def test_topic_and_focus_choose_the_pool(baclo: Baclo, kb: Knowledge) -> None:
    only = quiz_json(baclo, "-t", "interactions", "-n", "50", "--seed", "2")
    assert len(only) >= 15 and {q["topic"] for q in only} == {"interactions"}
    clinical = quiz_json(baclo, "--focus", "clinical", "-n", "500", "--seed", "2")
    assert len(clinical) >= 200 and all(is_clinical(kb.topics[q["topic"]]) for q in clinical)
    assert not {q["topic"] for q in clinical} & {"identity", "studies", "mechanism", "addiction"}
    assert baclo.invoke(["quiz", "--focus", "everything"]).exit_code == 2
    assert baclo.invoke(["quiz", "-t", "mechanism", "--focus", "clinical"]).exit_code == 1


def test_only_the_questions_asked_are_built(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    real = bank._choice

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(bank, "_choice", counting)
    asked = bank.make_quiz(kb, None, 10, 5)
    assert len(asked) == 10 and len(built) <= 20 < len(bank.question_bank(kb)) / 10


def test_the_same_seed_gives_the_same_quiz(kb: Knowledge) -> None:
    first = bank.make_quiz(kb, None, 8, 42)
    assert first == bank.make_quiz(kb, None, 8, 42)
    assert [q.prompt for q in first] != [q.prompt for q in bank.make_quiz(kb, None, 8, 43)]
    assert bank.make_quiz(kb, None, 5, 42) == first[:5]


def test_short_answers_accept_the_number_with_or_without_its_unit(kb: Knowledge) -> None:
    q = next(q for q in bank.all_questions(kb, ["dosing"]) if q.kind == "short" and "adult maximum" in q.prompt)
    assert q.answer == "80 mg" and "oral, per day" in q.prompt
    assert q.is_correct("80") and q.is_correct("80 mg") and q.is_correct("80mg")
    assert not q.is_correct("60") and not q.is_correct("")


def test_select_all_reads_letters_in_any_order(kb: Knowledge) -> None:
    q = next(q for q in bank.all_questions(kb, ["withdrawal"]) if q.kind == "multi")
    letters = q.answer_letter
    assert len(letters) >= 2
    assert q.is_correct(letters) and q.is_correct(" ".join(reversed(letters))) and q.is_correct(",".join(letters))
    assert not q.is_correct(letters[0])
    assert q.read("z") is None and q.read("") is None


# --- forgiving input -----------------------------------------------------------------------------------------


def test_a_key_that_is_not_an_answer_asks_again_and_is_not_counted(baclo: Baclo) -> None:
    key = quiz_json(baclo, "--seed", "7", "-n", "2")
    answers = "z\n\n" + key[0]["answer"] + "\n" + "e f g\n" + key[1]["answer"] + "\n"
    result = baclo.invoke(["quiz", "--seed", "7", "-n", "2"], input=answers)
    assert result.exit_code == 0
    assert result.stdout.count("Not an answer") == 3
    assert result.stdout.rstrip().endswith("Score: 2/2 (100%)")


def test_q_quits_with_the_score_so_far(baclo: Baclo) -> None:
    key = quiz_json(baclo, "--seed", "7", "-n", "3")
    result = baclo.invoke(["quiz", "--seed", "7", "-n", "3"], input=key[0]["answer"] + "\nq\n")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith("Stopped. Score so far: 1/1 (100%) of 3 questions.")


def test_an_endless_stream_of_junk_ends_the_quiz(tmp_path: Path) -> None:
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache"), "BACLO_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        ["bash", "-c", f"yes zz | {' '.join(BACLO)} quiz --seed 3 -n 4"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Stopped. Score so far: 0/0 (0%) of 4 questions." in done.stdout


@settings(derandomize=True, max_examples=500, deadline=None)
@given(text=st.text(max_size=25) | st.text(alphabet="Ab1_- .é\u00a0\u0130ß", max_size=25))
def test_words_is_the_pattern_substitution_it_replaces(text: str) -> None:
    import hashlib
    import re

    from baclo_cli.text import sha1_hex, words

    assert words(text) == re.sub(r"[\W_]+", " ", text.lower()).strip()
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        assert sha1_hex(text) == hashlib.sha1(text.encode()).hexdigest()
