"""House style for numbers: one precision per story, ranks from the nearer end, numerals for ordinals."""

from __future__ import annotations

from crime_outcomes.text import choose_places, interval, percent, rank_phrase


def test_ranks_read_from_the_nearer_end_with_numerals() -> None:
    assert rank_phrase(1, 43) == "the highest of 43"
    assert rank_phrase(2, 43) == "the 2nd highest of 43"
    assert rank_phrase(22, 43) == "the 22nd highest of 43"  # the middle: 22nd from either end
    assert rank_phrase(23, 43) == "the 21st lowest of 43"
    assert rank_phrase(39, 43) == "the 5th lowest of 43"
    assert rank_phrase(42, 43) == "the 2nd lowest of 43"
    assert rank_phrase(43, 43) == "the lowest of 43"
    # Forces 40 and 41 tied (competition ranking gives both 40): from the bottom they are 3rd and 4th.
    assert rank_phrase(40, 43, lowest=3, tied=True) == "the joint 3rd lowest of 43"
    assert rank_phrase(1, 43, tied=True) == "the joint highest of 43"


def test_precision_is_chosen_so_comparisons_cannot_mislead() -> None:
    # Kent against England and Wales, 2017/18 sample: 1.26% against 2.13%; interval 1.21% to 1.31%.
    # Whole per cent reads "1% against 2%" (looks like half): one place, 1.3% against 2.1%.
    assert choose_places(compared=[(0.012585, 0.021349)], intervals=[(0.0121, 0.0131)]) == 1
    # 0.52% against 0.70%: one place keeps one significant figure only, so two places.
    assert choose_places(compared=[(0.0052, 0.0070)]) == 2
    # 12.6% against 25.1% with an interval 12.1% to 13.2%: whole per cent is enough.
    assert choose_places(compared=[(0.126, 0.251)], intervals=[(0.121, 0.132)]) == 0
    # 24.6% against 24.9% print alike whole (25% and 25%): one place.
    assert choose_places(compared=[(0.246, 0.249)]) == 1
    # An interval whose ends would print alike at one place needs two.
    assert choose_places(intervals=[(0.10301, 0.10349)]) == 2
    # Nothing to compare: whole per cent.
    assert choose_places() == 0


def test_a_share_at_the_story_precision_lies_inside_its_interval() -> None:
    # The reported contradiction: "0.8%" beside "0.82% to 0.85%".
    share, ci = 0.00835, (0.0082, 0.0085)
    places = choose_places(intervals=[ci])
    assert places == 1
    assert percent(share, places) == "0.8%" and interval(ci, places) == "0.8% to 0.9%"
    assert percent(share, 2) == "0.84%" and interval(ci, 2) == "0.82% to 0.85%"
