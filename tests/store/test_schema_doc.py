"""docs/schema.md describes the schema that schema.sql creates: every table, every column, the version."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from crime_outcomes.store import SCHEMA_VERSION, Store
from crime_outcomes.store.store import MIGRATIONS

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "schema.md"
DDL = REPO / "src" / "crime_outcomes" / "store" / "schema.sql"


def ddl_tables() -> dict[str, list[str]]:
    """Tables and columns as DuckDB creates them from schema.sql (not parsed by hand)."""
    con = duckdb.connect(":memory:")
    con.execute(DDL.read_text(encoding="utf-8"))
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position").fetchall()
    con.close()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def section_of(doc: str, table: str) -> str:
    """The doc's heading or bullet for ``table`` and the text up to the next one."""
    match = re.search(rf"^(## `{table}`|\* `{table}\(|`{table}`)", doc, re.MULTILINE)
    assert match, f"docs/schema.md does not describe the table {table!r}"
    rest = doc[match.end() :]
    end = re.search(r"^(## |\* `)", rest, re.MULTILINE)
    return doc[match.start() : match.end() + (end.start() if end else len(rest))]


def test_every_table_and_column_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    tables = ddl_tables()
    assert len(tables) == 17
    for table, columns in tables.items():
        text = section_of(doc, table)
        if "The same columns" in text:  # alternate_outcomes is described as outcomes' columns
            text += section_of(doc, "outcomes")
        missing = [c for c in columns if f"`{c}`" not in text and not re.search(rf"[(,]\s*{c}\b", text)]
        assert not missing, f"docs/schema.md, table {table}: columns not described: {missing}"


def test_no_documented_table_is_missing_from_the_ddl() -> None:
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `(\w+)`", doc, re.MULTILINE)) | set(re.findall(r"^\* `(\w+)\(", doc, re.MULTILINE))
    assert documented - set(ddl_tables()) == set()
    assert documented >= {"outcomes", "outcomes_annual", "sources", "meta", "revisions"}


def test_versions_agree() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert doc.splitlines()[0] == f"# The store schema (version {SCHEMA_VERSION})"
    assert DDL.read_text(encoding="utf-8").splitlines()[0].startswith(f"-- crime-outcomes store schema, version {SCHEMA_VERSION}.")
    rows = re.findall(r"^\| (\d+) \|", doc, re.MULTILINE)
    assert [int(r) for r in rows] == list(range(1, int(SCHEMA_VERSION) + 1))
    assert sorted(MIGRATIONS) == list(range(1, int(SCHEMA_VERSION)))


def test_a_new_store_records_the_current_version(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.fetchall("SELECT key FROM meta") == [("schema_version",)]
