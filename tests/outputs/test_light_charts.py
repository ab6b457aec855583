"""The light charts (the packs' and the pages' drawing) show the story's own figures, for real stories.

Each story of the real 2017/18 sample is drawn; every chart's words and alt text are checked
against the story JSON's figures (shares at the story's precision, counts, the funnel verdicts of
every force, the standardised ratio). The ticks are checked against hand-worked values, the PNG
for its size and sameness, and the drawing for being safe inline SVG.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from crime_outcomes.analysis.selection import Selection
from crime_outcomes.analysis.story import story
from crime_outcomes.outputs import light_charts as light
from crime_outcomes.sample import open_sample_store

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & Sons"

CASES = [
    ("West Midlands", "community-resolution"),
    ("Kent", "out-of-court"),
    ("Durham", "8"),
    ("Metropolitan Police", "charged"),
    ("British Transport Police", "caution"),
    (None, "charged"),
    (None, "out-of-court"),
]


def _lines(node: ET.Element) -> list[str]:
    spans = list(node.iter(f"{SVG_NS}tspan"))
    lines = ["".join(t.itertext()) for t in spans] if spans else ["".join(node.itertext())]
    return [line for line in lines if line.strip()]


def light_texts(svg: str) -> dict[str, Counter[str]]:
    """Words on a light chart, one entry per line of text: x ticks, y ticks and the rest."""
    out: dict[str, Counter[str]] = {"xtick": Counter(), "ytick": Counter(), "": Counter()}
    for node in ET.fromstring(svg).iter(f"{SVG_NS}text"):
        out[node.get("class") or ""].update(_lines(node))
    return out


def ticks(svg: str, cls: str) -> list[str]:
    return re.findall(rf'<text[^>]*class="{cls}"[^>]*>([^<]*)</text>', svg)


@pytest.fixture(scope="module")
def stories() -> list[dict[str, Any]]:
    store = open_sample_store()
    try:
        return [story(store, force=force, selection=Selection.parse(outcome=outcome)).to_json() for force, outcome in CASES]
    finally:
        store.close()


def _pct(value: float, places: int) -> str:
    """A share as the story prints it: percent at its places, rounded half up (worked here with Decimal)."""
    q = Decimal(repr(value * 100)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q}%"


def test_charts_show_the_storys_figures(stories: list[dict[str, Any]]) -> None:
    checked = 0
    for sj in stories:
        charts = light.story_charts(sj, ratio=True)
        places = sj["percent_places"]
        national = sj["force"]["kind"] == "national"
        who = "England and Wales" if national else sj["force"]["display"]
        compared = sj["forces_compared"]
        plotted = [c for c in compared if (c["kind"] == "territorial" or c["force"] == sj["force"]["name"]) and c["denominator"] > 0]
        assert list(charts) == ["year-series", "offences", "funnel"] + (["ratio"] if any(c.get("expected") for c in plotted) else []), who

        # the year chart: every year's share, the force's and England and Wales', and the force's counts
        year = charts["year-series"]
        years = sj["by_year"]
        texts = light_texts(year.svg)
        assert list(texts["xtick"]) == [y["year"] for y in years]
        nat = ", ".join(f"{y['year']}: {_pct(y['national_share'], places)}" for y in years)
        assert f"England and Wales: {nat}." in year.alt
        if not national:
            own = ", ".join(f"{y['year']}: {_pct(y['share'], places)}" for y in years)
            assert f"{sj['force']['display']}: {own}." in year.alt
            assert f"{who} counts: " + ", ".join(f"{y['year']}: {y['count']:,}" for y in years) in year.alt
            assert _pct(years[-1]["share"], places) in texts[""]
        assert _pct(years[-1]["national_share"], places) in texts[""]

        # the offence bars: the story's ten offences with most of the outcome, largest first, with their counts
        top = sorted((o for o in sj["offences"] if o["count"] > 0), key=lambda o: -o["count"])[:10]
        offences = charts["offences"]
        items = "; ".join(f"{o['description']}: {o['count']:,}" + (" (marked notable)" if o["serious"] else "") for o in top)
        assert items in offences.alt
        labels = " ".join(light_texts(offences.svg)["ytick"])
        for o in top:
            assert f"{o['count']:,}" in light_texts(offences.svg)[""]
            assert o["description"].split()[0] in labels

        # the funnel: one dot per force compared, the story's verdicts for each, the force's own share
        funnel = charts["funnel"]
        assert len(re.findall(r"<circle ", funnel.svg)) == len(plotted)
        above = sum(c["adjusted_verdict"] == "above 99.8% limit" for c in plotted)
        below = sum(c["adjusted_verdict"] == "below 99.8% limit" for c in plotted)
        chance = sum(c["verdict"] in ("above 99.8% limit", "below 99.8% limit") for c in plotted)
        assert f"{above} forces lie above the widened 99.8% limit and {below} below it." in funnel.alt, who
        assert f"outside which {chance} of the {len(plotted)} forces lie" in funnel.alt
        assert f"England and Wales share of {_pct(sj['national']['share'], places)}." in funnel.alt
        assert f"England and Wales, {_pct(sj['national']['share'], places)}" in light_texts(funnel.svg)[""]
        if not national:
            verdict = sj["funnel"]["adjusted"]["verdict"]
            assert (
                f"{who} is highlighted: {_pct(sj['share'], places)} of {sj['denominator']:,} outcomes ({sj['count']:,}), {verdict}."
            ) in funnel.alt
            assert who in light_texts(funnel.svg)[""] and _pct(sj["share"], places) in light_texts(funnel.svg)[""]

        # the ratio chart: the story's standardised ratio for the force
        if sj["standardised"] and not national:
            st = sj["standardised"]
            ratio = charts["ratio"]
            assert (
                f"{who} is highlighted: {st['observed']:,} against about {round(st['expected']):,} expected, a ratio of {st['ratio']:.2f}."
                in ratio.alt
            )
            assert f"{st['ratio']:.2f}" in light_texts(ratio.svg)[""]
        checked += len(charts)
    assert checked >= 7 * 3


def test_ratio_and_funnel_text_are_the_storys_figures(stories: list[dict[str, Any]]) -> None:
    sj = stories[0]  # West Midlands, community resolutions: its share and ratio printed as the story prints them
    charts = light.story_charts(sj, ratio=True)
    funnel = light_texts(charts["funnel"].svg)[""]
    ratio = light_texts(charts["ratio"].svg)[""]
    places = sj["percent_places"]
    assert f"{sj['share'] * 100:.{places}f}%" in funnel
    assert f"England and Wales, {sj['national']['share'] * 100:.{places}f}%" in funnel
    assert f"{sj['standardised']['ratio']:.2f}" in ratio
    assert "West Midlands Police" in funnel and "West Midlands Police" in ratio


def test_hostile_names_are_escaped_text_and_the_svg_is_safe_inline() -> None:
    chart = light.offence_chart(
        [light.OffenceBar(HOSTILE, 5, True), light.OffenceBar("$x$ costs", 3)],
        force_label=HOSTILE,
        outcome_label="cautions",
        period="2017/18",
    )
    svg = chart.svg
    assert "<script>" not in svg and "style=" not in svg and "<style" not in svg
    texts = light_texts(svg)
    assert any(HOSTILE in t for t in texts[""]) and "$x$ costs" in texts["ytick"]
    assert light.offence_chart([], force_label="Kent", outcome_label="cautions", period="2017/18").alt == (
        "Bar chart: Kent recorded no cautions in 2017/18."
    )


def test_ids_are_prefixed_for_the_page() -> None:
    pts = [light.FunnelPoint(f"Force {i}", 10 * i, 1000) for i in range(1, 9)]
    chart = light.funnel_chart(pts, 0.04, highlight="Force 2", outcome_label="cautions", period="2017/18")
    inline = chart.inline_svg("kent-funnel")
    assert set(re.findall(r'id="([^"]+)"', inline)) == {"kent-funnel-plot"}
    assert re.findall(r"url\(#([^)]+)\)", inline) and set(re.findall(r"url\(#([^)]+)\)", inline)) == {"kent-funnel-plot"}


def test_same_figures_same_svg() -> None:
    args = (["2014/15", "2015/16", "2016/17"], [0.0312, 0.0251, None], [0.02, 0.021, 0.022])
    one = light.year_series_chart(*args, force_label="Kent Police", outcome_label="cautions")
    two = light.year_series_chart(*args, force_label="Kent Police", outcome_label="cautions")
    assert one.svg == two.svg
    assert Counter({"3.1%": 1, "2.0%": 1, "2.5%": 1, "2.1%": 1}) <= light_texts(one.svg)[""]


@pytest.mark.parametrize(
    ("lo", "hi", "length", "places", "expected"),
    [
        # 0 to 2.98% on a 140 pt axis: at most 7 intervals; 0.5% steps make 6 (0.25% would make 12)
        (0.0, 0.0298, 140, 1, [0.0, 0.005, 0.01, 0.015, 0.02, 0.025]),
        # 5.6% to 21.6% on 190 pt: at most 9 intervals, 2% steps make 8
        (0.056, 0.216, 190, 0, [0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2]),
        # the same range on a short axis (5 intervals at most): 2.5% cannot be printed at 0 places, so 5%
        (0.056, 0.216, 100, 0, [0.1, 0.15, 0.2]),
        # ratios 0.45 to 1.9 on 190 pt: 0.2 steps
        (0.45, 1.9, 190, None, [0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]),
    ],
)
def test_linear_ticks(lo: float, hi: float, length: float, places: int | None, expected: list[float]) -> None:
    assert light.linear_ticks(lo, hi, length, places) == pytest.approx(expected)


def test_log_ticks_label_powers_of_ten() -> None:
    major, minor = light.log_ticks(3_000, 1_500_000)
    assert major == [10_000, 100_000, 1_000_000]
    assert 20_000 in minor and 3_000 in minor and len(minor) == 7 + 8 + 8  # 3-9k, 20-90k, 200-900k
    # less than two powers of ten in range: 2 and 5 x are labelled too
    major, _ = light.log_ticks(150, 900)
    assert major == [200, 500]


def test_page_ticks_are_the_scale_of_the_drawing(stories: list[dict[str, Any]]) -> None:
    sj = stories[5]  # England and Wales, charges: one year, bars
    chart = light.story_charts(sj)["year-series"]
    labels = ticks(chart.svg, "ytick")
    share = sj["share"]
    top = share * 1.4  # two years or fewer are bars, the axis 40% above the tallest
    assert labels[0] == "0%" and float(labels[-1].rstrip("%")) / 100 <= top < float(labels[-1].rstrip("%")) / 100 + 0.05
    assert ticks(chart.svg, "xtick") == ["2017/18"]


def test_a_selection_no_force_used_still_draws() -> None:
    # outcome types with no outcomes in a period (type 19 in the 12-year benchmark store): every share 0
    pts = [light.FunnelPoint(f"Force {i}", 0, 1000 * i) for i in range(1, 6)]
    chart = light.funnel_chart(pts, 0.0, highlight="Force 2", outcome_label="cautions", period="2017/18", tau2=0.0)
    assert "0 forces lie above the widened 99.8% limit and 0 below it." in chart.alt
    assert "Force 2 is highlighted: 0.0% of 2,000 outcomes (0), within limits." in chart.alt
    assert ticks(chart.svg, "ytick")[0] == "0.00%" and "0.0%" in light_texts(chart.svg)[""]  # its label at the default 1 place
    year = light.year_series_chart(["2016/17", "2017/18"], [0.0, 0.0], [0.0, 0.0], force_label="Kent Police", outcome_label="cautions")
    assert ticks(year.svg, "ytick")[0] == "0.00%"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def test_png_is_the_drawing_at_192_dpi_the_same_every_time(tmp_path: Path) -> None:
    pts = [light.FunnelPoint(f"Force {i}", 10 * i, 1000) for i in range(1, 9)]
    chart = light.funnel_chart(pts, 0.04, highlight="Force 2", outcome_label="cautions", period="2017/18")
    png = chart.png()
    # 6.25 in x 4.7 in at 192 dpi: 1,200 x 902.4 pixels, rounded
    assert _png_size(png) == (1200, 902)
    assert _png_size(chart.png(96)) == (600, 451)
    assert chart.png() == png  # the bundled fonts only: no machine's own fonts change a pixel
    written = chart.write(tmp_path, "f")
    assert written["png"].read_bytes() == png and written["svg"].read_text(encoding="utf-8") == chart.svg
    # drawn from the two bundled DejaVu faces, which sit beside their licence
    fonts = [Path(p) for p in light.font_paths()]
    assert [p.name for p in fonts] == ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]
    assert all(p.read_bytes()[:4] == b"\x00\x01\x00\x00" for p in fonts)  # TrueType
    assert "Bitstream Vera" in (fonts[0].parent / "LICENSE_DEJAVU").read_text(encoding="utf-8")


def test_png_text_is_drawn() -> None:
    """The same chart with and without its title: the PNGs differ, so the text is drawn (fonts found), not dropped."""
    with_text = light.offence_chart([light.OffenceBar("Shoplifting", 5)], force_label="Kent", outcome_label="cautions", period="2017/18")
    other = light.offence_chart([light.OffenceBar("Harassment", 5)], force_label="Kent", outcome_label="cautions", period="2017/18")
    assert with_text.svg != other.svg and with_text.png() != other.png()


def test_rasterise_refuses_an_svg_without_a_size_in_points() -> None:
    with pytest.raises(ValueError, match="width and height in pt"):
        light.rasterise('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
