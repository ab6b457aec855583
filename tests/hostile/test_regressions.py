"""Inputs the fuzzer (fuzz/fuzz_readers.py) once crashed on, kept so they never do again.

Each file goes through the same path as the fuzz target (read every sheet, normalise it)
in a subprocess, so a native abort fails this test instead of killing pytest. The only
acceptable outcomes are rows or one of the tool's own errors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*"))

READ = """
import sys
from pathlib import Path
from crime_outcomes.errors import CrimeOutcomesError
from crime_outcomes.normalise.rows import normalise_sheet
from crime_outcomes.readers import read_file
try:
    for raw in read_file(Path(sys.argv[1]), []):
        normalise_sheet(raw)
    print("read")
except CrimeOutcomesError as exc:
    print(f"refused (exit {exc.exit_code}): {exc}")
"""


def test_there_are_regressions() -> None:
    assert REGRESSIONS


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzz_finding_no_longer_crashes(path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith(("read", "refused")), done.stdout
