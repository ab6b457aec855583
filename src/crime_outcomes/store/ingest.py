"""Loading source files into the store: read, normalise, account for every row, commit.

One file is one transaction. Re-ingesting the same bytes is a no-op; a newer edition of a
year replaces the older one (and the changed force-year figures are kept in
``revisions``); a file that cannot be read as a whole changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from crime_outcomes.errors import InputError, Location, StoreError
from crime_outcomes.faults import crash_point
from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
from crime_outcomes.readers import SkippedSheet, read_file
from crime_outcomes.sources.filenames import edition_from_filename, sha256_file, year_from_filename
from crime_outcomes.store import Store
from crime_outcomes.store.load import LOADED, OLDER_SKIPPED, REPLACED, UNCHANGED, Revision, SourceRecord, known_source, load_source

__all__ = ["LOADED", "OLDER_SKIPPED", "REPLACED", "UNCHANGED", "IngestReport", "Progress", "Revision", "ingest_file"]

Progress = Callable[[str], None]


@dataclass
class IngestReport:
    """What happened to one file: the row accounting always satisfies read = loaded + rejected."""

    path: str
    file_name: str
    sha256: str
    status: str
    kind: str = ""
    source_id: int | None = None
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    edition_date: date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_alternate: int = 0
    rows_rejected: int = 0
    replaced_source_ids: list[int] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected_reasons: dict[str, int] = field(default_factory=dict)


def ingest_file(store: Store, path: Path | str, *, edition: date | None = None, progress: Progress | None = None) -> IngestReport:
    """Load one published file into ``store`` in a single transaction."""
    path = Path(path)
    say = progress or (lambda _msg: None)
    if store.read_only:
        raise StoreError(f"the store {store.label} is open read-only")
    if not path.exists():
        raise InputError(Location(str(path)), "no such file")
    if path.is_dir():
        raise InputError(Location(str(path)), "this is a folder", expected="a file")
    crash_point("ingest.hash")
    say(f"hashing {path.name}")
    digest = sha256_file(path)
    report = IngestReport(path=str(path), file_name=path.name, sha256=digest, status=LOADED)
    report.edition_date = edition or edition_from_filename(path.name)
    known = known_source(store, digest)
    if known:
        report.status = UNCHANGED
        report.source_id, report.kind, report.years = known.source_id, known.kind, known.years
        report.rows_read, report.rows_loaded, report.rows_alternate, report.rows_rejected = (
            known.rows_read,
            known.rows_loaded,
            known.rows_alternate,
            known.rows_rejected,
        )
        report.notes.append("this file (same SHA-256) is already in the store; nothing was changed")
        return report

    crash_point("ingest.read")
    say(f"reading {path.name}")
    sheets: list[NormalisedSheet] = []
    expected_year = year_from_filename(path.name)
    for raw in read_file(path, report.skipped_sheets):
        crash_point("ingest.normalise")
        say(f"normalising sheet {raw.sheet or path.name} ({raw.num_rows:,} rows)")
        sheets.append(normalise_sheet(raw, expected_year=expected_year))
    if not sheets:
        found = ", ".join(repr(s.sheet) for s in report.skipped_sheets) or "no sheets"
        raise InputError(
            Location(str(path)),
            "no data sheet found",
            expected="a sheet whose header row names 'Force Name', 'Offence Code', 'Financial Year' and 'Financial Quarter'",
            found=found,
        )
    kinds = {s.kind for s in sheets}
    if len(kinds) > 1:
        raise InputError(
            Location(str(path)),
            "the file mixes outcomes sheets and recorded-crime sheets",
            found=", ".join(f"{s.sheet}: {s.kind}" for s in sheets),
        )
    report.kind = kinds.pop()
    report.sheets = [s.sheet or path.name for s in sheets]
    report.rows_read = sum(s.rows_read for s in sheets)
    report.rows_loaded = sum(s.rows_loaded for s in sheets)
    report.rows_alternate = sum(s.alternate.height for s in sheets)
    report.rows_rejected = sum(s.rejected.height for s in sheets)
    report.years = sorted(set().union(*(s.years for s in sheets)))
    for s in sheets:
        report.notes.extend(s.notes)
        if s.rejected.height:
            for reason, n in s.rejected.group_by("reason").len().iter_rows():
                key = re.sub(r"row \d+", "row N", reason)
                report.rejected_reasons[key] = report.rejected_reasons.get(key, 0) + n
    if report.rows_read != report.rows_loaded + report.rows_rejected:
        # A bug in normalisation, never the file's fault; refuse to load rather than lose rows.
        raise InputError(
            Location(str(path)),
            "the row accounting does not add up, so nothing was loaded (this is a bug in crime-outcomes; please report it)",
            expected=f"rows read = rows loaded + rows rejected ({report.rows_read:,})",
            found=f"{report.rows_read:,} read, {report.rows_loaded:,} loaded, {report.rows_rejected:,} rejected",
        )
    if not report.years:
        if not report.rows_read:
            raise InputError(
                Location(str(path), report.sheets[0]), "no row could be loaded", expected="data rows", found="a header and no data rows"
            )
        # Name the first rejected cell and the commonest reason, so the user can act on it.
        first_sheet = next(s for s in sheets if s.rejected.height)
        first = first_sheet.rejected.sort("source_row").row(0, named=True)
        reason, count = max(report.rejected_reasons.items(), key=lambda kv: kv[1])
        raise InputError(
            Location(str(path), first_sheet.sheet, first["source_row"], first["column_name"]),
            f"no row could be loaded: all {report.rows_read:,} rows were rejected",
            expected="data rows",
            found=f"{first['reason']} here; commonest reason: {reason} ({count:,} rows)",
        )

    say(f"writing {report.rows_loaded:,} rows to the store")
    _write(store, report, sheets, path)
    return report


def _write(store: Store, report: IngestReport, sheets: list[NormalisedSheet], path: Path) -> None:
    """Hand the sheets to the store layer and record in the report what the load did."""
    record = SourceRecord(
        file_name=path.name,
        path=str(path.resolve()),
        sha256=report.sha256,
        kind=report.kind,
        edition_date=report.edition_date,
        years=report.years,
        sheets=report.sheets,
        rows_read=report.rows_read,
        rows_loaded=report.rows_loaded,
        rows_alternate=report.rows_alternate,
        rows_rejected=report.rows_rejected,
        notes=list(report.notes),
    )
    crash_point("ingest.write")
    result = load_source(store, record, sheets)
    report.status = result.status
    if result.status == OLDER_SKIPPED and result.newer_edition is not None:
        report.notes.append(
            f"the store already holds a newer edition ({result.newer_edition:%d %B %Y}) of {', '.join(report.years)}; this older edition was not loaded"
        )
        return
    report.source_id = result.source_id
    report.replaced_source_ids = result.replaced_source_ids
    report.revisions = result.revisions
