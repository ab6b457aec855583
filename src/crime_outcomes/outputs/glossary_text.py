"""The glossary as plain text (``crime-outcomes outcomes``) and as Markdown (briefs).

Each outcome reads as a short paragraph a reader can check: what it is, who decides, whether the
victim is consulted, whether it is a conviction, whether it shows on a standard DBS check, and
where that comes from. An answer no listed source states outright is marked, not dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crime_outcomes.normalise.glossary import Glossary, OutcomeEntry, Source, load_glossary
from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_GROUPS, OUTCOME_TYPES

UNSOURCED_MARK = " (not confirmed by a listed source)"


def _sources_used(entries: list[OutcomeEntry]) -> list[Source]:
    seen: dict[str, Source] = {}
    for e in entries:
        for src in e.sources:
            seen.setdefault(src.key, src)
    return list(seen.values())


def entry_lines(entry: OutcomeEntry, numbers: dict[str, int]) -> list[str]:
    """Title and facts of one outcome type, sources as [n] references."""
    what_mark = UNSOURCED_MARK if "is" in entry.unsourced else ""
    refs = "".join(f"[{numbers[s.key]}]" for s in entry.sources)
    out = [f"Type {entry.type}: {entry.name} {refs}", f"  What it is: {entry.is_[:1].upper()}{entry.is_[1:]}.{what_mark}"]
    for question, answer, sourced in entry.facts():
        out.append(f"  {question}? {answer[:1].upper()}{answer[1:]}.{'' if sourced else UNSOURCED_MARK}")
    return out


def render_glossary_text(glossary: Glossary, types: list[int] | None = None) -> str:
    """Every outcome type (or the given ones), then the named groups, then the numbered sources."""
    entries = glossary.for_types(types if types is not None else list(glossary.outcomes))
    sources = _sources_used(entries) + [s for g in glossary.groups.values() for s in g.sources]
    numbers: dict[str, int] = {}
    for s in sources:
        numbers.setdefault(s.key, len(numbers) + 1)
    out: list[str] = []
    for e in entries:
        out += entry_lines(e, numbers) + [""]
    if types is None:
        out.append("What the groups mean")
        width = max(len(k) for k in glossary.groups)
        for g in glossary.groups.values():
            out.append(f"  {g.key.ljust(width)}  {g.sentence()}")
        out.append("")
    out.append("Sources")
    for key, n in numbers.items():
        s = glossary.sources[key]
        out.append(f"  [{n}] {s.title}: {s.link}")
    return "\n".join(out) + "\n"


def glossary_markdown(entries: list[OutcomeEntry], escape: Callable[[str], str]) -> list[str]:
    """Markdown lines for a brief: one paragraph per outcome type, then its sources."""
    out: list[str] = []
    for e in entries:
        out.append(f"**{escape(e.name[:1].upper() + e.name[1:])} (type {e.type}).** {escape(e.sentence())}")
        out.append("")
        for question, answer, sourced in e.facts():
            out.append(f"- {escape(question)}? {escape(answer[:1].upper() + answer[1:])}.{escape(UNSOURCED_MARK) if not sourced else ''}")
        out.append("- Sources: " + "; ".join(f"[{escape(s.title)}]({s.link})" for s in e.sources))
        out.append("")
    return out


def outcome_types_json() -> dict[str, Any]:
    """Outcome types 0-22 and the named groups, each with its glossary entry: what
    ``crime-outcomes outcomes --format json`` prints and ``/api/outcome-types`` returns."""
    glossary = load_glossary()
    return {
        "types": [
            {
                "type": t.number,
                "label": t.label,
                "group": t.group,
                "in_all_outcomes": t.number in ALL_OUTCOMES,
                "note": t.note or None,
                "glossary": glossary.outcomes[t.number].to_json(),
            }
            for t in OUTCOME_TYPES.values()
        ],
        "groups": {
            name: {"types": list(types), "label": label, "is": glossary.groups[name].is_} for name, (types, label) in OUTCOME_GROUPS.items()
        },
    }
