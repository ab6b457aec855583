"""Export every table of a store as Parquet or CSV, for people who work in other tools.

Parquet tables that carry ``financial_year`` are written one file per year
(``outcomes/2017-18.parquet``), each file holding every column including the year, so the
folder loads unchanged into DuckDB, Polars, pandas, R, Spark or BigQuery with a wildcard and
no partition settings. Other tables are one file each. ``manifest.json`` and ``README.md``
list the tables, their columns and row counts, and the editions the figures come from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb

from crime_outcomes.errors import ExportError
from crime_outcomes.store import Store
from crime_outcomes.store.bundled import SAMPLE_CREDIT, SAMPLE_LABEL
from crime_outcomes.version import __version__

Format = Literal["parquet", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "csv")
MANIFEST_NAME = "manifest.json"
_YEAR = re.compile(r"^\d{4}/\d{2}$")


@dataclass
class ExportedTable:
    """One table as written: its columns (name, DuckDB type), rows, and files relative to the folder."""

    name: str
    columns: list[tuple[str, str]]
    rows: int
    files: list[str] = field(default_factory=list)
    partitioned_by: str | None = None


@dataclass
class ExportResult:
    """What ``export`` wrote: the folder, the format and every table."""

    folder: Path
    format: Format
    tables: list[ExportedTable]

    @property
    def files(self) -> list[Path]:
        return [self.folder / f for t in self.tables for f in t.files]


def export(store: Store, out: Path | str, *, format: Format = "parquet") -> ExportResult:
    """Write every table of ``store`` into the folder ``out`` (created; must be empty if it exists).

    Parquet: tables with ``financial_year`` one file per year, the others one file each.
    CSV: one file per table, UTF-8 with a header row, empty cells for NULL; values are
    written as stored (a negative count stays ``-3``).
    """
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r}: use one of {', '.join(FORMATS)}")
    folder = Path(out).expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder} is not an empty folder: choose a new or empty folder for the export, so no old file is mixed in")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the export folder {folder}: {exc.strerror or exc}") from None
    tables = [_table(store, name) for name in _table_names(store)]
    try:
        for table in tables:
            _write_table(store, folder, table, format)
    except (duckdb.Error, OSError) as exc:
        raise ExportError(f"writing the export to {folder} failed: {str(exc).splitlines()[0]}") from None
    result = ExportResult(folder, format, tables)
    manifest = _manifest(store, result)
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(_readme(manifest), encoding="utf-8")
    return result


def _table_names(store: Store) -> list[str]:
    return [
        r[0]
        for r in store.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
    ]


def _table(store: Store, name: str) -> ExportedTable:
    columns = [
        (str(c), str(t))
        for c, t in store.fetchall(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [name],
        )
    ]
    rows = store.fetchone(f'SELECT count(*) FROM "{name}"')
    return ExportedTable(name, columns, int(rows[0]) if rows else 0)


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_table(store: Store, folder: Path, table: ExportedTable, format: Format) -> None:
    quoted = f'"{table.name}"'
    if format == "csv":
        target = folder / f"{table.name}.csv"
        store.con.execute(f"COPY (SELECT * FROM {quoted}) TO {_sql_path(target)} (FORMAT csv, HEADER true)")
        table.files.append(target.name)
        return
    if "financial_year" not in {c for c, _ in table.columns}:
        target = folder / f"{table.name}.parquet"
        store.con.execute(f"COPY (SELECT * FROM {quoted}) TO {_sql_path(target)} (FORMAT parquet)")
        table.files.append(target.name)
        return
    table.partitioned_by = "financial_year"
    (folder / table.name).mkdir()
    years = [r[0] for r in store.fetchall(f"SELECT DISTINCT financial_year FROM {quoted} ORDER BY 1")]
    if not years:  # an empty table still gets a file, so its columns travel with the export
        target = folder / table.name / "empty.parquet"
        store.con.execute(f"COPY (SELECT * FROM {quoted}) TO {_sql_path(target)} (FORMAT parquet)")
        table.files.append(f"{table.name}/{target.name}")
    for year in years:
        if not isinstance(year, str) or not _YEAR.match(year):
            raise ExportError(f"table {table.name} holds financial_year {year!r}, not a year like 2017/18; the store is damaged")
        target = folder / table.name / f"{year.replace('/', '-')}.parquet"
        store.con.execute(f"COPY (SELECT * FROM {quoted} WHERE financial_year = '{year}') TO {_sql_path(target)} (FORMAT parquet)")
        table.files.append(f"{table.name}/{target.name}")


def _editions(store: Store) -> list[dict[str, Any]]:
    rows = store.records(
        "SELECT file_name, kind, edition_date, years, superseded_by IS NOT NULL AS superseded, sha256 FROM sources ORDER BY source_id"
    )
    for r in rows:
        if isinstance(r["edition_date"], date):
            r["edition_date"] = r["edition_date"].isoformat()
    return rows


def _manifest(store: Store, result: ExportResult) -> dict[str, Any]:
    return {
        "tool": f"crime-outcomes {__version__}",
        "schema_version": store.schema_version(),
        "store": store.label,
        "sample": store.is_sample,
        "format": result.format,
        "source": "Home Office, Police recorded crime and outcomes open data tables (Open Government Licence v3.0)",
        "editions": _editions(store),
        "tables": [
            {
                "name": t.name,
                "rows": t.rows,
                "partitioned_by": t.partitioned_by,
                "files": t.files,
                "columns": [{"name": c, "type": ty} for c, ty in t.columns],
            }
            for t in result.tables
        ],
    }


def _readme(manifest: dict[str, Any]) -> str:
    fmt = manifest["format"]
    lines = [
        "# crime-outcomes export",
        "",
        f"Every table of the store {manifest['store']} (schema version {manifest['schema_version']}), "
        f"written by {manifest['tool']} as {fmt.upper()}. Source: {manifest['source']}. "
        "The columns are described in docs/schema.md of crime-outcomes; `manifest.json` lists them with their types.",
        "",
    ]
    if manifest["sample"]:
        lines += [f"These figures are the bundled {SAMPLE_LABEL}, not every published year. {SAMPLE_CREDIT}", ""]
    lines += ["## Editions", ""]
    for e in manifest["editions"]:
        edition = f"edition of {e['edition_date']}" if e["edition_date"] else "no edition date recorded"
        state = " (replaced by a newer edition)" if e["superseded"] else ""
        lines.append(f"* {e['file_name']}: {e['kind']}, {e['years'] or 'no years'}, {edition}{state}")
    if not manifest["editions"]:
        lines.append("* none: the store holds no loaded files")
    lines += ["", "## Tables", "", "| table | rows | files | columns |", "|---|---|---|---|"]
    for t in manifest["tables"]:
        where = f"{t['name']}/ (one file per financial year)" if t["partitioned_by"] else t["files"][0]
        cols = ", ".join(f"{c['name']} ({c['type'].lower()})" for c in t["columns"])
        lines.append(f"| {t['name']} | {t['rows']:,} | {where} | {cols} |")
    lines += ["", "## Reading it", ""]
    if fmt == "parquet":
        lines += [
            "```",
            "DuckDB:  SELECT * FROM read_parquet('outcomes/*.parquet')",
            "Polars:  pl.read_parquet('outcomes/*.parquet')",
            "pandas:  pd.read_parquet('outcomes')",
            "R:       arrow::open_dataset('outcomes')",
            "Spark:   spark.read.parquet('outcomes')",
            "BigQuery: bq load --source_format=PARQUET dataset.outcomes 'gs://bucket/outcomes/*.parquet'",
            "```",
        ]
    else:
        lines += ["One UTF-8 CSV per table with a header row; an empty cell is a missing value (NULL).", ""]
        lines += [
            "```",
            "DuckDB:  SELECT * FROM read_csv('outcomes.csv')",
            "pandas:  pd.read_csv('outcomes.csv', dtype={'offence_code': str})",
            "```",
        ]
    lines += [
        "",
        "Offence codes are text (`4.10` is not `4.1`). A share's denominator is outcome types 1-22 on one basis, never type 0.",
        "",
    ]
    return "\n".join(lines)
