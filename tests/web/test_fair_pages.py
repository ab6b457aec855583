"""Fair comparisons on the web: the force page's similar forces, expected count and ratio chart; the download."""

from __future__ import annotations

import csv
import io
import json

from web_support import LiveServer

from crime_outcomes.analysis.fair import READER_NOTES


def _get(server: LiveServer, path: str) -> str:
    import httpx

    r = httpx.get(server.url + path, timeout=120)
    assert r.status_code == 200, (path, r.text[:300])
    return r.text


def test_force_page_shows_similar_forces_expected_and_ratio_chart(sample_server: LiveServer) -> None:
    story = json.loads(_get(sample_server, "/api/story?force=west-midlands&outcome=8"))
    html = _get(sample_server, "/force/west-midlands?outcome=8")
    assert 'data-figure="adjusted-verdict">within limits<' in html
    assert 'data-figure="expected">4,436<' in html and f"{story['standardised']['ratio']:.2f}" in html
    assert "Forces most like it" in html and "West Midlands (this force)" in html
    for f in story["similar"]["forces"]:
        assert f">{f['force']}</a>" in html
    assert "Actual ÷ expected" in html  # the ratio chart
    assert "99.8%, chance alone" in html  # the funnel's faint binomial limits
    for key in ("funnel", "standardised", "similar"):
        assert READER_NOTES[key].replace("'", "&#39;")[:80] in html


def test_drivers_table_for_a_group(sample_server: LiveServer) -> None:
    html = _get(sample_server, "/force/dyfed-powys?outcome=out-of-court")
    assert "What makes up the group" in html and "Possession of controlled drugs (Cannabis) (541)" in html


def test_similar_download_equals_the_story_json(sample_server: LiveServer) -> None:
    story = json.loads(_get(sample_server, "/api/story?force=kent&outcome=8"))
    rows = list(csv.DictReader(io.StringIO(_get(sample_server, "/data/force-similar.csv?outcome=8&force=kent"))))
    assert rows[0]["force"] == "Kent" and rows[0]["this_force"] in ("True", "true", "TRUE")
    assert [r["force"] for r in rows[1:]] == [f["force"] for f in story["similar"]["forces"]]
    assert [int(r["count"]) for r in rows[1:]] == [f["count"] for f in story["similar"]["forces"]]


def test_methodology_page_explains_the_fair_comparisons(sample_server: LiveServer) -> None:
    html = _get(sample_server, "/methodology")
    assert "Comparing like with like" in html and "overdispersion" in html
