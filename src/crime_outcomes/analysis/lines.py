"""Story sentences and caveats, built only from a Story's findings.

The register is a local news story's: UK number style (24,647; 1.3%; 2014/15), every
percentage at the story's one precision (``Story.percent_places``), the force's everyday name,
one fact per sentence where possible. Every number in a
sentence comes from a field of the Story, so the text and the JSON cannot disagree. Caveats
are written alongside because a line read without them can mislead (a share built on missing
quarters, a code change, sexual offences that may involve children).
"""

from __future__ import annotations

from collections import defaultdict

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.fair import is_far
from crime_outcomes.analysis.model import MissingGroup, OffenceFigures, Story
from crime_outcomes.analysis.seriousness import RuleHit
from crime_outcomes.analysis.standardise import Standardised
from crime_outcomes.store.bundled import SAMPLE_LABEL
from crime_outcomes.text import number, percent, rank_phrase

FORCE_DISPLAY: dict[str, str] = {
    "Metropolitan Police": "the Metropolitan Police",
    "City of London": "City of London Police",
    "British Transport Police": "British Transport Police",
}
"""How a story names a force when it is not '<name> Police'."""

DISPOSAL_TYPES = frozenset({2, 3, 6, 7, 8, 22})
"""Outcome types a force 'issues' (cautions, penalty notices, warnings, resolutions, diversion)."""

TOP_OFFENCES_IN_LINE = 3
NOTABLE_IN_LINE = 6
LARGEST_SHARES_IN_LINE = 3

SEXUAL_OFFENCES_GROUP = "sexual offences"


def display_name(force: str) -> str:
    """'West Midlands' -> 'West Midlands Police'; 'Metropolitan Police' -> 'the Metropolitan Police'."""
    return FORCE_DISPLAY.get(force, f"{force} Police")


def pct(fraction: float | None, places: int) -> str:
    """A share for a sentence, at the story's one precision (nothing too: 0.0% in a story printed to one place)."""
    return percent(fraction, places)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _offence_name(o: OffenceFigures) -> str:
    """An offence description as it reads mid-sentence: 'Cruelty to children' -> 'cruelty to children'."""
    return offence_name_text(o.description, o.code)


def _join(items: list[str], conjunction: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{number(n)} times")


def _when(s: Story) -> str:
    return f"in {s.first}" if s.first == s.last else f"between {s.first} and {s.last}"


def is_disposal(s: Story) -> bool:
    """True when every selected type is a disposal the police give (cautions, penalty notices, warnings, resolutions, diversion)."""
    return set(s.outcome_types) <= DISPOSAL_TYPES


def quarters_phrase(quarters: tuple[int, ...] | list[int]) -> str:
    """(1, 2, 3, 4) -> 'all four quarters'; (1, 2, 3) -> 'Q1–Q3'; (1, 3) -> 'Q1 and Q3'."""
    qs = sorted(set(quarters))
    if qs == [1, 2, 3, 4]:
        return "all four quarters"
    if len(qs) > 2 and qs == list(range(qs[0], qs[-1] + 1)):
        return f"Q{qs[0]}–Q{qs[-1]}"
    return _join([f"Q{x}" for x in qs])


# --------------------------------------------------------------------------------- lines


def build_lines(s: Story) -> list[str]:
    """The story's sentences, in the order a reporter would use them."""
    lines = [_headline(s)]
    if s.definition:
        lines.append(s.definition)
    for maker in (
        _change_line,
        _comparison_line,
        _count_rank_line,
        _funnel_line,
        _standardised_line,
        _similar_line,
        _drivers_line,
        _top_offences_line,
        _notable_lines,
        _largest_shares_line,
    ):
        produced = maker(s)
        if isinstance(produced, list):
            lines.extend(produced)
        elif produced:
            lines.append(produced)
    return lines


def _headline(s: Story) -> str:
    national = s.force.is_national
    subject = "Police in England and Wales" if national else _cap(s.force.display)
    area = "" if national else (" in its area" if s.force.kind == "territorial" else "")
    its = "" if national or area else "its "
    verb = "issued" if is_disposal(s) else "recorded"
    when = _when(s)
    if s.basis == "recorded":
        who = "police in England and Wales" if national else s.force.display
        if s.per == "recorded-crime":
            return (
                f"Of the {number(s.denominator)} crimes {who} recorded {when}, {number(s.count)} "
                f"({pct(s.share, s.percent_places)} of them) had ended in {s.outcome_label} by the time the figures were published."
            )
        return (
            f"Of the crimes {who} recorded {when}, {number(s.count)} had ended in {s.outcome_label} by the time the "
            f"figures were published — {pct(s.share, s.percent_places)} of the {number(s.denominator)} that had an outcome."
        )
    if s.per == "recorded-crime":
        tail = f"equivalent to {pct(s.share, s.percent_places)} of the {number(s.denominator)} crimes recorded{area or (' in England and Wales' if national else '')}"
        if s.count == 0:
            return f"{subject} {verb} no {s.outcome_label} {when}, against {number(s.denominator)} crimes recorded{area}."
        return f"{subject} {verb} {number(s.count)} {s.outcome_label} {when} — {tail}."
    if s.count == 0:
        return f"{subject} {verb} no {s.outcome_label} {when}, out of {its}{number(s.denominator)} crime outcomes{area}."
    return f"{subject} {verb} {number(s.count)} {s.outcome_label} {when} — {pct(s.share, s.percent_places)} of all {its}{number(s.denominator)} crime outcomes{area}."


def _share_noun(s: Story) -> str:
    return "rate per recorded crime" if s.per == "recorded-crime" else "share of outcomes"


def _change_line(s: Story) -> str | None:
    c = s.change
    if c is None:
        return None
    parts: list[str] = []
    if c.share_from is not None and c.share_to is not None:
        a, b = pct(c.share_from, s.percent_places), pct(c.share_to, s.percent_places)
        if a == b:
            parts.append(f"Their {_share_noun(s)} was {b} in both {c.first_year} and {c.last_year}")
        else:
            direction = "rose" if c.share_to > c.share_from else "fell"
            parts.append(f"Their {_share_noun(s)} {direction} from {a} in {c.first_year} to {b} in {c.last_year}")
    if c.count_change == 0:
        parts.append(f"the number was unchanged at {number(c.count_to)}")
    else:
        direction = "rose" if c.count_change > 0 else "fell"
        rel = (
            f" ({'up' if c.count_change > 0 else 'down'} {pct(abs(c.count_change_fraction), s.percent_places)})"
            if c.count_change_fraction is not None
            else ""
        )
        parts.append(f"the number {direction} from {number(c.count_from)} to {number(c.count_to)}{rel}")
    sentence = ", while ".join(parts) if len(parts) == 2 else parts[0]
    return _cap(sentence) + "."


def lowest_position(s: Story, rank: int, by: str) -> int:
    """The rank counted from the bottom (1 = lowest); for a tie, the tied group's best place from the bottom."""
    key = "rank_by_share" if by == "share" else "rank_by_count"
    below = sum(1 for c in s.comparison if getattr(c, key) is not None and getattr(c, key) > rank)
    return below + 1


def _rank_words(s: Story, rank: int, of: int, tied: bool, by: str) -> str:
    return rank_phrase(rank, of, lowest=lowest_position(s, rank, by), tied=tied) + " forces"


def _left_out(s: Story) -> str:
    r = s.rank
    if r is None or not r.flagged_small:
        return ""
    names = [f for f in r.flagged_small if f != s.force.name]
    if not names:
        return ""
    shown = f"{', '.join(names[:4])} and {len(names) - 4} others" if len(names) > 4 else _join(names)
    return f" ({shown}, with too few to rank, left out)"


def _comparison_line(s: Story) -> str | None:
    if s.force.is_national or s.share is None:
        return None
    theirs = pct(s.national.share, s.percent_places)
    # The story's precision is chosen so that different shares never print alike (format.choose_places).
    if s.share == s.national.share:
        base = "That was the same as the share across England and Wales"
    elif pct(s.share, s.percent_places) == theirs:
        # Alike even at the finest precision a story uses: say so rather than print a false contrast.
        base = f"That was almost exactly the share across England and Wales, {theirs}"
    else:
        base = f"That compared with {theirs} across England and Wales"
    r = s.rank
    if r is not None and r.by_share is not None:
        noun = "rate" if s.per == "recorded-crime" else "share"
        return f"{base}; its {noun} was {_rank_words(s, r.by_share, r.of, r.tied_share, 'share')}{_left_out(s)}."
    if r is not None and r.reason:
        if r.small:
            return f"{base}; {s.force.display} had too few to be ranked against other forces."
        return f"{base}; {s.force.display} is not ranked against the territorial forces."
    return base + "."


def _count_rank_line(s: Story) -> str | None:
    r = s.rank
    if s.force.is_national or r is None or r.by_count is None:
        return None
    return f"Its total of {number(s.count)} was {_rank_words(s, r.by_count, r.of, r.tied_count, 'count')} by number."


_FUNNEL_WORDS: dict[str, str] = {
    stats.VERDICT_ABOVE_998: "is higher than the usual differences between forces would explain (above the 99.8% control limit, widened for those differences)",
    stats.VERDICT_ABOVE_95: "is higher than most forces' once the usual differences between forces are allowed for (above the 95% control limit widened for those differences, though within the 99.8% limit)",
    stats.VERDICT_WITHIN: "is within the normal spread between forces (inside the 95% control limits, widened for the usual differences between forces)",
    stats.VERDICT_BELOW_95: "is lower than most forces' once the usual differences between forces are allowed for (below the 95% control limit widened for those differences, though within the 99.8% limit)",
    stats.VERDICT_BELOW_998: "is lower than the usual differences between forces would explain (below the 99.8% control limit, widened for those differences)",
}
"""Words for the overdispersion-adjusted verdict. None says "by chance": limits that allow only for
chance leave nearly every force outside, which is no finding (see analysis.funnel)."""

FUNNEL_WORDS = _FUNNEL_WORDS
"""The same words, for the leads that rest on the same verdict."""


def _funnel_line(s: Story) -> str | None:
    if s.funnel is None or s.funnel.adjusted_verdict not in _FUNNEL_WORDS:
        return None
    if s.per == "recorded-crime":
        volume = "the number of crimes recorded in its area" if s.force.kind == "territorial" else "the number of crimes it recorded"
    else:
        volume = "the number of outcomes it dealt with"
    return f"Given {volume}, its {_share_noun(s)} {_FUNNEL_WORDS[s.funnel.adjusted_verdict]}."


def _standardised_line(s: Story) -> str | None:
    """'At England and Wales rates for the same crimes, it would have issued about E; it issued O, X% fewer.'"""
    st = s.standardised
    if st is None or st.ratio is None or s.force.is_national:
        return None
    return standardised_sentence(s.force.display, s.outcome_label, _when(s), is_disposal(s), st, s.percent_places)


def standardised_sentence(display: str, label: str, when: str, disposal: bool, st: Standardised, places: int) -> str:
    """The story's standardised-ratio sentence (an outside-limits lead resting on the ratio says the same)."""
    verb, would = ("issued", "would have issued") if disposal else ("had", "would have had")
    expected = round(st.expected)
    if st.observed == expected:
        diff = "the same number"
    else:
        gap = pct(abs((st.ratio or 0.0) - 1), places)
        nothing = gap.rstrip("%").strip("0.") == ""
        diff = (
            "about the same number"
            if nothing or gap.startswith("less than")
            else f"{gap} {'more' if st.observed > st.expected else 'fewer'}"
        )
    sentence = (
        f"At England and Wales rates for the same crimes, {display} {would} about {number(expected)} "
        f"{label} {when}; it {verb} {number(st.observed)}, {diff}"
    )
    if st.verdict in (stats.VERDICT_ABOVE_998, stats.VERDICT_BELOW_998):
        sentence += ", a bigger difference than the usual spread between forces would explain"
    return sentence + "."


def _similar_line(s: Story) -> str | None:
    sim = s.similar
    if sim is None or not sim.forces or s.share is None:
        return None
    names = _join([f.force for f in sim.forces])
    shares = [f.share for f in sim.forces if f.share is not None]
    text = f"The {_count_word(len(sim.forces))} forces whose crime is most like {s.force.display}'s, by offence mix and volume, are {names}"
    if shares:
        low, high = pct(min(shares), s.percent_places), pct(max(shares), s.percent_places)
        spread = f"{low}" if low == high else f"{low} to {high}"
        text += f"; their {_share_noun(s)} ranged from {spread}" if low != high else f"; each had a {_share_noun(s)} of {spread}"
    if is_far(sim):
        text += f" (none deals with crime much like {s.force.display}, so compare with care)"
    return text + "."


def _count_word(n: int) -> str:
    return ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[n] if 0 <= n < 10 else number(n)


def _drivers_line(s: Story) -> str | None:
    """The type that makes up most of a group, and the type the force uses most above the national split."""
    used = [d for d in (s.drivers or []) if d.count > 0 and d.share_of_group is not None]
    if not used:
        return None
    chosen = [used[0]]
    if not s.force.is_national:
        over = max(used, key=lambda d: ((d.share_of_group or 0) - (d.national_share_of_group or 0), d.count))
        if over is not used[0] and (over.share_of_group or 0) > (over.national_share_of_group or 0):
            chosen.append(over)
    parts: list[str] = []
    for d in chosen:
        part = f"{d.label} made up {pct(d.share_of_group, s.percent_places)} of {'' if s.force.is_national else 'its '}{s.outcome_label}"
        if not s.force.is_national:
            part += f" ({pct(d.national_share_of_group, s.percent_places)} of those across England and Wales)"
        if d.offences:
            o = d.offences[0]
            part += f", most often for {offence_name_text(o.description, o.code)} ({number(o.count)} of {number(d.count)})"
        parts.append(part)
    return _cap("; ".join(parts)) + "."


def offence_name_text(description: str | None, code: str) -> str:
    text = description or f"offence code {code}"
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or first[1:2].isupper()):
        return text  # an acronym or a name: keep its capitals
    return text[:1].lower() + text[1:]


def _top_offences_line(s: Story) -> str | None:
    top = [o for o in s.offences if o.count > 0][:TOP_OFFENCES_IN_LINE]
    if not top:
        return None
    items = [f"{_offence_name(o)} ({number(o.count)})" for o in top]
    if len(items) == 1:
        return f"The offence most often dealt with this way was {items[0]}."
    return f"The offences most often dealt with this way were {_join(items)}."


def _notable_lines(s: Story) -> list[str]:
    """What the seriousness rules found. Each rule is named for what it is; a sentence says the law
    or guidance restricts the outcome only for hits that apply (their rule governs every selected
    outcome type and was in force for the whole period), in that rule's own words."""
    if not s.notable:
        return []
    total = sum(o.count for o in s.notable)
    codes = len(s.notable)
    kinds = list(dict.fromkeys(h.summary or "offences the rules name" for o in s.notable for h in o.rules))
    first = (
        f"{number(total)} of them were for {codes} type{'s' if codes != 1 else ''} of offence that the seriousness "
        f"rules mark as notable: {_join(kinds, 'or')}."
    )
    out = [_cap(first)]
    applying: dict[str, list[tuple[OffenceFigures, RuleHit]]] = defaultdict(list)
    for o in s.notable:
        for h in o.rules:
            if h.applies:
                applying[h.rule_id].append((o, h))
    for pairs in applying.values():
        n = sum(o.count for o, _ in pairs)
        hit = next((h for _, h in pairs if not h.label.startswith("This offence code includes")), pairs[0][1])
        kind = hit.summary or "offences the rules name"
        also = (
            "" if all(h is hit or h.label == hit.label for _, h in pairs) else " (some of these offence codes also include other offences)"
        )
        out.append(f"{number(n)} {'was' if n == 1 else 'were'} for {kind}{also}: {_uncap(hit.label)}.")
    shown = s.notable[:NOTABLE_IN_LINE]
    items: list[str] = []
    for i, o in enumerate(shown):
        item = f"{_times(o.count)} for {_offence_name(o)}"
        if not s.force.is_national and o.share_of_national is not None:
            if i == 0:
                item += f" ({pct(o.share_of_national, s.percent_places)} of all such {s.outcome_label} in England and Wales)"
            else:
                item += f" ({pct(o.share_of_national, s.percent_places)} of the England and Wales total)"
        items.append(item)
    rest = s.notable[NOTABLE_IN_LINE:]
    if rest:
        kinds_left = len(rest)
        items.append(f"{_times(sum(o.count for o in rest))} for {kinds_left} other notable offence{'s' if kinds_left != 1 else ''}")
    lead = "They were used " if is_disposal(s) else "They were recorded "
    return [*out, lead + _join(items) + "."]


def _uncap(text: str) -> str:
    """A rule's text, capitalised to stand alone, continued after a colon."""
    return text[:1].lower() + text[1:]


def largest_share_clause(display: str, label: str, code: str, description: str | None, count: int, national_count: int, places: int) -> str:
    """'West Midlands Police accounted for 83% of all community resolutions for cruelty to children in England and
    Wales (604 of 725)': the story's largest-share line opens with it, and a share-of-national lead is it."""
    return (
        f"{_cap(display)} accounted for {pct(stats.share(count, national_count), places)} of all {label} for "
        f"{offence_name_text(description, code)} in England and Wales ({number(count)} of {number(national_count)})"
    )


def _largest_shares_line(s: Story) -> str | None:
    if s.force.is_national or not s.largest_shares:
        return None
    shown = s.largest_shares[:LARGEST_SHARES_IN_LINE]
    o = shown[0]
    text = largest_share_clause(s.force.display, s.outcome_label, o.code, o.description, o.count, o.national_count, s.percent_places)
    others = [
        f"{pct(x.share_of_national, s.percent_places)} of those for {_offence_name(x)} ({number(x.count)} of {number(x.national_count)})"
        for x in shown[1:]
    ]
    if others:
        text += (" and " if len(others) == 1 else ", ") + _join(others)
    return text + "."


# ------------------------------------------------------------------------------ caveats


def _missing_places(groups: list[MissingGroup]) -> list[str]:
    """'Bedfordshire (2014/15, all four quarters)' for each force with missing cells."""
    by_force: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for g in groups:
        by_force[g.force][g.year].update(g.quarters)
    out = []
    for force, years in sorted(by_force.items()):
        spans = "; ".join(f"{y}, {quarters_phrase(sorted(qs))}" for y, qs in sorted(years.items()))
        out.append(f"{force} ({spans})")
    return out


def notable_sexual_offences(s: Story) -> list[OffenceFigures]:
    """Notable (serious) sexual offences with the outcome: the trigger for the caveat and press question about children."""
    return [o for o in s.notable if o.count > 0 and (o.group or "").strip().lower() == SEXUAL_OFFENCES_GROUP]


def annotation_caveats(s: Story) -> list[str]:
    """One caveat per known break in the data that touches these figures, with its source."""
    out = []
    for scope, a in s.annotations:
        text = a.sentence()
        if scope == "national" and not s.force.is_national:
            years = _join([y for y in a.years if y in s.years])
            text += f" The England and Wales totals for {years} are affected."
        out.append(f"{text} Source: {a.source}.")
    return out


def build_caveats(s: Story) -> list[str]:
    """Caveats that must travel with the lines, each only when it applies to these figures."""
    out: list[str] = []
    if s.is_sample:
        out.append(
            f"These figures come from the bundled {SAMPLE_LABEL}, so totals are a little below the full "
            "published file. Run `crime-outcomes update` to load every year."
        )
    if s.years_not_loaded:
        out.append(
            f"{_join(s.years_not_loaded)} {'is' if len(s.years_not_loaded) == 1 else 'are'} not loaded, so the period "
            f"covers only {_join(s.years)}."
        )
    if s.missing:
        cells = sum(g.cells for g in s.missing)
        markers = sorted({g.marker for g in s.missing})
        who = "England and Wales" if s.force.is_national else s.force.display
        out.append(
            f"Figures for {who} include {number(cells)} cell{'s' if cells != 1 else ''} published without a number "
            f"({', '.join(repr(m) for m in markers)}): {_join(_missing_places(s.missing))}. They are missing, not zero, "
            "so the figures for those quarters are incomplete."
        )
    others = [g for g in s.missing_national if g.force != s.force.name]
    if others and not s.force.is_national:
        out.append(
            "England and Wales totals include cells published without a number from "
            f"{_join(_missing_places(others))}, so the national figures for those quarters are incomplete."
        )
    if s.missing_denominator_cells:
        out.append(
            f"{number(s.missing_denominator_cells)} recorded-crime cells were published without a number; "
            "the recorded-crime denominator leaves them out."
        )
    out.extend(annotation_caveats(s))
    if s.basis == "recorded":
        out.append(
            "Recorded-basis figures count the outcomes crimes had when the data were extracted: recent years rise in "
            "later editions as investigations close."
        )
    if s.per == "recorded-crime" and s.basis == "closed":
        out.append(
            "Outcomes closed in a year can relate to crimes recorded in earlier years, so the rate per recorded crime "
            "is a ratio, not the share of those crimes."
        )
    expired = [o for o in s.offences if o.expired and o.count != 0]
    if expired:
        n = sum(o.count for o in expired)
        codes = _join([o.code for o in expired[:6]] + ([f"{len(expired) - 6} more"] if len(expired) > 6 else []))
        out.append(
            f"{number(n)} of these {s.outcome_label} were for offence codes that have expired ({codes}): crimes "
            "recorded under an old code keep it when they are closed, so old and new codes (such as the burglary "
            "codes replaced in April 2017) appear side by side."
        )
    if is_disposal(s) and notable_sexual_offences(s):
        out.append(
            f"Some {s.outcome_label} for sexual offences may involve children: in 2019 forces said such cases "
            "included sexual activity between young people and sexting, and the data do not give the offender's age."
        )
    if s.notable:
        out.append(
            f"'Notable' follows the seriousness rules ({s.rules_source}). Each rule says what it rests on (the law, "
            "national guidance or an editorial list) and which outcomes it is about; only a rule about the outcomes "
            "and years chosen is worded as restricting them. The figures cannot show the circumstances of any case. "
            "Outcomes attach to the crime's final classification."
        )
    if s.rank is not None and s.rank.small:
        out.append(
            f"{_cap(s.force.display)} has too few {s.outcome_label} (fewer than {stats.SMALL_COUNT_MIN}, or under "
            f"{stats.SMALL_DENOMINATOR_MIN} outcomes in all) for its share to be ranked; treat it with care."
        )
    return out
