"""Find the stories: every force x outcome selection x offence scanned for findings worth a story.

``leads()`` runs two grouped queries per outcome selection (``fair_queries.mix_and_expected``
for year x force totals and expected counts, ``leads.queries.force_offence`` for force x offence
figures with England and Wales totals) and tests every force against five kinds of finding
(``model.KINDS``): outside the widened funnel limits or a standardised ratio far from 1; a large
share of the national total for an offence; a serious offence given an outcome a governing rule
restricts; a change in share bigger than year-to-year noise; a notable offence given the outcome
for the first time. It reuses the story's statistics (``analysis.funnel``,
``analysis.standardise``), thresholds and sentences (``analysis.lines``), so a lead never states a
figure differently from the force's story.

One lead per finding: per force and selection for outside-limits and change (the largest change
only), per force, selection and offence code for the others. A finding resting on small counts
(the story's flagged-small rule: fewer than 10, or under 100 outcomes in all) or on figures an
annotated break touches (``data/annotations.toml``) is never a lead: it is listed in
``not_leads`` with the reason.

The score (``model.SCORE_FORMULA``) is evidence x size x seriousness:

* evidence = min(|z|, 10) / 3.090232 (1 = at the 99.8% limit), z as each kind defines it;
* size = log10(1 + the outcomes the finding is about beyond expected);
* seriousness = 3 when a rule that applies fired for the offence, 2 when a rule fired that does
  not apply, 1 otherwise and for selections that are not out-of-court disposals (charges,
  evidential difficulties, no suspect).

One lead per finding: for the same force and offence, a wider selection whose force count equals a
narrower one's (informal out-of-court disposals and community resolutions when the force gave no
cannabis warnings) is the same finding, kept for the narrower; a share-of-national and a
serious-out-of-court lead counting the same outcomes keep the higher score. The others are listed
in ``not_leads``.
"""

from __future__ import annotations

import math
import shlex
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlencode

from crime_outcomes.analysis import funnel as fn
from crime_outcomes.analysis import standardise as sd
from crime_outcomes.analysis import stats
from crime_outcomes.analysis import story_queries as q
from crime_outcomes.analysis.leads import queries as lq
from crime_outcomes.analysis.leads.model import (
    EVIDENCE_CAP,
    KIND_CHANGE,
    KIND_FIRST_TIME,
    KIND_OUTSIDE_LIMITS,
    KIND_SERIOUS,
    KIND_SHARE_OF_NATIONAL,
    KINDS,
    Lead,
    LeadFigures,
    LeadForce,
    LeadOffence,
    LeadOutcome,
    LeadSet,
    LookNext,
    NotLead,
    Score,
)
from crime_outcomes.analysis.lines import (
    DISPOSAL_TYPES,
    FUNNEL_WORDS,
    SEXUAL_OFFENCES_GROUP,
    display_name,
    largest_share_clause,
    offence_name_text,
    standardised_sentence,
)
from crime_outcomes.analysis.model import LARGEST_SHARES_MIN_COUNT, LARGEST_SHARES_MIN_NATIONAL, LARGEST_SHARES_MIN_RATIO
from crime_outcomes.analysis.selection import DEFAULT_BASIS, Period, Selection
from crime_outcomes.analysis.seriousness import RuleHit, RuleSet, load_rules
from crime_outcomes.analysis.story import resolve_force
from crime_outcomes.errors import SelectionError
from crime_outcomes.normalise.annotations import Annotation, annotations_for
from crime_outcomes.normalise.forces import FORCES, TERRITORIAL, territorial_forces
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS
from crime_outcomes.store import Store
from crime_outcomes.store.bundled import SAMPLE_LABEL
from crime_outcomes.text import choose_places, number, percent

DEFAULT_OUTCOMES: tuple[str, ...] = (
    "charged",
    "out-of-court",
    "out-of-court-formal",
    "out-of-court-informal",
    "caution",
    "adult-caution",
    "community-resolution",
    "penalty-notice",
    "cannabis-warning",
    "diversionary",
    "evidential-difficulties",
    "no-suspect",
)
"""The outcome selections scanned when none is given: the issue's groups, with adult cautions, the
outcome the statutory rules govern."""

KIND_ORDER = (KIND_SHARE_OF_NATIONAL, KIND_SERIOUS, KIND_OUTSIDE_LIMITS, KIND_CHANGE, KIND_FIRST_TIME)

SMALL_BECAUSE = (
    f"small counts: fewer than {stats.SMALL_COUNT_MIN} of the outcomes or fewer than {stats.SMALL_DENOMINATOR_MIN} "
    "outcomes in all, which the story flags rather than ranks"
)


@dataclass(frozen=True)
class _Context:
    """What every finding in one selection's scan shares."""

    selection: Selection
    outcome: LeadOutcome
    period: Period
    rules: RuleSet
    labels: dict[str, q.OffenceLabel]
    missing: dict[str, int]  # force -> cells published without a number in the period

    @property
    def disposal(self) -> bool:
        return set(self.outcome.types) <= DISPOSAL_TYPES

    @property
    def verb(self) -> str:
        return "issued" if self.disposal else "recorded"

    @property
    def when(self) -> str:
        p = self.period
        return f"in {p.first}" if p.first == p.last else f"between {p.first} and {p.last}"

    def set_aside(
        self, kind: str, force: LeadForce, offence: LeadOffence | None, figures: LeadFigures, *, small: bool, breaks: Sequence[Annotation]
    ) -> NotLead | None:
        """Why a finding is never a lead, whatever its kind: a small count, or a known break in its figures (None: neither)."""
        if small:
            because = SMALL_BECAUSE
        elif breaks:
            because = _because_break(breaks)
        else:
            return None
        return NotLead(kind=kind, force=force, outcome=self.outcome, offence=offence, figures=figures, because=because)


def leads(
    store: Store,
    *,
    force: str | None = None,
    outcome: str | Sequence[str] | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    top: int | None = None,
    basis: str = DEFAULT_BASIS,
    rules: Path | str | None = None,
) -> LeadSet:
    """Every lead for ``force`` (None: every force) and ``outcome`` (a selector, several, or None for
    ``DEFAULT_OUTCOMES``), best first; ``top`` keeps the first N. Bad options raise ``SelectionError``."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise SelectionError("top", f"top must be a whole number of at least 1, not {top!r}", ["a whole number of at least 1"])
    selectors = list(DEFAULT_OUTCOMES) if outcome is None else [outcome] if isinstance(outcome, str) else list(outcome)
    if not selectors:
        raise SelectionError("outcome", "no outcome selection given", ["an outcome type or group"])
    selections = [Selection.parse(outcome=o, first=from_year, last=to_year, basis=basis, rules=rules) for o in selectors]
    name = resolve_force(force) if force is not None else None
    period = selections[0].period(store.years())
    rule_set = load_rules(selections[0].rules)
    labels = q.offence_labels(store, period.years)
    missing: dict[str, int] = defaultdict(int)
    for cell in q.missing_cells(store, period.first, period.last, tuple(range(1, 23)), selections[0].basis):
        missing[cell.force] += cell.cells

    found: list[Lead] = []
    set_aside: list[NotLead] = []
    unique = list({sel.types: sel for sel in reversed(selections)}.values())[::-1]  # '8' and 'community-resolution' are one scan
    scanned = lq.scan(store, period.first, period.last, [sel.types for sel in unique], selections[0].basis)
    for sel, rows in zip(unique, scanned, strict=True):
        outcome_info = _outcome(sel)
        ctx = _Context(sel, outcome_info, period, rule_set, labels, dict(missing))
        _scan(ctx, rows, name, found, set_aside)

    found, duplicates = _one_per_finding(found)
    set_aside.extend(duplicates)
    order = {k: i for i, k in enumerate(KIND_ORDER)}

    def rank_key(x: Lead) -> tuple[float, int, str, str, str]:
        return (-x.score.value, order[x.kind], x.force.name, x.outcome.selector, x.offence.code if x.offence else "")

    found.sort(key=rank_key)
    set_aside.sort(key=lambda n: (order[n.kind], n.force.name, n.outcome.selector, n.offence.code if n.offence else ""))
    caveats: list[str] = []
    if store.is_sample:
        caveats.append(
            f"These figures come from the bundled {SAMPLE_LABEL}, so totals are a little below the full published file. "
            "Run `crime-outcomes update` to load every year."
        )
    if period.not_loaded:
        verb = "is" if len(period.not_loaded) == 1 else "are"
        caveats.append(f"{', '.join(period.not_loaded)} {verb} not loaded, so the period covers only {', '.join(period.years)}.")
    if len(period.years) < 2:
        caveats.append("With one year in the period there are no change or first-time leads: they compare years.")
    return LeadSet(
        leads=found[:top] if top is not None else found,
        not_leads=set_aside,
        force=name,
        outcomes=[_outcome(s) for s in selections],
        first=period.first,
        last=period.last,
        years=list(period.years),
        basis=selections[0].basis,
        store_label=store.label,
        is_sample=store.is_sample,
        rules_source=rule_set.source,
        top=top,
        total=len(found),
        caveats=caveats,
    )


def _outcome(sel: Selection) -> LeadOutcome:
    """The selection under one name however it was typed ('8' is 'community-resolution'), so a lead's key and
    links are the same for the same finding."""
    wanted = tuple(sorted(sel.types))
    name = next((g for g, (types, _) in OUTCOME_GROUPS.items() if tuple(sorted(types)) == wanted), None)
    return LeadOutcome(selector=name or ",".join(str(t) for t in wanted), types=sel.types, label=sel.label)


# ------------------------------------------------------------------------------ one selection


def _scan(ctx: _Context, rows: lq.SelectionRows, name: str | None, found: list[Lead], set_aside: list[NotLead]) -> None:
    """Every finding for one outcome selection: force-level kinds from the year x force totals, offence
    kinds from the force x offence rows."""
    p, types, basis = ctx.period, ctx.outcome.types, ctx.selection.basis
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])  # force -> count, denominator, expected
    by_year: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows.year_force:
        t = totals[r.force]
        t[0] += r.count
        t[1] += r.denominator
        t[2] += r.expected
        by_year[(r.year, r.force)] = (r.count, r.denominator)
    nat_count = int(sum(t[0] for t in totals.values()))
    nat_den = int(sum(t[1] for t in totals.values()))
    p0 = stats.share(nat_count, nat_den)
    if p0 is None or nat_count <= 0:
        return
    reference = [f for f in territorial_forces() if f in totals and not stats.is_small(int(totals[f][0]), int(totals[f][1]))]
    spread = fn.share_overdispersion(p0, [(int(totals[f][0]), int(totals[f][1])) for f in reference])
    ratio_spread = sd.ratio_spread({f: (int(t[0]), t[2]) for f, t in totals.items()}, reference)
    scan = [name] if name is not None else sorted(totals)
    national_breaks = annotations_for(force=None, years=p.years, basis=basis, outcome_types=types)

    @cache
    def places(force: str) -> int:
        """The precision the force's story prints percentages at (``story`` computes it the same way)."""
        c, d = int(totals[force][0]), int(totals[force][1])
        compared: list[tuple[float | None, float | None]] = [(stats.share(c, d), p0)]
        if len(p.years) >= 2:
            a, b = by_year.get((p.years[0], force), (0, 0)), by_year.get((p.years[-1], force), (0, 0))
            compared.append((stats.share(*a), stats.share(*b)))
        return choose_places(compared=compared, intervals=[stats.wilson_interval(c, d)])

    @cache
    def own_breaks(force: str) -> list[Annotation]:
        """Known breaks touching the force's own figures for the period."""
        return annotations_for(force=force, years=p.years, basis=basis, outcome_types=types)

    @cache
    def others_breaks(force: str) -> tuple[Annotation, ...]:
        """Breaks touching only the England and Wales totals the force is compared with (another force's)."""
        own = own_breaks(force)
        return tuple(a for a in national_breaks if a not in own)

    @cache
    def extras(force: str) -> tuple[str, ...]:
        return _extras(ctx, _force(force), list(others_breaks(force)))

    def keep(result: Lead | NotLead | None) -> None:
        if isinstance(result, Lead):
            result = replace(result, annotations=others_breaks(result.force.name))
        _keep(result, found, set_aside)

    @cache
    def rule_hits(code: str) -> tuple[RuleHit, ...]:
        return tuple(ctx.rules.match(code, types, p.years))

    national_by_year = _national_by_year(p.years, by_year)
    steady = [f for f in reference if not own_breaks(f)]  # a force's break would pass for noise
    noise = _noise(p.years, by_year, national_by_year, steady) if len(p.years) >= 2 else None
    for f in scan:
        if f not in totals:
            continue
        info = _force(f)
        c, d, e = int(totals[f][0]), int(totals[f][1]), totals[f][2]
        if d <= 0:
            continue
        own, extra = own_breaks(f), extras(f)
        lead = _outside_limits(ctx, info, c, d, e, p0, nat_count, nat_den, spread, ratio_spread, places(f), own, extra)
        keep(lead)
        if noise is not None:
            keep(_change(ctx, info, by_year, national_by_year, noise, extra))

    overall = {f: (int(t[0]), nat_count) for f, t in totals.items()}  # the force's share of the national count, as a fraction
    for row in rows.force_offence:
        if name is not None and row.force != name:
            continue
        info = _force(row.force)
        own, extra = own_breaks(row.force), extras(row.force)
        label = ctx.labels.get(row.code)
        offence = LeadOffence(code=row.code, description=label.description if label else None)
        hits = rule_hits(row.code)
        sexual = label is not None and (label.group or "").strip().lower() == SEXUAL_OFFENCES_GROUP
        extra_o = extra + (_children_caveat(ctx),) if sexual and ctx.disposal and hits else extra
        if row.count > 0 and row.force in overall:
            keep(_share_of_national(ctx, info, offence, row, overall[row.force], hits, places(row.force), own, extra_o))
        applying = [h for h in hits if h.applies]
        if applying and row.count > 0:
            keep(_serious(ctx, info, offence, row, applying, own, extra_o))
        if hits and ctx.disposal and len(p.years) >= 2:
            keep(_first_time(ctx, info, offence, row, hits, extra_o))


def _one_per_finding(found: list[Lead]) -> tuple[list[Lead], list[NotLead]]:
    """One lead per finding. Two leads are the same finding when (a) they are about the same force and offence and
    one's outcome types contain the other's while the force's count is the same (the wider group adds no outcome of
    its own: the narrower, which names the outcome used, is kept); or (b) a share-of-national and a
    serious-out-of-court lead count the same outcomes (same force, selection and offence: the higher score is kept)."""

    def same(a: Lead, b: Lead) -> bool:
        return a.force.name == b.force.name and (a.offence.code if a.offence else None) == (b.offence.code if b.offence else None)

    def dropped(lead: Lead, kept: Lead) -> NotLead:
        return NotLead(
            kind=lead.kind,
            force=lead.force,
            outcome=lead.outcome,
            offence=lead.offence,
            figures=lead.figures,
            because=f"the same finding as the lead {kept.key}",
        )

    by_place: dict[tuple[str, str | None], list[Lead]] = defaultdict(list)
    for lead in found:
        by_place[(lead.force.name, lead.offence.code if lead.offence else None)].append(lead)
    drop: dict[int, Lead] = {}
    for group in by_place.values():
        for a in group:
            for b in group:
                if a is b or id(a) in drop or id(b) in drop or not same(a, b):
                    continue
                ta, tb = set(a.outcome.types), set(b.outcome.types)
                if a.kind == b.kind and ta < tb and a.figures.count == b.figures.count:
                    drop[id(b)] = a
                elif {a.kind, b.kind} == {KIND_SHARE_OF_NATIONAL, KIND_SERIOUS} and ta == tb and a.score.value >= b.score.value:
                    drop[id(b)] = a
    kept = [x for x in found if id(x) not in drop]
    return kept, [dropped(x, drop[id(x)]) for x in found if id(x) in drop]


def _keep(result: Lead | NotLead | None, found: list[Lead], set_aside: list[NotLead]) -> None:
    if isinstance(result, Lead):
        found.append(result)
    elif isinstance(result, NotLead):
        set_aside.append(result)


@cache
def _force(name: str) -> LeadForce:
    f = FORCES[name]
    return LeadForce(name=f.name, display=display_name(f.name), slug=f.slug, kind=f.kind)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _evidence(z: float) -> float:
    return min(abs(z), EVIDENCE_CAP) / stats.Z998


def _size(excess: float) -> float:
    return math.log10(1 + abs(excess))


def _seriousness(hits: Sequence[RuleHit], disposal: bool) -> float:
    """Weights serious offences given an out-of-court disposal; a charge for a serious offence is no
    more a story for being serious."""
    if not disposal:
        return 1.0
    if any(h.applies for h in hits):
        return 3.0
    return 2.0 if hits else 1.0


def _poisson_z(observed: int, expected: float) -> float:
    return (observed - expected) / math.sqrt(expected) if expected > 0 else 0.0


def _because_break(breaks: Sequence[Annotation]) -> str:
    return "an annotated break in the data touches these figures: " + " ".join(a.sentence() for a in breaks)


def _extras(ctx: _Context, force: LeadForce, national: list[Annotation]) -> tuple[str, ...]:
    """Caveats every lead on this force's figures carries: breaks in the national totals, missing cells."""
    out: list[str] = []
    for a in national:
        years = ", ".join(y for y in a.years if y in ctx.period.years)
        out.append(f"{a.sentence()} The England and Wales totals for {years} are affected. Source: {a.source}.")
    cells = ctx.missing.get(force.name, 0)
    if cells:
        out.append(
            f"Figures for {force.display} include {number(cells)} cell{'s' if cells != 1 else ''} published without a number "
            f"{ctx.when}; they are missing, not zero."
        )
    return tuple(out)


def _children_caveat(ctx: _Context) -> str:
    return (
        f"Some {ctx.outcome.label} for sexual offences may involve children: in 2019 forces said such cases "
        "included sexual activity between young people and sexting, and the data do not give the offender's age."
    )


def _look(ctx: _Context, force: LeadForce, offence: LeadOffence | None, first: str | None = None, last: str | None = None) -> LookNext:
    first, last = first or ctx.period.first, last or ctx.period.last
    sel = ctx.outcome.selector
    params = {"outcome": sel, "from": first, "to": last, "basis": ctx.selection.basis}
    query = "?" + urlencode(params, safe="/,")
    opts = f"--outcome {shlex.quote(sel)} --from {first} --to {last}"
    if ctx.selection.basis != DEFAULT_BASIS:
        opts += f" --basis {ctx.selection.basis}"
    pack = f"{force.slug}/brief.md"
    if offence is None:
        return LookNext(cli=f"crime-outcomes story --force {shlex.quote(force.name)} {opts}", web=f"/force/{force.slug}{query}", pack=pack)
    return LookNext(
        cli=f"crime-outcomes offence {shlex.quote(offence.code)} {opts}",
        web="/offence/" + quote(offence.code, safe="/") + query,
        pack=pack,
    )


# ------------------------------------------------------------------------------ the kinds


def _outside_limits(
    ctx: _Context,
    force: LeadForce,
    count: int,
    den: int,
    expected: float,
    p0: float,
    nat_count: int,
    nat_den: int,
    spread: fn.Overdispersion | None,
    ratio_spread: fn.Overdispersion | None,
    places: int,
    own: list[Annotation],
    extra: tuple[str, ...],
) -> Lead | NotLead | None:
    """The force's share outside the widened 95% limits, or its standardised ratio outside the widened 99.8% limits."""
    if spread is None:
        return None
    share = count / den
    limits = fn.adjusted_share_limits(p0, den, spread.tau2)
    verdict = stats.funnel_verdict(share, limits)
    z_share = (share - p0) / math.sqrt(fn.share_variance(p0, den) + spread.tau2)
    std = sd.figures(count, expected, ratio_spread.tau2 if ratio_spread else None, with_ci=False)
    z_ratio = 0.0
    if expected > 0 and std.ratio is not None and ratio_spread is not None:
        z_ratio = (std.ratio - 1) / math.sqrt(1 / expected + ratio_spread.tau2)
    share_out = verdict.above or verdict.below
    ratio_out = stats.Verdict(std.verdict).outside_998
    if not share_out and not ratio_out:
        return None
    by_ratio = ratio_out and (not share_out or abs(z_ratio) > abs(z_share))
    z = z_ratio if by_ratio else z_share
    excess = count - expected if by_ratio else count - p0 * den
    figures = LeadFigures(
        count=count,
        denominator=den,
        share=share,
        national_count=nat_count,
        national_denominator=nat_den,
        national_share=p0,
        expected=expected if by_ratio else p0 * den,
        ratio=std.ratio if by_ratio else share / p0,
        z=z,
        verdict=verdict.value,
        ratio_verdict=str(std.verdict),
        limits=(limits.lower95, limits.upper95, limits.lower998, limits.upper998) if limits else None,
        percent_places=places,
    )
    if aside := ctx.set_aside(KIND_OUTSIDE_LIMITS, force, None, figures, small=stats.is_small(count, den), breaks=own):
        return aside
    if share_out and not by_ratio:
        area = " in its area" if force.kind == TERRITORIAL else ""
        its = "" if area else "its "
        sentence = (
            f"{_cap(force.display)} {ctx.verb} {number(count)} {ctx.outcome.label} {ctx.when} — {percent(share, places)} of all "
            f"{its}{number(den)} crime outcomes{area}, against {percent(p0, places)} across England and Wales; given the number "
            f"of outcomes it dealt with, its share of outcomes {FUNNEL_WORDS[verdict]}."
        )
    else:
        sentence = standardised_sentence(force.display, ctx.outcome.label, ctx.when, ctx.disposal, std, places)
    return Lead(
        kind=KIND_OUTSIDE_LIMITS,
        force=force,
        outcome=ctx.outcome,
        offence=None,
        first=ctx.period.first,
        last=ctx.period.last,
        basis=ctx.selection.basis,
        figures=figures,
        score=Score(evidence=_evidence(z), size=_size(excess), seriousness=1.0),
        sentence=sentence,
        caveats=extra,
        look=_look(ctx, force, None),
    )


def _share_of_national(
    ctx: _Context,
    force: LeadForce,
    offence: LeadOffence,
    row: lq.ForceOffenceRow,
    overall: tuple[int, int],
    hits: tuple[RuleHit, ...],
    places: int,
    own: list[Annotation],
    extra: tuple[str, ...],
) -> Lead | NotLead | None:
    """The story's largest-share rule, for every offence of every force."""
    own_total, national_total = overall
    if own_total <= 0 or national_total <= 0 or row.national_count < LARGEST_SHARES_MIN_NATIONAL:
        return None
    # count / national_count >= RATIO x own_total / national_total, in whole numbers (as the story compares Fractions)
    if row.count * national_total < LARGEST_SHARES_MIN_RATIO * own_total * row.national_count:
        return None
    if row.national_denominator <= 0 or row.denominator <= 0:
        return None
    # Fair to the force's crime: what it would hold of these outcomes if it held the same share of them as of all
    # outcomes for this offence (the story's rule above judges against its share of the selected outcome overall).
    expected = row.national_count * row.denominator / row.national_denominator
    figures = LeadFigures(
        count=row.count,
        denominator=row.denominator,
        share=stats.share(row.count, row.denominator),
        national_count=row.national_count,
        national_denominator=row.national_denominator,
        national_share=stats.share(row.national_count, row.national_denominator),
        share_of_national=stats.share(row.count, row.national_count),
        expected=expected,
        ratio=row.count / expected if expected > 0 else None,
        z=_poisson_z(row.count, expected),
        percent_places=places,
    )
    small = row.count < LARGEST_SHARES_MIN_COUNT or stats.is_small(row.count, row.denominator)
    if aside := ctx.set_aside(KIND_SHARE_OF_NATIONAL, force, offence, figures, small=small, breaks=own):
        return aside
    if row.count <= expected:
        return NotLead(
            kind=KIND_SHARE_OF_NATIONAL,
            force=force,
            outcome=ctx.outcome,
            offence=offence,
            figures=figures,
            because="the force's share of these outcomes is no larger than its share of all crime outcomes for the offence",
        )
    clause = largest_share_clause(
        force.display, ctx.outcome.label, offence.code, offence.description, row.count, row.national_count, places
    )
    offence_share = percent(stats.share(row.denominator, row.national_denominator), places)
    return Lead(
        kind=KIND_SHARE_OF_NATIONAL,
        force=force,
        outcome=ctx.outcome,
        offence=offence,
        first=ctx.period.first,
        last=ctx.period.last,
        basis=ctx.selection.basis,
        figures=figures,
        score=Score(evidence=_evidence(figures.z or 0.0), size=_size(row.count - expected), seriousness=_seriousness(hits, ctx.disposal)),
        sentence=f"{clause} {ctx.when}, against its {offence_share} share of all crime outcomes for that offence.",
        rules=hits,
        caveats=extra,
        look=_look(ctx, force, offence),
    )


def _pick_hit(hits: Sequence[RuleHit]) -> RuleHit:
    """The hit whose words name the offence itself rather than 'includes', as the story's notable line picks."""
    return next((h for h in hits if not h.label.startswith("This offence code includes")), hits[0])


def _serious(
    ctx: _Context,
    force: LeadForce,
    offence: LeadOffence,
    row: lq.ForceOffenceRow,
    applying: list[RuleHit],
    own: list[Annotation],
    extra: tuple[str, ...],
) -> Lead | NotLead:
    """An outcome a governing rule restricts, given for the offence (the rule applies to the selection and period)."""
    national_rate = stats.share(row.national_count, row.national_denominator) or 0.0
    expected = row.denominator * national_rate
    figures = LeadFigures(
        count=row.count,
        denominator=row.denominator,
        share=stats.share(row.count, row.denominator),
        national_count=row.national_count,
        national_denominator=row.national_denominator,
        national_share=national_rate,
        expected=expected,
        ratio=row.count / expected if expected > 0 else None,
        z=_poisson_z(row.count, expected),
    )
    if aside := ctx.set_aside(KIND_SERIOUS, force, offence, figures, small=stats.is_small(row.count, row.denominator), breaks=own):
        return aside
    hit = _pick_hit(applying)
    name = offence_name_text(offence.description, offence.code)
    sentence = f"{_cap(force.display)} {ctx.verb} {number(row.count)} {ctx.outcome.label} for {name} {ctx.when}: {hit.label[:1].lower()}{hit.label[1:]}"
    return Lead(
        kind=KIND_SERIOUS,
        force=force,
        outcome=ctx.outcome,
        offence=offence,
        first=ctx.period.first,
        last=ctx.period.last,
        basis=ctx.selection.basis,
        figures=figures,
        score=Score(evidence=max(1.0, _evidence(max(0.0, figures.z or 0.0))), size=_size(row.count), seriousness=3.0),
        sentence=sentence if sentence.endswith(".") else sentence + ".",
        rules=tuple(applying),
        caveats=extra,
        look=_look(ctx, force, offence),
    )


def _first_time(
    ctx: _Context,
    force: LeadForce,
    offence: LeadOffence,
    row: lq.ForceOffenceRow,
    hits: tuple[RuleHit, ...],
    extra: tuple[str, ...],
) -> Lead | NotLead | None:
    """A notable offence given the outcome in the last year, none in the earlier years though the force dealt with it."""
    p = ctx.period
    if row.last_count <= 0 or row.before_count != 0 or row.before_denominator <= 0:
        return None
    national_rate = stats.share(row.national_count, row.national_denominator) or 0.0
    expected = row.last_denominator * national_rate
    figures = LeadFigures(
        count=row.last_count,
        denominator=row.last_denominator,
        share=stats.share(row.last_count, row.last_denominator),
        expected=expected,
        ratio=row.last_count / expected if expected > 0 else None,
        z=_poisson_z(row.last_count, expected),
        year_from=p.years[0],
        year_to=p.last,
    )
    small = stats.is_small(row.last_count, row.last_denominator)
    breaks = [] if small else annotations_for(force=force.name, years=p.years, basis=ctx.selection.basis, outcome_types=ctx.outcome.types)
    if aside := ctx.set_aside(KIND_FIRST_TIME, force, offence, figures, small=small, breaks=breaks):
        return aside
    earlier = p.years[:-1]
    span = earlier[0] if len(earlier) == 1 else f"{earlier[0]} to {earlier[-1]}"
    name = offence_name_text(offence.description, offence.code)
    sentence = (
        f"{_cap(force.display)} {ctx.verb} {number(row.last_count)} {ctx.outcome.label} for {name}, an offence the seriousness "
        f"rules mark as notable, in {p.last}; it had given none for it in {span}, when it dealt with "
        f"{number(row.before_denominator)} outcomes of all kinds for that offence."
    )
    return Lead(
        kind=KIND_FIRST_TIME,
        force=force,
        outcome=ctx.outcome,
        offence=offence,
        first=p.first,
        last=p.last,
        basis=ctx.selection.basis,
        figures=figures,
        score=Score(
            evidence=max(1.0, _evidence(max(0.0, figures.z or 0.0))),
            size=_size(row.last_count),
            seriousness=_seriousness(hits, ctx.disposal),
        ),
        sentence=sentence,
        rules=hits,
        caveats=extra,
        look=_look(ctx, force, offence),
    )


def _national_by_year(years: Sequence[str], by_year: dict[tuple[str, str], tuple[int, int]]) -> dict[str, float | None]:
    counts: dict[str, list[int]] = {y: [0, 0] for y in years}
    for (y, _), (c, d) in by_year.items():
        if y in counts:
            counts[y][0] += c
            counts[y][1] += d
    return {y: stats.share(c, d) for y, (c, d) in counts.items()}


def _noise(
    years: Sequence[str],
    by_year: dict[tuple[str, str], tuple[int, int]],
    national: dict[str, float | None],
    reference: Sequence[str],
) -> float | None:
    """Year-to-year noise: root mean square of the reference forces' year-on-year moves in share against
    England and Wales (consecutive loaded years, both not small; forces with an annotated break in the
    period left out); None when there is none to measure."""

    def gap(f: str, y: str) -> float | None:
        c, d = by_year.get((y, f), (0, 0))
        nat = national.get(y)
        if stats.is_small(c, d) or nat is None:
            return None
        return c / d - nat

    steps: list[float] = []
    for f in reference:
        for a, b in zip(years, years[1:], strict=False):
            ga, gb = gap(f, a), gap(f, b)
            if ga is not None and gb is not None:
                steps.append(gb - ga)
    if not steps:
        return None
    noise = math.sqrt(sum(x * x for x in steps) / len(steps))
    return noise if noise > 0 else None


def _change(
    ctx: _Context,
    force: LeadForce,
    by_year: dict[tuple[str, str], tuple[int, int]],
    national: dict[str, float | None],
    noise: float,
    extra: tuple[str, ...],
) -> Lead | NotLead | None:
    """The force's largest move against the England and Wales share (first to last year, or between two
    consecutive years), when it is at least Z998 times the year-to-year noise."""
    years = ctx.period.years
    pairs = [(years[0], years[-1])] + [(a, b) for a, b in zip(years, years[1:], strict=False) if (a, b) != (years[0], years[-1])]
    best: tuple[float, str, str] | None = None
    for a, b in pairs:
        ca, da = by_year.get((a, force.name), (0, 0))
        cb, db = by_year.get((b, force.name), (0, 0))
        na, nb = national[a], national[b]
        if da <= 0 or db <= 0 or na is None or nb is None:
            continue
        z = ((cb / db - nb) - (ca / da - na)) / noise
        if best is None or abs(z) > abs(best[0]):
            best = (z, a, b)
    if best is None or abs(best[0]) < stats.Z998:
        return None
    z, a, b = best
    ca, da = by_year[(a, force.name)]
    cb, db = by_year[(b, force.name)]
    na, nb = national[a], national[b]
    assert na is not None and nb is not None
    sa, sb = ca / da, cb / db
    places = choose_places(compared=[(sa, sb), (na, nb), (sa, na), (sb, nb)])
    figures = LeadFigures(
        count=cb,
        denominator=db,
        share=sb,
        z=z,
        year_from=a,
        year_to=b,
        share_from=sa,
        share_to=sb,
        national_share_from=na,
        national_share_to=nb,
        noise=noise,
        percent_places=places,
    )
    small = stats.is_small(ca, da) or stats.is_small(cb, db)
    breaks = [] if small else annotations_for(force=force.name, years=[a, b], basis=ctx.selection.basis, outcome_types=ctx.outcome.types)
    if aside := ctx.set_aside(KIND_CHANGE, force, None, figures, small=small, breaks=breaks):
        return aside
    if percent(sa, places) == percent(sb, places):
        theirs = f"was {percent(sb, places)} in both {a} and {b}"
    else:
        theirs = f"{'rose' if sb > sa else 'fell'} from {percent(sa, places)} in {a} to {percent(sb, places)} in {b}"
    nat_words = (
        f"was {percent(na, places)} in both"
        if percent(na, places) == percent(nb, places)
        else f"went from {percent(na, places)} to {percent(nb, places)}"
    )
    sentence = (
        f"The share of {force.display}'s crime outcomes that were {ctx.outcome.label} {theirs}, while across "
        f"England and Wales it {nat_words}: a bigger change against England and Wales than forces' shares usually make "
        "from one year to the next."
    )
    return Lead(
        kind=KIND_CHANGE,
        force=force,
        outcome=ctx.outcome,
        offence=None,
        first=ctx.period.first,
        last=ctx.period.last,
        basis=ctx.selection.basis,
        figures=figures,
        score=Score(evidence=_evidence(z), size=_size((sb - sa - (nb - na)) * db), seriousness=1.0),
        sentence=sentence,
        caveats=extra,
        look=_look(ctx, force, None, a, b),
    )


__all__ = ["DEFAULT_OUTCOMES", "KINDS", "leads"]
