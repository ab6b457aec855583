"""changes(): two editions of the same year, the later revising force-quarter figures and adding a year.

The fixture is built from the real 2017/18 extract's rows for two offence codes (cruelty to
children, 11A, and blackmail, 35): the May 2019 edition holds 2017/18 as published; the July
2019 edition republishes 2017/18 with four force-quarter cells changed by hand and adds
2018/19 (the May rows relabelled). Surrey's adult cautions for cruelty to children go from 2 to
14 in 2017/18: with 2 more in 2018/19 they pass the small-count threshold (10), so the revision
creates a lead. Expected figures are summed here from the rows with plain Python, never
through the store; the stores are loaded through ``pipeline.ingest``, which keeps the leads.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from crime_outcomes.analysis.changes import Changes, changes, headline_text
from crime_outcomes.errors import SelectionError
from crime_outcomes.pipeline import ingest
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, extract_rows, write_outcomes_workbook

CODES = ("11A", "35")
# (force, quarter, code, outcome type, change to recorded, change to closed): the July edition's revisions.
EDITS = [
    ("Kent", 2, "11A", 8, 3, 3),
    ("Durham", 1, "35", 1, 0, -1),
    ("West Midlands", 4, "11A", 1, 2, 0),
    ("Surrey", 3, "11A", 3, 12, 12),
]
REVISION_LEAD = "serious-out-of-court|surrey|adult-caution|11A"
YEAR, NEW_YEAR = "2017/18", "2018/19"
FORCE, QUARTER, CODE, TYPE, RECORDED, CLOSED = 2, 1, 6, 10, 11, 12  # columns of a row in the 2019 layout


def revised(rows: list[list]) -> list[list]:
    out = [list(r) for r in rows]
    for force, quarter, code, kind, d_recorded, d_closed in EDITS:
        hits = [r for r in out if (r[FORCE], r[QUARTER], r[CODE], r[TYPE]) == (force, quarter, code, kind)]
        assert len(hits) == 1, (force, quarter, code, kind)
        hits[0][RECORDED] += d_recorded
        hits[0][CLOSED] += d_closed
    return out


def totals(rows: list[list], basis: int) -> dict[tuple[str, int], int]:
    """(force, outcome type) -> sum over quarters and codes, for outcome types 1-22."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for r in rows:
        if 1 <= r[TYPE] <= 22 and isinstance(r[basis], int):
            out[(r[FORCE], r[TYPE])] += r[basis]
    return out


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory, extract_path: Path) -> tuple[Path, list[list], list[list]]:
    folder = tmp_path_factory.mktemp("editions")
    may = [r for r in extract_rows(extract_path) if r[CODE] in CODES]
    july = revised(may)
    files = [
        write_outcomes_workbook(folder / "prc-outcomes-open-data-mar2018-tables-230519.xlsx", may, HEADERS_2019),
        write_outcomes_workbook(folder / "prc-outcomes-open-data-mar2018-tables-170719.xlsx", july, HEADERS_2019),
        write_outcomes_workbook(
            folder / "prc-outcomes-open-data-mar2019-tables-170719.xlsx", [[NEW_YEAR, *r[1:]] for r in may], HEADERS_2019
        ),
    ]
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        ingest(store, files[0])
        ingest(store, files[1:])
    return db, may, july


@pytest.fixture(scope="module")
def found(editions: tuple[Path, list[list], list[list]]) -> Changes:
    with Store.open(editions[0], read_only=True) as store:
        return changes(store)


@pytest.mark.slow
def test_each_edition_says_which_years_it_added_and_which_it_republished(found: Changes) -> None:
    may, july = found.editions
    assert (may.edition_date, may.new_years, may.revised_years) == (date(2019, 5, 23), [YEAR], [])
    assert (july.edition_date, july.new_years, july.revised_years) == (date(2019, 7, 17), [NEW_YEAR], [YEAR])
    assert [f.file_name for f in july.files] == [
        "prc-outcomes-open-data-mar2018-tables-170719.xlsx",
        "prc-outcomes-open-data-mar2019-tables-170719.xlsx",
    ]
    assert may.label == "23 May 2019 edition" and may.revisions == []


@pytest.mark.slow
def test_the_later_edition_lists_exactly_the_revised_figures(found: Changes, editions: tuple[Path, list[list], list[list]]) -> None:
    _, may, _ = editions
    closed, recorded = totals(may, CLOSED), totals(may, RECORDED)
    expected = {
        ("Kent", YEAR, 8, "closed"): (closed[("Kent", 8)], closed[("Kent", 8)] + 3),
        ("Kent", YEAR, 8, "recorded"): (recorded[("Kent", 8)], recorded[("Kent", 8)] + 3),
        ("Durham", YEAR, 1, "closed"): (closed[("Durham", 1)], closed[("Durham", 1)] - 1),
        ("West Midlands", YEAR, 1, "recorded"): (recorded[("West Midlands", 1)], recorded[("West Midlands", 1)] + 2),
        ("Surrey", YEAR, 3, "closed"): (closed[("Surrey", 3)], closed[("Surrey", 3)] + 12),
        ("Surrey", YEAR, 3, "recorded"): (recorded[("Surrey", 3)], recorded[("Surrey", 3)] + 12),
    }
    july = found.editions[1]
    assert {(r.force, r.year, r.outcome_type, r.basis): (r.old, r.new) for r in july.revisions} == expected
    by_force = {f.force: f for f in july.forces}
    assert [(r.outcome_type, r.basis, r.change) for r in by_force["Kent"].revisions] == [(8, "closed", 3), (8, "recorded", 3)]
    assert [r.change for r in by_force["Durham"].revisions] == [-1]
    assert by_force["Essex"].revisions == []
    body = found.to_json()["editions"][1]
    kent = next(f for f in body["forces"] if f["force"]["slug"] == "kent")
    assert kent["revisions"][0] == {
        "force": {"name": "Kent", "display": "Kent Police", "slug": "kent", "kind": "territorial"},
        "year": YEAR,
        "outcome_type": 8,
        "outcome": "Community Resolution",
        "basis": "closed",
        "old": closed[("Kent", 8)],
        "new": closed[("Kent", 8)] + 3,
        "change": 3,
    }


@pytest.mark.slow
def test_headline_figures_are_as_each_edition_published_them(found: Changes, editions: tuple[Path, list[list], list[list]]) -> None:
    _, may, july = editions
    # The May edition's 2017/18, before the July revisions: Kent's community resolutions as first published.
    kent_may = next(f for f in found.editions[0].forces if f.force == "Kent").headline[0]
    may_closed, july_closed = totals(may, CLOSED), totals(july, CLOSED)
    kent_all = sum(v for (f, _), v in may_closed.items() if f == "Kent")
    assert (kent_may.year, kent_may.previous_year, kent_may.outcomes) == (YEAR, None, kent_all)
    cr = next(g for g in kent_may.groups if g.group == "community-resolution")
    assert (cr.count, cr.share, cr.previous_share) == (may_closed[("Kent", 8)], may_closed[("Kent", 8)] / kent_all, None)
    # The July edition's new year (the May rows) against its own revised 2017/18.
    national = found.editions[1].national[0]
    everything, before = sum(may_closed.values()), sum(july_closed.values())
    assert before == everything + 3 - 1 + 12
    charged = sum(v for (_, t), v in may_closed.items() if t == 1)
    charged_before = sum(v for (_, t), v in july_closed.items() if t == 1)
    out_of_court = sum(v for (_, t), v in may_closed.items() if t in (2, 3, 6, 7, 8, 22))
    assert (national.year, national.previous_year, national.outcomes, national.previous_outcomes) == (NEW_YEAR, YEAR, everything, before)
    groups = {g.group: g for g in national.groups}
    assert groups["charged"].count == charged and groups["charged"].share == charged / everything
    assert groups["charged"].previous_share == charged_before / before
    assert groups["out-of-court"].count == out_of_court
    sentence = headline_text(national, "Forces in England and Wales")
    assert sentence.startswith(f"Forces in England and Wales recorded {everything:,} crime outcomes in 2018/19: ")


@pytest.mark.slow
def test_a_lead_the_revision_created_is_marked_new(found: Changes, editions: tuple[Path, list[list], list[list]]) -> None:
    may, july = found.editions
    assert may.leads_known and july.leads_known
    # The May edition is the first loaded: every lead it has is new, and Surrey's 2 cautions are not one.
    assert REVISION_LEAD not in {lead.key for lead in may.new_leads}
    new = {lead.key: lead for lead in july.new_leads}
    assert REVISION_LEAD in new
    # 14 in the revised 2017/18 and 2 in 2018/19, from the rows by hand.
    surrey = sum(r[CLOSED] for r in editions[2] if (r[FORCE], r[CODE], r[TYPE]) == ("Surrey", "11A", 3))
    assert surrey == 14
    lead = new[REVISION_LEAD]
    assert lead.force == "Surrey" and lead.lead["figures"]["count"] == surrey + 2
    assert "Surrey Police issued 16 adult cautions for cruelty to children" in lead.sentence
    surrey_part = next(f for f in july.forces if f.force == "Surrey")
    assert REVISION_LEAD in {x.key for x in surrey_part.new_leads}
    assert REVISION_LEAD not in {x.key for x in july.gone_leads}


@pytest.mark.slow
def test_since_keeps_the_editions_after_it(editions: tuple[Path, list[list], list[list]]) -> None:
    with Store.open(editions[0], read_only=True) as store:
        assert [e.edition_date for e in changes(store, since="2019-05-23").editions] == [date(2019, 7, 17)]
        assert changes(store, since=date(2019, 7, 17)).editions == []
        assert len(changes(store, since="2019-01-01").editions) == 2
        with pytest.raises(SelectionError, match="since: expected an edition date like 2019-07-17, got 'July'"):
            changes(store, since="July")


def _book(folder: Path, name: str, year: str, kent_cr: int) -> Path:
    """Two forces, one quarter: Kent's community resolutions for blackmail are ``kent_cr``."""
    rows = [
        [year, 1, force, "Blackmail", "Theft offences", "Other theft", "35", None, label, label, kind, count, count]
        for force, kind, label, count in (
            ("Kent", 1, "Charged/Summonsed", 30),
            ("Kent", 8, "Community Resolution", kent_cr),
            ("Durham", 1, "Charged/Summonsed", 20),
            ("Durham", 8, "Community Resolution", 5),
        )
    ]
    return write_outcomes_workbook(folder / name, rows, HEADERS_2019)


def test_each_edition_keeps_the_figures_it_published_through_later_revisions(tmp_path: Path) -> None:
    """Three editions of 2017/18 (Kent's community resolutions 10, then 12, then 15): each edition's
    headline is its own figure, undone from the revisions that came after it."""
    with Store.open(tmp_path / "s.duckdb") as store:
        for name, kent_cr in (("230519", 10), ("170719", 12), ("151019", 15)):
            ingest_file(store, _book(tmp_path, f"prc-outcomes-open-data-mar2018-tables-{name}.xlsx", "2017/18", kent_cr))
        ingest_file(store, _book(tmp_path, "prc-outcomes-open-data-mar2019-tables-151019.xlsx", "2018/19", 1))
        found = changes(store)
    first, second, third = found.editions
    assert (first.new_years, second.new_years, third.new_years) == (["2017/18"], [], ["2018/19"])
    assert (second.revised_years, third.revised_years) == (["2017/18"], ["2017/18"])
    assert [(r.force, r.basis, r.old, r.new) for r in second.revisions] == [("Kent", "closed", 10, 12), ("Kent", "recorded", 10, 12)]
    assert [(r.force, r.basis, r.old, r.new) for r in third.revisions] == [("Kent", "closed", 12, 15), ("Kent", "recorded", 12, 15)]
    kent = next(f for f in first.forces if f.force == "Kent").headline[0]
    assert (kent.year, kent.outcomes) == ("2017/18", 40)  # as first published: 30 charges and 10 community resolutions
    assert next(g for g in kent.groups if g.group == "community-resolution").share == 10 / 40
    new_year = next(f for f in third.forces if f.force == "Kent").headline[0]
    assert (new_year.year, new_year.previous_year, new_year.outcomes, new_year.previous_outcomes) == ("2018/19", "2017/18", 31, 45)
    assert (third.national[0].outcomes, third.national[0].previous_outcomes) == (31 + 25, 45 + 25)
    assert not first.leads_known  # loaded with ingest_file, not the pipeline: no lead snapshots
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        assert [e.label for e in changes(store, since="2019-07-17").editions] == ["15 October 2019 edition"]
