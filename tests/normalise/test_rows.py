"""Normalisation of one sheet: every trap in docs/home-office-data.md, checked on small tables."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from crime_outcomes.errors import InputError
from crime_outcomes.normalise.rows import normalise_sheet
from crime_outcomes.readers.base import RawSheet

H2019 = [
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
HCURRENT = [
    "Outcomes for investigations closed in the quarter",
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Code",
    "Offence code expired",
    "Outcome Type",
    "Outcomes for offences that were recorded in the quarter",
]


def raw(headers: list[str], rows: list[list[str | None]], *, first_row: int = 2) -> RawSheet:
    cols = {f"c{i}": pa.array([r[i] for r in rows], type=pa.string()) for i in range(len(headers))}
    return RawSheet(Path("test.xlsx"), "Data", first_row - 1, headers, pa.table(cols), first_row)


def row(force="West Midlands", code="8N", otype="8", recorded="5", closed="3", year="2017/18", q="1", expired=None):
    return [
        year,
        q,
        force,
        "Assault with injury",
        "Violence against the person",
        "Violence with injury",
        code,
        expired,
        "desc",
        "group",
        otype,
        recorded,
        closed,
    ]


def test_type_zero_is_kept_and_its_na_closed_cell_is_missing_not_zero():
    ns = normalise_sheet(raw(H2019, [row(otype="0", recorded="7", closed="N/A")]))
    assert ns.main.height == 1
    r = ns.main.row(0, named=True)
    assert r["outcome_type"] == 0 and r["recorded"] == 7
    assert r["closed"] is None and r["closed_marker"] == "N/A"


def test_data_not_provided_is_null_with_marker_kept():
    ns = normalise_sheet(raw(H2019, [row(recorded="N/A - data not provided", closed="4")]))
    r = ns.main.row(0, named=True)
    assert r["recorded"] is None
    assert r["recorded_marker"] == "N/A - data not provided"
    assert r["closed"] == 4


def test_negative_counts_are_kept():
    ns = normalise_sheet(raw(H2019, [row(recorded="-353", closed="-2")]))
    assert ns.main.row(0, named=True)["recorded"] == -353
    assert ns.main.row(0, named=True)["closed"] == -2


@pytest.mark.parametrize(
    ("given", "stored"),
    [("4.10", "4.10"), ("80.0", "80"), ("80", "80"), ("37.2", "37.2"), ("1/4.1/4.10/4.2", "1/4.1/4.10/4.2"), (" 8N ", "8N")],
)
def test_offence_codes_stay_text(given, stored):
    ns = normalise_sheet(raw(H2019, [row(code=given)]))
    assert ns.main["offence_code"].to_list() == [stored]


def test_alternate_types_go_to_their_own_table():
    ns = normalise_sheet(raw(H2019, [row(otype="1"), row(otype="1a"), row(otype="3A")]))
    assert ns.main["outcome_type"].to_list() == [1]
    assert ns.alternate["outcome_type"].to_list() == ["1a", "3a"]
    assert ns.rows_read == ns.rows_loaded + ns.rejected.height == 3


def test_btp_and_city_of_london_aliases():
    ns = normalise_sheet(raw(H2019, [row(force="London, City of"), row(force="British Transport Police", code="9A")]))
    assert ns.main["force"].to_list() == ["City of London", "British Transport Police"]


def test_fraud_bodies_are_kept_and_noted():
    ns = normalise_sheet(raw(H2019, [row(force="Action Fraud"), row(force="CIFAS", code="9A")]))
    assert ns.main["force"].to_list() == ["Action Fraud", "CIFAS"]
    assert any("fraud" in n and "Action Fraud" in n for n in ns.notes)


def test_unknown_force_is_quarantined_with_row_column_and_reason():
    ns = normalise_sheet(raw(H2019, [row(), row(force="Gotham City", code="9A")], first_row=5))
    assert ns.main.height == 1
    rej = ns.rejected.row(0, named=True)
    assert rej["source_row"] == 6
    assert rej["column_name"] == "Force Name"
    assert "unknown force" in rej["reason"]
    assert json.loads(rej["raw"])["Force Name"] == "Gotham City"


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("otype", "23", "Outcome Type"),
        ("recorded", "12.5", "Force outcomes for offences recorded in quarter"),
        ("closed", "lots", "Force outcomes recorded in quarter"),
        ("closed", "99999999999999", "Force outcomes recorded in quarter"),
        ("year", "2017/19", "Financial Year"),
        ("q", "5", "Financial Quarter"),
        ("expired", "maybe", "Offence Code Expired"),
    ],
)
def test_bad_values_are_rejected_naming_the_column(field, value, column):
    ns = normalise_sheet(raw(H2019, [row(**{field: value})]))
    assert ns.main.height == 0
    assert ns.rejected["column_name"].to_list() == [column]


def test_years_and_quarters_in_other_spellings():
    ns = normalise_sheet(raw(H2019, [row(year="2017-18", q="Q2"), row(year="2017/2018", q="3", code="9A")]))
    assert ns.main["financial_year"].to_list() == ["2017/18", "2017/18"]
    assert ns.main["quarter"].to_list() == [2, 3]


def test_duplicate_rows_point_at_the_first():
    ns = normalise_sheet(raw(H2019, [row(), row(), row(code="9A")]))
    assert ns.main.height == 2
    assert ns.rejected["reason"].to_list()[0].startswith("duplicate of row 2")


def test_expired_flag_kept():
    ns = normalise_sheet(raw(H2019, [row(expired="x", recorded="N/A - Offence code expired", closed="2")]))
    assert ns.offences["expired"].to_list() == [True]
    assert ns.main.row(0, named=True)["recorded_marker"] == "N/A - Offence code expired"


def test_current_headers_in_another_order():
    ns = normalise_sheet(raw(HCURRENT, [["6", "2017/18", "1", "Kent", "11A", None, "8", "9"]]))
    r = ns.main.row(0, named=True)
    assert (r["force"], r["offence_code"], r["outcome_type"], r["recorded"], r["closed"]) == ("Kent", "11A", 8, 9, 6)


def test_missing_count_column_names_file_sheet_and_field():
    with pytest.raises(InputError) as info:
        normalise_sheet(raw(H2019[:-1], [row()[:-1]]))
    msg = str(info.value)
    assert "test.xlsx" in msg and "'Data'" in msg and "missing field(s) closed" in msg


def test_unknown_column_is_not_dropped_silently():
    with pytest.raises(InputError) as info:
        normalise_sheet(raw([*H2019, "Comments"], [[*row(), "hello"]]))
    assert "unknown header(s) 'Comments'" in str(info.value)


def test_duplicate_headers_rejected():
    headers = [*H2019[:-1], "Force outcomes for offences recorded in quarter"]
    with pytest.raises(InputError) as info:
        normalise_sheet(raw(headers, [row()]))
    assert "two columns map to the field 'recorded'" in str(info.value)


def test_duplicates_are_found_whatever_the_spelling():
    # Same year, quarter, force, code and type however each is written; "01" is not "1" as text.
    rows = [
        row(otype="1a"),
        row(year="2017-18", q="Q1", force="London, City of", code=" 8N ", otype="1A"),
        row(force="City of London", otype="1a"),
        row(otype="01"),
        row(otype="1"),
    ]
    ns = normalise_sheet(raw(H2019, rows))
    assert ns.rejected.select("source_row", "reason").rows() == [
        (4, "duplicate of row 3 (same year, quarter, force, offence code and outcome type)")
    ]
    assert ns.alternate["source_row"].to_list() == [2, 3]
    assert ns.main["source_row"].to_list() == [5, 6]


def test_negative_annual_totals_are_named_with_the_lowest():
    rows = [
        row(q="1", recorded="-5", closed="1"),
        row(q="2", recorded="2", closed="1"),
        row(q="3", otype="08", recorded="-1", closed="1"),  # the same type as a number: the same total
        row(code="9A", recorded="-1", closed="N/A"),
        row(code="9B", recorded="-7", closed="0"),
        row(code="9B", q="2", recorded="9", closed="0"),  # a negative cell, but the year adds up to 2
        row(force="Kent", recorded="3", closed="-2"),
    ]
    notes = [n for n in normalise_sheet(raw(H2019, rows)).notes if "annual total" in n]
    assert notes == [
        "2 annual total(s) on the recorded basis are negative (force, year, offence code and outcome type), "
        "loaded as published; the lowest: 2017/18, West Midlands, 8N, 8 = -4",
        "1 annual total(s) on the closed basis are negative (force, year, offence code and outcome type), "
        "loaded as published; the lowest: 2017/18, Kent, 8N, 8 = -2",
    ]


def test_outcome_labels_per_year_and_type_as_published():
    rows = [row(otype="1A"), row(otype="1a", code="9A"), row(otype="1", code="9B"), row(otype="01", code="9C")]
    labels = normalise_sheet(raw(H2019, rows)).outcome_labels
    assert labels.select("financial_year", "outcome_type").rows() == [("2017/18", "01"), ("2017/18", "1"), ("2017/18", "1a")]


def test_group_keys_stay_exact_when_their_product_would_overflow():
    from crime_outcomes.normalise.rows import _group_key

    parts = pl.DataFrame({"a": [1, 1, 1, 0, 5], "b": [2, 2, 2, 2, 7], "c": [3, 3, 4, 3, 3]}, schema=dict.fromkeys("abc", pl.UInt32))
    for size in (10, 2**40):  # 2**120 combinations: the keys so far are renumbered on the way
        key = _group_key(parts, ["a", "b", "c"], dict.fromkeys("abc", size)).to_list()
        assert [key.index(k) for k in key] == [0, 0, 2, 3, 4]
