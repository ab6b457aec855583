"""Benchmark: ``leads()`` over every force and outcome group on the twelve-year store, against a naive loop.

Setup as ``bench/story.py``: the bundled real 2017/18 sample copied under twelve year labels
(~5.4 million outcome rows), cached and reused (``--rebuild`` makes it again).

Contenders, each timed in this run on the same store and connection:

* ``leads()``: every force x every default outcome group (``DEFAULT_OUTCOMES``) x offence, all five
  kinds, sentences and scores; median of ``--repeat`` runs after one cold run. Target: under 10 s.
* baseline ``story-loop``: what a script would do without ``leads`` — ``story()`` for each force and
  each of the same groups (44 x 12 stories), reading the largest shares, notable offences and
  verdicts from each. Median of ``--baseline-repeat`` runs (default 1: it takes minutes).

    python bench/leads.py [--repeat 5] [--baseline-repeat 1] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import statistics
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-repeat", type=int, default=1)
    parser.add_argument("--store", type=Path, default=None, help="a store to use instead of the twelve-year benchmark store")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    from crime_outcomes.analysis.leads import DEFAULT_OUTCOMES, leads
    from crime_outcomes.analysis.story import story
    from crime_outcomes.normalise.forces import FORCES, FRAUD
    from crime_outcomes.store import Store

    path = args.store or twelve_year_store(rebuild=args.rebuild)
    store = Store.open(path, read_only=True, label="benchmark: 12 copies of the 2017/18 sample")
    store.con.execute("SET enable_progress_bar = false")
    rows = store.fetchone("SELECT count(*) FROM outcomes")[0]
    years = store.years()
    print(f"store: {path} — {rows:,} outcome rows, {len(years)} years ({years[0]} to {years[-1]}); cpus: {os.cpu_count()}")
    print(f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")

    cold, _ = timed(lambda: leads(store), 1)
    warm, result = timed(lambda: leads(store), args.repeat)
    leads_median = statistics.median(warm)
    print(
        f"leads(): {len(DEFAULT_OUTCOMES)} groups x 44 forces x offences -> {result.total:,} leads, "
        f"{len(result.not_leads):,} set aside; cold {cold[0]:.2f} s; median {leads_median:.2f} s of {args.repeat} "
        f"(min {min(warm):.2f}, max {max(warm):.2f}); target under 10 s: {'met' if leads_median < 10 else 'NOT met'}"
    )

    forces = sorted(name for name, f in FORCES.items() if f.kind != FRAUD)

    def story_loop() -> int:
        findings = 0
        for group in DEFAULT_OUTCOMES:
            for force in forces:
                s = story(store, force=force, outcome=group)
                findings += len(s.largest_shares) + len(s.notable) + (1 if s.funnel and s.funnel.adjusted_verdict != "within limits" else 0)
        return findings

    base, findings = timed(story_loop, args.baseline_repeat)
    base_median = statistics.median(base)
    print(
        f"baseline story-loop: {len(DEFAULT_OUTCOMES) * len(forces)} stories ({len(forces)} forces x {len(DEFAULT_OUTCOMES)} groups), "
        f"{findings:,} raw findings to sift by hand; median {base_median:.2f} s of {args.baseline_repeat}"
    )
    print(f"ratio: leads() is {base_median / leads_median:.1f}x faster than the story loop in this run")
    print(f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
