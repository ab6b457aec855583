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


def test_the_big_query_is_the_same_for_every_force() -> None:
    """A run of packs answers the one pass once (a query memo keyed on SQL and parameters): only the small
    query of the force's own offence counts may differ between forces."""

    class Recording:
        def __init__(self, inner: object) -> None:
            self.inner, self.asked = inner, []

        def fetchall(self, sql: str, params: list[object]) -> list[tuple[object, ...]]:
            self.asked.append((sql, tuple(params)))
            return self.inner.fetchall(sql, params)  # type: ignore[attr-defined]

    with open_sample_store() as store:
        runs = []
        for force in ("Kent", "Durham"):
            rec = Recording(store)
            mix = fq.mix_and_expected(rec, "2017/18", "2017/18", (8,), "closed", force)  # type: ignore[arg-type]
            runs.append((rec.asked, mix))
    (kent_asked, kent), (durham_asked, durham) = runs
    assert len(kent_asked) == len(durham_asked) == 2
    assert kent_asked[0] == durham_asked[0] and kent_asked[1] != durham_asked[1]
    assert kent.expected == durham.expected and kent.mix == durham.mix
    assert [(r.code, r.national_count) for r in kent.offences] == [(r.code, r.national_count) for r in durham.offences]
    assert [r.count for r in kent.offences] != [r.count for r in durham.offences]
