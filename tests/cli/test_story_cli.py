"""``crime-outcomes story``, ``forces`` and ``outcomes`` as a user runs them.

CRIME_OUTCOMES_DB points at an empty temporary path, so every command answers from the
bundled real 2017/18 sample (with its notice on stderr).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crime_outcomes.analysis.story import story
from crime_outcomes.cli import app
from crime_outcomes.sample import open_sample_store

EXTRACT = Path(os.environ.get("CRIME_OUTCOMES_EXTRACT", "/work/shared/data/outcomes-2017-18-may2019-extract.csv.gz"))


@pytest.fixture()
def invoke(tmp_path: Path):
    runner = CliRunner()
    env = {"CRIME_OUTCOMES_DB": str(tmp_path / "empty.duckdb"), "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


@pytest.fixture(scope="module")
def west_midlands_sums() -> tuple[int, int, int]:
    """(West Midlands type 8, West Midlands types 1-22, England and Wales type 8), closed basis."""
    if not EXTRACT.exists():
        pytest.skip("the real extract is not available")
    wm8 = wm_all = national8 = 0
    with gzip.open(EXTRACT, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] == "NA" or rec["force_outcomes_recorded_in_quarter"] == "NA":
                continue
            t, value = int(rec["outcome_type"]), int(rec["force_outcomes_recorded_in_quarter"])
            if t == 8:
                national8 += value
            if rec["force_name"] == "West Midlands" and 1 <= t <= 22:
                wm_all += value
                wm8 += value if t == 8 else 0
    return wm8, wm_all, national8


def test_story_text_for_west_midlands(invoke) -> None:
    result = invoke("story", "--force", "West Midlands")
    assert result.exit_code == 0, result.output
    assert (
        "West Midlands Police issued 3,834 community resolutions in 2017/18 — 1.7% of all 229,297 crime outcomes in its area."
        in result.stdout
    )
    assert "Rank by share" in result.stdout and "Caveats" in result.stdout
    assert "bundled 2017/18 sample" in result.stderr


def test_story_json_equals_the_extract(invoke, west_midlands_sums: tuple[int, int, int]) -> None:
    result = invoke(
        "story", "--force", "west midlands police", "--outcome", "8", "--from", "2017/18", "--to", "2017/18", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    wm8, wm_all, national8 = west_midlands_sums
    assert (data["count"], data["denominator"], data["national"]["count"]) == (wm8, wm_all, national8) == (3834, 229297, 101893)
    assert data["share"] == wm8 / wm_all
    with open_sample_store() as store:
        assert data == json.loads(json.dumps(story(store, force="West Midlands").to_json(), ensure_ascii=False))


def test_story_markdown_and_national(invoke) -> None:
    md = invoke("story", "--force", "Met", "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Community resolutions: the Metropolitan Police, 2017/18\n")
    assert "## Notable offences" in md.stdout
    national = invoke("story", "--national", "--format", "json")
    data = json.loads(national.stdout)
    assert data["force"]["kind"] == "national" and data["count"] == 101893 and data["rank"] is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--force", "Kent", "--basis", "opened"], "closed, recorded"),
        (["--force", "Kent", "--per", "people"], "outcomes, recorded-crime"),
        (["--force", "Kent", "--format", "pdf"], "text, markdown, json"),
        (["--force", "Kent", "--outcome", "99"], "community-resolution"),
        (["--force", "Kent", "--from", "2017"], "2014/15"),
        (["--force", "Kent", "--from", "2017/18", "--to", "2016/17"], "backwards"),
        (["--force", "Kent", "--national"], "not both"),
        ([], "--national"),
        (["--force", "Kent", "--rules", "/no/such/rules.toml"], "no rules file"),
    ],
)
def test_bad_options_exit_2_with_allowed_values(invoke, args: list[str], needle: str) -> None:
    result = invoke("story", *args)
    assert result.exit_code == 2, result.output
    assert needle in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--force", "Narnia"], "unknown force 'Narnia'"),
        (["--force", "West Midland"], "West Midlands"),
        (["--force", "Kent", "--from", "2014/15"], "loaded years: 2017/18"),
        (["--force", "Kent", "--per", "recorded-crime"], "recorded crime"),
    ],
)
def test_not_found_exits_6(invoke, args: list[str], needle: str) -> None:
    result = invoke("story", *args)
    assert result.exit_code == 6, result.output
    assert needle in " ".join(result.stderr.split())


def test_rules_file_changes_notable(invoke, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('version = 1\n[[rule]]\nid = "shops"\nlabel = "Shoplifting, for the test"\ncodes = ["46"]\n', encoding="utf-8")
    result = invoke("story", "--force", "West Midlands", "--rules", str(rules), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [n["code"] for n in data["notable"]] == ["46"]
    assert data["notable"][0]["rules"] == [
        {
            "id": "shops",
            "label": "Shoplifting, for the test",
            "basis": "editorial",
            "governs": [],
            "source": None,
            "applies": False,
            "effective_from": None,
            "effective_to": None,
        }
    ]
    assert data["source"]["rules"]["source"] == str(rules)


def test_forces_and_outcomes_lists(invoke) -> None:
    forces = invoke("forces", "--format", "json")
    assert forces.exit_code == 0
    rows = json.loads(forces.stdout)
    assert len(rows) == 44
    assert sum(r["kind"] == "territorial" for r in rows) == 43
    assert {"name": "West Midlands", "slug": "west-midlands", "kind": "territorial", "country": "England"} in rows
    assert not any(r["name"] == "Action Fraud" for r in rows)
    text = invoke("forces")
    assert "british-transport-police" in text.stdout and "non-territorial" in text.stdout
    outcomes = invoke("outcomes", "--format", "json")
    data = json.loads(outcomes.stdout)
    assert data["groups"]["out-of-court"]["types"] == [2, 3, 6, 7, 8, 22]
    assert [t["type"] for t in data["types"]] == list(range(23))
    assert data["types"][0]["in_all_outcomes"] is False and data["types"][8]["in_all_outcomes"] is True
    plain = invoke("outcomes")
    assert "community-resolution" in plain.stdout and "Community Resolution" in plain.stdout
    # The glossary: every type explained, with its sources; answers no source states are marked.
    assert data["types"][8]["glossary"]["name"] == "community resolution"
    assert data["types"][8]["glossary"]["conviction"] == "no"
    assert all(t["glossary"]["sources"] for t in data["types"])
    assert all(g["is"] for g in data["groups"].values())
    for t in range(23):
        assert f"Type {t}: " in plain.stdout
    assert "Type 8: community resolution" in plain.stdout and "  Is it a conviction? No." in plain.stdout
    assert "  Is it a conviction? No, and paying it is not an admission of guilt. (not confirmed by a listed source)" in plain.stdout
    assert "https://www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables" in plain.stdout


def test_installed_command(tmp_path: Path) -> None:
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(tmp_path / "none.duckdb")}
    done = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "story", "--force", "West Midlands", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 3834
