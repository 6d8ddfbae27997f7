"""Flashcards generated from the knowledge file itself: cards a student can answer from the front.

* A fact with one thing to recall is a basic card: "Pharmacokinetics: Protein binding?" / "about 30%".
* A fact with several (a study's design, dose, population and finding) is one card per field, with the fact's
  category (an interaction's severity, a warning's kind) as context on the front.
* A figure in a clinical fact is a cloze: the sentence on the front with the figure blanked ("Optimum effect
  usually at [...]"), the figure on the back (``{{c1::40-80 mg/day}}`` for Anki).
* A list is one card per item: the items a topic's ``quiz`` hint names in a list fact ("Signs (oral):
  Somnolence, [...], respiratory depression, ..."), and facts sharing a name ("Symptom" x6) as one list.

The back stays short (at most ``MAX_BACK`` characters, sources included), ends with its citation numbers, and
every card keeps a stable id: a fact's first card keeps the id it had when there was one card per fact, so
review progress carries over. Each card's GUID (``baclo-ID``) is the same in the TSV and the Anki package.

The cards are made by ``study.card_maker`` once per knowledge file (and topics) and kept in the cache folder, so a
scripted ``flashcards`` or ``review --stats`` reads them rather than making them again.
"""

from __future__ import annotations

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references, get_topic
from baclo_cli.errors import BadValue
from baclo_cli.study.record import Record
from baclo_cli.text import cut_at_word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.knowledge.load import Knowledge

MAX_BACK = 600  # characters of a card's back in the TSV and the package, citations and sources included
BLANK = "[...]"
NOTES = ("notes", "note")  # remarks: shown on the back of the fact's cards, never asked
CARDS_MAGIC = b"BACLOF1 "
MAX_KEPT_BYTES = 64 << 20  # of kept cards (the bundled file's 478 cards: about 165 kB)
MAX_KEPT_REFS = 1_000_000  # citations held by kept cards in all: a walk over a crafted file stops there
MAX_KEPT_CARDS = 200_000  # cards (the bundled file's: 478)
MAX_KEPT_TEXT = 32_000_000  # characters of all kept cards together (a file's text cannot grow once decoded)


class Card(Record):
    """One card: its front, its back (the answer and its citation numbers) and where it comes from."""

    __slots__ = ("back", "cloze", "digest", "front", "id", "refs", "topic")
    FIELDS = ("id", "topic", "front", "back", "refs", "digest", "cloze")

    def __init__(
        self,
        id: str,  # stable across knowledge-file versions while the fact keeps its topic and name
        topic: str,
        front: str,
        back: str,  # the answer and its citation numbers
        refs: tuple[str, ...],
        digest: str,  # changes when the fact's content or sources change
        cloze: str = "",  # Anki cloze text ({{c1::...}}) for a cloze card, empty for a basic one
    ) -> None:
        self.id = id
        self.topic = topic
        self.front = front
        self.back = back
        self.refs = refs
        self.digest = digest
        self.cloze = cloze

    @property
    def guid(self) -> str:
        return f"baclo-{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "guid": self.guid,
            "topic": self.topic,
            "kind": "cloze" if self.cloze else "basic",
            "front": self.front,
            "back": self.back,
            "cloze": self.cloze or None,
            "refs": list(self.refs),
        }


def make_cards(kb: Knowledge, topics: list[str] | None = None) -> list[Card]:
    """The cards of these topics (all by default), in the knowledge file's order: kept ones, or made (and kept
    for the next run)."""
    names = [get_topic(kb, t).name for t in topics] if topics else []
    from baclo_cli.knowledge import cache

    name = cache.blob_name("cards", kb.content_key, *names) if kb.content_key and cache.enabled() else None
    if name is not None:
        kept = _read_kept(cache, name)
        if kept is not None:
            return kept
    from baclo_cli.study.card_maker import make

    cards = make(kb, names or None)
    if name is not None:
        import marshal

        rows = [card.fields() for card in cards]
        body = marshal.dumps(rows)
        if len(body) <= MAX_KEPT_BYTES and _plausible_deck(rows):  # only what a later run will take
            cache.write_blob(name, CARDS_MAGIC, body)
    return cards


def _read_kept(cache: Any, name: str) -> list[Card] | None:
    found = cache.read_value(name, CARDS_MAGIC, MAX_KEPT_BYTES)
    return [Card(*fields) for fields in found[0]] if found is not None and _plausible_deck(found[0]) else None


def _plausible_deck(kept: Any) -> bool:
    """Cards as this code writes them (the checksum already matched): each a tuple of texts and a tuple of
    citations, its back ending with its citation numbers (``answer [1,2]``), its topic a name an Anki tag can be,
    no text a lone surrogate (an Anki package could not hold it; a knowledge file cannot), and their citations and
    text counted as they go: marshal's references let a small file stand for 20,000 cards of 20,000 citations, or
    for one 15 MB text 300 times over. (One pass, as cheap as it can be: the first run of a day reads it.)"""
    if type(kept) is not list or len(kept) > MAX_KEPT_CARDS:
        return False
    text = cited = 0
    topics = set()
    for fields in kept:
        if type(fields) is not tuple or len(fields) != 7:
            return False
        card_id, topic, front, back, refs, digest, cloze = fields
        if not (type(card_id) is type(topic) is type(front) is type(back) is type(digest) is type(cloze) is str):
            return False
        if type(refs) is not tuple or not back.endswith("]") or " [" not in back:
            return False
        text += len(card_id) + len(topic) + len(front) + len(back) + len(digest) + len(cloze)
        cited += len(refs)
        if text > MAX_KEPT_TEXT or cited > MAX_KEPT_REFS:
            return False
        topics.add(topic)
        for value in (front, back, cloze, card_id, digest, topic, *refs):
            if type(value) is not str:
                return False
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return False
    return all(topic and topic.split() == [topic] for topic in topics)


def check_deck(deck: str) -> str:
    if not deck.strip() or len(deck) > 200 or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in deck):
        raise BadValue("--deck takes a single line of text (no tabs, newlines or control characters)")
    return deck


def full_back(kb: Knowledge, card: Card, limit: int = MAX_BACK, sources: str | None = None) -> str:
    """The back with its sources (``sources``: its ``sources_line``, when already known), at most ``limit``
    characters: the answer gives way before the citations."""
    sources = sources_line(kb, card.refs) if sources is None else sources
    room = limit - len(sources) - 1
    answer, cited, numbers = card.back.rpartition(" [")
    if not cited:  # a back without citation numbers (not one baclo makes): all of it is the answer
        answer, numbers = numbers, ""
    back = card.back if len(card.back) <= room else cut_at_word(answer, room - 12) + cited + numbers
    return f"{back} {sources}"[:limit]


def sources_line(kb: Knowledge, refs: tuple[str, ...], limit: int = MAX_BACK // 2) -> str:
    """'Sources: [n] title (address); ...', the titles shortened so the line stays within ``limit``."""
    cited = sorted((kb.references[r] for r in refs if r in kb.references), key=lambda ref: ref.number)
    for title_room in (80, 50, 30, 0):
        parts = [
            f"[{ref.number}] {cut_at_word(ref.title, title_room) + ' ' if title_room else ''}"
            f"({ref.url or 'no URL: see baclo refs'})"
            for ref in cited
        ]
        line = "Sources: " + "; ".join(parts)
        if len(line) <= limit:
            return line
    return cut_at_word("Sources: " + "; ".join(f"[{ref.number}]" for ref in cited) + " (baclo refs)", limit)


def flashcards_result(kb: Knowledge, cards: list[Card], deck: str = "baclo") -> Result:
    check_deck(deck)
    # Every card's back names its sources: the references are read first, in one go when they are many.
    references = cited_references(kb, (r for c in cards for r in c.refs))
    lines = {refs: sources_line(kb, refs) for refs in {c.refs for c in cards}}  # a fact's cards share theirs
    rows = [
        {
            "front": c.front,
            "back": full_back(kb, c, sources=lines[c.refs]),
            "tags": f"baclo {c.topic}",
            "guid": c.guid,
            "refs": list(c.refs),
        }
        for c in cards
    ]
    return Result(
        title="Flashcards",
        summary=(
            f"{len(cards)} cards: one per thing to recall (a list item, a figure, a field); the back ends with its "
            "citation numbers and sources. Each card keeps its GUID across versions, so importing a newer file "
            "into Anki updates cards in place."
        ),
        columns=["front", "back", "tags", "guid"],
        rows=rows,
        payload={"schema_version": SCHEMA_VERSION, "cards": [c.as_dict() for c in cards]},
        rows_key="cards",
        references=references,
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
