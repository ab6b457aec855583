"""The explorer in a real browser: Debian's Chromium driven by Playwright against live loopback servers.

A reader's path: open the overview, pick West Midlands, change the outcome, the basis and the
years; the URL carries the view, and every figure on screen equals the story JSON (from
/api/story and from the library), the CLI's text, and, on the two-year store, sums by hand.
Downloads are compared with the JSON; markup in the data must show as text and never run; axe-core
checks every page (WCAG 2.1 A/AA and best practice) and must find nothing. Screenshots go to
docs/screenshots/.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from web_support import HOMICIDE, MARKUP, SCREENSHOTS, LiveServer, fixture_sum

from crime_outcomes.analysis.story import story
from crime_outcomes.sample import open_sample_store
from crime_outcomes.text import number, percent

pytestmark = pytest.mark.slow  # the inner loop (-m "not slow") leaves these to the full run

VIEWPORT = {"width": 1100, "height": 760}


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A page under the app's own Content-Security-Policy, recording dialogs, console errors and CSP reports."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    p = context.new_page()
    p.dialogs = []  # type: ignore[attr-defined]
    p.problems = []  # type: ignore[attr-defined]
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    p.on("console", lambda m: p.problems.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: p.problems.append(str(e)))  # type: ignore[attr-defined]
    yield p
    assert p.dialogs == [], "a script from the data ran"  # type: ignore[attr-defined]
    assert p.problems == [], p.problems  # type: ignore[attr-defined]
    context.close()


def api(server: LiveServer, path: str) -> Any:
    return httpx.get(server.url + path, timeout=60).json()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def figure(page: Any, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def assert_figures_match(page: Any, sj: dict[str, Any]) -> None:
    """Key figures, lines and the year table on screen equal the story JSON, formatted as the CLI prints them."""
    assert figure(page, "count") == number(sj["count"])
    assert figure(page, "denominator") == number(sj["denominator"])
    assert figure(page, "share") == percent(sj["share"], 1)
    nat = sj["national"]
    assert figure(page, "national") == f"{number(nat['count'])} of {number(nat['denominator'])} ({percent(nat['share'], 1)})"
    assert [li.inner_text() for li in page.locator("ul.lines > li").all()] == sj["lines"]
    rows = page.locator("#years tbody tr")
    assert rows.count() == len(sj["by_year"])
    for y in sj["by_year"]:
        row = page.locator(f'#years tbody tr[data-year="{y["year"]}"]')
        assert row.locator('[data-col="count"]').inner_text() == number(y["count"])
        assert row.locator('[data-col="share"]').inner_text() == percent(y["share"], 1)


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


# ------------------------------------------------------------------------------ the reader's path


def test_overview_pick_force_change_outcome_and_basis_on_the_sample(page: Any, sample_server: LiveServer, empty_db_path: Path) -> None:
    page.goto(sample_server.url + "/")
    assert page.locator("h1").inner_text() == "Community resolutions in England and Wales, 2017/18"
    national = api(sample_server, "/api/national")
    assert figure(page, "count") == number(national["count"])
    shot(page, "web-overview.png")

    page.get_by_label("Go to a force").select_option("west-midlands")
    page.get_by_role("button", name="Go to force").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/force/west-midlands"
    assert query_of(page.url) == {"outcome": ["8"], "from": ["2017/18"], "to": ["2017/18"], "basis": ["closed"]}
    sj = api(sample_server, "/api/story?force=west-midlands&outcome=8")
    assert_figures_match(page, sj)
    with open_sample_store() as store:
        library = story(store, force="West Midlands", outcome="8").to_json()
    assert json.loads(json.dumps(library)) == sj
    assert figure(page, "count") == "3,834" and figure(page, "rank-share") == "11th lowest of 43"
    # the CLI prints the same figures and lines
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(empty_db_path)}
    text = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "story", "--force", "West Midlands"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    for shown in (figure(page, "count"), figure(page, "denominator"), figure(page, "share"), *sj["lines"][:2]):
        assert shown in text
    shot(page, "web-force-west-midlands.png")

    # change the outcome to cautions (types 2 and 3) and the basis to recorded
    page.get_by_label("Outcome", exact=True).select_option("caution")
    page.get_by_label("Basis", exact=True).select_option("recorded")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert query_of(page.url) == {"outcome": ["caution"], "from": ["2017/18"], "to": ["2017/18"], "basis": ["recorded"]}
    sj = api(sample_server, "/api/story?force=west-midlands&outcome=caution&basis=recorded")
    assert sj["outcome"]["types"] == [2, 3] and sj["basis"] == "recorded"
    assert_figures_match(page, sj)
    assert page.locator("h1").inner_text() == "West Midlands Police: cautions, 2017/18"


def test_years_on_two_year_store_and_shared_url_reopens_the_view(page: Any, browser: Any, fixture_server: LiveServer) -> None:
    page.goto(fixture_server.url + "/force/west-midlands")
    sj = api(fixture_server, "/api/story?force=west-midlands")
    assert_figures_match(page, sj)
    assert figure(page, "count") == number(fixture_sum(force="West Midlands", types=(8,))) == "36"

    page.get_by_label("From", exact=True).select_option("2016/17")
    page.get_by_label("To", exact=True).select_option("2016/17")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert query_of(page.url) == {"outcome": ["8"], "from": ["2016/17"], "to": ["2016/17"], "basis": ["closed"]}
    one_year = api(fixture_server, "/api/story?force=west-midlands&from=2016/17&to=2016/17")
    assert_figures_match(page, one_year)
    assert figure(page, "count") == str(fixture_sum(year="2016/17", force="West Midlands", types=(8,))) == "16"
    assert figure(page, "denominator") == "114"

    page.get_by_label("To", exact=True).select_option("2017/18")
    page.get_by_label("Basis", exact=True).select_option("recorded")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    shared = page.url
    recorded = api(fixture_server, "/api/story?force=west-midlands&from=2016/17&to=2017/18&basis=recorded")
    assert_figures_match(page, recorded)
    assert figure(page, "count") == str(fixture_sum(force="West Midlands", types=(8,), basis="recorded")) == "37"

    # the shared link opens the same view in a fresh browser context
    other = browser.new_context(viewport=VIEWPORT)
    again = other.new_page()
    again.goto(shared)
    assert_figures_match(again, recorded)
    assert again.get_by_label("Basis", exact=True).input_value() == "recorded"
    assert again.get_by_label("From", exact=True).input_value() == "2016/17"
    other.close()


def test_chart_numbers_download_as_csv_equal_to_the_json(page: Any, fixture_server: LiveServer, tmp_path: Path) -> None:
    page.goto(fixture_server.url + "/force/west-midlands?outcome=8&from=2016/17&to=2017/18&basis=closed")
    section = page.locator("section", has=page.locator("#trend-heading"))
    assert section.locator("svg[role=img]").count() == 1
    with page.expect_download() as info:
        section.get_by_role("link", name="CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "force-years-west-midlands-8-2016-17-2017-18-closed.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    sj = api(fixture_server, "/api/story?force=west-midlands&from=2016/17&to=2017/18")
    assert [(r["year"], int(r["count"]), int(r["denominator"]), float(r["share"])) for r in rows] == [
        (y["year"], y["count"], y["denominator"], y["share"]) for y in sj["by_year"]
    ]
    # every chart on the page has a CSV link and a table beside it
    for fig in page.locator("figure.chart").all():
        block = fig.locator("xpath=..")
        assert block.get_by_role("link", name="CSV").count() == 1
        assert (
            block.locator("xpath=following-sibling::*[1]").locator("table").count() == 1
            or fig.locator("xpath=ancestor::section").locator("table").count() >= 1
        )


def test_sort_forces_by_link_and_compare_two_forces(page: Any, fixture_server: LiveServer) -> None:
    page.goto(fixture_server.url + "/")
    page.locator("#forces thead").get_by_role("link", name="Count").click()
    page.wait_for_load_state()
    assert query_of(page.url)["sort"] == ["count"] and query_of(page.url)["order"] == ["desc"]
    first = page.locator("#forces tbody tr").first
    assert first.get_attribute("data-force") == "west-midlands"
    assert page.locator('#forces th[aria-sort="descending"]').inner_text().startswith("Count")

    page.goto(fixture_server.url + "/compare")
    page.get_by_label("West Midlands", exact=True).check()
    page.get_by_label("Kent", exact=True).check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_load_state()
    assert query_of(page.url)["force"] == ["kent", "west-midlands"]
    for slug in ("kent", "west-midlands"):
        sj = api(fixture_server, f"/api/story?force={slug}")
        assert page.locator(f'#side-by-side td[data-force="{slug}"][data-col="count"]').inner_text() == number(sj["count"])
    assert page.locator("figure.chart svg[role=img]").count() == 2
    shot(page, "web-compare.png")


def test_offence_page_with_slashes_in_the_code(page: Any, fixture_server: LiveServer) -> None:
    page.goto(fixture_server.url + "/")
    page.get_by_label("Go to an offence").select_option(HOMICIDE)
    page.get_by_role("button", name="Go to offence").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/offence/1/4.1/4.10/4.2"
    view = api(fixture_server, "/api/offence?code=" + HOMICIDE.replace("/", "%2F"))
    assert figure(page, "count") == number(view["national"]["count"]) == "1"
    assert page.locator("#offence-forces tbody tr").count() == len(view["forces"])
    shot(page, "web-offence.png")


def test_markup_in_the_data_shows_as_text_and_runs_nothing(page: Any, fixture_server: LiveServer) -> None:
    for path in ("/force/west-midlands", "/offence/99Z", "/", "/force/west-midlands?outcome=1"):
        page.goto(fixture_server.url + path)
        assert page.evaluate("() => document.querySelectorAll('main script, main b, main i').length") == 0
    page.goto(fixture_server.url + "/force/west-midlands")
    assert page.locator("#offences").get_by_text(MARKUP, exact=True).count() == 1
    page.goto(fixture_server.url + "/offence/99Z")
    assert MARKUP in page.locator("h1").inner_text()
    # the page fixture asserts that no dialog opened and the console stayed clean


def test_keyboard_skip_link_and_visible_focus(page: Any, fixture_server: LiveServer) -> None:
    page.goto(fixture_server.url + "/force/kent")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.evaluate("e => getComputedStyle(e).left") != "-9999px"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    style = focused.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
    assert style[0] == "solid" and style[1] == "3px" and style[2] != "none"
    assert page.locator("h1").count() == 1


# ------------------------------------------------------------------------------ axe-core on every page


PAGES = [
    ("sample", "/", "web-overview"),
    ("sample", "/force/west-midlands", None),
    ("sample", "/offence/11A", None),
    ("sample", "/compare?force=west-midlands&force=durham", None),
    ("sample", "/methodology", "web-methodology"),
    ("sample", "/glossary", "web-glossary"),
    ("sample", "/data", "web-data"),
    ("sample", "/leads", "web-leads"),
    ("sample", "/leads?force=west-midlands&kind=share-of-national", None),
    ("sample", "/changes", None),
    ("fixture", "/", None),
    ("fixture", "/force/west-midlands?from=2016/17&to=2017/18", None),
    ("fixture", "/offence/" + HOMICIDE + "?outcome=1", None),
    ("fixture", "/offence/99Z", None),
    ("fixture", "/compare", None),
    ("fixture", "/leads?from=2016/17&to=2017/18", None),
    ("fixture", "/nowhere", None),
    ("fixture", "/force/kent?outcome=banana", None),
    ("fixture", "/changes", None),
    ("fixture", "/changes?since=July", None),
]


def test_axe_finds_no_violations_on_any_page(browser: Any, axe_source: Path, sample_server: LiveServer, fixture_server: LiveServer) -> None:
    # axe is injected as an inline script, which the app's CSP forbids; this context alone bypasses it
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    p = context.new_page()
    servers = {"sample": sample_server, "fixture": fixture_server}
    report: dict[str, list[str]] = {}
    for which, path, screenshot in PAGES:
        p.goto(servers[which].url + path)
        p.add_script_tag(path=str(axe_source))
        result = p.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})"
        )
        report[f"{which}{path}"] = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}) e.g. {v['nodes'][0]['target']}" for v in result["violations"]
        ]
        assert result["passes"] is not None
        if screenshot and which == "sample" and not (SCREENSHOTS / f"{screenshot}.png").exists():
            shot(p, f"{screenshot}.png")
    context.close()
    assert {k: v for k, v in report.items() if v} == {}
