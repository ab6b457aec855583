"""Every hostile or broken input gives its documented outcome through the real CLI.

Each case runs ``crime-outcomes ingest`` in a subprocess (a reader that aborts the process
must not take pytest with it) against a copy of a store that already holds a small valid
file. Rejected: the documented exit code, a message naming the file (and sheet, row,
column where they exist), no traceback, and the store exactly as it was (row counts of
every table and the ``sources`` rows). Loaded: every row read is loaded or quarantined
with a reason, in the documented numbers.

The cases run three at a time (they are mostly process start-up); the whole corpus takes
well under a minute on a 2-core machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from corpus import CASES, DECEPTIVE_CLEAN, LATIN1_TEXT, MARKUP, QUARANTINED, REJECTED, RICH_MARKUP, Case, rows, valid_xlsx, write_csv  # noqa: E402

from crime_outcomes.errors import EXIT_LIMIT, EXIT_OK, EXIT_STORE  # noqa: E402
from crime_outcomes.store import Store  # noqa: E402
from crime_outcomes.testing.workbooks import HEADERS_CURRENT  # noqa: E402

pytestmark = pytest.mark.slow  # the inner loop (-m "not slow") leaves these to the full run

CLI = [sys.executable, "-m", "crime_outcomes"]
BIG_ROWS = 150_000  # a few seconds of ingest: long enough to collide with or to kill


# Runs a command and prints its peak memory and CPU time: a fresh, small process forks it, so
# the figures are the command's own (Linux keeps a process's peak across fork and exec). CPU
# time, unlike wall time, does not grow when the machine is busy with other work.
MEASURE = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "sys.stderr.write(f'\\nMAXRSS_KB={usage.ru_maxrss}\\nCPU_SECONDS={usage.ru_utime + usage.ru_stime:.2f}\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_cli(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120, measure: bool = False, **kw: object
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    full_env.pop("CRIME_OUTCOMES_DB", None)
    command = [sys.executable, "-c", MEASURE, *CLI[1:], *args] if measure else [*CLI, *args]
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=timeout, **kw)  # type: ignore[call-overload]


def flat(text: str) -> str:
    return " ".join(text.split())


def fingerprint(db: Path) -> tuple[dict[str, int], list[tuple[object, ...]]]:
    """Row counts of every table and the sources rows: equal fingerprints = unchanged store."""
    with Store.open(db, read_only=True) as store:
        return store.table_counts(), store.fetchall("SELECT * FROM sources ORDER BY source_id")


@pytest.fixture(scope="session")
def baseline_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one small valid file (84 rows), ingested through the CLI."""
    d = tmp_path_factory.mktemp("baseline")
    src = valid_xlsx(d / "baseline.xlsx")
    db = d / "baseline.duckdb"
    done = run_cli(["ingest", str(src), "--db", str(db)])
    assert done.returncode == EXIT_OK, done.stderr
    counts, sources = fingerprint(db)
    assert counts["outcomes"] == 84 and len(sources) == 1
    return db


@dataclass
class Result:
    case: Case
    path: Path
    db: Path
    proc: subprocess.CompletedProcess[str]
    cpu_seconds: float


@pytest.fixture(scope="session")
def corpus_results(baseline_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    root = tmp_path_factory.mktemp("corpus")

    def one(case: Case) -> Result:
        d = root / case.name
        d.mkdir()
        path = case.build(d)
        db = d / "store.duckdb"
        shutil.copy(baseline_store, db)
        proc = run_cli(["ingest", str(path), "--db", str(db)], env=case.env, measure=True)
        return Result(case, path, db, proc, float(proc.stderr.rsplit("CPU_SECONDS=", 1)[1].split()[0]))

    with ThreadPoolExecutor(max_workers=3) as pool:
        return {r.case.name: r for r in pool.map(one, CASES)}


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_outcome(case: Case, corpus_results: dict[str, Result], baseline_store: Path) -> None:
    r = corpus_results[case.name]
    out = flat(r.proc.stdout + " " + r.proc.stderr)
    assert "Traceback" not in r.proc.stderr + r.proc.stdout, r.proc.stderr
    assert r.proc.returncode == case.exit_code, f"exit {r.proc.returncode}, expected {case.exit_code}: {out[:2000]}"
    assert r.path.name in out, f"the output does not name the file {r.path.name!r}: {out[:2000]}"
    for word in case.message:
        assert word in out, f"{word!r} missing from: {out[:2000]}"
    for word in case.stdout:
        assert word in flat(r.proc.stdout), f"{word!r} missing from stdout: {r.proc.stdout[:2000]}"
    if case.outcome == REJECTED:
        assert "Rejected:" in r.proc.stderr
        assert fingerprint(r.db) == fingerprint(baseline_store), "a rejected file changed the store"
        return
    with Store.open(r.db, read_only=True) as store:
        src = store.records("SELECT * FROM sources WHERE superseded_by IS NULL ORDER BY source_id DESC LIMIT 1")[0]
        reasons = [row[0] for row in store.fetchall("SELECT reason FROM rejected_rows WHERE source_id = ?", [src["source_id"]])]
        loaded = store.fetchone("SELECT count(*) FROM outcomes WHERE source_id = ?", [src["source_id"]])[0]
        loaded += store.fetchone("SELECT count(*) FROM alternate_outcomes WHERE source_id = ?", [src["source_id"]])[0]
    assert src["file_name"] == r.path.name
    assert src["rows_read"] == src["rows_loaded"] + src["rows_rejected"]
    assert src["rows_loaded"] == loaded
    assert src["rows_rejected"] == len(reasons) == case.rejected_rows, reasons
    for word in case.reasons:
        assert any(word in reason for reason in reasons), (word, reasons)
    if case.outcome == QUARANTINED:
        assert "rejected" in flat(r.proc.stdout)


def test_no_case_needs_more_than_seconds(corpus_results: dict[str, Result]) -> None:
    """Bombs are rejected in seconds of CPU, not after exhausting memory or time (a hang ends at run_cli's timeout)."""
    slow = {name: r.cpu_seconds for name, r in corpus_results.items() if r.cpu_seconds > 20}
    assert not slow


# --------------------------------------------------------------------------------------------
# Markup from data is shown as text


def test_markup_prints_as_text(corpus_results: dict[str, Result]) -> None:
    db = corpus_results["markup-in-offence-text"].db
    query = "SELECT description, offence_group, offence_subgroup FROM offences WHERE description LIKE '%script%'"
    table = run_cli(["sql", query, "--db", str(db)])
    assert table.returncode == 0, table.stderr
    assert MARKUP in table.stdout and RICH_MARKUP in table.stdout, table.stdout
    assert "<b>Group</b> & <i>co</i>" in table.stdout
    as_json = run_cli(["sql", query, "--db", str(db), "--format", "json"])
    record = json.loads(as_json.stdout)[0]
    assert record["description"] == f"{MARKUP} {RICH_MARKUP} =1+1"
    assert record["offence_subgroup"] == "@SUM(A1) [link](javascript:alert(1))"
    as_csv = run_cli(["sql", query, "--db", str(db), "--format", "csv"])
    assert MARKUP in as_csv.stdout

    named = corpus_results["markup-in-file-name"]
    status = run_cli(["status", "--db", str(named.db)])
    assert status.returncode == 0, status.stderr
    assert named.path.name in flat(status.stdout), status.stdout

    quarantined = corpus_results["force-name-with-markup"]
    with Store.open(quarantined.db, read_only=True) as store:
        raw = store.fetchone("SELECT raw FROM rejected_rows")[0]
    assert json.loads(raw)["Force Name"] == MARKUP


def test_latin1_text_is_decoded(corpus_results: dict[str, Result]) -> None:
    db = corpus_results["csv-latin-1"].db
    got = run_cli(
        ["sql", "SELECT DISTINCT description FROM offences WHERE description LIKE 'Dommage%'", "--db", str(db), "--format", "json"]
    )
    assert json.loads(got.stdout) == [{"description": LATIN1_TEXT}]


def _text_values(db: Path) -> list[str]:
    """Every text value in every table of the store."""
    with Store.open(db, read_only=True) as store:
        columns = store.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' AND data_type = 'VARCHAR'"
        )
        return [
            v
            for table, column in columns
            for (v,) in store.fetchall(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
        ]


def test_deceptive_characters_never_reach_the_store(corpus_results: dict[str, Result]) -> None:
    """Right-to-left override, zero-width, bidi isolate, C0 and C1 characters: none is stored,
    in any table (offences, rejected rows' raw text, sources' sheet names and notes)."""
    from crime_outcomes.readers.text import count_unsafe

    for name in ("deceptive-characters-in-text", "c0-controls-in-csv-text", "deceptive-sheet-name-and-header"):
        values = _text_values(corpus_results[name].db)
        assert values and not [v for v in values if count_unsafe(v)], name
    values = _text_values(corpus_results["deceptive-characters-in-text"].db)
    assert DECEPTIVE_CLEAN in values and "Violence against the person" in values
    assert "Theft[31m red of a bicycle" in _text_values(corpus_results["c0-controls-in-csv-text"].db)
    assert "Outcomes_2017-18" in _text_values(corpus_results["deceptive-sheet-name-and-header"].db)


@pytest.mark.slow
def test_a_200_mb_description_is_refused_in_seconds_and_little_memory(baseline_store: Path, tmp_path: Path) -> None:
    """The measured attack: one data row carrying a 200 MB offence description. It is
    refused before parsing (row, column, length and limit named), in seconds, under 500 MB,
    and the store is as it was."""
    column = HEADERS_CURRENT.index("Offence Description")
    path = tmp_path / "huge-description.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADERS_CURRENT) + "\n")
        for i, r in enumerate(rows()):
            cells = ["" if v is None else str(v) for v in r]
            if i == 10:  # written in pieces: the test itself never holds 200 MB
                fh.write(",".join(cells[:column]) + ",")
                for _ in range(200):
                    fh.write("A" * 1_000_000)
                fh.write("," + ",".join(cells[column + 1 :]) + "\n")
            else:
                fh.write(",".join(cells) + "\n")
    db = tmp_path / "store.duckdb"
    shutil.copy(baseline_store, db)
    proc = run_cli(["ingest", str(path), "--db", str(db)], measure=True)
    err = flat(proc.stderr)
    assert proc.returncode == EXIT_LIMIT, err
    assert "huge-description.csv', row 12, column 'Offence Description'" in err
    assert "found 200,000,1" in err and "at most 65,536 bytes" in err and "CRIME_OUTCOMES_MAX_LINE_BYTES" in err
    peak_kb = int(err.rsplit("MAXRSS_KB=", 1)[1].split()[0])
    cpu_seconds = float(err.rsplit("CPU_SECONDS=", 1)[1].split()[0])
    assert cpu_seconds < 30, cpu_seconds
    assert peak_kb < 500 * 1024, f"peak {peak_kb / 1024:.0f} MB"
    assert fingerprint(db) == fingerprint(baseline_store)


# --------------------------------------------------------------------------------------------
# The store itself: read-only, locked, killed mid-write


def _big_csv(path: Path, n: int = BIG_ROWS) -> Path:
    """A valid file big enough that an ingest takes a few seconds."""
    from crime_outcomes.testing.workbooks import synthetic_rows

    return write_csv(path, [list(r) for r in synthetic_rows(n, 3, headers=HEADERS_CURRENT)])


def _set_immutable(path: Path, on: bool) -> bool:
    """chattr +i: the one way to make a folder read-only for root (CI runs as root)."""
    if not shutil.which("chattr"):
        return False
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


def test_store_in_read_only_directory(baseline_store: Path, tmp_path: Path) -> None:
    """Writing is refused with exit 4 and a message; reading still works; nothing changes."""
    d = tmp_path / "readonly"
    d.mkdir()
    db = d / "store.duckdb"
    shutil.copy(baseline_store, db)
    src = valid_xlsx(tmp_path / "new.xlsx")
    before = fingerprint(db)
    db.chmod(0o444)
    d.chmod(0o555)
    locked: list[Path] = []
    if os.geteuid() == 0:  # permission bits do not stop root
        for p in (db, d):
            if not _set_immutable(p, True):
                for q in locked:
                    _set_immutable(q, False)
                d.chmod(0o755)
                pytest.skip("running as root and chattr +i is not available here")
            locked.append(p)
    try:
        ingest = run_cli(["ingest", str(src), "--db", str(db)])
        fresh = run_cli(["ingest", str(src), "--db", str(d / "new-store.duckdb")])
        status = run_cli(["status", "--db", str(db)])
    finally:
        for p in locked:
            _set_immutable(p, False)
        d.chmod(0o755)
        db.chmod(0o644)
    for proc in (ingest, fresh):
        assert proc.returncode == EXIT_STORE, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "store" in flat(proc.stderr) and str(d) in flat(proc.stderr)
    assert status.returncode == 0, status.stderr
    assert "baseline.xlsx" in status.stdout
    assert fingerprint(db) == before


def _wait_for_lock(db: Path, proc: subprocess.Popen[str], timeout: float = 30) -> bool:
    """True once ``proc`` holds a lock on the store file (read from /proc/locks, which
    takes no lock itself: probing by opening the store would race with the process)."""
    inode = db.stat().st_ino
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if len(fields) > 5 and fields[4] == str(proc.pid) and fields[5].rsplit(":", 1)[-1] == str(inode):
                return True
        time.sleep(0.01)
    return False


def _popen(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_ingests_at_once(baseline_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(baseline_store, db)
    big = _big_csv(tmp_path / "big.csv")
    small = valid_xlsx(tmp_path / "small.xlsx", data=rows(seed=99))
    first = _popen(["ingest", str(big), "--db", str(db)])
    try:
        assert _wait_for_lock(db, first), "the first ingest never took the store's lock"
        second = run_cli(["ingest", str(small), "--db", str(db)])
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == EXIT_STORE, second.stderr
    assert "Traceback" not in second.stderr
    assert "in use by another crime-outcomes process" in flat(second.stderr)
    with Store.open(db, read_only=True) as store:
        assert [r[0] for r in store.fetchall("SELECT file_name FROM sources WHERE superseded_by IS NULL")] == ["big.csv"]


def test_killed_ingest_leaves_store_as_it_was(baseline_store: Path, tmp_path: Path) -> None:
    """kill -9 while the new rows are being written: the store opens, holds exactly its
    previous contents, and accepts the same file afterwards.

    The write phase is found by watching the store file: DuckDB starts writing the new
    row groups into it (before the commit) after the file has been read and normalised.
    """
    big = _big_csv(tmp_path / "big.csv")
    before = fingerprint(baseline_store)
    reference = tmp_path / "reference.duckdb"
    shutil.copy(baseline_store, reference)
    assert run_cli(["ingest", str(big), "--db", str(reference)]).returncode == 0
    after = fingerprint(reference)
    unchanged_after_kill = 0
    for attempt in range(3):
        db = tmp_path / f"store-{attempt}.duckdb"
        shutil.copy(baseline_store, db)
        wal = Path(str(db) + ".wal")
        size = db.stat().st_size
        proc = _popen(["ingest", str(big), "--db", str(db)])
        assert _wait_for_lock(db, proc)
        while proc.poll() is None and not wal.exists() and db.stat().st_size == size:
            time.sleep(0.001)
        time.sleep(0.004 * attempt)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        state = fingerprint(db)  # the store opens: DuckDB recovers from its WAL
        assert state in (before, after), f"attempt {attempt}: the store is neither as it was nor fully loaded"
        if killed and state == before:
            unchanged_after_kill += 1
        if attempt == 0:
            again = run_cli(["ingest", str(big), "--db", str(db)])
            assert again.returncode == 0, again.stderr
            assert fingerprint(db)[0] == after[0]
    assert unchanged_after_kill >= 2, "the ingest was never killed mid-write"


# --------------------------------------------------------------------------------------------
# Exit codes and tracebacks


def test_traceback_only_with_debug(tmp_path: Path) -> None:
    """A store that is not a store: one message and exit 4, the traceback only with --debug."""
    src = valid_xlsx(tmp_path / "ok.xlsx")
    not_a_store = tmp_path / "not-a-store.duckdb"
    not_a_store.write_bytes(b"this is not a database" * 100)
    plain = run_cli(["ingest", str(src), "--db", str(not_a_store)])
    debug = run_cli(["--debug", "ingest", str(src), "--db", str(not_a_store)])
    assert plain.returncode == EXIT_STORE and "Traceback" not in plain.stderr
    assert str(not_a_store) in flat(plain.stderr)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_bad_limit_setting_is_a_usage_error(tmp_path: Path) -> None:
    src = valid_xlsx(tmp_path / "ok.xlsx")
    for value in ("abc", "-5", "0"):
        done = run_cli(["ingest", str(src), "--db", str(tmp_path / "s.duckdb")], env={"CRIME_OUTCOMES_MAX_ROWS": value})
        assert done.returncode == 2, done.stderr
        assert "CRIME_OUTCOMES_MAX_ROWS" in done.stderr and "Traceback" not in done.stderr


def test_limits_can_be_lowered_by_environment(tmp_path: Path) -> None:
    """A limit set in the environment applies: a small valid file breaks a tiny cell limit."""
    from crime_outcomes.settings import limits_from_env

    src = valid_xlsx(tmp_path / "ok.xlsx")
    done = run_cli(["ingest", str(src), "--db", str(tmp_path / "s.duckdb")], env={"CRIME_OUTCOMES_MAX_FILE_BYTES": "1000"})
    assert done.returncode == 7 and "CRIME_OUTCOMES_MAX_FILE_BYTES" in flat(done.stderr)
    os.environ["CRIME_OUTCOMES_MAX_CELLS"] = "1_000"
    try:
        assert limits_from_env().max_cells == 1000
    finally:
        del os.environ["CRIME_OUTCOMES_MAX_CELLS"]


def test_internal_errors_are_one_line_with_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from crime_outcomes.cli.app import STATE, handle_errors

    @handle_errors
    def broken() -> None:
        raise ValueError("boom")

    monkeypatch.setitem(STATE, "debug", False)
    with pytest.raises(typer.Exit) as exit_:
        broken()
    assert exit_.value.exit_code == 1
    monkeypatch.setitem(STATE, "debug", True)
    with pytest.raises(ValueError):
        broken()


def test_a_reader_that_never_returns_is_stopped(baseline_store: Path, tmp_path: Path) -> None:
    """The net under the guards: a parse past CRIME_OUTCOMES_MAX_PARSE_SECONDS ends the
    process with exit 7 and a message, and the store keeps its contents."""
    db = tmp_path / "store.duckdb"
    shutil.copy(baseline_store, db)
    src = valid_xlsx(tmp_path / "slow.xlsx", data=rows(seed=5, n=3000))
    done = run_cli(["ingest", str(src), "--db", str(db)], env={"CRIME_OUTCOMES_MAX_PARSE_SECONDS": "0.001"})
    assert done.returncode == EXIT_LIMIT, done.stderr
    assert "CRIME_OUTCOMES_MAX_PARSE_SECONDS" in flat(done.stderr) and "slow.xlsx" in flat(done.stderr)
    assert "Traceback" not in done.stderr
    assert fingerprint(db) == fingerprint(baseline_store)
