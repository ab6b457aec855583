"""Hostile and broken inputs, generated on demand (nothing large is committed).

Each ``Case`` writes one input into a folder and states its documented outcome: the exit
code of ``crime-outcomes ingest``, whether the file is rejected whole (store unchanged) or
loaded with some rows quarantined (and how many), and what the message must name. The
table in the README ("Errors and limits") is rendered from this list by ``markdown_table``.

Bombs are built without ever holding their expanded form: after a zlib full flush the
compressor starts afresh, so one compressed block of 1 MiB of spaces can be repeated to
describe gigabytes in a few megabytes.
"""

from __future__ import annotations

import csv
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crime_outcomes.errors import EXIT_INPUT, EXIT_LIMIT, EXIT_OK
from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, RepeatedRow, synthetic_rows, write_ods, write_outcomes_workbook

REJECTED = "rejected"  # the file is refused whole; the store is unchanged
QUARANTINED = "quarantined"  # loaded; the named rows are kept in rejected_rows with a reason
LOADED = "loaded"  # loaded in full

SMALL_ROWS = 84  # one force, one quarter, four offence codes x 21 outcome types
MARKUP = "<script>alert(1)</script>"
RICH_MARKUP = "[bold red]not bold[/bold red]"
LATIN1_TEXT = "Dommage à la propriété, côté"

Cell = str | int | float | None


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    exit_code: int
    outcome: str
    doc: str  # the documented outcome, as the README states it
    message: tuple[str, ...] = ()  # words the message must contain (the file name is always checked)
    rejected_rows: int | None = None  # for QUARANTINED: how many rows must be quarantined
    reasons: tuple[str, ...] = ()  # words that must appear among the quarantined rows' reasons
    stdout: tuple[str, ...] = ()  # words the summary on stdout must contain
    env: dict[str, str] = field(default_factory=dict)
    slow: bool = False


# --------------------------------------------------------------------------------------------
# Valid material


def rows(headers: Sequence[str] = HEADERS_CURRENT, n: int = SMALL_ROWS, seed: int = 7) -> list[list[Cell]]:
    return [list(r) for r in synthetic_rows(n, seed, headers=headers)]


def col(headers: Sequence[str], name: str) -> int:
    return list(headers).index(name)


def valid_xlsx(path: Path, headers: Sequence[str] = HEADERS_CURRENT, data: list[list[Cell]] | None = None, **kw: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_outcomes_workbook(path, rows(headers) if data is None else data, headers, **kw)  # type: ignore[arg-type]


def valid_ods(path: Path, headers: Sequence[str] = HEADERS_2019, data: list[list[Cell]] | None = None, **kw: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_outcomes_workbook(path, rows(headers) if data is None else data, headers, **kw)  # type: ignore[arg-type]


def write_csv(
    path: Path,
    data: list[list[Cell]],
    headers: Sequence[str] = HEADERS_CURRENT,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(headers)
    writer.writerows(["" if v is None else v for v in r] for r in data)
    text = buf.getvalue()
    if encoding == "latin-1":
        text = text.replace("\u2013", "-")  # Latin-1 has no en dash; exports write a hyphen
    raw = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)
    return path


# --------------------------------------------------------------------------------------------
# Zip surgery


@dataclass
class RawPart:
    """One zip part as stored: ``data`` is what sits in the file (deflated or not)."""

    name: str
    data: bytes
    method: int = zipfile.ZIP_DEFLATED
    crc: int = 0
    size: int = 0  # declared uncompressed size
    local_size: int | None = None  # a different size in the local header (a lie)
    flags: int = 0


def deflated(data: bytes) -> RawPart:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawPart("", c.compress(data) + c.flush(), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data))


def deflate_repeat(prefix: bytes, unit: bytes, times: int, suffix: bytes) -> bytes:
    """A raw deflate stream of prefix + unit*times + suffix, built in kilobytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * times + c.compress(suffix) + c.flush()


def write_zip(path: Path, parts: Sequence[RawPart]) -> Path:
    """Write parts with exactly the sizes, CRCs and flags given (zip64 fields where needed)."""
    out = io.BytesIO()
    central = []
    for p in parts:
        offset = out.tell()
        name = p.name.encode()
        size = p.size if p.local_size is None else p.local_size
        big = p.size > 0xFFFFFFFF or len(p.data) > 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(p.data)) if big else b""
        usize, csize = (0xFFFFFFFF, 0xFFFFFFFF) if big else (size, len(p.data))
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, p.flags, p.method, 0, 0x21, p.crc, csize, usize, len(name), len(extra)
            )
            + name
            + extra
            + p.data
        )
        central.append((p, name, offset, big))
    cd_start = out.tell()
    for p, name, offset, big in central:
        extra = struct.pack("<HHQQ", 1, 16, p.size, len(p.data)) if big else b""
        usize, csize = (0xFFFFFFFF, 0xFFFFFFFF) if big else (p.size, len(p.data))
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                45 if big else 20,
                45 if big else 20,
                p.flags,
                p.method,
                0,
                0x21,
                p.crc,
                csize,
                usize,
                len(name),
                len(extra),
                0,
                0,
                0,
                0,
                offset,
            )
            + name
            + extra
        )
    cd_len = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), cd_len, cd_start, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def parts_of(path: Path) -> list[RawPart]:
    """A valid archive's parts, re-deflated, ready to be edited and written back."""
    with zipfile.ZipFile(path) as zf:
        out = []
        for info in zf.infolist():
            data = zf.read(info)
            if info.compress_type == zipfile.ZIP_STORED:
                part = RawPart(info.filename, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data))
            else:
                part = deflated(data)
                part.name = info.filename
            out.append(part)
    return out


def replace_part(parts: list[RawPart], name: str, data: bytes | RawPart) -> list[RawPart]:
    new = data if isinstance(data, RawPart) else deflated(data)
    new.name = name
    found = [i for i, p in enumerate(parts) if p.name == name]
    if found:
        parts[found[0]] = new
    else:
        parts.append(new)
    return parts


def part_text(parts: list[RawPart], name: str) -> str:
    p = next(p for p in parts if p.name == name)
    return zlib.decompress(p.data, -15).decode() if p.method == zipfile.ZIP_DEFLATED else p.data.decode()


def _tiny_xlsx(dir_: Path) -> list[RawPart]:
    """The parts of a one-sheet outcomes xlsx (no cover sheets), for surgery."""
    src = valid_xlsx(dir_ / "_base.xlsx", extra_sheets=False)
    parts = parts_of(src)
    src.unlink()
    return parts


def _tiny_ods(dir_: Path) -> list[RawPart]:
    src = valid_ods(dir_ / "_base.ods", extra_sheets=False)
    parts = parts_of(src)
    src.unlink()
    return parts


SHEET = "xl/worksheets/sheet1.xml"
_WS_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_WS_TAIL = "</sheetData></worksheet>"


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row_xml(headers: Sequence[str] = HEADERS_CURRENT) -> str:
    letters = "ABCDEFGHIJKLM"
    return '<row r="1">' + "".join(_inline(f"{letters[i]}1", h) for i, h in enumerate(headers)) + "</row>"


# --------------------------------------------------------------------------------------------
# Builders


def b_empty_xlsx(d: Path) -> Path:
    p = d / "empty.xlsx"
    p.write_bytes(b"")
    return p


def b_empty_csv(d: Path) -> Path:
    p = d / "empty.csv"
    p.write_bytes(b"")
    return p


def b_random(suffix: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        p = d / f"random-bytes{suffix}"
        p.write_bytes(random.Random(suffix).randbytes(20_000))
        return p

    return build


def b_random_after_pk(d: Path) -> Path:
    """Starts like a zip, then noise: the directory is missing."""
    p = d / "pk-then-noise.xlsx"
    p.write_bytes(b"PK\x03\x04" + random.Random(3).randbytes(20_000))
    return p


def b_truncated(kind: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        full = (valid_xlsx if kind == "xlsx" else valid_ods)(d / f"_full.{kind}")
        data = full.read_bytes()
        full.unlink()
        p = d / f"cut-half-way.{kind}"
        p.write_bytes(data[: len(data) // 2])
        return p

    return build


def b_truncated_with_directory(d: Path) -> Path:
    """A cut where the zip directory survives (the sheet's data is cut out of the middle)."""
    parts = _tiny_xlsx(d)
    sheet = next(p for p in parts if p.name == SHEET)
    sheet.data = sheet.data[: len(sheet.data) // 2]
    return write_zip(d / "sheet-data-cut.xlsx", parts)


def b_ratio_bomb(d: Path) -> Path:
    """A sheet part of 1 GiB of spaces in about a megabyte: honest sizes, 1000:1."""
    parts = _tiny_xlsx(d)
    times = 1024
    raw = deflate_repeat(_WS_HEAD.encode() + _header_row_xml().encode(), b" " * (1 << 20), times, _WS_TAIL.encode())
    size = len(_WS_HEAD) + len(_header_row_xml()) + times * (1 << 20) + len(_WS_TAIL)
    replace_part(parts, SHEET, RawPart(SHEET, raw, zipfile.ZIP_DEFLATED, 0, size))
    return write_zip(d / "zip-bomb-ratio.xlsx", parts)


def b_lying_bomb(d: Path) -> Path:
    """The same gigabyte, but the header declares only the compressed size (ratio 1:1)."""
    parts = _tiny_xlsx(d)
    raw = deflate_repeat(_WS_HEAD.encode() + _header_row_xml().encode(), b" " * (1 << 20), 1024, _WS_TAIL.encode())
    replace_part(parts, SHEET, RawPart(SHEET, raw, zipfile.ZIP_DEFLATED, 0, len(raw)))
    return write_zip(d / "zip-bomb-lying-size.xlsx", parts)


def b_local_header_lies(d: Path) -> Path:
    parts = _tiny_xlsx(d)
    sheet = next(p for p in parts if p.name == SHEET)
    sheet.local_size = sheet.size // 4
    return write_zip(d / "local-header-lies.xlsx", parts)


def b_encrypted(d: Path) -> Path:
    parts = _tiny_xlsx(d)
    next(p for p in parts if p.name == SHEET).flags |= 0x1
    return write_zip(d / "encrypted-part.xlsx", parts)


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
    '<table:table table:name="Outcomes_open_data__2017-18"><table:table-row>'
    '<table:table-cell office:value-type="string"><text:p>Financial Year</text:p></table:table-cell>'
    "</table:table-row>"
)
_ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def b_ods_whitespace(lying: bool) -> Callable[[Path], Path]:
    """content.xml of 8 GiB of whitespace in ~8 MB: python-calamine aborts the process
    trying to allocate 7.7 GB for it. Declared honestly (zip64) or as its compressed size."""

    def build(d: Path) -> Path:
        parts = _tiny_ods(d)
        times = 8 * 1024
        raw = deflate_repeat(_ODS_HEAD.encode(), b" " * (1 << 20), times, _ODS_TAIL.encode())
        size = len(raw) if lying else len(_ODS_HEAD) + times * (1 << 20) + len(_ODS_TAIL)
        replace_part(parts, "content.xml", RawPart("content.xml", raw, zipfile.ZIP_DEFLATED, 0, size))
        return write_zip(d / ("whitespace-8gb-lying-size.ods" if lying else "whitespace-8gb.ods"), parts)

    return build


def b_ods_rows_repeated(d: Path) -> Path:
    """One data row marked as repeated two billion times; calamine returns 1,048,576 rows."""
    data = rows(HEADERS_2019, 1)[0]
    p = d / "rows-repeated-2-billion.ods"
    return write_ods(p, [("Outcomes_open_data__2017-18", [list(HEADERS_2019), RepeatedRow(data, 2_000_000_000)])], max_rows=None)


def b_ods_empty_rows_then_data(d: Path) -> Path:
    """Empty rows repeated past the sheet's end, then data: calamine drops the data silently."""
    data = rows(HEADERS_2019, 2)
    p = d / "empty-rows-then-data.ods"
    return write_ods(
        p, [("Outcomes_open_data__2017-18", [list(HEADERS_2019), data[0], RepeatedRow([None] * 13, 1_500_000), data[1]])], max_rows=None
    )


def b_ods_columns_repeated(d: Path) -> Path:
    """A data row whose last value is repeated across 20,000 columns (LibreOffice holds 16,384)."""
    data = rows(HEADERS_2019, 2)
    wide = data[1] + ["x"] * 20_000
    p = d / "columns-repeated.ods"
    return write_ods(p, [("Outcomes_open_data__2017-18", [list(HEADERS_2019), data[0], wide])], padding=False)


def b_xlsx_far_cell(d: Path) -> Path:
    """A cell at XFD1048576: calamine allocates the whole 17-billion-cell grid and aborts."""
    parts = _tiny_xlsx(d)
    xml = _WS_HEAD + _header_row_xml() + '<row r="1048576">' + _inline("XFD1048576", "x") + "</row>" + _WS_TAIL
    replace_part(parts, SHEET, xml.encode())
    return write_zip(d / "far-cell-XFD1048576.xlsx", parts)


def b_xlsx_implicit_wide(d: Path) -> Path:
    """16,000 cells without positions in one row, then a row near the bottom: the same
    grid allocation, reached without a single far cell reference."""
    parts = _tiny_xlsx(d)
    wide = '<row r="2">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 16_000 + "</row>"
    far = '<row r="900000">' + _inline("A900000", "y") + "</row>"
    replace_part(parts, SHEET, (_WS_HEAD + _header_row_xml() + wide + far + _WS_TAIL).encode())
    return write_zip(d / "cells-without-positions.xlsx", parts)


def b_xlsx_row_beyond(d: Path) -> Path:
    parts = _tiny_xlsx(d)
    xml = _WS_HEAD + _header_row_xml() + '<row r="2000000000">' + _inline("A2000000000", "x") + "</row>" + _WS_TAIL
    replace_part(parts, SHEET, xml.encode())
    return write_zip(d / "row-two-billion.xlsx", parts)


def b_xlsx_shared_strings(d: Path) -> Path:
    """sharedStrings.xml declaring two billion strings: calamine reserves 48 GB up front."""
    parts = _tiny_xlsx(d)
    sst = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2000000000" uniqueCount="2000000000"><si><t>a</t></si></sst>'
    replace_part(parts, "xl/sharedStrings.xml", sst.encode())
    rels = part_text(parts, "xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    replace_part(parts, "xl/_rels/workbook.xml.rels", rels.encode())
    return write_zip(d / "shared-strings-2-billion.xlsx", parts)


def _sheet_with(d: Path, name: str, extra_rows: str) -> Path:
    parts = _tiny_xlsx(d)
    replace_part(parts, SHEET, (_WS_HEAD + _header_row_xml() + extra_rows + _WS_TAIL).encode())
    return write_zip(d / name, parts)


def b_xlsx_duplicate_r(d: Path) -> Path:
    """Two r attributes: a quick look sees A2, the parser keeps the last (XFD1048576)."""
    return _sheet_with(d, "duplicate-r.xlsx", '<row r="2"><c r="A2" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')


def b_xlsx_gt_in_attribute(d: Path) -> Path:
    """'>' is legal inside an attribute value; a tag scanner that stops there misses r."""
    return _sheet_with(d, "gt-in-attribute.xlsx", '<row r="2"><c foo=">" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')


def b_xlsx_lowercase_ref(d: Path) -> Path:
    return _sheet_with(d, "lowercase-far-ref.xlsx", '<row r="2"><c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c></row>')


def b_ods_space_run(d: Path) -> Path:
    """<text:s text:c="2000000000"/>: the parser writes out two billion spaces (7.6 GB)."""
    parts = _tiny_ods(d)
    xml = part_text(parts, "content.xml").replace("<text:p>Kent</text:p>", '<text:p>Kent<text:s text:c="2000000000"/></text:p>', 1)
    xml = xml.replace("<text:p>Financial Year</text:p>", '<text:p>Financial<text:s text:c="2000000000"/>Year</text:p>', 1)
    replace_part(parts, "content.xml", xml.encode())
    return write_zip(d / "space-run-2-billion.ods", parts)


def b_ods_unclosed(element: str) -> Callable[[Path], Path]:
    """An ods whose table (or a cell comment) is never closed: calamine loops for ever."""

    def build(d: Path) -> Path:
        parts = _tiny_ods(d)
        xml = part_text(parts, "content.xml")
        if element == "table":
            xml = xml.replace("</table:table>", "", 1)
        else:
            xml = xml.replace("<text:p>Force Name</text:p>", "<office:annotation><text:p>note</text:p><text:p>Force Name</text:p>", 1)
            assert "office:annotation" in xml
        replace_part(parts, "content.xml", xml.encode())
        return write_zip(d / f"{element}-never-closed.ods", parts)

    return build


_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def b_billion_laughs(d: Path) -> Path:
    parts = _tiny_xlsx(d)
    xml = part_text(parts, SHEET).replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', _LAUGHS, 1)
    xml = xml.replace("<t>Force Name</t>", "<t>&lol9;</t>", 1)
    replace_part(parts, SHEET, xml.encode())
    return write_zip(d / "billion-laughs.xlsx", parts)


def b_external_entity(d: Path) -> Path:
    parts = _tiny_ods(d)
    xml = part_text(parts, "content.xml")
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        1,
    )
    xml = xml.replace("<text:p>Force Name</text:p>", "<text:p>&xxe;</text:p>", 1)
    replace_part(parts, "content.xml", xml.encode())
    return write_zip(d / "external-entity.ods", parts)


def b_utf16_part(d: Path) -> Path:
    """A DOCTYPE hidden from byte checks by writing the XML in UTF-16."""
    parts = _tiny_xlsx(d)
    xml = part_text(parts, SHEET).replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    replace_part(parts, SHEET, xml.encode("utf-16"))
    return write_zip(d / "utf16-sheet.xlsx", parts)


def b_no_data_sheet(d: Path) -> Path:
    from crime_outcomes.testing.workbooks import write_workbook

    p = d / "no-data-sheet.xlsx"
    return write_workbook(p, [("Cover_sheet", [("Outcomes open data",), ("Source: Home Office",)]), ("Notes", [("Nothing here",)])])


def b_header_only(d: Path) -> Path:
    return valid_xlsx(d / "header-only.xlsx", data=[])


def b_duplicate_headers(d: Path) -> Path:
    headers = list(HEADERS_CURRENT)
    headers[col(headers, "Offence Subgroup")] = "Force Name"
    data = rows()
    p = d / "duplicate-headers.xlsx"
    from crime_outcomes.testing.workbooks import write_workbook

    return write_workbook(p, [("Outcomes", [headers, *data])])


def b_missing_column(d: Path) -> Path:
    headers = list(HEADERS_CURRENT)
    i = col(headers, "Outcomes for investigations closed in the quarter")
    from crime_outcomes.testing.workbooks import write_workbook

    data = [r[:i] + r[i + 1 :] for r in rows()]
    return write_workbook(d / "missing-count-column.xlsx", [("Outcomes", [headers[:i] + headers[i + 1 :], *data])])


def b_unknown_header(d: Path) -> Path:
    headers = [*HEADERS_CURRENT, "Comments"]
    from crime_outcomes.testing.workbooks import write_workbook

    data = [[*r, "note"] for r in rows()]
    return write_workbook(d / "unknown-column.xlsx", [("Outcomes", [headers, *data])])


def b_shuffled(d: Path) -> Path:
    order = list(range(len(HEADERS_CURRENT)))
    random.Random(11).shuffle(order)
    headers = [HEADERS_CURRENT[i] for i in order]
    data = [[r[i] for i in order] for r in rows()]
    from crime_outcomes.testing.workbooks import write_workbook

    return write_workbook(d / "shuffled-columns.xlsx", [("Outcomes", [headers, *data])])


def _edited(
    name: str, edit: Callable[[list[list[Cell]], Sequence[str]], list[list[Cell]]], headers: Sequence[str] = HEADERS_CURRENT
) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        data = edit(rows(headers), headers)
        suffix = Path(name).suffix
        if suffix == ".csv":
            return write_csv(d / name, data, headers)
        return (valid_xlsx if suffix == ".xlsx" else valid_ods)(d / name, headers, data)

    return build


def e_bad_counts(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    rec = col(h, "Outcomes for offences that were recorded in the quarter")
    clo = col(h, "Outcomes for investigations closed in the quarter")
    data[1][rec] = "ten"
    data[2][clo] = "1.5"
    data[3][rec] = "99999999999999999999"
    data[4][clo] = 10**12
    data[5][rec] = 2.5
    return data


def e_type_23(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[3][col(h, "Outcome Type")] = 23
    return data


def e_year_contradicts(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    for r in data[:3]:
        r[col(h, "Financial Year")] = "2018/19"
    return data


def e_duplicates(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    return data + [list(data[5]), list(data[6])]


def e_negative_total(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[9][col(h, "Outcomes for investigations closed in the quarter")] = -5
    return data


def e_unknown_force(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[2][col(h, "Force Name")] = "Atlantis Constabulary"
    return data


def e_markup_force(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[2][col(h, "Force Name")] = MARKUP
    return data


def e_markup_text(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    code = data[0][col(h, "Offence Code")]
    for r in data:
        if r[col(h, "Offence Code")] == code:
            r[col(h, "Offence Description")] = f"{MARKUP} {RICH_MARKUP} =1+1"
            r[col(h, "Offence Group")] = "<b>Group</b> & <i>co</i>"
            r[col(h, "Offence Subgroup")] = "@SUM(A1) [link](javascript:alert(1))"
    return data


def b_csv(name: str, **kw: object) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        data = rows()
        if kw.get("encoding") == "latin-1":
            for r in data:
                r[col(HEADERS_CURRENT, "Offence Description")] = LATIN1_TEXT
        return write_csv(d / name, data, **kw)  # type: ignore[arg-type]

    return build


def b_csv_gz_bomb(d: Path) -> Path:
    import gzip

    p = d / "bomb.csv.gz"
    with gzip.open(p, "wb", compresslevel=9) as gz:
        gz.write(",".join(HEADERS_CURRENT).encode() + b"\n")
        block = b" " * (1 << 20)
        for _ in range(64):
            gz.write(block)
    return p


def b_odd_path(d: Path) -> Path:
    return valid_xlsx(d / "dossier avec espaces" / "Données d’outcomes ñ 2017 – Ünïcode.xlsx")


MARKUP_FILE_NAME = "[bold red]markup <script>alert(1) [link=x]x.xlsx"  # no '/': it must stay one name


def b_markup_name(d: Path) -> Path:
    return valid_xlsx(d / MARKUP_FILE_NAME)


def b_not_supported(d: Path) -> Path:
    p = d / "outcomes.pdf"
    p.write_bytes(b"%PDF-1.4\n")
    return p


def b_directory(d: Path) -> Path:
    p = d / "a-folder.xlsx"
    p.mkdir()
    return p


def b_missing(d: Path) -> Path:
    return d / "no-such-file.xlsx"


def b_ods_that_is_xlsx(d: Path) -> Path:
    p = d / "really-an-xlsx.ods"
    p.write_bytes(valid_xlsx(d / "_x.xlsx").read_bytes())
    (d / "_x.xlsx").unlink()
    return p


def b_too_many_parts(d: Path) -> Path:
    parts = _tiny_xlsx(d)
    for i in range(60):
        parts.append(deflated(b"<x/>"))
        parts[-1].name = f"junk/{i}.xml"
    return write_zip(d / "many-parts.xlsx", parts)


def b_overlapping_parts(d: Path) -> Path:
    """Two directory entries pointing at the same data (the 'overlapping' zip bomb shape)."""
    path = valid_xlsx(d / "overlapping-parts.xlsx", extra_sheets=False)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    # Point the last directory entry's local-header offset at the first part's.
    eocd = data.rfind(b"PK\x05\x06")
    cd_start = struct.unpack("<I", data[eocd + 16 : eocd + 20])[0]
    pos = cd_start
    for info in infos:
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        if info is infos[-1]:
            data[pos + 42 : pos + 46] = struct.pack("<I", infos[0].header_offset)
        pos += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))
    return path


# --------------------------------------------------------------------------------------------
# Text that is too long or that hides what it says (issue 15)

# U+202E right-to-left override, U+200B zero-width space, U+2066/U+2069 a bidi isolate,
# U+0085 and U+009B C1 controls (allowed in XML, so they reach the parser from xlsx).
DECEPTIVE_TEXT = "Assault\u202egnp.exe\u200b \u2066x\u2069\u0085\u009b"
DECEPTIVE_CLEAN = "Assaultgnp.exe x "
C0_TEXT = "Theft\x1b[31m red\x07\x7f\x01 of a bicycle"


def e_deceptive_text(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    code = data[0][col(h, "Offence Code")]
    for r in data:
        r[col(h, "Force Name")] = str(r[col(h, "Force Name")]).replace(" ", "\u200b ", 1)
        if r[col(h, "Offence Code")] == code:
            r[col(h, "Offence Description")] = DECEPTIVE_TEXT
            r[col(h, "Offence Group")] = "Violence\u200d against the person\u202c"
    return data


def e_c0_text(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    for r in data:
        r[col(h, "Offence Description")] = C0_TEXT
    return data


def e_long_description(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[4][col(h, "Offence Description")] = "Theft " * 1_000
    return data


def e_long_code(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    data[2][col(h, "Offence Code")] = "8" * 500
    return data


def e_many_long(data: list[list[Cell]], h: Sequence[str]) -> list[list[Cell]]:
    for r in data[10:30]:
        r[col(h, "Offence Subgroup")] = "x" * 2_000
    return data


def b_long_line(d: Path) -> Path:
    data = rows()
    data[7][col(HEADERS_CURRENT, "Offence Description")] = "y" * 100_000
    return write_csv(d / "long-line.csv", data)


def b_many_columns(d: Path) -> Path:
    headers = list(HEADERS_CURRENT) + [f"Extra {i}" for i in range(200)]
    return write_csv(d / "many-columns.csv", [r + [""] * 200 for r in rows()], headers)


def b_long_header(d: Path) -> Path:
    headers = list(HEADERS_CURRENT)
    headers[col(headers, "Offence Subgroup")] = "Offence Subgroup " + "z" * 300
    return valid_xlsx(d / "long-header.xlsx", headers, rows())


def b_long_sheet_name(d: Path) -> Path:
    return valid_ods(d / "long-sheet-name.ods", sheet_name="Outcomes " + "s" * 300)


def b_deceptive_sheet_and_header(d: Path) -> Path:
    headers = list(HEADERS_2019)
    headers[col(headers, "Offence Description")] = "Offence\u200b Description\u202e"
    return valid_ods(d / "deceptive-names.ods", headers, rows(HEADERS_2019), sheet_name="Outcomes\u202e_2017-18")


# --------------------------------------------------------------------------------------------
# The corpus

FILE_NAME_2018 = "prc-outcomes-open-data-mar2018-tables-230519.xlsx"

CASES: list[Case] = [
    Case("empty-xlsx", b_empty_xlsx, EXIT_INPUT, REJECTED, "rejected: the file is empty", ("empty",)),
    Case("empty-csv", b_empty_csv, EXIT_INPUT, REJECTED, "rejected: the file is empty", ("empty",)),
    Case("random-bytes-xlsx", b_random(".xlsx"), EXIT_INPUT, REJECTED, "rejected: not a spreadsheet", ("not a spreadsheet",)),
    Case("random-bytes-ods", b_random(".ods"), EXIT_INPUT, REJECTED, "rejected: not a spreadsheet", ("not a spreadsheet",)),
    Case("pk-then-noise", b_random_after_pk, EXIT_INPUT, REJECTED, "rejected: not a spreadsheet (cut short?)", ("not a spreadsheet",)),
    Case("xlsx-cut-half-way", b_truncated("xlsx"), EXIT_INPUT, REJECTED, "rejected: not a spreadsheet / cut short", ("cut short",)),
    Case("ods-cut-half-way", b_truncated("ods"), EXIT_INPUT, REJECTED, "rejected: not a spreadsheet / cut short", ("cut short",)),
    Case(
        "sheet-data-cut",
        b_truncated_with_directory,
        EXIT_INPUT,
        REJECTED,
        "rejected: part cut short / damaged, naming the part",
        ("xl/worksheets/sheet1.xml",),
    ),
    Case(
        "zip-bomb-ratio",
        b_ratio_bomb,
        EXIT_LIMIT,
        REJECTED,
        "rejected at once: part compressed ~1000:1 (limit 300:1 above 50 MB)",
        ("zip bomb", "xl/worksheets/sheet1.xml"),
    ),
    Case(
        "zip-bomb-lying-size",
        b_lying_bomb,
        EXIT_LIMIT,
        REJECTED,
        "rejected after inflating the declared size: part inflates past its declared size",
        ("declares", "xl/worksheets/sheet1.xml"),
    ),
    Case(
        "local-header-lies",
        b_local_header_lies,
        EXIT_INPUT,
        REJECTED,
        "rejected: local header and zip directory disagree on sizes",
        ("lies",),
    ),
    Case("encrypted-part", b_encrypted, EXIT_INPUT, REJECTED, "rejected: encrypted (password-protected) part", ("encrypted",)),
    Case(
        "overlapping-parts",
        b_overlapping_parts,
        EXIT_INPUT,
        REJECTED,
        "rejected: a directory entry points at another part's data (the overlapping zip bomb shape)",
        ("disagrees",),
    ),
    Case(
        "too-many-parts",
        b_too_many_parts,
        EXIT_LIMIT,
        REJECTED,
        "rejected: more zip parts than CRIME_OUTCOMES_MAX_MEMBERS",
        ("parts",),
        env={"CRIME_OUTCOMES_MAX_MEMBERS": "50"},
    ),
    Case(
        "ods-8gb-whitespace",
        b_ods_whitespace(False),
        EXIT_LIMIT,
        REJECTED,
        "rejected at once: content.xml would expand to 8 GiB (limit 3 GiB per part); never reaches the parser, which would abort",
        ("content.xml", "limit"),
    ),
    Case(
        "ods-8gb-whitespace-lying-size",
        b_ods_whitespace(True),
        EXIT_LIMIT,
        REJECTED,
        "rejected after inflating ~8 MB: content.xml inflates past its declared size",
        ("content.xml", "declares"),
    ),
    Case(
        "ods-row-repeated-2-billion",
        b_ods_rows_repeated,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: row declared repeated 2,000,000,000 times (sheet, row named)",
        ("Outcomes_open_data__2017-18", "row 2", "repeated"),
    ),
    Case(
        "ods-empty-rows-then-data",
        b_ods_empty_rows_then_data,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: data after empty rows repeated past row 1,048,576 would be dropped",
        ("Outcomes_open_data__2017-18", "1,500,003"),
    ),
    Case(
        "ods-columns-repeated",
        b_ods_columns_repeated,
        EXIT_LIMIT,
        REJECTED,
        "rejected: the reader capped a column repeat (data past column 16,384 would be dropped)",
        ("columns",),
    ),
    Case(
        "xlsx-cell-at-XFD1048576",
        b_xlsx_far_cell,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: 17 billion-cell grid > CRIME_OUTCOMES_MAX_CELLS (the parser would abort)",
        ("cell limit",),
    ),
    Case(
        "xlsx-cells-without-positions",
        b_xlsx_implicit_wide,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: the grid implied by cells without positions > CRIME_OUTCOMES_MAX_CELLS",
        ("cell limit",),
    ),
    Case(
        "xlsx-row-2-billion",
        b_xlsx_row_beyond,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: a cell beyond row 1,048,576",
        ("2,000,000,000",),
    ),
    Case(
        "xlsx-shared-strings-2-billion",
        b_xlsx_shared_strings,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: sharedStrings declares 2 billion strings (the parser would reserve 48 GB and abort)",
        ("shared strings",),
    ),
    Case(
        "xlsx-duplicate-r-attribute",
        b_xlsx_duplicate_r,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: the last r (the one the parser uses) points at XFD1048576",
        ("cell limit",),
    ),
    Case(
        "xlsx-gt-inside-attribute",
        b_xlsx_gt_in_attribute,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: attributes read quote-aware, far cell found",
        ("cell limit",),
    ),
    Case(
        "xlsx-lower-case-far-ref",
        b_xlsx_lowercase_ref,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: xfd1048576 is XFD1048576 to the parser",
        ("cell limit",),
    ),
    Case(
        "ods-space-run-2-billion",
        b_ods_space_run,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: text:s asks for 2,000,000,000 spaces (7.6 GB in the parser)",
        ("spaces",),
    ),
    Case(
        "ods-table-never-closed",
        b_ods_unclosed("table"),
        EXIT_INPUT,
        REJECTED,
        "rejected before parsing: a table is never closed (found by fuzzing: the parser loops for ever)",
        ("never closed",),
    ),
    Case(
        "ods-comment-never-closed",
        b_ods_unclosed("comment"),
        EXIT_INPUT,
        REJECTED,
        "rejected before parsing: a cell comment is never closed (the parser loops for ever)",
        ("never closed",),
    ),
    Case(
        "xml-billion-laughs",
        b_billion_laughs,
        EXIT_INPUT,
        REJECTED,
        "rejected: DOCTYPE/entities in a part (named)",
        ("DOCTYPE", "xl/worksheets/sheet1.xml"),
    ),
    Case(
        "xml-external-entity",
        b_external_entity,
        EXIT_INPUT,
        REJECTED,
        "rejected: DOCTYPE/external entity in content.xml",
        ("DOCTYPE", "content.xml"),
    ),
    Case("xml-in-utf16", b_utf16_part, EXIT_INPUT, REJECTED, "rejected: XML part not in UTF-8", ("UTF-8",)),
    Case(
        "no-data-sheet",
        b_no_data_sheet,
        EXIT_INPUT,
        REJECTED,
        "rejected: no data sheet (the sheets seen are listed)",
        ("no data sheet", "Cover_sheet"),
    ),
    Case(
        "header-only",
        b_header_only,
        EXIT_INPUT,
        REJECTED,
        "rejected: a header and no data rows (sheet named)",
        ("no data rows", "Outcomes_open_data__2017-18"),
    ),
    Case(
        "duplicate-headers",
        b_duplicate_headers,
        EXIT_INPUT,
        REJECTED,
        "rejected: two columns map to one field (sheet, row 1, both columns named)",
        ("Outcomes", "row 1", "Force Name"),
    ),
    Case(
        "missing-count-column",
        b_missing_column,
        EXIT_INPUT,
        REJECTED,
        "rejected: missing field named, headers found listed",
        ("missing field", "closed"),
    ),
    Case("unknown-column", b_unknown_header, EXIT_INPUT, REJECTED, "rejected: unknown header named", ("unknown header", "Comments")),
    Case("shuffled-columns", b_shuffled, EXIT_OK, LOADED, "loaded: columns are mapped by header name", rejected_rows=0),
    Case(
        "bad-counts",
        _edited("bad-counts.xlsx", e_bad_counts),
        EXIT_OK,
        QUARANTINED,
        "loaded; 5 rows quarantined (text, decimals, a number past int64, 10^12) with row, column and reason",
        rejected_rows=5,
        reasons=("not a whole number", "implausibly large"),
    ),
    Case(
        "outcome-type-23",
        _edited("outcome-type-23.xlsx", e_type_23),
        EXIT_OK,
        QUARANTINED,
        "loaded; the row quarantined: not an outcome type 0-22",
        rejected_rows=1,
        reasons=("outcome type",),
    ),
    Case(
        "year-contradicts-file-name",
        _edited(FILE_NAME_2018, e_year_contradicts),
        EXIT_OK,
        QUARANTINED,
        "loaded; rows of another year quarantined (`mar2018` = 2017/18)",
        rejected_rows=3,
        reasons=("contradicts the file name",),
    ),
    Case(
        "duplicate-key-rows",
        _edited("duplicate-rows.xlsx", e_duplicates),
        EXIT_OK,
        QUARANTINED,
        "loaded; later duplicates quarantined, pointing at the first",
        rejected_rows=2,
        reasons=("duplicate of row 7",),
    ),
    Case(
        "negative-annual-total",
        _edited("negative-total.xlsx", e_negative_total),
        EXIT_OK,
        LOADED,
        "loaded as published (totals reconcile); the summary warns that an annual total is negative",
        rejected_rows=0,
        stdout=("negative",),
    ),
    Case(
        "unknown-force",
        _edited("unknown-force.xlsx", e_unknown_force),
        EXIT_OK,
        QUARANTINED,
        "loaded; the row quarantined: unknown force name",
        rejected_rows=1,
        reasons=("unknown force",),
    ),
    Case(
        "force-name-with-markup",
        _edited("markup-force.xlsx", e_markup_force),
        EXIT_OK,
        QUARANTINED,
        "loaded; the row quarantined (unknown force); the name is kept as text in rejected_rows",
        rejected_rows=1,
        reasons=("unknown force",),
    ),
    Case(
        "markup-in-offence-text",
        _edited("markup-offence.xlsx", e_markup_text),
        EXIT_OK,
        LOADED,
        "loaded; shown as text, never run (sql and status output checked)",
        rejected_rows=0,
    ),
    Case(
        "markup-in-file-name",
        b_markup_name,
        EXIT_OK,
        LOADED,
        "loaded; the name is printed as text",
        rejected_rows=0,
        stdout=(MARKUP_FILE_NAME,),
    ),
    Case(
        "csv-latin-1",
        b_csv("latin-1.csv", encoding="latin-1"),
        EXIT_OK,
        LOADED,
        "loaded; decoded as Windows-1252/Latin-1 (noted)",
        rejected_rows=0,
        stdout=("decoded as",),
    ),
    Case("csv-utf8-bom", b_csv("bom.csv", bom=True), EXIT_OK, LOADED, "loaded", rejected_rows=0),
    Case("csv-semicolons", b_csv("semicolons.csv", delimiter=";"), EXIT_OK, LOADED, "loaded", rejected_rows=0),
    Case("csv-crlf", b_csv("crlf.csv", newline="\r\n"), EXIT_OK, LOADED, "loaded", rejected_rows=0),
    Case(
        "csv-gz-bomb",
        b_csv_gz_bomb,
        EXIT_LIMIT,
        REJECTED,
        "rejected: gunzipped past the part limit (stops there)",
        ("expands past the limit",),
        env={"CRIME_OUTCOMES_MAX_MEMBER_BYTES": "20000000"},
    ),
    Case("path-with-spaces-and-accents", b_odd_path, EXIT_OK, LOADED, "loaded", rejected_rows=0),
    Case("unsupported-type", b_not_supported, EXIT_INPUT, REJECTED, "rejected: unsupported file type", ("unsupported file type",)),
    Case("a-folder", b_directory, EXIT_INPUT, REJECTED, "rejected: a folder, not a file", ("folder",)),
    Case("missing-file", b_missing, EXIT_INPUT, REJECTED, "rejected: no such file", ("no such file",)),
    Case(
        "deceptive-characters-in-text",
        _edited("deceptive.xlsx", e_deceptive_text),
        EXIT_OK,
        LOADED,
        "loaded; right-to-left override, zero-width and C1 characters removed (count reported); the force name matches once cleaned",
        rejected_rows=0,
        stdout=("control, format or bidi",),
    ),
    Case(
        "c0-controls-in-csv-text",
        _edited("c0-controls.csv", e_c0_text),
        EXIT_OK,
        LOADED,
        "loaded; escape, bell, DEL and other C0 controls removed (count reported)",
        rejected_rows=0,
        stdout=("control, format or bidi",),
    ),
    Case(
        "description-over-its-bound",
        _edited("long-description.xlsx", e_long_description),
        EXIT_OK,
        QUARANTINED,
        "loaded; the row quarantined with the length and the limit (1,000 characters), the cell kept cut to the limit",
        rejected_rows=1,
        reasons=("6,000 characters", "CRIME_OUTCOMES_MAX_TEXT_CHARS"),
    ),
    Case(
        "code-over-its-bound",
        _edited("long-code.csv", e_long_code),
        EXIT_OK,
        QUARANTINED,
        "loaded; the row quarantined with the length and the limit (100 characters)",
        rejected_rows=1,
        reasons=("500 characters", "CRIME_OUTCOMES_MAX_NAME_CHARS"),
    ),
    Case(
        "many-cells-over-their-bound",
        _edited("many-long.csv", e_many_long),
        EXIT_LIMIT,
        REJECTED,
        "rejected: more than 1% of rows (and more than 10) have an over-long cell; the first is named",
        ("20 of 84 rows", "CRIME_OUTCOMES_MAX_OVERLONG_SHARE", "row 12", "Offence Subgroup"),
    ),
    Case(
        "csv-line-over-limit",
        b_long_line,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: a line longer than 64 KiB (row, column, length and limit named)",
        ("row 9", "Offence Description", "100,", "CRIME_OUTCOMES_MAX_LINE_BYTES"),
    ),
    Case(
        "csv-213-columns",
        b_many_columns,
        EXIT_LIMIT,
        REJECTED,
        "rejected before parsing: more columns than CRIME_OUTCOMES_MAX_COLUMNS (64)",
        ("213 columns", "CRIME_OUTCOMES_MAX_COLUMNS"),
    ),
    Case(
        "header-over-its-bound",
        b_long_header,
        EXIT_LIMIT,
        REJECTED,
        "rejected: a header longer than 200 characters (sheet, row, column named)",
        ("column 6", "CRIME_OUTCOMES_MAX_HEADER_CHARS"),
    ),
    Case(
        "sheet-name-over-its-bound",
        b_long_sheet_name,
        EXIT_LIMIT,
        REJECTED,
        "rejected: a sheet name longer than 100 characters",
        ("309 characters", "CRIME_OUTCOMES_MAX_SHEET_NAME_CHARS"),
    ),
    Case(
        "deceptive-sheet-name-and-header",
        b_deceptive_sheet_and_header,
        EXIT_OK,
        LOADED,
        "loaded; zero-width and bidi characters removed from the sheet name and the header (count reported)",
        rejected_rows=0,
        stdout=("header row",),
    ),
    Case(
        "xlsx-named-ods",
        b_ods_that_is_xlsx,
        EXIT_INPUT,
        REJECTED,
        "rejected: the spreadsheet cannot be opened (reader's reason given)",
        ("cannot be opened",),
    ),
]


def markdown_table(cases: Sequence[Case] = CASES) -> str:
    """The corpus as the README's table: input, exit code, outcome."""
    lines = ["| Input | Exit | Outcome |", "|---|---|---|"]
    for c in cases:
        lines.append(f"| {c.name} | {c.exit_code} | {c.doc} |")
    return "\n".join(lines)
