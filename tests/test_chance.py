"""``study.chance`` draws exactly what ``random.Random`` draws from the same text, so a quiz seed asks the same
questions without importing ``random``: every draw the quiz makes, checked against the standard library."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from baclo_cli.study.chance import Chance

SEEDS = st.text(max_size=40)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(SEEDS, st.lists(st.integers(), max_size=60), st.integers(1, 1000))
def test_shuffles_and_draws_match_random(seed: str, items: list[int], below: int) -> None:
    ours, theirs = Chance(seed), random.Random(seed)
    mine, reference = list(items), list(items)
    ours.shuffle(mine)
    theirs.shuffle(reference)
    assert mine == reference
    assert ours.random() == theirs.random()
    assert ours.below(below) == theirs._randbelow(below)  # type: ignore[attr-defined]
    assert ours.getrandbits(64) == theirs.getrandbits(64)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(SEEDS, st.integers(0, 400), st.data())
def test_samples_match_random_on_either_side_of_its_set_threshold(seed: str, n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, min(n, 40)))
    population = list(range(n))
    assert Chance(seed).sample(population, k) == random.Random(seed).sample(population, k)


def test_a_sample_larger_than_the_population_is_refused_as_random_refuses_it() -> None:
    for chance in (Chance("x"), random.Random("x")):
        try:
            chance.sample([1, 2], 3)
        except ValueError:
            continue
        raise AssertionError(f"{chance} took a sample of 3 from 2")
