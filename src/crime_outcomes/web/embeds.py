"""Embeddable charts: ``/embed/...`` pages that a news site can put in an iframe, and static files.

An embed page is one chart with the numbers behind it and a link to the full page, without the
site's header, navigation or forms. Only these pages (and the chart files beside them) may be
framed by other sites: ``app.SecurityHeaders`` relaxes ``frame-ancestors`` for ``/embed/`` and
nothing else. Every chart on the explorer's pages offers the iframe code for its embed page and,
for the packs' charts, the SVG and PNG the packs write.

Paths: ``/embed/<force slug or england-and-wales>/<chart>`` with chart ``year-series``,
``offences``, ``funnel`` or ``ratio``; ``/embed/<slug>/<chart>.svg`` and ``.png``;
``/embed/offence/years`` and ``/embed/offence/forces`` with ``?code=``, and their ``.svg``. The
view (outcome, years, basis) is in the query, as on every page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crime_outcomes.analysis.story import NATIONAL_SLUG
from crime_outcomes.errors import NotFoundError
from crime_outcomes.normalise.forces import FORCES
from crime_outcomes.outputs import charts as pack_charts
from crime_outcomes.outputs import light_charts
from crime_outcomes.web import tables as tb
from crime_outcomes.web.api import explorer_of, view_of
from crime_outcomes.web.explorer import Explorer
from crime_outcomes.web.pages import canonical_code, charts_for, offence_charts, offence_url, render
from crime_outcomes.web.params import BadParameter

STORY_CHARTS = ("year-series", "offences", "funnel", "ratio")
OFFENCE_CHARTS = ("years", "forces")
FILE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _story_target(ex: Explorer, slug: str) -> tuple[str | None, str]:
    """(force name or None for England and Wales, canonical slug) for a slug in an embed path."""
    if slug == NATIONAL_SLUG:
        return None, NATIONAL_SLUG
    name = ex.resolve(slug)
    return name, FORCES[name].slug


def _chart_name(text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise NotFoundError(f"there is no chart called {text!r} here; the charts are: {', '.join(allowed)}")
    return text


def story_embed(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    force, slug = _story_target(ex, request.path_params["slug"])
    name = _chart_name(request.path_params["chart"], STORY_CHARTS)
    if slug != request.path_params["slug"]:
        return RedirectResponse(f"/embed/{slug}/{name}{view.query()}", status_code=308)
    sj = ex.story_json(force, view)
    charts = charts_for(ex, force, view, sj)
    if name not in charts:
        raise NotFoundError(f"the {name} chart cannot be drawn for this view (it needs figures this view does not have)")
    context: dict[str, Any] = {"story": sj}
    if name in ("funnel", "ratio"):
        context["forces"] = tb.forces_table(sj).records()
    if name == "offences":
        context["offences"] = [o for o in sj["offences"] if o["count"] > 0][: pack_charts.TOP_OFFENCES]
    page = f"/force/{slug}" if force else "/"
    return render(request, "embed.html", view=view, kind=name, chart=charts[name], page_url=page + view.query(), **context)


def story_chart_file(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    force, slug = _story_target(ex, request.path_params["slug"])
    name = _chart_name(request.path_params["chart"], STORY_CHARTS)
    fmt = request.path_params["format"]
    if fmt not in FILE_TYPES:
        raise NotFoundError(f"charts are offered as {' and '.join(FILE_TYPES)}, not {fmt!r}")
    sj = ex.story_json(force, view)

    def draw() -> bytes:
        drawn = light_charts.story_charts(sj, ratio=True)
        if name not in drawn:
            raise NotFoundError(f"the {name} chart cannot be drawn for this view (it needs figures this view does not have)")
        return drawn[name].svg.encode("utf-8") if fmt == "svg" else drawn[name].png()

    body = ex.cached(("chart-file", force, view, name, fmt), draw)
    filename = f"{slug}-{name}.{fmt}"
    return Response(body, media_type=FILE_TYPES[fmt], headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _offence_code(request: Request, ex: Explorer) -> str:
    code = (request.query_params.get("code") or "").strip()
    if not code:
        raise BadParameter("code", "code is required: the offence code of the chart", [o["code"] for o in ex.offences_json()])
    return canonical_code(ex, code) or code


def offence_embed(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    code = _offence_code(request, ex)
    name = _chart_name(request.path_params["chart"], OFFENCE_CHARTS)
    oj = ex.offence(code, view).to_json()
    chart = offence_charts(ex, code, view, oj)[name]
    return render(request, "embed.html", view=view, kind=f"offence-{name}", chart=chart, offence=oj, page_url=offence_url(code, view))


def offence_chart_file(request: Request) -> Response:
    ex = explorer_of(request)
    view = view_of(request)
    code = _offence_code(request, ex)
    name = _chart_name(request.path_params["chart"], OFFENCE_CHARTS)
    oj = ex.offence(code, view).to_json()
    chart = offence_charts(ex, code, view, oj)[name]
    svg = str(chart.svg)
    if "xmlns=" not in svg.split(">", 1)[0]:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return Response(svg, media_type=FILE_TYPES["svg"], headers={"Content-Disposition": f'inline; filename="offence-{name}.svg"'})


def routes() -> list[BaseRoute]:
    return [
        Route("/embed/offence/{chart}.svg", offence_chart_file, methods=["GET"]),
        Route("/embed/offence/{chart}", offence_embed, methods=["GET"]),
        Route("/embed/{slug}/{chart}.{format}", story_chart_file, methods=["GET"]),
        Route("/embed/{slug}/{chart}", story_embed, methods=["GET"]),
    ]


def is_embed_path(path: str) -> bool:
    return path.startswith("/embed/")


__all__ = ["OFFENCE_CHARTS", "STORY_CHARTS", "is_embed_path", "routes"]
