"""Text cells made safe before anything else looks at them: normal form C, no control,
format or bidi characters (``readers.text`` says why), and bounded in length.

No published text is longer than 91 characters, yet nothing stopped a 200 MB offence
description from reaching every page and pack that names the offence. A cell over its
bound is cut to the bound here (so the row kept in ``rejected_rows`` stays small) and its
row is quarantined, naming the length and the limit; a file where such rows are more than
a small share of the whole is refused, as it is not the published data.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crime_outcomes.errors import LimitError, Location
from crime_outcomes.readers.text import BREAK_PATTERN, UNSAFE_PATTERN
from crime_outcomes.settings import Limits

# Free text: descriptions and group names. Every other field is a name, code or number.
LONG_TEXT_FIELDS = frozenset({"offence_description", "offence_group", "offence_subgroup", "outcome_description", "outcome_group"})
OVERLONG_MIN_ROWS = 10  # a file is refused for over-long cells only past this many rows
CUT_MARK = "…"


@dataclass(frozen=True)
class Bound:
    chars: int
    setting: str


def bound_for(field: str, limits: Limits) -> Bound:
    if field in LONG_TEXT_FIELDS:
        return Bound(limits.max_text_chars, "CRIME_OUTCOMES_MAX_TEXT_CHARS")
    return Bound(limits.max_name_chars, "CRIME_OUTCOMES_MAX_NAME_CHARS")


def _len_col(field: str) -> str:
    return f"_len_{field}"


def clean_cells(
    frame: pl.DataFrame, fields: list[str], published: dict[str, str], distinct: dict[str, pl.Series]
) -> tuple[pl.DataFrame, list[str]]:
    """NFC and unsafe characters removed from every text column; notes saying how many.

    Checked on each column's distinct values (a few hundred against ~700,000 rows, given in
    ``distinct`` by the caller, who needs them too), so clean data costs a hash pass per
    column; only values that change are rewritten, and ``distinct`` follows them.
    """
    exprs = []
    removed: dict[str, tuple[int, int]] = {}  # field -> (characters removed, cells changed)
    for f in fields:
        values = distinct[f]
        if not values.str.contains(r"[^\x20-\x7E]").any():
            continue  # printable ASCII only: nothing to do
        cleaned = values.str.normalize("NFC") if values.str.contains(r"[^\x00-\x7F]").any() else values
        unsafe = cleaned.str.count_matches(UNSAFE_PATTERN)
        if unsafe.sum():
            cleaned = cleaned.str.replace_all(BREAK_PATTERN, " ").str.replace_all(UNSAFE_PATTERN, "")
        changed = values != cleaned
        if not changed.any():
            continue
        mapping = dict(zip(values.filter(changed).to_list(), cleaned.filter(changed).to_list(), strict=True))
        exprs.append(pl.col(f).replace(mapping).alias(f))
        distinct[f] = cleaned.unique()
        if unsafe.sum():
            per_value = pl.DataFrame({f: values, "_n": unsafe}).filter(pl.col("_n") > 0)
            cells = frame.select(f).join(per_value, on=f, how="inner")
            removed[f] = (int(cells["_n"].sum()), cells.height)
    notes: list[str] = []
    if removed:
        where = ", ".join(f"{published[f]!r} ({cells:,} cell(s))" for f, (_, cells) in removed.items())
        notes.append(
            f"{sum(n for n, _ in removed.values()):,} control, format or bidi character(s) (such as a right-to-left override or a zero-width space) "
            f"removed from {sum(c for _, c in removed.values()):,} cell(s): {where}; the text is otherwise as published"
        )
    return (frame.with_columns(exprs) if exprs else frame), notes


def bound_cells(
    frame: pl.DataFrame, fields: list[str], limits: Limits, distinct: dict[str, pl.Series]
) -> tuple[pl.DataFrame, list[tuple[str, pl.Expr, pl.Expr]]]:
    """Cells over their bound cut to it, with one check per field for ``normalise_sheet``.

    Each check is (field, failed, reason); the reason names the length and the limit.
    The longest cell of a column is the longest of its distinct values (``distinct``, as for
    ``clean_cells``), so a file within its bounds costs no pass over its rows.
    """
    # Bytes are at least as many as characters, and cheaper to count: most files stop here.
    maybe = [f for f in fields if (distinct[f].str.len_bytes().max() or 0) > bound_for(f, limits).chars]  # type: ignore[operator]
    over = [f for f in maybe if (distinct[f].str.len_chars().max() or 0) > bound_for(f, limits).chars]  # type: ignore[operator]
    if not over:
        return frame, []
    frame = frame.with_columns([pl.col(f).str.len_chars().alias(_len_col(f)) for f in over])
    cut = []
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    for f in over:
        b = bound_for(f, limits)
        n = pl.col(_len_col(f))
        cut.append(pl.when(n > b.chars).then(pl.col(f).str.slice(0, b.chars) + pl.lit(CUT_MARK)).otherwise(pl.col(f)).alias(f))
        reason = pl.format(
            "{} characters, longer than the limit of {} for this column ({}); the row is kept with the cell cut to the limit",
            _thousands(n),
            pl.lit(f"{b.chars:,}"),
            pl.lit(b.setting),
        )
        checks.append((f, n > b.chars, reason))
    return frame.with_columns(cut), checks


def _thousands(n: pl.Expr) -> pl.Expr:
    """An integer expression formatted with thousands separators, as every message prints numbers."""
    text = n.cast(pl.String)
    return text.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse().str.strip_chars_start(",")


def refuse_if_mostly_overlong(
    frame: pl.DataFrame, fields: list[str], limits: Limits, published: dict[str, str], path: str, sheet: str | None
) -> None:
    """Refuse the file when over-long cells are not a stray row or two but a pattern."""
    present = [f for f in fields if _len_col(f) in frame.columns]
    if not present:
        return
    flags = pl.any_horizontal([pl.col(_len_col(f)) > bound_for(f, limits).chars for f in present])
    bad = frame.filter(flags)
    share = bad.height / frame.height if frame.height else 0.0
    if bad.height <= OVERLONG_MIN_ROWS or share <= limits.max_overlong_share:
        return
    first = bad.row(0, named=True)
    field = next(f for f in present if (first[_len_col(f)] or 0) > bound_for(f, limits).chars)
    b = bound_for(field, limits)
    raise LimitError(
        Location(path, sheet, first["source_row"], published[field]),
        f"{bad.height:,} of {frame.height:,} rows have a cell longer than its limit ({b.setting} for this column); "
        f"more than the {limits.max_overlong_share:.0%} allowed (CRIME_OUTCOMES_MAX_OVERLONG_SHARE), so this is not the published data",
        expected=f"at most {b.chars:,} characters",
        found=f"{first[_len_col(field)]:,} characters here",
    )
