"""Statistics behind "is this difference real?": Wilson intervals, funnel limits, small counts, ranks.

A force's share of outcomes is a proportion of a finite number of outcomes, so part of any
difference from the national share is noise. Two standard tools say how much:

* the **Wilson score interval** (95%) on a share, which behaves well for shares near 0%
  (most out-of-court shares are a few per cent) where the textbook normal interval can go
  below zero;
* **funnel-plot control limits** around the national share ``p0`` for a force handling ``n``
  outcomes: ``p0 ± z * sqrt(p0 (1 - p0) / n)``, clipped to [0, 1]. A force outside the 99.8%
  limits is very unlikely to differ from the national rate by chance alone (about 1 force in
  500 would, if every force shared the national rate); outside 95% but inside 99.8% is a
  weaker signal (1 in 20).

Small counts are flagged rather than ranked: a share of 3 out of 40 can swing by several
points from one quarter to the next, and ranking it next to a share of 3,834 out of 229,297
would mislead.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

Z95 = 1.959964
"""Two-sided 95% normal quantile."""

Z998 = 3.090232
"""Two-sided 99.8% normal quantile: the outer funnel-plot limit (Spiegelhalter's convention)."""

SMALL_COUNT_MIN = 10
"""A force with fewer outcomes of the selected type than this is flagged, not ranked.

Below ten events the Wilson interval on a share is wider than the share itself for the volumes
forces handle, so a rank would describe noise."""

SMALL_DENOMINATOR_MIN = 100
"""A force with fewer outcomes of all types than this is flagged, not ranked: one case moves
its share by a percentage point or more."""


class Verdict(StrEnum):
    """Where a share lies against the funnel-plot limits; the value is the published JSON text."""

    ABOVE_998 = "above 99.8% limit"
    ABOVE_95 = "above 95% limit"
    WITHIN = "within limits"
    BELOW_95 = "below 95% limit"
    BELOW_998 = "below 99.8% limit"
    NO_DATA = "no outcomes"

    @property
    def above(self) -> bool:
        """Above either upper limit."""
        return self in (Verdict.ABOVE_998, Verdict.ABOVE_95)

    @property
    def below(self) -> bool:
        """Below either lower limit."""
        return self in (Verdict.BELOW_998, Verdict.BELOW_95)

    @property
    def outside_998(self) -> bool:
        """Outside the 99.8% limits: very unlikely to be chance."""
        return self in (Verdict.ABOVE_998, Verdict.BELOW_998)


VERDICTS = tuple(Verdict)
"""Every verdict, from the highest share to no data (the order tables sort them in)."""

# The members under their earlier names, for callers that compare against them.
VERDICT_ABOVE_998 = Verdict.ABOVE_998
VERDICT_ABOVE_95 = Verdict.ABOVE_95
VERDICT_WITHIN = Verdict.WITHIN
VERDICT_BELOW_95 = Verdict.BELOW_95
VERDICT_BELOW_998 = Verdict.BELOW_998
VERDICT_NO_DATA = Verdict.NO_DATA


def share(count: int, denominator: int) -> float | None:
    """count / denominator, or None when there is nothing to divide by (never a silent 0)."""
    if denominator <= 0:
        return None
    return count / denominator


def wilson_interval(count: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for count successes out of n; None when n is not positive.

    Published corrections can leave a count just below zero or a numerator above its
    denominator; the observed proportion is clipped to [0, 1] first so the interval stays
    meaningful rather than failing.
    """
    if n <= 0:
        return None
    p = min(max(count / n, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits around a target share for one volume of outcomes."""

    target: float
    n: int
    lower95: float
    upper95: float
    lower998: float
    upper998: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "target": self.target,
            "n": self.n,
            "lower95": self.lower95,
            "upper95": self.upper95,
            "lower998": self.lower998,
            "upper998": self.upper998,
        }


def funnel_limits(p0: float, n: int) -> FunnelLimits | None:
    """Normal-approximation funnel limits p0 ± z sqrt(p0(1-p0)/n), clipped to [0, 1]."""
    if n <= 0:
        return None
    p0 = min(max(p0, 0.0), 1.0)
    se = math.sqrt(p0 * (1 - p0) / n)

    def clip(x: float) -> float:
        return min(max(x, 0.0), 1.0)

    return FunnelLimits(
        target=p0,
        n=n,
        lower95=clip(p0 - Z95 * se),
        upper95=clip(p0 + Z95 * se),
        lower998=clip(p0 - Z998 * se),
        upper998=clip(p0 + Z998 * se),
    )


def funnel_verdict(observed: float | None, limits: FunnelLimits | None) -> Verdict:
    """Where an observed share lies against the limits; on a limit counts as within."""
    if observed is None or limits is None:
        return Verdict.NO_DATA
    if observed > limits.upper998:
        return Verdict.ABOVE_998
    if observed > limits.upper95:
        return Verdict.ABOVE_95
    if observed < limits.lower998:
        return Verdict.BELOW_998
    if observed < limits.lower95:
        return Verdict.BELOW_95
    return Verdict.WITHIN


def is_small(count: int, denominator: int) -> bool:
    """True when a share is too small to rank (see SMALL_COUNT_MIN and SMALL_DENOMINATOR_MIN)."""
    return count < SMALL_COUNT_MIN or denominator < SMALL_DENOMINATOR_MIN


K = TypeVar("K", bound=Hashable)


def competition_rank(values: Mapping[K, Fraction | int]) -> dict[K, int]:
    """Standard competition ranking, highest first ("1224"): tied values share the best rank.

    Values are exact (ints or Fractions) so two shares that are equal as fractions tie even
    when their floating-point quotients would differ in the last place.
    """
    ordered = sorted(values.values(), reverse=True)
    first_position: dict[Fraction | int, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {key: first_position[value] for key, value in values.items()}
