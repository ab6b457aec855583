"""Several files at once: read in worker processes, written in order, the store as a serial load leaves it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from crime_outcomes.errors import InputError, LimitError, Location
from crime_outcomes.pipeline import ingest
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import IngestReport, ingest_files
from crime_outcomes.testing.workbooks import HEADERS_2019, extract_rows, write_outcomes_workbook

ROWS = 1_500
YEAR = HEADERS_2019.index("Financial Year")
FORCE = HEADERS_2019.index("Force Name")
CLOSED = HEADERS_2019.index("Force outcomes recorded in quarter")
TABLES = (
    "sources",
    "outcomes",
    "outcomes_annual",
    "outcomes_wide",
    "outcomes_missing",
    "alternate_outcomes",
    "offences",
    "outcome_labels",
    "rejected_rows",
    "revisions",
)


def year_rows(year: str, *, bump: int = 0, bad_force_at: int | None = None) -> list[list[object]]:
    """The real extract's first rows relabelled as ``year``; ``bump`` adds to every closed count."""
    out = []
    for i, row in enumerate(extract_rows(limit=ROWS)):
        row = list(row)
        row[YEAR] = year
        if bump and isinstance(row[CLOSED], int):
            row[CLOSED] += bump
        if i == bad_force_at:
            row[FORCE] = "Nowhere Constabulary"
        out.append(row)
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, extract_path: Path) -> list[Path]:
    """Loaded, rejected, replaced and repeated files, in an order that exercises each."""
    d = tmp_path_factory.mktemp("many")
    first = write_outcomes_workbook(d / "prc-outcomes-open-data-mar2016-tables.xlsx", year_rows("2015/16", bad_force_at=7), HEADERS_2019)
    second = write_outcomes_workbook(d / "prc-outcomes-open-data-mar2017-tables.ods", year_rows("2016/17"), HEADERS_2019)
    broken = d / "prc-outcomes-open-data-mar2018-tables.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a whole workbook")
    third = write_outcomes_workbook(d / "prc-outcomes-open-data-mar2018-tables-230519.xlsx", year_rows("2017/18"), HEADERS_2019)
    newer = write_outcomes_workbook(d / "prc-outcomes-open-data-mar2016-tables-240520.xlsx", year_rows("2015/16", bump=1), HEADERS_2019)
    again = d / "copy-of-prc-outcomes-open-data-mar2017-tables.ods"
    shutil.copyfile(second, again)
    return [first, second, broken, third, newer, again, d / "missing.xlsx"]


def load(db: Path, paths: list[Path], workers: int) -> list[tuple[Path, IngestReport | InputError]]:
    with Store.open(db) as store:
        return list(ingest_files(store, [(p, None) for p in paths], workers=workers))


def contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with Store.open(db, read_only=True) as store:
        out = {}
        for table in TABLES:
            columns = "* EXCLUDE (loaded_at)" if table == "sources" else "*"
            out[table] = sorted(store.fetchall(f"SELECT {columns} FROM {table}"), key=repr)
        return out


def summary(outcome: IngestReport | InputError) -> tuple[object, ...]:
    if isinstance(outcome, InputError):
        return (type(outcome).__name__, str(outcome))
    return (outcome.status, outcome.years, outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected, len(outcome.revisions))


@pytest.mark.slow
def test_parallel_ingest_leaves_the_store_a_serial_one_leaves(tmp_path: Path, files: list[Path]) -> None:
    serial = load(tmp_path / "serial.duckdb", files, workers=1)
    parallel = load(tmp_path / "parallel.duckdb", files, workers=2)
    assert [p for p, _ in parallel] == files
    assert [summary(o) for _, o in parallel] == [summary(o) for _, o in serial]
    # What each file did, in order: loaded (one row rejected), loaded, rejected, loaded,
    # replaced the first (every force-year closed total moved by the bump), unchanged, missing.
    got = [summary(o)[0] for _, o in parallel]
    assert got == ["loaded", "loaded", "InputError", "loaded", "replaced", "unchanged", "InputError"]
    first, newer = parallel[0][1], parallel[4][1]
    assert isinstance(first, IngestReport) and isinstance(newer, IngestReport)
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (ROWS, ROWS - 1, 1)
    assert first.rejected_reasons == {
        "unknown force name (not one of the 43 territorial forces, British Transport Police or a fraud body)": 1
    }
    assert newer.revisions and all(r.basis == "closed" for r in newer.revisions)
    assert contents(tmp_path / "parallel.duckdb") == contents(tmp_path / "serial.duckdb")


@pytest.mark.slow
def test_every_row_is_accounted_for_and_the_counts_match_the_extract(tmp_path: Path, files: list[Path]) -> None:
    outcomes = load(tmp_path / "s.duckdb", [files[1], files[3]], workers=2)
    expected_closed = sum(r[CLOSED] for r in year_rows("2017/18") if isinstance(r[CLOSED], int))
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        for _path, report in outcomes:
            assert isinstance(report, IngestReport)
            assert report.rows_read == report.rows_loaded + report.rows_rejected == ROWS
        stored = store.fetchall("SELECT financial_year, sum(closed) FROM outcomes GROUP BY 1 ORDER BY 1")
        read = store.fetchall("SELECT sum(rows_read) FROM sources")[0][0]
    assert stored == [("2016/17", expected_closed), ("2017/18", expected_closed)]
    assert read == 2 * ROWS


@pytest.mark.slow
def test_the_library_stops_at_the_first_rejected_file_and_keeps_those_before(tmp_path: Path, files: list[Path]) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError) as info:
            ingest(store, [files[0], files[2], files[3]], workers=2)
        assert info.value.where.file == str(files[2])
        assert store.fetchall("SELECT DISTINCT financial_year FROM outcomes") == [("2015/16",)]


def test_errors_cross_process_boundaries_whole() -> None:
    import pickle

    error = LimitError(Location("f.ods", "Data", 12, "Force Name"), "too many", expected="at most 1", found="2")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is LimitError
    assert (back.where, back.problem, back.expected, back.found, str(back)) == (
        error.where,
        error.problem,
        error.expected,
        error.found,
        str(error),
    )


@pytest.mark.slow
def test_a_reader_process_that_dies_is_reported_for_its_file(tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # The crash point kills the process that reaches it: here the worker reading each file,
    # which also shows the caller's environment reaching the workers.
    monkeypatch.setenv("CRIME_OUTCOMES_CRASH_AT", "ingest.read")
    outcomes = load(tmp_path / "s.duckdb", [files[0], files[1]], workers=2)
    for path, outcome in outcomes:
        assert isinstance(outcome, InputError) and not isinstance(outcome, LimitError)
        assert outcome.where.file == str(path)
        assert "was killed by signal 9 before it finished" in outcome.problem
    monkeypatch.delenv("CRIME_OUTCOMES_CRASH_AT")
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        assert store.fetchone("SELECT count(*) FROM sources")[0] == 0


@pytest.mark.slow
def test_a_reader_past_its_time_limit_is_refused_with_the_limit_named(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRIME_OUTCOMES_MAX_PARSE_SECONDS", "0.000001")
    outcomes = load(tmp_path / "s.duckdb", [files[0], files[3]], workers=2)
    for path, outcome in outcomes:
        assert isinstance(outcome, LimitError)
        assert (outcome.where.file, outcome.exit_code) == (str(path), 7)
        assert outcome.problem.startswith("the spreadsheet reader was still busy after 1e-06 s (CRIME_OUTCOMES_MAX_PARSE_SECONDS)")


def test_the_tables_come_back_through_a_spool_folder_that_is_removed_afterwards(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    seen: list[list[str]] = []

    def spools() -> list[str]:
        return sorted(str(p.relative_to(spool_root)) for p in spool_root.rglob("*"))

    with Store.open(tmp_path / "s.duckdb") as store:
        loads = ingest_files(store, [(files[0], None), (files[1], None), (files[3], None)], workers=2)
        path, first = next(loads)
        seen.append(spools())
        assert isinstance(first, IngestReport) and first.rows_loaded == ROWS - 1  # one row names no force
        loads.close()  # stopped early: the worker still reading is ended and the folder goes
        assert spools() == []
        rows = store.fetchone("SELECT count(*) FROM outcomes")
    assert rows == (ROWS - 1,)
    # While the call ran, one folder held a numbered folder per file read, emptied as each was taken back.
    (folder,) = {entry.split("/")[0] for entry in seen[0]}
    assert folder.startswith("crime-outcomes-ingest-")
    assert f"{folder}/0" in seen[0] and not any(entry.startswith(f"{folder}/0/") for entry in seen[0])


def test_without_a_temporary_folder_the_tables_come_back_through_the_pipe(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_folder(*args: object, **kwargs: object) -> str:
        raise PermissionError("no temporary folder can be written")

    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    outcomes = load(tmp_path / "s.duckdb", [files[0], files[1]], workers=2)
    assert [summary(o) for _, o in outcomes] == [("loaded", ["2015/16"], ROWS, ROWS - 1, 1, 0), ("loaded", ["2016/17"], ROWS, ROWS, 0, 0)]
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        assert store.fetchone("SELECT count(*) FROM outcomes") == (2 * ROWS - 1,)


def test_a_spool_file_gone_before_it_is_read_back_rejects_that_file_only(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import crime_outcomes.store.ingest as ingest_module

    real = ingest_module._unspool
    taken: list[list[str]] = []

    def lose_the_second(sheets: list[object], paths: list[str]) -> None:
        taken.append(paths)
        if len(taken) == 2:
            for p in paths:
                Path(p).unlink()  # as a cleaner of temporary folders might
        real(sheets, paths)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "_unspool", lose_the_second)
    outcomes = load(tmp_path / "s.duckdb", [files[0], files[1], files[3]], workers=2)
    assert len(taken) == 3
    lost = [o for _, o in outcomes if isinstance(o, InputError)]
    assert len(lost) == 1 and lost[0].problem.startswith("the rows read from this file could not be taken back from the temporary folder")
    assert lost[0].found and "No such file" in lost[0].found
    loaded = sorted(o.years[0] for _, o in outcomes if isinstance(o, IngestReport))
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        assert [r[0] for r in store.fetchall("SELECT DISTINCT financial_year FROM outcomes ORDER BY 1")] == loaded
        assert len(loaded) == 2
