"""Shared fixtures: the real 2017/18 extract and independent sums computed from it.

The extract lives in the project's shared data folder beside the repository
(``../shared/data``), as on every developer machine and in CI. Expectations are computed
from that CSV with the standard library only, never through the code under test.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXTRACT_NAME = "outcomes-2017-18-may2019-extract.csv.gz"


def find_extract() -> Path | None:
    candidates = [
        os.environ.get("CRIME_OUTCOMES_EXTRACT"),
        str(REPO.parent / "shared" / "data" / EXTRACT_NAME),
        str(Path("/work/shared/data") / EXTRACT_NAME),
    ]
    for c in candidates:
        if c and Path(c).exists():
            return Path(c)
    return None


@dataclass
class ExtractSums:
    """Plain-Python sums over the real extract (the trailing all-NA row dropped)."""

    rows: int = 0
    closed_by_type: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    recorded_by_type: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    force_closed_all: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # types 1-22
    force_recorded_all: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    force_type_closed: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    force_code_type_closed: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    type0_rows: int = 0
    negative_cells: int = 0
    min_value: int = 0
    codes: set[str] = field(default_factory=set)


@pytest.fixture(scope="session")
def extract_path() -> Path:
    path = find_extract()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"the real extract {EXTRACT_NAME} is missing from ../shared/data")
        pytest.skip(f"the real extract {EXTRACT_NAME} is not beside the repository (../shared/data)")
    return path


@pytest.fixture(scope="session")
def extract_sums(extract_path: Path) -> ExtractSums:
    sums = ExtractSums()
    with gzip.open(extract_path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] == "NA":
                continue
            sums.rows += 1
            t = int(rec["outcome_type"])
            force = rec["force_name"]
            sums.codes.add(rec["offence_code"])
            recorded = int(rec["offences"])
            closed_text = rec["force_outcomes_recorded_in_quarter"]
            closed = None if closed_text == "NA" else int(closed_text)
            for v in (recorded, closed):
                if v is not None and v < 0:
                    sums.negative_cells += 1
                    sums.min_value = min(sums.min_value, v)
            if t == 0:
                sums.type0_rows += 1
            sums.recorded_by_type[t] += recorded
            if closed is not None:
                sums.closed_by_type[t] += closed
                sums.force_type_closed[(force, t)] += closed
                sums.force_code_type_closed[(force, rec["offence_code"], t)] += closed
            if 1 <= t <= 22:
                sums.force_closed_all[force] += closed or 0
                sums.force_recorded_all[force] += recorded
    return sums
