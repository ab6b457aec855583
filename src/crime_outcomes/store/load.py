"""Writing one normalised source file into the store: every statement of a load, in one transaction.

``crime_outcomes.store.ingest`` reads, normalises and accounts for the rows; this module decides
what the file does to the store (load, replace an older edition, or stand aside for a newer
one) and writes it. A file that fails leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from crime_outcomes.errors import StoreError
from crime_outcomes.faults import crash_point
from crime_outcomes.normalise.rows import NormalisedSheet
from crime_outcomes.store.store import Store

LOADED = "loaded"
REPLACED = "replaced"
UNCHANGED = "unchanged"
OLDER_SKIPPED = "older-edition-skipped"


@dataclass
class Revision:
    """A force-year-outcome total that a newer edition changed, on one basis."""

    financial_year: str
    force: str
    outcome_type: int
    basis: str
    old: int | None
    new: int | None


@dataclass(frozen=True)
class SourceRecord:
    """What is recorded in ``sources`` about one file: identity, edition and row accounting."""

    file_name: str
    path: str
    sha256: str
    kind: str
    edition_date: date | None
    years: list[str]
    sheets: list[str]
    rows_read: int
    rows_loaded: int
    rows_alternate: int
    rows_rejected: int
    notes: list[str]


@dataclass(frozen=True)
class KnownSource:
    """A file already in the store (matched by SHA-256)."""

    source_id: int
    kind: str
    years: list[str]
    rows_read: int
    rows_loaded: int
    rows_alternate: int
    rows_rejected: int


@dataclass
class LoadResult:
    """What the load did: ``status`` is LOADED, REPLACED or OLDER_SKIPPED."""

    status: str
    source_id: int | None = None
    replaced_source_ids: list[int] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    newer_edition: date | None = None  # set with OLDER_SKIPPED: the edition the store keeps


def known_source(store: Store, sha256: str) -> KnownSource | None:
    """The latest load of the file with this SHA-256, if the store has one."""
    row = store.fetchone(
        "SELECT source_id, kind, years, rows_read, rows_loaded, rows_alternate, rows_rejected FROM sources WHERE sha256 = ? ORDER BY source_id DESC LIMIT 1",
        [sha256],
    )
    if row is None:
        return None
    return KnownSource(
        source_id=row[0],
        kind=row[1],
        years=row[2].split(",") if row[2] else [],
        rows_read=row[3],
        rows_loaded=row[4],
        rows_alternate=row[5],
        rows_rejected=row[6],
    )


def load_source(store: Store, record: SourceRecord, sheets: Sequence[NormalisedSheet]) -> LoadResult:
    """Write one file's sheets in one transaction, replacing older editions of its years.

    An older edition than the one already held for any of its years is not loaded
    (OLDER_SKIPPED). Raises StoreError, with nothing changed, when DuckDB refuses a write.
    """
    if store.read_only:
        raise StoreError(f"the store {store.label} is open read-only")
    main_table = "outcomes" if record.kind == "outcomes" else "recorded_crime"
    years = record.years
    with store.transaction(f"writing {record.file_name} to the store failed and nothing was changed") as con:
        crash_point("load.begin")
        previous = store.fetchall(
            "SELECT source_id, edition_date, years FROM sources WHERE kind = ? AND superseded_by IS NULL ORDER BY source_id",
            [record.kind],
        )
        overlapping = [(sid, ed, (yrs or "").split(",")) for sid, ed, yrs in previous if set((yrs or "").split(",")) & set(years)]
        if record.edition_date and any(ed and ed > record.edition_date for _, ed, _ in overlapping):
            return LoadResult(OLDER_SKIPPED, newer_edition=max(ed for _, ed, _ in overlapping if ed))  # nothing was written
        source_id = store.fetchall("SELECT coalesce(max(source_id), 0) + 1 FROM sources")[0][0]
        result = LoadResult(LOADED, source_id=source_id)
        main = pl.concat([s.main for s in sheets]).with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id"))
        if overlapping:
            old_ids = [sid for sid, _, _ in overlapping]
            result.status, result.replaced_source_ids = REPLACED, old_ids
            if record.kind == "outcomes":
                result.revisions = _revisions(store, main, old_ids, years, source_id)
            placeholders = ",".join("?" * len(years))
            id_list = ",".join("?" * len(old_ids))
            tables = (
                [main_table, "alternate_outcomes", "outcome_labels", "offences"] if record.kind == "outcomes" else [main_table, "offences"]
            )
            for table in tables:
                con.execute(
                    f"DELETE FROM {table} WHERE financial_year IN ({placeholders}) AND source_id IN ({id_list})", [*years, *old_ids]
                )
            for sid, _, old_years in overlapping:
                if set(old_years) <= set(years):
                    con.execute("UPDATE sources SET superseded_by = ? WHERE source_id = ?", [source_id, sid])
                else:
                    kept = ",".join(y for y in old_years if y not in years)
                    con.execute("UPDATE sources SET years = ? WHERE source_id = ?", [kept, sid])
            crash_point("load.replaced")

        _insert(con, main_table, main, main.columns)
        crash_point("load.main")
        if record.kind == "outcomes":
            store.rebuild_annual(years)
            crash_point("load.annual")
            alternate = [s.alternate for s in sheets if s.alternate.height]
            if alternate:
                frame = pl.concat(alternate).with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id"))
                _insert(con, "alternate_outcomes", frame, frame.columns)
            labels = pl.concat([s.outcome_labels for s in sheets if s.outcome_labels.height])
            _insert(
                con,
                "outcome_labels",
                labels.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id")),
                ["financial_year", "outcome_type", "outcome_description", "outcome_group", "source_id"],
            )
        offences = pl.concat([s.offences for s in sheets]).unique(["financial_year", "offence_code"], keep="first", maintain_order=True)
        _insert(
            con,
            "offences",
            offences.with_columns(pl.lit(source_id, dtype=pl.Int32).alias("source_id")),
            ["financial_year", "offence_code", "offence_description", "offence_group", "offence_subgroup", "expired", "source_id"],
            target=["financial_year", "offence_code", "description", "offence_group", "offence_subgroup", "expired", "source_id"],
        )
        crash_point("load.offences")
        rejected = [
            s.rejected.with_columns(
                pl.lit(source_id, dtype=pl.Int32).alias("source_id"),
                pl.lit(record.file_name).alias("file_name"),
                pl.lit(s.sheet, dtype=pl.String).alias("sheet"),
            )
            for s in sheets
            if s.rejected.height
        ]
        if rejected:
            _insert(
                con, "rejected_rows", pl.concat(rejected), ["source_id", "file_name", "sheet", "source_row", "column_name", "reason", "raw"]
            )
        replaced_for = {y: sid for sid, _, old_years in overlapping for y in old_years if y in years}
        con.executemany("INSERT INTO source_years VALUES (?, ?, ?)", [(source_id, y, replaced_for.get(y)) for y in years])
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [
                source_id,
                record.file_name,
                record.path,
                record.sha256,
                record.kind,
                record.edition_date,
                ",".join(years),
                ",".join(record.sheets),
                record.rows_read,
                record.rows_loaded,
                record.rows_alternate,
                record.rows_rejected,
                datetime.now(UTC).replace(tzinfo=None),
                "; ".join(record.notes) or None,
            ],
        )
        crash_point("load.commit")
    crash_point("load.committed")
    return result


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, columns: list[str], *, target: list[str] | None = None
) -> None:
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
    try:
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
    finally:
        store.con.unregister("_new")
    if rows:
        store.con.executemany(
            "INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(source_id, old_ids[0], *r) for r in rows],
        )
    return [Revision(financial_year=r[0], force=r[1], outcome_type=r[2], basis=r[3], old=r[4], new=r[5]) for r in rows]
