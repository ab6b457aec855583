"""Discovery: the Content API listing, the landing-page fallback and the classification."""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING

import pytest

from crime_outcomes.errors import NetworkError
from crime_outcomes.sources.discover import (
    DEFAULT_GOVUK_BASE,
    GOVUK_BASE_ENV,
    PUBLICATION_PATH,
    Attachment,
    classify,
    discover,
    edition_from_filename,
    govuk_base,
    parse_content_api,
    parse_landing_page,
    parse_years,
)
from crime_outcomes.sources.download import USER_AGENT, RetryPolicy

if TYPE_CHECKING:
    from tests.sources.conftest import FixtureServer, Publication

API_PATH = "/api/content" + PUBLICATION_PATH


def _att(title: str, filename: str, **kw: object) -> Attachment:
    return Attachment(title=title, filename=filename, url=f"https://assets.example/media/{'a' * 24}/{filename}", **kw)  # type: ignore[arg-type]


def test_content_api_lists_and_classifies_every_attachment(
    server: FixtureServer, publication: Publication, fast_retry: RetryPolicy
) -> None:
    found = discover(server.url, retry=fast_retry)

    assert found.via == "content-api"
    assert found.listing_url == server.url + API_PATH
    by_name = {c.attachment.filename: c for c in found.items}
    for title, filename, kind, year, reason in publication.expected:
        item = by_name[filename]
        assert item.kind == kind, filename
        assert item.attachment.title == title
        if kind == "outcomes":
            assert item.financial_year == year
            assert item.reason is None
        if kind == "passed_over":
            assert reason is not None and reason in (item.reason or ""), (filename, item.reason)
    # Sizes and URLs come from the API as given (here: the local asset host).
    outcomes_2026 = by_name["prc-outcomes-open-data-mar2026-tables-160726.xlsx"]
    assert outcomes_2026.edition == date(2026, 7, 16)
    assert outcomes_2026.attachment.file_size == len(publication.bodies[outcomes_2026.attachment.filename])
    assert outcomes_2026.attachment.url.startswith(server.url + "/media/")
    assert by_name["prc-outcomes-open-data-mar2018-tables.ods"].edition is None
    assert found.offered_years == ["2014/15", "2015/16", "2017/18", "2025/26"]
    # The html attachment (a user guide page) is listed but not downloadable.
    guide = next(c for c in found.items if c.attachment.attachment_type == "html")
    assert guide.kind == "passed_over" and "not a downloadable file" in (guide.reason or "")


def test_discovery_names_the_tool_in_its_user_agent(server: FixtureServer, publication: Publication, fast_retry: RetryPolicy) -> None:
    discover(server.url, retry=fast_retry)
    assert server.hits_to(API_PATH)[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("crime-outcomes/") and "+https://github.com/crime-outcomes" in USER_AGENT


def test_wanted_takes_the_asked_years_and_the_pfa_table(server: FixtureServer, publication: Publication, fast_retry: RetryPolicy) -> None:
    found = discover(server.url, retry=fast_retry)

    wanted = found.wanted(["2015/16", "2017/18", "2019/20"])
    assert sorted(c.label for c in wanted) == ["PFA recorded crime", "outcomes 2015/16", "outcomes 2017/18"]
    assert found.missing_years(["2015/16", "2019/20"]) == ["2019/20"]
    assert len(found.wanted()) == 5
    assert all(c.taken for c in found.wanted())
    assert {c.attachment.filename for c in found.passed_over} >= {
        "recrime-geo-pfa.csv",
        "prc-outcomes-alternate-open-data-mar2026-tables-160726.ods",
    }


@pytest.mark.parametrize("status", [404, 500])
def test_landing_page_is_used_when_the_api_fails(
    server: FixtureServer, publication: Publication, status: int, fast_retry: RetryPolicy
) -> None:
    api = discover(server.url, retry=fast_retry)
    server.set_status(API_PATH, status)

    found = discover(server.url, retry=fast_retry)

    assert found.via == "landing-page"
    assert found.listing_url == server.url + PUBLICATION_PATH
    assert any(f"HTTP {status}" in note for note in found.notes)
    # Same verdicts as from the API (the html attachment is not an asset link, so it is absent).
    from_api = {(c.attachment.filename, c.kind, c.financial_year, c.edition) for c in api.items if c.attachment.attachment_type == "file"}
    assert {(c.attachment.filename, c.kind, c.financial_year, c.edition) for c in found.items} == from_api
    # A 5xx is retried before falling back; a 404 is not.
    assert len(server.hits_to(API_PATH)) == 1 + (fast_retry.attempts if status == 500 else 1)
    assert all(c.attachment.file_size is None for c in found.items)


def test_api_with_an_unexpected_shape_falls_back_to_the_page(
    server: FixtureServer, publication: Publication, fast_retry: RetryPolicy
) -> None:
    server.set_json(API_PATH, {"title": "moved", "details": {"body": "<p>see elsewhere</p>"}})

    found = discover(server.url, retry=fast_retry)

    assert found.via == "landing-page"
    assert "details.attachments" in found.notes[0]
    assert len(found.wanted()) == 5


def test_both_listings_failing_is_a_network_error(server: FixtureServer, fast_retry: RetryPolicy) -> None:
    server.set_status(API_PATH, 404)
    server.set_status(PUBLICATION_PATH, 503)

    with pytest.raises(NetworkError, match="cannot list the published files"):
        discover(server.url, retry=fast_retry)


def test_no_network_fails_fast_with_offline_advice(closed_port_url: str) -> None:
    slow = RetryPolicy(attempts=5, base_delay=10.0)  # would take a minute if connection errors were retried
    started = time.monotonic()

    with pytest.raises(NetworkError) as info:
        discover(closed_port_url, retry=slow)

    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "no network connection" in message
    assert "crime-outcomes ingest FILE..." in message
    assert info.value.exit_code == 5


def test_base_url_comes_from_option_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GOVUK_BASE_ENV, raising=False)
    assert govuk_base() == DEFAULT_GOVUK_BASE
    monkeypatch.setenv(GOVUK_BASE_ENV, "http://mirror.example/")
    assert govuk_base() == "http://mirror.example"
    assert govuk_base("http://127.0.0.1:9") == "http://127.0.0.1:9"


# --- classification rules ------------------------------------------------------------


def test_titles_with_and_without_the_comma_give_the_year() -> None:
    assert (
        classify(_att("Outcomes open data year ending March 2017", "prc-outcomes-open-data-mar2017-tables-190719.xlsx")).financial_year
        == "2016/17"
    )
    assert (
        classify(_att("Outcomes open data, year ending March 2020", "prc-outcomes-open-data-mar2020-tables-160726.xlsx")).financial_year
        == "2019/20"
    )


def test_year_from_filename_alone_or_title_alone() -> None:
    by_file = classify(_att("Outcomes open data", "prc-outcomes-open-data-mar2019-tables-160726.xlsx"))
    assert (by_file.kind, by_file.financial_year) == ("outcomes", "2018/19")
    by_title = classify(_att("Outcomes open data, year ending March 2021", "outcomes-2021.xlsx"))
    assert (by_title.kind, by_title.financial_year) == ("outcomes", "2020/21")


def test_title_and_filename_disagreeing_is_passed_over() -> None:
    item = classify(_att("Outcomes open data, year ending March 2021", "prc-outcomes-open-data-mar2022-tables-160726.xlsx"))
    assert item.kind == "passed_over"
    assert "not guessing" in (item.reason or "")


def test_years_before_the_outcomes_framework_are_passed_over() -> None:
    item = classify(_att("Outcomes open data year ending March 2014", "prc-outcomes-open-data-mar2014-tables.ods"))
    assert item.kind == "passed_over" and item.financial_year == "2013/14"
    assert "2014/15" in (item.reason or "")


@pytest.mark.parametrize(
    ("title", "filename", "fragment"),
    [
        (
            "Outcomes for alternate offences, year ending March 2025",
            "prc-outcomes-alternate-open-data-mar2025-tables-160726.ods",
            "would double count types 1-3",
        ),
        (
            "Outcomes open data year ending March 2007 to year ending March 2014",
            "prc-outcomes-open-data-mar2006-mar2014-tabs.ods",
            "different outcome framework",
        ),
        ("Outcomes open data, July to September 2024", "prc-outcomes-open-data-jul2024-to-sep2024-tables-160126.xlsx", "part-year"),
        ("Outcomes open data, year ending March 2025", "prc-outcomes-open-data-mar2025-tables-160726.csv", "format"),
        ("Crimes transferred or cancelled, year ending March 2025", "prc-transferred-cancelled-mar2025.ods", "transferred or cancelled"),
        ("Rape incidents open data", "prc-rape-incidents-mar2025.ods", "incident"),
        ("Police workforce", "police-workforce-mar2025.ods", "not one of the files"),
    ],
)
def test_look_alikes_are_passed_over_with_a_reason(title: str, filename: str, fragment: str) -> None:
    item = classify(_att(title, filename))
    assert item.kind == "passed_over"
    assert fragment in (item.reason or "")


def test_pfa_table_by_filename_and_title() -> None:
    item = classify(_att("Police force area data tables, year ending March 2013 onwards", "prc-pfa-mar2013-onwards-tables-160726.ods"))
    assert (item.kind, item.financial_year, item.edition) == ("pfa", None, date(2026, 7, 16))


def test_edition_dates() -> None:
    assert edition_from_filename("prc-outcomes-open-data-mar2018-tables-190719.xlsx") == date(2019, 7, 19)
    assert edition_from_filename("prc-outcomes-open-data-mar2018-tables.ods") is None
    assert edition_from_filename("prc-outcomes-open-data-mar2018-tables-993399.xlsx") is None  # not a date


def test_only_the_newest_edition_of_a_year_is_taken(server: FixtureServer, publication: Publication, fast_retry: RetryPolicy) -> None:
    publication.add("Outcomes open data year ending March 2016", "prc-outcomes-open-data-mar2016-tables-170125.xlsx")

    found = discover(server.url, retry=fast_retry)

    by_name = {c.attachment.filename: c for c in found.items}
    assert by_name["prc-outcomes-open-data-mar2016-tables-170125.xlsx"].kind == "passed_over"
    assert "superseded by prc-outcomes-open-data-mar2016-tables-160726.xlsx" in (
        by_name["prc-outcomes-open-data-mar2016-tables-170125.xlsx"].reason or ""
    )
    assert found.offered_years.count("2015/16") == 1


# --- listing parsers -----------------------------------------------------------------


def test_content_api_parser_rejects_other_shapes_and_resolves_relative_urls() -> None:
    with pytest.raises(ValueError):
        parse_content_api({"details": {}}, "https://www.gov.uk")
    with pytest.raises(ValueError):
        parse_content_api([], "https://www.gov.uk")
    parsed = parse_content_api(
        {"details": {"attachments": [{"title": "T", "url": "/media/abc/x.xlsx", "file_size": "12"}, {"title": "no url"}, "junk"]}},
        "https://www.gov.uk",
    )
    assert [(a.url, a.filename, a.file_size, a.attachment_type) for a in parsed] == [
        ("https://www.gov.uk/media/abc/x.xlsx", "x.xlsx", None, "file")
    ]


def test_landing_page_parser_keeps_titled_asset_links_once() -> None:
    html = (
        '<a href="/browse/crime">Crime</a>'
        '<a href="https://assets.publishing.service.gov.uk/media/0123456789abcdef01234567/prc-pfa-mar2013-onwards-tables-160726.ods"><img alt=""></a>'
        '<h3><a href="https://assets.publishing.service.gov.uk/media/0123456789abcdef01234567/prc-pfa-mar2013-onwards-tables-160726.ods">'
        "Police force area tables,\n year ending March 2013 onwards &amp; more</a></h3>"
        '<a href="/government/uploads/system/uploads/attachment_data/file/7445/prc-outcomes-open-data-mar2018-tables.ods">Outcomes open data year ending March 2018</a>'
    )
    parsed = parse_landing_page(html, "https://www.gov.uk")
    assert [(a.title, a.filename) for a in parsed] == [
        ("Police force area tables, year ending March 2013 onwards & more", "prc-pfa-mar2013-onwards-tables-160726.ods"),
        ("Outcomes open data year ending March 2018", "prc-outcomes-open-data-mar2018-tables.ods"),
    ]
    assert (
        parsed[1].url
        == "https://www.gov.uk/government/uploads/system/uploads/attachment_data/file/7445/prc-outcomes-open-data-mar2018-tables.ods"
    )


# --- year selection ------------------------------------------------------------------


def test_parse_years() -> None:
    assert parse_years("2014/15..2017/18") == ["2014/15", "2015/16", "2016/17", "2017/18"]
    assert parse_years("2019/20, 2017/18") == ["2017/18", "2019/20"]
    assert parse_years("1999/00") == ["1999/00"]
    for bad in ["2017/19", "2017-18", "2018/19..2017/18", "", "2017"]:
        with pytest.raises(ValueError):
            parse_years(bad)
