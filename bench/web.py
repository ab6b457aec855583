"""Benchmark: response times of the web explorer on a store holding twelve years.

Setup (benchmark only): the bundled real 2017/18 sample (450,912 outcome rows) is copied into
one DuckDB store under twelve year labels (2014/15 ... 2025/26) with ``INSERT ... SELECT`` and
the year rewritten: ~5.4 million rows, the size of the real twelve-year series. The store is
cached in a temp folder and reused; ``--rebuild`` makes it again.

The server is ``crime-outcomes serve`` in its own process on a free loopback port (a server
thread inside the client's process would share its GIL and add tens of milliseconds); requests
go over one keep-alive HTTP connection, one at a time, once serve reports its start-up warm-up
of the 45 default views done. Two servers are started in turn, so that the API and the pages
are each measured on the **same views**, each view never asked before on its server:

* server 1: baselines ``static`` (/static/app.css, no store) and ``/api/forces`` (JSON, no
  store); then, cold, ``/api/story`` for N (force, outcome) views over all twelve years and
  ``/api/national`` for N outcome views (what the overview shows);
* server 2: cold, ``/force/<slug>`` for the same N views (story, four charts, tables) and ``/``
  (the overview: England and Wales story, its charts, the all-forces table) for the same N
  outcome views; then warm (a cached view again); then force pages over N periods never asked
  before (each also scans every force's leads for its period, which the page shows); then each
  force's default view on first visit.

Prints median, 95th percentile and max per contender, each page's cold p95 against the API's
for the same views, and the targets: a force page for a never-asked view p95 under 150 ms, the
overview under 200 ms.

    python bench/web.py [--requests 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from common import YEARS, twelve_year_store

FORCE_TARGET_MS = 150.0
"""Issue #14: a force page for a never-asked view, p95."""
OVERVIEW_TARGET_MS = 200.0
"""Issue #14: the overview for a never-asked view, p95."""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def timed(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.text[:200]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``crime-outcomes serve`` on a free loopback port; returns once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crime_outcomes", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/api/forces", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("serve did not start within 60 s")


def wait_for_warm_up(proc: subprocess.Popen[bytes]) -> None:
    """Block until serve reports that its background warm-up of the default views is done."""
    assert proc.stderr is not None
    for line in iter(proc.stderr.readline, b""):
        if line.startswith(b"warmed"):
            print(line.decode().strip())
            return
    raise SystemExit("serve exited before its warm-up finished")


def outcome_views(n: int) -> list[str]:
    """n outcome selections, each over a different span of the twelve years: outcome types, then groups, then shorter spans."""
    from crime_outcomes.analysis.selection import DEFAULT_OUTCOME
    from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_GROUPS

    outcomes = [str(t) for t in ALL_OUTCOMES] + list(OUTCOME_GROUPS)
    spans = [(YEARS[0], YEARS[-1]), (YEARS[1], YEARS[-1]), (YEARS[0], YEARS[-2])]
    # the default view (serve's warm-up computes it) is left out, so every view is new
    views = [
        f"outcome={o}&from={a}&to={b}&basis=closed"
        for a, b in spans
        for o in outcomes
        if (o, a, b) != (DEFAULT_OUTCOME, YEARS[0], YEARS[-1])
    ]
    return views[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per contender (default 30)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the twelve-year store")
    args = parser.parse_args()

    from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES
    from crime_outcomes.store import Store
    from crime_outcomes.web.explorer import force_refs

    db = twelve_year_store(rebuild=args.rebuild)
    with Store.open(db, read_only=True) as store:
        rows = store.fetchone("SELECT count(*) FROM outcomes")[0]
        years = store.years()
    print(f"store: {len(years)} years ({years[0]} to {years[-1]}), {rows:,} outcome rows")
    n = args.requests
    period = f"from={YEARS[0]}&to={YEARS[-1]}&basis=closed"
    # (force, outcome) views, each force once before any repeats, every one new to its server
    pairs = [(f.slug, str(t)) for t in ALL_OUTCOMES for f in force_refs()][:n]
    national = outcome_views(n)
    results: dict[str, list[float]] = {}

    def measure(runs: list[tuple[str, Callable[[int], str]]], before: Callable[[httpx.Client], None] | None = None) -> None:
        proc, url = start_serve(db)
        wait_for_warm_up(proc)  # measured with nothing else running in the server
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                for _ in range(3):  # warm the connection and the imports
                    timed(client, "/static/app.css")
                    timed(client, "/api/forces")
                if before:
                    before(client)
                for name, urls in runs:
                    results[name] = [timed(client, urls(i)) for i in range(n)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    api_cold, national_cold = "/api/story cold (new view each time)", "/api/national cold (new view each time)"
    new_period = "/force/<slug> cold, new period (leads scanned behind)"
    page_cold, overview_cold = "/force/<slug> cold (same views as /api/story)", "/ overview cold (same views as /api/national)"
    measure(
        [
            ("baseline static /static/app.css", lambda i: "/static/app.css"),
            ("baseline /api/forces", lambda i: "/api/forces"),
            (api_cold, lambda i: f"/api/story?force={pairs[i][0]}&outcome={pairs[i][1]}&{period}"),
            (national_cold, lambda i: f"/api/national?{national[i]}"),
        ]
    )
    # a period never asked before starts a scan for its leads (every force, one at a time) behind the page
    spans = [(a, b) for a in YEARS for b in YEARS if a < b and (a, b) != (YEARS[0], YEARS[-1])][::-1][:n]
    warm_page = f"/force/west-midlands?outcome=8&{period}"
    slugs = [f.slug for f in force_refs()]
    measure(
        [
            (page_cold, lambda i: f"/force/{pairs[i][0]}?outcome={pairs[i][1]}&{period}"),
            (overview_cold, lambda i: f"/?{national[i]}"),
            ("/force/<slug> warm (cached view)", lambda i: warm_page),
            (new_period, lambda i: f"/force/{pairs[i][0]}?outcome={pairs[i][1]}&from={spans[i][0]}&to={spans[i][1]}&basis=closed"),
            ("/force/<slug> default view, first visit", lambda i: f"/force/{slugs[i % len(slugs)]}"),
        ],
    )

    print(f"\n{n} requests each, one keep-alive client, loopback HTTP; times in ms")
    print(f"{'contender':48} {'median':>8} {'p95':>8} {'max':>8}")
    for name, times in results.items():
        print(f"{name:48} {statistics.median(times):8.1f} {percentile(times, 95):8.1f} {max(times):8.1f}")
    print("\ncold pages against the API for the same views (p95 ratio), and the targets:")
    for page, api, target in ((page_cold, api_cold, FORCE_TARGET_MS), (overview_cold, national_cold, OVERVIEW_TARGET_MS)):
        p95, api95 = percentile(results[page], 95), percentile(results[api], 95)
        verdict = "ok" if p95 < target else "OVER"
        print(f"{page:48} p95 {p95:7.1f} ms = {p95 / api95:4.2f} x the API's {api95:.1f} ms; target < {target:.0f} ms: {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
