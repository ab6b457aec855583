"""``crime-outcomes similar`` as a user runs it, on the bundled real sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crime_outcomes.analysis.story import story
from crime_outcomes.cli import app
from crime_outcomes.sample import open_sample_store


@pytest.fixture()
def invoke(tmp_path: Path):
    runner = CliRunner()
    env = {"CRIME_OUTCOMES_DB": str(tmp_path / "empty.duckdb"), "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


def test_json_is_the_story_figures(invoke) -> None:
    result = invoke("similar", "--force", "west midlands", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    with open_sample_store() as store:
        s = story(store, force="West Midlands", outcome="8")
    assert s.similar is not None and s.standardised is not None
    assert data["similar"] == json.loads(json.dumps(s.similar.to_json()))
    assert data["this_force"]["count"] == 3834 and data["this_force"]["ratio"] == s.standardised.ratio
    assert [f["force"] for f in data["similar"]["forces"]] == [
        "South Yorkshire",
        "West Yorkshire",
        "Essex",
        "Merseyside",
        "Nottinghamshire",
        "Thames Valley",
    ]


def test_text_table(invoke) -> None:
    result = invoke("similar", "--force", "Kent", "--outcome", "charged")
    assert result.exit_code == 0, result.output
    assert "Forces most like Kent Police in the crime they deal with: charges and summonses, 2017/18" in result.stdout
    assert "Kent (this force)" in result.stdout and "Hampshire" in result.stdout and "England and Wales" in result.stdout


def test_not_territorial_is_not_found(invoke) -> None:
    result = invoke("similar", "--force", "British Transport Police")
    assert result.exit_code == 6
    assert "not a territorial force" in result.output


def test_bad_format_is_a_usage_error(invoke) -> None:
    result = invoke("similar", "--force", "Kent", "--format", "xml")
    assert result.exit_code == 2
