"""The one pass behind the story and the fair comparisons gives exactly what the separate queries give."""

from __future__ import annotations

import pytest

from crime_outcomes.analysis import fair_queries as fq
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.sample import open_sample_store


@pytest.mark.parametrize("force", ["West Midlands", "British Transport Police", None])
@pytest.mark.parametrize("types", [(8,), (2, 3, 6, 7, 8, 22)])
@pytest.mark.parametrize("basis", ["closed", "recorded"])
def test_one_pass_equals_the_story_queries(force: str | None, types: tuple[int, ...], basis: str) -> None:
    with open_sample_store() as store:
        mix = fq.mix_and_expected(store, "2017/18", "2017/18", types, basis, force)
        assert sorted(mix.offences, key=lambda r: r.code) == q.offence_totals(store, "2017/18", "2017/18", types, basis, force)
        assert [(r.year, r.force, r.count, r.denominator) for r in mix.expected] == [
            (r.year, r.force, r.count, r.denominator) for r in q.year_force_totals(store, "2017/18", "2017/18", types, basis)
        ]
        # Crime mix: each force's outcomes over its subgroups add up to its outcomes of all types.
        totals = {r.force: r.denominator for r in mix.expected}
        by_force: dict[str, int] = {}
        for m in mix.mix:
            by_force[m.force] = by_force.get(m.force, 0) + m.denominator
        assert by_force == totals
