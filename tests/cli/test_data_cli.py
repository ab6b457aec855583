"""The ingest, status and sql commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crime_outcomes.cli import app
from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

ROWS = [
    [
        "2017/18",
        1,
        "Kent",
        "Blackmail",
        "Theft offences",
        "Other theft",
        "35",
        None,
        "Community Resolution",
        "Out-of-court (informal)",
        8,
        4,
        3,
    ],
    ["2017/18", 1, "Kent", "Blackmail", "Theft offences", "Other theft", "35", None, "Charged/Summonsed", "Charged/Summonsed", 1, 10, 9],
    [
        "2017/18",
        1,
        "Nowhere Constabulary",
        "Blackmail",
        "Theft offences",
        "Other theft",
        "35",
        None,
        "Charged/Summonsed",
        "Charged/Summonsed",
        1,
        10,
        9,
    ],
]


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(db), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "crime_outcomes", *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    return write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-200718.ods", ROWS, HEADERS_2019)


@pytest.mark.slow
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


@pytest.mark.slow  # runs the CLI in a subprocess
def test_sql_is_read_only(tmp_path: Path, book: Path):
    db = tmp_path / "store.duckdb"
    run("ingest", str(book), db=db)
    done = run("sql", "DELETE FROM outcomes", db=db)
    assert done.returncode == 2
    assert "read-only" in done.stderr.lower() or "read only" in done.stderr.lower()
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # runs the CLI in a subprocess
def test_rejected_file_exit_code_and_message(tmp_path: Path):
    db = tmp_path / "store.duckdb"
    bad = tmp_path / "not a workbook.xlsx"
    bad.write_text("hello")
    done = run("ingest", str(bad), db=db)
    assert done.returncode == 3
    assert "not a workbook.xlsx" in done.stderr and "not a spreadsheet" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # runs the CLI in a subprocess
def test_empty_store_uses_the_sample_with_a_notice(tmp_path: Path):
    db = tmp_path / "empty.duckdb"
    done = run("sql", "SELECT sum(closed) FROM outcomes WHERE outcome_type = 8", "--format", "json", db=db)
    assert json.loads(done.stdout) == [{"sum(closed)": 101893}]
    table = run("status", db=db)
    assert "2017/18 sample; expired offence codes absent" in table.stderr


@pytest.mark.slow
def test_export_and_migrate_commands(tmp_path: Path, book: Path):
    db = tmp_path / "store.duckdb"
    assert run("ingest", str(book), db=db).returncode == 0
    done = run("export", "--format", "csv", "--out", str(tmp_path / "out"), db=db)
    assert done.returncode == 0, done.stderr
    assert "Exported 17 tables" in " ".join(done.stdout.split())
    assert (tmp_path / "out" / "outcomes.csv").read_text(encoding="utf-8").count("\n") == 3  # header and Kent's two rows
    again = run("export", "--out", str(tmp_path / "out"), db=db)
    assert again.returncode == 2 and "not an empty folder" in " ".join(again.stderr.split())
    assert run("export", "--format", "xml", "--out", str(tmp_path / "x"), db=db).returncode == 2
    current = run("migrate", db=db)
    assert current.returncode == 0 and "is up to date (schema version 4)" in " ".join(current.stdout.split())


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sql")
    book = write_outcomes_workbook(d / "prc-outcomes-open-data-mar2018-tables-200718.ods", ROWS, HEADERS_2019)
    db = d / "store.duckdb"
    assert run("ingest", str(book), db=db).returncode == 0
    return db


@pytest.mark.parametrize(
    "query",
    [
        "COPY (SELECT 42) TO '{out}'",
        "SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM '{secret}'",
        "ATTACH '{other}' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET threads = 1",
        "EXPORT DATABASE '{folder}'",
    ],
)
def test_sql_reaches_nothing_but_the_store(tmp_path: Path, small_store: Path, query: str):
    """Read-only for real: no file is written or read, nothing attached, installed or set."""
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    out, other, folder = tmp_path / "out.csv", tmp_path / "other.duckdb", tmp_path / "export"
    sql = query.format(out=out, secret=secret, other=other, folder=folder)
    # In-process: the guard belongs to the store connection each command opens afresh, and a subprocess costs a second a query.
    done = CliRunner().invoke(app, ["sql", sql, "--format", "json"], env={"CRIME_OUTCOMES_DB": str(small_store), "COLUMNS": "200"})
    assert done.exit_code == 2, done.stdout
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert "SQL refused" in done.stderr and "--allow-files" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert not out.exists() and not other.exists() and not folder.exists()


@pytest.mark.slow
def test_sql_allow_files_opts_in(tmp_path: Path, small_store: Path):
    db = small_store
    secret = tmp_path / "data.csv"
    secret.write_text("a\n41\n")
    out = tmp_path / "out.csv"
    read = run("sql", f"SELECT a + 1 AS b FROM read_csv('{secret}')", "--format", "json", "--allow-files", db=db)
    assert json.loads(read.stdout) == [{"b": 42}], read.stderr
    wrote = run("sql", f"COPY (SELECT count(*) AS n FROM outcomes) TO '{out}'", "--allow-files", db=db)
    assert wrote.returncode == 0, wrote.stderr
    assert out.read_text().split() == ["n", "2"]
    still_read_only = run("sql", "DELETE FROM outcomes", "--allow-files", db=db)
    assert still_read_only.returncode == 2 and "SQL error" in still_read_only.stderr
    locked = run("sql", "SELECT count(*) AS n FROM outcomes", "--format", "json", db=db)
    assert json.loads(locked.stdout) == [{"n": 2}]


@pytest.mark.slow
def test_ingest_of_a_newer_edition_counts_the_revised_figures_and_changes_names_them(book: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    assert run("ingest", str(book), db=db).returncode == 0
    revised = [list(r) for r in ROWS]
    revised[0][11:13] = [6, 5]  # Kent's community resolutions: recorded 4 -> 6, closed 3 -> 5
    newer = write_outcomes_workbook(tmp_path / "prc-outcomes-open-data-mar2018-tables-170818.ods", revised, HEADERS_2019)

    loaded = run("ingest", str(newer), db=db)

    assert loaded.returncode == 0, loaded.stderr
    said = " ".join(loaded.stdout.split())
    assert "replaced an older edition; 2 force-year figures changed (`crime-outcomes changes` says which, force by force)" in said
    changed = " ".join(run("changes", db=db).stdout.split())
    assert "Revised: 2017/18, community resolutions (type 8), closed basis: 3 to 5 (+2)." in changed
    assert "Revised: 2017/18, community resolutions (type 8), recorded basis: 4 to 6 (+2)." in changed
