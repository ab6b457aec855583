"""What each edition loaded changed: ``crime-outcomes changes`` and ``changes()`` in the API.

For every edition of the outcomes data in the store (the files loaded with one edition date),
in the order they were loaded: the years it added with their headline figures, the back-years
it republished and each force-year-outcome figure it revised (old and new), and the leads it
made new or took away. The store keeps what this needs for every edition: ``source_years``
(which years each file added or replaced), ``revisions`` (every figure a newer edition
changed) and the lead snapshots taken after each load. The figures of a year as an edition
published them are today's figures with every later revision undone (a revision keeps the old
value), so a summary reads the same after later editions have arrived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crime_outcomes.analysis.lines import display_name
from crime_outcomes.errors import SelectionError
from crime_outcomes.normalise.forces import FORCES, FRAUD, TERRITORIAL
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS, OUTCOME_TYPES, describe_types
from crime_outcomes.store import Store
from crime_outcomes.store.snapshots import SnapshotLead
from crime_outcomes.text import choose_places, number, percent

SCHEMA_VERSION = "1.0"

HEADLINE_GROUPS = ("charged", "out-of-court", "community-resolution")
"""The outcome groups a new year's headline figures give, each as a count and a share of all outcomes."""

BASIS = "closed"
"""Headline figures use the closed basis (decisions made in the year), which editions do not keep revising."""

DEFINITIONS: dict[str, str] = {
    "edition": "The files of the outcomes data loaded with one edition date (from the file name, or given to ingest), in the order "
    "they were loaded. A file with no edition date is an edition of its own. since: only editions dated after that date.",
    "new_years": "Financial years the edition added: the store held no earlier figures for them.",
    "revised_years": "Financial years the edition republished, replacing the figures an earlier edition gave.",
    "headline": "For each new year, on the closed basis (outcomes of investigations closed in the year): all outcomes (types 1-22) "
    "and, for charges and summonses (type 1), out-of-court disposals (2, 3, 6, 7, 8, 22) and community resolutions (8), the count "
    "and its share of all outcomes, with the share in the year before when the store then held it. Figures as the edition "
    "published them: a later edition's revisions are undone. England and Wales is the 44 forces.",
    "revisions": "Every force-year-outcome total that differs between the edition and the one it replaced, on each basis "
    "(closed; recorded: outcomes so far of crimes recorded in the year, which rise in every edition as investigations close): "
    "old and new value (null: the earlier edition had no such figure) and change = new - old.",
    "leads": "Leads (crime-outcomes leads) found in the store before the edition was loaded and after it, compared by their "
    "stable key: new leads are found after it but not before (a revision can create one), gone leads before but not after. "
    "known is false when no snapshot of the leads was taken before or after the edition (it was loaded by an older release, "
    "or not through ingest or update).",
    "forces": "The same, force by force: its headline figures, the figures revised and its new and gone leads.",
}


@dataclass(frozen=True)
class GroupFigure:
    group: str
    label: str
    count: int
    share: float | None
    previous_share: float | None

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "label": self.label, "count": self.count, "share": self.share, "previous_share": self.previous_share}


@dataclass(frozen=True)
class Headline:
    """A new year's headline figures for a force or England and Wales, as the edition published them."""

    year: str
    previous_year: str | None  # the year before, when the store then held it
    outcomes: int
    previous_outcomes: int | None
    groups: list[GroupFigure]
    places: int

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "basis": BASIS,
            "outcomes": self.outcomes,
            "previous_year": self.previous_year,
            "previous_outcomes": self.previous_outcomes,
            "groups": [g.to_json() for g in self.groups],
            "percent_places": self.places,
        }


@dataclass(frozen=True)
class RevisedFigure:
    force: str
    year: str
    outcome_type: int
    basis: str
    old: int | None
    new: int | None

    @property
    def change(self) -> int:
        return (self.new or 0) - (self.old or 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "force": force_json(self.force),
            "year": self.year,
            "outcome_type": self.outcome_type,
            "outcome": OUTCOME_TYPES[self.outcome_type].label if self.outcome_type in OUTCOME_TYPES else None,
            "basis": self.basis,
            "old": self.old,
            "new": self.new,
            "change": self.change,
        }


@dataclass(frozen=True)
class LeadChange(SnapshotLead):
    """A lead as a snapshot kept it, new or gone in an edition."""

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "force": self.force, "kind": self.kind, "score": self.score, "sentence": self.sentence, "lead": self.lead}


@dataclass
class ForceChanges:
    """One force's part of an edition: what a newsroom covering that force needs from the release."""

    force: str
    headline: list[Headline] = field(default_factory=list)
    revisions: list[RevisedFigure] = field(default_factory=list)
    new_leads: list[LeadChange] = field(default_factory=list)
    gone_leads: list[LeadChange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "force": force_json(self.force),
            "headline": [h.to_json() for h in self.headline],
            "revisions": [r.to_json() for r in self.revisions],
            "new_leads": [lead.to_json() for lead in self.new_leads],
            "gone_leads": [lead.to_json() for lead in self.gone_leads],
        }


@dataclass(frozen=True)
class EditionFile:
    source_id: int
    file_name: str
    years: list[str]
    new_years: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "file_name": self.file_name, "years": self.years, "new_years": self.new_years}


@dataclass
class Edition:
    """One edition's changes."""

    edition_date: date | None
    files: list[EditionFile]
    new_years: list[str]
    revised_years: list[str]
    national: list[Headline]
    revisions: list[RevisedFigure]
    leads_known: bool
    new_leads: list[LeadChange]
    gone_leads: list[LeadChange]
    forces: list[ForceChanges]

    @property
    def label(self) -> str:
        if self.edition_date is None:
            return f"{self.files[0].file_name} (no edition date)"
        return f"{self.edition_date.day} {self.edition_date:%B %Y} edition"

    def to_json(self) -> dict[str, Any]:
        return {
            "edition": self.edition_date.isoformat() if self.edition_date else None,
            "label": self.label,
            "files": [f.to_json() for f in self.files],
            "new_years": self.new_years,
            "revised_years": self.revised_years,
            "national": [h.to_json() for h in self.national],
            "revisions": [r.to_json() for r in self.revisions],
            "leads": {
                "known": self.leads_known,
                "new": [lead.to_json() for lead in self.new_leads],
                "gone": [lead.to_json() for lead in self.gone_leads],
            },
            "forces": [f.to_json() for f in self.forces],
        }


@dataclass
class Changes:
    """Every edition asked for, oldest first."""

    since: date | None
    editions: list[Edition]
    store_label: str
    is_sample: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "since": self.since.isoformat() if self.since else None,
            "store": self.store_label,
            "sample": self.is_sample,
            "editions": [e.to_json() for e in self.editions],
            "definitions": DEFINITIONS,
        }


def force_json(force: str | None) -> dict[str, Any] | None:
    if force is None:
        return None
    known = FORCES.get(force)
    return {
        "name": force,
        "display": display_name(force),
        "slug": known.slug if known else None,
        "kind": known.kind if known else None,
    }


SINCE_PATTERN = r"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""An edition date as YYYY-MM-DD, or nothing (every edition)."""


def parse_since(text: str | date | None) -> date | None:
    """An edition date as YYYY-MM-DD (empty: every edition); SelectionError naming the parameter otherwise."""
    if text is None or isinstance(text, date):
        return text
    try:
        if not re.match(SINCE_PATTERN, text):
            raise ValueError(text)
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise SelectionError("since", f"expected an edition date like 2019-07-17, got {text!r}", ["an edition date YYYY-MM-DD"]) from None


# ------------------------------------------------------------------------------ queries


@dataclass(frozen=True)
class _Group:
    """The outcomes files of one edition, by load order."""

    edition_date: date | None
    source_ids: list[int]

    @property
    def first(self) -> int:
        return min(self.source_ids)

    @property
    def last(self) -> int:
        return max(self.source_ids)


def _groups(store: Store) -> list[_Group]:
    rows = store.fetchall("SELECT source_id, edition_date FROM sources WHERE kind = 'outcomes' ORDER BY source_id")
    by_date: dict[date, list[int]] = {}
    groups: list[_Group] = []
    for source_id, edition_date in rows:
        if edition_date is None:
            groups.append(_Group(None, [source_id]))
        elif edition_date in by_date:
            by_date[edition_date].append(source_id)
        else:
            by_date[edition_date] = [source_id]
            groups.append(_Group(edition_date, by_date[edition_date]))
    return sorted(groups, key=lambda g: g.first)


def _files(store: Store, ids: list[int]) -> list[EditionFile]:
    marks = ",".join("?" * len(ids))
    rows = store.fetchall(
        f"""SELECT s.source_id, s.file_name,
                   list(y.financial_year ORDER BY y.financial_year) FILTER (WHERE y.financial_year IS NOT NULL),
                   list(y.financial_year ORDER BY y.financial_year) FILTER (WHERE y.financial_year IS NOT NULL AND y.replaced_source IS NULL)
            FROM sources s LEFT JOIN source_years y USING (source_id)
            WHERE s.source_id IN ({marks}) GROUP BY ALL ORDER BY s.source_id""",
        ids,
    )
    return [EditionFile(r[0], r[1], list(r[2] or []), list(r[3] or [])) for r in rows]


def _replaced_years(store: Store, ids: list[int]) -> list[str]:
    marks = ",".join("?" * len(ids))
    rows = store.fetchall(
        f"SELECT DISTINCT financial_year FROM source_years WHERE source_id IN ({marks}) AND replaced_source IS NOT NULL ORDER BY 1", ids
    )
    return [r[0] for r in rows]


def _held_years(store: Store, state: int) -> set[str]:
    """Outcomes years the store held once the file ``state`` was loaded."""
    rows = store.fetchall(
        "SELECT DISTINCT financial_year FROM source_years JOIN sources USING (source_id) WHERE kind = 'outcomes' AND source_id <= ?",
        [state],
    )
    return {r[0] for r in rows}


def _totals_as_of(store: Store, years: list[str], state: int) -> dict[tuple[str, str, int], int]:
    """(year, force, outcome type) -> closed-basis total as the store held it at ``state``: today's
    figure, or, where a later file revised it, the old value that file's first revision recorded."""
    if not years:
        return {}
    marks = ",".join("?" * len(years))
    rows = store.fetchall(
        f"""
        WITH cur AS (
            SELECT financial_year, force, outcome_type, sum(closed) AS value
            FROM outcomes_annual WHERE financial_year IN ({marks}) GROUP BY ALL),
        later AS (
            SELECT financial_year, force, outcome_type, old_value AS value FROM (
                SELECT *, row_number() OVER (PARTITION BY financial_year, force, outcome_type ORDER BY source_id) AS nth
                FROM revisions WHERE basis = '{BASIS}' AND source_id > ? AND financial_year IN ({marks}))
            WHERE nth = 1)
        SELECT financial_year, force, outcome_type, CASE WHEN l.financial_year IS NULL THEN c.value ELSE l.value END
        FROM cur c FULL OUTER JOIN later l USING (financial_year, force, outcome_type)
        JOIN forces USING (force) WHERE kind <> '{FRAUD}'
        """,
        [*years, state, *years],
    )
    return {(r[0], r[1], int(r[2])): int(r[3]) for r in rows if r[3] is not None}


def _previous_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


Totals = dict[tuple[str, str | None], dict[int, int]]
"""(year, force or None for England and Wales) -> outcome type -> closed-basis total."""


def _by_force(totals: dict[tuple[str, str, int], int]) -> Totals:
    out: Totals = {}
    for (year, force, kind), value in totals.items():
        for key in ((year, force), (year, None)):
            types = out.setdefault(key, {})
            types[kind] = types.get(kind, 0) + value
    return out


def _headline(totals: Totals, year: str, previous: str | None, force: str | None) -> Headline:
    """Headline figures for ``force`` (None: England and Wales) in ``year``, against ``previous``."""

    def total(y: str, types: tuple[int, ...]) -> int:
        held = totals.get((y, force), {})
        return sum(held.get(t, 0) for t in types)

    all_types = OUTCOME_GROUPS["all"][0]
    outcomes = total(year, all_types)
    before = total(previous, all_types) if previous else None
    groups = []
    for key in HEADLINE_GROUPS:
        types = OUTCOME_GROUPS[key][0]
        count = total(year, types)
        share = count / outcomes if outcomes else None
        prev_share = total(previous, types) / before if previous and before else None
        groups.append(GroupFigure(key, describe_types(types), count, share, prev_share))
    # Each share keeps two significant figures, and differs from the year before where it did.
    places = choose_places(compared=[(g.share, g.share if g.previous_share is None else g.previous_share) for g in groups])
    return Headline(year, previous, outcomes, before, groups, places)


def _snapshot_at_or_before(store: Store, state: int) -> int | None:
    row = store.fetchone("SELECT max(source_id) FROM lead_snapshots WHERE source_id <= ?", [state])
    return None if row is None or row[0] is None else int(row[0])


def _snapshot_leads(store: Store, snapshot: int) -> dict[str, LeadChange]:
    import json

    rows = store.fetchall(
        "SELECT lead_key, force, kind, score, sentence, lead FROM snapshot_leads WHERE source_id = ? ORDER BY score DESC NULLS LAST, lead_key",
        [snapshot],
    )
    return {r[0]: LeadChange(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows}


def _lead_changes(store: Store, group: _Group, next_first: int | None) -> tuple[bool, list[LeadChange], list[LeadChange]]:
    """(known, new, gone): the snapshot taken last before the edition against the one taken after it,
    before the next edition's first file (a file of another kind, such as the PFA table, may fall between)."""
    after = _snapshot_at_or_before(store, next_first - 1 if next_first is not None else 2**31)
    if after is None or after < group.last:
        return False, [], []
    before_state = store.fetchone("SELECT max(source_id) FROM sources WHERE source_id < ?", [group.first])
    if before_state is None or before_state[0] is None:
        before: dict[str, LeadChange] = {}  # the store was empty: every lead is new
    else:
        snap = _snapshot_at_or_before(store, group.first - 1)
        if snap is None or snap < _last_outcomes_before(store, group.first):
            return False, [], []
        before = _snapshot_leads(store, snap)
    now = _snapshot_leads(store, after)
    return True, [lead for k, lead in now.items() if k not in before], [lead for k, lead in before.items() if k not in now]


def _last_outcomes_before(store: Store, first: int) -> int:
    row = store.fetchone("SELECT coalesce(max(source_id), 0) FROM sources WHERE kind = 'outcomes' AND source_id < ?", [first])
    return int(row[0]) if row else 0


def _revisions(store: Store, ids: list[int]) -> list[RevisedFigure]:
    marks = ",".join("?" * len(ids))
    rows = store.fetchall(
        f"""SELECT force, financial_year, outcome_type, basis, old_value, new_value FROM revisions
            WHERE source_id IN ({marks}) ORDER BY force, financial_year, outcome_type, basis""",
        ids,
    )
    return [RevisedFigure(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in rows]


def _force_order() -> list[str]:
    rows = [f for f in FORCES.values() if f.kind != FRAUD]
    rows.sort(key=lambda f: (f.kind != TERRITORIAL, f.name))
    return [f.name for f in rows]


def _edition(store: Store, group: _Group, next_first: int | None) -> Edition:
    files = _files(store, group.source_ids)
    new_years = sorted({y for f in files for y in f.new_years})
    revised_years = _replaced_years(store, group.source_ids)
    held = _held_years(store, group.last)
    wanted: list[str] = []
    for year in new_years:
        wanted.append(year)
        if _previous_year(year) in held:
            wanted.append(_previous_year(year))
    totals = _by_force(_totals_as_of(store, sorted(set(wanted)), group.last))
    national = [_headline(totals, y, _previous_year(y) if _previous_year(y) in held else None, None) for y in new_years]
    revisions = _revisions(store, group.source_ids)
    known, new_leads, gone_leads = _lead_changes(store, group, next_first)
    forces = []
    for name in _force_order():
        fc = ForceChanges(name)
        fc.headline = [_headline(totals, y, _previous_year(y) if _previous_year(y) in held else None, name) for y in new_years]
        fc.revisions = [r for r in revisions if r.force == name]
        fc.new_leads = [lead for lead in new_leads if lead.force == name]
        fc.gone_leads = [lead for lead in gone_leads if lead.force == name]
        forces.append(fc)
    return Edition(group.edition_date, files, new_years, revised_years, national, revisions, known, new_leads, gone_leads, forces)


def changes(store: Store, *, since: str | date | None = None, sources: Iterable[int] | None = None) -> Changes:
    """What each edition in the store changed, oldest first.

    ``since`` (a date, or YYYY-MM-DD) keeps the editions dated after it, and the undated ones
    loaded after the last edition dated on or before it; ``sources`` keeps the editions holding
    any of those source ids (``update`` passes the files it has just loaded).
    """
    since_date = parse_since(since)
    groups = _groups(store)
    wanted_ids = set(sources) if sources is not None else None
    cutoff = 0
    if since_date is not None:
        cutoff = max((g.last for g in groups if g.edition_date is not None and g.edition_date <= since_date), default=0)
    editions = []
    for index, group in enumerate(groups):
        if since_date is not None:
            if group.edition_date is not None and group.edition_date <= since_date:
                continue
            if group.edition_date is None and group.first < cutoff:
                continue
        if wanted_ids is not None and not wanted_ids & set(group.source_ids):
            continue
        next_first = groups[index + 1].first if index + 1 < len(groups) else None
        editions.append(_edition(store, group, next_first))
    return Changes(since_date, editions, store.label, store.is_sample)


def revision_text(r: RevisedFigure) -> str:
    """'2017/18, community resolutions (type 8), closed basis: 1,200 -> 1,250 (+50)'."""
    label = describe_types((r.outcome_type,))
    kind = label if label.startswith("outcome type") else f"{label} (type {r.outcome_type})"
    return f"{r.year}, {kind}, {r.basis} basis: {number(r.old)} to {number(r.new)} ({r.change:+,})"


def headline_text(h: Headline, who: str) -> str:
    """One sentence of a new year's headline figures, in the house style."""
    parts = []
    for g in h.groups:
        part = f"{percent(g.share, h.places)} {g.label}"
        if g.previous_share is not None:
            before = percent(g.previous_share, h.places)
            if before != percent(g.share, h.places):
                part += f" ({before} in {h.previous_year})"
            else:
                part += f" ({'as' if g.previous_share == g.share else 'almost exactly as'} in {h.previous_year})"
        parts.append(part)
    return f"{who} recorded {number(h.outcomes)} crime outcomes in {h.year}: " + ", ".join(parts) + "."
