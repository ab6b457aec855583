"""Leads as text for a terminal and as Markdown (the CLI's two readable formats; the JSON is ``LeadSet.to_json``).

Every figure comes from the lead set: the sentence is the lead's own, and the score is printed
with its parts so a reader can see why a lead ranks where it does.
"""

from __future__ import annotations

from crime_outcomes.analysis.leads.model import Lead, LeadSet
from crime_outcomes.text import md_escape, number


def _score(lead: Lead) -> str:
    s = lead.score
    return f"score {s.value:.1f} = evidence {s.evidence:.2f} x size {s.size:.2f} x seriousness {s.seriousness:g}"


def _heading(ls: LeadSet) -> str:
    who = ls.force or "every force"
    when = ls.first if ls.first == ls.last else f"{ls.first} to {ls.last}"
    shown = f"the top {len(ls.leads)} of {number(ls.total)}" if ls.top is not None and ls.total > len(ls.leads) else number(ls.total)
    return f"Leads for {who}, {when} ({ls.basis} basis): {shown}"


def _what(lead: Lead) -> str:
    offence = f", {lead.offence.code} {lead.offence.description or ''}".rstrip() if lead.offence else ""
    return f"{lead.kind} · {lead.force.name} · {lead.outcome.label}{offence}"


def render_text(ls: LeadSet) -> str:
    """Numbered leads, each with its sentence, score, caveats and where to look next."""
    out = [_heading(ls), ""]
    if not ls.leads:
        out.append("No leads: no finding passed its test (see `--format json` for those set aside, and why).")
    for i, lead in enumerate(ls.leads, start=1):
        out.append(f"{i}. [{_what(lead)}]")
        out.append(f"   {lead.sentence}")
        out.append(f"   {_score(lead)}")
        out.extend(f"   Caveat: {c}" for c in lead.caveats)
        out.append(f"   Next: {lead.look.cli}")
        out.append(f"         {lead.look.web}")
        out.append("")
    if ls.not_leads:
        out.append(
            f"{number(len(ls.not_leads))} findings were set aside as not leads (small counts or annotated breaks); `--format json` lists them."
        )
    out.extend(ls.caveats)
    return "\n".join(out).rstrip() + "\n"


def render_markdown(ls: LeadSet) -> str:
    """The same as a Markdown list (data escaped)."""
    out = [f"# {md_escape(_heading(ls))}", ""]
    if not ls.leads:
        out.append("No leads: no finding passed its test.")
    for i, lead in enumerate(ls.leads, start=1):
        out.append(f"{i}. **{md_escape(_what(lead))}**: {md_escape(lead.sentence)}")
        out.append(f"   - {md_escape(_score(lead))}")
        out.extend(f"   - Caveat: {md_escape(c)}" for c in lead.caveats)
        out.append(f"   - Next: `{lead.look.cli}`; [{md_escape(lead.look.web)}]({lead.look.web})")
    out.append("")
    if ls.not_leads:
        out.append(f"{number(len(ls.not_leads))} findings were set aside as not leads (small counts or annotated breaks).")
        out.append("")
    out.extend(f"- {md_escape(c)}" for c in ls.caveats)
    return "\n".join(out).rstrip() + "\n"
