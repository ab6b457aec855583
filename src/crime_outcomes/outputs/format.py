"""Numbers the way UK newsrooms print them: 24,647; 3%; 2014/15; 4.6% -> 5% when whole."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


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


def rank_phrase(rank: int, of: int) -> str:
    """'the highest', 'the second highest', '12th highest of 43'."""
    words = {1: "the highest", 2: "the second highest", 3: "the third highest"}
    if rank in words:
        return words[rank]
    if rank == of:
        return "the lowest"
    if rank == of - 1:
        return "the second lowest"
    return f"the {ordinal(rank)} highest of {of}"


def period(first: str, last: str) -> str:
    return first if first == last else f"between {first} and {last}"


def safe_cell(text: str) -> str:
    """Text for a spreadsheet cell that cannot be read as a formula (=, +, -, @ at the start)."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
