"""Readers: the data sheet is found by its header row in xlsx, ods and csv files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crime_outcomes.errors import InputError
from crime_outcomes.readers import SkippedSheet, read_file
from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, write_outcomes_workbook

ROWS_2019 = [
    [
        "2017/18",
        1,
        "West Midlands",
        "Homicide",
        "Violence against the person",
        "Homicide",
        "4.10",
        None,
        "Charged/Summonsed",
        "Charged/Summonsed",
        1,
        2,
        1,
    ],
    ["2017/18", 1, "London, City of", "Absconding", "Misc", "Misc", 80, None, "Not yet assigned an outcome", "Not yet", 0, 3, "N/A"],
    [
        "2017/18",
        2,
        "Kent",
        "Blackmail",
        "Theft offences",
        "Other theft",
        "35",
        "x",
        "Community Resolution",
        "Out-of-court (informal)",
        8,
        "N/A - data not provided",
        -2,
    ],
]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_data_sheet_found_after_cover_notes_and_pivot(tmp_path: Path, suffix: str):
    path = write_outcomes_workbook(tmp_path / f"book{suffix}", ROWS_2019, HEADERS_2019)
    skipped: list[SkippedSheet] = []
    sheets = list(read_file(path, skipped))
    assert [s.sheet for s in sheets] == ["Outcomes_open_data__2017-18"]
    assert [s.sheet for s in skipped] == ["Cover_sheet", "Notes", "Pivot"]
    sheet = sheets[0]
    assert sheet.headers == list(HEADERS_2019)
    assert sheet.first_row == 2 and sheet.num_rows == 3
    cols = sheet.table.to_pydict()
    assert cols["c6"] == ["4.10", "80", "35"]  # text code intact, numeric cell without '.0'
    assert cols["c10"] == ["1", "0", "8"]
    assert cols["c12"] == ["1", "N/A", "-2"]
    assert cols["c7"] == [None, None, "x"]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_current_edition_headers(tmp_path: Path, suffix: str):
    rows = [[r[HEADERS_2019.index(_as_2019(h))] for h in HEADERS_CURRENT] for r in ROWS_2019]
    path = write_outcomes_workbook(tmp_path / f"cur{suffix}", rows, HEADERS_CURRENT, sheet_name="Outcomes open data 2017_18")
    (sheet,) = list(read_file(path))
    assert sheet.headers == list(HEADERS_CURRENT)


def _as_2019(header: str) -> str:
    return {
        "Offence code expired": "Offence Code Expired",
        "Outcomes for offences that were recorded in the quarter": "Force outcomes for offences recorded in quarter",
        "Outcomes for investigations closed in the quarter": "Force outcomes recorded in quarter",
    }.get(header, header)


def test_not_a_spreadsheet(tmp_path: Path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"<html>Access denied</html>")
    with pytest.raises(InputError) as info:
        list(read_file(path))
    assert "fake.xlsx" in str(info.value) and "not a spreadsheet" in str(info.value)


def test_unsupported_extension(tmp_path: Path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unsupported file type"):
        list(read_file(path))


def test_csv_with_bom_semicolons_and_crlf(tmp_path: Path):
    text = ";".join(HEADERS_2019) + "\r\n" + ";".join("" if v is None else str(v) for v in ROWS_2019[0]) + "\r\n"
    path = tmp_path / "out.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    (sheet,) = list(read_file(path))
    assert sheet.headers == list(HEADERS_2019)
    assert sheet.table.to_pydict()["c6"] == ["4.10"]


def test_csv_in_latin1(tmp_path: Path):
    row = list(ROWS_2019[0])
    row[3] = "Caf\u00e9 burglary"
    text = ",".join(HEADERS_2019) + "\n" + ",".join("" if v is None else str(v) for v in row) + "\n"
    path = tmp_path / "latin.csv"
    path.write_bytes(text.encode("latin-1"))
    (sheet,) = list(read_file(path))
    assert sheet.table.to_pydict()["c3"] == ["Caf\u00e9 burglary"]
    assert any("cp1252" in n or "latin" in n for n in sheet.notes)


@pytest.mark.parametrize(
    ("cells", "kept"),
    [
        ([["a", "b"], [None, " "], ["\u3000", "\t"], [None, None]], 1),  # blank and whitespace-only rows at the end
        ([["a", "b"], [None, None], [None, "x"]], 3),  # a blank row inside the data stays
        ([[None, None], ["", " "]], 0),
        ([["a", "\x1c"], ["\x1c", None], ["\u200b", None]], 3),  # \x1c is white space to Arrow and Python, \u200b to neither
        ([[f"r{i}", None] for i in range(300)] + [[None, "\u00a0"]] * 2_000, 300),  # past several blocks
    ],
)
def test_trailing_blank_rows_are_dropped_and_nothing_else(cells: list[list[str | None]], kept: int) -> None:
    import pyarrow as pa

    from crime_outcomes.readers.spreadsheet import _drop_trailing_blank_rows

    table = pa.table({f"c{j}": pa.array([row[j] for row in cells], pa.string()) for j in range(2)})
    assert _drop_trailing_blank_rows(table).to_pylist() == table.slice(0, kept).to_pylist()
