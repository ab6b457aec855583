"""Benchmark: ``normalise_sheet`` (every cell validated and sorted into loaded, alternate and
rejected) on the data sheet of one published-layout xlsx and one ods (450,912 rows each).

The sheets are read once with ``read_file``; then each is normalised ``--repeat`` times, and
the floor is measured in the same run and process: the same table to Polars with the same
columns cast (year and codes as text, quarter and type to Int8, counts to Int64, non-numbers
to null) and no check at all. CPU time (all threads) and wall time, medians.

    python bench/normalise.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os

import polars as pl
from common import median_seconds
from ingest import xlsx_and_ods

from crime_outcomes.normalise.headers import map_headers
from crime_outcomes.normalise.rows import normalise_sheet
from crime_outcomes.readers import read_file
from crime_outcomes.readers.base import RawSheet

INTEGERS = {"quarter": pl.Int8, "outcome_type": pl.Int8, "recorded": pl.Int64, "closed": pl.Int64}


def floor(raw: RawSheet) -> pl.DataFrame:
    """The published columns to Polars and cast, with nothing checked."""
    frame = pl.from_arrow(raw.table)
    assert isinstance(frame, pl.DataFrame)
    columns = map_headers(raw).columns
    return frame.select([pl.col(col).cast(INTEGERS.get(fld, pl.String), strict=False).alias(fld) for fld, col in columns.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start; median of {args.repeat}; seconds CPU (all threads) / wall")
    for path in xlsx_and_ods():
        raw = next(iter(read_file(path)))
        sheet = normalise_sheet(raw)
        assert sheet.rows_read == raw.num_rows, "every row read is accounted for"
        now_wall, now_cpu, _ = median_seconds(lambda raw=raw: normalise_sheet(raw), args.repeat)
        base_wall, base_cpu, _ = median_seconds(lambda raw=raw: floor(raw), args.repeat)
        print(
            f"{path.name} ({raw.num_rows:,} rows): normalise_sheet {now_cpu:.3f} / {now_wall:.3f} s; "
            f"floor (cast, no checks) {base_cpu:.3f} / {base_wall:.3f} s; normalise_sheet {now_cpu / base_cpu:.1f}x the floor's CPU"
        )
    print(f"load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
