"""Seeded chance for the quiz: the draws of ``random.Random(text)``, on the C generator alone.

``import random`` costs about a fifth of a bare Python's start-up (its module builds a generator seeded from the
operating system, and imports ``bisect``, ``operator`` and more), and a scripted ``quiz -f json`` needs only three
things from it: seeding from a text, ``shuffle`` and a small ``sample``. They are written out here as
``random.Random`` does them (Python 3.11's version-2 seeding, ``_randbelow`` by rejection from ``getrandbits``),
over the same Mersenne Twister, so a seed gives the same quiz as it did through ``random``;
``tests/test_chance.py`` checks every draw against ``random.Random``.
"""

from __future__ import annotations

try:
    from _random import Random as _Generator
except ImportError:  # pragma: no cover - a Python without the C generator
    from random import Random as _Generator  # type: ignore[assignment]

try:
    from _sha512 import sha512  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - Python 3.12 and later keep it in _sha2
    try:
        from _sha2 import sha512  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        from hashlib import sha512  # type: ignore[assignment, no-redef, unused-ignore]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TypeVar

    T = TypeVar("T")

SMALL_SET = 21  # random.Random.sample: "size of a small set minus size of an empty list"


class Chance(_Generator):
    """A generator seeded from ``text`` exactly as ``random.Random(text)`` is."""

    def __init__(self, text: str) -> None:
        data = text.encode()
        self.seed(int.from_bytes(data + sha512(data).digest(), "big"))

    def below(self, n: int) -> int:
        """A whole number in [0, n), n > 0: ``random.Random._randbelow``."""
        bits = n.bit_length()
        drawn: int = self.getrandbits(bits)
        while drawn >= n:
            drawn = self.getrandbits(bits)
        return drawn

    def shuffle(self, items: list[Any]) -> None:
        """Shuffle ``items`` in place: ``random.Random.shuffle``."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]

    def sample(self, population: Sequence[T], k: int) -> list[T]:
        """``k`` distinct members of ``population`` in the order drawn: ``random.Random.sample``."""
        n = len(population)
        if not 0 <= k <= n:
            raise ValueError("Sample larger than population or is negative")
        room = SMALL_SET
        if k > 5:  # 4 ** ceil(log(3k, 4)): the smallest power of four not below 3k (3k is never one)
            power = 1
            while power < 3 * k:
                power *= 4
            room += power
        if n <= room:
            pool = list(population)
            result = []
            for i in range(k):
                j = self.below(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            return result
        chosen: list[T] = []
        taken: set[int] = set()
        for _ in range(k):
            j = self.below(n)
            while j in taken:
                j = self.below(n)
            taken.add(j)
            chosen.append(population[j])
        return chosen
