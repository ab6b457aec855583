"""The options ``story`` and ``pack`` share, and their checks, written once.

Both commands select the same findings (outcome, period, basis, denominator, rules); the
checks turn a mistake into Typer's usage error naming the option and the allowed values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crime_outcomes.analysis.story import BASES, PERS, normalise_year
from crime_outcomes.normalise.outcome_types import parse_outcome_selector

OutcomeOption = Annotated[str, typer.Option("--outcome", "-o", help="Outcome type (8), several (2,3) or a group (community-resolution, out-of-court, charged...).")]
FromOption = Annotated[str | None, typer.Option("--from", help="First financial year, e.g. 2014/15 (default: the first loaded).", show_default=False)]
ToOption = Annotated[str | None, typer.Option("--to", help="Last financial year, e.g. 2017/18 (default: the last loaded).", show_default=False)]
BasisOption = Annotated[str, typer.Option("--basis", help="closed (decisions made in the period) or recorded (crimes recorded in the period).")]
PerOption = Annotated[str, typer.Option("--per", help="Denominator: outcomes (all outcomes, types 1-22) or recorded-crime.")]
RulesOption = Annotated[Path | None, typer.Option("--rules", help="A seriousness rules file (TOML) replacing the built-in rules.", show_default=False)]


def choice(value: str, allowed: tuple[str, ...], hint: str) -> str:
    """``value`` folded to lower case if it is one of ``allowed``; else a usage error."""
    folded = value.strip().lower()
    if folded not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}", param_hint=hint)
    return folded


def _year(value: str | None, hint: str) -> str | None:
    if value is None:
        return None
    try:
        return normalise_year(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


def story_options(outcome: str, first: str | None, last: str | None, basis: str, per: str, rules: Path | None) -> dict[str, Any]:
    """Checked keyword arguments for ``story()`` / ``write_pack()`` from the shared options."""
    basis = choice(basis, BASES, "--basis")
    per = choice(per, PERS, "--per")
    try:
        parse_outcome_selector(outcome)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--outcome") from None
    first_y, last_y = _year(first, "--from"), _year(last, "--to")
    if first_y and last_y and first_y > last_y:
        raise typer.BadParameter(f"the period runs backwards: --from {first_y} is after --to {last_y}", param_hint="--from")
    if rules is not None and not rules.is_file():
        raise typer.BadParameter(f"no rules file at {rules}", param_hint="--rules")
    return {"outcome": outcome, "first": first_y, "last": last_y, "basis": basis, "per": per, "rules_path": rules}
