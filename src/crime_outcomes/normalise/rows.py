"""Row-level normalisation of one data sheet, vectorised in Polars.

Every row read ends in exactly one place: the main table, the alternate-offence table
(outcome types 1a/2a/3a) or the rejected rows with the column and the reason. The checks
are written as expressions so a 700k-row sheet normalises in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa

from crime_outcomes.normalise.forces import FORCES, canonical_force
from crime_outcomes.normalise.headers import OUTCOMES, HeaderMap, map_headers
from crime_outcomes.normalise.text import bound_cells, clean_cells, refuse_if_mostly_overlong
from crime_outcomes.readers.base import RawSheet
from crime_outcomes.settings import limits_from_env

MAX_ABS_COUNT = 10**9  # no cell of a quarterly count comes near; larger values are typos or junk
_INT_RE = r"^[+-]?\d+(\.0+)?$"
BLANK_MARKER = "(blank)"
CODED_FIELDS = frozenset(
    {"financial_year", "quarter", "force", "offence_code", "outcome_type", "expired", "recorded", "closed", "offences"}
)

MAIN_COLUMNS = {
    OUTCOMES: [
        "financial_year",
        "quarter",
        "force",
        "offence_code",
        "outcome_type",
        "recorded",
        "closed",
        "recorded_marker",
        "closed_marker",
        "source_row",
    ],
    "recorded_crime": ["financial_year", "quarter", "force", "offence_code", "offences", "offences_marker", "source_row"],
}


@dataclass
class NormalisedSheet:
    kind: str
    path: str
    sheet: str | None
    header_map: HeaderMap
    rows_read: int
    main: pl.DataFrame
    alternate: pl.DataFrame
    rejected: pl.DataFrame  # source_row, column_name, reason, raw (JSON of the row as published)
    offences: pl.DataFrame
    outcome_labels: pl.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[str]:
        frames = [f for f in (self.main, self.alternate) if f.height]
        if not frames:
            return []
        return sorted(set().union(*(set(f["financial_year"].unique().to_list()) for f in frames)))

    @property
    def rows_loaded(self) -> int:
        return self.main.height + self.alternate.height


def _year(col: pl.Expr) -> pl.Expr:
    """'2017/18', '2017-18', '2017/2018' -> '2017/18'; anything else -> null."""
    parts = col.str.extract_groups(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
    start = parts.struct.field("1").cast(pl.Int32, strict=False)
    end = parts.struct.field("2").str.slice(-2).cast(pl.Int32, strict=False)
    ok = ((start + 1) % 100) == end
    return pl.when(ok).then(pl.format("{}/{}", start.cast(pl.String), end.cast(pl.String).str.zfill(2))).otherwise(None)


def _int_text(col: pl.Expr) -> pl.Expr:
    """Whole numbers written as text ('12', '-3', '12.0') -> Int64; anything else -> null."""
    return pl.when(col.str.contains(_INT_RE)).then(col.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)).otherwise(None)


def _count(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(value, marker, problem) for a count cell: markers such as 'N/A - data not provided'
    become a null value with the marker kept; text that is neither is a problem."""
    folded = col.str.to_lowercase().str.replace_all(r"[\u2013\u2014]", "-").str.replace_all(r"\s+", " ")
    # "N/A" followed by anything (even without a space) is a marker; bare "NA" only as a word,
    # so "NaN" or "National" never is.
    is_marker = folded.str.contains(r"^(?:n/a|na\b)") | (folded == "..")
    is_blank = col.is_null() | (col == "")
    as_int = _int_text(col)
    value = pl.when(is_marker | is_blank).then(None).otherwise(as_int)
    marker = pl.when(is_blank).then(pl.lit(BLANK_MARKER)).when(is_marker).then(col).otherwise(None)
    problem = (
        pl.when(is_marker | is_blank)
        .then(None)
        .when(as_int.is_null())
        .then(pl.lit("not a whole number or a known marker (such as 'N/A - data not provided')"))
        .when(as_int.abs() > MAX_ABS_COUNT)
        .then(pl.lit(f"implausibly large (more than {MAX_ABS_COUNT:,})"))
        .otherwise(None)
    )
    return value, marker, problem


def normalise_sheet(raw: RawSheet, expected_year: str | None = None) -> NormalisedSheet:
    """Map headers, cast every value, and sort rows into loaded, alternate and rejected.

    ``expected_year`` is the financial year the file name promises (``mar2018`` = 2017/18);
    rows of another year are quarantined rather than loaded, because loading them would
    replace that other year's edition with a stray part of it.
    """
    hmap = map_headers(raw)
    frame = pl.from_arrow(raw.table)
    assert isinstance(frame, pl.DataFrame)
    rename = {col: fld for fld, col in hmap.columns.items()}
    frame = frame.select([pl.col(c).cast(pl.String).alias(f) for c, f in rename.items()])
    published_cols = list(frame.columns)
    limits = limits_from_env()
    # Each column's distinct values (clean_cells and parse need them) and, for coded columns,
    # each row's position among them: one hash pass per column.
    distinct, positions = {}, {}
    for f in published_cols:
        encoded = _encoded(raw.table.column(hmap.columns[f])) if f in CODED_FIELDS else None
        if encoded is None:
            distinct[f] = frame.get_column(f).drop_nulls().unique()
        else:
            distinct[f], positions[f] = encoded
    as_read = dict(distinct)
    frame, text_notes = clean_cells(frame, published_cols, hmap.published, distinct)  # replaces the values of a column it changes
    frame, length_checks = bound_cells(frame, published_cols, limits, distinct)
    for fld, _, _ in length_checks:  # cells cut to their bound are new values
        distinct[fld] = frame.get_column(fld).drop_nulls().unique()
    for f in published_cols:
        if distinct[f] is not as_read[f]:
            positions.pop(f, None)  # a changed column: positions among the values as read no longer hold
    frame = frame.with_row_index("source_row", offset=raw.first_row).with_columns(pl.col("source_row").cast(pl.Int64))
    refuse_if_mostly_overlong(frame, published_cols, limits, hmap.published, str(raw.path), raw.sheet)
    raw_json = pl.struct([pl.col(f).alias(hmap.published[f]) for f in published_cols]).struct.json_encode().alias("raw")

    # Coded columns hold few distinct values (a few years, 44 forces, a few thousand counts)
    # against ~700k rows: parse each distinct value once and gather the results back by the
    # row's position among them. ``keys`` are numbered the same way (equal values, equal
    # numbers) so rows can be grouped and compared as integers instead of text. Problem
    # columns (``p_``) are gathered only if some value has a problem (see ``live`` below).
    sizes: dict[str, int] = {}
    parsed: dict[str, tuple[pl.DataFrame, pl.Series]] = {}  # column -> (results for the values present, positions)

    def parse(column: str, exprs: dict[str, pl.Expr], keys: dict[str, pl.Expr] | None = None) -> None:
        nonlocal frame
        assert isinstance(frame, pl.DataFrame)  # for the type checker: narrowing is lost in a closure
        values = distinct[column]
        at = positions.get(column)
        if at is None:
            at = frame.get_column(column).cast(pl.Enum(values)).to_physical().cast(pl.UInt32).fill_null(values.len())
        table = pl.DataFrame({column: values.append(pl.Series([None], dtype=pl.String))}).rechunk()  # one chunk: gathers are faster
        mapped = table.with_columns(pl.col(column).str.strip_chars().alias("_s")).with_columns(**exprs)
        numbered = mapped.select([e.rank("dense").fill_null(0).alias(k) for k, e in (keys or {}).items()])
        sizes.update({k: table.height + 1 for k in numbered.columns})
        present = values.len() + (1 if frame.get_column(column).null_count() else 0)  # the last row is for null
        parsed[column] = (mapped.head(present), at)
        spread = [mapped.get_column(n) for n in exprs if not n.startswith("p_")] + numbered.get_columns()
        frame = frame.with_columns([_spread(c, at, present) for c in spread])

    s = pl.col("_s")
    force_map = {name: canonical_force(name) for name in distinct["force"].to_list()}
    parse("financial_year", {"n_year": _year(s)}, {"k_year": pl.col("n_year")})
    parse("quarter", {"n_quarter": _int_text(s.str.replace(r"^[Qq]\s*", ""))}, {"k_quarter": pl.col("n_quarter")})
    parse(
        "force",
        {"n_force": pl.col("force").replace_strict(force_map, default=None, return_dtype=pl.String)},
        {"k_force": pl.col("n_force")},
    )
    parse("offence_code", {"n_code": s.str.replace(r"^(\d+)\.0+$", "$1")}, {"k_code": pl.col("n_code")})
    checks: list[tuple[str, pl.Expr, str | pl.Expr | None]] = [  # (field, failed?, reason; None = from p_<field>)
        ("financial_year", pl.col("n_year").is_null(), "not a financial year like 2017/18"),
        (
            "financial_year",
            pl.lit(expected_year is not None) & (pl.col("n_year") != pl.lit(expected_year)).fill_null(False),
            f"financial year contradicts the file name, which holds {expected_year}",
        ),
        ("quarter", pl.col("n_quarter").is_null() | ~pl.col("n_quarter").is_between(1, 4), "not a financial quarter 1-4"),
        (
            "force",
            pl.col("n_force").is_null(),
            "unknown force name (not one of the 43 territorial forces, British Transport Police or a fraud body)",
        ),
        ("offence_code", pl.col("n_code").is_null() | (pl.col("n_code") == ""), "empty offence code"),
    ]
    count_fields = ["recorded", "closed"] if hmap.kind == OUTCOMES else ["offences"]
    for basis in count_fields:
        value, marker, problem = _count(s)
        parse(basis, {f"n_{basis}": value, f"n_{basis}_marker": pl.when(marker.is_not_null()).then(marker), f"p_{basis}": problem})
    if hmap.kind == OUTCOMES:
        otype = s.str.to_lowercase()
        parse(
            "outcome_type",
            {"n_type": _int_text(otype), "is_alternate": otype.is_in(["1a", "2a", "3a"]).fill_null(False), "n_type_text": otype},
            # as typed (the label key), as text (the duplicate key) and as a number (the annual total's key)
            {"k_label": pl.col("outcome_type").str.to_lowercase(), "k_type_text": pl.col("n_type_text"), "k_type": pl.col("n_type")},
        )
        if "expired" in hmap.columns:
            exp = s.str.to_lowercase()
            parse(
                "expired",
                {
                    "n_expired": pl.when(exp.is_in(["x", "y", "yes", "true", "expired"]))
                    .then(True)
                    .when(exp.is_null() | exp.is_in(["", "na", "n", "no", "false"]))
                    .then(False)
                    .otherwise(None)
                },
            )
            checks.append(("expired", pl.col("n_expired").is_null(), "not an expired flag ('x' or blank)"))
        else:
            frame = frame.with_columns(pl.lit(False).alias("n_expired"))
        checks.append(
            (
                "outcome_type",
                ~pl.col("is_alternate") & (pl.col("n_type").is_null() | ~pl.col("n_type").is_between(0, 22)),
                "not an outcome type 0-22 (or 1a/2a/3a)",
            )
        )
    checks += [(basis, pl.col(f"p_{basis}").is_not_null(), None) for basis in count_fields]

    # A check on a coded column fails for a row only if it fails for the row's value: a check
    # no value present fails is left out (on published data, all of them). Over-long cells
    # come first: that is the reason, whatever else is wrong with the row.
    live = [*length_checks, *(c for c in checks if parsed[c[0]][0].select(c[1].any()).item())]
    for basis in count_fields:
        if any(c[0] == basis for c in live):
            per_value, at = parsed[basis]
            frame = frame.with_columns(_spread(per_value.get_column(f"p_{basis}"), at, per_value.height))
    column_expr = pl.lit(None, dtype=pl.String)
    reason_expr = pl.lit(None, dtype=pl.String)
    for fld, failed, reason in reversed(live):
        why = pl.col(f"p_{fld}") if reason is None else reason if isinstance(reason, pl.Expr) else pl.lit(reason)
        column_expr = pl.when(failed).then(pl.lit(hmap.published[fld])).otherwise(column_expr)
        reason_expr = pl.when(failed).then(why).otherwise(reason_expr)
    frame = frame.with_columns(column_expr.alias("column_name"), reason_expr.alias("reason"))

    # Duplicate keys: the first is kept, later ones rejected pointing at it.
    type_key = ["k_type_text"] if hmap.kind == OUTCOMES else []
    frame = frame.with_columns(_group_key(frame, ["k_year", "k_quarter", "k_force", "k_code", *type_key], sizes).alias("_key"))
    valid = pl.col("reason").is_null()
    repeated = frame.filter(valid).select("source_row", "_key").filter(~pl.col("_key").is_first_distinct())
    if repeated.height:
        firsts = frame.filter(valid).group_by("_key").agg(pl.col("source_row").min().alias("_first"))
        repeated = repeated.join(firsts, on="_key").select("source_row", "_first")
        frame = frame.join(repeated, on="source_row", how="left").with_columns(
            pl.when(pl.col("_first").is_not_null())
            .then(pl.format("duplicate of row {} (same year, quarter, force, offence code and outcome type)", pl.col("_first")))
            .otherwise(pl.col("reason"))
            .alias("reason"),
            pl.when(pl.col("_first").is_not_null())
            .then(pl.lit(hmap.published["offence_code"]))
            .otherwise(pl.col("column_name"))
            .alias("column_name"),
        )

    ok = frame.filter(pl.col("reason").is_null())
    annual_type = ["k_type"] if hmap.kind == OUTCOMES else []
    ok = ok.with_columns(_group_key(ok, ["k_year", "k_force", "k_code", *annual_type], sizes).alias("_annual"))
    rejected = frame.filter(pl.col("reason").is_not_null()).select("source_row", "column_name", "reason", raw_json)

    base = [
        pl.col("n_year").alias("financial_year"),
        pl.col("n_quarter").cast(pl.Int8).alias("quarter"),
        pl.col("n_force").alias("force"),
        pl.col("n_code").alias("offence_code"),
    ]
    if hmap.kind == OUTCOMES:
        counts = [
            pl.col("n_recorded").alias("recorded"),
            pl.col("n_closed").alias("closed"),
            pl.col("n_recorded_marker").alias("recorded_marker"),
            pl.col("n_closed_marker").alias("closed_marker"),
            pl.col("source_row"),
        ]
        main = ok.filter(~pl.col("is_alternate")).select(
            *base, pl.col("n_type").cast(pl.Int8).alias("outcome_type"), *counts, pl.col("_annual")
        )
        alternate = ok.filter(pl.col("is_alternate")).select(*base, pl.col("n_type_text").alias("outcome_type"), *counts)
    else:
        main = ok.select(
            *base,
            pl.col("n_offences").alias("offences"),
            pl.col("n_offences_marker").alias("offences_marker"),
            pl.col("source_row"),
            pl.col("_annual"),
        )
        alternate = pl.DataFrame()

    offences = _offence_dimension(ok, hmap, sizes)
    labels = _outcome_labels(ok, hmap, sizes)
    notes = list(raw.notes) + text_notes
    fraud = sorted({f for f in force_map.values() if f and FORCES[f].kind == "fraud"})
    if fraud:
        notes.append("fraud reporting bodies kept apart from force figures: " + ", ".join(fraud))
    notes.extend(_negative_totals(main, count_fields))
    main = main.drop("_annual")
    return NormalisedSheet(
        kind=hmap.kind,
        path=str(raw.path),
        sheet=raw.sheet,
        header_map=hmap,
        rows_read=frame.height,
        main=main,
        alternate=alternate,
        rejected=rejected,
        offences=offences,
        outcome_labels=labels,
        notes=notes,
    )


def _encoded(column: pa.ChunkedArray) -> tuple[pl.Series, pl.Series] | None:
    """A text column's distinct values and each row's position among them (nulls after the
    last value), found together by Arrow; None when the column is not one piece of text."""
    if column.num_chunks != 1 or not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    encoded = column.chunk(0).dictionary_encode()
    values = pl.Series(encoded.dictionary).cast(pl.String)
    return values, pl.Series(encoded.indices).cast(pl.UInt32).fill_null(values.len())


def _spread(per_value: pl.Series, at: pl.Series, present: int) -> pl.Series:
    """Per-value results as one per row. ``present`` is how many of the first per-value rows
    occur; one result for all of them (a single year, no marker) needs no gather."""
    seen = per_value.head(present)
    if seen.n_unique() == 1:
        return pl.repeat(seen[0], at.len(), dtype=per_value.dtype, eager=True).alias(per_value.name)
    return per_value.gather(at)


def _group_key(frame: pl.DataFrame, parts: list[str], sizes: dict[str, int]) -> pl.Series:
    """One integer per distinct combination of the numbered columns ``parts`` (see ``parse``).

    Grouping and comparing one integer is several times cheaper than a struct of texts.
    Each part is below its size, so key * size + part never collides; before the product
    could pass 2**63 the keys so far are renumbered densely (at most one per row).
    """
    key = pl.lit(0, dtype=pl.UInt64)
    span = 1
    for part in parts:
        if span * sizes[part] >= 2**63:
            key, span = key.rank("dense").cast(pl.UInt64), frame.height + 1
        key = key * sizes[part] + pl.col(part).cast(pl.UInt64)
        span *= sizes[part]
    return frame.select(key.alias("_key")).to_series()


def _negative_totals(main: pl.DataFrame, count_fields: list[str]) -> list[str]:
    """Warnings for annual totals below zero.

    Single negative cells are published corrections (3,033 of them in the real 2017/18
    file) and are loaded as they are. A force's whole year for one offence code and
    outcome type adding up to less than zero cannot be a count, so it is loaded (totals
    must reconcile with the file) but named in the report for someone to check.
    ``main`` carries ``_annual``, the number of its row's force, year, code and type.
    """
    if not main.height:
        return []
    # Only a total with a negative cell in it can be negative: add up those totals alone.
    negative = main.filter(pl.any_horizontal([pl.col(c) < 0 for c in count_fields])).get_column("_annual")
    if negative.is_empty():
        return []
    main = main.filter(pl.col("_annual").is_in(negative.unique().implode()))
    keys = [c for c in ("financial_year", "force", "offence_code", "outcome_type") if c in main.columns]
    sums = main.group_by(keys).agg([pl.col(c).sum() for c in count_fields])
    notes = []
    for basis in count_fields:
        bad = sums.filter(pl.col(basis) < 0).sort([basis, *keys])  # ties in key order: the same file, the same note
        if bad.height:
            first = bad.row(0, named=True)
            where = ", ".join(str(first[k]) for k in keys)
            notes.append(
                f"{bad.height:,} annual total(s) on the {basis} basis are negative (force, year, offence code"
                f"{' and outcome type' if 'outcome_type' in keys else ''}), loaded as published; the lowest: {where} = {first[basis]:,}"
            )
    return notes


def _first_text(name: str, hmap: HeaderMap) -> pl.Expr:
    return (pl.col(name).drop_nulls().first() if name in hmap.columns else pl.lit(None, dtype=pl.String)).alias(name)


def _offence_dimension(ok: pl.DataFrame, hmap: HeaderMap, sizes: dict[str, int]) -> pl.DataFrame:
    """One row per (year, offence code) with the published description, group and subgroup."""
    aggs = [pl.col("n_year").first().alias("financial_year"), pl.col("n_code").first().alias("offence_code")]
    aggs += [_first_text(n, hmap) for n in ("offence_description", "offence_group", "offence_subgroup")]
    aggs.append(pl.col("n_expired").any().alias("expired") if "n_expired" in ok.columns else pl.lit(False).alias("expired"))
    return (
        ok.group_by(_group_key(ok, ["k_year", "k_code"], sizes).alias("_group"))
        .agg(aggs)
        .drop("_group")
        .sort("financial_year", "offence_code")
    )


def _outcome_labels(ok: pl.DataFrame, hmap: HeaderMap, sizes: dict[str, int]) -> pl.DataFrame:
    """Outcome descriptions and groups as published in this file, per year and type."""
    if hmap.kind != OUTCOMES:
        return pl.DataFrame()
    return (
        ok.group_by(_group_key(ok, ["k_year", "k_label"], sizes).alias("_group"))
        .agg(
            pl.col("n_year").first().alias("financial_year"),
            pl.col("outcome_type").first().str.to_lowercase().alias("outcome_type"),
            _first_text("outcome_description", hmap),
            _first_text("outcome_group", hmap),
        )
        .drop("_group")
        .sort("financial_year", "outcome_type")
    )
