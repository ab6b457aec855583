"""The SQL behind fair comparisons: expected counts at England and Wales rates, crime mix, drivers.

Like ``story_queries`` these aggregate inside DuckDB over ``outcomes_annual`` and return a few
thousand rows at most; values are bound as parameters and the only text spliced in is the count
column from the fixed basis mapping. Expected counts are summed as scaled integers, so the same
store always gives the same bits whatever order DuckDB's threads add them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crime_outcomes.analysis.story_queries import _EW_FORCES, _column, _marks
from crime_outcomes.store import Store

NO_SUBGROUP = "(no published subgroup)"

_SCALE = 10**12
"""Expected-count terms are summed as integers in units of 1e-12 (truncated), so the sum is exact
and the same in any order; the truncation moves a total by less than 1e-7."""


@dataclass(frozen=True)
class ExpectedRow:
    """One force's selected count and expected count in one year (see ``mix_and_expected``)."""

    year: str
    force: str
    count: int
    denominator: int
    expected: float


@dataclass(frozen=True)
class MixRow:
    """One force's outcomes (types 1-22) for the offences of one subgroup over the period."""

    force: str
    subgroup: str
    denominator: int


@dataclass(frozen=True)
class TypeOffenceRow:
    """Counts of one outcome type for one offence code over the period: the force and nationally."""

    code: str
    outcome_type: int
    count: int
    national_count: int


def mix_and_expected(store: Store, first: str, last: str, types: Sequence[int], basis: str) -> tuple[list[ExpectedRow], list[MixRow]]:
    """Expected counts per year and force, and each force's outcomes per offence subgroup over the period.

    expected = sum over offence codes of the force's outcomes (types 1-22) for the code times the
    England and Wales (44 forces) rate of the selected types for the code that year. The subgroup
    of a code is the one published for the latest year of the period holding it, as the story's
    offence labels are. One scan, two groupings, so the result is small (years x forces + forces x
    subgroups rows).
    """
    col = _column(basis)
    sql = f"""
        WITH lab AS (
            SELECT offence_code, arg_max(offence_subgroup, financial_year) AS subgroup
            FROM offences WHERE financial_year BETWEEN ? AND ?
            GROUP BY offence_code),
        g AS (
            SELECT financial_year, force, offence_code,
                   coalesce(sum({col}) FILTER (WHERE outcome_type IN ({_marks(types)})), 0) AS cnt,
                   coalesce(sum({col}), 0) AS den
            FROM outcomes_annual
            WHERE financial_year BETWEEN ? AND ? AND outcome_type BETWEEN 1 AND 22
            GROUP BY financial_year, force, offence_code),
        e AS (SELECT * FROM g WHERE force IN ({_EW_FORCES})),
        r AS (
            SELECT financial_year, offence_code, sum(cnt) AS ncnt, sum(den) AS nden
            FROM e GROUP BY financial_year, offence_code),
        t AS (
            SELECT e.financial_year, e.force, e.offence_code, coalesce(lab.subgroup, ?) AS subgroup, e.cnt, e.den,
                   CASE WHEN r.nden <> 0 THEN (e.den::HUGEINT * r.ncnt * {_SCALE}) // r.nden ELSE 0 END AS term
            FROM e JOIN r USING (financial_year, offence_code) LEFT JOIN lab USING (offence_code))
        SELECT financial_year, force, subgroup, sum(cnt), sum(den), sum(term)
        FROM t
        GROUP BY GROUPING SETS ((financial_year, force), (force, subgroup))
        ORDER BY financial_year NULLS LAST, force, subgroup
    """
    expected: list[ExpectedRow] = []
    mix: list[MixRow] = []
    for r in store.fetchall(sql, [first, last, *types, first, last, NO_SUBGROUP]):
        if r[0] is not None:
            expected.append(ExpectedRow(r[0], r[1], int(r[3]), int(r[4]), int(r[5]) / _SCALE))
        else:
            mix.append(MixRow(r[1], r[2], int(r[4])))
    return expected, mix


def type_offence_counts(store: Store, first: str, last: str, types: Sequence[int], basis: str, force: str | None) -> list[TypeOffenceRow]:
    """Per offence code and selected outcome type over the period: the force's count and the national count."""
    col = _column(basis)
    sql = f"""
        SELECT offence_code, outcome_type,
               coalesce(sum({col}) FILTER (WHERE ?::TEXT IS NULL OR force = ?), 0),
               coalesce(sum({col}), 0)
        FROM outcomes_annual
        WHERE financial_year BETWEEN ? AND ? AND outcome_type IN ({_marks(types)})
          AND force IN ({_EW_FORCES})
        GROUP BY offence_code, outcome_type
        ORDER BY offence_code, outcome_type
    """
    rows = store.fetchall(sql, [force, force, first, last, *types])
    return [TypeOffenceRow(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]
