"""Settings: where the store lives and the resource limits applied to source files.

Limits were chosen from the sizes of the real published files (see the README, "Errors
and limits"): the largest outcomes xlsx is ~45 MB with sheet XML of a few hundred MB, the
PFA ods has a ``content.xml`` of ~360 MB, and 2019-era ods editions run to ~2 GB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from crime_outcomes.errors import EXIT_USAGE, CrimeOutcomesError

DB_ENV = "CRIME_OUTCOMES_DB"


def default_db_path() -> Path:
    """The store: ``$CRIME_OUTCOMES_DB`` if set, else ``crime-outcomes.duckdb`` in the user data dir."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("crime-outcomes", appauthor=False)) / "crime-outcomes.duckdb"


def default_downloads_dir() -> Path:
    return Path(platformdirs.user_data_dir("crime-outcomes", appauthor=False)) / "downloads"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one source file; each can be raised for a legitimate giant file.

    Defaults come from files of the real shape written at full size (700,000 rows, see the
    README, "Errors and limits"): xlsx 35 MB on disk with a 503 MB sheet part compressed
    14:1; ods 25 MB with a 905 MB ``content.xml`` compressed 36:1 (90:1 at the strongest
    deflate level). Published 2019 ods editions reach ~2 GB of ``content.xml``.
    """

    max_file_bytes: int = 1 << 30  # 1 GiB on disk; real files are 15-45 MB
    max_member_bytes: int = 3 << 30  # one zip part inflated; real ods content.xml up to ~2 GB
    max_total_uncompressed_bytes: int = 4 << 30  # all parts together
    max_compression_ratio: float = 300.0  # real parts 14-90:1; deflate bombs sit near 1000:1
    ratio_applies_above_bytes: int = 50 << 20  # small parts may compress very well
    max_rows: int = 1_048_576  # a spreadsheet sheet cannot hold more
    max_cells: int = 40_000_000  # the grid the reader allocates; a full 13-column sheet is 13.6M
    max_members: int = 10_000  # zip parts; real workbooks have about 12
    max_parse_seconds: float = 600.0  # one call into the native reader; a 700k-row file takes ~6 s
    # Text bounds, from the longest values in the real 2017/18 file (README, "Errors and limits").
    max_text_chars: int = 1_000  # descriptions and groups; the longest published is 91
    max_name_chars: int = 100  # force names, codes, years, quarters, counts; the longest is 24
    max_header_chars: int = 200  # a header cell; the longest published is 49
    max_sheet_name_chars: int = 100  # xlsx allows 31; the longest published is 27
    max_columns: int = 64  # the published sheets have 11-13
    max_line_bytes: int = 65_536  # one CSV line, checked before parsing; the longest real one is 357
    max_overlong_share: float = 0.01  # more rows than this share (and more than 10) with an over-long cell: refused


class SettingsError(CrimeOutcomesError):
    """A setting from the environment cannot be used."""

    exit_code = EXIT_USAGE


def limits_from_env() -> Limits:
    """Limits, each overridable by ``CRIME_OUTCOMES_<NAME>`` (e.g. CRIME_OUTCOMES_MAX_ROWS).

    A value that is not a positive number stops with a message naming the variable, rather
    than a traceback or a silently ignored limit.
    """
    values: dict[str, float | int] = {}
    for name, field_ in Limits.__dataclass_fields__.items():
        var = f"CRIME_OUTCOMES_{name.upper()}"
        env = os.environ.get(var)
        if env is None or not env.strip():
            continue
        text = env.strip().replace("_", "").replace(",", "")
        try:
            value: float | int = float(text) if field_.type == "float" else int(text)
        except ValueError:
            raise SettingsError(f"{var}={env!r} is not a {'number' if field_.type == 'float' else 'whole number'}") from None
        if not value > 0:
            raise SettingsError(f"{var}={env!r} must be greater than zero")
        values[name] = value
    return Limits(**values)  # type: ignore[arg-type]
