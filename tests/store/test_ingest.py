"""Ingest: one transaction per file, no-op re-ingest, editions replacing each other, accounting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crime_outcomes.errors import InputError
from crime_outcomes.sources.filenames import edition_from_filename, year_from_filename
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook


def rows(cr_kent: int = 5, extra: bool = False):
    base = [
        [
            "2017/18",
            1,
            "Kent",
            "Blackmail",
            "Theft offences",
            "Other theft",
            "35",
            None,
            "Community Resolution",
            "Out-of-court (informal)",
            8,
            cr_kent,
            cr_kent,
        ],
        [
            "2017/18",
            1,
            "Kent",
            "Blackmail",
            "Theft offences",
            "Other theft",
            "35",
            None,
            "Charged/Summonsed",
            "Charged/Summonsed",
            1,
            10,
            9,
        ],
        [
            "2017/18",
            1,
            "Kent",
            "Blackmail",
            "Theft offences",
            "Other theft",
            "35",
            None,
            "Caution – adults",
            "Out-of-court (formal)",
            "3a",
            1,
            1,
        ],
        [
            "2017/18",
            1,
            "Gotham",
            "Blackmail",
            "Theft offences",
            "Other theft",
            "35",
            None,
            "Charged/Summonsed",
            "Charged/Summonsed",
            1,
            10,
            9,
        ],
    ]
    if extra:
        base.append(
            [
                "2017/18",
                2,
                "Surrey",
                "Blackmail",
                "Theft offences",
                "Other theft",
                "35",
                None,
                "Community Resolution",
                "Out-of-court (informal)",
                8,
                2,
                2,
            ]
        )
    return base


@pytest.fixture()
def store(tmp_path: Path):
    with Store.open(tmp_path / "store.duckdb") as s:
        yield s


def test_accounting_and_routing(store: Store, tmp_path: Path):
    path = write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-200718.xlsx", rows(), HEADERS_2019)
    report = ingest_file(store, path)
    assert report.status == "loaded"
    assert (report.rows_read, report.rows_loaded, report.rows_alternate, report.rows_rejected) == (4, 3, 1, 1)
    assert report.edition_date == date(2018, 7, 20)
    assert store.fetchone("SELECT count(*) FROM outcomes")[0] == 2
    assert store.fetchone("SELECT outcome_type, closed FROM alternate_outcomes") == ("3a", 1)
    rej = store.fetchone("SELECT file_name, sheet, source_row, column_name, reason FROM rejected_rows")
    assert rej[:4] == (path.name, "Outcomes_open_data__2017-18", 5, "Force Name")
    src = store.fetchone("SELECT rows_read, rows_loaded, rows_rejected, years, sha256 FROM sources")
    assert src[:4] == (4, 3, 1, "2017/18") and len(src[4]) == 64


def test_same_file_twice_is_a_no_op(store: Store, tmp_path: Path):
    path = write_outcomes_workbook(tmp_path / "a.xlsx", rows(), HEADERS_2019)
    ingest_file(store, path)
    before = store.table_counts()
    again = ingest_file(store, path)
    assert again.status == "unchanged"
    assert store.table_counts() == before


def test_newer_edition_replaces_older_and_records_revisions(store: Store, tmp_path: Path):
    old = write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-190718.xlsx", rows(cr_kent=5), HEADERS_2019)
    new = write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-170719.xlsx", rows(cr_kent=7, extra=True), HEADERS_2019)
    first = ingest_file(store, old)
    second = ingest_file(store, new)
    assert second.status == "replaced" and second.replaced_source_ids == [first.source_id]
    assert store.fetchone("SELECT sum(closed) FROM outcomes WHERE outcome_type = 8")[0] == 9
    assert store.fetchone("SELECT count(DISTINCT source_id) FROM outcomes")[0] == 1
    assert store.fetchone("SELECT superseded_by FROM sources WHERE source_id = ?", [first.source_id])[0] == second.source_id
    changed = {(r.force, r.outcome_type, r.basis): (r.old, r.new) for r in second.revisions}
    assert changed[("Kent", 8, "closed")] == (5, 7)
    assert changed[("Surrey", 8, "recorded")] == (None, 2)
    assert store.fetchone("SELECT count(*) FROM revisions")[0] == len(second.revisions)
    # an older edition arriving later is not loaded over the newer one
    older = write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-010118.xlsx", rows(cr_kent=1), HEADERS_2019)
    before = store.table_counts()
    assert ingest_file(store, older).status == "older-edition-skipped"
    assert store.table_counts() == before


def test_failed_load_leaves_store_unchanged(store: Store, tmp_path: Path):
    ingest_file(store, write_outcomes_workbook(tmp_path / "good.xlsx", rows(), HEADERS_2019))
    before = store.table_counts()
    sources_before = store.fetchall("SELECT * FROM sources")
    bad = write_outcomes_workbook(tmp_path / "bad.xlsx", [r[:-1] for r in rows()], HEADERS_2019[:-1])
    with pytest.raises(InputError) as info:
        ingest_file(store, bad)
    assert "bad.xlsx" in str(info.value) and "Outcomes_open_data__2017-18" in str(info.value) and "closed" in str(info.value)
    assert store.table_counts() == before
    assert store.fetchall("SELECT * FROM sources") == sources_before


def test_no_data_sheet(store: Store, tmp_path: Path):
    path = write_outcomes_workbook(tmp_path / "nodata.ods", [], ["Title", "Something"], sheet_name="Sheet1")
    with pytest.raises(InputError) as info:
        ingest_file(store, path)
    assert "no data sheet found" in str(info.value) and "'Cover_sheet'" in str(info.value)


def test_names():
    assert edition_from_filename("prc-outcomes-open-data-mar2018-tables-170726.xlsx") == date(2026, 7, 17)
    assert edition_from_filename("prc-outcomes-open-data-mar2018-tables.ods") is None
    assert year_from_filename("prc-outcomes-open-data-mar2018-tables-170726.xlsx") == "2017/18"
    assert year_from_filename("prc-pfa-mar2013-onwards-tables-170726.ods") is None


def test_annual_table_follows_every_load(store: Store, tmp_path: Path):
    """outcomes_annual must always equal outcomes summed over quarters, through replacements."""
    check = """SELECT count(*) FROM (
                 SELECT financial_year, force, offence_code, outcome_type, sum(recorded) r, sum(closed) c FROM outcomes GROUP BY ALL
                 EXCEPT SELECT financial_year, force, offence_code, outcome_type, recorded, closed FROM outcomes_annual)"""
    ingest_file(
        store,
        write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-190718.xlsx", rows(cr_kent=5, extra=True), HEADERS_2019),
    )
    assert store.fetchone(check)[0] == 0
    assert store.fetchone("SELECT closed FROM outcomes_annual WHERE force = 'Kent' AND outcome_type = 8")[0] == 5
    ingest_file(
        store, write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-170719.xlsx", rows(cr_kent=7), HEADERS_2019)
    )
    assert store.fetchone(check)[0] == 0
    assert store.fetchone("SELECT closed FROM outcomes_annual WHERE force = 'Kent' AND outcome_type = 8")[0] == 7
    assert store.fetchone("SELECT count(*) FROM outcomes_annual WHERE force = 'Surrey'")[0] == 0


def test_broken_row_accounting_is_an_error_not_an_assert(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Even under ``python -O``: a sheet whose rows do not add up is refused and nothing is written."""
    import dataclasses

    from crime_outcomes.store import ingest as ingest_module

    real = ingest_module.normalise_sheet
    monkeypatch.setattr(
        ingest_module, "normalise_sheet", lambda raw, **kw: dataclasses.replace(real(raw, **kw), rows_read=real(raw, **kw).rows_read + 1)
    )
    path = write_outcomes_workbook(tmp_path / "a.xlsx", rows(), HEADERS_2019)
    before = store.table_counts()
    with pytest.raises(InputError) as caught:
        ingest_file(store, path)
    assert "row accounting does not add up" in str(caught.value)
    assert "found 5 read, 3 loaded, 1 rejected" in str(caught.value)
    assert store.table_counts() == before


def _row(quarter: int, force: str, number: int | str, label: str, recorded: object, closed: object) -> list[object]:
    return ["2017/18", quarter, force, "Blackmail", "Theft offences", "Other theft", "35", None, label, label, number, recorded, closed]


WIDE_NAMES = ["recorded_all", "closed_all", *(f"{b}_{t}" for t in range(23) for b in ("recorded", "closed"))]


def _expected_derived(store: Store) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """outcomes_wide and outcomes_missing computed in plain Python from the rows of outcomes."""
    sums: dict[tuple[str, str, str], dict[str, int]] = {}
    types_held: dict[tuple[str, str, str], set[int]] = {}
    missing: set[tuple[object, ...]] = set()
    for row in store.records("SELECT * FROM outcomes"):
        key = (row["financial_year"], row["force"], row["offence_code"])
        cell = sums.setdefault(key, {})
        held = types_held.setdefault(key, set())
        t = row["outcome_type"]
        for basis in ("recorded", "closed"):
            if row[basis] is not None:
                cell[f"{basis}_{t}"] = cell.get(f"{basis}_{t}", 0) + row[basis]
                if 1 <= t <= 22:
                    cell[f"{basis}_all"] = cell.get(f"{basis}_all", 0) + row[basis]
        if 1 <= t <= 22:
            held.add(t)
            if row["recorded"] is None or row["closed"] is None:
                missing.add(tuple(row.values()))
    wide = {(*key, len(types_held[key]), *(cell.get(n) for n in WIDE_NAMES)) for key, cell in sums.items()}
    return wide, missing


def _derived_in_store(store: Store) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    columns = ", ".join(WIDE_NAMES)
    wide = {tuple(r) for r in store.fetchall(f"SELECT financial_year, force, offence_code, outcome_rows, {columns} FROM outcomes_wide")}
    return wide, {tuple(r) for r in store.fetchall("SELECT * FROM outcomes_missing")}


def test_wide_and_missing_tables_follow_every_load(store: Store, tmp_path: Path):
    """outcomes_wide (a column per type) and outcomes_missing (the cells without a number) always match outcomes."""
    first = [
        _row(1, "Kent", 8, "Community Resolution", 5, 4),
        _row(2, "Kent", 8, "Community Resolution", 2, "N/A - data not provided"),
        _row(1, "Kent", 1, "Charged/Summonsed", 10, 9),
        _row(1, "Kent", 0, "Not yet assigned an outcome", 3, None),
        _row(1, "Durham", 0, "Not yet assigned an outcome", 6, None),
        _row(1, "Surrey", 8, "Community Resolution", "N/A", "N/A"),
    ]
    ingest_file(store, write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-190718.xlsx", first, HEADERS_2019))
    wide, missing = _derived_in_store(store)
    assert (wide, missing) == _expected_derived(store)
    kent = store.records("SELECT * FROM outcomes_wide WHERE force = 'Kent'")[0]
    # Kent, community resolutions: 5 + 2 recorded; closed 4 (quarter 2 published as a marker); all outcomes add charges.
    assert (kent["recorded_8"], kent["closed_8"], kent["recorded_all"], kent["closed_all"], kent["recorded_0"]) == (7, 4, 17, 13, 3)
    assert kent["outcome_rows"] == 2 and kent["recorded_2"] is None
    # Durham published only type 0 (not an outcome): its row says so, and stays out of every share.
    assert store.records("SELECT outcome_rows, recorded_all, recorded_0 FROM outcomes_wide WHERE force = 'Durham'") == [
        {"outcome_rows": 0, "recorded_all": None, "recorded_0": 6}
    ]
    assert sorted((m[2], m[1]) for m in missing) == [("Kent", 2), ("Surrey", 1)]

    replacement = [_row(1, "Kent", 8, "Community Resolution", 6, 6), _row(1, "Kent", 1, "Charged/Summonsed", 10, 9)]
    ingest_file(store, write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-170719.xlsx", replacement, HEADERS_2019))
    wide, missing = _derived_in_store(store)
    assert (wide, missing) == _expected_derived(store)
    assert missing == set() and {w[1] for w in wide} == {"Kent"}
    assert store.years() == ["2017/18"]
