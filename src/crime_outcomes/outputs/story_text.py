"""A Story as plain text (for a terminal or an email) and as Markdown (for a brief or a wiki).

Both are built from the Story's findings and its lines and caveats only. No Rich markup is
used: text from the data (offence descriptions, rule labels) is printed as it is in plain
text, and escaped in Markdown so that a description such as ``<b>`` or ``a|b`` cannot turn
into markup or break a table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from crime_outcomes.analysis.lines import lowest_position
from crime_outcomes.analysis.model import Story
from crime_outcomes.analysis.offence import OffenceView
from crime_outcomes.analysis.stats import FunnelLimits
from crime_outcomes.text import interval, md_escape, number, percent, rank_phrase, signed_points

TEXT_OFFENCE_ROWS = 15
"""Offence rows shown in text and Markdown; the JSON holds every row."""


def _rank(s: Story, rank: int | None, of: int, tied: bool, by: str) -> str:
    """House style, as in the sentences: '5th lowest of 43'."""
    if rank is None:
        return "not ranked"
    return rank_phrase(rank, of, lowest=lowest_position(s, rank, by), tied=tied).removeprefix("the ")


def _title(s: Story) -> str:
    span = s.first if s.first == s.last else f"{s.first} to {s.last}"
    return f"{s.outcome_label[:1].upper()}{s.outcome_label[1:]}: {s.force.display}, {span}"


def _denominator_label(s: Story) -> str:
    return "Recorded crimes" if s.per == "recorded-crime" else "All outcomes (types 1-22)"


def _limits_detail(lim: FunnelLimits | None, pct: Callable[[float | None], str]) -> str:
    if lim is None:
        return ""
    return f" (95% limits {pct(lim.lower95)} to {pct(lim.upper95)}; 99.8% limits {pct(lim.lower998)} to {pct(lim.upper998)})"


def _figures(s: Story) -> list[tuple[str, str]]:
    places = s.percent_places

    def _p2(fraction: float | None) -> str:
        return percent(fraction, places)

    rows = [
        ("Outcome types", ", ".join(str(t) for t in s.outcome_types)),
        ("Basis", f"{s.basis} ({'investigations closed in the period' if s.basis == 'closed' else 'crimes recorded in the period'})"),
        ("Count", number(s.count)),
        (_denominator_label(s), number(s.denominator)),
        ("Share", f"{_p2(s.share)} (95% interval {interval(s.ci95, places)})"),
        ("England and Wales", f"{number(s.national.count)} of {number(s.national.denominator)} ({_p2(s.national.share)})"),
    ]
    if s.rank is not None:
        rows.append(("Rank by share", _rank(s, s.rank.by_share, s.rank.of, s.rank.tied_share, "share")))
        rows.append(("Rank by count", _rank(s, s.rank.by_count, s.rank.of, s.rank.tied_count, "count")))
        if s.rank.reason:
            rows.append(("Not ranked because", s.rank.reason))
        if s.rank.flagged_small:
            rows.append(("Too few to rank", ", ".join(s.rank.flagged_small)))
    if s.funnel is not None:
        # The story's words judge the share against the widened limits, so they come first and
        # the binomial (chance-alone) limits are labelled as such.
        adjusted = s.funnel.adjusted
        if adjusted is not None:
            rows.append(("Funnel plot, widened limits", adjusted.verdict + _limits_detail(adjusted.limits, _p2)))
        label = "Funnel plot, chance alone" if adjusted is not None else "Funnel plot"
        rows.append((label, s.funnel.verdict.value + _limits_detail(s.funnel.limits, _p2)))
    if s.change is not None:
        c = s.change
        pts = "–"
        if c.share_change is not None:
            sign = "+" if c.share_change > 0 else "-" if c.share_change < 0 else ""
            pts = sign + signed_points(c.share_change, places)
        rows.append(
            (
                f"Change {c.first_year} to {c.last_year}",
                f"{number(c.count_from)} to {number(c.count_to)} ({c.count_change:+,}); share {_p2(c.share_from)} to {_p2(c.share_to)} ({pts})",
            )
        )
    return rows


def _year_rows(s: Story) -> tuple[list[str], list[list[str]]]:
    head = [
        "Year",
        "Count",
        "Outcomes" if s.per == "outcomes" else "Recorded crimes",
        "Share",
        "95% interval",
        "E&W share",
        "Missing cells",
    ]
    p = s.percent_places
    rows = [
        [
            y.year,
            number(y.count),
            number(y.denominator),
            percent(y.share, p),
            interval(y.ci95, p),
            percent(y.national_share, p),
            number(y.missing_cells),
        ]
        for y in s.by_year
    ]
    return head, rows


def _offence_rows(s: Story, escape: bool) -> tuple[list[str], list[list[str]]]:
    esc = md_escape if escape else (lambda t: t)
    p = s.percent_places

    def _p1(fraction: float | None) -> str:
        return percent(fraction, p)

    head = ["Code", "Offence", "Count", "E&W count", "Share of E&W", "Rate", "E&W rate", "Serious"]
    rows = []
    for o in [o for o in s.offences if o.count != 0][:TEXT_OFFENCE_ROWS]:
        rows.append(
            [
                esc(o.code),
                esc(o.description or ""),
                number(o.count),
                number(o.national_count),
                _p1(o.share_of_national),
                _p1(o.force_rate),
                _p1(o.national_rate),
                esc(", ".join(h.rule_id for h in o.rules)) if o.serious else "",
            ]
        )
    return head, rows


def _source_lines(s: Story) -> list[str]:
    out = [f"Store: {s.store_label}"]
    for e in s.editions:
        date = f", edition {e.edition_date:%d %B %Y}" if e.edition_date else ""
        out.append(f"Source file: {e.file_name} ({', '.join(e.years)}{date})")
    out.append(f"Seriousness rules: {s.rules_source} (sha256 {s.rules_fingerprint[:12]})")
    out.append("Home Office, Police recorded crime and outcomes open data tables; Open Government Licence v3.0.")
    return out


def _share_formatter(s: Story) -> Callable[[float | None], str]:
    return lambda fraction: percent(fraction, s.percent_places)


# ---------------------------------------------------------------------------------- text


def _text_table(head: Sequence[str], rows: Sequence[Sequence[str]], left: set[int]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i in left else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def render_text(s: Story) -> str:
    """Plain text: title, story lines, figures, year series, offences, notable, caveats, source."""
    out = [_title(s), "=" * len(_title(s)), ""]
    out += [f"* {line}" for line in s.lines]
    out += ["", "Figures", "-------"]
    figures = _figures(s)
    width = max(len(k) for k, _ in figures)
    out += [f"{k.ljust(width)}  {v}" for k, v in figures]
    if len(s.by_year) > 1:
        out += ["", "By year", "-------"]
        out += _text_table(*_year_rows(s), left={0})
    head, rows = _offence_rows(s, escape=False)
    if rows:
        shown = len([o for o in s.offences if o.count != 0])
        heading = f"Offences (top {len(rows)} of {shown})"
        out += ["", heading, "-" * len(heading)]
        out += _text_table(head, rows, left={0, 1, 7})
    _p1 = _share_formatter(s)
    if s.notable:
        out += ["", "Notable offences", "----------------"]
        for o in s.notable:
            share = f" ({_p1(o.share_of_national)} of {number(o.national_count)} in England and Wales)" if not s.force.is_national else ""
            out.append(f"{o.code} {o.description or ''}: {number(o.count)}{share}")
            out += [f"    rule {h.rule_id}: {h.label}" for h in o.rules]
    if s.largest_shares:
        out += ["", "Largest shares of England and Wales totals", "------------------------------------------"]
        out += [
            f"{o.code} {o.description or ''}: {number(o.count)} of {number(o.national_count)} ({_p1(o.share_of_national)})"
            for o in s.largest_shares
        ]
    if s.caveats:
        out += ["", "Caveats", "-------"]
        out += [f"* {c}" for c in s.caveats]
    out += ["", "Source", "------", *_source_lines(s)]
    return "\n".join(out) + "\n"


OFFENCE_FORCE_ROWS = 15
"""Force rows shown in the offence text; the JSON holds every force."""

OFFENCE_PERCENT_PLACES = 1
"""The offence text prints its shares at one precision, as the web's offence page does."""


def render_offence_text(v: OffenceView) -> str:
    """Plain text for one offence: national figures, rules that flag it, year series, forces."""

    def _p1(fraction: float | None) -> str:
        return percent(fraction, OFFENCE_PERCENT_PLACES)

    span = v.first if v.first == v.last else f"{v.first} to {v.last}"
    name = f"{v.code} ({v.description})" if v.description else v.code
    title = f"{v.outcome_label[:1].upper()}{v.outcome_label[1:]} for offence {name}, {span}"
    figures = [
        ("Outcome types", ", ".join(str(t) for t in v.outcome_types)),
        ("Basis", f"{v.basis} ({'investigations closed in the period' if v.basis == 'closed' else 'crimes recorded in the period'})"),
        ("England and Wales", f"{number(v.count)} of {number(v.denominator)} outcomes for this offence ({_p1(v.share)})"),
    ]
    if v.expired:
        figures.append(("Code", "expired in the period: crimes recorded under it keep it when they are closed"))
    width = max(len(k) for k, _ in figures)
    out = [title, "=" * len(title), "", "Figures", "-------", *(f"{k.ljust(width)}  {val}" for k, val in figures)]
    if v.rules:
        out += ["", "Seriousness rules", "-----------------", *(f"rule {h.rule_id}: {h.label}" for h in v.rules)]
    out += ["", "By year", "-------"]
    out += _text_table(
        ["Year", "Count", "Outcomes", "Share"],
        [[y.year, number(y.count), number(y.denominator), _p1(y.share)] for y in v.by_year],
        left={0},
    )
    given = [f for f in v.forces if f.count != 0]
    if given:
        heading = f"Forces (top {min(len(given), OFFENCE_FORCE_ROWS)} of {len(given)})"
        out += ["", heading, "-" * len(heading)]
        out += _text_table(
            ["Force", "Count", "Outcomes", "Share", "Share of E&W"],
            [[f.force, number(f.count), number(f.denominator), _p1(f.share), _p1(f.share_of_national)] for f in given[:OFFENCE_FORCE_ROWS]],
            left={0},
        )
    out += ["", "Source", "------", "Home Office, Police recorded crime and outcomes open data tables; Open Government Licence v3.0."]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ markdown


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(head))]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |", *("| " + " | ".join(r) + " |" for r in rows)]


def render_markdown(s: Story) -> str:
    """Markdown with the same sections as the text; every piece of data is escaped."""
    out = [f"# {md_escape(_title(s))}", ""]
    out += [f"- {md_escape(line)}" for line in s.lines]
    out += ["", "## Figures", ""]
    out += _md_table(["Figure", "Value"], [[md_escape(k), md_escape(v)] for k, v in _figures(s)], right=set())
    if len(s.by_year) > 1:
        head, rows = _year_rows(s)
        out += ["", "## By year", ""]
        out += _md_table(head, [[md_escape(c) for c in r] for r in rows], right={1, 2, 3, 5, 6})
    head, rows = _offence_rows(s, escape=True)
    if rows:
        out += ["", "## Offences", ""]
        out += _md_table(head, rows, right={2, 3, 4, 5, 6})
    _p1 = _share_formatter(s)
    if s.notable:
        out += ["", "## Notable offences", ""]
        for o in s.notable:
            share = f" ({_p1(o.share_of_national)} of {number(o.national_count)} in England and Wales)" if not s.force.is_national else ""
            out.append(f"- **{md_escape(o.code)} {md_escape(o.description or '')}**: {number(o.count)}{md_escape(share)}")
            out += [
                f"  - rule `{h.rule_id}`: {md_escape(h.label)}"
                if re.fullmatch(r"[a-z0-9-]+", h.rule_id)
                else f"  - rule {md_escape(h.rule_id)}: {md_escape(h.label)}"
                for h in o.rules
            ]
    if s.largest_shares:
        out += ["", "## Largest shares of England and Wales totals", ""]
        out += [
            f"- {md_escape(o.code)} {md_escape(o.description or '')}: {number(o.count)} of {number(o.national_count)} ({md_escape(_p1(o.share_of_national))})"
            for o in s.largest_shares
        ]
    if s.caveats:
        out += ["", "## Caveats", ""]
        out += [f"- {md_escape(c)}" for c in s.caveats]
    out += ["", "## Source", ""]
    out += [f"- {md_escape(line)}" for line in _source_lines(s)]
    return "\n".join(out) + "\n"
