"""Bounds the readers apply before parsing: line length, number of columns, header and
sheet-name length; control characters in headers and sheet names."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crime_outcomes.errors import LimitError
from crime_outcomes.readers import read_file
from crime_outcomes.readers.delimited import _LineMeter
from crime_outcomes.testing.workbooks import HEADERS_CURRENT, synthetic_rows, write_outcomes_workbook

HEADER = ",".join(HEADERS_CURRENT)


def body(n: int = 5) -> list[str]:
    return [",".join("" if v is None else str(v) for v in r) for r in synthetic_rows(n, 3, headers=HEADERS_CURRENT)]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_line_meter_finds_the_first_long_line_across_chunks(chunk: int) -> None:
    data = b"ab\ncdefgh\nij\n" + b"k" * 25 + b"\nlm\n" + b"n" * 40
    meter = _LineMeter(10)
    for i in range(0, len(data), chunk):
        meter.feed(data[i : i + chunk])
    assert meter.too_long is not None
    line, first = meter.too_long
    assert (line, meter.length) == (4, 25) and first == b"k" * 11
    ok = _LineMeter(10)
    for i in range(0, 30, chunk):
        ok.feed((b"0123456789\n" * 3)[i : i + chunk])
    assert ok.too_long is None


@pytest.mark.parametrize("gz", [False, True])
def test_an_over_long_csv_line_is_refused_before_parsing(tmp_path: Path, gz: bool) -> None:
    lines = [HEADER, *body()]
    fields = lines[3].split(",")
    fields[3] = "D" * 70_000
    lines[3] = ",".join(fields)
    text = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("long.csv.gz" if gz else "long.csv")
    path.write_bytes(gzip.compress(text) if gz else text)
    with pytest.raises(LimitError) as err:
        list(read_file(path))
    msg = str(err.value)
    assert "row 4" in msg and "column 'Offence Description'" in msg
    assert f"found {len(lines[3].encode()):,} bytes" in msg and "at most 65,536 bytes" in msg and "CRIME_OUTCOMES_MAX_LINE_BYTES" in msg


def test_too_many_columns_and_over_long_headers_are_refused(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(HEADER + ",x" * 60 + "\n" + "\n".join(r + "," * 60 for r in body()) + "\n")
    with pytest.raises(LimitError, match=r"found 73 columns.*|.*73 columns"):
        list(read_file(wide))
    long_header = tmp_path / "long-header.csv"
    long_header.write_text(HEADER.replace("Offence Group", "Offence Group" + "g" * 300) + "\n" + "\n".join(body()) + "\n")
    with pytest.raises(LimitError) as err:
        list(read_file(long_header))
    assert "row 1, column 'column 5'" in str(err.value) and "313 characters" in str(err.value)


def test_headers_and_sheet_names_are_cleaned(tmp_path: Path) -> None:
    headers = list(HEADERS_CURRENT)
    headers[3] = "Offence\u200b Description\u202e"
    rows = [list(r) for r in synthetic_rows(4, 3, headers=HEADERS_CURRENT)]
    path = write_outcomes_workbook(tmp_path / "x.xlsx", rows, headers, sheet_name="Data\u202e")
    (sheet,) = list(read_file(path))
    assert sheet.sheet == "Data" and sheet.headers[3] == "Offence Description"
    assert sheet.notes == ["2 control or format character(s) removed from the header row"]


def test_a_long_sheet_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [list(r) for r in synthetic_rows(4, 3, headers=HEADERS_CURRENT)]
    path = write_outcomes_workbook(tmp_path / "x.xlsx", rows, HEADERS_CURRENT, sheet_name="Outcomes_2017")
    monkeypatch.setenv("CRIME_OUTCOMES_MAX_SHEET_NAME_CHARS", "5")
    with pytest.raises(LimitError, match="sheet name is longer than the limit"):
        list(read_file(path))
