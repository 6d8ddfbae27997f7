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

import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import NamedTuple

from baclo_cli.answers.topics import get_topic
from baclo_cli.errors import BadValue
from baclo_cli.knowledge.load import DoseBand, Fact, Knowledge, QuizHint, Topic
from baclo_cli.knowledge.model import is_category
from baclo_cli.knowledge.model import key_column as named_by
from baclo_cli.study.quiz import FOCUS, MAX_CHOICE, MAX_EXPLANATION, contains, normalise
from baclo_cli.text import cut_at_word, stable_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from baclo_cli.study.quiz import Draft

CLINICAL_WEIGHT = 3.0
MAX_RECALL = 40  # characters: a recall answer is an identifier or a number, not a description
RECALL_KINDS = ("identifier", "year", "number")


class Spec(NamedTuple):
    """A question not yet drafted: its topic, the group of questions sharing its prompt, its weight, and how."""

    key: str
    topic: str
    group: str
    weight: float
    draft: Callable[[], Draft | None]


def stems(text: str) -> str:
    """Normalised, each word without a plural ending: 'causes' reads as 'cause'."""
    return " ".join(re.sub(r"(?<=[a-z]{3})(es|s)$", "", word) for word in normalise(text).split())


def _contains(text: str, part: str) -> bool:
    return contains(stems(text), stems(part))


def overlaps(candidate: str, answers: Iterable[str]) -> bool:
    """True if ``candidate`` could be read as one of the right answers (equal, or one contains the other)."""
    return any(_contains(candidate, a) or _contains(a, candidate) for a in answers)


def fact_text(fact: Fact) -> str:
    """Every field of a fact, as one text."""
    return " ".join(str(v) for v in fact.fields.values())


def _matches(fact: Fact, where: dict[str, str]) -> bool:
    return all(str(fact.fields.get(k, "")).lower() == v.lower() for k, v in where.items())


def _explain(fact: Fact) -> str:
    return cut_at_word(" | ".join(str(v) for v in fact.fields.values()), MAX_EXPLANATION)


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


# --- drafting ---------------------------------------------------------------------------------------------


class Drafter:
    """What drafting a question needs: the knowledge, and what every draft shares, worked out once (the figures,
    each hint's parts, each text's stems)."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self._figures: list[tuple[str, str, Fact, str, str, tuple[float, ...], bool]] | None = None
        self._stems: dict[str, str] = {}
        self._candidates: dict[str, tuple[str, str, str]] = {}
        self._hints: dict[tuple[str, int], tuple[list[tuple[str, Fact]], list[str]]] = {}
        # Steps taken comparing figures (each figure against each value it must not be): what drafting a whole
        # bank costs grows with the square of the figures, and more with disputed ones.
        self.work = 0

    def stems(self, text: str) -> str:
        found = self._stems.get(text)
        if found is None:
            found = self._stems[text] = stems(text)
        return found

    def contains(self, text: str, part: str) -> bool:
        return contains(self.stems(text), self.stems(part))

    def overlaps(self, candidate: str, answers: Iterable[str]) -> bool:
        """``overlaps``, with each text's stems worked out once."""
        return any(self.contains(candidate, a) or self.contains(a, candidate) for a in answers)

    def figures(self) -> list[tuple[str, str, Fact, str, str, tuple[float, ...], bool]]:
        """Every figure in the facts: (its text, its unit, the fact, the topic name, the field, its numbers, and
        whether it is a range)."""
        if self._figures is None:
            found = []
            for topic in self.kb.topics.values():
                for fact in topic.facts:
                    for field, value in fact.fields.items():
                        for match in _FIGURE.finditer(str(value)):
                            figure = match.group(0)
                            found.append((figure, unit_of(match.group(2)), fact, topic.name, field, _numbers(figure),
                                          _is_range(figure)))  # fmt: skip
            self._figures = found
        return self._figures

    def disputed_with(self, fact: Fact) -> list[Fact]:
        """The facts that give another source's value for the same disputed figure."""
        if not fact.dispute:
            return []
        return [f for t in self.kb.topics.values() for f in t.facts if f.dispute == fact.dispute and f is not fact]

    def candidates(self, pool: Iterable[str], answers: Iterable[str]) -> list[tuple[str, str, str]]:
        """The distractors ``pool`` offers against ``answers``: distinct, never one that could be read as a
        right answer, each as (text, normalised, stems), in the pool's order (the seed orders them)."""
        answers = list(answers)
        seen: set[str] = {normalise(a) for a in answers}
        clean = []
        for text in pool:
            key = normalise(text)
            if key and key not in seen and len(text) <= MAX_CHOICE and not self.overlaps(text, answers):
                seen.add(key)
                made = self._candidates.get(text)
                if made is None:  # one tuple a text: kept once however many drafts offer it
                    made = self._candidates[text] = (text, key, self.stems(text))
                clean.append(made)
        return clean

    def one(
        self, key: str, topic: str, prompt: str, answer: str, fact: Fact, *tiers: list[str], right: Iterable[str] = ()
    ) -> Draft | None:
        """A question with one right answer, its wrong ones drawn from each tier of ``tiers`` in turn (a later
        tier only fills what the earlier left); None when it could never offer two. None of them may be read as
        the answer, or as any of ``right`` (the other right answers of a question asked several ways)."""
        against = list(right) or [answer]
        offered = [self.candidates(tier, against) for tier in tiers]
        if len(answer) > MAX_CHOICE or sum(map(len, offered)) < 2:
            return None
        return ("one", key, topic, prompt, answer, _explain(fact), fact.refs, offered)


# --- 1. hints ---------------------------------------------------------------------------------------------


def _item_case(item: str, text: str) -> str:
    """A list item as an option: its first letter in capitals."""
    return item[:1].upper() + item[1:]


def _hint_parts(b: Drafter, topic: Topic, index: int) -> tuple[list[tuple[str, Fact]], list[str]]:
    """The right answers (each with its fact) and the distractor pool of the topic's hint ``index`` (worked out
    once for all its questions)."""
    found = b._hints.get((topic.name, index))
    if found is None:
        found = b._hints[(topic.name, index)] = _work_out_hint(b, topic, topic.quiz[index])
    return found


def _work_out_hint(b: Drafter, topic: Topic, hint: QuizHint) -> tuple[list[tuple[str, Fact]], list[str]]:
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
    pool = [p for p in pool if not any(b.contains(str(f.fields[hint.answer]), p) for f in right_facts)]
    disputed = {id(d) for _, f in right for d in b.disputed_with(f)}
    if disputed:
        pool = [p for p in pool if not any(id(f) in disputed and b.contains(fact_text(f), p) for f in source.facts)]
    return right, pool


def _hint_one(b: Drafter, topic: Topic, index: int, item: int) -> Draft | None:
    right, pool = _hint_parts(b, topic, index)
    if item >= len(right):
        return None
    answer, fact = right[item]
    key = f"hint|{topic.name}|{index}|{answer}"
    return b.one(key, topic.name, topic.quiz[index].question, answer, fact, pool, right=[a for a, _ in right])


def _hint_all(b: Drafter, topic: Topic, index: int, round_: int) -> Draft | None:
    right, pool = _hint_parts(b, topic, index)
    wrong = [c[0] for c in b.candidates(pool, [a for a, _ in right])]
    if len(right) < 2 or len(wrong) < 2:
        return None
    facts: list[Fact] = list(dict.fromkeys(f for _, f in right))
    numbers = {id(f): n for n, f in enumerate(facts)}
    return ("all", f"all|{topic.name}|{index}|{round_}", topic.name, topic.quiz[index].question,
            [(a, numbers[id(f)]) for a, f in right], [(_explain(f), f.refs) for f in facts], wrong)  # fmt: skip


def _hint_specs(b: Drafter, topic: Topic, weight: float) -> list[Spec]:
    specs = []
    for index, hint in enumerate(topic.quiz):
        count = len(hint.items) if hint.items else sum(1 for f in topic.facts if _matches(f, hint.where))
        group = f"hint|{topic.name}|{index}"
        specs += [Spec(f"{group}|{i}", topic.name, group, weight, partial(_hint_one, b, topic, index, i))
                  for i in range(count)]  # fmt: skip
        specs += [Spec(f"{group}|all{r}", topic.name, group + "|all", weight, partial(_hint_all, b, topic, index, r))
                  for r in range(count // 3)]  # fmt: skip
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


def _category_one(b: Drafter, topic: Topic, column: str, index: int) -> Draft | None:
    fact = topic.facts[index]
    if key_column(topic) not in fact.fields:  # a fact without a name: nothing to ask it by
        return None
    name = str(fact.fields[key_column(topic)])
    answer = str(fact.fields[column])
    others = sorted({str(f.fields[column]) for f in topic.facts} - {answer})
    prompt = f"{topic.title}: {name}. Which {column.replace('_', ' ')}?"
    return b.one(f"cat|{topic.name}|{column}|{name}", topic.name, prompt, answer, fact, others)


def _category_specs(b: Drafter, topic: Topic, weight: float) -> list[Spec]:
    specs = []
    for column in _categories(topic):
        group = f"cat|{topic.name}|{column}"
        specs += [Spec(f"{group}|{i}", topic.name, f"{group}|{i}", weight,
                       partial(_category_one, b, topic, column, i))
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


def _figure_one(b: Drafter, topic: Topic, index: int, field: str, number: int) -> Draft | None:
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
    b.work += len(b.figures()) * (1 + len(taken) + len(disputed))
    is_range = _is_range(answer)
    for figure, figure_unit, other, other_topic, other_field, numbers, ranged in b.figures():
        if figure_unit != unit or other is fact or other in disputed:
            continue
        if ranged != is_range:
            continue  # a range for a single figure (or the reverse) gives itself away
        if numbers in figures_here or any(_overlap(numbers, t) for t in taken):
            continue  # a figure this fact also gives, or one inside a right range, could make a true sentence
        if other_topic != topic.name:
            elsewhere.append(figure)
        else:
            (same_field if other_field == field else same_topic).append(figure)
    key = f"fig|{topic.name}|{index}|{field}|{number}"
    # The same kind of fact first (a frequency for a frequency), then the same topic, then (a dose or a
    # duration, never a percentage, which means something else in every topic) any topic.
    tiers = (same_field, same_topic, elsewhere) if unit != "%" else (same_field, same_topic)
    return b.one(key, topic.name, prompt, answer, fact, *tiers)


def _figure_specs(b: Drafter, topic: Topic, weight: float, clinical: bool) -> list[Spec]:
    return [
        Spec(f"fig|{topic.name}|{i}|{f}|{n}", topic.name, f"fig|{topic.name}|{i}|{f}|{n}", weight,
             partial(_figure_one, b, topic, i, f, n))
        for i, f, n in _figure_spots(topic, clinical)
    ]  # fmt: skip


# --- 4. two-column recall ------------------------------------------------------------------------------


def _recall_one(b: Drafter, topic: Topic, index: int) -> Draft | None:
    key_field, value_field = topic.columns
    fact = topic.facts[index]
    if key_field not in fact.fields or value_field not in fact.fields:  # a fact need not fill every column
        return None
    answer = str(fact.fields[value_field])
    kind = value_kind(answer)
    disputed = b.disputed_with(fact)
    pool = [str(f.fields[value_field]) for f in topic.facts
            if f is not fact and f not in disputed and value_field in f.fields
            and value_kind(str(f.fields[value_field])) == kind]  # fmt: skip
    prompt = f"{topic.title}: {fact.fields[key_field]}?"
    return b.one(f"recall|{topic.name}|{fact.fields[key_field]}", topic.name, prompt, answer, fact, pool)


def _recall_specs(b: Drafter, topic: Topic, weight: float) -> list[Spec]:
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
        specs.append(Spec(group, topic.name, group, weight, partial(_recall_one, b, topic, index)))
    return specs


def _heading_one(b: Drafter, topic: Topic, index: int) -> Draft | None:
    key_field, value_field = topic.columns
    fact = topic.facts[index]
    if key_field not in fact.fields or value_field not in fact.fields:  # a fact need not fill every column
        return None
    answer = str(fact.fields[key_field])
    disputed = b.disputed_with(fact)
    named = [f for f in topic.facts if key_field in f.fields]
    names = [str(f.fields[key_field]) for f in named]
    pool = [str(f.fields[key_field]) for f in named
            if f is not fact and f not in disputed and names.count(str(f.fields[key_field])) == 1]  # fmt: skip
    prompt = f'{topic.title}: which heading does this come under? "{fact.fields[value_field]}"'
    return b.one(f"heading|{topic.name}|{answer}", topic.name, prompt, answer, fact, pool)


def _heading_specs(b: Drafter, topic: Topic, weight: float) -> list[Spec]:
    """Two-column topics, the other way round: a short fact, and which heading it comes under (every fact has
    one heading, so the other headings are wrong; one that contains the answer's is not offered)."""
    if len(topic.columns) != 2:
        return []
    key, value = topic.columns
    names = [str(f.fields.get(key, "")) for f in topic.facts]
    specs = []
    for index, fact in enumerate(topic.facts):
        text = str(fact.fields.get(value, ""))
        if names.count(names[index]) > 1 or len(text) > MAX_CHOICE or b.contains(text, names[index]):
            continue
        group = f"heading|{topic.name}|{index}"
        specs.append(Spec(group, topic.name, group, weight, partial(_heading_one, b, topic, index)))
    return specs


# --- 5. dose thresholds ------------------------------------------------------------------------------------


def _band_prompt(band: DoseBand) -> str | None:
    core = band.label.split(" (")[0].split(";")[0].strip() or band.label.strip()
    if re.search(rf"(?<![\d.]){re.escape(f'{band.amount:g}')}(?![\d.])", core):
        return None  # the label gives the answer away
    return f"{core[0].upper()}{core[1:]}: how much baclofen ({band.route}, per {band.per}), in {band.unit}?"


def _band_short(b: Drafter, index: int) -> Draft | None:
    band = b.kb.dose_bands[index]
    prompt = _band_prompt(band)
    if prompt is None:
        return None
    answer = f"{band.amount:g} {band.unit}"
    return (
        "made",
        stable_id("dose", band.route, band.per, band.kind, band.label),
        "dosing",
        "short",
        prompt,
        (),
        (answer,),
        (normalise(answer), f"{band.amount:g}"),
        f"{band.label}: {band.amount:g} {band.unit} per {band.per}, {band.route}",
        tuple(band.refs),
    )


def _band_cut(b: Drafter, index: int) -> Draft | None:
    band = b.kb.dose_bands[index]
    cuts = sorted({x.reduction for x in b.kb.dose_bands if x.reduction and x.basis == band.basis} - {band.reduction})
    name = band.label.split(":")[0]
    prompt = f"{name}: by how much is the dose cut ({band.basis} basis, {band.route})?"
    fact = Fact({"band": band.label}, band.refs)
    return b.one(f"cut|{band.route}|{band.per}|{band.label}", "dosing", prompt, band.reduction, fact, cuts)


def _band_specs(b: Drafter, weight: float) -> list[Spec]:
    specs = []
    seen_cuts: set[str] = set()
    for index, band in enumerate(b.kb.dose_bands):
        asked = band.kind in ("start", "usual", "max") and band.amount and band.renal in ("any", "normal")
        if asked and band.basis in ("label", "compendium", "guideline", "regulator"):
            specs.append(Spec(f"dose|{index}", "dosing", f"dose|{index}", weight, partial(_band_short, b, index)))
        if band.reduction and band.label not in seen_cuts:
            seen_cuts.add(band.label)
            specs.append(Spec(f"cut|{index}", "dosing", f"cut|{index}", weight, partial(_band_cut, b, index)))
    return specs


# --- the bank ----------------------------------------------------------------------------------------------


def question_bank(
    kb: Knowledge, topics: list[str] | None = None, focus: str = "all", b: Drafter | None = None
) -> list[Spec]:
    """Every question the knowledge file can make for these topics, not yet drafted, in a stable order (drafted,
    when asked, with ``b``: its ``work`` says what drafting has cost so far)."""
    if focus not in FOCUS:
        raise BadValue(f"--focus takes {' or '.join(FOCUS)}, got '{focus}'")
    chosen = [get_topic(kb, t) for t in topics] if topics else list(kb.topics.values())
    b = b or Drafter(kb)
    specs: list[Spec] = []
    for topic in chosen:
        clinical = is_clinical(topic)
        if focus == "clinical" and not clinical:
            continue
        weight = CLINICAL_WEIGHT if clinical else 1.0
        specs += _hint_specs(b, topic, weight)
        specs += _category_specs(b, topic, weight)
        specs += _figure_specs(b, topic, weight, clinical)
        specs += _recall_specs(b, topic, weight)
        specs += _heading_specs(b, topic, weight)
        if topic.name == "dosing":
            specs += _band_specs(b, weight)
    return specs
