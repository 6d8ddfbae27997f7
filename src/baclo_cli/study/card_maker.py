"""Making the flashcards from the knowledge file (see ``study.cards`` for what the cards are): worked out once
per file and kept, so only the first run after a change loads this module and its patterns."""

from __future__ import annotations

import re

from baclo_cli.answers.topics import get_topic
from baclo_cli.knowledge.load import Fact, Knowledge, Topic
from baclo_cli.study.cards import BLANK, MAX_BACK, NOTES, Card
from baclo_cli.study.questions import _FIGURE, category_columns, is_clinical, key_column
from baclo_cli.text import cut_at_word, sha1_hex
from baclo_cli.text import stable_id as _qid

MAX_FIGURES = 3  # a fact with more figures is a basic card: blanking one of many is a guessing game


def _digest(fact: Fact) -> str:
    content = "\x1f".join([*(str(v) for v in fact.fields.values()), *fact.refs])
    return sha1_hex(content)[:12]


def _numbers(kb: Knowledge, refs: tuple[str, ...]) -> str:
    return ",".join(str(n) for n in sorted(kb.references[r].number for r in refs if r in kb.references))


def _blank(text: str, start: int, end: int) -> tuple[str, str]:
    """The text with text[start:end] blanked, and as Anki cloze text."""
    return f"{text[:start]}{BLANK}{text[end:]}", f"{text[:start]}{{{{c1::{text[start:end]}}}}}{text[end:]}"


class _Maker:
    def __init__(self, kb: Knowledge, topic: Topic) -> None:
        self.kb = kb
        self.topic = topic
        self.cards: list[Card] = []

    def add(self, card_id: str, front: str, answer: str, fact: Fact, cloze: str = "") -> None:
        numbers = _numbers(self.kb, fact.refs)
        back = f"{cut_at_word(answer, MAX_BACK // 2)} [{numbers}]"
        self.cards.append(Card(card_id, self.topic.name, front, back, fact.refs, _digest(fact), cloze))


def _list_cards(m: _Maker, key: str, name: str, group: list[Fact], value_field: str) -> None:
    """Facts sharing a name ("Symptom" x6): one card per item, the others shown."""
    items = [str(f.fields.get(value_field, "")) for f in group]
    for i, fact in enumerate(group):
        shown = ", ".join(BLANK if j == i else item for j, item in enumerate(items))
        cloze = ", ".join(f"{{{{c1::{item}}}}}" if j == i else item for j, item in enumerate(items))
        front = f"{m.topic.title}: {name} ({len(items)}): {shown}"
        m.add(_qid("card", m.topic.name, name, str(i + 1)), front, items[i], fact, f"{m.topic.title}: {name}: {cloze}")


def _item_cards(m: _Maker, name: str, fact: Fact, field: str, items: list[str]) -> None:
    """A list fact a quiz hint names the items of: one cloze card per item."""
    text = f"{name}: {fact.fields[field]}"
    for item in items:
        at = text.lower().find(item.lower(), len(name) + 2)
        if at < 0:
            continue
        shown, cloze = _blank(text, at, at + len(item))
        front = f"{m.topic.title}: {cut_at_word(shown, 400)}"
        m.add(_qid("card", m.topic.name, name, "item", item), front, text[at : at + len(item)], fact, cloze)


def _figure_cards(m: _Maker, name: str, fact: Fact, field: str, figures: list[re.Match[str]]) -> None:
    value = str(fact.fields[field])
    for i, match in enumerate(figures):
        shown, cloze = _blank(value, match.start(), match.end())
        card_id = (
            _qid("card", m.topic.name, name, "1") if i == 0 else _qid("card", m.topic.name, name, "figure", str(i))
        )
        front = f"{m.topic.title}, {name}: {shown}"
        m.add(card_id, front, match.group(0), fact, f"{m.topic.title}, {name}: {cloze}")


def _topic_cards(kb: Knowledge, topic: Topic) -> list[Card]:
    m = _Maker(kb, topic)
    key = key_column(topic)
    # Context, shown on the front rather than asked: categories (a warning's kind) and columns of short labels
    # (a dosing row's population and route).
    categories = set(category_columns(topic)) | {
        c
        for c in topic.columns
        if c != key
        and len(topic.columns) > 2
        and all(len(str(f.fields.get(c, ""))) <= 25 and len(str(f.fields.get(c, "")).split()) <= 3 for f in topic.facts)
    }
    listed: dict[int, tuple[str, list[str]]] = {}  # fact index -> the field and the items a quiz hint names
    for hint in topic.quiz:
        if hint.items:
            for index, fact in enumerate(topic.facts):
                matches = all(str(fact.fields.get(k, "")).lower() == v.lower() for k, v in hint.where.items())
                if matches and hint.answer in fact.fields:  # (as the quiz: a fact need not fill every column)
                    listed.setdefault(index, (hint.answer, []))[1].extend(hint.items)
    names = [str(f.fields.get(key, "")) for f in topic.facts]
    done_groups: set[str] = set()
    for index, fact in enumerate(topic.facts):
        name = names[index]
        fields = [c for c in topic.columns if c in fact.fields and c != key and c not in categories and c not in NOTES]
        remark = "; ".join(str(fact.fields[c]) for c in NOTES if c in fact.fields)
        context = ", ".join(str(fact.fields[c]) for c in topic.columns if c in categories and c in fact.fields)
        label = f"{name} ({context})" if context else name
        if names.count(name) > 1:
            if name not in done_groups and len(fields) == 1:
                done_groups.add(name)
                group = [f for f, n in zip(topic.facts, names, strict=True) if n == name]
                _list_cards(m, key, name, group, fields[0])
            elif len(fields) != 1:
                answer = "; ".join(f"{f}: {fact.fields[f]}" for f in fields)
                m.add(_qid("card", topic.name, name, str(names[: index + 1].count(name))), f"{topic.title}: {label}?",
                      answer, fact)  # fmt: skip
            continue
        if index in listed:
            field, items = listed[index]
            _item_cards(m, name, fact, field, list(dict.fromkeys(items)))
            continue
        if not fields:
            m.add(_qid("card", topic.name, name, "1"), f"{topic.title}: {name}?", context or name, fact)
            continue
        if len(fields) == 1:
            value = str(fact.fields[fields[0]])
            figures = list(_FIGURE.finditer(value))
            if is_clinical(topic) and 1 <= len(figures) <= MAX_FIGURES and len(value) <= 400:
                _figure_cards(m, label, fact, fields[0], figures)
            else:
                m.add(_qid("card", topic.name, name, "1"), f"{topic.title}: {label}?", value, fact)
            continue
        for i, field in enumerate(fields):
            card_id = _qid("card", topic.name, name, "1") if i == 0 else _qid("card", topic.name, name, field)
            front = f"{topic.title}: {label} - {field.replace('_', ' ')}?"
            answer = str(fact.fields[field])
            m.add(card_id, front, f"{answer} ({remark})" if remark else answer, fact)
    return m.cards


def make(kb: Knowledge, topics: list[str] | None = None) -> list[Card]:
    """The cards of these topics (all by default), in the knowledge file's order."""
    chosen = [get_topic(kb, t) for t in topics] if topics else list(kb.topics.values())
    cards: list[Card] = []
    for topic in chosen:
        cards += _topic_cards(kb, topic)
    return list({c.id: c for c in cards}.values())
