"""The DuckDB store: one file holding every loaded edition, its provenance and rejects.

Writes happen in one transaction per source file, so a failed or killed load leaves the
store as it was. SQL lives here and in ``crime_outcomes.analysis``; other layers call
these functions.
"""

from __future__ import annotations

from crime_outcomes.store.store import SCHEMA_VERSION, Store

__all__ = ["SCHEMA_VERSION", "Store"]
