"""Story packs: every file present and valid, figures equal to the story JSON, hostile text inert.

Three stores:

* the bundled real 2017/18 sample (West Midlands and national packs);
* a small two-year store built here from CSVs with the published headers, where every force
  has outcomes (so ``write_all`` writes 44 packs) and Kent has an offence whose published
  description holds ``<script>`` markup and whose group is a spreadsheet formula.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from python_calamine import CalamineWorkbook

from crime_outcomes.analysis.story import story
from crime_outcomes.normalise.forces import FORCES, england_and_wales_forces
from crime_outcomes.outputs.packs import CHART_FILES, PACK_FILES, RATIO_CHART_FILES, Table, md_escape, write_all, write_pack
from crime_outcomes.outputs.packs.docx import column_widths, text_width_pt
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
SHEETS = ["Summary", "By year", "By offence", "Notable offences", "All forces compared", "Notes"]


# ----------------------------------------------------------------------------- helpers


def uk_int(n: int) -> str:
    return f"{n:,}"


def uk_pct(fraction: float, places: int = 1) -> str:
    """Half-up rounding, as a reader checks by hand (independent of the code under test)."""
    q = Decimal(1).scaleb(-places)
    return f"{(Decimal(repr(fraction)) * 100).quantize(q, rounding=ROUND_HALF_UP)}%"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def sheet_xml(path: Path, index: int) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def summary_values(path: Path) -> dict[str, Any]:
    """Summary tab as {story JSON field: value}, read back with calamine."""
    rows = sheet_rows(path, "Summary")
    assert rows[0] == ["Figure", "Value", "Story JSON field"]
    return {r[2]: r[1] for r in rows[1:] if len(r) > 2 and r[2]}


# ----------------------------------------------------------------------------- fixture stores


@pytest.fixture(scope="session")
def sample_store():
    store = open_sample_store()
    yield store
    store.close()


def _rows(year: str, scale: int) -> list[list[object]]:
    """Every force: assault (8N) and shoplifting (46) with community resolutions and charges;
    Kent also has the hostile offence (88A, a serious code) dealt with by community resolution."""
    rows: list[list[object]] = []
    for i, force in enumerate(england_and_wales_forces()):
        for code, desc, group, cr, charged in (
            ("8N", "Assault with injury", "Violence against the person", 10 + i + scale, 100 + 3 * i),
            ("46", "Shoplifting", "Theft offences", 5 + i % 7, 40 + scale),
        ):
            rows.append([year, 1, force, desc, group, "Sub", code, None, "Community Resolution", "Out-of-court (informal)", 8, cr, cr])
            rows.append([year, 1, force, desc, group, "Sub", code, None, "Charged/Summonsed", "Charged/Summonsed", 1, charged, charged])
        if force == "Kent":
            rows.append(
                [
                    year,
                    1,
                    force,
                    f"{SCRIPT} & grooming",
                    FORMULA,
                    "-1 subgroup",
                    "88A",
                    None,
                    "Community Resolution",
                    "Out-of-court (informal)",
                    8,
                    30,
                    30,
                ]
            )
    return rows


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("small-store")
    store = Store.open(folder / "store.duckdb")
    for name, year, scale in (
        ("prc-outcomes-open-data-mar2017-tables-200717.csv", "2016/17", 0),
        ("prc-outcomes-open-data-mar2018-tables-170719.csv", "2017/18", 5),
    ):
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS_2019)
            writer.writerows(_rows(year, scale))
        report = ingest_file(store, path)
        assert report.rows_rejected == 0
    yield store
    store.close()


@pytest.fixture(scope="session")
def west_midlands(sample_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs")
    result = write_pack(sample_store, "West Midlands", out)
    return result, story(sample_store, force="West Midlands").to_json()


@pytest.fixture(scope="session")
def all_packs(small_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("all")
    seen: list[tuple[int, int, str]] = []
    result = write_all(small_store, out, workers=2, progress=lambda d, t, n: seen.append((d, t, n)))
    return result, seen


# ----------------------------------------------------------------------------- the real sample


def test_every_file_present_and_valid(west_midlands):
    result, sj = west_midlands
    folder = result.folder
    assert folder.name == "west-midlands" and result.name == "West Midlands"
    for rel in PACK_FILES + CHART_FILES + RATIO_CHART_FILES:
        assert (folder / rel).is_file(), rel
    # docx opens and carries every section
    doc = Document(str(folder / "brief.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for h in (
        "The story in brief",
        "Key figures",
        "Year by year",
        "Offences",
        "Notable offences",
        "National comparison",
        "Caveats",
        "Questions for West Midlands Police's press office (right of reply)",
        "Methodology",
        "Source and licence",
    ):
        assert h in headings
    assert len(doc.inline_shapes) == 4
    assert "Figures as of the May 2019 edition" in doc.sections[0].footer.paragraphs[0].text
    # xlsx opens with calamine, with the six tabs
    assert CalamineWorkbook.from_path(str(folder / "data.xlsx")).sheet_names == SHEETS
    # SVG parses; PNG decodes to the 2x size
    for name in ("year-series", "offences", "funnel", "ratio"):
        root = ET.parse(folder / "charts" / f"{name}.svg").getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        width, height = png_size(folder / "charts" / f"{name}.png")
        assert width == 1200 and 600 < height < 1300
    alt = json.loads((folder / "charts" / "alt-text.json").read_text(encoding="utf-8"))
    assert set(alt) == {"year-series", "offences", "funnel", "ratio"}
    assert "West Midlands Police is highlighted: 1.7% of 229,297 outcomes (3,834)" in alt["funnel"]["alt"]
    std = sj["standardised"]
    assert std["observed"] == 3834
    assert (
        f"West Midlands Police is highlighted: 3,834 against about {uk_int(round(std['expected']))} expected, "
        f"a ratio of {std['observed'] / std['expected']:.2f}."
    ) in alt["ratio"]["alt"]
    # the zip holds exactly the folder
    with zipfile.ZipFile(result.zip_path) as zf:
        assert sorted(zf.namelist()) == sorted(f"west-midlands/{p.relative_to(folder).as_posix()}" for p in result.files)
        assert zf.testzip() is None


def test_the_ratio_chart_stands_beside_the_funnel_chart_in_every_brief(west_midlands):
    """Issue #12: the chart of standardised ratios is in the pack as on the web, right after the funnel plot."""
    result, _ = west_midlands
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    funnel, ratio = md.index("(charts/funnel.png)"), md.index("(charts/ratio.png)")
    comparison = md.index("## National comparison")
    assert comparison < funnel < ratio and "##" not in md[funnel:ratio]
    html = (result.folder / "brief.html").read_text(encoding="utf-8")
    assert (
        html.index("charts/funnel.svg") < html.index("charts/ratio.svg") < html.index('id="breaks"' if 'id="breaks"' in html else "</body>")
    )
    captions = [p.text for p in Document(str(result.folder / "brief.docx")).paragraphs if p.style.name == "Caption" and "charts/" in p.text]
    assert [c.split("Files: ")[1].split(",")[0] for c in captions][-2:] == ["charts/funnel.svg", "charts/ratio.svg"]


def test_html_is_self_contained(west_midlands):
    result, _ = west_midlands
    html = (result.folder / "brief.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower() and "<img" not in html.lower()
    assert "@import" not in html and "url(" not in html.replace("url(#", "")
    assert html.count("<svg") == 4 and "<style>" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids across the inline charts"


def test_brief_figures_equal_story_json(west_midlands):
    result, sj = west_midlands
    assert result.story.to_json() == sj
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    count, den, share = sj["count"], sj["denominator"], sj["share"]
    nat = sj["national"]
    assert (count, den) == (3834, 229297)  # the real extract's sums (tests/analysis/test_story.py checks them)
    assert f"| Community resolutions | {uk_int(count)} | {uk_int(nat['count'])} |" in md
    assert f"| All crime outcomes | {uk_int(den)} | {uk_int(nat['denominator'])} |" in md
    assert f"| Share | {uk_pct(share)} | {uk_pct(nat['share'])} |" in md
    # 33rd highest of 43, read from the nearer end as the story's sentences read it.
    assert f"| Rank by share | 11th lowest of {sj['rank']['of']} | – |" in md and sj["rank"]["by_share"] == 33
    assert f"| Funnel plot, chance alone | {sj['funnel']['verdict']} | – |" in md
    assert f"| Funnel plot, limits widened for differences between forces | {sj['funnel']['adjusted']['verdict']} | – |" in md
    for line in sj["lines"]:
        assert md_escape(line) in md
    for o in sj["notable"]:
        row = f"| {md_escape(o['description'])} | {o['code']} | {uk_int(o['count'])} | {uk_pct(o['share_of_national'])} |"
        assert row in md
        for rule in o["rules"]:
            assert md_escape(rule["id"]) in md
    assert "Figures as of the May 2019 edition" in md
    assert "Open Government Licence v3.0" in md
    # the same figures in the HTML and Word versions
    html = (result.folder / "brief.html").read_text(encoding="utf-8")
    text = docx_text(result.folder / "brief.docx")
    for figure in (uk_int(count), uk_int(den), uk_pct(share), uk_int(nat["count"])):
        assert figure in html and figure in text


def test_workbook_numbers_equal_story_json(west_midlands):
    result, sj = west_midlands
    path = result.folder / "data.xlsx"
    s = summary_values(path)
    assert s["count"] == sj["count"] and s["denominator"] == sj["denominator"]
    assert s["share"] == pytest.approx(sj["share"], rel=1e-12)
    assert s["national.count"] == sj["national"]["count"] and s["national.denominator"] == sj["national"]["denominator"]
    assert s["national.share"] == pytest.approx(sj["national"]["share"], rel=1e-12)
    assert s["rank.by_share"] == sj["rank"]["by_share"] and s["rank.by_count"] == sj["rank"]["by_count"]
    assert s["funnel.verdict"] == sj["funnel"]["verdict"]
    assert s["ci95[0]"] == pytest.approx(sj["ci95"][0]) and s["funnel.limits.upper998"] == pytest.approx(sj["funnel"]["limits"]["upper998"])
    offences = sheet_rows(path, "By offence")
    assert len(offences) == 1 + len(sj["offences"])
    first = dict(zip(offences[0], offences[1], strict=False))
    o = sj["offences"][0]
    assert (first["Code"], first["Count"], first["E&W count"]) == (o["code"], o["count"], o["national_count"])
    assert first["Share of E&W"] == pytest.approx(o["share_of_national"])
    notable = sheet_rows(path, "Notable offences")
    assert [r[0] for r in notable[1:]] == [o["code"] for o in sj["notable"]]
    forces = sheet_rows(path, "All forces compared")
    assert len(forces) == 1 + len(sj["forces_compared"]) == 45
    assert sum(r[2] for r in forces[1:]) == sj["national"]["count"]
    # real number formats, frozen header rows and filters on the data tabs
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml").decode("utf-8")
    assert 'formatCode="0.00%"' in styles and "#,##0" in styles or 'numFmtId="3"' in styles
    for index in range(1, 7):
        xml = sheet_xml(path, index)
        assert 'state="frozen"' in xml and 'ySplit="1"' in xml
        if index > 1:
            assert "<autoFilter" in xml


def test_word_brief_is_a4_with_tables_that_fit(west_midlands):
    result, sj = west_midlands
    doc = Document(str(result.folder / "brief.docx"))
    for section in doc.sections:
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) in ((21.0, 29.7), (29.7, 21.0))
        assert round(section.left_margin.cm, 1) == round(section.right_margin.cm, 1) == 2.0
    room = doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin
    # the look comes from built-in styles a newsroom can change in one place
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Title", "Subtitle", "Heading 1", "Caption", "List Bullet", "List Number"} <= styles
    offences = next(t for t in doc.tables if t.rows[0].cells[0].text == "Offence" and t.rows[0].cells[2].text == "Number")
    assert offences.style.name == "Light List Accent 1"
    header, first = offences.rows[0], offences.rows[1]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in offences.rows)  # rows never split
    widths = [c.width for c in offences.columns]
    assert widths[0] == max(widths) and sum(widths) <= room  # the offence column is the widest; the table fits
    top = next(o for o in sj["offences"] if o["count"] > 0)
    assert first.cells[0].text == top["description"] and first.cells[2].text == uk_int(top["count"])
    assert first.cells[2].paragraphs[0].style.name == "Table Number"  # numbers right-aligned by style
    assert doc.styles["Table Number"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # the notable table names each rule by id; the full wording follows the table
    notable = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Why it is notable")
    wordings: dict[tuple[str, str], list[str]] = {}  # a rule may be worded differently for different offences
    for row, o in zip(notable.rows[1:], sj["notable"], strict=True):
        # the rules given are those about these outcomes and years when any fired, else the editorial lists
        shown = [r for r in o["rules"] if r["applies"]] or [r for r in o["rules"] if not r["governs"]] or o["rules"]
        assert row.cells[0].text == o["description"] and row.cells[-1].text == ", ".join(r["id"] for r in shown)
        for r in shown:
            wordings.setdefault((r["id"], r["label"]), []).append(o["code"])
    assert len(notable.rows) == 1 + len(sj["notable"])
    text = "\n".join(p.text for p in doc.paragraphs)
    for (rule_id, label), codes in wordings.items():
        assert f"{rule_id} ({', '.join(codes)}): {label}" in text
        assert not any(label in c.text for row in notable.rows for c in row.cells)


def zip_parts(path: Path) -> dict[str, bytes]:
    """Every part of a zip-based document; core.xml's created and modified times masked."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    if "docProps/core.xml" in parts:
        parts["docProps/core.xml"] = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\1", parts["docProps/core.xml"])
    return parts


def test_word_brief_is_the_same_with_style_names_resolved_once(sample_store, west_midlands, tmp_path, monkeypatch):
    """Resolving each style name once per document is only a speed-up: every part of the file is as before."""
    from crime_outcomes.analysis.selection import Selection
    from crime_outcomes.outputs.packs import ChartRef, build_brief
    from crime_outcomes.outputs.packs import docx as pack_docx
    from crime_outcomes.outputs.packs.build import _leads

    result, _ = west_midlands
    alt = json.loads((result.folder / "charts" / "alt-text.json").read_text(encoding="utf-8"))
    refs = {n: ChartRef(n, a["title"], a["alt"], f"charts/{a['svg']}", f"charts/{a['png']}", "") for n, a in alt.items()}
    brief = build_brief(result.story, refs, _leads(sample_store, "West Midlands", Selection.parse()))  # the brief opens with its leads
    monkeypatch.setattr(pack_docx, "_style_names_resolved_once", lambda doc: None)  # python-docx's own lookups
    pack_docx.write_docx(brief, tmp_path / "looked-up.docx", result.folder)
    looked_up, written = zip_parts(tmp_path / "looked-up.docx"), zip_parts(result.folder / "brief.docx")
    assert list(written) == list(looked_up)
    assert [n for n in written if written[n] != looked_up[n]] == []
    body = written["word/document.xml"].decode("utf-8")
    for style_id in ("TableNumber", "TableText", "Heading1", "ListBullet", "Caption", "Strong"):  # the styles are really applied
        assert f'w:val="{style_id}"' in body, style_id


@pytest.mark.slow  # writes every brief twice
def test_word_brief_is_the_same_written_as_xml_directly(sample_store, tmp_path, monkeypatch):
    """Writing paragraphs, runs and table rows as XML directly is only a speed-up: python-docx's own objects give
    the same file, for a force brief (with a table row in bold) and the national one."""
    from crime_outcomes.analysis.selection import Selection
    from crime_outcomes.outputs.packs import build_brief
    from crime_outcomes.outputs.packs import docx as pack_docx
    from crime_outcomes.outputs.packs.build import _leads

    options = Selection.parse(outcome="out-of-court")
    for force in ("Kent", None):
        s = story(sample_store, force=force, selection=options)
        brief = build_brief(s, {}, _leads(sample_store, force, options))
        if force is not None:  # a row in bold (copied rows are bold through their own run style)
            brief = dataclasses.replace(brief, offences=dataclasses.replace(brief.offences, highlight=2))
        pack_docx.write_docx(brief, tmp_path / "copied.docx", tmp_path)
        monkeypatch.setattr(pack_docx, "DIRECT_XML", False)
        pack_docx.write_docx(brief, tmp_path / "built.docx", tmp_path)
        monkeypatch.setattr(pack_docx, "DIRECT_XML", True)
        copied, built = zip_parts(tmp_path / "copied.docx"), zip_parts(tmp_path / "built.docx")
        assert list(copied) == list(built)
        assert [n for n in copied if copied[n] != built[n]] == []
        assert copied["word/document.xml"].count(b"<w:tr>") > 40


def test_column_widths_come_from_the_content():
    t = Table(
        ["Offence", "Code", "Number"],
        [["Possession of controlled drugs (Cannabis)", "92E", "6,884"], ["Harassment", "8L", "81"]],
        ["l", "l", "r"],
    )
    roomy = column_widths(t, 1000.0)
    assert roomy is not None and roomy[0] > roomy[2] > roomy[1] * 0.9  # everything on one line: the offence column widest
    assert roomy[0] >= text_width_pt("Possession of controlled drugs (Cannabis)")
    tight = column_widths(t, 180.0)
    assert tight is not None and abs(sum(tight) - 180.0) < 1e-6
    assert tight[0] >= text_width_pt("Harassment") and tight[2] >= text_width_pt("Number", bold=True)  # no word broken
    assert column_widths(t, 150.0) is None  # cannot fit without breaking words: the caller turns the page


def test_a_table_too_wide_for_portrait_gets_a_landscape_page_of_its_own():
    from crime_outcomes.outputs.packs.docx import _docx_styles, _docx_table, _page

    doc = Document()
    _docx_styles(doc)
    _page(doc.sections[0], landscape=False)
    narrow = Table(["Offence", "Number"], [["Harassment", "81"]], ["l", "r"])
    wide = Table([f"Column {i}" for i in range(9)], [[f"{i}00,000" for i in range(9)]], ["r"] * 9)
    for t in (narrow, wide, narrow):
        _docx_table(doc, t)
    orientation = [(round(s.page_width.cm, 1), round(s.page_height.cm, 1)) for s in doc.sections]
    assert orientation == [(21.0, 29.7), (29.7, 21.0), (21.0, 29.7)]  # portrait, the wide table turned, portrait again
    body = doc.element.body
    tables = body.findall(qn("w:tbl"))
    assert len(tables) == 3
    landscape_room = doc.sections[1].page_width - doc.sections[1].left_margin - doc.sections[1].right_margin
    assert sum(int(g.get(qn("w:w"))) for g in tables[1].iter(qn("w:gridCol"))) * 635 <= landscape_room  # twips to EMU


def test_workbook_prints_on_a4_and_fits_the_width(west_midlands):
    result, sj = west_midlands
    path = result.folder / "data.xlsx"
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8")
    for index in range(1, 7):
        xml = sheet_xml(path, index)
        setup = re.search(r"<pageSetup [^>]*>", xml).group(0)
        assert 'paperSize="9"' in setup and 'fitToHeight="0"' in setup and 'fitToPage="1"' in xml
        assert 'fitToWidth="0"' not in setup  # fitToWidth defaults to one page
    assert book.count("_xlnm.Print_Titles") == 6 and "$1:$1" in book  # header row repeated on each printed page
    # widths from the content: the Offence column is as wide as its longest name (up to a limit) and wraps beyond it
    offences = sheet_xml(path, 3)
    widths = {int(m[0]): float(m[1]) for m in re.findall(r'<col min="(\d+)" max="\1" width="([\d.]+)"', offences)}
    longest = max(len(o["description"] or "") for o in sj["offences"])
    assert widths[2] >= min(longest, 48) and widths[1] < 12
    # the story lines on the Summary tab wrap across the three columns, each row as tall as its text
    summary = sheet_xml(path, 1)
    merged = re.findall(r'<mergeCell ref="A(\d+):C\1"/>', summary)
    assert len(merged) == len(sj["lines"]) + 1  # the lines and the edition
    heights = {m[0]: float(m[1]) for m in re.findall(r'<row r="(\d+)"[^>]* ht="([\d.]+)"', summary)}
    longest_line = max(range(len(sj["lines"])), key=lambda i: len(sj["lines"][i]))
    assert heights[merged[longest_line]] >= 30


def test_national_pack(sample_store, tmp_path):
    result = write_pack(sample_store, None, tmp_path)
    sj = story(sample_store, force=None).to_json()
    assert result.slug == "england-and-wales" and result.name == "England and Wales"
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    assert f"| Community resolutions | {uk_int(sj['count'])} |" in md and sj["count"] == 101893
    assert "Questions for the Home Office and the National Police Chiefs' Council" in md
    # the all-forces table: every one of the 44 forces, the ranked ones in rank order
    table = [line for line in md.splitlines() if line.startswith("| ") and line.count("|") == 7]
    names = {c["force"] for c in sj["forces_compared"]}
    listed = [line.split(" | ")[0][2:] for line in table if line.split(" | ")[0][2:] in names]
    assert len(listed) == 44
    top = min((c for c in sj["forces_compared"] if c["rank_by_share"]), key=lambda c: c["rank_by_share"])
    assert listed[0] == top["force"]
    assert summary_values(result.folder / "data.xlsx")["count"] == 101893


def test_questions_follow_the_findings(west_midlands):
    result, sj = west_midlands
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    section = md.split("(right of reply)", 1)[1].split("## Methodology", 1)[0]
    # below the binomial 99.8% limit but inside the limits widened for the spread between forces (issue 12):
    # no question says its share differs by more than chance or than the usual differences between forces
    assert "by more than" not in section and "chance" not in section
    top = sj["notable"][0]
    assert f"{uk_int(top['count'])} offences of {top['description'].lower()} ({top['code']})" in section
    assert "accounted for 83.3% of all community resolutions for cruelty to children/young persons" in section  # 604 of 725


# ----------------------------------------------------------------------------- hostile text


def test_hostile_offence_text_is_inert_everywhere(small_store, tmp_path):
    result = write_pack(small_store, "Kent", tmp_path)
    folder = result.folder
    sj = result.story.to_json()
    hostile = next(o for o in sj["offences"] if o["code"] == "88A")
    assert hostile["description"] == f"{SCRIPT} & grooming" and hostile["group"] == FORMULA and hostile["serious"]

    html = (folder / "brief.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; grooming" in html
    assert not EXTERNAL.search(html)  # the formula's URL is text, never a link

    md = (folder / "brief.md").read_text(encoding="utf-8")
    assert r"\<script\>alert(1)\</script\> & grooming" in md and "<script>" not in md

    for name in ("offences.svg", "funnel.svg", "year-series.svg"):
        svg = (folder / "charts" / name).read_text(encoding="utf-8")
        ET.fromstring(svg)
        assert "<script" not in svg.lower()
    offences_svg = (folder / "charts" / "offences.svg").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in offences_svg  # escaped in the file...
    svg_ns = "{http://www.w3.org/2000/svg}"
    labels = [
        "".join(line.itertext())
        for t in ET.fromstring(offences_svg).iter(f"{svg_ns}text")
        for line in (list(t.iter(f"{svg_ns}tspan")) or [t])  # a wrapped label is one <text>, a <tspan> a line
    ]
    assert f"{SCRIPT} &" in labels and "grooming *" in labels  # ...and the literal text (wrapped) when read

    # the workbook: strings, never formulas
    path = folder / "data.xlsx"
    rows = sheet_rows(path, "By offence")
    row = next(dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] == "88A")
    assert row["Offence"] == f"{SCRIPT} & grooming"
    assert row["Group"] == "'" + FORMULA and row["Subgroup"] == "'-1 subgroup"
    for index in range(1, 7):
        assert "<f>" not in sheet_xml(path, index) and "<f " not in sheet_xml(path, index)

    # Word keeps the literal text
    text = docx_text(folder / "brief.docx")
    assert f"{SCRIPT} & grooming" in text


# ----------------------------------------------------------------------------- every force


@pytest.mark.slow
def test_write_all_writes_44_packs_national_and_index(all_packs):
    result, seen = all_packs
    out = result.out_dir
    slugs = {FORCES[name].slug for name in england_and_wales_forces()}
    assert len(slugs) == 44 and not result.skipped
    assert {p.slug for p in result.forces} == slugs
    for slug in slugs | {"england-and-wales"}:
        for rel in PACK_FILES + CHART_FILES:
            assert (out / slug / rel).is_file(), f"{slug}/{rel}"
        assert zipfile.ZipFile(out / f"{slug}.zip").testzip() is None
    index = (out / "index.html").read_text(encoding="utf-8")
    for slug in slugs:
        assert f'href="{slug}/brief.html"' in index and f'href="{slug}.zip"' in index
    assert 'href="england-and-wales/brief.html"' in index
    assert not EXTERNAL.search(index) and "<script" not in index.lower()
    # progress reached every pack once
    assert len(seen) == 45 and seen[-1][0] == 45 and {n for _, _, n in seen} == set(england_and_wales_forces()) | {"England and Wales"}


@pytest.mark.slow
def test_write_all_packs_equal_single_stories(small_store, all_packs):
    result, _ = all_packs
    kent = next(p for p in result.forces if p.name == "Kent")
    assert kent.story.to_json() == story(small_store, force="Kent").to_json()
    assert result.national.story.to_json() == story(small_store, force=None).to_json()
    # two loaded years: the year table has both, and the national figures are the sums of all 44 forces
    s = summary_values(kent.folder / "data.xlsx")
    assert s["count"] == sum(r[1] for r in sheet_rows(kent.folder / "data.xlsx", "By year")[1:])
    assert s["national.count"] == sum(p.story.count for p in result.forces)


@pytest.mark.slow
def test_single_process_without_reuse_writes_the_same_packs(small_store, all_packs, tmp_path):
    result, _ = all_packs
    again = write_all(small_store, tmp_path, forces=["kent", "Durham Constabulary"], workers=1, reuse=False)
    assert [p.name for p in again.forces] == ["Kent", "Durham"]  # in the order asked
    pooled = {p.name: p for p in result.forces}
    for b in again.forces:
        a = pooled[b.name]
        assert a.story.to_json() == b.story.to_json()
        # every file the same, whichever path wrote it (Word and Excel part for part: they stamp the time they were written)
        files = [p.relative_to(a.folder) for p in a.files]
        assert files == [p.relative_to(b.folder) for p in b.files] and len(files) > 10
        for rel in files:
            if rel.suffix in (".docx", ".xlsx"):
                assert zip_parts(a.folder / rel) == zip_parts(b.folder / rel), rel
            else:
                assert (a.folder / rel).read_bytes() == (b.folder / rel).read_bytes(), rel
        with zipfile.ZipFile(a.zip_path) as za, zipfile.ZipFile(b.zip_path) as zb:
            assert za.namelist() == zb.namelist()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="kent/brief.html"' in index and 'href="essex/brief.html"' not in index


def test_query_memo_changes_no_story(small_store):
    from crime_outcomes.outputs.packs.build import _MemoStore

    memo = _MemoStore(small_store)
    for name in [None, *england_and_wales_forces()]:
        assert story(memo, force=name).to_json() == story(small_store, force=name).to_json()
    assert memo.hits > 0


# ----------------------------------------------------------------------------- the command


@pytest.mark.slow
def test_cli_pack_force_on_the_sample(tmp_path):
    env = {**os.environ, "CRIME_OUTCOMES_DB": str(tmp_path / "none.duckdb"), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "pack", "--force", "west midlands", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Wrote the pack for West Midlands" in done.stdout
    assert (tmp_path / "out" / "west-midlands" / "brief.docx").is_file() and (tmp_path / "out" / "west-midlands.zip").is_file()
    # the pack's figures are those `story --format json` prints for the same options
    printed = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "story", "--force", "West Midlands", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    sj = json.loads(printed.stdout)
    s = summary_values(tmp_path / "out" / "west-midlands" / "data.xlsx")
    assert (s["count"], s["denominator"], s["national.count"]) == (sj["count"], sj["denominator"], sj["national"]["count"])
    assert s["share"] == pytest.approx(sj["share"], rel=1e-12)
    md = (tmp_path / "out" / "west-midlands" / "brief.md").read_text(encoding="utf-8")
    assert f"| Share | {uk_pct(sj['share'])} | {uk_pct(sj['national']['share'])} |" in md
    bad = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "pack", "--out", str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 2 and "exactly one of" in bad.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "crime_outcomes", "pack", "--force", "Gotham", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert unknown.returncode == 6 and "unknown force" in unknown.stderr
