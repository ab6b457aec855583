"""Queries that describe what the store holds: editions, years, forces and row accounting."""

from __future__ import annotations

from typing import Any

from crime_outcomes.store.store import Store


def sources(store: Store, include_superseded: bool = False) -> list[dict[str, Any]]:
    where = "" if include_superseded else "WHERE superseded_by IS NULL"
    return store.records(
        f"""SELECT source_id, file_name, kind, edition_date, years, sheets, rows_read, rows_loaded,
                   rows_alternate, rows_rejected, loaded_at, superseded_by, sha256
            FROM sources {where} ORDER BY kind, years, source_id"""
    )


def years(store: Store) -> list[dict[str, Any]]:
    return store.records(
        """SELECT o.financial_year, count(*) AS rows, count(DISTINCT o.force) AS forces,
                  count(DISTINCT o.offence_code) AS offence_codes, count(DISTINCT o.quarter) AS quarters,
                  sum(o.closed) FILTER (WHERE o.outcome_type BETWEEN 1 AND 22) AS closed_outcomes,
                  count(*) FILTER (WHERE o.recorded_marker ILIKE '%not provided%') AS recorded_not_provided,
                  any_value(s.file_name) AS file_name, any_value(s.edition_date) AS edition_date
           FROM outcomes o JOIN sources s USING (source_id)
           GROUP BY o.financial_year ORDER BY o.financial_year"""
    )


def forces(store: Store) -> list[dict[str, Any]]:
    return store.records(
        """SELECT f.kind, count(DISTINCT o.force) AS forces, count(o.force) AS rows
           FROM forces f JOIN outcomes o USING (force) GROUP BY f.kind ORDER BY f.kind"""
    )


def accounting(store: Store) -> dict[str, int]:
    row = store.fetchall(
        "SELECT coalesce(sum(rows_read),0), coalesce(sum(rows_loaded),0), coalesce(sum(rows_alternate),0), coalesce(sum(rows_rejected),0) FROM sources WHERE superseded_by IS NULL"
    )[0]
    return {"rows_read": row[0], "rows_loaded": row[1], "rows_alternate": row[2], "rows_rejected": row[3]}


def rejection_reasons(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    return store.records(
        """SELECT r.file_name, r.column_name, regexp_replace(r.reason, 'row [0-9]+', 'row N') AS reason,
                  count(*) AS rows, min(r.source_row) AS first_row
           FROM rejected_rows r JOIN sources s USING (source_id) WHERE s.superseded_by IS NULL
           GROUP BY ALL ORDER BY rows DESC LIMIT ?""",
        [limit],
    )
