"""Export: every table, read back by DuckDB from the files alone, gives the store's figures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crime_outcomes.errors import ExportError
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import SCHEMA_VERSION, Store
from crime_outcomes.store.export import export

TOTALS = "SELECT financial_year, force, sum(recorded), sum(closed), count(*) FROM {src} GROUP BY ALL ORDER BY ALL"


@pytest.fixture(scope="module")
def sample() -> Store:
    store = open_sample_store()
    yield store
    store.close()


@pytest.fixture(scope="module")
def parquet_export(sample: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "parquet"
    export(sample, out)
    return out


def test_parquet_read_back_gives_the_same_totals_per_year_and_force(sample: Store, parquet_export: Path) -> None:
    con = duckdb.connect()
    back = con.execute(TOTALS.format(src=f"read_parquet('{parquet_export}/outcomes/*.parquet')")).fetchall()
    assert back == sample.fetchall(TOTALS.format(src="outcomes"))
    assert len(back) == 44  # the 43 territorial forces and British Transport Police, one year
    # The README's figures for West Midlands, from the exported files alone.
    cr, all_outcomes = con.execute(
        f"""SELECT sum(closed) FILTER (WHERE outcome_type = 8), sum(closed) FILTER (WHERE outcome_type BETWEEN 1 AND 22)
            FROM read_parquet('{parquet_export}/outcomes/*.parquet') WHERE force = 'West Midlands'"""
    ).fetchone()
    assert (cr, all_outcomes) == (3834, 229297)
    annual = con.execute(
        TOTALS.replace("count(*)", "0").format(src=f"read_parquet('{parquet_export}/outcomes_annual/*.parquet')")
    ).fetchall()
    assert [r[:4] for r in annual] == [r[:4] for r in back]


def test_every_table_is_written_with_its_rows_and_columns(sample: Store, parquet_export: Path) -> None:
    manifest = json.loads((parquet_export / "manifest.json").read_text(encoding="utf-8"))
    counts = sample.table_counts()
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == counts
    con = duckdb.connect()
    for table in manifest["tables"]:
        files = [str(parquet_export / f) for f in table["files"]]
        assert files, table["name"]
        rel = con.execute("SELECT * FROM read_parquet(?)", [files])
        assert [d[0] for d in rel.description] == [c["name"] for c in table["columns"]], table["name"]
        assert len(rel.fetchall()) == counts[table["name"]], table["name"]
        if table["partitioned_by"]:
            years = con.execute("SELECT DISTINCT financial_year FROM read_parquet(?) ORDER BY 1", [files]).fetchall()
            assert [f.rsplit("/", 1)[-1] for f in table["files"]] == (
                [f"{y.replace('/', '-')}.parquet" for (y,) in years] or ["empty.parquet"]
            )
    assert (parquet_export / "outcomes" / "2017-18.parquet").is_file()
    assert manifest["sample"] is True and manifest["schema_version"] == SCHEMA_VERSION == "4"
    assert [e["file_name"] for e in manifest["editions"]] == ["outcomes-2017-18-sample.parquet"]
    readme = (parquet_export / "README.md").read_text(encoding="utf-8")
    assert "| outcomes | 450,912 | outcomes/ (one file per financial year) |" in readme
    assert "May 2019 edition" in readme


def test_offence_codes_stay_text(parquet_export: Path) -> None:
    con = duckdb.connect()
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet_export}/outcomes/*.parquet')").fetchall()}
    assert types["offence_code"] == "VARCHAR" and types["closed"] == "BIGINT"


def test_csv_read_back_gives_the_same_totals(sample: Store, tmp_path: Path) -> None:
    result = export(sample, tmp_path / "csv", format="csv")
    assert sorted(p.name for p in result.files) == sorted(f"{t}.csv" for t in sample.table_counts())
    con = duckdb.connect()
    back = con.execute(TOTALS.format(src=f"read_csv('{tmp_path}/csv/outcomes.csv', types={{'offence_code': 'VARCHAR'}})")).fetchall()
    assert back == sample.fetchall(TOTALS.format(src="outcomes"))


def test_a_folder_in_use_is_refused(sample: Store, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="not an empty folder"):
        export(sample, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    with pytest.raises(ExportError, match="unknown export format 'xml'"):
        export(sample, tmp_path / "new", format="xml")  # type: ignore[arg-type]
