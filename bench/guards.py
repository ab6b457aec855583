"""Benchmark: the reader's guards (readers/guards.py) on one published-layout xlsx and one ods.

Times ``check_spreadsheet_container`` (zip checks, inflating every part, the scans) on the
first xlsx and the first ods of the multi-file ingest set (bench/ingest.py writes them),
against two baselines measured in the same run and process: the same call with no scans
(the floor: inflating and checking sizes and CRCs) and with the scans as they were before
the native pre-checks (every row or cell tag through Python's re). Wall time and CPU time
(all threads), median of ``--repeat`` runs each.

    python bench/guards.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from common import median_seconds
from ingest import xlsx_and_ods

from crime_outcomes.readers import guards
from crime_outcomes.settings import Limits
from crime_outcomes.testing.guard_scans import ReferenceOds, ReferenceXlsx


def timed(path: Path, repeat: int) -> tuple[float, float, guards.ContainerCheck]:
    return median_seconds(lambda: guards.check_spreadsheet_container(path, Limits()), repeat)


def with_patches(patches: dict[str, object], path: Path, repeat: int) -> tuple[float, float, guards.ContainerCheck]:
    saved = {name: getattr(guards, name) for name in patches}
    try:
        for name, value in patches.items():
            setattr(guards, name, value)
        return timed(path, repeat)
    finally:
        for name, value in saved.items():
            setattr(guards, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start; median of {args.repeat}; seconds wall / CPU (all threads)")
    for path in xlsx_and_ods():
        floor = with_patches({"_scanner_for": lambda *a: None}, path, args.repeat)
        before = with_patches({"_XlsxScanner": ReferenceXlsx, "_OdsContentScanner": ReferenceOds}, path, args.repeat)
        now = timed(path, args.repeat)
        assert now[2] == before[2], "the guards' verdict changed"
        print(
            f"{path.name} ({path.stat().st_size / 1e6:.1f} MB): guards {now[0]:.2f} / {now[1]:.2f} s; "
            f"previous scans {before[0]:.2f} / {before[1]:.2f} s ({before[0] / now[0]:.1f}x the wall time now); "
            f"inflating alone {floor[0]:.2f} / {floor[1]:.2f} s (guards {now[0] / floor[0]:.2f}x); same verdict"
        )
    print(f"load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
