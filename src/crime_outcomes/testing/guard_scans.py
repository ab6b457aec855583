"""The sheet scans as they were before the native pre-checks: the reference the tests compare the
guards with, and the baseline ``bench/guards.py`` times them against.

Each sends every candidate tag through Python's ``re`` (and every ods row through ``handle``),
so whatever the RE2 pre-check lets the guards skip, these still look at.
"""

from __future__ import annotations

from crime_outcomes.readers import guards


class ReferenceXlsx(guards._XlsxScanner):
    """The xlsx quick scan as it was: every ``<c``/``<row`` through Python's re."""

    def _scan(self, buf: bytes, safe_end: int) -> None:
        self._check_counts(buf, safe_end)
        if guards._XLSX_PREFIXED.search(buf, self.skip, safe_end + 8):
            self.unusual = True
            return
        guards._Carry._scan(self, buf, safe_end)


class ReferenceOds(guards._OdsContentScanner):
    """The ods scan as it was: every row start tag through Python's re and ``handle``."""

    def _scan(self, buf: bytes, safe_end: int) -> None:
        self._check_spaces(buf, safe_end)
        guards._Carry._scan(self, buf, safe_end)
