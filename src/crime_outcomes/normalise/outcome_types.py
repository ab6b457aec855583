"""Outcome types 0-22 and the named groups used in the bulletin and in stories.

Descriptions change between editions, so everything keys on the type number. Type 0
("not yet assigned") is a real row of the recorded basis but not an outcome; types
1a/2a/3a (alternate offences) are subsets of 1-3 and live in their own table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeType:
    number: int
    label: str
    group: str
    note: str = ""


OUTCOME_TYPES: dict[int, OutcomeType] = {
    t.number: t
    for t in [
        OutcomeType(0, "Not yet assigned an outcome", "Not yet assigned an outcome", "recorded basis only; not an outcome"),
        OutcomeType(1, "Charged/Summonsed", "Charged/Summonsed"),
        OutcomeType(2, "Caution – youths", "Out-of-court (formal)"),
        OutcomeType(3, "Caution – adults", "Out-of-court (formal)", "simple and conditional cautions together"),
        OutcomeType(4, "Taken into consideration", "Taken into consideration"),
        OutcomeType(5, "Offender died", "Prosecution prevented or not in the public interest"),
        OutcomeType(6, "Penalty Notices for Disorder", "Out-of-court (formal)"),
        OutcomeType(7, "Cannabis/Khat Warning", "Out-of-court (informal)"),
        OutcomeType(8, "Community Resolution", "Out-of-court (informal)"),
        OutcomeType(9, "Not in public interest (CPS)", "Prosecution prevented or not in the public interest"),
        OutcomeType(10, "Not in public interest (Police)", "Prosecution prevented or not in the public interest"),
        OutcomeType(11, "Prosecution prevented: suspect under age", "Prosecution prevented or not in the public interest"),
        OutcomeType(12, "Prosecution prevented: suspect too ill", "Prosecution prevented or not in the public interest"),
        OutcomeType(13, "Prosecution prevented: victim/key witness dead/too ill", "Prosecution prevented or not in the public interest"),
        OutcomeType(
            14,
            "Evidential difficulties: suspect not identified; victim does not support further action",
            "Evidential difficulties (victim does not support action)",
        ),
        OutcomeType(
            15,
            "Evidential difficulties: suspect identified; victim supports action",
            "Evidential difficulties (suspect identified; victim supports action)",
        ),
        OutcomeType(
            16,
            "Evidential difficulties: suspect identified; victim does not support further action",
            "Evidential difficulties (victim does not support action)",
        ),
        OutcomeType(17, "Prosecution time limit expired", "Prosecution prevented or not in the public interest"),
        OutcomeType(18, "Investigation complete – no suspect identified", "Investigation complete – no suspect identified"),
        OutcomeType(19, "National Fraud Intelligence Bureau fraud case", "National Fraud Intelligence Bureau", "not used in force files"),
        OutcomeType(
            20,
            "Responsibility for further investigation transferred to another body",
            "Responsibility for further investigation transferred to another body",
            "from 2015/16",
        ),
        OutcomeType(
            21,
            "Further investigation to support formal action not in the public interest – police decision",
            "Further investigation to support formal action not in the public interest – police decision",
            "from January 2016",
        ),
        OutcomeType(
            22,
            "Diversionary, educational or intervention activity",
            "Diversionary",
            "voluntary from April 2019, compulsory from April 2021",
        ),
    ]
}

ALL_OUTCOMES = tuple(range(1, 23))  # the denominator of a share: never 0, never 1a/2a/3a
ALTERNATE_TYPES = ("1a", "2a", "3a")

# Named groups accepted by --outcome; labels are what a reader sees.
OUTCOME_GROUPS: dict[str, tuple[tuple[int, ...], str]] = {
    "charged": ((1,), "charges and summonses"),
    "youth-caution": ((2,), "youth cautions"),
    "adult-caution": ((3,), "adult cautions"),
    "caution": ((2, 3), "cautions"),
    "penalty-notice": ((6,), "penalty notices for disorder"),
    "cannabis-warning": ((7,), "cannabis/khat warnings"),
    "community-resolution": ((8,), "community resolutions"),
    "diversionary": ((22,), "diversionary outcomes (type 22)"),
    "out-of-court-formal": ((2, 3, 6), "formal out-of-court disposals"),
    "out-of-court-informal": ((7, 8), "informal out-of-court disposals"),
    "out-of-court": ((2, 3, 6, 7, 8, 22), "out-of-court disposals"),
    "evidential-difficulties": ((14, 15, 16), "closures for evidential difficulties"),
    "no-suspect": ((18,), "investigations closed with no suspect identified"),
    "all": (ALL_OUTCOMES, "all outcomes"),
}

_SINGLE_LABELS = {
    1: "charges and summonses",
    2: "youth cautions",
    3: "adult cautions",
    4: "offences taken into consideration",
    6: "penalty notices for disorder",
    7: "cannabis/khat warnings",
    8: "community resolutions",
    18: "investigations closed with no suspect identified",
    22: "diversionary outcomes",
}


def describe_types(types: tuple[int, ...]) -> str:
    """A reader's label for a set of outcome types."""
    for _, (group_types, label) in OUTCOME_GROUPS.items():
        if tuple(sorted(types)) == tuple(sorted(group_types)):
            return label
    if len(types) == 1:
        t = types[0]
        return _SINGLE_LABELS.get(t, f"outcome type {t} ({OUTCOME_TYPES[t].label})")
    return "outcome types " + ", ".join(str(t) for t in sorted(types))


def parse_outcome_selector(text: str) -> tuple[tuple[int, ...], str]:
    """'8', '2,3' or a group name -> (types, label). Raises ValueError naming the allowed values."""
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    if key.endswith("s") and key[:-1] in OUTCOME_GROUPS:
        key = key[:-1]
    if key in OUTCOME_GROUPS:
        group, label = OUTCOME_GROUPS[key]
        return tuple(sorted(group)), label
    parts = [p.strip() for p in key.split(",") if p.strip()]
    types: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) not in OUTCOME_TYPES or int(part) == 0:
            raise ValueError(
                f"unknown outcome {text!r}: use a type number 1-22, several separated by commas (e.g. 2,3), "
                f"or one of: {', '.join(OUTCOME_GROUPS)}"
            )
        types.append(int(part))
    if not types:
        raise ValueError(f"empty outcome selector; use a type number 1-22 or one of: {', '.join(OUTCOME_GROUPS)}")
    uniq = tuple(sorted(set(types)))
    return uniq, describe_types(uniq)
