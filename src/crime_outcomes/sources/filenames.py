"""What a published file's name says (its year and edition), and its SHA-256.

Shared by discovery, download and ingest, so a file is dated and identified the same way
whether it was fetched by the tool or downloaded by hand. Standard library only.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

_EDITION = re.compile(r"-(\d{2})(\d{2})(\d{2})\.[a-z0-9]+$", re.IGNORECASE)
_FILE_YEAR = re.compile(r"(?<![a-z])mar(\d{4})(?!\d)", re.IGNORECASE)


def financial_year_ending(year_ending_march: int) -> str:
    """``2018`` (year ending March 2018) -> ``2017/18``."""
    return f"{year_ending_march - 1}/{year_ending_march % 100:02d}"


def edition_from_filename(filename: str) -> date | None:
    """The ``-DDMMYY`` suffix as a date, or None (2019-era editions had no suffix)."""
    match = _EDITION.search(filename)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(2000 + year, month, day)
    except ValueError:
        return None


def year_from_filename(filename: str) -> str | None:
    """``prc-outcomes-open-data-mar2018-...`` holds 2017/18; None for files spanning years
    (the PFA table ``mar2013-onwards``, the pre-2014 archive ``mar2006-mar2014``)."""
    found = _FILE_YEAR.findall(filename)
    if len(found) != 1 or "onwards" in filename.lower():
        return None
    return financial_year_ending(int(found[0]))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
