"""Benchmark: ingest a full-size outcomes workbook against pandas.read_excel (openpyxl).

A synthetic sheet of the real shape at the spreadsheet's limit (1,040,000 data rows, xlsx
and ods) is written once into a cache folder. Each contender runs in a fresh subprocess so
its peak memory (max RSS) is its own; the report gives medians and the ratio to the
baseline measured in the same run.

    python bench/ingest.py [--rows 1040000] [--repeat 3] [--baseline-repeat 1]

The baseline is what most users write: ``pandas.read_excel(path, engine="openpyxl")`` —
it only reads the sheet, while ``crime-outcomes`` reads, validates every cell and loads a
DuckDB store. pandas' odf engine is not run on the ods file: the project's measurement
(docs/home-office-data.md, section 9) saw it killed at 20 GB after 393 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "crime-outcomes-bench"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, path, store = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
if kind == "crime-outcomes":
    from crime_outcomes.store.ingest import ingest_file
    from crime_outcomes.store import Store
    with Store.open(Path(store)) as s:
        r = ingest_file(s, path)
        rows = r.rows_read
        assert r.rows_read == r.rows_loaded + r.rows_rejected
else:
    import pandas as pd
    frame = pd.read_excel(path, sheet_name="Outcomes_open_data__2017-18", engine="openpyxl", dtype=str)
    rows = len(frame)
seconds = time.perf_counter() - t
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "rows": rows}))
"""


def ensure_workbooks(rows: int) -> dict[str, Path]:
    from crime_outcomes.testing.workbooks import HEADERS_2019, synthetic_rows, write_outcomes_workbook

    CACHE.mkdir(exist_ok=True)
    out = {}
    for suffix in (".xlsx", ".ods"):
        path = CACHE / f"synthetic-{rows}{suffix}"
        if not path.exists():
            t = time.perf_counter()
            tmp = path.with_name(path.stem + ".tmp" + suffix)
            write_outcomes_workbook(tmp, synthetic_rows(rows, numeric_codes=True), HEADERS_2019)
            tmp.rename(path)
            print(f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out[suffix] = path
    return out


def run(kind: str, path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(path), str(Path(tmp) / "s.duckdb")], capture_output=True, text=True, check=False
        )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} on {path.name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_040_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=1)
    args = parser.parse_args()
    books = ensure_workbooks(args.rows)
    results: dict[str, dict[str, float]] = {}
    plan = [
        ("crime-outcomes", ".xlsx", args.repeat),
        ("crime-outcomes", ".ods", args.repeat),
        ("pandas-openpyxl", ".xlsx", args.baseline_repeat),
    ]
    for kind, suffix, repeat in plan:
        runs = [run(kind, books[suffix]) for _ in range(repeat)]
        results[f"{kind} {suffix}"] = {
            "median_seconds": statistics.median(r["seconds"] for r in runs),
            "median_peak_mib": statistics.median(r["peak_mib"] for r in runs),
            "rows": runs[0]["rows"],
            "runs": len(runs),
        }
        print(
            f"{kind:16} {suffix:6} rows={runs[0]['rows']:,} median {results[f'{kind} {suffix}']['median_seconds']:.1f} s, peak {results[f'{kind} {suffix}']['median_peak_mib']:.0f} MiB ({len(runs)} run(s))",
            file=sys.stderr,
        )
    base = results["pandas-openpyxl .xlsx"]
    print(f"\n{'contender':28} {'rows':>10} {'median s':>9} {'peak MiB':>9} {'time vs baseline':>17}")
    for name, r in results.items():
        print(
            f"{name:28} {r['rows']:>10,} {r['median_seconds']:>9.1f} {r['median_peak_mib']:>9.0f} {r['median_seconds'] / base['median_seconds']:>16.2f}x"
        )
    print("\nbaseline: pandas.read_excel(engine='openpyxl', dtype=str), reading only; crime-outcomes reads, validates and stores.")


if __name__ == "__main__":
    main()
