"""Leads in the packs: the opening of every brief, and the national pack's ranked tip sheet.

A run of packs scans for leads once (``analysis.leads.leads`` over every force) and hands each
force its slice (``for_force``), so the leads cost one scan however many packs are written.
Every word and figure is the lead's own (its sentence, caveats, score and where to look next),
formatted here once for Markdown, HTML, Word and the workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from crime_outcomes.analysis.leads import DEFAULT_OUTCOMES, KINDS, SCORE_FORMULA, Lead, LeadSet
from crime_outcomes.analysis.lines import display_name
from crime_outcomes.analysis.model import Story
from crime_outcomes.analysis.selection import Selection
from crime_outcomes.normalise.forces import england_and_wales_forces
from crime_outcomes.outputs.packs.model import LeadEntry, LeadsSection, TipForce, TipSheet
from crime_outcomes.text import number, ordinal

BRIEF_OWN_LEADS = 5
"""Leads on the brief's own outcome selection at the top of a brief."""

BRIEF_OTHER_LEADS = 3
"""Leads on the force's other outcome selections after them."""

TIP_TOP = 25
"""Leads in the tip sheet's national top list; every lead is in its force's section and in leads.xlsx."""

TIP_PER_FORCE = 10
"""Leads listed under each force in leads.md and leads.html (the workbook has them all)."""

TIP_FILES = ("leads.md", "leads.html", "leads.xlsx")
"""The tip sheet's files, in the national pack's folder."""

KIND_NAMES: dict[str, str] = {
    "outside-limits": "Outside the usual range",
    "share-of-national": "Large share of the national total",
    "serious-out-of-court": "Outcome restricted by law or guidance",
    "change": "Large change",
    "first-time": "First time for a notable offence",
}
"""Each kind of lead named for readers (``KINDS`` defines them)."""


def scan_outcomes(selection: Selection) -> list[str]:
    """The outcome selections to scan for a run of packs: the leads' defaults, and the packs' own when it is not among them."""
    scanned = {Selection.parse(outcome=o).types for o in DEFAULT_OUTCOMES}
    return list(DEFAULT_OUTCOMES) + ([] if selection.types in scanned else [selection.outcome])


def for_force(found: LeadSet, force: str) -> LeadSet:
    """One force's slice of a scan of every force: its leads, best first, and its findings set aside."""
    mine = [lead for lead in found.leads if lead.force.name == force]
    return replace(
        found, leads=mine, not_leads=[n for n in found.not_leads if n.force.name == force], force=force, top=None, total=len(mine)
    )


def _period(lead: Lead) -> str:
    return lead.first if lead.first == lead.last else f"{lead.first} to {lead.last}"


def score_text(lead: Lead) -> str:
    s = lead.score
    return f"{s.value:.1f} (evidence {s.evidence:.2f} × size {s.size:.2f} × seriousness {s.seriousness:g})"


def entry(lead: Lead, rank: int, of: int, *, with_force: bool = True) -> LeadEntry:
    """One lead as every rendering shows it; in its own force's brief (``with_force`` False) without the force or the pack."""
    about = [KIND_NAMES.get(lead.kind, lead.kind)]
    if with_force:
        about.append(lead.force.display)
    about.append(f"{lead.outcome.label}, {_period(lead)}")
    if lead.offence is not None:
        about.append(f"{lead.offence.description or 'Offence code ' + lead.offence.code} ({lead.offence.code})")
    return LeadEntry(
        rank=rank,
        rank_text=f"Ranked {ordinal(rank)} of {number(of)}",
        sentence=lead.sentence,
        about=" · ".join(about),
        score=score_text(lead),
        caveats=tuple(lead.caveats) + tuple(a.sentence() for a in lead.annotations),
        look=(("Command", lead.look.cli), ("Explorer page", lead.look.web)) + ((("Pack", lead.look.pack),) if with_force else ()),
        slug=lead.force.slug,
    )


def brief_leads(s: Story, found: LeadSet | None) -> LeadsSection | None:
    """The brief's opening: the force's leads on this brief's outcomes, then its others (nationally: every force's best)."""
    if found is None:
        return None
    label = s.outcome_label
    when = f"in {s.first}" if s.first == s.last else f"between {s.first} and {s.last}"
    if s.force.is_national:
        top = [entry(lead, i, found.total) for i, lead in enumerate(found.leads[:BRIEF_OWN_LEADS], start=1)]
        intro = (
            f"The {len(top)} highest-scoring of {number(found.total)} leads across every force {when}. The ranked tip sheet for "
            "every force is leads.md, leads.html and leads.xlsx in this folder."
            if top
            else f"No finding for any force {when} passes the tests for a lead."
        )
        return LeadsSection(intro=intro, own_heading="", own=top, own_none=None, other_heading="", other=[], caveats=list(found.caveats))
    who = s.force.display
    scanned = {o.types for o in found.outcomes}
    own_types = tuple(s.outcome_types)
    own = [lead for lead in found.leads if lead.outcome.types == own_types]
    other = [lead for lead in found.leads if lead.outcome.types != own_types]
    ranks = {lead.key: i for i, lead in enumerate(found.leads, start=1)}
    intro = (
        f"{who} has {number(found.total)} {'lead' if found.total == 1 else 'leads'} {when}: findings in these figures worth a "
        "story, each resting on no small count and no known break in the data, ranked by a score. "
        f"All of them: crime-outcomes leads --force {_quoted(s.force.name)}."
        if found.total
        else f"No finding for {who} {when} passes the tests for a lead."
    )
    own_none = None
    if own_types not in scanned:
        own_none = f"The leads do not scan {label} on their own."
    elif not own:
        own_none = f"No finding on {label} passes the tests for a lead."
    return LeadsSection(
        intro=intro,
        own_heading=f"On {label}",
        own=[entry(lead, ranks[lead.key], found.total, with_force=False) for lead in own[:BRIEF_OWN_LEADS]],
        own_none=own_none,
        other_heading="On other outcomes",
        other=[entry(lead, ranks[lead.key], found.total, with_force=False) for lead in other[:BRIEF_OTHER_LEADS]],
        caveats=[],
    )


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


# ---------------------------------------------------------------------------- the tip sheet


def tip_sheet(s: Story, found: LeadSet, *, credit: str, edition: str) -> TipSheet:
    """The national pack's tip sheet: every force's leads, ranked, from one scan."""
    period = s.first if s.first == s.last else f"{s.first} to {s.last}"
    ranks = {lead.key: i for i, lead in enumerate(found.leads, start=1)}
    by_force: dict[str, list[Lead]] = {}
    for lead in found.leads:
        by_force.setdefault(lead.force.name, []).append(lead)
    forces = [
        TipForce(
            name=items[0].force.display,
            slug=items[0].force.slug,
            total=len(items),
            leads=[entry(lead, ranks[lead.key], found.total, with_force=False) for lead in items[:TIP_PER_FORCE]],
        )
        for _, items in sorted(by_force.items())
    ]
    scanned = ", ".join(o.label for o in found.outcomes)
    return TipSheet(
        title=f"Leads for every force, {period}",
        subtitle=f"The findings most worth a story in the Home Office crime outcomes figures, ranked · basis: {found.basis}",
        sample_notice=(
            "These leads come from the sample bundled with crime-outcomes; load the full published files "
            "(crime-outcomes update) before publishing."
            if found.is_sample
            else None
        ),
        intro=[
            f"{number(found.total)} leads for {period}, from a scan of every force and every offence for these outcomes: "
            f"{scanned}. Each lead is one finding: it says what the figures show, the caveats that apply and "
            "where to look next (pack paths are within the folder holding every pack), and it rests on no small count and "
            "no known break in the data.",
            "Leads are ranked by a score: how far the finding lies from what the comparison would give, how many outcomes "
            "it is about, and whether a seriousness rule marks the offence. The score orders leads; it is not a measure of "
            "wrongdoing, and each finding should be put to the force before it is published.",
        ],
        caveats=list(found.caveats),
        top=[entry(lead, i, found.total) for i, lead in enumerate(found.leads[:TIP_TOP], start=1)],
        forces=forces,
        without=[display_name(f) for f in sorted(england_and_wales_forces()) if f not in by_force],
        not_leads=len(found.not_leads),
        kinds=[(KIND_NAMES.get(k, k), text) for k, text in KINDS.items()],
        formula=SCORE_FORMULA,
        credit=credit,
        edition=edition,
        per_force=TIP_PER_FORCE,
    )


def write_tip_sheet(sheet: TipSheet, found: LeadSet, folder: Path) -> None:
    """leads.md, leads.html and leads.xlsx in ``folder`` (the national pack's)."""
    from crime_outcomes.outputs.packs.markup import render_tip_html, render_tip_markdown

    (folder / "leads.md").write_text(render_tip_markdown(sheet), encoding="utf-8")
    (folder / "leads.html").write_text(render_tip_html(sheet), encoding="utf-8")
    write_tip_xlsx(sheet, found, folder / "leads.xlsx")


LEAD_COLUMNS: Sequence[tuple[str, float]] = (
    ("Rank", 8),
    ("Score", 10),
    ("Evidence", 10),
    ("Size", 10),
    ("Seriousness", 12),
    ("Kind", 24),
    ("Force", 28),
    ("Outcome", 28),
    ("Outcome types", 14),
    ("Offence code", 10),
    ("Offence", 40),
    ("Lead", 80),
    ("Count", 12),
    ("Denominator", 12),
    ("Share", 10),
    ("E&W count", 12),
    ("E&W denominator", 14),
    ("E&W share", 10),
    ("Share of E&W", 12),
    ("Expected", 12),
    ("Ratio", 10),
    ("z", 10),
    ("Caveats", 60),
    ("Command", 50),
    ("Explorer page", 50),
    ("Pack", 24),
    ("Key", 40),
)


def write_tip_xlsx(sheet: TipSheet, found: LeadSet, path: Path) -> None:
    """Every lead with its figures as real numbers, the findings set aside, and the notes."""
    import xlsxwriter

    from crime_outcomes.outputs.packs.xlsx import _Formats, _Sheet

    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True}
    )
    wb.set_properties({"title": sheet.title, "author": "crime-outcomes", "comments": sheet.credit})
    f = _Formats(wb)
    ws = _Sheet(wb, f, "Leads", [c for c, _ in LEAD_COLUMNS], [w for _, w in LEAD_COLUMNS])
    for r, lead in enumerate(found.leads, start=1):
        fig = lead.figures
        numbers: list[tuple[Any, Any]] = [
            (r, f.integer),
            (lead.score.value, f.decimal),
            (lead.score.evidence, f.decimal),
            (lead.score.size, f.decimal),
            (lead.score.seriousness, f.decimal),
        ]
        for c, (value, fmt) in enumerate(numbers):
            ws.num(r, c, value, fmt)
        texts = [
            KIND_NAMES.get(lead.kind, lead.kind),
            lead.force.display,
            lead.outcome.label,
            ", ".join(str(t) for t in lead.outcome.types),
            lead.offence.code if lead.offence else None,
            (lead.offence.description if lead.offence else None),
            lead.sentence,
        ]
        for c, value in enumerate(texts, start=5):
            ws.text(r, c, value, f.wrap if c == 11 else None)
        figures: list[tuple[Any, Any]] = [
            (fig.count, f.integer),
            (fig.denominator, f.integer),
            (fig.share, f.pct),
            (fig.national_count, f.integer),
            (fig.national_denominator, f.integer),
            (fig.national_share, f.pct),
            (fig.share_of_national, f.pct),
            (fig.expected, f.decimal),
            (fig.ratio, f.decimal),
            (fig.z, f.decimal),
        ]
        for c, (value, fmt) in enumerate(figures, start=12):
            ws.num(r, c, value, fmt)
        caveats = list(lead.caveats) + [a.sentence() for a in lead.annotations]
        for c, value in enumerate((" ".join(caveats), lead.look.cli, lead.look.web, lead.look.pack, lead.key), start=22):
            ws.text(r, c, value)
    ws.ws.freeze_panes(1, 2)
    ws.finish(len(found.leads))

    aside = _Sheet(
        wb,
        f,
        "Not leads",
        ["Kind", "Force", "Outcome", "Offence code", "Offence", "Count", "Denominator", "Why not"],
        [24, 28, 28, 10, 40, 12, 12, 80],
    )
    for r, n in enumerate(found.not_leads, start=1):
        aside.text(r, 0, KIND_NAMES.get(n.kind, n.kind))
        aside.text(r, 1, n.force.display)
        aside.text(r, 2, n.outcome.label)
        aside.text(r, 3, n.offence.code if n.offence else None)
        aside.text(r, 4, n.offence.description if n.offence else None)
        aside.num(r, 5, n.figures.count, f.integer)
        aside.num(r, 6, n.figures.denominator, f.integer)
        aside.text(r, 7, n.because, f.wrap)
    aside.finish(len(found.not_leads))

    notes = _Sheet(wb, f, "Notes", ["Section", "Note"], [30, 100])
    rows: list[tuple[str, str]] = [("Title", sheet.title)]
    rows += [("About", p) for p in sheet.intro]
    rows += [("Caveat", c) for c in sheet.caveats]
    rows += [(f"Kind: {name}", text) for name, text in sheet.kinds]
    rows += [("Score", sheet.formula), ("Licence", sheet.credit), ("Edition", sheet.edition)]
    for r, (name, note) in enumerate(rows, start=1):
        notes.text(r, 0, name, f.title if name == "Title" else None)
        notes.text(r, 1, note, f.wrap)
    notes.finish(len(rows))
    wb.close()
