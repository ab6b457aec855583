"""The real 2017/18 extract laid out as the published May-2019 workbook, ingested through the
same path a download takes, checked against sums computed straight from the CSV."""

from __future__ import annotations

import pytest

from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, write_published_extract

pytestmark = pytest.mark.slow  # the inner loop (-m "not slow") leaves these to the full run


@pytest.fixture(scope="module", params=[(".ods", "2019"), (".xlsx", "current")], ids=["ods-2019-headers", "xlsx-current-headers"])
def loaded(request, tmp_path_factory, extract_path):
    suffix, edition = request.param
    folder = tmp_path_factory.mktemp("e2e")
    headers = HEADERS_2019 if edition == "2019" else HEADERS_CURRENT
    book = write_published_extract(
        folder / f"prc-outcomes-open-data-mar2018-tables{suffix}", headers, csv_gz=extract_path, numeric_codes=True
    )
    store = Store.open(folder / "store.duckdb")
    report = ingest_file(store, book)
    yield store, report
    store.close()


def test_every_row_read_and_loaded(loaded, extract_sums):
    store, report = loaded
    assert report.sheets == ["Outcomes_open_data__2017-18"]
    assert [s.sheet for s in report.skipped_sheets] == ["Cover_sheet", "Notes", "Pivot"]
    assert report.rows_read == report.rows_loaded == extract_sums.rows == 450_912
    assert report.rows_rejected == 0
    assert store.fetchone("SELECT count(*) FROM outcomes")[0] == 450_912


def test_community_resolutions_on_both_bases(loaded, extract_sums):
    store, _ = loaded
    closed, recorded = store.fetchone("SELECT sum(closed), sum(recorded) FROM outcomes WHERE outcome_type = 8")
    assert closed == extract_sums.closed_by_type[8] == 101_893
    assert recorded == extract_sums.recorded_by_type[8]


def test_every_forces_total_outcomes(loaded, extract_sums):
    store, _ = loaded
    got = dict(store.fetchall("SELECT force, sum(closed) FROM outcomes WHERE outcome_type BETWEEN 1 AND 22 GROUP BY force"))
    expected = {("City of London" if f == "London, City of" else f): v for f, v in extract_sums.force_closed_all.items()}
    assert got == expected
    assert got["West Midlands"] == 229_297
    got_rec = dict(store.fetchall("SELECT force, sum(recorded) FROM outcomes WHERE outcome_type BETWEEN 1 AND 22 GROUP BY force"))
    assert got_rec == {("City of London" if f == "London, City of" else f): v for f, v in extract_sums.force_recorded_all.items()}


def test_traps_survive_the_round_trip(loaded, extract_sums):
    store, _ = loaded
    type0, type0_closed_null = store.fetchone(
        "SELECT count(*), count(*) FILTER (WHERE closed IS NULL AND closed_marker = 'N/A') FROM outcomes WHERE outcome_type = 0"
    )
    assert type0 == type0_closed_null == extract_sums.type0_rows
    negatives = store.fetchone(
        "SELECT count(*) FILTER (WHERE recorded < 0) + count(*) FILTER (WHERE closed < 0), least(min(recorded), min(closed)) FROM outcomes"
    )
    assert negatives == (extract_sums.negative_cells, extract_sums.min_value)
    codes = {r[0] for r in store.fetchall("SELECT DISTINCT offence_code FROM outcomes")}
    assert codes == extract_sums.codes
    assert "1/4.1/4.10/4.2" in codes and "37.2" in codes
    assert (
        store.fetchone(
            "SELECT count(*) FROM forces f JOIN (SELECT DISTINCT force FROM outcomes) USING (force) WHERE kind = 'non-territorial'"
        )[0]
        == 1
    )
