"""How the figures were made, for readers: plain English, no field names.

The story JSON's ``definitions`` stay the exact reference for developers; these paragraphs say
the same things in the words a reporter or a reader would use, filled in with the figures of the
story at hand where one is given (the brief, the workbook's Notes), or in general for the web's
methodology page.
"""

from __future__ import annotations

from collections.abc import Sequence

from crime_outcomes.analysis import stats
from crime_outcomes.analysis.story import LARGEST_SHARES_MIN_COUNT, LARGEST_SHARES_MIN_NATIONAL, LARGEST_SHARES_MIN_RATIO

DEVELOPER_NOTE = (
    "Exact definitions of every figure, in the terms a program uses, are published with every story: the "
    "`definitions` object of `crime-outcomes story --format json` (and of /api/story), and the Notes tab of data.xlsx."
)

_PLACES_WORDS = {0: "whole percentages", 1: "one decimal place", 2: "two decimal places"}


def reader_methodology(
    *,
    label: str | None = None,
    types: Sequence[int] = (),
    basis: str | None = None,
    per: str | None = None,
    places: int | None = None,
) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs; given a story's selection and precision, worded for that story."""
    label = label or "the selected outcomes"
    types_text = ", ".join(str(t) for t in types) or None
    out: list[tuple[str, str]] = []

    counted = f"The count is the number of {label}" + (
        f" (Home Office outcome type{'s' if len(types) > 1 else ''} {types_text})" if types_text else ""
    )
    if basis == "recorded":
        counted += (
            ", counted for the crimes recorded in the period, with the outcome each had when the figures were extracted. "
            "These figures rise in later editions as investigations close."
        )
    elif basis == "closed":
        counted += (
            ", counted when the investigation was closed: the decisions police made in the period, whatever year the crime was recorded."
        )
    else:
        counted += (
            ". By default outcomes are counted when the investigation was closed (decisions made in the period); they can "
            "instead be counted for the crimes recorded in the period, with the outcome each had when the figures were extracted."
        )
    out.append(("What is counted", counted))

    if per == "recorded-crime":
        share = "The rate is the count divided by the number of crimes recorded by the force in the same years."
    else:
        share = (
            "The share is the count divided by all the outcomes the force recorded in the same period (every outcome type "
            "from 1 to 22). Crimes still awaiting an outcome are not in it."
        )
    out.append(("The share", share))
    out.append(
        (
            "England and Wales",
            "The national figures add up the 43 territorial police forces and British Transport Police. The fraud reporting "
            "bodies (Action Fraud, CIFAS, UK Finance) are not police forces and are left out.",
        )
    )
    out.append(
        (
            "How sure the share is",
            "The 95% interval is the range the force's underlying share is likely to lie in, given how many outcomes it had: "
            "a small force's share can move a lot by chance from year to year, a large force's much less.",
        )
    )
    out.append(
        (
            "Rank",
            'Forces are ranked by share among the 43 territorial forces, read from the nearer end ("the 4th highest", "the 5th '
            f'lowest"). A force with fewer than {stats.SMALL_COUNT_MIN} of the outcome, or fewer than '
            f"{stats.SMALL_DENOMINATOR_MIN} outcomes in all, is too small to rank and is left out; British Transport Police "
            "is not ranked because it does not cover an area.",
        )
    )
    out.append(
        (
            "More than chance?",
            "The funnel plot compares each force's share with the England and Wales share, allowing for its size. A force "
            "beyond the 99.8% limit is very unlikely to differ by chance alone; beyond the 95% limit is a weaker signal. "
            "Limits widened for the usual differences between forces show whether a force stands out from other forces, "
            "not just from the national average.",
        )
    )
    out.append(
        (
            "Notable offences",
            "Offences marked by the seriousness rules shipped with the tool (or the user's own). Each flag names the rule "
            "behind it and says what that rule is: a law, national guidance, or a list of offences journalists highlighted. "
            "A flag does not mean the outcome was wrong: the figures cannot show the circumstances, or whether the "
            "exceptions the law or guidance allows applied.",
        )
    )
    out.append(
        (
            "Largest shares",
            "An offence is listed where the force accounts for an unusually large share of all such outcomes in England "
            f"and Wales: at least {LARGEST_SHARES_MIN_RATIO} times its share of all of them, with at least "
            f"{LARGEST_SHARES_MIN_COUNT} of its own and {LARGEST_SHARES_MIN_NATIONAL} across England and Wales.",
        )
    )
    out.append(
        (
            "Gaps in the data",
            "Figures the Home Office published without a number (for example 'data not provided') are counted as missing, "
            "not as zero, and named in the caveats. Known breaks, such as a force that could not supply data for a period, "
            "are named with their source wherever the figures they affect appear.",
        )
    )
    if places is not None:
        words = _PLACES_WORDS.get(places, "one decimal place")
        numbers = f"Every percentage in this story is given to {words}, so a figure never appears at two precisions."
    else:
        numbers = (
            "Every percentage in a story is given to the same number of decimal places: the fewest at which the shares "
            "it compares print as different numbers, each with at least two significant figures."
        )
    out.append(("How numbers are shown", numbers + " Percentages are rounded half up, as a reader checking by hand would."))
    out.append(("For developers", DEVELOPER_NOTE))
    return out
