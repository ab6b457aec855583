"""The public API: the names ``import crime_outcomes`` offers, and the README's Python example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import crime_outcomes as co
from crime_outcomes.store.bundled import sample_path

REPO = Path(__file__).resolve().parents[1]

PUBLIC = {
    "CrimeOutcomesError",
    "DiskError",
    "ExportError",
    "InputError",
    "Lead",
    "LeadSet",
    "LimitError",
    "NetworkError",
    "NotFoundError",
    "Selection",
    "SelectionError",
    "Store",
    "StoreError",
    "Story",
    "__version__",
    "changes",
    "export",
    "ingest",
    "leads",
    "offence",
    "open_store",
    "story",
    "update",
    "write_all",
    "write_pack",
}


def python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CRIME_OUTCOMES_DB"}
    env["CRIME_OUTCOMES_DB"] = str((cwd or REPO) / "no-store-here.duckdb")  # so the sample answers
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, check=False)


def test_public_names() -> None:
    assert set(co.__all__) == PUBLIC
    for name in co.__all__:
        assert getattr(co, name) is not None, name
    assert issubclass(co.StoreError, co.CrimeOutcomesError) and issubclass(co.InputError, co.CrimeOutcomesError)
    assert callable(co.open_store) and callable(co.story) and callable(co.export)


def test_selection_and_offence_through_the_api() -> None:
    """One Selection serves story() and offence(); a bad value is a SelectionError naming it."""
    sel = co.Selection(outcome="community-resolution")
    with co.open_store() as store:
        kent = co.story(store, force="Kent", selection=sel)
        view = co.offence(store, "11A", selection=sel)
    assert kent.count == 2204 and kent.outcome_types == (8,)
    assert {o.code: o.national_count for o in kent.offences}["11A"] == view.count == 725  # test_offence.py checks 725 against the extract
    with pytest.raises(co.SelectionError) as caught:
        co.Selection(basis="both")
    assert caught.value.parameter == "basis" and caught.value.allowed == ["closed", "recorded"]


def test_public_functions_win_over_modules_of_the_same_name() -> None:
    import crime_outcomes.store.export
    import crime_outcomes.store.ingest  # noqa: F401

    assert co.ingest.__module__ == "crime_outcomes.pipeline"
    assert co.export.__module__ == "crime_outcomes.store.export"
    assert not any(isinstance(getattr(co, name), type(sys)) for name in co.__all__)


def test_importing_the_package_is_cheap_and_the_type_hints_ship() -> None:
    done = python("import sys, crime_outcomes; print(sorted(m for m in ('duckdb', 'polars', 'httpx', 'pyarrow') if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
    assert (REPO / "src" / "crime_outcomes" / "py.typed").is_file()
    assert '"py.typed"' in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_ingest_does_not_load_the_http_stack() -> None:
    done = python("import sys, crime_outcomes.store.ingest; print('httpx' in sys.modules)")
    assert done.stdout == "False\n", done.stderr


@pytest.mark.slow
def test_ingest_and_open_store_for_writing(tmp_path: Path) -> None:
    with co.open_store(tmp_path / "mine.duckdb", read_only=False) as store:
        assert not store.is_sample and store.is_empty()
        reports = co.ingest(store, sample_path())
        assert [r.status for r in reports] == ["loaded"]
        assert reports[0].rows_read == reports[0].rows_loaded + reports[0].rows_rejected
    with co.open_store(tmp_path / "mine.duckdb") as reading:
        assert not reading.is_sample and reading.read_only
        assert co.story(reading, force="Kent").count == 2204
    with co.open_store(tmp_path / "nothing-here.duckdb") as fallback:
        assert fallback.is_sample
    assert not (tmp_path / "nothing-here.duckdb").exists()


def readme_python() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_python_example_runs_and_prints_what_the_readme_says(tmp_path: Path) -> None:
    done = python(readme_python(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "West Midlands: 3,834 community resolutions of 229,297 outcomes\n"
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"which prints, from the sample, `{done.stdout.strip()}`" in readme


def test_the_one_liner_from_the_issue() -> None:
    done = python("import crime_outcomes as co; print(co.story(co.open_store(), force='Kent').count)")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2204\n"
