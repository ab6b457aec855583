"""Unit tests of the web layer's pieces: query parsing, CSP-safe charts, tables, serve and packs."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from web_support import MARKUP, LiveServer, fixture_sum

from crime_outcomes.cli.serve import is_loopback
from crime_outcomes.web.charts import accessible_svg, bar_chart
from crime_outcomes.web.pages import outcome_options, sorted_forces
from crime_outcomes.web.params import BadParameter, parse_sort, parse_view
from crime_outcomes.web.tables import Table, to_csv

YEARS = ["2015/16", "2016/17", "2017/18"]


# ------------------------------------------------------------------------------ parameters


def test_parse_view_defaults_and_normalisation() -> None:
    view = parse_view({}, YEARS)
    assert (view.outcome, view.types, view.first, view.last, view.basis, view.per) == (
        "8",
        (8,),
        "2015/16",
        "2017/18",
        "closed",
        "outcomes",
    )
    assert view.years == tuple(YEARS)
    view = parse_view({"outcome": "Out-Of-Court", "from": "2016-17", "to": "2016/2017", "basis": "RECORDED"}, YEARS)
    assert view.types == (2, 3, 6, 7, 8, 22) and view.first == view.last == "2016/17" and view.basis == "recorded"
    assert view.query() == "?outcome=out-of-court&from=2016/17&to=2016/17&basis=recorded"
    assert view.query(sort="count", force=["kent", "surrey"]).endswith("&sort=count&force=kent&force=surrey")


@pytest.mark.parametrize(
    ("query", "parameter", "in_message"),
    [
        ({"outcome": "0"}, "outcome", "1-22"),
        ({"outcome": "²"}, "outcome", "unknown outcome"),
        ({"outcome": ""}, "outcome", "empty"),
        ({"from": "2014/15"}, "from", "not loaded"),
        ({"to": "2017/19"}, "to", "not a financial year"),
        ({"from": "2017/18", "to": "2015/16"}, "from", "backwards"),
        ({"basis": "both"}, "basis", "closed, recorded"),
        ({"per": "recorded-crime"}, "per", "police force area table"),
    ],
)
def test_bad_values_name_the_parameter_and_allowed_values(query: dict[str, str], parameter: str, in_message: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_view(query, YEARS)
    assert caught.value.parameter == parameter and in_message in caught.value.message
    assert caught.value.to_json()["allowed"]


def test_per_recorded_crime_allowed_when_the_table_is_loaded() -> None:
    assert parse_view({"per": "recorded-crime"}, YEARS, YEARS).per == "recorded-crime"
    assert parse_view({"per": "recorded-crime", "from": "2017/18"}, YEARS, ["2017/18"]).years == ("2017/18",)


def test_sort_and_outcome_options() -> None:
    assert parse_sort({}) == ("share", "desc")
    assert parse_sort({"sort": "force"}) == ("force", "asc")
    with pytest.raises(BadParameter):
        parse_sort({"order": "sideways"})
    rows = [{"force": "A", "share": None}, {"force": "B", "share": 0.2}, {"force": "C", "share": 0.5}]
    assert [r["force"] for r in sorted_forces(rows, "share", "desc")] == ["C", "B", "A"]
    assert [r["force"] for r in sorted_forces(rows, "share", "asc")] == ["B", "C", "A"]
    # The funnel column sorts by the widened limits' verdict when the rows have one, as it shows.
    verdicts = [
        {"force": "A", "verdict": "below 99.8% limit", "adjusted_verdict": "within limits"},
        {"force": "B", "verdict": "above 99.8% limit", "adjusted_verdict": "above 95% limit"},
        {"force": "C", "verdict": "within limits", "adjusted_verdict": "above 99.8% limit"},
    ]
    assert [r["force"] for r in sorted_forces(verdicts, "verdict", "asc")] == ["C", "B", "A"]
    no_estimate = [{**r, "adjusted_verdict": "no outcomes"} for r in verdicts]
    assert [r["force"] for r in sorted_forces(no_estimate, "verdict", "asc")] == ["B", "C", "A"]
    selected = [v for v, _, s in outcome_options(parse_view({"outcome": "2,3"}, YEARS)) if s]
    assert selected == ["caution"]
    selected = [v for v, _, s in outcome_options(parse_view({"outcome": "community-resolution"}, YEARS)) if s]
    assert selected == ["community-resolution"]
    options = outcome_options(parse_view({"outcome": "1,8"}, YEARS))
    assert options[0] == ("1,8", "Outcome types 1, 8", True)


# ------------------------------------------------------------------------------ charts


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="450.0pt" height="200.0pt" viewBox="0 0 450 200" stroke-linejoin="round">'
    '<text x="1" y="2" font-size="9" text-anchor="end">&lt;b&gt;</text>'
    "</svg>"
)


def test_accessible_svg_names_the_chart_and_scales() -> None:
    out = accessible_svg(SVG, chart_id="c1", title="A <title>", desc="Alt & text")
    root = ElementTree.fromstring(out)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title" and root.get("aria-describedby") == "c1-desc"
    assert root.get("width") is None and root.get("viewBox") == "0 0 450 200"
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "A <title>" and root.find(f"{ns}desc").text == "Alt & text"  # type: ignore[union-attr]


def test_bar_chart_is_plain_svg_with_escaped_labels() -> None:
    chart = bar_chart("b", "Title", [(MARKUP, 3.0), ("Kent", 1.0)], value_text=["3", "1"], alt="Bars: markup 3, Kent 1.")
    svg = str(chart.svg)
    assert "style=" not in svg and "<script>" not in svg
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Kent" in texts and any(t and t.startswith("<script>") for t in texts)
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")][1:]  # type: ignore[arg-type]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.3)


# ------------------------------------------------------------------------------ tables


def test_csv_neutralises_formulas_and_keeps_numbers_exact() -> None:
    table = Table("t", "T", ("name", "n", "share", "flag", "none"), [("=HYPERLINK(1)", 3, 0.1 + 0.2, True, None)])
    assert to_csv(table) == "name,n,share,flag,none\r\n'=HYPERLINK(1),3,0.30000000000000004,true,\r\n"


# ------------------------------------------------------------------------------ serve


def test_is_loopback() -> None:
    assert (
        is_loopback("127.0.0.1") and is_loopback("127.8.9.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    )
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")


@pytest.mark.slow  # runs the CLI in a subprocess
def test_serve_command_binds_loopback_and_answers(two_year_store: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crime_outcomes", "serve", "--db", str(two_year_store), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/story?force=west-midlands", timeout=30)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["count"] == fixture_sum(force="West Midlands", types=(8,))
        assert httpx.get(f"http://127.0.0.1:{port}/", headers={"host": "attacker.example"}, timeout=30).status_code == 400
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout if _has_ss() else ""
        if listening:
            assert re.search(rf"127\.0\.0\.1:{port}\b", listening) and f"0.0.0.0:{port}" not in listening
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert b"crime-outcomes explorer on http://127.0.0.1:" in (proc.stderr.read() if proc.stderr else b"")


def _has_ss() -> bool:
    return any((Path(d) / "ss").exists() for d in os.environ.get("PATH", "").split(os.pathsep))


# ------------------------------------------------------------------------------ packs


def test_force_pack_downloads_as_a_zip_with_the_story_figures(fixture_server: LiveServer) -> None:
    pytest.importorskip("crime_outcomes.outputs.packs")
    r = httpx.get(fixture_server.url + "/data/pack/west-midlands.zip?outcome=8&from=2016/17&to=2017/18", timeout=120)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="pack-west-midlands-8-2016-17-2017-18-closed.zip"' in r.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert {"west-midlands/brief.md", "west-midlands/brief.html", "west-midlands/data.xlsx", "west-midlands/charts/year-series.svg"} <= set(
        names
    )
    brief = zipfile.ZipFile(io.BytesIO(r.content)).read("west-midlands/brief.md").decode()
    assert "36" in brief and "228" in brief
    assert httpx.get(fixture_server.url + "/data/pack/england-and-wales.zip", timeout=120).status_code == 200
    assert httpx.get(fixture_server.url + "/data/pack/gotham.zip", timeout=30).status_code == 404


# ------------------------------------------------------------------------------ warm-up


def test_warm_up_fills_the_cache_with_the_default_views(two_year_store: Path):
    """serve's warm-up computes each default view once; visiting the page afterwards computes nothing."""
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app
    from crime_outcomes.web.pages import warm_default_views

    app = create_app(two_year_store)
    ex = app.state.explorer
    assert warm_default_views(ex, [None, "Kent"]) == 2
    computed = len(ex.cache._data)
    assert computed >= 6  # story, its JSON and the charts, for each of the two views
    with TestClient(app) as client:
        assert client.get("/force/kent").status_code == 200
    assert len(ex.cache._data) == computed
    ex.close()


def test_a_force_page_for_a_new_period_does_not_wait_for_the_leads_scan(two_year_store: Path):
    """The default period's leads are found before the page answers; another period's page answers at once, says the
    leads are still being found, and shows them once the background scan has finished."""
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app
    from crime_outcomes.web.params import parse_view

    app = create_app(two_year_store)
    ex = app.state.explorer
    with TestClient(app) as client:
        default = client.get("/force/kent").text
        assert "are still being found" not in default and 'id="top-leads-heading"' in default
        path = "/force/kent?from=2016/17&to=2016/17"
        first = client.get(path).text
        assert "leads for Kent Police, 2016/17, are still being found" in first
        ex.leads(parse_view({"from": "2016/17", "to": "2016/17"}, ex.years, ex.recorded_crime_years))  # waits for the scan
        again = client.get(path).text
        assert "are still being found" not in again
        assert "passes the tests for a lead" in again or "leads for Kent Police</a>" in again
    ex.close()


def test_warm_up_compiles_every_page_template() -> None:
    from crime_outcomes.web.pages import ENV, compile_templates

    ENV.cache.clear()  # type: ignore[union-attr]
    compile_templates()
    names = {t for t in ENV.list_templates() if t.endswith(".html")}
    assert {"force.html", "overview.html", "offence.html", "embed.html"} <= names
    assert {key[1] for key in ENV.cache} == names  # type: ignore[union-attr]  # (loader, name) keys
