"""One Selection: parsed and checked once, the same for the library, the CLI, the packs and the web."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crime_outcomes.analysis.selection import OUTCOME_ALLOWED, Selection, normalise_year
from crime_outcomes.errors import EXIT_USAGE, NotFoundError, SelectionError


def test_defaults_and_normalisation() -> None:
    s = Selection()
    assert (s.outcome, s.types, s.label, s.first, s.last, s.basis, s.per, s.rules) == (
        "8",
        (8,),
        "community resolutions",
        None,
        None,
        "closed",
        "outcomes",
        None,
    )
    s = Selection(outcome=" Out-Of-Court ", first="2014-15", last="2016/2017", basis="RECORDED", per="Recorded-Crime")
    assert (s.outcome, s.types, s.first, s.last, s.basis, s.per) == (
        "out-of-court",
        (2, 3, 6, 7, 8, 22),
        "2014/15",
        "2016/17",
        "recorded",
        "recorded-crime",
    )
    assert Selection(outcome="3,2").types == (2, 3)
    # a value, usable as a cache key: equal selections are equal and hash alike
    assert Selection(outcome="8", first="2017-18") == Selection(outcome="8", first="2017/18")
    assert len({Selection(), Selection(), Selection(basis="recorded")}) == 2
    assert replace(Selection(), first="2015-16").first == "2015/16"  # replace re-checks


@pytest.mark.parametrize(
    ("fields", "parameter", "in_problem", "in_allowed"),
    [
        ({"outcome": "banana"}, "outcome", "unknown outcome 'banana'", "community-resolution"),
        ({"outcome": "0"}, "outcome", "1-22", "1-22"),
        ({"outcome": "²"}, "outcome", "unknown outcome", "1-22"),  # a digit to str.isdigit, not to int()
        ({"outcome": ""}, "outcome", "empty outcome selector", "out-of-court"),
        ({"first": "2017-19"}, "from", "not a financial year", "2014/15"),
        ({"last": "last year"}, "to", "not a financial year", "2014/15"),
        ({"first": "2017/18", "last": "2015/16"}, "from", "runs backwards: from 2017/18 is after to 2015/16", "2015/16 or earlier"),
        ({"basis": "both"}, "basis", "'both' is not one of: closed, recorded", "recorded"),
        ({"per": "people"}, "per", "'people' is not one of: outcomes, recorded-crime", "recorded-crime"),
        ({"rules": Path("/nonexistent/rules.toml")}, "rules", "no rules file at /nonexistent/rules.toml", "TOML"),
    ],
)
def test_bad_values_name_the_parameter_and_the_allowed_values(
    fields: dict[str, object], parameter: str, in_problem: str, in_allowed: str
) -> None:
    with pytest.raises(SelectionError) as caught:
        Selection(**fields)  # type: ignore[arg-type]
    err = caught.value
    assert err.parameter == parameter and in_problem in err.problem
    assert any(in_allowed in a for a in err.allowed)
    assert str(err) == f"{parameter}: {err.problem}" and err.exit_code == EXIT_USAGE
    assert isinstance(err, ValueError)  # still a bad argument to anyone catching ValueError


def test_the_outcome_allowed_list_names_every_group() -> None:
    with pytest.raises(SelectionError) as caught:
        Selection(outcome="nope")
    assert caught.value.allowed == OUTCOME_ALLOWED


def test_a_front_end_spells_the_parameters_its_way() -> None:
    with pytest.raises(SelectionError) as caught:
        Selection.parse(first="2017/18", last="2015/16", spelling=lambda p, v: f"--{p} {v}")
    assert caught.value.problem == "the period runs backwards: --from 2017/18 is after --to 2015/16"
    with pytest.raises(SelectionError) as caught:
        Selection.parse(first="2017/18", last="2015/16", spelling=lambda p, v: f"{p}={v}")
    assert caught.value.problem == "the period runs backwards: from=2017/18 is after to=2015/16"


def test_rules_as_text_or_path(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("", encoding="utf-8")
    assert Selection.parse(rules=str(rules)).rules == rules == Selection(rules=rules).rules


def test_period_against_the_loaded_years() -> None:
    loaded = ["2014/15", "2015/16", "2017/18"]
    p = Selection().period(loaded)
    assert (p.first, p.last, p.years, p.not_loaded) == ("2014/15", "2017/18", loaded, ["2016/17"])
    p = Selection(first="2015-16").period(loaded)
    assert (p.first, p.last, p.years, p.not_loaded) == ("2015/16", "2017/18", ["2015/16", "2017/18"], ["2016/17"])
    with pytest.raises(NotFoundError, match=r"2016/17 \(--to\) is not loaded; loaded years: 2014/15, 2015/16, 2017/18"):
        Selection(last="2016/17").period(loaded)
    with pytest.raises(NotFoundError, match="the store holds no outcomes"):
        Selection().period([])


def test_normalise_year() -> None:
    assert [normalise_year(t) for t in ("2014/15", "2014-15", " 2014/2015 ", "1999/00")] == ["2014/15"] * 3 + ["1999/00"]
    for bad in ("2014/16", "2014/2016", "14/15", "", "2014"):
        with pytest.raises(ValueError, match="is not a financial year"):
            normalise_year(bad)
