"""The SQL behind fair comparisons: expected counts at England and Wales rates, crime mix, drivers.

Like ``story_queries`` these aggregate inside DuckDB and return a few thousand rows at most;
values are bound as parameters and the only text spliced in is column names: the count column
from the fixed basis mapping and, in ``outcomes_wide``, one column per selected outcome type (an
integer 1-22, checked). Expected counts are summed as scaled integers, so the same
store always gives the same bits whatever order DuckDB's threads add them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crime_outcomes.analysis.story_queries import _EW_FORCES, OffenceRow, _column, _marks
from crime_outcomes.store import Store

NO_SUBGROUP = "(no published subgroup)"

_SCALE = 10**9
"""Expected-count terms (one per year, force and offence code) are rounded to integers in units of
1e-9 and summed as integers, so the sum is exact and the same in any order DuckDB's threads add
them; the rounding moves a total by at most 5e-10 per term."""


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


@dataclass(frozen=True)
class Mix:
    """What one pass over the period gives (see ``mix_and_expected``)."""

    expected: list[ExpectedRow]  # per year and force: the story's year x force totals, and expected counts
    mix: list[MixRow]  # per force and offence subgroup: crime mix, for similarity
    offences: list[OffenceRow]  # per offence code: the force's and the national counts (``story_queries.offence_totals``)


def mix_and_expected(store: Store, first: str, last: str, types: Sequence[int], basis: str, force: str | None = None) -> Mix:
    """Expected counts per year and force, each force's outcomes per offence subgroup, and the offence totals.

    expected = sum over offence codes of the force's outcomes (types 1-22) for the code times the
    England and Wales (44 forces) rate of the selected types for the code that year. The subgroup
    of a code is the one published for the latest year of the period holding it, as the story's
    offence labels are. It reads ``outcomes_wide`` (a row per year, force and code with a column per
    type), where the rows with any outcome of types 1-22 are exactly the groups of ``outcomes_annual``
    the definitions sum over. One scan grouped three ways, so the result is small (years x forces +
    forces x subgroups + offence codes rows) and the story needs no separate pass for its
    year x force totals (``year_force_totals``) or its offence breakdown (``offence_totals``).

    That scan is the same whichever force the story is about, so a run of stories through a
    query memo (``outputs.packs.write_all``) makes it once; the force's own counts per offence
    code come from a second query over the force's rows alone (a few milliseconds).
    """
    col = _column(basis)
    sql = f"""
        WITH lab AS (
            SELECT offence_code, arg_max(offence_subgroup, financial_year) AS subgroup
            FROM offences WHERE financial_year BETWEEN ? AND ?
            GROUP BY offence_code),
        g AS (
            SELECT financial_year, force, offence_code, {_wide_sum(col, types)} AS cnt, coalesce({col}_all, 0) AS den
            FROM outcomes_wide
            WHERE financial_year BETWEEN ? AND ? AND outcome_rows > 0),
        e AS (SELECT * FROM g WHERE force IN ({_EW_FORCES})),
        r AS (
            SELECT financial_year, offence_code, CASE WHEN sum(den) <> 0 THEN sum(cnt) / sum(den) ELSE 0 END AS rate
            FROM e GROUP BY financial_year, offence_code),
        t AS MATERIALIZED (
            SELECT e.financial_year, e.force, e.offence_code, coalesce(lab.subgroup, ?) AS subgroup, e.cnt, e.den,
                   round(e.den * r.rate * {_SCALE})::BIGINT AS term
            FROM e JOIN r USING (financial_year, offence_code) LEFT JOIN lab USING (offence_code))
        SELECT {_BY_YEAR_FORCE}, financial_year, force, NULL, NULL, sum(cnt), sum(den), sum(term)
        FROM t GROUP BY financial_year, force
        UNION ALL
        SELECT {_BY_FORCE_SUBGROUP}, NULL, force, subgroup, NULL, NULL, sum(den), NULL
        FROM t GROUP BY force, subgroup
        UNION ALL
        SELECT {_BY_OFFENCE}, NULL, NULL, NULL, offence_code, sum(cnt), sum(den), NULL
        FROM t GROUP BY offence_code
        ORDER BY 1, 2, 3, 4, 5
    """
    out = Mix([], [], [])
    national: list[tuple[str, int, int]] = []
    for r in store.fetchall(sql, [first, last, first, last, NO_SUBGROUP]):
        kind = r[0]
        if kind == _BY_YEAR_FORCE:
            out.expected.append(ExpectedRow(r[1], r[2], int(r[5]), int(r[6]), int(r[7]) / _SCALE))
        elif kind == _BY_FORCE_SUBGROUP:
            out.mix.append(MixRow(r[2], r[3], int(r[6])))
        else:
            national.append((r[4], int(r[5]), int(r[6])))
    own = {code: (cnt, den) for code, cnt, den in national} if force is None else _force_offences(store, first, last, col, types, force)
    for code, cnt, den in national:
        force_cnt, force_den = own.get(code, (0, 0))
        out.offences.append(OffenceRow(code, force_cnt, force_den, cnt, den))
    return out


def _force_offences(store: Store, first: str, last: str, col: str, types: Sequence[int], force: str) -> dict[str, tuple[int, int]]:
    """One force's selected count and outcomes of types 1-22 per offence code over the period (the rows
    ``mix_and_expected`` sums, for that force)."""
    sql = f"""
        SELECT offence_code, sum({_wide_sum(col, types)}), sum(coalesce({col}_all, 0))
        FROM outcomes_wide
        WHERE financial_year BETWEEN ? AND ? AND outcome_rows > 0 AND force = ? AND force IN ({_EW_FORCES})
        GROUP BY offence_code
    """
    return {r[0]: (int(r[1]), int(r[2])) for r in store.fetchall(sql, [first, last, force])}


_BY_YEAR_FORCE, _BY_FORCE_SUBGROUP, _BY_OFFENCE = 1, 2, 3  # which of the three groupings a result row is from


def _wide_sum(col: str, types: Sequence[int]) -> str:
    """The selected types' count on one row of ``outcomes_wide``: the sum of their columns, a NULL cell counting 0
    (as ``sum(...) FILTER`` over ``outcomes_annual`` skips it)."""
    if not types:
        raise ValueError("an outcome selection needs at least one type")
    bad = [t for t in types if not (isinstance(t, int) and 1 <= t <= 22)]
    if bad:
        raise ValueError(f"outcome types must be whole numbers 1-22, not {bad}")
    return " + ".join(f"coalesce({col}_{t}, 0)" for t in sorted(set(types)))


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
