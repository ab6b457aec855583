"""``crime-outcomes update`` killed at crash points in downloading and in loading (the
fixture server on loopback stands in for GOV.UK): the store opens, ``status`` works, its
contents are those before or after the update, and the next update finishes the job.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from test_crash_points import PENDING, classify, state  # noqa: E402

from crime_outcomes.faults import CRASH_ENV  # noqa: E402
from crime_outcomes.testing.workbooks import HEADERS_2019, synthetic_rows, write_outcomes_workbook  # noqa: E402

pytestmark = pytest.mark.slow

TITLE = "Outcomes open data year ending March 2018"
OLD, NEW = "prc-outcomes-open-data-mar2018-tables-230519.xlsx", "prc-outcomes-open-data-mar2018-tables-180719.xlsx"
BEFORE, AFTER, EITHER = "before", "after", "either"
POINTS = [
    ("download.part", BEFORE),
    ("download.placed", BEFORE),
    ("ingest.read", BEFORE),
    ("load.main", BEFORE),
    ("load.commit:2", EITHER),
    ("load.committed", PENDING),
    ("store.checkpoint:2", AFTER),
]


def update(server_url: str, downloads: Path, db: Path, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    env.pop("CRIME_OUTCOMES_DB", None)
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    args = [
        sys.executable,
        "-m",
        "crime_outcomes",
        "update",
        "--govuk-base",
        server_url,
        "--dir",
        str(downloads),
        "--db",
        str(db),
        "--years",
        "2017/18",
    ]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)


def book(tmp_path: Path, name: str, seed: int) -> bytes:
    (tmp_path / "books").mkdir(exist_ok=True)
    rows = [list(r) for r in synthetic_rows(8_000, seed, headers=HEADERS_2019)]
    return write_outcomes_workbook(tmp_path / "books" / name, rows, HEADERS_2019).read_bytes()


def test_an_update_killed_at_any_point_leaves_the_store_before_or_after(server, publication, tmp_path: Path) -> None:  # noqa: ANN001 - fixtures
    publication.entries = []
    publication.add(TITLE, OLD, book(tmp_path, OLD, 1))
    base_dl, base_db = tmp_path / "dl", tmp_path / "store.duckdb"
    first = update(server.url, base_dl, base_db)
    assert first.returncode == 0, first.stdout + first.stderr
    before = state(base_db)

    publication.entries = []
    publication.add(TITLE, NEW, book(tmp_path, NEW, 2))
    ref_dl, ref_db = tmp_path / "ref-dl", tmp_path / "ref.duckdb"
    shutil.copytree(base_dl, ref_dl)
    shutil.copy(base_db, ref_db)
    done = update(server.url, ref_dl, ref_db)
    assert done.returncode == 0 and "replaced" in done.stdout, done.stdout + done.stderr
    after = state(ref_db)
    assert after != before

    def one(index: int, point: str) -> tuple[int, int, str, dict[str, tuple[int, str]], int, dict[str, tuple[int, str]]]:
        dl, db = tmp_path / f"dl-{index}", tmp_path / f"store-{index}.duckdb"
        shutil.copytree(base_dl, dl)
        shutil.copy(base_db, db)
        killed = update(server.url, dl, db, crash=point)
        status = subprocess.run(
            [sys.executable, "-m", "crime_outcomes", "status", "--db", str(db)], capture_output=True, text=True, timeout=600
        )
        got = state(db)
        again = update(server.url, dl, db)
        return killed.returncode, status.returncode, status.stdout + status.stderr, got, again.returncode, state(db)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda a: one(*a), enumerate(p for p, _ in POINTS)))
    for (point, expected), (code, status_code, status_out, got, again_code, finally_) in zip(POINTS, runs, strict=True):
        if ":" not in point:
            assert code == -signal.SIGKILL, f"{point}: exit {code}, the crash point was never reached"
        assert status_code == 0 and "Row accounting" in status_out, f"{point}: {status_out[-1500:]}"
        seen = classify(got, before, after)
        assert seen is not None, f"{point}: the store is a mixture of before and after"
        if expected != EITHER:
            assert seen == expected, f"{point}: expected {expected}, found {seen}"
        assert again_code == 0 and finally_ == after, f"{point}: the next update did not finish the job"


def test_fetch_onto_a_full_disk_says_so(server, publication, tmp_path: Path) -> None:  # noqa: ANN001 - fixtures
    """A downloads folder on a small full disk (a tmpfs; CI runs as root): the reader's
    message and exit 4, no traceback, and no half-written file left as if complete."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root, as in CI): {done.stderr.strip() or done.returncode}")
    try:
        publication.entries = []
        publication.add(TITLE, NEW, os.urandom(1 << 20))  # 1 MB: more than the disk holds
        env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
        env.pop(CRASH_ENV, None)
        args = [sys.executable, "-m", "crime_outcomes", "fetch", "--govuk-base", server.url, "--dir", str(mount), "--years", "2017/18"]
        fetched = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
        out = " ".join((fetched.stdout + fetched.stderr).split())
        assert fetched.returncode == 4, out
        assert (
            f"the disk holding the downloads folder {mount} is full: the files downloaded before are kept and an unfinished one resumes next time; free space and run again"
            in out
        )
        assert "Traceback" not in out
        assert not (mount / NEW).exists()
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
