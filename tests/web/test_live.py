"""Update while serving: the server works on a snapshot, so an ingest can run beside it.

The figures are the hand-made fixture rows (``web_support.ROWS``): a store holding 2016/17 is
served, 2017/18 is ingested into it by another process, and the API must answer with the sums
over both years without a restart, while a thread polling it sees no failed request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from web_support import fixture_sum, start_server, write_year_csv

from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.web import live as live_module
from crime_outcomes.web.explorer import Explorer
from crime_outcomes.web.live import LiveStore


def one_year_store(folder: Path) -> tuple[Path, Path]:
    """A store holding 2016/17 only, and the 2017/18 file that is not in it yet."""
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        assert ingest_file(store, write_year_csv(folder, "2016/17")).rows_rejected == 0
    return db, write_year_csv(folder, "2017/18")


def test_a_request_finishes_on_the_edition_it_started_with(tmp_path: Path) -> None:
    db, newer = one_year_store(tmp_path)
    live = LiveStore(db, check_every=3600)
    try:
        assert live.current.years == ["2016/17"]
        assert not live.refresh()  # nothing changed
        with live.lease() as old:
            with Store.open(db) as store:  # the server holds no lock, so a writer can open the store
                ingest_file(store, newer)
            assert live.refresh()
            assert live.current.years == ["2016/17", "2017/18"] and live.edition == 2
            # the leased edition is still open and still answers with the data it started with
            assert old.years == ["2016/17"]
            with old.reading() as s:
                assert s.years() == ["2016/17"]
            assert old.store_path is not None and old.store_path.exists()
        assert not old.store_path.exists()  # closed and deleted when its last request ended
        assert live.current.cache is not old.cache  # every edition has its own cache
    finally:
        live.close()


def test_a_copy_taken_while_the_store_changes_is_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store file moving during the copy means the copy may be torn: it is dropped and retried."""
    db, newer = one_year_store(tmp_path)
    live = LiveStore(db, check_every=3600)
    try:
        with Store.open(db) as store:
            ingest_file(store, newer)
        real_copy = live_module.shutil.copyfile

        def copy_then_touch(src: Path, dst: Path) -> Path:
            result = real_copy(src, dst)
            st = os.stat(src)
            os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a write landing mid-copy
            return Path(result)

        monkeypatch.setattr(live_module.shutil, "copyfile", copy_then_touch)
        assert not live.refresh()
        assert live.current.years == ["2016/17"] and live.edition == 1
        monkeypatch.setattr(live_module.shutil, "copyfile", real_copy)
        assert live.refresh()
        assert live.current.years == ["2016/17", "2017/18"]
    finally:
        live.close()


def test_a_store_with_a_write_ahead_log_beside_it_is_not_copied(tmp_path: Path) -> None:
    """A .wal file means an ingest is writing (or died mid-write): keep serving what we have."""
    db, _ = one_year_store(tmp_path)
    live = LiveStore(db, check_every=3600)
    try:
        wal = db.with_name(db.name + ".wal")
        wal.write_bytes(b"")
        os.utime(db, ns=(time.time_ns(), time.time_ns()))
        assert not live.refresh() and live.edition == 1
        wal.unlink()
        assert live.refresh() and live.edition == 2
    finally:
        live.close()


@pytest.mark.slow
def test_ingest_from_another_process_while_serving(tmp_path: Path) -> None:
    """The must-show test of issue 14: no restart, no failed request, the new edition's figures."""
    from crime_outcomes.web import create_app

    db, newer = one_year_store(tmp_path)
    app = create_app(db, check_every=0.2)
    server = start_server(app)
    query = "/api/story?force=kent&outcome=8"
    before = fixture_sum(force="Kent", types=(8,), year="2016/17")
    after = fixture_sum(force="Kent", types=(8,))
    assert (before, after) == (4, 10)
    answers: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.is_set():
                try:
                    r = client.get(query)
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if r.status_code != 200:
                    failures.append(f"{r.status_code}: {r.text[:200]}")
                else:
                    answers.append(r.json()["count"])

    try:
        assert httpx.get(server.url + query, timeout=30).json()["count"] == before
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        done = subprocess.run(
            [sys.executable, "-m", "crime_outcomes", "ingest", "--db", str(db), str(newer)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not answers or answers[-1] != after):
            time.sleep(0.1)
        stop.set()
        poller.join(timeout=30)
        data = httpx.get(server.url + query, timeout=30).json()
        assert data["count"] == after
        assert [(y["year"], y["count"]) for y in data["by_year"]] == [("2016/17", 4), ("2017/18", 6)]
        assert failures == []
        assert before in answers and set(answers) <= {before, after}  # polled across the swap
        assert app.state.live.swaps >= 1
    finally:
        stop.set()
        server.stop()
        app.state.live.close()
    assert app.state.server_errors == 0


def test_a_new_edition_is_prepared_before_it_is_served(tmp_path: Path) -> None:
    """serve computes a new edition's most visited views before readers see it; meanwhile the old one answers."""
    from crime_outcomes.web.pages import warm_default_views

    db, newer = one_year_store(tmp_path)
    live = LiveStore(db, check_every=3600)
    seen: list[tuple[list[str], list[str], int]] = []

    def prepare(explorer: Explorer) -> None:
        seen.append((live.current.years, explorer.years, warm_default_views(explorer, [None, "Kent"])))

    live.before_swap.append(prepare)
    try:
        with Store.open(db) as store:
            ingest_file(store, newer)
        assert live.refresh()
        assert seen == [(["2016/17"], ["2016/17", "2017/18"], 2)]
        cached = len(live.current.cache._data)
        assert cached >= 4  # the two views' stories and charts, computed before the swap
    finally:
        live.close()
