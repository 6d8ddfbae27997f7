"""``baclo search``: find a fact the way a pharmacist types, typos and everyday words included.

A query is a list of terms, every one of which must match a document (a fact, a topic summary or a glossary
entry): its words, a "quoted phrase", or adjacent words the knowledge file names together (``ng tube``,
``black box``, a glossary term). A term matches as typed first, at the start of a word (``taper`` finds
*tapering*; a long form inside a word too: ``dialysis`` in *haemodialysis*); failing that in its other
spelling (haemodialysis/hemodialysis), in a light stem (pregnant/pregnancy), as a glossary term or alias it
names (GABA-B receptor), as a synonym the knowledge file lists (sleepy -> drowsiness, taper -> stopping). Only
a term that matches nothing in any of those ways is matched to the closest words of the file (withdrawl ->
withdrawal), and the answer says so.

A hit ranks by where each term matched (the row's name and kind before its detail, its detail before its
notes), by how (as typed before forgiving ways), by whether the whole query is there as a phrase ("missed
dose"), and a topic's second and later hits step down a little, so the first screen answers from every topic
that has something to say. Each hit says how it matched and which words of the row matched.

The cost is linear: each different term is looked for once in each document, in a bounded number of forms
that depends on the file, not on the query.
"""

from __future__ import annotations

from baclo_cli.answers.result import SCHEMA_VERSION, Result
from baclo_cli.answers.topics import cited_references
from baclo_cli.errors import BadValue, NothingFound
from baclo_cli.knowledge.load import Knowledge
from baclo_cli.text import close_in, normalise, shorten, spellings, split_words, stem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.knowledge.model import SearchDocument

# How a term was reached: exact hits outrank forgiving ones.
WEIGHTS = {"exact": 1.0, "spelling": 0.9, "stem": 0.85, "glossary": 0.8, "synonym": 0.8, "fuzzy": 0.6}
# Where in a document: the row's name (and kind), its detail, its notes.
TIERS = (3.0, 1.0, 0.6)
PHRASE_BONUS = 2.0  # times the tier the whole query was found in as a phrase
TOPIC_STEP = 0.85  # a topic's n-th best hit counts this to the n-th power
MIN_INSIDE = 6  # a form this long may match inside a word (dialysis in haemodialysis); shorter ones only at a start
MAX_MARKED = 12  # words of a row listed as matched
MAX_PHRASE = 4  # words the file may name together (ng tube, black box warning, dorsolateral prefrontal cortex)

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 20


class _Doc:
    __slots__ = ("evidence", "fields", "flat", "kind", "name", "refs", "text", "topic")

    def __init__(self, row: SearchDocument) -> None:
        self.topic, self.kind, self.name, self.text, self.refs, self.evidence = row[:6]
        self.fields: tuple[str, str, str] = (row[6], row[7], row[8])
        self.flat = row[9]


class _Form:
    """One way a term may appear in a document."""

    __slots__ = ("flat", "text", "way", "weight")

    def __init__(self, text: str, way: str) -> None:
        self.text = text
        self.way = way
        self.weight = WEIGHTS[way]
        self.flat = normalise(text)


def spread_span(flat: str, text: str) -> tuple[int, int] | None:
    """Where the letters and digits ``flat`` first appear in ``text`` from a word's start, with anything but
    letters and digits allowed between them ('gabab' in 'gaba-b', 'ngtube' in 'ng tube'): the span in ``text``,
    or None. (What the pattern ``(?<![^\\W_])g[\\W_]*a...`` finds, without re: it costs a run ~5 ms.)"""
    places = [i for i, ch in enumerate(text) if ch.isalnum()]
    letters = "".join(text[i] for i in places)
    at = letters.find(flat) if flat else -1
    while at >= 0:
        start = places[at]
        if at == 0 or places[at - 1] != start - 1:  # not inside a word: the character before is no letter
            return start, places[at + len(flat) - 1] + 1
        at = letters.find(flat, at + 1)
    return None


class _Match:
    """A term's best appearance in one document."""

    __slots__ = ("count", "found", "score", "tier", "way", "words")

    def __init__(self, score: float, way: str, tier: int, found: str, count: int) -> None:
        self.score = score
        self.way = way
        self.tier = tier
        self.found = found  # the word(s) of the document where it matched best
        self.count = count  # how often any of its forms appears
        self.words: list[str] = []  # every word of the document any of its forms matched, for highlighting


def _word_around(text: str, start: int, end: int) -> str:
    """The whole word(s) of ``text`` that ``text[start:end]`` lies in."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


def _find(form: _Form, text: str) -> tuple[float, list[str]]:
    """How well ``form`` appears in ``text`` (1: a whole word, 0.8: a word's start, 0.5: inside a long word,
    0: not at all), and the words it appears in, best first."""
    best, found = 0.0, list[str]()
    at = text.find(form.text)
    while at >= 0:
        end = at + len(form.text)
        starts = at == 0 or not text[at - 1].isalnum()
        ends = end == len(text) or not text[end].isalnum()
        quality = 1.0 if starts and ends else 0.8 if starts else 0.5 if len(form.flat) >= MIN_INSIDE else 0.0
        if quality:
            found.insert(0 if quality > best else len(found), _word_around(text, at, end))
            best = max(best, quality)
        at = text.find(form.text, end)
    return best, found


def _match(forms: list[_Form], doc: _Doc) -> _Match | None:
    """The term's best appearance in ``doc`` (and every word any of its forms matched there), or None."""
    best: _Match | None = None
    words: list[str] = []
    for form in forms:
        for tier, text in enumerate(doc.fields):
            quality, found = _find(form, text) if form.text in text else (0.0, [])
            if not quality and len(form.flat) >= 4 and form.flat in doc.flat and form.flat != form.text:
                spread = spread_span(form.flat, text)  # the same letters, split by a hyphen or a space
                if spread:
                    quality, found = 0.8, [_word_around(text, *spread)]
            if quality:
                score = form.weight * TIERS[tier] * quality
                if best is None or score > best.score:
                    best = _Match(score, form.way, tier, found[0], 0)
                words += found
    if best is not None:
        best.count = len(words)
        best.words = _distinct(words)
    return best


class _Lexicon:
    """What the file says about words: its synonyms and glossary names by their normalised form, and the
    phrases it names (for grouping a query's adjacent words)."""

    def __init__(self, kb: Knowledge) -> None:
        lexicon = kb.search_lexicon()
        self.means: dict[str, list[str]] = lexicon["means"]
        self.names: dict[str, list[str]] = lexicon["names"]
        self.phrases = set(lexicon["phrases"])

    def forms(self, term: str) -> list[_Form]:
        """Ways ``term`` may appear, each with how it was reached, exact first (each form once, at its best)."""
        found: dict[str, str] = {}

        def add(form: str, way: str) -> None:
            form = " ".join(split_words(form.lower()))
            if form and (form not in found or WEIGHTS[way] > WEIGHTS[found[form]]):
                found[form] = way

        add(term, "exact")
        for spelled in spellings(term):
            add(spelled, "spelling")
        if " " not in term:
            add(stem(term), "stem")
        flat = normalise(term)
        for name in self.names.get(flat, ()):
            add(name, "glossary")
        for meaning in self.means.get(flat, ()):
            add(meaning, "synonym")
        return [_Form(form, way) for form, way in found.items()]

    def group(self, words: list[str]) -> list[str]:
        """Adjacent words the file names together become one term (``ng tube``); the rest stay words."""
        terms, i = [], 0
        while i < len(words):
            for j in range(min(len(words), i + MAX_PHRASE), i + 1, -1):
                if normalise(" ".join(words[i:j])) in self.phrases:
                    terms.append(" ".join(words[i:j]))
                    i = j
                    break
            else:
                terms.append(words[i])
                i += 1
        return terms


def _distinct(words: list[str]) -> list[str]:
    """Each word once, in order: a repeated word must match where it already matched, so it adds no work."""
    return list(dict.fromkeys(words))


def parse_query(query: str, lexicon: _Lexicon) -> list[str]:
    """The query's terms: "quoted phrases", phrases the file names, and single words; each once."""
    terms: list[str] = []
    for i, part in enumerate(query.split('"')):
        words = [w.lower() for w in split_words(part)]
        if i % 2 and len(words) > 1:  # inside quotes (an unclosed quote quotes the rest)
            terms.append(" ".join(words))
        else:
            terms += lexicon.group(words)
    return _distinct(terms)


def search_result(kb: Knowledge, query: str, limit: int = 0) -> Result:
    if len(query) > MAX_QUERY_CHARS:
        raise BadValue(f"a search may be at most {MAX_QUERY_CHARS} characters long (this one is {len(query)})")
    words = _distinct([w.lower() for w in split_words(query)])
    if not words:
        raise BadValue("search needs at least one word")
    if len(words) > MAX_QUERY_WORDS:
        raise BadValue(f"a search may hold at most {MAX_QUERY_WORDS} different words (this one has {len(words)})")
    lexicon = _Lexicon(kb)
    terms = parse_query(query, lexicon)
    docs = [_Doc(row) for row in kb.search_documents()]
    fuzzy: dict[str, list[str]] = {}
    per_term: list[dict[int, _Match]] = []
    for term in terms:
        found = _matches(lexicon.forms(term), docs)
        if not found and " " not in term:  # nothing as typed, nor in any forgiving way: the closest words
            near = [w for w in close_in(term, kb.search_vocabulary(), n=2, cutoff=0.8) if w != term]
            if near:
                found = _matches([_Form(w, "fuzzy") for w in near], docs)
                fuzzy[term] = near
        if not found:
            raise NothingFound(_nothing(query, term, terms, kb))
        per_term.append(found)
    hits = _rank(terms, per_term, docs, kb)
    if not hits:
        raise NothingFound(f"nothing matches '{shorten(query.strip())}': each word matches, but no row has them all")
    if limit > 0:
        hits = hits[:limit]
    rows = [_hit(docs[i], score, matches) for i, score, matches in hits]
    summary = f"{len(rows)} hit{'s' if len(rows) != 1 else ''}, best first."
    if fuzzy:
        said = "; ".join(f"'{shorten(t, 40)}' as {' or '.join(repr(w) for w in near)}" for t, near in fuzzy.items())
        summary = f"No match as typed, so close words instead: {said}. {summary}"
    return Result(
        title=f"Search: {query.strip()}",
        summary=summary,
        columns=["topic", "name", "text", "evidence", "match"],
        rows=rows,
        payload={
            "schema_version": SCHEMA_VERSION,
            "query": query.strip(),
            "fuzzy": fuzzy,
            "hits": [dict(row) for row in rows],
        },
        rows_key="hits",
        references=cited_references(kb, (r for row in rows for r in row["refs"])),
        highlight="matched",
    )


def _matches(forms: list[_Form], docs: list[_Doc]) -> dict[int, _Match]:
    """Each document the forms appear in, with the term's match there. A form can appear in a document only
    if its letters and digits appear in the document's (``flat``): one C-level look a document rules most out."""
    flats = [form.flat for form in forms]
    found = {}
    for index, doc in enumerate(docs):
        flat = doc.flat
        for letters in flats:
            if letters in flat:
                hit = _match(forms, doc)
                if hit is not None:
                    found[index] = hit
                break
    return found


def _nothing(query: str, term: str, terms: list[str], kb: Knowledge) -> str:
    """Why nothing matched, and the closest words the file does hold."""
    near = close_in(term.split()[-1], kb.search_vocabulary(), n=4, cutoff=0.6, also=[t.term for t in kb.glossary])
    which = f" (no row has '{shorten(term, 40)}')" if len(terms) > 1 else ""
    hint = f"; close words in the file: {', '.join(near)}" if near else ""
    return f"nothing matches '{shorten(query.strip())}'{which}{hint}"


def _rank(
    terms: list[str], per_term: list[dict[int, _Match]], docs: list[_Doc], kb: Knowledge
) -> list[tuple[int, float, list[_Match]]]:
    """Documents every term matched, best first: (index, score, each term's match)."""
    common = set(per_term[0]).intersection(*per_term[1:])
    phrase = _Form(" ".join(terms), "exact") if len(terms) > 1 else None
    raw: dict[int, tuple[float, list[_Match]]] = {}
    for index in common:
        doc, matches = docs[index], [found[index] for found in per_term]
        score = sum(m.score + 0.1 * min(m.count - 1, 4) for m in matches)
        if phrase is not None:  # the whole query, as a phrase: above the same words apart
            tiers = [t for t, text in enumerate(doc.fields) if phrase.text in text and _find(phrase, text)[0]]
            score += PHRASE_BONUS * TIERS[tiers[0]] if tiers else 0.0
        name = doc.name.lower()
        titled = [m.found for m in matches if m.tier == 0 and m.found]
        if titled:  # a name that is mostly the query, or starts with it, names what was asked
            score += 1.5 * min(1.0, sum(len(f) for f in titled) / max(len(name), 1))
            score += 0.5 if any(name.startswith(f) for f in titled) else 0.0
        raw[index] = (score, matches)
    order = {name: i for i, name in enumerate([*kb.topics, "glossary"])}
    seen: dict[str, int] = {}
    ranked = []
    for index in sorted(raw, key=lambda i: (-raw[i][0], order.get(docs[i].topic, len(order)), i)):
        step = seen.get(docs[index].topic, 0)
        seen[docs[index].topic] = step + 1
        score, matches = raw[index]
        ranked.append((index, round(score * TOPIC_STEP**step, 2), matches))
    ranked.sort(key=lambda hit: (-hit[1], order.get(docs[hit[0]].topic, len(order)), hit[0]))
    return ranked


def _hit(doc: _Doc, score: float, matches: list[_Match]) -> dict[str, Any]:
    return {
        "topic": doc.topic,
        "kind": doc.kind,
        "name": doc.name,
        "text": doc.text,
        "evidence": doc.evidence,
        "score": score,
        "match": min((m.way for m in matches), key=lambda way: WEIGHTS[way]),
        "matched": _distinct([word for m in matches for word in m.words])[:MAX_MARKED],
        "refs": list(doc.refs),
    }
