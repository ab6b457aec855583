"""The tables behind every chart and page, and their CSV, XLSX and JSON downloads.

Each table is built from the story JSON (or the offence view), so a download holds exactly the
numbers on the page and in ``/api/story``. Shares are written unrounded (as in the JSON), counts
as integers. Text cells that a spreadsheet could read as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from crime_outcomes.analysis import stats
from crime_outcomes.text import safe_cell

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class Table:
    """A named table: column names and rows of plain values (str, int, float, bool or None)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


# ------------------------------------------------------------------------------ builders


def _ci(ci: Sequence[float] | None) -> tuple[float | None, float | None]:
    return (ci[0], ci[1]) if ci else (None, None)


def year_table(story_json: dict[str, Any], name: str) -> Table:
    """The year series: the force's figures and England and Wales beside them."""
    cols = (
        "year",
        "count",
        "denominator",
        "share",
        "ci95_low",
        "ci95_high",
        "national_count",
        "national_denominator",
        "national_share",
        "missing_cells",
    )
    rows = [
        (
            y["year"],
            y["count"],
            y["denominator"],
            y["share"],
            *_ci(y["ci95"]),
            y["national_count"],
            y["national_denominator"],
            y["national_share"],
            y["missing_cells"],
        )
        for y in story_json["by_year"]
    ]
    who = story_json["force"]["display"]
    return Table(name, f"{who}: {story_json['outcome']['label']} by year", cols, rows)


OFFENCE_COLUMNS = (
    "code",
    "description",
    "group",
    "subgroup",
    "expired",
    "count",
    "national_count",
    "share_of_national",
    "force_denominator",
    "force_rate",
    "national_denominator",
    "national_rate",
    "serious",
    "rules",
)


def offence_table(story_json: dict[str, Any], key: str, name: str) -> Table:
    """The offence breakdown (``key`` 'offences') or the notable offences (``key`` 'notable')."""
    rows = [
        (
            o["code"],
            o["description"],
            o["group"],
            o["subgroup"],
            o["expired"],
            o["count"],
            o["national_count"],
            o["share_of_national"],
            o["force_denominator"],
            o["force_rate"],
            o["national_denominator"],
            o["national_rate"],
            o["serious"],
            "; ".join(r["id"] for r in o["rules"]),
        )
        for o in story_json[key]
    ]
    what = "notable offences" if key == "notable" else "offences"
    return Table(name, f"{story_json['force']['display']}: {story_json['outcome']['label']}, {what}", OFFENCE_COLUMNS, rows)


FORCE_COLUMNS = (
    "force",
    "slug",
    "kind",
    "count",
    "denominator",
    "share",
    "ci95_low",
    "ci95_high",
    "rank_by_share",
    "rank_by_count",
    "small",
    "verdict",
    "national_share",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "adjusted_verdict",
    "expected",
    "ratio",
)


def forces_table(story_json: dict[str, Any], name: str = "forces") -> Table:
    """Every force's figures over the period with its funnel-plot limits: the all-forces table and the funnel plot."""
    from crime_outcomes.normalise.forces import FORCES

    p0 = story_json["national"]["share"]
    rows = []
    for c in story_json["forces_compared"]:
        limits = stats.funnel_limits(p0, c["denominator"]) if p0 is not None else None
        lim = (limits.lower95, limits.upper95, limits.lower998, limits.upper998) if limits else (None, None, None, None)
        slug = FORCES[c["force"]].slug if c["force"] in FORCES else None
        rows.append(
            (
                c["force"],
                slug,
                c["kind"],
                c["count"],
                c["denominator"],
                c["share"],
                *_ci(c["ci95"]),
                c["rank_by_share"],
                c["rank_by_count"],
                c["small"],
                c["verdict"],
                p0,
                *lim,
                c.get("adjusted_verdict"),
                c.get("expected"),
                c.get("ratio"),
            )
        )
    return Table(name, f"All forces: {story_json['outcome']['label']}, {_period(story_json)}", FORCE_COLUMNS, rows)


SIMILAR_COLUMNS = ("force", "slug", "this_force", "distance", "count", "denominator", "share", "expected", "ratio", "adjusted_verdict")


def similar_table(story_json: dict[str, Any], name: str = "force-similar") -> Table:
    """The force and its most similar forces (story JSON ``similar``): shares and standardised ratios side by side."""
    from crime_outcomes.normalise.forces import FORCES

    force = story_json["force"]
    st = story_json.get("standardised") or {}
    rows: list[tuple[Any, ...]] = []
    similar = story_json.get("similar")
    if similar:
        verdict = ((story_json.get("funnel") or {}).get("adjusted") or {}).get("verdict")
        rows.append(
            (
                force["name"],
                force["slug"],
                True,
                None,
                story_json["count"],
                story_json["denominator"],
                story_json["share"],
                st.get("expected"),
                st.get("ratio"),
                verdict,
            )
        )
        for f in similar["forces"]:
            slug = FORCES[f["force"]].slug if f["force"] in FORCES else None
            rows.append(
                (
                    f["force"],
                    slug,
                    False,
                    f["distance"],
                    f["count"],
                    f["denominator"],
                    f["share"],
                    f["expected"],
                    f["ratio"],
                    f["adjusted_verdict"],
                )
            )
    return Table(
        name,
        f"{force['display']} and the forces most like it: {story_json['outcome']['label']}, {_period(story_json)}",
        SIMILAR_COLUMNS,
        rows,
    )


def offence_forces_table(view_json: dict[str, Any], name: str = "offence-forces") -> Table:
    cols = ("force", "slug", "kind", "count", "denominator", "share", "share_of_national")
    rows = [
        (f["force"], f["slug"], f["kind"], f["count"], f["denominator"], f["share"], f["share_of_national"]) for f in view_json["forces"]
    ]
    return Table(name, f"Offence {view_json['code']}: {view_json['outcome']['label']} by force", cols, rows)


def offence_years_table(view_json: dict[str, Any], name: str = "offence-years") -> Table:
    cols = ("year", "count", "denominator", "share")
    rows = [(y["year"], y["count"], y["denominator"], y["share"]) for y in view_json["by_year"]]
    return Table(name, f"Offence {view_json['code']}: {view_json['outcome']['label']} in England and Wales by year", cols, rows)


def compare_table(stories: Sequence[dict[str, Any]], name: str = "compare") -> Table:
    """Forces side by side: one row per force and year, then one row per force for the whole period."""
    cols = (
        "force",
        "year",
        "count",
        "denominator",
        "share",
        "ci95_low",
        "ci95_high",
        "national_share",
        "rank_by_share",
        "rank_by_count",
        "verdict",
    )
    rows: list[tuple[Any, ...]] = []
    for s in stories:
        for y in s["by_year"]:
            rows.append(
                (
                    s["force"]["name"],
                    y["year"],
                    y["count"],
                    y["denominator"],
                    y["share"],
                    *_ci(y["ci95"]),
                    y["national_share"],
                    None,
                    None,
                    None,
                )
            )
        rank = s["rank"] or {}
        rows.append(
            (
                s["force"]["name"],
                _period(s),
                s["count"],
                s["denominator"],
                s["share"],
                *_ci(s["ci95"]),
                s["national"]["share"],
                rank.get("by_share"),
                rank.get("by_count"),
                (s["funnel"] or {}).get("verdict"),
            )
        )
    label = stories[0]["outcome"]["label"] if stories else ""
    return Table(name, f"Forces compared: {label}", cols, rows)


def outcome_types_table(data: dict[str, Any], name: str = "outcome-types") -> Table:
    cols = ("type", "label", "group", "in_all_outcomes", "note")
    return Table(name, "Outcome types", cols, [(t["type"], t["label"], t["group"], t["in_all_outcomes"], t["note"]) for t in data["types"]])


def offence_codes_table(offences: list[dict[str, Any]], name: str = "offence-codes") -> Table:
    cols = ("code", "description", "group", "subgroup", "expired", "latest_year")
    return Table(name, "Offence codes in the store", cols, [tuple(o[c] for c in cols) for o in offences])


def _period(story_json: dict[str, Any]) -> str:
    p = story_json["period"]
    return p["from"] if p["from"] == p["to"] else f"{p['from']} to {p['to']}"


# ------------------------------------------------------------------------------ renderers


def to_csv(table: Table) -> str:
    """CSV with a header row; None as an empty cell, booleans as true/false, floats unrounded."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return safe_cell(str(value))


def to_json(table: Table, meta: dict[str, Any] | None = None) -> str:
    body = {"table": table.name, "title": table.title, **(meta or {}), "columns": list(table.columns), "rows": table.records()}
    return json.dumps(body, indent=2, ensure_ascii=False)


def to_xlsx(table: Table, meta: dict[str, Any] | None = None) -> bytes:
    """One sheet with a bold frozen header and a filter; shares formatted as percentages, text never a formula."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(_sheet_name(table.name))
    bold = book.add_format({"bold": True, "bottom": 1})
    pct = book.add_format({"num_format": "0.00%"})
    whole = book.add_format({"num_format": "#,##0"})
    for c, name in enumerate(table.columns):
        sheet.write_string(0, c, name, bold)
        sheet.set_column(c, c, max(10, min(40, len(name) + 2)))
    share_cols = {
        i
        for i, n in enumerate(table.columns)
        if n in ("share", "national_share", "share_of_national", "force_rate", "national_rate") or n.startswith(("ci95", "lower", "upper"))
    }
    for r, row in enumerate(table.rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                sheet.write_blank(r, c, None)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value, pct if c in share_cols else whole if isinstance(value, int) else None)
            else:
                sheet.write_string(r, c, safe_cell(str(value)))
    sheet.freeze_panes(1, 0)
    if table.rows:
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    notes = book.add_worksheet("notes")
    notes.write_string(0, 0, table.title)
    for i, (key, value) in enumerate((meta or {}).items(), start=2):
        notes.write_string(i, 0, str(key))
        notes.write_string(i, 1, safe_cell(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value))
    notes.write_string(
        len(meta or {}) + 3, 0, "Source: Home Office, Police recorded crime and outcomes open data tables, Open Government Licence v3.0."
    )
    book.close()
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "data"


def filename(table: Table, view_params: dict[str, str], fmt: str, subject: str | None = None) -> str:
    """A descriptive, safe file name: forces-8-2017-18-2017-18-closed.csv."""
    parts = [
        table.name,
        subject or "",
        view_params.get("outcome", ""),
        view_params.get("from", ""),
        view_params.get("to", ""),
        view_params.get("basis", ""),
    ]
    stem = "-".join(p for p in parts if p)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()[:120] or "table"
    return f"{stem}.{fmt}"
