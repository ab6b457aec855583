"""Lead snapshots: the leads found in the store as it stood after each load.

A later edition can make a lead new (a revision pushes a force past a threshold) or take one
away, and the store no longer holds the figures an earlier edition published once they are
replaced. So after each load the pipeline computes the leads (``crime_outcomes.analysis``) and
hands them here as plain rows; ``crime-outcomes changes`` compares the snapshot before an
edition with the one after it. This layer stores what it is given and computes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crime_outcomes.errors import StoreError
from crime_outcomes.store.store import Store


@dataclass(frozen=True)
class SnapshotLead:
    """One lead as a snapshot keeps it: its stable key, who it is about, and its JSON."""

    key: str
    force: str | None
    kind: str
    score: float | None
    sentence: str
    lead: dict[str, Any]


def store_state(store: Store) -> int | None:
    """The store's state: the id of the last file loaded (None for an empty store)."""
    row = store.fetchone("SELECT max(source_id) FROM sources")
    return None if row is None or row[0] is None else int(row[0])


def has_snapshot(store: Store, state: int) -> bool:
    return store.fetchone("SELECT count(*) FROM lead_snapshots WHERE source_id = ?", [state]) != (0,)


def write_snapshot(store: Store, state: int, leads: Iterable[SnapshotLead]) -> int:
    """Record the leads of the store at ``state`` (replacing any earlier snapshot of it), in one transaction."""
    if store.read_only:
        raise StoreError(f"the store {store.label} is open read-only")
    rows = [
        (state, lead.key, lead.force, lead.kind, lead.score, lead.sentence, json.dumps(lead.lead, ensure_ascii=False)) for lead in leads
    ]
    with store.transaction(f"recording the leads in the store {store.label} failed and nothing was changed") as con:
        con.execute("DELETE FROM snapshot_leads WHERE source_id = ?", [state])
        con.execute("DELETE FROM lead_snapshots WHERE source_id = ?", [state])
        if rows:
            con.executemany("INSERT INTO snapshot_leads VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("INSERT INTO lead_snapshots VALUES (?, ?, ?)", [state, datetime.now(UTC).replace(tzinfo=None), len(rows)])
    return len(rows)
