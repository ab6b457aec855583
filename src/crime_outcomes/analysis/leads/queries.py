"""The SQL behind leads: one set-based pass per outcome selection over ``outcomes_annual``.

The year x force totals and expected counts come from ``fair_queries.mix_and_expected`` (the
story's own query); this module adds the force x offence figures every offence lead needs, with
the England and Wales totals per offence from a window over the same rows, so a scan of every
force costs one grouped query per selection instead of a story per force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crime_outcomes.analysis.story_queries import _EW_FORCES, _column, _marks
from crime_outcomes.store import Store


@dataclass(frozen=True)
class ForceOffenceRow:
    """One force's figures for one offence code: over the period, in its last year and before it."""

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


def force_offence(store: Store, first: str, last: str, types: Sequence[int], basis: str) -> list[ForceOffenceRow]:
    """Per force and offence code with any selected outcome, the force's and the national figures.

    Rows where the force had none of the selected outcomes are dropped after the national totals
    are taken (a window over every force), so the result is a few thousand rows at most.
    """
    col = _column(basis)
    sql = f"""
        WITH g AS (
            SELECT force, offence_code, financial_year,
                   coalesce(sum({col}) FILTER (WHERE outcome_type IN ({_marks(types)})), 0) AS cnt,
                   coalesce(sum({col}), 0) AS den
            FROM outcomes_annual
            WHERE financial_year BETWEEN ? AND ? AND outcome_type BETWEEN 1 AND 22
            GROUP BY force, offence_code, financial_year),
        f AS (
            SELECT force, offence_code, sum(cnt) AS cnt, sum(den) AS den,
                   coalesce(sum(cnt) FILTER (WHERE financial_year = ?), 0) AS last_cnt,
                   coalesce(sum(den) FILTER (WHERE financial_year = ?), 0) AS last_den,
                   coalesce(sum(cnt) FILTER (WHERE financial_year < ?), 0) AS before_cnt,
                   coalesce(sum(den) FILTER (WHERE financial_year < ?), 0) AS before_den
            FROM g WHERE force IN ({_EW_FORCES})
            GROUP BY force, offence_code),
        w AS (
            SELECT *, sum(cnt) OVER (PARTITION BY offence_code) AS nat_cnt, sum(den) OVER (PARTITION BY offence_code) AS nat_den
            FROM f)
        SELECT force, offence_code, cnt, den, last_cnt, last_den, before_cnt, before_den, nat_cnt, nat_den
        FROM w WHERE cnt <> 0 OR last_cnt <> 0
        ORDER BY force, offence_code
    """
    rows = store.fetchall(sql, [*types, first, last, last, last, last, last])
    return [ForceOffenceRow(r[0], r[1], *(int(v) for v in r[2:])) for r in rows]
