"""``crime-outcomes leads``: the findings worth a story across every force, ranked.

A thin layer over ``crime_outcomes.analysis.leads.leads``; ``--format json`` prints exactly what
``LeadSet.to_json()`` returns (the web API serves the same).
"""

from __future__ import annotations

from typing import Annotated

import typer

from crime_outcomes.analysis.leads import leads as find_leads
from crime_outcomes.cli.app import DbOption, app, handle_errors, open_for_reading
from crime_outcomes.cli.options import BasisOption, FromOption, RulesOption, ToOption, choice, echo_result
from crime_outcomes.errors import SelectionError
from crime_outcomes.outputs.leads_text import render_markdown, render_text

FORMATS = ("text", "markdown", "json")


@app.command("leads")
@handle_errors
def leads_command(
    force: Annotated[
        str | None, typer.Option("--force", "-f", help="Only this force's leads (default: every force).", show_default=False)
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", "-o", help="Outcome type or group; repeat for several (default: every group).", show_default=False),
    ] = None,
    first: FromOption = None,
    last: ToOption = None,
    top: Annotated[int | None, typer.Option("--top", "-n", help="Show only the N best leads.", show_default=False)] = None,
    basis: BasisOption = "closed",
    rules: RulesOption = None,
    output_format: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
    db: DbOption = None,
) -> None:
    """Ranked leads: findings worth a story for every force, outcome group and offence, with the reason for each."""
    output_format = choice(output_format, FORMATS, "--format")
    with open_for_reading(db) as store:
        try:
            result = find_leads(
                store, force=force, outcome=outcome or None, from_year=first, to_year=last, top=top, basis=basis, rules=rules
            )
        except SelectionError as exc:
            hint = {"from": "--from", "to": "--to"}.get(exc.parameter, f"--{exc.parameter}")
            raise typer.BadParameter(exc.problem, param_hint=hint) from None
    echo_result(result, output_format, render_text, render_markdown)
