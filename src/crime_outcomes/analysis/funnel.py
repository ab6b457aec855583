"""Funnel limits that allow for the real differences between forces (overdispersion).

Binomial funnel limits ask "could this force's share differ from the national share by chance
alone, if every force had the same underlying rate?". With tens of thousands of outcomes per
force the answer is almost always no, so nearly every force falls outside them: forces differ
for many legitimate reasons (crime mix, local policy, recording), and the binomial limits allow
for none of them. This is overdispersion.

The standard remedy (Spiegelhalter, "Funnel plots for comparing institutional performance",
Statistics in Medicine 24 (2005) 1185-1202, the method behind NHS and public-health indicator
funnel plots) widens the limits by the variation between forces:

* z-score each reference force against the target: ``z = (y - target) / s`` with ``s`` its
  standard error under the target;
* winsorise the z-scores at 10% each side (values beyond the 10th and 90th percentiles are set
  to those percentiles), so a few extreme forces cannot inflate the estimate;
* ``phi`` = mean of the squared winsorised z-scores (1 when forces differ only by chance);
* additive random-effects variance ``tau^2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w))``
  with ``w = 1 / s^2`` over the ``k`` reference forces;
* limits ``target ± z sqrt(s^2 + tau^2)`` for each force's own ``s``.

The same arithmetic serves shares (``s^2 = p0 (1 - p0) / n``) and standardised ratios
(``O / E`` around 1, ``s^2 = 1 / E``, Poisson).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from crime_outcomes.analysis import stats

WINSOR_FRACTION = 0.10
"""Share of z-scores pulled in at each end before phi is estimated (Spiegelhalter's 10%)."""


@dataclass(frozen=True)
class Overdispersion:
    """How much more the reference forces differ than chance alone would make them."""

    k: int  # reference forces
    phi: float  # mean squared winsorised z-score
    tau2: float  # between-force variance on the scale of the indicator

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (R type 7, numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("a quantile needs at least one value")
    h = (len(ordered) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])


def winsorise(values: Sequence[float], fraction: float = WINSOR_FRACTION) -> list[float]:
    """Values below the ``fraction`` quantile raised to it, values above ``1 - fraction`` lowered to it."""
    low, high = quantile(values, fraction), quantile(values, 1 - fraction)
    return [min(max(v, low), high) for v in values]


def overdispersion(z: Sequence[float], variances: Sequence[float]) -> Overdispersion | None:
    """phi and tau^2 from the reference forces' z-scores and sampling variances; None for fewer than 3."""
    if len(z) != len(variances):
        raise ValueError("each z-score needs its variance")
    k = len(z)
    if k < 3 or any(v <= 0 for v in variances):
        return None
    phi = sum(x * x for x in winsorise(z)) / k
    w = [1 / v for v in variances]
    sw = sum(w)
    spread = sw - sum(x * x for x in w) / sw
    tau2 = max(0.0, (k * phi - (k - 1)) / spread) if spread > 0 else 0.0
    return Overdispersion(k, phi, tau2)


def _limits(target: float, variance: float, n: int, tau2: float, upper_bound: float | None) -> stats.FunnelLimits:
    se = math.sqrt(variance + tau2)

    def clip(x: float) -> float:
        x = max(x, 0.0)
        return min(x, upper_bound) if upper_bound is not None else x

    return stats.FunnelLimits(
        target=target,
        n=n,
        lower95=clip(target - stats.Z95 * se),
        upper95=clip(target + stats.Z95 * se),
        lower998=clip(target - stats.Z998 * se),
        upper998=clip(target + stats.Z998 * se),
    )


# ------------------------------------------------------------------------------- shares


def share_variance(p0: float, n: int) -> float:
    """Binomial sampling variance of a share of n outcomes under the target share p0."""
    return p0 * (1 - p0) / n


def share_overdispersion(p0: float, reference: Sequence[tuple[int, int]]) -> Overdispersion | None:
    """phi and tau^2 for shares (count, denominator) of the reference forces around p0."""
    usable = [(c, n) for c, n in reference if n > 0]
    if not 0 < p0 < 1 or not usable:
        return None
    variances = [share_variance(p0, n) for _, n in usable]
    z = [(c / n - p0) / math.sqrt(v) for (c, n), v in zip(usable, variances, strict=False)]
    return overdispersion(z, variances)


def adjusted_share_limits(p0: float, n: int, tau2: float) -> stats.FunnelLimits | None:
    """Overdispersion-adjusted limits p0 ± z sqrt(p0(1-p0)/n + tau^2), clipped to [0, 1]."""
    if n <= 0 or not 0 <= p0 <= 1:
        return None
    return _limits(p0, share_variance(p0, n), n, tau2, 1.0)


# ------------------------------------------------------------------------------- ratios


def ratio_overdispersion(reference: Sequence[tuple[float, float]]) -> Overdispersion | None:
    """phi and tau^2 for standardised ratios O/E of the reference forces around 1 (Poisson)."""
    usable = [(o, e) for o, e in reference if e > 0]
    if not usable:
        return None
    variances = [1 / e for _, e in usable]
    z = [(o - e) / math.sqrt(e) for o, e in usable]
    return overdispersion(z, variances)


def adjusted_ratio_limits(expected: float, tau2: float) -> stats.FunnelLimits | None:
    """Limits for O/E around 1: 1 ± z sqrt(1/E + tau^2), never below 0. ``n`` holds round(E)."""
    if expected <= 0:
        return None
    return _limits(1.0, 1 / expected, round(expected), tau2, None)


def outside(values: Sequence[tuple[float | None, stats.FunnelLimits | None]]) -> tuple[int, int]:
    """How many (observed, limits) pairs lie outside the 95% and the 99.8% limits."""
    n95 = n998 = 0
    for observed, limits in values:
        if observed is None or limits is None:
            continue
        if observed > limits.upper95 or observed < limits.lower95:
            n95 += 1
        if observed > limits.upper998 or observed < limits.lower998:
            n998 += 1
    return n95, n998
