"""Write xlsx and ods workbooks laid out like the Home Office outcomes and PFA files.

The readers are only as good as the files they are tried on. Rather than download 40 MB
workbooks in tests, this module writes files with the traits of the published ones: cover,
notes and pivot sheets before the data sheet, the 2019 and the current header wording (in
different column orders), offence codes such as ``4.10`` kept as text while other cells are
numbers, text markers in count columns, and in ODS the repeat padding LibreOffice writes.

Both writers stream, so a benchmark file of a million rows never sits in memory:

* xlsx goes through xlsxwriter in ``constant_memory`` mode (rows are flushed as they are
  written; strings are stored inline, not in a shared-strings table as Excel would).
* ods is written by hand: odfpy builds the whole document tree in memory and is far too
  slow for a million rows, so ``content.xml`` is produced in chunks straight into the zip.

A sheet holds at most 1,048,576 rows (``SHEET_MAX_ROWS``: Excel, LibreOffice and xlsxwriter
alike), header included. The high-level writers raise ValueError past it; benchmarks should
use ``BENCH_ROWS`` (1,040,000) data rows to stay inside one sheet. The low-level ``write_ods``
can be told to ignore the cap, for tests of readers facing hostile files.
"""

from __future__ import annotations

import csv
import gzip
import math
import os
import random
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter

Cell = str | int | float | None
"""A cell value: str is written as text, int/float as a number, None as an empty cell."""

SHEET_MAX_ROWS = 1_048_576
"""Rows one sheet can hold (Excel, LibreOffice, xlsxwriter), the header row included."""

BENCH_ROWS = 1_040_000
"""Data rows for a benchmark file: the real-file scale that still fits one sheet."""

ODS_PAD_COLUMNS = 1024
"""Width LibreOffice pads rows to with a repeated empty cell (its classic column count)."""

DATA_SHEET_2019 = "Outcomes_open_data__2017-18"
"""Name of the data sheet in the May-2019 ods edition of the 2017/18 file (double underscore)."""

SHARED_EXTRACT = Path(os.environ.get("CRIME_OUTCOMES_EXTRACT", "/work/shared/data/outcomes-2017-18-may2019-extract.csv.gz"))
"""The real 2017/18 extract (May 2019 edition); ``$CRIME_OUTCOMES_EXTRACT`` overrides the path."""

HEADERS_2019: tuple[str, ...] = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence Code Expired",
    "Outcome Description",
    "Outcome Group",
    "Outcome Type",
    "Force outcomes for offences recorded in quarter",
    "Force outcomes recorded in quarter",
)
"""Header row of the May-2019 ods edition, in its column order."""

HEADERS_CURRENT: tuple[str, ...] = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence code expired",
    "Outcomes for offences that were recorded in the quarter",
    "Outcomes for investigations closed in the quarter",
    "Outcome Description",
    "Outcome Group",
    "Outcome Type",
)
"""Current header wording. The counts come before the outcome columns here, unlike 2019,
so that a reader mapping columns by position rather than by name fails visibly."""

PFA_HEADERS: tuple[str, ...] = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
)
"""Header row of each year sheet of the police force area recorded-crime workbook."""

# Internal field names, in 2019 column order; both header editions map onto these.
_FIELDS: tuple[str, ...] = (
    "financial_year",
    "financial_quarter",
    "force_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "offence_code_expired",
    "outcome_description",
    "outcome_group",
    "outcome_type",
    "recorded",
    "closed",
)
_CURRENT_FIELDS: tuple[str, ...] = (
    "financial_year",
    "financial_quarter",
    "force_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "offence_code_expired",
    "recorded",
    "closed",
    "outcome_description",
    "outcome_group",
    "outcome_type",
)


def _fold(header: str) -> str:
    return " ".join(header.split()).casefold()


_FIELD_BY_HEADER: dict[str, str] = {
    **{_fold(h): f for h, f in zip(HEADERS_2019, _FIELDS, strict=True)},
    **{_fold(h): f for h, f in zip(HEADERS_CURRENT, _CURRENT_FIELDS, strict=True)},
}


def _field_order(headers: Sequence[str]) -> list[int]:
    """For each header, the index of its field in 2019 order; every field exactly once."""
    order: list[int] = []
    for header in headers:
        field = _FIELD_BY_HEADER.get(_fold(header))
        if field is None:
            raise ValueError(f"unknown outcomes header {header!r}; known: {sorted(set(HEADERS_2019) | set(HEADERS_CURRENT))}")
        order.append(_FIELDS.index(field))
    if sorted(order) != list(range(len(_FIELDS))):
        missing = [f for i, f in enumerate(_FIELDS) if i not in order]
        raise ValueError(f"headers must name each outcomes field once; missing {missing}, got {list(headers)}")
    return order


@dataclass(frozen=True)
class RepeatedRow:
    """``count`` identical rows. ODS writes them once with ``table:number-rows-repeated``, as
    LibreOffice does, which is how a small file can declare a huge sheet; xlsx expands them."""

    cells: Sequence[Cell]
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a repeated row needs a count of at least 1, got {self.count}")


Row = Sequence[Cell] | RepeatedRow
SheetSpec = tuple[str, Iterable[Row]]

# --------------------------------------------------------------------------------------------
# Format dispatch


def write_workbook(path: Path, sheets: Iterable[SheetSpec], *, ods_padding: bool = True) -> Path:
    """Write ``(name, rows)`` sheets in order, as xlsx or ods according to the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(path, sheets)
    if suffix == ".ods":
        return write_ods(path, sheets, padding=ods_padding)
    raise ValueError(f"cannot tell the format of {path.name!r}: use a .xlsx or .ods suffix")


def _check_sheet_names(names: list[str], new: str) -> None:
    if not new:
        raise ValueError("a sheet needs a name")
    if new in names:
        raise ValueError(f"sheet name {new!r} used twice")
    names.append(new)


# --------------------------------------------------------------------------------------------
# xlsx


def write_xlsx(path: Path, sheets: Iterable[SheetSpec]) -> Path:
    """Write sheets with xlsxwriter in constant-memory mode; ValueError past ``SHEET_MAX_ROWS``.

    Rows are flushed as written, so memory stays flat for a million rows. Nothing is left at
    ``path`` if a row is rejected (xlsxwriter only creates the file on close).
    """
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    names: list[str] = []
    for name, rows in sheets:
        _check_sheet_names(names, name)
        worksheet = workbook.add_worksheet(name)
        put_string = worksheet.write_string
        put_number = worksheet.write_number
        r = 0
        for row in rows:
            if isinstance(row, RepeatedRow):
                cells, times = row.cells, row.count
            else:
                cells, times = row, 1
            for _ in range(times):
                if r >= SHEET_MAX_ROWS:
                    raise ValueError(f"sheet {name!r} of {path.name} would pass {SHEET_MAX_ROWS:,} rows, the most an xlsx sheet holds")
                c = 0
                for value in cells:
                    kind = type(value)
                    if kind is str:
                        if put_string(r, c, cast(str, value)):
                            raise ValueError(f"{path.name}!{name} row {r + 1} column {c + 1}: text longer than an xlsx cell holds (32,767)")
                    elif kind is int or kind is float:
                        if kind is float and not math.isfinite(cast(float, value)):
                            raise ValueError(f"{path.name}!{name} row {r + 1} column {c + 1}: {value!r} cannot be written")
                        put_number(r, c, value)
                    elif value is not None:
                        raise TypeError(f"{path.name}!{name} row {r + 1} column {c + 1}: cannot write {kind.__name__} {value!r}")
                    c += 1
                r += 1
    workbook.close()
    return path


# --------------------------------------------------------------------------------------------
# ods

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_NS} office:version="1.2">'
    "<office:styles/><office:automatic-styles/><office:master-styles/></office:document-styles>"
)
_CONTENT_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS} office:version="1.2">'
    "<office:automatic-styles/><office:body><office:spreadsheet>"
)
_CONTENT_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_CHUNK_ROWS = 4096
_CACHE_LIMIT = 200_000
# XML 1.0 cannot carry most control characters; \r would come back as \n.
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE_RUNS = re.compile(r"(?:(?<= ) +|^ +)")

_Fragment = tuple[str, str, str]  # (the cell written once, its attributes, its content)
_EMPTY: _Fragment = ("<table:table-cell/>", "", "")


def _ods_paragraph(line: str) -> str:
    """One line as ODF text: spaces after the first of a run, and leading ones, are ``text:s``
    (ODF collapses plain runs of spaces); tabs are ``text:tab``, as LibreOffice writes them
    (calamine reads ``text:tab`` as nothing, so a tab does not survive a round trip)."""
    text = escape(line)
    if "  " in text or text.startswith(" "):
        text = _SPACE_RUNS.sub(lambda m: f'<text:s text:c="{len(m.group())}"/>' if len(m.group()) > 1 else "<text:s/>", text)
    if "\t" in text:
        text = text.replace("\t", "<text:tab/>")
    return f"<text:p>{text}</text:p>"


class _OdsCells:
    """Turns values into ``table:table-cell`` XML, caching the fragments of repeated values
    (force names, descriptions, small counts), which is what keeps a million rows fast."""

    def __init__(self) -> None:
        self._text: dict[str, _Fragment] = {}
        self._ints: dict[int, _Fragment] = {}
        self._floats: dict[float, _Fragment] = {}

    def _remember(self, cache: dict[Any, _Fragment], key: object, fragment: _Fragment) -> _Fragment:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = fragment
        return fragment

    def text(self, value: str) -> _Fragment:
        found = self._text.get(value)
        if found is not None:
            return found
        if _BAD_XML_CHARS.search(value):
            raise ValueError(f"text {value[:40]!r} holds a control character an ods file cannot carry")
        attrs = ' office:value-type="string"'
        inner = "".join(_ods_paragraph(line) for line in value.split("\n"))
        return self._remember(self._text, value, (f"<table:table-cell{attrs}>{inner}</table:table-cell>", attrs, inner))

    def integer(self, value: int) -> _Fragment:
        found = self._ints.get(value)
        if found is not None:
            return found
        attrs = f' office:value-type="float" office:value="{value}"'
        inner = f"<text:p>{value}</text:p>"
        return self._remember(self._ints, value, (f"<table:table-cell{attrs}>{inner}</table:table-cell>", attrs, inner))

    def real(self, value: float) -> _Fragment:
        found = self._floats.get(value)
        if found is not None:
            return found
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written as an ods number")
        shown = repr(value)
        attrs = f' office:value-type="float" office:value="{shown}"'
        inner = f"<text:p>{shown}</text:p>"
        return self._remember(self._floats, value, (f"<table:table-cell{attrs}>{inner}</table:table-cell>", attrs, inner))

    def row(self, cells: Sequence[Cell], pad_to: int, merge: bool) -> str:
        """The cells of one row. With ``merge``, equal neighbours become one cell with
        ``table:number-columns-repeated`` (as LibreOffice writes two zero counts); with
        ``pad_to``, a repeated empty cell widens the row to that many columns."""
        parts: list[str] = []
        prev: _Fragment | None = None
        run = 0
        text, integer, real = self.text, self.integer, self.real
        for value in cells:
            kind = type(value)
            if kind is str:
                frag = text(cast(str, value))
            elif kind is int:
                frag = integer(cast(int, value))
            elif value is None:
                frag = _EMPTY
            elif kind is float:
                frag = real(cast(float, value))
            else:
                raise TypeError(f"cannot write {kind.__name__} {value!r} to an ods cell")
            if merge and frag is prev:
                run += 1
                continue
            if prev is not None:
                parts.append(_repeat_cell(prev, run))
            prev, run = frag, 1
        pad = pad_to - len(cells)
        if prev is _EMPTY and pad > 0:
            run, pad = run + pad, 0
        if prev is not None:
            parts.append(_repeat_cell(prev, run))
        if pad > 0:
            parts.append(f'<table:table-cell table:number-columns-repeated="{pad}"/>')
        return "".join(parts) if parts else "<table:table-cell/>"


def _repeat_cell(frag: _Fragment, run: int) -> str:
    if run == 1:
        return frag[0]
    if not frag[2]:
        return f'<table:table-cell table:number-columns-repeated="{run}"/>'
    return f'<table:table-cell table:number-columns-repeated="{run}"{frag[1]}>{frag[2]}</table:table-cell>'


def write_ods(
    path: Path,
    sheets: Iterable[SheetSpec],
    *,
    padding: bool = True,
    merge_cells: bool = True,
    max_rows: int | None = SHEET_MAX_ROWS,
    compresslevel: int = 1,
) -> Path:
    """Write an OpenDocument spreadsheet, streaming ``content.xml`` into the zip in chunks.

    ``padding`` reproduces LibreOffice's output: each row ends with a repeated empty cell up
    to ``ODS_PAD_COLUMNS`` columns, and each sheet ends with one empty row repeated up to
    ``SHEET_MAX_ROWS``. ``merge_cells`` writes equal neighbouring cells as one repeated cell.
    ``max_rows=None`` lets a sheet declare more rows than any spreadsheet holds (for hostile
    input tests). The partial file is removed if a row is rejected.
    """
    path = Path(path)
    cells = _OdsCells()
    names: list[str] = []
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
            # The mimetype must be the first member, stored, so tools can sniff the format.
            archive.writestr(zipfile.ZipInfo("mimetype"), _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
            archive.writestr("META-INF/manifest.xml", _MANIFEST)
            archive.writestr("styles.xml", _STYLES)
            with archive.open("content.xml", "w", force_zip64=True) as out:
                out.write(_CONTENT_HEAD.encode())
                for name, rows in sheets:
                    _check_sheet_names(names, name)
                    _write_ods_sheet(out, cells, name, rows, padding, merge_cells, max_rows)
                out.write(_CONTENT_TAIL.encode())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _write_ods_sheet(
    out: IO[bytes], cells: _OdsCells, name: str, rows: Iterable[Row], padding: bool, merge: bool, max_rows: int | None
) -> None:
    pad_to = ODS_PAD_COLUMNS if padding else 0
    rows = iter(rows)
    first = next(rows, None)
    width = 1 if first is None else len(first.cells if isinstance(first, RepeatedRow) else first)
    out.write(
        f'<table:table table:name={quoteattr(name)}><table:table-column table:number-columns-repeated="{max(width, pad_to, 1)}"/>'.encode()
    )
    written = 0
    chunk: list[str] = []
    for row in _chain_one(first, rows) if first is not None else ():
        if isinstance(row, RepeatedRow):
            count = row.count
            xml = cells.row(row.cells, pad_to, merge)
            chunk.append(f'<table:table-row table:number-rows-repeated="{count}">{xml}</table:table-row>')
        else:
            count = 1
            chunk.append(f"<table:table-row>{cells.row(row, pad_to, merge)}</table:table-row>")
        written += count
        if max_rows is not None and written > max_rows:
            raise ValueError(f"sheet {name!r} would pass {max_rows:,} rows, the most a spreadsheet sheet holds")
        if len(chunk) >= _CHUNK_ROWS:
            out.write("".join(chunk).encode())
            chunk.clear()
    if padding and written < SHEET_MAX_ROWS:
        chunk.append(
            f'<table:table-row table:number-rows-repeated="{SHEET_MAX_ROWS - written}">'
            f'<table:table-cell table:number-columns-repeated="{pad_to}"/></table:table-row>'
        )
    if not written and not chunk:
        chunk.append("<table:table-row><table:table-cell/></table:table-row>")
    chunk.append("</table:table>")
    out.write("".join(chunk).encode())


def _chain_one(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


# --------------------------------------------------------------------------------------------
# The published layouts

_COVER_ROWS: tuple[tuple[Cell, ...], ...] = (
    ("Police recorded crime and outcomes open data tables",),
    ("Crime outcomes in England and Wales",),
    (None,),
    ("Source: Home Office",),
    ("Written by crime_outcomes.testing to mimic the published layout.",),
)
_NOTES_ROWS: tuple[tuple[Cell, ...], ...] = (
    ("Notes",),
    (None,),
    ("Column", "Description"),
    # Header words stacked in a column, as a real notes sheet lists them: not a header row.
    ("Financial Year", "April to March."),
    ("Financial Quarter", "1 = April to June ... 4 = January to March."),
    ("Force Name", "The 43 territorial police forces and the British Transport Police."),
    ("Offence Code", "Home Office offence code; text, e.g. 4.10 is not 4.1."),
    ("Outcome Type", "0 = not yet assigned an outcome (recorded basis only)."),
    (None,),
    ("N/A - data not provided: the force did not supply these figures; this is not zero.",),
    ("Negative figures are corrections to earlier quarters.",),
)
# A pivot sheet starts with figures, not headers; the numbers are illustrative only.
_PIVOT_ROWS: tuple[tuple[Cell, ...], ...] = (
    (1, 512_334, 498_120),
    (2, 17_845, 17_012),
    (3, 96_544, 95_801),
    (8, 104_117, 101_893),
    ("Grand Total", 730_840, 712_826),
)


def _checked(rows: Iterable[Sequence[object]], width: int, what: str) -> Iterator[Sequence[Cell]]:
    """Pass rows on, failing on one of the wrong width rather than writing a skewed sheet."""
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            raise ValueError(f"{what}: data row {number} has {len(row)} cells, the header has {width}")
        yield row  # type: ignore[misc]


def _with_header(headers: Sequence[str], rows: Iterable[Sequence[object]], what: str) -> Iterator[Sequence[Cell]]:
    yield tuple(headers)
    yield from _checked(rows, len(headers), what)


def write_outcomes_workbook(
    path: Path,
    rows: Iterable[Sequence[object]],
    headers: Sequence[str],
    *,
    sheet_name: str = DATA_SHEET_2019,
    extra_sheets: bool = True,
    ods_padding: bool = True,
) -> Path:
    """Write an outcomes workbook: ``Cover_sheet``, ``Notes``, ``Pivot`` (with ``extra_sheets``),
    then the data sheet, header row first. Format from the suffix (.xlsx / .ods).

    Cells keep their Python type: give counts as int to get number cells and offence codes
    as str to get text cells (``"4.10"``), or ``80`` as int to mimic a numeric code cell.
    At most ``SHEET_MAX_ROWS - 1`` data rows (ValueError beyond).
    """
    return write_workbook(path, _outcomes_sheets(rows, headers, sheet_name, extra_sheets, _COVER_ROWS), ods_padding=ods_padding)


def _outcomes_sheets(
    rows: Iterable[Sequence[object]], headers: Sequence[str], sheet_name: str, extra_sheets: bool, cover: Iterable[Sequence[Cell]]
) -> list[SheetSpec]:
    sheets: list[SheetSpec] = []
    if extra_sheets:
        sheets += [("Cover_sheet", cover), ("Notes", _NOTES_ROWS), ("Pivot", _PIVOT_ROWS)]
    sheets.append((sheet_name, _with_header(headers, rows, sheet_name)))
    return sheets


def write_pfa_workbook(path: Path, sheets: Mapping[str, Iterable[Sequence[object]]], *, ods_padding: bool = True) -> Path:
    """Write a police force area recorded-crime workbook: ``Cover_sheet``, ``Notes_``, then one
    sheet per year (name them like ``2017_18``), each headed by ``PFA_HEADERS``."""
    cover: tuple[tuple[Cell, ...], ...] = (
        ("Police recorded crime by police force area",),
        ("Year ending March 2013 onwards",),
        (None,),
        ("Written by crime_outcomes.testing to mimic the published layout.",),
    )
    notes: tuple[tuple[Cell, ...], ...] = (
        ("Notes",),
        ("Action Fraud, CIFAS and UK Finance are central fraud reporting bodies, not police forces.",),
        ("Number of Offences is a count of offences recorded in the quarter.",),
    )
    specs: list[SheetSpec] = [("Cover_sheet", cover), ("Notes_", notes)]
    specs += [(name, _with_header(PFA_HEADERS, rows, name)) for name, rows in sheets.items()]
    return write_workbook(path, specs, ods_padding=ods_padding)


# --------------------------------------------------------------------------------------------
# The real extract

_EXTRACT_COLUMNS: tuple[str, ...] = (
    "financial_year",
    "financial_quarter",
    "force_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "offence_code_expired",
    "outcome_description",
    "outcome_group",
    "outcome_type",
    "offences",
    "force_outcomes_recorded_in_quarter",
)


def _reorder(order: list[int]) -> Callable[[list[Cell]], list[Cell]]:
    """A function putting a row in 2019 order into the order of a header edition."""
    if order == list(range(len(order))):
        return lambda row: row
    return lambda row: [row[i] for i in order]


def _numeric_code(code: str, numeric_codes: bool) -> Cell:
    """Codes of digits only become int when asked (a numeric cell, as Excel may store ``80``);
    dotted codes always stay text, since ``4.10`` as a number would read back as ``4.1``."""
    return int(code) if numeric_codes and code.isdigit() else code


def extract_rows(
    csv_gz: Path = SHARED_EXTRACT,
    *,
    headers: Sequence[str] = HEADERS_2019,
    limit: int | None = None,
    numeric_codes: bool = False,
) -> Iterator[list[Cell]]:
    """Yield the real 2017/18 extract's rows as the published sheet held them, in the column
    order of ``headers``.

    The CSV's ``NA`` is undone per column: blank in the expired flag, the published ``N/A``
    in the closed-basis column (every type 0 row). Quarter, outcome type and counts become
    int; offence codes stay the CSV's text (``numeric_codes`` turns digit-only codes into
    int). The trailing all-``NA`` row is skipped; any other ``NA`` is an error.
    """
    reorder = _reorder(_field_order(headers))
    produced = 0
    with gzip.open(csv_gz, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        found = tuple(next(reader, ()))
        if found != _EXTRACT_COLUMNS:
            raise ValueError(f"{csv_gz}: unexpected columns {found}, expected {_EXTRACT_COLUMNS}")
        for line, rec in enumerate(reader, start=2):
            if limit is not None and produced >= limit:
                return
            if all(v == "NA" for v in rec):
                continue
            if len(rec) != len(_EXTRACT_COLUMNS):
                raise ValueError(f"{csv_gz} line {line}: {len(rec)} fields, expected {len(_EXTRACT_COLUMNS)}")
            try:
                row: list[Cell] = [
                    rec[0],
                    int(rec[1]),
                    rec[2],
                    rec[3],
                    rec[4],
                    rec[5],
                    _numeric_code(rec[6], numeric_codes),
                    None if rec[7] == "NA" else rec[7],
                    rec[8],
                    rec[9],
                    int(rec[10]),
                    int(rec[11]),
                    "N/A" if rec[12] == "NA" else int(rec[12]),
                ]
            except ValueError as exc:
                raise ValueError(f"{csv_gz} line {line}: {exc}") from None
            produced += 1
            yield reorder(row)


def write_published_extract(
    path: Path,
    headers: Sequence[str] = HEADERS_2019,
    *,
    csv_gz: Path = SHARED_EXTRACT,
    ods_padding: bool = True,
    numeric_codes: bool = False,
) -> Path:
    """The real extract laid out as the May-2019 workbook: cover, notes and pivot sheets,
    then ``Outcomes_open_data__2017-18`` with ``headers`` (real numbers for end-to-end tests;
    expired-code rows are absent from the extract, so totals sit a little below the file)."""
    cover: tuple[tuple[Cell, ...], ...] = (
        ("Police recorded crime and outcomes open data tables",),
        ("Outcomes open data year ending March 2018",),
        (None,),
        ("Source: Home Office. Contains public sector information licensed under the Open Government Licence v3.0.",),
        ("Rows of expired offence codes are not included in this extract.",),
    )
    rows = extract_rows(csv_gz, headers=headers, numeric_codes=numeric_codes)
    return write_workbook(path, _outcomes_sheets(rows, headers, DATA_SHEET_2019, True, cover), ods_padding=ods_padding)


# --------------------------------------------------------------------------------------------
# Synthetic rows of the real shape

_FORCES: tuple[str, ...] = (
    "Avon and Somerset", "Bedfordshire", "British Transport Police", "Cambridgeshire", "Cheshire",
    "Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys",
    "Essex", "Gloucestershire", "Greater Manchester", "Gwent", "Hampshire", "Hertfordshire",
    "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "London, City of",
    "Merseyside", "Metropolitan Police", "Norfolk", "North Wales", "North Yorkshire",
    "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire", "West Mercia",
    "West Midlands", "West Yorkshire", "Wiltshire",
)  # fmt: skip

# (type, description, group) as in the 2017/18 file; 19 (fraud bureau) and 22 are absent.
_OUTCOMES: tuple[tuple[int, str, str], ...] = (
    (0, "Not yet assigned an outcome", "Not yet assigned an outcome"),
    (1, "Charged/Summonsed", "Charged/Summonsed"),
    (2, "Caution – youths", "Out-of-court (formal)"),
    (3, "Caution – adults", "Out-of-court (formal)"),
    (4, "Taken into consideration", "Taken into consideration"),
    (5, "Offender died", "Prosecution prevented or not in the public interest"),
    (6, "Penalty Notices for Disorder", "Out-of-court (formal)"),
    (7, "Cannabis/Khat Warning", "Out-of-court (informal)"),
    (8, "Community Resolution", "Out-of-court (informal)"),
    (9, "Not in public interest (CPS)", "Prosecution prevented or not in the public interest"),
    (10, "Not in public interest (Police)", "Prosecution prevented or not in the public interest"),
    (11, "Prosecution prevented: suspect under age", "Prosecution prevented or not in the public interest"),
    (12, "Prosecution prevented: suspect too ill", "Prosecution prevented or not in the public interest"),
    (13, "Prosecution prevented: victim/key witness dead/too ill", "Prosecution prevented or not in the public interest"),
    (
        14,
        "Evidential difficulties: suspect not identified; victim does not support further action",
        "Evidential difficulties (victim does not support action)",
    ),
    (
        15,
        "Evidential difficulties: suspect identified; victim supports action",
        "Evidential difficulties (suspect identified; victim supports action)",
    ),
    (
        16,
        "Evidential difficulties: suspect identified; victim does not support further action",
        "Evidential difficulties (victim does not support action)",
    ),
    (17, "Prosecution time limit expired", "Prosecution prevented or not in the public interest"),
    (18, "Investigation complete – no suspect identified", "Investigation complete – no suspect identified"),
    (
        20,
        "Responsibility for further investigation transferred to another body",
        "Responsibility for further investigation transferred to another body",
    ),
    (
        21,
        "Further investigation to support formal action not in the public interest – police decision",
        "Further investigation to support formal action not in the public interest – police decision",
    ),
)

# Offence codes by (group, subgroup). The codes are real 2017/18 codes plus six expired
# ones; their placement is approximate: the catalogue gives benchmarks realistic shapes and
# text lengths, it is not a reference for the Home Office code list.
_CODES_BY_SUBGROUP: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Violence against the person", "Homicide", ("1/4.1/4.10/4.2",)),
    ("Violence against the person", "Death or serious injury caused by unlawful driving", ("4.4", "4.6", "4.8", "4.9", "37.1")),
    ("Violence against the person", "Violence with injury", ("2", "4.7", "5D", "5E", "8N", "8P")),
    (
        "Violence against the person",
        "Violence without injury",
        ("3A", "3B", "4.3", "11A", "13", "14", "36", "104", "105A", "105B", "106", "8L", "8M"),
    ),
    ("Violence against the person", "Stalking and harassment", ("8Q", "8R", "8S", "9A", "9B")),
    ("Sexual offences", "Rape", ("19C", "19D", "19E", "19F", "19G", "19H")),
    (
        "Sexual offences",
        "Other sexual offences",
        ("17A", "17B", "20", "20A", "20B", "21", "22A", "22B", "23", "24", "70", "71", "72", "73", "88A", "88C", "88D", "88E"),
    ),
    ("Robbery", "Robbery of personal property", ("34B",)),
    ("Robbery", "Robbery of business property", ("34A",)),
    ("Theft offences", "Domestic burglary", ("28", "28E", "28F", "28G", "28H", "29A", "28A", "28B", "28C", "28D", "29")),
    ("Theft offences", "Non-domestic burglary", ("30C", "30D", "31A", "31")),
    ("Theft offences", "Vehicle offences", ("37.2", "45", "48", "126")),
    ("Theft offences", "Theft from the person", ("39",)),
    ("Theft offences", "Bicycle theft", ("44",)),
    ("Theft offences", "Shoplifting", ("46",)),
    ("Theft offences", "All other theft offences", ("35", "38", "40", "41", "42", "43", "47", "49", "49A", "54")),
    ("Criminal damage and arson", "Arson", ("56A", "56B")),
    ("Criminal damage and arson", "Criminal damage", ("58A", "58B", "58C", "58D", "58J", "59")),
    ("Drug offences", "Trafficking of drugs", ("92A", "92C", "92E")),
    ("Drug offences", "Possession of drugs", ("92D",)),
    ("Possession of weapons offences", "Possession of weapons offences", ("10A", "10B", "10C", "10D", "81", "90")),
    ("Public order offences", "Public order offences", ("62A", "66", "802")),
    (
        "Miscellaneous crimes against society",
        "Miscellaneous crimes",
        ("15", "26", "27", "33", "33A", "60", "61", "61A", "67", "69", "76", "79", "80", "83", "86", "95", "96", "99", "814"),
    ),
)
_EXPIRED_CODES = frozenset({"28A", "28B", "28C", "28D", "29", "31"})

_WORDS = (
    "assault", "with", "intent", "to", "cause", "serious", "harm", "theft", "from", "the", "person",
    "of", "a", "motor", "vehicle", "criminal", "damage", "dwelling", "building", "other", "than",
    "possession", "article", "blade", "or", "point", "public", "fear", "alarm", "distress",
    "racially", "religiously", "aggravated", "attempted", "by", "unlawful", "driving", "child",
    "under", "aged", "16", "and", "over", "sexual", "activity", "involving", "offences", "against",
    "property", "handling", "stolen", "goods", "making", "supplying", "controlled", "drug",
)  # fmt: skip


def _offence_catalogue() -> tuple[tuple[str, str, str, str], ...]:
    """(code, description, group, subgroup) for ~130 codes; descriptions are made up from a
    fixed word list (fixed seed, so they never change) at the lengths of the real ones."""
    words = random.Random(2017)
    out = []
    for group, subgroup, codes in _CODES_BY_SUBGROUP:
        for code in codes:
            description = " ".join(words.choices(_WORDS, k=words.randint(2, 11))).capitalize()
            out.append((code, description, group, subgroup))
    return tuple(out)


_OFFENCES = _offence_catalogue()


def _financial_year(index: int) -> str:
    start = 2017 + index
    return f"{start}/{(start + 1) % 100:02d}"


def synthetic_rows(
    n: int,
    seed: int = 0,
    *,
    headers: Sequence[str] = HEADERS_2019,
    numeric_codes: bool = False,
) -> Iterator[list[Cell]]:
    """Yield ``n`` made-up rows of the real shape, in the column order of ``headers``.

    Each financial year (2017/18, then 2018/19, ...) is the full cross product of 4 quarters x
    44 forces x ~130 offence codes x 21 outcome types (~480,000 rows), as the published files
    are nearly dense. Counts are mostly 0 or small, with rare large and negative values; type 0
    has ``N/A`` on the closed basis; expired codes carry ``x`` and ``N/A - Offence code
    expired``; now and then a force-quarter reads ``N/A - data not provided`` on the recorded
    basis. Same ``n`` and ``seed``, same rows. For one sheet keep ``n <= BENCH_ROWS``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    reorder = _reorder(_field_order(headers))
    rng = random.Random(seed)
    # A pool of counts with the real skew: ~55% zeros, a long thin tail, <1% negatives.
    pool = (
        [0] * 550 + [1] * 140 + [2] * 70 + [3] * 40
        + [rng.randint(4, 9) for _ in range(80)] + [rng.randint(10, 99) for _ in range(80)]
        + [rng.randint(100, 999) for _ in range(30)] + [rng.randint(1000, 5000) for _ in range(3)]
        + [rng.randint(-5, -1) for _ in range(7)]
    )  # fmt: skip
    per_block = len(_OUTCOMES)
    produced = 0
    year = 0
    while True:
        fy = _financial_year(year)
        for quarter in (1, 2, 3, 4):
            for force in _FORCES:
                not_provided = rng.random() < 0.005
                for code, description, group, subgroup in _OFFENCES:
                    expired = code in _EXPIRED_CODES
                    cell_code = _numeric_code(code, numeric_codes)
                    draws = rng.choices(pool, k=2 * per_block)
                    for k, (otype, odesc, ogroup) in enumerate(_OUTCOMES):
                        if produced >= n:
                            return
                        if expired:
                            recorded: Cell = "N/A - Offence code expired"
                        elif not_provided:
                            recorded = "N/A - data not provided"
                        else:
                            recorded = draws[2 * k]
                        closed: Cell = "N/A" if otype == 0 else draws[2 * k + 1]
                        row: list[Cell] = [
                            fy, quarter, force, description, group, subgroup, cell_code,
                            "x" if expired else None, odesc, ogroup, otype, recorded, closed,
                        ]  # fmt: skip
                        produced += 1
                        yield reorder(row)
        year += 1
