"""The SQL behind ``story``: every query the force story runs, parameterised, in one place.

The totals read ``outcomes_annual`` (quarters summed at load time, a quarter of the rows);
only the missing-cell check needs quarters and reads ``outcomes_missing`` (the rows without a number). Each query aggregates inside DuckDB and returns at most a few thousand rows (years x forces,
or offence codes), so a story over twelve loaded years stays well under a second. Values are
always bound as parameters; the only text spliced into SQL is the count column, chosen from
the fixed ``BASIS_COLUMNS`` mapping, never from user input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from crime_outcomes.store import Store

BASIS_COLUMNS: dict[str, str] = {"closed": "closed", "recorded": "recorded"}
"""Count basis -> column of the outcomes table (and of its marker column, with ``_marker``)."""

_EW_FORCES = "SELECT force FROM forces WHERE kind <> 'fraud'"
_NOT_EXPIRED_MARKER = "lower(coalesce({col}_marker, '')) NOT LIKE '%expired%'"


def _marks(values: Sequence[object]) -> str:
    if not values:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("?" for _ in values)


def _column(basis: str) -> str:
    try:
        return BASIS_COLUMNS[basis]
    except KeyError:
        raise ValueError(f"unknown basis {basis!r}: use one of {', '.join(BASIS_COLUMNS)}") from None


@dataclass(frozen=True)
class YearForceRow:
    """One force's totals in one year: the selected outcomes and all outcomes (types 1-22)."""

    year: str
    force: str
    count: int
    denominator: int


@dataclass(frozen=True)
class OffenceRow:
    code: str
    count: int
    force_denominator: int
    national_count: int
    national_denominator: int


@dataclass(frozen=True)
class MissingCell:
    """Cells with no number (other than expired-code markers) for one force, year, quarter and marker."""

    force: str
    year: str
    quarter: int
    marker: str
    selected: bool  # True when the cells are of the selected outcome types
    cells: int


@dataclass(frozen=True)
class OffenceLabel:
    description: str | None
    group: str | None
    subgroup: str | None
    year: str  # the year the labels were taken from: the latest in the period holding the code
    expired: bool  # expired in that year
    expired_any: bool  # expired in any year of the period


@dataclass(frozen=True)
class Edition:
    file_name: str
    edition_date: date | None
    years: list[str]
    kind: str


def year_force_totals(store: Store, first: str, last: str, types: Sequence[int], basis: str) -> list[YearForceRow]:
    """Per year and force (44 forces, fraud bodies excluded): selected count and all-outcome total.

    Years are compared as text ('2014/15' < '2015/16' sorts by time), which is cheaper than an
    IN list over millions of rows; fraud bodies are dropped after grouping, on ~500 rows.
    """
    col = _column(basis)
    sql = f"""
        WITH g AS (
            SELECT financial_year, force,
                   sum({col}) FILTER (WHERE outcome_type IN ({_marks(types)})) AS cnt,
                   sum({col}) AS den
            FROM outcomes_annual
            WHERE financial_year BETWEEN ? AND ? AND outcome_type BETWEEN 1 AND 22
            GROUP BY financial_year, force)
        SELECT financial_year, force, coalesce(cnt, 0), coalesce(den, 0)
        FROM g
        WHERE force IN ({_EW_FORCES})
        ORDER BY financial_year, force
    """
    rows = store.fetchall(sql, [*types, first, last])
    return [YearForceRow(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def offence_year_force(store: Store, code: str, years: Sequence[str], types: Sequence[int], basis: str) -> list[YearForceRow]:
    """Per year and force, for one offence code: the selected outcomes and all outcomes (types 1-22)."""
    col = _column(basis)
    sql = f"""
        SELECT financial_year, force,
               coalesce(sum({col}) FILTER (WHERE outcome_type IN ({_marks(types)})), 0) AS cnt,
               coalesce(sum({col}), 0) AS den
        FROM outcomes
        WHERE offence_code = ?
          AND financial_year IN ({_marks(years)})
          AND outcome_type BETWEEN 1 AND 22
          AND force IN ({_EW_FORCES})
        GROUP BY financial_year, force
        ORDER BY financial_year, force
    """
    rows = store.fetchall(sql, [*types, code, *years])
    return [YearForceRow(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def offence_codes(store: Store, years: Sequence[str]) -> list[str]:
    """Every offence code with outcomes in the store, or labelled in one of ``years``."""
    labelled = f"UNION SELECT offence_code FROM offences WHERE financial_year IN ({_marks(years)})" if years else ""
    return [r[0] for r in store.fetchall(f"SELECT offence_code FROM outcomes {labelled} ORDER BY 1", list(years))]


def has_offence_code(store: Store, code: str, years: Sequence[str]) -> bool:
    """True when ``code`` is one of ``offence_codes(store, years)``."""
    labelled = f"OR EXISTS (SELECT 1 FROM offences WHERE offence_code = ? AND financial_year IN ({_marks(years)}))" if years else ""
    sql = f"SELECT EXISTS (SELECT 1 FROM outcomes WHERE offence_code = ?) {labelled}"
    return bool(store.fetchall(sql, [code, *([code, *years] if years else [])])[0][0])


def _fraud_bodies(store: Store) -> list[str]:
    return [r[0] for r in store.fetchall("SELECT force FROM forces WHERE kind = 'fraud' ORDER BY force")]


def offence_totals(store: Store, first: str, last: str, types: Sequence[int], basis: str, force: str | None) -> list[OffenceRow]:
    """Per offence code over the period: the force's (or, with force None, the national) counts.

    One pass grouped by code alone (about 150 groups); the force's figures are filtered sums.
    Fraud bodies are excluded by name, which on this path is cheaper than grouping by force.
    """
    col = _column(basis)
    fraud = _fraud_bodies(store) or [""]
    sql = f"""
        SELECT offence_code,
               coalesce(sum({col}) FILTER (WHERE (?::TEXT IS NULL OR force = ?) AND outcome_type IN ({_marks(types)})), 0),
               coalesce(sum({col}) FILTER (WHERE ?::TEXT IS NULL OR force = ?), 0),
               coalesce(sum({col}) FILTER (WHERE outcome_type IN ({_marks(types)})), 0),
               coalesce(sum({col}), 0)
        FROM outcomes_annual
        WHERE financial_year BETWEEN ? AND ? AND outcome_type BETWEEN 1 AND 22
          AND force NOT IN ({_marks(fraud)})
        GROUP BY offence_code
        ORDER BY offence_code
    """
    rows = store.fetchall(sql, [force, force, *types, force, force, *types, first, last, *fraud])
    return [OffenceRow(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def missing_cells(store: Store, first: str, last: str, types: Sequence[int], basis: str) -> list[MissingCell]:
    """Cells of types 1-22 published without a number, expired-code markers aside (from ``outcomes_missing``,
    which holds every such row of ``outcomes``)."""
    col = _column(basis)
    not_expired = _NOT_EXPIRED_MARKER.format(col=col)
    sql = f"""
        SELECT force, financial_year, quarter, coalesce({col}_marker, '(no marker)') AS marker,
               outcome_type IN ({_marks(types)}) AS selected, count(*) AS cells
        FROM outcomes_missing
        WHERE financial_year BETWEEN ? AND ?
          AND outcome_type BETWEEN 1 AND 22
          AND {col} IS NULL AND {not_expired}
          AND force IN ({_EW_FORCES})
        GROUP BY ALL
        ORDER BY force, financial_year, quarter, marker, selected
    """
    rows = store.fetchall(sql, [*types, first, last])
    return [MissingCell(r[0], r[1], int(r[2]), r[3], bool(r[4]), int(r[5])) for r in rows]


def offence_labels(store: Store, years: Sequence[str]) -> dict[str, OffenceLabel]:
    """Description, group and subgroup of each code from the latest year in the period holding it."""
    sql = f"""
        SELECT offence_code,
               arg_max(description, financial_year) AS description,
               arg_max(offence_group, financial_year) AS offence_group,
               arg_max(offence_subgroup, financial_year) AS offence_subgroup,
               max(financial_year) AS year,
               arg_max(expired, financial_year) AS expired,
               bool_or(expired) AS expired_any
        FROM offences
        WHERE financial_year IN ({_marks(years)})
        GROUP BY offence_code
        ORDER BY offence_code
    """
    return {r[0]: OffenceLabel(r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6])) for r in store.fetchall(sql, list(years))}


def recorded_crime_years(store: Store) -> list[str]:
    return [r[0] for r in store.fetchall("SELECT DISTINCT financial_year FROM recorded_crime ORDER BY 1")]


def recorded_crime_by_year_force(store: Store, years: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """(year, force) -> (recorded offences, cells without a number), fraud bodies excluded."""
    sql = f"""
        SELECT financial_year, force, coalesce(sum(offences), 0), count(*) FILTER (WHERE offences IS NULL)
        FROM recorded_crime
        WHERE financial_year IN ({_marks(years)}) AND force IN ({_EW_FORCES})
        GROUP BY financial_year, force
        ORDER BY financial_year, force
    """
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in store.fetchall(sql, list(years))}


def recorded_crime_by_code(store: Store, years: Sequence[str], force: str | None) -> dict[str, tuple[int, int]]:
    """Offence code -> (recorded offences for the force or nationally, recorded offences nationally)."""
    sql = f"""
        SELECT offence_code,
               coalesce(sum(offences) FILTER (WHERE ?::TEXT IS NULL OR force = ?), 0),
               coalesce(sum(offences), 0)
        FROM recorded_crime
        WHERE financial_year IN ({_marks(years)}) AND force IN ({_EW_FORCES})
        GROUP BY offence_code
        ORDER BY offence_code
    """
    return {r[0]: (int(r[1]), int(r[2])) for r in store.fetchall(sql, [force, force, *years])}


def editions(store: Store, years: Sequence[str], kinds: Sequence[str]) -> list[Edition]:
    """The current (not superseded) source files holding any year of the period."""
    sql = f"""
        SELECT file_name, edition_date, years, kind
        FROM sources
        WHERE superseded_by IS NULL AND kind IN ({_marks(kinds)})
        ORDER BY kind, source_id
    """
    wanted = set(years)
    out: list[Edition] = []
    for file_name, edition_date, held, kind in store.fetchall(sql, list(kinds)):
        held_years = [y for y in (held or "").split(",") if y]
        if wanted & set(held_years):
            out.append(Edition(file_name, edition_date, held_years, kind))
    return out
