"""``crime-outcomes changes`` as plain text and Markdown: each edition, then force by force.

Both renderings say the same sentences (``edition_sections``); Markdown escapes the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crime_outcomes.analysis.changes import Changes, Edition, ForceChanges, LeadChange, headline_text, revision_text
from crime_outcomes.analysis.lines import display_name
from crime_outcomes.readers.text import strip_unsafe
from crime_outcomes.text import md_escape, number

ENGLAND_AND_WALES = "Forces in England and Wales"
REVISIONS_PER_FORCE = 5
"""Revised figures listed under one force in text; a republished year can revise dozens, all in the JSON."""


@dataclass
class Section:
    """A heading and its bullet points."""

    heading: str
    bullets: list[str] = field(default_factory=list)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{number(n)} {one if n == 1 else (many or one + 's')}"


def edition_summary(e: Edition) -> list[str]:
    """What the edition did, in a few sentences: years added and republished, revisions, leads."""
    out = []
    for f in e.files:
        kept = [y for y in f.years if y not in f.new_years]
        parts = [f"{y} (new)" for y in f.new_years] + [f"{y} (republished)" for y in kept]
        out.append(f"File {f.file_name}: {', '.join(parts) or 'no years'}.")
    if e.new_years:
        out.append(f"New {'year' if len(e.new_years) == 1 else 'years'}: {', '.join(e.new_years)}.")
    if e.revised_years:
        forces = {r.force for r in e.revisions}
        revised = (
            f"{_plural(len(e.revisions), 'figure')} revised for {_plural(len(forces), 'force')}"
            if e.revisions
            else "no force-year figure changed"
        )
        out.append(f"Republished: {', '.join(e.revised_years)}; {revised}.")
    if not e.leads_known:
        out.append("New and gone leads: not known for this edition (no snapshot of the leads was taken before and after it was loaded).")
    else:
        out.append(
            f"Leads: {_plural(len(e.new_leads), 'new lead')}, {_plural(len(e.gone_leads), 'lead')} no longer found"
            + (" (each under its force below)." if e.new_leads or e.gone_leads else ".")
        )
    return out


def _lead(lead: LeadChange) -> str:
    return lead.sentence


def force_bullets(f: ForceChanges, leads_known: bool) -> list[str]:
    """One force's part of an edition: its new year's figures, its revised figures, its new and gone leads."""
    out = [headline_text(h, display_name(f.force)) for h in f.headline]
    largest = sorted(range(len(f.revisions)), key=lambda i: -abs(f.revisions[i].change))[:REVISIONS_PER_FORCE]
    out += [f"Revised: {revision_text(f.revisions[i])}." for i in sorted(largest)]
    if len(f.revisions) > REVISIONS_PER_FORCE:
        rest = len(f.revisions) - REVISIONS_PER_FORCE
        out.append(
            f"Also revised: {number(rest)} more of this force's figures, none by more than those above "
            "(crime-outcomes changes --format json lists every revised figure)."
        )
    if leads_known:
        out += [f"New lead: {_lead(lead)}" for lead in f.new_leads]
        out += [f"No longer a lead: {_lead(lead)}" for lead in f.gone_leads]
    return out


def edition_sections(e: Edition) -> list[Section]:
    sections = [Section(e.label, edition_summary(e))]
    sections.append(Section("England and Wales", [headline_text(h, ENGLAND_AND_WALES) for h in e.national]))
    for f in e.forces:
        bullets = force_bullets(f, e.leads_known)
        if bullets:
            sections.append(Section(display_name(f.force), bullets))
    return sections


def _title(c: Changes) -> str:
    if not c.editions:
        return "No editions loaded after " + c.since.isoformat() if c.since else "No editions of the outcomes data are loaded"
    since = f" after {c.since.isoformat()}" if c.since else ""
    return f"What changed in each edition{since}: {_plural(len(c.editions), 'edition')}"


def render_text(c: Changes) -> str:
    lines = [_title(c), "=" * len(_title(c)), ""]
    for e in c.editions:
        for index, s in enumerate(edition_sections(e)):
            heading = strip_unsafe(s.heading)
            lines += [heading, "-" * len(heading)] if index == 0 else [heading]
            lines += [f"* {strip_unsafe(b)}" for b in s.bullets] or ["* Nothing new."]
            lines.append("")
    return "\n".join(lines)


def render_markdown(c: Changes) -> str:
    lines = [f"# {md_escape(_title(c))}", ""]
    for e in c.editions:
        for index, s in enumerate(edition_sections(e)):
            lines += [f"{'##' if index == 0 else '###'} {md_escape(s.heading)}", ""]
            lines += [f"* {md_escape(b)}" for b in s.bullets] or ["* Nothing new."]
            lines.append("")
    return "\n".join(lines)
