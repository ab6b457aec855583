"""``crime-outcomes changes``: what each edition loaded changed, force by force.

A thin layer over ``analysis.changes.changes``: the text and Markdown come from
``outputs.changes_text``; the JSON is exactly what ``/api/changes`` returns.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crime_outcomes.analysis.changes import Changes, changes
from crime_outcomes.cli.app import DbOption, app, handle_errors, open_for_reading
from crime_outcomes.cli.options import choice
from crime_outcomes.outputs.changes_text import render_markdown, render_text

FORMATS = ("text", "markdown", "json")


def print_changes(result: Changes, output_format: str) -> None:
    if output_format == "json":
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        typer.echo(render_markdown(result), nl=False)
    else:
        typer.echo(render_text(result), nl=False)


@app.command("changes")
@handle_errors
def changes_command(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only editions dated after this one: an edition date, YYYY-MM-DD.", show_default=False),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, markdown or json (the JSON of /api/changes).")] = "text",
    db: DbOption = None,
) -> None:
    """What each edition loaded changed: the new year's figures, the back-years revised, and the leads new or gone, force by force."""
    output_format = choice(output_format, FORMATS, "--format")
    with open_for_reading(db) as store:
        result = changes(store, since=since)
    print_changes(result, output_format)
