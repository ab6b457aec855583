"""The options ``story`` and ``pack`` share, their checks, and the output formats every report command prints, written once.

Both commands select the same findings (outcome, period, basis, denominator, rules); they are
checked once, by ``Selection``, and a mistake becomes Typer's usage error naming the option
and the allowed values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer

from crime_outcomes.analysis.selection import Selection
from crime_outcomes.errors import SelectionError

OutcomeOption = Annotated[
    str,
    typer.Option("--outcome", "-o", help="Outcome type (8), several (2,3) or a group (community-resolution, out-of-court, charged...)."),
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First financial year, e.g. 2014/15 (default: the first loaded).", show_default=False)
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last financial year, e.g. 2017/18 (default: the last loaded).", show_default=False)
]
BasisOption = Annotated[
    str, typer.Option("--basis", help="closed (decisions made in the period) or recorded (crimes recorded in the period).")
]
PerOption = Annotated[str, typer.Option("--per", help="Denominator: outcomes (all outcomes, types 1-22) or recorded-crime.")]
RulesOption = Annotated[
    Path | None, typer.Option("--rules", help="A seriousness rules file (TOML) replacing the built-in rules.", show_default=False)
]


def choice(value: str, allowed: tuple[str, ...], hint: str) -> str:
    """``value`` folded to lower case if it is one of ``allowed``; else a usage error."""
    folded = value.strip().lower()
    if folded not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}", param_hint=hint)
    return folded


def _cli_spelling(parameter: str, value: str) -> str:
    return f"--{parameter} {value}"


def story_options(outcome: str, first: str | None, last: str | None, basis: str, per: str, rules: Path | None) -> Selection:
    """The shared options as a checked Selection; a bad one is a usage error naming the option."""
    try:
        return Selection.parse(outcome=outcome, first=first, last=last, basis=basis, per=per, rules=rules, spelling=_cli_spelling)
    except SelectionError as exc:
        raise typer.BadParameter(exc.problem, param_hint=f"--{exc.parameter}") from None


class _HasJson(Protocol):
    def to_json(self) -> Any: ...


R = TypeVar("R", bound=_HasJson)


def echo_result(result: R, output_format: str, text: Callable[[R], str], markdown: Callable[[R], str] | None = None) -> None:
    """Print a command's result in the format asked for: its JSON (the API's, byte for byte), Markdown or text."""
    if output_format == "json":
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "markdown" and markdown is not None:
        typer.echo(markdown(result), nl=False)
    else:
        typer.echo(text(result), nl=False)
