"""Leads on the bundled real sample, checked against sums computed from the CSV with the standard library."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from crime_outcomes.analysis.leads import LeadSet, leads
from crime_outcomes.analysis.leads.model import KIND_OUTSIDE_LIMITS, KIND_SERIOUS, KIND_SHARE_OF_NATIONAL, lead_key
from crime_outcomes.analysis.story import story
from crime_outcomes.normalise import annotations as ann
from crime_outcomes.normalise.forces import FORCES, FRAUD, TERRITORIAL, canonical_force
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from tests.conftest import ExtractSums


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    with open_sample_store() as store:
        yield store


@pytest.fixture(scope="module")
def community(sample: Store) -> LeadSet:
    return leads(sample, outcome="community-resolution")


@pytest.fixture(scope="module")
def every(sample: Store) -> LeadSet:
    return leads(sample)


def _ew(name: str) -> str | None:
    """The canonical name of a force in England and Wales totals (None for the fraud bodies)."""
    canonical = canonical_force(name)
    return canonical if canonical is not None and FORCES[canonical].kind != FRAUD else None


def test_west_midlands_child_cruelty_is_a_top_five_lead(community: LeadSet, extract_sums: ExtractSums) -> None:
    by_force: dict[str, int] = defaultdict(int)
    for (force, code, t), v in extract_sums.force_code_type_closed.items():
        if code == "11A" and t == 8 and _ew(force):
            by_force[_ew(force) or ""] += v
    assert (by_force["West Midlands"], sum(by_force.values())) == (604, 725)
    top5 = community.leads[:5]
    match = [
        x for x in top5 if x.kind == KIND_SHARE_OF_NATIONAL and x.force.name == "West Midlands" and x.offence and x.offence.code == "11A"
    ]
    assert len(match) == 1, [x.key for x in top5]
    lead = match[0]
    assert (lead.figures.count, lead.figures.national_count) == (by_force["West Midlands"], sum(by_force.values()))
    assert lead.key == "share-of-national|west-midlands|community-resolution|11A"
    assert "(604 of 725)" in lead.sentence and "83.3%" in lead.sentence
    # Fair to its crime: judged against its share of all outcomes (types 1-22) for child cruelty, summed here.
    all_11a: dict[str, int] = defaultdict(int)
    for (force, code, t), v in extract_sums.force_code_type_closed.items():
        if code == "11A" and 1 <= t <= 22 and _ew(force):
            all_11a[_ew(force) or ""] += v
    offence_share = all_11a["West Midlands"] / sum(all_11a.values())
    assert lead.figures.expected == pytest.approx(725 * offence_share, rel=1e-12)
    assert lead.sentence.endswith(f", against its {100 * offence_share:.1f}% share of all crime outcomes for that offence.")


def test_a_force_that_deals_with_more_of_an_offence_is_expected_to_hold_more_of_it(community: LeadSet) -> None:
    for x in community.leads:
        if x.kind == KIND_SHARE_OF_NATIONAL:
            assert x.figures.expected is not None and x.figures.count > x.figures.expected
    assert any("no larger than its share of all crime outcomes" in n.because for n in community.not_leads)


def test_highest_share_force_is_among_the_top_leads(community: LeadSet, extract_sums: ExtractSums) -> None:
    count: dict[str, int] = defaultdict(int)
    den: dict[str, int] = defaultdict(int)
    for (force, t), v in extract_sums.force_type_closed.items():
        name = _ew(force)
        if name and FORCES[name].kind == TERRITORIAL and t == 8:
            count[name] += v
    for force, v in extract_sums.force_closed_all.items():
        name = _ew(force)
        if name and FORCES[name].kind == TERRITORIAL:
            den[name] += v
    ranked = [f for f in den if count[f] >= 10 and den[f] >= 100]
    highest = max(ranked, key=lambda f: Fraction(count[f], den[f]))
    top = [x for x in community.leads[:10] if x.kind == KIND_OUTSIDE_LIMITS and x.force.name == highest]
    assert len(top) == 1, [x.key for x in community.leads[:10]]
    assert (top[0].figures.count, top[0].figures.denominator) == (count[highest], den[highest])


def test_no_lead_rests_on_small_counts_or_a_break(every: LeadSet, extract_sums: ExtractSums) -> None:
    assert every.leads, "the sample has leads"
    # The CSV's own sums for each force and offence, every outcome type (closed basis).
    code_type: dict[tuple[str, str, int], int] = defaultdict(int)
    for (force, code, t), v in extract_sums.force_code_type_closed.items():
        name = _ew(force)
        if name:
            code_type[(name, code, t)] += v
    for lead in every.leads:
        types = lead.outcome.types
        if lead.offence is not None:
            code = lead.offence.code
            count = sum(code_type[(lead.force.name, code, t)] for t in types)
            den = sum(code_type[(lead.force.name, code, t)] for t in range(1, 23))
        else:
            count = sum(v for (f, _, t), v in code_type.items() if f == lead.force.name and t in types)
            den = sum(v for (f, _, t), v in code_type.items() if f == lead.force.name and 1 <= t <= 22)
        assert (lead.figures.count, lead.figures.denominator) == (count, den), lead.key
        assert count >= 10 and den >= 100, lead.key
        assert not ann.annotations_for(force=lead.force.name, years=["2017/18"], basis="closed", outcome_types=types), lead.key
    assert any("small counts" in n.because for n in every.not_leads)
    assert not {n.key for n in every.not_leads} & {x.key for x in every.leads}


def test_an_annotated_break_turns_a_lead_into_a_not_lead(sample: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    event = ann.Annotation(
        "test-break",
        ("West Midlands",),
        ("2017/18",),
        (1, 2, 3, 4),
        "both",
        (),
        "changed its records system",
        "a test",
        "https://example.org",
        False,
    )
    monkeypatch.setattr(ann, "load_annotations", lambda: (event,))
    result = leads(sample, outcome="community-resolution")
    assert not [x for x in result.leads if x.force.name == "West Midlands"]
    set_aside = {n.key: n for n in result.not_leads}
    wm = set_aside[lead_key(KIND_SHARE_OF_NATIONAL, "west-midlands", "community-resolution", "11A")]
    assert wm.because.startswith("an annotated break") and "West Midlands changed its records system." in wm.because
    # Another force's break touches only the national totals: its leads stay, with the break as a caveat.
    essex = [x for x in result.leads if x.force.name == "Essex"]
    assert essex and all(any("England and Wales totals for 2017/18 are affected" in c for c in x.caveats) for x in essex)
    assert all(x.annotations == (event,) and x.to_json()["annotations"][0]["id"] == "test-break" for x in essex)


def test_the_lead_says_what_the_story_says(sample: Store, community: LeadSet) -> None:
    wm = story(sample, force="West Midlands", outcome="community-resolution")
    lead = next(x for x in community.leads if x.key == "share-of-national|west-midlands|community-resolution|11A")
    clause = lead.sentence.split(" in 2017/18, against its ")[0]
    assert any(line.startswith(clause) for line in wm.lines), wm.lines
    assert lead.figures.percent_places == wm.percent_places


def test_serious_leads_only_where_a_rule_applies(every: LeadSet) -> None:
    serious = [x for x in every.leads if x.kind == KIND_SERIOUS]
    assert serious
    for lead in serious:
        assert lead.rules and all(h.applies for h in lead.rules)
        assert set(lead.outcome.types) <= set(lead.rules[0].governs)
    for lead in every.leads:
        assert "unlawful" not in lead.sentence.lower() and "lawful" not in lead.sentence.lower()


def test_ranked_by_score_and_top(sample: Store, community: LeadSet) -> None:
    scores = [x.score.value for x in community.leads]
    assert scores == sorted(scores, reverse=True)
    for x in community.leads:
        s = x.score
        assert s.value == pytest.approx(s.evidence * s.size * s.seriousness)
    top3 = leads(sample, outcome="8", top=3)
    assert [x.key for x in top3.leads] == [x.key for x in community.leads[:3]]  # '8' is 'community-resolution'
    assert top3.leads[0].look.web.startswith(f"/offence/{top3.leads[0].offence.code}?outcome=community-resolution&")
    assert top3.total == community.total


def test_one_force_and_json(sample: Store, community: LeadSet) -> None:
    kent = leads(sample, force="kent", outcome="community-resolution")
    assert kent.leads and {x.force.name for x in kent.leads} == {"Kent"}
    assert [x.key for x in kent.leads] == [x.key for x in community.leads if x.force.name == "Kent"]
    data = json.loads(json.dumps(kent.to_json()))
    assert data["schema_version"] == "1.0" and data["force"] == "Kent"
    first = data["leads"][0]
    assert set(first) >= {"key", "kind", "force", "outcome", "offence", "figures", "score", "sentence", "caveats", "annotations", "look"}
    assert first["look"]["web"].startswith(("/force/kent?", "/offence/")) and "outcome=community-resolution" in first["look"]["web"]


def test_expected_counts_are_the_storys(sample: Store, community: LeadSet) -> None:
    """The one-pass query repeats the story's standardisation arithmetic: the same expected count, to the bit."""
    durham = next(x for x in community.leads if x.kind == KIND_OUTSIDE_LIMITS and x.force.name == "Durham")
    s = story(sample, force="Durham", outcome="community-resolution")
    assert s.standardised is not None
    assert durham.figures.expected == s.standardised.expected and durham.figures.ratio == s.standardised.ratio
    assert durham.figures.ratio_verdict == s.standardised.verdict
    assert durham.sentence in s.lines


# ------------------------------------------------------------------ two years: change and first-time leads


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The sample with a made-up 2016/17: a copy of 2017/18 in which Kent's community resolutions are halved
    (each positive published cell, rounded down) and Derbyshire gave none for offence 5D."""
    import shutil

    with open_sample_store() as sample:
        assert sample.path is not None
        source = Path(sample.path)
    path = tmp_path_factory.mktemp("two-years") / "store.duckdb"
    shutil.copy(source, path)
    with Store.open(path) as store:
        con = store.con
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO outcomes SELECT '2016/17' AS financial_year, * EXCLUDE (financial_year) FROM outcomes WHERE financial_year = '2017/18'"
        )
        con.execute(
            "INSERT INTO offences SELECT '2016/17' AS financial_year, * EXCLUDE (financial_year) FROM offences WHERE financial_year = '2017/18'"
        )
        con.execute(
            "UPDATE outcomes SET closed = closed // 2 WHERE financial_year = '2016/17' AND force = 'Kent' AND outcome_type = 8 AND closed > 0"
        )
        con.execute(
            "UPDATE outcomes SET closed = 0 WHERE financial_year = '2016/17' AND force = 'Derbyshire' AND offence_code = '5D' AND outcome_type = 8"
        )
        store.rebuild_annual(["2016/17"])
        con.execute("COMMIT")
    with Store.open(path, read_only=True) as store:
        yield store


def test_change_and_first_time_on_two_years(two_years: Store, extract_path: Path) -> None:
    import csv
    import gzip

    # Independent sums: the 2017/18 CSV, and 2016/17 made from it the same way (Kent's positive type 8 cells halved, rounded down; Derbyshire's 5D type 8 cells zero).
    count = {"2016/17": 0, "2017/18": 0}
    den = {"2016/17": 0, "2017/18": 0}
    nat_count = {"2016/17": 0, "2017/18": 0}
    nat_den = {"2016/17": 0, "2017/18": 0}
    derbyshire_5d = 0
    with gzip.open(extract_path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] == "NA" or rec["force_outcomes_recorded_in_quarter"] == "NA":
                continue
            t, v, name = int(rec["outcome_type"]), int(rec["force_outcomes_recorded_in_quarter"]), _ew(rec["force_name"])
            if not name or not 1 <= t <= 22:
                continue
            for year in ("2016/17", "2017/18"):
                value = v
                if year == "2016/17" and name == "Kent" and t == 8 and v > 0:
                    value = v // 2
                if year == "2016/17" and name == "Derbyshire" and rec["offence_code"] == "5D" and t == 8:
                    value = 0
                nat_den[year] += value
                nat_count[year] += value if t == 8 else 0
                if name == "Kent":
                    den[year] += value
                    count[year] += value if t == 8 else 0
            if name == "Derbyshire" and rec["offence_code"] == "5D" and t == 8:
                derbyshire_5d += v

    result = leads(two_years, outcome="community-resolution")
    by_key = {x.key: x for x in result.leads}
    kent = by_key["change|kent|community-resolution|"]
    f = kent.figures
    assert (f.year_from, f.year_to) == ("2016/17", "2017/18")
    assert f.share_from == count["2016/17"] / den["2016/17"] and f.share_to == count["2017/18"] / den["2017/18"]
    assert f.national_share_from == nat_count["2016/17"] / nat_den["2016/17"]
    assert f.z is not None and f.z >= 3.090232
    assert kent.sentence.startswith("The share of Kent Police's crime outcomes that were community resolutions rose from ")
    assert kent.look.web == "/force/kent?outcome=community-resolution&from=2016/17&to=2017/18&basis=closed"

    first = by_key["first-time|derbyshire|community-resolution|5D"]
    assert first.figures.count == derbyshire_5d == 21
    assert "in 2017/18; it had given none for it in 2016/17" in first.sentence
    # Only Kent moved, so only Kent has a change lead; only Derbyshire's 5D is new.
    assert [x.force.name for x in result.leads if x.kind == "change"] == ["Kent"]
    assert [x.key for x in result.leads if x.kind == "first-time"] == [first.key]


def test_one_lead_per_finding(every: LeadSet) -> None:
    set_aside = {n.key: n for n in every.not_leads}
    # Informal out-of-court disposals (7, 8) for 11A in West Midlands are its 604 community resolutions: one finding.
    informal = set_aside["share-of-national|west-midlands|out-of-court-informal|11A"]
    assert informal.because == "the same finding as the lead share-of-national|west-midlands|community-resolution|11A"
    assert informal.figures.count == 604
    # Derbyshire's 21 community resolutions for 5D are both a large national share and a rule that applies: one lead.
    keys = {x.key for x in every.leads}
    assert "serious-out-of-court|derbyshire|community-resolution|5D" in keys
    assert "share-of-national|derbyshire|community-resolution|5D" not in keys
    for a in every.leads:
        for b in every.leads:
            if a is not b and (a.kind, a.force.name, a.offence) == (b.kind, b.force.name, b.offence):
                assert not (set(a.outcome.types) < set(b.outcome.types) and a.figures.count == b.figures.count), (a.key, b.key)
    # A charge for a serious offence is not weighted as serious.
    for x in every.leads:
        if x.outcome.selector in ("charged", "evidential-difficulties", "no-suspect"):
            assert x.score.seriousness == 1
