"""What the story charts show, whoever draws them: the year series, the offence bars, the funnel plot and the ratio chart.

Each chart's content (the forces or offences plotted, title, subtitle, note, limit curves, y
range) and its alt text are computed here from a story's figures; ``outputs.light_charts``
draws them as SVG text (and PNG, through resvg) for the packs and the web explorer alike, so a
chart says the same wherever a reader meets it. Choices that matter:

* **Readable at 600 px.** Charts are 6.25 in wide (600 CSS px), base type 10 pt; PNGs are
  written at 2x for sharp screens.
* **Colour-blind-safe.** Okabe-Ito colours; the force is the only saturated mark in the funnel
  plot, and every series is also labelled directly, so nothing depends on colour alone.
* **One precision.** Every percentage on a story's charts is printed at the story's
  ``percent_places`` (``percent_places`` below sets it while they are drawn).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.funnel import adjusted_ratio_limits, adjusted_share_limits
from crime_outcomes.text import number, percent

SOURCE_LINE = "Source: Home Office police recorded crime and outcomes open data, OGL v3.0"

# Okabe-Ito (Okabe & Ito 2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
FORCE_COLOUR = OKABE_ITO["blue"]
NATIONAL_COLOUR = OKABE_ITO["orange"]
HIGHLIGHT_COLOUR = OKABE_ITO["vermillion"]
SERIOUS_COLOUR = OKABE_ITO["vermillion"]
OTHER_COLOUR = "#9A9A9A"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#595959"

WIDTH_IN = 6.25
"""Figure width in inches: 600 CSS pixels (96 px per inch), the width charts must read at."""

PNG_DPI = 192
"""PNG resolution: 2x of 96 dpi, so the 600 px chart is 1200 px wide and sharp on any screen."""

FAINT_COLOUR = "#C8C8C8"
"""The binomial (chance-alone) limits behind the widened ones: there, but not competing."""

FUNNEL_NOTE_ADJUSTED = (
    "Each dot is a force. The limits are widened for the usual differences between forces; the faint lines "
    "are the 99.8% limits for chance alone, outside which nearly every force falls."
)

TOP_OFFENCES = 10

# ------------------------------------------------------------------------ shared pieces


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)) or text


def axis_places(top: float) -> int:
    """Decimal places for percentage ticks: none above 10%, one below, two under 1%."""
    if top >= 0.1:
        return 0
    if top >= 0.01:
        return 1
    return 2


_PLACES: ContextVar[int] = ContextVar("percent_places", default=1)
"""The story's one precision for percentages while its charts are drawn."""


@contextmanager
def percent_places(places: int) -> Iterator[None]:
    """Print every percentage drawn inside at ``places`` decimals: a story's charts at the story's one precision."""
    token = _PLACES.set(places)
    try:
        yield
    finally:
        _PLACES.reset(token)


def pct(value: float | None) -> str:
    """A share as the charts print it: at the precision ``percent_places`` set (1 place otherwise)."""
    return percent(value, _PLACES.get())


# ------------------------------------------------------------------------ year series

Series = list[tuple[str, Sequence[float | None], str]]
"""(label, share per year, colour) for each line or set of bars of the year chart."""


def year_series_parts(
    years: Sequence[str], shares: Sequence[float | None], national_shares: Sequence[float | None], force_label: str, outcome_label: str
) -> tuple[bool, str, str, str, Series]:
    """(national only, period, title, subtitle, series) of the year chart."""
    if not (len(years) == len(shares) == len(national_shares)):
        raise ValueError("years, shares and national_shares must be the same length")
    national_only = force_label == "England and Wales"
    period = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    title = f"{cap(outcome_label)} as a share of all crime outcomes"
    subtitle = f"England and Wales, {period}" if national_only else f"{cap(force_label)} and England and Wales, {period}"
    series: Series = [] if national_only else [(force_label, shares, FORCE_COLOUR)]
    series.append(("England and Wales", national_shares, NATIONAL_COLOUR if not national_only else FORCE_COLOUR))
    return national_only, period, title, subtitle, series


def year_series_alt(
    years: Sequence[str],
    series: Series,
    outcome_label: str,
    period: str,
    counts: Sequence[int] | None,
    force_label: str,
    breaks: Sequence[str] = (),
) -> str:
    """The year chart's alt text: every value it shows, the force's counts, and any known breaks."""
    kind = "Bar chart" if len(years) <= 2 else "Line chart"
    who = " and ".join(label for label, _, _ in series)
    parts = [f"{kind} of {outcome_label} as a share of all crime outcomes, {who}, {period}."]
    for label, vals, _ in series:
        pairs = ", ".join(f"{y}: {pct(v)}" for y, v in zip(years, vals, strict=False))
        parts.append(f"{label}: {pairs}.")
    if counts is not None and len(counts) == len(years):
        parts.append(f"{force_label} counts: " + ", ".join(f"{y}: {number(c)}" for y, c in zip(years, counts, strict=False)) + ".")
    parts += [f"Known break: {b}" for b in breaks]
    return " ".join(parts)


def ink(colour: str) -> str:
    """Text colour for a series: orange is too light for text, so it is darkened."""
    return "#8A5A00" if colour == NATIONAL_COLOUR else colour


# ------------------------------------------------------------------------ offence bars


@dataclass(frozen=True)
class OffenceBar:
    """One offence in the bar chart; ``serious`` colours it as a notable offence."""

    label: str
    count: int
    serious: bool = False


def offence_parts(
    offences: Sequence[OffenceBar], force_label: str, period: str, outcome_label: str, top: int = TOP_OFFENCES
) -> tuple[list[OffenceBar], str, str, str | None]:
    """(offences shown, title, subtitle, note) of the offence chart: the top offences by count, largest first."""
    shown = sorted((o for o in offences if o.count > 0), key=lambda o: -o.count)[:top]
    title = f"Offences most often dealt with by {outcome_label}"
    subtitle = f"{cap(force_label)}, {period}: top {len(shown)} offences by number" if shown else f"{cap(force_label)}, {period}"
    note = "* Marked notable by the seriousness rules (dark orange bars)." if any(o.serious for o in shown) else None
    return shown, title, subtitle, note


def offence_alt(shown: Sequence[OffenceBar], force_label: str, outcome_label: str, period: str) -> str:
    if not shown:
        return f"Bar chart: {force_label} recorded no {outcome_label} in {period}."
    items = "; ".join(f"{o.label}: {number(o.count)}{' (marked notable)' if o.serious else ''}" for o in shown)
    return (
        f"Bar chart of the {len(shown)} offences {force_label} most often dealt with by {outcome_label}, {period}, largest first. {items}."
    )


# ------------------------------------------------------------------------ funnel plot


@dataclass(frozen=True)
class FunnelPoint:
    """One force in the funnel plot: its count of the outcome and all its outcomes."""

    name: str
    count: int
    denominator: int

    @property
    def share(self) -> float | None:
        return stats.share(self.count, self.denominator)


def _forces_subtitle(who: str | None, forces: int, period: str) -> str:
    """'Kent and 43 other forces, 2017/18', or '44 forces, 2017/18' when no force is highlighted."""
    return f"{cap(who)} and {forces - 1} other forces, {period}" if who else f"{forces} forces, {period}"


def _log_grid(xs: Sequence[float]) -> list[float]:
    """200 points spaced evenly on a log scale from a little below the smallest x to a little above the largest."""
    x_lo, x_hi = min(xs) / 1.6, max(xs) * 1.6
    return [x_lo * (x_hi / x_lo) ** (k / 199) for k in range(200)]


@dataclass(frozen=True)
class FunnelParts:
    """What the funnel plot shows, whoever draws it: the forces plotted, the words, the limit curves and the y range."""

    pts: list[FunnelPoint]
    title: str
    subtitle: str
    note: str
    grid: list[float]
    binomial: list[stats.FunnelLimits | None]
    limits: list[stats.FunnelLimits | None]
    y_bot: float
    y_top: float


def funnel_parts(
    points: Sequence[FunnelPoint],
    national_share: float,
    *,
    highlight: str | None,
    highlight_label: str | None,
    period: str,
    tau2: float | None,
    outcome_label: str,
) -> FunnelParts:
    """The funnel plot's content: the forces with outcomes, its words, the limit curves on a log grid and the y range."""
    pts = [p for p in points if p.denominator > 0 and p.share is not None]
    if not pts:
        raise ValueError("a funnel plot needs at least one force with outcomes")
    subtitle = _forces_subtitle(highlight_label or highlight, len(pts), period)
    xs = [p.denominator for p in pts]
    ys = [float(p.share or 0.0) for p in pts]
    grid = _log_grid(xs)
    binomial = [stats.funnel_limits(national_share, max(1, round(n))) for n in grid]
    limits = binomial if tau2 is None else [adjusted_share_limits(national_share, max(1, round(n)), tau2) for n in grid]
    y_bot, y_top = _scatter_y_range(ys, national_share, limits[-1])
    note = (
        FUNNEL_NOTE_ADJUSTED
        if tau2 is not None
        else "Each dot is a force. Outside the 99.8% limits a difference is very unlikely to be chance."
    )
    title = f"{cap(outcome_label)}: share of outcomes against volume"
    return FunnelParts(pts, title, subtitle, note, grid, binomial, limits, y_bot, y_top)


def _scatter_y_range(ys: list[float], reference: float, narrowest: stats.FunnelLimits | None) -> tuple[float, float]:
    """The y axis of a funnel or ratio plot: every dot, the reference line, and both 99.8% limits where the
    funnel is narrowest (its right-hand end), so each limit the legend names is drawn at least there."""
    values = ys + [reference] + ([narrowest.lower998, narrowest.upper998] if narrowest else [])
    y_top = max(values) * 1.12
    y_bot = max(0.0, min(values) * 0.85)
    pad = (y_top - y_bot) * 0.08
    return max(0.0, y_bot - pad), y_top + pad


LABEL_OFFSETS = tuple(
    sorted(
        ((dx, dy) for dx in (-60, -30, -10, 0, 10, 30, 60) for dy in (-56, -34, -14, 0, 14, 34, 56) if abs(dy) >= 14 or abs(dx) >= 10),
        key=lambda o: (math.hypot(o[0], o[1]), o[1] < 0, o[0] < 0),
    )
)
"""Candidate label positions (points from the dot), nearest first; the least crowded wins."""


def extremes(pts: Sequence[FunnelPoint], p0: float, k: int, tau2: float | None = None) -> list[FunnelPoint]:
    """Up to k forces with the highest and k with the lowest shares, among those outside the 99.8% limits drawn."""

    def limits(n: int) -> stats.FunnelLimits | None:
        return stats.funnel_limits(p0, n) if tau2 is None else adjusted_share_limits(p0, n, tau2)

    outside = [p for p in pts if stats.funnel_verdict(p.share, limits(p.denominator)) in (stats.VERDICT_ABOVE_998, stats.VERDICT_BELOW_998)]
    ordered = sorted(outside, key=lambda p: (-(p.share or 0.0), p.name))
    high = [p for p in ordered[:k] if (p.share or 0.0) > p0]
    low = [p for p in ordered[::-1][:k] if (p.share or 0.0) < p0]
    return high + low


def funnel_alt(
    pts: Sequence[FunnelPoint],
    p0: float,
    highlight: str | None,
    highlight_label: str | None,
    outcome_label: str,
    period: str,
    tau2: float | None = None,
) -> str:
    widened = " widened for the usual differences between forces" if tau2 is not None else ""
    parts = [
        f"Funnel plot of {len(pts)} forces' share of crime outcomes that were {outcome_label}, {period}, against their "
        f"number of outcomes, with 95% and 99.8% control limits{widened} around the England and Wales share of {pct(p0)}."
    ]

    def limits_for(n: int) -> stats.FunnelLimits | None:
        return stats.funnel_limits(p0, n) if tau2 is None else adjusted_share_limits(p0, n, tau2)

    above = below = 0
    for p in pts:
        verdict = stats.funnel_verdict(p.share, limits_for(p.denominator))
        above += verdict == stats.VERDICT_ABOVE_998
        below += verdict == stats.VERDICT_BELOW_998
    parts.append(f"{above} forces lie above the {'widened ' if tau2 is not None else ''}99.8% limit and {below} below it.")
    if tau2 is not None:
        chance = [stats.funnel_verdict(p.share, stats.funnel_limits(p0, p.denominator)) for p in pts]
        outside = sum(v in (stats.VERDICT_ABOVE_998, stats.VERDICT_BELOW_998) for v in chance)
        parts.append(f"Faint lines show the 99.8% limits for chance alone, outside which {outside} of the {len(pts)} forces lie.")
    for p in pts:
        if p.name == highlight:
            verdict = stats.funnel_verdict(p.share, limits_for(p.denominator))
            parts.append(
                f"{highlight_label or p.name} is highlighted: {pct(p.share)} of {number(p.denominator)} outcomes "
                f"({number(p.count)}), {verdict}."
            )
    return " ".join(parts)


@dataclass(frozen=True)
class RatioPoint:
    """One force in the ratio chart: its observed count and the count expected at national rates.

    ``denominator`` and ``share`` name the x and y of the plot so the funnel's labelling serves both.
    """

    name: str
    observed: int
    expected: float

    @property
    def denominator(self) -> float:
        return self.expected

    @property
    def share(self) -> float | None:
        return self.observed / self.expected if self.expected > 0 else None


def ratio_text(r: float | None) -> str:
    return "–" if r is None else f"{r:.2f}"


@dataclass(frozen=True)
class RatioParts:
    """What the ratio chart shows, whoever draws it."""

    pts: list[RatioPoint]
    title: str
    subtitle: str
    grid: list[float]
    limits: list[stats.FunnelLimits | None]
    y_bot: float
    y_top: float


def ratio_parts(
    points: Sequence[RatioPoint], tau2: float, *, highlight: str | None, highlight_label: str | None, outcome_label: str, period: str
) -> RatioParts:
    """The ratio chart's content: the forces with an expected count, its words, the limit curves and the y range."""
    pts = [p for p in points if p.expected > 0 and p.share is not None]
    if not pts:
        raise ValueError("a ratio chart needs at least one force with an expected count")
    title = f"{cap(outcome_label)}: actual against expected for the offences dealt with"
    subtitle = _forces_subtitle(highlight_label or highlight, len(pts), period)
    xs = [p.expected for p in pts]
    ys = [float(p.share or 0.0) for p in pts]
    grid = _log_grid(xs)
    limits = [adjusted_ratio_limits(n, tau2) for n in grid]
    y_bot, y_top = _scatter_y_range(ys, 1.0, limits[-1])
    return RatioParts(pts, title, subtitle, grid, limits, y_bot, y_top)


def ratio_alt(
    pts: Sequence[RatioPoint], tau2: float, marked: Sequence[RatioPoint], highlight_label: str | None, outcome_label: str, period: str
) -> str:
    above = below = 0
    for p in pts:
        verdict = stats.funnel_verdict(p.share, adjusted_ratio_limits(p.expected, tau2))
        above += verdict == stats.VERDICT_ABOVE_998
        below += verdict == stats.VERDICT_BELOW_998
    alt = (
        f"Funnel plot of {len(pts)} forces' actual number of {outcome_label}, {period}, divided by the number expected "
        "if each offence they dealt with had England and Wales rates, against the expected number, with 95% and 99.8% "
        f"limits widened for the usual differences between forces. {above} forces lie above the 99.8% limit and {below} below it."
    )
    for p in marked:
        alt += (
            f" {highlight_label or p.name} is highlighted: {number(p.observed)} against about {number(round(p.expected))} "
            f"expected, a ratio of {ratio_text(p.share)}."
        )
    return alt


RATIO_NOTE = (
    "Each dot is a force. 1 means as many as England and Wales rates for the same offences would give; 0.8 means "
    "20% fewer. Limits are widened for the usual differences between forces."
)


def short_number(v: float) -> str:
    if v >= 1_000_000:
        return f"{v / 1_000_000:g}m"
    if v >= 1_000:
        return f"{v / 1_000:g}k"
    return f"{v:g}"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
