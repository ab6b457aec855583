"""What every reader returns, and how a header row is recognised."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from crime_outcomes.errors import LimitError, Location
from crime_outcomes.readers.text import clean_text, shorten
from crime_outcomes.settings import Limits

HEADER_SCAN_ROWS = 20

# A row is a header row when it names these fields (normalised); the full mapping and
# its checks live in ``crime_outcomes.normalise.headers``.
_HEADER_MARKERS = ({"force name", "offence code"}, {"financial year", "financial quarter"})


def normalise_header(text: str | None) -> str:
    """Header text folded for matching: case, spacing and punctuation do not matter."""
    if text is None:
        return ""
    text = text.replace("\u00a0", " ").strip().lower()
    text = re.sub(r"[_\s]+", " ", text)
    return re.sub(r"[^a-z0-9/ ]", "", text).strip()


def find_header_row(rows: Sequence[Sequence[str | None]]) -> int | None:
    """Index of the first row (of the first ~20) that looks like a data header, else None."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = {normalise_header(c) for c in row if c}
        if all(marker <= cells for marker in _HEADER_MARKERS):
            return index
    return None


@dataclass
class RawSheet:
    """One data sheet as text: ``table`` has one string column per header, in file order.

    ``first_row`` is the 1-based row number (as a spreadsheet shows it) of ``table``'s
    first row, so row ``i`` of the table is row ``first_row + i`` of the sheet.
    """

    path: Path
    sheet: str | None
    header_row: int
    headers: list[str]
    table: pa.Table
    first_row: int
    notes: list[str] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


@dataclass
class SkippedSheet:
    """A sheet passed over, with the reason, so the summary can say what was not read."""

    sheet: str
    reason: str


def checked_headers(where: Location, headers: list[str], limits: Limits) -> tuple[list[str], list[str]]:
    """Headers bounded in number and length, cleaned of control and format characters.

    Returns the cleaned headers and notes for the summary. Checked before the body is
    parsed, so a file with 100,000 columns or a megabyte-long header costs nothing.
    """
    if len(headers) > limits.max_columns:
        raise LimitError(
            where,
            "the header row has more columns than the limit (CRIME_OUTCOMES_MAX_COLUMNS); published sheets have 11 to 13",
            expected=f"at most {limits.max_columns:,} columns",
            found=f"{len(headers):,} columns",
        )
    cleaned: list[str] = []
    removed = 0
    for index, header in enumerate(headers):
        if len(header) > limits.max_header_chars:
            raise LimitError(
                Location(where.file, where.sheet, where.row, f"column {index + 1}"),
                "a header is longer than the limit (CRIME_OUTCOMES_MAX_HEADER_CHARS)",
                expected=f"at most {limits.max_header_chars:,} characters",
                found=f"{len(header):,} characters: {shorten(clean_text(header[:200])[0], 60)!r}",
            )
        text, n = clean_text(header)
        cleaned.append(text)
        removed += n
    notes = [f"{removed:,} control or format character(s) removed from the header row"] if removed else []
    return cleaned, notes


def checked_sheet_name(path: Path, name: str, limits: Limits) -> str:
    """A sheet name bounded in length and cleaned for messages and the store."""
    if len(name) > limits.max_sheet_name_chars:
        raise LimitError(
            Location(str(path), shorten(clean_text(name[:200])[0], 60)),
            "a sheet name is longer than the limit (CRIME_OUTCOMES_MAX_SHEET_NAME_CHARS)",
            expected=f"at most {limits.max_sheet_name_chars:,} characters",
            found=f"{len(name):,} characters",
        )
    return clean_text(name)[0]
