"""No story says a share differs "by chance" (or similar) when it lies inside the adjusted limits."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.story import story
from crime_outcomes.normalise.forces import FORCES, FRAUD
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store

CHANCE = re.compile(r"chance|than (would be )?expected|unlikely|significant", re.IGNORECASE)


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    store = open_sample_store()
    yield store
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("outcome", ["8", "out-of-court", "charged"])
def test_no_chance_words_inside_the_adjusted_limits(sample: Store, outcome: str) -> None:
    inside = outside = 0
    for name, force in sorted(FORCES.items()):
        if force.kind == FRAUD:
            continue
        s = story(sample, force=name, outcome=outcome)
        assert s.funnel is not None and s.funnel.adjusted is not None
        text = " ".join(s.lines)
        if s.funnel.adjusted_verdict == stats.VERDICT_WITHIN:
            inside += 1
            assert not CHANCE.search(text), (name, text)
            assert "within the normal spread between forces" in text
        else:
            outside += 1
            assert "widened for" in text
    assert inside and outside  # both wordings were exercised
