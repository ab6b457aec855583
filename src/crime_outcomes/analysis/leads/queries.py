"""The SQL behind leads: one set-based pass over ``outcomes_wide`` for every outcome selection at once.

Scanning every force x selection x offence with a story per force would read the table hundreds of
times. Instead one query reads ``outcomes_wide`` (a row per year, force and code, a column per
outcome type) once, sums each selection's columns, unpivots to a row per selection, and returns, per
selection:

* per year and force: the selected count, all outcomes (types 1-22) and the expected count at
  England and Wales rates for the same offences — the story's ``fair_queries.mix_and_expected``
  arithmetic, with its expected terms summed as the same scaled integers, so a lead's expected
  count is bit-for-bit the story's;
* per force and offence code with any selected outcome: its figures over the period, in the last
  year and before it, with the England and Wales totals for the code (a window over every force).

Values are bound as parameters; the only text spliced in is the count column from the fixed basis
mapping and the selections' outcome types, which are integers checked by ``Selection``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crime_outcomes.analysis.fair_queries import _SCALE, _wide_sum
from crime_outcomes.analysis.story_queries import _EW_FORCES, _column
from crime_outcomes.store import Store


@dataclass(frozen=True)
class YearForceRow:
    """One force's totals in one year for one selection (as ``fair_queries.ExpectedRow``)."""

    year: str
    force: str
    count: int
    denominator: int
    expected: float


@dataclass(frozen=True)
class ForceOffenceRow:
    """One force's figures for one offence code and selection: over the period, in its last year and before it."""

    force: str
    code: str
    count: int  # selected outcomes over the period
    denominator: int  # all outcomes (types 1-22) for the offence over the period
    last_count: int  # selected outcomes in the last year of the period
    last_denominator: int
    before_count: int  # selected outcomes in the years of the period before the last
    before_denominator: int
    national_count: int  # England and Wales (44 forces), selected outcomes for the offence over the period
    national_denominator: int


@dataclass
class SelectionRows:
    year_force: list[YearForceRow]
    force_offence: list[ForceOffenceRow]


def scan(store: Store, first: str, last: str, selections: Sequence[tuple[int, ...]], basis: str) -> list[SelectionRows]:
    """For each selection (its outcome types), the year x force and force x offence rows; one pass for all."""
    col = _column(basis)
    if not selections:
        return []
    names = [f"c{i}" for i in range(len(selections))]
    filtered = ", ".join(f"{_wide_sum(col, types)} AS {name}" for name, types in zip(names, selections, strict=True))
    sql = f"""
        WITH wide AS MATERIALIZED (
            SELECT financial_year AS y, force, offence_code AS code, coalesce({col}_all, 0) AS den, {filtered}
            FROM outcomes_wide
            WHERE financial_year BETWEEN ? AND ? AND outcome_rows > 0 AND force IN ({_EW_FORCES})),
        g AS MATERIALIZED (
            SELECT CAST(substr(gid, 2) AS INTEGER) AS gid, y, force, code, cnt, den
            FROM (UNPIVOT wide ON {", ".join(names)} INTO NAME gid VALUE cnt)),
        r AS (
            SELECT gid, y, code, CASE WHEN sum(den) <> 0 THEN sum(cnt) / sum(den) ELSE 0 END AS rate
            FROM g GROUP BY gid, y, code),
        yf AS (
            SELECT g.gid, g.y, g.force, sum(g.cnt) AS cnt, sum(g.den) AS den, sum(round(g.den * r.rate * {_SCALE})::BIGINT) AS term
            FROM g JOIN r USING (gid, y, code)
            GROUP BY g.gid, g.y, g.force),
        fo AS (
            SELECT gid, force, code, sum(cnt) AS cnt, sum(den) AS den,
                   coalesce(sum(cnt) FILTER (WHERE y = ?), 0) AS last_cnt,
                   coalesce(sum(den) FILTER (WHERE y = ?), 0) AS last_den,
                   coalesce(sum(cnt) FILTER (WHERE y < ?), 0) AS before_cnt,
                   coalesce(sum(den) FILTER (WHERE y < ?), 0) AS before_den
            FROM g GROUP BY gid, force, code),
        w AS (
            SELECT *, sum(cnt) OVER (PARTITION BY gid, code) AS nat_cnt, sum(den) OVER (PARTITION BY gid, code) AS nat_den
            FROM fo)
        SELECT 1 AS part, gid, y, force, NULL AS code, cnt, den, term, NULL, NULL, NULL, NULL, NULL, NULL FROM yf
        UNION ALL
        SELECT 2, gid, NULL, force, code, cnt, den, NULL, last_cnt, last_den, before_cnt, before_den, nat_cnt, nat_den
        FROM w WHERE cnt <> 0 OR last_cnt <> 0
        ORDER BY 1, 2, 3, 4, 5
    """
    out = [SelectionRows([], []) for _ in selections]
    for r in store.fetchall(sql, [first, last, last, last, last, last]):
        rows = out[r[1]]
        if r[0] == 1:
            rows.year_force.append(YearForceRow(r[2], r[3], int(r[5]), int(r[6]), int(r[7]) / _SCALE))
        else:
            rows.force_offence.append(ForceOffenceRow(r[3], r[4], int(r[5]), int(r[6]), *(int(v) for v in r[8:14])))
    return out
