"""The force story, checked against sums computed independently.

Two sources of truth, neither going through the code under test:

* the real 2017/18 extract, summed here with the standard library (csv + gzip);
* a small multi-year store built from a CSV written in this file with the published headers,
  whose every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.model import DEFINITIONS, SCHEMA_VERSION, Story
from crime_outcomes.analysis.selection import Selection
from crime_outcomes.analysis.story import story
from crime_outcomes.errors import NotFoundError, SelectionError
from crime_outcomes.outputs.story_text import md_escape, render_markdown, render_text
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019

EXTRACT_NAME = "outcomes-2017-18-may2019-extract.csv.gz"
PUBLISHED_TO_CANONICAL = {"London, City of": "City of London"}
TERRITORIAL_COUNT = 43


# ----------------------------------------------------------------------------- real data


def _extract_path() -> Path | None:
    for candidate in (
        os.environ.get("CRIME_OUTCOMES_EXTRACT"),
        str(Path(__file__).resolve().parents[3] / "shared" / "data" / EXTRACT_NAME),
        f"/work/shared/data/{EXTRACT_NAME}",
    ):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


@dataclass
class Sums:
    """Closed and recorded sums from the extract, keyed by canonical force name."""

    closed: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))  # (force, code, type)
    recorded: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    descriptions: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    # Roll-ups of ``closed``/``recorded``, filled once after reading: (force, type) and (code, type).
    by_force_type: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))  # (basis, force, type)
    by_code_type: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))  # closed, all forces

    def roll_up(self) -> None:
        for basis, table in (("closed", self.closed), ("recorded", self.recorded)):
            for (f, c, t), v in table.items():
                self.by_force_type[(basis, f, t)] += v
                if basis == "closed":
                    self.by_code_type[(c, t)] += v

    def force_type(self, force: str | None, types: set[int], basis: str = "closed") -> int:
        return sum(v for (b, f, t), v in self.by_force_type.items() if b == basis and t in types and (force is None or f == force))

    def force_code(self, force: str | None, code: str, types: set[int]) -> int:
        if force is None:
            return sum(self.by_code_type.get((code, t), 0) for t in types)
        return sum(self.closed.get((force, code, t), 0) for t in types)

    def forces(self) -> set[str]:
        return {f for f, _, _ in self.closed}


@pytest.fixture(scope="session")
def sums() -> Sums:
    path = _extract_path()
    if path is None:
        pytest.skip(f"the real extract {EXTRACT_NAME} is not available")
    out = Sums()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        col = {name: i for i, name in enumerate(next(reader))}
        year, force_i, code_i, type_i = col["financial_year"], col["force_name"], col["offence_code"], col["outcome_type"]
        desc_i, group_i, rec_i, closed_i = (
            col["offence_description"],
            col["offence_group"],
            col["offences"],
            col["force_outcomes_recorded_in_quarter"],
        )
        for rec in reader:
            if rec[year] == "NA":  # the trailing all-NA row
                continue
            force = PUBLISHED_TO_CANONICAL.get(rec[force_i], rec[force_i])
            t = int(rec[type_i])
            code = rec[code_i]
            out.descriptions[code] = rec[desc_i]
            out.groups[code] = rec[group_i]
            out.recorded[(force, code, t)] += int(rec[rec_i])
            if rec[closed_i] != "NA":  # 'NA' = the published 'N/A' of every type-0 row
                out.closed[(force, code, t)] += int(rec[closed_i])
    out.roll_up()
    return out


@pytest.fixture(scope="session")
def sample() -> Iterator[Store]:
    store = open_sample_store()
    yield store
    store.close()


@pytest.fixture(scope="session")
def wm(sample: Store) -> Story:
    return story(sample, force="West Midlands")


ALL = set(range(1, 23))
TERRITORIAL_EXCLUDED = {"British Transport Police"}


def test_west_midlands_community_resolutions_match_the_extract(wm: Story, sums: Sums) -> None:
    assert sums.force_type("West Midlands", {8}) == 3834
    assert sums.force_type("West Midlands", ALL) == 229297
    assert (wm.count, wm.denominator) == (3834, 229297)
    assert wm.share == 3834 / 229297
    assert wm.outcome_types == (8,)
    assert wm.years == ["2017/18"] and (wm.first, wm.last) == ("2017/18", "2017/18")
    assert wm.basis == "closed" and wm.per == "outcomes"


def test_national_is_all_44_forces(wm: Story, sums: Sums) -> None:
    assert len(sums.forces()) == 44
    assert sums.force_type(None, {8}) == 101893
    assert wm.national.count == 101893
    assert wm.national.denominator == sums.force_type(None, ALL)
    assert wm.national.share == 101893 / sums.force_type(None, ALL)


def test_rank_among_territorial_forces_computed_independently(wm: Story, sums: Sums) -> None:
    territorial = sorted(sums.forces() - TERRITORIAL_EXCLUDED)
    assert len(territorial) == TERRITORIAL_COUNT
    share = {f: sums.force_type(f, {8}) / sums.force_type(f, ALL) for f in territorial}
    count = {f: sums.force_type(f, {8}) for f in territorial}
    # competition rank: 1 + the number of forces strictly higher
    expected_share_rank = 1 + sum(1 for f in territorial if share[f] > share["West Midlands"])
    expected_count_rank = 1 + sum(1 for f in territorial if count[f] > count["West Midlands"])
    assert wm.rank is not None
    assert wm.rank.by_share == expected_share_rank == 33
    assert wm.rank.by_count == expected_count_rank == 8
    assert wm.rank.of == 43 and wm.rank.flagged_small == []
    top = max(territorial, key=lambda f: share[f])
    assert next(c for c in wm.comparison if c.force == top).rank_by_share == 1


def test_offence_breakdown_equals_the_extract(wm: Story, sums: Sums) -> None:
    by_code = {o.code: o for o in wm.offences}
    for code in {c for _, c, _ in sums.closed}:
        count = sums.force_code("West Midlands", code, {8})
        national = sums.force_code(None, code, {8})
        if count == 0 and national == 0:
            assert code not in by_code
            continue
        o = by_code[code]
        assert (o.count, o.national_count) == (count, national), code
        assert o.force_denominator == sums.force_code("West Midlands", code, ALL)
        assert o.national_denominator == sums.force_code(None, code, ALL)
        assert o.description == sums.descriptions[code]
        assert o.group == sums.groups[code]
    nationally_used = {c for c in sums.descriptions if sums.force_code(None, c, {8}) != 0}
    assert set(by_code) == nationally_used  # every code with any community resolution, and no other
    assert sum(o.count for o in wm.offences) == 3834
    counts = [o.count for o in wm.offences]
    assert counts == sorted(counts, reverse=True)
    child_cruelty = by_code["11A"]
    assert child_cruelty.share_of_national == child_cruelty.count / child_cruelty.national_count
    assert child_cruelty.force_rate == child_cruelty.count / child_cruelty.force_denominator


def test_offence_whose_force_count_is_the_whole_national_count(sample: Store, sums: Sums) -> None:
    forces = sums.forces()
    whole = sorted(
        (f, c)
        for (f, c, t), v in sums.closed.items()
        if t == 8 and v > 0 and sums.force_code(None, c, {8}) == v and all(sums.closed.get((g, c, 8), 0) == 0 for g in forces if g != f)
    )
    assert whole, "the extract has offences where one force issued every community resolution"
    force, code = whole[0]
    s = story(sample, force=force)
    o = next(o for o in s.offences if o.code == code)
    assert o.count == o.national_count == sums.force_code(force, code, {8})
    assert o.share_of_national == 1.0


def test_force_with_zero_of_an_outcome(sample: Store, sums: Sums) -> None:
    territorial = sorted(sums.forces() - TERRITORIAL_EXCLUDED)
    zero = [f for f in territorial if sums.force_type(f, {7}) == 0]
    assert zero, "some force issued no cannabis/khat warnings in 2017/18"
    s = story(sample, force=zero[0], outcome="7")
    assert s.count == 0 and s.share == 0.0
    assert s.denominator == sums.force_type(zero[0], ALL)
    assert s.rank is not None and s.rank.small and s.rank.by_share is None
    assert zero[0] in s.rank.flagged_small
    assert s.rank.of == TERRITORIAL_COUNT - len(s.rank.flagged_small)
    assert " issued no cannabis/khat warnings in 2017/18" in s.lines[0]
    assert s.notable == [] and all(o.count == 0 for o in s.offences)


def test_wilson_interval_and_funnel_limits_in_the_story(wm: Story) -> None:
    z = 1.959964
    n, x = 229297, 3834
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wm.ci95 == pytest.approx((centre - half, centre + half), abs=1e-12)
    p0 = wm.national.share
    se = math.sqrt(p0 * (1 - p0) / n)
    lim = wm.funnel.limits
    assert (lim.lower95, lim.upper95) == pytest.approx((p0 - z * se, p0 + z * se), abs=1e-12)
    assert (lim.lower998, lim.upper998) == pytest.approx((p0 - 3.090232 * se, p0 + 3.090232 * se), abs=1e-12)
    assert p < p0 - 3.090232 * se  # 1.67% against 2.13% on 229,297 outcomes
    assert wm.funnel.verdict == stats.VERDICT_BELOW_998


def test_lines_are_built_from_the_figures(wm: Story) -> None:
    # 1.67% against 2.13%: whole per cent would read "2% compared with 2%", so the story prints one place throughout.
    assert wm.percent_places == 1
    assert (
        wm.lines[0]
        == "West Midlands Police issued 3,834 community resolutions in 2017/18 — 1.7% of all 229,297 crime outcomes in its area."
    )
    assert wm.lines[1] == wm.definition and wm.definition.startswith("A community resolution is an informal way")
    # 33rd highest of 43 is in the bottom half: read from the bottom, 43 - 33 + 1 = 11th lowest (no tie).
    assert wm.rank is not None and wm.rank.by_share == 33 and not wm.rank.tied_share
    assert wm.lines[2].startswith("That compared with 2.1% across England and Wales; its share was the 11th lowest of 43 forces")
    # Inside the limits widened for the spread between forces (issue 12), though outside the binomial ones.
    assert "within the normal spread between forces" in " ".join(wm.lines)
    c11a = next(o for o in wm.notable if o.code == "11A")
    assert (
        f"{c11a.count} times for cruelty to children/young persons ({100 * c11a.share_of_national:.1f}% of all such community resolutions in England and Wales)"
        in " ".join(wm.lines)
    )
    # West Midlands has a notable sexual offence (22B), so the caveat about children applies.
    assert any(o.code == "22B" for o in wm.notable)
    assert any("may involve children" in c for c in wm.caveats)
    assert any("2017/18 sample; expired offence codes absent" in c for c in wm.caveats)


def test_json_shape_and_values(sample: Store, wm: Story) -> None:
    data = wm.to_json()
    for key in (
        "schema_version",
        "definitions",
        "force",
        "outcome",
        "period",
        "basis",
        "per",
        "count",
        "denominator",
        "share",
        "ci95",
        "national",
        "rank",
        "funnel",
        "by_year",
        "change",
        "offences",
        "notable",
        "largest_shares",
        "lines",
        "caveats",
        "source",
        "generated_by",
    ):
        assert key in data, key
    assert data["schema_version"] == SCHEMA_VERSION == "1.0"
    assert data["definitions"] == DEFINITIONS
    assert data["force"] == {
        "name": "West Midlands",
        "display": "West Midlands Police",
        "slug": "west-midlands",
        "kind": "territorial",
        "country": "England",
    }
    assert data["outcome"]["types"] == [8] and data["outcome"]["label"] == "community resolutions"
    assert data["period"] == {"from": "2017/18", "to": "2017/18", "years": ["2017/18"], "years_not_loaded": []}
    assert (data["count"], data["denominator"], data["share"]) == (3834, 229297, 3834 / 229297)
    assert set(data["national"]) == {"count", "denominator", "share"}
    assert {"by_share", "by_count", "of", "flagged_small"} <= set(data["rank"])
    assert set(data["by_year"][0]) >= {"year", "count", "denominator", "share", "national_share", "ci95"}
    assert data["by_year"][0]["count"] == 3834
    assert data["change"] is None  # one year
    row = data["offences"][0]
    assert set(row) >= {
        "code",
        "description",
        "group",
        "subgroup",
        "count",
        "national_count",
        "share_of_national",
        "force_rate",
        "national_rate",
        "serious",
        "rules",
    }
    assert all(r["serious"] and r["rules"] for r in data["notable"])
    assert {"id", "label", "basis", "governs", "source", "applies", "effective_from", "effective_to"} == set(data["notable"][0]["rules"][0])
    assert data["source"]["rules"]["source"] == "built-in" and len(data["source"]["rules"]["fingerprint"]) == 64
    assert data["source"]["editions"][0]["years"] == ["2017/18"]
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    # Deterministic: asking the same question again gives byte-identical JSON.
    assert json.dumps(story(sample, force="West Midlands").to_json(), ensure_ascii=False) == text


def test_national_story(sample: Store, sums: Sums) -> None:
    s = story(sample, force=None)
    assert s.force.is_national and s.force.name == "England and Wales"
    assert (s.count, s.denominator) == (101893, sums.force_type(None, ALL))
    assert s.rank is None and s.funnel is None and s.largest_shares == []
    assert s.to_json()["force"]["kind"] == "national"
    assert s.lines[0].startswith("Police in England and Wales issued 101,893 community resolutions in 2017/18")


@pytest.mark.parametrize("typed", ["West Midlands", "west midlands", "West Midlands Police", "WEST MIDLANDS"])
def test_force_names_match_forgivingly(sample: Store, typed: str) -> None:
    assert story(sample, force=typed).force.name == "West Midlands"


def test_met_alias(sample: Store, sums: Sums) -> None:
    s = story(sample, force="Met")
    assert s.force.name == "Metropolitan Police" and s.force.display == "the Metropolitan Police"
    assert s.count == sums.force_type("Metropolitan Police", {8})
    assert s.lines[0].startswith("The Metropolitan Police issued")


def test_unknown_force_lists_close_matches(sample: Store) -> None:
    with pytest.raises(NotFoundError, match="West Midlands"):
        story(sample, force="West Midland")
    with pytest.raises(NotFoundError, match="unknown force 'Narnia'"):
        story(sample, force="Narnia")
    with pytest.raises(NotFoundError, match="not a police force"):
        story(sample, force="Action Fraud")


def test_years_must_be_loaded(sample: Store) -> None:
    with pytest.raises(NotFoundError, match=r"2014/15 \(--from\) is not loaded; loaded years: 2017/18"):
        story(sample, force="Durham", first="2014/15")
    with pytest.raises(SelectionError, match="not a financial year"):
        story(sample, force="Durham", first="2017")


def test_story_takes_a_selection_or_its_fields(sample: Store, wm: Story) -> None:
    chosen = story(sample, force="West Midlands", selection=Selection(outcome="community-resolution"))
    assert chosen.to_json() == wm.to_json()
    with pytest.raises(SelectionError) as caught:
        story(sample, force="West Midlands", basis="both")
    assert caught.value.parameter == "basis" and caught.value.allowed == ["closed", "recorded"]
    with pytest.raises(SelectionError, match="outcome: unknown outcome 'banana'"):
        story(sample, force="West Midlands", outcome="banana")
    with pytest.raises(TypeError, match="not both"):
        story(sample, force="West Midlands", selection=Selection(), basis="recorded")


def test_recorded_crime_denominator_needs_the_table(sample: Store) -> None:
    with pytest.raises(NotFoundError, match="recorded crime"):
        story(sample, force="Durham", per="recorded-crime")


def test_recorded_basis_excludes_type_zero(sample: Store, sums: Sums) -> None:
    s = story(sample, force="West Midlands", basis="recorded")
    assert s.count == sums.force_type("West Midlands", {8}, "recorded")
    assert s.denominator == sums.force_type("West Midlands", ALL, "recorded")
    assert sums.force_type("West Midlands", {0}, "recorded") > 0  # type 0 exists and is left out
    assert s.lines[0].startswith("Of the crimes West Midlands Police recorded in 2017/18,")


def test_outcome_group(sample: Store, sums: Sums) -> None:
    s = story(sample, force="Durham", outcome="out-of-court")
    assert s.outcome_types == (2, 3, 6, 7, 8, 22)
    assert s.count == sums.force_type("Durham", {2, 3, 6, 7, 8, 22})
    two = story(sample, force="Durham", outcome="2,3")
    assert two.count == sums.force_type("Durham", {2, 3}) and two.outcome_label == "cautions"


# ------------------------------------------------------------------------ rules drive notable


def _rules_file(path: Path, codes: list[str], rule_id: str = "my-list") -> Path:
    quoted = ", ".join(f'"{c}"' for c in codes)
    path.write_text(f'version = 1\n\n[[rule]]\nid = "{rule_id}"\nlabel = "On my list"\ncodes = [{quoted}]\n', encoding="utf-8")
    return path


def test_notable_follows_the_rules_file(sample: Store, wm: Story, tmp_path: Path, sums: Sums) -> None:
    assert "11A" in {o.code for o in wm.notable}
    assert all(o.count > 0 and o.rules for o in wm.notable)
    assert {h.rule_id for h in next(o for o in wm.notable if o.code == "11A").rules} >= {"si-2015-790"}

    mine = story(sample, force="West Midlands", rules=_rules_file(tmp_path / "a.toml", ["46", "8N"]))
    assert [o.code for o in mine.notable] == ["8N", "46"]  # most first: 783 then 636
    assert [o.count for o in mine.notable] == [sums.force_code("West Midlands", "8N", {8}), sums.force_code("West Midlands", "46", {8})]
    assert all([h.rule_id for h in o.rules] == ["my-list"] for o in mine.notable)
    assert not next(o for o in mine.offences if o.code == "11A").serious
    assert mine.rules_source == str(tmp_path / "a.toml")

    changed = story(sample, force="West Midlands", rules=_rules_file(tmp_path / "a.toml", ["11A"], "changed"))
    assert [o.code for o in changed.notable] == ["11A"]
    assert changed.notable[0].rules[0].rule_id == "changed"
    assert changed.rules_fingerprint != mine.rules_fingerprint
    # An offence with no community resolutions is never notable, even when a rule names it.
    zero = [c for c in sums.descriptions if sums.force_code("West Midlands", c, {8}) == 0]
    none = story(sample, force="West Midlands", rules=_rules_file(tmp_path / "b.toml", zero[:3]))
    assert none.notable == []


# --------------------------------------------------------------- a multi-year fixture store

OUT_HEADERS = list(HEADERS_2019)
NA = "N/A - data not provided"

# 2016/17 uses the old burglary code 28A; from April 2017 burglary is 28E, and 28A becomes
# "(outcome only)": expired, but still closing old crimes (West Midlands, 5 in 2017/18).
LABELS = {
    ("2016/17", "28A"): ("Burglary in a dwelling", "Theft offences", "Domestic burglary", ""),
    ("2017/18", "28A"): ("Burglary in a dwelling (outcome only)", "Theft offences", "Domestic burglary", "x"),
    ("2017/18", "28E"): ("Burglary residential", "Theft offences", "Domestic burglary", ""),
    ("2016/17", "46"): ("Shoplifting", "Theft offences", "Shoplifting", ""),
    ("2017/18", "46"): ("Shoplifting", "Theft offences", "Shoplifting", ""),
}
# (year, quarter, force, code, type, recorded, closed)
ROWS: list[tuple[str, int, str, str, int, object, object]] = [
    # 2016/17 West Midlands: type 8 = 30 + 10 + 6 = 46; all types = 46 + 500 + 454 = 1,000 (4.6%)
    ("2016/17", 1, "West Midlands", "28A", 8, 30, 30),
    ("2016/17", 2, "West Midlands", "28A", 8, 10, 10),
    ("2016/17", 1, "West Midlands", "46", 8, 6, 6),
    ("2016/17", 1, "West Midlands", "28A", 1, 250, 250),
    ("2016/17", 2, "West Midlands", "46", 1, 250, 250),
    ("2016/17", 1, "West Midlands", "46", 14, 454, 454),
    ("2016/17", 1, "West Midlands", "46", 0, 999, "N/A"),
    # Durham: type 8 = 150; all = 150 + 300 + 30 = 480, one type-14 cell not provided (Q2)
    ("2016/17", 1, "Durham", "28A", 8, 100, 100),
    ("2016/17", 1, "Durham", "46", 8, 50, 50),
    ("2016/17", 1, "Durham", "46", 1, 300, 300),
    ("2016/17", 1, "Durham", "46", 14, 30, 30),
    ("2016/17", 2, "Durham", "46", 14, NA, NA),
    # British Transport Police: 5 of 100
    ("2016/17", 1, "British Transport Police", "46", 8, 5, 5),
    ("2016/17", 1, "British Transport Police", "46", 1, 95, 95),
    # 2017/18 West Midlands: type 8 = 25 + 5 + 15 = 45; all = 45 + 600 + 355 + 0 = 1,000 (4.5%)
    ("2017/18", 1, "West Midlands", "28E", 8, 25, 25),
    ("2017/18", 1, "West Midlands", "28A", 8, 5, 5),
    ("2017/18", 2, "West Midlands", "46", 8, 15, 15),
    ("2017/18", 1, "West Midlands", "28E", 1, 600, 600),
    ("2017/18", 2, "West Midlands", "46", 1, NA, 0),  # recorded basis not provided, closed 0
    ("2017/18", 1, "West Midlands", "46", 14, 355, 355),
    ("2017/18", 1, "West Midlands", "46", 0, 999, "N/A"),
    # Durham: type 8 = 100 of 500
    ("2017/18", 1, "Durham", "28E", 8, 80, 80),
    ("2017/18", 1, "Durham", "46", 8, 20, 20),
    ("2017/18", 1, "Durham", "46", 1, 350, 350),
    ("2017/18", 1, "Durham", "46", 14, 50, 50),
    # British Transport Police: 10 of 100
    ("2017/18", 1, "British Transport Police", "46", 8, 10, 10),
    ("2017/18", 1, "British Transport Police", "46", 1, 90, 90),
]
OUTCOME_NAMES = {
    0: ("Not yet assigned an outcome", "Not yet assigned an outcome"),
    1: ("Charged/Summonsed", "Charged/Summonsed"),
    8: ("Community Resolution", "Out-of-court (informal)"),
    14: ("Evidential difficulties victim based - named suspect not identified", "Evidential difficulties (victim does not support action)"),
}

# Police force area recorded crime (fraud bodies must be left out of every denominator).
PFA_HEADERS = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
PFA_ROWS = [
    ("2016/17", 1, "West Midlands", "46", 1000),
    ("2016/17", 1, "West Midlands", "28A", 1000),
    ("2017/18", 1, "West Midlands", "28E", 1500),
    ("2017/18", 1, "West Midlands", "46", 1000),
    ("2016/17", 1, "Durham", "46", 500),
    ("2017/18", 1, "Durham", "46", 500),
    ("2016/17", 1, "British Transport Police", "46", 100),
    ("2017/18", 1, "British Transport Police", "46", 100),
    ("2017/18", 1, "Action Fraud", "53A", 5000),
]


def _outcome_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=OUT_HEADERS)
        w.writeheader()
        for year, quarter, force, code, otype, recorded, closed in ROWS:
            desc, group, subgroup, expired = LABELS[(year, code)]
            w.writerow(
                {
                    "Financial Year": year,
                    "Financial Quarter": quarter,
                    "Force Name": force,
                    "Offence Description": desc,
                    "Offence Group": group,
                    "Offence Subgroup": subgroup,
                    "Offence Code": code,
                    "Offence Code Expired": expired,
                    "Outcome Description": OUTCOME_NAMES[otype][0],
                    "Outcome Group": OUTCOME_NAMES[otype][1],
                    "Outcome Type": otype,
                    "Force outcomes for offences recorded in quarter": recorded,
                    "Force outcomes recorded in quarter": closed,
                }
            )
    return path


def _pfa_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PFA_HEADERS)
        for year, quarter, force, code, n in PFA_ROWS:
            desc, group, subgroup, _ = LABELS.get((year, code), ("Fraud", "Fraud", "Fraud", ""))
            w.writerow([year, quarter, force, desc, group, subgroup, code, n])
    return path


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("multi")
    store = Store.open(folder / "multi.duckdb")
    ingest_file(store, _outcome_csv(folder / "outcomes-fixture.csv"))
    ingest_file(store, _pfa_csv(folder / "pfa-fixture.csv"))
    yield store
    store.close()


def test_multi_year_series_change_and_totals(multi: Store) -> None:
    s = story(multi, force="West Midlands")
    assert s.years == ["2016/17", "2017/18"]
    y1, y2 = s.by_year
    assert (y1.year, y1.count, y1.denominator, y1.share) == ("2016/17", 46, 1000, 0.046)
    assert (y2.year, y2.count, y2.denominator, y2.share) == ("2017/18", 45, 1000, 0.045)
    # England and Wales: 2016/17 = 46 + 150 + 5 of 1,000 + 480 + 100; 2017/18 = 45 + 100 + 10 of 1,000 + 500 + 100
    assert (y1.national_count, y1.national_denominator, y1.national_share) == (201, 1580, 201 / 1580)
    assert (y2.national_count, y2.national_denominator, y2.national_share) == (155, 1600, 155 / 1600)
    assert (s.count, s.denominator, s.share) == (91, 2000, 0.0455)
    assert (s.national.count, s.national.denominator) == (356, 3180)
    c = s.change
    assert (c.first_year, c.last_year, c.count_from, c.count_to, c.count_change) == ("2016/17", "2017/18", 46, 45, -1)
    assert c.share_change == pytest.approx(-0.001) and c.share_points == pytest.approx(-0.1)
    assert c.count_change_fraction == pytest.approx(-1 / 46)
    # Whole per cent would print 4.6%, 4.5% and 4.55% all as 5% ("5% in both years" beside a fall), and 4.55%
    # against the national 11.19% with one significant figure: the story's precision is one decimal place.
    assert s.percent_places == 1
    assert (
        s.lines[0]
        == "West Midlands Police issued 91 community resolutions between 2016/17 and 2017/18 — 4.6% of all 2,000 crime outcomes in its area."
    )
    assert s.lines[1].startswith("A community resolution is ")
    assert (
        s.lines[2]
        == "Their share of outcomes fell from 4.6% in 2016/17 to 4.5% in 2017/18, while the number fell from 46 to 45 (down 2.2%)."
    )


def test_multi_year_burglary_code_change(multi: Store) -> None:
    s = story(multi, force="West Midlands")
    by_code = {o.code: o for o in s.offences}
    assert [o.code for o in s.offences] == ["28A", "28E", "46"]  # 45, 25, 21
    assert (by_code["28A"].count, by_code["28A"].national_count) == (30 + 10 + 5, 45 + 100)
    assert (by_code["28E"].count, by_code["28E"].national_count) == (25, 25 + 80)
    assert (by_code["46"].count, by_code["46"].national_count) == (6 + 15, 21 + 50 + 20 + 5 + 10)
    assert by_code["28A"].force_denominator == 30 + 10 + 250 + 5
    assert by_code["46"].force_denominator == 6 + 250 + 454 + 15 + 0 + 355
    assert sum(o.force_denominator for o in s.offences) == 2000
    # Labels come from the latest year of the period holding the code.
    assert by_code["28A"].description == "Burglary in a dwelling (outcome only)" and by_code["28A"].expired
    assert not by_code["28E"].expired
    early = story(multi, force="West Midlands", first="2016/17", last="2016/17")
    assert next(o for o in early.offences if o.code == "28A").description == "Burglary in a dwelling"
    assert early.count == 46 and early.change is None
    assert any("expired (28A)" in c for c in s.caveats)
    # Total burglary is the same whichever code it sits under: 40 in 2016/17, 30 in 2017/18.
    late = story(multi, force="West Midlands", first="2017/18")
    assert sum(o.count for o in late.offences if o.code in {"28A", "28E"}) == 30


def test_multi_year_rank_with_small_counts_flagged(multi: Store) -> None:
    s = story(multi, force="West Midlands")
    # Only Durham (250 of 980) and West Midlands (91 of 2,000) have data; 41 territorial forces have none.
    assert s.rank.of == 2 and len(s.rank.flagged_small) == 41
    assert (s.rank.by_share, s.rank.by_count) == (2, 2)
    durham = story(multi, force="Durham")
    assert (durham.count, durham.denominator) == (250, 980)
    assert (durham.rank.by_share, durham.rank.by_count) == (1, 1)
    btp = story(multi, force="BTP")
    assert btp.rank.by_share is None and "not a territorial force" in btp.rank.reason
    assert (btp.count, btp.denominator) == (15, 200)


def test_missing_cells_are_reported_not_zero(multi: Store) -> None:
    durham = story(multi, force="Durham")
    assert [(m.force, m.year, m.quarters, m.marker, m.cells) for m in durham.missing] == [("Durham", "2016/17", (2,), NA, 1)]
    assert any("Durham Police include 1 cell published without a number" in c and "Durham (2016/17, Q2)" in c for c in durham.caveats)
    wm = story(multi, force="West Midlands")
    assert wm.missing == []
    assert any(
        c.startswith("England and Wales totals include cells published without a number from Durham (2016/17, Q2)") for c in wm.caveats
    )
    recorded = story(multi, force="West Midlands", basis="recorded")
    assert [(m.year, m.quarters) for m in recorded.missing] == [("2017/18", (2,))]
    # Recorded basis: type 0 (999 a year) is never counted; the missing cell is left out, not zeroed.
    assert (recorded.count, recorded.denominator) == (91, 2000)


def test_per_recorded_crime(multi: Store) -> None:
    s = story(multi, force="West Midlands", per="recorded-crime")
    assert (s.count, s.denominator) == (91, 2000 + 2500)
    assert (s.national.count, s.national.denominator) == (356, 4500 + 1000 + 200)  # Action Fraud left out
    shop = next(o for o in s.offences if o.code == "46")
    assert (shop.force_denominator, shop.force_rate) == (2000, 21 / 2000)
    assert shop.national_denominator == 2000 + 1000 + 200
    assert [y.denominator for y in s.by_year] == [2000, 2500]
    assert s.to_json()["per"] == "recorded-crime"


def test_national_multi_year(multi: Store) -> None:
    s = story(multi, force=None)
    assert (s.count, s.denominator) == (356, 3180)
    assert [(y.count, y.denominator) for y in s.by_year] == [(201, 1580), (155, 1600)]
    assert s.missing and s.missing[0].force == "Durham"


def test_markdown_escapes_data(multi: Store) -> None:
    s = story(multi, force="West Midlands")
    nasty = "Burglary <script>x</script> | *bold* _it_ [link](http://x) `code`"
    first = dataclasses.replace(s.offences[0], description=nasty)
    s.offences = [first, *s.offences[1:]]
    md = render_markdown(s)
    assert nasty not in md
    assert md_escape(nasty) in md
    assert "\\<script\\>" in md and "\\|" in md and "\\*bold\\*" in md and "\\[link\\]" in md
    table_rows = [line for line in md.splitlines() if line.startswith("| 28A")]
    assert table_rows and table_rows[0].count(" | ") == 7  # the pipe in the data did not add a column
    text = render_text(s)
    assert nasty in text  # plain text prints data as it is


def test_greater_manchester_and_recorded_basis_caveats(tmp_path: Path) -> None:
    path = tmp_path / "gm.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=OUT_HEADERS)
        w.writeheader()
        for year in ("2014/15", "2019/20"):
            for force, n in (("Greater Manchester", 12), ("Kent", 20)):
                for otype, value in ((8, n), (1, 200)):
                    w.writerow(
                        {
                            "Financial Year": year,
                            "Financial Quarter": 1,
                            "Force Name": force,
                            "Offence Description": "Shoplifting",
                            "Offence Group": "Theft offences",
                            "Offence Subgroup": "Shoplifting",
                            "Offence Code": "46",
                            "Offence Code Expired": "",
                            "Outcome Description": OUTCOME_NAMES[otype][0],
                            "Outcome Group": OUTCOME_NAMES[otype][1],
                            "Outcome Type": otype,
                            "Force outcomes for offences recorded in quarter": value,
                            "Force outcomes recorded in quarter": value,
                        }
                    )
    with Store.open(tmp_path / "gm.duckdb") as store:
        ingest_file(store, path)
        kent = story(store, force="Kent", basis="recorded")
        assert kent.years == ["2014/15", "2019/20"]
        assert kent.years_not_loaded == ["2015/16", "2016/17", "2017/18", "2018/19"]
        joined = " ".join(kent.caveats)
        # Both breaks are other forces': named, sourced, and said to affect the England and Wales totals.
        assert (
            "Greater Manchester could not supply data from July 2019, after a change of crime-recording IT system, so its "
            "2019/20 figures cover April to June 2019 only; the published file has no marker for the gap. The England and "
            "Wales totals for 2019/20 are affected. Source: Home Office"
        ) in joined
        assert "Metropolitan Police and South Yorkshire did not supply recorded-basis outcomes data for some quarters of 2014/15" in joined
        assert "The England and Wales totals for 2014/15 are affected." in joined
        assert "2015/16, 2016/17, 2017/18 and 2018/19 are not loaded" in joined
        assert [(scope, a["id"]) for scope, a in ((x["scope"], x) for x in kent.to_json()["annotations"])] == [
            ("national", "recorded-basis-gaps-2014-15"),
            ("national", "greater-manchester-2019-systems"),
        ]
        gm = story(store, force="GMP")
        assert [(x["scope"], x["id"]) for x in gm.to_json()["annotations"]] == [("force", "greater-manchester-2019-systems")]
        assert any(c.startswith("Greater Manchester could not supply data from July 2019") and "are affected" not in c for c in gm.caveats)
        assert not any("recorded-basis" in c for c in gm.caveats)  # closed basis: the recorded-basis gaps do not apply
        assert gm.to_json()["annotations"][0]["link"].startswith("https://www.gov.uk/")


def test_text_figures_label_each_funnel_verdict(wm: Story) -> None:
    """The lines judge the share against the widened limits; the figures table must not print the
    binomial verdict as if it were the only one (West Midlands: inside the widened limits, below
    the chance-alone 99.8% limit)."""
    assert wm.funnel is not None and wm.funnel.adjusted is not None
    assert wm.funnel.adjusted.verdict == "within limits" and wm.funnel.verdict == "below 99.8% limit"
    rows = {line[:29].strip(): line[29:].strip() for line in render_text(wm).splitlines() if line.startswith("Funnel plot")}
    assert rows["Funnel plot, widened limits"].startswith("within limits (95% limits ")
    assert rows["Funnel plot, chance alone"].startswith("below 99.8% limit (95% limits ")
    assert "Funnel plot" not in rows
