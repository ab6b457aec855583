"""Leads in the packs: every brief opens with its force's leads; the national pack has the tip sheet.

Expectations come from the library's ``leads()`` (the packs must show its leads, in its order,
with its sentences) and, for West Midlands and child cruelty, from plain sums over the real
extract (tests/conftest.py).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from crime_outcomes.analysis.leads import leads
from crime_outcomes.analysis.selection import Selection
from crime_outcomes.analysis.story import story
from crime_outcomes.outputs.packs import build as build_module
from crime_outcomes.outputs.packs import build_brief, render_html, render_markdown, write_all
from crime_outcomes.outputs.packs.build import render_pack
from crime_outcomes.outputs.packs.leads import BRIEF_OTHER_LEADS, BRIEF_OWN_LEADS, TIP_TOP, for_force, scan_outcomes
from crime_outcomes.sample import open_sample_store
from crime_outcomes.text import md_escape, number

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
WM = "West Midlands"


@pytest.fixture(scope="module")
def sample() -> Any:
    store = open_sample_store()
    yield store
    store.close()


@pytest.fixture(scope="module")
def sample_leads(sample: Any) -> Any:
    return leads(sample, outcome=scan_outcomes(Selection.parse()))


def sections(md: str) -> list[str]:
    return re.findall(r"^## (.+)$", md, flags=re.MULTILINE)


@pytest.mark.slow
def test_a_force_brief_opens_with_its_leads(sample: Any, sample_leads: Any, extract_sums: Any) -> None:
    s = story(sample, force=WM)
    mine = for_force(sample_leads, WM)
    assert [x.to_json() for x in mine.leads] == [x.to_json() for x in leads(sample, force=WM).leads]  # the slice is the force's scan
    md = render_markdown(build_brief(s, {}, mine))
    assert sections(md)[:2] == ["Leads", "The story in brief"]
    opening = md[md.index("## Leads") : md.index("## The story in brief")]
    own = [x for x in mine.leads if x.outcome.types == (8,)][:BRIEF_OWN_LEADS]
    other = [x for x in mine.leads if x.outcome.types != (8,)][:BRIEF_OTHER_LEADS]
    shown = re.findall(r"^- \*\*(.+)\*\*$", opening, flags=re.MULTILINE)
    assert shown == [md_escape(x.sentence) for x in own + other]
    assert "### On community resolutions" in opening and "### On other outcomes" in opening
    assert f"West Midlands Police has {number(mine.total)} leads in 2017/18" in opening
    # the child-cruelty lead, checked against sums over the CSV
    wm = extract_sums.force_code_type_closed[(WM, "11A", 8)]
    national = sum(v for (_, code, t), v in extract_sums.force_code_type_closed.items() if code == "11A" and t == 8)
    first = opening[opening.index("### On community resolutions") :].split("\n- ")[1]
    assert f"({number(wm)} of {number(national)})" in first and "(11A)" in first
    # the HTML brief opens the same way, before the story
    html = render_html(build_brief(s, {}, mine))
    assert html.index('id="leads"') < html.index('id="story"')
    for x in own + other:
        assert x.sentence.replace("'", "&#39;") in html


def test_a_brief_without_a_leads_scan_has_no_leads_section(sample: Any) -> None:
    md = render_markdown(build_brief(story(sample, force=WM), {}))
    assert "## Leads" not in md and sections(md)[0] == "The story in brief"


@pytest.mark.slow
def test_national_pack_has_the_tip_sheet(sample: Any, sample_leads: Any, tmp_path: Path) -> None:
    result = render_pack(story(sample, force=None), tmp_path, leads=sample_leads)
    folder = result.folder
    every = sample_leads.leads
    # the workbook: every lead, in rank order, with its figures as numbers
    rows = CalamineWorkbook.from_path(str(folder / "leads.xlsx")).get_sheet_by_name("Leads").to_python()
    head = rows[0]
    table = [dict(zip(head, r, strict=False)) for r in rows[1:]]
    assert len(table) == len(every) == sample_leads.total
    for i, (row, lead) in enumerate(zip(table, every, strict=True), start=1):
        assert row["Rank"] == i and row["Key"] == lead.key and row["Lead"] == lead.sentence
        assert row["Count"] == lead.figures.count and row["Score"] == pytest.approx(lead.score.value, rel=1e-12)
    aside = CalamineWorkbook.from_path(str(folder / "leads.xlsx")).get_sheet_by_name("Not leads").to_python()
    assert len(aside) - 1 == len(sample_leads.not_leads)
    with zipfile.ZipFile(folder / "leads.xlsx") as zf:
        assert not any("<f>" in zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/"))
    # Markdown and HTML: the top of the ranking in order, then every force with leads
    md = (folder / "leads.md").read_text(encoding="utf-8")
    top = md[md.index("## The 25 highest-scoring leads") : md.index("## Leads by force")]
    assert re.findall(r"^- \*\*(.+)\*\*$", top, flags=re.MULTILINE) == [md_escape(x.sentence) for x in every[:TIP_TOP]]
    for name in {x.force.display for x in every}:
        count = sum(1 for x in every if x.force.display == name)
        assert f"### {name}: {number(count)} {'lead' if count == 1 else 'leads'}" in md
    html = (folder / "leads.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(html) and "<script" not in html.lower()
    assert 'href="../west-midlands/brief.md"' in html
    # the national brief opens with the best leads of every force and points at the tip sheet
    brief = (folder / "brief.md").read_text(encoding="utf-8")
    assert sections(brief)[0] == "Leads" and "leads.md, leads.html and leads.xlsx in this folder" in brief
    assert "Leads" in [p.text for p in Document(str(folder / "brief.docx")).paragraphs if p.style.name.startswith("Heading")]


@pytest.mark.slow
def test_write_all_scans_for_leads_once_and_hands_each_force_its_slice(sample: Any, tmp_path: Path, monkeypatch: Any) -> None:
    calls: list[str | None] = []
    real = build_module.find_leads

    def counting(store: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("force"))
        return real(store, **kwargs)

    monkeypatch.setattr(build_module, "find_leads", counting)
    result = write_all(sample, tmp_path, forces=[WM, "Kent"], workers=1)
    assert calls == [None]  # one scan of every force, not one per pack
    for pack in result.forces:
        brief = (pack.folder / "brief.md").read_text(encoding="utf-8")
        own = leads(sample, force=pack.name).leads
        first = next(x for x in own if x.outcome.types == (8,))
        assert sections(brief)[0] == "Leads" and md_escape(first.sentence) in brief
    assert (tmp_path / "england-and-wales" / "leads.md").is_file()
    assert 'href="england-and-wales/leads.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")
