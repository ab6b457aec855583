"""Where a lead says to look next exists: its explorer page (view in the URL) answers, and its command runs."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crime_outcomes.analysis.leads import Lead, leads
from crime_outcomes.cli import app as cli_app
from crime_outcomes.sample import open_sample_store


@pytest.mark.slow
def test_each_kinds_best_lead_links_to_a_page_and_a_command(empty_db_path: Path) -> None:
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app

    with open_sample_store() as store:
        found = leads(store)
    best: dict[str, Lead] = {}
    for lead in found.leads:
        best.setdefault(lead.kind, lead)
    assert set(best) == {"share-of-national", "serious-out-of-court", "outside-limits"}  # one year: no change or first-time
    web = create_app(empty_db_path)
    runner = CliRunner()
    try:
        with TestClient(web) as client:
            for lead in best.values():
                page = client.get(lead.look.web)
                assert page.status_code == 200, (lead.look.web, page.status_code)
                args = shlex.split(lead.look.cli)
                assert args[0] == "crime-outcomes"
                result = runner.invoke(cli_app, args[1:], env={"CRIME_OUTCOMES_DB": str(empty_db_path), "COLUMNS": "200"})
                assert result.exit_code == 0, (lead.look.cli, result.output)
                assert lead.force.name in result.stdout or lead.force.display in result.stdout
    finally:
        web.state.live.close()
