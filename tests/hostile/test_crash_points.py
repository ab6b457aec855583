"""Killed at any point, a load leaves the store as it was or as it would be after: never a mixture.

Each run ingests a newer edition of a year the store already holds (the hardest case: old
rows deleted, new rows written, sources updated, revisions listed) and is killed with
SIGKILL at a named crash point (``CRIME_OUTCOMES_CRASH_AT``, see ``crime_outcomes.faults``):
reading, normalising, writing each table, committing and checkpointing, some with a delay
so the kill lands inside DuckDB's native work. After each kill the store opens, ``status``
works and every table's contents equal the state before or the state after.

A pack written over an existing pack is killed the same way: the folder holds the old pack
or the new one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_csv  # noqa: E402

from crime_outcomes.faults import CRASH_ENV  # noqa: E402
from crime_outcomes.store import Store  # noqa: E402
from crime_outcomes.testing.workbooks import HEADERS_CURRENT, synthetic_rows  # noqa: E402

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "crime_outcomes"]
ROWS = 40_000  # enough that writing, committing and checkpointing take measurable time
OLD_EDITION = "prc-outcomes-open-data-mar2018-tables-230519.csv"
NEW_EDITION = "prc-outcomes-open-data-mar2018-tables-180719.csv"
BEFORE, AFTER, EITHER = "before", "after", "either"
PENDING = "after, its leads not yet kept"
"""The file is loaded but the leads of the new state are not yet kept: they are written in a transaction of
their own once the load has committed (``pipeline.record_leads``), and the next ingest or update takes them
before it loads anything."""
LEAD_TABLES = ("lead_snapshots", "snapshot_leads")

# (crash point, the state it must leave). Timed points ("name:ms") land wherever the
# process has got to by then, so either state is right as long as it is one of them.
POINTS: list[tuple[str, str]] = [
    # reading
    ("ingest.hash", BEFORE),
    ("ingest.read", BEFORE),
    ("ingest.read:40", EITHER),
    ("ingest.read:150", EITHER),
    # normalising
    ("ingest.normalise", BEFORE),
    ("ingest.normalise:20", EITHER),
    # writing
    ("ingest.write", BEFORE),
    ("load.begin", BEFORE),
    ("load.replaced", BEFORE),
    ("load.main", BEFORE),
    ("load.annual", BEFORE),
    ("load.offences", BEFORE),
    ("load.main:1", EITHER),
    # committing
    ("load.commit", BEFORE),
    ("load.commit:1", EITHER),
    ("load.commit:5", EITHER),
    ("load.commit:20", EITHER),
    ("load.committed", PENDING),
    # checkpointing (closing the store folds the write-ahead log into the file)
    ("store.checkpoint", AFTER),
    ("store.checkpoint:1", AFTER),
    ("store.checkpoint:5", AFTER),
    ("store.checkpoint:20", AFTER),
    ("store.closed", AFTER),
]


def env(crash: str | None = None) -> dict[str, str]:
    out = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    out.pop("CRIME_OUTCOMES_DB", None)
    out.pop(CRASH_ENV, None)
    if crash:
        out[CRASH_ENV] = crash
    return out


def cli(args: list[str], crash: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env(crash), timeout=600)


def state(db: Path) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows: the contents, so load
    timestamps and the folder a source file was read from are left out."""
    out = {}
    with Store.open(db, read_only=True) as store:
        tables = [r[0] for r in store.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")]
        for table in tables:
            cols = [
                r[0]
                for r in store.fetchall(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type NOT LIKE 'TIMESTAMP%' AND NOT (table_name = 'sources' AND column_name = 'path') ORDER BY ordinal_position",
                    [table],
                )
            ]
            listed = ", ".join(f'"{c}"' for c in cols)
            rows = store.fetchall(f'SELECT {listed} FROM "{table}" ORDER BY ALL')
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def classify(got: dict[str, tuple[int, str]], before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> str | None:
    """BEFORE, AFTER, PENDING (after, with the lead tables still as before), or None for a mixture."""
    if got == before:
        return BEFORE
    if got == after:
        return AFTER
    data = [t for t in after if t not in LEAD_TABLES]
    if all(got.get(t) == after[t] for t in data) and all(got.get(t) == before.get(t) for t in LEAD_TABLES):
        return PENDING
    return None


@dataclass
class Stores:
    before: Path
    new_file: Path
    before_state: dict[str, tuple[int, str]]
    after_state: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    d = tmp_path_factory.mktemp("crash")
    old = write_csv(d / OLD_EDITION, [list(r) for r in synthetic_rows(ROWS, 1, headers=HEADERS_CURRENT)])
    new = write_csv(d / NEW_EDITION, [list(r) for r in synthetic_rows(ROWS, 2, headers=HEADERS_CURRENT)])
    before = d / "before.duckdb"
    assert cli(["ingest", str(old), "--db", str(before)]).returncode == 0
    after = d / "after.duckdb"
    shutil.copy(before, after)
    done = cli(["ingest", str(new), "--db", str(after)])
    assert done.returncode == 0 and "replaced" in done.stdout, done.stderr
    result = Stores(before, new, state(before), state(after))
    assert result.before_state != result.after_state
    assert result.after_state["revisions"][0] > 0
    return result


def test_there_are_enough_crash_points_spread_over_every_phase() -> None:
    assert len(POINTS) >= 20
    phases = {p.split(".")[0] for p, _ in POINTS}
    assert {"ingest", "load", "store"} <= phases
    for name in ("ingest.read", "ingest.normalise", "load.main", "load.commit", "store.checkpoint"):
        assert any(p.startswith(name) for p, _ in POINTS)


def test_a_load_killed_at_any_point_leaves_the_store_before_or_after(stores: Stores, tmp_path: Path) -> None:
    def one(index: int, point: str) -> tuple[str, int, str, int, str]:
        db = tmp_path / f"store-{index}.duckdb"
        shutil.copy(stores.before, db)
        run = cli(["ingest", str(stores.new_file), "--db", str(db)], crash=point)
        status = cli(["status", "--db", str(db)])
        return point, run.returncode, run.stderr, status.returncode, status.stdout + status.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda a: one(*a), enumerate(p for p, _ in POINTS)))
    killed = 0
    for (point, code, err, status_code, status_out), (_, expected) in zip(runs, POINTS, strict=True):
        assert code in (0, -signal.SIGKILL), f"{point}: exit {code}: {err[-2000:]}"
        timed = ":" in point
        if not timed:
            assert code == -signal.SIGKILL, f"{point}: the crash point was never reached"
        killed += code == -signal.SIGKILL
        assert status_code == 0 and "Row accounting" in status_out, f"{point}: status failed after the kill: {status_out[-2000:]}"
        assert "DOES NOT BALANCE" not in status_out, point
        got = state(tmp_path / f"store-{POINTS.index((point, expected))}.duckdb")
        seen = classify(got, stores.before_state, stores.after_state)
        if seen is None:
            differ = sorted(t for t in got if got[t] not in (stores.before_state.get(t), stores.after_state.get(t)))
            pytest.fail(f"{point}: the store is a mixture of before and after (tables {differ})")
        if expected != EITHER:
            assert seen == expected, f"{point}: expected the state {expected}, found {seen}"
    assert killed >= len([p for p, _ in POINTS if ":" not in p])


def test_the_same_file_loads_after_a_kill(stores: Stores, tmp_path: Path) -> None:
    """A kill mid-commit is recovered from: the next ingest of the file completes the load."""
    db = tmp_path / "store.duckdb"
    shutil.copy(stores.before, db)
    assert cli(["ingest", str(stores.new_file), "--db", str(db)], crash="load.commit").returncode == -signal.SIGKILL
    again = cli(["ingest", str(stores.new_file), "--db", str(db)])
    assert again.returncode == 0, again.stderr
    assert state(db) == stores.after_state


def test_leads_a_kill_left_untaken_are_taken_by_the_next_ingest(stores: Stores, tmp_path: Path) -> None:
    """Killed once the load has committed, before its leads were kept: the next ingest (of anything, here
    the same file, which changes nothing) keeps them first, so the store ends as after a clean load."""
    db = tmp_path / "store.duckdb"
    shutil.copy(stores.before, db)
    assert cli(["ingest", str(stores.new_file), "--db", str(db)], crash="load.committed").returncode == -signal.SIGKILL
    assert classify(state(db), stores.before_state, stores.after_state) == PENDING
    again = cli(["ingest", str(stores.new_file), "--db", str(db)])
    assert again.returncode == 0 and "unchanged" in again.stdout, again.stderr
    assert state(db) == stores.after_state


# --------------------------------------------------------------------------------------------
# Packs written over an existing pack


def pack_signature(folder: Path) -> tuple[tuple[str, ...], str, str]:
    """The files of a pack and the digests of its text briefs (which differ between packs)."""
    files = tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))
    md = hashlib.sha256((folder / "brief.md").read_bytes()).hexdigest() if (folder / "brief.md").exists() else ""
    html = hashlib.sha256((folder / "brief.html").read_bytes()).hexdigest() if (folder / "brief.html").exists() else ""
    return files, md, html


SLUG = "avon-and-somerset"  # the first force of the synthetic rows
PACK_POINTS = ["folder.writing", "folder.written", "folder.swapped", "folder.writing:1500", "folder.writing:5000"]


def test_a_pack_killed_while_written_over_an_old_one_leaves_one_or_the_other(stores: Stores, tmp_path: Path) -> None:
    db = tmp_path / "after.duckdb"
    shutil.copy(stores.before, db)
    old_args = ["pack", "--force", "Avon and Somerset", "--outcome", "8", "--db", str(db)]
    new_args = ["pack", "--force", "Avon and Somerset", "--outcome", "charged", "--db", str(db)]
    reference = tmp_path / "reference"
    assert cli([*old_args, "--out", str(reference / "old")]).returncode == 0
    assert cli([*new_args, "--out", str(reference / "new")]).returncode == 0
    old_sig, new_sig = pack_signature(reference / "old" / SLUG), pack_signature(reference / "new" / SLUG)
    assert old_sig != new_sig

    def one(point: str) -> tuple[str, int, str]:
        out = tmp_path / point.replace(":", "-")
        shutil.copytree(reference / "old", out)
        run = cli([*new_args, "--out", str(out)], crash=point)
        return point, run.returncode, str(out)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(one, PACK_POINTS))
    for point, code, out in runs:
        if ":" not in point:
            assert code == -signal.SIGKILL, f"{point}: exit {code}"
        folder = Path(out) / SLUG
        sig = pack_signature(folder)
        assert sig in (old_sig, new_sig), f"{point}: the pack folder is neither the old pack nor the new one"
        if point in ("folder.writing", "folder.written"):
            assert sig == old_sig
        if point == "folder.swapped":
            assert sig == new_sig
        again = cli([*new_args, "--out", out])  # the next write cleans up what the kill left
        assert again.returncode == 0, again.stderr
        assert pack_signature(folder) == new_sig
        assert sorted(p.name for p in Path(out).iterdir()) == [SLUG, f"{SLUG}.zip"]
