"""The one shape every query returns and every renderer takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .knowledge import Reference


@dataclass
class Result:
    """Rows to show, plus the documented machine shape (``payload``) for JSON and YAML.

    ``rows`` hold cell values by column name and may carry ``refs`` (reference ids) for ``--sources``.
    ``sections`` lets one answer hold several tables (``export``, ``overview``); renderers show each in turn.
    """

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    payload: Any
    summary: str = ""
    references: list[Reference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[Result] = field(default_factory=list)
    exit_code: int = 0

    def tables(self) -> list[Result]:
        """The tables to draw: the sections of a composite answer, else the answer itself."""
        return self.sections or [self]
