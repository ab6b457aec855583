"""Benchmark: the explorer under load, and under load while an ingest writes into its store.

Setup (benchmark only): a private copy of the twelve-year store (``common.twelve_year_store``,
~5.4 million outcome rows) and a CSV in the published 2019 layout holding the 2017/18 rows under
the label 2013/14 (a year the store lacks, so ingesting it really loads ~450,000 rows).

``crime-outcomes serve`` runs in its own process on a free loopback port and is measured once
its start-up warm-up of the default views is done. Then, twice:

1. **load**: N clients (default 32), each on its own keep-alive connection, request a mix of
   pages for D seconds (default 60): the overview, force pages (default view and a second
   outcome), offence pages, ``/api/story``, compare, embed pages and the stylesheet, picked at
   random with a fixed seed;
2. **load + ingest**: the same, while ``crime-outcomes ingest`` loads the CSV into the store the
   server is serving from, in another process; the run checks that the ingest succeeded and
   that the server then answers with the new year.

Reported per run: requests, requests per second, errors (any status but 200, or a failed
connection, or no answer within 60 s), median, p95 and max latency; and the same for the
requests that ended in the second half of the run, when the views the mix asks for have been
computed once (the first half includes drawing each new view's charts). Loopback only; every loop is bounded by the duration.

    python bench/load.py [--clients 32] [--seconds 60]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
from common import twelve_year_store
from web import percentile, start_serve, wait_for_warm_up

from crime_outcomes.testing.workbooks import HEADERS_2019

NEW_YEAR = "2013/14"


def write_new_year_csv(db: Path, folder: Path) -> Path:
    """The store's 2017/18 rows as a published-layout CSV for NEW_YEAR (benchmark input only)."""
    path = folder / "prc-outcomes-open-data-mar2014-tables-010719.csv"
    names = ", ".join(
        f'{expr} AS "{h}"'
        for expr, h in zip(
            (
                f"'{NEW_YEAR}'",
                "o.quarter",
                "o.force",
                "f.description",
                "f.offence_group",
                "f.offence_subgroup",
                "o.offence_code",
                "CASE WHEN f.expired THEN 'Y' ELSE '' END",
                "t.label",
                "t.outcome_group",
                "o.outcome_type",
                "coalesce(CAST(o.recorded AS TEXT), o.recorded_marker)",
                "coalesce(CAST(o.closed AS TEXT), o.closed_marker)",
            ),
            HEADERS_2019,
            strict=True,
        )
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"""
            COPY (
                SELECT {names}
                FROM outcomes o
                JOIN (SELECT DISTINCT ON (offence_code) * FROM offences WHERE financial_year = '2017/18') f USING (offence_code)
                JOIN outcome_types t USING (outcome_type)
                WHERE o.financial_year = '2017/18'
                ORDER BY o.source_row
            ) TO '{path}' (HEADER, DELIMITER ',')
        """)
    finally:
        con.close()
    return path


def mixed_paths(codes: list[str], slugs: list[str]) -> list[str]:
    """The pages a newsroom's readers open, weighted roughly by how often."""
    paths = ["/", "/", "/static/app.css", "/methodology"]
    paths += [f"/force/{s}" for s in slugs] * 2
    paths += [f"/force/{s}?outcome=out-of-court" for s in slugs[:12]]
    paths += [f"/api/story?force={s}" for s in slugs[:20]]
    paths += [f"/offence/{c}" for c in codes[:15]]
    paths += [f"/compare?force={a}&force={b}" for a, b in zip(slugs[:6], slugs[6:12], strict=True)]
    paths += [f"/embed/{s}/year-series" for s in slugs[:10]]
    return paths


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # seconds into the run at which each request ended
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(url: str, paths: list[str], clients: int, seconds: float) -> tuple[Run, float]:
    run = Run()
    began = time.monotonic()
    deadline = began + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=60) as c:
            while time.monotonic() < deadline:
                path = rng.choice(paths)
                start = time.perf_counter()
                try:
                    r = c.get(path)
                    ok = r.status_code == 200
                    problem = f"{r.status_code} {path}"
                except httpx.HTTPError as exc:
                    ok, problem = False, f"{type(exc).__name__} {path}"
                elapsed = (time.perf_counter() - start) * 1000
                with run.lock:
                    run.latencies.append(elapsed)
                    run.finished.append(time.monotonic() - began)
                    if not ok:
                        run.errors.append(problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return run, time.monotonic() - started


def report(name: str, run: Run, wall: float) -> None:
    lat = run.latencies
    print(
        f"{name:<16} {len(lat):>7,} requests  {len(lat) / wall:>6.1f}/s  errors {len(run.errors)}  "
        f"median {statistics.median(lat):>6.0f} ms  p95 {percentile(lat, 95):>6.0f} ms  max {max(lat):>6.0f} ms"
    )
    half = max(run.finished) / 2 if run.finished else 0.0
    late = [ms for ms, at in zip(lat, run.finished, strict=True) if at >= half]
    if late:
        print(
            f"{'  second half':<16} {len(late):>7,} requests  {len(late) / (wall - half):>6.1f}/s  "
            f"median {statistics.median(late):>6.0f} ms  p95 {percentile(late, 95):>6.0f} ms  max {max(late):>6.0f} ms"
        )
    if run.errors:
        print("   first errors:", run.errors[:5])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="crime-outcomes-load-"))
    try:
        db = work / "store.duckdb"
        shutil.copyfile(twelve_year_store(), db)
        new_file = write_new_year_csv(db, work)
        proc, url = start_serve(db)
        try:
            wait_for_warm_up(proc)
            codes = [o["code"] for o in httpx.get(url + "/api/offences", timeout=60).json()]
            slugs = [f["slug"] for f in httpx.get(url + "/api/forces", timeout=60).json()]
            paths = mixed_paths(codes, slugs)
            print(f"{args.clients} clients, {args.seconds:.0f} s each run, {len(paths)} paths in the mix, server {url}")

            run, wall = hammer(url, paths, args.clients, args.seconds)
            report("load", run, wall)

            ingest_result: dict[str, object] = {}

            def ingest() -> None:
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "crime_outcomes", "ingest", "--db", str(db), str(new_file)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                ingest_result.update(rc=done.returncode, seconds=time.perf_counter() - started, err=done.stderr[-400:])

            writer = threading.Thread(target=ingest)
            writer.start()
            run, wall = hammer(url, paths, args.clients, args.seconds)
            writer.join()
            report("load + ingest", run, wall)
            print(f"ingest exit {ingest_result['rc']} after {ingest_result['seconds']:.1f} s (while serving)")
            if ingest_result["rc"] != 0:
                print(ingest_result["err"])
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                years = httpx.get(url + "/api/story?force=kent", timeout=60).json()["period"]["years"]
                if NEW_YEAR in years:
                    print(f"the server answers with {NEW_YEAR} (no restart)")
                    break
                time.sleep(1)
            else:
                print(f"the server did not show {NEW_YEAR} within 120 s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
