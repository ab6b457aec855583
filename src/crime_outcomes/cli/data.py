"""Commands that load, inspect, upgrade and export the store: ingest, status, sql, migrate, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crime_outcomes.cli.app import DbOption, app, console, err_console, escape, handle_errors, open_for_reading, open_for_writing
from crime_outcomes.errors import CrimeOutcomesError, InputError
from crime_outcomes.pipeline import record_leads
from crime_outcomes.store import SCHEMA_VERSION, summary
from crime_outcomes.store.export import FORMATS
from crime_outcomes.store.export import export as export_store
from crime_outcomes.store.ingest import IngestReport, ingest_files
from crime_outcomes.text import number


@app.command()
@handle_errors
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Published outcomes (.xlsx, .ods, .csv) or police force area recorded-crime files.", show_default=False),
    ],
    db: DbOption = None,
    edition: Annotated[str | None, typer.Option(help="Edition date YYYY-MM-DD, when the file name does not carry one.")] = None,
) -> None:
    """Load files into the store: every row is loaded or reported with a reason."""
    edition_date = _parse_date(edition) if edition else None
    reports: list[IngestReport] = []
    failed: list[tuple[Path, CrimeOutcomesError]] = []
    with open_for_writing(db) as store:
        record_leads(store)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("starting", total=len(paths))

            def step(message: str) -> None:
                progress.update(task, description=escape(message))

            for path, outcome in ingest_files(store, [(p, edition_date) for p in paths], progress=step):
                if isinstance(outcome, InputError):
                    failed.append((path, outcome))
                else:
                    reports.append(outcome)
                progress.advance(task)
            if any(r.status in {"loaded", "replaced"} for r in reports):
                progress.update(task, description="finding the leads in the store as it now stands (for `crime-outcomes changes`)")
                record_leads(store)
        _print_reports(reports)
    for _path, error in failed:
        err_console.print(f"[bold red]Rejected:[/] {escape(str(error))}", highlight=False)
    if failed:
        err_console.print(f"{len(failed)} of {len(paths)} file(s) rejected; the store keeps its previous contents for them.")
        raise typer.Exit(failed[0][1].exit_code)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2019-05-23, got {text!r}", param_hint="--edition") from None


def _print_reports(reports: list[IngestReport]) -> None:
    if not reports:
        return
    table = Table(title="Ingest summary", title_justify="left")
    for col in ("file", "status", "kind", "years", "rows read", "loaded", "of which 1a/2a/3a", "rejected"):
        table.add_column(col, justify="right" if col in {"rows read", "loaded", "of which 1a/2a/3a", "rejected"} else "left")
    for r in reports:
        table.add_row(
            escape(r.file_name),
            r.status,
            r.kind,
            ", ".join(r.years),
            number(r.rows_read),
            number(r.rows_loaded),
            number(r.rows_alternate),
            number(r.rows_rejected),
        )
    console.print(table)
    for r in reports:
        for reason, n in sorted(r.rejected_reasons.items(), key=lambda kv: -kv[1]):
            console.print(f"  {escape(r.file_name)}: {number(n)} row(s) rejected: {escape(reason)}", highlight=False)
        for sheet in r.skipped_sheets:
            console.print(f"  {escape(r.file_name)}: sheet {escape(sheet.sheet)!s} passed over ({escape(sheet.reason)})", highlight=False)
        for note in r.notes:
            console.print(f"  {escape(r.file_name)}: {escape(note)}", highlight=False)
        if r.revisions:
            console.print(
                f"  {escape(r.file_name)}: replaced an older edition; {number(len(r.revisions))} force-year figures changed (`crime-outcomes changes` says which, force by force)"
            )
    if any(r.rows_rejected for r in reports):
        console.print("Rejected rows are kept in the table rejected_rows with file, sheet, row, column and reason.")


@app.command()
@handle_errors
def status(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """What the store holds: years, editions, forces and the row accounting."""
    with open_for_reading(db) as store:
        data: dict[str, Any] = {
            "store": store.label,
            "sources": summary.sources(store),
            "years": summary.years(store),
            "forces": summary.forces(store),
            "accounting": summary.accounting(store),
            "rejections": summary.rejection_reasons(store),
        }
    if as_json:
        console.print_json(json.dumps(data, default=str))
        return
    console.print(f"Store: {escape(data['store'])}", highlight=False)
    t = Table(title="Editions loaded", title_justify="left")
    for col in ("id", "file", "kind", "edition", "years", "read", "loaded", "1a/2a/3a", "rejected"):
        t.add_column(col, justify="right" if col in {"id", "read", "loaded", "1a/2a/3a", "rejected"} else "left")
    for s in data["sources"]:
        t.add_row(
            str(s["source_id"]),
            escape(s["file_name"]),
            s["kind"],
            str(s["edition_date"] or "–"),
            s["years"],
            number(s["rows_read"]),
            number(s["rows_loaded"]),
            number(s["rows_alternate"]),
            number(s["rows_rejected"]),
        )
    console.print(t)
    y = Table(title="Years", title_justify="left")
    for col in ("year", "rows", "forces", "offence codes", "quarters", "outcomes (closed basis)", "cells 'data not provided'"):
        y.add_column(col, justify="left" if col == "year" else "right")
    for r in data["years"]:
        y.add_row(
            r["financial_year"],
            number(r["rows"]),
            str(r["forces"]),
            str(r["offence_codes"]),
            str(r["quarters"]),
            number(r["closed_outcomes"]),
            number(r["recorded_not_provided"]),
        )
    console.print(y)
    f = Table(title="Forces", title_justify="left")
    f.add_column("kind")
    f.add_column("forces", justify="right")
    f.add_column("rows", justify="right")
    for r in data["forces"]:
        f.add_row(r["kind"] + (" (kept out of force figures)" if r["kind"] == "fraud" else ""), str(r["forces"]), number(r["rows"]))
    console.print(f)
    a = data["accounting"]
    balanced = a["rows_read"] == a["rows_loaded"] + a["rows_rejected"]
    console.print(
        f"Row accounting: {number(a['rows_read'])} read = {number(a['rows_loaded'])} loaded "
        f"(of which {number(a['rows_alternate'])} alternate-offence 1a/2a/3a) + {number(a['rows_rejected'])} rejected"
        + ("" if balanced else "  [bold red]DOES NOT BALANCE[/]")
    )
    for r in data["rejections"]:
        console.print(
            f"  {escape(r['file_name'])}: {number(r['rows'])} rejected in column {escape(str(r['column_name']))!s}: {escape(r['reason'])} (first at row {r['first_row']})",
            highlight=False,
        )


@app.command()
@handle_errors
def migrate(db: DbOption = None) -> None:
    """Bring an older store's schema up to date (any command that writes does the same)."""
    with open_for_writing(db) as store:
        if store.migrated_from is None:
            console.print(
                f"The store {escape(store.label)} is up to date (schema version {SCHEMA_VERSION}); nothing was changed.", highlight=False
            )
        else:
            console.print(
                f"Upgraded the store {escape(store.label)} from schema version {store.migrated_from} to {SCHEMA_VERSION}.", highlight=False
            )


@app.command("export")
@handle_errors
def export_command(
    out: Annotated[Path, typer.Option("--out", help="An empty or new folder for the files.", show_default=False)],
    fmt: Annotated[
        str, typer.Option("--format", help="parquet (tables with financial_year one file per year) or csv (one file per table).")
    ] = "parquet",
    db: DbOption = None,
) -> None:
    """Write every table as Parquet or CSV, with a README and manifest of columns and editions."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use {' or '.join(FORMATS)}", param_hint="--format")
    with open_for_reading(db) as store:
        result = export_store(store, out, format="csv" if fmt == "csv" else "parquet")
    rows = sum(t.rows for t in result.tables)
    console.print(
        f"Exported {len(result.tables)} tables ({number(rows)} rows, {len(result.files)} files) to {escape(str(result.folder))}; "
        "README.md and manifest.json describe them.",
        highlight=False,
    )


@app.command()
@handle_errors
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT statement; it can read the store and nothing else.")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json (a list of row objects).")] = "table",
    allow_files: Annotated[
        bool,
        typer.Option(
            "--allow-files",
            help="Let the query use DuckDB's file functions (read_csv, COPY ... TO, ATTACH...) with your permissions; the store stays read-only.",
        ),
    ] = False,
) -> None:
    """Run read-only SQL on the store, for checking figures and for power users.

    The query can read the store only: files, other databases, extensions and settings
    are out of its reach unless you pass --allow-files.
    """
    from crime_outcomes.store.readonly import REFUSED, is_refusal, lock_down

    if fmt not in {"table", "csv", "json"}:
        raise typer.BadParameter("use table, csv or json", param_hint="--format")
    with open_for_reading(db, quiet=fmt != "table") as store:
        if not allow_files:
            lock_down(store.con)
        try:
            cur = store.con.execute(query)
            names = [d[0] for d in cur.description] if cur.description else []
            rows = cur.fetchall() if names else []
        except duckdb.Error as exc:
            first = escape(str(exc).splitlines()[0])
            if not allow_files and is_refusal(exc):
                err_console.print(
                    f"[bold red]SQL refused:[/] this command reads the store and nothing else ({REFUSED} are refused); pass --allow-files to let the query use files. DuckDB said: {first}",
                    highlight=False,
                )
            else:
                err_console.print(f"[bold red]SQL error:[/] {first}", highlight=False)
            raise typer.Exit(2) from None
    _print_rows(names, rows, fmt)


def _print_rows(names: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([dict(zip(names, r, strict=False)) for r in rows], default=str, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        table = Table()
        for n in names:
            table.add_column(escape(n))
        for r in rows:
            table.add_row(
                *(escape(number(v) if isinstance(v, int) and not isinstance(v, bool) else "" if v is None else str(v)) for v in r)
            )
        console.print(table)
