"""The test-workbook writer: files it writes must read back as the published files do.

Two independent readers (fastexcel and python-calamine) must agree on every cell, since the
ingest path trusts fastexcel and any disagreement would mean the writer, not the reader, is
being tested. Writing the whole real extract is left to the end-to-end tests.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import fastexcel
import pytest
from python_calamine import CalamineWorkbook

from crime_outcomes.testing import workbooks
from crime_outcomes.testing.workbooks import (
    BENCH_ROWS,
    DATA_SHEET_2019,
    HEADERS_2019,
    HEADERS_CURRENT,
    ODS_PAD_COLUMNS,
    PFA_HEADERS,
    SHARED_EXTRACT,
    SHEET_MAX_ROWS,
    RepeatedRow,
    extract_rows,
    synthetic_rows,
    write_ods,
    write_outcomes_workbook,
    write_pfa_workbook,
    write_xlsx,
)

needs_extract = pytest.mark.skipif(not SHARED_EXTRACT.exists(), reason=f"real extract not found at {SHARED_EXTRACT}")

ROWS: list[list[object]] = [
    ["2017/18", 1, "Kent", "Cruelty to children/young persons", "Violence against the person", "Violence without injury",
     "4.10", None, "Caution – youths", "Out-of-court (formal)", 2, 3, 0],
    ["2017/18", 2, "London, City of", "Absconding from lawful custody", "Miscellaneous crimes against society",
     "Miscellaneous crimes", 80, "x", "Not yet assigned an outcome", "Not yet assigned an outcome", 0, -4, "N/A"],
    ["2017/18", 3, "Durham", "Wildlife", "Miscellaneous crimes against society", "Miscellaneous crimes",
     "37.2", None, "Community Resolution", "Out-of-court (informal)", 8, "N/A - data not provided", 2.5],
    ["2017/18", 4, "Dyfed-Powys", "A  <b> & 'quoted'", "two\nlines", " leading space",
     "1/4.1/4.10/4.2", None, "Charged/Summonsed", "Charged/Summonsed", 1, 0, 0],
]  # fmt: skip


def _text(value: object) -> str | None:
    """A written value as a text reader should return it."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trim(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Drop trailing empty rows and columns, which readers may or may not report."""
    while rows and all(c is None for c in rows[-1]):
        rows.pop()
    width = max((i + 1 for r in rows for i, c in enumerate(r) if c is not None), default=0)
    return [r[:width] + [None] * (width - len(r)) for r in rows]


def read_fastexcel(path: Path) -> dict[str, list[list[str | None]]]:
    reader = fastexcel.read_excel(path)
    out = {}
    for index, name in enumerate(reader.sheet_names):
        table = reader.load_sheet(index, header_row=None, dtypes="string").to_arrow()
        out[name] = _trim([list(r.values()) for r in table.to_pylist()])
    return out


def read_calamine(path: Path) -> dict[str, list[list[str | None]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: _trim([[_text(c) for c in r] for r in book.get_sheet_by_index(i).to_python()]) for i, name in enumerate(book.sheet_names)}


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_outcomes_workbook_reads_back_the_same_in_both_readers(tmp_path: Path, suffix: str) -> None:
    path = write_outcomes_workbook(tmp_path / f"outcomes.{suffix}", ROWS, HEADERS_2019)
    fast, cal = read_fastexcel(path), read_calamine(path)
    assert list(fast) == ["Cover_sheet", "Notes", "Pivot", DATA_SHEET_2019]
    assert fast == cal
    data = fast[DATA_SHEET_2019]
    assert data[0] == list(HEADERS_2019)
    assert data[1:] == [[_text(v) for v in row] for row in ROWS]
    assert fast["Pivot"][0][0] == "1"  # the pivot starts with figures, not headers


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_offence_codes_keep_their_cell_type(tmp_path: Path, suffix: str) -> None:
    path = write_outcomes_workbook(tmp_path / f"codes.{suffix}", ROWS, HEADERS_2019, extra_sheets=False)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [DATA_SHEET_2019]
    codes = [r[6] for r in book.get_sheet_by_index(0).to_python()[1:]]
    assert codes[0] == "4.10"  # text: never 4.1
    assert codes[1] == 80 and not isinstance(codes[1], str)  # a numeric cell, as asked
    assert codes[3] == "1/4.1/4.10/4.2"


def test_ods_padding_is_in_the_xml_but_reads_back_empty(tmp_path: Path) -> None:
    path = write_outcomes_workbook(tmp_path / "padded.ods", ROWS, HEADERS_2019, extra_sheets=False)
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert {"META-INF/manifest.xml", "styles.xml", "content.xml"} <= set(archive.namelist())
        xml = archive.read("content.xml").decode()
    pad = ODS_PAD_COLUMNS - len(HEADERS_2019)
    assert f'<table:table-cell table:number-columns-repeated="{pad}"/>' in xml
    assert f'table:number-rows-repeated="{SHEET_MAX_ROWS - 1 - len(ROWS)}"' in xml
    assert 'office:value-type="float" office:value="-4"><text:p>-4</text:p>' in xml
    assert 'office:value-type="string"><text:p>4.10</text:p>' in xml

    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
    table = sheet.to_arrow()
    rows = [list(r.values()) for r in table.to_pylist()]
    for row in rows[1 + len(ROWS) :]:
        assert all(c is None for c in row)
    for row in rows:
        assert all(c is None for c in row[len(HEADERS_2019) :])
    assert _trim(rows)[1:] == [[_text(v) for v in row] for row in ROWS]


def test_ods_without_padding_has_no_repeats_at_the_end(tmp_path: Path) -> None:
    path = write_outcomes_workbook(tmp_path / "plain.ods", ROWS, HEADERS_2019, ods_padding=False)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("content.xml").decode()
    assert "number-rows-repeated" not in xml
    assert f'number-columns-repeated="{ODS_PAD_COLUMNS - len(HEADERS_2019)}"' not in xml
    assert read_fastexcel(path) == read_calamine(path)


def test_equal_neighbouring_cells_are_merged_in_ods(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "merged.ods", [("S", [["a", 0, 0, 0, None, None, "b"]])], padding=False)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("content.xml").decode()
    assert 'number-columns-repeated="3" office:value-type="float" office:value="0"' in xml
    assert '<table:table-cell table:number-columns-repeated="2"/>' in xml
    assert read_fastexcel(path)["S"] == [["a", "0", "0", "0", None, None, "b"]]


@pytest.mark.parametrize("padding", [True, False])
def test_repeated_rows_are_written_once_and_read_many_times(tmp_path: Path, padding: bool) -> None:
    sheets = [("Hostile", [["h1", "h2", "h3", "h4"], RepeatedRow(("same", 7, None, "4.10"), 5), ["last", 1, 2, 3]])]
    path = write_ods(tmp_path / "repeat.ods", sheets, padding=padding)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("content.xml").decode()
    assert xml.count('table:number-rows-repeated="5"') == 1
    expected = [["h1", "h2", "h3", "h4"]] + [["same", "7", None, "4.10"]] * 5 + [["last", "1", "2", "3"]]
    assert read_fastexcel(path)["Hostile"] == expected
    assert read_calamine(path)["Hostile"] == expected
    xlsx = write_xlsx(tmp_path / "repeat.xlsx", sheets)
    assert read_fastexcel(xlsx)["Hostile"] == expected


def test_ods_can_declare_more_rows_than_a_sheet_holds_only_when_asked(tmp_path: Path) -> None:
    huge = [("Big", [["a"], RepeatedRow(("b",), SHEET_MAX_ROWS)])]
    with pytest.raises(ValueError, match="rows"):
        write_ods(tmp_path / "big.ods", huge)
    assert not (tmp_path / "big.ods").exists()
    path = write_ods(tmp_path / "big.ods", huge, max_rows=None, padding=False)
    with zipfile.ZipFile(path) as archive:
        assert f'table:number-rows-repeated="{SHEET_MAX_ROWS}"' in archive.read("content.xml").decode()


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbooks, "SHEET_MAX_ROWS", 3)  # the real cap would need a million rows
    with pytest.raises(ValueError, match="most an xlsx sheet holds"):
        write_xlsx(tmp_path / "big.xlsx", [("S", [["a"], RepeatedRow(("b",), 3)])])
    assert not (tmp_path / "big.xlsx").exists()


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_pfa_workbook_layout(tmp_path: Path, suffix: str) -> None:
    year = [["2017/18", q, "Kent", "Blackmail", "Theft offences", "Other theft offences", "35", 10 * q] for q in (1, 2, 3, 4)]
    path = write_pfa_workbook(tmp_path / f"pfa.{suffix}", {"2016_17": year[:1], "2017_18": year})
    fast = read_fastexcel(path)
    assert list(fast) == ["Cover_sheet", "Notes_", "2016_17", "2017_18"]
    assert fast["2017_18"][0] == list(PFA_HEADERS)
    assert fast["2017_18"][4] == ["2017/18", "4", "Kent", "Blackmail", "Theft offences", "Other theft offences", "35", "40"]
    assert fast == read_calamine(path)


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="data row 2 has 2 cells"):
        write_outcomes_workbook(tmp_path / "w.ods", [["a", "b"]], HEADERS_2019)
    assert not (tmp_path / "w.ods").exists()
    with pytest.raises(ValueError, match="suffix"):
        write_outcomes_workbook(tmp_path / "w.csv", ROWS, HEADERS_2019)
    with pytest.raises(TypeError):
        write_ods(tmp_path / "t.ods", [("S", [[object()]])])
    with pytest.raises(ValueError, match="control character"):
        write_ods(tmp_path / "c.ods", [("S", [["bell\x07"]])])
    with pytest.raises(ValueError, match="unknown outcomes header"):
        list(synthetic_rows(1, headers=(*HEADERS_2019[:-1], "Closed")))


@needs_extract
def test_current_headers_put_the_same_values_under_the_same_names(tmp_path: Path) -> None:
    old = list(extract_rows(headers=HEADERS_2019, limit=200))
    new = list(extract_rows(headers=HEADERS_CURRENT, limit=200))
    assert HEADERS_CURRENT.index("Outcome Type") != HEADERS_2019.index("Outcome Type")
    by_position = {h: i for i, h in enumerate(HEADERS_CURRENT)}
    for header_2019, header_now in zip(HEADERS_2019, _same_fields(), strict=True):
        for a, b in zip(old, new, strict=True):
            assert a[HEADERS_2019.index(header_2019)] == b[by_position[header_now]]
    path = write_outcomes_workbook(tmp_path / "current.xlsx", new, HEADERS_CURRENT)
    assert read_fastexcel(path)[DATA_SHEET_2019][0] == list(HEADERS_CURRENT)


def _same_fields() -> list[str]:
    """HEADERS_CURRENT wording for each HEADERS_2019 header, in 2019 order."""
    renamed = {
        "Offence Code Expired": "Offence code expired",
        "Force outcomes for offences recorded in quarter": "Outcomes for offences that were recorded in the quarter",
        "Force outcomes recorded in quarter": "Outcomes for investigations closed in the quarter",
    }
    return [renamed.get(h, h) for h in HEADERS_2019]


@needs_extract
def test_extract_rows_yields_the_real_figures() -> None:
    rows = 0
    community_resolutions = 0
    closed_type0: Counter[object] = Counter()
    for row in extract_rows():
        rows += 1
        assert isinstance(row[6], str) and row[7] is None
        if row[10] == 8:
            community_resolutions += row[-1]
        elif row[10] == 0:
            closed_type0[row[-1]] += 1
    assert rows == 450_912
    assert community_resolutions == 101_893
    assert set(closed_type0) == {"N/A"}


@needs_extract
def test_extract_rows_numeric_codes_only_touch_digit_codes() -> None:
    codes = {row[6] for row in extract_rows(limit=30_000, numeric_codes=True)}
    assert 80 in codes and "80" not in codes
    assert all(isinstance(c, int) or not c.isdigit() for c in codes)
    assert {c for c in codes if isinstance(c, str) and "." in c}  # e.g. 37.2 stays text


def test_synthetic_rows_have_the_real_shape() -> None:
    one_year = 4 * 44 * len(workbooks._OFFENCES) * 21
    rows = list(synthetic_rows(one_year + 10, seed=3))
    assert len(rows) == one_year + 10
    assert rows[:5000] == list(synthetic_rows(5000, seed=3))
    assert rows[:5000] != list(synthetic_rows(5000, seed=4))
    assert 120 <= len(workbooks._OFFENCES) <= 140
    year = rows[:one_year]
    assert len({r[2] for r in year}) == 44
    assert sorted({r[10] for r in year}) == [*range(19), 20, 21]
    assert {r[0] for r in rows} == {"2017/18", "2018/19"}
    assert all(r[12] == "N/A" for r in year if r[10] == 0)
    recorded = Counter(type(r[11]) for r in year)
    assert recorded[int] > 0.9 * one_year
    assert "N/A - Offence code expired" in {r[11] for r in year}
    counts = [r[12] for r in year if isinstance(r[12], int)]
    assert 0.4 < counts.count(0) / len(counts) < 0.7 and min(counts) < 0
    assert BENCH_ROWS < SHEET_MAX_ROWS


def test_synthetic_rows_follow_the_header_edition() -> None:
    old = list(synthetic_rows(50, headers=HEADERS_2019))
    new = list(synthetic_rows(50, headers=HEADERS_CURRENT))
    for header_2019, header_now in zip(HEADERS_2019, _same_fields(), strict=True):
        assert [r[HEADERS_2019.index(header_2019)] for r in old] == [r[HEADERS_CURRENT.index(header_now)] for r in new]
