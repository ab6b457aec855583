"""Charts: valid, self-contained, deterministic SVG; real PNGs; alt text with the numbers; data text escaped."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from crime_outcomes.analysis import stats
from crime_outcomes.outputs.charts import (
    PNG_DPI,
    SOURCE_LINE,
    WIDTH_IN,
    FunnelPoint,
    OffenceBar,
    funnel_chart,
    offence_chart,
    prefix_svg_ids,
    year_series_chart,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & Sons"


def svg_texts(svg: str) -> list[str]:
    """Every text node of the SVG, as a browser would show it (entities decoded by the parser)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def assert_self_contained(svg: str) -> None:
    assert not svg.lstrip().startswith("<?xml") and "<!DOCTYPE" not in svg
    assert "<image" not in svg and "@font-face" not in svg
    assert not re.search(r"""(?:href|src)\s*=\s*["'](?:https?:)?//""", svg)
    assert "url(http" not in svg and "<script" not in svg.lower()
    assert "dc:date" not in svg and "<metadata" not in svg


def points() -> list[FunnelPoint]:
    # 1,000 outcomes each with shares 1%..8%, one big force at 2%, one tiny one.
    pts = [FunnelPoint(f"Force {i}", 10 * i, 1000) for i in range(1, 9)]
    return pts + [FunnelPoint("Big", 4000, 200_000), FunnelPoint("Tiny", 3, 50)]


def test_year_series_lines_labels_alt_and_source():
    chart = year_series_chart(
        ["2014/15", "2015/16", "2016/17"],
        [0.0312, 0.0251, None],
        [0.02, 0.021, 0.022],
        force_label="Kent Police",
        outcome_label="community resolutions",
        counts=[312, 251, 0],
    )
    texts = svg_texts(chart.svg)
    assert "Community resolutions as a share of all crime outcomes" in texts
    assert "Kent Police and England and Wales, 2014/15 to 2016/17" in texts
    assert SOURCE_LINE in texts
    # every point labelled (three years is few); the year with no share gets no label
    for label in ("3.1%", "2.5%", "2.0%", "2.1%", "2.2%"):
        assert label in texts
    assert "–" not in texts
    assert chart.alt.startswith("Line chart of community resolutions")
    assert "Kent Police: 2014/15: 3.1%, 2015/16: 2.5%, 2016/17: –." in chart.alt
    assert "Kent Police counts: 2014/15: 312, 2015/16: 251, 2016/17: 0." in chart.alt
    assert_self_contained(chart.svg)


def test_one_year_is_bars_with_both_values():
    chart = year_series_chart(
        ["2017/18"], [0.016720672], [0.021348514], force_label="West Midlands Police", outcome_label="community resolutions"
    )
    texts = svg_texts(chart.svg)
    assert {"1.7%", "2.1%", "West Midlands Police", "England and Wales", "2017/18"} <= set(texts)
    assert chart.alt.startswith("Bar chart")


def test_offence_chart_top_ten_counts_and_serious_marker():
    bars = [OffenceBar(f"Offence {i}", 1000 * i, serious=i == 3) for i in range(1, 13)] + [OffenceBar("None at all", 0)]
    chart = offence_chart(bars, force_label="Kent Police", outcome_label="community resolutions", period="2017/18")
    texts = svg_texts(chart.svg)
    assert "12,000" in texts and "3,000" in texts  # counts labelled, UK style
    assert "2,000" not in texts and "Offence 2" not in texts  # only the top ten
    assert "Offence 3 *" in texts
    assert "* Marked notable by the seriousness rules (dark orange bars)." in texts
    assert "Offence 12: 12,000; Offence 11: 11,000" in chart.alt
    assert "Offence 3: 3,000 (marked notable)" in chart.alt
    assert "None at all" not in chart.alt


def test_offence_chart_with_nothing_says_so():
    chart = offence_chart([], force_label="Kent Police", outcome_label="community resolutions", period="2017/18")
    assert "No community resolutions in this period" in svg_texts(chart.svg)
    assert chart.alt == "Bar chart: Kent Police recorded no community resolutions in 2017/18."


def test_funnel_highlight_labels_and_alt_counts():
    p0 = 4080 / 211_050
    chart = funnel_chart(
        points(), p0, highlight="Force 8", highlight_label="Force 8 Police", outcome_label="community resolutions", period="2017/18"
    )
    texts = svg_texts(chart.svg)
    assert "Force 8 Police\n8.0%" in texts or ("Force 8 Police" in " ".join(texts) and "8.0%" in " ".join(texts))
    assert "England and Wales, 1.9%" in texts and "99.8% limits" in texts
    # independent count of forces outside the 99.8% limits: z = (p - p0) / sqrt(p0 (1 - p0) / n) beyond 3.090232
    above = below = 0
    for p in points():
        z = (p.count / p.denominator - p0) / (p0 * (1 - p0) / p.denominator) ** 0.5
        above += z > 3.090232
        below += z < -3.090232
    assert f"{above} forces lie above the 99.8% limit and {below} below it." in chart.alt
    assert "Force 8 Police is highlighted: 8.0% of 1,000 outcomes (80), above 99.8% limit." in chart.alt
    assert stats.Z998 == 3.090232


def test_hostile_names_are_escaped_text():
    chart = funnel_chart(
        points() + [FunnelPoint(HOSTILE, 50, 1000)], 0.02, highlight=HOSTILE, outcome_label="community resolutions", period="2017/18"
    )
    bars = offence_chart([OffenceBar(HOSTILE, 7, True)], force_label=HOSTILE, outcome_label="community resolutions", period="2017/18")
    for c in (chart, bars):
        assert "<script" not in c.svg.lower()
        assert "&lt;script&gt;" in c.svg and "&amp; Sons" in c.svg
        assert any(HOSTILE.split(" &")[0] in t for t in svg_texts(c.svg))  # the parser gets the literal text back
        assert HOSTILE in c.alt


def test_dollar_signs_are_not_mathtext():
    chart = offence_chart(
        [OffenceBar("Fraud $5 to $10", 3)], force_label="Kent Police", outcome_label="community resolutions", period="2017/18"
    )
    assert "Fraud $5 to $10" in svg_texts(chart.svg)


def test_deterministic_svg_and_png_size():
    def make():
        return funnel_chart(points(), 0.02, highlight="Big", outcome_label="community resolutions", period="2017/18")

    a, b = make(), make()
    assert a.svg == b.svg
    width, height = png_size(a.png())
    assert width == round(WIDTH_IN * PNG_DPI) == 1200
    assert height == round(4.7 * PNG_DPI)
    root = ET.fromstring(a.svg)
    assert root.get("viewBox") == f"0 0 {WIDTH_IN * 72:g} {4.7 * 72:g}"


def test_inline_ids_do_not_collide():
    a = year_series_chart(["2017/18"], [0.01], [0.02], force_label="A", outcome_label="x").inline_svg("a")
    b = year_series_chart(["2017/18"], [0.01], [0.02], force_label="A", outcome_label="x").inline_svg("b")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b
    # every local reference points at an id of the same chart
    for svg, ids in ((a, ids_a), (b, ids_b)):
        refs = set(re.findall(r"url\(#([^)]+)\)", svg)) | set(re.findall(r'href="#([^"]+)"', svg))
        assert refs <= ids


def test_prefix_leaves_foreign_references_alone():
    svg = '<svg><clipPath id="c1"/><g clip-path="url(#c1)"/><use xlink:href="#other"/></svg>'
    assert prefix_svg_ids(svg, "x y") == '<svg><clipPath id="x-y-c1"/><g clip-path="url(#x-y-c1)"/><use xlink:href="#other"/></svg>'


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        year_series_chart(["2017/18", "2018/19"], [0.1], [0.1, 0.2], force_label="A", outcome_label="x")
    with pytest.raises(ValueError):
        funnel_chart([FunnelPoint("A", 0, 0)], 0.02, highlight=None, outcome_label="x", period="2017/18")


def test_funnel_with_limits_widened_for_the_spread_between_forces():
    from crime_outcomes.outputs.charts import FUNNEL_NOTE_ADJUSTED

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
    texts = " ".join(svg_texts(chart.svg))
    assert "99.8%, chance alone" in texts and "99.8% limits" in texts
    assert " ".join(FUNNEL_NOTE_ADJUSTED.split())[:40] in " ".join(texts.split())
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


def test_ratio_chart_limits_and_alt():
    from crime_outcomes.outputs.charts import RatioPoint, ratio_chart

    pts = [RatioPoint("A", 50, 100.0), RatioPoint("B", 400, 200.0), RatioPoint("C", 900, 1000.0), RatioPoint("D", 30, 100.0)]
    tau2 = 0.04  # tau = 0.2 on the ratio scale
    chart = ratio_chart(pts, tau2, highlight="B", outcome_label="community resolutions", period="2017/18")
    # B: ratio 2.0; limit 1 + 3.090232 sqrt(1/200 + 0.04) = 1.6556, so above. D: 0.3 < 1 - 3.090232 sqrt(0.01 + 0.04) = 0.309.
    assert "1 forces lie above the 99.8% limit and 1 below it." in chart.alt
    assert "B is highlighted: 400 against about 200 expected, a ratio of 2.00." in chart.alt
    assert "Actual ÷ expected" in svg_texts(chart.svg)
    assert_self_contained(chart.svg)
