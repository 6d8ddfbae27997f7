"""A plain record for the study layer's questions and cards: equal by its fields, cheap to import.

(``typing.NamedTuple`` and ``collections.namedtuple`` would cost a scripted quiz or flashcards run the import of
``typing`` or ``collections``.)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    R = TypeVar("R", bound="Record")


class Record:
    """Fields named by ``FIELDS`` in the constructor's order; equal to a record of the same class with equal
    fields, hashable, and copied with changes by ``replace``."""

    __slots__ = ()
    FIELDS: tuple[str, ...] = ()

    def fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def replace(self: R, **changes: Any) -> R:
        return type(self)(**{**dict(zip(self.FIELDS, self.fields(), strict=True)), **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(other) is type(self) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.fields()!r}"
