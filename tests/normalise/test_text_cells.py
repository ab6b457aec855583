"""Text cells: control, format and bidi characters removed and counted; cells over their
bound quarantined with the length and the limit; a file made of such rows refused."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pyarrow as pa
import pytest

from crime_outcomes.errors import LimitError
from crime_outcomes.normalise.rows import normalise_sheet
from crime_outcomes.readers.base import RawSheet
from crime_outcomes.readers.text import clean_text, count_unsafe, describe

H = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence Code Expired",
    "Outcome Description",
    "Outcome Group",
    "Outcome Type",
    "Force outcomes for offences recorded in quarter",
    "Force outcomes recorded in quarter",
]
DESC, CODE, FORCE, SUBGROUP = 3, 6, 2, 5


def sheet(rows: list[list[str | None]]) -> RawSheet:
    cols = {f"c{i}": pa.array([r[i] for r in rows], type=pa.string()) for i in range(len(H))}
    return RawSheet(Path("t.csv"), None, 1, H, pa.table(cols), 2)


def rows(n: int) -> list[list[str | None]]:
    """``n`` distinct valid rows: one force, quarter 1, outcome types 1-22 over several codes."""
    out = []
    for i in range(n):
        out.append(
            [
                "2017/18",
                "1",
                "Kent",
                "Assault with injury",
                "Violence against the person",
                "Violence with injury",
                f"{8 + i // 22}",
                None,
                "desc",
                "group",
                str(1 + i % 22),
                "5",
                "3",
            ]
        )
    return out


def test_clean_text_removes_controls_format_and_bidi_and_counts_them() -> None:
    text = "Assault\u202egnp.exe\u200b\u2066x\u2069\u0085\u009b\x1b[0m\nend\u00ad"
    cleaned, n = clean_text(text)
    assert cleaned == "Assaultgnp.exex [0m end"
    assert n == 9
    assert count_unsafe(cleaned) == 0
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in describe(text)
    assert clean_text("Cafe\u0301") == ("Caf\u00e9", 0)  # NFC
    assert clean_text("Theft \u2013 other") == ("Theft \u2013 other", 0)  # the published en dash stays


def test_unsafe_characters_are_removed_from_every_text_cell_and_reported() -> None:
    data = rows(3)
    data[0][DESC] = "Assault\u202egnp.exe"
    data[1][FORCE] = "Ke\u200bnt"
    data[2][CODE] = "9\u2060"
    data[2][DESC] = "Caf\u0065\u0301 \x07"
    ns = normalise_sheet(sheet(data))
    assert ns.rejected.height == 0 and ns.main.height == 3
    assert sorted(ns.main["force"].unique()) == ["Kent"]
    assert "9" in ns.main["offence_code"].to_list()
    texts = ns.offences["offence_description"].to_list()
    assert "Assaultgnp.exe" in texts and "Caf\u00e9 " in texts
    note = next(n for n in ns.notes if "control, format or bidi" in n)
    assert note.startswith("4 control, format or bidi character(s)")
    assert "from 4 cell(s)" in note and "'Force Name' (1 cell(s))" in note and "'Offence Description' (2 cell(s))" in note
    for frame in (ns.main, ns.offences):
        for column in frame.columns:
            if frame[column].dtype == pa.string() or str(frame[column].dtype) == "String":
                assert all(count_unsafe(v) == 0 for v in frame[column].drop_nulls().to_list())
    assert all(unicodedata.is_normalized("NFC", v) for v in texts)


def test_a_cell_over_its_bound_is_quarantined_with_length_and_limit() -> None:
    data = rows(30)
    data[4][DESC] = "x" * 1_001
    data[7][CODE] = "8" * 101
    ns = normalise_sheet(sheet(data))
    assert ns.rows_read == 30 and ns.main.height == 28 and ns.rejected.height == 2
    got = {r["source_row"]: r for r in ns.rejected.iter_rows(named=True)}
    assert got[6]["column_name"] == "Offence Description"
    assert got[6]["reason"].startswith("1,001 characters, longer than the limit of 1,000 for this column (CRIME_OUTCOMES_MAX_TEXT_CHARS)")
    assert got[9]["column_name"] == "Offence Code"
    assert got[9]["reason"].startswith("101 characters, longer than the limit of 100 for this column (CRIME_OUTCOMES_MAX_NAME_CHARS)")
    kept = json.loads(got[6]["raw"])["Offence Description"]
    assert kept == "x" * 1_000 + "…"  # the row is kept small
    # Exactly at the bound is fine.
    data = rows(30)
    data[4][DESC] = "x" * 1_000
    assert normalise_sheet(sheet(data)).rejected.height == 0


def test_bounds_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRIME_OUTCOMES_MAX_TEXT_CHARS", "10")
    ns = normalise_sheet(sheet(rows(40)[:1]))  # 'Assault with injury' is 19 characters; one row of one
    assert ns.rejected.height == 1 and "limit of 10" in ns.rejected["reason"][0]


def test_a_file_of_over_long_cells_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = rows(200)
    for r in data[50:61]:  # 11 rows, 5.5 %: more than 1 % and more than 10
        r[SUBGROUP] = "y" * 2_000
    with pytest.raises(LimitError) as err:
        normalise_sheet(sheet(data))
    msg = str(err.value)
    assert "row 52" in msg and "column 'Offence Subgroup'" in msg and "11 of 200 rows" in msg
    assert "CRIME_OUTCOMES_MAX_OVERLONG_SHARE" in msg and "found 2,000 characters here" in msg
    # Ten such rows are quarantined, not refused; so are eleven when the allowed share is raised.
    assert normalise_sheet(sheet(data[:60])).rejected.height == 10
    monkeypatch.setenv("CRIME_OUTCOMES_MAX_OVERLONG_SHARE", "0.1")
    assert normalise_sheet(sheet(data)).rejected.height == 11
