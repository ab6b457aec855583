"""The Starlette application: routes, security headers, and errors that are never a bare 500.

``create_app`` wires the pages (``pages.py``), the JSON API and OpenAPI schema (``api.py``) and
the app's own static files. Every response, errors included, carries the security headers: a
Content-Security-Policy with no inline script or style (``default-src 'self'``), nosniff, a
referrer policy and a frame ban. Errors the user can fix are 400 (bad parameter, naming it
and the allowed values) or 404 (unknown force, offence or path); anything else is a bug, which
is logged, counted in ``app.state.server_errors`` and answered with a plain 500 page.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders, State
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crime_outcomes.errors import CrimeOutcomesError, NotFoundError, StoreError
from crime_outcomes.web import api, embeds, pages
from crime_outcomes.web.embeds import is_embed_path
from crime_outcomes.web.explorer import Explorer
from crime_outcomes.web.live import LiveStore
from crime_outcomes.web.params import BadParameter

log = logging.getLogger("crime_outcomes.web")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

EMBED_HEADERS: dict[str, str] = {
    **{k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"},
    "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *"),
    "Cross-Origin-Resource-Policy": "cross-origin",
}
"""``/embed/`` pages and chart files alone may be framed or shown by other sites; everything else keeps the frame ban."""

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]

SERVER_ERROR_PAGE = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Server error – crime-outcomes</title>'
    '<link rel="stylesheet" href="/static/app.css"></head><body><main id="main"><h1>Something went wrong</h1>'
    "<p>This is a bug in crime-outcomes, not a problem with your request. It has been logged.</p>"
    '<p><a href="/">Back to the overview</a></p></main></body></html>'
)


def static_dir() -> Path:
    return Path(str(resources.files("crime_outcomes.web").joinpath("static")))


def is_machine_path(path: str) -> bool:
    """API, schema and file downloads answer errors in JSON; pages answer with an HTML page."""
    return path.startswith(("/api/", "/openapi.json")) or (path.startswith("/data/") and "." in path.rsplit("/", 1)[-1])


class SecurityHeaders:
    """Outermost layer: adds the security headers to every response and turns an escaped bug into a clean 500."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                chosen = EMBED_HEADERS if is_embed_path(scope.get("path", "")) else SECURITY_HEADERS
                for name, value in chosen.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # a bug: the 500 handler has logged it and answered if it could
            if not started:
                self.state.server_errors += 1
                log.exception("unhandled error on %s", scope.get("path"))
                response = HTMLResponse(SERVER_ERROR_PAGE, status_code=500)
                await response(scope, receive, send_with_headers)


EXPLORER_KEY = "crime_outcomes.explorer"
"""Where a request's leased edition sits in its ASGI scope (``api.explorer_of`` reads it)."""


class LeaseEdition:
    """Gives each request the edition current when it starts, kept open until its response is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        live: LiveStore | None = scope["app"].state.live if "app" in scope else None
        if scope["type"] != "http" or live is None:
            await self.app(scope, receive, send)
            return
        with live.lease() as explorer:
            scope[EXPLORER_KEY] = explorer
            await self.app(scope, receive, send)


class AppState(State):
    """``app.state.explorer`` is the live store's current edition when the app serves a store file."""

    @property
    def explorer(self) -> Explorer:
        live: LiveStore | None = self._state.get("live")
        if live is not None:
            return live.current
        explorer: Explorer = self._state["explorer"]
        return explorer


class ExplorerApp(Starlette):
    """Starlette with the security layer outside even its own server-error middleware."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = AppState()

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), self.state)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, indent=2, ensure_ascii=False), status_code=status, media_type="application/json")


async def bad_parameter(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadParameter)
    if is_machine_path(request.url.path):
        return _json(exc.to_json(), 400)
    return pages.error_page(request, 400, "That view cannot be shown", exc.message, parameter=exc.parameter, allowed=exc.allowed)


_COMMAND_ASIDE = re.compile(r"\s*\([^()]*(?:`[^`]*`|/api/|--[a-z])[^()]*\)")
_COMMAND_CLAUSE = re.compile(r"\s*[:;]\s*[^:;]*`[^`]*`.*$")

READER_HELP = {
    404: "Check the address, or start again from the overview, which links to every force and offence.",
    503: "The figures cannot be shown at the moment. Please try again in a few minutes; if it goes on, tell whoever runs this site.",
}


def reader_words(message: str, fallback: str) -> str:
    """A library message as a sentence for a reader of the web pages: no commands, options or API paths.

    The CLI's hints (``crime-outcomes forces``, ``--from``, ``/api/offences``) help someone at a
    terminal, not someone reading a page; whatever cannot be said without them becomes ``fallback``.
    """
    text = _COMMAND_CLAUSE.sub("", _COMMAND_ASIDE.sub("", message)).strip()
    if not text or "`" in text or "crime-outcomes " in text:
        return fallback
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


async def not_found(request: Request, exc: Exception) -> Response:
    message = str(exc)
    if is_machine_path(request.url.path):
        return _json({"error": "not found", "message": message}, 404)
    words = reader_words(message, "There is nothing here for that address.")
    return pages.error_page(request, 404, "Not found", words, help_text=READER_HELP[404])


async def store_unavailable(request: Request, exc: Exception) -> Response:
    log.error("store error on %s: %s", request.url.path, exc)
    if is_machine_path(request.url.path):
        return _json({"error": "store unavailable", "message": str(exc)}, 503)
    return pages.error_page(request, 503, "The figures are unavailable", READER_HELP[503])


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"There is no page at {request.url.path}."
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed here: this site only reads (use GET)."
    else:
        message = str(exc.detail)
    headers = dict(exc.headers or {})
    if is_machine_path(request.url.path):
        response = _json({"error": "not found" if exc.status_code == 404 else "http error", "message": message}, exc.status_code)
    else:
        response = pages.error_page(
            request,
            exc.status_code,
            "Not found" if exc.status_code == 404 else "Request not allowed",
            message,
            help_text=READER_HELP.get(exc.status_code),
        )
    response.headers.update(headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """Real bugs only: log them, count them, answer plainly."""
    request.app.state.server_errors += 1
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    if is_machine_path(request.url.path):
        return _json({"error": "server error", "message": "an unexpected error; it has been logged"}, 500)
    return HTMLResponse(SERVER_ERROR_PAGE, status_code=500)


def create_app(
    db: Path | None = None,
    *,
    rules_path: Path | None = None,
    explorer: Explorer | None = None,
    allowed_hosts: Sequence[str] | None = None,
    check_every: float = 1.0,
    public_url: str | None = None,
) -> ExplorerApp:
    """The explorer for the store at ``db`` (default: the CLI's store), or for a ready ``explorer``.

    For a store file the app serves a snapshot of it (``web.live``) and never locks the store,
    so ``ingest`` and ``update`` can run meanwhile; at most ``check_every`` seconds after a
    load finishes, the next request finds the new edition and the app swaps it in. A ready
    ``explorer`` is served as it is. The store stays open for the app's life (a lifespan
    restart, as test clients do, must not close it); ``app.state.live.close()`` (or
    ``app.state.explorer.close()`` for a ready explorer) releases it, as ``crime-outcomes
    serve`` does on exit.

    ``public_url`` is the address readers reach the explorer at (behind a reverse proxy), used in
    the iframe code each chart offers; without it, the address of the request.

    ``allowed_hosts`` limits the Host header (``crime-outcomes serve`` passes the loopback names
    when bound to loopback, which stops DNS-rebinding pages from reading the API).
    """
    live = None if explorer is not None else LiveStore(db, rules_path, check_every=check_every)
    routes = [
        *pages.routes(),
        *embeds.routes(),
        *api.routes(),
        Mount("/static", app=StaticFiles(directory=static_dir(), follow_symlink=False), name="static"),
    ]
    middleware = [Middleware(LeaseEdition)]
    if allowed_hosts:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = ExplorerApp(
        debug=False,
        routes=routes,
        middleware=middleware,
        exception_handlers={
            BadParameter: bad_parameter,
            NotFoundError: not_found,
            StoreError: store_unavailable,
            HTTPException: http_error,
            CrimeOutcomesError: server_error,
            Exception: server_error,
        },
    )
    app.state.live = live
    if explorer is not None:
        app.state.explorer = explorer
    app.state.server_errors = 0
    app.state.public_url = public_url.rstrip("/") if public_url else None
    return app


__all__ = ["CONTENT_SECURITY_POLICY", "EMBED_HEADERS", "LOOPBACK_HOSTS", "SECURITY_HEADERS", "create_app"]
