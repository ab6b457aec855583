"""Story packs: what each newsroom receives for its force, and the national pack.

A pack is a folder named after the force's slug holding the brief (Markdown, self-contained
HTML, Word), the workbook behind it (``data.xlsx``), the charts (SVG, PNG, alt text) and a
zip of the lot. In 2019 the BBC Shared Data Unit sent partners exactly this by hand; here it
comes from the force story (``crime_outcomes.analysis.story``), so every figure in every file
is a field of the story (and of its JSON), formatted, never recomputed.

The modules, in the order a pack is made:

* ``model``: the brief as formatted text and tables, and what writing packs returns.
* ``brief``: the story to a ``Brief``, one function per section. One model, every rendering:
  Markdown, HTML and Word render the same ``Brief``, so they cannot disagree.
* ``markup`` (Markdown, HTML, the index page), ``docx`` (Word), ``xlsx`` (the workbook).
  Untrusted text stays text: HTML autoescaped, Markdown syntax escaped, spreadsheet text never
  a formula, Word given literal text. The HTML brief carries its CSS and charts inline.
* ``build``: one pack, or every force's with the national pack and ``index.html``.
"""

from crime_outcomes.outputs.packs.brief import build_brief, credit_line, edition_line, funnel_sentence, right_of_reply
from crime_outcomes.outputs.packs.build import render_pack, write_all, write_index, write_pack
from crime_outcomes.outputs.packs.markup import md_escape, render_html, render_markdown
from crime_outcomes.outputs.packs.model import (
    BRIEF_TOP_OFFENCES,
    CHART_FILES,
    OGL_CREDIT,
    PACK_FILES,
    RATIO_CHART_FILES,
    SOURCE_NAME,
    SOURCE_PAGE,
    AllPacks,
    Brief,
    ChartRef,
    PackResult,
    Progress,
    Table,
)

__all__ = [
    "BRIEF_TOP_OFFENCES",
    "CHART_FILES",
    "OGL_CREDIT",
    "PACK_FILES",
    "RATIO_CHART_FILES",
    "SOURCE_NAME",
    "SOURCE_PAGE",
    "AllPacks",
    "Brief",
    "ChartRef",
    "PackResult",
    "Progress",
    "Table",
    "build_brief",
    "credit_line",
    "edition_line",
    "funnel_sentence",
    "md_escape",
    "render_html",
    "render_markdown",
    "render_pack",
    "right_of_reply",
    "write_all",
    "write_index",
    "write_pack",
]
