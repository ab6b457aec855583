"""Opening, creating and querying the store."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from crime_outcomes.errors import StoreError
from crime_outcomes.normalise.forces import FORCES
from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_TYPES

SCHEMA_VERSION = "2"


class Store:
    """A connection to one store file (or an in-memory store for the bundled sample)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, read_only: bool, label: str | None = None) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self.label = label or (str(path) if path else "in-memory store")

    @classmethod
    def open(cls, path: Path | str | None, *, read_only: bool = False, label: str | None = None) -> Store:
        """Open (creating if needed) the store at ``path``; ``None`` gives an in-memory store."""
        if path is None:
            con = duckdb.connect(":memory:")
            store = cls(con, None, False, label)
            store._init_schema()
            return store
        path = Path(path)
        if read_only and not path.exists():
            raise StoreError(f"no store at {path}: load data first with `crime-outcomes ingest FILE` or `crime-outcomes update`")
        if not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for the store {path}: {exc.strerror or exc}") from None
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(_explain_open_error(path, exc)) from None
        store = cls(con, path, read_only, label)
        if not read_only:
            store._init_schema()
        return store

    def _init_schema(self) -> None:
        sql = resources.files("crime_outcomes.store").joinpath("schema.sql").read_text(encoding="utf-8")
        try:
            self.con.execute("BEGIN")
            self.con.execute(sql)
            if not self.con.execute("SELECT count(*) FROM forces").fetchall()[0][0]:
                self.con.executemany(
                    "INSERT INTO forces VALUES (?, ?, ?, ?)",
                    [(f.name, f.kind, f.slug, f.country or None) for f in FORCES.values()],
                )
                self.con.executemany(
                    "INSERT INTO outcome_types VALUES (?, ?, ?, ?, ?)",
                    [(t.number, t.label, t.group, t.number in ALL_OUTCOMES, t.note or None) for t in OUTCOME_TYPES.values()],
                )
                self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise StoreError(f"cannot initialise the store {self.label}: {exc}") from None

    def rebuild_annual(self, years: list[str]) -> None:
        """Recompute ``outcomes_annual`` for ``years`` from ``outcomes``; call inside the load's transaction."""
        if not years:
            return
        marks = ", ".join("?" for _ in years)
        self.con.execute(f"DELETE FROM outcomes_annual WHERE financial_year IN ({marks})", years)
        self.con.execute(
            f"""INSERT INTO outcomes_annual
                SELECT financial_year, force, offence_code, outcome_type, sum(recorded), sum(closed)
                FROM outcomes WHERE financial_year IN ({marks})
                GROUP BY ALL ORDER BY financial_year, force, offence_code, outcome_type""",
            years,
        )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------

    def fetchall(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def fetchone(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> tuple[Any, ...] | None:
        # fetchall: DuckDB refuses further work on a connection with an unfinished result.
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def records(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def is_empty(self) -> bool:
        return self.fetchone("SELECT count(*) FROM sources WHERE superseded_by IS NULL AND kind = 'outcomes'")[0] == 0

    def years(self) -> list[str]:
        return [r[0] for r in self.fetchall("SELECT DISTINCT financial_year FROM outcomes ORDER BY 1")]

    def table_counts(self) -> dict[str, int]:
        """Row counts of every table: the fingerprint tests use to prove a store unchanged."""
        names = [r[0] for r in self.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")]
        return {n: self.fetchone(f'SELECT count(*) FROM "{n}"')[0] for n in names}


def _explain_open_error(path: Path, exc: duckdb.Error) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return f"the store {path} is in use by another crime-outcomes process; wait for it to finish and try again ({text.splitlines()[0]})"
    if "permission" in text.lower() or "read-only" in text.lower():
        return f"cannot write the store {path}: permission denied; choose another place with --db or CRIME_OUTCOMES_DB"
    if "not a valid duckdb" in text.lower() or "database file" in text.lower():
        return f"{path} is not a crime-outcomes store (DuckDB could not read it): {text.splitlines()[0]}"
    return f"cannot open the store {path}: {text.splitlines()[0]}"
