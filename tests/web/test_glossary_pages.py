"""The glossary page, the links to it wherever a selection is named, known breaks on the pages, and
the methodology written for readers (with the developers' definitions kept at the end)."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import pytest

from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019
from crime_outcomes.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def _client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return _client(tmp_path_factory.mktemp("none") / "none.duckdb")  # no store: the bundled sample


def test_glossary_page_explains_every_type_with_sources(sample: TestClient) -> None:
    page = sample.get("/glossary")
    assert page.status_code == 200
    html = page.text
    for t in range(23):
        assert f'id="type-{t}"' in html
    cr = re.search(r'<article class="glossary-entry" id="type-8".*?</article>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "A community resolution is an informal way of dealing with a less serious offence" in cr
    assert "<dt>Is it a conviction?</dt><dd>No.</dd>" in cr
    assert 'href="https://news.npcc.police.uk/releases/response-to-media-reporting-of-police-use-of-community-resolutions"' in cr
    pnd = re.search(r'<article class="glossary-entry" id="type-6".*?</article>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "not confirmed by a listed source" in pnd
    assert 'id="group-out-of-court"' in html
    assert re.search(r'<a href="/glossary[?"]', html)  # in the navigation


def test_pages_link_the_selection_to_the_glossary(sample: TestClient) -> None:
    force = sample.get("/force/kent").text
    assert '<a href="/glossary#type-8">More on community resolutions' in force
    assert '<p class="definition">A community resolution is an informal way' in force
    overview = sample.get("/?outcome=out-of-court").text
    assert 'href="/glossary#group-out-of-court"' in overview
    methodology = sample.get("/methodology").text
    assert '<a href="/glossary#type-8">8</a>' in methodology


def test_force_page_prints_every_percentage_at_the_story_precision(sample: TestClient) -> None:
    html = sample.get("/force/kent").text
    # Kent 2017/18: 2,204 of 175,124 (1.26%), interval 1.21% to 1.31%, 39th highest of 43 by share.
    assert 'data-figure="share">1.3%<' in html
    assert 'data-figure="ci95">1.2% to 1.3%<' in html
    assert 'data-figure="rank-share">5th lowest of 43<' in html


def test_methodology_is_written_for_readers(sample: TestClient) -> None:
    html = sample.get("/methodology").text
    readers = html.split('id="how-heading"', 1)[1].split("</section>", 1)[0]
    assert "<dt>What is counted</dt>" in readers and "<dt>Rank</dt>" in readers
    assert not any(term in readers for term in ("per=&#39;", "flagged_small", "{name:", "p0 ±"))
    developers = html.split('id="definitions-heading"', 1)[1]
    assert "For developers" in html.split('id="definitions-heading"', 1)[1][:80]
    assert "flagged_small" in developers  # the exact definitions are kept, at the end


def test_known_break_shown_beside_the_figures(tmp_path: Path) -> None:
    path = tmp_path / "gm.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(HEADERS_2019))
        w.writeheader()
        for force, n in (("Greater Manchester", 12), ("Kent", 20)):
            for otype, value, desc in (
                (8, n, ("Community Resolution", "Out-of-court (informal)")),
                (1, 200, ("Charged/Summonsed", "Charged/Summonsed")),
            ):
                w.writerow(
                    {
                        "Financial Year": "2019/20",
                        "Financial Quarter": 1,
                        "Force Name": force,
                        "Offence Description": "Shoplifting",
                        "Offence Group": "Theft offences",
                        "Offence Subgroup": "Shoplifting",
                        "Offence Code": "46",
                        "Offence Code Expired": "",
                        "Outcome Description": desc[0],
                        "Outcome Group": desc[1],
                        "Outcome Type": otype,
                        "Force outcomes for offences recorded in quarter": value,
                        "Force outcomes recorded in quarter": value,
                    }
                )
    with Store.open(tmp_path / "gm.duckdb") as store:
        ingest_file(store, path)
    client = _client(tmp_path / "gm.duckdb")
    gmp = client.get("/force/greater-manchester").text
    assert '<h2 id="breaks-heading">Known breaks in the data</h2>' in gmp
    assert "Greater Manchester could not supply data from July 2019" in gmp
    assert re.search(r'<th scope="row">2019/20 <a href="#breaks-heading" class="break-mark"', gmp)
    kent = client.get("/force/kent").text
    assert "Greater Manchester could not supply data from July 2019" in kent and "(This affects the England and Wales figures.)" in kent
    # In the all-forces table the break is marked on Greater Manchester's row, not Kent's.
    assert re.search(
        r'<tr data-force="greater-manchester"[^>]*>\s*<th scope="row"><a [^>]*>Greater Manchester</a> <a href="#breaks-heading" class="break-mark"',
        kent,
    )
    assert not re.search(r'<tr data-force="kent"[^>]*>\s*<th scope="row"><a [^>]*>Kent</a> <a href="#breaks-heading"', kent)
    api = client.get("/api/story?force=greater-manchester").json()
    assert [a["id"] for a in api["annotations"]] == ["greater-manchester-2019-systems"]


def test_tables_on_a_page_use_the_story_precision(sample: TestClient) -> None:
    # Gloucestershire's penalty notices, 2017/18: 0.28% against 0.28% nationally at two places, so the story
    # prints two places throughout, tables included.
    sj = sample.get("/api/story?force=gloucestershire&outcome=penalty-notice").json()
    assert sj["percent_places"] == 2
    html = sample.get("/force/gloucestershire?outcome=penalty-notice").text
    for table_id in ("years", "forces", "offences"):
        table = re.search(rf'<table id="{table_id}">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
        printed = re.findall(r">(?:less than )?-?\d[\d,]*(\.\d+)?%<", table) + re.findall(r">(?:less than )?-?\d[\d,]*(\.\d+)?% to ", table)
        assert printed and all(len(p) == 3 for p in printed), (table_id, printed[:10])
