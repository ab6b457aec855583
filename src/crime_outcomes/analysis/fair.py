"""Fair comparisons for a story: adjusted funnel limits, offence-mix standardisation, similar forces, drivers.

``story()`` computes the crude figures; this module adds what it takes to compare a force fairly
(issue: "Fair comparisons"). It works from one query for expected counts and crime mix
(``fair_queries.mix_and_expected``, whose per-year, per-force totals the story's shares also
use) and runs one more for the drivers of a group selection.

Reference forces — the forces whose spread sets the adjusted limits — are the territorial forces
that are ranked (not flagged small), the same set the ranking uses.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crime_outcomes.analysis import drivers as dr
from crime_outcomes.analysis import fair_queries as fq
from crime_outcomes.analysis import funnel as fn
from crime_outcomes.analysis import similar as sim
from crime_outcomes.analysis import standardise as sd
from crime_outcomes.analysis import stats
from crime_outcomes.normalise.outcome_types import describe_types
from crime_outcomes.store import Store

DEFINITIONS: dict[str, str] = {
    "funnel_adjusted": "funnel.phi, funnel.tau and funnel.adjusted allow for the real differences between forces "
    "(overdispersion; Spiegelhalter, Statistics in Medicine 24 (2005) 1185-1202). Each reference force (the territorial "
    "forces that are ranked) gets z = (share - p0) / s with s^2 = p0(1-p0)/n; the z-scores are winsorised at 10% each "
    "side (values beyond the 10th and 90th percentiles, linear interpolation, are set to them); phi = mean of the "
    "squared winsorised z; tau^2 = max(0, (k*phi - (k-1)) / (sum w - sum w^2 / sum w)) with w = 1/s^2 over the k "
    "reference forces; adjusted limits p0 ± z·sqrt(s^2 + tau^2), clipped to [0, 1]. funnel.adjusted.verdict places "
    "the force's share against them, and the story's words use it. funnel.outside counts the reference forces "
    "outside the binomial and the adjusted 95% and 99.8% limits; funnel.reference_forces is k.",
    "standardised": "Offence-mix (indirect) standardisation. expected = sum over years and offence codes of the "
    "force's outcomes of all types (1-22) for the code x the England and Wales (44 forces) rate of the selected "
    "outcomes for that code that year, same basis; ratio = observed / expected (1 = national practice for the same "
    "crimes); ci95 = exact Poisson (Garwood) interval on the observed count divided by expected; limits and verdict "
    "place the ratio against funnel limits for ratios around 1 adjusted for overdispersion as for shares "
    "(s^2 = 1/expected). Over the 44 forces expected sums to observed. Also in each by_year entry (that year's "
    "rates and forces). Null for a national story and with per='recorded-crime'.",
    "similar": "The territorial forces most like this one in the crime they deal with: distance on crime mix (the "
    "share of the force's outcomes of all types in each offence subgroup) and volume (log of its outcomes of all "
    "types), each part divided by its average over all pairs of territorial forces, weighted equally (1 = typical "
    "distance between two forces); the nearest "
    f"{sim.SIMILAR_TOP}, with their count, share, standardised ratio and adjusted verdict. Null for a national story or "
    "a force that is not territorial.",
    "drivers": "For a selection of several outcome types: each type's count and share of the group for the force and "
    f"for England and Wales, and the {dr.DRIVER_OFFENCES_TOP} offences with most of that type for the force. Null for "
    "a single type.",
}
"""Definitions of the fair-comparison keys of the story JSON (merged into the story's DEFINITIONS)."""

READER_NOTES: dict[str, str] = {
    "funnel": "Forces differ for many ordinary reasons - the crime in their area, local policy, how they record "
    "outcomes - so their shares spread out far more than chance alone would make them. Statisticians call this "
    "overdispersion. Limits that allowed only for chance would put nearly every force 'outside' and mean little, so "
    "the limits used here are widened by how much forces usually differ from one another. A force outside these "
    "wider limits stands out even among forces that all differ; one inside them is within the normal spread.",
    "standardised": "Forces deal with different crimes, and some crimes are far more often dealt with out of court "
    "than others. So the tool asks how many of these outcomes the force would have had if, for each type of "
    "offence it dealt with, it had used the outcome as often as police in England and Wales did as a whole. That "
    "is the 'expected' number; the ratio of the actual to the expected number is 1 at the national rate. This "
    "allows for the mix of offences only. Offence codes are broad (one code covers very different incidents), and "
    "the data do not say whether the offender admitted the offence, whether the victim agreed, or the offender's "
    "age or record, all of which decide whether an out-of-court outcome is possible.",
    "similar": "The most similar forces are those that deal with the most similar crime: the same mix of offence "
    "types and a similar number of cases. They are not chosen on how the force dealt with crime, so a force that "
    "uses an outcome differently from its most similar forces does so while facing similar work. Similarity is "
    "computed by the tool from the published data; it is not the official 'most similar group' of HM "
    "Inspectorate of Constabulary, which is built from other data.",
    "drivers": "A group of outcomes, such as all out-of-court outcomes, can be high because one kind of outcome is "
    "used a lot for one kind of offence. The split shows which outcomes make up the group for the force and for "
    "England and Wales, and which offences account for most of each.",
}
"""Plain-English methodology for readers, one paragraph per fair comparison (packs, web)."""


@dataclass(frozen=True)
class AdjustedFunnel:
    """Binomial limits widened by the spread between forces, and how many forces each leaves outside."""

    spread: fn.Overdispersion
    limits: stats.FunnelLimits | None  # adjusted, for the force's own denominator
    verdict: str
    outside_binomial: tuple[int, int]  # reference forces outside the 95% and 99.8% binomial limits
    outside_adjusted: tuple[int, int]

    def to_json(self) -> dict[str, Any]:
        lim = self.limits
        return {
            "phi": self.spread.phi,
            "tau": self.spread.tau,
            "adjusted": {
                "low95": lim.lower95 if lim else None,
                "high95": lim.upper95 if lim else None,
                "low998": lim.lower998 if lim else None,
                "high998": lim.upper998 if lim else None,
                "verdict": self.verdict,
            },
            "reference_forces": self.spread.k,
            "outside": {
                "binomial": {"95": self.outside_binomial[0], "99.8": self.outside_binomial[1]},
                "adjusted": {"95": self.outside_adjusted[0], "99.8": self.outside_adjusted[1]},
            },
        }


@dataclass(frozen=True)
class SimilarForce:
    force: str
    distance: float
    count: int
    denominator: int
    share: float | None
    standardised: sd.Standardised | None
    adjusted_verdict: str

    def to_json(self) -> dict[str, Any]:
        s = self.standardised
        return {
            "force": self.force,
            "distance": self.distance,
            "count": self.count,
            "denominator": self.denominator,
            "share": self.share,
            "expected": s.expected if s else None,
            "ratio": s.ratio if s else None,
            "adjusted_verdict": self.adjusted_verdict,
        }


@dataclass(frozen=True)
class Similar:
    forces: tuple[SimilarForce, ...]
    method: str

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "forces": [f.to_json() for f in self.forces]}


@dataclass(frozen=True)
class ForceFair:
    """One force's fair-comparison figures over the period (for forces_compared and similar forces)."""

    adjusted_verdict: str
    standardised: sd.Standardised | None


@dataclass(frozen=True)
class Fair:
    """Everything this module adds to a story."""

    share_spread: fn.Overdispersion | None  # phi, tau^2 of shares (also for a national story: the chart needs it)
    funnel: AdjustedFunnel | None  # None for a national story
    standardised: sd.Standardised | None
    by_year: dict[str, sd.Standardised]
    by_force: dict[str, ForceFair]
    similar: Similar | None
    drivers: list[dr.DriverType] | None


def compute(
    store: Store,
    mix: fq.Mix,
    *,
    first: str,
    last: str,
    years: Sequence[str],
    types: tuple[int, ...],
    basis: str,
    per: str,
    name: str | None,
    kinds: dict[str, str],
    reference: Sequence[str],
    territorial: Sequence[str],
    shares: dict[str, tuple[int, int]],
    national_share: float | None,
    description_of_code: dict[str, str | None],
) -> Fair:
    """The fair-comparison findings from ``mix`` (what ``fair_queries.mix_and_expected`` returned for the
    story's selection); ``shares`` maps each force to its (count, denominator) for the story's ``per``."""
    expected_rows, mix_rows = mix.expected, mix.mix

    # Adjusted funnel for shares.
    spread = None
    if national_share is not None:
        spread = fn.share_overdispersion(national_share, [shares[f] for f in reference if f in shares])

    def adjusted(force: str) -> tuple[stats.FunnelLimits | None, str]:
        c, d = shares.get(force, (0, 0))
        lim = fn.adjusted_share_limits(national_share, d, spread.tau2) if spread is not None and national_share is not None else None
        return lim, stats.funnel_verdict(stats.share(c, d), lim)

    adjusted_by_force = {f: adjusted(f) for f in shares}
    funnel = None
    if name is not None and spread is not None and national_share is not None:
        ref = [f for f in reference if f in shares]
        binomial = [(stats.share(*shares[f]), stats.funnel_limits(national_share, shares[f][1])) for f in ref]
        adj = [(stats.share(*shares[f]), adjusted_by_force[f][0]) for f in ref]
        lim, verdict = adjusted_by_force.get(name, (None, stats.VERDICT_NO_DATA))
        funnel = AdjustedFunnel(spread, lim, verdict, fn.outside(binomial), fn.outside(adj))

    # Standardisation, per year and over the period.
    standardised: sd.Standardised | None = None
    by_year: dict[str, sd.Standardised] = {}
    by_force_std: dict[str, sd.Standardised] = {}
    if per == "outcomes":
        per_year: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
        period: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for r in expected_rows:
            per_year[r.year][r.force] = (r.count, r.expected)
            period[r.force][0] += r.count
            period[r.force][1] += r.expected
        period_of = {f: (int(v[0]), v[1]) for f, v in period.items()}
        ratio_spread = sd.ratio_spread(period_of, reference)
        tau2 = ratio_spread.tau2 if ratio_spread else None
        by_force_std = {f: sd.figures(o, e, tau2, with_ci=f == name) for f, (o, e) in period_of.items()}
        if name is not None:
            standardised = by_force_std.get(name)
            for y in years:
                forces_y = per_year.get(y, {})
                if name in forces_y:
                    year_spread = sd.ratio_spread(forces_y, reference)
                    by_year[y] = sd.figures(*forces_y[name], year_spread.tau2 if year_spread else None)

    by_force = {f: ForceFair(adjusted_by_force[f][1], by_force_std.get(f)) for f in shares}

    similar = None
    if name is not None and kinds.get(name) == "territorial":
        pool = sim.profiles(mix_rows, territorial)
        nearest = sim.most_similar(pool, name)
        similar = Similar(
            tuple(
                SimilarForce(
                    f,
                    d,
                    shares.get(f, (0, 0))[0],
                    shares.get(f, (0, 0))[1],
                    stats.share(*shares.get(f, (0, 0))),
                    by_force_std.get(f),
                    adjusted_by_force.get(f, (None, stats.VERDICT_NO_DATA))[1],
                )
                for f, d in nearest
            ),
            sim.METHOD,
        )

    drivers = None
    if len(types) > 1:
        rows = fq.type_offence_counts(store, first, last, types, basis, name)
        drivers = dr.drivers(rows, types, lambda t: describe_types((t,)), description_of_code.get)

    return Fair(spread, funnel, standardised, by_year, by_force, similar, drivers)


def is_far(similar: Similar, threshold: float = 1.5) -> bool:
    """True when even the nearest force is far (distance above ``threshold``, 1 being typical)."""
    return not similar.forces or similar.forces[0].distance > threshold or math.isnan(similar.forces[0].distance)
