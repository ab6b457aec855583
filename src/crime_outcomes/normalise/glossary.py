"""The plain-English glossary of outcome types and groups, read from ``data/glossary.toml``.

A reader of a story needs to know what a community resolution is before any figure about one
means anything; the glossary says it once, with sources, and every output shows the same words.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from crime_outcomes.errors import InputError, Location
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS, OUTCOME_TYPES

GLOSSARY_FILE = "glossary.toml"
OUTCOME_FIELDS = ("type", "name", "is", "who_decides", "victim_consulted", "conviction", "standard_dbs", "sources")
GROUP_FIELDS = ("key", "name", "is", "sources")
FACT_LABELS = {
    "who_decides": "Who decides",
    "victim_consulted": "Is the victim consulted",
    "conviction": "Is it a conviction",
    "standard_dbs": "Does it show on a standard DBS check",
}
"""The questions a reader asks of an outcome, in the order they are shown."""


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    link: str

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "link": self.link}


@dataclass(frozen=True)
class OutcomeEntry:
    type: int
    name: str
    is_: str
    who_decides: str
    victim_consulted: str
    conviction: str
    standard_dbs: str
    sources: tuple[Source, ...]
    unsourced: tuple[str, ...]
    countable: bool = False

    def sentence(self) -> str:
        """'A community resolution is ...' for the top of a story ('Outcome type 9 (...) is ...' for a closure)."""
        if self.countable:
            return f"{_article(self.name).capitalize()} {self.name} is {self.is_}."
        return f"Outcome type {self.type} ({self.name}) is {self.is_}."

    def facts(self) -> list[tuple[str, str, bool]]:
        """(question, answer, sourced) for each fact, in reading order."""
        return [(label, getattr(self, field), field not in self.unsourced) for field, label in FACT_LABELS.items()]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "is": self.is_,
            "who_decides": self.who_decides,
            "victim_consulted": self.victim_consulted,
            "conviction": self.conviction,
            "standard_dbs": self.standard_dbs,
            "sources": [s.to_json() for s in self.sources],
            "unsourced": list(self.unsourced),
        }


@dataclass(frozen=True)
class GroupEntry:
    key: str
    name: str
    is_: str
    types: tuple[int, ...]
    sources: tuple[Source, ...]

    def sentence(self) -> str:
        return f"{self.name[:1].upper()}{self.name[1:]} are {self.is_}."

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "is": self.is_,
            "types": list(self.types),
            "sources": [s.to_json() for s in self.sources],
        }


@dataclass(frozen=True)
class Glossary:
    outcomes: dict[int, OutcomeEntry]
    groups: dict[str, GroupEntry]
    sources: dict[str, Source]

    def for_types(self, types: tuple[int, ...] | list[int]) -> list[OutcomeEntry]:
        return [self.outcomes[t] for t in sorted(set(types)) if t in self.outcomes]

    def group_for(self, types: tuple[int, ...] | list[int]) -> GroupEntry | None:
        wanted = tuple(sorted(set(types)))
        return next((g for g in self.groups.values() if g.types == wanted), None)

    def definition(self, types: tuple[int, ...] | list[int]) -> str:
        """The one sentence near the top of a story that says what the selected outcome is."""
        wanted = sorted(set(types))
        if len(wanted) == 1 and wanted[0] in self.outcomes:
            return self.outcomes[wanted[0]].sentence()
        group = self.group_for(wanted)
        if group is not None:
            return group.sentence()
        names = [self.outcomes[t].name for t in wanted if t in self.outcomes]
        return f"The figures count these outcomes together: {_join(names)}; the glossary defines each."


def _article(name: str) -> str:
    return "an" if name[:1].lower() in "aeio" else "a"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _text(entry: dict[str, Any], field: str, where: Location) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, f"field {field!r} must be non-empty text", found=repr(value))
    return value.strip()


def _sources(entry: dict[str, Any], known: dict[str, Source], where: Location) -> tuple[Source, ...]:
    keys = entry.get("sources")
    if not isinstance(keys, list) or not keys:
        raise InputError(where, "field 'sources' must list at least one key of [sources]", found=repr(keys))
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InputError(where, "unknown source keys " + ", ".join(map(str, unknown)), expected="one of " + ", ".join(known))
    return tuple(known[k] for k in keys)


def parse_glossary(raw: bytes, where: str) -> Glossary:
    """Check every entry: each outcome type 0-22 and each named group exactly once, every field present."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(where, f"the glossary is not valid UTF-8 TOML: {exc}") from exc
    known: dict[str, Source] = {}
    for key, value in (data.get("sources") or {}).items():
        loc = Location(where, sheet=f"sources.{key}")
        known[key] = Source(key, _text(value, "title", loc), _text(value, "link", loc))
    outcomes: dict[int, OutcomeEntry] = {}
    for i, entry in enumerate(data.get("outcome") or [], start=1):
        loc = Location(where, sheet=f"outcome #{i}")
        missing = [f for f in OUTCOME_FIELDS if f not in entry]
        if missing:
            raise InputError(loc, "missing fields " + ", ".join(missing), expected=", ".join(OUTCOME_FIELDS))
        t = entry["type"]
        if not isinstance(t, int) or t not in OUTCOME_TYPES:
            raise InputError(loc, "field 'type' must be an outcome type 0-22", found=repr(t))
        if t in outcomes:
            raise InputError(loc, f"outcome type {t} is described twice")
        unsourced = tuple(entry.get("unsourced") or ())
        bad = [u for u in unsourced if u not in FACT_LABELS and u != "is"]
        if bad:
            raise InputError(loc, "unknown fields in 'unsourced': " + ", ".join(bad), expected="is, " + ", ".join(FACT_LABELS))
        outcomes[t] = OutcomeEntry(
            t,
            _text(entry, "name", loc),
            _text(entry, "is", loc),
            _text(entry, "who_decides", loc),
            _text(entry, "victim_consulted", loc),
            _text(entry, "conviction", loc),
            _text(entry, "standard_dbs", loc),
            _sources(entry, known, loc),
            unsourced,
            bool(entry.get("countable", False)),
        )
    absent = sorted(set(OUTCOME_TYPES) - set(outcomes))
    if absent:
        raise InputError(where, "the glossary lacks outcome types " + ", ".join(map(str, absent)))
    groups: dict[str, GroupEntry] = {}
    for i, entry in enumerate(data.get("group") or [], start=1):
        loc = Location(where, sheet=f"group #{i}")
        key = _text(entry, "key", loc)
        if key not in OUTCOME_GROUPS:
            raise InputError(loc, f"unknown group {key!r}", expected="one of " + ", ".join(OUTCOME_GROUPS))
        groups[key] = GroupEntry(
            key, _text(entry, "name", loc), _text(entry, "is", loc), tuple(sorted(OUTCOME_GROUPS[key][0])), _sources(entry, known, loc)
        )
    absent_groups = [g for g in OUTCOME_GROUPS if g not in groups]
    if absent_groups:
        raise InputError(where, "the glossary lacks groups " + ", ".join(absent_groups))
    return Glossary(outcomes, groups, known)


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    """The shipped glossary (read once)."""
    resource = resources.files("crime_outcomes").joinpath("data", GLOSSARY_FILE)
    return parse_glossary(resource.read_bytes(), str(resource))
