"""Benchmark: ingest outcomes workbooks against bare readers of the same files.

Single-file mode (the default) sets one full-size workbook against pandas.read_excel
(openpyxl). Multi-file mode (``--files N``) ingests N published-layout workbooks (the real
2017/18 extract laid out as published, labelled as N successive years; every fourth is ods,
the others xlsx) into an empty store in one call, against fastexcel reading every sheet of
the same files as text, one file after another and in parallel on the same number of
processes. Each contender runs in a fresh subprocess; peak memory is the largest total
resident memory of that subprocess and its children, sampled every 50 ms.

    python bench/ingest.py --files 12 [--repeat 1] [--workers N] [--steps]

With ``--steps`` the same processes also read the files with each stage of crime-outcomes
added in turn (the guards, then finding the header row, then validating every cell), with no
store, so the report says what each stage costs against the bare read.

Single-file mode: a synthetic sheet of the real shape at the spreadsheet's limit (1,040,000 data rows, xlsx
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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "crime-outcomes-bench"
FIRST_YEAR_ENDING = 2015  # the multi-file set starts with 2014/15
# --steps: what each stage of crime-outcomes adds to the bare read, in the same processes (contender: child kind).
STEPS = {
    "+ guards (zip and XML checks)": "guards",
    "+ header row found (read_file)": "reader",
    "+ every cell validated (normalise)": "normalise",
}

MULTI_CHILD = r"""
import inspect, json, sys, time
from pathlib import Path
kind, workers, store, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], [Path(p) for p in sys.argv[4:]]
t = time.perf_counter()
if kind == "crime-outcomes":
    from crime_outcomes.pipeline import ingest
    from crime_outcomes.store import Store
    options = {"workers": workers} if "workers" in inspect.signature(ingest).parameters else {}
    with Store.open(Path(store)) as s:
        reports = ingest(s, paths, **options)
    rows = sum(r.rows_read for r in reports)
    assert all(r.rows_read == r.rows_loaded + r.rows_rejected for r in reports)
    assert all(r.status == "loaded" for r in reports), [r.status for r in reports]
else:
    import fastexcel
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def fastexcel_read(path):
        reader = fastexcel.read_excel(path)
        return sum(reader.load_sheet(i, header_row=None, dtypes="string").to_arrow().num_rows for i in range(len(reader.sheet_names)))

    def guards_then_fastexcel(path):
        from crime_outcomes.readers.guards import check_spreadsheet_container
        from crime_outcomes.settings import limits_from_env

        check_spreadsheet_container(path, limits_from_env())
        return fastexcel_read(path)

    def reader(path):
        from crime_outcomes.readers import read_file

        return sum(raw.num_rows for raw in read_file(path, []))

    def reader_and_normalise(path):
        from crime_outcomes.normalise.rows import normalise_sheet
        from crime_outcomes.readers import read_file
        from crime_outcomes.sources.filenames import year_from_filename

        return sum(normalise_sheet(raw, expected_year=year_from_filename(path.name)).rows_read for raw in read_file(path, []))

    read = {"fastexcel": fastexcel_read, "guards": guards_then_fastexcel, "reader": reader, "normalise": reader_and_normalise}[kind]
    if workers == 1:
        rows = sum(read(p) for p in paths)
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            rows = sum(pool.map(read, paths))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""

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


def _published_name(index: int, suffix: str) -> str:
    return f"prc-outcomes-open-data-mar{FIRST_YEAR_ENDING + index}-tables{suffix}"


def _write_published(index: int, path: Path) -> None:
    """The real extract in the published layout, its year column relabelled (benchmark input only)."""
    from crime_outcomes.testing.workbooks import HEADERS_2019, extract_rows, write_outcomes_workbook

    year = f"{FIRST_YEAR_ENDING + index - 1}/{(FIRST_YEAR_ENDING + index) % 100:02d}"
    at = HEADERS_2019.index("Financial Year")
    rows = ([*r[:at], year, *r[at + 1 :]] for r in extract_rows(headers=HEADERS_2019))
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    write_outcomes_workbook(tmp, rows, HEADERS_2019, sheet_name=f"Outcomes_open_data__{year.replace('/', '-')}")
    tmp.rename(path)


def ensure_published(files: int) -> list[Path]:
    """``files`` published-layout workbooks, one per year from 2014/15; every fourth is ods."""
    from concurrent.futures import ProcessPoolExecutor

    folder = CACHE / "published"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / _published_name(i, ".ods" if i % 4 == 3 else ".xlsx") for i in range(files)]
    missing = [(i, p) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        t = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_write_published, *zip(*missing, strict=True)))
        print(f"wrote {len(missing)} published-layout workbook(s) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return paths


def xlsx_and_ods() -> tuple[Path, Path]:
    """The first xlsx and the first ods of the published-layout set, for the single-file benchmarks."""
    paths = ensure_published(4)  # files 0-2 are xlsx, file 3 is ods
    return paths[0], paths[3]


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_multi(kind: str, workers: int, paths: list[Path]) -> dict[str, float]:
    """One contender in a fresh subprocess, its process tree's memory sampled as it runs."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-c", MULTI_CHILD, kind, str(workers), str(Path(tmp) / "s.duckdb"), *map(str, paths)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_bytes(proc.pid))
            time.sleep(0.05)
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mib"] = peak / (1 << 20)
    return result


def main_multi(args: argparse.Namespace) -> None:
    paths = ensure_published(args.files)
    workers = args.workers or min(len(paths), os.cpu_count() or 1)
    kinds = [("crime-outcomes", workers, args.repeat), ("fastexcel serial", 1, args.baseline_repeat)]
    if workers > 1:
        kinds.append(("fastexcel parallel", workers, args.baseline_repeat))
    if args.steps:
        kinds += [(name, workers, args.baseline_repeat) for name in STEPS]
    # Round-robin, one run of each contender in turn: this machine's speed drifts over minutes, and
    # contenders run in the same stretch of time compare fairly.
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in kinds}
    for turn in range(max(repeat for _, _, repeat in kinds)):
        for name, w, repeat in kinds:
            if turn < repeat:
                runs[name].append(run_multi(STEPS.get(name, name.split()[0]), w, paths))
                print(f"{name:36} run {turn + 1}: {runs[name][-1]['seconds']:.1f} s", file=sys.stderr)
    results: dict[str, dict[str, float]] = {}
    for name, w, _ in kinds:
        results[name] = {
            "median_seconds": statistics.median(r["seconds"] for r in runs[name]),
            "peak_mib": max(r["peak_mib"] for r in runs[name]),
            "rows": runs[name][0]["rows"],
            "workers": w,
        }
    ods = sum(p.suffix == ".ods" for p in paths)
    print(
        f"\n{len(paths)} published-layout files ({len(paths) - ods} xlsx, {ods} ods), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'contender':36} {'processes':>9} {'rows':>10} {'median s':>9} {'peak MiB':>9}")
    for name, r in results.items():
        print(f"{name:36} {r['workers']:>9} {r['rows']:>10,} {r['median_seconds']:>9.1f} {r['peak_mib']:>9.0f}")
    ours = results["crime-outcomes"]["median_seconds"]
    print(f"\ncrime-outcomes / fastexcel serial:   {ours / results['fastexcel serial']['median_seconds']:.2f}x")
    if "fastexcel parallel" in results:
        print(f"crime-outcomes / fastexcel parallel: {ours / results['fastexcel parallel']['median_seconds']:.2f}x")
    if args.steps:
        base = results["fastexcel parallel" if "fastexcel parallel" in results else "fastexcel serial"]["median_seconds"]
        print("\nWhere the time goes, each step with all before it, same processes, against the bare fastexcel read:")
        for name in ["fastexcel parallel" if workers > 1 else "fastexcel serial", *STEPS, "crime-outcomes"]:
            print(f"  {name:34} {results[name]['median_seconds']:6.1f} s  {results[name]['median_seconds'] / base:.2f}x")
    print(f"crime-outcomes peak memory (all its processes): {results['crime-outcomes']['peak_mib']:,.0f} MiB")
    print("fastexcel reads every sheet as text and nothing else; crime-outcomes also guards, validates, normalises and stores.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_040_000)
    parser.add_argument("--repeat", type=int, default=None, help="runs of crime-outcomes (default 3; 1 with --files)")
    parser.add_argument("--baseline-repeat", type=int, default=1)
    parser.add_argument("--files", type=int, default=0, help="multi-file mode: ingest this many published-layout years at once")
    parser.add_argument("--workers", type=int, default=0, help="multi-file mode: processes (default: the cores, at most one per file)")
    parser.add_argument(
        "--steps", action="store_true", help="multi-file mode: also time the read with each stage of crime-outcomes added, without a store"
    )
    args = parser.parse_args()
    if args.files:
        args.repeat = args.repeat or 1
        main_multi(args)
        return
    args.repeat = args.repeat or 3
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
