"""What a story (or an offence view, or a pack) is about: one ``Selection``, checked once.

The six choices a reader makes — outcome types, first and last year, count basis,
denominator and seriousness rules — arrive from Python calls, CLI options and URL queries.
They are parsed and validated here only: a bad value raises ``SelectionError`` naming the
parameter and the values it accepts, which the CLI reports as a usage error (exit 2) and the
web as HTTP 400. Checks that need the store (is the year loaded?) are made where the store is
read, in ``Selection.period``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crime_outcomes.errors import NotFoundError, SelectionError
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS, parse_outcome_selector

BASES = ("closed", "recorded")
PERS = ("outcomes", "recorded-crime")

DEFAULT_OUTCOME = "8"
DEFAULT_BASIS = "closed"
DEFAULT_PER = "outcomes"

OUTCOME_ALLOWED = ["1-22", "several numbers separated by commas (e.g. 2,3)", *OUTCOME_GROUPS]
YEAR_ALLOWED = ["a financial year such as 2014/15"]
RULES_ALLOWED = ["a seriousness rules file (TOML)"]

Spelling = Callable[[str, str], str]
"""How a front end writes a parameter with its value in a message: ('from', '2017/18') ->
'--from 2017/18' on the command line, 'from=2017/18' in a URL."""


def plain_spelling(parameter: str, value: str) -> str:
    return f"{parameter} {value}"


_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


def normalise_year(text: str) -> str:
    """'2014/15', '2014-15' or '2014/2015' -> '2014/15'; ValueError otherwise."""
    match = _YEAR_RE.match(text or "")
    if match:
        start, end = int(match.group(1)), match.group(2)
        if (start + 1) % 100 == int(end[-2:]) and (len(end) == 2 or int(end) == start + 1):
            return f"{start}/{(start + 1) % 100:02d}"
    raise ValueError(f"{text!r} is not a financial year: write it like 2014/15")


@dataclass(frozen=True, kw_only=True)
class Period:
    """A selection's years in one store: the loaded years it covers and those it lacks."""

    first: str
    last: str
    years: list[str]
    not_loaded: list[str]


@dataclass(frozen=True)
class Selection:
    """Outcome types, period, basis, denominator and rules, normalised and checked on creation.

    ``first``/``last`` None mean the first/last year the store holds. ``outcome`` keeps the
    selector as typed (folded to lower case) because it names a group in URLs and file names;
    ``types`` and ``label`` are what it means.
    """

    outcome: str = DEFAULT_OUTCOME
    first: str | None = None
    last: str | None = None
    basis: str = DEFAULT_BASIS
    per: str = DEFAULT_PER
    rules: Path | None = None
    types: tuple[int, ...] = field(init=False, compare=False)
    label: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        for name, value in _checked(self.outcome, self.first, self.last, self.basis, self.per, self.rules, plain_spelling).items():
            object.__setattr__(self, name, value)

    @classmethod
    def parse(
        cls,
        *,
        outcome: str = DEFAULT_OUTCOME,
        first: str | None = None,
        last: str | None = None,
        basis: str = DEFAULT_BASIS,
        per: str = DEFAULT_PER,
        rules: Path | str | None = None,
        spelling: Spelling = plain_spelling,
    ) -> Selection:
        """A Selection from user input; a message naming two parameters spells them as the caller does."""
        _checked(outcome, first, last, basis, per, rules, spelling)
        return cls(outcome=outcome, first=first, last=last, basis=basis, per=per, rules=None if rules is None else Path(rules))

    def period(self, loaded: Sequence[str]) -> Period:
        """The selection's years in a store holding ``loaded``; NotFoundError for a year it lacks."""
        if not loaded:
            raise NotFoundError("the store holds no outcomes: load files with `crime-outcomes ingest` or `crime-outcomes update`")
        first = self.first or loaded[0]
        last = self.last or loaded[-1]
        for label, year in (("--from", first), ("--to", last)):
            if year not in loaded:
                raise NotFoundError(f"{year} ({label}) is not loaded; loaded years: {', '.join(loaded)}")
        start, end = int(first[:4]), int(last[:4])
        expected = [f"{y}/{(y + 1) % 100:02d}" for y in range(start, end + 1)]
        return Period(
            first=first,
            last=last,
            years=[y for y in loaded if first <= y <= last],
            not_loaded=[y for y in expected if y not in loaded],
        )


def _choice(parameter: str, value: str, allowed: tuple[str, ...]) -> str:
    folded = value.strip().lower()
    if folded not in allowed:
        raise SelectionError(parameter, f"{value!r} is not one of: {', '.join(allowed)}", list(allowed))
    return folded


def _year(parameter: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_year(value)
    except ValueError as exc:
        raise SelectionError(parameter, str(exc), YEAR_ALLOWED) from None


def _checked(
    outcome: str, first: str | None, last: str | None, basis: str, per: str, rules: Path | str | None, spelling: Spelling
) -> dict[str, object]:
    """Every field normalised, in the order a reader gives them; SelectionError on the first bad one."""
    try:
        types, label = parse_outcome_selector(str(outcome))
    except ValueError as exc:
        raise SelectionError("outcome", str(exc), OUTCOME_ALLOWED) from None
    first_y, last_y = _year("from", first), _year("to", last)
    if first_y and last_y and first_y > last_y:
        raise SelectionError(
            "from",
            f"the period runs backwards: {spelling('from', first_y)} is after {spelling('to', last_y)}",
            [f"{last_y} or earlier"],
        )
    basis_c = _choice("basis", basis, BASES)
    per_c = _choice("per", per, PERS)
    rules_path = None if rules is None else Path(rules)
    if rules_path is not None and not rules_path.is_file():
        raise SelectionError("rules", f"no rules file at {rules_path}", RULES_ALLOWED)
    return {
        "outcome": str(outcome).strip().lower(),
        "first": first_y,
        "last": last_y,
        "basis": basis_c,
        "per": per_c,
        "rules": rules_path,
        "types": types,
        "label": label,
    }
