"""The brief's contents, formatted once from the typed story: one function per section.

Every figure is a field of the story (and so of its JSON), formatted in UK newsroom style,
never recomputed; Markdown, HTML and Word render the same ``Brief``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.fair import READER_NOTES
from crime_outcomes.analysis.leads import LeadSet
from crime_outcomes.analysis.lines import is_disposal, notable_sexual_offences
from crime_outcomes.analysis.model import DEFINITIONS, SCHEMA_VERSION, OffenceFigures, Story
from crime_outcomes.analysis.seriousness import RuleHit
from crime_outcomes.normalise.glossary import load_glossary
from crime_outcomes.outputs.methodology import reader_methodology
from crime_outcomes.outputs.packs.leads import brief_leads
from crime_outcomes.outputs.packs.model import BRIEF_TOP_OFFENCES, OGL_CREDIT, Brief, ChartRef, Table
from crime_outcomes.store.bundled import SAMPLE_CREDIT
from crime_outcomes.text import interval, number, ordinal, percent, rank_phrase
from crime_outcomes.version import __version__

NATIONAL = "England and Wales"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

_FUNNEL_SENTENCES = {
    "above 99.8% limit": "above the 99.8% control limit: a share this high is very unlikely to be chance if the force matched the national rate",
    "above 95% limit": "above the 95% control limit but within the 99.8% limit: higher than chance would usually explain, a weaker signal",
    "within limits": "within the 95% control limits: the difference from the national share could be chance",
    "below 95% limit": "below the 95% control limit but within the 99.8% limit: lower than chance would usually explain, a weaker signal",
    "below 99.8% limit": "below the 99.8% control limit: a share this low is very unlikely to be chance if the force matched the national rate",
    "no outcomes": "not assessed: the force has no outcomes in the period",
}

_TERMS = {
    "ci95": "95% interval",
    "by_year": "By year",
    "small_counts": "Small counts",
    "largest_shares": "Largest shares of national totals",
    "per": "Denominator choice",
}
"""Headings for the story's definition keys where the key itself reads badly."""


# ---------------------------------------------------------------------------- small helpers


def period_text(s: Story) -> str:
    return s.first if s.first == s.last else f"{s.first} to {s.last}"


def _when(s: Story) -> str:
    return f"in {s.first}" if s.first == s.last else f"between {s.first} and {s.last}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def pct(s: Story, value: float | None) -> str:
    """A share at the story's one precision (house style; ``percent_places`` in the JSON)."""
    return percent(value, s.percent_places)


def rank_text(s: Story, rank: int | None, of: int, tied: bool, by: str = "share") -> str:
    """House style, as the story's sentences: '5th lowest of 43'."""
    if rank is None:
        return "not ranked"
    ranks = [c.rank_by_share if by == "share" else c.rank_by_count for c in s.comparison]
    lowest = sum(1 for r in ranks if r is not None and r > rank) + 1
    return rank_phrase(rank, of, lowest=lowest, tied=tied).removeprefix("the ")


def _who(s: Story) -> str:
    return NATIONAL if s.force.is_national else s.force.display


def _offence_name(o: OffenceFigures) -> str:
    return o.description or f"Offence code {o.code}"


def _in_sentence(o: OffenceFigures) -> str:
    """The offence's name mid-sentence: lower-cased unless it starts with an acronym or a name."""
    first = (o.description or "").split(" ", 1)[0]
    proper = len(first) > 1 and (first.isupper() or first[1:2].isupper())
    return _offence_name(o) if proper else _offence_name(o).lower()


def _denominator_noun(s: Story) -> str:
    return "Recorded crimes" if s.per == "recorded-crime" else "All crime outcomes"


def _interval(s: Story, ci: Sequence[float] | None) -> str:
    return interval(list(ci) if ci else None, s.percent_places)


def funnel_sentence(verdict: str) -> str:
    return _FUNNEL_SENTENCES.get(verdict, verdict)


def _verdict(s: Story) -> str:
    """The funnel verdict as published in the story JSON (``funnel.verdict``), or '' without one."""
    return str(s.funnel.verdict) if s.funnel else ""


_ADJUSTED_SENTENCES = {
    "above 99.8% limit": "above the 99.8% limit widened for the usual differences between forces: higher than those differences would explain",
    "above 95% limit": "above the 95% limit widened for the usual differences between forces, though within the 99.8% one: higher than most forces', a weaker signal",
    "within limits": "within the 95% limits widened for the usual differences between forces: within the normal spread between forces",
    "below 95% limit": "below the 95% limit widened for the usual differences between forces, though within the 99.8% one: lower than most forces', a weaker signal",
    "below 99.8% limit": "below the 99.8% limit widened for the usual differences between forces: lower than those differences would explain",
    "no outcomes": "not assessed: the force has no outcomes in the period",
}
"""The funnel verdict the brief leads with: against the limits widened for overdispersion (analysis.funnel)."""


def _adjusted_verdict(s: Story) -> str:
    """The verdict the words use (``funnel.adjusted.verdict``; the binomial one when there is no estimate)."""
    return str(s.funnel.adjusted_verdict) if s.funnel else ""


def _ratio_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def fair_paragraphs(s: Story) -> list[str]:
    """The widened funnel limits, the ratio to expected and the most similar forces, from the story."""
    out: list[str] = []
    adj = s.funnel.adjusted if s.funnel else None
    if adj is not None and adj.limits is not None:
        lim = adj.limits
        out.append(
            f"Widened for the usual differences between forces, the funnel limits for this force run from {pct(s, lim.lower95)} "
            f"to {pct(s, lim.upper95)} (95%) and {pct(s, lim.lower998)} to {pct(s, lim.upper998)} (99.8%). Of the {adj.spread.k} "
            f"ranked forces, {adj.outside_adjusted[1]} lie outside the widened 99.8% limits and {adj.outside_binomial[1]} outside "
            "the limits for chance alone."
        )
    st = s.standardised
    if st is not None and st.ci95 is not None:
        out.append(
            f"Ratio of the actual number to the number expected at England and Wales rates for the same offences: {_ratio_text(st.ratio)} "
            f"(95% interval {_ratio_text(st.ci95[0])} to {_ratio_text(st.ci95[1])}; 1 = England and Wales rates)."
        )
    if s.similar is not None and s.similar.forces:
        items = [
            f"{f.force} ({pct(s, f.share)}, ratio {_ratio_text(f.standardised.ratio if f.standardised else None)})"
            for f in s.similar.forces
        ]
        out.append(
            f"The forces most like {s.force.display} in the crime they deal with (crime mix and volume), with their share and "
            f"ratio to expected: {', '.join(items[:-1])} and {items[-1]}."
        )
    return out


def rules_shown(rules: Sequence[RuleHit]) -> list[RuleHit]:
    """The rules given as why an offence is notable. Rules that govern these outcomes and years
    come first and alone when any do; otherwise rules about no outcome in particular (editorial
    lists) are preferred, so a rule about another outcome (an adult-caution statute beside
    community resolutions) is given only when nothing else marks the offence, and then only as what it is."""
    return [r for r in rules if r.applies] or [r for r in rules if not r.governs] or list(rules)


def rules_behind(rules: Sequence[RuleHit]) -> str:
    """Why an offence is notable, in full: the wording of each rule shown, with its id."""
    return "; ".join(f"{r.label} [{r.rule_id}]" for r in rules_shown(rules))


# ---------------------------------------------------------------------------- source lines


def edition_line(s: Story) -> str:
    """'Figures as of the 23 May 2019 edition (file.ods)': which published files the figures come from."""
    parts: list[str] = []
    sample_edition = re.search(r"\(([^()]*edition)\)", SAMPLE_CREDIT)
    for e in s.editions:
        if e.edition_date:
            d = e.edition_date
            parts.append(f"the {d.day} {_MONTHS[d.month - 1]} {d.year} edition ({e.file_name})")
        elif s.is_sample and sample_edition:
            parts.append(f"the {sample_edition.group(1)} (bundled sample, {e.file_name})")
        else:
            parts.append(f"the edition in {e.file_name} (no edition date recorded)")
    if not parts:
        return "Figures as of the editions loaded in the store."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Figures as of {joined}."


def credit_line(s: Story) -> str:
    return SAMPLE_CREDIT if s.is_sample else OGL_CREDIT


# ---------------------------------------------------------------------------- sections


def key_figures(s: Story) -> Table:
    out_label, den_noun, nat = s.outcome_label, _denominator_noun(s), s.national
    if s.force.is_national:
        rows = [
            [_cap(out_label), number(s.count)],
            [den_noun, number(s.denominator)],
            ["Share", pct(s, s.share)],
            ["95% interval on the share", _interval(s, s.ci95)],
        ]
        return Table(["Figure", NATIONAL], rows, ["l", "r"], f"Key figures, {period_text(s)}")
    rank = s.rank
    by_share = rank_text(s, rank.by_share, rank.of, rank.tied_share) if rank else "not ranked"
    by_count = rank_text(s, rank.by_count, rank.of, rank.tied_count, "count") if rank else "not ranked"
    rows = [
        [_cap(out_label), number(s.count), number(nat.count)],
        [den_noun, number(s.denominator), number(nat.denominator)],
        ["Share", pct(s, s.share), pct(s, nat.share)],
        ["95% interval on the share", _interval(s, s.ci95), "–"],
        ["Rank by share", by_share, "–"],
        ["Rank by number", by_count, "–"],
        ["Funnel plot, limits widened for differences between forces", _adjusted_verdict(s) or "–", "–"],
        ["Funnel plot, chance alone", _verdict(s) or "–", "–"],
    ]
    st = s.standardised
    if st is not None:
        rows.append(["Expected at England and Wales rates for the same offences", number(round(st.expected)), "–"])
        ci = st.ci95 or (None, None)
        rows.append(["Ratio to expected (95% interval)", f"{_ratio_text(st.ratio)} ({_ratio_text(ci[0])} to {_ratio_text(ci[1])})", "1.00"])
    return Table(["Figure", _who(s), NATIONAL], rows, ["l", "r", "r"], f"Key figures, {period_text(s)}")


def year_series(s: Story) -> Table:
    heads = ["Year", _cap(s.outcome_label), _denominator_noun(s), "Share"]
    if s.force.is_national:
        rows = [[y.year, number(y.count), number(y.denominator), pct(s, y.share)] for y in s.by_year]
        return Table(heads, rows, ["l", "r", "r", "r"], "By year")
    rows = [[y.year, number(y.count), number(y.denominator), pct(s, y.share), pct(s, y.national_share)] for y in s.by_year]
    return Table([*heads, "England and Wales share"], rows, ["l", "r", "r", "r", "r"], "By year")


def change_sentence(s: Story) -> str | None:
    c = s.change
    if c is None:
        return None
    parts = [f"From {c.first_year} to {c.last_year} the number went from {number(c.count_from)} to {number(c.count_to)}"]
    if c.share_from is not None and c.share_to is not None:
        parts.append(f"the share from {pct(s, c.share_from)} to {pct(s, c.share_to)}")
    return ", ".join(parts) + "."


def offences_table(s: Story) -> tuple[Table, str]:
    """The offences with most of the outcomes, and the note under the table."""
    out_label = s.outcome_label
    with_any = [o for o in s.offences if o.count > 0]
    shown = with_any[:BRIEF_TOP_OFFENCES]
    caption = f"Offences most often dealt with by {out_label}"
    if s.force.is_national:
        rows = [
            [_offence_name(o), o.code, o.group or "–", number(o.count), pct(s, o.national_rate), "yes" if o.serious else ""] for o in shown
        ]
        table = Table(["Offence", "Code", "Group", "Number", "Rate", "Serious"], rows, ["l", "l", "l", "r", "r", "l"], caption)
    else:
        rows = [
            [
                _offence_name(o),
                o.code,
                number(o.count),
                number(o.national_count),
                pct(s, o.share_of_national),
                pct(s, o.force_rate),
                pct(s, o.national_rate),
                "yes" if o.serious else "",
            ]
            for o in shown
        ]
        table = Table(
            ["Offence", "Code", "Number", "E&W number", "Share of E&W", "Rate", "E&W rate", "Serious"],
            rows,
            ["l", "l", "r", "r", "r", "r", "r", "l"],
            caption,
        )
    note = (
        f"The {len(shown)} offences with most {out_label} of {len(with_any)} that had any. Rate: {out_label} as a share of all "
        "outcomes for that offence; E&W: England and Wales. Every offence is in data.xlsx (tab 'By offence')."
    )
    return table, note


def notable_section(s: Story) -> tuple[Table | None, str, list[tuple[str, list[str], str]]]:
    """The notable offences: a table naming each rule by its short id, the introduction above
    it, and the full wording of each rule below it with the offences it was given for (one rule
    may be worded differently for different offences)."""
    out_label, national = s.outcome_label, s.force.is_national
    rules_src = s.rules_source
    if not s.notable:
        return None, f"No offence the seriousness rules ({rules_src}) mark as notable received {out_label} {_when(s)}.", []
    wordings: dict[tuple[str, str], list[str]] = {}
    rows = []
    for o in s.notable:
        shown = rules_shown(o.rules)
        for r in shown:
            wordings.setdefault((r.rule_id, r.label), []).append(o.code)
        row = [_offence_name(o), o.code, number(o.count)]
        if not national:
            row.append(pct(s, o.share_of_national))
        row.append(", ".join(r.rule_id for r in shown))
        rows.append(row)
    headers = ["Offence", "Code", "Number"] + ([] if national else ["Share of E&W"]) + ["Why it is notable"]
    align = ["l", "l", "r"] + ([] if national else ["r"]) + ["l"]
    table = Table(headers, rows, align, f"Notable offences that got {out_label}")
    intro = (
        f"Offences the seriousness rules ({rules_src}) mark as notable that received {out_label} {_when(s)}. "
        "The rule behind each says what it rests on (the law, national guidance or an editorial list); only a rule about "
        "these outcomes and years is worded as restricting them, and the figures cannot show the circumstances of any case."
    )
    first: dict[str, int] = {}
    for i, (rule_id, _) in enumerate(wordings):
        first.setdefault(rule_id, i)
    ordered = sorted(wordings.items(), key=lambda item: first[item[0][0]])  # one rule's wordings together
    return table, intro, [(rule_id, codes, label) for (rule_id, label), codes in ordered]


def comparison_paragraphs(s: Story) -> list[str]:
    """The force against England and Wales: shares, rank and the funnel plot (nationally: the spread of forces)."""
    out_label, nat = s.outcome_label, s.national
    if s.force.is_national:
        ranked = [c for c in s.comparison if c.rank_by_share is not None]
        widened = s.share_spread is not None
        territorial = [str(c.adjusted_verdict if widened else c.verdict) for c in s.comparison if c.kind == "territorial"]
        above = sum(1 for v in territorial if v.startswith("above 99.8"))
        below = sum(1 for v in territorial if v.startswith("below 99.8"))
        chance = sum(1 for c in s.comparison if c.kind == "territorial" and str(c.verdict).startswith(("above 99.8", "below 99.8")))
        limit_text = "99.8% funnel limit widened for the usual differences between forces" if widened else "99.8% funnel limit"
        return [
            f"Across England and Wales {pct(s, s.share)} of {_denominator_noun(s).lower()} were {out_label}. Of the territorial forces, "
            f"{above} lie above the {limit_text} around that share and {below} below it"
            + (f" ({chance} lie outside the limits for chance alone)" if widened else "")
            + f"; {len(ranked)} are ranked."
        ]
    its = "of the crimes recorded in its area" if s.per == "recorded-crime" else "of all its crime outcomes"
    out = [
        f"{_cap(_who(s))}: {pct(s, s.share)} {its} were {out_label} ({number(s.count)} of {number(s.denominator)}), "
        f"against {pct(s, nat.share)} across England and Wales ({number(nat.count)} of {number(nat.denominator)})."
    ]
    rank = s.rank
    if rank and rank.by_share is not None:
        out.append(
            f"Rank among the {rank.of} ranked territorial forces (1 = highest): "
            f"{rank_text(s, rank.by_share, rank.of, rank.tied_share)} by share, {rank_text(s, rank.by_count, rank.of, rank.tied_count, 'count')} by number."
        )
    elif rank and rank.reason:
        out.append(f"Not ranked: {rank.reason}.")
    limits = s.funnel.limits if s.funnel else None
    if limits and s.funnel and s.funnel.adjusted:
        verdict = _adjusted_verdict(s)
        out.append(f"Funnel plot: the share is {_ADJUSTED_SENTENCES.get(verdict, verdict)}.")
        out.append(
            f"For a force with {number(limits.n)} outcomes, chance alone around the national {pct(s, limits.target)} would give a "
            f"share between {pct(s, limits.lower95)} and {pct(s, limits.upper95)} (95% limits), or between "
            f"{pct(s, limits.lower998)} and {pct(s, limits.upper998)} (99.8% limits); against those limits alone the share is "
            f"{_verdict(s)}, as most forces' are."
        )
    elif limits:
        out.append(
            f"Funnel plot: the share is {funnel_sentence(_verdict(s))}. For a force with {number(limits.n)} outcomes, "
            f"chance alone around the national {pct(s, limits.target)} would give a share between "
            f"{pct(s, limits.lower95)} and {pct(s, limits.upper95)} (95% limits), or between "
            f"{pct(s, limits.lower998)} and {pct(s, limits.upper998)} (99.8% limits)."
        )
    out.extend(fair_paragraphs(s))
    return out


def largest_shares_table(s: Story) -> Table | None:
    if s.force.is_national or not s.largest_shares:
        return None
    who = _who(s)
    return Table(
        ["Offence", "Code", who, NATIONAL, "Share of E&W"],
        [[_offence_name(o), o.code, number(o.count), number(o.national_count), pct(s, o.share_of_national)] for o in s.largest_shares],
        ["l", "l", "r", "r", "r"],
        f"Where {who} holds the largest share of all such {s.outcome_label} in England and Wales",
    )


def forces_table(s: Story) -> Table | None:
    """Every force, ranked by share (the national brief only)."""
    if not s.force.is_national or not s.comparison:
        return None
    ordered = sorted(s.comparison, key=lambda c: (c.rank_by_share is None, c.rank_by_share or 0, -(c.share or 0.0), c.force))
    # The words judge shares against the widened limits, so the table shows that verdict when there is one.
    widened = any(c.adjusted_verdict != stats.Verdict.NO_DATA for c in ordered)
    rows = [
        [
            c.force,
            number(c.count),
            number(c.denominator),
            pct(s, c.share),
            ordinal(c.rank_by_share) if c.rank_by_share is not None else ("too few" if c.small else "not ranked"),
            str(c.adjusted_verdict if widened else c.verdict),
        ]
        for c in ordered
    ]
    highlight = next((i for i, c in enumerate(ordered) if c.force == s.force.name), None)
    return Table(
        [
            "Force",
            _cap(s.outcome_label),
            _denominator_noun(s),
            "Share",
            "Rank by share",
            "Funnel plot, widened limits" if widened else "Funnel plot, chance alone",
        ],
        rows,
        ["l", "r", "r", "r", "r", "n"],
        f"All forces, {period_text(s)}",
        highlight=highlight,
    )


def right_of_reply(s: Story) -> list[str]:
    """Questions for the force's press office (or, nationally, the Home Office and NPCC), from the findings only."""
    out_label, when = s.outcome_label, _when(s)
    edition = edition_line(s).removeprefix("Figures as of ").rstrip(".")
    edition = re.sub(r" \([^()]*(?:\([^()]*\))?[^()]*\)", "", edition)  # the edition, without file names
    qs: list[str] = []
    # Questions about authorisation, review and scrutiny concern disposals the police choose to give; a charge or a
    # closure for lack of evidence raises none of them.
    disposal = is_disposal(s)
    if s.force.is_national:
        compared = [c for c in s.comparison if c.kind == "territorial" and c.share is not None and not c.small]
        if len(compared) >= 2:
            hi = max(compared, key=lambda c: c.share or 0.0)
            lo = min(compared, key=lambda c: c.share or 0.0)
            qs.append(
                f"The share of crime outcomes that were {out_label} {when} ranged from {pct(s, lo.share)} ({lo.force}) to "
                f"{pct(s, hi.share)} ({hi.force}). Why does their use vary so much between forces, and is that variation monitored?"
            )
        if s.notable and disposal:
            total = sum(o.count for o in s.notable)
            qs.append(
                f"{number(total)} {out_label} {when} were for offences the seriousness rules mark as notable. Is this use "
                "reviewed nationally, and what did any review find?"
            )
        qs.append(f"Do the Home Office and the National Police Chiefs' Council recognise these figures, as published in {edition}?")
        return qs

    qs.append(
        f"Does {s.force.display} recognise these figures: {number(s.count)} {out_label} {when}, {pct(s, s.share)} of its "
        f"{number(s.denominator)} {'recorded crimes' if s.per == 'recorded-crime' else 'crime outcomes'}? They come from the data "
        f"the force supplied to the Home Office, as published in {edition}."
    )
    verdict, nat = _adjusted_verdict(s), pct(s, s.national.share)
    if verdict.startswith("above"):
        qs.append(
            f"The force's share ({pct(s, s.share)}) is higher than the England and Wales share ({nat}) by more than the usual "
            f"differences between forces would explain. Why does it use {out_label} more than forces elsewhere?"
        )
    elif verdict.startswith("below"):
        qs.append(
            f"The force's share ({pct(s, s.share)}) is lower than the England and Wales share ({nat}) by more than the usual "
            f"differences between forces would explain. Does it have a policy that limits {out_label}, and what outcomes do these "
            "crimes get instead?"
        )
    c = s.change
    if c and c.share_points is not None and abs(c.share_points) >= 0.5:
        direction = "rose" if c.share_points > 0 else "fell"
        qs.append(
            f"The share {direction} from {pct(s, c.share_from)} in {c.first_year} to {pct(s, c.share_to)} in "
            f"{c.last_year}. What changed: policy, training, how crimes are recorded, or the crimes reported?"
        )
    for o in s.notable[:3] if disposal else []:
        n = o.count
        qs.append(
            f"{number(n)} {'offence' if n == 1 else 'offences'} of {_in_sentence(o)} "
            f"({o.code}) ended in {out_label} {when}. What were the circumstances, who authorised "
            f"{'it' if n == 1 else 'them'}, and how {'was that decision' if n == 1 else 'were those decisions'} reviewed?"
        )
    for o in s.largest_shares[:1]:
        if (o.share_of_national or 0) >= 0.25:
            qs.append(
                f"The force accounted for {pct(s, o.share_of_national)} of all {out_label} for "
                f"{_in_sentence(o)} in England and Wales ({number(o.count)} of "
                f"{number(o.national_count)}). Why is its use for this offence so much higher than other forces'?"
            )
    if disposal and notable_sexual_offences(s):
        qs.append(
            f"How many of the {out_label} for sexual offences involved children or young people as offenders (for example "
            "sharing images), and how does the force decide those cases?"
        )
    if s.missing:
        years = sorted({m.year for m in s.missing})
        qs.append(f"Some figures for {', '.join(years)} were published without a number. Can the force supply them?")
    if disposal:
        qs.append(
            f"How does the force check that {out_label} are used appropriately? Does an out-of-court disposals scrutiny panel "
            "review them, and are its findings published?"
        )
    return qs


def methodology(s: Story) -> list[tuple[str, str]]:
    """How the figures were made, for readers (worded for this story), then the rules file it used."""
    terms = reader_methodology(label=s.outcome_label, types=s.outcome_types, basis=s.basis, per=s.per, places=s.percent_places)
    terms += [(title, READER_NOTES[key]) for key, title in _READER_NOTE_TITLES.items() if key != "drivers" or s.drivers]
    terms.append(("Rules", f"Seriousness rules: {s.rules_source} (fingerprint {(s.rules_fingerprint or '–')[:12]})."))
    return sorted(terms, key=lambda t: t[0] == "For developers")  # the pointer to the exact definitions last


_READER_NOTE_TITLES = {
    "funnel": "Why the funnel limits are widened",
    "standardised": "Expected numbers: allowing for the offences dealt with",
    "similar": "Most similar forces",
    "drivers": "What makes up a group of outcomes",
}
"""Plain-English methodology paragraphs for readers (analysis.fair.READER_NOTES), by title."""


def definitions(s: Story) -> list[tuple[str, str]]:
    """The story's definitions as in its JSON: kept for developers (the workbook's Notes)."""
    return [(_TERMS.get(key, key.replace("_", " ").capitalize()), text) for key, text in DEFINITIONS.items()]


def known_breaks(s: Story) -> list[tuple[str, str, str]]:
    """(what happened, source, link) for each known break in the data touching the story's figures."""
    return [(a.sentence(), a.source, a.link) for _, a in s.annotations]


def years_note(s: Story) -> str | None:
    """Which rows of the year table a known break in the data touches (see 'Known breaks in the data')."""
    shown = {y.year for y in s.by_year}
    notes = []
    for scope, a in s.annotations:
        years = [y for y in a.years if y in shown]
        if years:
            whose = "England and Wales totals" if scope == "national" else "these figures"
            notes.append(f"{', '.join(years)}: {whose} are affected by a known break in the data ({a.sentence()})")
    return "; ".join(notes) + "." if notes else None


def sample_notice(s: Story) -> str | None:
    if not s.is_sample:
        return None
    return (
        f"These figures come from the sample bundled with crime-outcomes ({s.store_label}). "
        "Load the full published files (`crime-outcomes update`) before publishing."
    )


# ---------------------------------------------------------------------------- the brief


def build_brief(s: Story, charts: dict[str, ChartRef], leads: LeadSet | None = None) -> Brief:
    """The brief's contents, formatted, from the story; it opens with ``leads`` (the force's slice of a scan) when given."""
    who, national = _who(s), s.force.is_national
    offences, offences_note = offences_table(s)
    notable, notable_intro, notable_rules = notable_section(s)
    return Brief(
        title=f"{who}: {s.outcome_label}, {period_text(s)}",
        subtitle=f"Story pack for {'the national desk' if national else 'newsrooms covering ' + who} · basis: {s.basis} · "
        f"outcome types {', '.join(str(t) for t in s.outcome_types)}",
        force=who,
        slug=s.force.slug,
        is_national=national,
        sample_notice=sample_notice(s),
        lines=list(s.lines),
        figures=key_figures(s),
        change=change_sentence(s),
        years=year_series(s),
        offences=offences,
        offences_note=offences_note,
        notable=notable,
        notable_intro=notable_intro,
        notable_rules=notable_rules,
        comparison=comparison_paragraphs(s),
        largest=largest_shares_table(s),
        forces=forces_table(s),
        caveats=list(s.caveats),
        questions_heading="Questions for the Home Office and the National Police Chiefs' Council"
        if national
        else f"Questions for {who}'s press office (right of reply)",
        questions=right_of_reply(s),
        methodology=methodology(s),
        credit=credit_line(s),
        edition=edition_line(s),
        generated=f"Made with crime-outcomes {__version__}; story JSON schema {SCHEMA_VERSION}.",
        charts=charts,
        glossary=load_glossary().for_types(s.outcome_types),
        known_breaks=known_breaks(s),
        years_note=years_note(s),
        definitions=definitions(s),
        leads=brief_leads(s, leads),
    )
