"""The HTTP client both discovery and download use: who we say we are, timeouts, retries.

Kept apart from ``discover`` and ``download`` so that neither has to import the other for
its client, and so that nothing below the sources layer loads httpx by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from crime_outcomes.errors import NetworkError
from crime_outcomes.version import __version__

USER_AGENT = f"crime-outcomes/{__version__} (+https://github.com/crime-outcomes)"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0)

OFFLINE_ADVICE = (
    "To work offline, download the files by hand from "
    "https://www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables "
    "and run `crime-outcomes ingest FILE...`."
)


def make_client(timeout: httpx.Timeout | float | None = None) -> httpx.Client:
    """An HTTP client that names the tool (a polite User-Agent) and follows redirects.

    GOV.UK redirects superseded asset URLs to their replacement, hence the redirects.
    """
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=True,
    )


def offline_error(url: str, exc: Exception) -> NetworkError:
    """The error for a connection that cannot be made at all: say so, and how to go on offline."""
    host = urlsplit(url).netloc or url
    return NetworkError(f"cannot connect to {host}: there is no network connection, or the site is unreachable ({exc}). {OFFLINE_ADVICE}")


@dataclass
class RetryPolicy:
    """How often and how patiently to retry: exponential back-off, ``sleep`` swappable for tests."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Wait before retry ``attempt`` + 1 (attempt counts from 1)."""
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
