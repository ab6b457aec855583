"""Benchmark: ``crime-outcomes pack --all`` on the twelve-year store (or the bundled 2017/18 sample), against naive baselines.

Contenders, each run in a fresh process (imports, the store and any worker start-up count,
as they do for a user), median of ``--repeat`` runs:

* ``cli``: ``crime-outcomes pack --all`` exactly as a user types it (a pool of one process per
  core, query memo);
* ``pool+memo``: ``write_all(workers=<cores>, reuse=True)``, the same path without the CLI;
* ``memo``: ``write_all(workers=1, reuse=True)``: one process, national queries answered once;
* ``naive`` (the baseline): ``write_all(workers=1, reuse=False)``: one process, every force's
  story computed independently, as a loop over ``story()`` + ``render_pack()`` would do.

Wall time depends on what else the machine is doing, so the CPU time of the run (all its
processes) is reported too. Ratios are baseline / contender: above 1 is faster.

    python bench/packs.py [--store twelve|sample] [--repeat 3] [--only cli,naive]

``--store twelve`` (the default) uses the twelve-year benchmark store of ``common.py`` (built on
first use), ``--store sample`` the bundled sample as a new user gets it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import twelve_year_store

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
workers, reuse, out = int(sys.argv[1]), sys.argv[2] == "1", Path(sys.argv[3])
t = time.perf_counter()
from crime_outcomes.outputs.packs import write_all
from crime_outcomes.pipeline import open_store
with open_store() as store:  # $CRIME_OUTCOMES_DB: the benchmark store, or a missing file for the sample
    result = write_all(store, out, workers=workers, reuse=reuse)
seconds = time.perf_counter() - t
assert len(result.forces) == 44 and not result.skipped, result.skipped
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"seconds": seconds, "cpu": cpu, "packs": len(result.forces) + 1}))
"""

CLI_CHILD = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "crime_outcomes", "pack", "--all", "--out", sys.argv[1]], capture_output=True, text=True)
seconds = time.perf_counter() - t
if done.returncode != 0:
    raise SystemExit(done.stderr[-2000:])
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": kids.ru_utime + kids.ru_stime, "packs": 45}))
"""

CORES = os.cpu_count() or 1
CONTENDERS: dict[str, tuple[str, list[str]]] = {
    "cli": ("CLI", []),
    "pool+memo": ("API", [str(CORES), "1"]),
    "memo": ("API", ["1", "1"]),
    "naive": ("API", ["1", "0"]),
}
BASELINE = "naive"


def run_once(name: str, db: Path | None) -> dict[str, float]:
    kind, args = CONTENDERS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "packs")
        code = CLI_CHILD if kind == "CLI" else CHILD
        env = {**os.environ, "CRIME_OUTCOMES_DB": str(db or Path(tmp) / "no-store.duckdb")}  # no store: the sample, as a new user gets
        proc = subprocess.run([sys.executable, "-c", code, *args, out], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", choices=("twelve", "sample"), default="twelve", help="the twelve-year benchmark store or the bundled sample"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the twelve-year store first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(CONTENDERS), help="comma-separated contenders")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        raise SystemExit(f"unknown contender(s) {unknown}; choose from {list(CONTENDERS)}")
    db = twelve_year_store(rebuild=args.rebuild) if args.store == "twelve" else None
    what = f"the twelve-year store ({db.name})" if db else "the bundled sample"

    results: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    for i in range(args.repeat):  # interleaved, so a busy spell on the machine hits every contender
        for name in names:
            r = run_once(name, db)
            results[name].append(r)
            print(f"run {i + 1}/{args.repeat} {name:>9}: {r['seconds']:6.1f} s wall, {r['cpu']:6.1f} s CPU", file=sys.stderr)

    medians = {n: (statistics.median(r["seconds"] for r in rs), statistics.median(r["cpu"] for r in rs)) for n, rs in results.items()}
    load = os.getloadavg()[0]
    print(
        f"pack --all on {what}: 45 packs (44 forces + national), median of {args.repeat}, {CORES} CPUs, load average {load:.1f} at the end"
    )
    print(f"{'contender':>10} {'wall s':>8} {'CPU s':>8} {'wall ratio':>11} {'CPU ratio':>10}")
    base = medians.get(BASELINE)
    for name in names:
        wall, cpu = medians[name]
        ratio = f"{base[0] / wall:10.2f}x" if base else "         –"
        cpu_ratio = f"{base[1] / cpu:9.2f}x" if base else "        –"
        print(f"{name:>10} {wall:8.1f} {cpu:8.1f} {ratio:>11} {cpu_ratio:>10}")
    if base:
        print(f"ratios: {BASELINE} time / contender time (higher is faster); baseline = one process, no reuse")


if __name__ == "__main__":
    main()
