"""Small things readers hit: one y-scale on the compare page, offence codes in any case, error pages in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from web_support import LiveServer

from crime_outcomes.errors import StoreError
from crime_outcomes.web.app import reader_words


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(server.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]


def y_ticks(svg: str) -> list[float]:
    """The y-axis tick labels of a page's chart (``outputs.light_charts`` marks them ``class="ytick"``), as fractions."""
    labels = re.findall(r'<text[^>]*class="ytick"[^>]*>([^<]*)</text>', svg)
    return [float(t.rstrip("%")) / 100 for t in labels]


def test_compared_forces_share_one_y_scale(sample_server: LiveServer) -> None:
    slugs = ("west-midlands", "durham")
    stories = [get(sample_server, f"/api/story?force={s}").json() for s in slugs]
    shares = [s["share"] for s in stories]
    assert shares[1] > 2 * shares[0]  # Durham's share is far above West Midlands': the case where own scales mislead
    body = get(sample_server, "/compare?force=west-midlands&force=durham").text
    section = body[body.index('id="charts-heading"') :]
    svgs = re.findall(r"<svg.*?</svg>", section, re.S)
    assert len(svgs) == 2
    ticks = [y_ticks(svg) for svg in svgs]
    assert ticks[0] and ticks[0] == ticks[1]
    assert max(ticks[0]) >= max(shares)  # West Midlands' chart reaches Durham's share too
    assert "share one scale" in body


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("11a", "11A"), ("99z", "99Z"), ("8n", "8N")],
)
def test_offence_codes_in_any_case_redirect_to_the_published_code(fixture_server: LiveServer, typed: str, canonical: str) -> None:
    r = get(fixture_server, f"/offence/{typed}?outcome=1&from=2016/17")
    assert r.status_code == 308
    assert r.headers["location"] == f"/offence/{canonical}?outcome=1&from=2016/17&to=2017/18&basis=closed"
    assert get(fixture_server, r.headers["location"]).status_code == 200
    picked = get(fixture_server, f"/offence?code={typed}")
    assert picked.status_code == 303 and picked.headers["location"].startswith(f"/offence/{canonical}?")
    assert get(fixture_server, f"/embed/offence/years?code={typed}").status_code == 200


def test_an_unknown_code_in_any_case_is_still_not_found(fixture_server: LiveServer) -> None:
    assert get(fixture_server, "/offence/zz9").status_code == 404
    assert get(fixture_server, "/offence/11A").status_code == 200


CLI_TRACES = re.compile(r"crime-outcomes [a-z]|`|--[a-z]|/api/")


def main_text(body: str) -> str:
    main = re.search(r"<main.*?</main>", body, re.S)
    assert main is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0)))


@pytest.mark.parametrize("path", ["/force/gotham", "/force/westmidland", "/offence/ZZ9", "/nowhere", "/force/action-fraud"])
def test_error_pages_speak_to_readers(fixture_server: LiveServer, path: str) -> None:
    r = get(fixture_server, path)
    assert r.status_code == 404
    text = main_text(r.text)
    assert not CLI_TRACES.search(text), text
    assert "start again from the overview" in text


def test_a_store_error_page_speaks_to_readers(two_year_store: Path) -> None:
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app

    app = create_app(two_year_store)
    explorer = app.state.live.current

    def broken(*args: object, **kwargs: object) -> object:
        raise StoreError("no store at /srv/x.duckdb: load data first with `crime-outcomes ingest FILE` or `crime-outcomes update`")

    explorer.story_json = broken
    try:
        with TestClient(app) as client:
            page = client.get("/force/kent")
            api = client.get("/api/story?force=kent")
    finally:
        app.state.live.close()
    assert page.status_code == 503 and api.status_code == 503
    text = main_text(page.text)
    assert not CLI_TRACES.search(text) and "/srv/" not in text, text
    assert "try again in a few minutes" in text
    assert "crime-outcomes ingest" in api.json()["message"]  # the API keeps the technical message for developers


def test_reader_words_drop_commands_but_keep_the_finding() -> None:
    assert (
        reader_words("unknown force 'x'; did you mean Kent? (`crime-outcomes forces` lists every force)", "-")
        == "Unknown force 'x'; did you mean Kent?"
    )
    assert reader_words("the store holds no outcomes: load files with `crime-outcomes ingest`", "-") == "The store holds no outcomes."
    assert (
        reader_words("offence code 'Z' is not in the store (see /api/offences for the codes it holds)", "-")
        == "Offence code 'Z' is not in the store."
    )
    assert reader_words("`crime-outcomes migrate` first", "fallback") == "fallback"
