"""The force story: the 2019 community-resolutions analysis for any force, outcome and period.

``story()`` computes every figure a local news story needs — count, share of all outcomes,
the England and Wales comparison, rank, whether the difference is more than chance, the
year-by-year series, the offence breakdown and the serious offences that got the outcome —
and returns them as typed dataclasses. Sentences are built from those figures only
(``crime_outcomes.analysis.lines``), so the words can never say something the numbers do not.

The definitions are fixed and published with every result (``DEFINITIONS``): the same
question asked of the same store always gives the same answer, and a reader can check it.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from crime_outcomes.analysis import fair as fr
from crime_outcomes.analysis import fair_queries as fq
from crime_outcomes.analysis import stats
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.lines import build_caveats, build_lines, display_name
from crime_outcomes.analysis.model import (
    LARGEST_SHARES_MIN_COUNT,
    LARGEST_SHARES_MIN_NATIONAL,
    LARGEST_SHARES_MIN_RATIO,
    LARGEST_SHARES_TOP,
    NATIONAL_KIND,
    NATIONAL_NAME,
    NATIONAL_SLUG,
    Change,
    ForceComparison,
    ForceInfo,
    Funnel,
    MissingGroup,
    OffenceFigures,
    Rank,
    Story,
    Totals,
    YearFigures,
)
from crime_outcomes.analysis.selection import DEFAULT_BASIS, DEFAULT_OUTCOME, DEFAULT_PER, Selection
from crime_outcomes.analysis.seriousness import RuleSet, load_rules
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.annotations import Annotation, annotations_for
from crime_outcomes.normalise.forces import ALIAS_INDEX, FORCES, FRAUD, TERRITORIAL, alias_key, canonical_force, territorial_forces
from crime_outcomes.normalise.glossary import load_glossary
from crime_outcomes.store import Store
from crime_outcomes.text import choose_places

# ------------------------------------------------------------------------------ inputs


def resolve_force(text: str) -> str:
    """A canonical force name for what a user typed; NotFoundError with close matches otherwise."""
    name = canonical_force(text)
    if name is None:
        key = alias_key(text)
        close = difflib.get_close_matches(key, list(ALIAS_INDEX), n=8, cutoff=0.6)
        names: list[str] = []
        for c in close:
            candidate = ALIAS_INDEX[c]
            if candidate not in names and FORCES[candidate].kind != FRAUD:
                names.append(candidate)
        hint = f"; did you mean {', '.join(names[:4])}?" if names else ""
        raise NotFoundError(f"unknown force {text!r}{hint} (`crime-outcomes forces` lists every force)")
    if FORCES[name].kind == FRAUD:
        raise NotFoundError(f"{name} is a fraud reporting body, not a police force: it has no crime outcomes")
    return name


def _force_info(name: str | None) -> ForceInfo:
    if name is None:
        return ForceInfo(name=NATIONAL_NAME, display=NATIONAL_NAME, slug=NATIONAL_SLUG, kind=NATIONAL_KIND, country=None)
    f = FORCES[name]
    return ForceInfo(name=f.name, display=display_name(f.name), slug=f.slug, kind=f.kind, country=f.country or None)


# ------------------------------------------------------------------------------ the story


def story(
    store: Store,
    *,
    force: str | None,
    selection: Selection | None = None,
    outcome: str = DEFAULT_OUTCOME,
    first: str | None = None,
    last: str | None = None,
    basis: str = DEFAULT_BASIS,
    per: str = DEFAULT_PER,
    rules: Path | str | None = None,
) -> Story:
    """Compute the findings for one force (None = England and Wales), outcome selection and period.

    Give either a ``Selection`` or its fields (outcome, first, last, basis, per, rules); a bad
    field raises ``SelectionError`` naming it and its allowed values.
    """
    if selection is None:
        selection = Selection.parse(outcome=outcome, first=first, last=last, basis=basis, per=per, rules=rules)
    elif (outcome, first, last, basis, per, rules) != (DEFAULT_OUTCOME, None, None, DEFAULT_BASIS, DEFAULT_PER, None):
        raise TypeError("story() takes a selection or its fields (outcome, first, last, basis, per, rules), not both")
    types, label, basis, per = selection.types, selection.label, selection.basis, selection.per
    name = resolve_force(force) if force is not None else None
    info = _force_info(name)
    period = selection.period(store.years())
    first_y, last_y, years = period.first, period.last, period.years
    rule_set = load_rules(selection.rules)

    # Year x force totals; with per='recorded-crime' the denominators come from recorded crime.
    # One pass gives the year x force totals (as year_force_totals would), the offence totals (as
    # offence_totals would) and what the fair comparisons need.
    mix = fq.mix_and_expected(store, first_y, last_y, types, basis, name)
    rows = [q.YearForceRow(r.year, r.force, r.count, r.denominator) for r in mix.expected]
    if name is not None and not any(r.force == name for r in rows):
        raise NotFoundError(f"no outcomes for {name} in {', '.join(years)} in the store {store.label}")
    count_by: dict[tuple[str, str], int] = {(r.year, r.force): r.count for r in rows}
    den_by: dict[tuple[str, str], int] = {(r.year, r.force): r.denominator for r in rows}
    missing_den_cells = 0
    if per == "recorded-crime":
        rc_years = q.recorded_crime_years(store)
        absent = [y for y in years if y not in rc_years]
        if absent:
            loaded_rc = ", ".join(rc_years) if rc_years else "none"
            raise NotFoundError(
                f"recorded crime (the police force area table) is not loaded for {', '.join(absent)} "
                f"(loaded: {loaded_rc}); load prc-pfa-mar2013-onwards-tables with `crime-outcomes ingest`, or use --per outcomes"
            )
        rc = q.recorded_crime_by_year_force(store, years)
        den_by = {key: value[0] for key, value in rc.items()}
        missing_den_cells = sum(v[1] for k, v in rc.items() if name is None or k[1] == name)

    all_forces = sorted({f for (_, f) in count_by} | {f for (_, f) in den_by})

    counts, dens = _Sums(count_by), _Sums(den_by)

    count = counts.total(name)
    denominator = dens.total(name)
    nat_count, nat_den = counts.total(None), dens.total(None)
    national = Totals(count=nat_count, denominator=nat_den, share=stats.share(nat_count, nat_den))

    # Missing cells, for the force and nationally.
    cells = q.missing_cells(store, first_y, last_y, types, basis)
    missing_national = _group_missing(cells)
    missing = [m for m in missing_national if name is None or m.force == name]

    by_year: list[YearFigures] = []
    for y in years:
        c, d = counts.total(name, y), dens.total(name, y)
        nc, nd = counts.total(None, y), dens.total(None, y)
        year_missing = sum(m.cells for m in missing if m.year == y)
        by_year.append(
            YearFigures(
                year=y,
                count=c,
                denominator=d,
                share=stats.share(c, d),
                ci95=stats.wilson_interval(c, d),
                national_count=nc,
                national_denominator=nd,
                national_share=stats.share(nc, nd),
                missing_cells=year_missing,
            )
        )

    change = None
    if len(by_year) >= 2:
        a, b = by_year[0], by_year[-1]
        share_change = b.share - a.share if a.share is not None and b.share is not None else None
        change = Change(
            first_year=a.year,
            last_year=b.year,
            count_from=a.count,
            count_to=b.count,
            count_change=b.count - a.count,
            count_change_fraction=(b.count - a.count) / a.count if a.count > 0 else None,
            share_from=a.share,
            share_to=b.share,
            share_change=share_change,
            share_points=share_change * 100 if share_change is not None else None,
        )

    comparison, rank = _compare(all_forces, count_by, den_by, national, name)
    funnel = None
    if name is not None:
        limits = stats.funnel_limits(national.share, denominator) if national.share is not None else None
        funnel = Funnel(limits=limits, verdict=stats.funnel_verdict(stats.share(count, denominator), limits))

    offences = _offences(store, first_y, last_y, years, types, basis, per, name, rule_set, sorted(mix.offences, key=lambda r: r.code))
    notable = [o for o in offences if o.count > 0 and o.serious]
    largest: list[OffenceFigures] = []
    if name is not None:
        overall = Fraction(count, national.count) if national.count > 0 and count > 0 else None
        candidates = [
            o
            for o in offences
            if overall is not None
            and o.count >= LARGEST_SHARES_MIN_COUNT
            and o.national_count >= LARGEST_SHARES_MIN_NATIONAL
            and Fraction(o.count, o.national_count) >= LARGEST_SHARES_MIN_RATIO * overall
        ]
        candidates.sort(key=lambda o: (-Fraction(o.count, o.national_count), -o.count, o.code))
        largest = candidates[:LARGEST_SHARES_TOP]

    fair = fr.compute(
        store,
        mix,
        first=first_y,
        last=last_y,
        years=years,
        types=types,
        basis=basis,
        per=per,
        name=name,
        kinds={c.force: c.kind for c in comparison},
        reference=[c.force for c in comparison if c.kind == TERRITORIAL and not c.small],
        territorial=territorial_forces(),
        shares={c.force: (c.count, c.denominator) for c in comparison},
        national_share=national.share,
        description_of_code={o.code: o.description for o in offences},
    )
    if funnel is not None:
        funnel = replace(funnel, adjusted=fair.funnel)
    comparison = [
        replace(c, adjusted_verdict=fair.by_force[c.force].adjusted_verdict, standardised=fair.by_force[c.force].standardised)
        for c in comparison
    ]
    by_year = [replace(y, standardised=fair.by_year.get(y.year)) for y in by_year]

    kinds = ["outcomes", "recorded_crime"] if per == "recorded-crime" else ["outcomes"]
    result = Story(
        force=info,
        outcome_types=types,
        outcome_label=label,
        years=years,
        first=first_y,
        last=last_y,
        basis=basis,
        per=per,
        count=count,
        denominator=denominator,
        share=stats.share(count, denominator),
        ci95=stats.wilson_interval(count, denominator),
        national=national,
        rank=rank,
        funnel=funnel,
        by_year=by_year,
        change=change,
        offences=offences,
        notable=notable,
        largest_shares=largest,
        comparison=comparison,
        missing=missing,
        missing_national=missing_national,
        missing_denominator_cells=missing_den_cells,
        years_not_loaded=period.not_loaded,
        store_label=store.label,
        is_sample=store.is_sample,
        editions=q.editions(store, years, kinds),
        rules_source=rule_set.source,
        rules_fingerprint=rule_set.fingerprint,
        standardised=fair.standardised,
        similar=fair.similar,
        drivers=fair.drivers,
        share_spread=fair.share_spread,
    )
    result.annotations = _annotations(name, years, basis, types)
    compared = [(result.share, national.share)] if name is not None else []
    if change is not None:
        compared.append((change.share_from, change.share_to))
    result.percent_places = choose_places(compared=compared, intervals=[result.ci95])
    result.definition = load_glossary().definition(types)
    result.lines = build_lines(result)
    result.caveats = build_caveats(result)
    return result


class _Sums:
    """Sums of a (year, force) -> value mapping by force, by year and overall, made in one pass (a story asks
    for dozens of them)."""

    def __init__(self, values: dict[tuple[str, str], int]) -> None:
        self.cells = values
        self.overall = sum(values.values())
        self.by_force: dict[str, int] = defaultdict(int)
        self.by_year: dict[str, int] = defaultdict(int)
        for (y, f), v in values.items():
            self.by_force[f] += v
            self.by_year[y] += v

    def total(self, who: str | None, year: str | None = None) -> int:
        """The sum over ``who``'s cells (None: every force) in ``year`` (None: every year)."""
        if who is None:
            return self.overall if year is None else self.by_year.get(year, 0)
        return self.by_force.get(who, 0) if year is None else self.cells.get((year, who), 0)


def _annotations(name: str | None, years: list[str], basis: str, types: tuple[int, ...]) -> list[tuple[str, Annotation]]:
    """Known breaks touching the force's own figures ('force') or only the England and Wales totals ('national')."""
    if name is None:
        return [("national", a) for a in annotations_for(force=None, years=years, basis=basis, outcome_types=types)]
    own = annotations_for(force=name, years=years, basis=basis, outcome_types=types)
    others = [a for a in annotations_for(force=None, years=years, basis=basis, outcome_types=types) if a not in own]
    return [("force", a) for a in own] + [("national", a) for a in others]


def _group_missing(cells: list[q.MissingCell]) -> list[MissingGroup]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for c in cells:
        g = grouped.setdefault((c.force, c.year, c.marker), {"quarters": set(), "cells": 0, "selected": 0})
        g["quarters"].add(c.quarter)
        g["cells"] += c.cells
        if c.selected:
            g["selected"] += c.cells
    return [
        MissingGroup(
            force=force, year=year, quarters=tuple(sorted(g["quarters"])), marker=marker, cells=g["cells"], selected_cells=g["selected"]
        )
        for (force, year, marker), g in sorted(grouped.items())
    ]


def _compare(
    all_forces: list[str],
    count_by: dict[tuple[str, str], int],
    den_by: dict[tuple[str, str], int],
    national: Totals,
    name: str | None,
) -> tuple[list[ForceComparison], Rank | None]:
    """Period figures for every force, the territorial ranking, and the chosen force's rank."""
    counts: dict[str, int] = defaultdict(int)
    dens: dict[str, int] = defaultdict(int)
    for (_, f), v in count_by.items():
        counts[f] += v
    for (_, f), v in den_by.items():
        dens[f] += v
    territorial = territorial_forces()
    small = sorted(f for f in territorial if stats.is_small(counts[f], dens[f]))
    ranked = [f for f in territorial if f not in small]
    by_share = stats.competition_rank({f: Fraction(counts[f], dens[f]) for f in ranked})
    by_count = stats.competition_rank({f: counts[f] for f in ranked})

    comparison: list[ForceComparison] = []
    for f in sorted(set(all_forces) | set(territorial)):
        c, d = counts[f], dens[f]
        limits = stats.funnel_limits(national.share, d) if national.share is not None else None
        comparison.append(
            ForceComparison(
                force=f,
                kind=FORCES[f].kind,
                count=c,
                denominator=d,
                share=stats.share(c, d),
                ci95=stats.wilson_interval(c, d),
                rank_by_share=by_share.get(f),
                rank_by_count=by_count.get(f),
                small=f in small,
                verdict=stats.funnel_verdict(stats.share(c, d), limits),
            )
        )
    if name is None:
        return comparison, None
    share_values = list(by_share.values())
    count_values = list(by_count.values())
    reason = None
    if FORCES[name].kind != TERRITORIAL:
        reason = f"{name} is not a territorial force; rankings cover the {len(territorial)} territorial forces"
    elif name in small:
        reason = f"too few to rank (fewer than {stats.SMALL_COUNT_MIN} outcomes or {stats.SMALL_DENOMINATOR_MIN} in all)"
    rank = Rank(
        by_share=by_share.get(name),
        by_count=by_count.get(name),
        of=len(ranked),
        tied_share=name in by_share and share_values.count(by_share[name]) > 1,
        tied_count=name in by_count and count_values.count(by_count[name]) > 1,
        flagged_small=small,
        small=name in small,
        reason=reason,
    )
    return comparison, rank


def _offences(
    store: Store,
    first: str,
    last: str,
    years: list[str],
    types: tuple[int, ...],
    basis: str,
    per: str,
    name: str | None,
    rules: RuleSet,
    totals: list[q.OffenceRow] | None = None,
) -> list[OffenceFigures]:
    """The offence breakdown, most first, with labels and the seriousness rules that fire (``totals``: the
    offence_totals rows when the caller already has them)."""
    rows = totals if totals is not None else q.offence_totals(store, first, last, types, basis, name)
    labels = q.offence_labels(store, years)
    rc = q.recorded_crime_by_code(store, years, name) if per == "recorded-crime" else {}
    out: list[OffenceFigures] = []
    for r in rows:
        if r.count == 0 and r.national_count == 0:
            continue
        if per == "recorded-crime":
            force_den, nat_den = rc.get(r.code, (0, 0))
        else:
            force_den, nat_den = r.force_denominator, r.national_denominator
        lab = labels.get(r.code)
        hits = tuple(rules.match(r.code, types, years))
        out.append(
            OffenceFigures(
                code=r.code,
                description=lab.description if lab else None,
                group=lab.group if lab else None,
                subgroup=lab.subgroup if lab else None,
                expired=lab.expired_any if lab else False,
                count=r.count,
                national_count=r.national_count,
                share_of_national=stats.share(r.count, r.national_count),
                force_denominator=force_den,
                force_rate=stats.share(r.count, force_den),
                national_denominator=nat_den,
                national_rate=stats.share(r.national_count, nat_den),
                serious=bool(hits),
                rules=hits,
            )
        )
    out.sort(key=lambda o: (-o.count, -o.national_count, o.code))
    return out
