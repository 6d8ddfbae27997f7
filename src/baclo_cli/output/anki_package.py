"""The flashcards as an Anki package (``.apkg``), written with ``genanki`` (imported only here).

Two note types, a basic one (Front, Back, Sources) and a cloze one (Text, Back Extra, Sources); one note per
card, tagged ``baclo`` and with its topic, its GUID the card's (the same as the TSV's GUID column), so importing a
newer package updates the notes in place. The note types and the deck keep fixed ids for the same reason. The
file is written beside its destination and renamed into place, so a failed write leaves no half package.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path

from baclo_cli.errors import EXIT_WRITE, BacloError
from baclo_cli.knowledge.files import replace_file
from baclo_cli.study.cards import Card
from baclo_cli.text import sha1_hex

# Fixed ids: Anki matches note types (and decks) by id when a newer package is imported.
BASIC_MODEL_ID = 1_733_000_118_001
CLOZE_MODEL_ID = 1_733_000_118_002
CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: left; } .sources { font-size: 13px; color: #666; }"


class PackageWriteError(BacloError):
    exit_code = EXIT_WRITE

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"cannot write {path}: {error.strerror or error}")


def deck_id(name: str) -> int:
    """A stable deck id for a deck name (Anki's ids are positive 63-bit numbers)."""
    return int(sha1_hex(f"baclo-deck\x1f{name}")[:15], 16)


def _models() -> tuple[object, object]:
    import genanki  # type: ignore[import-untyped]

    basic = genanki.Model(
        BASIC_MODEL_ID,
        "baclo basic",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Sources"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="sources">{{Sources}}</div>',
            }
        ],
        css=CSS,
    )
    cloze = genanki.Model(
        CLOZE_MODEL_ID,
        "baclo cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Sources"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": '{{cloze:Text}}<br>{{Back Extra}}<div class="sources">{{Sources}}</div>',
            }
        ],
        css=CSS,
        model_type=genanki.Model.CLOZE,
    )
    return basic, cloze


def write_package(cards: list[Card], deck: str, path: Path, sources: Callable[[Card], str]) -> int:
    """Write ``cards`` as the deck ``deck`` to ``path``; ``sources`` gives a card's sources line. Returns the
    number of notes written."""
    import genanki

    basic, cloze = _models()
    package_deck = genanki.Deck(deck_id(deck), deck)
    for card in cards:
        numbers = card.back.rsplit(" [", 1)[1].rstrip("]") if " [" in card.back else ""
        if card.cloze:
            fields = [html.escape(card.cloze), f"[{html.escape(numbers)}]", html.escape(sources(card))]
            model = cloze
        else:
            fields = [html.escape(card.front), html.escape(card.back), html.escape(sources(card))]
            model = basic
        package_deck.add_note(genanki.Note(model=model, fields=fields, guid=card.guid, tags=["baclo", card.topic]))

    def fill(fd: int, name: str) -> None:
        os.close(fd)
        genanki.Package(package_deck).write_to_file(name)

    try:
        replace_file(path, fill)
    except OSError as error:
        raise PackageWriteError(path, error) from None
    return len(cards)
