"""Shared benchmark setup: a twelve-year store made from the bundled sample.

The sample (2017/18) is ingested through the normal path, then its rows are copied under the
labels 2014/15 ... 2025/26 with ``INSERT ... SELECT`` (benchmark setup only: real years differ),
and the derived annual table is rebuilt as a load would.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CACHE = Path(tempfile.gettempdir()) / "crime-outcomes-bench"
YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2026)]


def median_seconds(call: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Median wall and CPU seconds (all threads of this process) of ``repeat`` calls, and the last call's result."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def twelve_year_store(path: Path | None = None, *, rebuild: bool = False) -> Path:
    """The path of the twelve-year store, built first if it is missing (or ``rebuild``)."""
    from crime_outcomes.sample import sample_path
    from crime_outcomes.store import Store
    from crime_outcomes.store.ingest import ingest_file
    from crime_outcomes.store.store import SCHEMA_VERSION

    path = path or CACHE / f"twelve-years-schema{SCHEMA_VERSION}.duckdb"
    if path.exists() and not rebuild:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.duckdb")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    with Store.open(tmp) as store:
        ingest_file(store, sample_path())
        con = store.con
        con.execute("BEGIN")
        for year in YEARS:
            if year == "2017/18":
                continue
            con.execute(
                "INSERT INTO outcomes SELECT ? AS financial_year, * EXCLUDE (financial_year) FROM outcomes WHERE financial_year = '2017/18'",
                [year],
            )
            con.execute(
                "INSERT INTO offences SELECT ? AS financial_year, * EXCLUDE (financial_year) FROM offences WHERE financial_year = '2017/18'",
                [year],
            )
        con.execute("UPDATE sources SET years = ?", [",".join(YEARS)])
        store.rebuild_annual(YEARS)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        rows = store.fetchone("SELECT count(*) FROM outcomes")[0]
    shutil.move(str(tmp), str(path))
    print(f"built {path} ({rows:,} outcome rows, {len(YEARS)} years) in {time.perf_counter() - started:.1f} s")
    return path
