"""The workbook behind a brief (``data.xlsx``): every figure of the story as a real number with
a number format, a column for the story JSON field it comes from, frozen and filtered headers,
column widths from the content, and a print setup (A4, fitted to the page width, the header
row on every page). Text from the data goes through ``safe_cell`` and ``write_string``, so it
can never become a formula."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crime_outcomes.analysis.story import Story
from crime_outcomes.outputs.format import safe_cell
from crime_outcomes.outputs.packs.model import SOURCE_NAME, SOURCE_PAGE, Brief

_PORTRAIT_COLUMNS = 110.0
"""Total column width (characters) beyond which a sheet prints landscape, so fitting it to the width keeps text legible."""


def write_xlsx(s: Story, brief: Brief, path: Path) -> None:
    """The workbook: real numbers with number formats, frozen headers, filters, text never a formula."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": brief.title, "author": "crime-outcomes", "comments": brief.credit})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"})
    # Every cell top-aligned, so a row whose offence name wraps still reads across.
    plain = wb.add_format({"valign": "top"})
    integer = wb.add_format({"num_format": "#,##0", "valign": "top"})
    pct = wb.add_format({"num_format": "0.00%", "valign": "top"})
    bold = wb.add_format({"bold": True, "valign": "top"})
    bold_int = wb.add_format({"bold": True, "num_format": "#,##0", "valign": "top"})
    bold_pct = wb.add_format({"bold": True, "num_format": "0.00%", "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold_wrap = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    # Per sheet: the widest value written to each column (in characters), each column's limit, and
    # the cells that wrap (row, first and last column, text, bold): neither Excel nor LibreOffice
    # grows a row to fit wrapped text when it opens a file, so each such row is given its height.
    widest: dict[str, dict[int, float]] = {}
    limit: dict[str, list[float]] = {}
    wrapped: dict[str, list[tuple[int, int, int, str, bool]]] = {}

    def seen(ws: Any, c: int, chars: float) -> None:
        cols = widest.setdefault(ws.name, {})
        cols[c] = max(cols.get(c, 0.0), chars)

    def text(ws: Any, r: int, c: int, value: object, fmt: Any = None) -> None:
        fmt = plain if fmt is None else fmt
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt)
            return
        value = safe_cell(str(value))
        cap = limit[ws.name][c]
        strong = fmt in (bold, bold_wrap)
        if len(value) > cap or fmt is wrap:  # wraps within the column's limit rather than being cut off by the next cell
            fmt = bold_wrap if strong else wrap
            wrapped.setdefault(ws.name, []).append((r, c, c, value, strong))
        seen(ws, c, min(len(value), cap) * (1.1 if strong else 1.0))
        ws.write_string(r, c, value, fmt)

    def paragraph(ws: Any, r: int, first: int, last: int, value: str) -> None:
        """Text across several columns, wrapped (a story line under the figures)."""
        value = safe_cell(value)
        ws.merge_range(r, first, r, last, value, wrap)
        wrapped.setdefault(ws.name, []).append((r, first, last, value, False))

    def num(ws: Any, r: int, c: int, value: float | int | None, fmt: Any) -> None:
        if value is None:
            ws.write_blank(r, c, None, fmt)
            return
        shown = f"{value * 100:,.2f}%" if fmt in (pct, bold_pct) else f"{value:,.0f}"
        seen(ws, c, len(shown) * (1.1 if fmt in (bold_int, bold_pct) else 1.0))
        ws.write_number(r, c, value, fmt)

    def header(ws: Any, names: Sequence[str], caps: Sequence[float]) -> None:
        """The header row, frozen; ``caps`` are the widest each column may grow before its text wraps."""
        limit[ws.name] = list(caps)
        for c, name in enumerate(names):
            ws.write_string(0, c, name, head)
            seen(ws, c, max(len(w) for w in name.split()) * 1.1)  # the header wraps between words
            wrapped.setdefault(ws.name, []).append((0, c, c, name, True))
        ws.freeze_panes(1, 0)

    def finish(ws: Any) -> None:
        """Column widths and wrapped rows' heights from what was written, and a print setup:
        A4, fitted to the page width, the header row repeated on every page."""
        widths = {c: max(6.0, chars + 2) for c, chars in widest.get(ws.name, {}).items()}
        for c, width in widths.items():
            ws.set_column(c, c, width)
        lines: dict[int, int] = {}
        for r, first, last, value, strong in wrapped.get(ws.name, []):
            across = sum(widths.get(c, 8.43) for c in range(first, last + 1))
            # A column width counts characters as wide as "0"; text runs about a tenth narrower, bold text not.
            n = len(textwrap.wrap(value, width=max(1, int(across / (1.0 if strong else 0.9)) - 1), break_long_words=False))
            lines[r] = max(lines.get(r, 1), n)
        for r, n in lines.items():
            if n > 1:
                ws.set_row(r, 15.0 * n)
        ws.set_paper(9)  # A4
        if sum(widths.values()) > _PORTRAIT_COLUMNS:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer("&L&A&RPage &P of &N")

    nat, rank = s.national, s.rank
    limits = s.funnel.limits if s.funnel else None
    low, high = s.ci95 or (None, None)

    # Summary: one figure a row, with the story JSON field it comes from.
    ws = wb.add_worksheet("Summary")
    header(ws, ["Figure", "Value", "Story JSON field"], [44, 30, 30])
    rows: list[tuple[str, Any, str, str]] = [
        ("Force", s.force.name, "force.name", "text"),
        ("Outcome", s.outcome_label, "outcome.label", "text"),
        ("Outcome types", ", ".join(str(t) for t in s.outcome_types), "outcome.types", "text"),
        ("Period from", s.first, "period.from", "text"),
        ("Period to", s.last, "period.to", "text"),
        ("Basis", s.basis, "basis", "text"),
        ("Denominator", s.per, "per", "text"),
        ("Count", s.count, "count", "int"),
        (
            "Denominator (all outcomes on the basis)" if s.per != "recorded-crime" else "Denominator (recorded crimes)",
            s.denominator,
            "denominator",
            "int",
        ),
        ("Share", s.share, "share", "pct"),
        ("Share, 95% interval low", low, "ci95[0]", "pct"),
        ("Share, 95% interval high", high, "ci95[1]", "pct"),
        ("England and Wales count", nat.count, "national.count", "int"),
        ("England and Wales denominator", nat.denominator, "national.denominator", "int"),
        ("England and Wales share", nat.share, "national.share", "pct"),
    ]
    if not s.force.is_national:
        rows += [
            ("Rank by share (1 = highest)", rank.by_share if rank else None, "rank.by_share", "int"),
            ("Rank by count", rank.by_count if rank else None, "rank.by_count", "int"),
            ("Forces ranked", rank.of if rank else None, "rank.of", "int"),
            ("Funnel plot verdict", str(s.funnel.verdict) if s.funnel else None, "funnel.verdict", "text"),
            ("Funnel 95% limit, lower", limits.lower95 if limits else None, "funnel.limits.lower95", "pct"),
            ("Funnel 95% limit, upper", limits.upper95 if limits else None, "funnel.limits.upper95", "pct"),
            ("Funnel 99.8% limit, lower", limits.lower998 if limits else None, "funnel.limits.lower998", "pct"),
            ("Funnel 99.8% limit, upper", limits.upper998 if limits else None, "funnel.limits.upper998", "pct"),
        ]
    for r, (label, value, key, kind) in enumerate(rows, start=1):
        text(ws, r, 0, label)
        if kind == "text":
            text(ws, r, 1, value)
        else:
            num(ws, r, 1, value, integer if kind == "int" else pct)
        text(ws, r, 2, key)
    r = len(rows) + 2
    ws.write_string(r, 0, "Story lines", bold)
    # Each story line, and the edition, spans the three columns and wraps.
    for i, line in enumerate(s.lines, start=r + 1):
        paragraph(ws, i, 0, 2, line)
    paragraph(ws, r + len(s.lines) + 2, 0, 2, brief.edition)
    finish(ws)

    # By year.
    ws = wb.add_worksheet("By year")
    cols = [
        "Year",
        "Count",
        "Denominator",
        "Share",
        "Share 95% low",
        "Share 95% high",
        "E&W count",
        "E&W denominator",
        "E&W share",
        "Cells without a number",
    ]
    header(ws, cols, [20] * len(cols))
    for r, y in enumerate(s.by_year, start=1):
        text(ws, r, 0, y.year)
        num(ws, r, 1, y.count, integer)
        num(ws, r, 2, y.denominator, integer)
        num(ws, r, 3, y.share, pct)
        num(ws, r, 4, y.ci95[0] if y.ci95 else None, pct)
        num(ws, r, 5, y.ci95[1] if y.ci95 else None, pct)
        num(ws, r, 6, y.national_count, integer)
        num(ws, r, 7, y.national_denominator, integer)
        num(ws, r, 8, y.national_share, pct)
        num(ws, r, 9, y.missing_cells, integer)
    ws.autofilter(0, 0, max(1, len(s.by_year)), len(cols) - 1)
    finish(ws)

    # By offence.
    ws = wb.add_worksheet("By offence")
    cols = [
        "Code",
        "Offence",
        "Group",
        "Subgroup",
        "Expired code",
        "Count",
        "E&W count",
        "Share of E&W",
        "Force outcomes for offence",
        "Rate",
        "E&W outcomes for offence",
        "E&W rate",
        "Serious",
        "Rules",
    ]
    header(ws, cols, [10, 48, 36, 36, 9, 14, 14, 14, 14, 14, 14, 14, 9, 30])
    for r, o in enumerate(s.offences, start=1):
        text(ws, r, 0, o.code)
        text(ws, r, 1, o.description)
        text(ws, r, 2, o.group)
        text(ws, r, 3, o.subgroup)
        text(ws, r, 4, "yes" if o.expired else "")
        num(ws, r, 5, o.count, integer)
        num(ws, r, 6, o.national_count, integer)
        num(ws, r, 7, o.share_of_national, pct)
        num(ws, r, 8, o.force_denominator, integer)
        num(ws, r, 9, o.force_rate, pct)
        num(ws, r, 10, o.national_denominator, integer)
        num(ws, r, 11, o.national_rate, pct)
        text(ws, r, 12, "yes" if o.serious else "")
        text(ws, r, 13, "; ".join(h.rule_id for h in o.rules))
    ws.autofilter(0, 0, max(1, len(s.offences)), len(cols) - 1)
    finish(ws)

    # Notable offences.
    ws = wb.add_worksheet("Notable offences")
    cols = ["Code", "Offence", "Group", "Count", "E&W count", "Share of E&W", "Rule ids", "Rules"]
    header(ws, cols, [10, 48, 36, 14, 14, 14, 30, 60])
    for r, o in enumerate(s.notable, start=1):
        text(ws, r, 0, o.code)
        text(ws, r, 1, o.description)
        text(ws, r, 2, o.group)
        num(ws, r, 3, o.count, integer)
        num(ws, r, 4, o.national_count, integer)
        num(ws, r, 5, o.share_of_national, pct)
        text(ws, r, 6, "; ".join(h.rule_id for h in o.rules))
        text(ws, r, 7, "; ".join(h.label for h in o.rules), wrap)
    ws.autofilter(0, 0, max(1, len(s.notable)), len(cols) - 1)
    finish(ws)

    # All forces compared.
    ws = wb.add_worksheet("All forces compared")
    cols = [
        "Force",
        "Kind",
        "Count",
        "Denominator",
        "Share",
        "Share 95% low",
        "Share 95% high",
        "Rank by share",
        "Rank by count",
        "Too few to rank",
        "Funnel plot verdict",
    ]
    header(ws, cols, [36, 20, 14, 14, 14, 14, 14, 14, 14, 14, 24])
    compared = s.comparison
    for r, c in enumerate(compared, start=1):
        me = c.force == s.force.name
        text(ws, r, 0, c.force, bold if me else None)
        text(ws, r, 1, c.kind)
        num(ws, r, 2, c.count, bold_int if me else integer)
        num(ws, r, 3, c.denominator, bold_int if me else integer)
        num(ws, r, 4, c.share, bold_pct if me else pct)
        num(ws, r, 5, c.ci95[0] if c.ci95 else None, pct)
        num(ws, r, 6, c.ci95[1] if c.ci95 else None, pct)
        num(ws, r, 7, c.rank_by_share, integer)
        num(ws, r, 8, c.rank_by_count, integer)
        text(ws, r, 9, "yes" if c.small else "")
        text(ws, r, 10, str(c.verdict))
    ws.autofilter(0, 0, max(1, len(compared)), len(cols) - 1)
    finish(ws)

    # Notes.
    ws = wb.add_worksheet("Notes")
    header(ws, ["Section", "Note"], [30, 100])
    r = 1
    sections: list[tuple[str, list[str]]] = [
        ("Title", [brief.title]),
        ("Caveat", brief.caveats),
        ("Right of reply", brief.questions),
        *[(f"Definition: {term}", [body]) for term, body in brief.methodology],
        ("Source", [f"{SOURCE_NAME} ({SOURCE_PAGE})"]),
        ("Licence", [brief.credit]),
        ("Edition", [brief.edition]),
        ("Generated", [brief.generated]),
    ]
    for name, notes in sections:
        for note in notes:
            text(ws, r, 0, name, title_fmt if name == "Title" else None)
            text(ws, r, 1, note, wrap)
            r += 1
    ws.autofilter(0, 0, max(1, r - 1), 1)
    finish(ws)
    wb.close()
