"""The police force area recorded-crime workbook: one sheet per year into recorded_crime."""

from __future__ import annotations

from pathlib import Path

import pytest

from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import write_pfa_workbook


def pfa_rows(year: str, kent: int):
    return [
        [year, 1, "Kent", "Blackmail", "Theft offences", "Other theft", "35", kent],
        [year, 1, "London, City of", "Blackmail", "Theft offences", "Other theft", "35", 2],
        [year, 2, "Action Fraud", "Fraud", "Fraud", "Fraud", "53A", 900],
        [year, 2, "Kent", "Harassment", "Violence against the person", "Stalking and harassment", "8L", "N/A - data not provided"],
    ]


@pytest.mark.parametrize("suffix", [".ods", ".xlsx"])
def test_pfa_workbook_loads_every_year_sheet(tmp_path: Path, suffix: str):
    path = write_pfa_workbook(
        tmp_path / f"prc-pfa-mar2013-onwards-tables-170726{suffix}",
        {"2016_17": pfa_rows("2016/17", 10), "2017_18": pfa_rows("2017/18", 12)},
    )
    with Store.open(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, path)
        assert report.kind == "recorded_crime"
        assert report.sheets == ["2016_17", "2017_18"]
        assert report.years == ["2016/17", "2017/18"]
        assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (8, 8, 0)
        assert store.fetchall("SELECT financial_year, sum(offences) FROM recorded_crime WHERE force = 'Kent' GROUP BY 1 ORDER BY 1") == [
            ("2016/17", 10),
            ("2017/18", 12),
        ]
        # fraud bodies are kept, and excluded by joining forces on kind
        assert store.fetchone("SELECT sum(offences) FROM recorded_crime JOIN forces USING (force) WHERE kind = 'fraud'")[0] == 1800
        assert store.fetchone("SELECT sum(offences) FROM recorded_crime JOIN forces USING (force) WHERE kind <> 'fraud'")[0] == 26
        assert (
            store.fetchone("SELECT count(*) FROM recorded_crime WHERE offences IS NULL AND offences_marker = 'N/A - data not provided'")[0]
            == 2
        )
        assert any("Action Fraud" in n for n in report.notes)
        assert store.fetchone("SELECT count(*) FROM outcomes")[0] == 0
