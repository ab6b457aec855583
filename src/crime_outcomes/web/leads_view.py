"""Leads as the pages show them: the filters of ``/leads`` and one lead's words, numbers and links.

The leads themselves come from ``crime_outcomes.analysis.leads`` (one scan per edition and period,
cached by the explorer); this module only picks and formats them, so ``/leads``, a force page's
top leads and ``/api/leads`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from crime_outcomes.analysis.leads import DEFAULT_OUTCOMES, KINDS, Lead, LeadSet, NotLead
from crime_outcomes.analysis.selection import DEFAULT_BASIS
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS
from crime_outcomes.web.params import BadParameter, View

EVERY = "all"
"""The filter value (and the form's first option) for no filter: every force, outcome or kind."""

PER_PAGE = 50
"""Leads on one page of ``/leads``."""

FORCE_PAGE_LEADS = 5
"""Leads a force page shows; the rest are one link away."""

NOT_LEADS_SHOWN = 100
"""Set-aside findings listed under the leads; the JSON has every one."""

KIND_NAMES: dict[str, str] = {
    "outside-limits": "Outside the usual range",
    "share-of-national": "Large share of the national total",
    "serious-out-of-court": "Outcome restricted by law or guidance",
    "change": "Large change",
    "first-time": "First time for a notable offence",
}
"""Each kind of lead named for readers (the JSON's ``kinds`` defines them)."""


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def outcome_name(selector: str) -> str:
    group = OUTCOME_GROUPS.get(selector)
    label = group[1] if group else f"outcome types {selector}"
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class LeadFilter:
    """What ``/leads`` shows: one force (canonical name) or every one, one outcome selection or all, one kind or all."""

    force: str | None
    outcome: str | None
    kind: str | None

    def keeps(self, item: Lead | NotLead) -> bool:
        return (
            (self.force is None or item.force.name == self.force)
            and (self.outcome is None or item.outcome.selector == self.outcome)
            and (self.kind is None or item.kind == self.kind)
        )


def _one_of(query: Mapping[str, str], name: str, allowed: Sequence[str]) -> str | None:
    """A filter's value (lower case), None for every one; anything else names the values allowed."""
    value = query.get(name)
    if value is None:
        return None
    folded = value.strip().lower()
    if folded == EVERY:
        return None
    if folded not in allowed:
        raise BadParameter(name, f"{name}={value!r} is not allowed: use one of {', '.join([EVERY, *allowed])}", [EVERY, *allowed])
    return folded


def parse_filter(query: Mapping[str, str], resolve: Any, force_slugs: Sequence[str]) -> LeadFilter:
    """The ``/leads`` filters in a URL query; ``resolve`` turns a slug or name into a canonical force name."""
    text = query.get("force")
    force: str | None = None
    if text is not None and text.strip().lower() != EVERY:
        if not text.strip():
            raise BadParameter("force", "force is empty: leave it out for every force, or give a force's slug", [EVERY, *force_slugs])
        force = resolve(text.strip())
    return LeadFilter(force, _one_of(query, "outcome", DEFAULT_OUTCOMES), _one_of(query, "kind", list(KINDS)))


def parse_page(query: Mapping[str, str]) -> int:
    text = query.get("page")
    if text is None:
        return 1
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise BadParameter("page", f"page={text!r} is not allowed: give a whole number of at least 1", ["a whole number of at least 1"])
    return int(value)


def leads_query(view: View, **filters: str | None) -> str:
    """'?from=2017/18&to=2017/18&basis=closed&force=kent': the period and basis, then any filters given."""
    params: list[tuple[str, str]] = [("from", view.first), ("to", view.last)]
    if view.basis != DEFAULT_BASIS:
        params.append(("basis", view.basis))
    params += [(k, v) for k, v in filters.items() if v]
    return "?" + urlencode(params, safe="/,")


def view_query(lead: Lead) -> str:
    """The lead's own view (its outcome selection, period and basis) as a page query."""
    return "?" + urlencode({"outcome": lead.outcome.selector, "from": lead.first, "to": lead.last, "basis": lead.basis}, safe="/,")


def score_text(lead: Lead) -> str:
    """'17.9 (evidence 3.24 × size 2.77 × seriousness 2)': the score and the parts it multiplies."""
    s = lead.score
    return f"{s.value:.1f} (evidence {s.evidence:.2f} × size {s.size:.2f} × seriousness {s.seriousness:g})"


def lead_item(lead: Lead, rank: int) -> dict[str, Any]:
    """One lead as a page shows it: its sentence, what it is about, its score and where to look next."""
    offence = lead.offence
    force_url = f"/force/{lead.force.slug}{view_query(lead)}"
    return {
        "rank": rank,
        "key": lead.key,
        "kind": lead.kind,
        "kind_name": kind_name(lead.kind),
        "sentence": lead.sentence,
        "force": lead.force.display,
        "force_slug": lead.force.slug,
        "force_url": force_url,
        "outcome": lead.outcome.label,
        "outcome_selector": lead.outcome.selector,
        "offence": (offence.description or f"Offence code {offence.code}") if offence else None,
        "code": offence.code if offence else None,
        "offence_url": lead.look.web if offence else None,
        "look_url": lead.look.web,
        "cli": lead.look.cli,
        "score": score_text(lead),
        "caveats": list(lead.caveats) + [a.sentence() for a in lead.annotations],
        "period": lead.first if lead.first == lead.last else f"{lead.first} to {lead.last}",
    }


SAME_FINDING = "the same finding as the lead "
"""How ``leads()`` says a finding is another lead's (followed by that lead's key)."""


def reader_because(because: str, kept: Mapping[str, Lead]) -> str:
    """Why a finding is not a lead, for readers: a lead's key becomes what that lead is about."""
    if not because.startswith(SAME_FINDING):
        return because
    lead = kept.get(because.removeprefix(SAME_FINDING))
    if lead is None:
        return because
    return f"the same finding as the lead on {lead.outcome.label} ({kind_name(lead.kind).lower()})"


def not_lead_item(item: NotLead, kept: Mapping[str, Lead]) -> dict[str, Any]:
    offence = item.offence
    what = f"{item.force.display}, {item.outcome.label}"
    if offence is not None:
        what += f", {offence.description or 'offence code ' + offence.code} ({offence.code})"
    return {"what": what, "kind_name": kind_name(item.kind), "because": reader_because(item.because, kept)}


def force_top_leads(found: LeadSet, force: str, limit: int = FORCE_PAGE_LEADS) -> tuple[list[dict[str, Any]], int]:
    """A force's highest-scoring leads as a page shows them, and how many it has in all."""
    mine = [lead for lead in found.leads if lead.force.name == force]
    return [lead_item(lead, i) for i, lead in enumerate(mine[:limit], start=1)], len(mine)
