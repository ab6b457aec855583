"""Text helpers every layer shares: UK newsroom numbers (24,647; 3%; 2014/15), the one precision a
story prints its percentages at, and Markdown escaping.

They live below the analysis layer (above the readers, whose ``strip_unsafe`` they apply) so
that the story's sentences, the renderings, the packs, the CLI and the web print a figure the
same way, and so that nothing below ``outputs`` has to import from it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from crime_outcomes.readers.text import strip_unsafe

__all__ = [
    "choose_places",
    "interval",
    "md_escape",
    "number",
    "ordinal",
    "percent",
    "period",
    "rank_phrase",
    "safe_cell",
    "signed_points",
]


def number(value: int | float | None) -> str:
    """Thousands separated by commas; None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent(fraction: float | None, places: int = 0) -> str:
    """A fraction as a percentage rounded half up, as a reader checking by hand would (0.045 -> 5%)."""
    if fraction is None:
        return "–"
    quantum = Decimal(1).scaleb(-places)
    value = (Decimal(repr(fraction)) * 100).quantize(quantum, rounding=ROUND_HALF_UP)
    if value == 0 and fraction > 0:
        return f"less than {Decimal(1).scaleb(-places)}%"
    return f"{value}%"


def signed_points(delta: float, places: int = 0) -> str:
    """A change in a share, in percentage points."""
    quantum = Decimal(1).scaleb(-places)
    value = (Decimal(repr(abs(delta))) * 100).quantize(quantum, rounding=ROUND_HALF_UP)
    unit = "point" if value == 1 else "points"
    return f"{value} percentage {unit}"


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_phrase(rank: int, of: int, *, lowest: int | None = None, tied: bool = False) -> str:
    """House style for a rank: 'the highest', 'the 4th highest of 43' in the top half, 'the 5th
    lowest of 43' in the bottom half, 'the lowest'; ordinals always as numerals.

    ``rank`` counts from the top (1 = highest, ties share the best place); ``lowest`` is the
    position counted from the bottom, which differs from ``of - rank + 1`` only for a tie.
    """
    bottom = lowest if lowest is not None else of - rank + 1
    joint = "joint " if tied else ""
    if rank == 1:
        return f"the {joint}highest of {of}"
    if bottom == 1:
        return f"the {joint}lowest of {of}"
    if rank <= bottom:
        return f"the {joint}{ordinal(rank)} highest of {of}"
    return f"the {joint}{ordinal(bottom)} lowest of {of}"


def period(first: str, last: str) -> str:
    return first if first == last else f"between {first} and {last}"


def safe_cell(text: str) -> str:
    """Text for a spreadsheet cell that cannot be read as a formula (=, +, -, @ at the start)
    and holds no control, format or bidi character."""
    text = strip_unsafe(text)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_LINE_START = re.compile(r"^(\s*)(\d{0,9})([-+.)])(?=\s|$|-)")


def md_escape(value: object) -> str:
    """Data as Markdown that prints as typed: no markup, no new block, no extra table column.

    Markup characters are backslash-escaped (``~`` too: GitHub strikes ``~~x~~`` through); an
    ``&`` that would start an entity (``&lt;``) is escaped while a plain ``&`` stays readable;
    line breaks become spaces; a leading ``- ``, ``+ ``, ``1. ``, ``1) `` or ``---`` is escaped so it
    cannot start a list or draw a rule. None is empty. A value that declares itself markup
    (``__html__``, as Jinja's ``Markup`` does) was built by the caller from escaped parts and is
    passed through. Control, format and bidi characters are dropped from both.
    """
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return strip_unsafe(str(value))
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(strip_unsafe(str(value)).splitlines()))
    text = _MD_ENTITY.sub(r"\\&", text)
    match = _MD_LINE_START.match(text)
    if match:
        indent, digits, mark = match.groups()
        if (digits and mark in ".)") or (not digits and mark in "-+"):
            text = indent + digits + "\\" + text[match.end(2) :]
    return text


# ------------------------------------------------------------------------------------ house style
#
# A story prints every percentage at ONE precision, chosen once from its figures
# (``choose_places``) and carried in the story JSON (``percent_places``), so the CLI, the packs,
# the web and the charts agree and no quantity appears at two precisions. Rounding is monotone,
# so a share printed at the same precision as its interval always lies inside it.

PLACES = (0, 1, 2)
"""Decimal places a story may print percentages at."""


def _distinct(a: float, b: float, places: int) -> bool:
    return percent(a, places) != percent(b, places)


def _two_figures(value: float, places: int) -> bool:
    """True when the value keeps at least two significant figures at this precision (0 passes)."""
    pct = abs(value) * 100
    return pct == 0 or pct >= 10 ** (1 - places)


def choose_places(
    *,
    compared: list[tuple[float | None, float | None]] | tuple[()] = (),
    intervals: list[tuple[float, float] | None] | tuple[()] = (),
) -> int:
    """The fewest decimal places (0-2) at which a story's percentages cannot mislead.

    Every pair of shares the story compares (force against England and Wales, first year against
    last) must print as two different numbers when they differ, and each with at least two
    significant figures (1.26% against 2.13% must not read "1% against 2%", which looks like
    half); the headline share's 95% interval must print with two different ends.
    """
    for places in PLACES:
        ok = True
        for a, b in compared:
            if a is None or b is None:
                continue
            if (a != b and not _distinct(a, b, places)) or not (_two_figures(a, places) and _two_figures(b, places)):
                ok = False
        for ci in intervals:
            if ci is not None and ci[0] != ci[1] and not _distinct(ci[0], ci[1], places):
                ok = False
        if ok:
            return places
    return PLACES[-1]


def interval(ci: tuple[float, float] | list[float] | None, places: int) -> str:
    """A 95% interval at the story's precision: '1.2% to 1.3%'. A lower end that rounds to nothing
    prints as 0 (an interval 'from less than 0.01%' reads as if the share could be below it)."""
    if not ci:
        return "–"
    low = percent(ci[0], places)
    if low.startswith("less than"):
        low = percent(0.0, places)
    return f"{low} to {percent(ci[1], places)}"
