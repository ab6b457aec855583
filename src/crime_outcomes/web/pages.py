"""Server-rendered pages: overview, force, offence, compare, methodology, data; and the downloads.

Every page works without JavaScript: the selectors are a GET form, sorting is by links, and the
whole view is in the URL query. Jinja2 autoescapes everything (a force or offence name holding
markup shows as text). Figures are formatted with the same helpers as ``crime-outcomes story``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.changes import Edition, headline_text, revision_text
from crime_outcomes.analysis.fair import READER_NOTES
from crime_outcomes.analysis.leads import DEFAULT_OUTCOMES, KINDS, SCORE_FORMULA, LeadSet
from crime_outcomes.analysis.lines import display_name
from crime_outcomes.analysis.model import DEFINITIONS, NATIONAL_SLUG
from crime_outcomes.analysis.selection import BASES, PERS
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.forces import FORCES, FRAUD
from crime_outcomes.normalise.glossary import load_glossary
from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_GROUPS, OUTCOME_TYPES
from crime_outcomes.outputs.changes_text import ENGLAND_AND_WALES, edition_summary
from crime_outcomes.outputs.glossary_text import UNSOURCED_MARK
from crime_outcomes.outputs.methodology import reader_methodology
from crime_outcomes.readers.text import finalize
from crime_outcomes.text import interval as format_interval
from crime_outcomes.text import number, ordinal, percent, rank_phrase
from crime_outcomes.version import __version__
from crime_outcomes.web import leads_view as lv
from crime_outcomes.web import tables as tb
from crime_outcomes.web.api import TABLES, explorer_of, force_slugs, since_of, view_of
from crime_outcomes.web.charts import InlineChart, bar_chart, counts_alt, iframe_snippet, story_charts, year_chart
from crime_outcomes.web.explorer import Explorer, force_refs, outcome_types_json
from crime_outcomes.web.params import MAX_COMPARE, BadParameter, View, parse_sort, parse_view

ENV = Environment(
    loader=PackageLoader("crime_outcomes.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=finalize,  # no control, format or bidi character reaches a page, whatever its way in
)


DEFAULT_PLACES = 1
"""Precision for shares on a page that shows no story (the offence page)."""


def _story_places(ctx: Any) -> int:
    story = ctx.get("story")
    return int(story.get("percent_places", DEFAULT_PLACES)) if isinstance(story, dict) else DEFAULT_PLACES


@pass_context
def pct1(ctx: Any, fraction: float | None) -> str:
    """A share at the page's story precision (house style: the CLI and the packs print the same)."""
    return percent(fraction, _story_places(ctx))


@pass_context
def interval(ctx: Any, ci: list[float] | None) -> str:
    """A 95% interval at the same precision as the share it belongs to."""
    return format_interval(ci, _story_places(ctx))


def pct_at(fraction: float | None, places: int) -> str:
    """A share at a given story's precision (the compare page shows several stories)."""
    return percent(fraction, places)


def interval_at(ci: list[float] | None, places: int) -> str:
    return format_interval(ci, places)


def rank_text(rank: int | None, of: int, tied: bool = False, story: dict[str, Any] | None = None, by: str = "share") -> str:
    """House style, as the story's sentences: '5th lowest of 43'."""
    if rank is None:
        return "not ranked"
    key = "rank_by_share" if by == "share" else "rank_by_count"
    compared = (story or {}).get("forces_compared", [])
    lowest = sum(1 for c in compared if c.get(key) is not None and c[key] > rank) + 1 if compared else None
    return rank_phrase(rank, of, lowest=lowest, tied=tied).removeprefix("the ")


def glossary_url(types: list[int] | tuple[int, ...]) -> str:
    """Where the glossary explains a selection: its outcome type, its named group, or the whole page."""
    wanted = tuple(sorted(set(types)))
    if len(wanted) == 1:
        return f"/glossary#type-{wanted[0]}"
    group = load_glossary().group_for(wanted)
    return f"/glossary#group-{group.key}" if group else "/glossary"


def offence_url(code: str, view: View | None = None) -> str:
    return "/offence/" + quote(code, safe="/") + (view.query() if view else "")


def ratio_text(value: float | None) -> str:
    """A standardised ratio to two decimal places (0.86): 1 is England and Wales rates."""
    return "–" if value is None else f"{value:.2f}"


ENV.filters.update(number=number, pct1=pct1, interval=interval, pct_at=pct_at, interval_at=interval_at, ratio=ratio_text)
ENV.globals.update(
    version=__version__,
    offence_url=offence_url,
    glossary_url=glossary_url,
    rank_text=rank_text,
    ordinal=ordinal,
    definitions=DEFINITIONS,
    reader_notes=READER_NOTES,
    iframe_snippet=iframe_snippet,
)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    ex = explorer_of(request)
    base = {
        "request_path": request.url.path,
        "store_label": ex.label,
        "sample": ex.label.startswith("2017/18 sample"),
        "nav": NAV,
        "site_url": site_url(request),
    }
    html = ENV.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status)


NAV = [
    ("/", "Overview"),
    ("/leads", "Leads"),
    ("/compare", "Compare forces"),
    ("/changes", "Changes"),
    ("/glossary", "Glossary"),
    ("/methodology", "Methodology"),
    ("/data", "Data"),
]


def error_page(
    request: Request,
    status: int,
    title: str,
    message: str,
    *,
    parameter: str | None = None,
    allowed: list[str] | None = None,
    help_text: str | None = None,
) -> HTMLResponse:
    """An error in a reader's words: what went wrong, and what they can do about it (``help_text``)."""
    return render(
        request,
        "error.html",
        status,
        title=title,
        message=message,
        parameter=parameter,
        allowed=allowed or [],
        view=None,
        form=None,
        help_text=help_text,
    )


# ------------------------------------------------------------------------------ the form


def outcome_options(view: View) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the outcome select: groups, then types 1-22."""
    options: list[tuple[str, str]] = []
    for name, (types, label) in OUTCOME_GROUPS.items():
        shown = "1-22" if tuple(types) == ALL_OUTCOMES else ",".join(str(t) for t in types)
        options.append((name, f"{label[:1].upper()}{label[1:]} (types {shown})"))
    for number_ in ALL_OUTCOMES:
        options.append((str(number_), f"Type {number_}: {OUTCOME_TYPES[number_].label}"))
    values = [v for v, _ in options]
    chosen = view.outcome if view.outcome in values else None
    if chosen is None:
        same = [v for v in values if v.isdigit() and (int(v),) == view.types] or [
            v for v in values if v in OUTCOME_GROUPS and tuple(sorted(OUTCOME_GROUPS[v][0])) == view.types
        ]
        if same:
            chosen = same[0]
        else:
            options.insert(0, (view.outcome, f"{view.label[:1].upper()}{view.label[1:]}"))
            chosen = view.outcome
    return [(v, label, v == chosen) for v, label in options]


def form_context(ex: Explorer, view: View, action: str, hidden: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return {
        "action": action,
        "outcomes": outcome_options(view),
        "years": ex.years,
        "bases": [(b, "Investigations closed in the period" if b == "closed" else "Crimes recorded in the period") for b in BASES],
        "pers": list(PERS) if ex.recorded_crime_years else [],
        "hidden": hidden or [],
    }


# ------------------------------------------------------------------------------ pages


VERDICT_ORDER: dict[str, int] = {str(v): i for i, v in enumerate(stats.VERDICTS)}


def sorted_forces(rows: list[dict[str, Any]], key: str, order: str) -> list[dict[str, Any]]:
    """Sort the all-forces table; missing values always last."""
    field = {
        "force": "force",
        "count": "count",
        "denominator": "denominator",
        "share": "share",
        "rank": "rank_by_share",
        "verdict": "verdict",
    }[key]

    if field == "verdict" and any(r.get("adjusted_verdict") not in (None, stats.VERDICT_NO_DATA) for r in rows):
        field = "adjusted_verdict"  # the table shows, and the words use, the widened limits' verdict

    def value(row: dict[str, Any]) -> Any:
        v = row.get(field)
        return VERDICT_ORDER.get(str(v), 99) if field.endswith("verdict") else v

    present = [r for r in rows if r.get(field) is not None]
    absent = [r for r in rows if r.get(field) is None]
    present.sort(key=lambda r: (value(r), r["force"]), reverse=order == "desc")
    return present + sorted(absent, key=lambda r: r["force"])


def charts_for(ex: Explorer, force: str | None, view: View, sj: dict[str, Any]) -> dict[str, InlineChart]:
    prefix = FORCES[force].slug if force else "national"
    slug = FORCES[force].slug if force else NATIONAL_SLUG

    def make() -> dict[str, InlineChart]:
        return {name: replace(c, embed=f"/embed/{slug}/{name}", files=("svg", "png")) for name, c in story_charts(sj, prefix).items()}

    return ex.cached(("charts", force, view), make)


def site_url(request: Request) -> str:
    """The address readers reach the explorer at: ``serve --public-url``, else the one this request used."""
    public = getattr(request.app.state, "public_url", None)
    return (public or str(request.base_url)).rstrip("/")


def overview(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    sort, order = parse_sort(request.query_params)
    sj = ex.story_json(None, view)
    rows = sorted_forces(tb.forces_table(sj).records(), sort, order)
    return render(
        request,
        "overview.html",
        view=view,
        story=sj,
        charts=charts_for(ex, None, view, sj),
        forces=rows,
        sort=sort,
        order=order,
        form=form_context(ex, view, "/", [("sort", sort), ("order", order)]),
        force_choices=force_refs(),
        offence_choices=ex.offences_json(),
    )


def force_redirect(request: Request) -> Response:
    """The force picker's target: /force?force=NAME&... -> /force/<slug>?..."""
    ex = explorer_of(request)
    text = (request.query_params.get("force") or "").strip()
    if not text:
        raise BadParameter("force", "force is required: pick a force", force_slugs())
    name = ex.resolve(text)
    view = view_of(request)
    return RedirectResponse(f"/force/{FORCES[name].slug}{view.query()}", status_code=303)


def offence_redirect(request: Request) -> Response:
    ex = explorer_of(request)
    code = (request.query_params.get("code") or "").strip()
    if not code:
        raise BadParameter("code", "code is required: pick an offence", [o["code"] for o in ex.offences_json()])
    view = view_of(request)
    code = canonical_code(ex, code) or code
    if not ex.has_code(code):
        ex.offence(code, view)  # raises NotFoundError
    return RedirectResponse(offence_url(code, view), status_code=303)


def force_page(request: Request) -> Response:
    ex = explorer_of(request)
    slug = request.path_params["slug"]
    name = ex.resolve(slug)
    canonical = FORCES[name].slug
    view = view_of(request)
    if slug != canonical:
        return RedirectResponse(f"/force/{canonical}{view.query()}", status_code=308)
    sj = ex.story_json(name, view)
    compared = sorted_forces(tb.forces_table(sj).records(), "share", "desc")
    shown_offences = [o for o in sj["offences"] if o["count"] != 0]
    default = parse_view({}, ex.years, ex.recorded_crime_years)
    if (view.first, view.last, view.basis) == (default.first, default.last, default.basis):
        found: LeadSet | None = ex.leads(view)  # serve's warm-up scans the default period first
    else:
        found = ex.leads_if_ready(view)
    top_leads, leads_total = lv.force_top_leads(found, name) if found is not None else ([], 0)
    return render(
        request,
        "force.html",
        view=view,
        story=sj,
        slug=canonical,
        charts=charts_for(ex, name, view, sj),
        forces=compared,
        offences=shown_offences,
        hidden_offences=len(sj["offences"]) - len(shown_offences),
        form=form_context(ex, view, f"/force/{canonical}"),
        similar=tb.similar_table(sj).records(),
        top_leads=top_leads,
        leads_total=leads_total,
        leads_ready=found is not None,
        leads_url="/leads" + lv.leads_query(view, force=canonical),
    )


def offence_charts(ex: Explorer, code: str, view: View, oj: dict[str, Any]) -> dict[str, InlineChart]:
    """The offence page's two charts (national series, forces), cached with the edition."""

    def make_charts() -> dict[str, InlineChart]:
        slug = "offence"
        year_rows = [(y["year"], y["share"] or 0.0) for y in oj["by_year"]]
        year_text = [f"{pct_at(y['share'], DEFAULT_PLACES)} ({number(y['count'])} of {number(y['denominator'])})" for y in oj["by_year"]]
        top = [f for f in oj["forces"] if f["count"] > 0][:15]
        force_rows = [(f["force"], float(f["count"])) for f in top]
        force_text = [number(f["count"]) for f in top]
        what = f"{view.label} for offence {code}"
        return {
            "years": replace(
                bar_chart(
                    f"{slug}-years",
                    f"Share of outcomes that were {view.label}, England and Wales",
                    year_rows,
                    value_text=year_text,
                    alt=counts_alt(
                        f"Bar chart of the share of all outcomes for offence {code} that were {view.label}, by year", year_rows, year_text
                    ),
                ),
                embed="/embed/offence/years",
                embed_extra=f"&code={quote(code, safe='/')}",
                files=("svg",),
            ),
            "forces": replace(
                bar_chart(
                    f"{slug}-forces",
                    f"Forces with the most {view.label} for this offence, {view.period}",
                    force_rows,
                    value_text=force_text,
                    alt=counts_alt(f"Bar chart of the forces with the most {what}, {view.period}, largest first", force_rows, force_text),
                ),
                embed="/embed/offence/forces",
                embed_extra=f"&code={quote(code, safe='/')}",
                files=("svg",),
            ),
        }

    return ex.cached(("offence-charts", code, view), make_charts)


def canonical_code(ex: Explorer, code: str) -> str | None:
    """The code as published for one typed in another case (``11a`` -> ``11A``); None if it matches none."""
    if ex.has_code(code):
        return code
    matches = [c for c in ex.codes if c.casefold() == code.casefold()]
    return matches[0] if len(matches) == 1 else None


def offence_page(request: Request) -> Response:
    ex = explorer_of(request)
    code = request.path_params["code"]
    view = view_of(request)
    canonical = canonical_code(ex, code)
    if canonical is not None and canonical != code:
        return RedirectResponse(offence_url(canonical, view), status_code=308)
    oj = ex.offence(code, view).to_json()
    charts = offence_charts(ex, code, view, oj)
    return render(request, "offence.html", view=view, offence=oj, charts=charts, form=form_context(ex, view, offence_url(code)))


def compare_page(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    names = compare_forces(ex, request)
    stories = [ex.story_json(n, view) for n in names]
    # one y-scale for every force compared, so bar heights can be compared across the charts
    top = max((v for s in stories for y in s["by_year"] for v in (y["share"], y["national_share"]) if v is not None), default=0.0)

    def one_chart(name: str, sj: dict[str, Any]) -> InlineChart:
        slug = FORCES[name].slug
        return ex.cached(
            ("year-chart", name, view, top),
            lambda: replace(year_chart(sj, slug, scale_top=top), embed=f"/embed/{slug}/year-series", files=("svg", "png")),
        )

    charts = [one_chart(n, s) for n, s in zip(names, stories, strict=True)]
    chosen = {FORCES[n].slug for n in names}
    hidden: list[tuple[str, str]] = [("force", FORCES[n].slug) for n in names]
    return render(
        request,
        "compare.html",
        view=view,
        stories=stories,
        charts=charts,
        names=names,
        choices=[(f, f.slug in chosen) for f in force_refs()],
        max_compare=MAX_COMPARE,
        slugs=[FORCES[n].slug for n in names],
        compare_extra="".join(f"&force={FORCES[n].slug}" for n in names),
        form=form_context(ex, view, "/compare", hidden),
    )


def compare_forces(ex: Explorer, request: Request) -> list[str]:
    """Canonical names of the ?force= values, in order, once each; at most MAX_COMPARE."""
    names: list[str] = []
    for text in request.query_params.getlist("force"):
        if not text.strip():
            raise BadParameter("force", "force is empty: give a force's slug or name", force_slugs())
        name = ex.resolve(text.strip())
        if name not in names:
            names.append(name)
    if len(names) > MAX_COMPARE:
        raise BadParameter("force", f"compare shows at most {MAX_COMPARE} forces side by side; {len(names)} were given", force_slugs())
    return names


def leads_page(request: Request) -> Response:
    """Every force's leads, best first, filtered by force, outcome and kind; the period and basis in the URL too."""
    ex = explorer_of(request)
    query = request.query_params
    view = parse_view({k: query[k] for k in ("from", "to", "basis") if k in query}, ex.years, ex.recorded_crime_years)
    chosen = lv.parse_filter(query, ex.resolve, force_slugs())
    page = lv.parse_page(query)
    found = ex.leads(view)
    kept = [lead for lead in found.leads if chosen.keeps(lead)]
    pages = max(1, -(-len(kept) // lv.PER_PAGE))
    if page > pages:
        raise BadParameter("page", f"page={page} is past the last page of these leads ({pages})", [str(n) for n in range(1, pages + 1)])
    start = (page - 1) * lv.PER_PAGE
    shown = [lv.lead_item(lead, rank) for rank, lead in enumerate(kept[start : start + lv.PER_PAGE], start=start + 1)]
    set_aside = [n for n in found.not_leads if chosen.keeps(n)]
    slug = FORCES[chosen.force].slug if chosen.force else None
    filters = {"force": slug, "outcome": chosen.outcome, "kind": chosen.kind}

    def page_url(n: int) -> str:
        return "/leads" + lv.leads_query(view, **filters, page=str(n) if n > 1 else None)

    api_filters = {"force": slug, "outcome": chosen.outcome}
    return render(
        request,
        "leads.html",
        view=view,
        found=found,
        chosen=chosen,
        who=display_name(chosen.force) if chosen.force else "every force",
        leads=shown,
        kept=len(kept),
        page=page,
        pages=pages,
        first_shown=start + 1,
        previous_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        not_leads=[lv.not_lead_item(n, {lead.key: lead for lead in found.leads}) for n in set_aside[: lv.NOT_LEADS_SHOWN]],
        not_leads_total=len(set_aside),
        api_url="/api/leads" + lv.leads_query(view, **api_filters),
        forces=force_refs(),
        outcomes=[(o, lv.outcome_name(o)) for o in DEFAULT_OUTCOMES],
        kinds=list(lv.KIND_NAMES.items()),
        definitions_of_kinds=KINDS,
        score_formula=SCORE_FORMULA,
        years=ex.years,
        bases=form_context(ex, view, "/leads")["bases"],
        every=lv.EVERY,
    )


def methodology(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    sj = ex.story_json(None, view)
    return render(
        request,
        "methodology.html",
        view=view,
        story=sj,
        types=outcome_types_json()["types"],
        groups=outcome_types_json()["groups"],
        rules=ex.rules.enabled_rules,
        rules_source=ex.rules.source,
        reader_methodology=reader_methodology(),
        form=form_context(ex, view, "/methodology"),
    )


def glossary_page(request: Request) -> Response:
    """Every outcome type and group in plain English, with sources: the page every named type links to."""
    view = view_of(request)
    glossary = load_glossary()
    return render(
        request,
        "glossary.html",
        view=view,
        entries=list(glossary.outcomes.values()),
        groups=list(glossary.groups.values()),
        published={t.number: t.label for t in OUTCOME_TYPES.values()},
        unsourced_mark=UNSOURCED_MARK,
    )


def data_page(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    return render(
        request,
        "data.html",
        view=view,
        forces=force_refs(),
        tables=TABLE_INFO,
        form=form_context(ex, view, "/data"),
    )


TABLE_INFO: list[tuple[str, str, str]] = [
    (
        "forces",
        "All forces: count, denominator, share, interval, ranks, funnel verdict and limits, verdict against the widened limits, expected count and ratio",
        "",
    ),
    ("national-years", "England and Wales by year", ""),
    ("national-offences", "England and Wales by offence", ""),
    ("force-years", "One force by year, with England and Wales beside it", "force"),
    ("force-offences", "One force by offence", "force"),
    ("force-notable", "One force's notable offences, with the rules behind each", "force"),
    ("force-similar", "One force and the forces most like it in the crime they deal with: shares and ratios to expected", "force"),
    ("offence-forces", "One offence by force", "code"),
    ("offence-years", "One offence in England and Wales by year", "code"),
    ("compare", "Forces side by side (repeat force=)", "force"),
    ("outcome-types", "Outcome types 0-22", ""),
    ("offence-codes", "Offence codes in the store", ""),
]


# ------------------------------------------------------------------------------ downloads


def _edition_context(e: Edition, index: int) -> dict[str, Any]:
    """One edition for the /changes page: the CLI's sentences, the revised figures as a table, force by force."""
    forces = []
    for f in e.forces:
        items: list[tuple[str, str | None]] = [(headline_text(h, display_name(f.force)), None) for h in f.headline]
        items += [(f"Revised: {revision_text(r)}.", None) for r in f.revisions]
        if e.leads_known:
            items += [(f"New lead: {lead.sentence}", lead.lead.get("look", {}).get("web")) for lead in f.new_leads]
            items += [(f"No longer a lead: {lead.sentence}", None) for lead in f.gone_leads]
        slug = FORCES[f.force].slug if f.force in FORCES else None
        forces.append(
            {"name": display_name(f.force), "slug": slug, "items": items, "changed": bool(f.revisions or f.new_leads or f.gone_leads)}
        )
    return {
        "id": f"edition-{index}",
        "label": e.label,
        "summary": edition_summary(e),
        "national": [headline_text(h, ENGLAND_AND_WALES) for h in e.national],
        "revisions": [
            {
                "force": display_name(r.force),
                "slug": FORCES[r.force].slug if r.force in FORCES else None,
                "year": r.year,
                "outcome": r.to_json()["outcome"] or f"type {r.outcome_type}",
                "type": r.outcome_type,
                "basis": r.basis,
                "old": number(r.old),
                "new": number(r.new),
                "change": f"{r.change:+,}",
            }
            for r in e.revisions
        ],
        "changed_forces": [f for f in forces if f["changed"]],
        "other_forces": [f for f in forces if not f["changed"] and f["items"]],
    }


def changes_page(request: Request) -> Response:
    """What each edition loaded changed, newest first: the page of ``crime-outcomes changes``."""
    ex = explorer_of(request)
    since = since_of(request)
    found = ex.changes(since)
    editions = [_edition_context(e, i) for i, e in reversed(list(enumerate(found.editions)))]
    return render(
        request,
        "changes.html",
        view=None,
        since=found.since.isoformat() if found.since else "",
        dates=ex.edition_dates(),
        editions=editions,
        api=f"/api/changes?since={found.since.isoformat()}" if found.since else "/api/changes",
    )


def download(request: Request) -> Response:
    ex = explorer_of(request)
    name = request.path_params["table"]
    fmt = request.path_params["format"]
    if name not in TABLES:
        raise BadParameter("table", f"there is no table {name!r}", list(TABLES))
    if fmt not in tb.FORMATS:
        raise BadParameter("format", f"format {fmt!r} is not offered", list(tb.FORMATS))
    view = view_of(request)
    table, subject = build_table(ex, request, name, view)
    meta = {"query": view.params(), "store": ex.label}
    if subject:
        meta["subject"] = subject
    file_name = tb.filename(table, view.params(), fmt, subject)
    headers = {"Content-Disposition": f'attachment; filename="{file_name}"'}
    if fmt == "csv":
        return Response(tb.to_csv(table), media_type=tb.MEDIA_TYPES["csv"], headers=headers)
    if fmt == "xlsx":
        return Response(tb.to_xlsx(table, meta), media_type=tb.MEDIA_TYPES["xlsx"], headers=headers)
    return Response(tb.to_json(table, meta), media_type=tb.MEDIA_TYPES["json"], headers=headers)


def _force_param(ex: Explorer, request: Request) -> str:
    text = (request.query_params.get("force") or "").strip()
    if not text:
        raise BadParameter("force", "force is required for this table", force_slugs())
    return ex.resolve(text)


def build_table(ex: Explorer, request: Request, name: str, view: View) -> tuple[tb.Table, str | None]:
    """The named table for the view, and what it is about (force slug or offence code)."""
    builders: dict[str, Callable[[], tuple[tb.Table, str | None]]] = {
        "forces": lambda: (tb.forces_table(ex.story_json(None, view)), None),
        "national-years": lambda: (tb.year_table(ex.story_json(None, view), name), None),
        "national-offences": lambda: (tb.offence_table(ex.story_json(None, view), "offences", name), None),
        "outcome-types": lambda: (tb.outcome_types_table(outcome_types_json()), None),
        "offence-codes": lambda: (tb.offence_codes_table(ex.offences_json()), None),
    }
    if name in builders:
        return builders[name]()
    if name.startswith("force-"):
        force = _force_param(ex, request)
        sj = ex.story_json(force, view)
        slug = FORCES[force].slug
        if name == "force-years":
            return tb.year_table(sj, name), slug
        if name == "force-similar":
            return tb.similar_table(sj, name), slug
        return tb.offence_table(sj, "notable" if name == "force-notable" else "offences", name), slug
    if name.startswith("offence-"):
        code = (request.query_params.get("code") or "").strip()
        if not code:
            raise BadParameter("code", "code is required for this table", [o["code"] for o in ex.offences_json()][:20] + ["..."])
        oj = ex.offence(code, view).to_json()
        return (tb.offence_years_table(oj) if name == "offence-years" else tb.offence_forces_table(oj)), code
    names = compare_forces(ex, request)
    if not names:
        raise BadParameter("force", "compare needs at least one force= (repeat it for each force)", force_slugs())
    return tb.compare_table([ex.story_json(n, view) for n in names]), "-".join(FORCES[n].slug for n in names)


# ------------------------------------------------------------------------------ packs


def pack_download(request: Request) -> Response:
    """A force's story pack (or the national pack, slug england-and-wales) as a zip, built once per view."""
    ex = explorer_of(request)
    from crime_outcomes.outputs.packs import render_pack
    from crime_outcomes.outputs.packs.leads import for_force

    slug = request.path_params["slug"]
    name = None if slug == NATIONAL_SLUG else ex.resolve(slug)
    if name is not None and FORCES[name].slug != slug:
        raise NotFoundError(f"no pack named {slug!r}: use the force's slug, {FORCES[name].slug!r}")
    view = view_of(request)
    story = ex.story(name, view)  # the typed story the packs are built from
    site = site_url(request)
    charts = charts_for(ex, name, view, ex.story_json(name, view))
    codes = {n: iframe_snippet(site + c.embed + view.query(), c) for n, c in charts.items() if c.embed}

    found = ex.leads(view)  # the brief opens with the force's leads (the national pack: every force's, and the tip sheet)
    leads = found if name is None else for_force(found, name)

    def build() -> Path:
        folder = Path(tempfile.mkdtemp(prefix="pack-", dir=ex.scratch_dir()))
        return render_pack(story, folder, embed_codes=codes, leads=leads).zip_path

    zip_path = ex.cached(("pack", name, view, site), build)
    file_name = tb.filename(tb.Table("pack", "", (), []), view.params(), "zip", slug)
    return FileResponse(zip_path, media_type="application/zip", filename=file_name)


def routes() -> list[BaseRoute]:
    return [
        Route("/", overview, methods=["GET"]),
        Route("/force", force_redirect, methods=["GET"]),
        Route("/force/{slug}", force_page, methods=["GET"]),
        Route("/offence", offence_redirect, methods=["GET"]),
        Route("/offence/{code:path}", offence_page, methods=["GET"]),
        Route("/leads", leads_page, methods=["GET"]),
        Route("/compare", compare_page, methods=["GET"]),
        Route("/methodology", methodology, methods=["GET"]),
        Route("/glossary", glossary_page, methods=["GET"]),
        Route("/data", data_page, methods=["GET"]),
        Route("/changes", changes_page, methods=["GET"]),
        Route("/data/pack/{slug}.zip", pack_download, methods=["GET"]),
        Route("/data/{table}.{format}", download, methods=["GET"]),
    ]


def compile_templates() -> None:
    """Compile every page template now (Jinja keeps them), so the first visitor to each kind of page does not wait for it."""
    for name in ENV.list_templates(filter_func=lambda n: n.endswith(".html")):
        ENV.get_template(name)


def warm_default_views(ex: Explorer, forces: list[str | None] | None = None, *, seconds: float | None = None) -> int:
    """Compute every force page's default view (story and charts) before anyone asks.

    A cold force page is mostly its story (the charts are SVG text, a few milliseconds); the
    default view of each of the 44 forces and England and Wales is what most visitors open
    first, so ``serve`` fills the cache with them in a background thread. ``forces`` (None = England and Wales) narrows
    the list; ``seconds`` stops after that long. Returns the number of views computed.
    """
    view = parse_view({}, ex.years, ex.recorded_crime_years)
    names = forces if forces is not None else [None, *sorted(n for n, f in FORCES.items() if f.kind != FRAUD)]
    stop = time.monotonic() + seconds if seconds is not None else None
    compile_templates()
    ex.leads(view)  # one scan gives every force page its top leads
    done = 0
    for name in names:
        if stop is not None and time.monotonic() > stop:
            break
        try:
            charts_for(ex, name, view, ex.story_json(name, view))
        except NotFoundError:  # a force with no outcomes in the store has no page to warm
            continue
        done += 1
    return done
