"""The four story charts drawn as plain SVG text: for the packs (SVG and PNG files) and the web explorer.

Why text: writing the drawing directly takes a few milliseconds a chart, where a plotting
library took half a second or more, and the same SVG serves a pack's file, its HTML brief, a
web page and an embed. What each chart shows (titles, subtitles, notes, the forces plotted, the
limit curves, the y range and the alt text) comes from ``outputs.charts``; this module only
places it. PNGs (the packs' files, the Word brief's pictures, the ``/embed/.../<chart>.png``
files) are the same SVG rasterised by resvg with the bundled DejaVu Sans (``data/fonts``) and
no system fonts, so a PNG is the same on every machine.

The drawing uses points in a 450-pt-wide viewBox, a 6.25 in chart at 72 pt an inch (the
smallest type, 8 pt, is 11 CSS px at the width pages give a chart). Text widths are estimated
from DejaVu Sans' advances, so labels are placed without a font engine, and the PNG's font is
the one measured. No inline CSS: colours and fonts are presentation attributes, allowed by the
explorer's strict Content-Security-Policy. Text is escaped; ids are prefixed per chart.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from crime_outcomes.analysis.funnel import ratio_overdispersion, share_overdispersion
from crime_outcomes.outputs import charts as content
from crime_outcomes.outputs.charts import (
    FAINT_COLOUR,
    FORCE_COLOUR,
    HIGHLIGHT_COLOUR,
    MUTED_COLOUR,
    NATIONAL_COLOUR,
    OTHER_COLOUR,
    PNG_DPI,
    RATIO_NOTE,
    SERIOUS_COLOUR,
    SOURCE_LINE,
    TEXT_COLOUR,
    WIDTH_IN,
    FunnelPoint,
    OffenceBar,
    RatioPoint,
    Series,
)
from crime_outcomes.text import number

W = WIDTH_IN * 72
"""Drawing width in points (450)."""

FONT = "DejaVu Sans, Arial, Helvetica, Liberation Sans, sans-serif"
PAD = 0.06 * 72
"""Space between the frame's text and the plot."""
TICK_PAD = 3.5
CLIP_ID = "plot"

_NARROW = set("ijlI.,:;'|!() []ft")
_WIDE = set("mwMW%—")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated advance of one line of text in points (DejaVu Sans: digits 0.64 em, most letters about 0.6)."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.32
        elif ch in _WIDE:
            em += 0.92
        elif ch.isupper():
            em += 0.7
        elif ch.isdigit():
            em += 0.64
        else:
            em += 0.6
    return em * size * (1.08 if bold else 1.0)


def _n(v: float) -> str:
    """A coordinate to a tenth of a point (a quarter of a pixel on a sharp screen): short and deterministic."""
    return f"{v:.1f}"


@dataclass
class LightChart:
    """One chart drawn as SVG text, with its name, title and alt text."""

    name: str
    title: str
    alt: str
    svg: str

    def inline_svg(self, prefix: str | None = None) -> str:
        """SVG for embedding in HTML: ids prefixed so several charts on one page cannot collide.

        The drawing's one id is its plot area's clip path, so a plain replacement prefixes it and
        its references.
        """
        safe = re.sub(r"[^A-Za-z0-9_-]", "-", prefix or self.name)
        return self.svg.replace(f'id="{CLIP_ID}"', f'id="{safe}-{CLIP_ID}"').replace(f"url(#{CLIP_ID})", f"url(#{safe}-{CLIP_ID})")

    def png(self, dpi: int = PNG_DPI) -> bytes:
        """The same drawing as a PNG at ``dpi`` (192: the 450-pt chart 1,200 pixels wide), from the bundled fonts only."""
        return rasterise(self.svg, dpi)

    def write(self, folder: Path, stem: str | None = None) -> dict[str, Path]:
        """Write ``<stem>.svg`` and ``<stem>.png`` into folder; returns the paths by extension."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = stem or self.name
        svg_path, png_path = folder / f"{stem}.svg", folder / f"{stem}.png"
        svg_path.write_text(self.svg, encoding="utf-8")
        png_path.write_bytes(self.png())
        return {"svg": svg_path, "png": png_path}


FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
"""The fonts PNGs are drawn with (``data/fonts``, with DejaVu's licence): the faces ``text_width`` measures."""

_PT_SIZE = re.compile(r'^(<svg\b[^>]*?) width="([0-9.]+)pt" height="([0-9.]+)pt"')


@cache
def font_paths() -> tuple[str, ...]:
    """Paths of the bundled fonts (the package is installed as files, so they are real paths)."""
    folder = Path(str(resources.files("crime_outcomes").joinpath("data", "fonts")))
    return tuple(str(folder / name) for name in FONT_FILES)


def rasterise(svg: str, dpi: int = PNG_DPI) -> bytes:
    """One light chart's SVG as PNG bytes, drawn by resvg with the bundled DejaVu Sans and no system fonts,
    so the same SVG gives the same PNG on every machine.

    resvg takes no ``pt`` size, so it is given the size in pixels (points x dpi / 72, unitless):
    it rounds that to whole pixels, where scaling the size in points would round the points first.
    """
    import resvg_py  # here, not at the top: only the packs and the PNG embeds need it

    def in_pixels(m: re.Match[str]) -> str:
        return f'{m.group(1)} width="{float(m.group(2)) * dpi / 72:.3f}" height="{float(m.group(3)) * dpi / 72:.3f}"'

    plain, found = _PT_SIZE.subn(in_pixels, svg, count=1)
    if not found:
        raise ValueError("not a light chart's SVG: expected an <svg> opening with its width and height in pt")
    return bytes(resvg_py.svg_to_bytes(svg_string=plain, skip_system_fonts=True, font_files=list(font_paths())))


class _Canvas:
    """SVG elements in drawing order, in points, y downwards."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.parts: list[str] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        fill: str = TEXT_COLOUR,
        bold: bool = False,
        anchor: str = "start",
        va: str = "baseline",
        line: float = 1.2,
        cls: str | None = None,
        rotate: bool = False,
    ) -> None:
        """Text, several lines at ``line`` x size apart; ``va`` places the block's top, middle, bottom or first baseline at y."""
        rows = text.split("\n")
        step = size * line
        block = (len(rows) - 1) * step
        ascent, descent = size * 0.76, size * 0.24
        first = {
            "top": y + ascent,
            "center": y - block / 2 + (ascent - descent) / 2,
            "bottom": y - descent - block,
        }.get(va, y)
        attrs = f'font-size="{_n(size)}" fill="{fill}"' + (' font-weight="bold"' if bold else "")
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if cls:
            attrs += f' class="{cls}"'
        if rotate:
            attrs += f' transform="rotate(-90 {_n(x)} {_n(y)})"'
            first = y + (ascent - descent) / 2 if va == "center" else first
        if len(rows) == 1:
            self.parts.append(f'<text x="{_n(x)}" y="{_n(first)}" {attrs}>{html.escape(rows[0], quote=False)}</text>')
            return
        spans = "".join(f'<tspan x="{_n(x)}" y="{_n(first + i * step)}">{html.escape(r, quote=False)}</tspan>' for i, r in enumerate(rows))
        self.parts.append(f"<text {attrs}>{spans}</text>")

    def line(self, x0: float, y0: float, x1: float, y1: float, *, stroke: str, width: float, dash: str | None = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x1)}" y2="{_n(y1)}" stroke="{stroke}" stroke-width="{_n(width)}"{d}/>'
        )

    def polyline(
        self, pts: Sequence[tuple[float, float]], *, stroke: str, width: float, dash: str | None = None, clip: bool = False
    ) -> None:
        if len(pts) < 2:
            return
        d = f' stroke-dasharray="{dash}"' if dash else ""
        c = f' clip-path="url(#{CLIP_ID})"' if clip else ""
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.parts.append(f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{_n(width)}"{d}{c}/>')

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, opacity: float | None = None) -> None:
        o = f' fill-opacity="{opacity}"' if opacity is not None else ""
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(0.0, w))}" height="{_n(max(0.0, h))}" fill="{fill}"{o}/>')

    def circle(self, x: float, y: float, r: float, *, fill: str, stroke: str, width: float) -> None:
        self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"/>')

    def svg(self, clip: tuple[float, float, float, float] | None = None) -> str:
        defs = ""
        if clip is not None:
            x0, y0, x1, y1 = clip
            defs = f'<defs><clipPath id="{CLIP_ID}"><rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}"/></clipPath></defs>'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(W)}pt" height="{_n(self.height)}pt" viewBox="0 0 {_n(W)} {_n(self.height)}" '
            f'font-family="{FONT}" stroke-linejoin="round" stroke-linecap="butt">{defs}'
            f'<rect x="0" y="0" width="{_n(W)}" height="{_n(self.height)}" fill="#ffffff"/>' + "".join(self.parts) + "</svg>\n"
        )


def _frame(c: _Canvas, title: str, subtitle: str | None, note: str | None) -> tuple[float, float]:
    """Title and subtitle top left, source line (and note) bottom left; returns the plot region's top and bottom."""
    title_text = content.wrap(title, 62)
    top_lines = title_text.count("\n") + 1
    sub_text = content.wrap(subtitle, 80) if subtitle else ""
    sub_lines = sub_text.count("\n") + 1 if subtitle else 0
    c.text(0.015 * W, 0.1 * 72, title_text, size=12.5, bold=True, va="top")
    if subtitle:
        c.text(0.015 * W, (0.14 + 0.24 * top_lines) * 72, sub_text, size=9.5, fill=MUTED_COLOUR, va="top")
    footer = SOURCE_LINE if not note else f"{content.wrap(note, 95)}\n{SOURCE_LINE}"
    c.text(0.015 * W, c.height - 0.07 * 72, footer, size=8, fill=MUTED_COLOUR, va="bottom", line=1.4)
    foot_lines = footer.count("\n") + 1
    top = (0.12 + 0.24 * top_lines + 0.2 * sub_lines + 0.08) * 72 + PAD
    bottom = c.height - (0.1 + 0.17 * foot_lines) * 72 - PAD
    return top, bottom


@dataclass
class _Axes:
    """A plot area in points and the data range it shows; x may be logarithmic."""

    x0: float
    x1: float
    y0: float  # top
    y1: float  # bottom
    xlo: float
    xhi: float
    ylo: float
    yhi: float
    xlog: bool = False

    def px(self, x: float) -> float:
        if self.xlog:
            lo = math.log10(self.xlo)
            return self.x0 + (math.log10(x) - lo) / (math.log10(self.xhi) - lo) * (self.x1 - self.x0)
        return self.x0 + (x - self.xlo) / (self.xhi - self.xlo) * (self.x1 - self.x0)

    def py(self, y: float) -> float:
        return self.y1 - (y - self.ylo) / (self.yhi - self.ylo) * (self.y1 - self.y0)


def linear_ticks(lo: float, hi: float, length: float, places: int | None = None) -> list[float]:
    """Round tick values inside [lo, hi] on an axis ``length`` points long, as common plotting libraries pick them:
    at most min(9, length / 18) intervals, the smallest step of 1, 2, 2.5 or 5 x 10^k that fits. With ``places``
    (a percentage axis printed at that many decimals) a step its labels could not show, such as 2.5% at 0 places, is skipped.
    """
    span = hi - lo
    if span <= 0:
        return [lo]
    most = max(1, min(9, math.floor(length / 18)))
    k = math.floor(math.log10(span / most))
    step = 10.0 ** (k + 1)
    for base in (1, 2, 2.5, 5, 10, 20, 25, 50):
        candidate = base * 10.0**k
        if places is not None and abs(round(candidate * 100 * 10**places) - candidate * 100 * 10**places) > 1e-6:
            continue
        if span / candidate <= most + 1e-9:
            step = candidate
            break
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    i = first
    while i * step <= hi + step * 1e-9:
        ticks.append(round(i * step, 12))
        i += 1
    return ticks


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[float]]:
    """(labelled, unlabelled) ticks of a log axis: powers of ten, and 2-9 x each power; 2 and 5 x labelled if there are fewer than two powers."""
    major: list[float] = []
    minor: list[float] = []
    for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in range(1, 10):
            v = m * 10.0**k
            if lo <= v <= hi:
                (major if m == 1 else minor).append(v)
    if len(major) < 2:
        extra = [v for v in minor if round(v / 10 ** math.floor(math.log10(v))) in (2, 5)]
        major = sorted(major + extra)
        minor = [v for v in minor if v not in extra]
    return major, minor


def _pct_tick(places: int) -> Callable[[float], str]:
    return lambda v: f"{v * 100:.{places}f}%"


def _y_axis(
    c: _Axes, canvas: _Canvas, ticks: list[float], fmt: Callable[[float], str], *, grid: str, grid_width: float, tick_len: float = 0.0
) -> None:
    for t in ticks:
        y = c.py(t)
        canvas.line(c.x0, y, c.x1, y, stroke=grid, width=grid_width)
        if tick_len:
            canvas.line(c.x0 - tick_len, y, c.x0, y, stroke=MUTED_COLOUR, width=0.8)
        canvas.text(c.x0 - tick_len - TICK_PAD, y, fmt(t), size=9, anchor="end", va="center", cls="ytick")


def _y_label_width(labels: Sequence[str]) -> float:
    return max((text_width(s, 9) for s in labels), default=0.0) + TICK_PAD


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
) -> LightChart:
    """The force's share of outcomes each year beside the England and Wales share; ``breaks`` are
    known breaks in the data for those years, printed under the chart and added to its alt text.
    ``scale_top`` is the largest share the y-axis must reach (at least its own values'), so that
    charts shown side by side share one scale.

    Two years or fewer are drawn as labelled pairs of bars (a one-point line says nothing);
    more as two lines with every point labelled when there are few, first and last otherwise.
    With force_label 'England and Wales' only the national series is drawn.
    """
    national_only, period, title, subtitle, series = content.year_series_parts(years, shares, national_shares, force_label, outcome_label)
    values = [v for _, vals, _ in series for v in vals if v is not None]
    top = max([*values, scale_top or 0.0], default=0.0)
    canvas = _Canvas((3.9 if len(years) > 2 else 3.6) * 72)
    note = " ".join(f"Known break: {b}" for b in breaks) or None
    region_top, region_bottom = _frame(canvas, title, subtitle, note)
    yhi = top * (1.4 if len(years) <= 2 else 1.22) if top > 0 else 0.01
    places = content.axis_places(top)
    y1 = region_bottom - 9 * 1.2 - TICK_PAD
    ticks = linear_ticks(0.0, yhi, y1 - region_top, places)
    fmt = _pct_tick(places)
    x0 = PAD + _y_label_width([fmt(t) for t in ticks])
    ax = _Axes(x0, W - PAD, region_top, y1, 0.0, 1.0, 0.0, yhi)
    if len(years) <= 2:
        ax.xlo, ax.xhi = -0.7, len(years) - 0.3
        _y_axis(ax, canvas, ticks, fmt, grid="#E3E3E3", grid_width=0.8)
        _year_bars(canvas, ax, years, series)
    else:
        _year_lines(canvas, ax, years, series, ticks, fmt)
    canvas.line(ax.x0, ax.y1, ax.x1, ax.y1, stroke=MUTED_COLOUR, width=0.8)
    alt = content.year_series_alt(years, series, outcome_label, period, counts if not national_only else None, force_label, breaks)
    return LightChart("year-series", f"{title}: {subtitle}", alt, canvas.svg())


def _year_bars(canvas: _Canvas, ax: _Axes, years: Sequence[str], series: Series) -> None:
    n = len(series)
    width = 0.36 if n == 2 else 0.5
    for i, (label, vals, colour) in enumerate(series):
        for x_year, v in enumerate(vals):
            x = x_year + (i - (n - 1) / 2) * width
            h = v if v is not None else 0.0
            left, right = ax.px(x - width * 0.46), ax.px(x + width * 0.46)
            canvas.rect(left, ax.py(h), right - left, ax.py(0) - ax.py(h), fill=colour)
            cx, top = ax.px(x), ax.py(h)
            canvas.text(cx, top - 3, content.pct(v), size=10.5, bold=True, anchor="middle", va="bottom")
            canvas.text(cx, top - 18, content.wrap(label, 24), size=8.5, fill=MUTED_COLOUR, anchor="middle", va="bottom")
    for x, year in enumerate(years):
        canvas.text(ax.px(x), ax.y1 + TICK_PAD, year, size=9, anchor="middle", va="top", cls="xtick")


def _year_lines(canvas: _Canvas, ax: _Axes, years: Sequence[str], series: Series, ticks: list[float], fmt: Callable[[float], str]) -> None:
    """Lines labelled directly: values at the first year (every year when there are few), names at the end.

    At each labelled year the higher series is labelled above its point and the lower one
    below, so labels never sit on the other line; end labels are nudged apart.
    """
    xs = list(range(len(years)))
    last = len(years) - 1
    label_every = len(years) <= 6
    drawn = []
    for label, vals, colour in series:
        pts = [(x, float(v)) for x, v in zip(xs, vals, strict=False) if v is not None]
        if pts:
            drawn.append((label, pts, colour))
    size = 9.0
    texts = {label: f"{content.wrap(content.cap(label), 20)}\n{content.pct(pts[-1][1])}" for label, pts, _ in drawn}
    offset = 6.0
    label_w = max((max(len(row) for row in t.split("\n")) for t in texts.values()), default=0) * size * 0.7 + offset + 4
    width = ax.x1 - ax.x0
    ax.xlo = -0.4
    if label_w < width * 0.6:
        share = label_w / width
        ax.xhi = (last + 0.4 * share) / (1 - share)
    else:
        ax.xhi = last + 2.3
    _y_axis(ax, canvas, ticks, fmt, grid="#E3E3E3", grid_width=0.8)
    step = max(1, math.ceil(len(years) / 7))
    tick_xs = list(range(0, len(years), step))
    if tick_xs[-1] != last:
        if last - tick_xs[-1] < (tick_xs[1] - tick_xs[0] if len(tick_xs) > 1 else 1):
            tick_xs[-1] = last
        else:
            tick_xs.append(last)
    for t in tick_xs:
        canvas.text(ax.px(t), ax.y1 + TICK_PAD, years[t], size=9, anchor="middle", va="top", cls="xtick")
    for _label, pts, colour in drawn:
        canvas.polyline([(ax.px(x), ax.py(v)) for x, v in pts], stroke=colour, width=2.2)
        for x, v in pts:
            canvas.circle(ax.px(x), ax.py(v), 2.25, fill=colour, stroke=colour, width=1)
    last_x = {label: pts[-1][0] for label, pts, _ in drawn}
    for x in xs:
        here = sorted(((v, label, colour) for label, pts, colour in drawn for px, v in pts if px == x), reverse=True)
        for rank, (v, label, colour) in enumerate(here):
            if x == last_x[label] or not (label_every or x == 0):
                continue
            above = rank == 0
            canvas.text(
                ax.px(x),
                ax.py(v) + (-7 if above else 8),
                content.pct(v),
                size=8.5,
                bold=True,
                fill=content.ink(colour),
                anchor="middle",
                va="bottom" if above else "top",
            )
    ends = sorted((pts[-1][1], label, colour, pts[-1][0]) for label, pts, colour in drawn)
    previous: tuple[float, float] | None = None  # (centre y, half height) of the label below
    for v, label, colour, x in ends:
        half = (texts[label].count("\n") + 1) * size * 1.25 / 2
        y = ax.py(v)
        if previous is not None and previous[0] - y < previous[1] + half + 2:
            y = previous[0] - (previous[1] + half + 2)
        previous = (y, half)
        px, py = ax.px(x), ax.py(v)
        if abs(y - py) > 0.01:
            canvas.line(px + 2, py, px + offset - 2, y, stroke=colour, width=0.8)
        canvas.text(px + offset, y, texts[label], size=size, bold=True, fill=content.ink(colour), va="center")


# ------------------------------------------------------------------------ offence bars


def offence_chart(
    offences: Sequence[OffenceBar],
    *,
    force_label: str,
    outcome_label: str,
    period: str,
    top: int = content.TOP_OFFENCES,
) -> LightChart:
    """The offences most often given the outcome, largest first, each bar labelled with its count."""
    shown, title, subtitle, note = content.offence_parts(offences, force_label, period, outcome_label, top)
    rows = max(len(shown), 1)
    canvas = _Canvas((1.45 + 0.36 * rows + (0.2 if note else 0)) * 72)
    region_top, region_bottom = _frame(canvas, title, subtitle, note)
    if not shown:
        canvas.text(
            W / 2,
            (region_top + region_bottom) / 2,
            f"No {outcome_label} in this period",
            size=10,
            fill=MUTED_COLOUR,
            anchor="middle",
            va="center",
        )
    else:
        labels = [content.wrap(o.label, 34) + (" *" if o.serious else "") for o in shown]
        x0 = PAD + max(text_width(row, 9) for s in labels for row in s.split("\n")) + TICK_PAD
        n = len(shown)
        margin = 0.05 * (n - 1 + 0.72)
        biggest = shown[0].count
        ax = _Axes(x0, W - PAD, region_top, region_bottom, 0.0, biggest * 1.16, -0.36 - margin, n - 1 + 0.36 + margin)
        canvas.line(ax.x0, ax.y0, ax.x0, ax.y1, stroke="#BBBBBB", width=0.8)
        for i, (o, label) in enumerate(zip(shown, labels, strict=True)):
            y = n - 1 - i
            top_y, bottom_y = ax.py(y + 0.36), ax.py(y - 0.36)
            canvas.rect(ax.px(0), top_y, ax.px(o.count) - ax.px(0), bottom_y - top_y, fill=SERIOUS_COLOUR if o.serious else FORCE_COLOUR)
            canvas.text(ax.px(o.count) + 4, ax.py(y), number(o.count), size=9, bold=True, va="center")
            canvas.text(ax.x0 - TICK_PAD, ax.py(y), label, size=9, anchor="end", va="center", cls="ytick")
    alt = content.offence_alt(shown, force_label, outcome_label, period)
    return LightChart("offences", f"{title}: {subtitle}", alt, canvas.svg())


# ------------------------------------------------------------------------ funnel and ratio plots

_DASHED = "4.4 3.3"  # dashes 4 and gaps 3 line widths long at 1.1 pt
_DOTTED = "1.1 2.2"


def _scatter_axes(
    canvas: _Canvas,
    region_top: float,
    region_bottom: float,
    grid: list[float],
    y_bot: float,
    y_top: float,
    y_fmt: Callable[[float], str],
    x_label: str,
    y_label: str,
    places: int | None,
) -> _Axes:
    """Log x axis and linear y axis with their tick labels and axis labels, for the funnel and ratio plots.

    A y range of no height (every share 0) is opened upwards to 1%, as the year chart's is.
    """
    if y_top <= y_bot:
        y_top = y_bot + 0.01
    y1 = region_bottom - (3.5 + TICK_PAD + 9 * 1.2) - (9 * 1.2 + 2)
    yticks = linear_ticks(y_bot, y_top, y1 - region_top, places)
    x0 = PAD + 9 * 1.2 + 2 + _y_label_width([y_fmt(t) for t in yticks]) + 3.5
    ax = _Axes(x0, W - PAD, region_top, y1, grid[0], grid[-1], y_bot, y_top, xlog=True)
    _y_axis(ax, canvas, yticks, y_fmt, grid="#EEEEEE", grid_width=0.8, tick_len=3.5)
    major, minor = log_ticks(grid[0], grid[-1])
    for v in minor:
        canvas.line(ax.px(v), ax.y1, ax.px(v), ax.y1 + 2, stroke=MUTED_COLOUR, width=0.6)
    for v in major:
        canvas.line(ax.px(v), ax.y1, ax.px(v), ax.y1 + 3.5, stroke=MUTED_COLOUR, width=0.8)
        canvas.text(ax.px(v), ax.y1 + 3.5 + TICK_PAD, content.short_number(v), size=9, anchor="middle", va="top", cls="xtick")
    canvas.line(ax.x0, ax.y0, ax.x0, ax.y1, stroke=MUTED_COLOUR, width=0.8)
    canvas.line(ax.x0, ax.y1, ax.x1, ax.y1, stroke=MUTED_COLOUR, width=0.8)
    canvas.text((ax.x0 + ax.x1) / 2, region_bottom, x_label, size=9, fill=MUTED_COLOUR, anchor="middle", va="bottom")
    canvas.text(PAD + 9 * 0.76, (ax.y0 + ax.y1) / 2, y_label, size=9, fill=MUTED_COLOUR, anchor="middle", rotate=True)
    return ax


def _legend(canvas: _Canvas, ax: _Axes, entries: Sequence[tuple[str, str, float, str | None]]) -> tuple[float, float, float, float]:
    """Legend in the plot's top right corner: (label, colour, line width, dash) per row; returns its box."""
    size, handle, gap = 8.0, 2.4 * 8, 0.8 * 8
    row = size * 1.2 + 0.5 * size
    width = handle + gap + max(text_width(label, size) for label, *_ in entries) + 0.8 * size
    height = len(entries) * row + 0.4 * size
    right, top = ax.x1 - 0.2 * size, ax.y0 + 0.2 * size
    left = right - width
    for i, (label, colour, lw, dash) in enumerate(entries):
        y = top + 0.4 * size + (i + 0.5) * row
        canvas.line(left + 0.4 * size, y, left + 0.4 * size + handle, y, stroke=colour, width=lw, dash=dash)
        canvas.text(left + 0.4 * size + handle + gap, y, label, size=size, va="center")
    return (left, top, right, top + height)


def _dots(canvas: _Canvas, ax: _Axes, pts: Sequence[FunnelPoint] | Sequence[RatioPoint], highlight: str | None) -> None:
    for p in pts:
        if p.name != highlight:
            canvas.circle(
                ax.px(p.denominator), ax.py(float(p.share or 0.0)), math.sqrt(26) / 2, fill=OTHER_COLOUR, stroke="#ffffff", width=0.6
            )
    for p in pts:
        if p.name == highlight:
            canvas.circle(
                ax.px(p.denominator), ax.py(float(p.share or 0.0)), math.sqrt(90) / 2, fill=HIGHLIGHT_COLOUR, stroke=TEXT_COLOUR, width=0.9
            )


def _label_point(
    canvas: _Canvas,
    ax: _Axes,
    p: FunnelPoint | RatioPoint,
    text: str,
    pts: Sequence[FunnelPoint] | Sequence[RatioPoint],
    taken: list[tuple[float, float, float, float]],
    lines: Sequence[tuple[float, float]],
    *,
    bold: bool,
    value: str | None = None,
) -> None:
    """Label a point with its name and value where it covers the fewest other dots, labels and lines.

    The label's box is estimated from its text; crossing the national line or the limit curves
    (sampled as ``lines``, the national line first) also costs, as does a leader line crossing
    the national line. The box used is added to ``taken``, so later labels avoid it.
    """
    label = f"{content.wrap(text, 26)}\n{value if value is not None else content.pct(p.share)}"
    size = 9.0 if bold else 8.0
    rows = label.split("\n")
    w = max(len(row) for row in rows) * size * (0.62 if bold else 0.58)
    h = len(rows) * size * 1.25
    dots = [(ax.px(q.denominator), ax.py(float(q.share or 0.0))) for q in pts if q is not p]
    curve = [(ax.px(x), ax.py(y)) for x, y in lines]
    px, py = ax.px(p.denominator), ax.py(float(p.share or 0.0))
    line_y = curve[0][1] if curve else py
    best: tuple[float, tuple[int, int], tuple[float, float, float, float]] | None = None
    for dx, dy in content.LABEL_OFFSETS:
        x0 = px + dx - (w if dx < 0 else w / 2 if dx == 0 else 0)
        y0 = py - dy - h / 2
        box = (x0, y0, x0 + w, y0 + h)
        cost = sum(4.0 for (qx, qy) in dots if box[0] - 4 <= qx <= box[2] + 4 and box[1] - 4 <= qy <= box[3] + 4)
        if (py - line_y) * ((box[1] + box[3]) / 2 - line_y) < 0:
            cost += 2.0
        cost += sum(0.5 for (qx, qy) in curve if box[0] <= qx <= box[2] and box[1] - 2 <= qy <= box[3] + 2)
        cost += sum(20.0 for t in taken if not (box[2] < t[0] or box[0] > t[2] or box[3] < t[1] or box[1] > t[3]))
        if box[0] < ax.x0 or box[2] > ax.x1 or box[1] < ax.y0 or box[3] > ax.y1:
            cost += 100.0
        cost += math.hypot(dx, dy) * 0.012
        if best is None or cost < best[0]:
            best = (cost, (dx, dy), box)
    assert best is not None
    (dx, dy), box = best[1], best[2]
    tx, ty = px + dx, py - dy
    dist = math.hypot(tx - px, ty - py)
    if dist > 5:
        ex, ey = px + (tx - px) * 5 / dist, py + (ty - py) * 5 / dist
        canvas.line(tx, ty, ex, ey, stroke=MUTED_COLOUR, width=0.7)
    canvas.rect(box[0] - 1, box[1] - 1, box[2] - box[0] + 2, box[3] - box[1] + 2, fill="#ffffff", opacity=0.8)
    anchor = "start" if dx > 0 else "end" if dx < 0 else "middle"
    canvas.text(tx, ty, label, size=size, bold=bold, fill="#A04000" if bold else TEXT_COLOUR, anchor=anchor, va="center", line=1.2)
    taken.append(box)


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
) -> LightChart:
    """Every force's share against its volume, inside 95% and 99.8% limits around the national share.

    The highlighted force is the one saturated, labelled point. ``label_extremes`` labels that
    many forces furthest above and below the limits (for the national pack, which has no force
    of its own to highlight). With ``tau2`` (the between-force variance, ``analysis.funnel``) the
    limits drawn are the ones widened for the usual differences between forces, and the binomial
    99.8% limits (chance alone) stay as faint lines, so a reader sees why nearly every force
    falls outside those.
    """
    f = content.funnel_parts(
        points, national_share, highlight=highlight, highlight_label=highlight_label, period=period, tau2=tau2, outcome_label=outcome_label
    )
    canvas = _Canvas(4.7 * 72)
    region_top, region_bottom = _frame(canvas, f.title, f.subtitle, f.note)
    places = content.axis_places(f.y_top)
    ax = _scatter_axes(
        canvas,
        region_top,
        region_bottom,
        f.grid,
        f.y_bot,
        f.y_top,
        _pct_tick(places),
        "All crime outcomes (log scale)",
        f"Share that were {outcome_label}",
        places,
    )
    canvas.line(ax.x0, ax.py(national_share), ax.x1, ax.py(national_share), stroke=NATIONAL_COLOUR, width=1.8)
    for attr, dash in (("95", _DASHED), ("998", _DOTTED)):
        for side in ("upper", "lower"):
            curve = [(ax.px(n), ax.py(getattr(lim, side + attr))) for n, lim in zip(f.grid, f.limits, strict=True) if lim]
            canvas.polyline(curve, stroke=MUTED_COLOUR, width=1.1, dash=dash, clip=True)
    entries: list[tuple[str, str, float, str | None]] = [
        (f"England and Wales, {content.pct(national_share)}", NATIONAL_COLOUR, 1.8, None),
        ("95% limits", MUTED_COLOUR, 1.1, _DASHED),
        ("99.8% limits", MUTED_COLOUR, 1.1, _DOTTED),
    ]
    if tau2 is not None:
        for side in ("upper998", "lower998"):
            curve = [(ax.px(n), ax.py(getattr(lim, side))) for n, lim in zip(f.grid, f.binomial, strict=True) if lim]
            canvas.polyline(curve, stroke=FAINT_COLOUR, width=0.9, clip=True)
        entries.append(("99.8%, chance alone", FAINT_COLOUR, 0.9, None))
    taken = [_legend(canvas, ax, entries)]
    _dots(canvas, ax, f.pts, highlight)
    step = max(1, len(f.grid) // 40)
    lines = [(n, national_share) for n in f.grid[::step]]
    lines += [(n, lim.upper998) for n, lim in zip(f.grid[::step], f.limits[::step], strict=False) if lim]
    lines += [(n, lim.lower998) for n, lim in zip(f.grid[::step], f.limits[::step], strict=False) if lim]
    for p in f.pts:
        if p.name == highlight:
            _label_point(canvas, ax, p, highlight_label or p.name, f.pts, taken, lines, bold=True)
    if label_extremes:
        for p in content.extremes(f.pts, national_share, label_extremes, tau2):
            _label_point(canvas, ax, p, p.name, f.pts, taken, lines, bold=False)
    alt = content.funnel_alt(f.pts, national_share, highlight, highlight_label, outcome_label, period, tau2)
    return LightChart("funnel", f"{f.title}, {period}", alt, canvas.svg(clip=(ax.x0, ax.y0, ax.x1, ax.y1)))


def ratio_chart(
    points: Sequence[RatioPoint],
    tau2: float,
    *,
    highlight: str | None,
    outcome_label: str,
    period: str,
    highlight_label: str | None = None,
) -> LightChart:
    """Each force's observed / expected (1 = England and Wales rates for the same offences) against expected,
    inside 95% and 99.8% limits widened for the usual differences between forces (``analysis.funnel``)."""
    r = content.ratio_parts(points, tau2, highlight=highlight, highlight_label=highlight_label, outcome_label=outcome_label, period=period)
    canvas = _Canvas(4.7 * 72)
    region_top, region_bottom = _frame(canvas, r.title, r.subtitle, RATIO_NOTE)
    ax = _scatter_axes(
        canvas,
        region_top,
        region_bottom,
        r.grid,
        r.y_bot,
        r.y_top,
        lambda v: f"{v:g}",
        f"Expected {outcome_label} at England and Wales rates (log scale)",
        "Actual ÷ expected",
        None,
    )
    canvas.line(ax.x0, ax.py(1.0), ax.x1, ax.py(1.0), stroke=NATIONAL_COLOUR, width=1.8)
    for attr, dash in (("95", _DASHED), ("998", _DOTTED)):
        for side in ("upper", "lower"):
            curve = [(ax.px(n), ax.py(getattr(lim, side + attr))) for n, lim in zip(r.grid, r.limits, strict=True) if lim]
            canvas.polyline(curve, stroke=MUTED_COLOUR, width=1.1, dash=dash, clip=True)
    entries: list[tuple[str, str, float, str | None]] = [
        ("England and Wales rates, 1", NATIONAL_COLOUR, 1.8, None),
        ("95% limits", MUTED_COLOUR, 1.1, _DASHED),
        ("99.8% limits", MUTED_COLOUR, 1.1, _DOTTED),
    ]
    taken = [_legend(canvas, ax, entries)]
    _dots(canvas, ax, r.pts, highlight)
    step = max(1, len(r.grid) // 40)
    lines = [(n, 1.0) for n in r.grid[::step]]
    lines += [(n, lim.upper998) for n, lim in zip(r.grid[::step], r.limits[::step], strict=True) if lim]
    marked = [p for p in r.pts if p.name == highlight]
    for p in marked:
        _label_point(canvas, ax, p, highlight_label or p.name, r.pts, taken, lines, bold=True, value=content.ratio_text(p.share))
    alt = content.ratio_alt(r.pts, tau2, marked, highlight_label, outcome_label, period)
    return LightChart("ratio", f"{r.title}, {period}", alt, canvas.svg(clip=(ax.x0, ax.y0, ax.x1, ax.y1)))


def story_charts(story_json: dict, *, ratio: bool = False) -> dict[str, LightChart]:
    """The charts for a story's JSON (``Story.to_json()``): ``year-series``, ``offences`` and, when the story
    compares forces, ``funnel``; with ``ratio`` also ``ratio`` (standardised ratios) when the story has them.
    Every percentage is printed at the story's one precision.

    The funnel draws the limits widened for the spread between the reference forces (the ranked
    territorial forces), computed from ``forces_compared`` as the story computes them.
    """
    with content.percent_places(int(story_json.get("percent_places", 1))):
        return _story_charts(story_json, ratio=ratio)


def _story_charts(story_json: dict, *, ratio: bool) -> dict[str, LightChart]:
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
        "year-series": year_series_chart(
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
        "offences": offence_chart(
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
        charts["funnel"] = funnel_chart(
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
            charts["ratio"] = ratio_chart(
                [RatioPoint(c["force"], c["count"], c["expected"]) for c in with_ratio],
                spread.tau2,
                highlight=None if national else force["name"],
                highlight_label=None if national else label,
                outcome_label=outcome_label,
                period=period_text,
            )
    return charts


__all__ = [
    "LightChart",
    "funnel_chart",
    "linear_ticks",
    "log_ticks",
    "offence_chart",
    "rasterise",
    "ratio_chart",
    "story_charts",
    "text_width",
    "year_series_chart",
]
