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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import twelve_year_store


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
    parser.add_argument("--store", type=Path, default=None, help="a store to use instead of the twelve-year benchmark store")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    from crime_outcomes.analysis.story import story
    from crime_outcomes.store import Store

    args.store = args.store or twelve_year_store(rebuild=args.rebuild)
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
            capture_output=True,
            text=True,
            env=env,
            check=True,
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
    print(
        f"\n{args.force}, community resolutions, {years[0]} to {years[-1]}: {result.count:,} of {result.denominator:,} "
        f"(all three contenders agree)\n"
    )
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
    print(
        f"\nstory() is {statistics.median(pandas_times) / story_median:.1f}x faster than the pandas baseline; "
        f"target: well under 1 s ({'met' if story_median < 1 else 'NOT met'})."
    )


if __name__ == "__main__":
    main()
