"""A local stand-in for GOV.UK: the Content API, the landing page and the asset host.

Tests never touch the internet. The server runs in a thread on 127.0.0.1 on a free port
and can misbehave on purpose: fail with a status, cut a body short, ignore ``Range``.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crime_outcomes.sources.discover import PUBLICATION_PATH
from crime_outcomes.sources.download import RetryPolicy

API_PATH = "/api/content" + PUBLICATION_PATH


@dataclass
class Asset:
    """Bytes served at one path, and how to misbehave while serving them."""

    body: bytes
    cut_after: int | None = None  # close the connection after this many body bytes...
    cut_times: int = 1  # ...on this many requests
    ignore_range: bool = False  # answer 200 with the whole body even when Range is asked
    etag: str | None = None
    fail_status: int | None = None  # answer this status...
    fail_times: int = 0  # ...this many times first
    served: int = 0


@dataclass
class Page:
    """A fixed response (JSON or HTML) with a status."""

    body: bytes
    content_type: str
    status: int = 200


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


@dataclass
class FixtureServer:
    """Routes by exact path; records every request so tests can count and inspect them."""

    url: str = ""
    pages: dict[str, Page] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def set_json(self, path: str, data: Any, status: int = 200) -> None:
        self.pages[path] = Page(json.dumps(data).encode(), "application/json", status)

    def set_html(self, path: str, html: str, status: int = 200) -> None:
        self.pages[path] = Page(html.encode(), "text/html; charset=utf-8", status)

    def set_status(self, path: str, status: int) -> None:
        self.pages[path] = Page(b"error", "text/plain", status)

    def hits_to(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def asset_hits(self) -> list[Hit]:
        return [h for h in self.hits if h.path in self.assets]


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.hits.append(Hit(path, {k.lower(): v for k, v in self.headers.items()}))
            if path in server.pages:
                page = server.pages[path]
                self._send(page.status, page.body, {"Content-Type": page.content_type})
            elif path in server.assets:
                self._asset(server.assets[path])
            else:
                self._send(404, b"not found", {"Content-Type": "text/plain"})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _asset(self, asset: Asset) -> None:
            asset.served += 1
            if asset.fail_status is not None and asset.served <= asset.fail_times:
                self._send(asset.fail_status, b"try later", {"Content-Type": "text/plain"})
                return
            body, start = asset.body, 0
            range_header = self.headers.get("Range")
            if_range = self.headers.get("If-Range")
            use_range = range_header is not None and not asset.ignore_range and (if_range is None or if_range == asset.etag)
            headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
            if asset.etag:
                headers["ETag"] = asset.etag
            if use_range:
                start = int(range_header.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
            else:
                self.send_response(200)
            payload = body[start:]
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if asset.cut_after is not None and asset.served <= asset.cut_times:
                self.wfile.write(payload[: asset.cut_after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    state = FixtureServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL nobody listens on: what a machine without a network gets."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Retries without waiting, recording the delays it would have slept."""
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=0.5, sleep=slept.append)
    policy.slept = slept  # type: ignore[attr-defined]
    return policy


def spreadsheet_bytes(seed: str, size: int = 50_000) -> bytes:
    """Stand-in workbook bytes: the zip signature, then deterministic noise."""
    rng = random.Random(seed)
    return b"PK\x03\x04" + rng.randbytes(size - 4)


def media_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# (title, filename, expected kind, expected financial year, reason fragment for passed-over files)
PUBLICATION: list[tuple[str, str, str, str | None, str | None]] = [
    ("Outcomes open data year ending March 2015", "prc-outcomes-open-data-mar2015-tables-160726.xlsx", "outcomes", "2014/15", None),
    ("Outcomes open data year ending March 2016", "prc-outcomes-open-data-mar2016-tables-160726.xlsx", "outcomes", "2015/16", None),
    ("Outcomes open data year ending March 2018", "prc-outcomes-open-data-mar2018-tables.ods", "outcomes", "2017/18", None),
    ("Outcomes open data, year ending March 2026", "prc-outcomes-open-data-mar2026-tables-160726.xlsx", "outcomes", "2025/26", None),
    (
        "Police recorded crime by police force area, year ending March 2013 onwards",
        "prc-pfa-mar2013-onwards-tables-160726.ods",
        "pfa",
        None,
        None,
    ),
    (
        "Outcomes for alternate offences open data, year ending March 2026",
        "prc-outcomes-alternate-open-data-mar2026-tables-160726.ods",
        "passed_over",
        None,
        "double count types 1-3",
    ),
    (
        "Supplementary outcomes metrics open data, year ending March 2026",
        "prc-outcomes-supplementary-mar2026-tables-160726.xlsx",
        "passed_over",
        None,
        "supplementary",
    ),
    (
        "Firearms outcomes open data, year ending March 2026",
        "prc-outcomes-firearms-open-data-mar2026-160726.xlsx",
        "passed_over",
        None,
        "firearms/knives",
    ),
    (
        "Knife or sharp instrument outcomes open data, year ending March 2026",
        "prc-outcomes-knives-open-data-mar2026-160726.xlsx",
        "passed_over",
        None,
        "firearms/knives",
    ),
    (
        "Drug offences subcode outcomes open data, year ending March 2026",
        "prc-outcomes-drug-subcodes-mar2026-160726.xlsx",
        "passed_over",
        None,
        "subcode",
    ),
    (
        "Violence against women and girls (VAWG) subcodes, year ending March 2026",
        "prc-vawg-subcodes-mar2026-160726.xlsx",
        "passed_over",
        None,
        "subcode",
    ),
    ("Geographical reference table", "recrime-geo-pfa.csv", "passed_over", None, "geographical"),
    (
        "Police recorded crime by Community Safety Partnership area, year ending March 2013 onwards",
        "prc-csp-mar2013-onwards-tables-160726.ods",
        "passed_over",
        None,
        "Community Safety Partnership",
    ),
    ("Hate crime open data, year ending March 2026", "hate-crime-open-data-mar2026.ods", "passed_over", None, "hate crime"),
    (
        "Outcomes open data year ending March 2007 to year ending March 2014",
        "prc-outcomes-open-data-mar2006-mar2014-tabs.ods",
        "passed_over",
        None,
        "different outcome framework",
    ),
    (
        "Outcomes open data, April to September 2024",
        "prc-outcomes-open-data-apr2024-to-sep2024-tables-160126.xlsx",
        "passed_over",
        None,
        "part-year",
    ),
]


@dataclass
class Publication:
    """The fixture publication served by ``server``: API JSON, landing page and asset bytes.

    Test modules cannot import this conftest, so the helpers they need hang off this object.
    """

    server: FixtureServer
    entries: list[dict[str, Any]] = field(default_factory=list)
    bodies: dict[str, bytes] = field(default_factory=dict)

    def add(
        self, title: str, filename: str, body: bytes | None = None, *, file_size: int | None = None, media: str | None = None
    ) -> dict[str, Any]:
        """Publish one attachment (served bytes default to stand-in spreadsheet bytes)."""
        data = body if body is not None else spreadsheet_bytes(filename, 20_000 + len(self.entries) * 1_000)
        path = f"/media/{media or media_id(filename)}/{filename}"
        self.server.assets[path] = Asset(data)
        self.bodies[filename] = data
        entry = {
            "attachment_type": "file",
            "id": str(len(self.entries) + 1000),
            "title": title,
            "filename": filename,
            "url": self.server.url + path,
            "content_type": "application/octet-stream",
            "file_size": len(data) if file_size is None else file_size,
        }
        self.entries = [e for e in self.entries if e["filename"] != filename] + [entry]
        self.publish()
        return entry

    def publish(self) -> None:
        """(Re)write the API JSON and the landing page from the current entries."""
        html_entry = {
            "attachment_type": "html",
            "id": "1",
            "title": "User guide to crime statistics",
            "url": "/government/statistics/user-guide",
        }
        self.server.set_json(
            API_PATH,
            {"title": "Police recorded crime and outcomes open data tables", "details": {"attachments": [*self.entries, html_entry]}},
        )
        sections = "".join(
            f'<section class="gem-c-attachment"><a href="{e["url"]}" aria-hidden="true"><img alt=""></a>'
            f'<h3 class="gem-c-attachment__title"><a class="govuk-link" href="{e["url"]}">{e["title"]}</a></h3>'
            f'<p class="gem-c-attachment__metadata">MS Excel Spreadsheet, 1 MB</p></section>'
            for e in self.entries
        )
        self.server.set_html(
            PUBLICATION_PATH,
            f'<html><body><a href="/">GOV.UK</a><h2>Outcomes</h2>{sections}<a href="/government/statistics/user-guide">User guide</a></body></html>',
        )

    expected = PUBLICATION
    api_path = API_PATH
    make_body = staticmethod(spreadsheet_bytes)

    def asset(self, filename: str) -> Asset:
        url = next(e["url"] for e in self.entries if e["filename"] == filename)
        return self.server.assets[url.removeprefix(self.server.url)]

    def path_of(self, filename: str) -> str:
        return next(e["url"] for e in self.entries if e["filename"] == filename).removeprefix(self.server.url)


@pytest.fixture
def publication(server: FixtureServer) -> Publication:
    pub = Publication(server)
    for title, filename, *_ in PUBLICATION:
        pub.add(title, filename)
    return pub
