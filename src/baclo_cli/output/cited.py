"""An answer's JSON document with its sources spelled out, for readers that cannot look a reference id up.

``baclo -f json`` prints reference ids (``refs``) on each row and, for topics, the reference list once. An AI
assistant served over the Model Context Protocol ('baclo mcp') gets the same document, and beside every
``refs`` list a ``citations`` list holding those references whole (id, title, publisher, kind, url, note, and
any other field the knowledge file gives a reference), plus the knowledge file's review date and the
reference-only notice, so that it can quote the source of each row it repeats.
"""

from __future__ import annotations

from collections.abc import Mapping

from baclo_cli.knowledge.load import Reference
from baclo_cli.output.render import notice_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ADDED = ("citations", "last_reviewed", "notice")  # the keys this adds; without them, the CLI's document


def cited(payload: dict[str, Any], references: Mapping[str, Reference], last_reviewed: str) -> dict[str, Any]:
    """``payload`` (left as it is) with ``citations`` beside every ``refs`` list, the review date and the notice."""
    document: dict[str, Any] = _cite(payload, references)
    document["last_reviewed"] = last_reviewed
    document["notice"] = notice_text(last_reviewed)
    return document


def _cite(value: Any, references: Mapping[str, Reference]) -> Any:
    if isinstance(value, list):
        return [_cite(item, references) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _cite(item, references) for key, item in value.items()}
    refs = value.get("refs")
    if isinstance(refs, list) and all(isinstance(ref, str) for ref in refs):
        out["citations"] = [references[ref].as_dict() for ref in refs if ref in references]
    return out
