"""Statistics for the force story, checked against values worked out by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.lines import pct, quarters_phrase
from crime_outcomes.text import percent


def test_wilson_zero_successes_matches_closed_form() -> None:
    # With x = 0 the Wilson upper bound is z^2 / (n + z^2): 3.8414588 / 13.8414588.
    lo, hi = stats.wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.2775328, abs=1e-7)


def test_wilson_matches_hand_computation() -> None:
    # 81 of 263, worked with the integer form (x + z²/2 ± z·sqrt(x(n-x)/n + z²/4)) / (n + z²):
    # z² = 3.841459, x(n-x)/n = 81·182/263 = 56.05323, root = sqrt(57.01360) = 7.550735,
    # z·root = 14.79917; (81 + 1.920730 ∓ 14.79917) / 266.84146.
    lo, hi = stats.wilson_interval(81, 263)
    assert lo == pytest.approx(0.255289, abs=2e-6)
    assert hi == pytest.approx(0.366210, abs=2e-6)


def test_wilson_contains_share_and_narrows_with_volume() -> None:
    small = stats.wilson_interval(38, 2293)
    large = stats.wilson_interval(3834, 229297)
    assert small[0] < 38 / 2293 < small[1]
    assert large[0] < 3834 / 229297 < large[1]
    assert (large[1] - large[0]) < (small[1] - small[0])


def test_wilson_without_denominator_and_out_of_range_counts() -> None:
    assert stats.wilson_interval(5, 0) is None
    lo, hi = stats.wilson_interval(-2, 100)  # a net negative correction: clipped to 0/100
    assert lo == 0.0 and hi == pytest.approx(stats.wilson_interval(0, 100)[1])
    assert stats.wilson_interval(120, 100)[1] == 1.0


def test_funnel_limits_match_hand_computation() -> None:
    # p0 = 0.02, n = 10,000: se = sqrt(0.02 x 0.98 / 10,000) = 0.0014.
    lim = stats.funnel_limits(0.02, 10_000)
    assert lim.lower95 == pytest.approx(0.02 - 1.959964 * 0.0014, abs=1e-12)
    assert lim.upper95 == pytest.approx(0.0227439496, abs=1e-10)
    assert lim.lower998 == pytest.approx(0.0156736752, abs=1e-10)
    assert lim.upper998 == pytest.approx(0.0243263248, abs=1e-10)


def test_funnel_limits_are_clipped_to_zero_and_one() -> None:
    lim = stats.funnel_limits(0.001, 50)
    assert lim.lower95 == 0.0 and lim.lower998 == 0.0
    assert lim.upper998 == pytest.approx(0.001 + 3.090232 * math.sqrt(0.001 * 0.999 / 50))
    assert stats.funnel_limits(0.999, 5).upper95 == 1.0
    assert stats.funnel_limits(0.5, 0) is None


@pytest.mark.parametrize(
    ("observed", "verdict"),
    [
        (0.025, stats.VERDICT_ABOVE_998),
        (0.023, stats.VERDICT_ABOVE_95),
        (0.02, stats.VERDICT_WITHIN),
        (0.0165, stats.VERDICT_BELOW_95),
        (0.015, stats.VERDICT_BELOW_998),
        (None, stats.VERDICT_NO_DATA),
    ],
)
def test_funnel_verdicts(observed: float | None, verdict: str) -> None:
    lim = stats.funnel_limits(0.02, 10_000)
    assert stats.funnel_verdict(observed, lim) == verdict


def test_on_a_limit_counts_as_within() -> None:
    lim = stats.funnel_limits(0.02, 10_000)
    assert stats.funnel_verdict(lim.upper95, lim) == stats.VERDICT_WITHIN
    assert stats.funnel_verdict(lim.lower95, lim) == stats.VERDICT_WITHIN
    assert stats.funnel_verdict(lim.upper998, lim) == stats.VERDICT_ABOVE_95


def test_small_count_thresholds() -> None:
    assert stats.SMALL_COUNT_MIN == 10 and stats.SMALL_DENOMINATOR_MIN == 100
    assert stats.is_small(9, 1_000)
    assert not stats.is_small(10, 1_000)
    assert stats.is_small(10, 99)
    assert not stats.is_small(10, 100)
    assert stats.is_small(0, 50_000)


def test_competition_ranking_handles_ties() -> None:
    ranks = stats.competition_rank({"a": 5, "b": 3, "c": 3, "d": 1, "e": 7})
    assert ranks == {"e": 1, "a": 2, "b": 3, "c": 3, "d": 5}
    # Equal fractions tie exactly, whatever their floating-point quotients.
    fr = stats.competition_rank({"x": Fraction(1, 3), "y": Fraction(2, 6), "z": Fraction(1, 2)})
    assert fr == {"z": 1, "x": 2, "y": 2}


def test_share_refuses_to_divide_by_zero() -> None:
    assert stats.share(3, 0) is None
    assert stats.share(3834, 229297) == 3834 / 229297


@pytest.mark.parametrize(
    ("fraction", "places", "text"),
    [
        (0.046, 0, "5%"),  # 4.6% prints as 5% in a story printed in whole percentages
        (0.045, 0, "5%"),  # half up, not half to even
        (0.0449, 0, "4%"),
        (0.0167, 1, "1.7%"),
        (0.025, 0, "3%"),
        (0.0052, 2, "0.52%"),
        (0.0, 1, "0.0%"),  # at the story's precision, like every other percentage in it
        (1.0, 0, "100%"),
    ],
)
def test_sentence_percentages_round_half_up(fraction: float, places: int, text: str) -> None:
    assert pct(fraction, places) == text


def test_format_percent_half_up() -> None:
    assert percent(0.045) == "5%"
    assert percent(0.046) == "5%"
    assert percent(0.0455, 1) == "4.6%"


def test_quarters_phrase() -> None:
    assert quarters_phrase((1, 2, 3, 4)) == "all four quarters"
    assert quarters_phrase((1, 2, 3)) == "Q1–Q3"
    assert quarters_phrase((2,)) == "Q2"
    assert quarters_phrase((1, 3)) == "Q1 and Q3"
