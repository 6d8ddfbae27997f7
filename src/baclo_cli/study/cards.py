"""Study material generated from the knowledge file itself: quiz questions and flashcards.

Nothing here is a question bank. Questions come from three places in the data:

* ``quiz`` hints of a topic ("Which of these is a symptom of baclofen withdrawal?"): right answers are the
  facts matching the hint, distractors are facts of the same kind that do not match;
* the dose thresholds (``dose_bands``): short-answer questions with a number for an answer;
* every fact of a two-column topic (``aspect``/``detail`` and the like): "Pharmacokinetics - Protein
  binding?" with the other values of that topic as distractors.

Every question carries the fact and the references it came from, so feedback can cite it.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any, NamedTuple

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references, get_topic
from baclo_cli.errors import BadValue, NothingFound
from baclo_cli.knowledge.load import DoseBand, Fact, Knowledge, QuizHint, Topic

LETTERS = "abcd"
_NORM = re.compile(r"[^a-z0-9]+")


class Question(NamedTuple):
    id: str
    topic: str
    kind: str  # "choice" or "short"
    prompt: str
    choices: tuple[str, ...]  # empty for short answers
    answer: str  # the right choice's text, or the short answer
    accepted: tuple[str, ...]  # normalised short answers accepted
    explanation: str
    refs: tuple[str, ...]

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.choices.index(self.answer)] if self.choices else ""

    def is_correct(self, reply: str) -> bool:
        reply = reply.strip()
        if not reply:
            return False
        if self.choices:
            letter = reply.lower()
            if len(letter) == 1 and letter in LETTERS[: len(self.choices)]:
                return self.choices[LETTERS.index(letter)] == self.answer
            return normalise(reply) == normalise(self.answer)
        return normalise(reply) in self.accepted or _number(reply) in self.accepted

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "question": self.prompt,
            "choices": [{"letter": LETTERS[i], "text": c} for i, c in enumerate(self.choices)],
            "answer": self.answer_letter or self.answer,
            "answer_text": self.answer,
            "explanation": self.explanation,
            "refs": list(self.refs),
        }


def normalise(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def _number(text: str) -> str:
    match = re.search(r"[0-9]+(?:\.[0-9]+)?", text)
    return f"{float(match.group()):g}" if match else ""


def _overlaps(candidate: str, answers: list[str]) -> bool:
    """True if ``candidate`` could be read as one of the right answers (equal, or one contains the other)."""
    c = normalise(candidate)
    for answer in answers:
        a = normalise(answer)
        if c == a or (a and f" {a} " in f" {c} ") or (c and f" {c} " in f" {a} "):
            return True
    return False


def _matches(fact: Fact, where: dict[str, str]) -> bool:
    return all(str(fact.fields.get(k, "")).lower() == v.lower() for k, v in where.items())


def _qid(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:10]


def _pick_distractors(rng: random.Random, pool: list[str], answers: list[str], want: int = 3) -> list[str]:
    seen: set[str] = set()
    clean = []
    for text in pool:
        key = normalise(text)
        if key and key not in seen and not _overlaps(text, answers):
            seen.add(key)
            clean.append(text)
    rng.shuffle(clean)
    return clean[:want]


def _choice_question(
    rng: random.Random, topic: str, prompt: str, answer: str, answers: list[str], pool: list[str], fact: Fact
) -> Question | None:
    distractors = _pick_distractors(rng, pool, answers)
    if len(distractors) < 2:
        return None
    choices = [answer, *distractors]
    rng.shuffle(choices)
    explanation = " | ".join(str(v) for v in fact.fields.values())
    return Question(
        id=_qid(topic, prompt, answer),
        topic=topic,
        kind="choice",
        prompt=prompt,
        choices=tuple(choices),
        answer=answer,
        accepted=(normalise(answer),),
        explanation=explanation,
        refs=fact.refs,
    )


def _hint_questions(kb: Knowledge, topic: Topic, hint: QuizHint, rng: random.Random) -> list[Question]:
    right = [f for f in topic.facts if _matches(f, hint.where) and hint.answer in f.fields]
    answers = [str(f.fields[hint.answer]) for f in right]
    source = kb.topics.get(hint.distractor_topic, topic)
    if source is topic and not hint.distractor_where:
        wrong = [f for f in source.facts if not _matches(f, hint.where)]
    else:
        wrong = [f for f in source.facts if _matches(f, hint.distractor_where)]
    pool = [str(f.fields[hint.distractor_field]) for f in wrong if hint.distractor_field in f.fields]
    questions = []
    for fact, answer in zip(right, answers, strict=True):
        q = _choice_question(rng, topic.name, hint.question, answer, answers, pool, fact)
        if q:
            questions.append(q)
    return questions


def _fact_questions(topic: Topic, rng: random.Random) -> list[Question]:
    """For two-column topics: the first field is the prompt, the second the answer."""
    if len(topic.columns) != 2 or topic.quiz:
        return []
    key, value = topic.columns
    questions = []
    facts = [f for f in topic.facts if key in f.fields and value in f.fields]
    seen_keys = [str(f.fields[key]) for f in facts]
    for fact in facts:
        if seen_keys.count(str(fact.fields[key])) > 1:
            continue  # 'Symptom' x6: a prompt with several right answers is not a fair question
        answer = str(fact.fields[value])
        pool = [str(f.fields[value]) for f in facts if f is not fact]
        has_digits = any(ch.isdigit() for ch in answer)
        same_shape = [p for p in pool if any(ch.isdigit() for ch in p) == has_digits]
        prompt = f"{topic.title} - {fact.fields[key]}?"
        q = _choice_question(
            rng, topic.name, prompt, answer, [answer], same_shape if len(same_shape) >= 3 else pool, fact
        )
        if q:
            questions.append(q)
    return questions


def _band_questions(kb: Knowledge) -> list[Question]:
    questions = []
    for band in kb.dose_bands:
        if band.kind not in ("start", "max") or band.basis != "label" or band.renal not in ("any", "normal"):
            continue
        core = band.label.split(" (")[0].split(";")[0].strip() or band.label.strip()
        prompt = f"{core[0].upper()}{core[1:]}: how much baclofen ({band.route}, per {band.per}), in {band.unit}?"
        answer = f"{band.amount:g} {band.unit}"
        questions.append(
            Question(
                id=_qid("dose", band.route, band.per, band.kind),
                topic="dosing",
                kind="short",
                prompt=prompt,
                choices=(),
                answer=answer,
                accepted=(normalise(answer), f"{band.amount:g}"),
                explanation=_band_text(band),
                refs=band.refs,
            )
        )
    return questions


def _band_text(band: DoseBand) -> str:
    return f"{band.label}: {band.amount:g} {band.unit} per {band.per}, {band.route}"


def all_questions(kb: Knowledge, topics: list[str] | None = None, seed: int = 0) -> list[Question]:
    """Every question the knowledge file yields, in a stable order (shuffle choices with ``seed``)."""
    rng = random.Random(f"choices-{seed}")
    chosen = [get_topic(kb, t) for t in topics] if topics else list(kb.topics.values())
    questions: list[Question] = []
    for topic in chosen:
        for hint in topic.quiz:
            questions += _hint_questions(kb, topic, hint, rng)
        questions += _fact_questions(topic, rng)
    if not topics or "dosing" in topics:
        questions += _band_questions(kb)
    return questions


def make_quiz(kb: Knowledge, topics: list[str] | None, count: int, seed: int) -> list[Question]:
    """``count`` questions drawn with ``seed``: the same seed always gives the same questions in the same order."""
    if count < 1:
        raise BadValue("--count must be at least 1")
    pool = all_questions(kb, topics, seed)
    if not pool:
        raise NothingFound("no quiz questions can be made from those topics")
    order = list(pool)
    random.Random(f"pick-{seed}").shuffle(order)
    # Several right answers of one hint make separate questions; keep at most one per prompt per quiz.
    unique: list[Question] = []
    prompts: set[str] = set()
    for q in order:
        if q.prompt not in prompts:
            unique.append(q)
            prompts.add(q.prompt)
        if len(unique) == count:
            break
    return unique


def quiz_result(kb: Knowledge, questions: list[Question], seed: int) -> Result:
    rows = []
    for number, q in enumerate(questions, start=1):
        options = "; ".join(f"{LETTERS[i]}) {c}" for i, c in enumerate(q.choices)) or "(short answer)"
        rows.append(
            {
                "n": number,
                "question": q.prompt,
                "choices": options,
                "answer": q.answer_letter or q.answer,
                "refs": list(q.refs),
            }
        )
    return Result(
        title=f"Quiz (seed {seed})",
        summary=f"{len(questions)} questions with the answer key.",
        columns=["n", "question", "choices", "answer"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "seed": seed, "questions": [q.as_dict() for q in questions]},
        rows_key="questions",
        references=cited_references(kb, (r for q in questions for r in q.refs)),
    )


# --- flashcards -------------------------------------------------------------------------------------------


class Card(NamedTuple):
    id: str  # stable across knowledge-file versions while the fact keeps its topic and name
    topic: str
    front: str
    back: str
    refs: tuple[str, ...]
    digest: str  # changes when the fact's content or sources change

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "front": self.front, "back": self.back, "refs": list(self.refs)}


def make_cards(kb: Knowledge, topics: list[str] | None = None) -> list[Card]:
    """One card per fact: front is the topic and the fact's first field; back the rest, with its citations."""
    chosen = [get_topic(kb, t) for t in topics] if topics else list(kb.topics.values())
    cards = []
    for topic in chosen:
        totals: dict[str, int] = {}
        for fact in topic.facts:
            first = str(next(iter(fact.fields.values())))
            totals[first] = totals.get(first, 0) + 1
        seen: dict[str, int] = {}
        for fact in topic.facts:
            values = [str(v) for v in fact.fields.values()]
            name = values[0]
            seen[name] = seen.get(name, 0) + 1
            occurrence = seen[name]
            numbers = ",".join(str(n) for n in sorted(kb.references[r].number for r in fact.refs))
            headers = [c for c in topic.columns if c in fact.fields][1:]
            if not headers:
                front, back = f"{topic.title}: complete the fact", name
            elif len(headers) == 1:
                front, back = f"{topic.title}: {name}?", str(fact.fields[headers[0]])
            else:
                front = f"{topic.title}: {name}?"
                back = "; ".join(f"{h.replace('_', ' ')}: {fact.fields[h]}" for h in headers)
            if totals[name] > 1:
                front = f"{topic.title}: {name} ({occurrence} of {totals[name]})?"
            content = "\x1f".join([*values, *fact.refs])
            cards.append(
                Card(
                    id=_qid("card", topic.name, name, str(occurrence)),
                    topic=topic.name,
                    front=front,
                    back=f"{back} [{numbers}]",
                    refs=fact.refs,
                    digest=hashlib.sha1(content.encode()).hexdigest()[:12],
                )
            )
    return cards


def flashcards_result(kb: Knowledge, cards: list[Card], deck: str = "baclo") -> Result:
    if not deck.strip() or len(deck) > 200 or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in deck):
        raise BadValue("--deck takes a single line of text (no tabs, newlines or control characters)")
    rows = [
        {
            "front": c.front,
            "back": f"{c.back} Sources: {_sources(kb, c.refs)}",
            "tags": f"baclo {c.topic}",
            "guid": f"baclo-{c.id}",
            "refs": list(c.refs),
        }
        for c in cards
    ]
    return Result(
        title="Flashcards",
        summary=(
            f"{len(cards)} cards, one per fact; the back ends with its citation numbers and sources. Each card "
            "keeps its GUID across versions, so importing a newer file into Anki updates cards in place."
        ),
        columns=["front", "back", "tags", "guid"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "cards": [c.as_dict() for c in cards]},
        rows_key="cards",
        references=cited_references(kb, (r for c in cards for r in c.refs)),
        # Anki reads these header lines: https://docs.ankiweb.net/importing/text-files.html
        preamble=[
            "#separator:tab",
            "#html:false",
            f"#deck:{deck}",
            "#tags:baclo",
            "#tags column:3",
            "#guid column:4",
        ],
    )


def _sources(kb: Knowledge, refs: tuple[str, ...]) -> str:
    """The card's references in number order, each with where to read it."""
    cited = sorted((kb.references[r] for r in refs if r in kb.references), key=lambda ref: ref.number)
    return "; ".join(f"[{ref.number}] {ref.title} ({ref.url or 'no URL: see baclo refs'})" for ref in cited)
