"""/leads, a force page's top leads and /api/leads, over HTTP against the real 2017/18 sample.

Expectations come from the library's ``leads()`` (the page and the API must show exactly its
leads, in its order) and, for the West Midlands child-cruelty lead, from plain sums over the
real extract (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from web_support import LiveServer

from crime_outcomes.analysis.leads import KINDS, leads
from crime_outcomes.sample import open_sample_store
from crime_outcomes.text import number
from crime_outcomes.web.api import dumps

pytestmark = pytest.mark.slow  # a scan for leads on the sample takes a few seconds

WM = "West Midlands"


@pytest.fixture(scope="module")
def sample_leads() -> Any:
    """Every force's leads on the sample, from the library (what the pages must show)."""
    with open_sample_store() as store:
        return leads(store)


def get(server: LiveServer, path: str) -> httpx.Response:
    return httpx.get(server.url + path, timeout=120)


def keys_on(html: str) -> list[str]:
    """The leads a page lists, in order, by their keys."""
    return [unescape(k) for k in re.findall(r'<li class="lead" data-key="([^"]+)"', html)]


def lead_block(html: str, key: str) -> str:
    start = html.index(f'data-key="{key}"')
    return html[start : html.index("</li>\n", html.index('class="lead-cli"', start))]


def test_api_leads_is_the_library_json(sample_server: LiveServer) -> None:
    body = get(sample_server, "/api/leads?force=west-midlands&outcome=community-resolution&top=3").text
    with open_sample_store() as store:
        expected = leads(store, force=WM, outcome="community-resolution", top=3).to_json()
    assert body == dumps(expected)  # the same text the CLI prints (it adds a final newline)
    data = json.loads(body)
    assert data["force"] == WM and data["top"] == 3 and len(data["leads"]) <= 3


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", []),
        (
            "?force=West%20Midlands&outcome=community-resolution&outcome=caution&top=4",
            ["--force", WM, "-o", "community-resolution", "-o", "caution", "--top", "4"],
        ),
        (
            "?outcome=8&from=2017/18&to=2017/18&basis=recorded",
            ["--outcome", "8", "--from", "2017/18", "--to", "2017/18", "--basis", "recorded"],
        ),
    ],
)
def test_api_leads_is_byte_identical_to_the_cli_json(sample_server: LiveServer, empty_db_path: Path, query: str, args: list[str]) -> None:
    body = get(sample_server, "/api/leads" + query).text
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(empty_db_path)}
    cli = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "leads", *args, "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert cli == body + "\n"


def test_leads_page_lists_the_librarys_leads_in_score_order(sample_server: LiveServer, sample_leads: Any) -> None:
    html = get(sample_server, "/leads").text
    every = [lead.key for lead in sample_leads.leads]
    assert keys_on(html) == every[:50]
    assert f"{number(len(every))} leads; this page shows 1 to 50." in html
    second = get(sample_server, "/leads?page=2").text
    assert keys_on(second) == every[50:100] and '<ol class="leads" start="51">' in second
    assert 'rel="prev"' in second and 'rel="next"' in second


@pytest.mark.parametrize(
    "query",
    ["force=west-midlands", "outcome=community-resolution", "kind=share-of-national", "force=essex&kind=outside-limits&outcome=all"],
)
def test_filters_keep_exactly_the_matching_leads(sample_server: LiveServer, sample_leads: Any, query: str) -> None:
    wanted = {k: v[0] for k, v in parse_qs(query).items() if v[0] != "all"}
    expected = [
        lead.key
        for lead in sample_leads.leads
        if lead.force.slug == wanted.get("force", lead.force.slug)
        and lead.outcome.selector == wanted.get("outcome", lead.outcome.selector)
        and lead.kind == wanted.get("kind", lead.kind)
    ]
    html = get(sample_server, "/leads?" + query).text
    assert expected and keys_on(html) == expected[:50]
    for value in wanted.values():
        assert re.search(rf'<option value="{re.escape(value)}" selected>', html)


def test_the_west_midlands_child_cruelty_lead_links_to_its_figures(sample_server: LiveServer, extract_sums: Any) -> None:
    """604 of 725 community resolutions for cruelty to children (11A): summed from the CSV, shown and linked."""
    wm = extract_sums.force_code_type_closed[(WM, "11A", 8)]
    national = sum(v for (_, code, t), v in extract_sums.force_code_type_closed.items() if code == "11A" and t == 8)
    assert (wm, national) == (604, 725)
    html = get(sample_server, "/leads?force=west-midlands&outcome=community-resolution").text
    key = "share-of-national|west-midlands|community-resolution|11A"
    assert keys_on(html)[0] == key
    block = lead_block(html, key)
    assert f"({number(wm)} of {number(national)})" in block
    links = [unescape(h) for h in re.findall(r'href="([^"]+)"', block)]
    force_link = next(h for h in links if h.startswith("/force/"))
    offence_link = next(h for h in links if h.startswith("/offence/"))
    assert urlsplit(force_link).path == "/force/west-midlands"
    view = {"outcome": ["community-resolution"], "from": ["2017/18"], "to": ["2017/18"], "basis": ["closed"]}
    assert parse_qs(urlsplit(force_link).query) == view
    assert urlsplit(offence_link).path == "/offence/11A" and parse_qs(urlsplit(offence_link).query) == view
    page = get(sample_server, offence_link)
    assert page.status_code == 200 and number(national) in page.text and number(wm) in page.text
    assert get(sample_server, force_link).status_code == 200


def test_force_page_shows_its_top_leads(sample_server: LiveServer, sample_leads: Any) -> None:
    html = get(sample_server, "/force/west-midlands").text
    mine = [lead for lead in sample_leads.leads if lead.force.name == WM]
    section = html[html.index('id="top-leads-heading"') : html.index('id="trend-heading"')]
    assert keys_on(section) == [lead.key for lead in mine[:5]]
    for lead in mine[:5]:
        assert unescape(lead.look.web) in unescape(section) and lead.sentence in unescape(section)
    assert f"All {number(len(mine))} leads for West Midlands Police" in section
    assert 'href="/leads?from=2017/18&amp;to=2017/18&amp;force=west-midlands"' in section


def test_bad_filters_get_a_400_page_naming_the_parameter(sample_server: LiveServer) -> None:
    r = get(sample_server, "/leads?kind=scandal")
    assert r.status_code == 400 and "kind" in r.text and "share-of-national" in r.text
    assert get(sample_server, "/leads?outcome=5").status_code == 400  # not one of the selections scanned
    assert get(sample_server, "/leads?page=999").status_code == 400
    assert get(sample_server, "/leads?force=atlantis").status_code == 404
    bad = get(sample_server, "/api/leads?top=0")
    assert bad.status_code == 400 and bad.json()["parameter"] == "top"
    assert get(sample_server, "/api/leads?force=atlantis").status_code == 404


def test_leads_are_in_the_openapi_schema_and_the_navigation(sample_server: LiveServer) -> None:
    schema = get(sample_server, "/openapi.json").json()
    api = schema["paths"]["/api/leads"]["get"]
    assert {p["name"] for p in api["parameters"]} == {"force", "outcome", "from", "to", "basis", "top"}
    body = api["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["leads"]["items"]["properties"]["kind"]["enum"] == list(KINDS)
    assert "/leads" in schema["paths"]
    assert '<a href="/leads?' in get(sample_server, "/").text
