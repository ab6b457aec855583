"""``crime-outcomes leads`` as a user runs it, on the bundled real sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crime_outcomes.analysis.leads import leads
from crime_outcomes.cli import app
from crime_outcomes.sample import open_sample_store


@pytest.fixture()
def invoke(tmp_path: Path):
    runner = CliRunner()
    env = {"CRIME_OUTCOMES_DB": str(tmp_path / "empty.duckdb"), "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


def test_json_is_exactly_what_leads_returns(invoke) -> None:
    result = invoke("leads", "--outcome", "community-resolution", "--top", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    with open_sample_store() as store:
        expected = leads(store, outcome="community-resolution", top=5).to_json()
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))


def test_text_and_markdown(invoke) -> None:
    text = invoke("leads", "-o", "community-resolution", "--top", "3")
    assert text.exit_code == 0, text.output
    assert "the top 3 of" in text.stdout and "2. [share-of-national · West Midlands · community resolutions, 11A" in text.stdout
    assert "(604 of 725)" in text.stdout and "crime-outcomes offence 11A --outcome community-resolution" in text.stdout
    md = invoke("leads", "--force", "West Midlands", "-o", "8", "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Leads for West Midlands") and "(604 of 725)" in md.stdout


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("--top", "0"), 2, "--top"),
        (("--outcome", "nonsense"), 2, "--outcome"),
        (("--from", "2019/20", "--to", "2017/18"), 2, "--from"),
        (("--force", "Atlantis"), 6, "unknown force"),
        (("--from", "2014/15"), 6, "not loaded"),
    ],
)
def test_bad_options(invoke, args: tuple[str, ...], code: int, needle: str) -> None:
    result = invoke("leads", *args)
    assert result.exit_code == code, result.output
    assert needle in result.output
