"""Loading source files into the store: read, normalise, account for every row, commit.

One file is one transaction. Re-ingesting the same bytes is a no-op; a newer edition of a
year replaces the older one (and the changed force-year figures are kept in
``revisions``); a file that cannot be read as a whole changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from crime_outcomes.errors import InputError, Location, StoreError
from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
from crime_outcomes.readers import SkippedSheet, read_file
from crime_outcomes.sources.filenames import edition_from_filename, sha256_file, year_from_filename
from crime_outcomes.store import Store

Progress = Callable[[str], None]

LOADED = "loaded"
REPLACED = "replaced"
UNCHANGED = "unchanged"
OLDER_SKIPPED = "older-edition-skipped"


@dataclass
class Revision:
    financial_year: str
    force: str
    outcome_type: int
    basis: str
    old: int | None
    new: int | None


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
    say(f"hashing {path.name}")
    digest = sha256_file(path)
    report = IngestReport(path=str(path), file_name=path.name, sha256=digest, status=LOADED)
    report.edition_date = edition or edition_from_filename(path.name)
    known = store.fetchone("SELECT source_id, kind, years, rows_read, rows_loaded, rows_alternate, rows_rejected FROM sources WHERE sha256 = ? ORDER BY source_id DESC LIMIT 1", [digest])
    if known:
        report.status = UNCHANGED
        report.source_id, report.kind = known[0], known[1]
        report.years = known[2].split(",") if known[2] else []
        report.rows_read, report.rows_loaded, report.rows_alternate, report.rows_rejected = known[3:7]
        report.notes.append("this file (same SHA-256) is already in the store; nothing was changed")
        return report

    say(f"reading {path.name}")
    sheets: list[NormalisedSheet] = []
    expected_year = year_from_filename(path.name)
    for raw in read_file(path, report.skipped_sheets):
        say(f"normalising sheet {raw.sheet or path.name} ({raw.num_rows:,} rows)")
        sheets.append(normalise_sheet(raw, expected_year=expected_year))
    if not sheets:
        found = ", ".join(repr(s.sheet) for s in report.skipped_sheets) or "no sheets"
        raise InputError(Location(str(path)), "no data sheet found", expected="a sheet whose header row names 'Force Name', 'Offence Code', 'Financial Year' and 'Financial Quarter'", found=found)
    kinds = {s.kind for s in sheets}
    if len(kinds) > 1:
        raise InputError(Location(str(path)), "the file mixes outcomes sheets and recorded-crime sheets", found=", ".join(f"{s.sheet}: {s.kind}" for s in sheets))
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
    assert report.rows_read == report.rows_loaded + report.rows_rejected, "row accounting broken"
    if not report.years:
        if not report.rows_read:
            raise InputError(Location(str(path), report.sheets[0]), "no row could be loaded", expected="data rows", found="a header and no data rows")
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
    con = store.con
    main_table = "outcomes" if report.kind == "outcomes" else "recorded_crime"
    try:
        con.execute("BEGIN TRANSACTION")
        previous = store.fetchall(
            "SELECT source_id, edition_date, years FROM sources WHERE kind = ? AND superseded_by IS NULL ORDER BY source_id",
            [report.kind],
        )
        overlapping = [(sid, ed, (yrs or "").split(",")) for sid, ed, yrs in previous if set((yrs or "").split(",")) & set(report.years)]
        if report.edition_date and any(ed and ed > report.edition_date for _, ed, _ in overlapping):
            con.execute("ROLLBACK")
            newer = max(ed for _, ed, _ in overlapping if ed)
            report.status = OLDER_SKIPPED
            report.notes.append(f"the store already holds a newer edition ({newer:%d %B %Y}) of {', '.join(report.years)}; this older edition was not loaded")
            return
        source_id = (store.fetchone("SELECT coalesce(max(source_id), 0) + 1 FROM sources")[0])
        report.source_id = source_id
        main = pl.concat([s.main for s in sheets])
        main = main.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id"))
        years = report.years
        if overlapping:
            old_ids = [sid for sid, _, _ in overlapping]
            report.replaced_source_ids = old_ids
            report.status = REPLACED
            if report.kind == "outcomes":
                report.revisions = _revisions(store, main, old_ids, years, source_id)
            placeholders = ",".join("?" * len(years))
            id_list = ",".join("?" * len(old_ids))
            tables = [main_table, "alternate_outcomes", "outcome_labels", "offences"] if report.kind == "outcomes" else [main_table, "offences"]
            for table in tables:
                con.execute(f"DELETE FROM {table} WHERE financial_year IN ({placeholders}) AND source_id IN ({id_list})", [*years, *old_ids])
            for sid, _, old_years in overlapping:
                if set(old_years) <= set(years):
                    con.execute("UPDATE sources SET superseded_by = ? WHERE source_id = ?", [source_id, sid])
                else:
                    kept = ",".join(y for y in old_years if y not in years)
                    con.execute("UPDATE sources SET years = ? WHERE source_id = ?", [kept, sid])

        _insert(con, main_table, main, main.columns)
        if report.kind == "outcomes":
            store.rebuild_annual(years)
            alternate = [s.alternate for s in sheets if s.alternate.height]
            if alternate:
                frame = pl.concat(alternate).with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id"))
                _insert(con, "alternate_outcomes", frame, frame.columns)
            labels = pl.concat([s.outcome_labels for s in sheets if s.outcome_labels.height])
            _insert(con, "outcome_labels", labels.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id")),
                    ["financial_year", "outcome_type", "outcome_description", "outcome_group", "source_id"])
        offences = pl.concat([s.offences for s in sheets]).unique(["financial_year", "offence_code"], keep="first", maintain_order=True)
        _insert(con, "offences", offences.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id")),
                ["financial_year", "offence_code", "offence_description", "offence_group", "offence_subgroup", "expired", "source_id"],
                target=["financial_year", "offence_code", "description", "offence_group", "offence_subgroup", "expired", "source_id"])
        rejected = [s.rejected.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id"), pl.lit(path.name).alias("file_name"), pl.lit(s.sheet, dtype=pl.String).alias("sheet")) for s in sheets if s.rejected.height]
        if rejected:
            _insert(con, "rejected_rows", pl.concat(rejected), ["source_id", "file_name", "sheet", "source_row", "column_name", "reason", "raw"])
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [source_id, path.name, str(path.resolve()), report.sha256, report.kind, report.edition_date, ",".join(years),
             ",".join(report.sheets), report.rows_read, report.rows_loaded, report.rows_alternate, report.rows_rejected,
             datetime.now(timezone.utc).replace(tzinfo=None), "; ".join(report.notes) or None],
        )
        con.execute("COMMIT")
    except BaseException as exc:  # including KeyboardInterrupt: never leave a transaction open
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        if isinstance(exc, duckdb.Error):
            raise StoreError(f"writing {path.name} to the store failed and nothing was changed: {str(exc).splitlines()[0]}") from None
        raise


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, columns: list[str], *, target: list[str] | None = None) -> None:
    """Append ``frame``'s ``columns`` to ``table`` (into ``target`` columns if named differently)."""
    con.register("_incoming", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(target or columns)}) SELECT {', '.join(columns)} FROM _incoming")
    finally:
        con.unregister("_incoming")


def _revisions(store: Store, main: pl.DataFrame, old_ids: list[int], years: list[str], source_id: int) -> list[Revision]:
    """Force-year-outcome totals that differ between the old editions and the new one."""
    store.con.register("_new", main.to_arrow())
    placeholders = ",".join("?" * len(years))
    ids = ",".join("?" * len(old_ids))
    rows = store.fetchall(
        f"""
        WITH old AS (
            SELECT financial_year, force, outcome_type, sum(recorded) AS recorded, sum(closed) AS closed
            FROM outcomes WHERE financial_year IN ({placeholders}) AND source_id IN ({ids})
            GROUP BY ALL),
        new AS (
            SELECT financial_year, force, outcome_type, sum(recorded) AS recorded, sum(closed) AS closed
            FROM _new GROUP BY ALL),
        both_ AS (
            SELECT coalesce(o.financial_year, n.financial_year) AS financial_year, coalesce(o.force, n.force) AS force,
                   coalesce(o.outcome_type, n.outcome_type) AS outcome_type,
                   o.recorded AS old_recorded, n.recorded AS new_recorded, o.closed AS old_closed, n.closed AS new_closed
            FROM old o FULL OUTER JOIN new n USING (financial_year, force, outcome_type))
        SELECT financial_year, force, outcome_type, 'recorded', old_recorded, new_recorded FROM both_
            WHERE old_recorded IS DISTINCT FROM new_recorded
        UNION ALL
        SELECT financial_year, force, outcome_type, 'closed', old_closed, new_closed FROM both_
            WHERE old_closed IS DISTINCT FROM new_closed
        ORDER BY 1, 2, 3, 4
        """,
        [*years, *old_ids],
    )
    store.con.unregister("_new")
    if rows:
        store.con.executemany(
            "INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(source_id, old_ids[0], *r) for r in rows],
        )
    return [Revision(*r) for r in rows]


def ingest_paths(store: Store, paths: Iterable[Path | str], *, progress: Progress | None = None) -> list[IngestReport]:
    """Ingest several files, each in its own transaction, stopping at the first error."""
    return [ingest_file(store, p, progress=progress) for p in paths]
