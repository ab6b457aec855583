"""The force story: the 2019 community-resolutions analysis for any force, outcome and period.

``story()`` computes every figure a local news story needs — count, share of all outcomes,
the England and Wales comparison, rank, whether the difference is more than chance, the
year-by-year series, the offence breakdown and the serious offences that got the outcome —
and returns them as typed dataclasses. Sentences are built from those figures only
(``crime_outcomes.analysis.lines``), so the words can never say something the numbers do not.

The definitions are fixed and published with every result (``DEFINITIONS``): the same
question asked of the same store always gives the same answer, and a reader can check it.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from crime_outcomes import __version__
from crime_outcomes.analysis import fair as fr
from crime_outcomes.analysis import fair_queries as fq
from crime_outcomes.analysis import stats
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.drivers import DriverType
from crime_outcomes.analysis.seriousness import RuleHit, RuleSet, load_rules
from crime_outcomes.analysis.standardise import Standardised
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.annotations import Annotation, annotations_for
from crime_outcomes.normalise.forces import ALIAS_INDEX, FORCES, FRAUD, TERRITORIAL, alias_key, canonical_force, territorial_forces
from crime_outcomes.normalise.glossary import OutcomeEntry, load_glossary
from crime_outcomes.normalise.outcome_types import OUTCOME_TYPES, parse_outcome_selector
from crime_outcomes.outputs.format import choose_places
from crime_outcomes.store import Store

SCHEMA_VERSION = "1.0"
"""Version of the story JSON. Adding keys keeps 1.x; renaming or removing a key makes 2.0."""

BASES = ("closed", "recorded")
PERS = ("outcomes", "recorded-crime")

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Totals:
    count: int
    denominator: int
    share: float | None

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "denominator": self.denominator, "share": self.share}


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Funnel:
    limits: stats.FunnelLimits | None
    verdict: str  # against the binomial limits
    adjusted: fr.AdjustedFunnel | None = None  # limits widened for the spread between forces

    @property
    def adjusted_verdict(self) -> str:
        """The verdict the story's words use: against the adjusted limits when there are any."""
        return self.adjusted.verdict if self.adjusted else self.verdict

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"limits": self.limits.to_json() if self.limits else None, "verdict": self.verdict}
        if self.adjusted:
            out.update(self.adjusted.to_json())
        return out


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    verdict: str
    adjusted_verdict: str = stats.VERDICT_NO_DATA
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
            "verdict": self.verdict,
            "adjusted_verdict": self.adjusted_verdict,
            "expected": self.standardised.expected if self.standardised else None,
            "ratio": self.standardised.ratio if self.standardised else None,
        }


@dataclass(frozen=True)
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


@dataclass
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
    editions: list[q.Edition]
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
                    {"file_name": e.file_name, "edition_date": e.edition_date.isoformat() if e.edition_date else None, "years": list(e.years), "kind": e.kind}
                    for e in self.editions
                ],
                "rules": {"source": self.rules_source, "fingerprint": self.rules_fingerprint},
            },
            "generated_by": {"tool": "crime-outcomes", "version": __version__},
        }


# ------------------------------------------------------------------------------ inputs


_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


def normalise_year(text: str) -> str:
    """'2014/15', '2014-15' or '2014/2015' -> '2014/15'; ValueError otherwise."""
    match = _YEAR_RE.match(text or "")
    if match:
        start, end = int(match.group(1)), match.group(2)
        if (start + 1) % 100 == int(end[-2:]) and (len(end) == 2 or int(end) == start + 1):
            return f"{start}/{(start + 1) % 100:02d}"
    raise ValueError(f"{text!r} is not a financial year: write it like 2014/15")


def resolve_force(text: str) -> str:
    """A canonical force name for what a user typed; NotFoundError with close matches otherwise."""
    name = canonical_force(text)
    if name is None:
        key = alias_key(text)
        close = difflib.get_close_matches(key, list(ALIAS_INDEX), n=8, cutoff=0.6)
        names: list[str] = []
        for c in close:
            candidate = ALIAS_INDEX[c]
            if candidate not in names and FORCES[candidate].kind != FRAUD:
                names.append(candidate)
        hint = f"; did you mean {', '.join(names[:4])}?" if names else ""
        raise NotFoundError(f"unknown force {text!r}{hint} (`crime-outcomes forces` lists every force)")
    if FORCES[name].kind == FRAUD:
        raise NotFoundError(f"{name} is a fraud reporting body, not a police force: it has no crime outcomes")
    return name


def _force_info(name: str | None) -> ForceInfo:
    from crime_outcomes.analysis.lines import display_name

    if name is None:
        return ForceInfo(NATIONAL_NAME, NATIONAL_NAME, NATIONAL_SLUG, NATIONAL_KIND, None)
    f = FORCES[name]
    return ForceInfo(f.name, display_name(f.name), f.slug, f.kind, f.country or None)


def _period(loaded: list[str], first: str | None, last: str | None) -> tuple[str, str, list[str], list[str]]:
    """(first, last, loaded years in the period, years in the period that are not loaded)."""
    if not loaded:
        raise NotFoundError("the store holds no outcomes: load files with `crime-outcomes ingest` or `crime-outcomes update`")
    first_n = normalise_year(first) if first else loaded[0]
    last_n = normalise_year(last) if last else loaded[-1]
    for label, year in (("--from", first_n), ("--to", last_n)):
        if year not in loaded:
            raise NotFoundError(f"{year} ({label}) is not loaded; loaded years: {', '.join(loaded)}")
    if first_n > last_n:
        raise ValueError(f"the period runs backwards: {first_n} is after {last_n}")
    years = [y for y in loaded if first_n <= y <= last_n]
    start, end = int(first_n[:4]), int(last_n[:4])
    expected = [f"{y}/{(y + 1) % 100:02d}" for y in range(start, end + 1)]
    return first_n, last_n, years, [y for y in expected if y not in loaded]


# ------------------------------------------------------------------------------ the story


def story(
    store: Store,
    *,
    force: str | None,
    outcome: str = "8",
    first: str | None = None,
    last: str | None = None,
    basis: str = "closed",
    per: str = "outcomes",
    rules_path: Path | None = None,
) -> Story:
    """Compute the findings for one force (None = England and Wales), outcome selection and period."""
    from crime_outcomes.analysis.lines import build_caveats, build_lines

    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}: use one of {', '.join(BASES)}")
    if per not in PERS:
        raise ValueError(f"unknown denominator {per!r}: use one of {', '.join(PERS)}")
    types, label = parse_outcome_selector(str(outcome))
    name = resolve_force(force) if force is not None else None
    info = _force_info(name)
    first_y, last_y, years, not_loaded = _period(store.years(), first, last)
    rules = load_rules(rules_path)

    # Year x force totals; with per='recorded-crime' the denominators come from recorded crime.
    # One pass gives the year x force totals (as year_force_totals would), the offence totals (as
    # offence_totals would) and what the fair comparisons need.
    mix = fq.mix_and_expected(store, first_y, last_y, types, basis, name)
    rows = [q.YearForceRow(r.year, r.force, r.count, r.denominator) for r in mix.expected]
    if name is not None and not any(r.force == name for r in rows):
        raise NotFoundError(f"no outcomes for {name} in {', '.join(years)} in the store {store.label}")
    count_by: dict[tuple[str, str], int] = {(r.year, r.force): r.count for r in rows}
    den_by: dict[tuple[str, str], int] = {(r.year, r.force): r.denominator for r in rows}
    missing_den_cells = 0
    if per == "recorded-crime":
        rc_years = q.recorded_crime_years(store)
        absent = [y for y in years if y not in rc_years]
        if absent:
            loaded_rc = ", ".join(rc_years) if rc_years else "none"
            raise NotFoundError(
                f"recorded crime (the police force area table) is not loaded for {', '.join(absent)} "
                f"(loaded: {loaded_rc}); load prc-pfa-mar2013-onwards-tables with `crime-outcomes ingest`, or use --per outcomes"
            )
        rc = q.recorded_crime_by_year_force(store, years)
        den_by = {key: value[0] for key, value in rc.items()}
        missing_den_cells = sum(v[1] for k, v in rc.items() if name is None or k[1] == name)

    all_forces = sorted({f for (_, f) in count_by} | {f for (_, f) in den_by})

    def total(values: dict[tuple[str, str], int], who: str | None, year: str | None = None) -> int:
        return sum(v for (y, f), v in values.items() if (who is None or f == who) and (year is None or y == year))

    count = total(count_by, name)
    denominator = total(den_by, name)
    national = Totals(total(count_by, None), total(den_by, None), stats.share(total(count_by, None), total(den_by, None)))

    # Missing cells, for the force and nationally.
    cells = q.missing_cells(store, first_y, last_y, types, basis)
    missing_national = _group_missing(cells)
    missing = [m for m in missing_national if name is None or m.force == name]

    by_year: list[YearFigures] = []
    for y in years:
        c, d = total(count_by, name, y), total(den_by, name, y)
        nc, nd = total(count_by, None, y), total(den_by, None, y)
        year_missing = sum(m.cells for m in missing if m.year == y)
        by_year.append(YearFigures(y, c, d, stats.share(c, d), stats.wilson_interval(c, d), nc, nd, stats.share(nc, nd), year_missing))

    change = None
    if len(by_year) >= 2:
        a, b = by_year[0], by_year[-1]
        share_change = b.share - a.share if a.share is not None and b.share is not None else None
        change = Change(
            a.year, b.year, a.count, b.count, b.count - a.count,
            (b.count - a.count) / a.count if a.count > 0 else None,
            a.share, b.share, share_change, share_change * 100 if share_change is not None else None,
        )

    comparison, rank = _compare(all_forces, count_by, den_by, national, name)
    funnel = None
    if name is not None:
        limits = stats.funnel_limits(national.share, denominator) if national.share is not None else None
        funnel = Funnel(limits, stats.funnel_verdict(stats.share(count, denominator), limits))

    offences = _offences(store, first_y, last_y, years, types, basis, per, name, rules, sorted(mix.offences, key=lambda r: r.code))
    notable = [o for o in offences if o.count > 0 and o.serious]
    largest: list[OffenceFigures] = []
    if name is not None:
        overall = Fraction(count, national.count) if national.count > 0 and count > 0 else None
        candidates = [
            o for o in offences
            if overall is not None and o.count >= LARGEST_SHARES_MIN_COUNT and o.national_count >= LARGEST_SHARES_MIN_NATIONAL
            and Fraction(o.count, o.national_count) >= LARGEST_SHARES_MIN_RATIO * overall
        ]
        candidates.sort(key=lambda o: (-Fraction(o.count, o.national_count), -o.count, o.code))
        largest = candidates[:LARGEST_SHARES_TOP]

    fair = fr.compute(
        store, mix, first=first_y, last=last_y, years=years, types=types, basis=basis, per=per, name=name,
        kinds={c.force: c.kind for c in comparison},
        reference=[c.force for c in comparison if c.kind == TERRITORIAL and not c.small],
        territorial=territorial_forces(),
        shares={c.force: (c.count, c.denominator) for c in comparison},
        national_share=national.share,
        description_of_code={o.code: o.description for o in offences},
    )
    if funnel is not None:
        funnel = replace(funnel, adjusted=fair.funnel)
    comparison = [
        replace(c, adjusted_verdict=fair.by_force[c.force].adjusted_verdict, standardised=fair.by_force[c.force].standardised)
        for c in comparison
    ]
    by_year = [replace(y, standardised=fair.by_year.get(y.year)) for y in by_year]

    kinds = ["outcomes", "recorded_crime"] if per == "recorded-crime" else ["outcomes"]
    result = Story(
        force=info, outcome_types=types, outcome_label=label, years=years, first=first_y, last=last_y,
        basis=basis, per=per, count=count, denominator=denominator, share=stats.share(count, denominator),
        ci95=stats.wilson_interval(count, denominator), national=national, rank=rank, funnel=funnel,
        by_year=by_year, change=change, offences=offences, notable=notable, largest_shares=largest,
        comparison=comparison, missing=missing, missing_national=missing_national,
        missing_denominator_cells=missing_den_cells, years_not_loaded=not_loaded, store_label=store.label,
        is_sample=store.is_sample, editions=q.editions(store, years, kinds),
        rules_source=rules.source, rules_fingerprint=rules.fingerprint,
        standardised=fair.standardised, similar=fair.similar, drivers=fair.drivers, share_spread=fair.share_spread,
    )
    result.annotations = _annotations(name, years, basis, types)
    compared = [(result.share, national.share)] if name is not None else []
    if change is not None:
        compared.append((change.share_from, change.share_to))
    result.percent_places = choose_places(compared=compared, intervals=[result.ci95])
    result.definition = load_glossary().definition(types)
    result.lines = build_lines(result)
    result.caveats = build_caveats(result)
    return result


def _annotations(name: str | None, years: list[str], basis: str, types: tuple[int, ...]) -> list[tuple[str, Annotation]]:
    """Known breaks touching the force's own figures ('force') or only the England and Wales totals ('national')."""
    if name is None:
        return [("national", a) for a in annotations_for(force=None, years=years, basis=basis, outcome_types=types)]
    own = annotations_for(force=name, years=years, basis=basis, outcome_types=types)
    others = [a for a in annotations_for(force=None, years=years, basis=basis, outcome_types=types) if a not in own]
    return [("force", a) for a in own] + [("national", a) for a in others]


def _group_missing(cells: list[q.MissingCell]) -> list[MissingGroup]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for c in cells:
        g = grouped.setdefault((c.force, c.year, c.marker), {"quarters": set(), "cells": 0, "selected": 0})
        g["quarters"].add(c.quarter)
        g["cells"] += c.cells
        if c.selected:
            g["selected"] += c.cells
    return [
        MissingGroup(force, year, tuple(sorted(g["quarters"])), marker, g["cells"], g["selected"])
        for (force, year, marker), g in sorted(grouped.items())
    ]


def _compare(
    all_forces: list[str],
    count_by: dict[tuple[str, str], int],
    den_by: dict[tuple[str, str], int],
    national: Totals,
    name: str | None,
) -> tuple[list[ForceComparison], Rank | None]:
    """Period figures for every force, the territorial ranking, and the chosen force's rank."""
    counts: dict[str, int] = defaultdict(int)
    dens: dict[str, int] = defaultdict(int)
    for (_, f), v in count_by.items():
        counts[f] += v
    for (_, f), v in den_by.items():
        dens[f] += v
    territorial = territorial_forces()
    small = sorted(f for f in territorial if stats.is_small(counts[f], dens[f]))
    ranked = [f for f in territorial if f not in small]
    by_share = stats.competition_rank({f: Fraction(counts[f], dens[f]) for f in ranked})
    by_count = stats.competition_rank({f: counts[f] for f in ranked})

    comparison: list[ForceComparison] = []
    for f in sorted(set(all_forces) | set(territorial)):
        c, d = counts[f], dens[f]
        limits = stats.funnel_limits(national.share, d) if national.share is not None else None
        comparison.append(
            ForceComparison(
                f, FORCES[f].kind, c, d, stats.share(c, d), stats.wilson_interval(c, d),
                by_share.get(f), by_count.get(f), f in small, stats.funnel_verdict(stats.share(c, d), limits),
            )
        )
    if name is None:
        return comparison, None
    share_values = list(by_share.values())
    count_values = list(by_count.values())
    reason = None
    if FORCES[name].kind != TERRITORIAL:
        reason = f"{name} is not a territorial force; rankings cover the {len(territorial)} territorial forces"
    elif name in small:
        reason = f"too few to rank (fewer than {stats.SMALL_COUNT_MIN} outcomes or {stats.SMALL_DENOMINATOR_MIN} in all)"
    rank = Rank(
        by_share=by_share.get(name),
        by_count=by_count.get(name),
        of=len(ranked),
        tied_share=name in by_share and share_values.count(by_share[name]) > 1,
        tied_count=name in by_count and count_values.count(by_count[name]) > 1,
        flagged_small=small,
        small=name in small,
        reason=reason,
    )
    return comparison, rank


def _offences(
    store: Store,
    first: str,
    last: str,
    years: list[str],
    types: tuple[int, ...],
    basis: str,
    per: str,
    name: str | None,
    rules: RuleSet,
    totals: list[q.OffenceRow] | None = None,
) -> list[OffenceFigures]:
    """The offence breakdown, most first, with labels and the seriousness rules that fire (``totals``: the
    offence_totals rows when the caller already has them)."""
    rows = totals if totals is not None else q.offence_totals(store, first, last, types, basis, name)
    labels = q.offence_labels(store, years)
    rc = q.recorded_crime_by_code(store, years, name) if per == "recorded-crime" else {}
    out: list[OffenceFigures] = []
    for r in rows:
        if r.count == 0 and r.national_count == 0:
            continue
        if per == "recorded-crime":
            force_den, nat_den = rc.get(r.code, (0, 0))
        else:
            force_den, nat_den = r.force_denominator, r.national_denominator
        lab = labels.get(r.code)
        hits = tuple(rules.match(r.code, types, years))
        out.append(
            OffenceFigures(
                code=r.code,
                description=lab.description if lab else None,
                group=lab.group if lab else None,
                subgroup=lab.subgroup if lab else None,
                expired=lab.expired_any if lab else False,
                count=r.count,
                national_count=r.national_count,
                share_of_national=stats.share(r.count, r.national_count),
                force_denominator=force_den,
                force_rate=stats.share(r.count, force_den),
                national_denominator=nat_den,
                national_rate=stats.share(r.national_count, nat_den),
                serious=bool(hits),
                rules=hits,
            )
        )
    out.sort(key=lambda o: (-o.count, -o.national_count, o.code))
    return out
