"""Benchmark: ``story()`` on a store holding twelve years, against named baselines.

Setup (benchmark only): the bundled real 2017/18 sample (450,912 rows) is copied twelve times
into one DuckDB store under the labels 2014/15 ... 2025/26 with ``INSERT ... SELECT`` and the
year rewritten, giving ~5.4 million outcome rows, the size of the real twelve-year series.
The store is kept in a cache folder and reused; ``--rebuild`` makes it again.

Contenders, each timed in this run on the same store:

* ``story()``: the whole force story (every finding, lines, caveats), warm connection,
  median of ``--repeat`` runs; plus the first (cold) call, which also reads the rule files.
* ``crime-outcomes story --format json``: the command a user types, in a fresh process; beside
  it ``crime-outcomes forces`` (no store access), which measures interpreter start and imports.
* baseline ``pandas``: what an analyst writes by hand — pull the outcomes table into a pandas
  DataFrame and group by year and force for the same share and the per-force shares behind a
  rank. Only a fraction of what ``story()`` computes.
* floor ``duckdb-one-query``: one aggregate for the force's count and denominator over all
  twelve years: the least any correct answer has to scan.

    python bench/story.py [--force "West Midlands"] [--repeat 20] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE = Path(tempfile.gettempdir()) / "crime-outcomes-bench"
YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2026)]


def build_store(path: Path) -> None:
    """Twelve copies of the sample under different year labels (benchmark setup only)."""
    from crime_outcomes.sample import open_sample_store
    from crime_outcomes.store import Store

    sample = open_sample_store()
    sample_path = sample.path
    sample.close()
    if sample_path is None:
        raise SystemExit("the sample store is in memory only (no writable cache folder); cannot attach it")
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    t = time.perf_counter()
    with Store.open(tmp) as store:
        con = store.con
        con.execute("ATTACH ? AS s (READ_ONLY)", [str(sample_path)])
        con.execute("BEGIN")
        for i, year in enumerate(YEARS, start=1):
            con.execute(
                """INSERT INTO sources SELECT ?, ? || '-' || file_name, path, sha256 || ?, kind, edition_date, ?, sheets,
                          rows_read, rows_loaded, rows_alternate, rows_rejected, loaded_at, NULL, 'benchmark copy of the sample'
                   FROM s.sources WHERE superseded_by IS NULL AND kind = 'outcomes'""",
                [i, year.replace("/", "-"), str(i), year],
            )
            con.execute(
                """INSERT INTO outcomes SELECT ?, quarter, force, offence_code, outcome_type, recorded, closed,
                          recorded_marker, closed_marker, ?, source_row FROM s.outcomes""",
                [year, i],
            )
            con.execute(
                "INSERT INTO offences SELECT ?, offence_code, description, offence_group, offence_subgroup, expired, ? FROM s.offences",
                [year, i],
            )
        con.execute("COMMIT")
        con.execute("DETACH s")
        rows = store.fetchone("SELECT count(*) FROM outcomes")[0]
    os.replace(tmp, path)
    print(f"built {path} ({rows:,} outcome rows, {len(YEARS)} years) in {time.perf_counter() - t:.1f} s")


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", default="West Midlands")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument("--cli-repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, default=CACHE / "story-12-years.duckdb")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    from crime_outcomes.analysis.story import story
    from crime_outcomes.store import Store

    CACHE.mkdir(exist_ok=True)
    if args.rebuild or not args.store.exists():
        build_store(args.store)
    store = Store.open(args.store, read_only=True, label="benchmark: 12 copies of the 2017/18 sample")
    rows = store.fetchone("SELECT count(*) FROM outcomes")[0]
    years = store.years()
    print(f"store: {args.store} — {rows:,} outcome rows, {len(years)} years ({years[0]} to {years[-1]})")

    def run_story() -> Any:
        return story(store, force=args.force)

    cold_times, _ = timed(run_story, 1)
    warm_times, result = timed(run_story, args.repeat)

    def floor() -> tuple[int, int]:
        return store.fetchone(
            """SELECT sum(closed) FILTER (WHERE outcome_type = 8), sum(closed)
               FROM outcomes WHERE force = ? AND outcome_type BETWEEN 1 AND 22""",
            [result.force.name],
        )

    floor_times, floor_result = timed(floor, args.repeat)

    def pandas_baseline() -> tuple[int, int]:
        frame = store.con.execute("SELECT financial_year, force, outcome_type, closed FROM outcomes").df()
        frame = frame[(frame.outcome_type >= 1) & (frame.outcome_type <= 22)]
        frame = frame.assign(cr=frame.closed.where(frame.outcome_type == 8, 0))
        per_force_year = frame.groupby(["financial_year", "force"])[["cr", "closed"]].sum()
        per_force = per_force_year.groupby(level="force").sum()
        per_force = per_force.assign(share=per_force.cr / per_force.closed)
        per_force["rank"] = per_force.share.rank(ascending=False, method="min")
        mine = per_force.loc[result.force.name]
        return int(mine.cr), int(mine.closed)

    pandas_times, pandas_result = timed(pandas_baseline, args.baseline_repeat)

    env = {**os.environ, "CRIME_OUTCOMES_DB": str(args.store)}

    def cli() -> int:
        done = subprocess.run(
            [sys.executable, "-m", "crime_outcomes", "story", "--force", args.force, "--format", "json"],
            capture_output=True, text=True, env=env, check=True,
        )
        return len(done.stdout)

    cli_times, _ = timed(cli, args.cli_repeat)

    def process_start() -> int:
        done = subprocess.run([sys.executable, "-m", "crime_outcomes", "forces"], capture_output=True, text=True, env=env, check=True)
        return len(done.stdout)

    start_times, _ = timed(process_start, args.cli_repeat)
    store.close()

    assert (result.count, result.denominator) == tuple(floor_result) == pandas_result, "contenders disagree"
    story_median = statistics.median(warm_times)
    print(f"\n{args.force}, community resolutions, {years[0]} to {years[-1]}: {result.count:,} of {result.denominator:,} "
          f"(all three contenders agree)\n")
    print(f"{'contender':<42} {'runs':>4} {'median':>10} {'ratio to story()':>18}")
    table = [
        ("story() warm (every finding)", warm_times),
        ("story() first call (reads rule files)", cold_times),
        ("crime-outcomes story --format json (process)", cli_times),
        ("  of which: process start (`forces`, no query)", start_times),
        ("baseline: pandas pull + groupby (share only)", pandas_times),
        ("floor: one DuckDB aggregate (headline only)", floor_times),
    ]
    for name, times in table:
        median = statistics.median(times)
        print(f"{name:<42} {len(times):>4} {median * 1000:>8.1f} ms {median / story_median:>17.2f}x")
    print(f"\nstory() is {statistics.median(pandas_times) / story_median:.1f}x faster than the pandas baseline; "
          f"target: well under 1 s ({'met' if story_median < 1 else 'NOT met'}).")


if __name__ == "__main__":
    main()
