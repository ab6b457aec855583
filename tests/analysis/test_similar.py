"""Most similar forces: a hand-worked example, and the real extract recomputed in plain Python."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from fair_support import ALL, Extract, read_extract

from crime_outcomes.analysis import similar as sim
from crime_outcomes.analysis.fair_queries import MixRow
from crime_outcomes.analysis.story import story
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store


@pytest.fixture(scope="module")
def ex(extract_path: Path) -> Extract:
    return read_extract(extract_path)


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    store = open_sample_store()
    yield store
    store.close()


def test_distance_by_hand() -> None:
    # Three forces, two subgroups. A: 100 outcomes, mix (0.5, 0.5); B: 100, (0.7, 0.3); C: 10000, (0.5, 0.5).
    rows = [
        MixRow("A", "x", 50),
        MixRow("A", "y", 50),
        MixRow("B", "x", 70),
        MixRow("B", "y", 30),
        MixRow("C", "x", 5000),
        MixRow("C", "y", 5000),
    ]
    pool = sim.profiles(rows, ["A", "B", "C"])
    # Mix variances (population): x: values .5 .7 .5, mean .5667, var = (2*.0667^2 + .1333^2)/3 = 0.008889; y the same.
    mix_spread = 2 * (2 * 0.0266667 / 3)
    logs = [math.log(100), math.log(100), math.log(10000)]
    mean = sum(logs) / 3
    vol_spread = 2 * sum((v - mean) ** 2 for v in logs) / 3
    d = sim.distances(pool, "A")
    assert math.isclose(d["B"], math.sqrt(((0.04 + 0.04) / mix_spread + 0) / 2), rel_tol=1e-4)
    assert math.isclose(d["C"], math.sqrt((0 + (math.log(100) - math.log(10000)) ** 2 / vol_spread) / 2), rel_tol=1e-12)
    assert [f for f, _ in sim.most_similar(pool, "A", top=2)] == sorted(d, key=lambda f: d[f])


def _independent_nearest(ex: Extract, force: str, top: int) -> list[str]:
    forces = ex.territorial
    by_group: dict[str, dict[str, int]] = {f: defaultdict(int) for f in forces}
    for (f, c, t), v in ex.closed.items():
        if f in by_group and t in ALL:
            by_group[f][ex.subgroup[c]] += v
    totals = {f: sum(g.values()) for f, g in by_group.items()}
    groups = sorted({g for f in forces for g in by_group[f]})
    mix = {f: [by_group[f].get(g, 0) / totals[f] for g in groups] for f in forces}

    def pvar(xs: list[float]) -> float:
        m = sum(xs) / len(xs)
        return sum((x - m) ** 2 for x in xs) / len(xs)

    mix_spread = 2 * sum(pvar([mix[f][i] for f in forces]) for i in range(len(groups)))
    vol_spread = 2 * pvar([math.log(totals[f]) for f in forces])
    dist = {
        f: math.sqrt(
            (
                sum((a - b) ** 2 for a, b in zip(mix[force], mix[f], strict=False)) / mix_spread
                + (math.log(totals[force]) - math.log(totals[f])) ** 2 / vol_spread
            )
            / 2
        )
        for f in forces
        if f != force
    }
    return sorted(dist, key=lambda f: (dist[f], f))[:top]


@pytest.mark.parametrize("force", ["West Midlands", "Dyfed-Powys", "Surrey"])
def test_most_similar_against_the_extract(sample: Store, ex: Extract, force: str) -> None:
    s = story(sample, force=force, outcome="8")
    assert s.similar is not None
    names = [f.force for f in s.similar.forces]
    assert names == _independent_nearest(ex, force, sim.SIMILAR_TOP)
    assert 5 <= len(names) <= 7 and force not in names
    for f in s.similar.forces:
        assert f.count == ex.total(f.force, {8}) and f.share == f.count / ex.total(f.force, ALL)
        assert f.standardised is not None and f.standardised.ratio == f.count / f.standardised.expected
    data = s.to_json()["similar"]
    assert data["method"] == sim.METHOD and [f["force"] for f in data["forces"]] == names


def test_similarity_ignores_the_selected_outcome(sample: Store) -> None:
    a = story(sample, force="Kent", outcome="8").similar
    b = story(sample, force="Kent", outcome="charged").similar
    assert a is not None and b is not None
    assert [f.force for f in a.forces] == [f.force for f in b.forces]


def test_no_similar_forces_for_national_or_non_territorial(sample: Store) -> None:
    assert story(sample, force=None, outcome="8").similar is None
    assert story(sample, force="British Transport Police", outcome="8").similar is None
