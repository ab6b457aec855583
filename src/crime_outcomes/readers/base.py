"""What every reader returns, and how a header row is recognised."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

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


def find_header_row(rows: list[list[str | None]]) -> int | None:
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
