"""What drives a group of outcomes: which outcome types make it up, and which offences drive each.

A group share (all out-of-court outcomes, say) can be high because of one type used for one
offence: Dyfed-Powys' out-of-court share is driven by cannabis warnings for possession of
cannabis. So for a selection of several outcome types the story splits the group by type, for
the force and for England and Wales, and names the offences behind each type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.fair_queries import TypeOffenceRow

DRIVER_OFFENCES_TOP = 3
"""How many offences are named behind each outcome type."""


@dataclass(frozen=True)
class DriverOffence:
    code: str
    description: str | None
    count: int  # the force's (or, for a national story, England and Wales') outcomes of this type for the offence
    share_of_type: float | None  # of the force's outcomes of this type
    national_count: int
    national_share_of_type: float | None  # of England and Wales' outcomes of this type

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "count": self.count,
            "share_of_type": self.share_of_type,
            "national_count": self.national_count,
            "national_share_of_type": self.national_share_of_type,
        }


@dataclass(frozen=True)
class DriverType:
    outcome_type: int
    label: str
    count: int
    share_of_group: float | None  # of the force's outcomes in the selected group
    national_count: int
    national_share_of_group: float | None
    offences: tuple[DriverOffence, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome_type": self.outcome_type,
            "label": self.label,
            "count": self.count,
            "share_of_group": self.share_of_group,
            "national_count": self.national_count,
            "national_share_of_group": self.national_share_of_group,
            "offences": [o.to_json() for o in self.offences],
        }


def drivers(
    rows: Iterable[TypeOffenceRow],
    types: tuple[int, ...],
    label_of_type: Callable[[int], str],
    description_of_code: Callable[[str], str | None],
    top: int = DRIVER_OFFENCES_TOP,
) -> list[DriverType]:
    """The split of a group by outcome type (largest first for the force) with each type's top offences."""
    by_type: dict[int, list[TypeOffenceRow]] = defaultdict(list)
    for r in rows:
        by_type[r.outcome_type].append(r)
    group_total = sum(r.count for rs in by_type.values() for r in rs)
    national_total = sum(r.national_count for rs in by_type.values() for r in rs)
    out: list[DriverType] = []
    for t in types:
        rs = by_type.get(t, [])
        count = sum(r.count for r in rs)
        national = sum(r.national_count for r in rs)
        ranked = sorted((r for r in rs if r.count > 0), key=lambda r: (-r.count, -r.national_count, r.code))[:top]
        offences = tuple(
            DriverOffence(
                r.code,
                description_of_code(r.code),
                r.count,
                stats.share(r.count, count),
                r.national_count,
                stats.share(r.national_count, national),
            )
            for r in ranked
        )
        out.append(
            DriverType(
                t, label_of_type(t), count, stats.share(count, group_total), national, stats.share(national, national_total), offences
            )
        )
    out.sort(key=lambda d: (-d.count, -d.national_count, d.outcome_type))
    return out
