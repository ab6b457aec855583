"""The edition the server shows: a private snapshot of the store, replaced when the store changes.

DuckDB lets one process write a file or several read it, never both: a reader's shared lock
makes ``ingest`` fail, and an ingest's exclusive lock makes every reader fail. So the server
never opens the store itself. It copies the store file into a private folder and serves the
copy; a watcher (and every request, at most once a ``check_every``) looks at the store's size,
modification time and inode, and when they have changed copies it again and swaps the new
copy in. A copy is kept only if the file did not change while it was being copied and no
write-ahead log sat beside it (an ingest in progress), so it is always a state the store was
really in; otherwise the current edition stays and the next check tries again.

Each request leases the edition current when it starts and finishes on it; a replaced edition
is closed (and its copy deleted) when its last request ends. Everything computed from an
edition (stories, charts, offence views) lives in that edition's ``Explorer`` cache, so caches
are keyed by edition and a new edition starts with none.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crime_outcomes.errors import StoreError
from crime_outcomes.sample import open_sample_store
from crime_outcomes.settings import default_db_path
from crime_outcomes.store import Store
from crime_outcomes.web.explorer import Explorer

log = logging.getLogger("crime_outcomes.web")

Signature = tuple[int, int, int, int]
"""(device, inode, size, modification time in ns) of the store file."""


def signature(path: Path) -> Signature | None:
    """What identifies one state of the store file; None when there is no file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@dataclass(eq=False)
class Edition:
    """One snapshot being served, with the number of requests still using it."""

    number: int
    explorer: Explorer
    source: Signature | None  # the store file state it was copied from (None: the bundled sample)
    leases: int = 0
    retired: bool = False


class LiveStore:
    """Serves the newest consistent snapshot of the store at ``db`` (or the bundled sample)."""

    def __init__(
        self,
        db: Path | None,
        rules_path: Path | None = None,
        *,
        check_every: float = 1.0,
        first_copy_timeout: float = 60.0,
    ) -> None:
        self.db = Path(db).expanduser() if db is not None else default_db_path()
        self.rules_path = rules_path
        self.check_every = check_every
        self._folder: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(prefix="crime-outcomes-serve-")
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._numbers = 0
        self._last_check = time.monotonic()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.on_swap: list[Callable[[Explorer], None]] = []
        self.before_swap: list[Callable[[Explorer], None]] = []
        """Run on a new edition before it is served (``serve`` computes its default views, within a time limit)."""
        self.swaps = 0
        first = self._first_edition(first_copy_timeout)
        self._current = first
        self._retired: list[Edition] = []

    # ------------------------------------------------------------------ serving

    @property
    def current(self) -> Explorer:
        """The edition new requests get (for code outside a request; requests use ``lease``)."""
        return self._current.explorer

    @property
    def edition(self) -> int:
        """How many snapshots this server has taken: 1 at start, one more per swap."""
        return self._current.number

    @contextmanager
    def lease(self) -> Iterator[Explorer]:
        """The current edition, kept open until the block ends even if a newer one is swapped in."""
        self.maybe_refresh()
        with self._lock:
            edition = self._current
            edition.leases += 1
        try:
            yield edition.explorer
        finally:
            with self._lock:
                edition.leases -= 1
                done = edition.retired and edition.leases == 0
                if done:
                    self._retired.remove(edition)
            if done:
                self._close(edition)

    # ------------------------------------------------------------------ watching

    def maybe_refresh(self) -> None:
        """At most once a ``check_every``, look for a changed store in a background thread."""
        now = time.monotonic()
        if now - self._last_check < self.check_every or self._refreshing.locked():
            return
        self._last_check = now
        threading.Thread(target=self.refresh, name="store-refresh", daemon=True).start()

    def start_watching(self, every: float | None = None) -> None:
        """Check the store every ``every`` seconds (default ``check_every``) even when no one asks."""
        if self._watcher is not None:
            return
        interval = every or self.check_every

        def watch() -> None:
            while not self._stop.wait(interval):
                self.refresh()

        self._watcher = threading.Thread(target=watch, name="store-watch", daemon=True)
        self._watcher.start()

    def refresh(self) -> bool:
        """Swap in a snapshot of the store if it changed; True if a new edition is now served."""
        if not self._refreshing.acquire(blocking=False):
            return False
        try:
            seen = signature(self.db)
            if seen is None or seen == self._current.source:
                return False
            try:
                edition = self._snapshot(seen)
            except StoreError as exc:
                log.warning("the store changed but cannot be served yet: %s", exc)
                return False
            if edition is None:
                return False
            for prepare in self.before_swap:
                try:
                    prepare(edition.explorer)
                except Exception:  # preparing is an optimisation: the new edition is served all the same
                    log.exception("preparing edition %d failed", edition.number)
            with self._lock:
                old = self._current
                self._current = edition
                old.retired = True
                idle = old.leases == 0
                if not idle:
                    self._retired.append(old)
            if idle:
                self._close(old)
            self.swaps += 1
            log.info("serving edition %d of %s", edition.number, self.db)
            for callback in self.on_swap:
                callback(edition.explorer)
            return True
        finally:
            self._refreshing.release()

    # ------------------------------------------------------------------ snapshots

    def _first_edition(self, timeout: float) -> Edition:
        """The edition at start: retried while an ingest is writing, then a clear error."""
        deadline = time.monotonic() + timeout
        while True:
            seen = signature(self.db)
            if seen is None:
                return self._sample_edition()
            edition = self._snapshot(seen)
            if edition is not None:
                return edition
            if time.monotonic() > deadline:
                raise StoreError(
                    f"the store {self.db} kept changing for {timeout:.0f} s (an ingest is running?): try again when it has finished"
                )
            time.sleep(0.2)

    def _sample_edition(self) -> Edition:
        self._numbers += 1
        return Edition(self._numbers, Explorer(open_sample_store(), self.rules_path), None)

    def _snapshot(self, seen: Signature) -> Edition | None:
        """A consistent copy of the store as it is in state ``seen``, opened; None if it moved meanwhile."""
        wal = wal_path(self.db)
        if wal.exists():
            return None
        assert self._folder is not None
        copy = Path(self._folder.name) / f"edition-{self._numbers + 1}.duckdb"
        try:
            shutil.copyfile(self.db, copy)
        except FileNotFoundError:
            copy.unlink(missing_ok=True)
            return None
        except OSError as exc:
            copy.unlink(missing_ok=True)
            raise StoreError(f"cannot copy the store {self.db} to serve it: {exc.strerror or exc}") from None
        if signature(self.db) != seen or wal.exists():
            copy.unlink()
            return None
        try:
            store = Store.open(copy, read_only=True, label=str(self.db))
        except StoreError:
            copy.unlink()
            raise
        if store.is_empty():
            store.close()
            copy.unlink()
            self._numbers += 1
            return Edition(self._numbers, Explorer(open_sample_store(), self.rules_path), seen)
        self._numbers += 1
        return Edition(self._numbers, Explorer(store, self.rules_path), seen)

    def _close(self, edition: Edition) -> None:
        path = edition.explorer.store_path
        edition.explorer.close()
        if path is not None and self._folder is not None and path.parent == Path(self._folder.name):
            try:
                os.unlink(path)
            except OSError:
                pass

    def close(self) -> None:
        """Stop watching, close every edition and delete the copies."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        with self._refreshing:
            with self._lock:
                editions = [self._current, *self._retired]
                self._retired = []
            for edition in editions:
                edition.explorer.close()
            if self._folder is not None:
                self._folder.cleanup()
                self._folder = None


__all__ = ["Edition", "LiveStore", "signature"]
