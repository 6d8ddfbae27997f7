"""``baclo search``: find a fact the way a pharmacist types, typos and everyday words included.

Every word of the query must match a document (a fact, a topic summary or a glossary entry). A word matches
as typed first; failing that, in its other spelling (haemodialysis/hemodialysis), in a light stem
(pregnant/pregnancy), as a glossary term or alias it names (GABA-B receptor), as a synonym the knowledge file
lists (sleepy -> drowsiness; "black box" -> boxed warning), and last, as the closest word of the file's
vocabulary (withdrawl -> withdrawal). Each way has a weight, so exact hits rank above forgiving ones, and each
hit says how it matched. When nothing matches, the message names the closest words the file holds.
"""

from __future__ import annotations

import re

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references
from baclo_cli.errors import BadValue, NothingFound
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.text import close, normalise, shorten, spellings, stem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WORD = re.compile(r"[\w.%/-]+", re.UNICODE)
WEIGHTS = {"exact": 1.0, "spelling": 0.9, "stem": 0.85, "glossary": 0.8, "synonym": 0.8, "fuzzy": 0.6}


class _Doc:
    __slots__ = ("flat", "hay", "kind", "name", "refs", "text", "topic")

    def __init__(self, row: tuple[str, str, str, str, list[str], str, str]) -> None:
        self.topic, self.kind, self.name, self.text, self.refs, self.hay, self.flat = row


class _Vocabulary:
    """Every word of the file, gathered only if a fuzzy match or a hint needs it."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.text = " ".join(doc.hay for doc in docs)
        self._words: set[str] | None = None

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = set(_WORD.findall(self.text))
        return self._words


def _forms(word: str, kb: Knowledge, vocabulary: _Vocabulary) -> list[tuple[str, str]]:
    """Ways ``word`` may appear, each with how it was reached, exact first."""
    forms = [(word, "exact")]
    forms += [(s, "spelling") for s in spellings(word) if s != word]
    if stem(word) != word:
        forms.append((stem(word), "stem"))
    flat = normalise(word)
    for term in kb.glossary:
        names = [term.term, *term.aliases]
        if any(normalise(n) == flat for n in names):
            forms += [(n.lower(), "glossary") for n in names if n.lower() != word]
    if word not in vocabulary.text and stem(word) not in vocabulary.text:
        forms += [(found, "fuzzy") for found in close(word, vocabulary.words, n=2, cutoff=0.8)]
    return forms


def _queries(words: list[str], kb: Knowledge) -> list[tuple[list[str], str]]:
    """The query as typed, and rewritten through the file's synonyms: the whole query as a phrase the file
    lists, or every word of one synonym entry replaced by each of its meanings (one rewrite per meaning, so
    their number depends on the file, not on the length of the query)."""
    queries = [(words, "exact")]
    phrase = normalise(" ".join(words))
    for entry in kb.synonyms:
        lay = {normalise(w) for w in entry["words"]}
        if phrase in lay:
            queries += [(m.lower().split(), "synonym") for m in entry["means"]]
            continue
        if any(normalise(word) in lay for word in words):
            for meaning in entry["means"]:
                rewritten: list[str] = []
                for word in words:
                    rewritten += meaning.lower().split() if normalise(word) in lay else [word]
                queries.append((_distinct(rewritten), "synonym"))
    return queries


def _distinct(words: list[str]) -> list[str]:
    """Each word once, in order: a repeated word must match where it already matched, so it adds no work."""
    return list(dict.fromkeys(words))


MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 20


def search_result(kb: Knowledge, query: str, limit: int = 0) -> Result:
    if len(query) > MAX_QUERY_CHARS:
        raise BadValue(f"a search may be at most {MAX_QUERY_CHARS} characters long (this one is {len(query)})")
    words = _distinct([w.lower() for w in _WORD.findall(query)])
    if not words:
        raise BadValue("search needs at least one word")
    if len(words) > MAX_QUERY_WORDS:
        raise BadValue(f"a search may hold at most {MAX_QUERY_WORDS} different words (this one has {len(words)})")
    docs = [_Doc(row) for row in kb.search_documents()]
    vocabulary = _Vocabulary(docs)
    forms_of: dict[str, list[tuple[float, str, str, str]]] = {}  # each word's forms, worked out once
    best: dict[int, tuple[float, str]] = {}
    for query_words, how in _queries(words, kb):
        options = []
        for w in query_words:
            if w not in forms_of:
                forms_of[w] = [(WEIGHTS[way], form, normalise(form), way) for form, way in _forms(w, kb, vocabulary)]
            options.append(forms_of[w])
        phrase = " ".join(query_words)
        for index, doc in enumerate(docs):
            score, ways = 0.0, []
            for forms in options:
                found = [
                    (weight, form, way) for weight, form, flat, way in forms if form in doc.hay or flat in doc.flat
                ]
                if not found:
                    break
                weight, form, way = max(found)
                score += weight * (1 + min(doc.hay.count(form), 5)) + (3 * weight if form in doc.name.lower() else 0)
                ways.append(way)
            else:
                if how == "synonym":
                    score *= WEIGHTS["synonym"]
                    ways.append("synonym")
                score += 5 if phrase in doc.hay else 0
                match = min(ways, key=lambda w: WEIGHTS[w]) if ways else "exact"
                if score > best.get(index, (0.0, ""))[0]:
                    best[index] = (round(score, 2), match)
    if not best:
        near = close(words[-1], vocabulary.words | {t.term for t in kb.glossary}, n=4, cutoff=0.6)
        hint = f"; close words in the file: {', '.join(near)}" if near else ""
        raise NothingFound(f"nothing matches '{shorten(query.strip())}'{hint}")
    order = {name: i for i, name in enumerate([*kb.topics, "glossary"])}
    ranked = sorted(best, key=lambda i: (-best[i][0], order[docs[i].topic], i))
    if limit > 0:
        ranked = ranked[:limit]
    hits: list[dict[str, Any]] = [
        {
            "topic": docs[i].topic,
            "kind": docs[i].kind,
            "name": docs[i].name,
            "text": docs[i].text,
            "score": best[i][0],
            "match": best[i][1],
            "refs": docs[i].refs,
        }
        for i in ranked
    ]
    return Result(
        title=f"Search: {query.strip()}",
        summary=f"{len(hits)} hit{'s' if len(hits) != 1 else ''}, best first.",
        columns=["topic", "name", "text", "match"],
        rows=hits,
        payload={"schema_version": SCHEMA_VERSION, "query": query.strip(), "hits": [dict(h) for h in hits]},
        rows_key="hits",
        references=cited_references(kb, (r for h in hits for r in h["refs"])),
    )
