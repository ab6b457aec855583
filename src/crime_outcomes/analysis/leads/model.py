"""Leads as typed values, and the versioned JSON they serialise to.

``leads()`` (``analysis.leads.find``) computes these; the CLI, the web (``/leads``, ``/api/leads``),
the packs' tip sheets and ``changes`` read them. They live apart from the computation, as the
story's model does, so every reader can import them cheaply.

A lead's ``key`` names the finding, not its figures (kind, force, outcome selection, offence), so
the same finding keeps its key across editions and ``changes`` can diff two lead sets by key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crime_outcomes.analysis.seriousness import RuleHit
from crime_outcomes.normalise.annotations import Annotation

SCHEMA_VERSION = "1.0"
"""Version of the leads JSON. Adding keys keeps 1.x; renaming or removing a key makes 2.0."""

KIND_OUTSIDE_LIMITS = "outside-limits"
KIND_SHARE_OF_NATIONAL = "share-of-national"
KIND_SERIOUS = "serious-out-of-court"
KIND_CHANGE = "change"
KIND_FIRST_TIME = "first-time"

KINDS: dict[str, str] = {
    KIND_OUTSIDE_LIMITS: "The force's share of outcomes lies outside the 95% funnel limits widened for the usual differences "
    "between forces, or its standardised ratio (allowing for its offence mix) lies outside the widened 99.8% limits.",
    KIND_SHARE_OF_NATIONAL: "The force holds a large share of all such outcomes in England and Wales for one offence: at least "
    "3 times its share of all the selected outcomes, with at least 10 of its own and 20 nationally (the story's "
    "largest-shares rule).",
    KIND_SERIOUS: "The force gave the outcome for an offence for which a seriousness rule that governs every selected "
    "outcome type, in force for every year of the period, fired (the rule 'applies').",
    KIND_CHANGE: "The force's share of outcomes moved, against the England and Wales share, by more than forces' shares "
    "usually move from one year to the next (at least 3.09 times the year-to-year noise), between two years of the period "
    "or from its first year to its last.",
    KIND_FIRST_TIME: "The force gave an out-of-court outcome for an offence the seriousness rules mark notable in the last "
    "year of the period, having given it for none in the earlier years loaded although it dealt with the offence then.",
}
"""What each kind of lead means (published in the JSON)."""


EVIDENCE_CAP = 10.0
"""z-scores beyond this count as this: past ten standard errors more certainty adds nothing to a story."""

SCORE_FORMULA = (
    "score = evidence x size x seriousness. evidence = min(|z|, 10) / 3.090232, so 1 is a finding at the 99.8% limit: "
    "z is how many standard errors the finding lies from what the comparison would give (outside-limits: the force's "
    "share against the England and Wales share on the widened scale, sqrt(p0(1-p0)/n + tau^2), or its standardised ratio "
    "against 1 on the widened scale sqrt(1/E + tau^2), whichever is further out; share-of-national: the force's count for "
    "the offence against its share of all England and Wales crime outcomes for that offence (so a force that deals with "
    "more of the offence is expected to hold more of the outcome), Poisson, (O - E) / sqrt(E); change: the change in the "
    "force's share against England and Wales divided by the year-to-year noise; serious-out-of-court and first-time: "
    "the count against the England and Wales rate for the offence, Poisson, and never less than 1, since the finding "
    "is the outcome itself). size = log10(1 + the number of outcomes the finding is about beyond expected): |O - E| for "
    "outside-limits and share-of-national, |change in share| x the later year's outcomes for change, the count for "
    "serious-out-of-court and first-time. seriousness = 3 when a seriousness rule that applies fired for the offence, "
    "2 when a rule fired that does not apply (an editorial list, or a rule about other outcomes or years), 1 otherwise, "
    "for leads about all offences, and for selections that are not out-of-court disposals. Leads are ranked by score, "
    "highest first."
)
"""The score, in words: published with every lead set and in the README."""


def lead_key(kind: str, force_slug: str, outcome: str, offence_code: str | None) -> str:
    """The finding's identity across editions: kind, force, outcome selection and offence, never the figures."""
    return "|".join((kind, force_slug, outcome, offence_code or ""))


@dataclass(frozen=True, kw_only=True)
class LeadForce:
    name: str
    display: str
    slug: str
    kind: str  # territorial | non-territorial

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "display": self.display, "slug": self.slug, "kind": self.kind}


@dataclass(frozen=True, kw_only=True)
class LeadOutcome:
    """The outcome selection the lead is about: the selector (the group's name whenever the types are a group's,
    however they were asked for; otherwise the type numbers, '2,7') and what it means."""

    selector: str
    types: tuple[int, ...]
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"selector": self.selector, "types": list(self.types), "label": self.label}


@dataclass(frozen=True, kw_only=True)
class LeadOffence:
    code: str
    description: str | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description}


@dataclass(frozen=True, kw_only=True)
class LeadFigures:
    """The numbers the lead rests on. Which are filled depends on the kind; the rest are None.

    count/denominator/share: the force's selected outcomes, of all its outcomes (for an offence
    lead: of all its outcomes for that offence). national_*: the same for England and Wales.
    expected: what the comparison the lead makes would give (the national share or rate applied to
    the force, or its share of all national outcomes for the offence); ratio = count / expected; z: how many
    standard errors the lead lies from expected (for outside-limits and change, on the widened scale).
    """

    count: int
    denominator: int
    share: float | None
    national_count: int | None = None
    national_denominator: int | None = None
    national_share: float | None = None
    share_of_national: float | None = None
    expected: float | None = None
    ratio: float | None = None
    z: float | None = None
    verdict: str | None = None  # against the widened (overdispersion-adjusted) share limits
    ratio_verdict: str | None = None  # the standardised ratio against its widened limits
    limits: tuple[float, float, float, float] | None = None  # widened share limits: low95, high95, low998, high998
    year_from: str | None = None
    year_to: str | None = None
    share_from: float | None = None
    share_to: float | None = None
    national_share_from: float | None = None
    national_share_to: float | None = None
    noise: float | None = None  # year-to-year noise of forces' shares against England and Wales (root mean square)
    percent_places: int = 0  # the precision the sentence prints percentages at (the story's, where the story states them)

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "national_count": self.national_count,
            "national_denominator": self.national_denominator,
            "national_share": self.national_share,
            "share_of_national": self.share_of_national,
            "expected": self.expected,
            "ratio": self.ratio,
            "z": self.z,
            "verdict": self.verdict,
            "ratio_verdict": self.ratio_verdict,
            "limits": dict(zip(("low95", "high95", "low998", "high998"), self.limits, strict=True)) if self.limits else None,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "share_from": self.share_from,
            "share_to": self.share_to,
            "national_share_from": self.national_share_from,
            "national_share_to": self.national_share_to,
            "noise": self.noise,
            "percent_places": self.percent_places,
        }


@dataclass(frozen=True, kw_only=True)
class Score:
    """score = evidence x size x seriousness (see ``analysis.leads.find`` and the JSON's ``score_formula``)."""

    evidence: float
    size: float
    seriousness: float

    @property
    def value(self) -> float:
        return self.evidence * self.size * self.seriousness

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "evidence": self.evidence, "size": self.size, "seriousness": self.seriousness}


@dataclass(frozen=True, kw_only=True)
class LookNext:
    """Where a reporter goes next: the command, the explorer page with the view in its URL, the pack file."""

    cli: str
    web: str
    pack: str

    def to_json(self) -> dict[str, Any]:
        return {"cli": self.cli, "web": self.web, "pack": self.pack}


@dataclass(frozen=True, kw_only=True)
class Lead:
    kind: str
    force: LeadForce
    outcome: LeadOutcome
    offence: LeadOffence | None
    first: str
    last: str
    basis: str
    figures: LeadFigures
    score: Score
    sentence: str
    rules: tuple[RuleHit, ...] = ()
    caveats: tuple[str, ...] = ()
    annotations: tuple[Annotation, ...] = ()  # breaks touching only the England and Wales totals (a lead never rests on one of its own)
    look: LookNext

    @property
    def key(self) -> str:
        return lead_key(self.kind, self.force.slug, self.outcome.selector, self.offence.code if self.offence else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "force": self.force.to_json(),
            "outcome": self.outcome.to_json(),
            "offence": self.offence.to_json() if self.offence else None,
            "period": {"from": self.first, "to": self.last},
            "basis": self.basis,
            "figures": self.figures.to_json(),
            "score": self.score.to_json(),
            "sentence": self.sentence,
            "rules": [h.to_json() for h in self.rules],
            "caveats": list(self.caveats),
            "annotations": [a.to_json() for a in self.annotations],
            "look": self.look.to_json(),
        }


@dataclass(frozen=True, kw_only=True)
class NotLead:
    """A finding that met its kind's test but is not offered as a lead, and why (small counts, an annotated break)."""

    kind: str
    force: LeadForce
    outcome: LeadOutcome
    offence: LeadOffence | None
    figures: LeadFigures
    because: str

    @property
    def key(self) -> str:
        return lead_key(self.kind, self.force.slug, self.outcome.selector, self.offence.code if self.offence else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "force": self.force.to_json(),
            "outcome": self.outcome.to_json(),
            "offence": self.offence.to_json() if self.offence else None,
            "figures": {"count": self.figures.count, "denominator": self.figures.denominator},
            "because": self.because,
        }


@dataclass(kw_only=True)
class LeadSet:
    """Every lead found for one scan, best first, with what was scanned and what was set aside."""

    leads: list[Lead]
    not_leads: list[NotLead]
    force: str | None  # the force asked for, or None for every force
    outcomes: list[LeadOutcome]  # the selections scanned
    first: str
    last: str
    years: list[str]
    basis: str
    store_label: str
    is_sample: bool
    rules_source: str
    top: int | None
    total: int  # leads found before ``top`` was applied
    caveats: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "force": self.force,
            "outcomes": [o.to_json() for o in self.outcomes],
            "period": {"from": self.first, "to": self.last, "years": list(self.years)},
            "basis": self.basis,
            "store": self.store_label,
            "is_sample": self.is_sample,
            "rules_source": self.rules_source,
            "top": self.top,
            "total": self.total,
            "leads": [lead.to_json() for lead in self.leads],
            "not_leads": [n.to_json() for n in self.not_leads],
            "caveats": list(self.caveats),
            "kinds": dict(KINDS),
            "score_formula": SCORE_FORMULA,
        }
