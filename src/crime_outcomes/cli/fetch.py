"""Commands that get the official files: ``fetch`` (download) and ``update`` (download and load).

Both list what the publication offers, say what is taken and what is passed over and why,
and download only what changed since the last run (see ``crime_outcomes.sources``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from crime_outcomes.analysis.changes import changes
from crime_outcomes.cli.app import DbOption, app, console, err_console, escape, handle_errors, resolve_db
from crime_outcomes.outputs.changes_text import render_text as render_changes
from crime_outcomes.pipeline import FetchPlan, plan_fetch
from crime_outcomes.pipeline import fetch as fetch_files
from crime_outcomes.pipeline import update as update_store
from crime_outcomes.sources.discover import GOVUK_BASE_ENV, parse_years
from crime_outcomes.sources.download import DownloadResult
from crime_outcomes.text import number

YearsOption = Annotated[
    str | None,
    typer.Option(
        "--years",
        help="Financial years to take: 2017/18, 2016/17,2017/18 or 2014/15..2025/26 (default: every year offered). The PFA table is always taken.",
        show_default=False,
    ),
]
BaseOption = Annotated[
    str | None,
    typer.Option(
        "--govuk-base",
        envvar=GOVUK_BASE_ENV,
        help="GOV.UK base URL, for a mirror or a test server (default: https://www.gov.uk).",
        show_default=False,
    ),
]
DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="Downloads folder, holding manifest.json (default: downloads in your user data folder).", show_default=False
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Download again even when the local copy is current, and accept changed bytes at a URL already recorded."),
]


def _years(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    try:
        return parse_years(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--years") from None


def _print_listing(plan: FetchPlan) -> None:
    found = plan.discovery
    console.print(f"Listing: {escape(found.listing_url)}", highlight=False)
    for note in found.notes:
        err_console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    taken = Table(title="Taken", title_justify="left")
    for col in ("file", "series", "edition", "size", "status"):
        taken.add_column(col, justify="right" if col == "size" else "left")
    for item in plan.wanted:
        a = item.attachment
        taken.add_row(
            escape(a.filename),
            item.label,
            item.edition.strftime("%d %b %Y") if item.edition else "–",
            number(a.file_size),
            plan.statuses.get(a.filename, ""),
        )
    console.print(taken)
    passed = Table(title="Passed over", title_justify="left")
    passed.add_column("file")
    passed.add_column("why")
    unwanted_years = [i for i in found.items if i.taken and i not in plan.wanted]
    for item in found.passed_over:
        passed.add_row(escape(item.attachment.title or item.attachment.filename), escape(item.reason or ""))
    for item in unwanted_years:
        passed.add_row(escape(item.attachment.title or item.attachment.filename), "not among the years asked for (--years)")
    console.print(passed)
    if plan.missing_years:
        err_console.print(f"[yellow]Not offered by the publication: {', '.join(plan.missing_years)}[/]", highlight=False)


def _download_progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    return Progress(*columns, console=err_console)


def _print_downloads(plan: FetchPlan, results: list[DownloadResult]) -> None:
    fetched = [r for r in results if r.status == "downloaded"]
    console.print(
        f"Downloaded {len(fetched)} file(s) ({number(sum(r.size for r in fetched))} bytes); "
        f"{len(results) - len(fetched)} already up to date. Manifest: {escape(str(plan.manifest.path))}",
        highlight=False,
    )


@app.command()
@handle_errors
def fetch(
    years: YearsOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be taken and what is passed over, and why; download nothing.")
    ] = False,
    govuk_base: BaseOption = None,
    directory: DirOption = None,
    force: ForceOption = False,
) -> None:
    """Download the official outcomes files and the PFA table from GOV.UK (only what changed)."""
    plan = plan_fetch(_years(years), base=govuk_base, directory=directory, force=force)
    _print_listing(plan)
    if dry_run:
        console.print(
            f"Dry run: {plan.to_download} of {len(plan.wanted)} file(s) would be downloaded to {escape(str(plan.folder))}; nothing was downloaded.",
            highlight=False,
        )
        return
    with _download_progress() as progress:
        results = fetch_files(plan, progress=progress)
    _print_downloads(plan, results)


@app.command()
@handle_errors
def update(
    years: YearsOption = None,
    govuk_base: BaseOption = None,
    directory: DirOption = None,
    db: DbOption = None,
    force: ForceOption = False,
) -> None:
    """Fetch what is new, load it into the store, and list the force-year figures that changed."""
    progress = _download_progress()

    def planned(plan: FetchPlan) -> None:
        _print_listing(plan)
        progress.start()

    def downloaded(plan: FetchPlan, results: list[DownloadResult]) -> None:
        progress.stop()
        _print_downloads(plan, results)

    try:
        result = update_store(
            resolve_db(db),
            years=_years(years),
            base=govuk_base,
            directory=directory,
            force=force,
            on_plan=planned,
            progress=progress,
            on_downloaded=downloaded,
            say=lambda line: err_console.print(escape(line), highlight=False),
        )
    finally:
        progress.stop()
    reports, failed = result.reports, result.failed

    table = Table(title="Store", title_justify="left")
    for col in ("file", "years", "status", "rows loaded", "rejected"):
        table.add_column(col, justify="right" if col in {"rows loaded", "rejected"} else "left")
    for r in reports:
        table.add_row(escape(r.file_name), ", ".join(r.years), r.status, number(r.rows_loaded), number(r.rows_rejected))
    console.print(table)
    if not result.changed and not failed:
        console.print("Nothing new: the store already holds every file offered.")
    _print_changes(resolve_db(db), [r.source_id for r in result.changed if r.kind == "outcomes" and r.source_id is not None])
    for _path, exc in failed:
        err_console.print(f"[bold red]Rejected:[/] {escape(str(exc))}", highlight=False)
    if failed:
        err_console.print(
            f"{len(failed)} file(s) rejected; the store keeps its previous contents for them. The files stay in {escape(str(failed[0][0].parent))}.",
            highlight=False,
        )
        raise typer.Exit(failed[0][1].exit_code)


def _print_changes(db: Path, loaded: list[int]) -> None:
    """What's new in the editions this update loaded, force by force (``crime-outcomes changes``)."""
    if not loaded:
        return
    from crime_outcomes.store import Store

    with Store.open(db, read_only=True) as store:
        found = changes(store, sources=loaded)
    console.print()
    console.print(escape(render_changes(found)), highlight=False, end="")
