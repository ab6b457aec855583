"""Story packs: what each newsroom receives for its force, and the national pack.

A pack is a folder named after the force's slug holding the brief (Markdown, self-contained
HTML, Word), the workbook behind it (``data.xlsx``), the charts (SVG, PNG, alt text) and a
zip of the lot. In 2019 the BBC Shared Data Unit sent partners exactly this by hand; here it
comes from the force story (``crime_outcomes.analysis.story``) so every figure in every file
is a field of the story JSON, formatted, never recomputed.

Design choices:

* **One model, four renderings.** ``build_brief`` turns the story JSON into formatted text
  and tables once; Markdown, HTML and Word render that model, so they cannot disagree.
* **Untrusted text stays text.** Offence names come from a published file anyone can edit
  before ingesting. HTML is rendered with autoescape on; Markdown escapes its syntax
  characters; spreadsheet text goes through ``safe_cell`` and ``write_string`` so a leading
  ``=`` can never become a formula; Word gets the literal text.
* **Nothing external.** The HTML brief carries its CSS and its charts inline (SVG) and has
  no scripts, links out or fonts to fetch, so it opens the same offline, in a newsroom's
  mail client, or years later.
* **``--all`` is fast by reuse.** Every force's story asks the store the same national
  questions (years, all-force totals, labels, missing cells); a per-run query memo answers
  each once. Stories are computed in the main process and handed, as JSON, to a pool of
  worker processes that render the files (the slow part: charts, Word, Excel).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import textwrap
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from crime_outcomes import __version__
from crime_outcomes.errors import NotFoundError
from crime_outcomes.outputs.format import interval, number, ordinal, percent, rank_phrase, safe_cell
from crime_outcomes.store import Store
from crime_outcomes.store.bundled import SAMPLE_CREDIT

StoryJSON = dict[str, Any]

BRIEF_TOP_OFFENCES = 15
"""Offences listed in the brief; the workbook has every one."""

SOURCE_NAME = "Home Office, Police recorded crime and outcomes open data tables"
SOURCE_PAGE = "www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
OGL_CREDIT = f"Contains public sector information licensed under the Open Government Licence v3.0: {SOURCE_NAME}."

NATIONAL_SLUG = "england-and-wales"

PACK_FILES = ("brief.md", "brief.html", "brief.docx", "data.xlsx")
CHART_FILES = tuple(f"charts/{name}.{ext}" for name in ("year-series", "offences", "funnel") for ext in ("svg", "png")) + ("charts/alt-text.json",)


# ============================================================================ results


@dataclass(frozen=True)
class PackResult:
    """One written pack: where its folder and zip are, and the story JSON it was built from."""

    name: str  # canonical force name, or "England and Wales"
    slug: str
    folder: Path
    zip_path: Path
    files: tuple[Path, ...]
    story: StoryJSON = field(repr=False, compare=False)


@dataclass
class AllPacks:
    """Every pack ``write_all`` wrote, what it skipped and why, and how long it took."""

    out_dir: Path
    national: PackResult
    forces: list[PackResult]
    skipped: list[tuple[str, str]]  # (force, reason): forces with no outcomes in the store
    index: Path
    seconds: float


Progress = Callable[[int, int, str], None]
"""Called as packs finish: (done, total, name)."""


# ============================================================================ the brief model


@dataclass
class Table:
    """A table as formatted text: the same rows for Markdown, HTML and Word."""

    headers: list[str]
    rows: list[list[str]]
    align: list[str]  # per column: 'l' left, 'r' right (numbers), 'n' left and never wrapped
    caption: str = ""
    highlight: int | None = None  # row index to emphasise (the force in an all-forces table)


@dataclass
class ChartRef:
    name: str
    title: str
    alt: str
    svg_path: str  # relative to the pack folder
    png_path: str
    inline_svg: str = field(repr=False, default="")


@dataclass
class Brief:
    """Everything a brief says, formatted once (UK number style) for every rendering."""

    title: str
    subtitle: str
    force: str
    slug: str
    is_national: bool
    sample_notice: str | None
    lines: list[str]
    figures: Table
    change: str | None
    years: Table
    offences: Table
    offences_note: str
    notable: Table | None
    notable_intro: str
    notable_rules: list[tuple[str, list[str], str]]  # (rule id, offence codes, full wording): one per wording the notable table refers to
    comparison: list[str]
    largest: Table | None
    forces: Table | None
    caveats: list[str]
    questions_heading: str
    questions: list[str]
    methodology: list[tuple[str, str]]
    credit: str
    edition: str
    generated: str
    charts: dict[str, ChartRef]


def _period_text(sj: StoryJSON) -> str:
    p = sj["period"]
    return p["from"] if p["from"] == p["to"] else f"{p['from']} to {p['to']}"


def _when(sj: StoryJSON) -> str:
    p = sj["period"]
    return f"in {p['from']}" if p["from"] == p["to"] else f"between {p['from']} and {p['to']}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _places(sj: StoryJSON) -> int:
    """The story's one precision for percentages (house style; ``percent_places`` in the JSON)."""
    return int(sj.get("percent_places", 1))


def _pct(sj: StoryJSON, value: float | None) -> str:
    return percent(value, _places(sj))


def _rank_text(sj: StoryJSON, rank: int | None, of: int, tied: bool, by: str = "share") -> str:
    """House style, as the story's sentences: '5th lowest of 43'."""
    if rank is None:
        return "not ranked"
    key = "rank_by_share" if by == "share" else "rank_by_count"
    lowest = sum(1 for c in sj.get("forces_compared", []) if c.get(key) is not None and c[key] > rank) + 1
    return rank_phrase(rank, of, lowest=lowest, tied=tied).removeprefix("the ")


def _rules_shown(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules given as why an offence is notable. Rules that govern these outcomes and years
    come first and alone when any do; otherwise rules about no outcome in particular (editorial
    lists) are preferred, so a rule about another outcome (an adult-caution statute beside
    community resolutions) is given only when nothing else marks the offence, and then only as what it is."""
    return [r for r in rules if r.get("applies")] or [r for r in rules if not r.get("governs")] or rules


def _rules_behind(rules: list[dict[str, Any]]) -> str:
    """Why an offence is notable, in full: the wording of each rule shown, with its id."""
    return "; ".join(f"{r['label']} [{r['id']}]" for r in _rules_shown(rules))


def _offence_name(o: dict[str, Any]) -> str:
    return o.get("description") or f"Offence code {o['code']}"


def _denominator_noun(sj: StoryJSON) -> str:
    return "Recorded crimes" if sj.get("per") == "recorded-crime" else "All crime outcomes"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def edition_line(sj: StoryJSON) -> str:
    """'Figures as of the 23 May 2019 edition (file.ods)': which published files the figures come from."""
    source = sj.get("source", {})
    parts: list[str] = []
    sample_edition = re.search(r"\(([^()]*edition)\)", SAMPLE_CREDIT)
    for e in source.get("editions", []):
        if e.get("edition_date"):
            d = date.fromisoformat(e["edition_date"])
            parts.append(f"the {d.day} {_MONTHS[d.month - 1]} {d.year} edition ({e['file_name']})")
        elif source.get("sample") and sample_edition:
            parts.append(f"the {sample_edition.group(1)} (bundled sample, {e['file_name']})")
        else:
            parts.append(f"the edition in {e['file_name']} (no edition date recorded)")
    if not parts:
        return "Figures as of the editions loaded in the store."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Figures as of {joined}."


def credit_line(sj: StoryJSON) -> str:
    return SAMPLE_CREDIT if sj.get("source", {}).get("sample") else OGL_CREDIT


_FUNNEL_SENTENCES = {
    "above 99.8% limit": "above the 99.8% control limit: a share this high is very unlikely to be chance if the force matched the national rate",
    "above 95% limit": "above the 95% control limit but within the 99.8% limit: higher than chance would usually explain, a weaker signal",
    "within limits": "within the 95% control limits: the difference from the national share could be chance",
    "below 95% limit": "below the 95% control limit but within the 99.8% limit: lower than chance would usually explain, a weaker signal",
    "below 99.8% limit": "below the 99.8% control limit: a share this low is very unlikely to be chance if the force matched the national rate",
    "no outcomes": "not assessed: the force has no outcomes in the period",
}


def funnel_sentence(verdict: str) -> str:
    return _FUNNEL_SENTENCES.get(verdict, verdict)


def right_of_reply(sj: StoryJSON) -> list[str]:
    """Questions for the force's press office (or, nationally, the Home Office and NPCC), from the findings only."""
    out_label = sj["outcome"]["label"]
    when = _when(sj)
    national = sj["force"]["kind"] == "national"
    qs: list[str] = []
    edition = edition_line(sj).removeprefix("Figures as of ").rstrip(".")
    edition = re.sub(r" \([^()]*(?:\([^()]*\))?[^()]*\)", "", edition)  # the edition, without file names
    if national:
        compared = [c for c in sj.get("forces_compared", []) if c["kind"] == "territorial" and c["share"] is not None and not c["small"]]
        if len(compared) >= 2:
            hi = max(compared, key=lambda c: c["share"])
            lo = min(compared, key=lambda c: c["share"])
            qs.append(
                f"The share of crime outcomes that were {out_label} {when} ranged from {_pct(sj, lo['share'])} ({lo['force']}) to "
                f"{_pct(sj, hi['share'])} ({hi['force']}). Why does their use vary so much between forces, and is that variation monitored?"
            )
        if sj["notable"]:
            total = sum(o["count"] for o in sj["notable"])
            qs.append(
                f"{number(total)} {out_label} {when} were for offences the seriousness rules mark as notable. Is this use "
                "reviewed nationally, and what did any review find?"
            )
        qs.append(f"Do the Home Office and the National Police Chiefs' Council recognise these figures, as published in {edition}?")
        return qs

    force = sj["force"]["display"]
    qs.append(
        f"Does {force} recognise these figures: {number(sj['count'])} {out_label} {when}, {_pct(sj, sj['share'])} of its "
        f"{number(sj['denominator'])} {'recorded crimes' if sj.get('per') == 'recorded-crime' else 'crime outcomes'}? They come from the data "
        f"the force supplied to the Home Office, as published in {edition}."
    )
    verdict = (sj.get("funnel") or {}).get("verdict", "")
    nat = _pct(sj, sj["national"]["share"])
    if verdict.startswith("above"):
        qs.append(
            f"The force's share ({_pct(sj, sj['share'])}) is higher than the England and Wales share ({nat}) by more than chance "
            f"would explain for a force of its size. Why does it use {out_label} more than forces elsewhere?"
        )
    elif verdict.startswith("below"):
        qs.append(
            f"The force's share ({_pct(sj, sj['share'])}) is lower than the England and Wales share ({nat}) by more than chance "
            f"would explain. Does it have a policy that limits {out_label}, and what outcomes do these crimes get instead?"
        )
    change = sj.get("change")
    if change and change.get("share_points") is not None and abs(change["share_points"]) >= 0.5:
        direction = "rose" if change["share_points"] > 0 else "fell"
        qs.append(
            f"The share {direction} from {_pct(sj, change['share_from'])} in {change['from']} to {_pct(sj, change['share_to'])} in "
            f"{change['to']}. What changed: policy, training, how crimes are recorded, or the crimes reported?"
        )
    for o in sj["notable"][:3]:
        n = o["count"]
        qs.append(
            f"{number(n)} {'offence' if n == 1 else 'offences'} of {_offence_name(o).lower() if _plain(o) else _offence_name(o)} "
            f"({o['code']}) ended in {out_label} {when}. What were the circumstances, who authorised "
            f"{'it' if n == 1 else 'them'}, and how {'was that decision' if n == 1 else 'were those decisions'} reviewed?"
        )
    for o in sj.get("largest_shares", [])[:1]:
        if (o.get("share_of_national") or 0) >= 0.25:
            qs.append(
                f"The force accounted for {_pct(sj, o['share_of_national'])} of all {out_label} for "
                f"{_offence_name(o).lower() if _plain(o) else _offence_name(o)} in England and Wales ({number(o['count'])} of "
                f"{number(o['national_count'])}). Why is its use for this offence so much higher than other forces'?"
            )
    if any(o["count"] > 0 and (o.get("group") or "").strip().lower() == "sexual offences" for o in sj["notable"]):
        qs.append(
            f"How many of the {out_label} for sexual offences involved children or young people as offenders (for example "
            "sharing images), and how does the force decide those cases?"
        )
    missing = sj.get("missing", {}).get("force", [])
    if missing:
        years = sorted({m["year"] for m in missing})
        qs.append(f"Some figures for {', '.join(years)} were published without a number. Can the force supply them?")
    qs.append(
        f"How does the force check that {out_label} are used appropriately? Does an out-of-court disposals scrutiny panel "
        "review them, and are its findings published?"
    )
    return qs


def _plain(o: dict[str, Any]) -> bool:
    """True when an offence description can be lower-cased mid-sentence (not an acronym or a name)."""
    first = (o.get("description") or "").split(" ", 1)[0]
    return not (len(first) > 1 and (first.isupper() or first[1:2].isupper()))


def build_brief(sj: StoryJSON, charts: dict[str, ChartRef]) -> Brief:
    """The brief's contents, formatted, from the story JSON (``Story.to_json()``)."""
    force = sj["force"]
    national = force["kind"] == "national"
    who = "England and Wales" if national else force["display"]
    out_label = sj["outcome"]["label"]
    period = _period_text(sj)
    den_noun = _denominator_noun(sj)
    nat = sj["national"]

    # Key figures.
    if national:
        fig_rows = [
            [_cap(out_label), number(sj["count"])],
            [den_noun, number(sj["denominator"])],
            ["Share", _pct(sj, sj["share"])],
            ["95% interval on the share", _interval(sj, sj["ci95"])],
        ]
        figures = Table(["Figure", "England and Wales"], fig_rows, ["l", "r"], f"Key figures, {period}")
    else:
        rank = sj.get("rank") or {}
        of = rank.get("of", 0)
        fig_rows = [
            [_cap(out_label), number(sj["count"]), number(nat["count"])],
            [den_noun, number(sj["denominator"]), number(nat["denominator"])],
            ["Share", _pct(sj, sj["share"]), _pct(sj, nat["share"])],
            ["95% interval on the share", _interval(sj, sj["ci95"]), "–"],
            ["Rank by share (1 = highest)", _rank_text(sj, rank.get("by_share"), of, rank.get("tied_share", False)), "–"],
            ["Rank by number", _rank_text(sj, rank.get("by_count"), of, rank.get("tied_count", False), "count"), "–"],
            ["Funnel plot", (sj.get("funnel") or {}).get("verdict", "–"), "–"],
        ]
        figures = Table(["Figure", who, "England and Wales"], fig_rows, ["l", "r", "r"], f"Key figures, {period}")

    # Year series.
    if national:
        year_rows = [[y["year"], number(y["count"]), number(y["denominator"]), _pct(sj, y["share"])] for y in sj["by_year"]]
        years = Table(["Year", _cap(out_label), den_noun, "Share"], year_rows, ["l", "r", "r", "r"], "By year")
    else:
        year_rows = [
            [y["year"], number(y["count"]), number(y["denominator"]), _pct(sj, y["share"]), _pct(sj, y["national_share"])] for y in sj["by_year"]
        ]
        years = Table(["Year", _cap(out_label), den_noun, "Share", "England and Wales share"], year_rows, ["l", "r", "r", "r", "r"], "By year")
    change = _change_sentence(sj)

    # Offences.
    offences_all = [o for o in sj["offences"] if o["count"] > 0]
    shown = offences_all[:BRIEF_TOP_OFFENCES]
    if national:
        off_rows = [
            [_offence_name(o), o["code"], o.get("group") or "–", number(o["count"]), _pct(sj, o["national_rate"]), "yes" if o["serious"] else ""]
            for o in shown
        ]
        offences = Table(
            ["Offence", "Code", "Group", "Number", "Rate", "Serious"], off_rows, ["l", "l", "l", "r", "r", "l"],
            f"Offences most often dealt with by {out_label}",
        )
    else:
        off_rows = [
            [
                _offence_name(o), o["code"], number(o["count"]), number(o["national_count"]), _pct(sj, o["share_of_national"]),
                _pct(sj, o["force_rate"]), _pct(sj, o["national_rate"]), "yes" if o["serious"] else "",
            ]
            for o in shown
        ]
        offences = Table(
            ["Offence", "Code", "Number", "E&W number", "Share of E&W", "Rate", "E&W rate", "Serious"],
            off_rows, ["l", "l", "r", "r", "r", "r", "r", "l"], f"Offences most often dealt with by {out_label}",
        )
    offences_note = (
        f"The {len(shown)} offences with most {out_label} of {len(offences_all)} that had any. Rate: {out_label} as a share of all "
        "outcomes for that offence; E&W: England and Wales. Every offence is in data.xlsx (tab 'By offence')."
    )

    # Notable offences: the table names each rule by its short id; the full wording follows it.
    notable = None
    notable_rules: dict[tuple[str, str], list[str]] = {}  # (rule id, wording) -> offence codes; one rule may be worded per offence
    if sj["notable"]:
        rows = []
        for o in sj["notable"]:
            shown = _rules_shown(o["rules"])
            for r in shown:
                notable_rules.setdefault((r["id"], r["label"]), []).append(o["code"])
            row = [_offence_name(o), o["code"], number(o["count"])]
            if not national:
                row.append(_pct(sj, o["share_of_national"]))
            row.append(", ".join(r["id"] for r in shown))
            rows.append(row)
        headers = ["Offence", "Code", "Number"] + ([] if national else ["Share of E&W"]) + ["Why it is notable"]
        notable = Table(headers, rows, ["l", "l", "r"] + ([] if national else ["r"]) + ["l"], f"Notable offences that got {out_label}")
    rules_src = sj.get("source", {}).get("rules", {}).get("source", "built-in")
    notable_intro = (
        f"Offences the seriousness rules ({rules_src}) mark as notable that received {out_label} {_when(sj)}. "
        "The rule behind each says what it rests on (the law, national guidance or an editorial list); only a rule about "
        "these outcomes and years is worded as restricting them, and the figures cannot show the circumstances of any case."
        if sj["notable"]
        else f"No offence the seriousness rules ({rules_src}) mark as notable received {out_label} {_when(sj)}."
    )

    # National comparison.
    comparison: list[str] = []
    largest = None
    forces_table = None
    compared = sj.get("forces_compared", [])
    if not national:
        rank = sj.get("rank") or {}
        its = "of the crimes recorded in its area" if sj.get("per") == "recorded-crime" else "of all its crime outcomes"
        comparison.append(
            f"{_cap(who)}: {_pct(sj, sj['share'])} {its} were {out_label} ({number(sj['count'])} of {number(sj['denominator'])}), "
            f"against {_pct(sj, nat['share'])} across England and Wales ({number(nat['count'])} of {number(nat['denominator'])})."
        )
        if rank.get("by_share") is not None:
            comparison.append(
                f"Rank among the {rank['of']} ranked territorial forces (1 = highest): "
                f"{_rank_text(sj, rank['by_share'], rank['of'], rank.get('tied_share', False))} by share, "
                f"{_rank_text(sj, rank['by_count'], rank['of'], rank.get('tied_count', False), 'count')} by number."
            )
        elif rank.get("reason"):
            comparison.append(f"Not ranked: {rank['reason']}.")
        funnel = sj.get("funnel") or {}
        limits = funnel.get("limits")
        if limits:
            comparison.append(
                f"Funnel plot: the share is {funnel_sentence(funnel['verdict'])}. For a force with {number(limits['n'])} outcomes, "
                f"chance alone around the national {_pct(sj, limits['target'])} would give a share between "
                f"{_pct(sj, limits['lower95'])} and {_pct(sj, limits['upper95'])} (95% limits), or between "
                f"{_pct(sj, limits['lower998'])} and {_pct(sj, limits['upper998'])} (99.8% limits)."
            )
        if sj.get("largest_shares"):
            largest = Table(
                ["Offence", "Code", who, "England and Wales", "Share of E&W"],
                [[_offence_name(o), o["code"], number(o["count"]), number(o["national_count"]), _pct(sj, o["share_of_national"])] for o in sj["largest_shares"]],
                ["l", "l", "r", "r", "r"],
                f"Where {who} holds the largest share of all such {out_label} in England and Wales",
            )
    else:
        ranked = [c for c in compared if c["rank_by_share"] is not None]
        above = sum(1 for c in compared if c["kind"] == "territorial" and c["verdict"].startswith("above 99.8"))
        below = sum(1 for c in compared if c["kind"] == "territorial" and c["verdict"].startswith("below 99.8"))
        comparison.append(
            f"Across England and Wales {_pct(sj, sj['share'])} of {den_noun.lower()} were {out_label}. Of the territorial forces, "
            f"{above} lie above the 99.8% funnel limit around that share and {below} below it; {len(ranked)} are ranked."
        )
    if compared:
        ordered = sorted(compared, key=lambda c: (c["rank_by_share"] is None, c["rank_by_share"] or 0, -(c["share"] or 0.0), c["force"]))
        rows = [
            [
                c["force"], number(c["count"]), number(c["denominator"]), _pct(sj, c["share"]),
                ordinal(c["rank_by_share"]) if c["rank_by_share"] is not None else ("too few" if c["small"] else "not ranked"),
                c["verdict"],
            ]
            for c in ordered
        ]
        hl = next((i for i, c in enumerate(ordered) if c["force"] == force["name"]), None)
        forces_table = Table(
            ["Force", _cap(out_label), den_noun, "Share", "Rank by share", "Funnel plot"], rows, ["l", "r", "r", "r", "r", "n"],
            f"All forces, {period}", highlight=hl,
        )

    sample_notice = None
    if sj.get("source", {}).get("sample"):
        sample_notice = (
            f"These figures come from the sample bundled with crime-outcomes ({sj['source']['store']}). "
            "Load the full published files (`crime-outcomes update`) before publishing."
        )
    definitions = sj.get("definitions", {})
    methodology = [(_TERMS.get(key, key.replace("_", " ").capitalize()), text) for key, text in definitions.items()]
    methodology.append((
        "Rules",
        f"Seriousness rules: {rules_src} (fingerprint {sj.get('source', {}).get('rules', {}).get('fingerprint', '–')[:12]}).",
    ))
    generated = sj.get("generated_by", {})
    return Brief(
        title=f"{who}: {out_label}, {period}",
        subtitle=f"Story pack for {'the national desk' if national else 'newsrooms covering ' + who} · basis: {sj['basis']} · "
        f"outcome types {', '.join(str(t) for t in sj['outcome']['types'])}",
        force=who,
        slug=force["slug"],
        is_national=national,
        sample_notice=sample_notice,
        lines=list(sj["lines"]),
        figures=figures,
        change=change,
        years=years,
        offences=offences,
        offences_note=offences_note,
        notable=notable,
        notable_intro=notable_intro,
        notable_rules=_rule_wordings(notable_rules),
        comparison=comparison,
        largest=largest,
        forces=forces_table if national else None,
        caveats=list(sj["caveats"]),
        questions_heading="Questions for the Home Office and the National Police Chiefs' Council" if national else f"Questions for {who}'s press office (right of reply)",
        questions=right_of_reply(sj),
        methodology=methodology,
        credit=credit_line(sj),
        edition=edition_line(sj),
        generated=f"Made with {generated.get('tool', 'crime-outcomes')} {generated.get('version', __version__)}; story JSON schema {sj['schema_version']}.",
        charts=charts,
    )


def _rule_wordings(found: dict[tuple[str, str], list[str]]) -> list[tuple[str, list[str], str]]:
    """(rule id, offence codes, wording), the wordings of one rule together, rules in order of first appearance."""
    first: dict[str, int] = {}
    for i, (rule_id, _) in enumerate(found):
        first.setdefault(rule_id, i)
    return [(rule_id, codes, label) for (rule_id, label), codes in sorted(found.items(), key=lambda item: first[item[0][0]])]


_TERMS = {
    "ci95": "95% interval",
    "by_year": "By year",
    "small_counts": "Small counts",
    "largest_shares": "Largest shares of national totals",
    "per": "Denominator choice",
}
"""Headings for the story's definition keys where the key itself reads badly."""


def _interval(sj: StoryJSON, ci: list[float] | None) -> str:
    return interval(ci, _places(sj))


def _change_sentence(sj: StoryJSON) -> str | None:
    c = sj.get("change")
    if not c:
        return None
    parts = [f"From {c['from']} to {c['to']} the number went from {number(c['count_from'])} to {number(c['count_to'])}"]
    if c.get("share_from") is not None and c.get("share_to") is not None:
        parts.append(f"the share from {_pct(sj, c['share_from'])} to {_pct(sj, c['share_to'])}")
    return ", ".join(parts) + "."


# ============================================================================ rendering

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> str:
    """Text safe in Markdown: syntax characters backslash-escaped, so markup in data stays literal.

    Line breaks become spaces: a value never starts a new block (a heading, a table row).
    """
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).splitlines()))


def md_table(t: Table | None) -> Markup:
    """A Markdown table (GitHub style), every cell escaped; the highlighted row in bold."""
    if t is None:
        return Markup("")
    out: list[str] = []
    if t.caption:
        out += [f"**{md_escape(t.caption)}**", ""]
    out.append("| " + " | ".join(md_escape(h) for h in t.headers) + " |")
    out.append("|" + "".join(" ---: |" if a == "r" else " --- |" for a in t.align))
    for i, row in enumerate(t.rows):
        cells = [md_escape(c) for c in row]
        if t.highlight == i:
            cells = [f"**{c}**" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return Markup("\n".join(out) + "\n")


def md_figure(ref: ChartRef | None) -> Markup:
    """An image line (PNG, with the alt text) and a caption naming the SVG too."""
    if ref is None:
        return Markup("")
    return Markup(f"![{md_escape(ref.alt)}]({ref.png_path})\n\n*{md_escape(ref.title)}* ({ref.svg_path})\n")


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("crime_outcomes.outputs", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=None if autoescape else md_escape,
    )
    env.globals.update(source_name=SOURCE_NAME, source_page=SOURCE_PAGE, md_table=md_table, md_figure=md_figure)
    return env


_ENVS: dict[bool, Environment] = {}


def _env(autoescape: bool) -> Environment:
    if autoescape not in _ENVS:
        _ENVS[autoescape] = _environment(autoescape)
    return _ENVS[autoescape]


def render_markdown(brief: Brief) -> str:
    return _env(False).get_template("brief.md.j2").render(b=brief)


def render_html(brief: Brief) -> str:
    return _env(True).get_template("brief.html.j2").render(b=brief)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _docx_text(value: object) -> str:
    """Literal text for Word; characters XML cannot hold are dropped rather than failing the pack."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


A4_CM = (21.0, 29.7)
DOCX_MARGIN_CM = 2.0
TABLE_FONT_PT = 9.0
_CELL_PAD_PT = 12.0  # left and right cell margins together, with room for a border
# Advance widths in em, per kind of character, a little above DejaVu Sans (LibreOffice's stand-in
# for Calibri when Calibri is not installed, and wider than it), so an estimate never falls short.
_NARROW = frozenset("il.,:;'|!()[]/ ")
_WIDE = frozenset("mwMW%&@")


def text_width_pt(text: str, bold: bool = False, size: float = TABLE_FONT_PT) -> float:
    """Estimated width of a piece of text on one line, in points: never less than Word or LibreOffice need."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 1.02
        elif ch.isupper():
            em += 0.76
        else:  # lower case, digits and the rest
            em += 0.64
    return em * size * (1.1 if bold else 1.0)


def column_widths(t: Table, available_pt: float) -> list[float] | None:
    """Column widths in points from the content, or None when the table cannot fit ``available_pt``.

    Numbers (and 'n' columns) are as wide as their widest value and never wrap; a header may
    wrap between words. Text columns are at least as wide as their longest word, so no word is
    ever broken, and share the room left in proportion to how much more they would use.
    """
    need: list[float] = []  # the narrowest each column can be without breaking a word
    values_fit: list[float] = []  # wide enough for every value on one line
    header_fits: list[float] = []  # and for the header on one line too
    for i, (header, align) in enumerate(zip(t.headers, t.align, strict=True)):
        values = [row[i] for row in t.rows]
        header_word = max((text_width_pt(w, bold=True) for w in header.split()), default=0.0)
        if align in ("r", "n"):  # bold in a highlighted row, so measured bold
            need.append(max([header_word] + [text_width_pt(v, bold=True) for v in values]) + _CELL_PAD_PT)
        else:
            longest = max((text_width_pt(w, bold=t.highlight is not None) for v in values for w in v.split()), default=0.0)
            need.append(max(header_word, longest) + _CELL_PAD_PT)
        values_fit.append(max([need[-1]] + [text_width_pt(v) + _CELL_PAD_PT for v in values]))
        header_fits.append(max(values_fit[-1], text_width_pt(header, bold=True) + _CELL_PAD_PT))
    widths = need
    for target in (values_fit, header_fits):  # values first: an offence name on one line beats a header on one line
        spare = available_pt - sum(widths)
        if spare < 0:
            return None
        growth = sum(w - n for w, n in zip(target, widths, strict=True))
        if growth <= spare:
            widths = target
        else:
            return [n + spare * (w - n) / growth for w, n in zip(target, widths, strict=True)]
    return widths


def _docx_styles(doc: Any) -> None:
    """Set the look through styles, not direct formatting, so a newsroom can restyle the whole brief."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    styles = doc.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    styles["Caption"].paragraph_format.keep_with_next = True
    styles["Footer"].font.size = Pt(8)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = styles["Normal"]
    cell.font.size = Pt(TABLE_FONT_PT)
    cell.paragraph_format.space_before = Pt(1)
    cell.paragraph_format.space_after = Pt(1)
    cell.paragraph_format.line_spacing = 1.0
    figures = styles.add_style("Table Number", WD_STYLE_TYPE.PARAGRAPH)
    figures.base_style = cell
    figures.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _page(section: Any, landscape: bool) -> None:
    """A4, portrait or landscape, with the same margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    short, long = Cm(A4_CM[0]), Cm(A4_CM[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(DOCX_MARGIN_CM))


def _on(element: Any, tag: str) -> None:
    """Add an on/off property (present means on), such as a row's w:tblHeader."""
    from docx.oxml import OxmlElement

    element.append(OxmlElement(tag))


def _docx_table(doc: Any, t: Table) -> None:
    """A table with widths from its content; header row repeated, rows never split across pages.

    A table too wide for a portrait page goes on a landscape page of its own.
    """
    from docx.enum.section import WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def room(landscape: bool) -> float:
        page = A4_CM[1] if landscape else A4_CM[0]
        return Cm(page - 2 * DOCX_MARGIN_CM).pt

    widths = column_widths(t, room(False))
    landscape = widths is None
    if landscape:
        _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
        widths = column_widths(t, room(True))
        if widths is None:  # wider than any page: scale to fit; words may then wrap
            natural = column_widths(t, float("inf")) or []
            widths = [w * room(True) / sum(natural) for w in natural]

    if t.caption:
        doc.add_paragraph(_docx_text(t.caption), style="Caption")
    tbl = doc.add_table(rows=1, cols=len(t.headers))
    tbl.style = "Light List Accent 1"
    tbl.alignment = WD_TABLE_ALIGNMENT.LEFT
    tbl.autofit = False
    look = tbl._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl._tbl.tblPr.append(look)
    # Header row and row banding from the table style; no emphasis on the first column. Word reads
    # the named attributes, LibreOffice the older bit mask in w:val (0x0020 first row, 0x0400 no column bands).
    for key, value in (("w:val", "0420"), ("w:firstRow", "1"), ("w:lastRow", "0"), ("w:firstColumn", "0"), ("w:lastColumn", "0"), ("w:noHBand", "0"), ("w:noVBand", "1")):
        look.set(qn(key), value)
    for column, width in zip(tbl.columns, widths, strict=True):
        column.width = Pt(width)
    tbl_width = tbl._tbl.tblPr.find(qn("w:tblW"))
    if tbl_width is None:
        tbl_width = OxmlElement("w:tblW")
        tbl._tbl.tblPr.append(tbl_width)
    tbl_width.set(qn("w:type"), "dxa")  # twentieths of a point
    tbl_width.set(qn("w:w"), str(round(sum(widths) * 20)))

    def fill(row: Any, values: Sequence[str], strong: bool) -> None:
        _on(row._tr.get_or_add_trPr(), "w:cantSplit")
        for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Pt(widths[i])
            para = cell.paragraphs[0]
            para.style = "Table Number" if t.align[i] == "r" else "Table Text"
            run = para.add_run(_docx_text(value))
            if strong:
                run.style = "Strong"

    fill(tbl.rows[0], t.headers, False)
    _on(tbl.rows[0]._tr.get_or_add_trPr(), "w:tblHeader")
    for r, row in enumerate(t.rows):
        fill(tbl.add_row(), row, t.highlight == r)
    if landscape:
        _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    else:
        doc.add_paragraph()


def write_docx(brief: Brief, path: Path, folder: Path) -> None:
    """The brief as a Word document on A4: headings, lines, tables, figures with alt text, footer credit."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    _docx_styles(doc)
    _page(doc.sections[0], landscape=False)
    props = doc.core_properties
    props.title = _docx_text(brief.title)
    props.author = "crime-outcomes"
    props.comments = _docx_text(brief.credit)

    doc.add_heading(_docx_text(brief.title), level=0)
    doc.add_paragraph(_docx_text(brief.subtitle), style="Subtitle")
    if brief.sample_notice:
        p = doc.add_paragraph(style="Intense Quote")
        p.add_run("Sample data. ", style="Strong")
        p.add_run(_docx_text(brief.sample_notice))

    def figure(name: str) -> None:
        ref = brief.charts.get(name)
        if ref is None:
            return
        doc.add_picture(str(folder / ref.png_path), width=Cm(15.5))
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        shape = doc.inline_shapes[-1]
        shape._inline.docPr.set("descr", _docx_text(ref.alt))  # alt text for screen readers
        shape._inline.docPr.set("title", _docx_text(ref.title))
        doc.add_paragraph(_docx_text(f"Figure: {ref.title}. Files: {ref.svg_path}, {ref.png_path}."), style="Caption")

    doc.add_heading("The story in brief", level=1)
    for line in brief.lines:
        doc.add_paragraph(_docx_text(line), style="List Bullet")
    doc.add_heading("Key figures", level=1)
    _docx_table(doc, brief.figures)
    doc.add_heading("Year by year", level=1)
    if brief.change:
        doc.add_paragraph(_docx_text(brief.change)).paragraph_format.keep_with_next = True
    _docx_table(doc, brief.years)
    figure("year-series")
    doc.add_heading("Offences", level=1)
    _docx_table(doc, brief.offences)
    doc.add_paragraph(_docx_text(brief.offences_note))
    figure("offences")
    doc.add_heading("Notable offences", level=1)
    intro = doc.add_paragraph(_docx_text(brief.notable_intro))
    if brief.notable:
        intro.paragraph_format.keep_with_next = True  # the heading and its introduction start the page with the table
        _docx_table(doc, brief.notable)
        doc.add_paragraph("Rules behind these flags:", style="Caption")
        for rule_id, codes, label in brief.notable_rules:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(_docx_text(rule_id), style="Strong")
            p.add_run(_docx_text(f" ({', '.join(codes)}): {label}"))
    doc.add_heading("National comparison" if not brief.is_national else "Forces compared", level=1)
    for para in brief.comparison:
        doc.add_paragraph(_docx_text(para))
    figure("funnel")
    if brief.largest:
        _docx_table(doc, brief.largest)
    if brief.forces:
        _docx_table(doc, brief.forces)
    doc.add_heading("Caveats", level=1)
    for c in brief.caveats:
        doc.add_paragraph(_docx_text(c), style="List Bullet")
    doc.add_heading(_docx_text(brief.questions_heading), level=1)
    for q in brief.questions:
        doc.add_paragraph(_docx_text(q), style="List Number")
    doc.add_heading("Methodology", level=1)
    for term, text in brief.methodology:
        p = doc.add_paragraph()
        p.add_run(_docx_text(term) + ". ", style="Strong")
        p.add_run(_docx_text(text))
    doc.add_heading("Source and licence", level=1)
    doc.add_paragraph(_docx_text(brief.credit))
    doc.add_paragraph(_docx_text(f"Source: {SOURCE_NAME} ({SOURCE_PAGE})."))
    doc.add_paragraph(_docx_text(brief.edition))
    doc.add_paragraph(_docx_text(brief.generated))

    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = _docx_text(f"{brief.edition} {brief.credit}")
    footer.style = "Footer"
    doc.save(str(path))


# ---------------------------------------------------------------------------- workbook


_PORTRAIT_COLUMNS = 110.0
"""Total column width (characters) beyond which a sheet prints landscape, so fitting it to the width keeps text legible."""


def write_xlsx(sj: StoryJSON, brief: Brief, path: Path) -> None:
    """The workbook: real numbers with number formats, frozen headers, filters, text never a formula."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": brief.title, "author": "crime-outcomes", "comments": brief.credit})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"})
    # Every cell top-aligned, so a row whose offence name wraps still reads across.
    plain = wb.add_format({"valign": "top"})
    integer = wb.add_format({"num_format": "#,##0", "valign": "top"})
    pct = wb.add_format({"num_format": "0.00%", "valign": "top"})
    bold = wb.add_format({"bold": True, "valign": "top"})
    bold_int = wb.add_format({"bold": True, "num_format": "#,##0", "valign": "top"})
    bold_pct = wb.add_format({"bold": True, "num_format": "0.00%", "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold_wrap = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    # Per sheet: the widest value written to each column (in characters), each column's limit, and
    # the cells that wrap (row, first and last column, text, bold): neither Excel nor LibreOffice
    # grows a row to fit wrapped text when it opens a file, so each such row is given its height.
    widest: dict[str, dict[int, float]] = {}
    limit: dict[str, list[float]] = {}
    wrapped: dict[str, list[tuple[int, int, int, str, bool]]] = {}

    def seen(ws: Any, c: int, chars: float) -> None:
        cols = widest.setdefault(ws.name, {})
        cols[c] = max(cols.get(c, 0.0), chars)

    def text(ws: Any, r: int, c: int, value: object, fmt: Any = None) -> None:
        fmt = plain if fmt is None else fmt
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt)
            return
        value = safe_cell(str(value))
        cap = limit[ws.name][c]
        strong = fmt in (bold, bold_wrap)
        if len(value) > cap or fmt is wrap:  # wraps within the column's limit rather than being cut off by the next cell
            fmt = bold_wrap if strong else wrap
            wrapped.setdefault(ws.name, []).append((r, c, c, value, strong))
        seen(ws, c, min(len(value), cap) * (1.1 if strong else 1.0))
        ws.write_string(r, c, value, fmt)

    def paragraph(ws: Any, r: int, first: int, last: int, value: str) -> None:
        """Text across several columns, wrapped (a story line under the figures)."""
        value = safe_cell(value)
        ws.merge_range(r, first, r, last, value, wrap)
        wrapped.setdefault(ws.name, []).append((r, first, last, value, False))

    def num(ws: Any, r: int, c: int, value: float | int | None, fmt: Any) -> None:
        if value is None:
            ws.write_blank(r, c, None, fmt)
            return
        shown = f"{value * 100:,.2f}%" if fmt in (pct, bold_pct) else f"{value:,.0f}"
        seen(ws, c, len(shown) * (1.1 if fmt in (bold_int, bold_pct) else 1.0))
        ws.write_number(r, c, value, fmt)

    def header(ws: Any, names: Sequence[str], caps: Sequence[float]) -> None:
        """The header row, frozen; ``caps`` are the widest each column may grow before its text wraps."""
        limit[ws.name] = list(caps)
        for c, name in enumerate(names):
            ws.write_string(0, c, name, head)
            seen(ws, c, max(len(w) for w in name.split()) * 1.1)  # the header wraps between words
            wrapped.setdefault(ws.name, []).append((0, c, c, name, True))
        ws.freeze_panes(1, 0)

    def finish(ws: Any) -> None:
        """Column widths and wrapped rows' heights from what was written, and a print setup:
        A4, fitted to the page width, the header row repeated on every page."""
        widths = {c: max(6.0, chars + 2) for c, chars in widest.get(ws.name, {}).items()}
        for c, width in widths.items():
            ws.set_column(c, c, width)
        lines: dict[int, int] = {}
        for r, first, last, value, strong in wrapped.get(ws.name, []):
            across = sum(widths.get(c, 8.43) for c in range(first, last + 1))
            # A column width counts characters as wide as "0"; text runs about a tenth narrower, bold text not.
            n = len(textwrap.wrap(value, width=max(1, int(across / (1.0 if strong else 0.9)) - 1), break_long_words=False))
            lines[r] = max(lines.get(r, 1), n)
        for r, n in lines.items():
            if n > 1:
                ws.set_row(r, 15.0 * n)
        ws.set_paper(9)  # A4
        if sum(widths.values()) > _PORTRAIT_COLUMNS:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer("&L&A&RPage &P of &N")

    national = sj["force"]["kind"] == "national"
    nat = sj["national"]
    rank = sj.get("rank") or {}
    funnel = sj.get("funnel") or {}
    limits = funnel.get("limits") or {}

    # Summary: one figure a row, with the story JSON field it comes from.
    ws = wb.add_worksheet("Summary")
    header(ws, ["Figure", "Value", "Story JSON field"], [44, 30, 30])
    rows: list[tuple[str, Any, str, str]] = [
        ("Force", sj["force"]["name"], "force.name", "text"),
        ("Outcome", sj["outcome"]["label"], "outcome.label", "text"),
        ("Outcome types", ", ".join(str(t) for t in sj["outcome"]["types"]), "outcome.types", "text"),
        ("Period from", sj["period"]["from"], "period.from", "text"),
        ("Period to", sj["period"]["to"], "period.to", "text"),
        ("Basis", sj["basis"], "basis", "text"),
        ("Denominator", sj.get("per", "outcomes"), "per", "text"),
        ("Count", sj["count"], "count", "int"),
        ("Denominator (all outcomes on the basis)" if sj.get("per") != "recorded-crime" else "Denominator (recorded crimes)", sj["denominator"], "denominator", "int"),
        ("Share", sj["share"], "share", "pct"),
        ("Share, 95% interval low", (sj["ci95"] or [None, None])[0], "ci95[0]", "pct"),
        ("Share, 95% interval high", (sj["ci95"] or [None, None])[1], "ci95[1]", "pct"),
        ("England and Wales count", nat["count"], "national.count", "int"),
        ("England and Wales denominator", nat["denominator"], "national.denominator", "int"),
        ("England and Wales share", nat["share"], "national.share", "pct"),
    ]
    if not national:
        rows += [
            ("Rank by share (1 = highest)", rank.get("by_share"), "rank.by_share", "int"),
            ("Rank by count", rank.get("by_count"), "rank.by_count", "int"),
            ("Forces ranked", rank.get("of"), "rank.of", "int"),
            ("Funnel plot verdict", funnel.get("verdict"), "funnel.verdict", "text"),
            ("Funnel 95% limit, lower", limits.get("lower95"), "funnel.limits.lower95", "pct"),
            ("Funnel 95% limit, upper", limits.get("upper95"), "funnel.limits.upper95", "pct"),
            ("Funnel 99.8% limit, lower", limits.get("lower998"), "funnel.limits.lower998", "pct"),
            ("Funnel 99.8% limit, upper", limits.get("upper998"), "funnel.limits.upper998", "pct"),
        ]
    for r, (label, value, key, kind) in enumerate(rows, start=1):
        text(ws, r, 0, label)
        if kind == "text":
            text(ws, r, 1, value)
        else:
            num(ws, r, 1, value, integer if kind == "int" else pct)
        text(ws, r, 2, key)
    r = len(rows) + 2
    ws.write_string(r, 0, "Story lines", bold)
    # Each story line, and the edition, spans the three columns and wraps.
    for i, line in enumerate(sj["lines"], start=r + 1):
        paragraph(ws, i, 0, 2, line)
    paragraph(ws, r + len(sj["lines"]) + 2, 0, 2, brief.edition)
    finish(ws)

    # By year.
    ws = wb.add_worksheet("By year")
    cols = ["Year", "Count", "Denominator", "Share", "Share 95% low", "Share 95% high", "E&W count", "E&W denominator", "E&W share", "Cells without a number"]
    header(ws, cols, [20] * len(cols))
    for r, y in enumerate(sj["by_year"], start=1):
        text(ws, r, 0, y["year"])
        num(ws, r, 1, y["count"], integer)
        num(ws, r, 2, y["denominator"], integer)
        num(ws, r, 3, y["share"], pct)
        num(ws, r, 4, (y["ci95"] or [None, None])[0], pct)
        num(ws, r, 5, (y["ci95"] or [None, None])[1], pct)
        num(ws, r, 6, y["national_count"], integer)
        num(ws, r, 7, y["national_denominator"], integer)
        num(ws, r, 8, y["national_share"], pct)
        num(ws, r, 9, y["missing_cells"], integer)
    ws.autofilter(0, 0, max(1, len(sj["by_year"])), len(cols) - 1)
    finish(ws)

    # By offence.
    ws = wb.add_worksheet("By offence")
    cols = [
        "Code", "Offence", "Group", "Subgroup", "Expired code", "Count", "E&W count", "Share of E&W", "Force outcomes for offence",
        "Rate", "E&W outcomes for offence", "E&W rate", "Serious", "Rules",
    ]
    header(ws, cols, [10, 48, 36, 36, 9, 14, 14, 14, 14, 14, 14, 14, 9, 30])
    for r, o in enumerate(sj["offences"], start=1):
        text(ws, r, 0, o["code"])
        text(ws, r, 1, o.get("description"))
        text(ws, r, 2, o.get("group"))
        text(ws, r, 3, o.get("subgroup"))
        text(ws, r, 4, "yes" if o.get("expired") else "")
        num(ws, r, 5, o["count"], integer)
        num(ws, r, 6, o["national_count"], integer)
        num(ws, r, 7, o["share_of_national"], pct)
        num(ws, r, 8, o["force_denominator"], integer)
        num(ws, r, 9, o["force_rate"], pct)
        num(ws, r, 10, o["national_denominator"], integer)
        num(ws, r, 11, o["national_rate"], pct)
        text(ws, r, 12, "yes" if o["serious"] else "")
        text(ws, r, 13, "; ".join(h["id"] for h in o["rules"]))
    ws.autofilter(0, 0, max(1, len(sj["offences"])), len(cols) - 1)
    finish(ws)

    # Notable offences.
    ws = wb.add_worksheet("Notable offences")
    cols = ["Code", "Offence", "Group", "Count", "E&W count", "Share of E&W", "Rule ids", "Rules"]
    header(ws, cols, [10, 48, 36, 14, 14, 14, 30, 60])
    for r, o in enumerate(sj["notable"], start=1):
        text(ws, r, 0, o["code"])
        text(ws, r, 1, o.get("description"))
        text(ws, r, 2, o.get("group"))
        num(ws, r, 3, o["count"], integer)
        num(ws, r, 4, o["national_count"], integer)
        num(ws, r, 5, o["share_of_national"], pct)
        text(ws, r, 6, "; ".join(h["id"] for h in o["rules"]))
        text(ws, r, 7, "; ".join(h["label"] for h in o["rules"]), wrap)
    ws.autofilter(0, 0, max(1, len(sj["notable"])), len(cols) - 1)
    finish(ws)

    # All forces compared.
    ws = wb.add_worksheet("All forces compared")
    cols = ["Force", "Kind", "Count", "Denominator", "Share", "Share 95% low", "Share 95% high", "Rank by share", "Rank by count", "Too few to rank", "Funnel plot verdict"]
    header(ws, cols, [36, 20, 14, 14, 14, 14, 14, 14, 14, 14, 24])
    compared = sj.get("forces_compared", [])
    for r, c in enumerate(compared, start=1):
        me = c["force"] == sj["force"]["name"]
        text(ws, r, 0, c["force"], bold if me else None)
        text(ws, r, 1, c["kind"])
        num(ws, r, 2, c["count"], bold_int if me else integer)
        num(ws, r, 3, c["denominator"], bold_int if me else integer)
        num(ws, r, 4, c["share"], bold_pct if me else pct)
        num(ws, r, 5, (c["ci95"] or [None, None])[0], pct)
        num(ws, r, 6, (c["ci95"] or [None, None])[1], pct)
        num(ws, r, 7, c["rank_by_share"], integer)
        num(ws, r, 8, c["rank_by_count"], integer)
        text(ws, r, 9, "yes" if c["small"] else "")
        text(ws, r, 10, c["verdict"])
    ws.autofilter(0, 0, max(1, len(compared)), len(cols) - 1)
    finish(ws)

    # Notes.
    ws = wb.add_worksheet("Notes")
    header(ws, ["Section", "Note"], [30, 100])
    r = 1
    sections: list[tuple[str, list[str]]] = [
        ("Title", [brief.title]),
        ("Caveat", brief.caveats),
        ("Right of reply", brief.questions),
        *[(f"Definition: {term}", [body]) for term, body in brief.methodology],
        ("Source", [f"{SOURCE_NAME} ({SOURCE_PAGE})"]),
        ("Licence", [brief.credit]),
        ("Edition", [brief.edition]),
        ("Generated", [brief.generated]),
    ]
    for name, notes in sections:
        for note in notes:
            text(ws, r, 0, name, title_fmt if name == "Title" else None)
            text(ws, r, 1, note, wrap)
            r += 1
    ws.autofilter(0, 0, max(1, r - 1), 1)
    finish(ws)
    wb.close()


# ---------------------------------------------------------------------------- one pack


def render_pack(sj: StoryJSON, out_dir: Path | str) -> PackResult:
    """Write every file of one pack from its story JSON; safe to run in a worker process."""
    from crime_outcomes.outputs.charts import story_charts

    out_dir = Path(out_dir)
    force = sj["force"]
    slug = force["slug"]
    folder = out_dir / slug
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)

    charts = story_charts(sj)
    refs: dict[str, ChartRef] = {}
    alt_index: dict[str, dict[str, str]] = {}
    for name, chart in charts.items():
        chart.write(chart_dir, name)
        refs[name] = ChartRef(name, chart.title, chart.alt, f"charts/{name}.svg", f"charts/{name}.png", chart.inline_svg(f"{slug}-{name}"))
        alt_index[name] = {"title": chart.title, "alt": chart.alt, "svg": f"{name}.svg", "png": f"{name}.png"}
        chart.figure.clear()
    (chart_dir / "alt-text.json").write_text(json.dumps(alt_index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    brief = build_brief(sj, refs)
    (folder / "brief.md").write_text(render_markdown(brief), encoding="utf-8")
    (folder / "brief.html").write_text(render_html(brief), encoding="utf-8")
    write_docx(brief, folder / "brief.docx", folder)
    write_xlsx(sj, brief, folder / "data.xlsx")

    files = tuple(sorted(p for p in folder.rglob("*") if p.is_file()))
    zip_path = out_dir / f"{slug}.zip"
    _zip_folder(folder, files, zip_path)
    name = "England and Wales" if force["kind"] == "national" else force["name"]
    return PackResult(name, slug, folder, zip_path, files, sj)


_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
"""A fixed timestamp for zip entries, so a rebuilt pack with the same content zips identically."""


def _zip_folder(folder: Path, files: Sequence[Path], zip_path: Path) -> None:
    tmp = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            stored = path.suffix in {".png", ".docx", ".xlsx"}  # already compressed
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    os.replace(tmp, zip_path)


def _story_json(store: Any, force: str | None, options: dict[str, Any]) -> StoryJSON:
    from crime_outcomes.analysis.story import story

    return story(store, force=force, **options).to_json()


def _options(outcome: str, first: str | None, last: str | None, basis: str, per: str, rules_path: Path | None) -> dict[str, Any]:
    return {"outcome": outcome, "first": first, "last": last, "basis": basis, "per": per, "rules_path": rules_path}


def write_pack(
    store: Any,
    force: str | None,
    out_dir: Path | str,
    *,
    outcome: str = "8",
    first: str | None = None,
    last: str | None = None,
    basis: str = "closed",
    per: str = "outcomes",
    rules_path: Path | None = None,
) -> PackResult:
    """Write the pack for one force (None: the national pack) into ``out_dir/<slug>/`` and its zip."""
    sj = _story_json(store, force, _options(outcome, first, last, basis, per, rules_path))
    return render_pack(sj, out_dir)


# ---------------------------------------------------------------------------- every force


class _MemoStore:
    """The store, with identical read queries answered once per run.

    Every force's story repeats the national queries (loaded years, all-force totals, labels,
    missing cells, editions); for a read-only run the answers cannot change, so the first one
    is kept. Only ``fetchall`` is memoised; everything else goes to the real store.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._memo: dict[tuple[str, tuple[Any, ...]], list[tuple[Any, ...]]] = {}
        self.hits = 0

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        key = (sql, tuple(params or ()))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._inner.fetchall(sql, list(params or ()))
        else:
            self.hits += 1
        return list(found)

    years = Store.years  # runs Store's query through the memoised fetchall above

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def write_all(
    store: Any,
    out_dir: Path | str,
    *,
    outcome: str = "8",
    first: str | None = None,
    last: str | None = None,
    basis: str = "closed",
    per: str = "outcomes",
    rules_path: Path | None = None,
    forces: Sequence[str] | None = None,
    workers: int = 2,
    reuse: bool = True,
    progress: Progress | None = None,
) -> AllPacks:
    """Packs for the 44 forces of England and Wales, the national pack and ``index.html``.

    ``forces`` narrows the run to some forces (names matched as ``story`` matches them), for a
    regional desk. ``workers`` processes render packs while the main process computes stories
    (1 renders in-process); ``reuse=False`` turns off the query memo. Both exist for the
    benchmark; the defaults are the fast path. Forces with no outcomes in the store are
    skipped and listed in the result and the index, not treated as errors.
    """
    from crime_outcomes.analysis.story import resolve_force
    from crime_outcomes.normalise.forces import england_and_wales_forces

    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = _options(outcome, first, last, basis, per, rules_path)
    source = _MemoStore(store) if reuse else store
    forces = england_and_wales_forces() if forces is None else list(dict.fromkeys(resolve_force(f) for f in forces))
    total = len(forces) + 1
    done = 0
    results: dict[str, PackResult] = {}
    skipped: list[tuple[str, str]] = []

    def finished(result: PackResult) -> None:
        nonlocal done
        done += 1
        results[result.name] = result
        if progress:
            progress(done, total, result.name)

    national_json = _story_json(source, None, options)  # fails fast on bad options
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers == 1:
        finished(render_pack(national_json, out_dir))
        for name in forces:
            sj = _try_story(source, name, options, skipped)
            if sj is None:
                total -= 1
                continue
            finished(render_pack(sj, out_dir))
    else:
        context = multiprocessing.get_context("spawn")  # no inherited DuckDB threads or locks
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: list[Future[PackResult]] = [pool.submit(render_pack, national_json, out_dir)]
            pending[0].add_done_callback(_report_to(finished))
            for name in forces:
                sj = _try_story(source, name, options, skipped)
                if sj is None:
                    total -= 1
                    continue
                fut = pool.submit(render_pack, sj, out_dir)
                fut.add_done_callback(_report_to(finished))
                pending.append(fut)
            for fut in pending:
                fut.result()  # re-raise any worker error here
    national = results.pop("England and Wales")
    ordered = [results[name] for name in forces if name in results]
    index = write_index(out_dir, national, ordered, skipped)
    return AllPacks(out_dir, national, ordered, skipped, index, time.perf_counter() - started)


def _report_to(finished: Callable[[PackResult], None]) -> Callable[[Future[PackResult]], None]:
    """A done-callback passing a finished pack on; a failed one is re-raised by the caller's result()."""

    def callback(fut: Future[PackResult]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            finished(fut.result())

    return callback


def _try_story(store: Any, name: str, options: dict[str, Any], skipped: list[tuple[str, str]]) -> StoryJSON | None:
    try:
        return _story_json(store, name, options)
    except NotFoundError as exc:
        skipped.append((name, str(exc)))
        return None


def write_index(out_dir: Path, national: PackResult, packs: Sequence[PackResult], skipped: Sequence[tuple[str, str]]) -> Path:
    """``index.html`` linking the national pack and every force's brief, workbook and zip."""
    sj = national.story
    rows = []
    for p in packs:
        s = p.story
        rank = s.get("rank") or {}
        rows.append({
            "name": p.name,
            "slug": p.slug,
            "count": number(s["count"]),
            "denominator": number(s["denominator"]),
            "share": _pct(s, s["share"]),
            "rank": _rank_text(s, rank.get("by_share"), rank.get("of", 0), rank.get("tied_share", False)),
            "verdict": (s.get("funnel") or {}).get("verdict", "–"),
            "notable": number(sum(o["count"] for o in s["notable"])),
        })
    html = _env(True).get_template("index.html.j2").render(
        title=f"Story packs: {sj['outcome']['label']}, {_period_text(sj)}",
        outcome=sj["outcome"]["label"],
        period=_period_text(sj),
        basis=sj["basis"],
        national={"slug": national.slug, "count": number(sj["count"]), "share": _pct(sj, sj["share"]), "denominator": number(sj["denominator"])},
        rows=rows,
        skipped=list(skipped),
        credit=credit_line(sj),
        edition=edition_line(sj),
        sample=sj.get("source", {}).get("sample", False),
    )
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
