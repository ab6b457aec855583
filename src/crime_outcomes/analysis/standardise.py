"""Offence-mix standardisation: how many outcomes a force would have at England and Wales rates.

A crude share compares forces that deal with different crime: a force with more shoplifting
issues more community resolutions at the same practice. Indirect standardisation (as death and
readmission rates are compared) asks what the force would have issued had it used each
offence's England and Wales rate on its own caseload:

    expected = sum over offence codes (and years) of
               the force's outcomes for the offence x the England and Wales rate of the selected
               outcome for that offence (same basis, same year)

The ratio observed / expected is 1 at national practice; 0.8 means 20% fewer than national
rates for the same crimes would give. Because the rates are England and Wales' own (44
forces), expected sums to observed over those 44 forces. The 95% interval is the exact
(Garwood) Poisson interval on the observed count, divided by expected; the verdict uses
overdispersion-adjusted funnel limits for ratios (``analysis.funnel``), as shares do.

The interval needs quantiles of the gamma distribution; they are computed here (regularised
incomplete gamma function, Newton's method) rather than adding a statistics library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from crime_outcomes.analysis import funnel as fn
from crime_outcomes.analysis import stats

_EPS = 1e-15


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma function P(a, x) for a > 0, x >= 0."""
    if a <= 0:
        raise ValueError("gamma_p needs a > 0")
    if x <= 0:
        return 0.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        # Series: P = x^a e^-x / Gamma(a+1) * sum_k x^k / ((a+1)...(a+k)).
        term = total = 1.0 / a
        ap = a
        for _ in range(100_000):
            ap += 1
            term *= x / ap
            total += term
            if term < total * _EPS:  # every term is positive
                break
        return min(1.0, total * math.exp(log_prefix))
    # Continued fraction for Q = 1 - P (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return max(0.0, 1.0 - math.exp(log_prefix) * h)


def gamma_quantile(a: float, p: float) -> float:
    """x with P(a, x) = p (shape a, scale 1), by Newton's method kept inside a bracket.

    The Wilson-Hilferty start is close for the counts stories have, so two or three steps reach
    full double precision; the bracket (widened by doubling until it holds the root) turns a
    step that would leave it into bisection.
    """
    if not 0 < p < 1:
        raise ValueError("a quantile needs 0 < p < 1")
    z = _normal_quantile(p)
    x = a * (1 - 1 / (9 * a) + z / (3 * math.sqrt(a))) ** 3
    if not x > 0:
        x = min(a, 1e-3)
    lo, hi = 0.0, math.inf
    log_norm = math.lgamma(a)
    for _ in range(200):
        f = gamma_p(a, x) - p
        if f == 0:
            return x
        if f > 0:
            hi = x
        else:
            lo = x
        density = math.exp((a - 1) * math.log(x) - x - log_norm)
        nxt = x - f / density if density > 0 else math.nan
        if not lo < nxt < hi:
            nxt = 2 * x if hi == math.inf else (lo + hi) / 2
        if abs(nxt - x) <= 1e-13 * x:
            return nxt
        x = nxt
    return x


def _normal_quantile(p: float) -> float:
    """Standard normal quantile: used only for a starting point."""
    return NormalDist().inv_cdf(p)


def poisson_interval(observed: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean given an observed count."""
    if observed < 0:
        raise ValueError("a Poisson count cannot be negative")
    alpha = 1 - level
    low = gamma_quantile(observed, alpha / 2) if observed > 0 else 0.0
    return low, gamma_quantile(observed + 1, 1 - alpha / 2)


# ---------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Standardised:
    """Observed against expected at England and Wales rates for the same offences."""

    observed: int
    expected: float
    ratio: float | None
    ci95: tuple[float, float] | None
    limits: stats.FunnelLimits | None  # overdispersion-adjusted limits for the ratio around 1
    verdict: str

    def to_json(self) -> dict[str, Any]:
        lim = self.limits
        return {
            "observed": self.observed,
            "expected": self.expected,
            "ratio": self.ratio,
            "ci95": list(self.ci95) if self.ci95 else None,
            "limits": {"low95": lim.lower95, "high95": lim.upper95, "low998": lim.lower998, "high998": lim.upper998} if lim else None,
            "verdict": self.verdict,
        }


def ratio(observed: int, expected: float) -> float | None:
    return observed / expected if expected > 0 else None


def figures(observed: int, expected: float, tau2: float | None, *, with_ci: bool = True) -> Standardised:
    """The ratio, its exact interval and where it lies against the adjusted ratio limits.

    ``with_ci=False`` leaves the interval out: it is shown for the story's own force only, and
    inverting the gamma function for every force would cost more than the rest of the story.
    """
    r = ratio(observed, expected)
    ci = None
    if with_ci and r is not None and observed >= 0:
        low, high = poisson_interval(observed)
        ci = (low / expected, high / expected)
    limits = fn.adjusted_ratio_limits(expected, tau2) if tau2 is not None else None
    return Standardised(observed, expected, r, ci, limits, stats.funnel_verdict(r, limits))


def ratio_spread(by_force: Mapping[str, tuple[int, float]], reference: Sequence[str]) -> fn.Overdispersion | None:
    """Overdispersion of the reference forces' ratios (phi, tau^2)."""
    return fn.ratio_overdispersion([(float(by_force[f][0]), by_force[f][1]) for f in reference if f in by_force])
