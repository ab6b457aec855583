"""Query parameters: one parser for pages, downloads and the API, with errors that name the fix.

A view (outcome, period, basis, denominator) lives entirely in the URL query so that any view can
be shared. A bad value raises ``BadParameter`` naming the parameter and the values it accepts;
the API turns that into HTTP 400 with a JSON body, the pages into a 400 page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from crime_outcomes.analysis.story import BASES, PERS, normalise_year
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS, parse_outcome_selector

DEFAULT_OUTCOME = "8"
DEFAULT_BASIS = "closed"
DEFAULT_PER = "outcomes"
MAX_COMPARE = 8
"""The compare page shows at most this many forces side by side."""

OUTCOME_ALLOWED = ["1-22", "several numbers separated by commas (e.g. 2,3)", *OUTCOME_GROUPS]


class BadParameter(ValueError):
    """A query parameter the app cannot use: names the parameter and what it accepts."""

    def __init__(self, parameter: str, message: str, allowed: Sequence[str]) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.allowed = list(allowed)

    def to_json(self) -> dict[str, object]:
        return {"error": "bad parameter", "parameter": self.parameter, "message": self.message, "allowed": self.allowed}


@dataclass(frozen=True)
class View:
    """The selection every page, download and API call shares."""

    outcome: str
    types: tuple[int, ...]
    label: str
    first: str
    last: str
    basis: str = DEFAULT_BASIS
    per: str = DEFAULT_PER
    years: tuple[str, ...] = field(default=(), compare=False)

    def params(self) -> dict[str, str]:
        """The query parameters that reproduce this view (denominator only when not the default)."""
        out = {"outcome": self.outcome, "from": self.first, "to": self.last, "basis": self.basis}
        if self.per != DEFAULT_PER:
            out["per"] = self.per
        return out

    def query(self, **extra: str | Sequence[str] | None) -> str:
        """'?outcome=8&from=2017/18&...' with extra parameters appended (None drops one)."""
        params: list[tuple[str, str]] = list(self.params().items())
        for key, value in extra.items():
            name = key.rstrip("_")
            params = [(k, v) for k, v in params if k != name]
            if value is None:
                continue
            if isinstance(value, str):
                params.append((name, value))
            else:
                params.extend((name, v) for v in value)
        return "?" + urlencode(params, safe="/,")

    @property
    def period(self) -> str:
        return self.first if self.first == self.last else f"{self.first} to {self.last}"


def _get(query: Mapping[str, str], name: str, allowed: Sequence[str] = ()) -> str | None:
    """The parameter's value, stripped; None when absent; an empty value is an error (no form sends one)."""
    value = query.get(name)
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise BadParameter(name, f"{name} is empty: leave it out for the default, or give one of the allowed values", allowed)
    return value


def choice(query: Mapping[str, str], name: str, allowed: Sequence[str], default: str) -> str:
    """A parameter that must be one of ``allowed`` (case-insensitive); empty means the default."""
    value = _get(query, name, allowed)
    if value is None:
        return default
    folded = value.lower()
    if folded not in allowed:
        raise BadParameter(name, f"{name}={value!r} is not allowed: use one of {', '.join(allowed)}", allowed)
    return folded


def _year(query: Mapping[str, str], name: str, loaded: Sequence[str], default: str) -> str:
    value = _get(query, name, loaded)
    if value is None:
        return default
    try:
        year = normalise_year(value)
    except ValueError:
        raise BadParameter(name, f"{name}={value!r} is not a financial year: write it like 2017/18, one of the loaded years {', '.join(loaded)}", loaded) from None
    if year not in loaded:
        raise BadParameter(name, f"{name}={year} is not loaded: the store holds {', '.join(loaded)}", loaded)
    return year


def parse_view(query: Mapping[str, str], loaded: Sequence[str], recorded_crime_years: Sequence[str] = ()) -> View:
    """The view in a URL query, checked against the years the store holds."""
    if not loaded:
        raise BadParameter("from", "the store holds no outcomes", [])
    raw_outcome = _get(query, "outcome", OUTCOME_ALLOWED) or DEFAULT_OUTCOME
    try:
        types, label = parse_outcome_selector(raw_outcome)
    except ValueError:
        raise BadParameter(
            "outcome",
            f"unknown outcome={raw_outcome!r}: use a type number 1-22, several separated by commas (e.g. 2,3), "
            f"or one of: {', '.join(OUTCOME_GROUPS)}",
            OUTCOME_ALLOWED,
        ) from None
    first = _year(query, "from", loaded, loaded[0])
    last = _year(query, "to", loaded, loaded[-1])
    if first > last:
        raise BadParameter("from", f"the period runs backwards: from={first} is after to={last}", [y for y in loaded if y <= last])
    basis = choice(query, "basis", BASES, DEFAULT_BASIS)
    per = choice(query, "per", PERS, DEFAULT_PER)
    years = tuple(y for y in loaded if first <= y <= last)
    if per == "recorded-crime":
        absent = [y for y in years if y not in recorded_crime_years]
        if absent:
            have = ", ".join(recorded_crime_years) or "none"
            raise BadParameter(
                "per",
                f"per=recorded-crime needs the police force area table for {', '.join(absent)} (loaded for: {have}); use per=outcomes",
                [DEFAULT_PER],
            )
    outcome = raw_outcome.strip().lower()
    return View(outcome=outcome, types=types, label=label, first=first, last=last, basis=basis, per=per, years=years)


SORT_KEYS = ("force", "count", "denominator", "share", "rank", "verdict")
ORDERS = ("asc", "desc")


def parse_sort(query: Mapping[str, str], default: str = "share") -> tuple[str, str]:
    """(?sort=, ?order=) for the all-forces table."""
    key = choice(query, "sort", SORT_KEYS, default)
    order = choice(query, "order", ORDERS, "asc" if key in ("force", "rank") else "desc")
    return key, order
