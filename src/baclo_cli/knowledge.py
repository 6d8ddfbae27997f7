"""Load the knowledge file into a typed, validated model.

The YAML file is parsed with PyYAML's safe loader only (the C one when present). Parsing YAML is the
slowest part of a run (importing PyYAML alone costs more than the rest of a run), so a validated copy is
kept in the user's cache folder in marshal format (plain dicts, lists and scalars only), keyed by the file's
path, size and modification time; a later run with the same file reads that copy instead and validates it
again (cheap), so a stale or tampered cache can never feed bad data through.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__
from .errors import DataFileError
from .schema import RESERVED_FACT_KEYS, Problem, check_knowledge, format_path

MAX_FILE_BYTES = 2 * 1024 * 1024
_CACHE_FORMAT = 1

Scalar = str | int | float


class Reference(NamedTuple):
    id: str
    number: int
    title: str
    publisher: str
    url: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url,
        }
        if self.note:
            out["note"] = self.note
        return out


class Fact(NamedTuple):
    fields: dict[str, Scalar]
    refs: tuple[str, ...]
    evidence: str | None = None
    dispute: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fields)
        if self.evidence:
            out["evidence"] = self.evidence
        if self.dispute:
            out["dispute"] = self.dispute
        out["refs"] = list(self.refs)
        return out

    def text(self) -> str:
        return " ".join(str(v) for v in self.fields.values())


class QuizHint(NamedTuple):
    """How to ask 'which of these' about a topic: facts matching ``where`` give right answers from ``answer``;
    distractors come from ``distractor_field`` of ``distractor_topic`` (facts matching ``distractor_where``)."""

    question: str
    where: dict[str, str]
    answer: str
    distractor_topic: str
    distractor_field: str
    distractor_where: dict[str, str]


class Topic(NamedTuple):
    name: str
    title: str
    summary: str
    section: str
    columns: tuple[str, ...]
    facts: tuple[Fact, ...]
    quiz: tuple[QuizHint, ...] = ()


class Term(NamedTuple):
    term: str
    definition: str
    aliases: tuple[str, ...]
    topics: tuple[str, ...]
    refs: tuple[str, ...]


class DoseBand(NamedTuple):
    route: str
    per: str
    renal: str
    kind: str
    label: str
    amount: float
    unit: str
    refs: tuple[str, ...]


class Drug(NamedTuple):
    name: str
    drug_class: str
    brand_names: tuple[str, ...]
    last_reviewed: str


class Knowledge(NamedTuple):
    source: str
    drug: Drug
    topics: dict[str, Topic]
    references: dict[str, Reference]
    glossary: tuple[Term, ...]
    dose_bands: tuple[DoseBand, ...]


def default_data_path() -> Path:
    """The knowledge file shipped inside the package, or the repository's copy in a source checkout."""
    packaged = Path(__file__).resolve().parent / "data" / "baclofen.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "baclofen.yaml"


def resolve_data_path(option: str | None) -> Path:
    chosen = option or os.environ.get("BACLO_DATA") or ""
    return Path(chosen).expanduser() if chosen else default_data_path()


def load_knowledge(path: Path | None = None, *, use_cache: bool = True) -> Knowledge:
    """Read, validate and model a knowledge file; raise ``DataFileError`` with the first problem."""
    path = path or default_data_path()
    stat = _stat(path)
    cache_file = _cache_file(path, stat) if use_cache else None
    if cache_file is not None:
        cached = _read_cache(cache_file, path, stat)
        if cached is not None and not check_knowledge(cached):
            return build_knowledge(cached, str(path))
    data = parse_yaml(path)
    problems = check_knowledge(data)
    if problems:
        raise _problems_error(path, problems)
    if cache_file is not None:
        _write_cache(cache_file, path, stat, data)
    return build_knowledge(data, str(path))


def check_file(path: Path) -> list[Problem]:
    """Every problem of a knowledge file (for ``baclo validate``); raises on unreadable or malformed files."""
    _stat(path)
    return check_knowledge(parse_yaml(path))


def _problems_error(path: Path, problems: list[Problem]) -> DataFileError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more; run 'baclo validate {path}')" if len(problems) > 1 else ""
    return DataFileError(str(path), f"{first.describe()}{more}", line_of(path, first.path))


def _stat(path: Path) -> os.stat_result:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataFileError(str(path), "no such file") from None
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if path.is_dir():
        raise DataFileError(str(path), "is a folder, not a knowledge file")
    if stat.st_size > MAX_FILE_BYTES:
        raise DataFileError(
            str(path), f"file is {stat.st_size} bytes; a knowledge file may be at most {MAX_FILE_BYTES} bytes"
        )
    return stat


def _read_text(path: Path, size_limit: int = MAX_FILE_BYTES) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(size_limit + 1)
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > size_limit:
        raise DataFileError(str(path), f"file grew past {size_limit} bytes while reading")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), f"not UTF-8 text (byte {exc.start})") from None


def parse_yaml(path: Path) -> Any:
    """Parse YAML safely: no Python tags, no anchors or aliases, nothing but plain data."""
    import yaml

    text = _read_text(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _yaml_message(exc)
        raise DataFileError(str(path), message, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DataFileError(str(path), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DataFileError(str(path), "nesting too deep") from None
    return _plain(data, str(path))


def _yaml_message(exc: Any) -> str:
    problem = str(exc.problem or exc.context or "invalid YAML")
    if "could not determine a constructor" in problem or "constructor for the tag" in problem:
        return f"refused YAML tag ({problem.split('tag', 1)[-1].strip()}): only plain data is allowed"
    return f"invalid YAML: {problem}"


def _plain(data: Any, source: str) -> Any:
    """Copy YAML data into plain JSON-able values; refuse anchors and aliases (shared nodes).

    An alias bomb ("billion laughs") loads as a small graph of shared lists; copying it would blow up,
    so any node met twice is refused before the copy grows.
    """
    import datetime

    seen: set[int] = set()

    def walk(value: Any, depth: int) -> Any:
        if depth > 50:
            raise DataFileError(source, "nesting too deep (more than 50 levels)")
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                raise DataFileError(source, "YAML anchors and aliases are not allowed in a knowledge file")
            seen.add(id(value))
            if isinstance(value, dict):
                return {_key(k): walk(v, depth + 1) for k, v in value.items()}
            return [walk(v, depth + 1) for v in value]
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, (bytes, set)):
            raise DataFileError(source, f"unsupported YAML value of type {type(value).__name__}")
        return value

    def _key(key: Any) -> Any:
        if isinstance(key, (datetime.date, datetime.datetime)):
            return key.isoformat()
        if isinstance(key, (dict, list)):
            raise DataFileError(source, "mapping keys must be text")
        return key

    return walk(data, 0)


def line_of(path: Path, data_path: tuple[str | int, ...]) -> int | None:
    """The 1-based line where ``data_path`` sits in the YAML file, or None if it cannot be found."""
    if not data_path:
        return None
    try:
        import yaml

        with open(path, encoding="utf-8") as handle:
            node = yaml.compose(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:
        return None
    line = None
    for part in data_path:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, part)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: Any, part: str | int) -> Any:
    value = getattr(node, "value", None)
    if isinstance(part, int) and isinstance(value, list) and node.tag.endswith(":seq"):
        return value[part] if part < len(value) else None
    if isinstance(value, list) and node.tag.endswith(":map"):
        for key_node, value_node in value:
            if str(key_node.value) == str(part):
                return value_node
    return None


# --- cache -----------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    explicit = os.environ.get("BACLO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "baclo"


def _cache_key(path: Path, stat: os.stat_result) -> str:
    return f"{os.path.abspath(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\0{_CACHE_FORMAT}\0{__version__}"


def _cache_file(path: Path, stat: os.stat_result) -> Path | None:
    if os.environ.get("BACLO_NO_CACHE"):
        return None
    return cache_dir() / f"knowledge-{zlib.crc32(_cache_key(path, stat).encode()):08x}.marshal"


def _read_cache(cache_file: Path, path: Path, stat: os.stat_result) -> Any:
    try:
        with open(cache_file, "rb") as handle:
            cached = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(cached, dict) or cached.get("key") != _cache_key(path, stat):
        return None
    return cached.get("data")


def _write_cache(cache_file: Path, path: Path, stat: os.stat_result, data: Any) -> None:
    """Best effort: a read-only home or a full disk only costs speed."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(marshal.dumps({"key": _cache_key(path, stat), "data": data}))
        os.replace(tmp, cache_file)
    except (OSError, ValueError, TypeError):
        if os.environ.get("BACLO_DEBUG"):
            print(f"baclo: could not write cache {cache_file}", file=sys.stderr)


# --- model -----------------------------------------------------------------------------------------------


def build_knowledge(data: dict[str, Any], source: str) -> Knowledge:
    """Turn validated plain data into the typed model."""
    references = {
        ref["id"]: Reference(
            id=ref["id"],
            number=i,
            title=ref["title"],
            publisher=ref["publisher"],
            url=ref["url"],
            note=ref.get("note", ""),
        )
        for i, ref in enumerate(data["references"], start=1)
    }
    topics = {name: _build_topic(name, topic) for name, topic in data["topics"].items()}
    glossary = tuple(
        Term(
            term=entry["term"],
            definition=entry["definition"],
            aliases=tuple(entry.get("aliases", ())),
            topics=tuple(entry.get("topics", ())),
            refs=tuple(entry["refs"]),
        )
        for entry in data["glossary"]
    )
    bands = tuple(
        DoseBand(
            route=band["route"],
            per=band["per"],
            renal=band.get("renal", "any"),
            kind=band["kind"],
            label=band["label"],
            amount=float(band["amount"]),
            unit=band["unit"],
            refs=tuple(band["refs"]),
        )
        for band in data.get("dose_bands", ())
    )
    drug = data["drug"]
    return Knowledge(
        source=source,
        drug=Drug(
            name=drug["name"],
            drug_class=drug["class"],
            brand_names=tuple(drug["brand_names"]),
            last_reviewed=drug["last_reviewed"],
        ),
        topics=topics,
        references=references,
        glossary=glossary,
        dose_bands=bands,
    )


def _build_topic(name: str, topic: dict[str, Any]) -> Topic:
    facts = tuple(
        Fact(
            fields={k: v for k, v in fact.items() if k not in RESERVED_FACT_KEYS},
            refs=tuple(fact["refs"]),
            evidence=fact.get("evidence"),
            dispute=fact.get("dispute"),
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
                question=hint["question"],
                where=dict(hint.get("where", {})),
                answer=hint["answer"],
                distractor_topic=source.get("topic", name),
                distractor_field=source.get("field", hint["answer"]),
                distractor_where=dict(source.get("where", {})),
            )
        )
    return Topic(
        name=name,
        title=topic["title"],
        summary=topic["summary"],
        section=topic.get("section", ""),
        columns=tuple(columns),
        facts=facts,
        quiz=tuple(hints),
    )


__all__ = [
    "DoseBand",
    "Drug",
    "Fact",
    "Knowledge",
    "QuizHint",
    "Reference",
    "Term",
    "Topic",
    "check_file",
    "default_data_path",
    "format_path",
    "load_knowledge",
    "resolve_data_path",
]
