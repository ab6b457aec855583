"""The story's findings as typed values, and the versioned JSON they serialise to.

``story()`` (``crime_outcomes.analysis.story``) computes these; the sentences
(``analysis.lines``), the renderings, the packs and the web read them. They live apart from
the computation so that every reader can import them without importing the code that
builds them (and so ``story`` and ``lines`` no longer import each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from crime_outcomes.analysis import fair as fr
from crime_outcomes.analysis import stats
from crime_outcomes.analysis.drivers import DriverType
from crime_outcomes.analysis.seriousness import RuleHit
from crime_outcomes.analysis.standardise import Standardised
from crime_outcomes.analysis.story_queries import Edition
from crime_outcomes.normalise.annotations import Annotation
from crime_outcomes.normalise.glossary import OutcomeEntry, load_glossary
from crime_outcomes.normalise.outcome_types import OUTCOME_TYPES
from crime_outcomes.version import __version__

SCHEMA_VERSION = "1.0"
"""Version of the story JSON. Adding keys keeps 1.x; renaming or removing a key makes 2.0."""

# The columns of Story.offences_frame(): the JSON's offence keys, with rules as their ids.
OFFENCES_FRAME_SCHEMA: dict[str, Any] = {
    "code": pl.String,
    "description": pl.String,
    "group": pl.String,
    "subgroup": pl.String,
    "expired": pl.Boolean,
    "count": pl.Int64,
    "national_count": pl.Int64,
    "share_of_national": pl.Float64,
    "force_denominator": pl.Int64,
    "force_rate": pl.Float64,
    "national_denominator": pl.Int64,
    "national_rate": pl.Float64,
    "serious": pl.Boolean,
    "rules": pl.List(pl.String),
}

NATIONAL_NAME = "England and Wales"
NATIONAL_SLUG = "england-and-wales"
NATIONAL_KIND = "national"

LARGEST_SHARES_MIN_NATIONAL = 20
"""An offence enters "largest shares of national totals" only if England and Wales had at least
this many of the selected outcomes for it: 2 of 3 is a big share of very little."""

LARGEST_SHARES_TOP = 5
"""How many offences the largest-shares list keeps."""

LARGEST_SHARES_MIN_COUNT = 10
"""An offence is offered as a largest share only if the force itself had at least this many:
6 of 751 is a share of England and Wales, but not a story."""

LARGEST_SHARES_MIN_RATIO = 3
"""...and only if its share of the national count for that offence is at least this many times
its share of all the selected outcomes nationally: a force with 2% of all community
resolutions holding 2% of those for one offence is simply its size, not a finding."""

DEFINITIONS: dict[str, str] = {
    "basis": "Which published count is used. 'closed' (default): outcomes for investigations closed in the period "
    "('Force outcomes recorded in quarter'), i.e. decisions made in the period whatever the recording date; stable "
    "between editions; no type 0. 'recorded': outcomes so far of the crimes recorded in the period ('Force outcomes "
    "for offences recorded in quarter'); revised upward in each edition.",
    "count": "Sum over the period of the selected outcome types on the chosen basis for the force (or for England "
    "and Wales). Published negative corrections are kept so totals reconcile.",
    "denominator": "per='outcomes' (default): all outcomes, types 1-22, on the same basis, for the same force and "
    "years; never type 0 (not yet assigned) and never 1a/2a/3a (alternate-offence subsets). per='recorded-crime': "
    "recorded offences from the police force area table for the same force and years.",
    "share": "count / denominator, as a fraction (0.0167 = 1.67%). Text prints every percentage of a story at one "
    "precision, percent_places, rounded half up (0.045 prints as 5% at 0 places).",
    "percent_places": "Decimal places (0, 1 or 2) at which every percentage of this story is printed, in text, packs, web "
    "pages and charts: the fewest at which the shares the story compares (force and England and Wales; first and last "
    "year) print as different numbers when they differ, each with at least two significant figures, and the 95% "
    "interval's ends differ.",
    "national": "England and Wales: the 43 territorial forces plus British Transport Police (44 forces). The fraud "
    "reporting bodies (Action Fraud, CIFAS, UK Finance) are not forces and are excluded.",
    "force": "The force's canonical name, display name, slug and kind (territorial or non-territorial). For a "
    "national story the force object is {name: 'England and Wales', slug: 'england-and-wales', kind: 'national'} "
    "and rank and funnel are null.",
    "rank": "Position among the 43 territorial forces over the whole period, 1 = highest, by share and by count. "
    "Ties share the best position (standard competition ranking: 1, 2, 2, 4). Forces with small counts are flagged "
    "in flagged_small and left out of both rankings, so 'of' is the number of forces ranked. British Transport "
    "Police is not ranked (not territorial).",
    "small_counts": f"A force is flagged, not ranked, when its count is below {stats.SMALL_COUNT_MIN} or its "
    f"denominator below {stats.SMALL_DENOMINATOR_MIN}.",
    "ci95": "95% Wilson score interval on the share, [low, high], as fractions.",
    "funnel": "Funnel-plot control limits around the England and Wales share p0 for the force's denominator n: "
    f"p0 ± z·sqrt(p0(1-p0)/n), z = {stats.Z95} (95%) and {stats.Z998} (99.8%), clipped to [0, 1]. The verdict says "
    "whether the force's share lies above or below either limit; outside 99.8% is very unlikely to be chance.",
    "by_year": "The same figures for each financial year of the period, with the England and Wales share that year.",
    "change": "First year of the period against the last: counts, shares, the change in share as a fraction "
    "(share_change) and in percentage points (share_points = share_change x 100).",
    "offences": "One row per offence code with any of the selected outcomes in the force or nationally over the "
    "period, most first. description/group/subgroup are those published for the latest year of the period holding "
    "the code. share_of_national = count / national_count. force_rate = count / the force's denominator for that "
    "offence (all its outcomes for it, or its recorded offences with per='recorded-crime'); national_rate likewise "
    "for England and Wales. Codes are listed as published, so a code change (e.g. burglary in April 2017) shows "
    "old and new codes separately.",
    "notable": "Offences with a count above zero that the seriousness rules mark serious for the selected outcome "
    "types, each with the rules that fired: id, label (the text printed), basis (statute, guidance or editorial), "
    "governs (the outcome types the statute or guidance is about; none for an editorial list), source, "
    "effective_from/effective_to, and applies (true only when the rule governs every selected outcome type and was "
    "in force for every year of the period). Only a rule that applies is worded as the law or guidance restricting "
    "the outcome; the figures cannot show whether the exceptions the law or guidance allows were met.",
    "largest_shares": "Offences where the force's share of all such outcomes in England and Wales is notable: at least "
    f"{LARGEST_SHARES_MIN_RATIO} times its share of all the selected outcomes nationally (count / national.count), with at "
    f"least {LARGEST_SHARES_MIN_COUNT} of its own and {LARGEST_SHARES_MIN_NATIONAL} nationally; largest share first "
    f"(top {LARGEST_SHARES_TOP}); empty for a national story.",
    "annotations": "Known breaks in the data (a force not supplying data for a period, a change to the outcomes "
    "framework) that touch these figures, from the shipped annotations file, each with its source and link. scope "
    "'force': the force's own figures; scope 'national': the England and Wales totals (another force's break).",
    "glossary": "Plain-English definitions of the selected outcome types, from the shipped glossary: what each is, who "
    "decides, whether the victim is consulted, whether it is a conviction and whether it shows on a standard DBS check, "
    "with sources; 'unsourced' names the answers no listed source states outright. definition is the story's "
    "one-sentence explanation of the selection.",
    "missing": "Cells published as a marker rather than a number (e.g. 'N/A - data not provided') are missing, not "
    "zero: they are counted and reported in caveats naming force, year and quarter. Markers of expired offence "
    "codes are not counted as missing.",
    **fr.DEFINITIONS,
}

# ------------------------------------------------------------------------------ results


@dataclass(frozen=True, kw_only=True)
class ForceInfo:
    name: str
    display: str
    slug: str
    kind: str  # territorial | non-territorial | national
    country: str | None

    @property
    def is_national(self) -> bool:
        return self.kind == NATIONAL_KIND

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "display": self.display, "slug": self.slug, "kind": self.kind, "country": self.country}


@dataclass(frozen=True, kw_only=True)
class Totals:
    count: int
    denominator: int
    share: float | None

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "denominator": self.denominator, "share": self.share}


@dataclass(frozen=True, kw_only=True)
class Rank:
    by_share: int | None  # None when the force is flagged small or not territorial
    by_count: int | None
    of: int
    tied_share: bool
    tied_count: bool
    flagged_small: list[str]
    small: bool  # the force itself is flagged
    reason: str | None  # why there is no rank, if there is none

    def to_json(self) -> dict[str, Any]:
        return {
            "by_share": self.by_share,
            "by_count": self.by_count,
            "of": self.of,
            "tied_share": self.tied_share,
            "tied_count": self.tied_count,
            "flagged_small": list(self.flagged_small),
            "small": self.small,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class Funnel:
    limits: stats.FunnelLimits | None
    verdict: stats.Verdict  # against the binomial limits
    adjusted: fr.AdjustedFunnel | None = None  # limits widened for the spread between forces

    @property
    def adjusted_verdict(self) -> str:
        """The verdict the story's words use: against the adjusted limits when there are any."""
        return self.adjusted.verdict if self.adjusted else self.verdict

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"limits": self.limits.to_json() if self.limits else None, "verdict": self.verdict.value}
        if self.adjusted:
            out.update(self.adjusted.to_json())
        return out


@dataclass(frozen=True, kw_only=True)
class YearFigures:
    year: str
    count: int
    denominator: int
    share: float | None
    ci95: tuple[float, float] | None
    national_count: int
    national_denominator: int
    national_share: float | None
    missing_cells: int  # cells of this force (or any force, nationally) with no number this year
    standardised: Standardised | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "ci95": list(self.ci95) if self.ci95 else None,
            "national_count": self.national_count,
            "national_denominator": self.national_denominator,
            "national_share": self.national_share,
            "missing_cells": self.missing_cells,
            "standardised": self.standardised.to_json() if self.standardised else None,
        }


@dataclass(frozen=True, kw_only=True)
class Change:
    first_year: str
    last_year: str
    count_from: int
    count_to: int
    count_change: int
    count_change_fraction: float | None  # relative change in the count; None from zero
    share_from: float | None
    share_to: float | None
    share_change: float | None
    share_points: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.first_year,
            "to": self.last_year,
            "count_from": self.count_from,
            "count_to": self.count_to,
            "count_change": self.count_change,
            "count_change_fraction": self.count_change_fraction,
            "share_from": self.share_from,
            "share_to": self.share_to,
            "share_change": self.share_change,
            "share_points": self.share_points,
        }


@dataclass(frozen=True, kw_only=True)
class OffenceFigures:
    code: str
    description: str | None
    group: str | None
    subgroup: str | None
    expired: bool
    count: int
    national_count: int
    share_of_national: float | None
    force_denominator: int
    force_rate: float | None
    national_denominator: int
    national_rate: float | None
    serious: bool
    rules: tuple[RuleHit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "group": self.group,
            "subgroup": self.subgroup,
            "expired": self.expired,
            "count": self.count,
            "national_count": self.national_count,
            "share_of_national": self.share_of_national,
            "force_denominator": self.force_denominator,
            "force_rate": self.force_rate,
            "national_denominator": self.national_denominator,
            "national_rate": self.national_rate,
            "serious": self.serious,
            "rules": [h.to_json() for h in self.rules],
        }


@dataclass(frozen=True, kw_only=True)
class ForceComparison:
    """One force's period figures beside every other: what the ranking and funnel plot use."""

    force: str
    kind: str
    count: int
    denominator: int
    share: float | None
    ci95: tuple[float, float] | None
    rank_by_share: int | None
    rank_by_count: int | None
    small: bool
    verdict: stats.Verdict
    adjusted_verdict: str = stats.Verdict.NO_DATA
    standardised: Standardised | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "kind": self.kind,
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "ci95": list(self.ci95) if self.ci95 else None,
            "rank_by_share": self.rank_by_share,
            "rank_by_count": self.rank_by_count,
            "small": self.small,
            "verdict": self.verdict.value,
            "adjusted_verdict": self.adjusted_verdict,
            "expected": self.standardised.expected if self.standardised else None,
            "ratio": self.standardised.ratio if self.standardised else None,
        }


@dataclass(frozen=True, kw_only=True)
class MissingGroup:
    """Cells with no number for one force, year and marker: which quarters, how many cells."""

    force: str
    year: str
    quarters: tuple[int, ...]
    marker: str
    cells: int
    selected_cells: int  # of which cells of the selected outcome types

    def to_json(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "year": self.year,
            "quarters": list(self.quarters),
            "marker": self.marker,
            "cells": self.cells,
            "selected_cells": self.selected_cells,
        }


@dataclass(kw_only=True)
class Story:
    """Every finding of one story, plus the sentences and caveats built from them."""

    force: ForceInfo
    outcome_types: tuple[int, ...]
    outcome_label: str
    years: list[str]
    first: str
    last: str
    basis: str
    per: str
    count: int
    denominator: int
    share: float | None
    ci95: tuple[float, float] | None
    national: Totals
    rank: Rank | None
    funnel: Funnel | None
    by_year: list[YearFigures]
    change: Change | None
    offences: list[OffenceFigures]
    notable: list[OffenceFigures]
    largest_shares: list[OffenceFigures]
    comparison: list[ForceComparison]
    missing: list[MissingGroup]  # cells behind the force's own figures
    missing_national: list[MissingGroup]  # cells behind the England and Wales figures
    missing_denominator_cells: int  # recorded-crime cells with no number (per='recorded-crime')
    years_not_loaded: list[str]
    store_label: str
    is_sample: bool
    editions: list[Edition]
    rules_source: str
    rules_fingerprint: str
    lines: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    standardised: Standardised | None = None
    similar: fr.Similar | None = None
    drivers: list[DriverType] | None = None
    share_spread: fr.fn.Overdispersion | None = None  # phi and tau^2 of the shares: charts draw adjusted limits with it
    annotations: list[tuple[str, Annotation]] = field(default_factory=list)  # (scope, event)
    definition: str = ""
    percent_places: int = 1  # the one precision every percentage of this story is printed at

    @property
    def glossary(self) -> list[OutcomeEntry]:
        return load_glossary().for_types(self.outcome_types)

    def offences_frame(self) -> pl.DataFrame:
        """The ``offences`` table as a Polars DataFrame, most first, for notebooks.

        One row per offence code with the JSON's columns; ``rules`` holds the ids of the rules
        that fired. Shares and rates are fractions, as in the JSON.
        """
        rows = [{**o.to_json(), "rules": [h.rule_id for h in o.rules]} for o in self.offences]
        return pl.DataFrame(rows, schema=OFFENCES_FRAME_SCHEMA, orient="row")

    def to_json(self) -> dict[str, Any]:
        """The documented, versioned JSON (see DEFINITIONS); floats are not rounded."""
        return {
            "schema_version": SCHEMA_VERSION,
            "definitions": dict(DEFINITIONS),
            "force": self.force.to_json(),
            "outcome": {
                "types": list(self.outcome_types),
                "label": self.outcome_label,
                "descriptions": [OUTCOME_TYPES[t].label for t in self.outcome_types],
            },
            "period": {"from": self.first, "to": self.last, "years": list(self.years), "years_not_loaded": list(self.years_not_loaded)},
            "basis": self.basis,
            "per": self.per,
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "ci95": list(self.ci95) if self.ci95 else None,
            "national": self.national.to_json(),
            "rank": self.rank.to_json() if self.rank else None,
            "funnel": self.funnel.to_json() if self.funnel else None,
            "standardised": self.standardised.to_json() if self.standardised else None,
            "similar": self.similar.to_json() if self.similar else None,
            "drivers": [d.to_json() for d in self.drivers] if self.drivers is not None else None,
            "by_year": [y.to_json() for y in self.by_year],
            "change": self.change.to_json() if self.change else None,
            "offences": [o.to_json() for o in self.offences],
            "notable": [o.to_json() for o in self.notable],
            "largest_shares": [o.to_json() for o in self.largest_shares],
            "forces_compared": [c.to_json() for c in self.comparison],
            "missing": {
                "force": [m.to_json() for m in self.missing],
                "national": [m.to_json() for m in self.missing_national],
                "recorded_crime_cells": self.missing_denominator_cells,
            },
            "lines": list(self.lines),
            "caveats": list(self.caveats),
            "percent_places": self.percent_places,
            "annotations": [{"scope": scope, **a.to_json()} for scope, a in self.annotations],
            "glossary": {"definition": self.definition, "outcomes": [e.to_json() for e in self.glossary]},
            "source": {
                "store": self.store_label,
                "sample": self.is_sample,
                "editions": [
                    {
                        "file_name": e.file_name,
                        "edition_date": e.edition_date.isoformat() if e.edition_date else None,
                        "years": list(e.years),
                        "kind": e.kind,
                    }
                    for e in self.editions
                ],
                "rules": {"source": self.rules_source, "fingerprint": self.rules_fingerprint},
            },
            "generated_by": {"tool": "crime-outcomes", "version": __version__},
        }
