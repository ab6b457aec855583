"""/changes and /api/changes: the JSON equals `crime-outcomes changes --format json`, the page says what it says.

Expectations are plain-Python sums over the fixture rows (``web_support.ROWS``); the revised
store is the fixture's 2017/18 file republished in a later edition with one figure changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from web_support import LiveServer, fixture_sum, write_year_csv

from crime_outcomes.pipeline import ingest
from crime_outcomes.store import Store

CLI = [sys.executable, "-m", "crime_outcomes"]


def cli_json(db: Path, *args: str) -> str:
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(db)}
    return subprocess.run(
        [*CLI, "changes", "--format", "json", *args], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout


@pytest.fixture(scope="module")
def revised_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2017/18 loaded from the fixture's 1 July 2019 file, then republished on 1 October 2019 with
    Kent's charges for 8N up from 35 to 38 (both bases)."""
    folder = tmp_path_factory.mktemp("revised")
    first = write_year_csv(folder, "2017/18")
    text = first.read_text(encoding="utf-8")
    row = "2017/18,1,Kent,"
    lines = [ln for ln in text.splitlines() if ln.startswith(row) and ",8N," in ln and ln.endswith(",1,35,35")]
    assert len(lines) == 1
    second = folder / first.name.replace("010719", "011019")
    second.write_text(text.replace(lines[0], lines[0].removesuffix(",35,35") + ",38,38"), encoding="utf-8")
    db = folder / "revised.duckdb"
    with Store.open(db) as store:
        ingest(store, [first])
        ingest(store, [second])
    return db


@pytest.mark.slow
def test_api_changes_is_byte_identical_to_cli_json(fixture_server: LiveServer, two_year_store: Path) -> None:
    body = httpx.get(fixture_server.url + "/api/changes", timeout=60).text
    assert cli_json(two_year_store, "--db", str(two_year_store)) == body + "\n"
    data = json.loads(body)
    (edition,) = data["editions"]  # both fixture files carry the edition date 010719
    assert (edition["edition"], edition["new_years"], edition["revised_years"], edition["revisions"]) == (
        "2019-07-01",
        ["2016/17", "2017/18"],
        [],
        [],
    )
    assert edition["leads"]["known"] is False  # the fixture was loaded without the pipeline, so no lead snapshots
    later = edition["national"][1]
    everything = fixture_sum(year="2017/18", types=tuple(range(1, 23)))
    assert (later["year"], later["previous_year"], later["outcomes"]) == ("2017/18", "2016/17", everything)
    cr = next(g for g in later["groups"] if g["group"] == "community-resolution")
    assert cr["count"] == fixture_sum(year="2017/18", types=(8,)) and cr["share"] == cr["count"] / everything
    assert cr["previous_share"] == fixture_sum(year="2016/17", types=(8,)) / fixture_sum(year="2016/17", types=tuple(range(1, 23)))


@pytest.mark.slow
def test_a_bad_since_is_a_400_naming_it(fixture_server: LiveServer) -> None:
    api = httpx.get(fixture_server.url + "/api/changes?since=July", timeout=60)
    assert api.status_code == 400 and api.json()["parameter"] == "since"
    page = httpx.get(fixture_server.url + "/changes?since=July", timeout=60)
    assert page.status_code == 400 and "expected an edition date like 2019-07-17" in page.text
    assert json.loads(httpx.get(fixture_server.url + "/api/changes?since=2019-07-01", timeout=60).text)["editions"] == []


@pytest.mark.slow
def test_the_changes_page_lists_the_revised_figure_and_the_new_leads(revised_store: Path) -> None:
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app

    with TestClient(create_app(revised_store)) as client:
        page = client.get("/changes").text
        api = client.get("/api/changes").json()
    assert cli_json(revised_store, "--db", str(revised_store)) == json.dumps(api, indent=2, ensure_ascii=False) + "\n"
    october, july = api["editions"][1], api["editions"][0]
    assert (july["new_years"], october["new_years"], october["revised_years"]) == (["2017/18"], [], ["2017/18"])
    assert [(r["force"]["name"], r["year"], r["outcome_type"], r["basis"], r["old"], r["new"]) for r in october["revisions"]] == [
        ("Kent", "2017/18", 1, "closed", 35 + 8, 38 + 8),
        ("Kent", "2017/18", 1, "recorded", 35 + 8, 38 + 8),
    ]
    assert october["leads"]["known"] is True and july["leads"]["known"] is True
    # Newest first on the page, with the revised figures as a table row linked to the force.
    assert page.index("1 October 2019 edition") < page.index("1 July 2019 edition")
    assert '<a href="/force/kent">Kent Police</a></th><td>2017/18</td>' in page
    assert '<td class="num">43</td><td class="num">46</td><td class="num">+3</td>' in page
    assert "Revised: 2017/18, charges and summonses (type 1), closed basis: 43 to 46 (+3)." in page
