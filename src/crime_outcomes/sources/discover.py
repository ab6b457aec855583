"""Find the published files and decide which ones the tool reads.

The GOV.UK Content API lists every attachment of the publication in ``details.attachments``.
Asset URLs change at every republish, so they are always taken from the listing, never
built. When the API is unavailable the HTML landing page gives the same links.

Attachments are classified by their title and filename, never by the heading they sit
under: many look-alike files (alternate-offence outcomes, subsets, part-year files) sit
under similar headings and would double count or mix frameworks if taken.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from crime_outcomes.errors import NetworkError
from crime_outcomes.sources.filenames import edition_from_filename, financial_year_ending
from crime_outcomes.sources.http import RetryPolicy, make_client, offline_error

GOVUK_BASE_ENV = "CRIME_OUTCOMES_GOVUK_BASE"
DEFAULT_GOVUK_BASE = "https://www.gov.uk"
PUBLICATION_PATH = "/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
CONTENT_API_PREFIX = "/api/content"

FIRST_FINANCIAL_YEAR = "2014/15"  # the outcomes framework (types 1-22) starts April 2014

Kind = Literal["outcomes", "pfa", "passed_over"]


def govuk_base(explicit: str | None = None) -> str:
    """The GOV.UK base URL: the option, else ``$CRIME_OUTCOMES_GOVUK_BASE``, else www.gov.uk.

    Overridable so tests and mirrors can stand in for GOV.UK.
    """
    base = explicit or os.environ.get(GOVUK_BASE_ENV) or DEFAULT_GOVUK_BASE
    return base.rstrip("/")


@dataclass(frozen=True)
class Attachment:
    """One attachment as the publisher lists it (file size and id only come from the API)."""

    title: str
    filename: str
    url: str
    attachment_type: str = "file"
    content_type: str | None = None
    file_size: int | None = None
    id: str | None = None


@dataclass(frozen=True)
class Classified:
    """An attachment with the verdict: which series it is, or why it is passed over.

    ``financial_year`` is like ``2017/18``; ``edition`` is the date in the filename suffix
    (``-DDMMYY``) when there is one. ``reason`` is set for every passed-over file.
    """

    kind: Kind
    financial_year: str | None
    edition: date | None
    reason: str | None
    attachment: Attachment

    @property
    def taken(self) -> bool:
        return self.kind != "passed_over"

    @property
    def label(self) -> str:
        """Short name for listings: the series and year."""
        if self.kind == "outcomes":
            return f"outcomes {self.financial_year}"
        if self.kind == "pfa":
            return "PFA recorded crime"
        return "passed over"


# --- classification -------------------------------------------------------------------

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_TITLE_YEAR = re.compile(r"year\s+ending\s+march\s+(\d{4})", re.IGNORECASE)
_FILE_YEAR = re.compile(r"(?<![a-z])mar(\d{4})(?!\d)", re.IGNORECASE)
_OUTCOMES_FILE = re.compile(r"^prc-outcomes-open-data-mar(\d{4})-tables(?:-\d{6})?\.(xlsx|ods)$", re.IGNORECASE)
_OUTCOMES_TITLE = re.compile(r"^\s*outcomes\s+open\s+data\b", re.IGNORECASE)
_PFA_FILE = re.compile(r"^prc-pfa-mar2013-onwards-tables(?:-\d{6})?\.(ods|xlsx)$", re.IGNORECASE)
_PART_YEAR_FILE = re.compile(rf"(?:{_MONTHS})\d{{4}}-to-(?:{_MONTHS})\d{{4}}", re.IGNORECASE)
_PART_YEAR_TITLE = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+(?:\d{4}\s+)?to\s+"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|\bquarter\b|\bsix\s+months\b|\bhalf[- ]year\b",
    re.IGNORECASE,
)
_SPREADSHEET_EXTENSIONS = (".xlsx", ".ods")

# (pattern over "title + filename", reason), checked in order before the series match.
_LOOK_ALIKES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"alternat", re.IGNORECASE),
        "outcomes for alternate offences (types 1a/2a/3a) are subsets of types 1-3; adding them would double count types 1-3",
    ),
    (re.compile(r"supplementary", re.IGNORECASE), "supplementary outcomes metrics, not the outcomes open data"),
    (
        re.compile(r"firearm|knife|knives|sharp\s+instrument", re.IGNORECASE),
        "firearms/knives outcomes are a subset of the main outcomes file; adding them would double count",
    ),
    (
        re.compile(r"\bdrugs?\b|vawg|violence\s+against\s+women|sub-?codes?", re.IGNORECASE),
        "drug or VAWG offence subcode file: a finer split of offences already in the main file",
    ),
    (re.compile(r"geo|geographical|reference\s+table", re.IGNORECASE), "geographical reference table, not crime figures"),
    (
        re.compile(r"community\s+safety|\bcsp\b|-csp-", re.IGNORECASE),
        "Community Safety Partnership tables: areas below force level, not needed",
    ),
    (re.compile(r"\bhate\b", re.IGNORECASE), "hate crime tables: a separate series"),
    (re.compile(r"transferred|cancelled", re.IGNORECASE), "transferred or cancelled records: not recorded crimes or outcomes"),
    (re.compile(r"\bincidents?\b", re.IGNORECASE), "incident counts, not recorded crimes or outcomes"),
    (
        re.compile(r"mar2006|mar2014-tabs|2002\s*/\s*03|detections", re.IGNORECASE),
        "pre-2014 outcomes archive: a different outcome framework (detections era), not comparable with types 1-22",
    ),
)


def _passed(attachment: Attachment, reason: str, *, year: str | None = None, edition: date | None = None) -> Classified:
    return Classified("passed_over", year, edition, reason, attachment)


def classify(attachment: Attachment) -> Classified:
    """Sort one attachment into ``outcomes``, ``pfa`` or ``passed_over`` (with the reason).

    Both title and filename are used: a file is taken only when neither names a look-alike
    and, where both carry a year, the years agree.
    """
    title = attachment.title or ""
    filename = attachment.filename or ""
    both = f"{title} {filename}"
    edition = edition_from_filename(filename)
    if attachment.attachment_type != "file":
        return _passed(attachment, f"not a downloadable file (a {attachment.attachment_type} attachment)")
    for pattern, reason in _LOOK_ALIKES:
        if pattern.search(both):
            return _passed(attachment, reason, edition=edition)

    pfa_title = "police force area" in title.lower() and "2013 onwards" in title.lower()
    if _PFA_FILE.match(filename) or (pfa_title and filename.lower().startswith("prc-pfa-")):
        if not filename.lower().endswith(_SPREADSHEET_EXTENSIONS):
            return _passed(attachment, "PFA table in a format the tool does not read (expected ods or xlsx)", edition=edition)
        return Classified("pfa", None, edition, None, attachment)

    file_match = _OUTCOMES_FILE.match(filename)
    title_match = _OUTCOMES_TITLE.match(title)
    if not (file_match or title_match or filename.lower().startswith("prc-outcomes-open-data")):
        return _passed(attachment, "not one of the files the tool reads (outcomes open data by year, PFA recorded crime)", edition=edition)
    if _PART_YEAR_FILE.search(filename) or _PART_YEAR_TITLE.search(title):
        return _passed(attachment, "part-year file: the annual file for that year is used when it is published", edition=edition)

    title_year = _TITLE_YEAR.search(title)
    file_year = _FILE_YEAR.search(filename)
    if title_year and file_year and title_year.group(1) != file_year.group(1):
        return _passed(
            attachment,
            f"title says year ending March {title_year.group(1)} but filename says mar{file_year.group(1)}; not guessing",
            edition=edition,
        )
    found = title_year or file_year
    if found is None:
        return _passed(attachment, "outcomes file with no year in its title or filename", edition=edition)
    year = financial_year_ending(int(found.group(1)))
    if year < FIRST_FINANCIAL_YEAR:
        return _passed(attachment, f"{year} predates the outcomes framework that starts in 2014/15", year=year, edition=edition)
    if not filename.lower().endswith(_SPREADSHEET_EXTENSIONS):
        return _passed(attachment, "outcomes file in a format the tool does not read (expected xlsx or ods)", year=year, edition=edition)
    return Classified("outcomes", year, edition, None, attachment)


def _edition_key(item: Classified) -> tuple[date, int]:
    """Newest edition first; with no dates, prefer xlsx (the current format) to older ods."""
    return (item.edition or date.min, 1 if item.attachment.filename.lower().endswith(".xlsx") else 0)


def resolve_duplicates(items: list[Classified]) -> list[Classified]:
    """Keep one file per series and year (the newest edition); pass over the rest, saying why."""
    best: dict[tuple[str, str | None], Classified] = {}
    for item in items:
        if item.taken:
            key = (item.kind, item.financial_year)
            if key not in best or _edition_key(item) > _edition_key(best[key]):
                best[key] = item
    result = []
    for item in items:
        if item.taken and best[(item.kind, item.financial_year)] is not item:
            winner = best[(item.kind, item.financial_year)]
            result.append(
                replace(item, kind="passed_over", reason=f"superseded by {winner.attachment.filename} (a newer edition of {item.label})")
            )
        else:
            result.append(item)
    return result


# --- parsing the listings --------------------------------------------------------------


def _filename_from_url(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def parse_content_api(data: Any, base: str) -> list[Attachment]:
    """Attachments from the Content API JSON; raises ValueError if the shape is not as documented."""
    if not isinstance(data, dict) or not isinstance(data.get("details"), dict):
        raise ValueError("no 'details' object")
    raw = data["details"].get("attachments")
    if not isinstance(raw, list):
        raise ValueError("no 'details.attachments' list")
    out: list[Attachment] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        url = entry.get("url")
        if not isinstance(url, str) or not url:
            continue
        url = urljoin(base + "/", url)
        size = entry.get("file_size")
        out.append(
            Attachment(
                title=str(entry.get("title") or ""),
                filename=str(entry.get("filename") or _filename_from_url(url)),
                url=url,
                attachment_type=str(entry.get("attachment_type") or "file"),
                content_type=entry.get("content_type") if isinstance(entry.get("content_type"), str) else None,
                file_size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
                id=str(entry["id"]) if entry.get("id") is not None else None,
            )
        )
    return out


_ASSET_PATH = re.compile(r"/media/[0-9a-f]{24}/|/attachment_data/file/\d+/", re.IGNORECASE)


class _AssetLinkParser(HTMLParser):
    """Collect ``<a href>`` links to published assets with their visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def parse_landing_page(html: str, base: str) -> list[Attachment]:
    """Attachments linked from the landing page: asset links, titled by their link text.

    A page links each asset twice (thumbnail and title); the titled link wins. The page
    gives no exact file size, so the size check falls back to Content-Length.
    """
    parser = _AssetLinkParser()
    parser.feed(html)
    parser.close()
    titles: dict[str, str] = {}
    for href, text in parser.links:
        url = urljoin(base + "/", href)
        if not _ASSET_PATH.search(urlsplit(url).path):
            continue
        if url not in titles or (text and not titles[url]):
            titles[url] = text
    return [Attachment(title=title, filename=_filename_from_url(url), url=url) for url, title in titles.items()]


# --- discovery -------------------------------------------------------------------------


@dataclass
class Discovery:
    """What the publication offers, classified; ``via`` says which listing was used."""

    base: str
    via: Literal["content-api", "landing-page"]
    listing_url: str
    items: list[Classified]
    notes: list[str] = field(default_factory=list)

    @property
    def passed_over(self) -> list[Classified]:
        return [i for i in self.items if not i.taken]

    @property
    def offered_years(self) -> list[str]:
        return sorted(i.financial_year for i in self.items if i.kind == "outcomes" and i.financial_year)

    def wanted(self, years: Iterable[str] | None = None) -> list[Classified]:
        """Files to fetch: the outcomes files for ``years`` (all if None) and the PFA table."""
        chosen = set(years) if years is not None else None
        return [i for i in self.items if i.kind == "pfa" or (i.kind == "outcomes" and (chosen is None or i.financial_year in chosen))]

    def missing_years(self, years: Iterable[str]) -> list[str]:
        """Years asked for that the publication does not offer."""
        return sorted(set(years) - set(self.offered_years))


def _get(client: httpx.Client, url: str, policy: RetryPolicy) -> httpx.Response:
    """GET with retries on 5xx and read errors; a refused connection fails at once (offline)."""
    last: Exception | None = None
    for attempt in range(1, policy.attempts + 1):
        try:
            response = client.get(url)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise offline_error(url, exc) from None
        except httpx.TransportError as exc:
            last = exc
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            last = None
            if attempt == policy.attempts:
                return response
        if attempt < policy.attempts:
            policy.sleep(policy.delay(attempt))
    raise NetworkError(f"{url}: the request failed after {policy.attempts} attempts: {last}")


def discover(
    base: str | None = None,
    *,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Discovery:
    """List and classify the publication's attachments (Content API, else landing page).

    Raises NetworkError when neither listing can be read; a connection that cannot be made
    at all fails at once with advice on working offline.
    """
    base = govuk_base(base)
    policy = retry or RetryPolicy()
    own_client = client is None
    http = client or make_client()
    notes: list[str] = []
    try:
        api_url = f"{base}{CONTENT_API_PREFIX}{PUBLICATION_PATH}"
        response = _get(http, api_url, policy)
        if response.status_code == 200:
            try:
                attachments = parse_content_api(response.json(), base)
            except ValueError as exc:
                notes.append(f"the Content API answer was not as expected ({exc}); used the landing page instead")
            else:
                items = resolve_duplicates([classify(a) for a in attachments])
                return Discovery(base, "content-api", api_url, items, notes)
        else:
            notes.append(f"the Content API answered HTTP {response.status_code}; used the landing page instead")

        page_url = f"{base}{PUBLICATION_PATH}"
        page = _get(http, page_url, policy)
        if page.status_code != 200:
            raise NetworkError(
                f"cannot list the published files: the Content API ({api_url}) and the landing page ({page_url}) "
                f"answered HTTP {response.status_code} and {page.status_code}. Try again later, or download the files "
                "by hand and run `crime-outcomes ingest FILE...`."
            )
        attachments = parse_landing_page(page.text, base)
        if not attachments:
            raise NetworkError(f"the landing page {page_url} links to no files; the page layout may have changed")
        items = resolve_duplicates([classify(a) for a in attachments])
        return Discovery(base, "landing-page", page_url, items, notes)
    finally:
        if own_client:
            http.close()


# --- year selection --------------------------------------------------------------------

_FY = re.compile(r"^(\d{4})/(\d{2})$")


def _check_year(text: str) -> int:
    match = _FY.match(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"{text!r} is not a financial year like 2017/18")
    return int(match.group(1))


def parse_years(spec: str) -> list[str]:
    """``2014/15..2025/26``, ``2017/18`` or ``2016/17,2017/18`` -> the financial years, in order."""
    years: set[int] = set()
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if ".." in part:
            start_text, end_text = part.split("..", 1)
            start, end = _check_year(start_text), _check_year(end_text)
            if end < start:
                raise ValueError(f"{part!r}: the range ends before it starts")
            years.update(range(start, end + 1))
        else:
            years.add(_check_year(part))
    if not years:
        raise ValueError("no financial year given")
    return [financial_year_ending(y + 1) for y in sorted(years)]
