"""Query parameters: one parser for pages, downloads and the API, with errors that name the fix.

A view (outcome, period, basis, denominator) lives entirely in the URL query so that any view can
be shared. A bad value raises ``BadParameter`` naming the parameter and the values it accepts;
the API turns that into HTTP 400 with a JSON body, the pages into a 400 page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from crime_outcomes.analysis.selection import BASES, DEFAULT_BASIS, DEFAULT_OUTCOME, DEFAULT_PER, OUTCOME_ALLOWED, PERS, Selection
from crime_outcomes.errors import SelectionError

MAX_COMPARE = 8
"""The compare page shows at most this many forces side by side."""


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
    """The selection every page, download and API call shares, its period filled in from the store."""

    selection: Selection
    years: tuple[str, ...] = field(default=(), compare=False)

    @property
    def outcome(self) -> str:
        return self.selection.outcome

    @property
    def types(self) -> tuple[int, ...]:
        return self.selection.types

    @property
    def label(self) -> str:
        return self.selection.label

    @property
    def first(self) -> str:
        return self.selection.first or self.years[0]

    @property
    def last(self) -> str:
        return self.selection.last or self.years[-1]

    @property
    def basis(self) -> str:
        return self.selection.basis

    @property
    def per(self) -> str:
        return self.selection.per

    def params(self) -> dict[str, str]:
        """The query parameters that reproduce this view (denominator only when not the default)."""
        out = {"outcome": self.outcome, "from": self.first, "to": self.last, "basis": self.basis}
        if self.per != DEFAULT_PER:
            out["per"] = self.per
        return out

    def query(self, **extra: str | Sequence[str] | None) -> str:
        """'?outcome=8&from=2017/18&...' with extra parameters appended (None drops one)."""
        if not extra:
            return self._query
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

    @cached_property
    def _query(self) -> str:
        """The view's own query, made once: a force page links every offence and force in it (hundreds of links)."""
        return "?" + urlencode(list(self.params().items()), safe="/,")

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


def _url_spelling(parameter: str, value: str) -> str:
    return f"{parameter}={value}"


def parse_view(query: Mapping[str, str], loaded: Sequence[str], recorded_crime_years: Sequence[str] = ()) -> View:
    """The view in a URL query, checked by ``Selection`` and against the years the store holds."""
    if not loaded:
        raise BadParameter("from", "the store holds no outcomes", [])
    given = {
        name: _get(query, name, allowed)
        for name, allowed in (("outcome", OUTCOME_ALLOWED), ("from", loaded), ("to", loaded), ("basis", BASES), ("per", PERS))
    }
    try:
        selection = Selection.parse(
            outcome=given["outcome"] or DEFAULT_OUTCOME,
            first=given["from"],
            last=given["to"],
            basis=given["basis"] or DEFAULT_BASIS,
            per=given["per"] or DEFAULT_PER,
            spelling=_url_spelling,
        )
    except SelectionError as exc:
        if exc.parameter in ("from", "to"):
            raise BadParameter(exc.parameter, f"{exc}; the store holds {', '.join(loaded)}", loaded) from None
        raise BadParameter(exc.parameter, str(exc), exc.allowed) from None
    for name, year in (("from", selection.first), ("to", selection.last)):
        if year is not None and year not in loaded:
            raise BadParameter(name, f"{name}={year} is not loaded: the store holds {', '.join(loaded)}", loaded)
    first, last = selection.first or loaded[0], selection.last or loaded[-1]
    years = tuple(y for y in loaded if first <= y <= last)
    if selection.per == "recorded-crime":
        absent = [y for y in years if y not in recorded_crime_years]
        if absent:
            have = ", ".join(recorded_crime_years) or "none"
            raise BadParameter(
                "per",
                f"per=recorded-crime needs the police force area table for {', '.join(absent)} (loaded for: {have}); use per=outcomes",
                [DEFAULT_PER],
            )
    return View(replace(selection, first=first, last=last), years)


SORT_KEYS = ("force", "count", "denominator", "share", "rank", "verdict")
ORDERS = ("asc", "desc")


def parse_sort(query: Mapping[str, str], default: str = "share") -> tuple[str, str]:
    """(?sort=, ?order=) for the all-forces table."""
    key = choice(query, "sort", SORT_KEYS, default)
    order = choice(query, "order", ORDERS, "asc" if key in ("force", "rank") else "desc")
    return key, order
