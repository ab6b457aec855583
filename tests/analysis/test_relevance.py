"""Caveats, press questions and "largest share" lines appear only when the figures trigger them."""

from __future__ import annotations

import pytest

from crime_outcomes.analysis.story import LARGEST_SHARES_MIN_COUNT, LARGEST_SHARES_MIN_RATIO, Story, story
from crime_outcomes.outputs.packs.brief import right_of_reply
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store


@pytest.fixture(scope="module")
def sample() -> Store:
    return open_sample_store()


def _sexual(s: Story) -> list[str]:
    return [o.code for o in s.notable if (o.group or "").lower() == "sexual offences"]


def test_kent_has_no_notable_sexual_offence_so_no_caveat_or_question(sample: Store) -> None:
    kent = story(sample, force="Kent")
    # Kent did give community resolutions for sexual offences (17A, 20A), but none the rules mark as serious.
    assert any(o.count > 0 and (o.group or "").lower() == "sexual offences" for o in kent.offences)
    assert _sexual(kent) == []
    assert not any("sexual offences may involve children" in c for c in kent.caveats)
    assert not any("sexual offences" in q for q in right_of_reply(kent))


def test_west_midlands_has_one_so_it_gets_both(sample: Store) -> None:
    wm = story(sample, force="West Midlands")
    assert "22B" in _sexual(wm)
    assert any("sexual offences may involve children" in c for c in wm.caveats)
    assert any("for sexual offences involved children" in q for q in right_of_reply(wm))


def test_largest_shares_must_be_notable(sample: Store) -> None:
    city = story(sample, force="City of London")
    # 6 of 751 community resolutions for theft by an employee (0.8%) is City of London's largest share,
    # five times its 0.15% share of all community resolutions, but six is too few to be a finding.
    theft = next(o for o in city.offences if o.code == "41")
    assert (theft.count, theft.national_count) == (6, 751)
    assert theft.count < LARGEST_SHARES_MIN_COUNT
    assert city.largest_shares == []
    assert not any("accounted for" in line for line in city.lines)
    kent = story(sample, force="Kent")
    overall = kent.count / kent.national.count  # 2,204 of 101,893 = 2.16%
    # 10A (3 of 26) and 8S (7 of 105) are large shares on small counts: left out.
    assert [o.code for o in kent.largest_shares] == ["54", "10B", "10C"]
    for o in kent.largest_shares:
        assert o.count >= LARGEST_SHARES_MIN_COUNT and o.count / o.national_count >= LARGEST_SHARES_MIN_RATIO * overall


def test_questions_about_authorisation_and_scrutiny_only_for_disposals(sample: Store) -> None:
    kent = right_of_reply(story(sample, force="Kent"))
    assert any("scrutiny panel" in q for q in kent)
    assert any("who authorised" in q for q in kent)
    for outcome in ("charged", "evidential-difficulties", "no-suspect"):
        s = story(sample, force="West Midlands", outcome=outcome)
        qs = right_of_reply(s)
        assert not any("scrutiny panel" in q or "who authorised" in q or "involved children" in q for q in qs), (outcome, qs)
        assert not any("may involve children" in c for c in s.caveats), outcome
        assert qs[0].startswith("Does West Midlands Police recognise these figures")
    national = right_of_reply(story(sample, force=None, outcome="charged"))
    assert not any("mark as notable" in q for q in national)
