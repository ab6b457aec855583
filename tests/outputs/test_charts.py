"""Charts: what each shows (titles, labels, forces, limits, y scale) and its alt text, drawn as the packs and pages draw it.

``outputs.charts`` decides what a chart shows and says; ``outputs.light_charts`` draws it. The
checks read the drawn SVG back (every line of text as a reader sees it, the limit curves through
the axis scale) and compare it with values worked out here by hand.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from crime_outcomes.analysis import stats
from crime_outcomes.outputs.charts import (
    FUNNEL_NOTE_ADJUSTED,
    SOURCE_LINE,
    WIDTH_IN,
    FunnelPoint,
    OffenceBar,
    RatioPoint,
    funnel_parts,
    percent_places,
    ratio_parts,
)
from crime_outcomes.outputs.light_charts import funnel_chart, offence_chart, ratio_chart, year_series_chart

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & Sons"


def svg_lines(svg: str, cls: str | None = None) -> list[str]:
    """Every line of text on the chart as a browser shows it (entities decoded; a <tspan> is a line); ``cls`` picks tick labels."""
    out = []
    for node in ET.fromstring(svg).iter(f"{SVG_NS}text"):
        if cls is not None and node.get("class") != cls:
            continue
        spans = list(node.iter(f"{SVG_NS}tspan"))
        out += ["".join(t.itertext()) for t in spans] if spans else ["".join(node.itertext())]
    return out


def assert_self_contained(svg: str) -> None:
    assert not svg.lstrip().startswith("<?xml") and "<!DOCTYPE" not in svg
    assert "<image" not in svg and "@font-face" not in svg and "<style" not in svg and "style=" not in svg
    assert not re.search(r"""(?:href|src)\s*=\s*["'](?:https?:)?//""", svg)
    assert "url(http" not in svg and "<script" not in svg.lower()


def points() -> list[FunnelPoint]:
    # 1,000 outcomes each with shares 1%..8%, one big force at 2%, one tiny one.
    pts = [FunnelPoint(f"Force {i}", 10 * i, 1000) for i in range(1, 9)]
    return pts + [FunnelPoint("Big", 4000, 200_000), FunnelPoint("Tiny", 3, 50)]


def y_scale(svg: str) -> tuple[float, float]:
    """(value per point, value at y=0) of the plot's y axis, from the y tick labels and the grid lines drawn at them."""
    root = ET.fromstring(svg)
    labels = svg_lines(svg, "ytick")
    values = [float(v.rstrip("%")) / (100 if v.endswith("%") else 1) for v in labels]
    grid = [float(line.get("y1", "0")) for line in root.iter(f"{SVG_NS}line") if line.get("y1") == line.get("y2")]
    ys = sorted(set(grid), key=grid.index)[: len(values)]  # the grid lines come first, one per tick, in tick order
    slope = (values[-1] - values[0]) / (ys[-1] - ys[0])
    return slope, values[0] - slope * ys[0]


def x_log_scale(svg: str) -> tuple[float, float]:
    """(log10 value per point, log10 value at x=0) of a log x axis, from its labelled ticks ('1k', '10k', ...)."""
    root = ET.fromstring(svg)
    ticks = [(float(t.get("x", "0")), "".join(t.itertext())) for t in root.iter(f"{SVG_NS}text") if t.get("class") == "xtick"]
    unit = {"k": 1e3, "m": 1e6}

    def value(text: str) -> float:
        return float(text[:-1]) * unit[text[-1]] if text[-1] in unit else float(text)

    (xa, ta), (xb, tb) = ticks[0], ticks[-1]
    slope = (math.log10(value(tb)) - math.log10(value(ta))) / (xb - xa)
    return slope, math.log10(value(ta)) - slope * xa


def curves(svg: str, dash: str | None) -> list[list[tuple[float, float]]]:
    """The polylines drawn with a dash pattern (None: solid), as lists of (x, y) in points."""
    out = []
    for p in ET.fromstring(svg).iter(f"{SVG_NS}polyline"):
        if p.get("stroke-dasharray") == dash:
            out.append([tuple(map(float, xy.split(","))) for xy in (p.get("points") or "").split()])
    return out  # type: ignore[return-value]


def test_year_series_lines_labels_alt_and_source():
    chart = year_series_chart(
        ["2014/15", "2015/16", "2016/17"],
        [0.0312, 0.0251, None],
        [0.02, 0.021, 0.022],
        force_label="Kent Police",
        outcome_label="community resolutions",
        counts=[312, 251, 0],
    )
    texts = svg_lines(chart.svg)
    assert "Community resolutions as a share of all crime outcomes" in texts
    assert "Kent Police and England and Wales, 2014/15 to 2016/17" in texts
    assert SOURCE_LINE in texts
    # every point labelled (three years is few); the year with no share gets no label; each line named at its end
    for label in ("3.1%", "2.5%", "2.0%", "2.1%", "2.2%", "Kent Police", "England and Wales"):
        assert label in texts
    assert "–" not in texts
    assert svg_lines(chart.svg, "xtick") == ["2014/15", "2015/16", "2016/17"]
    # the y axis starts at 0 and reaches the largest share, 3.12%, with 22% to spare: ticks 0% to 3.5% by 0.5%
    ticks = svg_lines(chart.svg, "ytick")
    assert ticks[0] == "0.0%" and ticks[-1] == "3.5%" and 0.0312 * 1.22 < 0.04
    assert chart.title == "Community resolutions as a share of all crime outcomes: Kent Police and England and Wales, 2014/15 to 2016/17"
    assert chart.alt.startswith("Line chart of community resolutions")
    assert "Kent Police: 2014/15: 3.1%, 2015/16: 2.5%, 2016/17: –." in chart.alt
    assert "Kent Police counts: 2014/15: 312, 2015/16: 251, 2016/17: 0." in chart.alt
    assert_self_contained(chart.svg)


def test_year_series_prints_at_the_precision_it_is_given_and_notes_breaks():
    with percent_places(2):
        chart = year_series_chart(
            ["2016/17", "2017/18"],
            [0.03125, 0.025],
            [0.02, 0.021],
            force_label="Kent Police",
            outcome_label="cautions",
            breaks=["2017/18: Kent did not supply figures for June."],
        )
    texts = svg_lines(chart.svg)
    assert {"3.13%", "2.50%", "2.00%", "2.10%"} <= set(texts)  # rounded half up, as a reader would
    assert "Known break: 2017/18: Kent did not supply figures for June." in texts
    assert chart.alt.endswith("Known break: 2017/18: Kent did not supply figures for June.")
    assert chart.alt.startswith("Bar chart")  # two years: bars


def test_one_year_is_bars_with_both_values():
    chart = year_series_chart(
        ["2017/18"], [0.016720672], [0.021348514], force_label="West Midlands Police", outcome_label="community resolutions"
    )
    texts = svg_lines(chart.svg)
    assert {"1.7%", "2.1%", "West Midlands Police", "England and Wales", "2017/18"} <= set(texts)
    assert chart.alt.startswith("Bar chart")
    bars = [r for r in ET.fromstring(chart.svg).iter(f"{SVG_NS}rect") if r.get("fill") in ("#0072B2", "#E69F00")]
    heights = [float(r.get("height", "0")) for r in bars]
    assert heights[0] / heights[1] == pytest.approx(0.016720672 / 0.021348514, abs=0.01)  # bars to scale, from 0


def test_national_year_series_draws_only_england_and_wales():
    chart = year_series_chart(
        ["2016/17", "2017/18", "2018/19"], [0.02] * 3, [0.02, 0.021, 0.022], force_label="England and Wales", outcome_label="x"
    )
    assert chart.title.endswith(": England and Wales, 2016/17 to 2018/19")
    assert len(curves(chart.svg, None)) == 1 and "counts" not in chart.alt


def test_offence_chart_top_ten_counts_and_serious_marker():
    bars = [OffenceBar(f"Offence {i}", 1000 * i, serious=i == 3) for i in range(1, 13)] + [OffenceBar("None at all", 0)]
    chart = offence_chart(bars, force_label="Kent Police", outcome_label="community resolutions", period="2017/18")
    texts = svg_lines(chart.svg)
    assert "12,000" in texts and "3,000" in texts  # counts labelled, UK style
    assert "2,000" not in texts and "Offence 2" not in texts  # only the top ten
    assert svg_lines(chart.svg, "ytick") == [f"Offence {i}" + (" *" if i == 3 else "") for i in range(12, 2, -1)]  # largest first
    assert "* Marked notable by the seriousness rules (dark orange bars)." in texts
    assert "Kent Police, 2017/18: top 10 offences by number" in texts
    assert "Offence 12: 12,000; Offence 11: 11,000" in chart.alt
    assert "Offence 3: 3,000 (marked notable)" in chart.alt
    assert "None at all" not in chart.alt
    widths = {r.get("fill"): float(r.get("width", "0")) for r in ET.fromstring(chart.svg).iter(f"{SVG_NS}rect")}
    assert "#D55E00" in widths  # the notable offence's bar is the one in vermillion


def test_offence_chart_with_nothing_says_so():
    chart = offence_chart([], force_label="Kent Police", outcome_label="community resolutions", period="2017/18")
    assert "No community resolutions in this period" in svg_lines(chart.svg)
    assert chart.alt == "Bar chart: Kent Police recorded no community resolutions in 2017/18."


def test_funnel_highlight_labels_limits_and_alt_counts():
    p0 = 4080 / 211_050
    chart = funnel_chart(
        points(), p0, highlight="Force 8", highlight_label="Force 8 Police", outcome_label="community resolutions", period="2017/18"
    )
    texts = svg_lines(chart.svg)
    assert "Force 8 Police" in texts and "8.0%" in texts
    assert "England and Wales, 1.9%" in texts and "95% limits" in texts and "99.8% limits" in texts
    assert "Force 8 Police and 9 other forces, 2017/18" in texts  # every force with outcomes is plotted
    assert len([c for c in ET.fromstring(chart.svg).iter(f"{SVG_NS}circle")]) == 10
    # independent count of forces outside the 99.8% limits: z = (p - p0) / sqrt(p0 (1 - p0) / n) beyond 3.090232
    above = below = 0
    for p in points():
        z = (p.count / p.denominator - p0) / (p0 * (1 - p0) / p.denominator) ** 0.5
        above += z > 3.090232
        below += z < -3.090232
    assert f"{above} forces lie above the 99.8% limit and {below} below it." in chart.alt
    assert "Force 8 Police is highlighted: 8.0% of 1,000 outcomes (80), above 99.8% limit." in chart.alt
    assert stats.Z998 == 3.090232
    # the drawn 95% (dashed) and 99.8% (dotted) curves are p0 ± z sqrt(p0 (1 - p0) / n), read back through the axes
    ys, y0 = y_scale(chart.svg)
    xs, x0 = x_log_scale(chart.svg)
    for dash, z in (("4.4 3.3", 1.959964), ("1.1 2.2", 3.090232)):
        upper, lower = curves(chart.svg, dash)
        for (x, y_up), (_, y_lo) in zip(upper[::20], lower[::20], strict=False):
            n = 10 ** (x0 + xs * x)
            half = z * math.sqrt(p0 * (1 - p0) / n)
            tol = 1e-4 + 0.01 * half  # the curve is computed at whole numbers of outcomes; coordinates are to 0.1 pt
            assert y0 + ys * y_up == pytest.approx(min(1.0, p0 + half), abs=tol)
            assert y0 + ys * y_lo == pytest.approx(max(0.0, p0 - half), abs=tol)
    # every force is a dot at (its outcomes, its share) on the axes' scales, the highlighted one the large one
    dots = sorted(
        (round(10 ** (x0 + xs * float(c.get("cx", "0")))), y0 + ys * float(c.get("cy", "0")), float(c.get("r", "0")))
        for c in ET.fromstring(chart.svg).iter(f"{SVG_NS}circle")
    )
    wanted = sorted((p.denominator, p.count / p.denominator) for p in points())
    for (n, share, _r), (n_want, share_want) in zip(dots, wanted, strict=True):
        assert n == pytest.approx(n_want, rel=0.01) and share == pytest.approx(share_want, abs=2e-4)
    assert [r for _n, share, r in dots if share == pytest.approx(0.08, abs=2e-4)] == [max(r for *_, r in dots)]


def test_hostile_names_are_escaped_text():
    chart = funnel_chart(
        points() + [FunnelPoint(HOSTILE, 50, 1000)], 0.02, highlight=HOSTILE, outcome_label="community resolutions", period="2017/18"
    )
    bars = offence_chart([OffenceBar(HOSTILE, 7, True)], force_label=HOSTILE, outcome_label="community resolutions", period="2017/18")
    for c in (chart, bars):
        assert "<script" not in c.svg.lower()
        assert "&lt;script&gt;" in c.svg and "&amp; Sons" in c.svg
        assert any(HOSTILE.split(" &")[0] in t for t in svg_lines(c.svg))  # the parser gets the literal text back
        assert HOSTILE in c.alt


def test_dollar_signs_are_plain_text():
    chart = offence_chart(
        [OffenceBar("Fraud $5 to $10", 3)], force_label="Kent Police", outcome_label="community resolutions", period="2017/18"
    )
    assert "Fraud $5 to $10" in svg_lines(chart.svg)


def test_deterministic_svg_and_its_size():
    def make():
        return funnel_chart(points(), 0.02, highlight="Big", outcome_label="community resolutions", period="2017/18")

    a, b = make(), make()
    assert a.svg == b.svg
    root = ET.fromstring(a.svg)
    assert root.get("viewBox") == f"0 0 {WIDTH_IN * 72:.1f} {4.7 * 72:.1f}"
    assert root.get("width") == "450.0pt" and root.get("height") == "338.4pt"
    assert_self_contained(a.svg)


def test_inline_ids_do_not_collide():
    chart = funnel_chart(points(), 0.02, highlight="Big", outcome_label="x", period="2017/18")
    a, b = chart.inline_svg("a"), chart.inline_svg("b y")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a == {"a-plot"} and ids_b == {"b-y-plot"}
    # every local reference points at an id of the same chart
    for svg, ids in ((a, ids_a), (b, ids_b)):
        refs = set(re.findall(r"url\(#([^)]+)\)", svg)) | set(re.findall(r'href="#([^"]+)"', svg))
        assert refs and refs <= ids


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        year_series_chart(["2017/18", "2018/19"], [0.1], [0.1, 0.2], force_label="A", outcome_label="x")
    with pytest.raises(ValueError):
        funnel_chart([FunnelPoint("A", 0, 0)], 0.02, highlight=None, outcome_label="x", period="2017/18")
    with pytest.raises(ValueError):
        ratio_chart([RatioPoint("A", 0, 0.0)], 0.01, highlight=None, outcome_label="x", period="2017/18")


def test_funnel_with_limits_widened_for_the_spread_between_forces():
    p0, tau2 = 4080 / 211_050, 0.0002  # tau = 1.41 points
    chart = funnel_chart(
        points(),
        p0,
        highlight="Force 8",
        highlight_label="Force 8 Police",
        outcome_label="community resolutions",
        period="2017/18",
        tau2=tau2,
    )
    texts = svg_lines(chart.svg)
    assert "99.8%, chance alone" in texts and "99.8% limits" in texts
    assert " ".join(FUNNEL_NOTE_ADJUSTED.split())[:40] in " ".join(" ".join(texts).split())
    # Independent counts: widened limits p0 ± 3.090232 sqrt(p0(1-p0)/n + tau2), binomial without tau2.
    above = below = chance = 0
    for p in points():
        share, var = p.count / p.denominator, p0 * (1 - p0) / p.denominator
        half = 3.090232 * (var + tau2) ** 0.5
        above += share > p0 + half
        below += share < max(0.0, p0 - half)
        chance += abs(share - p0) > 3.090232 * var**0.5
    assert f"{above} forces lie above the widened 99.8% limit and {below} below it." in chart.alt
    assert f"outside which {chance} of the {len(points())} forces lie" in chart.alt
    # Force 8 (8.0% of 1,000): the widened 99.8% limit is 1.93% + 3.09 x sqrt(0.0000190 + 0.0002) = 6.5%, so above.
    assert "Force 8 Police is highlighted: 8.0% of 1,000 outcomes (80), above 99.8% limit." in chart.alt
    # the dotted curves are the widened limits; the faint solid ones the binomial (chance alone)
    ys, y0 = y_scale(chart.svg)
    xs, x0 = x_log_scale(chart.svg)
    (up, _lo), faint = curves(chart.svg, "1.1 2.2"), curves(chart.svg, None)
    assert len(faint) == 2
    for (x, y), (_, y_faint) in zip(up[::25], faint[0][::25], strict=False):
        n = 10 ** (x0 + xs * x)
        half = 3.090232 * math.sqrt(p0 * (1 - p0) / n)
        assert y0 + ys * y == pytest.approx(p0 + 3.090232 * math.sqrt(p0 * (1 - p0) / n + tau2), abs=1e-4 + 0.01 * half)
        assert y0 + ys * y_faint == pytest.approx(p0 + half, abs=1e-4 + 0.01 * half)


def test_national_funnel_labels_the_forces_furthest_outside():
    p0 = 4080 / 211_050
    chart = funnel_chart(points(), p0, highlight=None, outcome_label="x", period="2017/18", label_extremes=2)
    texts = svg_lines(chart.svg)
    assert "10 forces, 2017/18" in texts
    # outside the 99.8% limits (z beyond 3.09): Forces 4-8 above (z = (0.04 - 0.0193) / 0.00435 = 4.8 for Force 4), none
    # below (Force 1: z = -2.1); the two highest are labelled, no other force
    assert "0 below it" in chart.alt and "5 forces lie above" in chart.alt
    assert [t for t in texts if t.startswith("Force ") or t in ("Big", "Tiny")] == ["Force 8", "Force 7"]


def test_ratio_chart_limits_and_alt():
    pts = [RatioPoint("A", 50, 100.0), RatioPoint("B", 400, 200.0), RatioPoint("C", 900, 1000.0), RatioPoint("D", 30, 100.0)]
    tau2 = 0.04  # tau = 0.2 on the ratio scale
    chart = ratio_chart(pts, tau2, highlight="B", outcome_label="community resolutions", period="2017/18")
    # B: ratio 2.0; limit 1 + 3.090232 sqrt(1/200 + 0.04) = 1.6556, so above. D: 0.3 < 1 - 3.090232 sqrt(0.01 + 0.04) = 0.309.
    assert "1 forces lie above the 99.8% limit and 1 below it." in chart.alt
    assert "B is highlighted: 400 against about 200 expected, a ratio of 2.00." in chart.alt
    texts = svg_lines(chart.svg)
    assert "Actual ÷ expected" in texts and "B" in texts and "2.00" in texts
    assert "Expected community resolutions at England and Wales rates (log scale)" in texts
    assert "England and Wales rates, 1" in texts
    # the dotted upper curve is 1 + 3.090232 sqrt(1/E + tau2)
    ys, y0 = y_scale(chart.svg)
    xs, x0 = x_log_scale(chart.svg)
    upper = curves(chart.svg, "1.1 2.2")[0]
    for x, y in upper[::25]:
        expected = 10 ** (x0 + xs * x)
        assert y0 + ys * y == pytest.approx(1 + 3.090232 * math.sqrt(1 / expected + tau2), abs=3e-3)
    assert_self_contained(chart.svg)


def test_ratio_and_funnel_axes_reach_both_99_8_limits_where_the_funnel_is_narrowest():
    # Forces close to England and Wales rates, with wide differences usual between forces (tau = 0.3): at
    # the largest expected count the lower 99.8% limit is 1 - 3.090232 sqrt(1/E + 0.09), far below every dot.
    pts = [RatioPoint("A", 950, 1000.0), RatioPoint("B", 2400, 2000.0), RatioPoint("C", 5300, 5000.0), RatioPoint("D", 180, 200.0)]
    r = ratio_parts(pts, 0.09, highlight=None, highlight_label=None, outcome_label="x", period="2017/18")
    end = r.limits[-1]
    assert end is not None
    assert end.lower998 == pytest.approx(1 - 3.090232 * math.sqrt(1 / r.grid[-1] + 0.09), abs=1e-5)
    assert end.lower998 < 0.2  # so an axis fitted to the dots alone (from about 0.7) would hide the lower limit
    assert r.y_bot <= end.lower998 and end.upper998 <= r.y_top
    chart = ratio_chart(pts, 0.09, highlight=None, outcome_label="x", period="2017/18")
    slope, at_zero = y_scale(chart.svg)
    lower = min(curves(chart.svg, "1.1 2.2"), key=lambda c: c[-1][1] * -1)  # drawn lower on the page: larger y
    assert at_zero + slope * lower[-1][1] == pytest.approx(end.lower998, abs=3e-3)
    # the funnel of shares: the same rule, around the national share
    p0 = 0.2
    shares = [FunnelPoint(f"F{i}", round(n * s), n) for i, (n, s) in enumerate([(500, 0.19), (4000, 0.21), (20_000, 0.2)])]
    f = funnel_parts(shares, p0, highlight=None, highlight_label=None, period="2017/18", tau2=0.01, outcome_label="x")
    widest = f.limits[-1]
    assert widest is not None and widest.lower998 < 0.15
    assert f.y_bot <= widest.lower998 and widest.upper998 <= f.y_top
