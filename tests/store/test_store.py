"""Opening stores: schema versions read and brought forward, the sample flag, clear refusals.

The version-1, -2 and -3 fixtures are built with the DDL exactly as it was before
``outcomes_annual`` (``data/schema_v1.sql``), before ``outcomes_wide`` (``data/schema_v2.sql``) and
before ``source_years`` and the lead snapshots (``data/schema_v3.sql``) existed, all from the
repository's history, and filled with the rows a load writes into those tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crime_outcomes.errors import StoreError
from crime_outcomes.store import SCHEMA_VERSION, Store
from crime_outcomes.store import store as store_module
from crime_outcomes.store.bundled import SAMPLE_LABEL, sample_path
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

V1_SCHEMA = Path(__file__).parent / "data" / "schema_v1.sql"
V2_SCHEMA = Path(__file__).parent / "data" / "schema_v2.sql"
V3_SCHEMA = Path(__file__).parent / "data" / "schema_v3.sql"
V1_TABLES = [
    "meta",
    "sources",
    "outcomes",
    "alternate_outcomes",
    "recorded_crime",
    "forces",
    "offences",
    "outcome_types",
    "outcome_labels",
    "rejected_rows",
    "revisions",
]
ANNUAL_MATCHES = """SELECT count(*) FROM (
    (SELECT financial_year, force, offence_code, outcome_type, sum(recorded), sum(closed) FROM outcomes GROUP BY ALL
     EXCEPT SELECT * FROM outcomes_annual)
    UNION ALL
    (SELECT * FROM outcomes_annual
     EXCEPT SELECT financial_year, force, offence_code, outcome_type, sum(recorded), sum(closed) FROM outcomes GROUP BY ALL))"""


def make_v1(fresh: Path, target: Path, *, annual_left_empty: bool = False) -> None:
    """A version-1 store holding what ``fresh`` (a current store) holds, minus ``outcomes_annual``.

    ``annual_left_empty`` gives the store an earlier release left behind when it opened a
    version-1 store for writing: the table created, empty, and the version still 1.
    """
    con = duckdb.connect(str(target))
    con.execute(V1_SCHEMA.read_text(encoding="utf-8"))
    con.execute(f"ATTACH '{fresh}' AS fresh (READ_ONLY)")
    for table in V1_TABLES:
        con.execute(f"INSERT INTO {table} SELECT * FROM fresh.{table}")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    if annual_left_empty:
        con.execute(
            "CREATE TABLE outcomes_annual (financial_year TEXT NOT NULL, force TEXT NOT NULL, offence_code TEXT NOT NULL, outcome_type TINYINT NOT NULL, recorded BIGINT, closed BIGINT)"
        )
    con.execute("DETACH fresh")
    con.close()


def make_v2(fresh: Path, target: Path) -> None:
    """A version-2 store (DDL as it was before ``outcomes_wide`` and ``outcomes_missing``) holding what ``fresh`` holds."""
    con = duckdb.connect(str(target))
    con.execute(V2_SCHEMA.read_text(encoding="utf-8"))
    con.execute(f"ATTACH '{fresh}' AS fresh (READ_ONLY)")
    for table in [*V1_TABLES, "outcomes_annual"]:
        con.execute(f"INSERT INTO {table} SELECT * FROM fresh.{table}")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute("DETACH fresh")
    con.close()


def make_v3(fresh: Path, target: Path) -> None:
    """A version-3 store (DDL as it was before ``source_years`` and the lead snapshots) holding what ``fresh`` holds."""
    con = duckdb.connect(str(target))
    con.execute(V3_SCHEMA.read_text(encoding="utf-8"))
    con.execute(f"ATTACH '{fresh}' AS fresh (READ_ONLY)")
    for table in [*V1_TABLES, "outcomes_annual", "outcomes_wide", "outcomes_missing"]:
        con.execute(f"INSERT INTO {table} SELECT * FROM fresh.{table}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.execute("DETACH fresh")
    con.close()


def derived_tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables version 3 added, sorted, to compare a migrated store with a fresh load."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in ("outcomes_wide", "outcomes_missing")}
    finally:
        con.close()


def small_book(
    tmp_path: Path, name: str = "prc-outcomes-open-data-mar2018-tables-200718.xlsx", *, year: str = "2017/18", extra: int = 0
) -> Path:
    rows = [
        [year, q, force, "Blackmail", "Theft offences", "Other theft", "35", None, label, label, number_, 5 + q + extra, 3 + q + extra]
        for q in (1, 2)
        for force in ("Kent", "Durham")
        for number_, label in ((1, "Charged/Summonsed"), (8, "Community Resolution"))
    ]
    return write_outcomes_workbook(tmp_path / name, rows, HEADERS_2019)


@pytest.fixture()
def small_v1(tmp_path: Path) -> Path:
    fresh = tmp_path / "fresh.duckdb"
    with Store.open(fresh) as store:
        ingest_file(store, small_book(tmp_path))
    target = tmp_path / "v1.duckdb"
    make_v1(fresh, target)
    return target


def table_names(db: Path) -> set[str]:
    """The tables a store file holds, read without crime-outcomes (which would migrate it)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()


def test_v1_fixture_has_the_old_shape(small_v1: Path) -> None:
    tables = table_names(small_v1)
    assert "outcomes_annual" not in tables and "outcomes" in tables
    con = duckdb.connect(str(small_v1), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("1",)]
    con.close()


def test_read_only_open_of_an_old_store_says_how_to_upgrade_in_one_line(small_v1: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(small_v1, read_only=True)
    message = str(caught.value)
    assert "\n" not in message
    assert "schema version 1" in message and f"reads version {SCHEMA_VERSION}" in message
    assert f"crime-outcomes migrate --db {small_v1}" in message


def test_writable_open_brings_version_1_forward_and_fills_the_annual_table(small_v1: Path) -> None:
    with Store.open(small_v1) as store:
        assert store.migrated_from == "1"
        assert store.schema_version() == SCHEMA_VERSION
        assert store.fetchone(ANNUAL_MATCHES)[0] == 0
        # Kent, closed basis: community resolutions in quarters 1 and 2 give 4 + 5, and charges the same.
        assert store.fetchone("SELECT closed FROM outcomes_annual WHERE force = 'Kent' AND outcome_type = 8")[0] == 9
        assert store.fetchone("SELECT closed_8, closed_all, outcome_rows FROM outcomes_wide WHERE force = 'Kent'") == (9, 9 + 9, 2)
    with Store.open(small_v1) as again:
        assert again.migrated_from is None
    with Store.open(small_v1, read_only=True) as reading:
        assert reading.fetchone("SELECT count(*) FROM outcomes_annual")[0] == 4


def test_the_empty_annual_table_an_earlier_release_left_is_rebuilt(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.duckdb"
    with Store.open(fresh) as store:
        ingest_file(store, small_book(tmp_path))
    target = tmp_path / "half.duckdb"
    make_v1(fresh, target, annual_left_empty=True)
    with Store.open(target) as store:
        assert store.migrated_from == "1"
        assert store.fetchone("SELECT count(*) FROM outcomes_annual")[0] == 4
        assert store.fetchone(ANNUAL_MATCHES)[0] == 0


def test_writable_open_brings_version_2_forward_and_fills_the_wide_and_missing_tables(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.duckdb"
    with Store.open(fresh) as store:
        ingest_file(store, small_book(tmp_path))
        store.con.execute(
            "UPDATE outcomes SET closed = NULL, closed_marker = 'N/A' WHERE force = 'Durham' AND quarter = 2 AND outcome_type = 8"
        )
        store.rebuild_annual(["2017/18"])
    target = tmp_path / "v2.duckdb"
    make_v2(fresh, target)
    assert "outcomes_wide" not in table_names(target)
    with pytest.raises(StoreError, match="schema version 2"):
        Store.open(target, read_only=True)
    with Store.open(target) as store:
        assert store.migrated_from == "2" and store.schema_version() == SCHEMA_VERSION
        # Durham, closed basis: community resolutions 4 in quarter 1 (quarter 2 published as a marker); charges 4 + 5.
        assert store.fetchone("SELECT closed_8, closed_1, outcome_rows FROM outcomes_wide WHERE force = 'Durham'") == (4, 4 + 5, 2)
        assert store.fetchall("SELECT force, quarter, outcome_type, closed_marker FROM outcomes_missing") == [("Durham", 2, 8, "N/A")]
        assert store.years() == ["2017/18"]
    assert derived_tables(target) == derived_tables(fresh)


def test_writable_open_brings_version_3_forward_and_rebuilds_which_years_each_file_added(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.duckdb"
    with Store.open(fresh) as store:
        first = ingest_file(store, small_book(tmp_path))  # 2017/18, July 2018
        second = ingest_file(store, small_book(tmp_path, "prc-outcomes-open-data-mar2018-tables-170719.xlsx", extra=1))  # replaces it
        third = ingest_file(store, small_book(tmp_path, "prc-outcomes-open-data-mar2019-tables-170719.xlsx", year="2018/19"))
        written_by_loads = store.fetchall("SELECT * FROM source_years ORDER BY ALL")
    target = tmp_path / "v3.duckdb"
    make_v3(fresh, target)
    assert "source_years" not in table_names(target)
    with pytest.raises(StoreError, match="schema version 3"):
        Store.open(target, read_only=True)
    with Store.open(target) as store:
        assert store.migrated_from == "3" and store.schema_version() == SCHEMA_VERSION == "4"
        rebuilt = store.fetchall("SELECT * FROM source_years ORDER BY ALL")
        assert store.fetchone("SELECT count(*) FROM lead_snapshots")[0] == 0
    expected = [(first.source_id, "2017/18", None), (second.source_id, "2017/18", first.source_id), (third.source_id, "2018/19", None)]
    assert rebuilt == written_by_loads == expected


def test_a_failed_migration_changes_nothing(small_v1: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(store: Store) -> None:
        store.con.execute("DELETE FROM outcomes")  # part done...
        store.con.execute("SELECT * FROM no_such_table")  # ...then a failure

    monkeypatch.setitem(store_module.MIGRATIONS, 1, broken)
    with pytest.raises(StoreError, match="cannot initialise the store"):
        Store.open(small_v1)
    monkeypatch.undo()
    con = duckdb.connect(str(small_v1), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("1",)]
    assert con.execute("SELECT count(*) FROM outcomes").fetchall()[0][0] == 8
    con.close()
    assert "outcomes_annual" not in table_names(small_v1)


def test_a_store_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreError, match="newer crime-outcomes .schema version 99"):
            Store.open(path, read_only=read_only)


def test_a_duckdb_file_that_is_not_a_store_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="is not a crime-outcomes store"):
        Store.open(path, read_only=True)


def test_the_store_knows_it_holds_the_bundled_sample(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        assert not store.is_sample and store.label == str(path)
        store.mark_sample()
        assert store.is_sample and store.label == SAMPLE_LABEL
    with Store.open(path, read_only=True) as reading:
        assert reading.is_sample and reading.label == SAMPLE_LABEL
        view = reading.cursor()
        assert view.is_sample and view.label == SAMPLE_LABEL and view.read_only
        view.close()
    with Store.open(path, read_only=True, label="mine") as named:
        assert named.is_sample and named.label == "mine"


def _story_json(cwd: Path) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CRIME_OUTCOMES_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "story", "--force", "West Midlands", "--format", "json", "--db", "store.duckdb"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_a_version_1_store_of_the_sample_gives_the_same_story_as_a_fresh_load(tmp_path: Path) -> None:
    """Byte-identical ``story --format json`` (same relative --db, so the same store label)."""
    fresh_dir, old_dir = tmp_path / "fresh", tmp_path / "old"
    fresh_dir.mkdir()
    old_dir.mkdir()
    with Store.open(fresh_dir / "store.duckdb") as store:
        ingest_file(store, sample_path())
    make_v1(fresh_dir / "store.duckdb", old_dir / "store.duckdb")

    env = {**os.environ, "COLUMNS": "200"}
    refused = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "story", "--force", "West Midlands", "--db", "store.duckdb"],
        capture_output=True,
        text=True,
        env=env,
        cwd=old_dir,
        check=False,
    )
    assert refused.returncode == 4
    assert "crime-outcomes migrate --db store.duckdb" in " ".join(refused.stderr.split())
    migrated = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "migrate", "--db", "store.duckdb"],
        capture_output=True,
        text=True,
        env=env,
        cwd=old_dir,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert f"from schema version 1 to {SCHEMA_VERSION}" in " ".join(migrated.stdout.split())

    fresh_json, old_json = _story_json(fresh_dir), _story_json(old_dir)
    assert '"count": 3834,' in fresh_json and '"denominator": 229297,' in fresh_json
    assert old_json == fresh_json
