"""One offence across England and Wales, checked against the real extract summed with the standard library."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from crime_outcomes.analysis.offence import offence
from crime_outcomes.analysis.selection import Selection
from crime_outcomes.analysis.story import story
from crime_outcomes.errors import NotFoundError, SelectionError
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store

if TYPE_CHECKING:
    from conftest import ExtractSums  # tests/conftest.py; only a name for the type, several conftests exist

PUBLISHED_TO_CANONICAL = {"London, City of": "City of London"}
FRAUD_BODIES = {"Action Fraud", "CIFAS", "UK Finance"}


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    with open_sample_store() as store:
        yield store


def _by_force(sums: ExtractSums, code: str, types: tuple[int, ...]) -> dict[str, tuple[int, int]]:
    """Force -> (selected outcomes, all outcomes 1-22) for one code, from the extract."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (force, c, t), value in sums.force_code_type_closed.items():
        if c != code or not 1 <= t <= 22 or force in FRAUD_BODIES:
            continue
        name = PUBLISHED_TO_CANONICAL.get(force, force)
        out[name][1] += value
        if t in types:
            out[name][0] += value
    return {k: (v[0], v[1]) for k, v in out.items()}


@pytest.mark.parametrize(("code", "outcome", "types"), [("11A", "community-resolution", (8,)), ("8N", "out-of-court", (2, 3, 6, 7, 8, 22))])
def test_offence_equals_the_extract(sample: Store, extract_sums: ExtractSums, code: str, outcome: str, types: tuple[int, ...]) -> None:
    expected = _by_force(extract_sums, code, types)
    view = offence(sample, code, outcome=outcome)
    assert {f.force: (f.count, f.denominator) for f in view.forces} == expected
    count, denominator = sum(v[0] for v in expected.values()), sum(v[1] for v in expected.values())
    assert (view.count, view.denominator, view.share) == (count, denominator, count / denominator)
    assert [(y.year, y.count, y.denominator) for y in view.by_year] == [("2017/18", count, denominator)]
    top = view.forces[0]
    assert top.share_of_national == top.count / count and top.share == top.count / top.denominator
    assert [f.count for f in view.forces] == sorted((f.count for f in view.forces), reverse=True)
    # the same national figure the force story gives for this code
    wm = story(sample, force="West Midlands", outcome=outcome)
    assert {o.code: o.national_count for o in wm.offences}[code] == count


def test_known_figures_for_cruelty_to_children(sample: Store) -> None:
    view = offence(sample, "11A", selection=Selection(outcome="8"))
    assert (view.count, view.denominator) == (725, 15214)
    assert (view.forces[0].force, view.forces[0].count, view.forces[0].denominator) == ("West Midlands", 604, 4679)
    data = view.to_json()
    assert data["outcome"] == {"types": [8], "label": "community resolutions"}
    assert data["period"] == {"from": "2017/18", "to": "2017/18", "years": ["2017/18"]}
    assert data["serious"] is True and {r["id"] for r in data["rules"]} >= {"si-2015-790"}


def test_unknown_code_year_and_bad_selection(sample: Store) -> None:
    with pytest.raises(NotFoundError, match="offence code 'NOPE' is not in the store"):
        offence(sample, "NOPE")
    with pytest.raises(NotFoundError, match=r"2016/17 \(--from\) is not loaded"):
        offence(sample, "11A", first="2016/17")
    with pytest.raises(SelectionError) as caught:
        offence(sample, "11A", outcome="banana")
    assert caught.value.parameter == "outcome" and "community-resolution" in caught.value.allowed
    with pytest.raises(SelectionError, match="per does not apply"):
        offence(sample, "11A", selection=Selection(per="recorded-crime"))
    with pytest.raises(TypeError, match="not both"):
        offence(sample, "11A", selection=Selection(), outcome="2")
