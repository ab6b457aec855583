"""Embeddable charts: /embed/ pages framed by another site, their static files, and the code each chart offers.

The framing test serves a page from another origin (a second loopback port) holding iframes of
an embed page and of an ordinary page: Chromium must draw the embed's chart and refuse the
ordinary page, whose frame ban is unchanged.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_support import LiveServer, fixture_sum

from crime_outcomes.web.app import EMBED_HEADERS, SECURITY_HEADERS


def get(server: LiveServer, path: str) -> httpx.Response:
    return httpx.get(server.url + path, timeout=60)


def test_only_embed_paths_may_be_framed(fixture_server: LiveServer) -> None:
    embed = get(fixture_server, "/embed/west-midlands/year-series?outcome=8")
    assert embed.status_code == 200
    assert "x-frame-options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert embed.headers["content-security-policy"] == EMBED_HEADERS["Content-Security-Policy"]
    page = get(fixture_server, "/force/west-midlands?outcome=8")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in embed.headers["content-security-policy"]  # the rest of the policy is unchanged


def test_embed_page_has_the_chart_and_its_numbers_without_site_chrome(fixture_server: LiveServer) -> None:
    body = get(fixture_server, "/embed/west-midlands/year-series?outcome=8&from=2016/17&to=2017/18").text
    assert body.count("<svg") == 1 and 'class="chart"' in body
    assert "<nav" not in body and "<form" not in body and "site-header" not in body
    # the year table's counts are the fixture's sums (8 = community resolution)
    for year in ("2016/17", "2017/18"):
        row = re.search(rf'<tr data-year="{year}">(.*?)</tr>', body, re.S)
        assert row is not None
        count = re.search(r'data-col="count">([\d,]+)<', row.group(1))
        assert count is not None and int(count.group(1).replace(",", "")) == fixture_sum(year=year, force="West Midlands", types=(8,))
    assert "Open Government Licence" in body


def test_static_files_are_the_packs_charts(fixture_server: LiveServer) -> None:
    svg = get(fixture_server, "/embed/west-midlands/year-series.svg?outcome=8")
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.lstrip().startswith("<svg")
    assert svg.headers["cross-origin-resource-policy"] == "cross-origin"
    png = get(fixture_server, "/embed/england-and-wales/funnel.png?outcome=8")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    offence = get(fixture_server, "/embed/offence/forces.svg?code=8N&outcome=8")
    assert offence.headers["content-type"].startswith("image/svg+xml") and "West Midlands" in offence.text
    assert get(fixture_server, "/embed/west-midlands/pie").status_code == 404
    assert get(fixture_server, "/embed/gotham/funnel").status_code == 404
    assert get(fixture_server, "/embed/west-midlands/funnel.gif").status_code == 404


def test_every_chart_on_a_page_offers_its_iframe_code(fixture_server: LiveServer) -> None:
    body = get(fixture_server, "/force/kent?outcome=8").text
    codes = re.findall(r'<textarea id="([^"]+)-embed-code"[^>]*>(.*?)</textarea>', body, re.S)
    charts = re.findall(r'<figure class="chart" aria-labelledby="([^"]+)-caption"', body)
    assert charts and [c for c, _ in codes] == charts
    snippet = html.unescape(dict(codes)["kent-year-series"])
    assert snippet.startswith(f'<iframe src="{fixture_server.url}/embed/kent/year-series?outcome=8&amp;')
    src = html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))  # type: ignore[union-attr]
    assert httpx.get(src, timeout=60).status_code == 200


@pytest.fixture()
def other_origin(fixture_server: LiveServer) -> Iterator[str]:
    """A page on another origin framing an embed page and an ordinary page of the app."""
    page = (
        "<!doctype html><html><head><title>A local news site</title></head><body>"
        f'<iframe id="embed" src="{fixture_server.url}/embed/west-midlands/year-series?outcome=8" width="640" height="600"></iframe>'
        f'<iframe id="page" src="{fixture_server.url}/force/west-midlands?outcome=8" width="640" height="300"></iframe>'
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.slow
def test_an_embed_framed_by_another_site_draws_its_chart(
    browser: Any, other_origin: str, axe_source: Path, fixture_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 1000})
    page = context.new_page()
    page.goto(other_origin)
    embed = page.frame_locator("#embed")
    chart = embed.locator("svg.chart")
    chart.wait_for(state="visible", timeout=30000)
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert embed.locator("svg.chart text").count() > 5  # the chart is drawn, labels and all
    assert "West Midlands" in (embed.locator("svg.chart").text_content() or "")
    # the ordinary page keeps its frame ban: Chromium shows nothing of it
    blocked = page.frame_locator("#page")
    page.wait_for_timeout(500)
    assert blocked.locator("main").count() == 0
    context.close()
    # and the embed pages, on their own, pass axe like every other page
    context = browser.new_context(viewport={"width": 640, "height": 800}, bypass_csp=True)
    p = context.new_page()
    found = {}
    for path in ("/embed/west-midlands/year-series?outcome=8", "/embed/england-and-wales/funnel", "/embed/offence/forces?code=8N"):
        p.goto(fixture_server.url + path)
        p.add_script_tag(path=str(axe_source))
        result = p.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})"
        )
        found[path] = [f"{v['id']}: {v['help']}" for v in result["violations"]]
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_a_downloaded_pack_holds_the_iframe_code_of_its_charts(fixture_server: LiveServer) -> None:
    import io
    import zipfile

    r = get(fixture_server, "/data/pack/west-midlands.zip?outcome=8&from=2016/17&to=2017/18")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        text = zf.read("west-midlands/charts/embed.md").decode("utf-8")
        alt = zf.read("west-midlands/charts/alt-text.json").decode("utf-8")
    srcs = re.findall(r'<iframe src="([^"]+)"', text)
    assert len(srcs) == alt.count('"svg"')  # one code per chart the pack draws
    for src in srcs:
        url = html.unescape(src)
        assert url.startswith(fixture_server.url + "/embed/west-midlands/") and "from=2016/17" in url
        assert httpx.get(url, timeout=60).status_code == 200
