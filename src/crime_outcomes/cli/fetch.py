"""Commands that get the official files: ``fetch`` (download) and ``update`` (download and load).

Both list what the publication offers, say what is taken and what is passed over and why,
and download only what changed since the last run (see ``crime_outcomes.sources``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from crime_outcomes.cli.app import DbOption, app, console, err_console, escape, handle_errors, open_for_writing
from crime_outcomes.errors import InputError
from crime_outcomes.outputs.format import number
from crime_outcomes.settings import default_downloads_dir
from crime_outcomes.sources.discover import GOVUK_BASE_ENV, Classified, Discovery, discover, parse_years
from crime_outcomes.sources.download import DownloadResult, Manifest, download_all, safe_filename
from crime_outcomes.sources.filenames import sha256_file

if TYPE_CHECKING:  # the ingest stack (polars, pyarrow) loads only when a command needs it
    from crime_outcomes.ingest import IngestReport, Revision

REVISIONS_SHOWN = 20

YearsOption = Annotated[
    str | None,
    typer.Option("--years", help="Financial years to take: 2017/18, 2016/17,2017/18 or 2014/15..2025/26 (default: every year offered). The PFA table is always taken.", show_default=False),
]
BaseOption = Annotated[
    str | None,
    typer.Option("--govuk-base", envvar=GOVUK_BASE_ENV, help="GOV.UK base URL, for a mirror or a test server (default: https://www.gov.uk).", show_default=False),
]
DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="Downloads folder, holding manifest.json (default: downloads in your user data folder).", show_default=False),
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


def _plan_status(item: Classified, directory: Path, manifest: Manifest) -> str:
    """What a download would do to this file, judged from the manifest and the local copy."""
    name = safe_filename(item)
    entry = manifest.files.get(name)
    local = directory / name
    if entry is None:
        return "new"
    if entry.url != item.attachment.url:
        return "republished"
    if not local.is_file() or sha256_file(local) != entry.sha256:
        return "local copy missing or changed"
    return "up to date"


def _print_listing(found: Discovery, wanted: list[Classified], statuses: dict[str, str], missing: list[str]) -> None:
    console.print(f"Listing: {escape(found.listing_url)}", highlight=False)
    for note in found.notes:
        err_console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    taken = Table(title="Taken", title_justify="left")
    for col in ("file", "series", "edition", "size", "status"):
        taken.add_column(col, justify="right" if col == "size" else "left")
    for item in wanted:
        a = item.attachment
        taken.add_row(escape(a.filename), item.label, item.edition.strftime("%d %b %Y") if item.edition else "–", number(a.file_size), statuses.get(a.filename, ""))
    console.print(taken)
    passed = Table(title="Passed over", title_justify="left")
    passed.add_column("file")
    passed.add_column("why")
    unwanted_years = [i for i in found.items if i.taken and i not in wanted]
    for item in found.passed_over:
        passed.add_row(escape(item.attachment.title or item.attachment.filename), escape(item.reason or ""))
    for item in unwanted_years:
        passed.add_row(escape(item.attachment.title or item.attachment.filename), "not among the years asked for (--years)")
    console.print(passed)
    if missing:
        err_console.print(f"[yellow]Not offered by the publication: {', '.join(missing)}[/]", highlight=False)


def _fetch(years: list[str] | None, dry_run: bool, base: str | None, directory: Path | None, force: bool) -> tuple[Discovery, list[Classified], list[DownloadResult], Path]:
    """List, print the plan, and (unless a dry run) download; shared by fetch and update."""
    folder = (directory or default_downloads_dir()).expanduser()
    found = discover(base)
    wanted = found.wanted(years)
    missing = found.missing_years(years) if years is not None else []
    manifest = Manifest.load(folder)
    statuses = {i.attachment.filename: ("forced" if force else _plan_status(i, folder, manifest)) for i in wanted}
    _print_listing(found, wanted, statuses, missing)
    if dry_run:
        todo = sum(1 for s in statuses.values() if s != "up to date")
        console.print(f"Dry run: {todo} of {len(wanted)} file(s) would be downloaded to {escape(str(folder))}; nothing was downloaded.", highlight=False)
        return found, wanted, [], folder
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console) as progress:
        results = download_all(wanted, folder, manifest=manifest, listing_url=found.listing_url, progress=progress, force=force)
    fetched = [r for r in results if r.status == "downloaded"]
    console.print(
        f"Downloaded {len(fetched)} file(s) ({number(sum(r.size for r in fetched))} bytes); "
        f"{len(results) - len(fetched)} already up to date. Manifest: {escape(str(manifest.path))}",
        highlight=False,
    )
    return found, wanted, results, folder


@app.command()
@handle_errors
def fetch(
    years: YearsOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be taken and what is passed over, and why; download nothing.")] = False,
    govuk_base: BaseOption = None,
    directory: DirOption = None,
    force: ForceOption = False,
) -> None:
    """Download the official outcomes files and the PFA table from GOV.UK (only what changed)."""
    _fetch(_years(years), dry_run, govuk_base, directory, force)


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
    _, _, results, _ = _fetch(_years(years), False, govuk_base, directory, force)
    from crime_outcomes.ingest import ingest_file

    reports: list[IngestReport] = []
    failed: list[tuple[Path, InputError]] = []
    with open_for_writing(db) as store:
        # Every file is offered to ingest, not only fresh downloads: a file fetched earlier
        # but never loaded is loaded now; one already in the store is recognised by its hash.
        for result in results:
            err_console.print(f"Loading {escape(result.path.name)}...", highlight=False)
            try:
                reports.append(ingest_file(store, result.path, edition=result.item.edition))
            except InputError as exc:
                failed.append((result.path, exc))

    table = Table(title="Store", title_justify="left")
    for col in ("file", "years", "status", "rows loaded", "rejected"):
        table.add_column(col, justify="right" if col in {"rows loaded", "rejected"} else "left")
    for r in reports:
        table.add_row(escape(r.file_name), ", ".join(r.years), r.status, number(r.rows_loaded), number(r.rows_rejected))
    console.print(table)
    changed = [r for r in reports if r.status in {"loaded", "replaced"}]
    if not changed and not failed:
        console.print("Nothing new: the store already holds every file offered.")
    _print_revisions([rev for r in reports for rev in r.revisions])
    for path, exc in failed:
        err_console.print(f"[bold red]Rejected:[/] {escape(str(exc))}", highlight=False)
    if failed:
        err_console.print(f"{len(failed)} file(s) rejected; the store keeps its previous contents for them. The files stay in {escape(str(failed[0][0].parent))}.", highlight=False)
        raise typer.Exit(failed[0][1].exit_code)


def _change(r: Revision) -> int:
    return (r.new or 0) - (r.old or 0)


def _print_revisions(revisions: list[Revision]) -> None:
    """The figures a newer edition changed, largest changes first (all are in the store)."""
    if not revisions:
        return
    forces = {(r.financial_year, r.force) for r in revisions}
    console.print(f"Revised by the new edition(s): {number(len(revisions))} figure(s) for {number(len(forces))} force-year(s).")
    table = Table(title=f"Largest revisions (up to {REVISIONS_SHOWN})", title_justify="left")
    for col in ("year", "force", "outcome type", "basis", "old", "new", "change"):
        table.add_column(col, justify="right" if col in {"outcome type", "old", "new", "change"} else "left")
    for r in sorted(revisions, key=lambda r: (-abs(_change(r)), r.financial_year, r.force))[:REVISIONS_SHOWN]:
        delta = _change(r)
        table.add_row(r.financial_year, escape(r.force), str(r.outcome_type), r.basis, number(r.old), number(r.new), f"{delta:+,}")
    console.print(table)
    if len(revisions) > REVISIONS_SHOWN:
        console.print('All revisions: crime-outcomes sql "SELECT * FROM revisions"')
