"""The streaming scanners in readers/guards.py give the same verdict however the inflated
XML is cut into chunks (tags straddling a boundary must not be missed or counted twice),
and the limits they enforce come from settings.Limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crime_outcomes.errors import InputError, LimitError, Location
from crime_outcomes.readers import guards
from crime_outcomes.settings import Limits

WHERE = Location("test.ods")
CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
PAD = '<table:table-cell table:number-columns-repeated="1011"/>'


def ods_content(plain_rows: int, repeated: int, empty_repeat: bool, trailing_pad: int) -> bytes:
    row = "<table:table-row>" + CELL.format("2017/18") + CELL.format("Kent") + PAD + "</table:table-row>"
    rep_cells = '<table:table-cell table:number-columns-repeated="1024"/>' if empty_repeat else CELL.format("x") + PAD
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:body><office:spreadsheet>'
        '<table:table table:name="Data">'
        + row * plain_rows
        + f'<table:table-row table:number-rows-repeated="{repeated}">{rep_cells}</table:table-row>'
        + row
        + (
            f'<table:table-row table:number-rows-repeated="{trailing_pad}"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
            if trailing_pad
            else ""
        )
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return body.encode()


def feed(scanner: guards._Scanner, data: bytes, cuts: list[int]) -> None:
    """Feed ``data`` cut at the given positions, then run the exact pass if one is asked for."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    for a, b in zip(points, points[1:], strict=False):
        if b > a:
            scanner.feed(data[a:b])
    scanner.finish()
    if scanner.wants_rescan:
        exact = scanner.exact()
        assert exact is not None
        feed(exact, data, [])


@pytest.fixture(autouse=True)
def small_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small carry so that a few kilobytes of XML cross many window boundaries."""
    monkeypatch.setattr(guards, "_CARRY", 512)
    monkeypatch.setattr(guards, "_MAX_TAG", 256)


@settings(max_examples=80, deadline=None)
@given(
    plain=st.integers(0, 40),
    repeated=st.integers(1, 3000),
    empty=st.booleans(),
    pad=st.sampled_from([0, 5, 1_000_000]),
    cuts=st.lists(st.integers(0, 20_000), max_size=40),
)
def test_ods_row_count_does_not_depend_on_chunking(plain: int, repeated: int, empty: bool, pad: int, cuts: list[int]) -> None:
    limits = Limits(max_rows=1000)
    data = ods_content(plain, repeated, empty, pad)
    # Rows: the plain ones, the repeated one (counted even when empty: a data row follows
    # it), the row after; trailing empty padding is not counted.
    declared = plain + repeated + 1
    scanner = guards._OdsContentScanner("content.xml", WHERE, limits)
    if declared > limits.max_rows:
        with pytest.raises(LimitError) as info:
            feed(scanner, data, cuts)
        assert info.value.where.sheet == "Data"
    else:
        feed(scanner, data, cuts)


def xlsx_sheet(rows: int, far: str | None, at: int) -> bytes:
    cells = []
    for r in range(1, rows + 1):
        cells.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>v</t></is></c><c r="M{r}"><v>1</v></c></row>')
    if far is not None:
        cells.insert(min(at, len(cells)), far)
    return ('<?xml version="1.0"?><worksheet><sheetData>' + "".join(cells) + "</sheetData></worksheet>").encode()


FAR_CELLS = [
    '<row r="5000"><c r="XFD5000"><v>1</v></c></row>',  # explicit far cell
    '<row r="7"><c r="A7" r="XFD1048576"><v>1</v></c></row>',  # the last r counts
    '<row r="7"><c foo=">" r="XFD1048576"><v>1</v></c></row>',  # '>' inside a value
    '<row r="7"><c r="xfd1048576"><v>1</v></c></row>',  # lower case
    '<row r="1048000"><c><v>1</v></c>' + "<c/>" * 40 + "</row>",  # positions implied
    '<x:row r="1048000"><x:c r="AZ1048000"><v>1</v></x:c></x:row>',  # a namespace prefix
]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(1, 60),
    far=st.sampled_from([None, *FAR_CELLS]),
    at=st.integers(0, 60),
    cuts=st.lists(st.integers(0, 20_000), max_size=40),
)
def test_xlsx_grid_bound_does_not_depend_on_chunking(rows: int, far: str | None, at: int, cuts: list[int]) -> None:
    limits = Limits(max_cells=20_000_000)
    scanner = guards._XlsxScanner("xl/worksheets/sheet1.xml", WHERE, limits, "Data")
    data = xlsx_sheet(rows, far, at)
    if far is None:
        feed(scanner, data, cuts)
        assert not scanner.unusual
    else:
        with pytest.raises(LimitError):
            feed(scanner, data, cuts)


def test_far_cell_found_when_both_sheetdata_tags_are_cut_in_two() -> None:
    """Found by the property test above: cuts inside '<sheetData>' and '</sheetData>' hid the
    tag name from a per-chunk check, so the quick pass never asked for the exact one."""
    data = xlsx_sheet(1, FAR_CELLS[0], 0)
    with pytest.raises(LimitError):
        feed(guards._XlsxScanner("xl/worksheets/sheet1.xml", WHERE, Limits(max_cells=20_000_000), "Data"), data, [34, 177])


def test_a_full_sheet_of_thirteen_columns_fits_the_default_cell_limit() -> None:
    assert 1_048_576 * 13 < Limits().max_cells


def test_shared_string_count_found_in_a_broken_tag() -> None:
    """Found by fuzzing: a tag the parser reads past a stray '<?xml' still carries the count."""
    data = (
        b'<?xml version="1.0"?><sst xmlns="x<?xml version="1.0"?><sst count="2000000000" uniqueCount="2000000000"><si><t>a</t></si></sst>'
    )
    with pytest.raises(LimitError):
        feed(guards._XlsxScanner("xl/sharedStrings.xml", WHERE, Limits(), None), data, [30])


@pytest.mark.parametrize(
    "head",
    [b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', b"\xff\xfe<\x00?\x00x\x00", b'<?xml version="1.0"?>\n<!doctype x><x/>'],
)
def test_dtd_and_non_utf8_heads_are_refused(head: bytes) -> None:
    with pytest.raises(InputError):
        feed(guards._XmlHeadScanner("styles.xml", WHERE), head, [])


def test_space_runs_are_bounded() -> None:
    data = b'<office:document-content><table:table table:name="S"><table:table-row><table:table-cell><text:p>a<text:s text:c="70000"/></text:p></table:table-cell></table:table-row></table:table></office:document-content>'
    with pytest.raises(LimitError):
        feed(guards._OdsContentScanner("content.xml", WHERE, Limits()), data, [40, 90])
    ok = data.replace(b"70000", b"3")
    feed(guards._OdsContentScanner("content.xml", WHERE, Limits()), ok, [40, 90])


def test_guard_passes_a_written_workbook(tmp_path: Path) -> None:
    from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, synthetic_rows, write_outcomes_workbook

    for suffix, headers in ((".xlsx", HEADERS_CURRENT), (".ods", HEADERS_2019)):
        path = write_outcomes_workbook(tmp_path / f"ok{suffix}", synthetic_rows(3000, headers=headers), headers)
        guards.check_spreadsheet_container(path, Limits())
