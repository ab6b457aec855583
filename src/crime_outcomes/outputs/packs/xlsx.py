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

from crime_outcomes.analysis.model import Story
from crime_outcomes.outputs.glossary_text import UNSOURCED_MARK
from crime_outcomes.outputs.packs.model import SOURCE_NAME, SOURCE_PAGE, Brief
from crime_outcomes.text import safe_cell

_PORTRAIT_COLUMNS = 110.0
"""Total column width (characters) beyond which a sheet prints landscape, so fitting it to the width keeps text legible."""


class _Formats:
    """The workbook's cell formats. Every cell is top-aligned, so a row whose offence name wraps still reads across."""

    def __init__(self, wb: Any) -> None:
        self.head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"})
        self.plain = wb.add_format({"valign": "top"})
        self.integer = wb.add_format({"num_format": "#,##0", "valign": "top"})
        self.pct = wb.add_format({"num_format": "0.00%", "valign": "top"})
        self.decimal = wb.add_format({"num_format": "#,##0.00", "valign": "top"})
        self.bold = wb.add_format({"bold": True, "valign": "top"})
        self.bold_int = wb.add_format({"bold": True, "num_format": "#,##0", "valign": "top"})
        self.bold_pct = wb.add_format({"bold": True, "num_format": "0.00%", "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.bold_wrap = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.title = wb.add_format({"bold": True, "font_size": 13})


class _Sheet:
    """One worksheet, remembering what was written so its columns and rows can be sized at the end.

    It keeps the widest value written to each column (in characters), each column's limit, and
    the cells that wrap (row, first and last column, text, bold): neither Excel nor LibreOffice
    grows a row to fit wrapped text when it opens a file, so each such row is given its height.
    """

    def __init__(self, wb: Any, f: _Formats, name: str, headers: Sequence[str], caps: Sequence[float]) -> None:
        """A sheet with its header row, frozen; ``caps`` are the widest each column may grow before its text wraps."""
        self.ws = wb.add_worksheet(name)
        self.f = f
        self.caps = list(caps)
        self.columns = len(headers)
        self.widest: dict[int, float] = {}
        self.wrapped: list[tuple[int, int, int, str, bool]] = []
        for c, header in enumerate(headers):
            self.ws.write_string(0, c, header, f.head)
            self._seen(c, max(len(w) for w in header.split()) * 1.1)  # the header wraps between words
            self.wrapped.append((0, c, c, header, True))
        self.ws.freeze_panes(1, 0)

    def _seen(self, c: int, chars: float) -> None:
        self.widest[c] = max(self.widest.get(c, 0.0), chars)

    def text(self, r: int, c: int, value: object, fmt: Any = None) -> None:
        f = self.f
        fmt = f.plain if fmt is None else fmt
        if value is None or value == "":
            self.ws.write_blank(r, c, None, fmt)
            return
        value = safe_cell(str(value))
        cap = self.caps[c]
        strong = fmt in (f.bold, f.bold_wrap)
        if len(value) > cap or fmt is f.wrap:  # wraps within the column's limit rather than being cut off by the next cell
            fmt = f.bold_wrap if strong else f.wrap
            self.wrapped.append((r, c, c, value, strong))
        self._seen(c, min(len(value), cap) * (1.1 if strong else 1.0))
        self.ws.write_string(r, c, value, fmt)

    def paragraph(self, r: int, first: int, last: int, value: str) -> None:
        """Text across several columns, wrapped (a story line under the figures)."""
        value = safe_cell(value)
        self.ws.merge_range(r, first, r, last, value, self.f.wrap)
        self.wrapped.append((r, first, last, value, False))

    def num(self, r: int, c: int, value: float | int | None, fmt: Any) -> None:
        f = self.f
        if value is None:
            self.ws.write_blank(r, c, None, fmt)
            return
        shown = f"{value * 100:,.2f}%" if fmt in (f.pct, f.bold_pct) else f"{value:,.0f}"
        self._seen(c, len(shown) * (1.1 if fmt in (f.bold_int, f.bold_pct) else 1.0))
        self.ws.write_number(r, c, value, fmt)

    def finish(self, rows: int | None = None) -> None:
        """A filter over ``rows`` data rows (if given); column widths and wrapped rows' heights from
        what was written; and a print setup: A4, fitted to the page width, the header row repeated."""
        ws = self.ws
        if rows is not None:
            ws.autofilter(0, 0, max(1, rows), self.columns - 1)
        widths = {c: max(6.0, chars + 2) for c, chars in self.widest.items()}
        for c, width in widths.items():
            ws.set_column(c, c, width)
        lines: dict[int, int] = {}
        for r, first, last, value, strong in self.wrapped:
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


def write_xlsx(s: Story, brief: Brief, path: Path) -> None:
    """The workbook: real numbers with number formats, frozen headers, filters, text never a formula."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True}
    )
    wb.set_properties({"title": brief.title, "author": "crime-outcomes", "comments": brief.credit})
    f = _Formats(wb)
    for sheet in (_summary, _by_year, _by_offence, _notable, _forces_compared, _notes):
        sheet(wb, f, s, brief)
    wb.close()


def _summary(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
    """One figure a row, with the story JSON field it comes from; then the story lines."""
    nat, rank = s.national, s.rank
    limits = s.funnel.limits if s.funnel else None
    low, high = s.ci95 or (None, None)
    ws = _Sheet(wb, f, "Summary", ["Figure", "Value", "Story JSON field"], [44, 30, 30])
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
        adjusted = s.funnel.adjusted if s.funnel else None
        wide = adjusted.limits if adjusted else None
        st = s.standardised
        rows += [
            (
                "Funnel verdict, limits widened for differences between forces",
                adjusted.verdict if adjusted else None,
                "funnel.adjusted.verdict",
                "text",
            ),
            ("Funnel widened 99.8% limit, lower", wide.lower998 if wide else None, "funnel.adjusted.low998", "pct"),
            ("Funnel widened 99.8% limit, upper", wide.upper998 if wide else None, "funnel.adjusted.high998", "pct"),
            ("Expected at England and Wales rates", st.expected if st else None, "standardised.expected", "float"),
            ("Ratio to expected", st.ratio if st else None, "standardised.ratio", "float"),
        ]
    for r, (label, value, key, kind) in enumerate(rows, start=1):
        ws.text(r, 0, label)
        if kind == "text":
            ws.text(r, 1, value)
        else:
            ws.num(r, 1, value, f.integer if kind == "int" else f.decimal if kind == "float" else f.pct)
        ws.text(r, 2, key)
    r = len(rows) + 2
    ws.ws.write_string(r, 0, "Story lines", f.bold)
    # Each story line, and the edition, spans the three columns and wraps.
    for i, line in enumerate(s.lines, start=r + 1):
        ws.paragraph(i, 0, 2, line)
    ws.paragraph(r + len(s.lines) + 2, 0, 2, brief.edition)
    ws.finish()


def _by_year(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
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
    ws = _Sheet(wb, f, "By year", cols, [20] * len(cols))
    for r, y in enumerate(s.by_year, start=1):
        ws.text(r, 0, y.year)
        ws.num(r, 1, y.count, f.integer)
        ws.num(r, 2, y.denominator, f.integer)
        ws.num(r, 3, y.share, f.pct)
        ws.num(r, 4, y.ci95[0] if y.ci95 else None, f.pct)
        ws.num(r, 5, y.ci95[1] if y.ci95 else None, f.pct)
        ws.num(r, 6, y.national_count, f.integer)
        ws.num(r, 7, y.national_denominator, f.integer)
        ws.num(r, 8, y.national_share, f.pct)
        ws.num(r, 9, y.missing_cells, f.integer)
    ws.finish(len(s.by_year))


def _by_offence(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
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
    ws = _Sheet(wb, f, "By offence", cols, [10, 48, 36, 36, 9, 14, 14, 14, 14, 14, 14, 14, 9, 30])
    for r, o in enumerate(s.offences, start=1):
        ws.text(r, 0, o.code)
        ws.text(r, 1, o.description)
        ws.text(r, 2, o.group)
        ws.text(r, 3, o.subgroup)
        ws.text(r, 4, "yes" if o.expired else "")
        ws.num(r, 5, o.count, f.integer)
        ws.num(r, 6, o.national_count, f.integer)
        ws.num(r, 7, o.share_of_national, f.pct)
        ws.num(r, 8, o.force_denominator, f.integer)
        ws.num(r, 9, o.force_rate, f.pct)
        ws.num(r, 10, o.national_denominator, f.integer)
        ws.num(r, 11, o.national_rate, f.pct)
        ws.text(r, 12, "yes" if o.serious else "")
        ws.text(r, 13, "; ".join(h.rule_id for h in o.rules))
    ws.finish(len(s.offences))


def _notable(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
    cols = ["Code", "Offence", "Group", "Count", "E&W count", "Share of E&W", "Rule ids", "Rules"]
    ws = _Sheet(wb, f, "Notable offences", cols, [10, 48, 36, 14, 14, 14, 30, 60])
    for r, o in enumerate(s.notable, start=1):
        ws.text(r, 0, o.code)
        ws.text(r, 1, o.description)
        ws.text(r, 2, o.group)
        ws.num(r, 3, o.count, f.integer)
        ws.num(r, 4, o.national_count, f.integer)
        ws.num(r, 5, o.share_of_national, f.pct)
        ws.text(r, 6, "; ".join(h.rule_id for h in o.rules))
        ws.text(r, 7, "; ".join(h.label for h in o.rules), f.wrap)
    ws.finish(len(s.notable))


def _forces_compared(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
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
    ws = _Sheet(wb, f, "All forces compared", cols, [36, 20, 14, 14, 14, 14, 14, 14, 14, 14, 24])
    compared = s.comparison
    for r, c in enumerate(compared, start=1):
        me = c.force == s.force.name
        ws.text(r, 0, c.force, f.bold if me else None)
        ws.text(r, 1, c.kind)
        ws.num(r, 2, c.count, f.bold_int if me else f.integer)
        ws.num(r, 3, c.denominator, f.bold_int if me else f.integer)
        ws.num(r, 4, c.share, f.bold_pct if me else f.pct)
        ws.num(r, 5, c.ci95[0] if c.ci95 else None, f.pct)
        ws.num(r, 6, c.ci95[1] if c.ci95 else None, f.pct)
        ws.num(r, 7, c.rank_by_share, f.integer)
        ws.num(r, 8, c.rank_by_count, f.integer)
        ws.text(r, 9, "yes" if c.small else "")
        ws.text(r, 10, str(c.verdict))
    ws.finish(len(compared))


def _notes(wb: Any, f: _Formats, s: Story, brief: Brief) -> None:
    """The brief's words beside the numbers: caveats, questions, definitions, source and licence."""
    ws = _Sheet(wb, f, "Notes", ["Section", "Note"], [30, 100])
    r = 1
    sections: list[tuple[str, list[str]]] = [
        ("Title", [brief.title]),
        ("Caveat", brief.caveats),
        ("Right of reply", brief.questions),
        *[(f"Methodology: {term}", [body]) for term, body in brief.methodology],
        *[
            (
                f"Glossary: type {e.type}, {e.name}",
                [
                    e.sentence(),
                    *(f"{q}? {a}{'' if ok else UNSOURCED_MARK}" for q, a, ok in e.facts()),
                    "Sources: " + "; ".join(f"{src.title} ({src.link})" for src in e.sources),
                ],
            )
            for e in brief.glossary
        ],
        *[("Known break in the data", [f"{what} Source: {source} ({link})."]) for what, source, link in brief.known_breaks],
        *[(f"Definition (developers): {term}", [body]) for term, body in brief.definitions],
        ("Source", [f"{SOURCE_NAME} ({SOURCE_PAGE})"]),
        ("Licence", [brief.credit]),
        ("Edition", [brief.edition]),
        ("Generated", [brief.generated]),
    ]
    for name, notes in sections:
        for note in notes:
            ws.text(r, 0, name, f.title if name == "Title" else None)
            ws.text(r, 1, note, f.wrap)
            r += 1
    ws.finish(r - 1)
