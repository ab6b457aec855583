"""The JSON API and its OpenAPI 3.1 schema.

``/api/story`` returns exactly what ``crime-outcomes story --format json`` prints (same function,
same serialisation: two-space indent, UTF-8; the CLI adds a final newline). ``/api/national`` is
``story --national --format json`` and ``/api/offence`` is ``crime-outcomes offence CODE --format json``.
``/api/leads`` is ``crime-outcomes leads --format json`` with the same options.
The look-ups mirror ``crime-outcomes forces`` and ``crime-outcomes outcomes``. Bad parameters get 400 with a body naming the parameter and the
allowed values; an unknown force or offence gets 404. No endpoint accepts SQL.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from crime_outcomes.analysis.changes import SINCE_PATTERN, parse_since
from crime_outcomes.analysis.leads import DEFAULT_OUTCOMES, KINDS
from crime_outcomes.analysis.selection import BASES, PERS, Selection
from crime_outcomes.errors import SelectionError
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS
from crime_outcomes.version import __version__
from crime_outcomes.web.explorer import Explorer, force_refs, outcome_types_json
from crime_outcomes.web.params import ORDERS, SORT_KEYS, BadParameter, View, parse_view
from crime_outcomes.web.tables import FORMATS

TABLES = (
    "forces",
    "national-years",
    "national-offences",
    "force-years",
    "force-offences",
    "force-notable",
    "force-similar",
    "offence-forces",
    "offence-years",
    "compare",
    "outcome-types",
    "offence-codes",
)
"""Tables the data page offers in every format; /data/{table}.{format}."""


def dumps(body: Any) -> str:
    """The JSON text the CLI prints for the same object (without its final newline)."""
    return json.dumps(body, indent=2, ensure_ascii=False)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def explorer_of(request: Request) -> Explorer:
    """The edition this request leased when it started (see ``web.live``), else the app's explorer."""
    leased = request.scope.get("crime_outcomes.explorer")
    return leased if leased is not None else request.app.state.explorer


def view_of(request: Request) -> View:
    ex = explorer_of(request)
    return parse_view(request.query_params, ex.years, ex.recorded_crime_years)


def required(request: Request, name: str, allowed: list[str]) -> str:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        raise BadParameter(name, f"{name} is required", allowed)
    return value


def force_slugs() -> list[str]:
    return [f.slug for f in force_refs()]


# ------------------------------------------------------------------------------ endpoints


def api_story(request: Request) -> Response:
    ex = explorer_of(request)
    force = ex.resolve(required(request, "force", force_slugs()))
    view = view_of(request)
    return json_response(ex.story_json(force, view))


def api_national(request: Request) -> Response:
    ex = explorer_of(request)
    return json_response(ex.story_json(None, view_of(request)))


def api_forces(request: Request) -> Response:
    return json_response([{**f.to_json(), "page": f"/force/{f.slug}", "story": f"/api/story?force={f.slug}"} for f in force_refs()])


def api_offences(request: Request) -> Response:
    from urllib.parse import quote

    ex = explorer_of(request)
    return json_response([{**o, "page": "/offence/" + quote(o["code"], safe="/")} for o in ex.offences_json()])


def api_offence(request: Request) -> Response:
    ex = explorer_of(request)
    code = required(request, "code", ["an offence code from /api/offences, e.g. 8N or 1/4.1/4.10/4.2"])
    view = view_of(request)
    return json_response(ex.offence(code, view).to_json())


def leads_options(request: Request) -> dict[str, Any]:
    """The ``leads`` options in the query, checked: force (canonical name or None), outcome, from, to, basis, top.

    Absent options stay None, as the CLI leaves them, so the JSON is what the CLI prints for the
    same options; present ones are checked as every view's are (and ``top`` is a whole number).
    """
    ex = explorer_of(request)
    query = request.query_params
    force_text = query.get("force")
    if force_text is not None and not force_text.strip():
        raise BadParameter("force", "force is empty: leave it out for every force, or give a force's slug or name", force_slugs())
    force = ex.resolve(force_text.strip()) if force_text is not None else None
    view = view_of(request)  # checks outcome, from, to and basis against what the store holds
    top_text = query.get("top")
    top: int | None = None
    if top_text is not None:
        text = top_text.strip()
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise BadParameter(
                "top", f"top={top_text!r} is not allowed: give a whole number of at least 1", ["a whole number of at least 1"]
            )
        top = int(text)
    outcomes = [o.strip() for o in query.getlist("outcome")]
    for text in outcomes[1:]:  # the first is checked with the view; repeated, each is one selection to scan
        try:
            Selection.parse(outcome=text)
        except SelectionError as exc:
            raise BadParameter("outcome", str(exc), exc.allowed) from None
    return {
        "force": force,
        "outcome": None if not outcomes else outcomes[0] if len(outcomes) == 1 else tuple(outcomes),
        "first": query.get("from", "").strip() or None,
        "last": query.get("to", "").strip() or None,
        "basis": view.basis,
        "top": top,
    }


def api_leads(request: Request) -> Response:
    ex = explorer_of(request)
    return json_response(ex.leads_json(**leads_options(request)))


def api_outcome_types(request: Request) -> Response:
    return json_response(outcome_types_json())


def since_of(request: Request) -> str | None:
    """The ``since`` parameter (an edition date); a bad one is a 400 naming it."""
    value = request.query_params.get("since")
    if value is None:
        return None
    try:
        parse_since(value)
    except SelectionError as exc:
        raise BadParameter(exc.parameter, exc.problem, exc.allowed) from None
    return value


def api_changes(request: Request) -> Response:
    ex = explorer_of(request)
    return json_response(ex.changes_json(since_of(request)))


def openapi_json(request: Request) -> Response:
    ex = explorer_of(request)
    return json_response(openapi_schema(ex.years, ex.recorded_crime_years))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/story", api_story, methods=["GET"]),
        Route("/api/national", api_national, methods=["GET"]),
        Route("/api/forces", api_forces, methods=["GET"]),
        Route("/api/offences", api_offences, methods=["GET"]),
        Route("/api/offence", api_offence, methods=["GET"]),
        Route("/api/leads", api_leads, methods=["GET"]),
        Route("/api/outcome-types", api_outcome_types, methods=["GET"]),
        Route("/api/changes", api_changes, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]


# ------------------------------------------------------------------------------ OpenAPI


def _param(name: str, description: str, schema: dict[str, Any], *, required: bool = False, where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


OUTCOME_PATTERN = r"^([1-9]|1[0-9]|2[0-2])(,([1-9]|1[0-9]|2[0-2]))*$"
"""Outcome type numbers 1-22, one or several separated by commas (the groups are listed separately)."""


def view_parameters(years: list[str], recorded_crime_years: list[str] | None = None) -> list[dict[str, Any]]:
    """The view's query parameters, with the years (and denominators) this store can answer for."""
    year_schema: dict[str, Any] = {"type": "string", "enum": list(years)} if years else {"type": "string"}
    pers = list(PERS) if recorded_crime_years else ["outcomes"]
    return [
        _param(
            "outcome",
            "Outcome type 1-22, several separated by commas (2,3), or a group: " + ", ".join(OUTCOME_GROUPS) + ". Default 8.",
            {
                "anyOf": [{"type": "string", "pattern": OUTCOME_PATTERN}, {"type": "string", "enum": list(OUTCOME_GROUPS)}],
                "examples": ["8", "2,3", "out-of-court"],
            },
        ),
        _param("from", "First financial year, e.g. 2014/15 (default: the first loaded). Loaded: " + ", ".join(years) + ".", year_schema),
        _param("to", "Last financial year (default: the last loaded).", year_schema),
        _param(
            "basis",
            "closed (default: investigations closed in the period) or recorded (crimes recorded in the period).",
            {"type": "string", "enum": list(BASES)},
        ),
        _param(
            "per",
            "Denominator: outcomes (default, all outcomes types 1-22) or recorded-crime (needs the police force area table "
            "for every year of the period).",
            {"type": "string", "enum": pers},
        ),
    ]


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "parameter": {"type": "string", "description": "The query parameter at fault."},
        "message": {"type": "string"},
        "allowed": {"type": "array", "items": {"type": "string"}, "description": "The values the parameter accepts."},
    },
}

STORY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The story JSON, schema_version 1.x, exactly as `crime-outcomes story --format json` prints it. "
    "Each key is defined in its `definitions` object.",
    "required": [
        "schema_version",
        "definitions",
        "force",
        "outcome",
        "period",
        "basis",
        "per",
        "count",
        "denominator",
        "share",
        "ci95",
        "national",
        "rank",
        "funnel",
        "by_year",
        "change",
        "offences",
        "notable",
        "largest_shares",
        "forces_compared",
        "missing",
        "lines",
        "caveats",
        "source",
        "generated_by",
    ],
    "properties": {
        "schema_version": {"type": "string"},
        "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        "force": {"type": "object", "required": ["name", "display", "slug", "kind"]},
        "outcome": {"type": "object", "required": ["types", "label"]},
        "period": {"type": "object", "required": ["from", "to", "years"]},
        "basis": {"type": "string", "enum": list(BASES)},
        "per": {"type": "string", "enum": list(PERS)},
        "count": {"type": "integer"},
        "denominator": {"type": "integer"},
        "share": {"type": ["number", "null"]},
        "ci95": {"type": ["array", "null"], "items": {"type": "number"}},
        "national": {"type": "object", "required": ["count", "denominator", "share"]},
        "rank": {"type": ["object", "null"]},
        "funnel": {"type": ["object", "null"]},
        "by_year": {"type": "array", "items": {"type": "object", "required": ["year", "count", "denominator", "share", "national_share"]}},
        "change": {"type": ["object", "null"]},
        "offences": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "description", "count", "national_count", "share_of_national", "serious", "rules"],
            },
        },
        "notable": {"type": "array", "items": {"type": "object"}},
        "largest_shares": {"type": "array", "items": {"type": "object"}},
        "forces_compared": {"type": "array", "items": {"type": "object"}},
        "missing": {"type": "object"},
        "lines": {"type": "array", "items": {"type": "string"}},
        "caveats": {"type": "array", "items": {"type": "string"}},
        "percent_places": {"type": "integer", "minimum": 0, "maximum": 2},
        "annotations": {
            "type": "array",
            "items": {"type": "object", "required": ["scope", "id", "forces", "years", "basis", "what", "source", "link"]},
        },
        "glossary": {"type": "object", "required": ["definition", "outcomes"]},
        "source": {"type": "object"},
        "generated_by": {"type": "object"},
    },
}

FORCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "display", "slug", "kind", "country", "page", "story"],
    "properties": {
        "name": {"type": "string"},
        "display": {"type": "string"},
        "slug": {"type": "string"},
        "kind": {"type": "string", "enum": ["territorial", "non-territorial"]},
        "country": {"type": ["string", "null"]},
        "page": {"type": "string"},
        "story": {"type": "string"},
    },
}

OFFENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "description", "group", "subgroup", "expired", "latest_year", "page"],
    "properties": {
        "code": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "group": {"type": ["string", "null"]},
        "subgroup": {"type": ["string", "null"]},
        "expired": {"type": "boolean"},
        "latest_year": {"type": ["string", "null"]},
        "page": {"type": "string"},
    },
}

OFFENCE_VIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "description", "outcome", "period", "basis", "national", "serious", "rules", "forces", "by_year"],
    "properties": {
        "code": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "national": {"type": "object", "required": ["count", "denominator", "share"]},
        "serious": {"type": "boolean"},
        "rules": {"type": "array", "items": {"type": "object", "required": ["id", "label"]}},
        "forces": {
            "type": "array",
            "items": {"type": "object", "required": ["force", "slug", "count", "denominator", "share", "share_of_national"]},
        },
        "by_year": {"type": "array", "items": {"type": "object", "required": ["year", "count", "denominator", "share"]}},
    },
}

OUTCOME_TYPES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["types", "groups"],
    "properties": {
        "types": {
            "type": "array",
            "items": {"type": "object", "required": ["type", "label", "group", "in_all_outcomes", "note", "glossary"]},
        },
        "groups": {"type": "object", "additionalProperties": {"type": "object", "required": ["types", "label", "is"]}},
    },
}


LEAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "key",
        "kind",
        "force",
        "outcome",
        "offence",
        "period",
        "basis",
        "figures",
        "score",
        "sentence",
        "rules",
        "caveats",
        "look",
    ],
    "properties": {
        "key": {"type": "string", "description": "The finding's identity across editions: kind|force|outcome|offence."},
        "kind": {"type": "string", "enum": list(KINDS)},
        "force": {"type": "object", "required": ["name", "display", "slug", "kind"]},
        "outcome": {"type": "object", "required": ["selector", "types", "label"]},
        "offence": {"type": ["object", "null"], "required": ["code", "description"]},
        "period": {"type": "object", "required": ["from", "to"]},
        "basis": {"type": "string", "enum": list(BASES)},
        "figures": {"type": "object", "required": ["count", "denominator", "share"]},
        "score": {"type": "object", "required": ["value", "evidence", "size", "seriousness"]},
        "sentence": {"type": "string"},
        "rules": {"type": "array", "items": {"type": "object"}},
        "caveats": {"type": "array", "items": {"type": "string"}},
        "annotations": {"type": "array", "items": {"type": "object"}},
        "look": {"type": "object", "required": ["cli", "web", "pack"]},
    },
}

LEADS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Ranked leads, exactly as `crime-outcomes leads --format json` prints them; `kinds` and `score_formula` define them.",
    "required": [
        "schema_version",
        "force",
        "outcomes",
        "period",
        "basis",
        "top",
        "total",
        "leads",
        "not_leads",
        "caveats",
        "kinds",
        "score_formula",
    ],
    "properties": {
        "schema_version": {"type": "string"},
        "force": {"type": ["string", "null"]},
        "outcomes": {"type": "array", "items": {"type": "object", "required": ["selector", "types", "label"]}},
        "period": {"type": "object", "required": ["from", "to", "years"]},
        "basis": {"type": "string", "enum": list(BASES)},
        "top": {"type": ["integer", "null"]},
        "total": {"type": "integer"},
        "leads": {"type": "array", "items": LEAD_SCHEMA},
        "not_leads": {"type": "array", "items": {"type": "object", "required": ["key", "kind", "force", "outcome", "because"]}},
        "caveats": {"type": "array", "items": {"type": "string"}},
        "kinds": {"type": "object", "additionalProperties": {"type": "string"}},
        "score_formula": {"type": "string"},
    },
}

CHANGES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "since", "store", "sample", "editions", "definitions"],
    "properties": {
        "since": {"type": ["string", "null"], "format": "date"},
        "editions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["edition", "label", "files", "new_years", "revised_years", "national", "revisions", "leads", "forces"],
                "properties": {
                    "edition": {"type": ["string", "null"], "format": "date"},
                    "revisions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["force", "year", "outcome_type", "outcome", "basis", "old", "new", "change"],
                        },
                    },
                    "leads": {"type": "object", "required": ["known", "new", "gone"]},
                    "forces": {
                        "type": "array",
                        "items": {"type": "object", "required": ["force", "headline", "revisions", "new_leads", "gone_leads"]},
                    },
                },
            },
        },
        "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _responses(ok: dict[str, Any], *, bad: bool = True, missing: bool = False, media: str = "application/json") -> dict[str, Any]:
    out: dict[str, Any] = {
        "200": {"description": "OK", "content": {media: {"schema": ok}} if media != "application/json" else _json_content(ok)}
    }
    if bad:
        out["400"] = {
            "description": "A bad parameter: the body names it and the allowed values.",
            "content": _json_content({"$ref": "#/components/schemas/Error"}),
        }
    if missing:
        out["404"] = {
            "description": "Unknown force or offence code, or no outcomes for it in the period.",
            "content": _json_content({"$ref": "#/components/schemas/Error"}),
        }
    return out


def _page_responses(*, bad: bool = True, missing: bool = False) -> dict[str, Any]:
    html = {"text/html": {"schema": {"type": "string"}}}
    out: dict[str, Any] = {"200": {"description": "An HTML page", "content": html}}
    if bad:
        out["400"] = {"description": "A bad parameter, explained on the page", "content": html}
    if missing:
        out["404"] = {"description": "Unknown force or offence", "content": html}
    return out


def openapi_schema(years: list[str], recorded_crime_years: list[str] | None = None) -> dict[str, Any]:
    """The hand-written OpenAPI 3.1 description of the API, the pages and the downloads, for the years loaded."""
    view = view_parameters(years, recorded_crime_years)
    force_q = _param(
        "force",
        "Force slug or name, matched forgivingly (west-midlands, West Midlands Police, Met).",
        {"type": "string", "examples": ["west-midlands"]},
        required=True,
    )
    code_q = _param("code", "Offence code as published, e.g. 8N or 1/4.1/4.10/4.2.", {"type": "string", "examples": ["8N"]}, required=True)
    since_q = _param(
        "since",
        "Only editions dated after this edition date (YYYY-MM-DD); empty or absent: every edition.",
        {"type": "string", "pattern": SINCE_PATTERN, "examples": ["2019-05-23"]},
    )
    sort_q = [
        _param("sort", "Column to sort the all-forces table by.", {"type": "string", "enum": list(SORT_KEYS)}),
        _param("order", "asc or desc.", {"type": "string", "enum": list(ORDERS)}),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crime-outcomes",
            "version": __version__,
            "description": "How police forces in England and Wales close crimes, from the Home Office crime outcomes open data "
            "(Open Government Licence v3.0). Read-only: every endpoint is GET and none accepts SQL.",
        },
        "paths": {
            "/api/story": {
                "get": {
                    "summary": "The force story (same JSON as `crime-outcomes story --format json`)",
                    "operationId": "story",
                    "parameters": [force_q, *view],
                    "responses": _responses(STORY_SCHEMA, missing=True),
                }
            },
            "/api/national": {
                "get": {
                    "summary": "The England and Wales story (same JSON as `crime-outcomes story --national --format json`)",
                    "operationId": "national",
                    "parameters": view,
                    "responses": _responses(STORY_SCHEMA),
                }
            },
            "/api/forces": {
                "get": {
                    "summary": "The 44 forces of England and Wales",
                    "operationId": "forces",
                    "parameters": [],
                    "responses": _responses({"type": "array", "items": FORCE_SCHEMA}, bad=False),
                }
            },
            "/api/offences": {
                "get": {
                    "summary": "Every offence code in the store",
                    "operationId": "offences",
                    "parameters": [],
                    "responses": _responses({"type": "array", "items": OFFENCE_SCHEMA}, bad=False),
                }
            },
            "/api/offence": {
                "get": {
                    "summary": "One offence: which forces gave the outcome for it, and the national series (same JSON as `crime-outcomes offence CODE --format json`)",
                    "operationId": "offence",
                    "parameters": [code_q, *view],
                    "responses": _responses(OFFENCE_VIEW_SCHEMA, missing=True),
                }
            },
            "/api/leads": {
                "get": {
                    "summary": "Ranked leads: the findings worth a story (same JSON as `crime-outcomes leads --format json`)",
                    "operationId": "leads",
                    "parameters": [
                        _param(
                            "force",
                            "Only this force's leads: slug or name, matched forgivingly (default: every force).",
                            {"type": "string", "examples": ["west-midlands"]},
                        ),
                        _param(
                            "outcome",
                            "An outcome selection to scan: a type 1-22, several separated by commas, or a group; repeat "
                            "for several selections (default: " + ", ".join(DEFAULT_OUTCOMES) + ").",
                            view[0]["schema"],
                        ),
                        view[1],
                        view[2],
                        view[3],
                        _param("top", "Keep the N highest-scoring leads.", {"type": "integer", "minimum": 1, "examples": [20]}),
                    ],
                    "responses": _responses(LEADS_SCHEMA, missing=True),
                }
            },
            "/api/outcome-types": {
                "get": {
                    "summary": "Outcome types 0-22 and the named groups",
                    "operationId": "outcomeTypes",
                    "parameters": [],
                    "responses": _responses(OUTCOME_TYPES_SCHEMA, bad=False),
                }
            },
            "/api/changes": {
                "get": {
                    "summary": "What each edition loaded changed: new years' headline figures, revised figures, new and gone leads, "
                    "force by force (same JSON as `crime-outcomes changes --format json`)",
                    "operationId": "changes",
                    "parameters": [since_q],
                    "responses": _responses(CHANGES_SCHEMA),
                }
            },
            "/data/{table}.{format}": {
                "get": {
                    "summary": "A table as CSV, XLSX or JSON (force tables need force, offence tables need code, compare needs force repeated)",
                    "operationId": "download",
                    "parameters": [
                        _param("table", "Which table.", {"type": "string", "enum": list(TABLES)}, required=True, where="path"),
                        _param("format", "csv, xlsx or json.", {"type": "string", "enum": list(FORMATS)}, required=True, where="path"),
                        _param("force", "Force slug (force-* tables; repeat for compare).", {"type": "string"}),
                        _param("code", "Offence code (offence-* tables).", {"type": "string"}),
                        *view,
                    ],
                    "responses": {
                        "200": {
                            "description": "The table",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                                    "schema": {"type": "string", "contentMediaType": "application/octet-stream"}
                                },
                                "application/json": {"schema": {"type": "object", "required": ["table", "columns", "rows"]}},
                            },
                        },
                        "400": {
                            "description": "A bad or missing parameter",
                            "content": _json_content({"$ref": "#/components/schemas/Error"}),
                        },
                        "404": {
                            "description": "Unknown force or offence",
                            "content": _json_content({"$ref": "#/components/schemas/Error"}),
                        },
                    },
                }
            },
            "/data/pack/{slug}.zip": {
                "get": {
                    "summary": "A force's story pack as a zip (slug england-and-wales: the national pack)",
                    "operationId": "pack",
                    "parameters": [
                        _param(
                            "slug",
                            "Force slug, or england-and-wales",
                            {"type": "string", "examples": ["west-midlands"]},
                            required=True,
                            where="path",
                        ),
                        *view,
                    ],
                    "responses": {
                        "200": {
                            "description": "The pack",
                            "content": {"application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}},
                        },
                        "400": {"description": "A bad parameter", "content": _json_content({"$ref": "#/components/schemas/Error"})},
                        "404": {
                            "description": "Unknown force, or packs not installed",
                            "content": _json_content({"$ref": "#/components/schemas/Error"}),
                        },
                    },
                }
            },
            "/": {
                "get": {
                    "summary": "National overview page",
                    "operationId": "overviewPage",
                    "parameters": [*view, *sort_q],
                    "responses": _page_responses(),
                }
            },
            "/force/{slug}": {
                "get": {
                    "summary": "A force's page",
                    "operationId": "forcePage",
                    "parameters": [
                        _param("slug", "Force slug", {"type": "string", "examples": ["west-midlands"]}, required=True, where="path"),
                        *view,
                    ],
                    "responses": {**_page_responses(missing=True), "308": {"description": "Redirect to the force's canonical slug"}},
                }
            },
            "/offence/{code}": {
                "get": {
                    "summary": "An offence's page (the code may contain '/' and '.')",
                    "operationId": "offencePage",
                    "parameters": [
                        _param("code", "Offence code", {"type": "string", "examples": ["8N"]}, required=True, where="path"),
                        *view,
                    ],
                    "responses": _page_responses(missing=True),
                }
            },
            "/compare": {
                "get": {
                    "summary": "Forces side by side",
                    "operationId": "comparePage",
                    "parameters": [
                        _param("force", "Force slug; repeat for each force", {"type": "array", "items": {"type": "string"}}),
                        *view,
                    ],
                    "responses": _page_responses(missing=True),
                }
            },
            "/leads": {
                "get": {
                    "summary": "Ranked leads for every force, filtered by force, outcome and kind",
                    "operationId": "leadsPage",
                    "parameters": [
                        _param("force", "Force slug (default: every force).", {"type": "string", "examples": ["west-midlands"]}),
                        _param(
                            "outcome",
                            "An outcome selection the leads scan (default: all of them).",
                            {"type": "string", "enum": list(DEFAULT_OUTCOMES)},
                        ),
                        _param("kind", "A kind of lead (default: every kind).", {"type": "string", "enum": list(KINDS)}),
                        view[1],
                        view[2],
                        view[3],
                        _param("page", "Page of results, 1 = the highest-scoring.", {"type": "integer", "minimum": 1}),
                    ],
                    "responses": _page_responses(missing=True),
                }
            },
            "/methodology": {
                "get": {
                    "summary": "Definitions and caveats",
                    "operationId": "methodologyPage",
                    "parameters": view,
                    "responses": _page_responses(),
                }
            },
            "/data": {
                "get": {"summary": "Every table to download", "operationId": "dataPage", "parameters": view, "responses": _page_responses()}
            },
            "/changes": {
                "get": {
                    "summary": "What each edition loaded changed, force by force",
                    "operationId": "changesPage",
                    "parameters": [since_q],
                    "responses": _page_responses(),
                }
            },
        },
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }
