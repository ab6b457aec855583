"""Published header wordings mapped to field names, by normalised text.

Two editions word the count columns and the expired flag differently, and column order
differs; mapping by name copes with both. Any header not listed here stops the read: a
column is never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from crime_outcomes.errors import InputError, Location
from crime_outcomes.readers.base import RawSheet, normalise_header

OUTCOMES = "outcomes"
RECORDED_CRIME = "recorded_crime"

HEADER_FIELDS: dict[str, str] = {
    "financial year": "financial_year",
    "financial quarter": "quarter",
    "force name": "force",
    "offence description": "offence_description",
    "offence group": "offence_group",
    "offence subgroup": "offence_subgroup",
    "offence code": "offence_code",
    "offence code expired": "expired",
    "outcome description": "outcome_description",
    "outcome group": "outcome_group",
    "outcome type": "outcome_type",
    # recorded basis: 2019 editions and side files / current editions
    "force outcomes for offences recorded in quarter": "recorded",
    "outcomes for offences that were recorded in the quarter": "recorded",
    # closed basis
    "force outcomes recorded in quarter": "closed",
    "outcomes for investigations closed in the quarter": "closed",
    # police force area recorded-crime table
    "number of offences": "offences",
    "offences": "offences",  # the cleaned extract's name for the recorded basis (see map_headers)
}

REQUIRED = {
    OUTCOMES: ["financial_year", "quarter", "force", "offence_code", "outcome_type", "recorded", "closed"],
    RECORDED_CRIME: ["financial_year", "quarter", "force", "offence_code", "offences"],
}
OPTIONAL = {
    OUTCOMES: ["offence_description", "offence_group", "offence_subgroup", "expired", "outcome_description", "outcome_group"],
    RECORDED_CRIME: ["offence_description", "offence_group", "offence_subgroup"],
}


@dataclass
class HeaderMap:
    kind: str
    columns: dict[str, str]  # field -> column name in RawSheet.table (c0, c1...)
    published: dict[str, str]  # field -> header text as published


def map_headers(raw: RawSheet) -> HeaderMap:
    """Map a sheet's headers to fields; raise InputError naming what is missing or unknown."""
    where = Location(str(raw.path), raw.sheet, raw.header_row)
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, header in enumerate(raw.headers):
        key = normalise_header(header)
        if not key:
            raise InputError(
                Location(str(raw.path), raw.sheet, raw.header_row, f"column {index + 1}"),
                "a column has no header",
                expected="a header on every column",
                found="an empty cell",
            )
        field = HEADER_FIELDS.get(key)
        if field is None:
            unknown.append(header)
            continue
        if field in found:
            raise InputError(
                where,
                f"two columns map to the field {field!r}",
                expected="each field once",
                found=f"{raw.headers[found[field]]!r} (column {found[field] + 1}) and {header!r} (column {index + 1})",
            )
        found[field] = index
    kind = OUTCOMES if "outcome_type" in found else RECORDED_CRIME if "offences" in found else OUTCOMES
    if kind == OUTCOMES and "offences" in found and "recorded" not in found:
        # The widely shared cleaned extract (mpjashby/cj-charts) names the recorded-basis
        # column "offences"; in an outcomes sheet nothing else can be meant.
        found["recorded"] = found.pop("offences")
    missing = [f for f in REQUIRED[kind] if f not in found]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("unknown header(s) " + ", ".join(repr(u) for u in unknown))
        if missing:
            parts.append("missing field(s) " + ", ".join(missing))
        raise InputError(
            where,
            "; ".join(parts),
            expected="the published headers: " + ", ".join(sorted({h for h in HEADER_FIELDS})),
            found="headers " + ", ".join(repr(h) for h in raw.headers),
        )
    return HeaderMap(
        kind=kind,
        columns={field: f"c{index}" for field, index in found.items()},
        published={field: raw.headers[index] for field, index in found.items()},
    )
