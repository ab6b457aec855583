"""Known breaks in the data (``data/annotations.toml``): which force, which period, what happened, who says so.

Missing cells are counted from the data, but a reader also needs the reason named: a force that
changed its records system supplied nothing, and some gaps have no marker at all. Each event is
attached to every figure for that force and period, so the explanation travels with the number.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from crime_outcomes.errors import InputError, Location
from crime_outcomes.normalise.forces import FORCES
from crime_outcomes.normalise.outcome_types import OUTCOME_TYPES

ANNOTATIONS_FILE = "annotations.toml"
ALL_FORCES = "*"
BASES = ("closed", "recorded", "both")
_YEAR = re.compile(r"^\d{4}/\d{2}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Annotation:
    id: str
    forces: tuple[str, ...]  # canonical names, or ("*",) for every force
    years: tuple[str, ...]
    quarters: tuple[int, ...]
    basis: str
    outcomes: tuple[int, ...]  # empty: any selection
    what: str
    source: str
    link: str
    marker: bool

    @property
    def every_force(self) -> bool:
        return self.forces == (ALL_FORCES,)

    def applies(self, *, force: str | None, years: Iterable[str], basis: str, outcome_types: Iterable[int]) -> bool:
        """Whether the event touches figures for this force (None: England and Wales), years, basis and outcomes."""
        if self.basis not in ("both", basis):
            return False
        if not set(self.years) & set(years):
            return False
        if self.outcomes and not set(self.outcomes) & set(outcome_types):
            return False
        return force is None or self.every_force or force in self.forces

    def who(self) -> str:
        if self.every_force:
            return "Every force"
        return self.forces[0] if len(self.forces) == 1 else ", ".join(self.forces[:-1]) + " and " + self.forces[-1]

    def sentence(self) -> str:
        """The event as a sentence that stands on its own: '<Force> could not supply ...'."""
        if self.every_force:
            return self.what[:1].upper() + self.what[1:] + "."
        return f"{self.who()} {self.what}."

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "forces": list(self.forces),
            "years": list(self.years),
            "quarters": list(self.quarters),
            "basis": self.basis,
            "outcomes": list(self.outcomes),
            "what": self.sentence(),
            "source": self.source,
            "link": self.link,
            "marker": self.marker,
        }


def _field(entry: dict[str, Any], name: str, where: Location) -> Any:
    if name not in entry:
        raise InputError(where, f"missing field {name!r}")
    return entry[name]


def parse_annotations(raw: bytes, where: str) -> tuple[Annotation, ...]:
    """Check every event: known forces, years like 2019/20, quarters 1-4, a basis, a source and a link."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(where, f"the annotations file is not valid UTF-8 TOML: {exc}") from exc
    out: list[Annotation] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("event") or [], start=1):
        loc = Location(where, sheet=f"event #{i}")
        ident = _field(entry, "id", loc)
        if not isinstance(ident, str) or not _ID.match(ident) or ident in seen:
            raise InputError(loc, "field 'id' must be a new lower-case name of letters, digits and hyphens", found=repr(ident))
        seen.add(ident)
        loc = Location(where, sheet=f"event {ident!r}")
        forces = _field(entry, "forces", loc)
        if not isinstance(forces, list) or not forces or (forces != [ALL_FORCES] and any(f not in FORCES for f in forces)):
            raise InputError(loc, "field 'forces' must list canonical force names, or be [\"*\"]", found=repr(forces))
        years = _field(entry, "years", loc)
        if not isinstance(years, list) or not years or not all(isinstance(y, str) and _YEAR.match(y) for y in years):
            raise InputError(loc, "field 'years' must list financial years like \"2019/20\"", found=repr(years))
        quarters = entry.get("quarters", [1, 2, 3, 4])
        if not isinstance(quarters, list) or not quarters or not all(q in (1, 2, 3, 4) for q in quarters):
            raise InputError(loc, "field 'quarters' must list quarters 1-4", found=repr(quarters))
        basis = _field(entry, "basis", loc)
        if basis not in BASES:
            raise InputError(loc, "unknown basis", expected=" or ".join(BASES), found=repr(basis))
        outcomes = entry.get("outcomes", [])
        if not isinstance(outcomes, list) or not all(isinstance(t, int) and t in OUTCOME_TYPES for t in outcomes):
            raise InputError(loc, "field 'outcomes' must list outcome types 0-22", found=repr(outcomes))
        texts = {}
        for name in ("what", "source", "link"):
            value = _field(entry, name, loc)
            if not isinstance(value, str) or not value.strip():
                raise InputError(loc, f"field {name!r} must be non-empty text", found=repr(value))
            texts[name] = value.strip()
        if not texts["link"].startswith("https://"):
            raise InputError(loc, "field 'link' must be an https address", found=texts["link"])
        out.append(
            Annotation(
                ident,
                tuple(forces),
                tuple(years),
                tuple(sorted(set(quarters))),
                basis,
                tuple(outcomes),
                texts["what"],
                texts["source"],
                texts["link"],
                bool(entry.get("marker", False)),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def load_annotations() -> tuple[Annotation, ...]:
    """The shipped annotations (read once)."""
    resource = resources.files("crime_outcomes").joinpath("data", ANNOTATIONS_FILE)
    return parse_annotations(resource.read_bytes(), str(resource))


def annotations_for(*, force: str | None, years: Iterable[str], basis: str, outcome_types: Iterable[int]) -> list[Annotation]:
    """Every shipped event that touches these figures; force None means England and Wales totals."""
    years, types = list(years), list(outcome_types)
    return [a for a in load_annotations() if a.applies(force=force, years=years, basis=basis, outcome_types=types)]
