"""A connection that can read the store and nothing else, for user-written SQL.

A store opened read-only protects the store, not the machine: DuckDB's file functions
would still let a query write files (``COPY ... TO``), read any file the user can
(``read_csv('/etc/...')``), attach other databases, install extensions or change
settings. Every place that runs SQL it did not write calls ``lock_down`` first.
"""

from __future__ import annotations

import duckdb

# What a locked connection refuses, for messages and documentation.
REFUSED = "COPY ... TO, reading or writing files (read_csv, read_parquet, ...), ATTACH, INSTALL/LOAD and SET"


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Disable external access and lock the configuration of ``con``'s database for good.

    Both settings belong to the database instance and cannot be turned back on once
    the configuration is locked, so a query cannot undo them.
    """
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def is_refusal(exc: duckdb.Error) -> bool:
    """Whether ``exc`` is the locked connection refusing a query (not a mistake in it)."""
    text = str(exc).lower()
    return (
        isinstance(exc, duckdb.PermissionException) or "disabled through configuration" in text or "configuration has been locked" in text
    )
