"""Opening, creating, upgrading and querying the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from crime_outcomes.errors import StoreError, disk_error
from crime_outcomes.faults import crash_point
from crime_outcomes.normalise.forces import FORCES
from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_TYPES
from crime_outcomes.store.bundled import SAMPLE_LABEL, SAMPLE_META_KEY

SCHEMA_VERSION = "4"

WIDE_TYPES = range(0, 23)
"""Outcome types with a column per basis in ``outcomes_wide`` (``closed_8`` ...): every type, 0-22."""


class Store:
    """A connection to one store file (or an in-memory store for the bundled sample).

    ``label`` names the store in messages and in every story's JSON; ``is_sample`` says it
    holds the bundled sample (recorded in ``meta`` when the sample store is built).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path | None,
        read_only: bool,
        label: str | None = None,
        *,
        is_sample: bool = False,
    ) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self.is_sample = is_sample
        self.label = label or (SAMPLE_LABEL if is_sample else str(path) if path else "in-memory store")
        self.migrated_from: str | None = None  # the schema version this open upgraded, if any

    @classmethod
    def open(cls, path: Path | str | None, *, read_only: bool = False, label: str | None = None) -> Store:
        """Open (creating if needed) the store at ``path``; ``None`` gives an in-memory store.

        A writable open brings an older schema up to date (one transaction); a read-only
        open of an older schema raises StoreError saying how to upgrade it.
        """
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
            raise disk_error(exc, f"the store {path}") or StoreError(_explain_open_error(path, exc)) from None
        try:
            meta = _read_meta(con)
            is_sample = meta is not None and SAMPLE_META_KEY in meta
            store = cls(con, path, read_only, label, is_sample=is_sample)
            if read_only:
                _check_readable(path, meta)
            else:
                store._init_schema()
        except BaseException:
            con.close()
            raise
        return store

    def cursor(self) -> Store:
        """The same store on a cursor of its own (DuckDB connections are not thread-safe)."""
        return Store(self.con.cursor(), self.path, self.read_only, self.label, is_sample=self.is_sample)

    def _init_schema(self) -> None:
        """Create a new store's tables, or bring an older store's schema up to date, in one transaction."""
        sql = resources.files("crime_outcomes.store").joinpath("schema.sql").read_text(encoding="utf-8")
        with self.transaction(f"cannot initialise the store {self.label}"):
            meta = _read_meta(self.con)
            version = None if meta is None else meta.get("schema_version")
            if meta is not None and version is None:
                raise StoreError(f"the store {self.label} has a meta table but no schema_version: it was not written by crime-outcomes")
            if version is not None:
                _check_not_newer(self.label, version)
            self.con.execute(sql)
            if version is None:
                self.con.executemany(
                    "INSERT INTO forces VALUES (?, ?, ?, ?)",
                    [(f.name, f.kind, f.slug, f.country or None) for f in FORCES.values()],
                )
                self.con.executemany(
                    "INSERT INTO outcome_types VALUES (?, ?, ?, ?, ?)",
                    [(t.number, t.label, t.group, t.number in ALL_OUTCOMES, t.note or None) for t in OUTCOME_TYPES.values()],
                )
                self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            elif int(version) < int(SCHEMA_VERSION):
                for step in range(int(version), int(SCHEMA_VERSION)):
                    MIGRATIONS[step](self)
                self.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
                self.migrated_from = version

    @contextmanager
    def transaction(self, failure: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: committed when the block ends, rolled back on any exception (Ctrl+C
        included: no transaction is ever left open), and a refusal by DuckDB or the disk raised as a
        StoreError that starts with ``failure`` ("writing X to the store failed and nothing was changed")."""
        con = self.con
        try:
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            if isinstance(exc, (duckdb.Error, OSError)):
                raise disk_error(exc, f"the store {self.label}") or StoreError(f"{failure}: {str(exc).splitlines()[0]}") from None
            raise

    def schema_version(self) -> str:
        """The schema version recorded in the store."""
        row = self.fetchone("SELECT value FROM meta WHERE key = 'schema_version'")
        return str(row[0]) if row else ""

    def mark_sample(self) -> None:
        """Record that this store holds the bundled sample, so whoever opens it knows."""
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [SAMPLE_META_KEY, SAMPLE_LABEL])
        self.is_sample = True
        if self.label in (str(self.path), "in-memory store"):
            self.label = SAMPLE_LABEL

    def rebuild_annual(self, years: list[str]) -> None:
        """Recompute the tables derived from ``outcomes`` (``outcomes_annual``, ``outcomes_wide``, ``outcomes_missing``)
        for ``years``; call inside the load's transaction."""
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
        self._rebuild_wide(years)
        self._rebuild_missing(years)

    def _rebuild_missing(self, years: list[str]) -> None:
        """Recompute ``outcomes_missing`` for ``years``: the rows of types 1-22 with a count published as a marker."""
        marks = ", ".join("?" for _ in years)
        self.con.execute(f"DELETE FROM outcomes_missing WHERE financial_year IN ({marks})", years)
        self.con.execute(
            f"""INSERT INTO outcomes_missing
                SELECT * FROM outcomes
                WHERE financial_year IN ({marks}) AND outcome_type BETWEEN 1 AND 22 AND (recorded IS NULL OR closed IS NULL)
                ORDER BY financial_year, quarter, force, offence_code, outcome_type""",
            years,
        )

    def _rebuild_wide(self, years: list[str]) -> None:
        """Recompute ``outcomes_wide`` for ``years`` from ``outcomes_annual`` (one row per year, force and code)."""
        marks = ", ".join("?" for _ in years)
        names = [f"{basis}_{t}" for t in WIDE_TYPES for basis in ("recorded", "closed")]
        sums = [f"sum({basis}) FILTER (WHERE outcome_type = {t})" for t in WIDE_TYPES for basis in ("recorded", "closed")]
        outcome = "outcome_type BETWEEN 1 AND 22"
        self.con.execute(f"DELETE FROM outcomes_wide WHERE financial_year IN ({marks})", years)
        self.con.execute(
            f"""INSERT INTO outcomes_wide (financial_year, force, offence_code, outcome_rows, recorded_all, closed_all, {", ".join(names)})
                SELECT financial_year, force, offence_code, count(*) FILTER (WHERE {outcome}),
                       sum(recorded) FILTER (WHERE {outcome}), sum(closed) FILTER (WHERE {outcome}), {", ".join(sums)}
                FROM outcomes_annual WHERE financial_year IN ({marks})
                GROUP BY ALL ORDER BY financial_year, force, offence_code""",
            years,
        )

    def close(self) -> None:
        crash_point("store.checkpoint")  # closing folds the write-ahead log into the file
        self.con.close()
        crash_point("store.closed")

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
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def is_empty(self) -> bool:
        return self.fetchall("SELECT count(*) FROM sources WHERE superseded_by IS NULL AND kind = 'outcomes'")[0][0] == 0

    def years(self) -> list[str]:
        """The financial years holding outcomes (read from ``outcomes_wide``: every year, force and code of ``outcomes`` has its row)."""
        return [r[0] for r in self.fetchall("SELECT DISTINCT financial_year FROM outcomes_wide ORDER BY 1")]

    def table_counts(self) -> dict[str, int]:
        """Row counts of every table: the fingerprint tests use to prove a store unchanged."""
        names = [r[0] for r in self.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")]
        return {n: self.fetchall(f'SELECT count(*) FROM "{n}"')[0][0] for n in names}


# -- schema versions ---------------------------------------------------------------


def _migrate_1_to_2(store: Store) -> None:
    """Version 2 added ``outcomes_annual`` (quarters summed per year): fill it from ``outcomes``.

    The table itself was created by schema.sql just before; a version-1 store opened for
    writing by an earlier release may already hold it empty, hence rebuild, not create.
    """
    store.con.execute("DELETE FROM outcomes_annual")
    store.rebuild_annual(_outcome_years(store))


def _migrate_2_to_3(store: Store) -> None:
    """Version 3 added ``outcomes_wide`` (``outcomes_annual`` with a column per outcome type) and
    ``outcomes_missing`` (the rows without a number): fill them."""
    store.con.execute("DELETE FROM outcomes_wide")
    store.con.execute("DELETE FROM outcomes_missing")
    years = _outcome_years(store)
    if years:
        store._rebuild_wide(years)
        store._rebuild_missing(years)


def _outcome_years(store: Store) -> list[str]:
    """Years in ``outcomes`` itself, for migrations (``Store.years`` reads a derived table they may be filling)."""
    return [r[0] for r in store.fetchall("SELECT DISTINCT financial_year FROM outcomes ORDER BY 1")]


def _migrate_3_to_4(store: Store) -> None:
    """Version 4 added ``source_years`` and the lead snapshots (created empty by schema.sql just before).

    ``source_years`` is rebuilt from ``sources`` in load order: a year is new to the store unless
    an earlier file of the same kind held it. A file that a newer edition replaced for only some
    of its years no longer lists those years, so they are missing here; no lead snapshot can be
    rebuilt (the store layer computes no leads): the next load takes the first.
    """
    store.con.execute("DELETE FROM source_years")
    held: dict[tuple[str, str], int] = {}  # (kind, year) -> the last file that held it
    rows = []
    for source_id, kind, years in store.fetchall("SELECT source_id, kind, years FROM sources ORDER BY source_id"):
        for year in [y for y in (years or "").split(",") if y]:
            rows.append((source_id, year, held.get((kind, year))))
            held[(kind, year)] = source_id
    if rows:
        store.con.executemany("INSERT INTO source_years VALUES (?, ?, ?)", rows)


# MIGRATIONS[n] brings a store from version n to n + 1, inside the opening transaction.
MIGRATIONS: dict[int, Callable[[Store], None]] = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4}


def _read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The ``meta`` table as a dict, or None when there is no such table (a new, empty file)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'meta'").fetchall()[
        0
    ][0]
    if not exists:
        return None
    return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM meta").fetchall()}


def _check_not_newer(label: str, version: str) -> None:
    if not version.isdigit():
        raise StoreError(f"the store {label} records schema version {version!r}, which crime-outcomes does not know")
    if int(version) > int(SCHEMA_VERSION):
        raise StoreError(
            f"the store {label} was written by a newer crime-outcomes (schema version {version}; this one reads up to "
            f"{SCHEMA_VERSION}): upgrade crime-outcomes to read it"
        )


def _check_readable(path: Path, meta: dict[str, str] | None) -> None:
    """A read-only open cannot upgrade: refuse an older or foreign schema in one line saying what to do."""
    version = None if meta is None else meta.get("schema_version")
    if version is None:
        raise StoreError(
            f"{path} is not a crime-outcomes store (it has no schema version); load data with `crime-outcomes ingest FILE --db {path}`"
        )
    _check_not_newer(str(path), version)
    if int(version) < int(SCHEMA_VERSION):
        raise StoreError(
            f"the store {path} has schema version {version} and this crime-outcomes reads version {SCHEMA_VERSION}: "
            f"run `crime-outcomes migrate --db {path}` once to upgrade it (any command that writes to it, such as ingest, does the same)"
        )


def _explain_open_error(path: Path, exc: duckdb.Error) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return f"the store {path} is in use by another crime-outcomes process; wait for it to finish and try again ({text.splitlines()[0]})"
    if "permission" in text.lower() or "read-only" in text.lower():
        return f"cannot write the store {path}: permission denied; choose another place with --db or CRIME_OUTCOMES_DB"
    if "not a valid duckdb" in text.lower() or "database file" in text.lower():
        return f"{path} is not a crime-outcomes store (DuckDB could not read it): {text.splitlines()[0]}"
    return f"cannot open the store {path}: {text.splitlines()[0]}"
