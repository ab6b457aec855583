"""Every page at phone and laptop size in Chromium: no sideways page scroll, nothing clipped.

At 390x844 (and the narrowest and widest common phones, 360 and 414 px) the page is never wider
than the screen; a table or chart too wide for it scrolls inside its own container, which is
labelled and reachable by keyboard; chart text is at least 11 CSS px. At 1366x768 no table or
chart is clipped: tables fit their container and every chart label lies inside its drawing.
Screenshots of each page at 390 px go to docs/screenshots/phone-*.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import HOMICIDE, SCREENSHOTS, LiveServer

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
FULL_PAGE = {"offence"}
"""Pages whose phone screenshot is the whole page (charts and tables below the fold), not the first screen."""
LAPTOP = {"width": 1366, "height": 768}

PAGES = [
    ("sample", "/", "overview"),
    ("sample", "/force/kent", "force"),
    ("sample", "/offence/11A", "offence"),
    ("sample", "/compare?force=west-midlands&force=durham", "compare"),
    ("sample", "/methodology", "methodology"),
    ("sample", "/glossary", "glossary"),
    ("sample", "/data", "data"),
    ("sample", "/leads", "leads"),
    ("sample", "/leads?force=west-midlands&outcome=community-resolution&kind=all", None),
    ("sample", "/changes", "changes"),
    ("sample", "/nowhere", "not-found"),
    ("sample", "/embed/kent/funnel", "embed"),
    ("sample", "/embed/offence/forces?code=11A", None),
    ("fixture", "/force/west-midlands?from=2016/17&to=2017/18&outcome=out-of-court", None),
    ("fixture", "/offence/" + HOMICIDE + "?outcome=1", None),
    ("fixture", "/offence/99Z", None),
    ("fixture", "/leads?from=2016/17", None),
    ("fixture", "/force/kent?outcome=banana", None),
    ("fixture", "/changes", None),
]

MEASURE = """
() => {
  const doc = document.documentElement;
  const out = {scrollWidth: doc.scrollWidth, viewport: doc.clientWidth, wide: [], unlabelled: [], small: [], clippedText: [], clippedTables: []};
  const scrollers = [...document.querySelectorAll('*')].filter(e => {
    const s = getComputedStyle(e);
    return (s.overflowX === 'auto' || s.overflowX === 'scroll') && e !== doc && e !== document.body;
  });
  const inScroller = e => scrollers.some(s => s !== e && s.contains(e));
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '');
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || inScroller(e) || e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
    if (r.right > doc.clientWidth + 0.5 || r.left < -0.5) out.wide.push(name(e) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  for (const s of scrollers) {
    if (s.scrollWidth > s.clientWidth + 1) {
      const labelled = (s.getAttribute('role') === 'region' || s.getAttribute('role') === 'group') && (s.getAttribute('aria-label') || s.getAttribute('aria-labelledby'));
      if (!labelled || s.getAttribute('tabindex') !== '0') out.unlabelled.push(name(s));
      if (s.querySelector('table')) out.clippedTables.push(name(s) + ' ' + s.scrollWidth + '>' + s.clientWidth);
    }
  }
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < 11 - 0.05) out.small.push(svg.id + ': ' + t.textContent.trim().slice(0, 30) + ' ' + px.toFixed(1) + 'px');
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.clippedText.push(svg.id + ': ' + t.textContent.trim().slice(0, 30));
    }
  }
  return out;
}
"""


@pytest.fixture()
def servers(sample_server: LiveServer, fixture_server: LiveServer) -> dict[str, LiveServer]:
    return {"sample": sample_server, "fixture": fixture_server}


@pytest.fixture()
def context(browser: Any) -> Iterator[Any]:
    made: list[Any] = []

    def make(viewport: dict[str, int]) -> Any:
        c = browser.new_context(viewport=viewport, device_scale_factor=1)
        made.append(c)
        return c.new_page()

    yield make
    for c in made:
        c.close()


def problems(page: Any, *, phone: bool) -> dict[str, Any]:
    found = page.evaluate(MEASURE)
    out: dict[str, Any] = {}
    if found["scrollWidth"] > found["viewport"]:
        out["page scrolls sideways"] = f"{found['scrollWidth']} > {found['viewport']}: {found['wide'][:6]}"
    if found["unlabelled"]:
        out["scrolling box without a label or tabindex=0"] = found["unlabelled"]
    if phone and found["small"]:
        out["chart text under 11 px"] = found["small"][:6]
    if not phone and found["clippedTables"]:
        out["table clipped"] = found["clippedTables"]
    if found["clippedText"]:
        out["chart text outside its chart"] = found["clippedText"][:6]
    return out


@pytest.mark.parametrize("width", [360, 390, 414])
def test_no_page_scrolls_sideways_on_a_phone(context: Any, servers: dict[str, LiveServer], width: int) -> None:
    page = context({"width": width, "height": 844})
    report = {}
    for which, path, shot in PAGES:
        page.goto(servers[which].url + path)
        found = problems(page, phone=True)
        if found:
            report[f"{which}{path}"] = found
        if shot and width == PHONE["width"]:
            page.screenshot(path=str(SCREENSHOTS / f"phone-{shot}.png"), full_page=shot in FULL_PAGE)
    assert not report, json.dumps(report, indent=1)


def test_nothing_clipped_on_a_laptop(context: Any, servers: dict[str, LiveServer]) -> None:
    page = context(LAPTOP)
    report = {}
    for which, path, _ in PAGES:
        page.goto(servers[which].url + path)
        found = problems(page, phone=False)
        if found:
            report[f"{which}{path}"] = found
    assert not report, json.dumps(report, indent=1)


def test_a_table_too_wide_for_a_phone_scrolls_by_keyboard(context: Any, servers: dict[str, LiveServer]) -> None:
    """The overview's all-forces table is wider than 390 px: its container takes focus and scrolls with the arrow key."""
    page = context(PHONE)
    page.goto(servers["sample"].url + "/")
    wrap = page.locator(".table-wrap:has(#forces)")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    assert wrap.get_attribute("role") == "region" and wrap.get_attribute("tabindex") == "0"
    label_id = wrap.get_attribute("aria-labelledby")
    assert label_id and page.locator(f"#{label_id}").inner_text().strip()
    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=wrap.element_handle())


def test_brief_html_fits_a_phone(context: Any, sample_server: LiveServer, tmp_path: Path) -> None:
    """The pack's self-contained brief.html, opened from disk at 390 px, never scrolls sideways."""
    import crime_outcomes as co

    store = co.open_store(tmp_path / "none.duckdb")
    try:
        co.write_pack(store, "West Midlands", tmp_path / "packs")
    finally:
        store.close()
    brief = next((tmp_path / "packs").rglob("brief.html"))
    page = context(PHONE)
    page.goto(brief.as_uri())
    found = page.evaluate(MEASURE)
    assert found["scrollWidth"] <= found["viewport"], found["wide"][:6]
    assert found["unlabelled"] == []
    page.screenshot(path=str(SCREENSHOTS / "phone-brief.png"), full_page=False)
