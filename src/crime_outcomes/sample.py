"""The bundled real sample: the Home Office 2017/18 outcomes (May 2019 edition).

When no data has been loaded, commands answer from this sample so the tool works offline
on real figures. It is loaded through the same ingest path as a download, into a cached
store that is built once per package version.
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

import platformdirs

from crime_outcomes import __version__
from crime_outcomes.errors import StoreError
from crime_outcomes.store import Store
from crime_outcomes.store.store import SCHEMA_VERSION

SAMPLE_LABEL = "2017/18 sample; expired offence codes absent"
SAMPLE_CREDIT = (
    "Contains public sector information licensed under the Open Government Licence v3.0: "
    "Home Office, Police recorded crime and outcomes open data tables, 2017/18 (May 2019 edition)."
)
SAMPLE_NOTICE = (
    "No data loaded yet: using the bundled {label} ({credit_short}). "
    "Run `crime-outcomes update` to fetch every year."
)


def sample_path() -> Path:
    return Path(str(resources.files("crime_outcomes").joinpath("data/sample/outcomes-2017-18-sample.parquet")))


def notice() -> str:
    return SAMPLE_NOTICE.format(label=SAMPLE_LABEL, credit_short="Home Office, OGL v3.0")


def open_sample_store() -> Store:
    """A read-only store holding only the sample, cached on disk when the cache dir is writable."""
    from crime_outcomes.ingest import ingest_file

    cache_dir = Path(platformdirs.user_cache_dir("crime-outcomes", appauthor=False))
    cached = cache_dir / f"sample-{__version__}-schema{SCHEMA_VERSION}-{sample_path().stat().st_size}.duckdb"
    if cached.exists():
        try:
            return Store.open(cached, read_only=True, label=SAMPLE_LABEL)
        except StoreError:
            pass
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=cache_dir, suffix=".duckdb.tmp")
        os.close(fd)
        os.unlink(tmp_name)
        with Store.open(Path(tmp_name)) as building:
            ingest_file(building, sample_path())
        os.replace(tmp_name, cached)
        return Store.open(cached, read_only=True, label=SAMPLE_LABEL)
    except (OSError, StoreError):
        store = Store.open(None, label=SAMPLE_LABEL)
        ingest_file(store, sample_path())
        return store
