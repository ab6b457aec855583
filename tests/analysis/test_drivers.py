"""What drives a group: the split by outcome type and the offences behind each, against the extract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fair_support import Extract, read_extract

from crime_outcomes.analysis.story import story
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store

OUT_OF_COURT = {2, 3, 6, 7, 8, 22}


@pytest.fixture(scope="module")
def ex(extract_path: Path) -> Extract:
    return read_extract(extract_path)


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    store = open_sample_store()
    yield store
    store.close()


def test_dyfed_powys_out_of_court(sample: Store, ex: Extract) -> None:
    s = story(sample, force="Dyfed-Powys", outcome="out-of-court")
    assert s.drivers is not None
    group = ex.total("Dyfed-Powys", OUT_OF_COURT)
    national_group = ex.total(None, OUT_OF_COURT)
    assert {d.outcome_type for d in s.drivers} == OUT_OF_COURT
    for d in s.drivers:
        assert d.count == ex.total("Dyfed-Powys", {d.outcome_type})
        assert d.national_count == ex.total(None, {d.outcome_type})
        assert d.share_of_group == (d.count / group if group else None)
        assert d.national_share_of_group == d.national_count / national_group
        for o in d.offences:
            assert o.count == ex.total("Dyfed-Powys", {d.outcome_type}, o.code)
    assert [d.count for d in s.drivers] == sorted((d.count for d in s.drivers), reverse=True)
    warnings = next(d for d in s.drivers if d.outcome_type == 7)
    top = warnings.offences[0]
    assert top.code == "92E" and top.count == ex.total("Dyfed-Powys", {7}, "92E")  # cannabis possession
    # Above the national split, so the story names it.
    assert (warnings.share_of_group or 0) > (warnings.national_share_of_group or 0)
    assert any("cannabis/khat warnings made up" in line for line in s.lines)


def test_single_type_has_no_drivers(sample: Store) -> None:
    s = story(sample, force="Dyfed-Powys", outcome="8")
    assert s.drivers is None and s.to_json()["drivers"] is None
