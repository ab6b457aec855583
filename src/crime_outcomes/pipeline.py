"""Getting data into a store: open it, load files, update it from GOV.UK.

The library behind ``crime-outcomes ingest``, ``fetch`` and ``update``, for notebooks and
scripts as much as for the CLI. It sits above sources, readers, normalise and store, and
below analysis, outputs, cli and web.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crime_outcomes.errors import InputError
from crime_outcomes.sample import open_sample_store
from crime_outcomes.settings import default_db_path, default_downloads_dir
from crime_outcomes.sources.discover import Classified, Discovery, discover
from crime_outcomes.sources.download import DownloadResult, Manifest, download_all, safe_filename
from crime_outcomes.sources.filenames import sha256_file
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import IngestReport, Revision, ingest_files
from crime_outcomes.store.snapshots import SnapshotLead, has_snapshot, store_state, write_snapshot

if TYPE_CHECKING:
    from rich.progress import Progress

Say = Callable[[str], None]


def open_store(path: Path | str | None = None, *, read_only: bool = True) -> Store:
    """The store at ``path`` (default: the CLI's, ``$CRIME_OUTCOMES_DB`` or the user data folder).

    Read-only (the default), a missing store or one holding no outcomes gives the bundled
    2017/18 sample instead; check ``store.is_sample``. With ``read_only=False`` the store is
    opened for writing (created if needed, its schema brought up to date) and never
    replaced by the sample.
    """
    where = Path(path).expanduser() if path is not None else default_db_path()
    if not read_only:
        return Store.open(where)
    if where.exists():
        store = Store.open(where, read_only=True)
        if not store.is_empty():
            return store
        store.close()
    return open_sample_store()


def record_leads(store: Store) -> int | None:
    """Keep the leads of the store as it now stands (a lead snapshot), unless they are kept already.

    ``crime-outcomes changes`` compares the snapshot before an edition with the one after it to
    say which leads the edition made new or took away; the figures an edition replaces are gone
    from the store, so the leads cannot be recomputed later. Returns the number of leads kept,
    or None when nothing was taken (an empty store, or this state already has its snapshot).
    """
    from crime_outcomes.analysis.leads import leads

    state = store_state(store)
    if state is None or store.is_empty() or has_snapshot(store, state):
        return None
    found = leads(store)
    kept = [SnapshotLead(x.key, x.force.name, x.kind, x.score.value, x.sentence, x.to_json()) for x in found.leads]
    return write_snapshot(store, state, kept)


def ingest(
    store: Store, paths: Path | str | Iterable[Path | str], *, progress: Say | None = None, workers: int | None = None
) -> list[IngestReport]:
    """Load files you downloaded yourself, each in its own transaction, stopping at the first error.

    Files loaded before the error stay loaded; the failing file leaves the store as it was.
    Up to ``workers`` files (default: the cores) are read at once; they are written in the
    order given, so the store is the same as loading them one by one. The leads are kept
    before the first file (if the store's present state has none kept) and after the last,
    for ``changes``.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    reports: list[IngestReport] = []
    record_leads(store)
    loads = ingest_files(store, [(p, None) for p in items], workers=workers, progress=progress)
    try:
        for _path, outcome in loads:
            if isinstance(outcome, InputError):
                raise outcome
            reports.append(outcome)
    finally:
        loads.close()
        if any(r.status in {"loaded", "replaced"} for r in reports):
            record_leads(store)
    return reports


# --- fetch and update -----------------------------------------------------------------


@dataclass
class FetchPlan:
    """What the publication offers and what a download would do to each file taken.

    ``statuses`` maps each taken file to ``new``, ``republished``, ``local copy missing or
    changed``, ``up to date`` or ``forced``.
    """

    discovery: Discovery
    wanted: list[Classified]
    missing_years: list[str]
    folder: Path
    manifest: Manifest
    statuses: dict[str, str]
    force: bool = False

    @property
    def to_download(self) -> int:
        return sum(1 for s in self.statuses.values() if s != "up to date")


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


def plan_fetch(years: list[str] | None = None, *, base: str | None = None, directory: Path | None = None, force: bool = False) -> FetchPlan:
    """List the publication's files (network) and judge each one taken against the downloads folder."""
    folder = (directory or default_downloads_dir()).expanduser()
    found = discover(base)
    wanted = found.wanted(years)
    missing = found.missing_years(years) if years is not None else []
    manifest = Manifest.load(folder)
    statuses = {i.attachment.filename: ("forced" if force else _plan_status(i, folder, manifest)) for i in wanted}
    return FetchPlan(found, wanted, missing, folder, manifest, statuses, force)


def fetch(plan: FetchPlan, *, progress: Progress | None = None) -> list[DownloadResult]:
    """Download what the plan takes (only what changed), recording each file in the manifest."""
    return download_all(
        plan.wanted, plan.folder, manifest=plan.manifest, listing_url=plan.discovery.listing_url, progress=progress, force=plan.force
    )


@dataclass
class UpdateResult:
    """One update: the plan, the downloads, what each file did to the store, and the files rejected."""

    plan: FetchPlan
    downloads: list[DownloadResult]
    reports: list[IngestReport] = field(default_factory=list)
    failed: list[tuple[Path, InputError]] = field(default_factory=list)

    @property
    def changed(self) -> list[IngestReport]:
        return [r for r in self.reports if r.status in {"loaded", "replaced"}]

    @property
    def revisions(self) -> list[Revision]:
        return [rev for r in self.reports for rev in r.revisions]


def load_downloads(
    store: Store, downloads: Iterable[DownloadResult], *, say: Say | None = None
) -> tuple[list[IngestReport], list[tuple[Path, InputError]]]:
    """Offer every downloaded file to ingest; a rejected file is reported and the others still load.

    Every file is offered, not only fresh downloads: a file fetched earlier but never loaded
    is loaded now; one already in the store is recognised by its hash. The leads are kept
    before and after, as ``ingest`` does.
    """
    reports: list[IngestReport] = []
    failed: list[tuple[Path, InputError]] = []
    items = [(result.path, result.item.edition) for result in downloads]
    if not items:
        return reports, failed
    record_leads(store)
    if say:
        say(f"Loading {', '.join(path.name for path, _ in items)}...")
    for path, outcome in ingest_files(store, items):
        if isinstance(outcome, InputError):
            failed.append((path, outcome))
        else:
            reports.append(outcome)
    if any(r.status in {"loaded", "replaced"} for r in reports):
        if say:
            say("Finding the leads in the new edition...")
        record_leads(store)
    return reports, failed


def update(
    store: Store | Path | str | None = None,
    *,
    years: list[str] | None = None,
    base: str | None = None,
    directory: Path | None = None,
    force: bool = False,
    on_plan: Callable[[FetchPlan], None] | None = None,
    progress: Progress | None = None,
    on_downloaded: Callable[[FetchPlan, list[DownloadResult]], None] | None = None,
    say: Say | None = None,
) -> UpdateResult:
    """Fetch what is new from GOV.UK and load it into ``store``.

    ``store`` is an open writable Store, or a path (default: the CLI's store) that is opened
    for writing only once the downloads are done, so a failed download leaves no new file.
    ``on_plan`` sees the plan before anything is downloaded, ``on_downloaded`` the downloads
    before anything is loaded (the CLI prints both). Rejected files are listed in
    ``failed``; the store keeps its previous contents for them.
    """
    plan = plan_fetch(years, base=base, directory=directory, force=force)
    if on_plan:
        on_plan(plan)
    downloads = fetch(plan, progress=progress)
    if on_downloaded:
        on_downloaded(plan, downloads)
    result = UpdateResult(plan, downloads)
    if isinstance(store, Store):
        result.reports, result.failed = load_downloads(store, downloads, say=say)
    else:
        with open_store(store, read_only=False) as opened:
            result.reports, result.failed = load_downloads(opened, downloads, say=say)
    return result
