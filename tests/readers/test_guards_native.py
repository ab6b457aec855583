"""The native (RE2) pre-checks in readers/guards.py change how fast the guards are, never
what they decide.

Each native pattern is compared with the Python pattern it stands for at every tag start of
a corpus of tag variants, cut at every length (a chunk boundary can fall anywhere); then
whole scanners are compared with reference scanners that send every tag through Python, as
the guards did before, on generated sheets cut at random points.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crime_outcomes.errors import CrimeOutcomesError, Location
from crime_outcomes.readers import guards
from crime_outcomes.settings import Limits
from crime_outcomes.testing.guard_scans import ReferenceOds, ReferenceXlsx

WHERE = Location("test.xlsx")


def tag_starts(text: bytes) -> list[int]:
    return [m.start() for m in re.finditer(rb"<", text)]


def native_matches_at(pattern: str, text: bytes, pos: int) -> bool:
    return guards._native_find(pattern, text, pos) == pos


# --------------------------------------------------------------------------------------------
# xlsx: _XLSX_QUICK_NATIVE fires exactly where _XLSX_QUICK does

XLSX_TAGS = [
    # what Excel, LibreOffice and xlsxwriter write
    '<c r="A1">',
    '<c r="M999999">',
    '<c r="B2" t="inlineStr">',
    '<c r="C3" s="1" t="s">',
    '<c r="D4"/>',
    '<c r="D4" s="2"/>',
    '<row r="1">',
    '<row r="12" spans="1:13" x14ac:dyDescent="0.25">',
    '<row r="999999"/>',
    '<c r="A1" t="str"   >',
    '<c r="A1"\tt="n">',
    '<c r="A1"\n  t="n"\r\n/>',
    '<c r="A1" xr:uid="{1}">',
    '<c r="A1" rr="1" ra="2">',
    '<c r="A1" t="&lt;x&gt;">',
    # what sends a sheet to the Python pattern
    '<c r="N1">',
    '<c r="XFD1048576">',
    '<c r="A1000000">',
    '<row r="1000000">',
    '<row r="1048577">',
    '<c r="a1">',
    '<c r="A0">',
    '<c r="A01">',
    '<c r="">',
    "<c r=A1>",
    "<c r='A1'>",
    '<c r = "A1">',
    '<c  r="A1">',
    '<c\tr="A1">',
    '<c\nr="A1">',
    '<c\rr="A1">',
    '<c\x0br="A1">',
    '<c\x0cr="A1">',
    "<c>",
    "<c/>",
    "<row>",
    "<row/>",
    '<c t="s" r="A1">',
    '<c r="A1" r="XFD1">',
    '<c r="A1" r ="XFD1">',
    '<c r="A1" t="s" r="B1">',
    '<c r="A1" t=s>',
    "<c r=\"A1\" t='s'>",
    '<c r="A1" t="a>b">',
    '<c r="A1" t="a<b">',
    '<c r="A1"t="s">',
    '<c r="A1" t ="s">',
    '<c r="A1" t= "s">',
    '<c r="A1" =" ">',
    '<c r="A1" t="s" / >',
    '<c r="A1" /x>',
    '<c r="A1" t="s"',
    '<c r="A1" t="\xe9">',
    '<c r="A1" \xe9="1">',
    '<c r="A1" t.x-y_z:w="1">',
    '<c r="A1" r:id="1">',
    '<c r="A1" x="1" y="2" z="3" r="4">',
    '<x:c r="A1">',
    '<x:row r="1">',
    "</x:c>",
    # not rows or cells at all
    '<col min="1" max="13" width="9"/>',
    "<cols>",
    '<rowBreaks count="1">',
    "<cfRule>",
    "</c>",
    "</row>",
]
XLSX_CONTEXT = '<sheetData><row r="1"><c r="A1"><v>1</v></c>{}<c r="B1" t="s"><v>2</v></c></row></sheetData>'


@pytest.mark.parametrize("tag", XLSX_TAGS)
def test_xlsx_native_fires_where_the_python_pattern_does(tag: str) -> None:
    text = XLSX_CONTEXT.format(tag).encode("utf-8")
    start = XLSX_CONTEXT.index("{")
    for cut in [len(text), *range(start, start + len(tag.encode()) + 2)]:  # a window may end anywhere, even inside a tag
        part = text[:cut]
        for pos in tag_starts(part) if cut == len(text) else [p for p in tag_starts(part) if p >= start]:
            expected = guards._XLSX_QUICK.match(part, pos) is not None
            assert native_matches_at(guards._XLSX_QUICK_NATIVE, part, pos) == expected, (part[pos:], cut)


XLSX_PIECES = [
    "<c",
    "<row",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "r",
    "t",
    "=",
    '"',
    "'",
    "/",
    ">",
    "<",
    ":",
    ".",
    "-",
    "_",
    "A",
    "M",
    "N",
    "Z",
    "a",
    "0",
    "1",
    "9",
    "123456",
    "\xe9",
    'r="A1"',
    'r="M999999"',
    ' t="s"',
    ' r="B2"',
    "</c>",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(XLSX_PIECES), max_size=30))
def test_xlsx_native_agrees_on_any_tag_soup(pieces: list[str]) -> None:
    text = "".join(pieces).encode("utf-8")
    for pos in tag_starts(text):
        expected = guards._XLSX_QUICK.match(text, pos) is not None
        assert native_matches_at(guards._XLSX_QUICK_NATIVE, text, pos) == expected, text[pos:]


# --------------------------------------------------------------------------------------------
# ods: _ODS_NATIVE finds every event that is not a plain row, and every non-row
# '<table:table-row...'; never a plain row


def ods_kind(text: bytes, pos: int) -> str:
    """What the Python pattern makes of the tag at ``pos``: 'plain' rows only add one.

    'plain?' is a plain row the native pattern may still stop at, as documented (the words
    'number-rows-repeated' or 200 bytes or more in the tag): Python handles it as before."""
    m = guards._ODS_EVENTS.match(text, pos)
    if m is None:
        return "not-a-row" if text.startswith(guards._ROW_START, pos) else "nothing"
    if m.group(1) and m.group(3) and guards._ROWS_REPEATED.search(m.group(2)) is None:
        return "plain?" if b"number-rows-repeated" in m.group(2) or len(m.group(2)) >= 200 else "plain"
    return "event"


ODS_TAGS = [
    "<table:table-row>",
    '<table:table-row table:style-name="ro1">',
    "<table:table-row/>",
    '<table:table-row table:style-name="ro1"/>',
    "<table:table-row\t>",
    "<table:table-row\n\ttable:style-name='ro1'>",
    "<table:table-row\x0b>",
    "<table:table-row\x0c>",
    '<table:table-row table:number-rows-repeated="3">',
    "<table:table-row table:number-rows-repeated = '1048570'>",
    '<table:table-row table:number-rows-repeated="x">',
    '<table:table-row x="number-rows-repeated">',
    '<table:table-row table:style-name="ro1" table:number-rows-repeated="2"/>',
    '<table:table-row a="' + "x" * 150 + '">',
    '<table:table-row a="' + "x" * 196 + '">',
    '<table:table-row a="' + "x" * 197 + '">',
    '<table:table-row a="' + "x" * 300 + '">',
    '<table:table-row a="' + "x" * 5000 + '">',
    '<table:table-row a="<">',
    '<table:table-row a="',
    "<table:table-rows>",
    "</table:table-rows>",
    "<table:table-row-group>",
    "<table:table-header-rows>",
    "<table:table-rowx>",
    "<table:table-row",
    '<table:table table:name="Data">',
    "<table:table>",
    "<table:table/>",
    "<table:table\n table:name='x'>",
    "</table:table>",
    "<table:table-cell/>",
    "<table:table-column/>",
    "<office:annotation>",
    "<office:annotation/>",
    "</office:annotation>",
    "<office:annotations>",
    "<!DOCTYPE x>",
    "<!ENTITY a 'b'>",
    "<!doctype x>",
    "<!-- a comment -->",
    "<text:s text:c='3'/>",
]
ODS_CONTEXT = (
    '<table:table table:name="S"><table:table-row><table:table-cell/></table:table-row>{}'
    "<table:table-row><table:table-cell/></table:table-row></table:table>"
)


@pytest.mark.parametrize("tag", ODS_TAGS)
def test_ods_native_finds_every_event_but_plain_rows(tag: str) -> None:
    text = ODS_CONTEXT.format(tag).encode("utf-8")
    start = ODS_CONTEXT.index("{")
    for cut in [len(text), *range(start, start + len(tag.encode()) + 2, 1 if len(tag) < 400 else 37)]:
        part = text[:cut]
        for pos in tag_starts(part) if cut == len(text) else [p for p in tag_starts(part) if p >= start]:
            kind = ods_kind(part, pos)
            if kind in ("nothing", "plain?"):
                continue
            assert native_matches_at(guards._ODS_NATIVE, part, pos) == (kind != "plain"), (kind, part[pos : pos + 80], cut)


# --------------------------------------------------------------------------------------------
# Whole scanners: the same verdict as the reference scanners, however the stream is cut


def run(scanner: guards._Scanner, data: bytes, cuts: list[int]) -> tuple[object, ...]:
    """Feed ``data`` cut at ``cuts``, then the exact pass if asked; what the guard decided."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    try:
        for a, b in zip(points, points[1:], strict=False):
            if b > a:
                scanner.feed(data[a:b])
        scanner.finish()
        rescan = scanner.wants_rescan
        if rescan:
            exact = scanner.exact()
            assert exact is not None
            exact.feed(data)
            exact.finish()
    except CrimeOutcomesError as exc:
        return ("refused", type(exc).__name__, str(exc), exc.where)
    if isinstance(scanner, guards._OdsContentScanner):
        return ("ods", scanner.rows, scanner.tables, scanner.table, scanner.padding, getattr(scanner, "pending_from", None))
    assert isinstance(scanner, guards._XlsxScanner)
    return ("xlsx", rescan, scanner.max_row, scanner.max_col)


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of a few hundred bytes, so that generated sheets cross many boundaries."""
    monkeypatch.setattr(guards, "_CARRY", 512)


XLSX_ROWS = [
    '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Kent</t></is></c><c r="B{r}"><v>1</v></c><c r="M{r}"><v>-3</v></c></row>',
    '<row r="{r}" spans="1:13"><c r="A{r}" s="1" t="s"><v>0</v></c><c r="L{r}"/></row>',
    '<row r="{r}"/>',
]
XLSX_ODD = [
    '<c r="N{r}"><v>1</v></c>',
    '<c r="XFD{r}"><v>1</v></c>',
    '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
    '<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
    '<row r="1234567">',
    "<c><v>1</v></c>",
    '<c r="A1" r="XFD9"/>',
    '<c r="A{r}" t="a>b"/>',
    '<x:c r="A{r}"/>',
    "<c\tr='A1'/>",
    '<c r="A{r}"',
    '<sst uniqueCount="2000000000">',
    '<sst count = "12">',
    '<c r="AAAA1"/>',
    "<!DOCTYPE x>",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    layout=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 1_048_576)), min_size=1, max_size=60),
    odd=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(XLSX_ODD)), max_size=3),
    cuts=st.lists(st.integers(0, 20_000), max_size=30),
    max_cells=st.sampled_from([40_000_000, 5_000_000]),
)
def test_xlsx_scanner_agrees_with_the_reference(
    small_windows: None, layout: list[tuple[int, int]], odd: list[tuple[int, str]], cuts: list[int], max_cells: int
) -> None:
    parts = [XLSX_ROWS[kind].format(r=r) for kind, r in layout]
    for at, tag in odd:
        parts.insert(min(at, len(parts)), tag.format(r=layout[0][1]))
    data = ('<?xml version="1.0"?><worksheet><sheetData>' + "".join(parts) + "</sheetData></worksheet>").encode()
    limits = Limits(max_cells=max_cells)
    new = run(guards._XlsxScanner("xl/worksheets/sheet1.xml", WHERE, limits, "Data"), data, cuts)
    old = run(ReferenceXlsx("xl/worksheets/sheet1.xml", WHERE, limits, "Data"), data, cuts)
    event(f"{old[0]} {old[1]}")
    assert new == old


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>Kent</text:p></table:table-cell>'
ODS_PAD = '<table:table-cell table:number-columns-repeated="1022"/>'
ODS_PIECES = [
    "<table:table-row>" + ODS_CELL * 2 + ODS_PAD + "</table:table-row>",
    '<table:table-row table:style-name="ro1">' + ODS_CELL + "</table:table-row>",
    "<table:table-row\n>" + ODS_CELL + "</table:table-row>",
    "<table:table-row/>",
    '<table:table-row table:number-rows-repeated="{n}">' + ODS_CELL + "</table:table-row>",
    '<table:table-row table:number-rows-repeated="{n}"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    "<table:table-row table:number-rows-repeated='{n}'/>",
    "<table:table-rows>",
    "</table:table-rows>",
    "<table:table-row-group>",
    "</table:table-row-group>",
    "<table:table-header-rows>",
    "</table:table-header-rows>",
    '</table:table><table:table table:name="T{n}">',
    "<office:annotation><text:p>note</text:p></office:annotation>",
    '<text:p>a<text:s text:c="{n}"/></text:p>',
    '<table:table-row a="' + "x" * 250 + '">' + ODS_CELL + "</table:table-row>",
]
ODS_BROKEN = [
    '<table:table-row a="<">',
    "<table:table-row",
    "<!DOCTYPE x>",
    "<office:annotation>",
    '<table:table table:name="open">',
    '<table:table-row a="' + "x" * 5000 + '">',
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    layout=st.lists(
        st.tuples(st.integers(0, len(ODS_PIECES) - 1), st.sampled_from([1, 2, 7, 40, 70_000, 1_048_000])), min_size=1, max_size=80
    ),
    broken=st.lists(st.tuples(st.integers(0, 80), st.sampled_from(ODS_BROKEN)), max_size=1),
    cuts=st.lists(st.integers(0, 40_000), max_size=30),
    max_rows=st.sampled_from([1_048_576, 30, 5]),
    looks=st.sampled_from([guards._NATIVE_LOOKS, 1, 2]),
)
def test_ods_scanner_agrees_with_the_reference(
    small_windows: None,
    monkeypatch: pytest.MonkeyPatch,
    layout: list[tuple[int, int]],
    broken: list[tuple[int, str]],
    cuts: list[int],
    max_rows: int,
    looks: int,
) -> None:
    monkeypatch.setattr(guards, "_NATIVE_LOOKS", looks)
    parts = [ODS_PIECES[kind].format(n=n) for kind, n in layout]
    for at, tag in broken:
        parts.insert(min(at, len(parts)), tag)
    data = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:body><office:spreadsheet>'
        '<table:table table:name="Data">' + "".join(parts) + "</table:table></office:spreadsheet></office:body></office:document-content>"
    ).encode()
    limits = Limits(max_rows=max_rows)
    new = run(guards._OdsContentScanner("content.xml", WHERE, limits), data, cuts)
    old = run(ReferenceOds("content.xml", WHERE, limits), data, cuts)
    event(f"{old[0]} {old[1] if old[0] == 'refused' else ''}")
    assert new == old


def test_ods_rows_past_the_limit_are_named_as_before() -> None:
    """Plain rows are counted in bulk now; the refusal still names the first row past the limit."""
    rows = "<table:table-row><table:table-cell/></table:table-row>" * 12
    data = f'<office:document-content><table:table table:name="Data">{rows}</table:table></office:document-content>'.encode()
    outcome = run(guards._OdsContentScanner("content.xml", WHERE, Limits(max_rows=10)), data, [])
    assert outcome[0] == "refused"
    assert outcome[3] == Location("test.xlsx", "Data", 11)
    assert outcome == run(ReferenceOds("content.xml", WHERE, Limits(max_rows=10)), data, [])


@pytest.mark.slow  # writes and checks whole workbooks under three limit settings
def test_written_workbooks_get_the_same_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole files through check_spreadsheet_container, with real-size windows: the same
    padding found, the same refusal when the limits are lowered below the files' rows."""
    from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, synthetic_rows, write_outcomes_workbook

    def verdict(path: Path, limits: Limits) -> object:
        try:
            return guards.check_spreadsheet_container(path, limits).padding
        except CrimeOutcomesError as exc:
            return (type(exc).__name__, str(exc), exc.where)

    for suffix, headers in ((".xlsx", HEADERS_CURRENT), (".ods", HEADERS_2019)):
        path = write_outcomes_workbook(tmp_path / f"ok{suffix}", synthetic_rows(5000, headers=headers), headers)
        for limits in (Limits(), Limits(max_rows=4000), Limits(max_cells=50_000)):
            new = verdict(path, limits)
            with monkeypatch.context() as m:
                m.setattr(guards, "_XlsxScanner", ReferenceXlsx)
                m.setattr(guards, "_OdsContentScanner", ReferenceOds)
                old = verdict(path, limits)
            assert new == old, (suffix, limits)
