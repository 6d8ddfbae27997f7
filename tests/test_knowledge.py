"""The knowledge file and its loader: valid data, every kind of bad file, the cache."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from baclo_cli.answers.validation import validation_result
from baclo_cli.errors import DataFileError
from baclo_cli.knowledge import reader as yamlfile
from baclo_cli.knowledge.checks import check_knowledge
from baclo_cli.knowledge.load import Knowledge, load_knowledge
from baclo_cli.knowledge.vocabulary import REFERENCE_KINDS

from .conftest import DATA, write

MINIMAL = """\
schema: 2
drug: {name: testdrug, class: test class, brand_names: [T], last_reviewed: "2026-01-01"}
topics:
  alpha:
    title: Alpha
    summary: Alpha summary.
    facts:
      - {name: one, value: first, refs: [r1]}
references:
  - {id: r1, title: Ref one, publisher: Pub, kind: study, url: "https://example.org/1"}
glossary:
  - {term: Thing, definition: A thing., refs: [r1]}
"""


def all_text(kb: Knowledge) -> str:
    parts = []
    for topic in kb.topics.values():
        parts += [topic.title, topic.summary, *(str(v) for f in topic.facts for v in f.fields.values())]
    parts += [f"{t.term} {t.definition}" for t in kb.glossary]
    return "\n".join(parts).lower()


def test_bundled_file_is_valid(kb: Knowledge) -> None:
    assert kb.drug.name == "baclofen"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", kb.drug.last_reviewed)
    assert check_knowledge(yamlfile.parse_yaml_text(DATA.read_text(encoding="utf-8"), str(DATA))) == []


def test_every_ref_resolves_and_every_reference_is_cited(kb: Knowledge) -> None:
    cited = set()
    for topic in kb.topics.values():
        assert topic.facts, f"topic {topic.name} is empty"
        for fact in topic.facts:
            assert fact.refs, f"{topic.name}: a fact without refs"
            for ref in fact.refs:
                assert ref in kb.references
            cited |= set(fact.refs)
    for term in kb.glossary:
        cited |= set(term.refs)
    cited |= {r for band in kb.dose_bands for r in band.refs}
    cited |= {r for rule in kb.rules.values() for r in rule.refs}
    assert cited == set(kb.references)


def test_every_reference_has_title_publisher_kind_and_url_or_reason(kb: Knowledge) -> None:
    for ref in kb.references.values():
        assert ref.title and ref.publisher
        assert ref.kind in REFERENCE_KINDS, ref.id
        assert ref.url.startswith(("https://", "http://")) or len(ref.note) > 40, ref.id
        assert "shared/" not in ref.note, ref.id


def test_every_label_fact_cites_a_label(kb: Knowledge) -> None:
    for topic in kb.topics.values():
        for fact in topic.facts:
            if fact.evidence == "label":
                assert any(kb.references[r].kind == "label" for r in fact.refs), (topic.name, fact.fields)


ARTICLE_FACTS = {
    "mechanism": ["gaba-b", "presynaptic", "postsynaptic", "muscle spindles", "frequency", "antispas"],
    "uses": [
        "multiple sclerosis",
        "spinal cord injuries",
        "other spinal cord diseases",
        "cerebral palsy",
        "musculoskeletal pain",
        "gastroesophageal reflux",
        "alcohol use disorder",
        "off-label",
    ],
    "side-effects": [
        "10-65%",
        "drowsiness",
        "dizziness",
        "weakness",
        "tiredness",
        "headache",
        "trouble sleeping",
        "nausea",
        "increased urination",
        "constipation",
        "confusion, depression, hallucinations",
        "hypotension, hypertension, cardiac conduction",
        "lethargy, coma",
        "myoclonus",
        "convulsions",
        "seek",
    ],
    "withdrawal": [
        "agitation",
        "insomnia",
        "confusion",
        "delusions",
        "hallucinations",
        "seizures",
        "48 hours",
        "mild muscle spasms",
        "multi-system organ failure",
        "taper",
        "oral or intrathecal",
    ],
    "addiction": [
        "paradoxical euphoria",
        "300 mg/day",
        "hypoventilation",
        "hypotension",
        "opiates",
        "cocaine",
        "tobacco",
        "270 mg/day",
        "one third",
        "400 mg/day",
        "acquisition",
        "maintenance",
        "motivation",
        "binge-like",
        "relapse-like",
        "cue-induced reinstatement",
        "anti-dopaminergic",
        "network",
    ],
    "studies": [
        "80 mg/day",
        "double-blind",
        "placebo",
        "treatment-seeking",
        "craving",
        "dorsolateral prefrontal",
        "insula",
        "ventromedial prefrontal",
    ],
    "dosing": ["low dose", "monitor", "relapse", "withdrawal", "supervision"],
}


@pytest.mark.parametrize("topic", sorted(ARTICLE_FACTS))
def test_each_article_section_has_its_facts(kb: Knowledge, topic: str) -> None:
    t = kb.topics[topic]
    text = " ".join([t.title, t.summary, *(str(v) for f in t.facts for v in f.fields.values())]).lower()
    missing = [needle for needle in ARTICLE_FACTS[topic] if needle not in text]
    assert not missing, f"{topic} lacks {missing}"


def test_glossary_has_the_terms_students_need(kb: Knowledge) -> None:
    terms = {t.term.lower() for t in kb.glossary}
    for needed in ("gaba-b receptor", "spasticity", "intrathecal", "tapering", "dlpfc", "myoclonus"):
        assert needed in terms


def test_minimal_file_loads(tmp_path: Path) -> None:
    kb = load_knowledge(write(tmp_path, "k.yaml", MINIMAL))
    assert list(kb.topics) == ["alpha"]
    assert kb.topics["alpha"].columns == ("name", "value")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: [1, 2\n", "invalid YAML", 2),
        ("schema: 1\n", "unsupported schema 1", 1),
        ("- just\n- a list\n", "expected a mapping", None),
        (
            MINIMAL.replace("refs: [r1]}", "refs: [nope]}"),
            "topics.alpha.facts[0].refs[0]: cites unknown reference 'nope'",
            8,
        ),
        (MINIMAL.replace("value: first, ", "value: [1], "), "topics.alpha.facts[0].value: field values are text", 8),
        (MINIMAL.replace('url: "https://example.org/1"', "url: ftp://x"), "references[0].url: must start with", 10),
        (
            MINIMAL.replace(
                "glossary:\n  - {term: Thing, definition: A thing., refs: [r1]}\n", "glossary: []\n"
            ).replace("refs: [r1]}\nreferences", "refs: [r1]}\n      - {name: two, refs: [r1]}\nreferences"),
            "glossary: must not be empty",
            12,
        ),
    ],
)
def test_bad_files_give_one_line_with_path_and_line(tmp_path: Path, text: str, message: str, line: int | None) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_knowledge(path)
    assert message in str(caught.value)
    assert caught.value.line == line
    assert "\n" not in str(caught.value)


def test_missing_folder_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        load_knowledge(tmp_path / "absent.yaml")
    with pytest.raises(DataFileError, match="folder"):
        load_knowledge(tmp_path)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataFileError, match="not UTF-8"):
        load_knowledge(binary)


def test_python_tags_are_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.yaml", f'!!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(DataFileError, match="refused YAML tag"):
        load_knowledge(path)
    assert not marker.exists()


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(DataFileError, match="anchors and aliases"):
        load_knowledge(path)
    with pytest.raises(DataFileError, match="anchors and aliases"):
        validation_result(path)
    assert time.perf_counter() - start < 2


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a" * (yamlfile.MAX_FILE_BYTES + 1))
    with pytest.raises(DataFileError, match="at most"):
        load_knowledge(path)


def test_uncited_reference_is_a_problem(tmp_path: Path) -> None:
    text = MINIMAL + '  - {id: r2, title: Two, publisher: P, kind: study, url: "https://example.org/2"}\n'
    text = text.replace("glossary:\n  - {term: Thing, definition: A thing., refs: [r1]}\n", "")
    text = text.replace("references:", "glossary:\n  - {term: Thing, definition: A thing., refs: [r1]}\nreferences:")
    problems = check_knowledge(__import__("yaml").safe_load(text))
    assert [p.describe() for p in problems] == ["references[1]: reference 'r2' is never cited"]


def test_validate_reports_every_problem_and_duplicate_keys(tmp_path: Path) -> None:
    text = MINIMAL.replace("refs: [r1]}", "refs: [nope]}").replace("title: Alpha\n", "title: Alpha\n    title: Again\n")
    result = validation_result(write(tmp_path, "dup.yaml", text))
    paths = [row["path"] for row in result.rows]
    assert "topics.alpha.title" in paths  # the duplicate
    assert "topics.alpha.facts[0].refs[0]" in paths
    assert result.exit_code == 3
    assert all(isinstance(row["line"], int) for row in result.rows)


def test_cache_is_used_and_a_bad_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    load_knowledge(path)
    cache_files = list((tmp_path / "cache").glob("knowledge-*.marshal"))
    assert len(cache_files) == 1
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700

    def no_yaml(*_: object) -> None:
        raise AssertionError("YAML parsed despite a valid cache")

    monkeypatch.setattr(yamlfile, "parse_yaml_text", no_yaml)
    assert load_knowledge(path).topics["alpha"].title == "Alpha"
    monkeypatch.undo()
    monkeypatch.setenv("BACLO_CACHE_DIR", str(tmp_path / "cache"))
    blob = cache_files[0].read_bytes()
    cache_files[0].write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # a section's bytes changed: checksum fails
    assert load_knowledge(path).topics["alpha"].title == "Alpha"
    cache_files[0].write_bytes(b"\x00garbage")
    assert load_knowledge(path).topics["alpha"].title == "Alpha"


def test_changed_file_is_reread(tmp_path: Path) -> None:
    path = write(tmp_path, "k.yaml", MINIMAL)
    load_knowledge(path)
    time.sleep(0.01)
    path.write_text(MINIMAL.replace("title: Alpha", "title: Alpha two"), encoding="utf-8")
    assert load_knowledge(path).topics["alpha"].title == "Alpha two"


def test_validate_finds_every_line_from_one_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with hundreds of problems is parsed for line numbers once, not once per problem."""
    from baclo_cli.answers.validation import validation_result
    from baclo_cli.knowledge import reader

    text = DATA.read_text(encoding="utf-8").replace("evidence: label\n", "evidence: hearsay\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    calls: list[str] = []
    compose = reader._compose

    def counted(text: str) -> object:
        calls.append(text)
        return compose(text)

    monkeypatch.setattr(reader, "_compose", counted)
    result = validation_result(broken)
    assert len(result.rows) > 50 and all(isinstance(row["line"], int) for row in result.rows)
    assert len(calls) <= 2  # duplicate keys walk the tree once, line numbers once
