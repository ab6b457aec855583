"""The bundled real sample: the Home Office 2017/18 outcomes (May 2019 edition).

When no data has been loaded, commands answer from this sample so the tool works offline
on real figures. It is loaded through the same ingest path as a download, into a cached
store that is built once per package version. The store it gives knows it is the sample
(``Store.is_sample``); the label and credit live in ``crime_outcomes.store.bundled``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from crime_outcomes.errors import StoreError
from crime_outcomes.store import Store
from crime_outcomes.store.bundled import SAMPLE_CREDIT, SAMPLE_LABEL, SAMPLE_NOTICE, notice, sample_path
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.store.store import SCHEMA_VERSION
from crime_outcomes.version import __version__

__all__ = ["SAMPLE_CREDIT", "SAMPLE_LABEL", "SAMPLE_NOTICE", "notice", "open_sample_store", "sample_path"]


def open_sample_store() -> Store:
    """A read-only store holding only the sample, cached on disk when the cache dir is writable."""
    cache_dir = Path(platformdirs.user_cache_dir("crime-outcomes", appauthor=False))
    cached = cache_dir / f"sample-{__version__}-schema{SCHEMA_VERSION}-{sample_path().stat().st_size}.duckdb"
    if cached.exists():
        try:
            store = Store.open(cached, read_only=True)
            if store.is_sample:
                return store
            store.close()
        except StoreError:
            pass
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=cache_dir, suffix=".duckdb.tmp")
        os.close(fd)
        os.unlink(tmp_name)
        with Store.open(Path(tmp_name)) as building:
            ingest_file(building, sample_path())
            building.mark_sample()
        os.replace(tmp_name, cached)
        return Store.open(cached, read_only=True)
    except (OSError, StoreError):
        store = Store.open(None)
        ingest_file(store, sample_path())
        store.mark_sample()
        return store
