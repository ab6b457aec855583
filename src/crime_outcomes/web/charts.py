"""Charts for the pages: the story charts as inline SVG that a strict Content-Security-Policy allows.

The year series, offence bars, funnel plot and ratio chart are drawn by
``crime_outcomes.outputs.light_charts``, the drawing the packs write as their SVG and PNG files,
so a page shows the same figures, labels and alt text as the pack; the SVG and PNG files beside
each embed page are drawn the same way.

The offence page needs two charts the packs do not have (forces for one offence, and its
national series); ``bar_chart`` draws them as plain SVG with the packs' palette.

Each chart is marked up as ``role="img"`` with a ``<title>`` and ``<desc>`` (its alt text), and
the page puts its table beside it.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from crime_outcomes.outputs import charts as pack_charts
from crime_outcomes.outputs import light_charts

_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def accessible_svg(svg: str, *, chart_id: str, title: str, desc: str) -> str:
    """Mark the SVG as one image named by its title and described by its alt text; make it scale."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    label = f'<title id="{title_id}">{html.escape(title)}</title><desc id="{desc_id}">{html.escape(desc)}</desc>'

    def opening(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s(width|height)="[^"]*"', "", m.group(1))
        return (
            f'<svg{attrs} role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
            f'class="chart" focusable="false" preserveAspectRatio="xMinYMin meet">{label}'
        )

    return _SVG_OPEN.sub(opening, svg, count=1)


@dataclass(frozen=True)
class InlineChart:
    """A chart ready for a page: its id, title, alt text and the SVG markup."""

    id: str
    title: str
    alt: str
    svg: Markup
    embed: str = ""
    """The path of the chart's embeddable page (``/embed/...``, without the view's query); empty: none."""
    files: tuple[str, ...] = ()
    """Formats of the chart's static file beside its embed page (``svg``, ``png``)."""
    embed_extra: str = ""
    """Query parameters the embed page needs beyond the view's (``&code=11A``)."""


_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')


def frame_height(chart: InlineChart, width: int = 600) -> int:
    """A height in CSS px for an iframe ``width`` wide: the chart at that width, its caption and the links."""
    m = _VIEWBOX.search(str(chart.svg))
    drawing = width * float(m.group(2)) / float(m.group(1)) if m else width * 0.6
    return int(drawing) + 130


def iframe_snippet(url: str, chart: InlineChart) -> str:
    """The HTML a news site pastes to show the chart's embed page: sized for the chart, loaded when scrolled to."""
    title = html.escape(chart.title, quote=True)
    src = html.escape(url, quote=True)
    return f'<iframe src="{src}" title="{title}" width="100%" height="{frame_height(chart)}" loading="lazy"></iframe>'


def _inline_light(chart: light_charts.LightChart, prefix: str) -> InlineChart:
    """A light chart (already free of inline CSS) as accessible inline SVG with ids unique on the page."""
    chart_id = re.sub(r"[^a-z0-9-]", "-", f"{prefix}-{chart.name}".lower())
    svg = accessible_svg(chart.inline_svg(chart_id), chart_id=chart_id, title=chart.title, desc=chart.alt)
    return InlineChart(chart_id, chart.title, chart.alt, Markup(svg))


def story_charts(story_json: dict[str, Any], prefix: str) -> dict[str, InlineChart]:
    """The packs' charts for a story (year-series, offences, funnel, and the ratio chart) as accessible inline SVG."""
    return {name: _inline_light(chart, prefix) for name, chart in light_charts.story_charts(story_json, ratio=True).items()}


def year_chart(story_json: dict[str, Any], prefix: str, scale_top: float | None = None) -> InlineChart:
    """Only the year-series chart of a story (the compare page shows one per force, on one scale: ``scale_top``)."""
    force = story_json["force"]
    label = "England and Wales" if force["kind"] == "national" else force["display"]
    years = story_json["by_year"]
    with pack_charts.percent_places(int(story_json.get("percent_places", 1))):
        chart = light_charts.year_series_chart(
            [y["year"] for y in years],
            [y["share"] for y in years],
            [y["national_share"] for y in years],
            force_label=label,
            outcome_label=story_json["outcome"]["label"],
            counts=[y["count"] for y in years],
            scale_top=scale_top,
        )
    return _inline_light(chart, prefix)


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    value_text: Sequence[str],
    alt: str,
    highlight: Sequence[bool] | None = None,
    width: int = 600,
) -> InlineChart:
    """A horizontal bar chart, one labelled bar per row, in the packs' palette; plain SVG, no inline CSS.

    Widths are estimated from character counts (DejaVu Sans, the first font named, is about
    0.62 em a character, bold digits about 0.64 em): the title wraps onto as many lines as it
    needs and the bars leave room for the longest value, so no text runs off the drawing.
    """
    font = "DejaVu Sans, Arial, sans-serif"
    bar_h, gap, label_w, bottom = 22, 8, 210, 30
    title_lines = textwrap.wrap(title, width=int((width - 16) / (15 * 0.64))) or [title]
    top = 20 + 20 * len(title_lines) + 6
    height = top + bottom + max(1, len(rows)) * (bar_h + gap)
    biggest = max((v for _, v in rows), default=0) or 1
    value_w = max((len(t) for t in value_text), default=0) * 12 * 0.66 + 12
    plot_w = max(40.0, width - label_w - value_w)
    title_spans = "".join(f'<tspan x="8" dy="{0 if i == 0 else 20}">{html.escape(line)}</tspan>' for i, line in enumerate(title_lines))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="22" font-size="15" font-weight="bold" fill="{pack_charts.TEXT_COLOUR}" font-family="{font}">{title_spans}</text>',
    ]
    if not rows:
        parts.append(
            f'<text x="8" y="{top + 16}" font-size="13" fill="{pack_charts.MUTED_COLOUR}" font-family="{font}">None in this period</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(0.0, value) / biggest * plot_w
        colour = pack_charts.HIGHLIGHT_COLOUR if highlight and highlight[i] else pack_charts.FORCE_COLOUR
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" font-size="12" text-anchor="end" fill="{pack_charts.TEXT_COLOUR}" '
            f'font-family="{font}">{html.escape(_clip(label, 25))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="12" font-weight="bold" fill="{pack_charts.TEXT_COLOUR}" '
            f'font-family="{font}">{html.escape(value_text[i])}</text>'
        )
    parts.append(
        f'<text x="8" y="{height - 10}" font-size="11" fill="{pack_charts.MUTED_COLOUR}" font-family="{font}">'
        f"{html.escape(pack_charts.SOURCE_LINE)}</text></svg>"
    )
    svg = accessible_svg("".join(parts), chart_id=chart_id, title=title, desc=alt)
    return InlineChart(chart_id, title, alt, Markup(svg))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def counts_alt(kind: str, rows: Sequence[tuple[str, float]], value_text: Sequence[str]) -> str:
    """'Bar chart of ...: A: 1,234; B: 56.'"""
    if not rows:
        return f"{kind}: none in this period."
    return f"{kind}: " + "; ".join(f"{label}: {text}" for (label, _), text in zip(rows, value_text, strict=False)) + "."


__all__ = [
    "InlineChart",
    "accessible_svg",
    "frame_height",
    "iframe_snippet",
    "bar_chart",
    "counts_alt",
    "story_charts",
    "year_chart",
]
