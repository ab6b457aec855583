"""Property-based tests for normalisation: offence codes, years, quarters, markers, forces.

Values go through ``normalise_sheet`` (the path every file takes), a batch at a time, and
the properties are the published rules of docs/home-office-data.md: codes are text kept
exactly (``4.10`` stays, a numeric ``80.0`` becomes ``80``); ``2017/18``, ``2017-18`` and
``2017/2018`` are one year and non-consecutive years are refused; quarters are 1-4 or
``Q1``-``Q4``; any ``N/A ...`` marker is a missing value with its text kept, while numbers
(negatives included) come back unchanged; force names in any published or typed spelling
map to one canonical name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crime_outcomes.normalise.forces import FORCES, canonical_force
from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
from crime_outcomes.readers.base import RawSheet
from crime_outcomes.testing.workbooks import HEADERS_CURRENT

pytestmark = pytest.mark.slow  # hypothesis searches: the full run keeps them, the inner loop leaves them out

FIELDS = {
    "Financial Year": "2017/18",
    "Financial Quarter": "1",
    "Force Name": "Kent",
    "Offence Description": "Description",
    "Offence Group": "Group",
    "Offence Subgroup": "Subgroup",
    "Offence Code": "8N",
    "Offence code expired": None,
    "Outcomes for offences that were recorded in the quarter": "0",
    "Outcomes for investigations closed in the quarter": "0",
    "Outcome Description": "Charged/Summonsed",
    "Outcome Group": "Charged/Summonsed",
    "Outcome Type": "1",
}
RECORDED = "Outcomes for offences that were recorded in the quarter"
CLOSED = "Outcomes for investigations closed in the quarter"

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def normalise(rows: list[dict[str, str | None]]) -> NormalisedSheet:
    """A sheet of text cells, each row the defaults overridden by ``rows[i]``; every row
    gets its own outcome type/quarter/force slot so none is a duplicate key."""
    full = [{**FIELDS, **r} for r in rows]
    table = pa.table({f"c{i}": pa.array([r[h] for r in full], pa.string()) for i, h in enumerate(HEADERS_CURRENT)})
    raw = RawSheet(path=Path("property.xlsx"), sheet="Outcomes", header_row=1, headers=list(HEADERS_CURRENT), table=table, first_row=2)
    sheet = normalise_sheet(raw)
    assert sheet.rows_read == len(rows) == sheet.rows_loaded + sheet.rejected.height
    return sheet


def by_row(sheet: NormalisedSheet) -> dict[int, dict[str, object]]:
    return {r["source_row"]: r for r in sheet.main.iter_rows(named=True)}


def rejected_rows(sheet: NormalisedSheet) -> dict[int, tuple[str, str]]:
    return {r["source_row"]: (r["column_name"], r["reason"]) for r in sheet.rejected.iter_rows(named=True)}


# Rows of a batch differ in outcome type (0-22), so keys never collide.
def distinct(values: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    return [{"Outcome Type": str(i), **v} for i, v in enumerate(values)]


# --------------------------------------------------------------------------------------------
# Offence codes

code_text = (
    st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,2})?[A-Z]{0,2}\Z")
    | st.from_regex(r"\A[0-9]{1,2}(/[0-9]{1,2}\.[0-9]{1,2}){1,3}\Z")
    | st.text(alphabet="0123456789ABCDEFGHXYZabc./-", min_size=1, max_size=10)
)


def expected_code(code: str) -> str:
    """The rule: text as published; only a whole number written with '.0' loses it."""
    code = code.strip()
    m = re.fullmatch(r"(\d+)\.0+", code)
    return m.group(1) if m else code


@SETTINGS
@given(st.lists(code_text, min_size=1, max_size=23, unique_by=expected_code))
def test_offence_codes_are_kept_as_text(codes: list[str]) -> None:
    sheet = normalise(distinct([{"Offence Code": c} for c in codes]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    assert [loaded[i + 2]["offence_code"] for i in range(len(codes))] == [expected_code(c) for c in codes]


def test_offence_code_examples() -> None:
    codes = ["4.10", "80.0", "1/4.1/4.10/4.2", "37.2", "8N", " 11A ", "105A"]
    sheet = normalise(distinct([{"Offence Code": c} for c in codes]))
    assert [r["offence_code"] for r in sheet.main.sort("source_row").iter_rows(named=True)] == [
        "4.10",
        "80",
        "1/4.1/4.10/4.2",
        "37.2",
        "8N",
        "11A",
        "105A",
    ]
    # '80.0' and '80' are one code: the second of a pair is a duplicate key, quarantined.
    pair = normalise([{"Offence Code": "80"}, {"Offence Code": "80.0"}])
    assert pair.main["offence_code"].to_list() == ["80"] and "duplicate of row 2" in rejected_rows(pair)[3][1]


# --------------------------------------------------------------------------------------------
# Years


@st.composite
def year_spelling(draw: st.DrawFn) -> tuple[str, str]:
    start = draw(st.integers(1990, 2098))
    end = start + 1
    text = draw(
        st.sampled_from(
            [
                f"{start}/{end % 100:02d}",
                f"{start}-{end % 100:02d}",
                f"{start}/{end}",
                f"{start}-{end}",
                f"{start} / {end % 100:02d}",
                f" {start}/{end % 100:02d} ",
            ]
        )
    )
    return text, f"{start}/{end % 100:02d}"


@SETTINGS
@given(st.lists(year_spelling(), min_size=1, max_size=23))
def test_year_spellings_become_one_form(years: list[tuple[str, str]]) -> None:
    sheet = normalise(distinct([{"Financial Year": text} for text, _ in years]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    assert [loaded[i + 2]["financial_year"] for i in range(len(years))] == [want for _, want in years]


@SETTINGS
@given(st.integers(1990, 2098), st.integers(-5, 5).filter(lambda d: d != 1), st.sampled_from(["/", "-"]), st.booleans())
def test_non_consecutive_years_are_refused(start: int, gap: int, sep: str, four_digits: bool) -> None:
    end = start + gap
    text = f"{start}{sep}{end if four_digits else f'{end % 100:02d}'}"
    sheet = normalise([{"Financial Year": text}])
    assert sheet.main.height == 0
    assert rejected_rows(sheet)[2] == ("Financial Year", "not a financial year like 2017/18")


# --------------------------------------------------------------------------------------------
# Quarters


@SETTINGS
@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["{}", "Q{}", "q{}", "Q {}", " {} ", "{}.0"])), min_size=1, max_size=23))
def test_quarters_one_to_four(quarters: list[tuple[int, str]]) -> None:
    sheet = normalise(distinct([{"Financial Quarter": fmt.format(q)} for q, fmt in quarters]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    assert [loaded[i + 2]["quarter"] for i in range(len(quarters))] == [q for q, _ in quarters]


@SETTINGS
@given(st.one_of(st.integers().filter(lambda q: not 1 <= q <= 4).map(str), st.sampled_from(["Q5", "Q0", "first", "", "1.5", "Q", "4th"])))
def test_other_quarters_are_refused(text: str) -> None:
    sheet = normalise([{"Financial Quarter": text}])
    assert sheet.main.height == 0
    assert rejected_rows(sheet)[2][0] == "Financial Quarter"


# --------------------------------------------------------------------------------------------
# Count markers and numbers

# "N/A" then anything; bare "NA" only as a word ("NAx" or "NaN" are not markers).
marker = st.builds(
    lambda head, sep, tail: f"{head}{sep if '/' in head or not tail else sep or ' '}{tail}",
    st.sampled_from(["N/A", "n/a", "NA", "N/a", "na"]),
    st.sampled_from(["", " - ", " – ", " — ", " "]),
    st.sampled_from(["", "data not provided", "Offence code expired", "offence code expired", "not applicable", "x"]),
)


@SETTINGS
@given(st.lists(marker, min_size=1, max_size=23))
def test_markers_are_missing_values_with_their_text(markers: list[str]) -> None:
    sheet = normalise(distinct([{RECORDED: m, CLOSED: m} for m in markers]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    for i, m in enumerate(markers):
        row = loaded[i + 2]
        assert row["recorded"] is None and row["closed"] is None, "a marker must never read as a number (zero)"
        assert row["recorded_marker"] == m.strip() and row["closed_marker"] == m.strip()


@SETTINGS
@given(st.lists(st.tuples(st.integers(-(10**9), 10**9), st.booleans()), min_size=1, max_size=23))
def test_numbers_round_trip_including_negatives(numbers: list[tuple[int, bool]]) -> None:
    cells = [f"{n}.0" if as_float else str(n) for n, as_float in numbers]
    sheet = normalise(distinct([{RECORDED: c, CLOSED: c} for c in cells]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    for i, (n, _) in enumerate(numbers):
        assert loaded[i + 2]["recorded"] == n and loaded[i + 2]["closed"] == n
        assert loaded[i + 2]["recorded_marker"] is None


@SETTINGS
@given(st.sampled_from(["ten", "1.5", "1e3", "NaN", "12,000", "--1", "99999999999999999999", str(10**12)]))
def test_other_counts_are_quarantined_not_zeroed(text: str) -> None:
    sheet = normalise([{CLOSED: text}])
    assert sheet.main.height == 0
    assert rejected_rows(sheet)[2][0] == CLOSED


# --------------------------------------------------------------------------------------------
# Forces

FORCE_NAMES = sorted(FORCES)


@st.composite
def force_spelling(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FORCE_NAMES))
    text = name
    if draw(st.booleans()):
        text = text.replace(" and ", " & ")
    text = draw(st.sampled_from([str.upper, str.lower, str.title, lambda s: s]))(text)
    if draw(st.booleans()):
        text = text + draw(st.sampled_from([" Police", " Constabulary", " police", " Police Service"]))
    if draw(st.booleans()):
        text = "  " + text.replace(" ", "  ") + " "
    return text, name


@SETTINGS
@given(force_spelling())
def test_force_spellings_map_to_the_canonical_name(spelling: tuple[str, str]) -> None:
    text, name = spelling
    assert canonical_force(text) == name


@SETTINGS
@given(st.lists(force_spelling(), min_size=1, max_size=23))
def test_force_spellings_load_as_canonical(spellings: list[tuple[str, str]]) -> None:
    sheet = normalise(distinct([{"Force Name": text} for text, _ in spellings]))
    loaded = by_row(sheet)
    assert sheet.rejected.height == 0
    assert [loaded[i + 2]["force"] for i in range(len(spellings))] == [name for _, name in spellings]


def test_published_aliases() -> None:
    assert canonical_force("London, City of") == "City of London"
    assert canonical_force("Hampshire and Isle of Wight") == "Hampshire"
    assert canonical_force("Metropolitan Police Service") == "Metropolitan Police"
    assert canonical_force("Atlantis") is None
    assert canonical_force("<script>alert(1)</script>") is None
