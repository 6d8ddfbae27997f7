"""The one shape every query returns and every renderer takes."""

from __future__ import annotations

from baclo_cli.knowledge.load import Reference

SCHEMA_VERSION = 1  # of every JSON and YAML answer ('schema_version'); 'baclo schema' prints the contracts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Result:
    """Rows to show, plus the documented machine shape (``payload``) for JSON and YAML.

    ``rows`` hold cell values by column name and may carry ``refs`` (reference ids) for ``--sources``.
    ``sections`` lets one answer hold several tables (``export``, ``overview``); renderers show each in turn.
    (A plain class, not a dataclass: defining dataclasses costs start-up time on every run.)
    """

    def __init__(
        self,
        title: str,
        columns: list[str],
        rows: list[dict[str, Any]],
        payload: Any,
        summary: str = "",
        references: list[Reference] | None = None,
        notes: list[str] | None = None,
        sections: list[Result] | None = None,
        exit_code: int = 0,
        verdict: str = "",
        preamble: list[str] | None = None,
        rows_key: str | None = None,
        noun: str = "",
        fields: list[str] | None = None,
        card: bool = False,
        gauge: tuple[float, str, list[tuple[float, str]]] | None = None,
        compact: bool = False,
        highlight: str = "",
    ) -> None:
        self.card = card  # drawn as labelled lines with their citation numbers (the clinical card), not a grid
        self.title = title
        self.columns = columns
        self.rows = rows
        self.payload = payload
        self.summary = summary
        self.references = references or []
        self.notes = notes or []
        self.sections = sections or []
        self.exit_code = exit_code
        self.verdict = verdict  # a one-line answer shown first by the human formats (dose-check)
        # Header lines for TSV instead of a column-name row (the Anki import header of 'flashcards').
        self.preamble = preamble or []
        # The payload key whose list holds one object per row (in row order), for --where, --sort and --fields.
        self.rows_key = rows_key
        self.noun = noun or rows_key or "rows"  # what a row is, for messages: 'withdrawal facts', 'references'
        self.fields = fields or []  # fields --where may name even where no row shown has them
        # (value, unit, [(threshold, kind)]): a one-line picture of a dose among its thresholds, drawn on a
        # terminal only (dose-check)
        self.gauge = gauge
        self.compact = compact  # a terminal draws the table without a box (dose-check fits one screen)
        # The row key whose list names the words to mark in a row's cells where colour is on (search's 'matched').
        self.highlight = highlight
        # Set when a filter or a search matched nothing: the answer is then an empty document (exit 1) and this
        # line says why, on stderr.
        self.empty = ""
        self.cites = any("refs" in row for row in rows)  # rows carry citations (a refs column), even when none is left

    def row_items(self) -> list[Any] | None:
        """The payload's list of row objects (named by ``rows_key``), or None when the answer has none."""
        items = self.payload.get(self.rows_key) if self.rows_key and isinstance(self.payload, dict) else None
        return items if isinstance(items, list) else None

    def keep(self, indices: list[int]) -> None:
        """Keep only these rows (in this order), in ``rows`` and in the payload's row list alike; the reference
        list keeps only what the remaining rows cite."""
        items = self.row_items()
        if items is not None and len(items) == len(self.rows):
            self.payload[self.rows_key] = [items[i] for i in indices]
        self.rows = [self.rows[i] for i in indices]
        if self.references and self.rows_key != "references":
            cited = {ref for row in self.rows for ref in row.get("refs") or ()}
            self.references = [r for r in self.references if r.id in cited]
            listed = self.payload.get("references") if isinstance(self.payload, dict) else None
            if isinstance(listed, list):
                self.payload["references"] = [r for r in listed if not isinstance(r, dict) or r.get("id") in cited]

    def tables(self) -> list[Result]:
        """The tables to draw: the sections of a composite answer, else the answer itself."""
        return self.sections or [self]
