"""Offence-mix standardisation and its exact Poisson interval, against independent computations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fair_support import Extract, expected_counts, read_extract

from crime_outcomes.analysis import standardise as sd
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


# Published values: chi-square quantiles (any statistical table; chi2(p, df) = 2 x gamma quantile
# with shape df/2) and exact Poisson 95% limits for small counts (Garwood 1936, as tabulated by
# e.g. the Public Health England / NHS Digital confidence-interval tools).
@pytest.mark.parametrize(
    ("df", "p", "value"),
    [(2, 0.975, 7.377758908), (2, 0.025, 0.050635616), (20, 0.025, 9.590777392), (22, 0.975, 36.78071208), (1, 0.95, 3.841458821)],
)
def test_gamma_quantile_matches_chi_square_tables(df: int, p: float, value: float) -> None:
    assert math.isclose(2 * sd.gamma_quantile(df / 2, p), value, rel_tol=1e-8)


@pytest.mark.parametrize(
    ("observed", "low", "high"),
    [(0, 0.0, 3.688879), (1, 0.025318, 5.571643), (5, 1.623486, 11.668332), (10, 4.795389, 18.390356), (100, 81.363991, 121.626794)],
)
def test_exact_poisson_interval(observed: int, low: float, high: float) -> None:
    got = sd.poisson_interval(observed)
    assert math.isclose(got[0], low, abs_tol=2e-6) and math.isclose(got[1], high, rel_tol=1e-6)


@pytest.mark.parametrize("a", [0.5, 1, 3.5, 40, 3834, 250_000])
def test_gamma_quantile_inverts_gamma_p(a: float) -> None:
    for p in (0.001, 0.025, 0.5, 0.975, 0.999):
        assert math.isclose(sd.gamma_p(a, sd.gamma_quantile(a, p)), p, rel_tol=1e-9)


def test_expected_sums_to_observed_over_the_44_forces(wm: Story, ex: Extract) -> None:
    compared = [c for c in wm.comparison if c.standardised is not None]
    assert len(compared) == 44
    observed = sum(c.count for c in compared)
    expected = math.fsum(c.standardised.expected for c in compared if c.standardised)
    assert observed == ex.total(None, {8})
    assert abs(expected - observed) / observed < 1e-9


def test_west_midlands_expected_and_ratio_against_the_extract(wm: Story, ex: Extract) -> None:
    expected = expected_counts(ex, {8})["West Midlands"]
    st = wm.standardised
    assert st is not None
    assert st.observed == ex.total("West Midlands", {8}) == 3834
    assert math.isclose(st.expected, expected, rel_tol=1e-9)
    assert math.isclose(st.ratio or 0, 3834 / expected, rel_tol=1e-9)
    assert round(st.expected, 1) == 4435.9 and round(st.ratio or 0, 4) == 0.8643
    low, high = sd.poisson_interval(3834)
    assert st.ci95 == (low / st.expected, high / st.expected)
    data = wm.to_json()
    assert data["standardised"]["observed"] == 3834 and data["by_year"][0]["standardised"] == data["standardised"]
    assert set(data["standardised"]) == {"observed", "expected", "ratio", "ci95", "limits", "verdict"}


def test_every_force_and_a_group_against_the_extract(sample: Store, ex: Extract) -> None:
    s = story(sample, force="Dyfed-Powys", outcome="out-of-court")
    expected = expected_counts(ex, {2, 3, 6, 7, 8, 22})
    for c in s.comparison:
        assert c.standardised is not None
        assert math.isclose(c.standardised.expected, expected[c.force], rel_tol=1e-9), c.force


def test_ratio_verdict_uses_adjusted_limits(wm: Story) -> None:
    st = wm.standardised
    assert st is not None and st.limits is not None
    assert st.limits.lower998 <= st.limits.lower95 < 1 < st.limits.upper95 <= st.limits.upper998
    assert st.verdict == stats.funnel_verdict(st.ratio, st.limits)


def test_standardised_sentence(wm: Story) -> None:
    line = next(x for x in wm.lines if x.startswith("At England and Wales rates"))
    assert line == (
        "At England and Wales rates for the same crimes, West Midlands Police would have issued about 4,436 "
        "community resolutions in 2017/18; it issued 3,834, 13.6% fewer."  # the story's one precision (house style)
    )


def test_national_and_recorded_crime_have_no_standardisation(sample: Store) -> None:
    national = story(sample, force=None, outcome="8")
    assert national.standardised is None and national.to_json()["standardised"] is None


# ----------------------------------------------------------------------------- two years, by hand


def _two_year_rows(year: str, shift: int) -> list[list[object]]:
    """Every force: assault (8N) and shoplifting (46), each with community resolutions and charges.

    Force i has 8N: 10+i CR and 100+2i charges; 46: (3+i%5+shift) CR and 40 charges. Shift 0 in
    2016/17 and 4 in 2017/18, so the shoplifting rate differs between the years.
    """
    from crime_outcomes.normalise.forces import england_and_wales_forces

    rows: list[list[object]] = []
    for i, force in enumerate(england_and_wales_forces()):
        for code, desc, group, sub, cr, charged in (
            ("8N", "Assault with injury", "Violence against the person", "Violence with injury", 10 + i, 100 + 2 * i),
            ("46", "Shoplifting", "Theft offences", "Shoplifting", 3 + i % 5 + shift, 40),
        ):
            rows.append([year, 1, force, desc, group, sub, code, None, "Community Resolution", "Out-of-court (informal)", 8, cr, cr])
            rows.append([year, 1, force, desc, group, sub, code, None, "Charged/Summonsed", "Charged/Summonsed", 1, charged, charged])
    return rows


def test_by_year_expected_against_a_hand_computation(tmp_path: Path) -> None:
    import csv

    from crime_outcomes.store.ingest import ingest_file
    from crime_outcomes.testing.workbooks import HEADERS_2019

    data = {"2016/17": _two_year_rows("2016/17", 0), "2017/18": _two_year_rows("2017/18", 4)}
    store = Store.open(tmp_path / "two.duckdb")
    try:
        for name, year in (
            ("prc-outcomes-open-data-mar2017-tables-200717.csv", "2016/17"),
            ("prc-outcomes-open-data-mar2018-tables-170719.csv", "2017/18"),
        ):
            with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(HEADERS_2019)
                writer.writerows(data[year])
            ingest_file(store, tmp_path / name)
        s = story(store, force="Kent", outcome="8")
    finally:
        store.close()
    # Hand computation, year by year: rate(code) = national CR / national outcomes for the code;
    # expected(Kent) = sum over codes of Kent's outcomes for the code x rate(code).
    total_expected = 0.0
    for y in s.by_year:
        rows = data[y.year]
        cr: dict[str, int] = {}
        den: dict[str, int] = {}
        kent_den: dict[str, int] = {}
        for r in rows:
            code, t, v = str(r[6]), int(r[10]), int(r[12])  # type: ignore[call-overload]
            den[code] = den.get(code, 0) + v
            cr[code] = cr.get(code, 0) + (v if t == 8 else 0)
            if r[2] == "Kent":
                kent_den[code] = kent_den.get(code, 0) + v
        expected = sum(kent_den[c] * cr[c] / den[c] for c in den)
        total_expected += expected
        assert y.standardised is not None
        assert math.isclose(y.standardised.expected, expected, rel_tol=1e-9), y.year
        assert y.standardised.observed == y.count and y.standardised.ci95 is not None
    assert s.standardised is not None
    assert math.isclose(s.standardised.expected, total_expected, rel_tol=1e-9)  # the period sums the years' expected counts
