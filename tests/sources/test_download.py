"""Downloads: resume, damage checks, provenance manifest and update detection."""

from __future__ import annotations

import importlib
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress

from crime_outcomes.errors import InputError, NetworkError
from crime_outcomes.sources.discover import Attachment, Classified, classify, discover
from crime_outcomes.sources.download import (
    MANIFEST_NAME,
    USER_AGENT,
    Manifest,
    RetryPolicy,
    download_all,
    download_file,
    make_client,
    media_id_from_url,
    sha256_file,
)

if TYPE_CHECKING:
    from tests.sources.conftest import FixtureServer, Publication

OUTCOMES_2026 = "prc-outcomes-open-data-mar2026-tables-160726.xlsx"


@pytest.fixture
def client() -> httpx.Client:
    with make_client(timeout=5.0) as http:
        yield http


def _item(publication: Publication, filename: str) -> Classified:
    entry = next(e for e in publication.entries if e["filename"] == filename)
    return classify(Attachment(entry["title"], filename, entry["url"], file_size=entry["file_size"], id=entry["id"]))


def _fetch(server: FixtureServer, directory: Path, retry: RetryPolicy, **kw: object) -> list:
    found = discover(server.url, retry=retry)
    return download_all(found.wanted(), directory, listing_url=found.listing_url, retry=retry, **kw)  # type: ignore[arg-type]


def test_fetch_downloads_the_wanted_files_and_records_provenance(
    server: FixtureServer, publication: Publication, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    results = _fetch(server, tmp_path, fast_retry)

    assert sorted(r.path.name for r in results) == sorted(f for _, f, kind, _, _ in publication.expected if kind != "passed_over")
    assert all(r.status == "downloaded" for r in results)
    for result in results:
        assert result.path.read_bytes() == publication.bodies[result.path.name]
    assert not list(tmp_path.glob("*.part*"))
    assert not (tmp_path / "recrime-geo-pfa.csv").exists()  # passed over, never fetched
    assert all(h.headers["user-agent"] == USER_AGENT for h in server.asset_hits())

    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["listing_url"] == server.url + publication.api_path
    entry = manifest["files"][OUTCOMES_2026]
    assert entry["url"] == server.url + publication.path_of(OUTCOMES_2026)
    assert entry["title"] == "Outcomes open data, year ending March 2026"
    assert (entry["kind"], entry["financial_year"], entry["edition"]) == ("outcomes", "2025/26", "2026-07-16")
    assert entry["size"] == len(publication.bodies[OUTCOMES_2026])
    assert entry["sha256"] == sha256_file(tmp_path / OUTCOMES_2026)
    assert entry["media_id"] == publication.path_of(OUTCOMES_2026).split("/")[2]
    retrieved = datetime.fromisoformat(entry["retrieved_at"])
    assert retrieved.utcoffset() is not None and retrieved.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - retrieved).total_seconds()) < 120
    assert manifest["files"]["prc-pfa-mar2013-onwards-tables-160726.ods"]["kind"] == "pfa"


def test_a_second_run_downloads_nothing(server: FixtureServer, publication: Publication, tmp_path: Path, fast_retry: RetryPolicy) -> None:
    _fetch(server, tmp_path, fast_retry)
    before = (tmp_path / MANIFEST_NAME).read_text()
    asset_requests = len(server.asset_hits())

    again = _fetch(server, tmp_path, fast_retry)

    assert [r.status for r in again] == ["unchanged"] * len(again)
    assert len(server.asset_hits()) == asset_requests
    assert json.loads((tmp_path / MANIFEST_NAME).read_text())["files"] == json.loads(before)["files"]


def test_a_cut_download_is_resumed_with_range(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    body = publication.bodies[OUTCOMES_2026]
    half = len(body) // 2
    publication.asset(OUTCOMES_2026).cut_after = half

    result = download_file(client, _item(publication, OUTCOMES_2026), tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert result.status == "downloaded" and result.resumed and result.attempts == 2
    assert result.path.read_bytes() == body
    hits = publication.server.hits_to(publication.path_of(OUTCOMES_2026))
    assert "range" not in hits[0].headers
    assert hits[1].headers["range"] == f"bytes={half}-"
    assert hits[1].headers["accept-encoding"] == "identity"
    assert fast_retry.slept == [0.5]  # type: ignore[attr-defined]


def test_a_part_file_left_by_an_earlier_run_is_resumed(publication: Publication, client: httpx.Client, tmp_path: Path) -> None:
    body = publication.bodies[OUTCOMES_2026]
    publication.asset(OUTCOMES_2026).cut_after = 7_000
    item = _item(publication, OUTCOMES_2026)

    with pytest.raises(NetworkError, match="next run resumes it"):
        download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=RetryPolicy(attempts=1, sleep=lambda _: None))
    assert (tmp_path / f"{OUTCOMES_2026}.part").stat().st_size == 7_000
    assert not (tmp_path / OUTCOMES_2026).exists()
    assert OUTCOMES_2026 not in Manifest.load(tmp_path).files

    result = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=RetryPolicy(attempts=1, sleep=lambda _: None))

    assert result.resumed and result.path.read_bytes() == body
    assert publication.server.hits_to(publication.path_of(OUTCOMES_2026))[-1].headers["range"] == "bytes=7000-"


def test_a_server_that_ignores_range_makes_the_download_start_over(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    body = publication.bodies[OUTCOMES_2026]
    asset = publication.asset(OUTCOMES_2026)
    asset.cut_after = 5_000
    asset.ignore_range = True

    result = download_file(client, _item(publication, OUTCOMES_2026), tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert not result.resumed
    assert result.path.read_bytes() == body  # not 5,000 stale bytes + the whole body


def test_a_changed_file_comes_back_whole_through_if_range(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    asset = publication.asset(OUTCOMES_2026)
    asset.etag = '"v1"'
    asset.cut_after = 5_000
    item = _item(publication, OUTCOMES_2026)
    with pytest.raises(NetworkError):
        download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=RetryPolicy(attempts=1))
    new_body = publication.make_body("changed", len(asset.body))
    asset.body, asset.etag = new_body, '"v2"'

    result = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert publication.server.hits_to(publication.path_of(OUTCOMES_2026))[-1].headers["if-range"] == '"v1"'
    assert result.path.read_bytes() == new_body and not result.resumed


def test_a_short_file_is_rejected_and_never_put_in_place(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    entry = publication.add(
        "Outcomes open data, year ending March 2025",
        "prc-outcomes-open-data-mar2025-tables-160726.xlsx",
        publication.make_body("short", 10_000),
        file_size=12_000,
    )

    with pytest.raises(NetworkError, match="damaged.*publisher lists the file as 12,000 bytes"):
        download_file(client, _item(publication, entry["filename"]), tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert list(tmp_path.iterdir()) == []  # no file, no .part, no manifest entry


def test_a_file_longer_than_stated_is_cut_off_and_rejected(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    entry = publication.add(
        "Outcomes open data, year ending March 2025",
        "prc-outcomes-open-data-mar2025-tables-160726.xlsx",
        publication.make_body("long", 30_000),
        file_size=20_000,
    )

    with pytest.raises(NetworkError, match="more than the 20,000 bytes"):
        download_file(client, _item(publication, entry["filename"]), tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert list(tmp_path.iterdir()) == []


def test_an_error_page_served_as_the_file_is_rejected(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    page = b"<html><body>Sorry, we are doing some maintenance</body></html>"
    entry = publication.add("Outcomes open data, year ending March 2025", "prc-outcomes-open-data-mar2025-tables-160726.xlsx", page)

    with pytest.raises(NetworkError, match="not a spreadsheet"):
        download_file(client, _item(publication, entry["filename"]), tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert not (tmp_path / entry["filename"]).exists()
    assert not list(tmp_path.glob("*.part"))


def test_different_bytes_at_a_recorded_url_fail_the_checksum(
    server: FixtureServer, publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    item = _item(publication, OUTCOMES_2026)
    first = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)
    first.path.unlink()  # the local copy is lost; the same URL must give the same bytes again
    asset = publication.asset(OUTCOMES_2026)
    asset.body = publication.make_body("tampered", len(asset.body))

    with pytest.raises(NetworkError, match="SHA-256"):
        download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert not (tmp_path / OUTCOMES_2026).exists()
    assert not list(tmp_path.glob("*.part"))
    assert Manifest.load(tmp_path).files[OUTCOMES_2026].sha256 == first.sha256
    # --force accepts the publisher's new bytes.
    forced = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry, force=True)
    assert forced.path.read_bytes() == asset.body


def test_a_damaged_local_copy_is_fetched_again(
    publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    item = _item(publication, OUTCOMES_2026)
    first = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)
    first.path.write_bytes(b"PK\x03\x04 truncated")

    again = download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert again.status == "downloaded" and again.sha256 == first.sha256
    assert again.path.read_bytes() == publication.bodies[OUTCOMES_2026]


def test_a_republished_edition_with_a_new_media_id_is_fetched_again(
    server: FixtureServer, publication: Publication, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    _fetch(server, tmp_path, fast_retry)
    old = Manifest.load(tmp_path).files[OUTCOMES_2026]
    new_media = "f" * 24
    publication.add("Outcomes open data, year ending March 2026", OUTCOMES_2026, publication.make_body("revised", 25_000), media=new_media)

    results = _fetch(server, tmp_path, fast_retry)

    changed = [r for r in results if r.status == "downloaded"]
    assert [r.path.name for r in changed] == [OUTCOMES_2026]
    assert changed[0].previous is not None and changed[0].previous.media_id == old.media_id
    entry = Manifest.load(tmp_path).files[OUTCOMES_2026]
    assert entry.media_id == new_media != old.media_id
    assert entry.url.endswith(f"/media/{new_media}/{OUTCOMES_2026}")
    assert entry.sha256 != old.sha256 and entry.size == 25_000
    assert (tmp_path / OUTCOMES_2026).read_bytes() == publication.bodies[OUTCOMES_2026]


def test_a_new_edition_filename_supersedes_the_old_entry(
    server: FixtureServer, publication: Publication, tmp_path: Path, fast_retry: RetryPolicy
) -> None:
    old_name = "prc-outcomes-open-data-mar2016-tables-160726.xlsx"
    new_name = "prc-outcomes-open-data-mar2016-tables-151026.xlsx"
    _fetch(server, tmp_path, fast_retry)
    publication.entries = [e for e in publication.entries if e["filename"] != old_name]
    publication.add("Outcomes open data year ending March 2016", new_name)

    results = _fetch(server, tmp_path, fast_retry)

    assert [r.path.name for r in results if r.status == "downloaded"] == [new_name]
    files = Manifest.load(tmp_path).files
    assert files[old_name].superseded_by == new_name
    assert files[new_name].superseded_by is None and files[new_name].edition == "2026-10-15"


def test_server_errors_are_retried_with_exponential_back_off(publication: Publication, client: httpx.Client, tmp_path: Path) -> None:
    asset = publication.asset(OUTCOMES_2026)
    asset.fail_status, asset.fail_times = 503, 2
    slept: list[float] = []

    result = download_file(
        client,
        _item(publication, OUTCOMES_2026),
        tmp_path,
        Manifest.load(tmp_path),
        retry=RetryPolicy(attempts=4, base_delay=0.25, sleep=slept.append),
    )

    assert result.status == "downloaded" and result.attempts == 3
    assert slept == [0.25, 0.5]


def test_a_missing_asset_is_not_retried(publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy) -> None:
    item = _item(publication, OUTCOMES_2026)
    del publication.server.assets[publication.path_of(OUTCOMES_2026)]

    with pytest.raises(NetworkError, match="HTTP 404"):
        download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=fast_retry)

    assert fast_retry.slept == []  # type: ignore[attr-defined]


def test_an_unreachable_asset_host_gives_the_offline_advice(closed_port_url: str, client: httpx.Client, tmp_path: Path) -> None:
    item = classify(
        Attachment(
            "Outcomes open data, year ending March 2026", OUTCOMES_2026, f"{closed_port_url}/media/{'0' * 24}/{OUTCOMES_2026}", file_size=10
        )
    )
    started = time.monotonic()

    with pytest.raises(NetworkError) as info:
        download_file(client, item, tmp_path, Manifest.load(tmp_path), retry=RetryPolicy(attempts=2, base_delay=0.01))

    assert time.monotonic() - started < 5
    assert "no network connection" in str(info.value) and "crime-outcomes ingest FILE..." in str(info.value)


def test_an_unsafe_filename_is_refused(client: httpx.Client, tmp_path: Path) -> None:
    item = classify(
        Attachment(
            "Outcomes open data, year ending March 2026",
            "../prc-outcomes-open-data-mar2026-tables-160726.xlsx",
            "http://127.0.0.1:9/x.xlsx",
        )
    )
    with pytest.raises(InputError, match="not a plain file name"):
        download_file(client, item, tmp_path, Manifest.load(tmp_path))


def test_progress_bar_tracks_each_file(publication: Publication, client: httpx.Client, tmp_path: Path, fast_retry: RetryPolicy) -> None:
    progress = Progress(console=Console(file=io.StringIO(), force_terminal=False))
    publication.asset(OUTCOMES_2026).cut_after = 3_000

    with progress:
        download_file(client, _item(publication, OUTCOMES_2026), tmp_path, Manifest.load(tmp_path), retry=fast_retry, progress=progress)

    (task,) = progress.tasks
    assert task.description == OUTCOMES_2026
    assert task.total == task.completed == len(publication.bodies[OUTCOMES_2026])


def test_a_damaged_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(InputError, match="delete it and fetch again"):
        Manifest.load(tmp_path)


def test_media_ids_from_both_url_forms() -> None:
    assert (
        media_id_from_url("https://assets.publishing.service.gov.uk/media/6870f1d2e4b0c1a2b3c4d5e6/prc-x.xlsx")
        == "6870f1d2e4b0c1a2b3c4d5e6"
    )
    assert (
        media_id_from_url(
            "https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/720156/prc-x.ods"
        )
        == "720156"
    )
    assert media_id_from_url("https://example.org/prc-x.xlsx") is None


# --- the fetch and update commands ------------------------------------------------------

OFFERED_YEARS = ["2014/15", "2015/16", "2017/18", "2025/26"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    """Invoke the app with wide consoles, so table cells are not wrapped mid-phrase."""
    from typer.testing import CliRunner

    import crime_outcomes.cli.fetch  # noqa: F401  (registers fetch and update)

    app_module = importlib.import_module("crime_outcomes.cli.app")  # the package re-exports the Typer as `app`

    for con in (app_module.console, app_module.err_console):
        monkeypatch.setattr(con, "_width", 250)
    monkeypatch.delenv("CRIME_OUTCOMES_GOVUK_BASE", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app_module.app, list(args))


def _outcomes_rows(year: str, bump: int = 0) -> list[list[object]]:
    rows: list[list[object]] = []
    for quarter in (1, 2, 3, 4):
        for force in ("Kent", "Durham"):
            for number_, label in ((0, "Not yet assigned an outcome"), (1, "Charged/Summonsed"), (8, "Community Resolution")):
                closed: object = "N/A" if number_ == 0 else 3 + number_ + bump * (force == "Durham")
                rows.append(
                    [
                        year,
                        quarter,
                        force,
                        "Shoplifting",
                        "Theft offences",
                        "Shoplifting",
                        "46",
                        None,
                        label,
                        label,
                        number_,
                        5 + number_,
                        closed,
                    ]
                )
    return rows


def _workbook(tmp_path: Path, filename: str, year: str, bump: int = 0) -> bytes:
    from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

    path = write_outcomes_workbook(tmp_path / "books" / filename, _outcomes_rows(year, bump), HEADERS_2019)
    return path.read_bytes()


@pytest.fixture
def real_publication(publication: Publication, tmp_path: Path) -> Publication:
    """The fixture publication, with small real workbooks behind the files that are taken."""
    from crime_outcomes.testing.workbooks import write_pfa_workbook

    (tmp_path / "books").mkdir()
    for title, filename, kind, year, _ in publication.expected:
        if kind == "outcomes":
            publication.add(title, filename, _workbook(tmp_path, filename, year))
        elif kind == "pfa":
            pfa_rows = [
                ["2017/18", q, force, "Shoplifting", "Theft offences", "Shoplifting", "46", 100 + q]
                for q in (1, 2, 3, 4)
                for force in ("Kent", "Durham")
            ]
            publication.add(title, filename, write_pfa_workbook(tmp_path / "books" / filename, {"2017_18": pfa_rows}).read_bytes())
    return publication


def _store_years(db: Path) -> tuple[list[str], int]:
    from crime_outcomes.store import Store

    with Store.open(db, read_only=True) as store:
        years = [r[0] for r in store.con.execute("SELECT DISTINCT financial_year FROM outcomes ORDER BY 1").fetchall()]
        sources = store.con.execute("SELECT count(*) FROM sources").fetchall()[0][0]
    return years, sources


def test_fetch_without_a_network_fails_fast_with_the_offline_message(cli, closed_port_url: str, tmp_path: Path) -> None:
    started = time.monotonic()

    result = cli("fetch", "--govuk-base", closed_port_url, "--dir", str(tmp_path / "dl"))

    assert time.monotonic() - started < 5
    assert result.exit_code == 5
    assert "no network connection" in result.output
    assert "crime-outcomes ingest FILE..." in result.output
    assert not (tmp_path / "dl").exists()


def test_fetch_dry_run_lists_taken_and_passed_over_files_and_downloads_nothing(
    cli, server: FixtureServer, publication: Publication, tmp_path: Path
) -> None:
    result = cli("fetch", "--dry-run", "--govuk-base", server.url, "--dir", str(tmp_path / "dl"), "--years", "2015/16..2019/20")

    assert result.exit_code == 0, result.output
    assert "prc-outcomes-open-data-mar2016-tables-160726.xlsx" in result.output
    assert "would double count types 1-3" in result.output
    assert "different outcome framework" in result.output
    assert "not among the years asked for" in result.output  # 2014/15 and 2025/26
    assert "Not offered by the publication: 2016/17, 2018/19, 2019/20" in result.output
    assert "3 of 3 file(s) would be downloaded" in result.output
    assert server.asset_hits() == []
    assert not (tmp_path / "dl" / MANIFEST_NAME).exists()


def test_fetch_takes_only_the_years_asked_for(cli, server: FixtureServer, publication: Publication, tmp_path: Path) -> None:
    result = cli("fetch", "--govuk-base", server.url, "--dir", str(tmp_path), "--years", "2015/16")

    assert result.exit_code == 0, result.output
    assert sorted(Manifest.load(tmp_path).files) == [
        "prc-outcomes-open-data-mar2016-tables-160726.xlsx",
        "prc-pfa-mar2013-onwards-tables-160726.ods",
    ]
    assert cli("fetch", "--years", "2015-16", "--govuk-base", server.url, "--dir", str(tmp_path)).exit_code == 2


def test_update_loads_every_offered_year_then_changes_nothing_then_lists_revisions(
    cli, server: FixtureServer, real_publication: Publication, tmp_path: Path
) -> None:
    downloads, db = tmp_path / "dl", tmp_path / "store.duckdb"
    args = ("update", "--govuk-base", server.url, "--dir", str(downloads), "--db", str(db))

    first = cli(*args)

    assert first.exit_code == 0, first.output
    assert _store_years(db)[0] == OFFERED_YEARS
    assert "would double count types 1-3" in first.output  # look-alikes are named and passed over
    files = Manifest.load(downloads).files
    assert {e.financial_year for e in files.values() if e.kind == "outcomes"} == set(OFFERED_YEARS)
    assert not (downloads / "prc-outcomes-alternate-open-data-mar2026-tables-160726.ods").exists()
    sources_after_first = _store_years(db)[1]
    assert sources_after_first == 5  # four outcomes files and the PFA table

    hits = len(server.asset_hits())
    second = cli(*args)

    assert second.exit_code == 0, second.output
    assert "Nothing new" in second.output
    assert len(server.asset_hits()) == hits
    assert _store_years(db) == (OFFERED_YEARS, sources_after_first)

    old_name, new_name = "prc-outcomes-open-data-mar2026-tables-160726.xlsx", "prc-outcomes-open-data-mar2026-tables-151026.xlsx"
    real_publication.entries = [e for e in real_publication.entries if e["filename"] != old_name]
    real_publication.add("Outcomes open data, year ending March 2026", new_name, _workbook(tmp_path, new_name, "2025/26", bump=2))

    third = cli(*args)

    assert third.exit_code == 0, third.output
    assert "replaced" in third.output
    # Durham, types 1 and 8, closed basis (quarters summed): 2 figures, each up by 4 quarters x 2.
    # ...and ends with what the new edition changed, force by force (crime-outcomes changes), each figure once.
    said = " ".join(third.output.split())
    assert "Republished: 2025/26; 2 figures revised for 1 force." in said, said
    assert "Durham" in third.output and "Largest revisions" not in said
    assert "15 October 2026 edition" in said and "File prc-outcomes-open-data-mar2026-tables-151026.xlsx: 2025/26 (republished)." in said
    assert "Revised: 2025/26, community resolutions (type 8), closed basis:" in said
    assert [h.path.rsplit("/", 1)[-1] for h in server.asset_hits()[hits:]] == [new_name]
    assert Manifest.load(downloads).files[old_name].superseded_by == new_name
    from crime_outcomes.store import Store

    with Store.open(db, read_only=True) as store:
        closed = store.con.execute(
            "SELECT sum(closed) FROM outcomes WHERE financial_year = '2025/26' AND force = 'Durham' AND outcome_type = 8"
        ).fetchall()[0][0]
    assert closed == 4 * (3 + 8 + 2)


def test_update_from_python_loads_into_an_open_store_and_reports_each_step(
    server: FixtureServer, real_publication: Publication, tmp_path: Path
) -> None:
    import crime_outcomes as co

    seen: list[str] = []
    with co.open_store(tmp_path / "store.duckdb", read_only=False) as store:
        result = co.update(
            store,
            years=["2017/18"],
            base=server.url,
            directory=tmp_path / "dl",
            on_plan=lambda plan: seen.append(f"plan {len(plan.wanted)} {plan.to_download}"),
            on_downloaded=lambda plan, downloads: seen.append(f"downloaded {len(downloads)}"),
        )
        assert store.years() == ["2017/18"]
    assert seen == ["plan 2 2", "downloaded 2"]  # the 2017/18 outcomes file and the PFA table
    assert [r.status for r in result.reports] == ["loaded", "loaded"] and result.failed == []
    assert len(result.changed) == 2 and result.revisions == []
    with co.open_store(tmp_path / "store.duckdb", read_only=False) as store:
        again = co.update(store, years=["2017/18"], base=server.url, directory=tmp_path / "dl")
    assert again.plan.to_download == 0 and [r.status for r in again.reports] == ["unchanged", "unchanged"]
