"""ods padding past the sheet's last row: empty padding loads (and is reported), data past the limit is refused.

LibreOffice ends a sheet with one empty row marked as repeated; a file can declare that row
repeated past row 1,048,576. The reader then stops the repeat at the sheet's end and says so;
that loses nothing when the rows are empty, and would lose data if rows with values followed.
The files are a few kilobytes: each repeat is one XML element.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crime_outcomes.errors import LimitError
from crime_outcomes.readers import read_file
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import DATA_SHEET_2019, HEADERS_2019, RepeatedRow, extract_rows, write_ods

EMPTY = [None] * len(HEADERS_2019)
CLOSED = HEADERS_2019.index("Force outcomes recorded in quarter")


def data_rows(n: int) -> list[list[object]]:
    return [list(r) for r in extract_rows(limit=n)]


def test_empty_padding_past_the_last_row_loads_and_is_reported(tmp_path: Path) -> None:
    rows = data_rows(3)
    path = write_ods(
        tmp_path / "padded.ods", [(DATA_SHEET_2019, [list(HEADERS_2019), *rows, RepeatedRow(EMPTY, 2_000_000)])], max_rows=None
    )
    with Store.open(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, path)
        closed = store.fetchone("SELECT sum(closed) FROM outcomes")[0]
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == ("loaded", 3, 3, 0)
    assert closed == sum(r[CLOSED] for r in rows if isinstance(r[CLOSED], int))
    # Header on row 1, data on rows 2-4, the padding from row 5.
    assert report.notes == [
        f"sheet '{DATA_SHEET_2019}': rows 5 to 2,000,004 (2,000,000 rows) are one empty row repeated past the 1,048,576 rows "
        "a sheet holds: padding with no data, so none of them was read as a row"
    ]


def test_several_empty_padding_runs_past_the_last_row_are_each_reported(tmp_path: Path) -> None:
    rows = data_rows(2)
    sheet = [list(HEADERS_2019), *rows, RepeatedRow(EMPTY, 1_500_000), RepeatedRow(EMPTY, 700_000)]
    path = write_ods(tmp_path / "padded-twice.ods", [("Cover_sheet", [["Outcomes"]]), (DATA_SHEET_2019, sheet)], max_rows=None)
    (raw,) = list(read_file(path))
    assert raw.num_rows == 2
    assert [n.split(" are ")[0] for n in raw.notes] == [
        f"sheet '{DATA_SHEET_2019}': rows 4 to 1,500,003 (1,500,000 rows)",
        f"sheet '{DATA_SHEET_2019}': rows 1,500,004 to 2,200,003 (700,000 rows)",
    ]


def test_data_after_empty_rows_past_the_last_row_is_still_refused(tmp_path: Path) -> None:
    rows = data_rows(2)
    sheet = [list(HEADERS_2019), rows[0], RepeatedRow(EMPTY, 1_500_000), rows[1]]
    path = write_ods(tmp_path / "hidden.ods", [(DATA_SHEET_2019, sheet)], max_rows=None)
    with pytest.raises(LimitError) as info:
        list(read_file(path))
    assert (info.value.where.sheet, info.value.where.row) == (DATA_SHEET_2019, 1_500_003)
    assert "the reader would silently drop it" in info.value.problem


def test_a_repeated_row_with_values_past_the_last_row_is_still_refused(tmp_path: Path) -> None:
    rows = data_rows(2)
    sheet = [list(HEADERS_2019), rows[0], RepeatedRow(rows[1], 1_100_000)]
    path = write_ods(tmp_path / "repeated.ods", [(DATA_SHEET_2019, sheet)], max_rows=None)
    with pytest.raises(LimitError) as info:
        list(read_file(path))
    assert (info.value.where.sheet, info.value.where.row) == (DATA_SHEET_2019, 3)


def test_padding_does_not_excuse_a_capped_column_repeat(tmp_path: Path) -> None:
    rows = data_rows(2)
    wide = rows[1] + ["x"] * 20_000
    sheet = [list(HEADERS_2019), rows[0], wide, RepeatedRow(EMPTY, 2_000_000)]
    path = write_ods(tmp_path / "wide.ods", [(DATA_SHEET_2019, sheet)], padding=False, max_rows=None)
    with pytest.raises(LimitError) as info:
        list(read_file(path))
    assert "the reader would silently drop the rest" in info.value.problem
    assert "column" in (info.value.found or "")
