"""CSV files with the published headers: UTF-8 (with or without BOM) or Latin-1/Windows-1252,
comma, semicolon or tab separated, any line endings. Every value is read as text."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

import polars as pl
import pyarrow as pa

from crime_outcomes.errors import InputError, LimitError, Location
from crime_outcomes.readers.base import HEADER_SCAN_ROWS, RawSheet, checked_headers, find_header_row
from crime_outcomes.readers.text import clean_text, shorten
from crime_outcomes.settings import Limits, limits_from_env

SNIFF_BYTES = 64 * 1024


def _open_bytes(path: Path, limits: Limits) -> bytes:
    """The file's bytes, gunzipped in steps so a gzip bomb stops at the size limit.

    Every line is measured on the way (``_LineMeter``), so an over-long line is refused
    before the file is held whole or parsed: a 200 MB cell costs a read, not gigabytes.
    """
    where = Location(str(path))
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitError(
            where,
            "the file is larger than the limit (CRIME_OUTCOMES_MAX_FILE_BYTES)",
            expected=f"at most {limits.max_file_bytes:,} bytes",
            found=f"{size:,} bytes",
        )
    meter = _LineMeter(limits.max_line_bytes)
    if not path.name.lower().endswith(".gz"):
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                meter.feed(chunk)
        meter.finish(path)
        return path.read_bytes()
    cap = limits.max_member_bytes
    out = bytearray()
    try:
        with gzip.open(path, "rb") as gz:
            total = 0
            while chunk := gz.read(_CHUNK):
                meter.feed(chunk)
                total += len(chunk)
                if total > cap:
                    raise LimitError(
                        where,
                        "the gzip file expands past the limit (CRIME_OUTCOMES_MAX_MEMBER_BYTES)",
                        expected=f"at most {cap:,} bytes",
                        found="more",
                    )
                if meter.too_long is None:
                    out += chunk
                elif meter.ended:
                    break  # the over-long line is measured; nothing more is needed
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(where, "the gzip file is damaged", found=str(exc)) from None
    meter.finish(path)
    return bytes(out)


_CHUNK = 4 << 20


class _LineMeter:
    """Measures physical lines across chunks; keeps the first over-long one's number,
    full length and first bytes (enough to name its column)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()  # the first SNIFF_BYTES, for the header in a message
        self.line = 1  # 1-based number of the line being read
        self.current = 0  # its bytes so far
        self.carry = bytearray()  # its first bytes, while it may still turn out too long
        self.too_long: tuple[int, bytes] | None = None  # (line number, first bytes)
        self.length = 0  # the over-long line's full length
        self.ended = False  # whether its end has been seen

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        if self.too_long is not None:
            if not self.ended:
                end = chunk.find(b"\n")
                self.length += len(chunk) if end < 0 else end
                self.ended = end >= 0
            return
        parts = chunk.split(b"\n")
        lengths = list(map(len, parts))
        if self.current + lengths[0] > self.limit:
            self._found(self.line, bytes(self.carry) + parts[0], self.current + lengths[0], len(parts) > 1)
            return
        if len(parts) > 1:
            middle = lengths[1:-1]
            if middle and max(middle) > self.limit:
                index = next(i for i, n in enumerate(middle, 1) if n > self.limit)
                self._found(self.line + index, parts[index], lengths[index], True)
                return
            self.line += len(parts) - 1
            self.current = 0
            self.carry.clear()
        self.current += lengths[-1]
        if len(self.carry) <= self.limit:
            self.carry += parts[-1][: self.limit + 1 - len(self.carry)]
        if self.current > self.limit:
            self._found(self.line, bytes(self.carry), self.current, False)

    def _found(self, line: int, first: bytes, length: int, ended: bool) -> None:
        self.too_long = (line, first[: self.limit + 1])
        self.length = length
        self.ended = ended

    def finish(self, path: Path) -> None:
        if self.too_long is None:
            return
        line, prefix = self.too_long
        raise LimitError(
            Location(str(path), None, line, _column_of(bytes(self.head), prefix)),
            "the line is longer than the limit for one line (CRIME_OUTCOMES_MAX_LINE_BYTES); no published line comes near",
            expected=f"at most {self.limit:,} bytes",
            found=f"{self.length:,} bytes",
        )


def _column_of(head: bytes, prefix: bytes) -> str | None:
    """The header of the column where an over-long line runs past the limit, if the
    header can be found in the file's first bytes."""
    sample = head.decode("utf-8", errors="replace")
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    try:
        head_rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep))[:HEADER_SCAN_ROWS]
        at = find_header_row(head_rows)
        fields = next(csv.reader(io.StringIO(prefix.decode("utf-8", errors="replace"), newline=""), delimiter=sep))
    except (csv.Error, StopIteration):
        return None
    if at is None or not fields:
        return None
    headers = head_rows[at]
    index = len(fields) - 1
    return shorten(clean_text(headers[index])[0], 60) if index < len(headers) else f"column {index + 1}"


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputError(Location(str(path)), "not a text file (it contains NUL bytes)", expected="CSV text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(
        Location(str(path)), "the text encoding is not recognised", expected="UTF-8 or Latin-1"
    )  # pragma: no cover - latin-1 decodes anything


def read_delimited(path: Path) -> RawSheet:
    """Read a CSV as text columns; the header may sit below a few title lines."""
    limits = limits_from_env()
    data = _open_bytes(path, limits)
    if not data.strip():
        raise InputError(Location(str(path)), "the file is empty", expected="a header row and data rows")
    text, encoding = _decode(path, data)
    sample = text[:SNIFF_BYTES]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        # newline="" lets the csv module see bare CRs as the line ends they are meant to be.
        head_rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep))[:HEADER_SCAN_ROWS]
    except csv.Error as exc:  # e.g. a NUL byte or a broken quote in the first lines
        raise InputError(Location(str(path)), "the CSV cannot be parsed", found=str(exc)) from None
    at = find_header_row(head_rows)
    if at is None:
        raise InputError(
            Location(str(path), None, None),
            f"no data header in the first {HEADER_SCAN_ROWS} rows",
            expected="a header row with 'Force Name', 'Offence Code', 'Financial Year' and 'Financial Quarter'",
            found=repr(head_rows[0][:6]) if head_rows else "no rows",
        )
    headers, header_notes = checked_headers(Location(str(path), None, at + 1), list(head_rows[at]), limits)
    lines = text.splitlines(keepends=True)
    body_text = "".join(lines[at:])
    try:
        frame = pl.read_csv(
            body_text.encode("utf-8"),
            separator=sep,
            infer_schema=False,
            has_header=True,
        )
    except Exception as exc:  # polars raises ComputeError/ShapeError for ragged or broken files
        raise InputError(Location(str(path)), "the CSV cannot be parsed", found=str(exc).splitlines()[0][:300]) from None
    if len(headers) != frame.width:
        raise InputError(
            Location(str(path), None, at + 1),
            "the header row and the data disagree on the number of columns",
            found=f"{len(headers)} headers, {frame.width} columns",
        )
    frame.columns = [f"c{i}" for i in range(frame.width)]
    table = frame.to_arrow()
    notes = ([] if encoding == "utf-8-sig" else [f"decoded as {encoding}"]) + header_notes
    return RawSheet(path=path, sheet=None, header_row=at + 1, headers=headers, table=table, first_row=at + 2, notes=notes)


def read_parquet(path: Path) -> RawSheet:
    """A Parquet file with the published headers, every column cast to text.

    The bundled sample is stored this way: the published cells as text, compressed.
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError subclasses
        raise InputError(Location(str(path)), "the Parquet file cannot be read", found=str(exc).splitlines()[0][:300]) from None
    headers, notes = checked_headers(Location(str(path), None, 1), list(table.column_names), limits_from_env())
    if find_header_row([headers]) is None:
        raise InputError(Location(str(path)), "the columns are not the published headers", found=", ".join(headers))
    table = pa.table({f"c{i}": table.column(i).cast(pa.string()) for i in range(len(headers))})
    return RawSheet(path=path, sheet=None, header_row=1, headers=headers, table=table, first_row=2, notes=notes)
