"""Fixtures for the web tests: the two-year store, live servers on free loopback ports, a browser.

Helpers and the hand-made fixture rows live in ``web_support`` (importable by the test modules).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import AXE_JS, CHROMIUM, CHROMIUM_ARGS, LiveServer, chromium_available, start_server, write_year_csv

from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file


@pytest.fixture(scope="session")
def two_year_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding 2016/17 and 2017/18 for three forces, one offence description holding markup."""
    folder = tmp_path_factory.mktemp("two-year")
    db = folder / "two-year.duckdb"
    with Store.open(db) as store:
        for year in ("2016/17", "2017/18"):
            report = ingest_file(store, write_year_csv(folder, year))
            assert report.rows_rejected == 0, report.rejected_reasons
    return db


@pytest.fixture(scope="session")
def empty_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store path with nothing at it: the app (like the CLI) falls back to the bundled sample."""
    return tmp_path_factory.mktemp("no-store") / "none.duckdb"


# ------------------------------------------------------------------------------ live servers


@pytest.fixture(scope="session")
def sample_server(empty_db_path: Path) -> Iterator[LiveServer]:
    from crime_outcomes.web import create_app

    live = start_server(create_app(empty_db_path))
    yield live
    live.stop()
    assert live.app.state.server_errors == 0


@pytest.fixture(scope="session")
def fixture_server(two_year_store: Path) -> Iterator[LiveServer]:
    from crime_outcomes.web import create_app

    live = start_server(create_app(two_year_store))
    yield live
    live.stop()
    assert live.app.state.server_errors == 0


# ------------------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/run installs it with apt")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True
        )
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE_JS} is missing: .ci/run installs axe-core with npm into tests/web")
        pytest.skip("axe-core is not installed: npm install --prefix tests/web")
    return AXE_JS
