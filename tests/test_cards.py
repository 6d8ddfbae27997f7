"""Flashcards a student can answer, the Anki TSV, and a real Anki package opened with Anki's own library."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from baclo_cli.knowledge.load import Knowledge
from baclo_cli.study.cards import BLANK, MAX_BACK, make_cards

from .conftest import DATA, Baclo


def run(baclo: Baclo, *args: str) -> tuple[int, str, str]:
    result = baclo.invoke(list(args))
    return result.exit_code, result.stdout, result.stderr


def tsv_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert lines[:6] == ["#separator:tab", "#html:false", lines[2], "#tags:baclo", "#tags column:3", "#guid column:4"]
    return list(csv.reader(io.StringIO("\n".join(lines[6:])), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_every_card_can_be_answered_from_its_front(kb: Knowledge) -> None:
    cards = make_cards(kb)
    assert len({c.id for c in cards}) == len(cards) >= len([f for t in kb.topics.values() for f in t.facts])
    for card in cards:
        assert not re.search(r"\(\d+ of \d+\)", card.front), card.front  # no "Symptom (1 of 6)?"
        assert card.back.endswith("]") and " [" in card.back
        if card.cloze:
            answer = card.back.rsplit(" [", 1)[0]
            assert BLANK in card.front and f"{{{{c1::{answer}}}}}" in card.cloze, card


def test_a_list_is_one_card_per_item_and_a_figure_is_a_cloze(kb: Knowledge) -> None:
    cards = make_cards(kb, ["withdrawal", "dosing", "overdose"])
    symptoms = [c for c in cards if c.front.startswith("Withdrawal: Symptom (6): ")]
    assert [c.back.split(" [")[0] for c in symptoms] == [
        "Agitation",
        "Insomnia",
        "Confusion",
        "Delusions",
        "Hallucinations",
        "Seizures",
    ]
    assert (
        symptoms[1].front == "Withdrawal: Symptom (6): Agitation, [...], Confusion, Delusions, Hallucinations, Seizures"
    )
    ceiling = next(c for c in cards if "should not exceed {{c1::80 mg/day}}" in c.cloze)
    assert ceiling.back.startswith("80 mg/day [") and BLANK in ceiling.front
    signs = [c for c in cards if "Signs (oral)" in c.front]
    assert len(signs) >= 10 and {c.back.split(" [")[0].lower() for c in signs} >= {"somnolence", "coma", "hypotonia"}


def test_anki_tsv_backs_are_short_with_citations_and_stable_guids(baclo: Baclo) -> None:
    code, out, _ = run(baclo, "flashcards", "-f", "tsv", "--deck", "Baclofen")
    assert code == 0 and out.splitlines()[2] == "#deck:Baclofen"
    rows = tsv_rows(out)
    assert rows and all(len(r) == 4 for r in rows)
    assert max(len(r[1]) for r in rows) <= MAX_BACK
    assert all(" Sources: [" in r[1] for r in rows)
    guids = [r[3] for r in rows]
    assert len(set(guids)) == len(guids) and all(g.startswith("baclo-") for g in guids)
    assert run(baclo, "flashcards", "-f", "tsv", "--deck", "Baclofen")[1] == out
    for row in rows:  # citations in number order
        cited = row[1].split(" Sources: ")[0].rsplit("[", 1)[1].rstrip("]")
        numbers = [int(n) for n in cited.split(",")]
        assert numbers == sorted(numbers)


def test_a_first_card_keeps_the_id_it_had_as_one_card_per_fact(baclo: Baclo) -> None:
    rows = tsv_rows(run(baclo, "flashcards", "-t", "uses", "-f", "tsv")[1])
    import hashlib

    old = "baclo-" + hashlib.sha1("\x1f".join(["card", "uses", "Multiple sclerosis", "1"]).encode()).hexdigest()[:10]
    assert old in {r[3] for r in rows}  # review progress on the old card carries over


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_flashcards_other_formats(baclo: Baclo, fmt: str) -> None:
    code, out, _ = run(baclo, "flashcards", "-t", "uses", "-f", fmt)
    assert code == 0 and "Multiple sclerosis" in out
    if fmt == "json":
        cards = json.loads(out)["cards"]
        assert all({"id", "guid", "kind", "front", "back", "refs"} <= set(c) for c in cards)


def test_apkg_needs_a_file_and_any_format_can_go_to_one(baclo: Baclo, tmp_path: Path) -> None:
    code, out, err = run(baclo, "flashcards", "-f", "apkg")
    assert code == 2 and out == "" and "-o" in err and err.count("\n") == 1
    target = tmp_path / "cards.txt"
    code, out, err = run(baclo, "flashcards", "-t", "uses", "-f", "tsv", "-o", str(target))
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text(encoding="utf-8") == run(baclo, "flashcards", "-t", "uses", "-f", "tsv")[1]
    code, _, err = run(baclo, "flashcards", "-f", "apkg", "-o", str(tmp_path / "missing" / "x.apkg"))
    assert code == 5 and err.count("\n") == 1
    for place in (os.devnull, str(tmp_path)):  # a device or a folder is never replaced
        code, _, err = run(baclo, "flashcards", "-f", "apkg", "-o", place)
        assert code == 2 and "not a regular file" in err
    assert Path(os.devnull).is_char_device()


# --- a real Anki package ----------------------------------------------------------------------------------


def open_in_anki(package: Path, collection: Path) -> dict[str, Any]:
    """Import ``package`` into the collection at ``collection`` with Anki's own library; the notes by GUID."""
    from anki import collection as anki_collection

    col = anki_collection.Collection(str(collection))
    try:
        request = anki_collection.ImportAnkiPackageRequest(package_path=str(package))
        col.import_anki_package(request)
        notes: dict[str, Any] = {}
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            note_type = note.note_type()
            assert note_type is not None
            notes[note.guid] = {
                "type": note_type["name"],
                "fields": list(note.fields),
                "tags": list(note.tags),
            }
        notes["__cards__"] = col.card_count()
        notes["__decks__"] = [d.name for d in col.decks.all_names_and_ids()]
        return notes
    finally:
        col.close()


def test_the_package_opens_in_anki_with_every_card(baclo: Baclo, tmp_path: Path) -> None:
    package = tmp_path / "baclo.apkg"
    code, _, err = run(baclo, "flashcards", "-f", "apkg", "-o", str(package), "--deck", "Baclofen")
    assert code == 0, err
    rows = tsv_rows(run(baclo, "flashcards", "-f", "tsv")[1])
    notes = open_in_anki(package, tmp_path / "collection.anki2")
    cards, decks = notes.pop("__cards__"), notes.pop("__decks__")
    assert set(notes) == {r[3] for r in rows}  # the TSV's GUIDs: either file updates the other's notes
    assert cards == len(rows) and "Baclofen" in decks
    types = {n["type"] for n in notes.values()}
    assert types == {"baclo basic", "baclo cloze"}
    for row in rows:
        note = notes[row[3]]
        assert set(note["tags"]) == set(row[2].split())
        assert "Sources: [" in note["fields"][-1]
        if note["type"] == "baclo cloze":
            assert "{{c1::" in note["fields"][0]
        else:
            assert html.unescape(note["fields"][0]) == row[0]


def test_a_newer_package_updates_the_notes_in_place(baclo: Baclo, tmp_path: Path) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    assert run(baclo, "flashcards", "-t", "uses", "-f", "apkg", "-o", str(first))[0] == 0
    edited = tmp_path / "edited.yaml"
    text = DATA.read_text(encoding="utf-8")
    old = "Used off-label for pain of muscular origin."
    assert old in text
    edited.write_text(text.replace(old, "Used off-label for pain of muscular origin (edited)."), encoding="utf-8")
    time.sleep(1.1)  # Anki updates a note when the package's copy is newer (its time is kept in seconds)
    assert run(baclo, "--data", str(edited), "flashcards", "-t", "uses", "-f", "apkg", "-o", str(second))[0] == 0
    collection = tmp_path / "collection.anki2"
    before = open_in_anki(first, collection)
    after = open_in_anki(second, collection)
    assert after["__cards__"] == before["__cards__"]  # updated in place, not duplicated
    changed = [g for g in before if not g.startswith("__") and before[g]["fields"] != after[g]["fields"]]
    assert len(changed) == 1 and "(edited)" in after[changed[0]]["fields"][1]


def test_kept_cards_are_the_cards_made_afresh_and_any_doubt_remakes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb: Knowledge
) -> None:
    """Cards are made once per file (and topics) and kept: a later run reads them, without the maker's code; a
    damaged file, or one of the wrong shape behind a good checksum, is a miss and the cards are made again."""
    import marshal

    from baclo_cli.knowledge import cache
    from baclo_cli.knowledge.load import load_knowledge
    from baclo_cli.study import card_maker, cards

    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    fresh = {topics: cards.make_cards(kb, list(topics) or None) for topics in ((), ("withdrawal",), ("pk", "dosing"))}
    for topics, expected in fresh.items():
        assert cards.make_cards(load_knowledge(data), list(topics) or None) == expected  # made and kept
    kept = sorted((tmp_path / "cache").glob("cards-*"))
    assert len(kept) == 3

    def no_making(*args: object) -> None:
        raise AssertionError("the kept cards were not used")

    real = card_maker.make
    monkeypatch.setattr(card_maker, "make", no_making)
    for topics, expected in fresh.items():
        assert cards.make_cards(load_knowledge(data), list(topics) or None) == expected
    monkeypatch.setattr(card_maker, "make", real)
    whole = max(kept, key=lambda p: p.stat().st_size)
    body = whole.read_bytes()
    whole.write_bytes(body[:-1] + bytes([body[-1] ^ 1]))
    assert cards.make_cards(load_knowledge(data)) == fresh[()]
    crafted = marshal.dumps([("id", "topic", "front", "back", ("ref",), "digest", 7)])
    cache.write_blob(whole.name, cards.CARDS_MAGIC, crafted)
    assert cards.make_cards(load_knowledge(data)) == fresh[()]
    remade = cache.read_blob(whole.name, cards.CARDS_MAGIC)  # and kept again, whole
    assert remade is not None and marshal.loads(remade) == [card.fields() for card in fresh[()]]


def test_crafted_kept_cards_a_back_without_citations_or_a_nest_of_references_are_misses(
    tmp_path: Path, kb: Knowledge
) -> None:
    """Behind a good checksum: a back baclo never makes (no citation numbers) and 200 kB standing for 4 * 10^8
    citations (marshal's references) are misses, found without walking it all, and the cards are made again."""
    import marshal

    from baclo_cli.knowledge import cache
    from baclo_cli.knowledge.load import load_knowledge
    from baclo_cli.study import cards

    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    expected = cards.make_cards(kb)
    assert cards.make_cards(load_knowledge(data)) == expected
    (kept,) = (tmp_path / "cache").glob("cards-*")
    good = [card.fields() for card in expected]
    bare = [("id", "t", "front", "y" * 700, (), "d", ""), *good[1:]]
    nest = [("id", "t", "front", "b [1]", ("r",) * 20_000, "d", "")] * 20_000
    for crafted in (bare, nest):
        cache.write_blob(kept.name, cards.CARDS_MAGIC, marshal.dumps(crafted))
        assert cards.make_cards(load_knowledge(data)) == expected
    # A back without citation numbers, however it came, is cut like any other (as the answer alone).
    long = expected[0].replace(back="y " * 400)
    assert len(cards.full_back(kb, long)) <= cards.MAX_BACK


def test_a_fact_without_the_field_a_hint_lists_makes_its_own_card(tmp_path: Path) -> None:
    """A quiz hint's items are looked for in the facts that have the field it names; a valid file may leave it
    out of a fact, which then makes an ordinary card (it was an internal error in flashcards and review)."""
    from baclo_cli.knowledge.load import load_knowledge
    from baclo_cli.study import cards

    data = tmp_path / "k.yaml"
    data.write_text(SPARSE_WITH_HINT, encoding="utf-8")
    made = cards.make_cards(load_knowledge(data, use_cache=False))
    assert [c.front for c in made] == ["Alpha: one: [...], somnolence", "Alpha: two?"]
    assert cards.make_cards(load_knowledge(data)) == made


SPARSE_WITH_HINT = """\
schema: 2
drug: {name: testdrug, class: test class, brand_names: [T], last_reviewed: "2026-01-01"}
topics:
  alpha:
    title: Alpha
    summary: Alpha summary.
    quiz:
      - {question: Which is a sign?, answer: value, items: [coma]}
    facts:
      - {name: one, value: "Coma, somnolence", refs: [r1]}
      - {name: two, other: thing, refs: [r1]}
references:
  - {id: r1, title: Ref one, publisher: Pub, kind: study, url: "https://example.org/1"}
glossary:
  - {term: Thing, definition: A thing., refs: [r1]}
"""


def test_crafted_kept_cards_that_would_grow_once_decoded_or_break_a_package_are_misses(
    tmp_path: Path, kb: Knowledge
) -> None:
    """A few kilobytes standing for 300 copies of a 1 MB back, a topic an Anki tag cannot be, or a lone surrogate
    no file could hold: each a miss, and the cards made again."""
    import marshal

    from baclo_cli.knowledge import cache
    from baclo_cli.knowledge.load import load_knowledge
    from baclo_cli.study import cards

    data = tmp_path / "k.yaml"
    data.write_bytes(DATA.read_bytes())
    expected = cards.make_cards(kb)
    assert cards.make_cards(load_knowledge(data)) == expected
    (kept,) = (tmp_path / "cache").glob("cards-*")
    good = [card.fields() for card in expected]
    huge = ("id", "t", "front", "b" * 1_000_000 + " [1]", (), "d", "")
    for crafted in (
        [huge] * 300,
        [("id", "a b", "front", "b [1]", (), "d", ""), *good[1:]],
        [("id", "t", "front \ud800", "b [1]", (), "d", ""), *good[1:]],
    ):
        cache.write_blob(kept.name, cards.CARDS_MAGIC, marshal.dumps(crafted))
        assert cards.make_cards(load_knowledge(data)) == expected
