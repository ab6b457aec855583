"""Download the chosen files safely and record where each one came from.

The files are large (26-45 MB each, ~460 MB in all) and served from a CDN, so a download
is streamed to a ``.part`` file, resumed with ``Range`` after a cut, checked against the
size the publisher states and the size the server announces, hashed, and only then renamed
into place. A short or corrupt file is removed, never renamed: a later ingest must never
see half a workbook.

``manifest.json`` in the downloads directory records, per file, the URL, the publisher's
title, the series and year, the edition, size, SHA-256, retrieval time (UTC) and the asset's
media id. The media id changes at every republish, so a same-URL file whose local copy
still matches its recorded hash is not downloaded again.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from rich.progress import Progress, TaskID

from crime_outcomes.errors import InputError, Location, NetworkError, disk_error
from crime_outcomes.faults import crash_point
from crime_outcomes.settings import limits_from_env
from crime_outcomes.sources.discover import Classified
from crime_outcomes.sources.filenames import sha256_file
from crime_outcomes.sources.http import USER_AGENT, RetryPolicy, make_client, offline_error

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
_ZIP_MAGIC = b"PK\x03\x04"  # xlsx and ods are zip archives
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._()-]*$")
_MEDIA_ID = re.compile(r"/media/([0-9a-f]{24})/", re.IGNORECASE)
_LEGACY_ID = re.compile(r"/attachment_data/file/(\d+)/")
_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED_RANGE = re.compile(r"^bytes\s+\*/(\d+)$")

__all__ = [  # the HTTP helpers are re-exported: they lived here before sources.http
    "MANIFEST_NAME",
    "USER_AGENT",
    "DownloadResult",
    "Manifest",
    "ManifestEntry",
    "RetryPolicy",
    "download_all",
    "download_file",
    "make_client",
    "media_id_from_url",
    "offline_error",
    "safe_filename",
]


def media_id_from_url(url: str) -> str | None:
    """The asset's id: 24 hex digits in ``/media/<id>/``, or the number in legacy upload URLs."""
    path = urlsplit(url).path
    match = _MEDIA_ID.search(path) or _LEGACY_ID.search(path)
    return match.group(1) if match else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- manifest ----------------------------------------------------------------------------


@dataclass
class ManifestEntry:
    """Provenance of one downloaded file."""

    filename: str
    url: str
    title: str
    kind: str
    financial_year: str | None
    edition: str | None  # ISO date
    size: int
    sha256: str
    retrieved_at: str  # ISO 8601, UTC
    media_id: str | None
    superseded_by: str | None = None

    @classmethod
    def from_json(cls, filename: str, data: dict[str, Any]) -> ManifestEntry:
        known: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__ if k != "filename"}
        return cls(filename=filename, **known)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["filename"]
        return data


@dataclass
class Manifest:
    """``manifest.json``: what was downloaded, from where and when, keyed by local filename."""

    path: Path
    files: dict[str, ManifestEntry] = field(default_factory=dict)
    listing_url: str | None = None
    updated_at: str | None = None

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read the manifest of ``directory`` (empty if there is none yet)."""
        path = directory / MANIFEST_NAME
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = {name: ManifestEntry.from_json(name, entry) for name, entry in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                Location(str(path)),
                "the download manifest cannot be read; delete it and fetch again (every file is then checked and downloaded afresh)",
                expected="JSON written by crime-outcomes",
                found=f"{type(exc).__name__}: {exc}",
            ) from None
        return cls(path, files, data.get("listing_url"), data.get("updated_at"))

    def save(self) -> None:
        """Write atomically, so an interrupted run never leaves half a manifest."""
        self.updated_at = _now()
        data = {
            "format": MANIFEST_FORMAT,
            "tool": USER_AGENT,
            "listing_url": self.listing_url,
            "updated_at": self.updated_at,
            "files": {name: entry.to_json() for name, entry in sorted(self.files.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def record(self, entry: ManifestEntry) -> None:
        """Add or replace ``entry``; older files of the same series and year are marked superseded."""
        for other in self.files.values():
            if other.filename != entry.filename and other.kind == entry.kind and other.financial_year == entry.financial_year:
                other.superseded_by = entry.filename
        entry.superseded_by = None
        self.files[entry.filename] = entry


# --- download ----------------------------------------------------------------------------


@dataclass
class DownloadResult:
    """What happened to one file. ``previous`` is the manifest entry it replaced, if any."""

    item: Classified
    path: Path
    status: Literal["downloaded", "unchanged"]
    size: int
    sha256: str
    resumed: bool = False
    attempts: int = 0
    previous: ManifestEntry | None = None


class _Retry(Exception):
    """A failure worth another attempt (the partial file is kept for resuming)."""


class _Corrupt(Exception):
    """The bytes cannot be right; the partial file must go."""


def safe_filename(item: Classified) -> str:
    """The publisher's filename, refused if it could escape the downloads directory."""
    name = item.attachment.filename
    if not _SAFE_NAME.match(name) or name.endswith((".part", ".json", ".tmp")):
        raise InputError(
            Location(item.attachment.url),
            "the publisher's filename is not a plain file name",
            expected="letters, digits, '.', '-', '_'",
            found=repr(name),
        )
    return name


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _discard(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _transfer(
    client: httpx.Client,
    url: str,
    part: Path,
    meta: Path,
    expected_size: int | None,
    max_bytes: int,
    progress: Progress | None,
    task: TaskID | None,
) -> tuple[bool, int | None]:
    """One request: continue ``part`` if the server allows it, else start over.

    Returns (resumed, total size the server announced or None). Raises _Retry for
    transient trouble, _Corrupt when the bytes cannot be right, NetworkError for a final no.
    """
    offset = part.stat().st_size if part.exists() else 0
    if expected_size is not None and offset > expected_size:
        _discard(part, meta)
        offset = 0
    headers = {"Accept-Encoding": "identity"}  # byte ranges must count the file's own bytes
    if offset:
        headers["Range"] = f"bytes={offset}-"
        saved = _read_meta(meta)
        validator = saved.get("etag") or saved.get("last_modified")
        if validator:
            headers["If-Range"] = validator  # a changed file comes back whole (200)
    with client.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 416 and offset:
            match = _UNSATISFIED_RANGE.match(response.headers.get("content-range", ""))
            if match and int(match.group(1)) == offset:
                return True, offset  # the partial file was already complete
            _discard(part, meta)
            raise _Retry("the server refused to resume; starting again")
        if status >= 500 or status in (408, 429):
            raise _Retry(f"HTTP {status}")
        if status not in (200, 206):
            raise NetworkError(
                f"{url}: the server answered HTTP {status}. The publication may have been republished since it was listed; run the command again."
            )
        resumed = False
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if not match or int(match.group(1)) != offset:
                _discard(part, meta)
                raise _Retry("the server resumed at the wrong place; starting again")
            resumed = True
            announced: int | None = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:
            offset = 0  # the server ignored Range (or the file changed): take it whole
            announced = None
            mode = "wb"
            meta.write_text(
                json.dumps({"url": url, "etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}),
                encoding="utf-8",
            )
        length_header = response.headers.get("content-length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if length is not None:
            announced = offset + length
        if announced is not None and announced > max_bytes:
            raise NetworkError(
                f"{url}: the server announces {announced:,} bytes, more than the {max_bytes:,}-byte limit (CRIME_OUTCOMES_MAX_FILE_BYTES)"
            )
        limit = min(x for x in (announced, expected_size, max_bytes) if x is not None)
        if progress is not None and task is not None:
            progress.update(task, total=announced or expected_size, completed=offset)
        written = 0
        with part.open(mode) as fh:
            for chunk in response.iter_raw():  # no re-chunking: every byte received reaches the disk
                if offset + written + len(chunk) > limit:
                    raise _Corrupt(f"the server sent more than the {limit:,} bytes expected")
                fh.write(chunk)
                written += len(chunk)
                if progress is not None and task is not None:
                    progress.advance(task, len(chunk))
            fh.flush()
            os.fsync(fh.fileno())
        if length is not None and written != length:
            raise _Retry(f"the connection closed after {written:,} of {length:,} bytes")
        return resumed, announced


def _verify(part: Path, item: Classified, announced: int | None, expected_sha: str | None) -> tuple[int, str]:
    """Size against the publisher's figure and the server's, zip signature, known hash."""
    size = part.stat().st_size
    stated = item.attachment.file_size
    if stated is not None and size != stated:
        raise _Corrupt(f"got {size:,} bytes but the publisher lists the file as {stated:,} bytes")
    if announced is not None and size != announced:
        raise _Corrupt(f"got {size:,} bytes but the server announced {announced:,}")
    if item.attachment.filename.lower().endswith((".xlsx", ".ods")):
        with part.open("rb") as fh:
            head = fh.read(len(_ZIP_MAGIC))
        if head != _ZIP_MAGIC:
            raise _Corrupt(f"not a spreadsheet (xlsx and ods are zip archives); it starts with {head!r}")
    digest = sha256_file(part)
    if expected_sha is not None and digest != expected_sha:
        raise _Corrupt(f"SHA-256 {digest} differs from {expected_sha} recorded for the same URL")
    return size, digest


def _mark_failed(progress: Progress | None, task: TaskID | None, name: str) -> None:
    if progress is not None and task is not None:
        progress.update(task, description=f"{name} (failed)")


def download_file(
    client: httpx.Client,
    item: Classified,
    directory: Path,
    manifest: Manifest,
    *,
    retry: RetryPolicy | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
    force: bool = False,
) -> DownloadResult:
    """Fetch one file into ``directory`` unless the manifest shows the local copy is current.

    The manifest is saved as soon as the file is in place, so an interrupted run keeps
    what it finished. Raises NetworkError (the ``.part`` file is kept when resumable,
    removed when corrupt) or InputError for an unsafe filename.
    """
    policy = retry or RetryPolicy()
    limit = max_bytes if max_bytes is not None else limits_from_env().max_file_bytes
    attachment = item.attachment
    name = safe_filename(item)
    final = directory / name
    part = directory / f"{name}.part"
    meta = directory / f"{name}.part.json"
    previous = manifest.files.get(name)
    # An asset URL names immutable bytes: a fresh copy from the same URL must hash the same.
    expected_sha = previous.sha256 if previous is not None and previous.url == attachment.url and not force else None
    if expected_sha is not None and final.is_file():
        digest = sha256_file(final)
        if digest == expected_sha:
            return DownloadResult(item, final, "unchanged", final.stat().st_size, digest, previous=previous)

    directory.mkdir(parents=True, exist_ok=True)
    if part.exists() and _read_meta(meta).get("url") != attachment.url:
        _discard(part, meta)  # left over from another edition: useless for resuming

    task = progress.add_task(name, total=attachment.file_size) if progress is not None else None
    resumed = False
    announced: int | None = None
    last: Exception | None = None
    connect_failures = 0
    attempt = 0
    try:
        for attempt in range(1, policy.attempts + 1):
            try:
                did_resume, announced = _transfer(client, attachment.url, part, meta, attachment.file_size, limit, progress, task)
                resumed = resumed or did_resume
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last, connect_failures = exc, connect_failures + 1
            except (httpx.TransportError, _Retry) as exc:
                last = exc
            if attempt < policy.attempts:
                policy.sleep(policy.delay(attempt))
        else:
            if connect_failures == policy.attempts:
                raise offline_error(attachment.url, last or Exception("connection failed"))
            raise NetworkError(
                f"{attachment.url}: the download failed after {policy.attempts} attempts ({last}). "
                f"The part already fetched is kept in {part} and the next run resumes it."
            )
        crash_point("download.part")
        size, digest = _verify(part, item, announced, expected_sha)
    except _Corrupt as exc:
        _discard(part, meta)
        _mark_failed(progress, task, name)
        raise NetworkError(
            f"{attachment.url}: the download is damaged and was removed: {exc}. Run the command again; if it persists the published file may be faulty."
        ) from None
    except BaseException:
        _mark_failed(progress, task, name)
        raise

    os.replace(part, final)
    crash_point("download.placed")
    _discard(meta)
    entry = ManifestEntry(
        filename=name,
        url=attachment.url,
        title=attachment.title,
        kind=item.kind,
        financial_year=item.financial_year,
        edition=item.edition.isoformat() if item.edition else None,
        size=size,
        sha256=digest,
        retrieved_at=_now(),
        media_id=media_id_from_url(attachment.url),
    )
    manifest.record(entry)
    manifest.save()
    return DownloadResult(item, final, "downloaded", size, digest, resumed=resumed, attempts=attempt, previous=previous)


def download_all(
    items: Iterable[Classified],
    directory: Path,
    *,
    client: httpx.Client | None = None,
    manifest: Manifest | None = None,
    listing_url: str | None = None,
    retry: RetryPolicy | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
    force: bool = False,
) -> list[DownloadResult]:
    """Fetch each file in turn (stopping at the first failure; finished files stay recorded).

    A rerun after a failure skips the files already in place and resumes a cut one.
    """
    own_client = client is None
    http = client or make_client()
    results: list[DownloadResult] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        book = manifest if manifest is not None else Manifest.load(directory)
        if listing_url is not None:
            book.listing_url = listing_url
        for item in items:
            if item.taken:
                results.append(download_file(http, item, directory, book, retry=retry, progress=progress, max_bytes=max_bytes, force=force))
        book.save()
    except OSError as exc:
        kept = "the files downloaded before are kept and an unfinished one resumes next time"
        raise disk_error(exc, f"the downloads folder {directory}", changed=kept) or exc from None
    finally:
        if own_client:
            http.close()
    return results
