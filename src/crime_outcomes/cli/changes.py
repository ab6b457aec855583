"""``crime-outcomes changes``: what each edition loaded changed, force by force.

A thin layer over ``analysis.changes.changes``: the text and Markdown come from
``outputs.changes_text``; the JSON is exactly what ``/api/changes`` returns.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crime_outcomes.analysis.changes import changes
from crime_outcomes.cli.app import DbOption, app, handle_errors, open_for_reading
from crime_outcomes.cli.options import choice, echo_result
from crime_outcomes.outputs.changes_text import render_markdown, render_text

FORMATS = ("text", "markdown", "json")


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
    echo_result(result, output_format, render_text, render_markdown)
