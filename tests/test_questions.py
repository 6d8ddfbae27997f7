"""The question bank through the real command: counts and topic shares from the bundled file, distractors that
are wrong and of the right kind, the pool chosen by --topic and --focus, and only the questions asked built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.knowledge.load import Knowledge, load_knowledge
from baclo_cli.study import questions as bank
from baclo_cli.study import quiz
from baclo_cli.study.questions import _contains, fact_text, is_clinical, value_kind
from baclo_cli.study.quiz import normalise

from .conftest import BACLO as BACLO_SCRIPT
from .conftest import DATA, Baclo

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


def test_only_the_questions_asked_are_drafted_and_finished(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cache (the ``kb`` fixture has none) each draft is worked out when the order reaches it."""
    drafted: list[str] = []
    finished: list[Any] = []
    real_bank, real_finish = bank.question_bank, quiz.finish

    def counting_bank(*args: Any, **kwargs: Any) -> list[bank.Spec]:
        def counted(spec: bank.Spec) -> Any:
            def draft() -> Any:
                drafted.append(spec.key)
                return spec.draft()

            return draft

        return [spec._replace(draft=counted(spec)) for spec in real_bank(*args, **kwargs)]

    def counting_finish(*args: Any) -> Any:
        finished.append(args)
        return real_finish(*args)

    monkeypatch.setattr(bank, "question_bank", counting_bank)
    monkeypatch.setattr(quiz, "finish", counting_finish)
    asked = quiz.make_quiz(kb, None, 10, 5)
    assert len(asked) == 10 and len(drafted) == len(finished) <= 20 < len(real_bank(kb)) / 10


def test_a_kept_bank_is_read_not_drafted_and_asks_what_a_fresh_one_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb: Knowledge
) -> None:
    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    cached = load_knowledge(data)
    assert cached.content_key
    first = quiz.make_quiz(cached, None, 500, 3)  # works out every draft and keeps them
    (kept,) = (tmp_path / "cache").glob("quiz-*")

    fresh = {seed: quiz.make_quiz(kb, None, 500, seed) for seed in (3, 4, 99)}
    real_bank = bank.question_bank
    every = quiz.all_questions(kb, None, 7)

    def no_drafting(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the kept drafts were not used")

    monkeypatch.setattr(bank, "question_bank", no_drafting)
    assert first == fresh[3]
    for seed, expected in fresh.items():
        assert quiz.make_quiz(load_knowledge(data), None, 500, seed) == expected
    assert quiz.all_questions(load_knowledge(data), None, 7) == every
    monkeypatch.setattr(bank, "question_bank", real_bank)
    # Topics and focus are kept apart, and each asks what a fresh bank asks.
    for topics, focus in ((["withdrawal"], "all"), (["dosing", "pk"], "clinical"), (None, "clinical")):
        for _ in range(2):
            assert quiz.make_quiz(load_knowledge(data), topics, 40, 5, focus) == quiz.make_quiz(
                kb, topics, 40, 5, focus
            )
    assert len(list((tmp_path / "cache").glob("quiz-*"))) == 4
    # A damaged file is a miss; a crafted one with a good checksum but a draft of the wrong shape is doubted
    # when that draft is asked, and the bank is worked out again: the same quiz either way.
    body = kept.read_bytes()
    kept.write_bytes(body[:-1] + bytes([body[-1] ^ 1]))
    assert quiz.make_quiz(load_knowledge(data), None, 30, 3) == first[:30]
    import marshal

    from baclo_cli.knowledge import cache

    heads, drafts = marshal.loads(cache.read_blob(kept.name, quiz.DRAFTS_MAGIC, quiz.MAX_DRAFTS) or b"")
    crafted = [("one", 1, 2) if d is not None else None for d in drafts]
    cache.write_blob(kept.name, quiz.DRAFTS_MAGIC, marshal.dumps((heads, crafted)))
    assert quiz.make_quiz(load_knowledge(data), None, 30, 3) == first[:30]
    assert quiz.all_questions(load_knowledge(data), None, 7) == quiz.all_questions(kb, None, 7)


def test_the_same_seed_gives_the_same_quiz(kb: Knowledge) -> None:
    first = quiz.make_quiz(kb, None, 8, 42)
    assert first == quiz.make_quiz(kb, None, 8, 42)
    assert [q.prompt for q in first] != [q.prompt for q in quiz.make_quiz(kb, None, 8, 43)]
    assert quiz.make_quiz(kb, None, 5, 42) == first[:5]


def test_short_answers_accept_the_number_with_or_without_its_unit(kb: Knowledge) -> None:
    q = next(q for q in quiz.all_questions(kb, ["dosing"]) if q.kind == "short" and "adult maximum" in q.prompt)
    assert q.answer == "80 mg" and "oral, per day" in q.prompt
    assert q.is_correct("80") and q.is_correct("80 mg") and q.is_correct("80mg")
    assert not q.is_correct("60") and not q.is_correct("")


def test_select_all_reads_letters_in_any_order(kb: Knowledge) -> None:
    q = next(q for q in quiz.all_questions(kb, ["withdrawal"]) if q.kind == "multi")
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


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789.,;/ \t\u00a0\u2003abcdmg-٣"), max_size=14))
def test_replies_are_read_as_the_patterns_they_replaced_read_them(reply: str) -> None:
    """``first_number`` and the letters of a reply, written without ``re``, read what the patterns read."""
    import re

    found = re.search(r"[0-9]+(?:\.[0-9]+)?", reply)
    assert quiz.first_number(reply) == (f"{float(found.group()):g}" if found else "")
    q = quiz.Question("q", "t", "multi", "?", ("x", "y", "z"), ("x", "z"), (), "", ())
    letters = re.sub(r"[\s,;/]+", "", reply.strip().lower())
    expected = "".join(sorted(set(letters))) if letters and all(ch in "abc" for ch in letters) else None
    assert q.read(reply) == (expected if reply.strip() else None)


def test_an_unseeded_scripted_quiz_reads_the_kept_drafts_and_loads_no_bank_code(tmp_path: Path) -> None:
    """The path scripts hit: a new quiz every run, from drafts worked out once, with none of the bank's code (nor
    ``re``, ``typing`` or ``random``, which cost a bare Python's start-up several times over between them)."""
    code = (
        "import sys; sys.argv = ['baclo', 'quiz', '-n', '4', '-f', 'json']\n"
        "from baclo_cli.cli import entry\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('baclo_cli.study.questions', 're', 'typing', 'random', 'typer', 'rich')\n"
        "sys.stderr.write(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "BACLO_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(3)]
    assert "baclo_cli.study.questions" in runs[0].stderr  # the first run works the drafts out
    assert [r.stderr for r in runs[1:]] == ["", ""]
    quizzes = [json.loads(r.stdout) for r in runs]
    assert all(len(q["questions"]) == 4 for q in quizzes)
    assert len({q["seed"] for q in quizzes}) == 3  # a new quiz each time
    again = subprocess.run([*BACLO, "quiz", "-n", "4", "--seed", str(quizzes[2]["seed"]), "-f", "json"], env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert json.loads(again.stdout) == quizzes[2]  # and its seed asks it again


NAMELESS = """\
schema: 2
drug: {name: testdrug, class: test class, brand_names: [T], last_reviewed: "2026-01-01"}
topics:
  alpha:
    title: Alpha
    summary: Alpha summary.
    facts:
      - {name: one, value: AB12, refs: [r1]}
      - {name: two, value: CD34, refs: [r1]}
      - {name: three, value: EF56, refs: [r1]}
      - {name: four, value: GH78, refs: [r1]}
      - {value: IJ90, refs: [r1]}
      - {name: five, refs: [r1]}
references:
  - {id: r1, title: Ref one, publisher: Pub, kind: study, url: "https://example.org/1"}
glossary:
  - {term: Thing, definition: A thing., refs: [r1]}
"""


def test_a_fact_without_a_name_or_a_value_is_not_asked_and_breaks_no_quiz(tmp_path: Path) -> None:
    """A valid file may leave a column empty: no question is made of that fact, whether the bank is kept (every
    draft worked out at once) or drafted as asked, and both ask the same quiz."""
    data = tmp_path / "k.yaml"
    data.write_text(NAMELESS, encoding="utf-8")
    fresh = load_knowledge(data, use_cache=False)
    for seed in range(8):
        expected = quiz.make_quiz(fresh, None, 20, seed)
        assert quiz.make_quiz(load_knowledge(data), None, 20, seed) == expected
        assert not any("IJ90" in q.prompt or q.prompt.endswith(": five?") for q in expected)


@pytest.mark.parametrize("bound", ["MAX_KEPT_OFFERS", "MAX_DRAFT_WORK", "MAX_TEXT", "MAX_KEPT_QUESTIONS"])
def test_a_bank_too_big_to_keep_is_drafted_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb: Knowledge, bound: str
) -> None:
    """A figure's distractors are every figure of its unit, so a bank (and the work of drafting it) grows with the
    square of the file: past a bound, or with a text longer than a kept draft may hold, it is not kept, and later
    runs draft only what they ask, as without a cache."""
    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    expected = {seed: quiz.make_quiz(kb, None, 10, seed) for seed in (1, 2)}
    monkeypatch.setattr(quiz, bound, 100)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 1) == expected[1]
    drafted: list[str] = []
    real = bank.question_bank

    def counting(*args: Any, **kwargs: Any) -> list[bank.Spec]:
        specs = real(*args, **kwargs)

        def counted(spec: bank.Spec) -> Any:
            def draft() -> Any:
                drafted.append(spec.key)
                return spec.draft()

            return draft

        return [spec._replace(draft=counted(spec)) for spec in specs]

    monkeypatch.setattr(bank, "question_bank", counting)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 2) == expected[2]
    assert 10 <= len(drafted) <= 20  # only what the quiz asked: the kept "too big" spares the attempt


def _rewrite_kept(folder: Path, change: Any) -> None:
    import marshal

    from baclo_cli.knowledge import cache

    for kept in folder.glob("quiz-*"):
        body = cache.read_blob(kept.name, quiz.DRAFTS_MAGIC, quiz.MAX_DRAFTS)
        assert body is not None
        heads, drafts = marshal.loads(body)
        cache.write_blob(kept.name, quiz.DRAFTS_MAGIC, marshal.dumps((heads, [change(d) for d in drafts])))


def test_crafted_drafts_too_many_choices_or_a_nest_of_references_are_doubted_quickly(
    tmp_path: Path, kb: Knowledge
) -> None:
    """Behind a good checksum: a finished question with more options than letters would break the answer key, and
    marshal's references let 100 kB stand for 10^10 candidates; both are doubted (the walk stops at a bound) and
    the bank worked out again."""
    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    expected = quiz.make_quiz(kb, None, 10, 5)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
    many = ("made", "x1", "dosing", "choice", "P?", tuple("abcdefgh"), ("h",), ("h",), "E", ())
    _rewrite_kept(tmp_path / "cache", lambda d: many if d is not None else None)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
    tier = [("a", "b", "c")] * 100_000
    nest = ("one", "k", "dosing", "P?", "A", "E", (), [tier] * 3)
    _rewrite_kept(tmp_path / "cache", lambda d: nest if d is not None else None)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
    all_nest: tuple[Any, ...] = (
        "all",
        "k",
        "dosing",
        "P?",
        [("a", 0)] * 100_000,
        [("E", ("r",) * 100_000)] * 100_000,
        [],
    )
    _rewrite_kept(tmp_path / "cache", lambda d: all_nest if d is not None else None)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
    # Each draft within its bound, but all of them one question (one id, so a quiz goes through every one):
    # the whole run's walk is bounded too.
    heavy = ("one", "k", "dosing", "P?", "A", "E", ("r",), [[("x", "x", "x")] * (quiz.MAX_KEPT_OFFERS - 1)])
    _rewrite_kept(tmp_path / "cache", lambda d: heavy)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
    # A text no draft holds, shared by every draft: a 10 MB prompt would be 100 MB of quiz.
    long = ("one", "k", "dosing", "P" * 10_000_000, "A", "E", ("r",), [[("x", "x", "x"), ("y", "y", "y")]])
    _rewrite_kept(tmp_path / "cache", lambda d: long if d is not None else None)
    assert quiz.make_quiz(load_knowledge(data), None, 10, 5) == expected
