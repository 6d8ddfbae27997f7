"""The typed model of a checked knowledge file, built lazily, one part at a time.

A run that shows one topic builds that topic and the references it cites, not the whole file: the
model asks a *section source* (the checked data, or the cache file) for ``meta``, ``topic/NAME``,
``references``, ``glossary`` and ``dose_bands`` as it needs them. So the cost of a warm topic command does
not grow with the size of the file.

Plain classes with ``__slots__`` rather than NamedTuples or dataclasses: defining those costs start-up time
on every run (``typing`` alone is a few milliseconds).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import Any

# Keys of a fact row that are not table columns.
RESERVED_FACT_KEYS = ("refs", "jurisdiction", "evidence", "dispute")

Scalar = str | int | float
if TYPE_CHECKING:
    Sections = Callable[[str], Any]  # a section of the checked data by name (from the data or the cache)


class _Mapping:
    """What ``collections.abc.Mapping`` gives a class that has ``__getitem__``, ``__iter__`` and ``__len__``
    (``collections`` costs about 1.5 ms to import on every run; type checkers see the real Mapping)."""

    def __getitem__(self, key: Any) -> Any:  # pragma: no cover - every subclass has its own
        raise KeyError(key)

    def __iter__(self) -> Any:  # pragma: no cover - every subclass has its own
        return iter(())

    def __contains__(self, key: object) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> list[Any]:
        return list(self)

    def values(self) -> list[Any]:
        return [self[key] for key in self]

    def items(self) -> list[tuple[Any, Any]]:
        return [(key, self[key]) for key in self]


# What was read of a label (see the knowledge file's references): shown only where the file records it.
PROVENANCE_FIELDS = ("jurisdiction", "set_id", "spl_version", "effective", "document_id", "revised", "unconfirmed")


class Reference:
    __slots__ = ("id", "kind", "note", "number", "provenance", "publisher", "title", "url")

    def __init__(
        self,
        id: str,
        number: int,
        title: str,
        publisher: str,
        kind: str,
        url: str = "",
        note: str = "",
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.number = number
        self.title = title
        self.publisher = publisher
        self.kind = kind
        self.url = url  # empty: no canonical address is known; the note says why
        self.note = note
        # jurisdiction; set_id, spl_version, effective (DailyMed); document_id, revised; unconfirmed (why not known)
        self.provenance = provenance or {}

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "publisher": self.publisher,
            "kind": self.kind,
            "url": self.url or None,
            "note": self.note or None,
            **self.provenance,
        }
        if self.kind == "label" and self.provenance:
            out["label_version"] = self.version_text()  # the provenance fields in words
        return out

    @property
    def jurisdiction(self) -> str:
        """Whose label, regulator or guideline this is (US, UK, ...); empty: none given."""
        return str(self.provenance.get("jurisdiction", ""))

    def describe_kind(self) -> str:
        """``label, UK``: the kind, and whose document it is where that is known."""
        return f"{self.kind}, {self.jurisdiction}" if self.jurisdiction else self.kind

    def version_text(self) -> str:
        """What was read, in a few words: 'DailyMed set id ..., SPL version 3, effective 2021-07-01'."""
        p = self.provenance
        parts = []
        if "set_id" in p:
            parts.append(f"DailyMed set id {p['set_id']}")
        if "spl_version" in p:
            parts.append(f"SPL version {p['spl_version']}")
        if "effective" in p:
            parts.append(f"effective {p['effective']}")
        if "document_id" in p:
            parts.append(str(p["document_id"]))
        if "revised" in p:
            parts.append(f"revised {p['revised']}")
        if "unconfirmed" in p:
            dated = "spl_version" in p or "effective" in p or "revised" in p
            parts.append("not confirmed as the version read" if dated else "version not confirmed")
        return ", ".join(parts)


class Fact:
    __slots__ = ("dispute", "evidence", "fields", "jurisdiction", "refs")

    def __init__(
        self,
        fields: dict[str, Scalar],
        refs: tuple[str, ...],
        evidence: str | None = None,
        dispute: str | None = None,
        jurisdiction: str | None = None,
    ) -> None:
        self.fields = fields
        self.refs = refs
        self.evidence = evidence
        self.dispute = dispute
        self.jurisdiction = jurisdiction  # a national label's or regulator's own wording (UK, FR, ...)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fields)
        if self.jurisdiction:
            out["jurisdiction"] = self.jurisdiction
        if self.evidence:
            out["evidence"] = self.evidence
        if self.dispute:
            out["dispute"] = self.dispute
        out["refs"] = list(self.refs)
        return out


class QuizHint:
    """How to ask 'which of these' about a topic: facts matching ``where`` give right answers from ``answer``;
    distractors come from ``distractor_field`` of ``distractor_topic`` (facts matching ``distractor_where``).

    ``items``, when given, are the right answers instead: parts of a list fact ("somnolence" of "Somnolence,
    depressed consciousness, ..."), each found in the ``answer`` field of a matching fact; ``distractor_items``
    likewise name the wrong answers, each found in the distractor source."""

    __slots__ = (
        "answer",
        "distractor_field",
        "distractor_items",
        "distractor_topic",
        "distractor_where",
        "items",
        "question",
        "where",
    )

    def __init__(
        self,
        question: str,
        where: dict[str, str],
        answer: str,
        distractor_topic: str,
        distractor_field: str,
        distractor_where: dict[str, str],
        items: tuple[str, ...] = (),
        distractor_items: tuple[str, ...] = (),
    ) -> None:
        self.question = question
        self.where = where
        self.answer = answer
        self.distractor_topic = distractor_topic
        self.distractor_field = distractor_field
        self.distractor_where = distractor_where
        self.items = items
        self.distractor_items = distractor_items


class Topic:
    __slots__ = ("columns", "facts", "name", "quiz", "section", "summary", "title")

    def __init__(
        self,
        name: str,
        title: str,
        summary: str,
        section: str,
        columns: tuple[str, ...],
        facts: tuple[Fact, ...],
        quiz: tuple[QuizHint, ...] = (),
    ) -> None:
        self.name = name
        self.title = title
        self.summary = summary
        self.section = section
        self.columns = columns
        self.facts = facts
        self.quiz = quiz


class Term:
    __slots__ = ("aliases", "definition", "refs", "term", "topics")

    def __init__(
        self, term: str, definition: str, aliases: tuple[str, ...], topics: tuple[str, ...], refs: tuple[str, ...]
    ) -> None:
        self.term = term
        self.definition = definition
        self.aliases = aliases
        self.topics = topics
        self.refs = refs


class DoseBand:
    """A cited threshold. For reduced kidney function a band may hold a range of creatinine clearance
    (``crcl_above`` < CrCl <= ``crcl_up_to``, mL/min) or of eGFR (``egfr_*``, mL/min/1.73 m2), and a
    ``reduction`` of the general maximum, whose ``amount`` is then worked out here (for the default jurisdiction;
    'baclo dose-check' works it out again for the region asked about). ``population`` is adult, elderly, child or
    any; ``age_from`` <= age < ``age_below`` narrows it. Kinds without a figure (avoid, caution, not-established)
    have ``amount`` 0."""

    __slots__ = (
        "age_below",
        "age_from",
        "amount",
        "basis",
        "crcl_above",
        "crcl_up_to",
        "egfr_above",
        "egfr_up_to",
        "indication",
        "jurisdiction",
        "kind",
        "label",
        "per",
        "population",
        "reduction",
        "refs",
        "renal",
        "route",
        "setting",
        "source",
        "unit",
    )

    def __init__(
        self,
        route: str,
        per: str,
        renal: str,
        kind: str,
        basis: str,
        label: str,
        amount: float,
        unit: str,
        refs: tuple[str, ...],
        crcl_above: float | None = None,
        crcl_up_to: float | None = None,
        reduction: str = "",
        jurisdiction: str = "",
        setting: str = "",
        indication: str = "",
        population: str = "any",
        source: str = "",
        egfr_above: float | None = None,
        egfr_up_to: float | None = None,
        age_from: float | None = None,
        age_below: float | None = None,
    ) -> None:
        self.route = route
        self.per = per
        self.renal = renal
        self.kind = kind
        self.basis = basis
        self.label = label
        self.amount = amount
        self.unit = unit
        self.refs = refs
        self.crcl_above = crcl_above
        self.crcl_up_to = crcl_up_to
        self.reduction = reduction
        self.jurisdiction = jurisdiction  # whose label or regulator the number is (US, UK, ...); empty: none
        self.setting = setting  # 'hospital': a ceiling that applies only under hospital supervision
        self.indication = indication  # a ceiling for one indication only (e.g. alcohol use disorder)
        self.population = population  # adult (18 and over), elderly (65 and over), child, any
        self.source = source  # whose figure, as a pharmacist names it ("US label", "Vlavonou 2014")
        self.egfr_above = egfr_above
        self.egfr_up_to = egfr_up_to
        self.age_from = age_from
        self.age_below = age_below

    @property
    def measure(self) -> str:
        """The kidney measure the band's range is in: 'crcl', 'egfr', or '' (no range)."""
        return "crcl" if self.crcl_up_to is not None else "egfr" if self.egfr_up_to is not None else ""

    @property
    def kidney_range(self) -> tuple[float, float] | None:
        """(above, up_to) of the band's kidney range, whichever measure it is in."""
        if self.crcl_up_to is not None:
            return (self.crcl_above or 0.0, self.crcl_up_to)
        if self.egfr_up_to is not None:
            return (self.egfr_above or 0.0, self.egfr_up_to)
        return None

    @property
    def has_figure(self) -> bool:
        return self.kind not in FIGURELESS_KINDS

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "route": self.route,
            "per": self.per,
            "renal": self.renal,
            "kind": self.kind,
            "basis": self.basis,
            "label": self.label,
        }
        if self.has_figure:
            out.update(amount=self.amount, unit=self.unit)
        if self.crcl_above is not None:
            out["crcl"] = {"above": self.crcl_above, "up_to": self.crcl_up_to}
        if self.egfr_above is not None:
            out["egfr"] = {"above": self.egfr_above, "up_to": self.egfr_up_to}
        if self.population != "any":
            out["population"] = self.population
        if self.age_from is not None or self.age_below is not None:
            out["age"] = {k: v for k, v in (("from", self.age_from), ("below", self.age_below)) if v is not None}
        if self.reduction:
            out["reduction"] = self.reduction
        for key in ("jurisdiction", "setting", "indication", "source"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["refs"] = list(self.refs)
        return out


# Dose-band kinds that carry no figure: the advice not to use baclofen, a caution in words, a label's statement that
# safety or effect is not established.
FIGURELESS_KINDS = ("avoid", "caution", "not-established")


class Rule:
    """The numbers of one rule of 'baclo dose-check' (Cockcroft-Gault's constants, the elderly age, ...), with
    their citations; ``values`` maps each number's name (see ``RULE_NUMBERS``) to the number."""

    __slots__ = ("name", "note", "refs", "values")

    def __init__(self, name: str, values: dict[str, float], refs: tuple[str, ...], note: str) -> None:
        self.name = name
        self.values = values
        self.refs = refs
        self.note = note

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.values, "note": self.note, "refs": list(self.refs)}


# The rules the knowledge file may hold and the numbers each must give (``rules:`` in the file): the shapes of the
# formulas live in ``answers.clearance``, these numbers only in the file.
RULE_NUMBERS: dict[str, tuple[str, ...]] = {
    "cockcroft_gault": ("age_from", "divisor", "female_factor"),
    "creatinine_units": ("umol_per_l_per_mg_dl",),
    "ckd_epi_2021": (
        "constant",
        "female_kappa",
        "female_alpha",
        "male_kappa",
        "male_alpha",
        "exponent_above",
        "age_base",
        "female_factor",
    ),
    "ideal_body_weight": ("male_kg", "female_kg", "kg_per_inch", "inches_from", "cm_per_inch"),
    "dosing_weight": ("adjusted_above_ratio", "adjusted_factor"),
    "impaired_kidneys": ("crcl_up_to", "egfr_up_to"),
    "adult": ("age_from",),
    "elderly": ("age_from",),
}


class Drug:
    __slots__ = ("brand_names", "drug_class", "last_reviewed", "name")

    def __init__(self, name: str, drug_class: str, brand_names: tuple[str, ...], last_reviewed: str) -> None:
        self.name = name
        self.drug_class = drug_class
        self.brand_names = brand_names
        self.last_reviewed = last_reviewed


if TYPE_CHECKING:
    _TopicMapping = Mapping[str, "Topic"]
    _ReferenceMapping = Mapping[str, "Reference"]
else:
    _TopicMapping = _ReferenceMapping = _Mapping


class Topics(_TopicMapping):
    """Topics by name, in file order, each built on first use."""

    def __init__(self, names: list[str], sections: Sections) -> None:
        self._names = names
        self._known = set(names)
        self._sections = sections
        self._built: dict[str, Topic] = {}

    def __getitem__(self, name: str) -> Topic:
        if name not in self._known:
            raise KeyError(name)
        topic = self._built.get(name)
        if topic is None:
            topic = self._built[name] = build_topic(name, self._sections(f"topic/{name}"))
        return topic

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._known


MANY_REFERENCES = 8  # references always read one by one (fewer than this, the whole list never pays)


class References(_ReferenceMapping):
    """References by id, numbered in file order, each read and built on first use (one ``ref/ID`` section
    each, so a topic's few citations do not cost the whole list; the whole list is read only when asked for)."""

    def __init__(self, ids: list[str], sections: Sections) -> None:
        self._numbers = {ref_id: i for i, ref_id in enumerate(ids, start=1)}
        self._sections = sections
        self._built: dict[str, Reference] = {}

    def _build(self, ref: dict[str, Any]) -> Reference:
        number = self._numbers[ref["id"]]
        provenance = {key: ref[key] for key in PROVENANCE_FIELDS if key in ref}
        built = Reference(
            ref["id"],
            number,
            ref["title"],
            ref["publisher"],
            ref["kind"],
            ref.get("url", ""),
            ref.get("note", ""),
            provenance,
        )
        self._built[ref["id"]] = built
        return built

    def __getitem__(self, ref_id: str) -> Reference:
        built = self._built.get(ref_id)
        if built is None:
            if ref_id not in self._numbers:
                raise KeyError(ref_id)
            built = self._build(self._sections(f"ref/{ref_id}"))
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, ref_id: object) -> bool:
        return ref_id in self._numbers

    def many(self, ref_ids: Iterable[str]) -> list[Reference]:
        """The references among ``ref_ids`` that exist, in reference-list order: when many are wanted (more
        than a handful, and more than an eighth of the list), the whole list is read in one go; one ``ref/ID``
        section costs about as much as reading eight references in the list, so a long list is not read for a
        few of its references."""
        wanted = {r for r in ref_ids if r in self._numbers}
        unbuilt = sum(r not in self._built for r in wanted)
        if unbuilt > MANY_REFERENCES and unbuilt * 8 > len(self._numbers):
            self.values()
        return sorted((self[r] for r in wanted), key=lambda ref: ref.number)

    def values(self) -> list[Reference]:  # type: ignore[override]
        """Every reference in list order, read in one go."""
        if len(self._built) < len(self._numbers):
            for ref in self._sections("references"):
                if ref["id"] not in self._built:
                    self._build(ref)
        return [self._built[ref_id] for ref_id in self._numbers]

    def numbers(self) -> dict[str, int]:
        """Every id's number in the reference list, without reading the references."""
        return self._numbers


class Knowledge:
    """The knowledge base: ``drug`` and the topic names at once, everything else when first asked for."""

    def __init__(self, source: str, sections: Sections, content_key: str | None = None) -> None:
        self.source = source
        self.content_key = content_key  # the cache key of the bytes it was built from (None: not cached)
        self._sections = sections
        meta = sections("meta")
        drug = meta["drug"]
        self.drug = Drug(drug["name"], drug["class"], tuple(drug["brand_names"]), drug["last_reviewed"])
        self.topics = Topics(list(meta["topics"]), sections)
        self.outline: list[tuple[str, str, str, int]] = [tuple(entry) for entry in meta["outline"]]
        self._reference_ids: list[str] = list(meta["references"])
        self._references: References | None = None
        self._glossary: tuple[Term, ...] | None = None
        self._dose_bands: tuple[DoseBand, ...] | None = None
        self._synonyms: list[dict[str, Any]] | None = None
        self._rules: dict[str, Rule] | None = None

    @property
    def references(self) -> References:
        if self._references is None:
            self._references = References(self._reference_ids, self._sections)
        return self._references

    @property
    def glossary(self) -> tuple[Term, ...]:
        if self._glossary is None:
            self._glossary = tuple(
                Term(
                    e["term"],
                    e["definition"],
                    tuple(e.get("aliases", ())),
                    tuple(e.get("topics", ())),
                    tuple(e["refs"]),
                )
                for e in self._sections("glossary")
            )
        return self._glossary

    def search_documents(self) -> list[SearchDocument]:
        return list(self._sections("search"))

    def search_lexicon(self) -> dict[str, Any]:
        """What the file says about words, for search: ``means`` (a synonym's normalised form: the terms it
        means), ``names`` (a glossary name's normalised form: the term's names) and ``phrases`` (the
        normalised names of more than one word)."""
        return dict(self._sections("lexicon"))

    def search_vocabulary(self) -> dict[str, list[Any]]:
        """Every distinct word of the search documents, in first-seen order, with its letter mask: what a
        typo is matched to (``text.close_in``)."""
        return dict(self._sections("vocabulary"))

    @property
    def synonyms(self) -> list[dict[str, Any]]:
        """Everyday words and the terms they mean, for search: ``[{words: [...], means: [...]}]``."""
        if self._synonyms is None:
            self._synonyms = list(self._sections("synonyms"))
        return self._synonyms

    @property
    def card(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """The clinical card: (label, text, refs) lines, in file order."""
        return [(e["label"], e["text"], tuple(e["refs"])) for e in self._sections("card")]

    @property
    def rules(self) -> dict[str, Rule]:
        """The numbers of dose-check's rules, by rule name (an empty mapping when the file holds none)."""
        if self._rules is None:
            self._rules = {
                name: Rule(
                    name,
                    {k: float(v) for k, v in entry.items() if k not in ("refs", "note")},
                    tuple(entry["refs"]),
                    entry["note"],
                )
                for name, entry in (self._sections("rules") or {}).items()
            }
        return self._rules

    @property
    def dose_bands(self) -> tuple[DoseBand, ...]:
        if self._dose_bands is None:
            self._dose_bands = build_bands(self._sections("dose_bands"))
        return self._dose_bands


def split_sections(data: dict[str, Any]) -> dict[str, Any]:
    """Checked plain data, cut into the sections the model reads (and the cache stores) separately."""
    sections: dict[str, Any] = {
        "meta": {
            "drug": data["drug"],
            "topics": list(data["topics"]),
            "references": [ref["id"] for ref in data["references"]],
            # What a list of topics shows, so 'baclo topics' and the overview read no topic: their cost does
            # not grow with the file.
            "outline": [
                (name, topic["title"], topic.get("section", ""), len(topic["facts"]))
                for name, topic in data["topics"].items()
            ],
        },
        "references": data["references"],
        "glossary": data["glossary"],
        "dose_bands": data.get("dose_bands", []),
        "rules": data.get("rules", {}),
        "synonyms": data.get("synonyms", []),
        "card": data.get("card", []),
    }
    for name, topic in data["topics"].items():
        sections[f"topic/{name}"] = topic
    for ref in data["references"]:
        sections[f"ref/{ref['id']}"] = ref
    sections["search"] = search_documents(data)
    sections["vocabulary"] = search_vocabulary(sections["search"])
    sections["lexicon"] = search_lexicon(data)
    return sections


# Columns that hold remarks on a row rather than what the row says: searched last.
NOTE_COLUMNS = ("notes", "note")

if TYPE_CHECKING:
    # (topic, kind, name, text, refs, evidence, title, detail, notes, flat): see ``search_documents``.
    SearchDocument = tuple[str, str, str, str, list[str], str | None, str, str, str, str]


def is_category(column: str, facts: list[dict[str, Any]]) -> bool:
    """A column that sorts the facts into a few named kinds (severity, status, kind): every fact has a value,
    3 to 6 distinct short ones, some shared, none that says "any" rather than naming a kind."""
    values = [str(f[column]) for f in facts if column in f]
    distinct = set(values)
    return (
        len(values) == len(facts)
        and 3 <= len(distinct) <= 6
        and len(values) > len(distinct)
        and all(len(v) <= 25 and len(v.split()) <= 2 for v in distinct)
        and not distinct & {"any", "all", "general"}
    )


def key_column(columns: list[str] | tuple[str, ...], facts: list[dict[str, Any]]) -> str:
    """The column that names a fact: the first one, unless it is a category (a warning's kind) and a later
    column names every fact once (the warning's item)."""
    if not columns:
        return ""
    first = columns[0]
    if is_category(first, facts):
        for column in columns[1:]:
            names = [str(f.get(column, "")) for f in facts]
            if all(names) and len(set(names)) == len(names):
                return column
    return first


def search_lexicon(data: dict[str, Any]) -> dict[str, Any]:
    """The synonyms and glossary names by their normalised form, and the phrases among them: see
    ``Knowledge.search_lexicon``. Worked out once with the search documents."""
    from baclo_cli.text import normalise, split_words

    means: dict[str, list[str]] = {}
    for entry in data.get("synonyms", []):
        for word in entry["words"]:
            means.setdefault(normalise(word), []).extend(m.lower() for m in entry["means"])
    names: dict[str, list[str]] = {}
    for term in data["glossary"]:
        spelled = [n.lower() for n in (term["term"], *term.get("aliases", ()))]
        for name in spelled:
            names.setdefault(normalise(name), []).extend(spelled)
    named = [w for entry in data.get("synonyms", []) for w in entry["words"]] + [n for v in names.values() for n in v]
    phrases = list(dict.fromkeys(normalise(w) for w in named if len(split_words(w)) > 1))
    return {"means": means, "names": names, "phrases": phrases}


def search_vocabulary(docs: list[SearchDocument]) -> dict[str, list[Any]]:
    """Every distinct word of the documents' title, detail and notes (as search splits them), in first-seen
    order, indexed for ``text.close_in``: worked out once with the documents, so a typo costs no pass over
    the file."""
    from baclo_cli.text import split_words, word_index

    return word_index(word for doc in docs for text in doc[6:9] for word in split_words(text))


def search_documents(data: dict[str, Any]) -> list[SearchDocument]:
    """What ``baclo search`` looks through, worked out once when the file is checked (and cached): each topic
    summary, fact and glossary entry as (topic, kind, name, text, refs, evidence, title, detail, notes, flat).

    ``name`` and ``text`` are what a hit shows: a fact's name is its key column (a warning's item, not its
    kind), its text the other values in order. The lower-case ``title`` (the name, a fact's category values,
    a term's aliases), ``detail`` (the rest) and ``notes`` (a ``notes`` column) are where a word may match,
    in the order a hit ranks by; ``flat`` is all three through ``text.normalise`` (letters and digits only),
    the one normaliser queries go through too. ``evidence`` is the fact's evidence level, else None."""
    from baclo_cli.text import normalise

    docs: list[SearchDocument] = []

    def add(topic: str, kind: str, name: str, text: str, refs: list[str], evidence: Any, parts: list[str]) -> None:
        title, detail, notes = (part.lower() for part in parts)
        flat = normalise(f"{title} {detail} {notes}")
        docs.append((topic, kind, name, text, list(refs), evidence or None, title, detail, notes, flat))

    for topic_name, topic in data["topics"].items():
        add(topic_name, "summary", topic["title"], topic["summary"], [], None, [topic["title"], topic["summary"], ""])
        facts = topic["facts"]
        fields = [{k: v for k, v in fact.items() if k not in RESERVED_FACT_KEYS} for fact in facts]
        columns = list(topic.get("columns", ()))
        for values in fields:
            columns.extend(k for k in values if k not in columns)
        key = key_column(columns, fields)
        categories = {c for c in columns if c != key and is_category(c, fields)}
        for fact, values in zip(facts, fields, strict=True):
            name = str(values.get(key, ""))
            rest = [(c, str(values[c])) for c in columns if c in values and c != key]
            title = " ".join([name, *(v for k, v in rest if k in categories)])
            detail = " ".join(v for k, v in rest if k not in categories and k not in NOTE_COLUMNS)
            notes = " ".join(v for k, v in rest if k in NOTE_COLUMNS)
            text = " | ".join(v for _, v in rest)
            add(topic_name, "fact", name, text, fact["refs"], fact.get("evidence"), [title, detail, notes])
    for term in data["glossary"]:
        aliases = term.get("aliases", [])
        text = term["definition"] + (f" (also: {', '.join(aliases)})" if aliases else "")
        title = " ".join([term["term"], *aliases])
        add("glossary", "term", term["term"], text, term["refs"], None, [title, term["definition"], ""])
    return docs


def knowledge_from_data(data: dict[str, Any], source: str) -> Knowledge:
    sections = split_sections(data)
    return Knowledge(source, sections.__getitem__)


# The jurisdiction whose general ceilings 'baclo dose-check' uses and a 'reduction' cuts; bands of other
# jurisdictions are facts to list, not the default ceiling.
DEFAULT_JURISDICTION = "US"


def is_default_general(band: dict[str, Any]) -> bool:
    """A band for adults with kidneys of any kind, of the default jurisdiction (or of none), for every indication
    and setting: the maximum a ``reduction`` cuts when the file is read (dose-check cuts its region's own)."""
    return (
        band.get("renal", "any") in ("any", "normal")
        and band.get("jurisdiction", DEFAULT_JURISDICTION) == DEFAULT_JURISDICTION
        and band.get("population", "any") in ("any", "adult")
        and not band.get("setting")
        and not band.get("indication")
        and not band.get("age")
    )


def build_bands(raw: list[dict[str, Any]]) -> tuple[DoseBand, ...]:
    general_max: dict[tuple[str, str], tuple[float, str]] = {}
    for b in raw:  # the lowest general maximum (compared in mg) is the one a reduction cuts
        if b["kind"] == "max" and is_default_general(b) and "amount" in b and b.get("unit") in ("mg", "mcg"):
            key, mg = (b["route"], b["per"]), float(b["amount"]) / (1000 if b["unit"] == "mcg" else 1)
            held = general_max.get(key)
            if held is None or mg < held[0] / (1000 if held[1] == "mcg" else 1):
                general_max[key] = (float(b["amount"]), b["unit"])
    bands = []
    for band in raw:
        crcl = band.get("crcl") or {}
        egfr = band.get("egfr") or {}
        age = band.get("age") or {}
        reduction = band.get("reduction", "")
        if reduction:
            top, unit = general_max.get((band["route"], band["per"]), (0.0, "mg"))
            numerator, denominator = (int(n) for n in reduction.split("/"))
            amount = round(top * (denominator - numerator) / denominator, 2)
        elif band["kind"] in FIGURELESS_KINDS:
            amount, unit = 0.0, band.get("unit", "")
        else:
            amount, unit = float(band["amount"]), band["unit"]
        bands.append(
            DoseBand(
                band["route"],
                band["per"],
                band.get("renal", "any"),
                band["kind"],
                band["basis"],
                band["label"],
                amount,
                unit,
                tuple(band["refs"]),
                float(crcl["above"]) if crcl else None,
                float(crcl["up_to"]) if crcl else None,
                reduction,
                band.get("jurisdiction", ""),
                band.get("setting", ""),
                band.get("indication", ""),
                band.get("population", "any"),
                band.get("source", ""),
                float(egfr["above"]) if egfr else None,
                float(egfr["up_to"]) if egfr else None,
                float(age["from"]) if "from" in age else None,
                float(age["below"]) if "below" in age else None,
            )
        )
    return tuple(bands)


def build_topic(name: str, topic: dict[str, Any]) -> Topic:
    facts = tuple(
        Fact(
            {k: v for k, v in fact.items() if k not in RESERVED_FACT_KEYS},
            tuple(fact["refs"]),
            fact.get("evidence"),
            fact.get("dispute"),
            fact.get("jurisdiction"),
        )
        for fact in topic["facts"]
    )
    columns = list(topic.get("columns", ()))
    for fact in facts:
        columns.extend(k for k in fact.fields if k not in columns)
    hints = []
    for hint in topic.get("quiz", ()):
        source = hint.get("distractors", {})
        hints.append(
            QuizHint(
                hint["question"],
                dict(hint.get("where", {})),
                hint["answer"],
                source.get("topic", name),
                source.get("field", hint["answer"]),
                dict(source.get("where", {})),
                tuple(hint.get("items", ())),
                tuple(source.get("items", ())),
            )
        )
    return Topic(name, topic["title"], topic["summary"], topic.get("section", ""), tuple(columns), facts, tuple(hints))
