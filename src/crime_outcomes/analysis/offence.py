"""One offence code across England and Wales: which forces gave the selected outcome for it, and when.

The companion of ``story()`` for a reporter who starts from an offence rather than a force
("which forces issue community resolutions for sexual assault?"). It answers
``crime-outcomes offence CODE``, ``/api/offence`` and the web's offence page alike. Shares
divide by all outcomes (types 1-22) for the code, on the chosen basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crime_outcomes.analysis import stats
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.selection import DEFAULT_BASIS, DEFAULT_OUTCOME, DEFAULT_PER, Selection
from crime_outcomes.analysis.seriousness import RuleHit, RuleSet, load_rules
from crime_outcomes.errors import NotFoundError, SelectionError
from crime_outcomes.normalise.forces import FORCES
from crime_outcomes.store import Store


@dataclass(frozen=True, kw_only=True)
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
            "force": self.force,
            "slug": self.slug,
            "kind": self.kind,
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "share_of_national": self.share_of_national,
        }


@dataclass(frozen=True, kw_only=True)
class OffenceYearRow:
    year: str
    count: int
    denominator: int
    share: float | None

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "count": self.count, "denominator": self.denominator, "share": self.share}


@dataclass(frozen=True, kw_only=True)
class OffenceView:
    """An offence code over a period: which forces gave the outcome for it, and the national series."""

    code: str
    description: str | None
    group: str | None
    subgroup: str | None
    expired: bool
    outcome_types: tuple[int, ...]
    outcome_label: str
    first: str
    last: str
    years: list[str]
    basis: str
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
            "outcome": {"types": list(self.outcome_types), "label": self.outcome_label},
            "period": {"from": self.first, "to": self.last, "years": list(self.years)},
            "basis": self.basis,
            "national": {"count": self.count, "denominator": self.denominator, "share": self.share},
            "serious": bool(self.rules),
            "rules": [h.to_json() for h in self.rules],
            "forces": [f.to_json() for f in self.forces],
            "by_year": [y.to_json() for y in self.by_year],
        }


def offence(
    store: Store,
    code: str,
    *,
    selection: Selection | None = None,
    outcome: str = DEFAULT_OUTCOME,
    first: str | None = None,
    last: str | None = None,
    basis: str = DEFAULT_BASIS,
    rules: Path | str | None = None,
    rule_set: RuleSet | None = None,
) -> OffenceView:
    """The figures for one offence code (as published, e.g. '8N') over the selected period.

    Give either a ``Selection`` or its fields. ``rule_set`` passes rules already loaded (the web
    loads them once); otherwise the selection's rules file, or the built-in rules, are read.
    NotFoundError for a code the store does not hold or a year it has not loaded.
    """
    if selection is None:
        selection = Selection.parse(outcome=outcome, first=first, last=last, basis=basis, rules=rules)
    elif (outcome, first, last, basis, rules) != (DEFAULT_OUTCOME, None, None, DEFAULT_BASIS, None):
        raise TypeError("offence() takes a selection or its fields (outcome, first, last, basis, rules), not both")
    if selection.per != DEFAULT_PER:
        raise SelectionError("per", "the offence view divides by all outcomes for the code; per does not apply", [DEFAULT_PER])
    loaded = store.years()
    if not q.has_offence_code(store, code, loaded):
        raise NotFoundError(f"offence code {code!r} is not in the store ({store.label})")
    period = selection.period(loaded)
    rows = q.offence_year_force(store, code, period.years, selection.types, selection.basis)

    by_force: dict[str, list[int]] = {}
    by_year: dict[str, list[int]] = {y: [0, 0] for y in period.years}
    for r in rows:
        f = by_force.setdefault(r.force, [0, 0])
        f[0] += r.count
        f[1] += r.denominator
        by_year[r.year][0] += r.count
        by_year[r.year][1] += r.denominator
    count = sum(v[0] for v in by_force.values())
    denominator = sum(v[1] for v in by_force.values())
    forces = [
        OffenceForceRow(
            force=name,
            slug=FORCES[name].slug,
            kind=FORCES[name].kind,
            count=c,
            denominator=d,
            share=stats.share(c, d),
            share_of_national=stats.share(c, count),
        )
        for name, (c, d) in by_force.items()
        if name in FORCES
    ]
    forces.sort(key=lambda r: (-r.count, -r.denominator, r.force))
    # Labels from the latest year of the period holding the code, else the latest year of all.
    label = q.offence_labels(store, period.years).get(code) or q.offence_labels(store, loaded).get(code)
    rule_set = rule_set if rule_set is not None else load_rules(selection.rules)
    return OffenceView(
        code=code,
        description=label.description if label else None,
        group=label.group if label else None,
        subgroup=label.subgroup if label else None,
        expired=label.expired_any if label else False,
        outcome_types=selection.types,
        outcome_label=selection.label,
        first=period.first,
        last=period.last,
        years=period.years,
        basis=selection.basis,
        count=count,
        denominator=denominator,
        share=stats.share(count, denominator),
        forces=forces,
        by_year=[OffenceYearRow(year=y, count=c, denominator=d, share=stats.share(c, d)) for y, (c, d) in by_year.items()],
        rules=tuple(rule_set.match(code, selection.types, period.years)),
    )
