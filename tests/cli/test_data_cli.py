"""The ingest, status and sql commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

ROWS = [
    ["2017/18", 1, "Kent", "Blackmail", "Theft offences", "Other theft", "35", None, "Community Resolution", "Out-of-court (informal)", 8, 4, 3],
    ["2017/18", 1, "Kent", "Blackmail", "Theft offences", "Other theft", "35", None, "Charged/Summonsed", "Charged/Summonsed", 1, 10, 9],
    ["2017/18", 1, "Nowhere Constabulary", "Blackmail", "Theft offences", "Other theft", "35", None, "Charged/Summonsed", "Charged/Summonsed", 1, 10, 9],
]


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(db), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "crime_outcomes", *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    return write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-200718.ods", ROWS, HEADERS_2019)


def test_ingest_status_sql(tmp_path: Path, book: Path):
    db = tmp_path / "store.duckdb"
    done = run("ingest", str(book), db=db)
    assert done.returncode == 0, done.stderr
    assert "Ingest summary" in done.stdout
    assert "1 row(s) rejected: unknown force name" in done.stdout
    status = run("status", "--json", db=db)
    data = json.loads(status.stdout)
    assert data["accounting"] == {"rows_read": 3, "rows_loaded": 2, "rows_alternate": 0, "rows_rejected": 1}
    assert data["rejections"][0]["column_name"] == "Force Name" and data["rejections"][0]["first_row"] == 4
    out = run("sql", "SELECT force, sum(closed) AS cr FROM outcomes WHERE outcome_type = 8 GROUP BY 1", "--format", "json", db=db)
    assert json.loads(out.stdout) == [{"force": "Kent", "cr": 3}]
    csv_out = run("sql", "SELECT offence_code FROM outcomes LIMIT 1", "--format", "csv", db=db)
    assert csv_out.stdout == "offence_code\n35\n"


def test_sql_is_read_only(tmp_path: Path, book: Path):
    db = tmp_path / "store.duckdb"
    run("ingest", str(book), db=db)
    done = run("sql", "DELETE FROM outcomes", db=db)
    assert done.returncode == 2
    assert "read-only" in done.stderr.lower() or "read only" in done.stderr.lower()
    assert "Traceback" not in done.stderr


def test_rejected_file_exit_code_and_message(tmp_path: Path):
    db = tmp_path / "store.duckdb"
    bad = tmp_path / "not a workbook.xlsx"
    bad.write_text("hello")
    done = run("ingest", str(bad), db=db)
    assert done.returncode == 3
    assert "not a workbook.xlsx" in done.stderr and "not a spreadsheet" in done.stderr
    assert "Traceback" not in done.stderr


def test_empty_store_uses_the_sample_with_a_notice(tmp_path: Path):
    db = tmp_path / "empty.duckdb"
    done = run("sql", "SELECT sum(closed) FROM outcomes WHERE outcome_type = 8", "--format", "json", db=db)
    assert json.loads(done.stdout) == [{"sum(closed)": 101893}]
    table = run("status", db=db)
    assert "2017/18 sample; expired offence codes absent" in table.stderr


def test_export_and_migrate_commands(tmp_path: Path, book: Path):
    db = tmp_path / "store.duckdb"
    assert run("ingest", str(book), db=db).returncode == 0
    done = run("export", "--format", "csv", "--out", str(tmp_path / "out"), db=db)
    assert done.returncode == 0, done.stderr
    assert "Exported 12 tables" in " ".join(done.stdout.split())
    assert (tmp_path / "out" / "outcomes.csv").read_text(encoding="utf-8").count("\n") == 3  # header and Kent's two rows
    again = run("export", "--out", str(tmp_path / "out"), db=db)
    assert again.returncode == 2 and "not an empty folder" in " ".join(again.stderr.split())
    assert run("export", "--format", "xml", "--out", str(tmp_path / "x"), db=db).returncode == 2
    current = run("migrate", db=db)
    assert current.returncode == 0 and "is up to date (schema version 2)" in " ".join(current.stdout.split())
