"""The brief as a Word document that reads well wherever it is opened (Word, LibreOffice,
Google Docs) and printed: A4, tables sized from their content, built-in styles a newsroom can
restyle, literal text (nothing in the data is interpreted)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crime_outcomes.outputs.glossary_text import UNSOURCED_MARK
from crime_outcomes.outputs.packs.model import SOURCE_NAME, SOURCE_PAGE, Brief, LeadEntry, LeadsSection, Table

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _docx_text(value: object) -> str:
    """Literal text for Word; characters XML cannot hold are dropped rather than failing the pack."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


A4_CM = (21.0, 29.7)
DOCX_MARGIN_CM = 2.0
TABLE_FONT_PT = 9.0
_CELL_PAD_PT = 12.0  # left and right cell margins together, with room for a border
# Advance widths in em, per kind of character, a little above DejaVu Sans (LibreOffice's stand-in
# for Calibri when Calibri is not installed, and wider than it), so an estimate never falls short.
_NARROW = frozenset("il.,:;'|!()[]/ ")
_WIDE = frozenset("mwMW%&@")


def text_width_pt(text: str, bold: bool = False, size: float = TABLE_FONT_PT) -> float:
    """Estimated width of a piece of text on one line, in points: never less than Word or LibreOffice need."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 1.02
        elif ch.isupper():
            em += 0.76
        else:  # lower case, digits and the rest
            em += 0.64
    return em * size * (1.1 if bold else 1.0)


def column_widths(t: Table, available_pt: float) -> list[float] | None:
    """Column widths in points from the content, or None when the table cannot fit ``available_pt``.

    Numbers (and 'n' columns) are as wide as their widest value and never wrap; a header may
    wrap between words. Text columns are at least as wide as their longest word, so no word is
    ever broken, and share the room left in proportion to how much more they would use.
    """
    need: list[float] = []  # the narrowest each column can be without breaking a word
    values_fit: list[float] = []  # wide enough for every value on one line
    header_fits: list[float] = []  # and for the header on one line too
    for i, (header, align) in enumerate(zip(t.headers, t.align, strict=True)):
        values = [row[i] for row in t.rows]
        header_word = max((text_width_pt(w, bold=True) for w in header.split()), default=0.0)
        if align in ("r", "n"):  # bold in a highlighted row, so measured bold
            need.append(max([header_word] + [text_width_pt(v, bold=True) for v in values]) + _CELL_PAD_PT)
        else:
            longest = max((text_width_pt(w, bold=t.highlight is not None) for v in values for w in v.split()), default=0.0)
            need.append(max(header_word, longest) + _CELL_PAD_PT)
        values_fit.append(max([need[-1]] + [text_width_pt(v) + _CELL_PAD_PT for v in values]))
        header_fits.append(max(values_fit[-1], text_width_pt(header, bold=True) + _CELL_PAD_PT))
    widths = need
    for target in (values_fit, header_fits):  # values first: an offence name on one line beats a header on one line
        spare = available_pt - sum(widths)
        if spare < 0:
            return None
        growth = sum(w - n for w, n in zip(target, widths, strict=True))
        if growth <= spare:
            widths = target
        else:
            return [n + spare * (w - n) / growth for w, n in zip(target, widths, strict=True)]
    return widths


def _docx_styles(doc: Any) -> None:
    """Set the look through styles, not direct formatting, so a newsroom can restyle the whole brief."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    styles = doc.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    styles["Caption"].paragraph_format.keep_with_next = True
    styles["Footer"].font.size = Pt(8)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = styles["Normal"]
    cell.font.size = Pt(TABLE_FONT_PT)
    cell.paragraph_format.space_before = Pt(1)
    cell.paragraph_format.space_after = Pt(1)
    cell.paragraph_format.line_spacing = 1.0
    figures = styles.add_style("Table Number", WD_STYLE_TYPE.PARAGRAPH)
    figures.base_style = cell
    figures.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


_STYLE_IDS: dict[tuple[str, Any], str | None] = {}
"""Style ids by (name, type), shared by every brief this process writes: each starts from python-docx's
default template and gets the same ``_docx_styles``, so a name has the same id in all of them."""


def _style_names_resolved_once(doc: Any) -> None:
    """Resolve each style name to its id once (per process: every brief has the same styles).

    python-docx looks a name up by scanning every style in the document, twice, on each use; a
    brief uses style names about 1,500 times, and the scans were most of the time it took to
    write one. Call this after the last style is added: a name's id cannot change afterwards.
    """
    part = doc.part
    lookup = part.get_style_id
    ids = _STYLE_IDS

    def get_style_id(style_or_name: Any, style_type: Any) -> str | None:
        if not isinstance(style_or_name, str):
            return lookup(style_or_name, style_type)
        key = (style_or_name, style_type)
        if key not in ids:
            ids[key] = lookup(style_or_name, style_type)
        return ids[key]

    part.get_style_id = get_style_id  # the document's paragraphs, runs, tables and footer all ask the document part


def _page(section: Any, landscape: bool) -> None:
    """A4, portrait or landscape, with the same margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    short, long = Cm(A4_CM[0]), Cm(A4_CM[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(DOCX_MARGIN_CM))


def _on(element: Any, tag: str) -> None:
    """Add an on/off property (present means on), such as a row's w:tblHeader."""
    from docx.oxml import OxmlElement

    element.append(OxmlElement(tag))


def _scaled(t: Table, available_pt: float) -> list[float]:
    """Widths for a table wider than any page: the natural widths scaled down; words may then wrap."""
    natural = column_widths(t, float("inf")) or []
    return [w * available_pt / sum(natural) for w in natural]


def _docx_table(doc: Any, t: Table) -> None:
    """A table with widths from its content; header row repeated, rows never split across pages.

    A table too wide for a portrait page goes on a landscape page of its own.
    """
    from docx.enum.section import WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def room(landscape: bool) -> float:
        page = A4_CM[1] if landscape else A4_CM[0]
        return Cm(page - 2 * DOCX_MARGIN_CM).pt

    portrait = column_widths(t, room(False))
    landscape = portrait is None
    if portrait is None:
        _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    widths = portrait or column_widths(t, room(True)) or _scaled(t, room(True))

    if t.caption:
        _para(doc, _docx_text(t.caption), style="Caption")
    tbl = doc.add_table(rows=1, cols=len(t.headers))
    tbl.style = "Light List Accent 1"
    tbl.alignment = WD_TABLE_ALIGNMENT.LEFT
    tbl.autofit = False
    look = tbl._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl._tbl.tblPr.append(look)
    # Header row and row banding from the table style; no emphasis on the first column. Word reads
    # the named attributes, LibreOffice the older bit mask in w:val (0x0020 first row, 0x0400 no column bands).
    for key, value in (
        ("w:val", "0420"),
        ("w:firstRow", "1"),
        ("w:lastRow", "0"),
        ("w:firstColumn", "0"),
        ("w:lastColumn", "0"),
        ("w:noHBand", "0"),
        ("w:noVBand", "1"),
    ):
        look.set(qn(key), value)
    for column, width in zip(tbl.columns, widths, strict=True):
        column.width = Pt(width)
    tbl_width = tbl._tbl.tblPr.find(qn("w:tblW"))
    if tbl_width is None:
        tbl_width = OxmlElement("w:tblW")
        tbl._tbl.tblPr.append(tbl_width)
    tbl_width.set(qn("w:type"), "dxa")  # twentieths of a point
    tbl_width.set(qn("w:w"), str(round(sum(widths) * 20)))

    def fill(row: Any, values: Sequence[str], strong: bool, *, set_widths: bool = False) -> None:
        _on(row._tr.get_or_add_trPr(), "w:cantSplit")
        for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if set_widths:  # add_row gives a new row's cells the column widths already
                cell.width = Pt(widths[i])
            para = cell.paragraphs[0]
            para.style = "Table Number" if t.align[i] == "r" else "Table Text"
            run = para.add_run(_docx_text(value))
            if strong:
                run.style = "Strong"

    fill(tbl.rows[0], t.headers, False, set_widths=True)
    _on(tbl.rows[0]._tr.get_or_add_trPr(), "w:tblHeader")
    template = None
    strong_id = doc.styles["Strong"].style_id
    for r, row in enumerate(t.rows):
        if template is None or not DIRECT_XML:
            fill(tbl.add_row(), row, t.highlight == r)
            template = tbl._tbl.tr_lst[-1]
        else:
            _copy_row(tbl._tbl, template, row, strong_id if t.highlight == r else None)
    if landscape:
        _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    else:
        _para(doc)


def _para(doc: Any, text: str = "", style: str | None = None) -> Any:
    """``doc.add_paragraph(text, style)``, writing the same XML without python-docx's run and style objects
    (a brief has some 150 paragraphs; the objects were most of the time they took)."""
    if not DIRECT_XML:
        return doc.add_paragraph(text, style)
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    p = OxmlElement("w:p")
    if style is not None:
        p.append(_style_props(doc.part, "w:pPr", "w:pStyle", style, WD_STYLE_TYPE.PARAGRAPH))
    body = doc.element.body
    end = body.sectPr
    if end is not None:
        end.addprevious(p)
    else:
        body.append(p)
    paragraph = Paragraph(p, doc._body)
    if text:
        _run(paragraph, text)
    return paragraph


def _style_props(part: Any, props_tag: str, ref_tag: str, style: str, style_type: Any) -> Any:
    """The properties element naming ``style``, as python-docx writes it: present whenever a style is
    given, even the default one (whose id is None, so the element stays empty)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = OxmlElement(props_tag)
    style_id = part.get_style_id(style, style_type)
    if style_id is not None:
        ref = OxmlElement(ref_tag)
        ref.set(qn("w:val"), style_id)
        props.append(ref)
    return props


def _put_text(run: Any, text: str) -> None:
    """Text into an empty run as python-docx's ``run.text = text`` puts it: one ``w:t``, spaces at either end kept;
    a tab or line break goes through python-docx's own conversion into Word's elements."""
    if not text:
        return
    if "\t" in text or "\n" in text or "\r" in text:
        run.text = text
        return
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    t = OxmlElement("w:t")
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")
    run.append(t)


def _heading(doc: Any, text: str, level: int) -> Any:
    """``doc.add_heading(text, level)`` through ``_para``."""
    return _para(doc, text, "Title" if level == 0 else f"Heading {level}")


def _run(paragraph: Any, text: str, style: str | None = None) -> None:
    """``paragraph.add_run(text, style)``, writing the same XML directly (see ``_para``)."""
    if not DIRECT_XML:
        paragraph.add_run(text, style)
        return
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement

    run = OxmlElement("w:r")
    _put_text(run, text)
    if style is not None:
        run.insert(0, _style_props(paragraph.part, "w:rPr", "w:rStyle", style, WD_STYLE_TYPE.CHARACTER))
    paragraph._p.append(run)


DIRECT_XML = True
"""Paragraphs, runs and table rows after a table's first are written as XML directly (``_para``, ``_run``,
``_copy_row``); a test turns this off to compare with what python-docx's own objects write."""


def _copy_row(tbl: Any, template: Any, values: Sequence[str], strong_id: str | None) -> None:
    """Append a row shaped like ``template`` (a row ``fill`` made: widths, styles, no split) holding ``values``,
    in the character style ``strong_id`` if given.

    Why: python-docx's row, cell, style and run objects were half the time a brief took to write;
    copying the first row's XML and putting new runs in it writes the same XML in a fraction of it.
    """
    from copy import deepcopy

    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr = deepcopy(template)
    for p, value in zip(tr.iter(qn("w:p")), values, strict=True):
        for old in p.findall(qn("w:r")):
            p.remove(old)
        run = OxmlElement("w:r")
        if strong_id is not None:
            props = OxmlElement("w:rPr")
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), strong_id)
            props.append(style)
            run.append(props)
        _put_text(run, _docx_text(value))
        p.append(run)
    tbl.append(tr)


def _docx_lead(doc: Any, e: LeadEntry) -> None:
    p = _para(doc, style="List Bullet")
    _run(p, _docx_text(e.sentence), style="Strong")
    _para(doc, _docx_text(f"{e.about}. {e.rank_text}; score {e.score}."), style="List Continue")
    for c in e.caveats:
        _para(doc, _docx_text(c), style="List Bullet 2")
    look = "; ".join(f"{label}: {where}" for label, where in e.look)
    _para(doc, _docx_text(f"Look next: {look}"), style="List Bullet 2")


def _docx_leads(doc: Any, leads: LeadsSection) -> None:
    """The brief's opening: the force's leads on the brief's outcomes, then on its others."""
    _heading(doc, "Leads", 1)
    _para(doc, _docx_text(leads.intro))
    if leads.own_heading:
        _heading(doc, _docx_text(leads.own_heading[:1].upper() + leads.own_heading[1:]), 2)
    if leads.own_none:
        _para(doc, _docx_text(leads.own_none))
    for e in leads.own:
        _docx_lead(doc, e)
    if leads.other:
        _heading(doc, _docx_text(leads.other_heading), 2)
        for e in leads.other:
            _docx_lead(doc, e)


def write_docx(brief: Brief, path: Path, folder: Path) -> None:
    """The brief as a Word document on A4: headings, lines, tables, figures with alt text, footer credit."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    _docx_styles(doc)
    _style_names_resolved_once(doc)
    _page(doc.sections[0], landscape=False)
    props = doc.core_properties
    props.title = _docx_text(brief.title)
    props.author = "crime-outcomes"
    props.comments = _docx_text(brief.credit)

    _heading(doc, _docx_text(brief.title), 0)
    _para(doc, _docx_text(brief.subtitle), style="Subtitle")
    if brief.sample_notice:
        p = _para(doc, style="Intense Quote")
        _run(p, "Sample data. ", style="Strong")
        _run(p, _docx_text(brief.sample_notice))

    def figure(name: str) -> None:
        ref = brief.charts.get(name)
        if ref is None:
            return
        doc.add_picture(str(folder / ref.png_path), width=Cm(15.5))
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        shape = doc.inline_shapes[-1]
        shape._inline.docPr.set("descr", _docx_text(ref.alt))  # alt text for screen readers
        shape._inline.docPr.set("title", _docx_text(ref.title))
        _para(doc, _docx_text(f"Figure: {ref.title}. Files: {ref.svg_path}, {ref.png_path}."), style="Caption")

    if brief.leads:
        _docx_leads(doc, brief.leads)
    _heading(doc, "The story in brief", 1)
    for line in brief.lines:
        _para(doc, _docx_text(line), style="List Bullet")
    if brief.glossary:
        _heading(doc, "What the outcomes mean", 1)
        for entry in brief.glossary:
            p = _para(doc)
            _run(p, _docx_text(f"{entry.name[:1].upper()}{entry.name[1:]} (type {entry.type}). "), style="Strong")
            _run(p, _docx_text(entry.sentence()))
            for question, answer, sourced in entry.facts():
                _para(
                    doc,
                    _docx_text(f"{question}? {answer[:1].upper()}{answer[1:]}.{'' if sourced else UNSOURCED_MARK}"),
                    style="List Bullet",
                )
            _para(doc, _docx_text("Sources: " + "; ".join(f"{src.title} ({src.link})" for src in entry.sources)), style="Caption")
    _heading(doc, "Key figures", 1)
    _docx_table(doc, brief.figures)
    _heading(doc, "Year by year", 1)
    if brief.change:
        _para(doc, _docx_text(brief.change)).paragraph_format.keep_with_next = True
    _docx_table(doc, brief.years)
    if brief.years_note:
        _para(doc, _docx_text(brief.years_note), style="Caption")
    figure("year-series")
    _heading(doc, "Offences", 1)
    _docx_table(doc, brief.offences)
    _para(doc, _docx_text(brief.offences_note))
    figure("offences")
    _heading(doc, "Notable offences", 1)
    intro = _para(doc, _docx_text(brief.notable_intro))
    if brief.notable:
        intro.paragraph_format.keep_with_next = True  # the heading and its introduction start the page with the table
        _docx_table(doc, brief.notable)
        _para(doc, "Rules behind these flags:", style="Caption")
        for rule_id, codes, label in brief.notable_rules:
            p = _para(doc, style="List Bullet")
            _run(p, _docx_text(rule_id), style="Strong")
            _run(p, _docx_text(f" ({', '.join(codes)}): {label}"))
    _heading(doc, "National comparison" if not brief.is_national else "Forces compared", 1)
    for para in brief.comparison:
        _para(doc, _docx_text(para))
    figure("funnel")
    figure("ratio")
    if brief.largest:
        _docx_table(doc, brief.largest)
    if brief.forces:
        _docx_table(doc, brief.forces)
    if brief.known_breaks:
        _heading(doc, "Known breaks in the data", 1)
        for what, source, link in brief.known_breaks:
            _para(doc, _docx_text(f"{what} Source: {source} ({link})."), style="List Bullet")
    _heading(doc, "Caveats", 1)
    for c in brief.caveats:
        _para(doc, _docx_text(c), style="List Bullet")
    _heading(doc, _docx_text(brief.questions_heading), 1)
    for q in brief.questions:
        _para(doc, _docx_text(q), style="List Number")
    _heading(doc, "Methodology", 1)
    for term, text in brief.methodology:
        p = _para(doc)
        _run(p, _docx_text(term) + ". ", style="Strong")
        _run(p, _docx_text(text))
    _heading(doc, "Source and licence", 1)
    _para(doc, _docx_text(brief.credit))
    _para(doc, _docx_text(f"Source: {SOURCE_NAME} ({SOURCE_PAGE})."))
    _para(doc, _docx_text(brief.edition))
    _para(doc, _docx_text(brief.generated))

    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = _docx_text(f"{brief.edition} {brief.credit}")
    footer.style = "Footer"
    doc.save(str(path))
