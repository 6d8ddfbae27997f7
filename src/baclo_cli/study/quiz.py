"""The quiz: questions drawn with a seed from the drafts of the question bank (``study.questions``).

A draft is everything about a question that does not depend on the seed: its prompt, its right answers, its
explanation and references, and the distractors it may offer (already checked against the right answers). A
quiz orders the bank with its seed and finishes only the drafts it asks: which distractors, in which order.

The drafts of a knowledge file are worked out once and kept in the cache folder (keyed on the file's content,
the topics and the focus, like the knowledge cache), so a scripted ``quiz -f json`` reads them rather than
generating the bank again, and imports neither the bank's code nor ``re``, ``typing`` or ``random``
(``study.chance`` draws what ``random.Random`` would, so a seed asks the same questions either way). Without a
cache each draft is worked out when the order reaches it.
"""

from __future__ import annotations

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references, get_topic
from baclo_cli.errors import BadValue, NothingFound
from baclo_cli.study.chance import Chance
from baclo_cli.study.record import Record
from baclo_cli.text import cut_at_word, stable_id, words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from baclo_cli.knowledge.load import Knowledge

    # (key, topic, group, weight): what orders the bank. A draft is a tuple led by its kind:
    #   ("made", id, topic, kind, prompt, choices, answers, accepted, explanation, refs): nothing left to draw;
    #   ("one", key, topic, prompt, answer, explanation, refs, tiers): one right answer and up to three wrong
    #     ones, drawn from each tier of candidates in turn, (text, normalised, stems) each;
    #   ("all", key, topic, prompt, right, facts, wrong): select all that apply, from right answers
    #     [(text, fact number)], their facts [(explanation, refs)] and the wrong candidates' texts.
    Head = tuple[str, str, str, float]
    Draft = tuple[Any, ...]

LETTERS = "abcdef"
FOCUS = ("all", "clinical")
SELECT_ALL_OPTIONS = 5
MAX_CHOICE = 160  # characters: a longer value makes a poor option
MAX_EXPLANATION = 400
WRONG = 3  # wrong options offered with one right answer
DRAFTS_MAGIC = b"BACLOQ1 "
MAX_DRAFTS = 16 << 20  # bytes of kept drafts (the bundled file's whole bank: about 210 kB)
MAX_KEPT_QUESTIONS = 20_000  # questions in a bank that is kept (the bundled file's: 436)
MAX_KEPT_OFFERS = 20_000  # distractors held by a kept bank in all (the bundled file's: about 2,800)
MAX_DRAFT_WORK = 2_000_000  # figure comparisons spent drafting a bank to keep (the bundled file's: about 126,000)
MAX_TEXT = 2_000  # characters of any text in a kept draft (a prompt, an answer, an explanation)
MAX_KEPT_WALK = MAX_KEPT_OFFERS + 10 * MAX_KEPT_QUESTIONS  # items of kept drafts a run checks, at most


class Question(Record):
    """A question as asked: its options (none for a short answer), the right ones, and where it comes from."""

    __slots__ = ("accepted", "answers", "choices", "explanation", "id", "kind", "prompt", "refs", "topic")
    FIELDS = ("id", "topic", "kind", "prompt", "choices", "answers", "accepted", "explanation", "refs")

    def __init__(
        self,
        id: str,
        topic: str,
        kind: str,  # "choice" (one right option), "multi" (select all that apply) or "short" (type the answer)
        prompt: str,
        choices: tuple[str, ...],  # empty for short answers
        answers: tuple[str, ...],  # the right choices' texts, or the short answer
        accepted: tuple[str, ...],  # normalised short answers accepted
        explanation: str,
        refs: tuple[str, ...],
    ) -> None:
        self.id = id
        self.topic = topic
        self.kind = kind
        self.prompt = prompt
        self.choices = choices
        self.answers = answers
        self.accepted = accepted
        self.explanation = explanation
        self.refs = refs

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
        letters = "".join(ch for ch in text.lower() if not (ch.isspace() or ch in ",;/"))
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
        return normalise(answer) in self.accepted or first_number(answer) in self.accepted

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
    """An answer as compared: ``text.words`` (the shared rule), so a reply and an answer are read alike."""
    return words(text)


def first_number(text: str) -> str:
    """The first number in ``text`` (ASCII digits, a decimal part after a point), as ``%g`` writes it; '' if
    none: '80mg' is '80', '0.50 mg' is '0.5'."""
    start = next((i for i, ch in enumerate(text) if "0" <= ch <= "9"), -1)
    if start < 0:
        return ""
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    if end + 1 < len(text) and text[end] == "." and "0" <= text[end + 1] <= "9":
        end += 1
        while end < len(text) and "0" <= text[end] <= "9":
            end += 1
    return f"{float(text[start:end]):g}"


def contains(text_stems: str, part_stems: str) -> bool:
    """One text's stems hold another's, word for word (see ``questions.stems``)."""
    return bool(part_stems) and f" {part_stems} " in f" {text_stems} "


# --- finishing a draft with the seed ------------------------------------------------------------------------


def finish(draft: Draft | None, seed: int) -> Question | None:
    """The question ``draft`` makes with ``seed``; None when it has too few wrong options to ask."""
    if draft is None:
        return None
    kind = draft[0]
    if kind == "made":
        return Question(*draft[1:])
    if kind == "one":
        _, key, topic, prompt, answer, explanation, refs, tiers = draft
        chance = Chance(f"{seed}-{key}")  # one generator a question: its options do not depend on the others
        wrong: list[Any] = []
        for tier in tiers:  # the closest kind of value first; a later tier only fills what is missing
            if len(wrong) >= WRONG:
                break
            taken = {w[1] for w in wrong}
            clean = [c for c in tier if c[1] not in taken and not any(_overlap(c[2], w[2]) for w in wrong)]
            chance.shuffle(clean)
            wrong = (wrong + clean[:WRONG])[:WRONG]
        if len(wrong) < 2:
            return None
        choices = [answer, *(w[0] for w in wrong)]
        chance.shuffle(choices)
        return Question(stable_id(key), topic, "choice", prompt, tuple(choices), (answer,), (normalise(answer),),
                        explanation, refs)  # fmt: skip
    _, key, topic, prompt, right, facts, pool = draft
    chance = Chance(f"{seed}-{key}")
    others = list(pool)
    chance.shuffle(others)
    others = others[: SELECT_ALL_OPTIONS - 2]
    chosen = chance.sample(right, min(len(right), SELECT_ALL_OPTIONS - len(others), 3))
    choices = [text for text, _ in chosen] + others
    chance.shuffle(choices)
    used = list(dict.fromkeys(number for _, number in chosen))
    return Question(
        stable_id(key, *choices),
        topic,
        "multi",
        f"Select all that apply. {prompt}",
        tuple(choices),
        tuple(text for text, _ in chosen),
        (),
        cut_at_word(" / ".join(facts[n][0] for n in used), MAX_EXPLANATION),
        tuple(dict.fromkeys(r for n in used for r in facts[n][1])),
    )


def _overlap(a: str, b: str) -> bool:
    return contains(a, b) or contains(b, a)


# --- the bank's drafts: kept, or worked out ------------------------------------------------------------------


class Bank:
    """The bank for some topics and a focus: its heads at once, each draft read or worked out when asked."""

    def __init__(self, heads: list[Head], draft: Callable[[int], Draft | None]) -> None:
        self.heads = heads
        self.draft = draft


class _Doubt(Exception):
    """A kept draft not of the shape this code writes: the bank is worked out again."""


def bank(kb: Knowledge, topics: list[str] | None = None, focus: str = "all", *, kept: bool = True) -> Bank:
    """The drafts kept for this file, topics and focus, or (the first time, without a cache, or with
    ``kept=False``) the bank's own: every draft worked out and kept for the next run, or each one as it is asked
    when nothing is kept. A kept draft is checked when it is asked (``_Doubt`` if it is not plausible).

    A bank too big to keep (more than ``MAX_KEPT_QUESTIONS`` questions, distractors offered beyond
    ``MAX_KEPT_OFFERS`` in all, or drafting beyond ``MAX_DRAFT_WORK``: a figure's distractors are every figure of
    its unit, so both grow with the square of the file), or one with a draft of a shape that is not kept (a text
    over ``MAX_TEXT``), is drafted as asked, as it is without a cache, and only that is remembered."""
    if focus not in FOCUS:
        raise BadValue(f"--focus takes {' or '.join(FOCUS)}, got '{focus}'")
    names = [get_topic(kb, t).name for t in topics] if topics else []
    from baclo_cli.knowledge import cache

    name = cache.blob_name("quiz", kb.content_key, focus, *names) if kb.content_key and cache.enabled() else None
    found = _read_kept(cache, name) if name is not None and kept else None
    if found is _TOO_BIG:
        name = None  # drafted as asked, as without a cache
    elif found is not None:
        kept_drafts = found[1]
        walk = [MAX_KEPT_WALK]  # for the whole run: each draft's walk is bounded, and so is their sum

        def checked(i: int) -> Draft | None:
            draft = kept_drafts[i]
            if draft is None:
                return None
            walk[0] -= _weight(draft)
            if walk[0] >= 0 and _plausible(draft):
                return draft
            raise _Doubt

        return Bank(found[0], checked)
    from baclo_cli.study.questions import Drafter, question_bank

    drafter = Drafter(kb)
    specs = question_bank(kb, names or None, focus, drafter)
    heads: list[Head] = [(s.key, s.topic, s.group, s.weight) for s in specs]
    if name is None:
        return Bank(heads, lambda i: specs[i].draft())
    import marshal

    drafts: list[Draft | None] = []
    offered = walked = 0  # distractors held, and items a later run's check walks
    if len(specs) <= MAX_KEPT_QUESTIONS:
        for spec in specs:
            draft = spec.draft()
            drafts.append(draft)
            if draft is not None:
                offered += _offers(draft)
                walked += _weight(draft)
            if offered > MAX_KEPT_OFFERS or walked > MAX_KEPT_WALK or drafter.work > MAX_DRAFT_WORK:
                break
    keep = len(drafts) == len(specs) and offered <= MAX_KEPT_OFFERS and walked <= MAX_KEPT_WALK
    if keep and drafter.work <= MAX_DRAFT_WORK and all(d is None or _plausible(d) for d in drafts):
        body = marshal.dumps((heads, drafts))
        if len(body) <= MAX_DRAFTS:
            cache.write_blob(name, DRAFTS_MAGIC, body)
            return Bank(heads, drafts.__getitem__)
    cache.write_blob(name, DRAFTS_MAGIC, marshal.dumps(None))  # too big: the next run drafts as asked at once
    done = drafts
    return Bank(heads, lambda i: done[i] if i < len(done) else specs[i].draft())


def _offers(draft: Draft) -> int:
    """How many distractors a draft holds (what a kept bank's size grows with)."""
    if draft[0] == "made":
        return 0
    if draft[0] == "one":
        return sum(map(len, draft[7]))
    return len(draft[4]) + len(draft[6])


# What a kept "too big to keep" reads as: a bank drafted as asked.
_TOO_BIG: tuple[list[Head], list[Draft | None]] = ([], [])


def _read_kept(cache: Any, name: str) -> tuple[list[Head], list[Draft | None]] | None:
    found = cache.read_value(name, DRAFTS_MAGIC, MAX_DRAFTS)
    if found is None:
        return None
    kept = found[0]
    if kept is None:
        return _TOO_BIG
    if type(kept) is not tuple or len(kept) != 2:
        return None
    heads, drafts = kept
    if type(heads) is not list or type(drafts) is not list or len(heads) != len(drafts):
        return None
    if len(heads) > MAX_KEPT_QUESTIONS or not all(_plausible_head(h) for h in heads):
        return None
    return heads, drafts


def _plausible_head(head: Any) -> bool:
    return (
        type(head) is tuple
        and len(head) == 4
        and all(type(v) is str for v in head[:3])
        and type(head[3]) is float
        and head[3] > 0
    )


def _text(value: Any) -> bool:
    return type(value) is str and len(value) <= MAX_TEXT


def _texts(value: Any, most: int = MAX_KEPT_OFFERS) -> bool:
    return type(value) is tuple and len(value) <= most and all(_text(v) for v in value)


def _weight(draft: Any) -> int:
    """About how many items checking ``draft`` walks, found without walking it (more than any kept bank's walk
    when it is not of a kept shape)."""
    try:
        kind = draft[0]
        if kind == "made":
            return 1 + sum(len(draft[i]) for i in (5, 6, 7, 9))
        if kind == "one":
            return 1 + len(draft[6]) + (sum(map(len, draft[7])) if len(draft[7]) <= WRONG else MAX_KEPT_WALK)
        if kind == "all" and len(draft[5]) <= MAX_KEPT_OFFERS:
            return 1 + len(draft[4]) + len(draft[5]) + len(draft[6]) + sum(len(f[1]) for f in draft[5])
    except Exception:  # not a shape this code writes
        pass
    return MAX_KEPT_WALK + 1


def _plausible(draft: Any) -> bool:
    """A draft of the shape this code writes (the kept file's checksum already matched), walked no further than
    ``MAX_KEPT_OFFERS`` items: marshal's references let a small file hold a list of a million lists of a
    million items, which a walk over every item would never finish."""
    if type(draft) is not tuple or not draft:
        return False
    kind = draft[0]
    if kind == "made":
        return (
            len(draft) == 10
            and all(_text(v) for v in draft[1:5])
            and all(_texts(draft[i], len(LETTERS)) for i in (5, 6, 7))
            and _text(draft[8])
            and _texts(draft[9])
        )
    if kind == "one":
        if len(draft) != 8 or not all(_text(v) for v in draft[1:6]) or not _texts(draft[6]):
            return False
        tiers = draft[7]
        if type(tiers) is not list or len(tiers) > WRONG or not all(type(tier) is list for tier in tiers):
            return False
        return sum(map(len, tiers)) <= MAX_KEPT_OFFERS and all(
            type(c) is tuple and len(c) == 3 and _texts(c) for tier in tiers for c in tier
        )
    if kind == "all":
        if len(draft) != 7 or not all(_text(v) for v in draft[1:4]):
            return False
        right, facts, pool = draft[4:]
        if not (type(right) is list and type(facts) is list and type(pool) is list):
            return False
        if not 2 <= len(right) <= MAX_KEPT_OFFERS or len(facts) > MAX_KEPT_OFFERS or len(pool) > MAX_KEPT_OFFERS:
            return False
        if not all(type(f) is tuple and len(f) == 2 and _text(f[0]) and type(f[1]) is tuple for f in facts):
            return False
        return (
            sum(len(f[1]) for f in facts) <= MAX_KEPT_OFFERS
            and all(_texts(f[1]) for f in facts)
            and all(
                type(r) is tuple and len(r) == 2 and _text(r[0]) and type(r[1]) is int and 0 <= r[1] < len(facts)
                for r in right
            )
            and all(_text(p) for p in pool)
        )
    return False


# --- the quiz -----------------------------------------------------------------------------------------------


def order(heads: list[Head], seed: int) -> list[int]:
    """The bank's questions in the order a quiz with ``seed`` asks them: a weighted shuffle (a clinical question
    is three times as likely to come early), then round-robin over groups: every prompt once before any prompt a
    second time."""
    chance = Chance(f"pick-{seed}")
    keyed = sorted(((chance.random() ** (1 / h[3]), i) for i, h in enumerate(heads)), reverse=True)
    rounds: dict[str, int] = {}
    ranked = []
    for position, (_, i) in enumerate(keyed):
        group = heads[i][2]
        rounds[group] = rounds.get(group, 0) + 1
        ranked.append((rounds[group], position, i))
    return [i for _, _, i in sorted(ranked)]


def make_quiz(kb: Knowledge, topics: list[str] | None, count: int, seed: int, focus: str = "all") -> list[Question]:
    """``count`` questions drawn with ``seed``: the same seed always gives the same questions in the same order.
    Only the questions asked are finished."""
    if count < 1:
        raise BadValue("--count must be at least 1")
    try:
        questions = _draw(bank(kb, topics, focus), count, seed)
    except _Doubt:
        questions = _draw(bank(kb, topics, focus, kept=False), count, seed)
    if not questions:
        raise NothingFound("no quiz questions can be made from those topics")
    return questions


def _draw(drafts: Bank, count: int, seed: int) -> list[Question]:
    questions: list[Question] = []
    seen: set[str] = set()
    for i in order(drafts.heads, seed):
        question = finish(drafts.draft(i), seed)
        if question is None or question.id in seen:
            continue
        seen.add(question.id)
        questions.append(question)
        if len(questions) == count:
            break
    return questions


def all_questions(kb: Knowledge, topics: list[str] | None = None, seed: int = 0, focus: str = "all") -> list[Question]:
    """Every question the bank makes, in the bank's order (for tests and counts)."""
    try:
        drafts = bank(kb, topics, focus)
        made = [finish(drafts.draft(i), seed) for i in range(len(drafts.heads))]
    except _Doubt:
        drafts = bank(kb, topics, focus, kept=False)
        made = [finish(drafts.draft(i), seed) for i in range(len(drafts.heads))]
    return list({q.id: q for q in made if q is not None}.values())


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
