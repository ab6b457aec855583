"""Known data-quality events: sourced, checked on load, and attached only where they apply."""

from __future__ import annotations

import pytest

from crime_outcomes.errors import InputError
from crime_outcomes.normalise.annotations import annotations_for, load_annotations, parse_annotations


def _ids(**kw: object) -> list[str]:
    return [a.id for a in annotations_for(**kw)]  # type: ignore[arg-type]


def test_every_event_has_a_source_and_link() -> None:
    events = load_annotations()
    assert {a.id for a in events} >= {"recorded-basis-gaps-2014-15", "greater-manchester-2019-systems"}
    assert all(a.source and a.link.startswith("https://") for a in events)


def test_greater_manchester_gap_applies_to_its_period_only() -> None:
    assert _ids(force="Greater Manchester", years=["2019/20"], basis="closed", outcome_types=[8]) == ["greater-manchester-2019-systems"]
    assert _ids(force="Greater Manchester", years=["2018/19"], basis="closed", outcome_types=[8]) == []
    assert _ids(force="Kent", years=["2019/20"], basis="closed", outcome_types=[8]) == []
    # England and Wales totals carry every force's breaks.
    assert _ids(force=None, years=["2019/20"], basis="closed", outcome_types=[8]) == ["greater-manchester-2019-systems"]


def test_recorded_basis_gaps_do_not_touch_the_closed_basis() -> None:
    assert _ids(force="Metropolitan Police", years=["2014/15"], basis="recorded", outcome_types=[8]) == ["recorded-basis-gaps-2014-15"]
    assert _ids(force="Metropolitan Police", years=["2014/15"], basis="closed", outcome_types=[8]) == []
    assert _ids(force="Kent", years=["2014/15"], basis="recorded", outcome_types=[8]) == []


def test_framework_events_apply_only_to_their_outcome_types() -> None:
    assert _ids(force="Kent", years=["2019/20"], basis="closed", outcome_types=[2, 3, 6, 7, 8, 22]) == ["outcome-22-voluntary"]
    assert _ids(force="Kent", years=["2019/20"], basis="closed", outcome_types=[8]) == []


def test_sentence_names_the_force() -> None:
    gmp = next(a for a in load_annotations() if a.id == "greater-manchester-2019-systems")
    assert gmp.sentence().startswith("Greater Manchester could not supply data from July 2019")


def test_bad_events_say_which_and_what() -> None:
    good = 'id = "x"\nforces = ["Kent"]\nyears = ["2019/20"]\nbasis = "closed"\nwhat = "w"\nsource = "s"\nlink = "https://e.org"\n'
    assert parse_annotations(f"[[event]]\n{good}".encode(), "a.toml")[0].forces == ("Kent",)
    with pytest.raises(InputError, match=r"a.toml.*event 'x'.*field 'forces'.*Kentt"):
        parse_annotations(f"[[event]]\n{good}".replace('"Kent"', '"Kentt"').encode(), "a.toml")
    with pytest.raises(InputError, match=r"field 'years'.*2019-20"):
        parse_annotations(f"[[event]]\n{good}".replace("2019/20", "2019-20").encode(), "a.toml")
    with pytest.raises(InputError, match=r"missing field 'link'"):
        parse_annotations(f"[[event]]\n{good}".replace('link = "https://e.org"\n', "").encode(), "a.toml")
