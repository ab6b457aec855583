"""Readers: published files (xlsx, ods, csv) to Arrow tables of text.

Every cell is read as text and nothing is inferred: type inference silently turned
``1a`` outcome types into nulls in other projects. Normalisation casts values itself
and reports what it cannot cast. A reader returns every sheet whose header row it
recognises; the sheet is found by its header row, not by its name or position.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from crime_outcomes.errors import InputError
from crime_outcomes.readers.base import RawSheet, SkippedSheet, find_header_row
from crime_outcomes.readers.delimited import read_delimited, read_parquet
from crime_outcomes.readers.spreadsheet import read_spreadsheet

__all__ = ["RawSheet", "SkippedSheet", "find_header_row", "read_file"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
DELIMITED_SUFFIXES = {".csv", ".txt", ".tsv"}


def read_file(path: Path, skipped: list[SkippedSheet] | None = None) -> Iterator[RawSheet]:
    """Yield the data sheets of ``path``; sheets passed over are appended to ``skipped``."""
    suffix = "".join(path.suffixes[-2:]).lower() if path.name.lower().endswith(".gz") else path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        yield from read_spreadsheet(path, skipped)
    elif suffix in DELIMITED_SUFFIXES or suffix in {".csv.gz", ".txt.gz"}:
        yield read_delimited(path)
    elif suffix == ".parquet":
        yield read_parquet(path)
    else:
        raise InputError(
            path,
            "unsupported file type",
            expected="a .xlsx, .ods or .csv file as published by the Home Office",
            found=repr(path.suffix or "no extension"),
        )
