"""``crime-outcomes similar``: the forces most like one force, with their figures beside its own.

A thin layer: ``story()`` computes the most similar forces (``analysis.similar``) with their
shares and standardised ratios; this prints them as a table or as JSON.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from crime_outcomes.analysis.fair import READER_NOTES
from crime_outcomes.analysis.story import Story
from crime_outcomes.analysis.story import story as build_story
from crime_outcomes.cli.app import DbOption, app, escape, handle_errors, open_for_reading
from crime_outcomes.cli.options import BasisOption, FromOption, OutcomeOption, ToOption, choice, story_options
from crime_outcomes.errors import NotFoundError
from crime_outcomes.text import number, percent

FORMATS = ("text", "json")


def similar_json(s: Story) -> dict[str, Any]:
    """The force's own figures, then its most similar forces' (the story JSON's ``similar``)."""
    assert s.similar is not None
    st = s.standardised
    return {
        "force": s.force.to_json(),
        "outcome": {"types": list(s.outcome_types), "label": s.outcome_label},
        "period": {"from": s.first, "to": s.last},
        "basis": s.basis,
        "this_force": {
            "count": s.count,
            "denominator": s.denominator,
            "share": s.share,
            "expected": st.expected if st else None,
            "ratio": st.ratio if st else None,
            "adjusted_verdict": s.funnel.adjusted_verdict if s.funnel else None,
        },
        "similar": s.similar.to_json(),
        "national": s.national.to_json(),
    }


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


@app.command("similar")
@handle_errors
def similar_command(
    force: Annotated[str, typer.Option("--force", "-f", help="Force name, matched forgivingly.", show_default=False)],
    outcome: OutcomeOption = "community-resolution",
    first: FromOption = None,
    last: ToOption = None,
    basis: BasisOption = "closed",
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    db: DbOption = None,
) -> None:
    """The territorial forces most like this one in the crime they deal with, with their shares and ratios."""
    options = story_options(outcome, first, last, basis, "outcomes", None)
    output_format = choice(output_format, FORMATS, "--format")
    with open_for_reading(db) as store:
        s = build_story(store, force=force, selection=options)
    if s.similar is None:
        raise NotFoundError(f"{s.force.name} is not a territorial force: most similar forces are found among the territorial forces only")
    data = similar_json(s)
    if output_format == "json":
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    period = s.first if s.first == s.last else f"{s.first} to {s.last}"
    rows = [("Force", "Distance", "Count", "Share", "Ratio to expected")]
    mine = data["this_force"]
    rows.append((f"{s.force.name} (this force)", "", number(s.count), percent(s.share, 1), _ratio(mine["ratio"])))
    for f in s.similar.forces:
        rows.append(
            (f.force, f"{f.distance:.2f}", number(f.count), percent(f.share, 1), _ratio(f.standardised.ratio if f.standardised else None))
        )
    rows.append(("England and Wales", "", number(s.national.count), percent(s.national.share, 1), "1.00"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    typer.echo(escape(f"Forces most like {s.force.display} in the crime they deal with: {s.outcome_label}, {period} ({s.basis} basis)"))
    for i, r in enumerate(rows):
        typer.echo(escape("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(r))))
        if i == 0:
            typer.echo("  ".join("-" * w for w in widths))
    typer.echo("")
    typer.echo(escape(READER_NOTES["similar"]))
    typer.echo(escape("Ratio to expected: " + READER_NOTES["standardised"]))
