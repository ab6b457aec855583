"""Row-level normalisation of one data sheet, vectorised in Polars.

Every row read ends in exactly one place: the main table, the alternate-offence table
(outcome types 1a/2a/3a) or the rejected rows with the column and the reason. The checks
are written as expressions so a 700k-row sheet normalises in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from crime_outcomes.normalise.forces import FORCES, canonical_force
from crime_outcomes.normalise.headers import OUTCOMES, HeaderMap, map_headers
from crime_outcomes.readers.base import RawSheet

MAX_ABS_COUNT = 10**9  # no cell of a quarterly count comes near; larger values are typos or junk
_INT_RE = r"^[+-]?\d+(\.0+)?$"
BLANK_MARKER = "(blank)"

MAIN_COLUMNS = {
    OUTCOMES: ["financial_year", "quarter", "force", "offence_code", "outcome_type", "recorded", "closed", "recorded_marker", "closed_marker", "source_row"],
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
    is_marker = folded.str.contains(r"^n/?a\b") | (folded == "..")
    is_blank = col.is_null() | (col == "")
    as_int = _int_text(col)
    value = pl.when(is_marker | is_blank).then(None).otherwise(as_int)
    marker = pl.when(is_blank).then(pl.lit(BLANK_MARKER)).when(is_marker).then(col).otherwise(None)
    problem = (
        pl.when(is_marker | is_blank).then(None)
        .when(as_int.is_null()).then(pl.lit("not a whole number or a known marker (such as 'N/A - data not provided')"))
        .when(as_int.abs() > MAX_ABS_COUNT).then(pl.lit(f"implausibly large (more than {MAX_ABS_COUNT:,})"))
        .otherwise(None)
    )
    return value, marker, problem


def normalise_sheet(raw: RawSheet) -> NormalisedSheet:
    """Map headers, cast every value, and sort rows into loaded, alternate and rejected."""
    hmap = map_headers(raw)
    frame = pl.from_arrow(raw.table)
    assert isinstance(frame, pl.DataFrame)
    rename = {col: fld for fld, col in hmap.columns.items()}
    frame = frame.select([pl.col(c).cast(pl.String).alias(f) for c, f in rename.items()])
    published_cols = list(frame.columns)
    frame = frame.with_row_index("source_row", offset=raw.first_row).with_columns(pl.col("source_row").cast(pl.Int64))
    frame = frame.with_columns([pl.col(c).str.strip_chars() for c in published_cols])
    raw_json = pl.struct([pl.col(f).alias(hmap.published[f]) for f in published_cols]).struct.json_encode().alias("raw")

    distinct_forces = frame["force"].drop_nulls().unique().to_list()
    force_map = {name: canonical_force(name) for name in distinct_forces}
    checks: list[tuple[str, pl.Expr, str]] = []  # (field, failed?, reason)

    exprs = [
        _year(pl.col("financial_year")).alias("n_year"),
        _int_text(pl.col("quarter").str.replace(r"^[Qq]\s*", "")).alias("n_quarter"),
        pl.col("force").replace_strict(force_map, default=None, return_dtype=pl.String).alias("n_force"),
        pl.col("offence_code").str.replace(r"^(\d+)\.0+$", "$1").alias("n_code"),
    ]
    checks += [
        ("financial_year", pl.col("n_year").is_null(), "not a financial year like 2017/18"),
        ("quarter", pl.col("n_quarter").is_null() | ~pl.col("n_quarter").is_between(1, 4), "not a financial quarter 1-4"),
        ("force", pl.col("n_force").is_null(), "unknown force name (not one of the 43 territorial forces, British Transport Police or a fraud body)"),
        ("offence_code", pl.col("n_code").is_null() | (pl.col("n_code") == ""), "empty offence code"),
    ]
    if hmap.kind == OUTCOMES:
        otype = pl.col("outcome_type").str.to_lowercase()
        exprs.append(_int_text(otype).alias("n_type"))
        exprs.append(otype.is_in(["1a", "2a", "3a"]).fill_null(False).alias("is_alternate"))
        for basis in ("recorded", "closed"):
            value, marker, problem = _count(pl.col(basis))
            exprs += [value.alias(f"n_{basis}"), marker.alias(f"n_{basis}_marker"), problem.alias(f"p_{basis}")]
        if "expired" in hmap.columns:
            exp = pl.col("expired").str.to_lowercase()
            exprs.append(
                pl.when(exp.is_in(["x", "y", "yes", "true", "expired"])).then(True)
                .when(exp.is_null() | exp.is_in(["", "na", "n", "no", "false"])).then(False)
                .otherwise(None).alias("n_expired")
            )
            checks.append(("expired", pl.col("n_expired").is_null(), "not an expired flag ('x' or blank)"))
        else:
            exprs.append(pl.lit(False).alias("n_expired"))
        checks += [
            ("outcome_type", ~pl.col("is_alternate") & (pl.col("n_type").is_null() | ~pl.col("n_type").is_between(0, 22)), "not an outcome type 0-22 (or 1a/2a/3a)"),
            ("recorded", pl.col("p_recorded").is_not_null(), None),
            ("closed", pl.col("p_closed").is_not_null(), None),
        ]
    else:
        value, marker, problem = _count(pl.col("offences"))
        exprs += [value.alias("n_offences"), marker.alias("n_offences_marker"), problem.alias("p_offences")]
        checks.append(("offences", pl.col("p_offences").is_not_null(), None))

    frame = frame.with_columns(exprs)
    column_expr = pl.lit(None, dtype=pl.String)
    reason_expr = pl.lit(None, dtype=pl.String)
    for fld, failed, reason in reversed(checks):
        why = pl.col(f"p_{fld}") if reason is None else pl.lit(reason)
        column_expr = pl.when(failed).then(pl.lit(hmap.published[fld])).otherwise(column_expr)
        reason_expr = pl.when(failed).then(why).otherwise(reason_expr)
    frame = frame.with_columns(column_expr.alias("column_name"), reason_expr.alias("reason"), raw_json)

    # Duplicate keys: the first is kept, later ones rejected pointing at it.
    type_key = pl.when(pl.col("is_alternate")).then(pl.col("outcome_type").str.to_lowercase()).otherwise(pl.col("n_type").cast(pl.String)) if hmap.kind == OUTCOMES else pl.lit("")
    key = [pl.col("n_year"), pl.col("n_quarter"), pl.col("n_force"), pl.col("n_code"), type_key]
    first_row = pl.col("source_row").min().over(pl.when(pl.col("reason").is_null()).then(pl.concat_str(key, separator="\x1f")))
    frame = frame.with_columns(
        pl.when(pl.col("reason").is_null() & (first_row != pl.col("source_row")))
        .then(pl.format("duplicate of row {} (same year, quarter, force, offence code and outcome type)", first_row))
        .otherwise(pl.col("reason")).alias("reason"),
        pl.when(pl.col("reason").is_null() & (first_row != pl.col("source_row")))
        .then(pl.lit(hmap.published["offence_code"]))
        .otherwise(pl.col("column_name")).alias("column_name"),
    )

    ok = frame.filter(pl.col("reason").is_null())
    rejected = frame.filter(pl.col("reason").is_not_null()).select("source_row", "column_name", "reason", "raw")

    base = [pl.col("n_year").alias("financial_year"), pl.col("n_quarter").cast(pl.Int8).alias("quarter"), pl.col("n_force").alias("force"), pl.col("n_code").alias("offence_code")]
    if hmap.kind == OUTCOMES:
        counts = [pl.col("n_recorded").alias("recorded"), pl.col("n_closed").alias("closed"), pl.col("n_recorded_marker").alias("recorded_marker"), pl.col("n_closed_marker").alias("closed_marker"), pl.col("source_row")]
        main = ok.filter(~pl.col("is_alternate")).select(*base, pl.col("n_type").cast(pl.Int8).alias("outcome_type"), *counts)
        alternate = ok.filter(pl.col("is_alternate")).select(*base, pl.col("outcome_type").str.to_lowercase().alias("outcome_type"), *counts)
    else:
        main = ok.select(*base, pl.col("n_offences").alias("offences"), pl.col("n_offences_marker").alias("offences_marker"), pl.col("source_row"))
        alternate = pl.DataFrame()

    offences = _offence_dimension(ok, hmap)
    labels = _outcome_labels(ok, hmap)
    notes = list(raw.notes)
    fraud = sorted({f for f in force_map.values() if f and FORCES[f].kind == "fraud"})
    if fraud:
        notes.append("fraud reporting bodies kept apart from force figures: " + ", ".join(fraud))
    return NormalisedSheet(
        kind=hmap.kind, path=str(raw.path), sheet=raw.sheet, header_map=hmap, rows_read=frame.height,
        main=main, alternate=alternate, rejected=rejected, offences=offences, outcome_labels=labels, notes=notes,
    )


def _first_text(name: str, hmap: HeaderMap) -> pl.Expr:
    return (pl.col(name).drop_nulls().first() if name in hmap.columns else pl.lit(None, dtype=pl.String)).alias(name)


def _offence_dimension(ok: pl.DataFrame, hmap: HeaderMap) -> pl.DataFrame:
    """One row per (year, offence code) with the published description, group and subgroup."""
    aggs = [_first_text(n, hmap) for n in ("offence_description", "offence_group", "offence_subgroup")]
    aggs.append(pl.col("n_expired").any().alias("expired") if "n_expired" in ok.columns else pl.lit(False).alias("expired"))
    return ok.group_by(pl.col("n_year").alias("financial_year"), pl.col("n_code").alias("offence_code")).agg(aggs).sort("financial_year", "offence_code")


def _outcome_labels(ok: pl.DataFrame, hmap: HeaderMap) -> pl.DataFrame:
    """Outcome descriptions and groups as published in this file, per year and type."""
    if hmap.kind != OUTCOMES:
        return pl.DataFrame()
    return (
        ok.group_by(pl.col("n_year").alias("financial_year"), pl.col("outcome_type").str.to_lowercase().alias("outcome_type"))
        .agg(_first_text("outcome_description", hmap), _first_text("outcome_group", hmap))
        .sort("financial_year", "outcome_type")
    )
