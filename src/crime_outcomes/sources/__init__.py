"""Getting the official files: find them on GOV.UK, download them, record where they came from.

``discover`` reads the publication's attachment list and sorts each attachment into a file
the tool reads (one outcomes file per financial year, the PFA recorded crime table) or one it
passes over, with the reason. ``download`` fetches the chosen files with resume, checks and
a manifest, so a later run can tell what is new. ``http`` is the client both use.

The names below are loaded on first use: ``ingest`` needs only ``sources.filenames`` and
must not pay for (or depend on) the HTTP stack. The function ``discover`` is not among them:
its name is the submodule's, so use ``crime_outcomes.sources.discover.discover``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crime_outcomes.sources.discover import (
        DEFAULT_GOVUK_BASE,
        GOVUK_BASE_ENV,
        PUBLICATION_PATH,
        Attachment,
        Classified,
        Discovery,
        classify,
        govuk_base,
        parse_content_api,
        parse_landing_page,
        parse_years,
    )
    from crime_outcomes.sources.download import (
        MANIFEST_NAME,
        DownloadResult,
        Manifest,
        ManifestEntry,
        download_all,
        download_file,
        media_id_from_url,
    )
    from crime_outcomes.sources.http import USER_AGENT, RetryPolicy, make_client

_HOMES = {
    "discover": (
        "DEFAULT_GOVUK_BASE",
        "GOVUK_BASE_ENV",
        "PUBLICATION_PATH",
        "Attachment",
        "Classified",
        "Discovery",
        "classify",
        "govuk_base",
        "parse_content_api",
        "parse_landing_page",
        "parse_years",
    ),
    "download": ("MANIFEST_NAME", "DownloadResult", "Manifest", "ManifestEntry", "download_all", "download_file", "media_id_from_url"),
    "http": ("USER_AGENT", "RetryPolicy", "make_client"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

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
    "download_all",
    "download_file",
    "govuk_base",
    "make_client",
    "media_id_from_url",
    "parse_content_api",
    "parse_landing_page",
    "parse_years",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
