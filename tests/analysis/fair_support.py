"""Plain-Python figures from the real extract for the fair-comparison tests (standard library only).

Nothing here goes through the code under test: the extract is read with csv + gzip, forces are
named as the CSV names them (one renamed to its canonical name), and every statistic is written
out again from its published definition.
"""

from __future__ import annotations

import csv
import gzip
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PUBLISHED_TO_CANONICAL = {"London, City of": "City of London"}
NON_TERRITORIAL = {"British Transport Police"}
Z95, Z998 = 1.959964, 3.090232


@dataclass
class Extract:
    """Closed-basis sums: (force, code, type) and each code's published subgroup."""

    closed: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    subgroup: dict[str, str] = field(default_factory=dict)

    @property
    def forces(self) -> list[str]:
        return sorted({f for f, _, _ in self.closed})

    @property
    def territorial(self) -> list[str]:
        return [f for f in self.forces if f not in NON_TERRITORIAL]

    def total(self, force: str | None, types: set[int], code: str | None = None) -> int:
        return sum(
            v for (f, c, t), v in self.closed.items() if t in types and (force is None or f == force) and (code is None or c == code)
        )


def read_extract(path: Path) -> Extract:
    out = Extract()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] == "NA" or rec["force_outcomes_recorded_in_quarter"] == "NA":
                continue
            force = PUBLISHED_TO_CANONICAL.get(rec["force_name"], rec["force_name"])
            out.closed[(force, rec["offence_code"], int(rec["outcome_type"]))] += int(rec["force_outcomes_recorded_in_quarter"])
            out.subgroup[rec["offence_code"]] = rec["offence_subgroup"]
    return out


ALL = set(range(1, 23))


@dataclass
class FunnelFigures:
    p0: float
    phi: float
    tau2: float
    outside_binomial_998: int
    outside_adjusted_998: int
    outside_binomial_95: int
    outside_adjusted_95: int
    reference: list[str]


def funnel_figures(ex: Extract, types: set[int]) -> FunnelFigures:
    """Spiegelhalter's overdispersion estimate, written out from the issue's definition."""
    counts = {f: ex.total(f, types) for f in ex.forces}
    dens = {f: ex.total(f, ALL) for f in ex.forces}
    p0 = sum(counts.values()) / sum(dens.values())
    reference = [f for f in ex.territorial if counts[f] >= 10 and dens[f] >= 100]
    s2 = {f: p0 * (1 - p0) / dens[f] for f in reference}
    z = [(counts[f] / dens[f] - p0) / math.sqrt(s2[f]) for f in reference]
    deciles = statistics.quantiles(z, n=10, method="inclusive")
    low, high = deciles[0], deciles[-1]
    zw = [low if v < low else high if v > high else v for v in z]
    k = len(reference)
    phi = sum(v * v for v in zw) / k
    w = [1 / s2[f] for f in reference]
    tau2 = max(0.0, (k * phi - (k - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    out = {"b95": 0, "b998": 0, "a95": 0, "a998": 0}
    for f in reference:
        share = counts[f] / dens[f]
        for key, var in (("b", s2[f]), ("a", s2[f] + tau2)):
            for z_, tag in ((Z95, "95"), (Z998, "998")):
                lo, hi = max(0.0, p0 - z_ * math.sqrt(var)), min(1.0, p0 + z_ * math.sqrt(var))
                if share < lo or share > hi:
                    out[key + tag] += 1
    return FunnelFigures(p0, phi, tau2, out["b998"], out["a998"], out["b95"], out["a95"], reference)


def expected_counts(ex: Extract, types: set[int]) -> dict[str, float]:
    """Indirect standardisation: each force's outcomes per code x the national rate for the code."""
    codes = sorted({c for _, c, _ in ex.closed})
    national_count = defaultdict(int)
    national_den = defaultdict(int)
    force_den: dict[tuple[str, str], int] = defaultdict(int)
    for (f, c, t), v in ex.closed.items():
        if t in ALL:
            national_den[c] += v
            force_den[(f, c)] += v
        if t in types:
            national_count[c] += v
    return {f: math.fsum(force_den[(f, c)] * national_count[c] / national_den[c] for c in codes if national_den[c] != 0) for f in ex.forces}
