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
    """Resource limits for one source file; each can be raised for a legitimate giant file."""

    max_file_bytes: int = 1 << 30  # 1 GiB on disk
    max_member_bytes: int = 3 << 30  # 3 GiB uncompressed for one zip member (real ods: ~2 GB)
    max_total_uncompressed_bytes: int = 4 << 30
    max_compression_ratio: float = 200.0  # real files: 10-30; bombs: 1000+
    ratio_applies_above_bytes: int = 50 << 20  # small members may compress very well
    max_rows: int = 1_048_576  # a spreadsheet sheet cannot hold more


def limits_from_env() -> Limits:
    """Limits, each overridable by ``CRIME_OUTCOMES_<NAME>`` (e.g. CRIME_OUTCOMES_MAX_ROWS)."""
    values = {}
    for name, field_ in Limits.__dataclass_fields__.items():
        env = os.environ.get(f"CRIME_OUTCOMES_{name.upper()}")
        if env:
            values[name] = float(env) if field_.type == "float" else int(env)
    return Limits(**values)
