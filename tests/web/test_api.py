"""The JSON API, the downloads and the safety rules, over real HTTP to a live loopback server.

Expectations come from the library's own story JSON (the API must equal it), from the CLI's
output (byte for byte), and from plain-Python sums over the fixture rows in conftest.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from python_calamine import CalamineWorkbook
from web_support import HOMICIDE, MARKUP, LiveServer, fixture_sum, start_server

from crime_outcomes.analysis.offence import offence
from crime_outcomes.analysis.story import story
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.web.app import CONTENT_SECURITY_POLICY

CLI = [sys.executable, "-m", "crime_outcomes"]


def run_cli(args: list[str], db: Path) -> str:
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(db)}
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(server.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ identity with the CLI


@pytest.mark.slow  # runs the CLI in a subprocess
def test_api_story_is_byte_identical_to_cli_json_on_the_sample(sample_server: LiveServer, empty_db_path: Path) -> None:
    body = get(sample_server, "/api/story?force=West%20Midlands").text
    cli = run_cli(["story", "--force", "West Midlands", "--format", "json"], empty_db_path)
    assert cli == body + "\n"
    data = json.loads(body)
    assert data["force"]["slug"] == "west-midlands" and data["source"]["sample"] is True
    # and equal to the library's own JSON for the same question
    with open_sample_store() as store:
        assert data == json.loads(json.dumps(story(store, force="West Midlands", outcome="8").to_json()))


@pytest.mark.slow  # runs the CLI in a subprocess
def test_api_story_with_view_parameters_matches_cli_on_two_years(fixture_server: LiveServer, two_year_store: Path) -> None:
    body = get(fixture_server, "/api/story?force=kent&outcome=1&from=2016/17&to=2017/18&basis=recorded").text
    cli = run_cli(
        [
            "story",
            "--force",
            "Kent",
            "--outcome",
            "1",
            "--from",
            "2016/17",
            "--to",
            "2017/18",
            "--basis",
            "recorded",
            "--format",
            "json",
            "--db",
            str(two_year_store),
        ],
        two_year_store,
    )
    assert cli == body + "\n"
    data = json.loads(body)
    assert data["count"] == fixture_sum(force="Kent", types=(1,), basis="recorded") == 85
    assert [y["count"] for y in data["by_year"]] == [42, 43]


@pytest.mark.slow  # runs the CLI in a subprocess
def test_api_national_matches_cli_national(fixture_server: LiveServer, two_year_store: Path) -> None:
    body = get(fixture_server, "/api/national?outcome=community-resolution").text
    cli = run_cli(
        ["story", "--national", "--outcome", "community-resolution", "--format", "json", "--db", str(two_year_store)], two_year_store
    )
    assert json.loads(cli) == json.loads(body)
    assert json.loads(body)["national"]["count"] == fixture_sum(types=(8,)) == 52


@pytest.mark.slow  # runs the CLI in a subprocess
def test_api_offence_is_byte_identical_to_cli_json(
    sample_server: LiveServer, fixture_server: LiveServer, empty_db_path: Path, two_year_store: Path
) -> None:
    body = get(sample_server, "/api/offence?code=11A").text
    cli = run_cli(["offence", "11A", "--outcome", "8", "--format", "json"], empty_db_path)
    assert cli == body + "\n"
    data = json.loads(body)
    assert (
        data["national"]["count"] == 725 and data["forces"][0]["force"] == "West Midlands"
    )  # test_offence.py checks these against the extract
    with open_sample_store() as store:
        assert data == json.loads(json.dumps(offence(store, "11A", outcome="8").to_json()))
    # with every view parameter, on the two-year fixture (a code holding '/' and '.')
    query = f"code={quote(HOMICIDE, safe='')}&outcome=charged&from=2016/17&to=2017/18&basis=recorded"
    body = get(fixture_server, f"/api/offence?{query}").text
    args = ["offence", HOMICIDE, "--outcome", "charged", "--from", "2016/17", "--to", "2017/18", "--basis", "recorded", "--format", "json"]
    assert run_cli(args, two_year_store) == body + "\n"
    assert json.loads(body)["national"]["count"] == fixture_sum(code=HOMICIDE, types=(1,), basis="recorded")


@pytest.mark.slow  # runs the CLI in a subprocess
def test_forces_and_outcome_types_mirror_the_cli_lists(sample_server: LiveServer, empty_db_path: Path) -> None:
    forces = get(sample_server, "/api/forces").json()
    cli_forces = json.loads(run_cli(["forces", "--format", "json"], empty_db_path))
    assert [{k: f[k] for k in ("name", "slug", "kind", "country")} for f in forces] == cli_forces
    assert len(forces) == 44 and forces[0]["page"] == "/force/avon-and-somerset"
    types = get(sample_server, "/api/outcome-types").json()
    assert types == json.loads(run_cli(["outcomes", "--format", "json"], empty_db_path))


# ------------------------------------------------------------------------------ figures against hand sums


def test_story_figures_equal_sums_of_the_fixture_rows(fixture_server: LiveServer) -> None:
    data = get(fixture_server, "/api/story?force=west-midlands&outcome=8").json()
    assert data["count"] == fixture_sum(force="West Midlands", types=(8,)) == 36
    assert data["denominator"] == fixture_sum(force="West Midlands", types=(1, 8, 18)) == 228
    assert data["share"] == pytest.approx(36 / 228)
    assert [(y["year"], y["count"], y["denominator"]) for y in data["by_year"]] == [("2016/17", 16, 114), ("2017/18", 20, 114)]
    assert data["rank"]["by_share"] == 1 and data["rank"]["of"] == 2  # Surrey has too few to rank
    codes = {o["code"]: o for o in data["offences"]}
    assert codes["11A"]["count"] == 11 and codes["11A"]["share_of_national"] == 1.0 and codes["11A"]["serious"] is True
    assert codes["99Z"]["description"] == MARKUP


def test_offence_api_counts_forces_and_years(fixture_server: LiveServer) -> None:
    view = get(fixture_server, f"/api/offence?code={quote(HOMICIDE, safe='')}&outcome=1").json()
    assert view["code"] == HOMICIDE and view["description"] == "Homicide"
    assert view["national"] == {"count": 5, "denominator": 6, "share": 5 / 6}
    assert view["national"]["count"] == fixture_sum(code=HOMICIDE, types=(1,))
    assert [(f["force"], f["count"], f["denominator"]) for f in view["forces"]] == [("Surrey", 3, 4), ("Kent", 2, 2)]
    assert [(y["year"], y["count"], y["denominator"]) for y in view["by_year"]] == [("2016/17", 3, 4), ("2017/18", 2, 2)]
    # the national count matches the story's offence breakdown for the same code
    national = get(fixture_server, "/api/national?outcome=1").json()
    assert {o["code"]: o["national_count"] for o in national["offences"]}[HOMICIDE] == 5


def test_offence_codes_with_slashes_and_dots_route_both_ways(fixture_server: LiveServer) -> None:
    plain = get(fixture_server, f"/offence/{HOMICIDE}?outcome=1")
    encoded = get(fixture_server, f"/offence/{quote(HOMICIDE, safe='')}?outcome=1")
    assert plain.status_code == encoded.status_code == 200
    assert "Homicide" in plain.text and plain.text == encoded.text
    offences = get(fixture_server, "/api/offences").json()
    assert {o["code"]: o["page"] for o in offences}[HOMICIDE] == "/offence/1/4.1/4.10/4.2"
    assert get(fixture_server, "/offence/1/4.1/9.99").status_code == 404


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("query", "parameter", "allowed"),
    [
        ("force=kent&outcome=99", "outcome", "community-resolution"),
        ("force=kent&from=2009/10", "from", "2016/17"),
        ("force=kent&to=next%20year", "to", "2017/18"),
        ("force=kent&from=2017/18&to=2016/17", "from", "2016/17"),
        ("force=kent&basis=opened", "basis", "closed"),
        ("force=kent&per=population", "per", "recorded-crime"),
        ("force=kent&per=recorded-crime", "per", "outcomes"),
        ("outcome=8", "force", "west-midlands"),
    ],
)
def test_bad_parameters_get_400_naming_parameter_and_allowed_values(
    fixture_server: LiveServer, query: str, parameter: str, allowed: str
) -> None:
    r = get(fixture_server, f"/api/story?{query}")
    assert r.status_code == 400
    body = r.json()
    assert body["parameter"] == parameter and allowed in body["allowed"]
    assert parameter in body["message"]


def test_unknown_force_and_offence_are_404(fixture_server: LiveServer) -> None:
    r = get(fixture_server, "/api/story?force=gotham")
    assert r.status_code == 404 and "unknown force 'gotham'" in r.json()["message"]
    assert get(fixture_server, "/force/gotham").status_code == 404
    assert get(fixture_server, "/api/offence?code=nope").status_code == 404
    assert get(fixture_server, "/api/story?force=cifas").status_code == 404  # a fraud body, not a force
    # a force that exists but has no rows in this store
    assert get(fixture_server, "/api/story?force=dorset").status_code == 404


def test_pages_answer_bad_parameters_with_a_400_page(fixture_server: LiveServer) -> None:
    r = get(fixture_server, "/force/kent?outcome=banana")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "outcome" in r.text and "community-resolution" in r.text
    assert get(fixture_server, "/?sort=colour").status_code == 400
    assert (
        get(
            fixture_server,
            "/compare?"
            + "&".join(f"force={s}" for s in ["kent", "surrey", "essex", "dorset", "durham", "gwent", "suffolk", "sussex", "cumbria"]),
        ).status_code
        == 400
    )


def test_only_get_and_no_sql(fixture_server: LiveServer) -> None:
    assert httpx.post(fixture_server.url + "/api/story?force=kent", timeout=30).status_code == 405
    schema = get(fixture_server, "/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())
    names = {p["name"] for ops in schema["paths"].values() for p in ops["get"]["parameters"]}
    assert not names & {"sql", "query", "q", "where"}
    # SQL in a parameter is only ever a value
    r = get(fixture_server, "/api/story?force=kent';DROP%20TABLE%20outcomes;--")
    assert r.status_code == 404
    assert get(fixture_server, "/api/story?force=kent").status_code == 200


# ------------------------------------------------------------------------------ safety headers and escaping


def test_security_headers_on_every_kind_of_response(fixture_server: LiveServer) -> None:
    for path in [
        "/",
        "/force/kent",
        "/api/forces",
        "/openapi.json",
        "/static/app.css",
        "/nope",
        "/api/story?force=x",
        "/api/story?force=kent&basis=x",
        "/data/forces.csv",
        "/force/Kent",
    ]:
        r = httpx.get(fixture_server.url + path, timeout=60, follow_redirects=False)
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["x-frame-options"] == "DENY", path
    csp = CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert "img-src 'self' data:" in csp


def test_markup_in_data_is_escaped_everywhere(fixture_server: LiveServer) -> None:
    for path in ["/force/west-midlands", "/offence/99Z", "/", "/data"]:
        html = get(fixture_server, path).text
        assert "<script>" not in html and "<b>bold</b>" not in html and "<i>Miscellaneous</i>" not in html, path
    html = get(fixture_server, "/force/west-midlands").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    # the chart SVG keeps it as text too
    assert "&lt;script&gt;" in get(fixture_server, "/force/west-midlands").text.split("<svg", 1)[1]
    # no page carries inline script or style
    for path in ["/", "/force/kent", "/offence/8N", "/compare?force=kent&force=surrey", "/methodology", "/data"]:
        html = get(fixture_server, path).text
        assert "<script" not in html and " style=" not in html and "<style" not in html, path


def test_host_header_checked_when_served_on_loopback(two_year_store: Path) -> None:
    """A DNS-rebinding page (Host: evil.example) cannot read a loopback server."""
    from crime_outcomes.web import create_app
    from crime_outcomes.web.app import LOOPBACK_HOSTS

    live = start_server(create_app(two_year_store, allowed_hosts=LOOPBACK_HOSTS))
    try:
        assert get(live, "/api/forces").status_code == 200
        assert get(live, "/api/forces", headers={"host": "evil.example"}).status_code == 400
    finally:
        live.stop()


# ------------------------------------------------------------------------------ downloads


def test_csv_download_equals_the_story_json(fixture_server: LiveServer) -> None:
    story_json = get(fixture_server, "/api/story?force=west-midlands&from=2016/17&to=2017/18").json()
    r = get(fixture_server, "/data/force-years.csv?force=west-midlands&outcome=8&from=2016/17&to=2017/18&basis=closed")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="force-years-west-midlands-8-2016-17-2017-18-closed.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [
        (row["year"], int(row["count"]), int(row["denominator"]), float(row["share"]), float(row["national_share"])) for row in rows
    ] == [(y["year"], y["count"], y["denominator"], y["share"], y["national_share"]) for y in story_json["by_year"]]
    offences = list(csv.DictReader(io.StringIO(get(fixture_server, "/data/force-offences.csv?force=west-midlands").text)))
    assert [(o["code"], int(o["count"])) for o in offences] == [(o["code"], o["count"]) for o in story_json["offences"]]
    # a description that a spreadsheet could take for a formula is neutralised; markup stays as text
    assert {o["code"]: o["description"] for o in offences}["99Z"] == MARKUP


def test_xlsx_and_json_downloads_hold_the_same_numbers(fixture_server: LiveServer, tmp_path: Path) -> None:
    table_json = get(fixture_server, "/data/forces.json?outcome=8").json()
    r = get(fixture_server, "/data/forces.xlsx?outcome=8")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "forces.xlsx"
    path.write_bytes(r.content)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header, body = sheet[0], sheet[1:]
    assert header == table_json["columns"]
    by_force = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    for rec in table_json["rows"]:
        assert by_force[rec["force"]]["count"] == rec["count"]
        if rec["share"] is not None:
            assert by_force[rec["force"]]["share"] == pytest.approx(rec["share"])
    assert {r["force"]: r["count"] for r in table_json["rows"]}["West Midlands"] == 36


def test_every_table_downloads_in_every_format(fixture_server: LiveServer) -> None:
    from crime_outcomes.web.api import TABLES

    extra = {
        "force-years": "&force=kent",
        "force-offences": "&force=kent",
        "force-notable": "&force=kent",
        "force-similar": "&force=kent",
        "compare": "&force=kent&force=surrey",
        "offence-forces": "&code=8N",
        "offence-years": "&code=8N",
    }
    for table in TABLES:
        for fmt in ("csv", "xlsx", "json"):
            r = get(fixture_server, f"/data/{table}.{fmt}?outcome=8{extra.get(table, '')}")
            assert r.status_code == 200, (table, fmt, r.text[:200])
            assert len(r.content) > 50
    assert get(fixture_server, "/data/force-years.csv").status_code == 400  # force is required
    assert get(fixture_server, "/data/nothing.csv").status_code == 400
    assert get(fixture_server, "/data/forces.pdf").status_code == 400


def test_served_store_is_read_only(two_year_store: Path) -> None:
    """The app's connection refuses writes: DuckDB opened read-only."""
    from crime_outcomes.web.explorer import Explorer

    ex = Explorer.open(two_year_store)
    try:
        with ex.reading() as store:
            assert store.read_only
            with pytest.raises(Exception, match="read-only"):
                store.con.execute("DELETE FROM outcomes")
    finally:
        ex.close()
    with Store.open(two_year_store, read_only=True) as store:
        assert store.fetchone("SELECT count(*) FROM outcomes")[0] == 32
