"""Charts a newsroom can publish: the year series, the offence bars and the funnel plot.

One set of functions serves the story packs (SVG and PNG files) and the web explorer (inline
SVG), so a chart looks the same wherever a reader meets it. Choices that matter:

* **Offline and deterministic.** Matplotlib with the Agg canvas, no pyplot state, no fonts or
  images fetched; SVG ids come from a fixed hash salt and the metadata carries no date, so the
  same figures always give byte-identical SVG (diffable between editions).
* **Text stays text.** ``svg.fonttype = 'none'`` keeps labels as ``<text>`` elements with a
  generic sans-serif fallback: selectable, searchable, read by screen readers, a fraction of the
  size of glyph paths, and nothing external. Matplotlib escapes the text, so an offence name
  holding markup stays inert; ``text.parse_math`` is off so a ``$`` in data is not mathtext.
* **Readable at 600 px.** Figures are 6.25 in wide (600 CSS px), base type 10 pt; PNGs are
  written at 2x for sharp screens.
* **Colour-blind-safe.** Okabe-Ito colours; the force is the only saturated mark in the funnel
  plot, and every series is also labelled directly, so nothing depends on colour alone.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, cast

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from crime_outcomes.analysis import stats  # noqa: E402
from crime_outcomes.analysis.funnel import adjusted_ratio_limits, adjusted_share_limits, ratio_overdispersion, share_overdispersion  # noqa: E402
from crime_outcomes.text import number, percent  # noqa: E402

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

CHART_NAMES = ("year-series", "offences", "funnel")

FAINT_COLOUR = "#C8C8C8"
"""The binomial (chance-alone) limits behind the widened ones: there, but not competing."""

FUNNEL_NOTE_ADJUSTED = (
    "Each dot is a force. The limits are widened for the usual differences between forces; the faint lines "
    "are the 99.8% limits for chance alone, outside which nearly every force falls."
)

TOP_OFFENCES = 10

RC: dict[str, object] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "crime-outcomes",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans", "sans-serif"],
    "font.size": 10,
    "text.color": TEXT_COLOUR,
    "axes.edgecolor": MUTED_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "xtick.color": MUTED_COLOUR,
    "ytick.color": MUTED_COLOUR,
    "xtick.labelcolor": TEXT_COLOUR,
    "ytick.labelcolor": TEXT_COLOUR,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.frameon": False,
    "figure.dpi": 96,
    "savefig.dpi": PNG_DPI,
    "savefig.facecolor": "white",
    "path.simplify": True,
}
"""Matplotlib settings for every chart, applied while it is built and while it is saved."""

_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
"""No date (deterministic output) and no RDF block (it names external vocabularies)."""

_PNG_METADATA = {"Software": None}


@contextmanager
def chart_style() -> Iterator[None]:
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


@dataclass
class Chart:
    """One rendered chart: its title, alt text and figure; SVG and PNG made on demand."""

    name: str
    title: str
    alt: str
    figure: Figure = field(repr=False)

    @cached_property
    def svg(self) -> str:
        """Self-contained SVG text: no XML declaration, DOCTYPE or comments, text as <text>."""
        buf = io.StringIO()
        with chart_style():
            self.figure.savefig(buf, format="svg", metadata=_SVG_METADATA)
        self._freeze_layout()
        return clean_svg(buf.getvalue())

    def png(self, dpi: int = PNG_DPI) -> bytes:
        buf = io.BytesIO()
        with chart_style():
            self.figure.savefig(buf, format="png", dpi=dpi, metadata=_PNG_METADATA)
        self._freeze_layout()
        return buf.getvalue()

    def _freeze_layout(self) -> None:
        """Keep the layout the first save computed: the same positions, and no second solve."""
        if self.figure.get_layout_engine() is not None:
            self.figure.set_layout_engine("none")

    def write(self, folder: Path, stem: str | None = None) -> dict[str, Path]:
        """Write ``<stem>.svg`` and ``<stem>.png`` into folder; returns the paths by extension."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = stem or self.name
        svg_path, png_path = folder / f"{stem}.svg", folder / f"{stem}.png"
        svg_path.write_text(self.svg, encoding="utf-8")
        png_path.write_bytes(self.png())
        return {"svg": svg_path, "png": png_path}

    def inline_svg(self, prefix: str | None = None) -> str:
        """SVG for embedding in HTML: ids prefixed so several charts on one page cannot collide."""
        return prefix_svg_ids(self.svg, prefix or self.name)


_XML_DECL = re.compile(r"<\?xml[^>]*\?>\s*")
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def clean_svg(svg: str) -> str:
    """Drop the declaration, the DOCTYPE (it names an external DTD), comments and metadata."""
    svg = _XML_DECL.sub("", svg, count=1)
    svg = _DOCTYPE.sub("", svg, count=1)
    svg = _COMMENT.sub("", svg)
    svg = _METADATA.sub("", svg)
    return svg.strip() + "\n"


_ID_ATTR = re.compile(r'\bid="([^"]+)"')


def prefix_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every id and every local reference (url(#..), href="#..") with ``prefix-``."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", prefix)
    ids = set(_ID_ATTR.findall(svg))
    if not ids:
        return svg

    def ref(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{safe}-{name}" if name in ids else match.group(0)

    svg = _ID_ATTR.sub(lambda m: f'id="{safe}-{m.group(1)}"', svg)
    svg = re.sub(r"(url\(#)([^)]+)(?=\))", ref, svg)
    return re.sub(r'((?:xlink:)?href="#)([^"]+)(?=")', ref, svg)


# ------------------------------------------------------------------------ shared pieces


def _new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _frame(fig: Figure, title: str, subtitle: str | None, note: str | None = None) -> None:
    """Title and subtitle top left, source line (and an optional note) bottom left."""
    height = fig.get_figheight()
    top_lines = _wrap(title, 62).count("\n") + 1
    sub_lines = (_wrap(subtitle, 80).count("\n") + 1) if subtitle else 0
    top_in = 0.12 + 0.24 * top_lines + 0.2 * sub_lines + 0.08
    foot_lines = 1 + ((_wrap(note, 95).count("\n") + 1) if note else 0)
    bottom_in = 0.1 + 0.17 * foot_lines
    fig.text(0.015, 1 - 0.1 / height, _wrap(title, 62), ha="left", va="top", fontsize=12.5, fontweight="bold")
    if subtitle:
        fig.text(0.015, 1 - (0.14 + 0.24 * top_lines) / height, _wrap(subtitle, 80), ha="left", va="top", fontsize=9.5, color=MUTED_COLOUR)
    footer = SOURCE_LINE if not note else f"{_wrap(note, 95)}\n{SOURCE_LINE}"
    fig.text(0.015, 0.07 / height, footer, ha="left", va="bottom", fontsize=8, color=MUTED_COLOUR, linespacing=1.4)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0.0, bottom_in / height, 1.0, 1 - top_in / height - bottom_in / height), w_pad=0.06, h_pad=0.06)  # type: ignore[call-arg]  # constrained layout's options


def settle_layout(fig: Figure) -> None:
    """Solve the constrained layout once and keep it, so positions are final for label placement."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)) or text


def _pct_axis(places: int) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: f"{v * 100:.{places}f}%")


def _axis_places(top: float) -> int:
    """Decimal places for percentage ticks: none above 10%, one below, two under 1%."""
    if top >= 0.1:
        return 0
    if top >= 0.01:
        return 1
    return 2


_PLACES: ContextVar[int] = ContextVar("percent_places", default=1)
"""The story's one precision for percentages while its charts are drawn (set by ``story_charts``)."""


def _pct(value: float | None) -> str:
    return percent(value, _PLACES.get())


# ------------------------------------------------------------------------ year series


def year_series_chart(
    years: Sequence[str],
    shares: Sequence[float | None],
    national_shares: Sequence[float | None],
    *,
    force_label: str,
    outcome_label: str,
    counts: Sequence[int] | None = None,
    breaks: Sequence[str] = (),
    scale_top: float | None = None,
) -> Chart:
    """The force's share of outcomes each year beside the England and Wales share; ``breaks`` are
    known breaks in the data for those years, printed under the chart and added to its alt text.
    ``scale_top`` is the largest share the y-axis must reach (at least its own values'), so that
    charts shown side by side share one scale.

    Two years or fewer are drawn as labelled pairs of bars (a one-point line says nothing);
    more as two lines with every point labelled when there are few, first and last otherwise.
    With force_label 'England and Wales' only the national series is drawn.
    """
    national_only, period, title, subtitle, series = year_series_parts(years, shares, national_shares, force_label, outcome_label)

    values = [v for _, vals, _ in series for v in vals if v is not None]
    top = max([*values, scale_top or 0.0], default=0.0)
    with chart_style():
        fig = _new_figure(3.9 if len(years) > 2 else 3.6)
        note = " ".join(f"Known break: {b}" for b in breaks) or None
        _frame(fig, title, subtitle, note)
        ax = fig.add_subplot()
        ax.yaxis.set_major_formatter(_pct_axis(_axis_places(top)))
        ax.set_ylim(0, top * (1.4 if len(years) <= 2 else 1.22) if top > 0 else 0.01)
        ax.grid(axis="y", color="#E3E3E3", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        if len(years) <= 2:
            _year_bars(ax, years, series)
        else:
            _year_lines(ax, years, series)
    alt = year_series_alt(years, series, outcome_label, period, counts if not national_only else None, force_label, breaks)
    return Chart("year-series", f"{title}: {subtitle}", alt, fig)


Series = list[tuple[str, Sequence[float | None], str]]
"""(label, share per year, colour) for each line or set of bars of the year chart."""


def year_series_parts(
    years: Sequence[str], shares: Sequence[float | None], national_shares: Sequence[float | None], force_label: str, outcome_label: str
) -> tuple[bool, str, str, str, Series]:
    """(national only, period, title, subtitle, series) of the year chart: shared by the packs' and the web's drawing."""
    if not (len(years) == len(shares) == len(national_shares)):
        raise ValueError("years, shares and national_shares must be the same length")
    national_only = force_label == "England and Wales"
    period = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    title = f"{_cap(outcome_label)} as a share of all crime outcomes"
    subtitle = f"England and Wales, {period}" if national_only else f"{_cap(force_label)} and England and Wales, {period}"
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
    """The year chart's alt text, with any known breaks."""
    alt = _year_alt(years, series, outcome_label, period, counts, force_label)
    if breaks:
        alt += " " + " ".join(f"Known break: {b}" for b in breaks)
    return alt


def _year_bars(ax, years: Sequence[str], series: list[tuple[str, Sequence[float | None], str]]) -> None:
    """Bars for one or two years, each topped by its value and, above that, whose it is."""
    n = len(series)
    width = 0.36 if n == 2 else 0.5
    for i, (label, vals, colour) in enumerate(series):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(years))]
        heights = [v if v is not None else 0.0 for v in vals]
        bars = ax.bar(xs, heights, width=width * 0.92, color=colour, label=label)
        for bar, v in zip(bars, vals, strict=False):
            x = bar.get_x() + bar.get_width() / 2
            ax.annotate(
                _pct(v),
                (x, bar.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=10.5,
                fontweight="bold",
            )
            ax.annotate(
                _wrap(label, 24),
                (x, bar.get_height()),
                xytext=(0, 18),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=MUTED_COLOUR,
            )
    ax.set_xticks(range(len(years)), list(years))
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.7, len(years) - 0.3)


def _year_lines(ax, years: Sequence[str], series: list[tuple[str, Sequence[float | None], str]]) -> None:
    """Lines for three years or more, labelled directly: values at the first year (every year
    when there are few), and at the right end the series name with its latest value.

    At each labelled year the higher series is labelled above its point and the lower one
    below, so labels never sit on the other line; end labels are nudged apart.
    """
    xs = list(range(len(years)))
    label_every = len(years) <= 6
    drawn: list[tuple[str, list[tuple[int, float]], str]] = []
    for label, vals, colour in series:
        pts = [(x, float(v)) for x, v in zip(xs, vals, strict=False) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, linewidth=2.2, marker="o", markersize=4.5, zorder=3)
            drawn.append((label, pts, colour))
    ax.set_xlim(-0.4, len(years) - 1 + 2.3)  # provisional: widened to fit the end labels below
    ticks = list(range(0, len(years), max(1, math.ceil(len(years) / 7))))
    if ticks[-1] != len(years) - 1:
        if len(years) - 1 - ticks[-1] < (ticks[1] - ticks[0] if len(ticks) > 1 else 1):
            ticks[-1] = len(years) - 1
        else:
            ticks.append(len(years) - 1)
    ax.set_xticks(ticks, [years[t] for t in ticks])
    ax.tick_params(axis="x", length=0)
    settle_layout(ax.figure)

    last_x = {label: pts[-1][0] for label, pts, _ in drawn}
    for x in xs:
        here = sorted(((v, label, colour) for label, pts, colour in drawn for px, v in pts if px == x), reverse=True)
        for rank, (v, label, colour) in enumerate(here):
            if x == last_x[label] or not (label_every or x == 0):
                continue
            above = rank == 0
            ax.annotate(
                _pct(v),
                (x, v),
                xytext=(0, 7 if above else -8),
                textcoords="offset points",
                ha="center",
                va="bottom" if above else "top",
                fontsize=8.5,
                color=_ink(colour),
                fontweight="bold",
            )
    # End labels: name and latest value, right of the last point, nudged apart by their heights.
    size = 9.0
    scale = ax.figure.dpi / 72
    texts = {label: f"{_wrap(_cap(label), 20)}\n{_pct(pts[-1][1])}" for label, pts, _ in drawn}
    offset_px = 6 * scale
    label_px = max((max(len(row) for row in t.split("\n")) for t in texts.values()), default=0) * size * 0.7 * scale + offset_px + 4
    width_px = ax.get_window_extent().width
    last = len(years) - 1
    if label_px < width_px * 0.6:  # room on the right: widen the x range so the labels fit inside
        share = label_px / width_px
        ax.set_xlim(-0.4, (last + 0.4 * share) / (1 - share))
    to_px = ax.transData.transform
    to_data = ax.transData.inverted().transform
    ends = sorted(((pts[-1][1], label, colour, pts[-1][0]) for label, pts, colour in drawn))
    previous: tuple[float, float] | None = None  # (centre px, half height px) of the label below
    for v, label, colour, x in ends:
        half = texts[label].count("\n") + 1
        half = half * size * 1.25 * scale / 2
        y_px = to_px((x, v))[1]
        if previous is not None and y_px - previous[0] < previous[1] + half + 2:
            y_px = previous[0] + previous[1] + half + 2
        previous = (y_px, half)
        tx, y = to_data((to_px((x, v))[0] + offset_px, y_px))
        ax.annotate(
            texts[label],
            (x, v),
            xytext=(tx, y),
            textcoords="data",
            ha="left",
            va="center",
            fontsize=size,
            color=_ink(colour),
            fontweight="bold",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.8, "shrinkA": 2, "shrinkB": 4} if abs(y - v) > 1e-12 else None,
        )


def _ink(colour: str) -> str:
    """Text colour for a series: orange is too light for text, so it is darkened."""
    return "#8A5A00" if colour == NATIONAL_COLOUR else colour


def _year_alt(
    years: Sequence[str],
    series: list[tuple[str, Sequence[float | None], str]],
    outcome_label: str,
    period: str,
    counts: Sequence[int] | None,
    force_label: str,
) -> str:
    kind = "Bar chart" if len(years) <= 2 else "Line chart"
    who = " and ".join(label for label, _, _ in series)
    parts = [f"{kind} of {outcome_label} as a share of all crime outcomes, {who}, {period}."]
    for label, vals, _ in series:
        pairs = ", ".join(f"{y}: {_pct(v)}" for y, v in zip(years, vals, strict=False))
        parts.append(f"{label}: {pairs}.")
    if counts is not None and len(counts) == len(years):
        parts.append(f"{force_label} counts: " + ", ".join(f"{y}: {number(c)}" for y, c in zip(years, counts, strict=False)) + ".")
    return " ".join(parts)


# ------------------------------------------------------------------------ offence bars


@dataclass(frozen=True)
class OffenceBar:
    """One offence in the bar chart; ``serious`` colours it as a notable offence."""

    label: str
    count: int
    serious: bool = False


def offence_chart(
    offences: Sequence[OffenceBar],
    *,
    force_label: str,
    outcome_label: str,
    period: str,
    top: int = TOP_OFFENCES,
) -> Chart:
    """The offences most often given the outcome, largest first, each bar labelled with its count."""
    shown, title, subtitle, note = offence_parts(offences, force_label, period, outcome_label, top)
    rows = max(len(shown), 1)
    with chart_style():
        fig = _new_figure(1.45 + 0.36 * rows + (0.2 if note else 0))
        _frame(fig, title, subtitle, note)
        ax = fig.add_subplot()
        if not shown:
            ax.text(0.5, 0.5, f"No {outcome_label} in this period", ha="center", va="center", transform=ax.transAxes, color=MUTED_COLOUR)
            ax.set_axis_off()
        else:
            ys = list(range(len(shown)))[::-1]
            colours = [SERIOUS_COLOUR if o.serious else FORCE_COLOUR for o in shown]
            ax.barh(ys, [o.count for o in shown], color=colours, height=0.72)
            biggest = shown[0].count
            for y, o in zip(ys, shown, strict=False):
                ax.annotate(
                    number(o.count),
                    (o.count, y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=9,
                    fontweight="bold",
                    color=TEXT_COLOUR,
                )
            ax.set_yticks(ys, [_wrap(o.label, 34) + (" *" if o.serious else "") for o in shown])
            ax.tick_params(axis="y", length=0, labelsize=9)
            ax.set_xlim(0, biggest * 1.16)
            ax.xaxis.set_visible(False)
            ax.spines["bottom"].set_visible(False)
            ax.spines["left"].set_color("#BBBBBB")
    alt = _offence_alt(shown, force_label, outcome_label, period)
    return Chart("offences", f"{title}: {subtitle}", alt, fig)


def offence_parts(
    offences: Sequence[OffenceBar], force_label: str, period: str, outcome_label: str, top: int = TOP_OFFENCES
) -> tuple[list[OffenceBar], str, str, str | None]:
    """(offences shown, title, subtitle, note) of the offence chart: the top offences by count, largest first."""
    shown = sorted((o for o in offences if o.count > 0), key=lambda o: -o.count)[:top]
    title = f"Offences most often dealt with by {outcome_label}"
    subtitle = f"{_cap(force_label)}, {period}: top {len(shown)} offences by number" if shown else f"{_cap(force_label)}, {period}"
    note = "* Marked notable by the seriousness rules (dark orange bars)." if any(o.serious for o in shown) else None
    return shown, title, subtitle, note


def _offence_alt(shown: Sequence[OffenceBar], force_label: str, outcome_label: str, period: str) -> str:
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
    return f"{_cap(who)} and {forces - 1} other forces, {period}" if who else f"{forces} forces, {period}"


def _log_grid(xs: Sequence[float]) -> list[float]:
    """200 points spaced evenly on a log scale from a little below the smallest x to a little above the largest."""
    x_lo, x_hi = min(xs) / 1.6, max(xs) * 1.6
    return [x_lo * (x_hi / x_lo) ** (k / 199) for k in range(200)]


def funnel_chart(
    points: Sequence[FunnelPoint],
    national_share: float,
    *,
    highlight: str | None,
    outcome_label: str,
    period: str,
    highlight_label: str | None = None,
    label_extremes: int = 0,
    tau2: float | None = None,
) -> Chart:
    """Every force's share against its volume, inside 95% and 99.8% limits around the national share.

    The highlighted force is the one saturated, labelled point. ``label_extremes`` labels that
    many forces furthest above and below the limits (for the national pack, which has no force
    of its own to highlight). With ``tau2`` (the between-force variance, ``analysis.funnel``) the
    limits drawn are the ones widened for the usual differences between forces, and the binomial
    99.8% limits (chance alone) stay as faint lines, so a reader sees why nearly every force
    falls outside those.
    """
    f = funnel_parts(
        points, national_share, highlight=highlight, highlight_label=highlight_label, period=period, tau2=tau2, outcome_label=outcome_label
    )
    pts, title, subtitle, grid, binomial, limits, y_bot, y_top = f.pts, f.title, f.subtitle, f.grid, f.binomial, f.limits, f.y_bot, f.y_top
    with chart_style():
        fig = _new_figure(4.7)
        _frame(fig, title, subtitle, f.note)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(y_bot, y_top)
        ax.yaxis.set_major_formatter(_pct_axis(_axis_places(y_top)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _short_number(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("All crime outcomes (log scale)", fontsize=9, color=MUTED_COLOUR)
        ax.set_ylabel(f"Share that were {outcome_label}", fontsize=9, color=MUTED_COLOUR)
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.axhline(national_share, color=NATIONAL_COLOUR, linewidth=1.8, label=f"England and Wales, {_pct(national_share)}")
        for attr_lo, attr_hi, style, lab in (
            ("lower95", "upper95", (0, (4, 3)), "95% limits"),
            ("lower998", "upper998", (0, (1, 2)), "99.8% limits"),
        ):
            ax.plot(grid, [getattr(lim, attr_hi) for lim in limits if lim], color=MUTED_COLOUR, linewidth=1.1, linestyle=style, label=lab)
            ax.plot(grid, [getattr(lim, attr_lo) for lim in limits if lim], color=MUTED_COLOUR, linewidth=1.1, linestyle=style)
        if tau2 is not None:
            ax.plot(grid, [lim.upper998 for lim in binomial if lim], color=FAINT_COLOUR, linewidth=0.9, label="99.8%, chance alone")
            ax.plot(grid, [lim.lower998 for lim in binomial if lim], color=FAINT_COLOUR, linewidth=0.9)
        ax.legend(loc="upper right", fontsize=8, handlelength=2.4, borderaxespad=0.2)
        others = [p for p in pts if p.name != highlight]
        ax.scatter(
            [p.denominator for p in others],
            [cast(float, p.share) for p in others],
            s=26,
            color=OTHER_COLOUR,
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
        )
        marked = [p for p in pts if p.name == highlight]
        for p in marked:
            ax.scatter(
                [p.denominator], [cast(float, p.share)], s=90, color=HIGHLIGHT_COLOUR, edgecolor=TEXT_COLOUR, linewidth=0.9, zorder=5
            )
        settle_layout(fig)
        legend_box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined,union-attr]
        taken: list[tuple[float, float, float, float]] = [(legend_box.x0, legend_box.y0, legend_box.x1, legend_box.y1)]
        step = max(1, len(grid) // 40)
        lines = [(n, national_share) for n in grid[::step]]
        lines += [(n, lim.upper998) for n, lim in zip(grid[::step], limits[::step], strict=False) if lim]
        lines += [(n, lim.lower998) for n, lim in zip(grid[::step], limits[::step], strict=False) if lim]
        for p in marked:
            taken.append(_label_point(ax, p, highlight_label or p.name, pts, taken, lines, bold=True))
        if label_extremes:
            for p in _extremes(pts, national_share, label_extremes, tau2):
                taken.append(_label_point(ax, p, p.name, pts, taken, lines, bold=False))
    alt = _funnel_alt(pts, national_share, highlight, highlight_label, outcome_label, period, tau2)
    return Chart("funnel", f"{title}, {period}", alt, fig)


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
    """The funnel plot's content, shared by the packs' and the web's drawing."""
    pts = [p for p in points if p.denominator > 0 and p.share is not None]
    if not pts:
        raise ValueError("a funnel plot needs at least one force with outcomes")
    subtitle = _forces_subtitle(highlight_label or highlight, len(pts), period)
    xs = [p.denominator for p in pts]
    ys = [float(p.share or 0.0) for p in pts]
    grid = _log_grid(xs)
    binomial = [stats.funnel_limits(national_share, max(1, round(n))) for n in grid]
    limits = binomial if tau2 is None else [adjusted_share_limits(national_share, max(1, round(n)), tau2) for n in grid]
    y_top = max(ys + [national_share]) * 1.12
    y_bot = max(0.0, min(ys + [national_share]) * 0.85)
    pad = (y_top - y_bot) * 0.08
    note = (
        FUNNEL_NOTE_ADJUSTED
        if tau2 is not None
        else "Each dot is a force. Outside the 99.8% limits a difference is very unlikely to be chance."
    )
    title = f"{_cap(outcome_label)}: share of outcomes against volume"
    return FunnelParts(pts, title, subtitle, note, grid, binomial, limits, max(0.0, y_bot - pad), y_top + pad)


_LABEL_OFFSETS = tuple(
    sorted(
        ((dx, dy) for dx in (-60, -30, -10, 0, 10, 30, 60) for dy in (-56, -34, -14, 0, 14, 34, 56) if abs(dy) >= 14 or abs(dx) >= 10),
        key=lambda o: (math.hypot(o[0], o[1]), o[1] < 0, o[0] < 0),
    )
)
"""Candidate label positions (points from the dot), nearest first; the least crowded wins."""


def _label_point(
    ax,
    p: FunnelPoint,
    text: str,
    pts: Sequence[FunnelPoint],
    taken: Sequence[tuple[float, float, float, float]],
    lines: Sequence[tuple[float, float]],
    *,
    bold: bool,
    value: str | None = None,
) -> tuple[float, float, float, float]:
    """Label a point with its name and share where it covers the fewest other dots and labels.

    The label's box is estimated from its text (no draw needed); crossing the national line or
    the limit curves (sampled as ``lines``, the national line first) also costs, as does a leader
    line crossing the national line. Returns the box used, in display units, so later labels can
    avoid it.
    """
    label = f"{_wrap(text, 26)}\n{value if value is not None else _pct(p.share)}"
    size = 9.0 if bold else 8.0
    text_rows = label.split("\n")
    scale = ax.figure.dpi / 72
    w = max(len(row) for row in text_rows) * size * (0.62 if bold else 0.58) * scale
    h = len(text_rows) * size * 1.25 * scale
    to_display = ax.transData.transform
    dots = [to_display((q.denominator, q.share)) for q in pts if q is not p]
    curve = [to_display(xy) for xy in lines]
    px, py = to_display((p.denominator, p.share))
    line_y = curve[0][1] if curve else py
    frame = ax.get_window_extent()
    best: tuple[float, tuple[int, int], tuple[float, float, float, float]] | None = None
    for dx, dy in _LABEL_OFFSETS:
        x0 = px + dx * scale - (w if dx < 0 else w / 2 if dx == 0 else 0)
        y0 = py + dy * scale - h / 2
        box = (x0, y0, x0 + w, y0 + h)
        cost = sum(4.0 for (qx, qy) in dots if box[0] - 4 <= qx <= box[2] + 4 and box[1] - 4 <= qy <= box[3] + 4)
        if (py - line_y) * ((box[1] + box[3]) / 2 - line_y) < 0:
            cost += 2.0  # the leader line would cross the England and Wales line
        cost += sum(0.5 for (qx, qy) in curve if box[0] <= qx <= box[2] and box[1] - 2 <= qy <= box[3] + 2)
        cost += sum(20.0 for t in taken if not (box[2] < t[0] or box[0] > t[2] or box[3] < t[1] or box[1] > t[3]))
        if box[0] < frame.x0 or box[2] > frame.x1 or box[1] < frame.y0 or box[3] > frame.y1:
            cost += 100.0
        cost += math.hypot(dx, dy) * 0.012  # prefer short leader lines
        if best is None or cost < best[0]:
            best = (cost, (dx, dy), box)
    assert best is not None
    (dx, dy), box = best[1], best[2]
    note = ax.annotate(
        label,
        (p.denominator, p.share),
        xytext=(dx, dy),
        textcoords="offset points",
        ha="left" if dx > 0 else "right" if dx < 0 else "center",
        va="center",
        fontsize=size,
        fontweight="bold" if bold else "normal",
        color="#A04000" if bold else TEXT_COLOUR,
        arrowprops={"arrowstyle": "-", "color": MUTED_COLOUR, "linewidth": 0.7, "shrinkA": 0, "shrinkB": 5},
        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        zorder=6,
    )
    note.set_in_layout(False)
    return box


def _extremes(pts: Sequence[FunnelPoint], p0: float, k: int, tau2: float | None = None) -> list[FunnelPoint]:
    """Up to k forces with the highest and k with the lowest shares, among those outside the 99.8% limits drawn."""

    def limits(n: int) -> stats.FunnelLimits | None:
        return stats.funnel_limits(p0, n) if tau2 is None else adjusted_share_limits(p0, n, tau2)

    outside = [p for p in pts if stats.funnel_verdict(p.share, limits(p.denominator)) in (stats.VERDICT_ABOVE_998, stats.VERDICT_BELOW_998)]
    ordered = sorted(outside, key=lambda p: (-(p.share or 0.0), p.name))
    high = [p for p in ordered[:k] if (p.share or 0.0) > p0]
    low = [p for p in ordered[::-1][:k] if (p.share or 0.0) < p0]
    return high + low


def _funnel_alt(
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
        f"number of outcomes, with 95% and 99.8% control limits{widened} around the England and Wales share of {_pct(p0)}."
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
                f"{highlight_label or p.name} is highlighted: {_pct(p.share)} of {number(p.denominator)} outcomes "
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


def _ratio_text(r: float | None) -> str:
    return "–" if r is None else f"{r:.2f}"


def ratio_chart(
    points: Sequence[RatioPoint],
    tau2: float,
    *,
    highlight: str | None,
    outcome_label: str,
    period: str,
    highlight_label: str | None = None,
) -> Chart:
    """Each force's observed / expected (1 = England and Wales rates for the same offences) against expected,
    inside 95% and 99.8% limits widened for the usual differences between forces (``analysis.funnel``)."""
    r = ratio_parts(points, tau2, highlight=highlight, highlight_label=highlight_label, outcome_label=outcome_label, period=period)
    pts, title, subtitle, grid, limits, y_bot, y_top = r.pts, r.title, r.subtitle, r.grid, r.limits, r.y_bot, r.y_top
    with chart_style():
        fig = _new_figure(4.7)
        _frame(fig, title, subtitle, RATIO_NOTE)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(y_bot, y_top)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _short_number(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"Expected {outcome_label} at England and Wales rates (log scale)", fontsize=9, color=MUTED_COLOUR)
        ax.set_ylabel("Actual ÷ expected", fontsize=9, color=MUTED_COLOUR)
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.axhline(1.0, color=NATIONAL_COLOUR, linewidth=1.8, label="England and Wales rates, 1")
        for attr_lo, attr_hi, style, lab in (
            ("lower95", "upper95", (0, (4, 3)), "95% limits"),
            ("lower998", "upper998", (0, (1, 2)), "99.8% limits"),
        ):
            ax.plot(grid, [getattr(lim, attr_hi) for lim in limits if lim], color=MUTED_COLOUR, linewidth=1.1, linestyle=style, label=lab)
            ax.plot(grid, [getattr(lim, attr_lo) for lim in limits if lim], color=MUTED_COLOUR, linewidth=1.1, linestyle=style)
        ax.legend(loc="upper right", fontsize=8, handlelength=2.4, borderaxespad=0.2)
        others = [p for p in pts if p.name != highlight]
        ax.scatter(
            [p.expected for p in others],
            [float(p.share or 0.0) for p in others],
            s=26,
            color=OTHER_COLOUR,
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
        )
        marked = [p for p in pts if p.name == highlight]
        for p in marked:
            ax.scatter([p.expected], [float(p.share or 0.0)], s=90, color=HIGHLIGHT_COLOUR, edgecolor=TEXT_COLOUR, linewidth=0.9, zorder=5)
        settle_layout(fig)
        legend_box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined,union-attr]
        taken: list[tuple[float, float, float, float]] = [(legend_box.x0, legend_box.y0, legend_box.x1, legend_box.y1)]
        step = max(1, len(grid) // 40)
        lines = [(n, 1.0) for n in grid[::step]]
        lines += [(n, lim.upper998) for n, lim in zip(grid[::step], limits[::step], strict=True) if lim]
        for p in marked:
            taken.append(_label_point(ax, p, highlight_label or p.name, pts, taken, lines, bold=True, value=_ratio_text(p.share)))  # type: ignore[arg-type]
    return Chart("ratio", f"{title}, {period}", ratio_alt(pts, tau2, marked, highlight_label, outcome_label, period), fig)


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
    """The ratio chart's content, shared by the packs' and the web's drawing."""
    pts = [p for p in points if p.expected > 0 and p.share is not None]
    if not pts:
        raise ValueError("a ratio chart needs at least one force with an expected count")
    title = f"{_cap(outcome_label)}: actual against expected for the offences dealt with"
    subtitle = _forces_subtitle(highlight_label or highlight, len(pts), period)
    xs = [p.expected for p in pts]
    ys = [float(p.share or 0.0) for p in pts]
    grid = _log_grid(xs)
    limits = [adjusted_ratio_limits(n, tau2) for n in grid]
    y_top = max(ys + [1.0]) * 1.12
    y_bot = max(0.0, min(ys + [1.0]) * 0.85)
    pad = (y_top - y_bot) * 0.08
    return RatioParts(pts, title, subtitle, grid, limits, max(0.0, y_bot - pad), y_top + pad)


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
            f"expected, a ratio of {_ratio_text(p.share)}."
        )
    return alt


RATIO_NOTE = (
    "Each dot is a force. 1 means as many as England and Wales rates for the same offences would give; 0.8 means "
    "20% fewer. Limits are widened for the usual differences between forces."
)


def _short_number(v: float) -> str:
    if v >= 1_000_000:
        return f"{v / 1_000_000:g}m"
    if v >= 1_000:
        return f"{v / 1_000:g}k"
    return f"{v:g}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------------ from a story


def story_charts(story_json: dict, *, ratio: bool = False) -> dict[str, Chart]:
    """The three charts for a story's JSON (``Story.to_json()``), keyed by CHART_NAMES; with ``ratio`` also
    the chart of standardised ratios (``"ratio"``) when the story has them.

    The funnel draws the limits widened for the spread between the reference forces (the ranked
    territorial forces), computed from ``forces_compared`` as the story computes them.
    """
    return cast(dict[str, Chart], charts_for_story(story_json, ratio=ratio, drawers=MATPLOTLIB))


class Drawers(NamedTuple):
    """The four chart functions a story's charts are drawn with: matplotlib's here (packs), light SVG's for the web
    (``outputs.light_charts``); both take the same arguments, so both show the same figures."""

    year_series: Callable[..., Any]
    offences: Callable[..., Any]
    funnel: Callable[..., Any]
    ratio: Callable[..., Any]


def charts_for_story(story_json: dict, *, ratio: bool, drawers: Drawers) -> dict[str, Any]:
    """A story's charts drawn by ``drawers``, every percentage at the story's one precision."""
    token = _PLACES.set(int(story_json.get("percent_places", 1)))
    try:
        return _story_charts(story_json, ratio=ratio, drawers=drawers)
    finally:
        _PLACES.reset(token)


def _story_charts(story_json: dict, *, ratio: bool, drawers: Drawers) -> dict[str, Any]:
    force = story_json["force"]
    national = force["kind"] == "national"
    label = force["display"] if not national else "England and Wales"
    outcome_label = story_json["outcome"]["label"]
    period_text = (
        story_json["period"]["from"]
        if story_json["period"]["from"] == story_json["period"]["to"]
        else (f"{story_json['period']['from']} to {story_json['period']['to']}")
    )
    years = story_json["by_year"]
    charts = {
        "year-series": drawers.year_series(
            [y["year"] for y in years],
            [y["share"] for y in years],
            [y["national_share"] for y in years],
            force_label=label,
            outcome_label=outcome_label,
            counts=[y["count"] for y in years],
            breaks=[
                f"{', '.join(y for y in a['years'] if y in story_json['period']['years'])}: {a['what']}"
                for a in story_json.get("annotations", [])
            ],
        ),
        "offences": drawers.offences(
            [OffenceBar(o["description"] or f"Offence code {o['code']}", o["count"], o["serious"]) for o in story_json["offences"]],
            force_label=label,
            outcome_label=outcome_label,
            period=period_text,
        ),
    }
    compared = story_json.get("forces_compared") or []
    territorial = [c for c in compared if c["kind"] == "territorial" or (not national and c["force"] == force["name"])]
    points = [FunnelPoint(c["force"], c["count"], c["denominator"]) for c in territorial]
    share = story_json["national"]["share"]
    reference = [c for c in compared if c["kind"] == "territorial" and not c["small"]]
    if points and share is not None and any(p.denominator > 0 for p in points):
        spread = share_overdispersion(share, [(c["count"], c["denominator"]) for c in reference])
        charts["funnel"] = drawers.funnel(
            points,
            share,
            highlight=None if national else force["name"],
            highlight_label=None if national else label,
            outcome_label=outcome_label,
            period=period_text,
            label_extremes=2 if national else 0,
            tau2=spread.tau2 if spread else None,
        )
    with_ratio = [c for c in territorial if c.get("expected")]
    if ratio and with_ratio:
        spread = ratio_overdispersion([(float(c["count"]), c["expected"]) for c in reference if c.get("expected")])
        if spread is not None:
            charts["ratio"] = drawers.ratio(
                [RatioPoint(c["force"], c["count"], c["expected"]) for c in with_ratio],
                spread.tau2,
                highlight=None if national else force["name"],
                highlight_label=None if national else label,
                outcome_label=outcome_label,
                period=period_text,
            )
    return charts


MATPLOTLIB = Drawers(year_series_chart, offence_chart, funnel_chart, ratio_chart)
