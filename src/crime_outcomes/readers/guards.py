"""Checks that sit in front of the spreadsheet parser.

The parser (calamine, under fastexcel) is native code. Measured with fastexcel 0.21:

* an xlsx with one cell at ``XFD1048576`` makes it allocate 512 GB in one piece for the
  sheet grid and abort the whole process, with no exception to catch; so does a
  ``sharedStrings.xml`` declaring ``uniqueCount="2000000000"`` (48 GB reserved up front);
* a zip part whose header declares a small size but whose data inflates to gigabytes is
  read to the end anyway (3 GB of whitespace: 41 s and 3 GB of memory; 8 GB aborts);
* an ods row marked ``table:number-rows-repeated="2000000000"`` comes back silently as
  1,048,576 rows, and data after a huge repeat is dropped without an error.

So every part of the archive is inflated here first, in a worker thread and never whole
in memory, and checked against its declared size, its CRC and the limits in
``settings.Limits``; the sheet XML is scanned for what would make the parser allocate or
truncate (cell positions in xlsx, row repeats in ods). A file that fails is rejected with
a message naming the file, the part or sheet and the row, before any parser sees it.
"""

from __future__ import annotations

import html
import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa

from crime_outcomes.errors import InputError, LimitError, Location
from crime_outcomes.settings import Limits

XML_PEEK_BYTES = 4096
SHEET_MAX_COLUMNS = 16_384  # xlsx and LibreOffice: column XFD
_READ_BYTES = 4 << 20  # compressed bytes read per step
_OUT_BYTES = 16 << 20  # inflated bytes handed to the scanner per step
_CARRY = 64 << 10  # bytes kept between steps so no tag is missed at a boundary
_MAX_TAG = 4096  # a row or cell start tag longer than this is not a spreadsheet's
_ZIP_DEFLATED_SLACK = 1.002  # deflate never grows data by more than ~0.03 % plus a few bytes
_STOP = object()


@dataclass(frozen=True)
class PaddingRun:
    """An empty ods row repeated ``count`` times from ``first_row``, reaching past the rows a sheet holds.

    LibreOffice pads a sheet this way; the parser stops the repeat at the sheet's last row
    and logs that it did, which is harmless only because the rows hold nothing.
    """

    sheet: str | None
    first_row: int
    count: int


@dataclass
class ContainerCheck:
    """What the checks learned that the reader needs: empty ods padding past the sheet's end."""

    padding: list[PaddingRun]


@dataclass
class _Part:
    info: zipfile.ZipInfo
    data_offset: int


def check_spreadsheet_container(path: Path, limits: Limits) -> ContainerCheck:
    """Raise InputError/LimitError unless ``path`` is a sane zip-based spreadsheet.

    Cheap checks on the zip directory come first (sizes, ratios, encryption, methods,
    overlapping parts), then each part is inflated and scanned.
    """
    where = Location(str(path))
    size = path.stat().st_size
    if size == 0:
        raise InputError(where, "the file is empty", expected="a spreadsheet", found="0 bytes")
    if size > limits.max_file_bytes:
        raise LimitError(
            where,
            "the file is larger than the limit (CRIME_OUTCOMES_MAX_FILE_BYTES)",
            expected=f"at most {limits.max_file_bytes:,} bytes",
            found=f"{size:,} bytes",
        )
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            head = fh.read(8)
        raise InputError(
            where,
            "not a spreadsheet (xlsx and ods files are zip archives; this one may be cut short or not a spreadsheet at all)",
            expected="a zip archive starting with 'PK'",
            found=f"bytes {head!r}" if head else "nothing",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_directory(infos, size, where, limits)
            with path.open("rb") as fh:
                parts = [_Part(info, _data_offset(fh, info, where)) for info in infos]
            _check_no_overlap(parts, size, where)
            sheet_names = _xlsx_sheet_names(zf) if path.suffix.lower() != ".ods" else {}
    except zipfile.BadZipFile as exc:
        raise InputError(where, "the archive is damaged (perhaps a download cut short)", found=str(exc)) from None
    except (OSError, EOFError, struct.error, ValueError, NotImplementedError) as exc:
        # zipfile raises these for malformed directories (bad zip64 records, odd encodings).
        raise InputError(where, "the archive is damaged (perhaps a download cut short)", found=str(exc) or type(exc).__name__) from None
    is_ods = path.suffix.lower() == ".ods"
    total = 0
    padding: list[PaddingRun] = []
    with path.open("rb") as fh:
        for part in sorted(parts, key=lambda p: p.data_offset):
            scanner = _scanner_for(part.info.filename, is_ods, where, limits, sheet_names)
            total += _inflate_and_scan(fh, part, scanner, where, limits, limits.max_total_uncompressed_bytes - total)
            if isinstance(scanner, _OdsContentScanner):
                padding.extend(scanner.padding)
    return ContainerCheck(padding)


def _check_directory(infos: list[zipfile.ZipInfo], size: int, where: Location, limits: Limits) -> None:
    """Reject from the zip directory alone: too many parts, encryption, odd methods, bombs."""
    if not infos:
        raise InputError(where, "the archive holds no parts", expected="a spreadsheet")
    if len(infos) > limits.max_members:
        raise LimitError(
            where,
            "the archive holds more parts than the limit (CRIME_OUTCOMES_MAX_MEMBERS)",
            expected=f"at most {limits.max_members:,}",
            found=f"{len(infos):,} parts",
        )
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise InputError(where, f"part {name!r} is encrypted (a password-protected workbook)", expected="an unprotected spreadsheet")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(
                where,
                f"part {name!r} uses zip compression method {info.compress_type}",
                expected="stored or deflated parts, as spreadsheet programs write",
            )
        if info.file_size > limits.max_member_bytes:
            raise LimitError(
                where,
                f"part {name!r} would expand past the limit (CRIME_OUTCOMES_MAX_MEMBER_BYTES)",
                expected=f"at most {limits.max_member_bytes:,} bytes",
                found=f"{info.file_size:,} bytes",
            )
        if info.compress_size > size:
            raise InputError(
                where,
                f"part {name!r} claims more compressed bytes than the file holds (the file may be cut short)",
                found=f"{info.compress_size:,} of {size:,} bytes",
            )
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise InputError(
                where,
                f"part {name!r} is stored uncompressed but its two sizes differ",
                found=f"{info.compress_size:,} and {info.file_size:,} bytes",
            )
        if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > info.file_size * _ZIP_DEFLATED_SLACK + 1024:
            raise InputError(
                where,
                f"part {name!r} declares an uncompressed size smaller than its compressed data, which deflate cannot produce",
                expected="honest sizes",
                found=f"{info.compress_size:,} bytes compressed, {info.file_size:,} declared",
            )
        if info.file_size > limits.ratio_applies_above_bytes and info.compress_size:
            ratio = info.file_size / info.compress_size
            if ratio > limits.max_compression_ratio:
                raise LimitError(
                    where,
                    f"part {name!r} is compressed {ratio:,.0f} to 1, like a zip bomb (CRIME_OUTCOMES_MAX_COMPRESSION_RATIO)",
                    expected=f"a ratio under {limits.max_compression_ratio:,.0f}",
                    found=f"{info.compress_size:,} bytes expanding to {info.file_size:,}",
                )
        total += info.file_size
    if total > limits.max_total_uncompressed_bytes:
        raise LimitError(
            where,
            "the archive would expand past the limit (CRIME_OUTCOMES_MAX_TOTAL_UNCOMPRESSED_BYTES)",
            expected=f"at most {limits.max_total_uncompressed_bytes:,} bytes",
            found=f"{total:,} bytes",
        )


def _data_offset(fh, info: zipfile.ZipInfo, where: Location) -> int:  # noqa: ANN001 - a binary file
    """Where a part's data starts, after checking its local header agrees with the directory.

    Readers differ on which of the two headers they trust, so a disagreement is how a zip
    is made to look small to one tool and large to another.
    """
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise InputError(where, f"part {info.filename!r} has no local header where the directory points (the file may be cut short)")
    _sig, _ver, flags, method, _t, _d, crc, csize, usize, name_len, extra_len = struct.unpack("<IHHHHHIIIHH", head)
    name = fh.read(name_len)
    raw_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace")
    if name != raw_name or method != info.compress_type:
        raise InputError(
            where,
            f"part {info.filename!r}: the local header disagrees with the zip directory",
            expected="the same name and method in both",
            found=f"local name {name!r}, method {method}",
        )
    if not flags & 0x8:
        sizes_known = csize != 0xFFFFFFFF and usize != 0xFFFFFFFF
        if sizes_known and (csize != info.compress_size or usize != info.file_size or crc != info.CRC):
            raise InputError(
                where,
                f"part {info.filename!r}: the local header lies about the part's sizes",
                expected=f"{info.compress_size:,} compressed / {info.file_size:,} bytes as in the zip directory",
                found=f"{csize:,} / {usize:,}",
            )
    return info.header_offset + 30 + name_len + extra_len


def _check_no_overlap(parts: list[_Part], size: int, where: Location) -> None:
    """Parts that share data ('overlapping' zip bombs) or run past the end are rejected."""
    ordered = sorted(parts, key=lambda p: p.data_offset)
    for part, nxt in zip(ordered, [*ordered[1:], None], strict=True):
        end = part.data_offset + part.info.compress_size
        limit = nxt.info.header_offset if nxt is not None else size
        if end > limit:
            what = f"overlaps part {nxt.info.filename!r}" if nxt is not None else "runs past the end of the file (cut short?)"
            raise InputError(where, f"part {part.info.filename!r} {what}", expected="parts stored one after another")


def _xlsx_sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet name from xl/workbook.xml and its relationships, for messages only."""
    try:
        wb_info = zf.getinfo("xl/workbook.xml")
        rels_info = zf.getinfo("xl/_rels/workbook.xml.rels")
        if wb_info.file_size > (8 << 20) or rels_info.file_size > (8 << 20):
            return {}
        workbook = zf.read(wb_info).decode("utf-8", "replace")
        rels = zf.read(rels_info).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - names only decorate messages; the parts are checked later
        return {}
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]*)"', tag)
        target = re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            t = html.unescape(target.group(1))
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
    names = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = html.unescape(name.group(1))
    return names


# --------------------------------------------------------------------------------------------
# Inflating one part


class _Scanner:
    """Receives a part's inflated bytes in order; raises InputError/LimitError to reject."""

    def feed(self, data: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last byte."""

    @property
    def wants_rescan(self) -> bool:
        """True when the quick scan met something unusual and needs a second, exact pass."""
        return False

    def exact(self) -> _Scanner | None:
        return None


def _inflate_and_scan(fh, part: _Part, scanner: _Scanner | None, where: Location, limits: Limits, budget: int) -> int:  # noqa: ANN001
    """Inflate one part (in a worker thread), feed the scanner, check size and CRC; return bytes."""
    produced = _inflate(fh, part, scanner, where, limits, budget)
    if scanner is not None and scanner.wants_rescan:
        exact = scanner.exact()
        if exact is not None:
            _inflate(fh, part, exact, where, limits, budget)
    return produced


def _inflate(fh, part: _Part, scanner: _Scanner | None, where: Location, limits: Limits, budget: int) -> int:  # noqa: ANN001
    info = part.info
    name = info.filename
    declared = info.file_size
    q: queue.Queue[object] = queue.Queue(maxsize=3)
    stop = threading.Event()
    result: dict[str, int] = {}

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            fh.seek(part.data_offset)
            left = info.compress_size
            crc = 0
            out = 0
            d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
            cap = min(declared, budget)
            while left and not stop.is_set():
                raw = fh.read(min(_READ_BYTES, left))
                if not raw:
                    raise InputError(where, f"part {name!r} is cut short", expected=f"{info.compress_size:,} compressed bytes")
                left -= len(raw)
                pending = raw
                while pending or (d is not None and d.unconsumed_tail):
                    if d is None:
                        data, pending = pending, b""
                    else:
                        data = d.decompress(pending or d.unconsumed_tail, _OUT_BYTES)
                        pending = b""
                    if not data:
                        break
                    out += len(data)
                    if out > cap:
                        if out > declared:
                            raise LimitError(
                                where,
                                f"part {name!r} inflates past the size its zip header declares, like a zip bomb",
                                expected=f"{declared:,} bytes",
                                found="more",
                            )
                        raise LimitError(
                            where,
                            "the archive would expand past the limit (CRIME_OUTCOMES_MAX_TOTAL_UNCOMPRESSED_BYTES)",
                            expected=f"at most {limits.max_total_uncompressed_bytes:,} bytes in all",
                        )
                    crc = zlib.crc32(data, crc)
                    if not put(data):
                        return
                    if d is not None and d.eof:
                        break
            if stop.is_set():
                return
            if d is not None and not d.eof:
                raise InputError(where, f"part {name!r} is cut short (its compressed data ends early)", expected=f"{declared:,} bytes")
            if out != declared:
                raise InputError(
                    where,
                    f"part {name!r} holds a different size from the one its zip header declares",
                    expected=f"{declared:,} bytes",
                    found=f"{out:,}",
                )
            if crc != info.CRC:
                raise InputError(
                    where, f"part {name!r} is damaged (its checksum does not match)", expected=f"CRC {info.CRC:08x}", found=f"{crc:08x}"
                )
            result["bytes"] = out
            put(_STOP)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the reading thread
            if isinstance(exc, zlib.error):
                exc = InputError(where, f"part {name!r} cannot be decompressed (the file is damaged or cut short)", found=str(exc))
            elif isinstance(exc, OSError):
                exc = InputError(where, f"part {name!r} cannot be read", found=str(exc))
            put(exc)

    worker = threading.Thread(target=produce, name=f"inflate {name}", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = q.get(timeout=1.0)
            except queue.Empty:
                if worker.is_alive():
                    continue
                raise InputError(where, f"part {name!r} could not be inflated") from None
            if item is _STOP:
                break
            if isinstance(item, BaseException):
                raise item
            if scanner is not None:
                scanner.feed(item)  # type: ignore[arg-type]
        if scanner is not None:
            scanner.finish()
    finally:
        stop.set()
        worker.join()
    return result.get("bytes", 0)


# --------------------------------------------------------------------------------------------
# Scanners


def _scanner_for(name: str, is_ods: bool, where: Location, limits: Limits, sheet_names: dict[str, str]) -> _Scanner | None:
    lower = name.lower()
    if not (lower.endswith(".xml") or lower.endswith(".rels")):
        return None
    if is_ods:
        if lower == "content.xml":
            return _OdsContentScanner(name, where, limits)
        return _XmlHeadScanner(name, where)
    return _XlsxScanner(name, where, limits, sheet_names.get(name))


class _Carry(_Scanner):
    """Runs ``pattern`` over the stream in overlapping windows so no match is split."""

    pattern: re.Pattern[bytes]

    def __init__(self, name: str, where: Location) -> None:
        self.name = name
        self.where = where
        self.buffer = b""
        self.skip = 0  # bytes at the start of ``buffer`` already covered by a handled match
        self.head_checked = False

    def feed(self, data: bytes) -> None:
        if not self.head_checked:
            self.head_checked = True
            _check_xml_head(data[:XML_PEEK_BYTES], self.name, self.where)
        buf = self.buffer + data if self.buffer else data
        safe_end = max(len(buf) - _CARRY, 0)
        self._scan(buf, safe_end)
        self.buffer = buf[safe_end:]

    def finish(self) -> None:
        self._scan(self.buffer, len(self.buffer))
        self.buffer = b""
        self.done()

    def _scan(self, buf: bytes, safe_end: int) -> None:
        end_seen = self.skip
        for m in self.pattern.finditer(buf, self.skip):
            if m.start() >= safe_end:
                break
            self.handle(m, buf)
            end_seen = m.end()
        self.skip = max(end_seen - safe_end, 0)

    def handle(self, m: re.Match[bytes], buf: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def done(self) -> None:
        """After the last match."""


def _native_find(pattern: str, buf: bytes, start: int) -> int:
    """Where the first match of ``pattern`` (RE2 syntax) at or after ``start`` begins in ``buf``; -1 if none.

    Python's ``re`` pays ~250 ns for every tag it has to look at; Arrow's RE2 runs one DFA
    over the bytes (Latin-1: one byte is one character, as in a bytes pattern) at about
    1 ns a byte, without the GIL, on a zero-copy view. The scanners use it to skip the
    stretches where their Python patterns could not match, and keep those patterns for
    everything it finds.
    """
    import pyarrow.compute as pc  # here, not at the top: only reading a spreadsheet needs it (~30 ms to import)

    if start >= len(buf):
        return -1
    view = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(struct.pack("<qq", start, len(buf))), pa.py_buffer(buf)])
    found = pc.find_substring_regex(view, pattern)[0].as_py()
    return -1 if found < 0 else start + found


class _XmlHeadScanner(_Scanner):
    """Only the start of the part: no DOCTYPE/entities, and UTF-8."""

    def __init__(self, name: str, where: Location) -> None:
        self.name, self.where, self.seen = name, where, False

    def feed(self, data: bytes) -> None:
        if not self.seen:
            self.seen = True
            _check_xml_head(data[:XML_PEEK_BYTES], self.name, self.where)


def _check_xml_head(head: bytes, name: str, where: Location) -> None:
    """Reject DTDs (entity expansion, external entities) and XML not in UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise InputError(
            where, f"part {name!r} is not UTF-8 XML", expected="UTF-8, as spreadsheet programs write", found="UTF-16/32 or binary data"
        )
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise InputError(
            where,
            f"part {name!r} declares a DOCTYPE or entities, which spreadsheets never need (entity expansion and external entities start there)",
            expected="plain XML",
            found="<!DOCTYPE/<!ENTITY",
        )


def _reject_dtd(name: str, where: Location) -> InputError:
    return InputError(
        where,
        f"part {name!r} declares a DOCTYPE or entities, which spreadsheets never need (entity expansion and external entities start there)",
        expected="plain XML",
        found="<!DOCTYPE/<!ENTITY",
    )


# xlsx: the grid the parser allocates is (highest row + 1) x (highest column + 1) cells,
# whatever the cells hold, so the highest position decides. Files written by Excel,
# LibreOffice and xlsxwriter give every row and cell an explicit ``r`` first; for the
# outcome files those are columns A-M and rows under 1,000,000. The quick pattern below
# matches only rows and cells outside that (none, in a real file, bar 7-digit rows of a
# sheet past 999,999 rows, whose numbers are kept), and elements with a namespace prefix.
# Anything else sends the part to an exact pass that follows the parser's own rules for
# cells without positions. The quick pattern costs ~250 ns a tag (1.9 s for a 316 MB
# sheet), so RE2 first finds where it (or the two checks beside it) could match and
# windows with nothing there skip it: the whole guard on that file takes 0.57 s, inflating
# alone 0.48 s (bench/guards.py, quiet machine).
_REST_OF_TAG = rb'(?:\s+(?!r\s*=)[\w:.-]+="[^"<>]*")*\s*/?>'  # no second r, no '>' in a value
_XLSX_QUICK = re.compile(rb'<(?:c|row)(?:[\t\r\n/>]| (?!r="[A-M]?[1-9]\d{0,5}"' + _REST_OF_TAG + rb"))")
# The same positions as _XLSX_QUICK for RE2, which has no look-ahead: the tag after
# ``<c `` or ``<row `` is read as the automaton of the pattern inside ``(?!...)`` would read
# it, and each alternative below is a way for that automaton to die (a character no state
# accepts there, or the end of the buffer). "ASCII only" classes, as in a bytes pattern.
_SPACES = r" \t\n\r\x0b\x0c"  # Python's \s in a bytes pattern
_WS = rf"[{_SPACES}]"
_NAME_CHARS = r"A-Za-z0-9_:.\-"  # Python's [\w:.-] in a bytes pattern
_NOT_R = rf"(?:[{_NAME_CHARS}]{{2,}}|[A-Za-qs-z0-9_:.\-])"  # an attribute name other than r
_CELL_HEAD = rf'r="[A-M]?[1-9][0-9]{{0,5}}"(?:{_WS}+{_NOT_R}="[^"<>]*")*'  # r and further attributes, so far
_DIES = "|".join(
    (
        r"[^r]|\z",
        r"r(?:[^=]|\z)",
        r'r=(?:[^"]|\z)',
        r'r="(?:[^A-M1-9]|\z)',
        r'r="[A-M](?:[^1-9]|\z)',
        r'r="[A-M]?[1-9][0-9]{0,4}(?:[^0-9"]|\z)',
        r'r="[A-M]?[1-9][0-9]{5}(?:[^"]|\z)',
        rf"{_CELL_HEAD}(?:[^{_SPACES}/>]|\z)",
        rf"{_CELL_HEAD}{_WS}+(?:[^{_SPACES}/>{_NAME_CHARS}]|\z)",
        rf"{_CELL_HEAD}{_WS}+r(?:[^{_NAME_CHARS}]|\z)",
        rf"{_CELL_HEAD}{_WS}+{_NOT_R}(?:[^{_NAME_CHARS}=]|\z)",
        rf'{_CELL_HEAD}{_WS}+{_NOT_R}=(?:[^"]|\z)',
        rf'{_CELL_HEAD}{_WS}+{_NOT_R}="[^"<>]*(?:[<>]|\z)',
        rf"{_CELL_HEAD}{_WS}*/(?:[^>]|\z)",
    )
)
_XLSX_QUICK_NATIVE = rf"<(?:c|row)(?:[\t\r\n/>]| (?:{_DIES}))"
# A plain reference outside the default frame (a column past M, a 7-digit row): kept.
_XLSX_PLAIN = re.compile(rb'<(?:c r="([A-Z]{1,3})|row r=")([1-9]\d{0,6})"' + _REST_OF_TAG)
# Declared counts (``uniqueCount`` of the shared strings) anywhere in any part: the parser
# reserves memory for them before reading a single string.
_XLSX_COUNT = re.compile(rb"""ount\s*=\s*(?:"([^"<]{0,64})"|'([^'<]{0,64})')""")
_XLSX_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
# Where _XLSX_QUICK, _XLSX_COUNT or _XLSX_PREFIXED could match, in one native pass.
_XLSX_NATIVE = rf"{_XLSX_QUICK_NATIVE}|ount|:(?:c|row)[{_SPACES}/>]"
_XLSX_EXACT = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^<>\"']|\"[^\"]*\"|'[^']*'){0,%d})(>?)|<!(?:DOCTYPE|ENTITY|doctype|entity)"
    % _MAX_TAG
)
_ATTRS = re.compile(rb"""([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"([A-Za-z]{1,4})(\d{1,10})")


class _XlsxScanner(_Carry):
    """Highest cell position of a worksheet part, and declared shared-string counts."""

    pattern = _XLSX_QUICK

    def __init__(self, name: str, where: Location, limits: Limits, sheet: str | None) -> None:
        super().__init__(name, where)
        self.limits = limits
        self.sheet = sheet
        self.max_row = 0  # 1-based, as a spreadsheet shows rows
        self.max_col = 0
        self.unusual = False
        self.is_sheet = False
        self._tail = b""  # the end of the previous chunk: the tag name may be cut in two

    def feed(self, data: bytes) -> None:
        if not self.is_sheet:
            self.is_sheet = b"sheetData" in self._tail + data[:16] or b"sheetData" in data
            self._tail = data[-8:]
        if self.unusual:
            if not self.head_checked:
                self.head_checked = True
                _check_xml_head(data[:XML_PEEK_BYTES], self.name, self.where)
            return
        super().feed(data)

    def _scan(self, buf: bytes, safe_end: int) -> None:
        first = _native_find(_XLSX_NATIVE, buf, self.skip)
        if first < 0 or first >= safe_end + 8:  # none of the three checks below could match
            self.skip = max(self.skip - safe_end, 0)  # what the quick scan leaves after matching nothing
            return
        self._check_counts(buf, safe_end)
        if _XLSX_PREFIXED.search(buf, self.skip, safe_end + 8):
            self.unusual = True
            return
        super()._scan(buf, safe_end)

    def _check_counts(self, buf: bytes, safe_end: int) -> None:
        for m in _XLSX_COUNT.finditer(buf, self.skip, safe_end + 80):
            if m.start() >= safe_end:
                break
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            text = html.unescape(raw.decode("utf-8", "replace")).strip().lstrip("+")
            if text.isdigit() and int(text) > self.limits.max_cells:
                raise LimitError(
                    self._loc(),
                    f"part {self.name!r} declares a count of {int(text):,} (shared strings or similar), more than the cell limit (CRIME_OUTCOMES_MAX_CELLS); the reader would reserve memory for all of them",
                    expected=f"at most {self.limits.max_cells:,}",
                )

    def handle(self, m: re.Match[bytes], buf: bytes) -> None:
        if self.unusual:
            return
        plain = _XLSX_PLAIN.match(buf, m.start())
        if plain is None:
            self.unusual = True  # stop the quick scan; the exact pass decides
            return
        if plain.group(1) is not None:
            self.max_col = max(self.max_col, _column_number(plain.group(1)))
        self.max_row = max(self.max_row, int(plain.group(2)))
        if self.max_col > SHEET_MAX_COLUMNS:
            raise LimitError(
                self._loc(),
                f"part {self.name!r}: a cell sits in column {self.max_col:,}, beyond the {SHEET_MAX_COLUMNS:,} columns a sheet holds",
                expected=f"at most column {_column_letters(SHEET_MAX_COLUMNS)}",
            )
        if self.max_row > self.limits.max_rows:
            raise LimitError(
                self._loc(row=self.max_row),
                f"part {self.name!r}: a cell sits at row {self.max_row:,}, beyond the rows a sheet holds (CRIME_OUTCOMES_MAX_ROWS)",
                expected=f"at most {self.limits.max_rows:,} rows",
            )

    def done(self) -> None:
        # Unmatched cells lie in A-M and below row 1,000,000, matched ones were kept: a
        # bound, not the real extent, so when the bound breaks the limit the exact pass decides.
        if not self.unusual and self.is_sheet and max(self.max_row, 999_999) * max(self.max_col, 13) > self.limits.max_cells:
            self.unusual = True

    @property
    def wants_rescan(self) -> bool:
        return self.unusual

    def exact(self) -> _Scanner:
        return _XlsxExactScanner(self.name, self.where, self.limits, self.sheet)

    def _loc(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.where.file, self.sheet, row, column)


def _check_grid(rows: int, cols: int, limits: Limits, loc: Callable[..., Location], name: str) -> None:
    cells = rows * cols
    if cells > limits.max_cells:
        raise LimitError(
            loc(),
            f"part {name!r}: the sheet spans {rows:,} rows by {cols:,} columns ({cells:,} cells), more than the cell limit (CRIME_OUTCOMES_MAX_CELLS); the reader would allocate them all at once",
            expected=f"at most {limits.max_cells:,} cells",
        )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class _XlsxExactScanner(_XlsxScanner):
    """Every row and cell tag, placing cells without ``r`` as the parser does (next column,
    next row). Slow (about a microsecond a cell) but only run on unusual files."""

    pattern = _XLSX_EXACT

    def __init__(self, name: str, where: Location, limits: Limits, sheet: str | None) -> None:
        super().__init__(name, where, limits, sheet)
        self.row_index = 0  # 0-based, as the parser counts
        self.col_index = 0
        self.max_col = 0  # 1-based
        self.any_cell = False

    def feed(self, data: bytes) -> None:
        _Carry.feed(self, data)

    def _scan(self, buf: bytes, safe_end: int) -> None:
        self._check_counts(buf, safe_end)
        _Carry._scan(self, buf, safe_end)

    def handle(self, m: re.Match[bytes], buf: bytes) -> None:
        if m.group(2) is None:
            raise _reject_dtd(self.name, self.where)
        closing, tag, attrs, gt = m.group(1), m.group(2), m.group(3), m.group(4)
        if not gt:
            raise InputError(
                self._loc(row=self.row_index + 1),
                f"part {self.name!r} has a <{tag.decode()}> tag that is malformed or longer than {_MAX_TAG:,} bytes",
                expected="a worksheet as spreadsheet programs write it",
            )
        if closing:
            if tag == b"row":
                self.row_index += 1
                self.col_index = 0
            return
        value = None
        for a in _ATTRS.finditer(attrs):  # the parser keeps the last ``r`` it meets
            if a.group(1) == b"r":
                value = a.group(2) if a.group(2) is not None else a.group(3)
        if value is not None and b"&" in value:
            value = html.unescape(value.decode("utf-8", "replace")).encode()
        if tag == b"row":
            if value is not None:
                if not value.strip().isdigit() or int(value) == 0:
                    raise InputError(
                        self._loc(),
                        f"part {self.name!r}: a row is numbered {value.decode('utf-8', 'replace')!r}",
                        expected="a row number from 1",
                    )
                self.row_index = max(int(value) - 1, 0)
                self._check(self.row_index + 1, 1)
            if attrs.endswith(b"/"):
                self.row_index += 1
                self.col_index = 0
            return
        if value is not None:
            cm = _CELL_REF.fullmatch(value.strip())
            if cm is None or int(cm.group(2)) == 0:
                raise InputError(
                    self._loc(row=self.row_index + 1),
                    f"part {self.name!r}: a cell has the position {value.decode('utf-8', 'replace')!r}",
                    expected="a cell reference such as 'A1'",
                )
            col = _column_number(cm.group(1))
            row = int(cm.group(2))
            self.col_index = col - 1
        else:
            col = self.col_index + 1
            row = self.row_index + 1
        self._check(row, col)
        self.col_index += 1
        self.any_cell = True
        self.max_row = max(self.max_row, row)
        self.max_col = max(self.max_col, col)

    def _check(self, row: int, col: int) -> None:
        if row > self.limits.max_rows:
            raise LimitError(
                self._loc(row=row),
                f"part {self.name!r}: a row or cell sits at row {row:,}, beyond the rows a sheet holds (CRIME_OUTCOMES_MAX_ROWS)",
                expected=f"at most {self.limits.max_rows:,} rows",
            )
        if col > SHEET_MAX_COLUMNS:
            raise LimitError(
                self._loc(row=row),
                f"part {self.name!r}: a cell sits in column {col:,}, beyond the {SHEET_MAX_COLUMNS:,} columns a sheet holds",
                expected=f"at most column {_column_letters(SHEET_MAX_COLUMNS)}",
            )

    def done(self) -> None:
        if self.any_cell:
            _check_grid(self.max_row, self.max_col, self.limits, self._loc, self.name)

    @property
    def wants_rescan(self) -> bool:
        return False


# ods: the parser expands ``table:number-rows-repeated`` itself and stops silently at
# 1,048,576 rows, so the rows a table declares are counted here. Every event of the
# pattern below counts, but a plain row (a well-formed start tag without a repeat) only
# adds one: those are counted with ``bytes.count`` between the other events, which RE2
# finds (_ODS_NATIVE), and only the other events go through Python. Repeated rows need a
# look at their cells, to tell LibreOffice's empty padding at the end of a sheet from
# repeated data.
_ODS_EVENTS = re.compile(
    rb"<table:table(-row)?(?=[\s/>])([^<>]{0,%d})(>?)|</table:table>|<!(?:DOCTYPE|ENTITY|doctype|entity)"
    rb"|<(/?)office:annotation(?=[\s/>])([^<>]{0,%d})" % (_MAX_TAG, _MAX_TAG)
)
_ROW_START = b"<table:table-row"
# Every _ODS_EVENTS position that is not a plain row, and every ``<table:table-row`` that
# is not a row at all (``-rows``, ``-row-group``; so that the count between events counts
# rows only). A superset where that is simpler (a repeat anywhere in the tag, a tag of
# 200 bytes or more): each position found is matched with _ODS_EVENTS and handled by it.
_ODS_NATIVE = (
    rf"<table:table[{_SPACES}/>]|</table:table>|<!(?:DOCTYPE|ENTITY|doctype|entity)|</?office:annotation[{_SPACES}/>]"
    rf"|<table:table-row(?:[^{_SPACES}/>]|\z|[{_SPACES}/](?:[^<>]*(?:<|\z|number-rows-repeated)|[^<>]{{{min(_MAX_TAG, 199)}}}))"
)
_NATIVE_LOOKS = 32  # events per window worth a call into RE2 each; past that Python's loop is cheaper
_ROWS_REPEATED = re.compile(rb"""table:number-rows-repeated\s*=\s*["'](\d+)["']""")
_TABLE_NAME = re.compile(rb"""table:name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TEXT_C = re.compile(rb"""text:c\s*=\s*(?:"([^"<]{0,64})"|'([^'<]{0,64})')""")
MAX_SPACE_RUN = 65_536  # one <text:s text:c="N"/>: the parser writes out N spaces
MAX_SPACES = 64 << 20  # all of them in one content.xml
_ROW_END = b"</table:table-row>"
_CONTENT_MARKS = (
    b"office:value",
    b"<text:",
    b"table:formula",
    b"office:string-value",
    b"office:date-value",
    b"office:time-value",
    b"office:boolean-value",
)


class _OdsContentScanner(_Carry):
    """Rows declared per table in content.xml, counting repeats, against ``max_rows``."""

    pattern = _ODS_EVENTS

    def __init__(self, name: str, where: Location, limits: Limits) -> None:
        super().__init__(name, where)
        self.limits = limits
        self.table: str | None = None
        self.rows = 0  # rows declared so far in this table, repeats included
        self.tables = 0
        self.spaces = 0
        self.open_tables = 0
        self.open_notes = 0
        self.padding: list[PaddingRun] = []  # empty repeats reaching past max_rows (kept only if nothing follows)

    def done(self) -> None:
        # Measured: a <table:table> or <office:annotation> left open at the end of the part
        # keeps the parser looping for ever (100 % CPU, no error), so the part must close them.
        if self.open_tables or self.open_notes:
            what = "a table (<table:table>)" if self.open_tables else "a cell comment (<office:annotation>)"
            raise InputError(
                Location(self.where.file, self.table),
                f"part {self.name!r} is damaged: {what} is opened but never closed (the file may be cut short)",
                expected="every table and comment closed",
            )

    def _scan(self, buf: bytes, safe_end: int) -> None:
        self._check_spaces(buf, safe_end)
        pos = end_seen = self.skip
        for _ in range(_NATIVE_LOOKS):
            found = _native_find(_ODS_NATIVE, buf, pos)
            stop = found if 0 <= found < safe_end else safe_end
            end_seen = self._plain_rows(buf, pos, stop, end_seen)
            if stop == safe_end:
                break
            m = self.pattern.match(buf, found)
            if m is None:  # <table:table-rows> or the like: not a row, and not to be counted as one
                pos = found + 1
                continue
            self.handle(m, buf)
            pos = end_seen = m.end()
        else:
            for m in self.pattern.finditer(buf, pos):
                if m.start() >= safe_end:
                    break
                self.handle(m, buf)
                end_seen = m.end()
        self.skip = max(end_seen - safe_end, 0)

    def _plain_rows(self, buf: bytes, start: int, stop: int, end_seen: int) -> int:
        """Count the plain rows that start in ``buf[start:stop]`` (no other event lies there);
        return where the last one ends, as the scan's window needs."""
        end = stop + len(_ROW_START) - 1
        n = buf.count(_ROW_START, start, end)
        if not n:
            return end_seen
        last = self.pattern.match(buf, buf.rfind(_ROW_START, start, end))
        assert last is not None  # _ODS_NATIVE stops at every row start that is not a plain row
        if self.rows + n > self.limits.max_rows:
            self.rows = max(self.rows + 1, self.limits.max_rows + 1)  # the first row past the limit
            self._check_total(self.rows)
        self.rows += n
        return last.end()

    def _check_spaces(self, buf: bytes, safe_end: int) -> None:
        # <text:s text:c="2000000000"/> inside one cell: 7.6 GB and 18 s in the parser;
        # thirty of them abort it.
        for m in _TEXT_C.finditer(buf, self.skip, safe_end + 80):
            if m.start() >= safe_end:
                break
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            text = html.unescape(raw.decode("utf-8", "replace")).strip().lstrip("+")
            n = int(text) if text.isdigit() else 0
            self.spaces += n
            if n > MAX_SPACE_RUN or self.spaces > MAX_SPACES:
                raise LimitError(
                    Location(self.where.file, self.table),
                    f"part {self.name!r} asks for a run of {n:,} spaces (text:s text:c), {self.spaces:,} in all; the reader would write every one of them out",
                    expected=f"runs of at most {MAX_SPACE_RUN:,} and {MAX_SPACES:,} in all",
                )

    def handle(self, m: re.Match[bytes], buf: bytes) -> None:
        text = m.group(0)
        if text.startswith(b"<!"):
            raise _reject_dtd(self.name, self.where)
        if m.group(4) is not None:  # office:annotation (a cell comment)
            if m.group(4):
                self.open_notes -= 1
            elif not m.group(5).rstrip().endswith(b"/"):
                self.open_notes += 1
            return
        if text.startswith(b"</"):
            self.open_tables -= 1
            self.table = None
            self.rows = 0
            return
        is_row, attrs, gt = m.group(1), m.group(2), m.group(3)
        if not gt:
            raise InputError(
                Location(self.where.file, self.table),
                f"part {self.name!r} has a table or row tag that is malformed or longer than {_MAX_TAG:,} bytes",
                expected="a sheet as spreadsheet programs write it",
            )
        if not is_row:
            if not attrs.rstrip().endswith(b"/"):
                self.open_tables += 1
            name = _TABLE_NAME.search(attrs)
            raw = b"" if name is None else (name.group(1) if name.group(1) is not None else name.group(2))
            self.table = html.unescape(raw.decode("utf-8", "replace"))
            self.rows = 0
            self.tables += 1
            return
        rep = _ROWS_REPEATED.search(attrs)
        if rep is None:
            self.rows += 1
            self._check_total(self.rows)
            return
        count = int(rep.group(1))
        first = self.rows + 1
        if attrs.rstrip().endswith(b"/"):
            empty = True
        else:
            end = buf.find(_ROW_END, m.end(), m.end() + _CARRY)
            body = buf[m.end() : end] if end >= 0 else None
            empty = body is not None and not any(mark in body for mark in _CONTENT_MARKS)
        self.rows += count
        if not empty:
            if self.rows > self.limits.max_rows:
                raise LimitError(
                    Location(self.where.file, self.table, first),
                    f"row {first:,} is declared repeated {count:,} times (table:number-rows-repeated), past the rows a sheet holds; the reader would silently keep only the first {self.limits.max_rows:,} (CRIME_OUTCOMES_MAX_ROWS)",
                    expected=f"at most {self.limits.max_rows:,} rows in all",
                )
        else:
            self.pending_from = first  # empty padding: counts only if a row follows it
            if self.rows > self.limits.max_rows:
                self.padding.append(PaddingRun(self.table, first, count))

    def _check_total(self, rows: int) -> None:
        if rows > self.limits.max_rows:
            start = getattr(self, "pending_from", rows)
            raise LimitError(
                Location(self.where.file, self.table, rows),
                f"a row sits at row {rows:,} after empty rows repeated from row {start:,}, past the rows a sheet holds; the reader would silently drop it (CRIME_OUTCOMES_MAX_ROWS)",
                expected=f"at most {self.limits.max_rows:,} rows",
            )
