"""Benchmark: response times of the web explorer on a store holding twelve years.

Setup (benchmark only): the bundled real 2017/18 sample (450,912 outcome rows) is copied into
one DuckDB store under twelve year labels (2014/15 ... 2025/26) with ``INSERT ... SELECT`` and
the year rewritten: ~5.4 million rows, the size of the real twelve-year series. The store is
cached in a temp folder and reused; ``--rebuild`` makes it again.

The server is ``crime-outcomes serve`` in its own process on a free loopback port (a server
thread inside the client's process would share its GIL and add tens of milliseconds); requests
go over one keep-alive HTTP connection, one at a time. Measured in this run, on the same server:

* baseline ``static``: /static/app.css, a file served by the same app (no store, no story);
* baseline ``/api/forces``: JSON from the app, no store access;
* ``/api/story`` and ``/force/<slug>``, each twice:
  - **cold**: a view never asked before (a new force and outcome pair each request), so every
    request computes the story over twelve years (and, for the page, draws its three charts);
  - **warm**: the same view again, answered from the app's view cache (the store is
    read-only while served, so a computed view cannot go stale);
* ``/force/<slug>`` default view, first visit: each force's page as a visitor first lands on
  it, after serve's start-up warm-up has computed the 45 default views (measurement starts
  once serve reports the warm-up done).

Prints median, 95th percentile and max per contender and the ratio of each median and p95 to
the static-file baseline. Target: p95 under 200 ms.

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

TARGET_MS = 200.0


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
    proc, url = start_serve(db)
    wait_for_warm_up(proc)  # measured with nothing else running in the server
    n = args.requests
    # cold views: (force, outcome) pairs never requested before, different for the API and the page
    pairs = [(f.slug, str(t)) for t in ALL_OUTCOMES for f in force_refs()]
    api_pairs, page_pairs = pairs[::2], pairs[1::2]
    period = f"from={YEARS[0]}&to={YEARS[-1]}&basis=closed"
    results: dict[str, list[float]] = {}
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            for _ in range(3):  # warm the connection and the imports
                timed(client, "/static/app.css")
                timed(client, "/api/forces")

            def run(name: str, urls: Callable[[int], str]) -> None:
                results[name] = [timed(client, urls(i)) for i in range(n)]

            run("baseline static /static/app.css", lambda i: "/static/app.css")
            run("baseline /api/forces", lambda i: "/api/forces")
            run("/api/story cold (new view each time)", lambda i: f"/api/story?force={api_pairs[i][0]}&outcome={api_pairs[i][1]}&{period}")
            run("/force/<slug> cold (story + 3 charts)", lambda i: f"/force/{page_pairs[i][0]}?outcome={page_pairs[i][1]}&{period}")
            warm_api = f"/api/story?force=west-midlands&outcome=8&{period}"
            warm_page = f"/force/west-midlands?outcome=8&{period}"
            timed(client, warm_api)
            timed(client, warm_page)
            run("/api/story warm (cached view)", lambda i: warm_api)
            run("/force/<slug> warm (cached view)", lambda i: warm_page)
            slugs = [f.slug for f in force_refs()]
            run("/force/<slug> default view, first visit", lambda i: f"/force/{slugs[i % len(slugs)]}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    base = statistics.median(results["baseline static /static/app.css"])
    base95 = percentile(results["baseline static /static/app.css"], 95)
    print(f"\n{n} requests each, one keep-alive client, loopback HTTP; times in ms; ratios against the static-file baseline")
    print(f"{'contender':42} {'median':>8} {'p95':>8} {'max':>8} {'median x':>9} {'p95 x':>7}  target p95 < {TARGET_MS:.0f} ms")
    for name, times in results.items():
        med, p95 = statistics.median(times), percentile(times, 95)
        verdict = "ok" if p95 < TARGET_MS else "OVER"
        print(f"{name:42} {med:8.1f} {p95:8.1f} {max(times):8.1f} {med / base:9.1f} {p95 / base95:7.1f}  {verdict}")


if __name__ == "__main__":
    main()
