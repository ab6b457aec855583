"""Overdispersion-adjusted funnel limits, against Spiegelhalter's method written out over the real extract."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fair_support import Extract, funnel_figures, read_extract

from crime_outcomes.analysis import funnel as fn
from crime_outcomes.analysis import stats
from crime_outcomes.analysis.story import Story, story
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


@pytest.fixture(scope="module")
def wm(sample: Store) -> Story:
    return story(sample, force="West Midlands", outcome="8")


def test_quantile_and_winsorise_by_hand() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0, 100.0, -50.0, 0.0, 6.0, 7.0, 8.0]
    # Sorted: -50 0 1 2 3 4 5 6 7 8 100; h = 10 * 0.1 = 1 -> 0.0; h = 9 -> 8.0.
    assert fn.quantile(values, 0.1) == 0.0 and fn.quantile(values, 0.9) == 8.0
    assert fn.quantile([1.0, 2.0], 0.25) == 1.25
    assert fn.winsorise(values) == [5.0, 1.0, 3.0, 2.0, 4.0, 8.0, 0.0, 0.0, 6.0, 7.0, 8.0]


def test_no_overdispersion_leaves_tau_zero() -> None:
    # z-scores within chance: phi < (k-1)/k, so tau^2 is clipped at zero and the limits stay binomial.
    spread = fn.overdispersion([0.5, -0.5, 0.2, -0.2, 0.0], [1.0] * 5)
    assert spread is not None and spread.tau2 == 0.0 and spread.phi < 1
    binomial = stats.funnel_limits(0.1, 400)
    adjusted = fn.adjusted_share_limits(0.1, 400, 0.0)
    assert binomial is not None and adjusted is not None
    assert math.isclose(adjusted.upper998, binomial.upper998, rel_tol=1e-12)


def test_tau_by_hand() -> None:
    # Four units, z = 3, -3, 1, -1 (k = 4): winsorising at 10% pulls 3 -> 2.4 and -3 -> -2.4
    # (h = 0.3 between -3 and -1). phi = (5.76 + 5.76 + 1 + 1) / 4 = 3.38.
    # w = 1, 1, 2, 4 (variances 1, 1, 0.5, 0.25): sum w = 8, sum w^2 = 22, 8 - 22/8 = 5.25.
    # tau^2 = (4 * 3.38 - 3) / 5.25 = 10.52 / 5.25.
    spread = fn.overdispersion([3.0, -3.0, 1.0, -1.0], [1.0, 1.0, 0.5, 0.25])
    assert spread is not None
    assert math.isclose(spread.phi, 3.38, rel_tol=1e-12)
    assert math.isclose(spread.tau2, 10.52 / 5.25, rel_tol=1e-12)


def test_community_resolutions_2017_18_against_the_extract(wm: Story, ex: Extract) -> None:
    expected = funnel_figures(ex, {8})
    assert wm.funnel is not None and wm.funnel.adjusted is not None
    adj = wm.funnel.adjusted
    assert adj.spread.k == len(expected.reference) == 43
    assert math.isclose(adj.spread.phi, expected.phi, rel_tol=1e-9)
    assert math.isclose(adj.spread.tau2, expected.tau2, rel_tol=1e-9)
    assert adj.outside_binomial == (expected.outside_binomial_95, expected.outside_binomial_998)
    assert adj.outside_adjusted == (expected.outside_adjusted_95, expected.outside_adjusted_998)
    # The figures for the note (and the 39 of 43 outside the binomial 99.8% limits).
    assert adj.outside_binomial[1] == 39 and adj.outside_adjusted[1] == 5
    assert round(adj.spread.phi, 2) == 334.53 and round(adj.spread.tau, 6) == 0.0082


def test_adjusted_limits_and_json(wm: Story, ex: Extract) -> None:
    expected = funnel_figures(ex, {8})
    n = wm.denominator
    half = 3.090232 * math.sqrt(expected.p0 * (1 - expected.p0) / n + expected.tau2)
    data = wm.to_json()["funnel"]
    assert math.isclose(data["adjusted"]["high998"], expected.p0 + half, rel_tol=1e-9)
    assert data["adjusted"]["low998"] == max(0.0, expected.p0 - half)
    assert data["verdict"] == stats.VERDICT_BELOW_998  # the binomial verdict is kept
    assert data["adjusted"]["verdict"] == stats.VERDICT_WITHIN
    assert data["limits"]["lower998"] < data["limits"]["upper998"]  # binomial limits kept
    assert data["outside"] == {"binomial": {"95": 40, "99.8": 39}, "adjusted": {"95": 7, "99.8": 5}}
    assert data["reference_forces"] == 43
    assert math.isclose(data["tau"] ** 2, expected.tau2, rel_tol=1e-9)


def test_forces_compared_carry_the_adjusted_verdict(wm: Story, ex: Extract) -> None:
    expected = funnel_figures(ex, {8})
    outside = [
        c
        for c in wm.comparison
        if c.force in expected.reference and c.adjusted_verdict in (stats.VERDICT_ABOVE_998, stats.VERDICT_BELOW_998)
    ]
    assert len(outside) == expected.outside_adjusted_998
