"""What the pages and the API ask of the store: stories, offence views and reference lists.

One ``Explorer`` serves the whole app. It holds one read-only DuckDB connection and gives each
request its own cursor (DuckDB connections are not thread-safe; cursors of one connection are
independent connections to the same database). An explorer serves one edition of the store
(``web.live`` swaps in a new explorer when the store changes), so finished stories and rendered
charts are kept in its own small LRU cache: the first request for a view computes it, the next
ones reuse it.

Every figure comes from ``crime_outcomes.analysis``: ``story()``, the function behind
``crime-outcomes story``, and ``offence()``, behind ``crime-outcomes offence``.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.changes import Changes, changes, parse_since
from crime_outcomes.analysis.leads import LeadSet, leads
from crime_outcomes.analysis.lines import display_name
from crime_outcomes.analysis.model import Story
from crime_outcomes.analysis.offence import OffenceView, offence
from crime_outcomes.analysis.selection import DEFAULT_PER
from crime_outcomes.analysis.seriousness import RuleSet, load_rules
from crime_outcomes.analysis.story import resolve_force, story
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.forces import FORCES, FRAUD, TERRITORIAL
from crime_outcomes.outputs.glossary_text import outcome_types_json  # noqa: F401  (the pages and the API import it from here)
from crime_outcomes.pipeline import open_store
from crime_outcomes.store import Store
from crime_outcomes.web.params import View

logger = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_SIZE = 1024
"""Entries kept computed (stories, their JSON, chart sets, offence views): serve's warm-up alone
fills 135; a chart set is ~50 KB of SVG, so the cache stays within tens of MB."""


class _Pending:
    """A value one thread is computing; the others asking for it wait for it instead of computing it again."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class LRUCache:
    """A small thread-safe least-recently-used cache of computed values, each computed once.

    Under load many requests ask for the same new view at once (a new edition has just been
    swapped in, or a link is shared): the first computes it and the rest wait for its result,
    so a view's charts are drawn once rather than once per waiting request.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            pending = self._pending.get(key)
            owner = pending is None
            if pending is None:
                pending = self._pending[key] = _Pending()
        if not owner:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            value = compute()
        except BaseException as exc:
            pending.error = exc
            raise
        else:
            pending.value = value
            with self._lock:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def ready(self, key: Hashable) -> tuple[bool, Any]:
        """The cached value without computing or waiting: (False, None) when it is not there yet."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return True, self._data[key]
        return False, None

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass(frozen=True)
class ForceRef:
    name: str
    display: str
    slug: str
    kind: str
    country: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "display": self.display, "slug": self.slug, "kind": self.kind, "country": self.country}


def force_refs() -> list[ForceRef]:
    """The 44 forces of England and Wales, territorial first, as ``crime-outcomes forces`` lists them."""
    rows = [f for f in FORCES.values() if f.kind != FRAUD]
    rows.sort(key=lambda f: (f.kind != TERRITORIAL, f.name))
    return [ForceRef(f.name, display_name(f.name), f.slug, f.kind, f.country or None) for f in rows]


class Explorer:
    """The store behind the app, its fixed facts, and the cached views."""

    def __init__(self, store: Store, rules_path: Path | None = None, cache_size: int = CACHE_SIZE) -> None:
        self._store = store
        self.store_path = store.path
        self._lock = threading.Lock()
        self.rules_path = rules_path
        self.label = store.label
        self.cache = LRUCache(cache_size)
        # One background scan for leads at a time, each period once: many new periods asked at once must not starve
        # the pages of the two cores a newsroom server may have.
        self._scans = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leads-scan")
        self._scans_asked: set[Hashable] = set()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        with self.reading() as s:
            self.years: list[str] = s.years()
            self.recorded_crime_years: list[str] = q.recorded_crime_years(s)
            self.labels: dict[str, q.OffenceLabel] = q.offence_labels(s, self.years) if self.years else {}
            self.codes: list[str] = q.offence_codes(s, self.years)
        self.rules: RuleSet = load_rules(rules_path)

    @classmethod
    def open(cls, db: Path | None, rules_path: Path | None = None) -> Explorer:
        return cls(open_store(db), rules_path)

    def close(self) -> None:
        self._scans.shutdown(wait=True, cancel_futures=True)
        self._store.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def scratch_dir(self) -> Path:
        """A private temporary folder for built packs, removed when the explorer closes."""
        with self._lock:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="crime-outcomes-web-")
            return Path(self._scratch.name)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A Store on a cursor of its own, for one request."""
        with self._lock:
            view = self._store.cursor()
        try:
            yield view
        finally:
            view.close()

    # ---------------------------------------------------------------- stories

    def story(self, force: str | None, view: View) -> Story:
        """The story for a force (canonical name; None = England and Wales) and view, cached."""
        key = ("story", force, view)

        def compute() -> Story:
            with self.reading() as s:
                return story(s, force=force, selection=replace(view.selection, rules=self.rules_path))

        return self.cache.get_or_compute(key, compute)

    def story_json(self, force: str | None, view: View) -> dict[str, Any]:
        return self.cache.get_or_compute(("story-json", force, view), lambda: self.story(force, view).to_json())

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.cache.get_or_compute(key, compute)

    @staticmethod
    def resolve(text: str) -> str:
        """A canonical force name for a slug or a name; NotFoundError otherwise."""
        return resolve_force(text)

    # ---------------------------------------------------------------- leads

    def leads(self, view: View) -> LeadSet:
        """Every force's leads over the default outcome selections for the view's period and basis, cached.

        One scan serves the ``/leads`` page whatever its filters and every force page's top leads:
        a force's leads are the same whether the scan covers one force or all of them.
        """
        key = ("leads", view.first, view.last, view.basis)

        def compute() -> LeadSet:
            with self.reading() as s:
                return leads(s, from_year=view.first, to_year=view.last, basis=view.basis, rules=self.rules_path)

        return self.cache.get_or_compute(key, compute)

    def leads_if_ready(self, view: View) -> LeadSet | None:
        """The view's leads if already found; otherwise None, and the scan starts in the background.

        A scan takes seconds on a long run of years, far longer than the rest of a force page, so a
        page for a period nobody has asked for before does not wait for it (the next visit shows it).
        """
        key = ("leads", view.first, view.last, view.basis)
        found, value = self.cache.ready(key)
        if found:
            return cast("LeadSet", value)
        with self._lock:
            if key not in self._scans_asked:
                self._scans_asked.add(key)
                try:
                    self._scans.submit(self._scan_quietly, view, key)
                except RuntimeError:  # closing: nobody will see the result
                    pass
        return None

    def _scan_quietly(self, view: View, key: Hashable) -> None:
        try:
            self.leads(view)
        except Exception:  # the /leads page reports the error when asked; a background scan has no one to tell
            logger.exception("background scan for leads failed")
        finally:
            with self._lock:
                self._scans_asked.discard(key)  # evicted from the cache later, it can be asked for again

    def leads_json(
        self,
        *,
        force: str | None,
        outcome: str | tuple[str, ...] | None,
        first: str | None,
        last: str | None,
        basis: str,
        top: int | None,
    ) -> dict[str, Any]:
        """Exactly what ``crime-outcomes leads --format json`` prints for the same options, cached."""
        key = ("leads-json", force, outcome, first, last, basis, top)

        def compute() -> dict[str, Any]:
            with self.reading() as s:
                found = leads(s, force=force, outcome=outcome, from_year=first, to_year=last, top=top, basis=basis, rules=self.rules_path)
            return found.to_json()

        return self.cache.get_or_compute(key, compute)

    # ---------------------------------------------------------------- offences

    def has_code(self, code: str) -> bool:
        return code in self.labels or code in self.codes

    def offence(self, code: str, view: View) -> OffenceView:
        """One offence code over the view's period, cached; NotFoundError for a code the store lacks."""
        if not self.has_code(code):
            raise NotFoundError(f"offence code {code!r} is not in the store (see /api/offences for the codes it holds)")
        return self.cache.get_or_compute(("offence", code, view), lambda: self._offence(code, view))

    def _offence(self, code: str, view: View) -> OffenceView:
        # The offence view always divides by all outcomes for the code, whatever the page's per.
        selection = replace(view.selection, per=DEFAULT_PER)
        with self.reading() as s:
            return offence(s, code, selection=selection, rule_set=self.rules)

    # ---------------------------------------------------------------- editions

    def changes(self, since: str | None) -> Changes:
        """What each edition changed (``crime-outcomes changes``), cached; a bad ``since`` raises SelectionError."""
        since_date = parse_since(since)

        def compute() -> Changes:
            with self.reading() as s:
                return changes(s, since=since_date)

        return self.cache.get_or_compute(("changes", since_date), compute)

    def changes_json(self, since: str | None) -> dict[str, Any]:
        return self.cache.get_or_compute(("changes-json", parse_since(since)), lambda: self.changes(since).to_json())

    def edition_dates(self) -> list[str]:
        """Every edition date of the outcomes data loaded, newest first (the /changes page's choices)."""
        with self.reading() as s:
            rows = s.fetchall(
                "SELECT DISTINCT edition_date FROM sources WHERE kind = 'outcomes' AND edition_date IS NOT NULL ORDER BY 1 DESC"
            )
        return [r[0].isoformat() for r in rows]

    def offences_json(self) -> list[dict[str, Any]]:
        """Every offence code in the store with its latest published labels."""
        out = []
        for code in self.codes:
            label = self.labels.get(code)
            out.append(
                {
                    "code": code,
                    "description": label.description if label else None,
                    "group": label.group if label else None,
                    "subgroup": label.subgroup if label else None,
                    "expired": label.expired_any if label else False,
                    "latest_year": label.year if label else None,
                }
            )
        return out
