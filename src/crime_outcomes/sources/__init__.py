"""Getting the official files: find them on GOV.UK, download them, record where they came from.

``discover`` reads the publication's attachment list and sorts each attachment into a file
the tool reads (one outcomes file per financial year, the PFA recorded crime table) or one it
passes over, with the reason. ``download`` fetches the chosen files with resume, checks and
a manifest, so a later run can tell what is new.
"""

from __future__ import annotations

from crime_outcomes.sources.discover import (
    DEFAULT_GOVUK_BASE,
    GOVUK_BASE_ENV,
    PUBLICATION_PATH,
    Attachment,
    Classified,
    Discovery,
    classify,
    discover,
    govuk_base,
    parse_content_api,
    parse_landing_page,
    parse_years,
)
from crime_outcomes.sources.download import (
    MANIFEST_NAME,
    USER_AGENT,
    DownloadResult,
    Manifest,
    ManifestEntry,
    RetryPolicy,
    download_all,
    download_file,
    make_client,
    media_id_from_url,
)

__all__ = [
    "DEFAULT_GOVUK_BASE",
    "GOVUK_BASE_ENV",
    "MANIFEST_NAME",
    "PUBLICATION_PATH",
    "USER_AGENT",
    "Attachment",
    "Classified",
    "Discovery",
    "DownloadResult",
    "Manifest",
    "ManifestEntry",
    "RetryPolicy",
    "classify",
    "discover",
    "download_all",
    "download_file",
    "govuk_base",
    "make_client",
    "media_id_from_url",
    "parse_content_api",
    "parse_landing_page",
    "parse_years",
]
