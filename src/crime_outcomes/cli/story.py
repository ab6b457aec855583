"""Commands for the force story: ``story``, ``offence``, and the look-ups ``forces`` and ``outcomes``.

``story`` parses options, calls ``crime_outcomes.analysis.story.story`` and prints one of the
three renderings. Option mistakes are reported by Typer with the allowed values (exit 2);
asking for something the store does not hold is a NotFoundError (exit 6).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from crime_outcomes.analysis.offence import offence as build_offence
from crime_outcomes.analysis.selection import DEFAULT_PER
from crime_outcomes.analysis.story import story as build_story
from crime_outcomes.cli.app import DbOption, app, handle_errors, open_for_reading
from crime_outcomes.cli.options import (
    BasisOption,
    FromOption,
    OutcomeOption,
    PerOption,
    RulesOption,
    ToOption,
    choice,
    echo_result,
    story_options,
)
from crime_outcomes.normalise.forces import FORCES, FRAUD
from crime_outcomes.normalise.glossary import load_glossary
from crime_outcomes.normalise.outcome_types import ALL_OUTCOMES, OUTCOME_GROUPS, OUTCOME_TYPES
from crime_outcomes.outputs.glossary_text import outcome_types_json, render_glossary_text
from crime_outcomes.outputs.story_text import render_markdown, render_offence_text, render_text

FORMATS = ("text", "markdown", "json")
OFFENCE_FORMATS = ("text", "json")


class ListFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("story")
@handle_errors
def story_command(
    force: Annotated[
        str | None,
        typer.Option(
            "--force", "-f", help='Force name, matched forgivingly ("west midlands", "Met", "West Midlands Police").', show_default=False
        ),
    ] = None,
    national: Annotated[bool, typer.Option("--national", help="England and Wales (all 44 forces) instead of one force.")] = False,
    outcome: OutcomeOption = "community-resolution",
    first: FromOption = None,
    last: ToOption = None,
    basis: BasisOption = "closed",
    per: PerOption = "outcomes",
    rules: RulesOption = None,
    output_format: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
    db: DbOption = None,
) -> None:
    """The force story: count, share, national comparison and rank, trend, offences and notable offences."""
    if national and force:
        raise typer.BadParameter("give either --force NAME or --national, not both", param_hint="--national")
    if not national and not force:
        raise typer.BadParameter(
            "give --force NAME (see `crime-outcomes forces`) or --national for England and Wales", param_hint="--force"
        )
    options = story_options(outcome, first, last, basis, per, rules)
    output_format = choice(output_format, FORMATS, "--format")

    with open_for_reading(db) as store:
        result = build_story(store, force=None if national else force, selection=options)
    echo_result(result, output_format, render_text, render_markdown)


@app.command("offence")
@handle_errors
def offence_command(
    code: Annotated[
        str, typer.Argument(metavar="CODE", help="Offence code as published, e.g. 11A, 8N or 1/4.1/4.10/4.2.", show_default=False)
    ],
    outcome: OutcomeOption = "community-resolution",
    first: FromOption = None,
    last: ToOption = None,
    basis: BasisOption = "closed",
    rules: RulesOption = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json (the JSON of /api/offence).")] = "text",
    db: DbOption = None,
) -> None:
    """One offence across England and Wales: which forces gave the outcome for it, and the national series."""
    selection = story_options(outcome, first, last, basis, DEFAULT_PER, rules)
    output_format = choice(output_format, OFFENCE_FORMATS, "--format")
    with open_for_reading(db) as store:
        result = build_offence(store, code, selection=selection)
    echo_result(result, output_format, render_offence_text)


@app.command("forces")
def forces_command(
    output_format: Annotated[ListFormat, typer.Option("--format", help="text or json.")] = ListFormat.text,
) -> None:
    """List the forces: canonical name, slug and kind (fraud reporting bodies are not forces)."""
    rows = [f for f in FORCES.values() if f.kind != FRAUD]
    rows.sort(key=lambda f: (f.kind != "territorial", f.name))
    if output_format is ListFormat.json:
        typer.echo(json.dumps([{"name": f.name, "slug": f.slug, "kind": f.kind, "country": f.country or None} for f in rows], indent=2))
        return
    width = max(len(f.name) for f in rows)
    slug_width = max(len(f.slug) for f in rows)
    typer.echo(f"{'Force'.ljust(width)}  {'Slug'.ljust(slug_width)}  Kind")
    for f in rows:
        typer.echo(f"{f.name.ljust(width)}  {f.slug.ljust(slug_width)}  {f.kind}{' (' + f.country + ')' if f.country else ''}")
    typer.echo(
        f"\n{sum(f.kind == 'territorial' for f in rows)} territorial forces (ranked) plus British Transport Police make England and Wales."
    )


@app.command("outcomes")
def outcomes_command(
    output_format: Annotated[ListFormat, typer.Option("--format", help="text or json.")] = ListFormat.text,
) -> None:
    """List outcome types 0-22 and the named groups --outcome accepts, each explained in plain English."""
    glossary = load_glossary()
    if output_format is ListFormat.json:
        typer.echo(json.dumps(outcome_types_json(), indent=2, ensure_ascii=False))
        return
    typer.echo("Type  Description (as published)")
    for t in OUTCOME_TYPES.values():
        note = f"  [{t.note}]" if t.note else ""
        typer.echo(f"{str(t.number).rjust(4)}  {t.label}{note}")
    typer.echo("\nGroups for --outcome")
    width = max(len(n) for n in OUTCOME_GROUPS)
    for name, (types, label) in OUTCOME_GROUPS.items():
        shown = "1-22" if tuple(types) == ALL_OUTCOMES else ",".join(str(t) for t in types)
        typer.echo(f"  {name.ljust(width)}  {shown.ljust(14)}  {label}")
    typer.echo("\nShares divide by all outcomes, types 1-22 (never type 0, never 1a/2a/3a).")
    typer.echo("\nWhat each outcome means\n-----------------------\n")
    typer.echo(render_glossary_text(glossary), nl=False)
