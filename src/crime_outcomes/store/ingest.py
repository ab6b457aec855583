"""Loading source files into the store: read, normalise, account for every row, commit.

One file is one transaction. Re-ingesting the same bytes is a no-op; a newer edition of a
year replaces the older one (and the changed force-year figures are kept in
``revisions``); a file that cannot be read as a whole changes nothing.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import shutil
import tempfile
import traceback
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from pathlib import Path

import polars as pl
import pyarrow as pa

from crime_outcomes.errors import EXIT_LIMIT, InputError, LimitError, Location, StoreError
from crime_outcomes.faults import crash_point
from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
from crime_outcomes.readers import SkippedSheet, read_file
from crime_outcomes.readers.spreadsheet import report_deadline_on_stderr
from crime_outcomes.settings import limits_from_env
from crime_outcomes.sources.filenames import edition_from_filename, sha256_file, year_from_filename
from crime_outcomes.store import Store
from crime_outcomes.store.load import LOADED, OLDER_SKIPPED, REPLACED, UNCHANGED, Revision, SourceRecord, known_source, load_source

__all__ = [
    "LOADED",
    "OLDER_SKIPPED",
    "REPLACED",
    "UNCHANGED",
    "IngestReport",
    "Progress",
    "Revision",
    "default_workers",
    "ingest_file",
    "ingest_files",
]

Progress = Callable[[str], None]


@dataclass
class IngestReport:
    """What happened to one file: the row accounting always satisfies read = loaded + rejected."""

    path: str
    file_name: str
    sha256: str
    status: str
    kind: str = ""
    source_id: int | None = None
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    edition_date: date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_alternate: int = 0
    rows_rejected: int = 0
    replaced_source_ids: list[int] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected_reasons: dict[str, int] = field(default_factory=dict)


def ingest_file(store: Store, path: Path | str, *, edition: date | None = None, progress: Progress | None = None) -> IngestReport:
    """Load one published file into ``store`` in a single transaction."""
    path = Path(path)
    say = progress or (lambda _msg: None)
    if store.read_only:
        raise StoreError(f"the store {store.label} is open read-only")
    _check_path(path)
    crash_point("ingest.hash")
    say(f"hashing {path.name}")
    digest = sha256_file(path)
    unchanged = _unchanged(store, path, digest, edition)
    if unchanged is not None:
        return unchanged
    report, sheets = _prepare(path, digest, edition, say)
    say(f"writing {report.rows_loaded:,} rows to the store")
    _write(store, report, sheets, path)
    return report


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(Location(str(path)), "no such file")
    if path.is_dir():
        raise InputError(Location(str(path)), "this is a folder", expected="a file")


def _unchanged(store: Store, path: Path, digest: str, edition: date | None) -> IngestReport | None:
    """The report for a file the store already holds (same SHA-256), else None."""
    known = known_source(store, digest)
    if not known:
        return None
    report = IngestReport(path=str(path), file_name=path.name, sha256=digest, status=UNCHANGED)
    report.edition_date = edition or edition_from_filename(path.name)
    report.source_id, report.kind, report.years = known.source_id, known.kind, known.years
    report.rows_read, report.rows_loaded, report.rows_alternate, report.rows_rejected = (
        known.rows_read,
        known.rows_loaded,
        known.rows_alternate,
        known.rows_rejected,
    )
    report.notes.append("this file (same SHA-256) is already in the store; nothing was changed")
    return report


def _prepare(path: Path, digest: str, edition: date | None, say: Progress) -> tuple[IngestReport, list[NormalisedSheet]]:
    """Read and normalise one file and account for every row; touches no store, so it can run in a worker process."""
    report = IngestReport(path=str(path), file_name=path.name, sha256=digest, status=LOADED)
    report.edition_date = edition or edition_from_filename(path.name)
    crash_point("ingest.read")
    say(f"reading {path.name}")
    sheets: list[NormalisedSheet] = []
    expected_year = year_from_filename(path.name)
    for raw in read_file(path, report.skipped_sheets):
        crash_point("ingest.normalise")
        say(f"normalising sheet {raw.sheet or path.name} ({raw.num_rows:,} rows)")
        sheets.append(normalise_sheet(raw, expected_year=expected_year))
    if not sheets:
        found = ", ".join(repr(s.sheet) for s in report.skipped_sheets) or "no sheets"
        raise InputError(
            Location(str(path)),
            "no data sheet found",
            expected="a sheet whose header row names 'Force Name', 'Offence Code', 'Financial Year' and 'Financial Quarter'",
            found=found,
        )
    kinds = {s.kind for s in sheets}
    if len(kinds) > 1:
        raise InputError(
            Location(str(path)),
            "the file mixes outcomes sheets and recorded-crime sheets",
            found=", ".join(f"{s.sheet}: {s.kind}" for s in sheets),
        )
    report.kind = kinds.pop()
    report.sheets = [s.sheet or path.name for s in sheets]
    report.rows_read = sum(s.rows_read for s in sheets)
    report.rows_loaded = sum(s.rows_loaded for s in sheets)
    report.rows_alternate = sum(s.alternate.height for s in sheets)
    report.rows_rejected = sum(s.rejected.height for s in sheets)
    report.years = sorted(set().union(*(s.years for s in sheets)))
    for s in sheets:
        report.notes.extend(s.notes)
        if s.rejected.height:
            for reason, n in s.rejected.group_by("reason").len().iter_rows():
                key = re.sub(r"row \d+", "row N", reason)
                report.rejected_reasons[key] = report.rejected_reasons.get(key, 0) + n
    if report.rows_read != report.rows_loaded + report.rows_rejected:
        # A bug in normalisation, never the file's fault; refuse to load rather than lose rows.
        raise InputError(
            Location(str(path)),
            "the row accounting does not add up, so nothing was loaded (this is a bug in crime-outcomes; please report it)",
            expected=f"rows read = rows loaded + rows rejected ({report.rows_read:,})",
            found=f"{report.rows_read:,} read, {report.rows_loaded:,} loaded, {report.rows_rejected:,} rejected",
        )
    if not report.years:
        if not report.rows_read:
            raise InputError(
                Location(str(path), report.sheets[0]), "no row could be loaded", expected="data rows", found="a header and no data rows"
            )
        # Name the first rejected cell and the commonest reason, so the user can act on it.
        first_sheet = next(s for s in sheets if s.rejected.height)
        first = first_sheet.rejected.sort("source_row").row(0, named=True)
        reason, count = max(report.rejected_reasons.items(), key=lambda kv: kv[1])
        raise InputError(
            Location(str(path), first_sheet.sheet, first["source_row"], first["column_name"]),
            f"no row could be loaded: all {report.rows_read:,} rows were rejected",
            expected="data rows",
            found=f"{first['reason']} here; commonest reason: {reason} ({count:,} rows)",
        )

    return report, sheets


def _write(store: Store, report: IngestReport, sheets: list[NormalisedSheet], path: Path) -> None:
    """Hand the sheets to the store layer and record in the report what the load did."""
    record = SourceRecord(
        file_name=path.name,
        path=str(path.resolve()),
        sha256=report.sha256,
        kind=report.kind,
        edition_date=report.edition_date,
        years=report.years,
        sheets=report.sheets,
        rows_read=report.rows_read,
        rows_loaded=report.rows_loaded,
        rows_alternate=report.rows_alternate,
        rows_rejected=report.rows_rejected,
        notes=list(report.notes),
    )
    crash_point("ingest.write")
    result = load_source(store, record, sheets)
    report.status = result.status
    if result.status == OLDER_SKIPPED and result.newer_edition is not None:
        report.notes.append(
            f"the store already holds a newer edition ({result.newer_edition:%d %B %Y}) of {', '.join(report.years)}; this older edition was not loaded"
        )
        return
    report.source_id = result.source_id
    report.replaced_source_ids = result.replaced_source_ids
    report.revisions = result.revisions


# --------------------------------------------------------------------------------------------
# Several files: read in worker processes, written here in the order given


def default_workers(files: int) -> int:
    """Processes to read ``files`` files with: the cores this process may use, at most one per file."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, files))


def ingest_files(
    store: Store,
    items: Iterable[tuple[Path | str, date | None]],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Generator[tuple[Path, IngestReport | InputError], None, None]:
    """Load ``(path, edition)`` items, yielding each file's report, or the InputError that rejected it, in the order given.

    Up to ``workers`` files (default: the cores) are read and normalised at once, each in a
    worker process of its own (the spreadsheet reader and the guards hold the GIL, and a
    reader that runs away can then be ended with its process). Only this process touches the
    store, writing each file in its own transaction in the order given and deciding then
    whether the store already holds it, so the store ends exactly as loading the files one
    by one would leave it. Closing the generator early stops the workers.
    """
    say = progress or (lambda _msg: None)
    if store.read_only:
        raise StoreError(f"the store {store.label} is open read-only")
    todo = [(Path(p), e) for p, e in items]
    workers = workers or default_workers(len(todo))
    if workers <= 1 or len(todo) <= 1:
        for path, edition in todo:
            try:
                yield path, ingest_file(store, path, edition=edition, progress=progress)
            except InputError as exc:
                yield path, exc
        return

    files = _Pending(store, todo, say)
    pool = _ReaderPool(workers)
    try:
        for index, (path, edition) in enumerate(todo):
            digest = files.digest(index)
            if isinstance(digest, InputError):
                yield path, digest
                continue
            unchanged = _unchanged(store, path, digest, edition)  # an earlier file of this call may have been the same
            if unchanged is not None:
                pool.forget(index)
                yield path, unchanged
                continue
            # This file and the next ones (at most ``workers`` ahead) are read while earlier ones are written.
            result = pool.result(index, functools.partial(files.top_up, pool, index))
            if isinstance(result, InputError):
                yield path, result
                continue
            report, sheets = result
            say(f"writing {report.rows_loaded:,} rows from {path.name} to the store")
            _write(store, report, sheets, path)
            del sheets, result
            yield path, report
    finally:
        pool.stop()


class _Pending:
    """The files of one call: each is hashed when first needed, so hashing overlaps the reading of earlier ones."""

    def __init__(self, store: Store, todo: list[tuple[Path, date | None]], say: Progress) -> None:
        self.store, self.todo, self.say = store, todo, say
        self.digests: dict[int, str | InputError] = {}
        self.to_read: dict[int, bool] = {}

    def digest(self, index: int) -> str | InputError:
        """The file's SHA-256, or the InputError that settles it without reading (missing, a folder, unreadable)."""
        if index not in self.digests:
            path = self.todo[index][0]
            try:
                _check_path(path)
                crash_point("ingest.hash")
                self.say(f"hashing {path.name}")
                self.digests[index] = sha256_file(path)
            except InputError as exc:
                self.digests[index] = exc
            except OSError as exc:
                self.digests[index] = InputError(Location(str(path)), "the file cannot be read", found=str(exc))
        return self.digests[index]

    def needs_reading(self, index: int) -> bool:
        """Whether the file must be read: it can be, and the store does not already hold its bytes."""
        if index not in self.to_read:
            digest = self.digest(index)
            self.to_read[index] = isinstance(digest, str) and known_source(self.store, digest) is None
        return self.to_read[index]

    def top_up(self, pool: _ReaderPool, index: int) -> None:
        """Start reading file ``index`` and those after it, in order, while a worker is free."""
        for ahead in range(index, min(len(self.todo), index + pool.size + 1)):
            if not pool.free():
                return
            if not pool.has(ahead) and self.needs_reading(ahead):
                path, edition = self.todo[ahead]
                self.say(f"reading {path.name}")
                digest = self.digest(ahead)
                assert isinstance(digest, str)
                pool.start(ahead, path, digest, edition)


_Result = tuple[IngestReport, list[NormalisedSheet]] | InputError


class _ReaderPool:
    """At most ``size`` worker processes, one per file, each sending back its file's sheets or error."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.context = _process_context()
        self.running: dict[int, tuple[BaseProcess, Connection, Path]] = {}
        self.done: dict[int, _Result] = {}
        try:
            self.spool: Path | None = Path(tempfile.mkdtemp(prefix="crime-outcomes-ingest-"))
        except OSError:  # no temporary folder to write to: the pipe carries the tables too
            self.spool = None

    def has(self, index: int) -> bool:
        return index in self.running or index in self.done

    def free(self) -> bool:
        return len(self.running) < self.size

    def start(self, index: int, path: Path, digest: str, edition: date | None) -> None:
        receive, send = self.context.Pipe(duplex=False)
        env = {k: v for k, v in os.environ.items() if k.startswith("CRIME_OUTCOMES_")}
        spool = self.spool / str(index) if self.spool else None
        proc = self.context.Process(
            target=_read_in_worker, args=(send, path, digest, edition, env, spool), name=f"read {path.name}", daemon=True
        )
        proc.start()
        send.close()
        self.running[index] = (proc, receive, path)

    def result(self, index: int, top_up: Callable[[], None]) -> _Result:
        """Wait for file ``index``, collecting any other file that finishes meanwhile."""
        while index not in self.done:
            top_up()
            waiting: dict[object, int] = {}
            for i, (proc, conn, _p) in self.running.items():
                waiting[conn] = i
                waiting[proc.sentinel] = i
            for ready in wait(list(waiting)):  # type: ignore[arg-type]
                i = waiting[ready]
                if i in self.running:
                    self._collect(i)
        top_up()  # the worker that read this file takes the next one before this one is written
        return self.done.pop(index)

    def _collect(self, index: int) -> None:
        proc, conn, path = self.running.pop(index)
        try:
            outcome = conn.recv() if conn.poll() else None
        except (EOFError, OSError):
            outcome = None
        finally:
            conn.close()
        proc.join()
        if outcome is None:
            self.done[index] = _worker_died(path, proc.exitcode)
        elif isinstance(outcome, tuple) and outcome[0] == "bug":
            raise RuntimeError(f"reading {path.name} failed in a worker process:\n{outcome[1]}")
        elif isinstance(outcome, tuple) and outcome[0] == "spooled":
            _, report, sheets, spooled = outcome
            try:
                _unspool(sheets, spooled)
            except (OSError, pa.ArrowException) as exc:
                self.done[index] = InputError(
                    Location(str(path)),
                    "the rows read from this file could not be taken back from the temporary folder they were handed over in, "
                    "so nothing from it was written to the store",
                    found=str(exc),
                )
            else:
                self.done[index] = report, sheets
        else:
            self.done[index] = outcome

    def forget(self, index: int) -> None:
        """Drop a file no longer needed (the store took the same bytes from an earlier file)."""
        if index in self.running:
            proc, conn, _path = self.running.pop(index)
            proc.terminate()
            proc.join()
            conn.close()
        self.done.pop(index, None)

    def stop(self) -> None:
        for proc, conn, _path in self.running.values():
            proc.terminate()
            proc.join()
            conn.close()
        self.running.clear()
        self.done.clear()
        if self.spool:
            shutil.rmtree(self.spool, ignore_errors=True)


def _worker_died(path: Path, exitcode: int | None) -> InputError:
    if exitcode == EXIT_LIMIT:
        seconds = limits_from_env().max_parse_seconds
        return LimitError(
            Location(str(path)),
            f"the spreadsheet reader was still busy after {seconds:,g} s (CRIME_OUTCOMES_MAX_PARSE_SECONDS); the file is probably malformed. Nothing from it was written to the store",
        )
    how = f"was killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"ended with code {exitcode}"
    return InputError(
        Location(str(path)),
        f"the process reading this file {how} before it finished (perhaps it ran out of memory). Nothing from it was written to the store",
    )


def _process_context() -> ForkServerContext | SpawnContext:
    """Workers forked from a clean server process that has imported the readers once (spawned where fork is missing)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crime_outcomes.store.ingest"])
        return context
    return multiprocessing.get_context("spawn")


def _spool(sheets: list[NormalisedSheet], folder: Path) -> list[str]:
    """Write each sheet's main table to an Arrow IPC file and empty it, so the pipe carries only the rest.

    Half a million rows pickled through a pipe cost the main process about 0.25 s of CPU to
    receive; read back from a file it is about 0.02 s.
    """
    folder.mkdir()
    paths = []
    for n, sheet in enumerate(sheets):
        path = folder / f"{n}.arrow"
        sheet.main.write_ipc(path, compression="uncompressed")
        paths.append(str(path))
    for sheet in sheets:
        sheet.main = sheet.main.clear()
    return paths


def _unspool(sheets: list[NormalisedSheet], paths: list[str]) -> None:
    """Put back each sheet's main table from the file ``_spool`` wrote, and remove the file."""
    for sheet, path in zip(sheets, paths, strict=True):
        with pa.OSFile(path) as source:
            table = pa.ipc.open_file(source).read_all()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        sheet.main = frame
        Path(path).unlink()


def _read_in_worker(conn: Connection, path: Path, digest: str, edition: date | None, env: dict[str, str], spool: Path | None) -> None:
    """Worker process: read and normalise one file and send back the sheets, or the InputError that rejects it."""
    # The limits and crash points are read from the environment: use the caller's, as it is now.
    for key in [k for k in os.environ if k.startswith("CRIME_OUTCOMES_")]:
        del os.environ[key]
    os.environ.update(env)
    report_deadline_on_stderr(False)  # the main process reports a reader that ran out of time
    try:
        report, sheets = _prepare(path, digest, edition, lambda _msg: None)
        outcome: object = report, sheets
        if spool is not None:
            try:
                outcome = ("spooled", report, sheets, _spool(sheets, spool))
            except (OSError, pl.exceptions.PolarsError):  # no room for the spool: the pipe carries the tables too
                shutil.rmtree(spool, ignore_errors=True)
    except InputError as exc:
        outcome = exc
    except Exception:  # noqa: BLE001 - a bug: its traceback goes to the main process, which raises it
        outcome = ("bug", traceback.format_exc())
    conn.send(outcome)
    conn.close()
