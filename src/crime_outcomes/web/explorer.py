"""What the pages and the API ask of the store: stories, offence views and reference lists.

One ``Explorer`` serves the whole app. It holds one read-only DuckDB connection and gives each
request its own cursor (DuckDB connections are not thread-safe; cursors of one connection are
independent connections to the same database). The store cannot change while it is open
read-only, so finished stories and rendered charts are kept in a small LRU cache: the first
request for a view computes it, the next ones reuse it.

Every figure comes from ``crime_outcomes.analysis.story.story``, the function behind
``crime-outcomes story``; the only queries here are the offence page's per-force breakdown and
the look-up lists, all parameterised.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crime_outcomes.analysis import stats
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.seriousness import RuleHit, RuleSet, load_rules
from crime_outcomes.analysis.story import Story, resolve_force, story
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.forces import FORCES, FRAUD, TERRITORIAL
from crime_outcomes.outputs.glossary_text import outcome_types_json  # noqa: F401  (the pages and the API import it from here)
from crime_outcomes.pipeline import open_store
from crime_outcomes.store import Store
from crime_outcomes.web.params import View

T = TypeVar("T")

CACHE_SIZE = 1024
"""Entries kept computed (stories, their JSON, chart sets, offence views): serve's warm-up alone
fills 135; a chart set is ~50 KB of SVG, so the cache stays within tens of MB."""


class LRUCache:
    """A small thread-safe least-recently-used cache of computed values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two threads may compute the same view once each
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

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


@dataclass(frozen=True)
class OffenceForceRow:
    """One force's figures for one offence code over the period."""

    force: str
    slug: str
    kind: str
    count: int
    denominator: int  # all its outcomes (types 1-22) for this offence
    share: float | None
    share_of_national: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "force": self.force, "slug": self.slug, "kind": self.kind, "count": self.count,
            "denominator": self.denominator, "share": self.share, "share_of_national": self.share_of_national,
        }


@dataclass(frozen=True)
class OffenceYearRow:
    year: str
    count: int
    denominator: int
    share: float | None

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "count": self.count, "denominator": self.denominator, "share": self.share}


@dataclass(frozen=True)
class OffenceView:
    """An offence code over a period: which forces gave the outcome for it, and the national series."""

    code: str
    description: str | None
    group: str | None
    subgroup: str | None
    expired: bool
    view: View
    count: int
    denominator: int
    share: float | None
    forces: list[OffenceForceRow]
    by_year: list[OffenceYearRow]
    rules: tuple[RuleHit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "group": self.group,
            "subgroup": self.subgroup,
            "expired": self.expired,
            "outcome": {"types": list(self.view.types), "label": self.view.label},
            "period": {"from": self.view.first, "to": self.view.last, "years": list(self.view.years)},
            "basis": self.view.basis,
            "national": {"count": self.count, "denominator": self.denominator, "share": self.share},
            "serious": bool(self.rules),
            "rules": [h.to_json() for h in self.rules],
            "forces": [f.to_json() for f in self.forces],
            "by_year": [y.to_json() for y in self.by_year],
        }


def force_refs() -> list[ForceRef]:
    """The 44 forces of England and Wales, territorial first, as ``crime-outcomes forces`` lists them."""
    from crime_outcomes.analysis.lines import display_name

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
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        with self.reading() as s:
            self.years: list[str] = s.years()
            self.recorded_crime_years: list[str] = q.recorded_crime_years(s)
            self.labels: dict[str, q.OffenceLabel] = q.offence_labels(s, self.years) if self.years else {}
            codes = {r[0] for r in s.fetchall("SELECT DISTINCT offence_code FROM outcomes")}
        self.codes: list[str] = sorted(codes | set(self.labels))
        self.rules: RuleSet = load_rules(rules_path)

    @classmethod
    def open(cls, db: Path | None, rules_path: Path | None = None) -> Explorer:
        return cls(open_store(db), rules_path)

    def close(self) -> None:
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
                return story(s, force=force, outcome=view.outcome, first=view.first, last=view.last,
                             basis=view.basis, per=view.per, rules_path=self.rules_path)

        return self.cache.get_or_compute(key, compute)

    def story_json(self, force: str | None, view: View) -> dict[str, Any]:
        return self.cache.get_or_compute(("story-json", force, view), lambda: self.story(force, view).to_json())

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.cache.get_or_compute(key, compute)

    @staticmethod
    def resolve(text: str) -> str:
        """A canonical force name for a slug or a name; NotFoundError otherwise."""
        return resolve_force(text)

    # ---------------------------------------------------------------- offences

    def has_code(self, code: str) -> bool:
        return code in self.labels or code in self.codes

    def offence(self, code: str, view: View) -> OffenceView:
        """One offence code over the view's period, cached; NotFoundError for a code the store lacks."""
        if not self.has_code(code):
            raise NotFoundError(f"offence code {code!r} is not in the store (see /api/offences for the codes it holds)")
        return self.cache.get_or_compute(("offence", code, view), lambda: self._offence(code, view))

    def _offence(self, code: str, view: View) -> OffenceView:
        col = q.BASIS_COLUMNS[view.basis]
        type_marks = ", ".join("?" for _ in view.types)
        year_marks = ", ".join("?" for _ in view.years)
        sql = f"""
            SELECT financial_year, force,
                   coalesce(sum({col}) FILTER (WHERE outcome_type IN ({type_marks})), 0) AS cnt,
                   coalesce(sum({col}), 0) AS den
            FROM outcomes
            WHERE offence_code = ?
              AND financial_year IN ({year_marks})
              AND outcome_type BETWEEN 1 AND 22
              AND force IN (SELECT force FROM forces WHERE kind <> 'fraud')
            GROUP BY financial_year, force
            ORDER BY financial_year, force
        """
        with self.reading() as s:
            rows = s.fetchall(sql, [*view.types, code, *view.years])
            period_labels = q.offence_labels(s, view.years)
        by_force: dict[str, list[int]] = {}
        by_year: dict[str, list[int]] = {y: [0, 0] for y in view.years}
        for year, force, cnt, den in rows:
            f = by_force.setdefault(force, [0, 0])
            f[0] += int(cnt)
            f[1] += int(den)
            by_year[year][0] += int(cnt)
            by_year[year][1] += int(den)
        count = sum(v[0] for v in by_force.values())
        denominator = sum(v[1] for v in by_force.values())
        forces = [
            OffenceForceRow(name, FORCES[name].slug, FORCES[name].kind, c, d, stats.share(c, d), stats.share(c, count))
            for name, (c, d) in by_force.items()
            if name in FORCES
        ]
        forces.sort(key=lambda r: (-r.count, -r.denominator, r.force))
        label = period_labels.get(code) or self.labels.get(code)
        return OffenceView(
            code=code,
            description=label.description if label else None,
            group=label.group if label else None,
            subgroup=label.subgroup if label else None,
            expired=label.expired_any if label else False,
            view=view,
            count=count,
            denominator=denominator,
            share=stats.share(count, denominator),
            forces=forces,
            by_year=[OffenceYearRow(y, c, d, stats.share(c, d)) for y, (c, d) in by_year.items()],
            rules=tuple(self.rules.match(code, view.types, view.years)),
        )

    def offences_json(self) -> list[dict[str, Any]]:
        """Every offence code in the store with its latest published labels."""
        out = []
        for code in self.codes:
            label = self.labels.get(code)
            out.append({
                "code": code,
                "description": label.description if label else None,
                "group": label.group if label else None,
                "subgroup": label.subgroup if label else None,
                "expired": label.expired_any if label else False,
                "latest_year": label.year if label else None,
            })
        return out
