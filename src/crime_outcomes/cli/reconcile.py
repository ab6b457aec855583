"""``crime-outcomes reconcile``: the store's totals against published figures.

A thin layer over ``crime_outcomes.analysis.reconcile``: one line per published figure (agrees,
differs with the reason, not loaded), a summary, and exit code 8 when a difference has no known
reason.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from crime_outcomes.analysis.reconcile import AGREES, NOT_LOADED, Result, Target, load_targets
from crime_outcomes.analysis.reconcile import reconcile as compare
from crime_outcomes.cli.app import DbOption, app, console, escape, handle_errors, open_for_reading
from crime_outcomes.cli.story import ListFormat
from crime_outcomes.errors import EXIT_RECONCILE
from crime_outcomes.text import number


@app.command()
@handle_errors
def reconcile(
    db: DbOption = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="A reference file of published figures (default: the shipped one).", show_default=False),
    ] = None,
    format: Annotated[ListFormat, typer.Option("--format", help="text or json.")] = ListFormat.text,
) -> None:
    """Check the store's totals against published Home Office and other figures."""
    targets = load_targets(reference)
    with open_for_reading(db) as store:
        results = compare(store, targets)
        label = store.label
    if format == ListFormat.json:
        print(json.dumps({"store": label, "results": [r.to_json() for r in results]}, indent=2))
    else:
        for r in results:
            console.print(escape(_line(r)), highlight=False, soft_wrap=True)
        console.print(escape(_summary(results)), highlight=False)
    if not all(r.explained for r in results):
        raise typer.Exit(EXIT_RECONCILE)


def _value(t: Target, value: Fraction) -> str:
    if t.measure == "share":
        return f"{float(value):.1f}%"
    if value.denominator == 1:
        return number(int(value))
    return f"{float(value):,.1f}"


def _line(r: Result) -> str:
    t = r.target
    where = f"{t.basis} basis, {t.force or 'England and Wales'}; {t.publisher}, {t.edition}; {t.link}"
    if r.status == NOT_LOADED:
        return f"not loaded: {t.what} ({where}): {r.reasons[0].removeprefix('not loaded: ')}"
    assert r.store_value is not None or r.status != AGREES
    store = "none" if r.store_value is None else _value(t, r.store_value)
    head = f"{t.what}: store {store}, published {_value(t, t.value)} ({where})"
    if r.status == AGREES:
        return f"agrees: {head}"
    if r.reasons:
        return f"differs: {head}; " + "; ".join(r.reasons)
    return f"DIFFERS, no known reason: {head}"


def _summary(results: list[Result]) -> str:
    agree = sum(r.status == AGREES for r in results)
    absent = sum(r.status == NOT_LOADED for r in results)
    explained = sum(r.status not in (AGREES, NOT_LOADED) and r.explained for r in results)
    unexplained = sum(not r.explained for r in results)
    return (
        f"{agree} agree, {explained} differ for a known reason, {absent} not loaded, "
        f"{unexplained} differ for no known reason (of {len(results)} published figures)."
    )
