"""The question bank: quiz questions generated from the knowledge file, built only when asked.

Nothing here is written by hand: every question comes from the data, in five ways.

* ``quiz`` hints of a topic ("Which of these is a sign of oral baclofen overdose?"): the right answers are
  the facts matching the hint, or the list items it names (each found in a fact); the wrong ones come from the
  source the hint names. A hint with several right answers also makes "select all that apply" questions.
* Category columns (an interaction's severity, a warning's kind, a use's status): the choices are the column's
  values, and every fact has exactly one, so the wrong ones are wrong.
* Figures in the facts (``40-80 mg/day``, ``about 30%``): the figure is blanked and the choices are figures of
  the same unit from other facts. A figure after a bound ("above", "up to", "within") is not asked: another
  figure could make a true sentence too.
* Two-column topics whose value is a figure or an identifier ("Protein binding?"): the other values of the same
  kind are the choices.
* The dose thresholds (``dose_bands``): short answers with a number, and the kidney-function dose cuts.

Distractors never equal the answer or contain it, never come from the same fact, and never hold another
source's value for the same disputed figure (facts sharing a ``dispute``). Questions are weighted toward what a
clinician must know: topics whose label section is clinical (boxed warning, indications, dosage, dosage forms,
contraindications, warnings, adverse reactions, interactions, specific populations, overdosage,
pharmacokinetics) count three times; ``--focus clinical`` asks only those.

The bank is a list of cheap descriptions (``Spec``); a quiz orders them with its seed and builds only as many as
it asks. Every question carries the fact and the references it came from, so feedback can cite it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references, get_topic
from baclo_cli.errors import BadValue, NothingFound
from baclo_cli.knowledge.load import DoseBand, Fact, Knowledge, QuizHint, Topic
from baclo_cli.knowledge.model import is_category
from baclo_cli.knowledge.model import key_column as named_by
from baclo_cli.text import sha1_hex, words

LETTERS = "abcdef"
FOCUS = ("all", "clinical")
CLINICAL_WEIGHT = 3.0
SELECT_ALL_OPTIONS = 5
MAX_CHOICE = 160  # characters: a longer value makes a poor option
MAX_EXPLANATION = 400
MAX_RECALL = 40  # characters: a recall answer is an identifier or a number, not a description
RECALL_KINDS = ("identifier", "year", "number")


class Question(NamedTuple):
    id: str
    topic: str
    kind: str  # "choice" (one right option), "multi" (select all that apply) or "short" (type the answer)
    prompt: str
    choices: tuple[str, ...]  # empty for short answers
    answers: tuple[str, ...]  # the right choices' texts, or the short answer
    accepted: tuple[str, ...]  # normalised short answers accepted
    explanation: str
    refs: tuple[str, ...]

    @property
    def answer(self) -> str:
        return "; ".join(self.answers)

    @property
    def answer_letter(self) -> str:
        return "".join(LETTERS[i] for i, c in enumerate(self.choices) if c in self.answers)

    @property
    def keys(self) -> str:
        """The valid keys, for the prompt: 'a/b/c/d', or the letters for several."""
        return "/".join(LETTERS[: len(self.choices)])

    def read(self, reply: str) -> str | None:
        """A reply as an answer ('a', 'ac', the text of a choice, a figure), or None if it is not one."""
        text = reply.strip()
        if not text:
            return None
        if not self.choices:
            return text
        letters = re.sub(r"[\s,;/]+", "", text.lower())
        valid = LETTERS[: len(self.choices)]
        if letters and all(ch in valid for ch in letters):
            if self.kind == "choice" and len(letters) != 1:
                return None
            return "".join(sorted(set(letters)))
        if self.kind == "choice":
            for i, choice in enumerate(self.choices):
                if normalise(text) == normalise(choice):
                    return LETTERS[i]
        return None

    def is_correct(self, reply: str) -> bool:
        answer = self.read(reply)
        if answer is None:
            return False
        if self.choices:
            return answer == self.answer_letter
        return normalise(answer) in self.accepted or _number(answer) in self.accepted

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


class Spec(NamedTuple):
    """A question not yet built: its topic, the group of questions sharing its prompt, its weight, and how."""

    key: str
    topic: str
    group: str
    weight: float
    build: Callable[[Builder], Question | None]


def normalise(text: str) -> str:
    """An answer as compared: ``text.words`` (the shared rule), so a reply and an answer are read alike."""
    return words(text)


def _number(text: str) -> str:
    match = re.search(r"[0-9]+(?:\.[0-9]+)?", text)
    return f"{float(match.group()):g}" if match else ""


def _qid(*parts: str) -> str:
    return sha1_hex("\x1f".join(parts))[:10]


def _stems(text: str) -> str:
    """Normalised, each word without a plural ending: 'causes' reads as 'cause'."""
    return " ".join(re.sub(r"(?<=[a-z]{3})(es|s)$", "", word) for word in normalise(text).split())


def _contains(text: str, part: str) -> bool:
    a, b = _stems(text), _stems(part)
    return bool(b) and f" {b} " in f" {a} "


def overlaps(candidate: str, answers: Iterable[str]) -> bool:
    """True if ``candidate`` could be read as one of the right answers (equal, or one contains the other)."""
    return any(_contains(candidate, a) or _contains(a, candidate) for a in answers)


def fact_text(fact: Fact) -> str:
    """Every field of a fact, as one text."""
    return " ".join(str(v) for v in fact.fields.values())


def _matches(fact: Fact, where: dict[str, str]) -> bool:
    return all(str(fact.fields.get(k, "")).lower() == v.lower() for k, v in where.items())


def _shorten(text: str, limit: int = MAX_EXPLANATION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _explain(fact: Fact) -> str:
    return _shorten(" | ".join(str(v) for v in fact.fields.values()))


# --- what kind of value a text is -----------------------------------------------------------------------

_UNITS = r"mg/day|mcg/day|mg/kg|mg/L|mcg/L|mL/min|mg|mcg|mL|hours?|days?|weeks?|minutes?|months?|years?|%"
_FIGURE = re.compile(
    rf"(?<![\w./])(\d+(?:\.\d+)?(?:\s?(?:-|–|to)\s?\d+(?:\.\d+)?)?)\s?({_UNITS})(?![\w/])",
)
_BOUND = re.compile(
    r"(above|over|more than|exceed|exceeding|upwards of|at least|at most|under|below|less than|up to|within|"
    r"beyond|from|until|by|under-|>|<|≥|≤)\s*(?:about\s+|approximately\s+)?$",
    re.IGNORECASE,
)


def unit_of(unit: str) -> str:
    unit = unit.lower()
    return unit[:-1] if unit.endswith("s") and unit not in ("mcg/l",) else unit


def value_kind(text: str) -> str:
    """percent, dose, duration, year, identifier, number or text: distractors share the answer's kind."""
    t = text.strip()
    if re.fullmatch(r"(1[89]|20)\d\d", t):
        return "year"
    if " " not in t and re.search(r"\d", t) and re.search(r"[A-Za-z]|\d-\d", t):
        return "identifier"
    figure = _FIGURE.search(t)
    if figure:
        unit = unit_of(figure.group(2))
        if unit == "%":
            return "percent"
        if unit in ("mg", "mcg", "mg/day", "mcg/day", "mg/kg"):
            return "dose"
        if unit in ("hour", "day", "week", "minute", "month", "year"):
            return "duration"
        return unit
    if re.fullmatch(r"[\d.,;:\s-]+", t):
        return "number"
    return "text"


# --- which topics are clinical ---------------------------------------------------------------------------


def is_clinical(topic: Topic) -> bool:
    """From the topic's US label section (21 CFR 201.57): the boxed warning, sections 1-8 and 10, and 12.3
    (pharmacokinetics, where kidney function lives) are what a clinician must know; description (11),
    mechanism (12.1), abuse (9) and clinical studies (14) are background."""
    for part in topic.section.split(";"):
        part = part.strip()
        if part.lower().startswith("boxed"):
            return True
        number = re.match(r"(\d+)(?:\.(\d+))?", part)
        if number and (int(number.group(1)) in (1, 2, 3, 4, 5, 6, 7, 8, 10) or number.group() == "12.3"):
            return True
    return False


# --- building ---------------------------------------------------------------------------------------------


class Builder:
    """What building a question needs: the knowledge, a seed, and pools worked out once, on first use."""

    def __init__(self, kb: Knowledge, seed: int) -> None:
        self.kb = kb
        self.seed = seed
        self._figures: list[tuple[str, str, Fact, str, str]] | None = None

    def rng(self, key: str) -> random.Random:
        # One generator per question: a question's choices do not depend on which others were built.
        return random.Random(f"{self.seed}-{key}")

    def figures(self) -> list[tuple[str, str, Fact, str, str]]:
        """Every figure in the facts: (its text, its unit, the fact, the topic name, the field)."""
        if self._figures is None:
            found = []
            for topic in self.kb.topics.values():
                for fact in topic.facts:
                    for field, value in fact.fields.items():
                        for match in _FIGURE.finditer(str(value)):
                            found.append((match.group(0), unit_of(match.group(2)), fact, topic.name, field))
            self._figures = found
        return self._figures

    def disputed_with(self, fact: Fact) -> list[Fact]:
        """The facts that give another source's value for the same disputed figure."""
        if not fact.dispute:
            return []
        return [f for t in self.kb.topics.values() for f in t.facts if f.dispute == fact.dispute and f is not fact]


def _pick(rng: random.Random, pool: Iterable[str], answers: Iterable[str], want: int = 3) -> list[str]:
    """Up to ``want`` distractors: distinct, never one that could be read as a right answer."""
    answers = list(answers)
    seen: set[str] = {normalise(a) for a in answers}
    clean = []
    for text in pool:
        key = normalise(text)
        if key and key not in seen and len(text) <= MAX_CHOICE and not overlaps(text, answers):
            seen.add(key)
            clean.append(text)
    rng.shuffle(clean)
    return clean[:want]


def _choice(
    rng: random.Random, key: str, topic: str, prompt: str, answer: str, distractors: list[str], fact: Fact
) -> Question | None:
    if len(distractors) < 2 or len(answer) > MAX_CHOICE:
        return None
    choices = [answer, *distractors]
    rng.shuffle(choices)
    return Question(_qid(key), topic, "choice", prompt, tuple(choices), (answer,), (normalise(answer),),
                    _explain(fact), fact.refs)  # fmt: skip


# --- 1. hints ---------------------------------------------------------------------------------------------


def _item_case(item: str, text: str) -> str:
    """A list item as an option: its first letter in capitals."""
    return item[:1].upper() + item[1:]


def _hint_parts(b: Builder, topic: Topic, hint: QuizHint) -> tuple[list[tuple[str, Fact]], list[str], list[Fact]]:
    """The right answers (each with its fact), the distractor pool, and the facts the right answers come from."""
    right_facts = [f for f in topic.facts if _matches(f, hint.where) and hint.answer in f.fields]
    if hint.items:
        right = []
        for item in hint.items:
            fact = next((f for f in right_facts if item.lower() in str(f.fields[hint.answer]).lower()), None)
            if fact is not None:
                right.append((_item_case(item, ""), fact))
    else:
        right = [(str(f.fields[hint.answer]), f) for f in right_facts]
    source = b.kb.topics.get(hint.distractor_topic, topic)
    if hint.distractor_items:
        texts = [str(f.fields.get(hint.distractor_field, "")).lower() for f in source.facts
                 if _matches(f, hint.distractor_where)]  # fmt: skip
        pool = [_item_case(i, "") for i in hint.distractor_items if any(i.lower() in t for t in texts)]
    else:
        if source is topic and not hint.distractor_where:
            wrong = [f for f in source.facts if not _matches(f, hint.where)]
        else:
            wrong = [f for f in source.facts if _matches(f, hint.distractor_where)]
        pool = [str(f.fields[hint.distractor_field]) for f in wrong if hint.distractor_field in f.fields]
    # A wrong answer named anywhere in the right facts (or one of the right answers) is not wrong enough.
    pool = [p for p in pool if not any(_contains(str(f.fields[hint.answer]), p) for f in right_facts)]
    disputed = {id(d) for _, f in right for d in b.disputed_with(f)}
    if disputed:
        pool = [p for p in pool if not any(id(f) in disputed and _contains(fact_text(f), p) for f in source.facts)]
    return right, pool, right_facts


def _hint_one(topic: Topic, index: int, item: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        hint = topic.quiz[index]
        right, pool, _ = _hint_parts(b, topic, hint)
        if item >= len(right):
            return None
        answer, fact = right[item]
        key = f"hint|{topic.name}|{index}|{answer}"
        rng = b.rng(key)
        return _choice(rng, key, topic.name, hint.question, answer, _pick(rng, pool, [a for a, _ in right]), fact)

    return build


def _hint_all(topic: Topic, index: int, round_: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        hint = topic.quiz[index]
        right, pool, _ = _hint_parts(b, topic, hint)
        key = f"all|{topic.name}|{index}|{round_}"
        rng = b.rng(key)
        answers = [a for a, _ in right]
        wrong = _pick(rng, pool, answers, want=SELECT_ALL_OPTIONS - 2)
        if len(right) < 2 or len(wrong) < 2:
            return None
        take = min(len(right), SELECT_ALL_OPTIONS - len(wrong), 3)
        chosen = rng.sample(right, take)
        choices = [a for a, _ in chosen] + wrong
        rng.shuffle(choices)
        facts = list(dict.fromkeys(f for _, f in chosen))
        refs = tuple(dict.fromkeys(r for f in facts for r in f.refs))
        return Question(
            _qid(key, *choices),
            topic.name,
            "multi",
            f"Select all that apply. {hint.question}",
            tuple(choices),
            tuple(a for a, _ in chosen),
            (),
            _shorten(" / ".join(_explain(f) for f in facts)),
            refs,
        )

    return build


def _hint_specs(topic: Topic, weight: float) -> list[Spec]:
    specs = []
    for index, hint in enumerate(topic.quiz):
        count = len(hint.items) if hint.items else sum(1 for f in topic.facts if _matches(f, hint.where))
        group = f"hint|{topic.name}|{index}"
        specs += [Spec(f"{group}|{i}", topic.name, group, weight, _hint_one(topic, index, i)) for i in range(count)]
        rounds = count // 3
        specs += [Spec(f"{group}|all{r}", topic.name, group + "|all", weight, _hint_all(topic, index, r))
                  for r in range(rounds)]  # fmt: skip
    return specs


# --- 2. category columns ---------------------------------------------------------------------------------


def _is_category(topic: Topic, column: str) -> bool:
    """See ``knowledge.model.is_category``: search ranks by the same columns."""
    return is_category(column, [f.fields for f in topic.facts])


def key_column(topic: Topic) -> str:
    """The column that names a fact (``knowledge.model.key_column``): what a search hit is named by too."""
    return named_by(topic.columns, [f.fields for f in topic.facts])


def category_columns(topic: Topic) -> list[str]:
    key = key_column(topic)
    return [c for c in topic.columns if c != key and _is_category(topic, c)]


def _categories(topic: Topic) -> list[str]:
    """The category columns to ask about: not those the topic's hints already ask by two or more values, and
    only where every fact has its own name."""
    key = key_column(topic)
    keys = [str(f.fields.get(key, "")) for f in topic.facts]
    if len(set(keys)) != len(keys):
        return []
    found = []
    for column in category_columns(topic):
        asked = {h.where[column].lower() for h in topic.quiz if column in h.where}
        if len(asked) < 2:
            found.append(column)
    return found


def _category_one(topic: Topic, column: str, index: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        fact = topic.facts[index]
        name = str(fact.fields[key_column(topic)])
        answer = str(fact.fields[column])
        others = sorted({str(f.fields[column]) for f in topic.facts} - {answer})
        key = f"cat|{topic.name}|{column}|{name}"
        rng = b.rng(key)
        prompt = f"{topic.title}: {name}. Which {column.replace('_', ' ')}?"
        return _choice(rng, key, topic.name, prompt, answer, _pick(rng, others, [answer]), fact)

    return build


def _category_specs(topic: Topic, weight: float) -> list[Spec]:
    specs = []
    for column in _categories(topic):
        group = f"cat|{topic.name}|{column}"
        specs += [Spec(f"{group}|{i}", topic.name, f"{group}|{i}", weight, _category_one(topic, column, i))
                  for i in range(len(topic.facts))]  # fmt: skip
    return specs


# --- 3. figures -------------------------------------------------------------------------------------------


def _clause(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence or clause holding text[start:end], with the span's place in it."""
    left = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("; ", end)) if i != -1]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    begin = left + 2 if left != -1 else 0
    clause = text[begin:right].strip()
    offset = text.index(clause, begin)
    return clause, start - offset, end - offset


_OPEN_ENDED = re.compile(r"\s*(or more|or less|\+|CI\b)")
_STATISTIC = re.compile(r"\b(CI|OR|RR|HR|SMD|MD|NNT|p|I2)\s*[=<>]?\s*$|\(\s*$", re.IGNORECASE)


def _figure_spots(topic: Topic, clinical: bool) -> list[tuple[int, str, int]]:
    """Where a figure can be blanked: (fact index, field, match number). Not after a bound ("above 300 mg":
    "above 400 mg" would be true too), not a statistic, and outside clinical topics only doses, in short clauses."""
    spots = []
    key = key_column(topic)
    for index, fact in enumerate(topic.facts):
        for field, value in fact.fields.items():
            if field == key or not isinstance(value, str):
                continue
            for number, match in enumerate(_FIGURE.finditer(value)):
                if not clinical and value_kind(match.group(0)) != "dose":
                    continue  # background topics: only the doses (which dose a study tested)
                before, after = value[max(0, match.start() - 40) : match.start()], value[match.end() : match.end() + 12]
                if _BOUND.search(before) or _STATISTIC.search(before) or _OPEN_ENDED.match(after):
                    continue
                if not clinical and len(_clause(value, match.start(), match.end())[0]) > 80:
                    continue
                spots.append((index, field, number))
    return spots


def _numbers(figure: str) -> tuple[float, ...]:
    return tuple(float(n) for n in re.findall(r"\d+(?:\.\d+)?", figure))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return bool(a and b) and min(a) <= max(b) and min(b) <= max(a)


def _is_range(figure: str) -> bool:
    return bool(re.search(r"\d\s?(-|–|to)\s?\d", figure))


def _figure_one(topic: Topic, index: int, field: str, number: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        fact = topic.facts[index]
        text = str(fact.fields[field])
        match = list(_FIGURE.finditer(text))[number]
        answer, unit = match.group(0), unit_of(match.group(2))
        clause, start, end = _clause(text, match.start(), match.end())
        if len(clause) > 240 or clause.count(answer) > 1:
            return None
        name = str(fact.fields.get(key_column(topic), topic.title)) if topic.columns else topic.title
        blanked = f"{clause[:start]}____{clause[end:]}".strip(" ;.")
        asked = field.replace("_", " ")
        if blanked in ("____", "about ____", "approximately ____"):
            prompt = f"{topic.title}, {name}: {asked}?"
        elif len(blanked) < 25:  # little context: say which field it is
            prompt = f'{topic.title}, {name}: {asked}? "{blanked}"'
        else:
            prompt = f'{topic.title}, {name}: fill the blank. "{blanked}"'
        disputed = b.disputed_with(fact)
        figures_here = {_numbers(m.group(1)) for v in fact.fields.values() for m in _FIGURE.finditer(str(v))}
        # Another source's value for the same disputed figure is right in its own source; so is anything inside
        # the answer's own range or a disputed one ("4 hours" against "about 3 to 4 hours").
        taken = [_numbers(answer)] + [
            _numbers(m.group(0))
            for d in disputed
            for v in d.fields.values()
            for m in _FIGURE.finditer(str(v))
            if unit_of(m.group(2)) == unit
        ]
        same_field: list[str] = []
        same_topic: list[str] = []
        elsewhere: list[str] = []
        for figure, figure_unit, other, other_topic, other_field in b.figures():
            if figure_unit != unit or other is fact or other in disputed:
                continue
            if _is_range(figure) != _is_range(answer):
                continue  # a range for a single figure (or the reverse) gives itself away
            if _numbers(figure) in figures_here or any(_overlap(_numbers(figure), t) for t in taken):
                continue  # a figure this fact also gives, or one inside a right range, could make a true sentence
            if other_topic != topic.name:
                elsewhere.append(figure)
            else:
                (same_field if other_field == field else same_topic).append(figure)
        key = f"fig|{topic.name}|{index}|{field}|{number}"
        rng = b.rng(key)
        # The same kind of fact first (a frequency for a frequency), then the same topic, then (a dose or a
        # duration, never a percentage, which means something else in every topic) any topic.
        wrong = _pick(rng, same_field, [answer])
        for pool in (same_topic, elsewhere if unit != "%" else []):
            if len(wrong) < 3:
                wrong = (wrong + _pick(rng, pool, [answer, *wrong]))[:3]
        return _choice(rng, key, topic.name, prompt, answer, wrong, fact)

    return build


def _figure_specs(topic: Topic, weight: float, clinical: bool) -> list[Spec]:
    return [
        Spec(f"fig|{topic.name}|{i}|{f}|{n}", topic.name, f"fig|{topic.name}|{i}|{f}|{n}", weight,
             _figure_one(topic, i, f, n))
        for i, f, n in _figure_spots(topic, clinical)
    ]  # fmt: skip


# --- 4. two-column recall ------------------------------------------------------------------------------


def _recall_one(topic: Topic, index: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        key_field, value_field = topic.columns
        fact = topic.facts[index]
        answer = str(fact.fields[value_field])
        kind = value_kind(answer)
        disputed = b.disputed_with(fact)
        pool = [str(f.fields[value_field]) for f in topic.facts
                if f is not fact and f not in disputed and value_field in f.fields
                and value_kind(str(f.fields[value_field])) == kind]  # fmt: skip
        key = f"recall|{topic.name}|{fact.fields[key_field]}"
        rng = b.rng(key)
        prompt = f"{topic.title}: {fact.fields[key_field]}?"
        return _choice(rng, key, topic.name, prompt, answer, _pick(rng, pool, [answer]), fact)

    return build


def _recall_specs(topic: Topic, weight: float) -> list[Spec]:
    if len(topic.columns) != 2 or topic.quiz:
        return []
    key, value = topic.columns
    names = [str(f.fields.get(key, "")) for f in topic.facts]
    specs = []
    for index, fact in enumerate(topic.facts):
        answer = str(fact.fields.get(value, ""))
        if names.count(names[index]) > 1 or value_kind(answer) not in RECALL_KINDS or len(answer) > MAX_RECALL:
            continue  # several right answers, a description, or a figure (the figure questions ask those)
        group = f"recall|{topic.name}|{index}"
        specs.append(Spec(group, topic.name, group, weight, _recall_one(topic, index)))
    return specs


def _heading_one(topic: Topic, index: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        key_field, value_field = topic.columns
        fact = topic.facts[index]
        answer = str(fact.fields[key_field])
        disputed = b.disputed_with(fact)
        names = [str(f.fields[key_field]) for f in topic.facts]
        pool = [str(f.fields[key_field]) for f in topic.facts
                if f is not fact and f not in disputed and names.count(str(f.fields[key_field])) == 1]  # fmt: skip
        key = f"heading|{topic.name}|{answer}"
        rng = b.rng(key)
        prompt = f'{topic.title}: which heading does this come under? "{fact.fields[value_field]}"'
        return _choice(rng, key, topic.name, prompt, answer, _pick(rng, pool, [answer]), fact)

    return build


def _heading_specs(topic: Topic, weight: float) -> list[Spec]:
    """Two-column topics, the other way round: a short fact, and which heading it comes under (every fact has
    one heading, so the other headings are wrong; one that contains the answer's is not offered)."""
    if len(topic.columns) != 2:
        return []
    key, value = topic.columns
    names = [str(f.fields.get(key, "")) for f in topic.facts]
    specs = []
    for index, fact in enumerate(topic.facts):
        text = str(fact.fields.get(value, ""))
        if names.count(names[index]) > 1 or len(text) > MAX_CHOICE or _contains(text, names[index]):
            continue
        group = f"heading|{topic.name}|{index}"
        specs.append(Spec(group, topic.name, group, weight, _heading_one(topic, index)))
    return specs


# --- 5. dose thresholds ------------------------------------------------------------------------------------


def _band_prompt(band: DoseBand) -> str | None:
    core = band.label.split(" (")[0].split(";")[0].strip() or band.label.strip()
    if re.search(rf"(?<![\d.]){re.escape(f'{band.amount:g}')}(?![\d.])", core):
        return None  # the label gives the answer away
    return f"{core[0].upper()}{core[1:]}: how much baclofen ({band.route}, per {band.per}), in {band.unit}?"


def _band_short(index: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        band = b.kb.dose_bands[index]
        prompt = _band_prompt(band)
        if prompt is None:
            return None
        answer = f"{band.amount:g} {band.unit}"
        return Question(
            _qid("dose", band.route, band.per, band.kind, band.label),
            "dosing",
            "short",
            prompt,
            (),
            (answer,),
            (normalise(answer), f"{band.amount:g}"),
            f"{band.label}: {band.amount:g} {band.unit} per {band.per}, {band.route}",
            band.refs,
        )

    return build


def _band_cut(index: int) -> Callable[[Builder], Question | None]:
    def build(b: Builder) -> Question | None:
        band = b.kb.dose_bands[index]
        cuts = sorted(
            {x.reduction for x in b.kb.dose_bands if x.reduction and x.basis == band.basis} - {band.reduction}
        )
        key = f"cut|{band.route}|{band.per}|{band.label}"
        rng = b.rng(key)
        name = band.label.split(":")[0]
        prompt = f"{name}: by how much is the dose cut ({band.basis} basis, {band.route})?"
        fact = Fact({"band": band.label}, band.refs)
        return _choice(rng, key, "dosing", prompt, band.reduction, _pick(rng, cuts, [band.reduction]), fact)

    return build


def _band_specs(kb: Knowledge, weight: float) -> list[Spec]:
    specs = []
    seen_cuts: set[str] = set()
    for index, band in enumerate(kb.dose_bands):
        asked = band.kind in ("start", "usual", "max") and band.amount and band.renal in ("any", "normal")
        if asked and band.basis in ("label", "compendium", "guideline", "regulator"):
            specs.append(Spec(f"dose|{index}", "dosing", f"dose|{index}", weight, _band_short(index)))
        if band.reduction and band.label not in seen_cuts:
            seen_cuts.add(band.label)
            specs.append(Spec(f"cut|{index}", "dosing", f"cut|{index}", weight, _band_cut(index)))
    return specs


# --- the bank and the quiz ---------------------------------------------------------------------------------


def question_bank(kb: Knowledge, topics: list[str] | None = None, focus: str = "all") -> list[Spec]:
    """Every question the knowledge file can make for these topics, not yet built, in a stable order."""
    if focus not in FOCUS:
        raise BadValue(f"--focus takes {' or '.join(FOCUS)}, got '{focus}'")
    chosen = [get_topic(kb, t) for t in topics] if topics else list(kb.topics.values())
    specs: list[Spec] = []
    for topic in chosen:
        clinical = is_clinical(topic)
        if focus == "clinical" and not clinical:
            continue
        weight = CLINICAL_WEIGHT if clinical else 1.0
        specs += _hint_specs(topic, weight)
        specs += _category_specs(topic, weight)
        specs += _figure_specs(topic, weight, clinical)
        specs += _recall_specs(topic, weight)
        specs += _heading_specs(topic, weight)
        if topic.name == "dosing":
            specs += _band_specs(kb, weight)
    return specs


def _order(specs: list[Spec], seed: int) -> list[Spec]:
    """Weighted shuffle (a clinical question is three times as likely to come early), then round-robin over
    groups: every prompt once before any prompt a second time."""
    rng = random.Random(f"pick-{seed}")
    keyed = sorted(((rng.random() ** (1 / s.weight), i) for i, s in enumerate(specs)), reverse=True)
    rounds: dict[str, int] = {}
    ranked = []
    for position, (_, i) in enumerate(keyed):
        spec = specs[i]
        rounds[spec.group] = rounds.get(spec.group, 0) + 1
        ranked.append((rounds[spec.group], position, spec))
    return [spec for _, _, spec in sorted(ranked, key=lambda r: (r[0], r[1]))]


def make_quiz(kb: Knowledge, topics: list[str] | None, count: int, seed: int, focus: str = "all") -> list[Question]:
    """``count`` questions drawn with ``seed``: the same seed always gives the same questions in the same order.
    Only the questions asked are built."""
    if count < 1:
        raise BadValue("--count must be at least 1")
    specs = question_bank(kb, topics, focus)
    builder = Builder(kb, seed)
    questions: list[Question] = []
    seen: set[str] = set()
    for spec in _order(specs, seed):
        question = spec.build(builder)
        if question is None or question.id in seen:
            continue
        seen.add(question.id)
        questions.append(question)
        if len(questions) == count:
            break
    if not questions:
        raise NothingFound("no quiz questions can be made from those topics")
    return questions


def all_questions(kb: Knowledge, topics: list[str] | None = None, seed: int = 0, focus: str = "all") -> list[Question]:
    """Every question the bank builds, in the bank's order (for tests and counts)."""
    builder = Builder(kb, seed)
    built = (spec.build(builder) for spec in question_bank(kb, topics, focus))
    return list({q.id: q for q in built if q is not None}.values())


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
