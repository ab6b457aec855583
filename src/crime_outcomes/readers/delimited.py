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
from crime_outcomes.readers.base import HEADER_SCAN_ROWS, RawSheet, find_header_row
from crime_outcomes.settings import limits_from_env

SNIFF_BYTES = 64 * 1024


def _open_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped in steps so a gzip bomb stops at the size limit."""
    limits = limits_from_env()
    where = Location(str(path))
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitError(where, "the file is larger than the limit (CRIME_OUTCOMES_MAX_FILE_BYTES)", expected=f"at most {limits.max_file_bytes:,} bytes", found=f"{size:,} bytes")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        cap = limits.max_member_bytes
        out = bytearray()
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                while chunk := gz.read(16 << 20):
                    out += chunk
                    if len(out) > cap:
                        raise LimitError(where, "the gzip file expands past the limit (CRIME_OUTCOMES_MAX_MEMBER_BYTES)", expected=f"at most {cap:,} bytes", found="more")
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(where, "the gzip file is damaged", found=str(exc)) from None
        data = bytes(out)
    return data


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputError(Location(str(path)), "not a text file (it contains NUL bytes)", expected="CSV text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(Location(str(path)), "the text encoding is not recognised", expected="UTF-8 or Latin-1")  # pragma: no cover - latin-1 decodes anything


def read_delimited(path: Path) -> RawSheet:
    """Read a CSV as text columns; the header may sit below a few title lines."""
    data = _open_bytes(path)
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
    headers = list(head_rows[at])
    if len(headers) != frame.width:
        raise InputError(Location(str(path), None, at + 1), "the header row and the data disagree on the number of columns", found=f"{len(headers)} headers, {frame.width} columns")
    frame.columns = [f"c{i}" for i in range(frame.width)]
    table = frame.to_arrow()
    notes = [] if encoding == "utf-8-sig" else [f"decoded as {encoding}"]
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
    headers = list(table.column_names)
    if find_header_row([headers]) is None:
        raise InputError(Location(str(path)), "the columns are not the published headers", found=", ".join(headers))
    table = pa.table({f"c{i}": table.column(i).cast(pa.string()) for i in range(len(headers))})
    return RawSheet(path=path, sheet=None, header_row=1, headers=headers, table=table, first_row=2)
