"""The real 2017/18 extract through ``normalise_sheet``, checked against sums the standard
library computes from the CSV (tests/conftest.py), so a faster normaliser must give the same
figures to the row."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
from crime_outcomes.readers.base import RawSheet
from crime_outcomes.testing.workbooks import HEADERS_2019, extract_rows

pytestmark = pytest.mark.slow  # 450,912 rows built in Python: several seconds

CITY = {"London, City of": "City of London"}  # the extract's spelling, the store's name


@pytest.fixture(scope="module")
def sheet(extract_path: Path) -> NormalisedSheet:
    rows = list(extract_rows(extract_path, headers=HEADERS_2019))
    columns = {f"c{i}": pa.array([None if r[i] is None else str(r[i]) for r in rows], type=pa.string()) for i in range(len(HEADERS_2019))}
    raw = RawSheet(
        Path("prc-outcomes-open-data-mar2018-tables.ods"), "Outcomes_open_data__2017-18", 1, list(HEADERS_2019), pa.table(columns), 2
    )
    return normalise_sheet(raw, expected_year="2017/18")


def test_every_row_is_loaded_in_order(sheet: NormalisedSheet, extract_sums) -> None:
    assert sheet.rows_read == sheet.main.height == extract_sums.rows == 450_912
    assert sheet.rejected.height == 0 and sheet.alternate.height == 0
    assert sheet.main["source_row"].to_list() == list(range(2, 2 + extract_sums.rows))
    assert sheet.years == ["2017/18"]


def test_counts_by_type_and_force(sheet: NormalisedSheet, extract_sums) -> None:
    by_type = sheet.main.group_by("outcome_type").agg(
        pl.col("closed").sum(), pl.col("closed").count().alias("cells"), pl.col("recorded").sum()
    )
    closed = {r["outcome_type"]: r["closed"] for r in by_type.iter_rows(named=True) if r["cells"]}  # type 0 has no closed cell
    assert closed == extract_sums.closed_by_type
    assert {r["outcome_type"]: r["recorded"] for r in by_type.iter_rows(named=True)} == extract_sums.recorded_by_type
    by_force = sheet.main.filter(sheet.main["closed"].is_not_null()).group_by("force", "outcome_type").agg(pl.col("closed").sum())
    got = {(r["force"], r["outcome_type"]): r["closed"] for r in by_force.iter_rows(named=True)}
    assert got == {(CITY.get(f, f), t): v for (f, t), v in extract_sums.force_type_closed.items()}


def test_missing_and_negative_cells(sheet: NormalisedSheet, extract_sums) -> None:
    main = sheet.main
    type0 = main.filter(main["outcome_type"] == 0)
    assert type0.height == extract_sums.type0_rows
    assert type0["closed"].null_count() == type0.height and set(type0["closed_marker"].to_list()) == {"N/A"}
    assert main["recorded_marker"].null_count() == main.height
    values = [v for c in ("recorded", "closed") for v in main[c].drop_nulls().to_list()]
    assert (sum(v < 0 for v in values), min(values)) == (extract_sums.negative_cells, extract_sums.min_value)


def test_offences_and_outcome_labels(sheet: NormalisedSheet, extract_sums, extract_path: Path) -> None:
    assert sheet.offences["offence_code"].to_list() == sorted(extract_sums.codes)
    assert set(sheet.offences["financial_year"].to_list()) == {"2017/18"}
    assert sheet.offences["expired"].to_list() == [False] * len(extract_sums.codes)
    descriptions: dict[str, str] = {}
    labels: dict[str, tuple[str, str]] = {}
    with gzip.open(extract_path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] != "NA":
                descriptions.setdefault(rec["offence_code"], rec["offence_description"])
                labels.setdefault(rec["outcome_type"], (rec["outcome_description"], rec["outcome_group"]))
    assert dict(zip(sheet.offences["offence_code"], sheet.offences["offence_description"], strict=True)) == descriptions
    got = {r["outcome_type"]: (r["outcome_description"], r["outcome_group"]) for r in sheet.outcome_labels.iter_rows(named=True)}
    assert got == labels


def test_negative_annual_totals_are_named(sheet: NormalisedSheet, extract_sums, extract_path: Path) -> None:
    recorded: dict[tuple[str, str, int], int] = defaultdict(int)
    with gzip.open(extract_path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] != "NA":
                recorded[(rec["force_name"], rec["offence_code"], int(rec["outcome_type"]))] += int(rec["offences"])
    expected = []
    for basis, totals in (("recorded", recorded), ("closed", extract_sums.force_code_type_closed)):
        bad = sorted((v, "2017/18", CITY.get(f, f), c, t) for (f, c, t), v in totals.items() if v < 0)
        if bad:
            v, *key = bad[0]
            expected.append(
                f"{len(bad):,} annual total(s) on the {basis} basis are negative (force, year, offence code and outcome type), "
                f"loaded as published; the lowest: {', '.join(map(str, key))} = {v:,}"
            )
    assert expected, "the real file has negative annual totals; the check must see some"
    assert [n for n in sheet.notes if "annual total(s)" in n] == expected
